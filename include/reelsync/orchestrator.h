/*
 * orchestrator: the collect run (`reelsync collect`, docs/reelsync.1). Discovery, then
 * the refresh of the movies due: TMDB details and OMDB ratings fetched as a pipeline under
 * each API's limits, stored in small batches as they arrive, then the freezing rule.
 * Single failures are recorded and stay due (partial success); the run only fails when it
 * cannot do its work at all.
 */
#ifndef REELSYNC_ORCHESTRATOR_H
#define REELSYNC_ORCHESTRATOR_H

#include <signal.h>

#include "reelsync/http.h"
#include "reelsync/jsonw.h"
#include "reelsync/store.h"

enum orch_phase { ORCH_DISCOVER = 0, ORCH_REFRESH };
struct orch_progress {
    enum orch_phase phase;
    int64_t done, total; /* pages (discover) or movies (refresh) */
    int64_t errors;
};

struct orch_options {
    bool discover; /* run the discovery phase */
    bool refresh;  /* run the refresh phase */
    int start_year, end_year;
    int min_vote_count;
    int max_pages; /* per year; 0 = every page TMDB serves */
    size_t refresh_limit;
    bool include_frozen;
    bool dry_run;
    /*
     * collect --id: when N_IDS > 0, the refresh fetches these movies (distinct TMDB ids)
     * from TMDB and OMDB instead of the plan's, whatever their schedule (frozen and gone
     * ones too; unknown ones are added), without REFRESH_LIMIT; the caller turns discovery
     * off. ID_OUTCOME (N_IDS entries, may be NULL) gets each movie's TMDB outcome: RS_OK,
     * RS_ERR_NOT_FOUND (TMDB has no such movie), another class, or stays as the caller set
     * it when the run never asked.
     */
    const int64_t *ids;
    size_t n_ids;
    enum rs_err *id_outcome;
    enum refresh_policy policy; /* ADAPTIVE: the change feed first, learned intervals */
    /* Per API (RS_API_TMDB, RS_API_OMDB). */
    const char *base_url[RS_API_COUNT];
    double rps[RS_API_COUNT];
    int concurrency[RS_API_COUNT];
    int64_t daily_limit[RS_API_COUNT];
    const char *tmdb_key;   /* v3 key, or NULL */
    const char *tmdb_token; /* v4 token (used when set), or NULL */
    const char *omdb_key;
    struct retry_policy retry;
    long timeout_ms, connect_timeout_ms;
    rs_time_t now; /* the run's "now" (honouring --now) */
    const struct rs_log *log;
    const volatile sig_atomic_t *cancel;
    /* Progress, called from the loop at least on every completed movie and page. */
    void (*progress)(void *ctx, const struct orch_progress *p);
    void *progress_ctx;
    /*
     * Movies of the plan read back from its temporary file at a time (0: the default, a
     * few times the engine's window). The order and the requests are the same at any
     * size; tests set a small one to show it.
     */
    size_t plan_page;
    /*
     * Bytes of answers committed between two DuckDB instances (store_renew; 0: the default,
     * a few hundred MB). The rows written are the same at any size; tests set a small one.
     */
    size_t renew_bytes;
};

/* What a run did: the keys of collect --json (README, "Commands"). */
struct orch_stats {
    int64_t discovered; /* distinct movies seen by discovery */
    int64_t discovered_new;
    int64_t tmdb_updated; /* movies whose tmdb_movies row was written */
    int64_t omdb_updated;
    int64_t frozen;                   /* movies frozen in this run */
    int64_t failed[RS_API_COUNT];     /* movies whose request failed (final outcome) */
    int64_t errors[RS_OUTCOME_COUNT]; /* final failures by class (index: enum rs_err) */
    int64_t requests[RS_API_COUNT];   /* attempts sent, retries included */
    int64_t deferred_by_quota;        /* movies left due because a daily limit was hit */
    int64_t omdb_skipped_no_imdb;     /* movies with no IMDb id after TMDB */
    int64_t gone;                     /* movies TMDB answered 404 for */
    int64_t planned;                  /* movies selected for refresh */
    double duration_s;
    int64_t backlog;             /* movies due but left for a later run by --refresh-limit */
    int64_t discover_left_out;   /* movies --max-pages left out of discovery (total_results) */
    int64_t discover_incomplete; /* years whose discovery missed pages (discovery_gaps) */
    /* TMDB's change feed (policy adaptive; docs/internals/adaptive.md) */
    int64_t feed_pages;    /* pages read (requests.tmdb counts them too) */
    int64_t feed_changed;  /* known movies it reported, made due for TMDB */
    int64_t feed_unknown;  /* ids it reported that no movie has (not fetched) */
    int64_t thawed;        /* frozen movies it reported, thawed */
    int64_t feed_gap_days; /* days past what TMDB serves (14) that this run could not read */
};

/*
 * Checks that OPT holds the keys its phases need: a TMDB key or token for discovery and
 * the refresh, an OMDB key for the refresh; none for a dry run. RS_ERR_CONFIG names the
 * missing variable and how to set it, in ERR's message, a whole line for the program to
 * print after its "reelsync: " prefix. orch_collect starts with it.
 */
enum rs_err orch_check_keys(const struct orch_options *opt, struct rs_error *err);

/*
 * Runs a collection on ST with OPT. STATS is filled as far as the run got, also on error.
 * Returns RS_OK when the run completed (single failures included); RS_ERR_AUTH when an API
 * rejected the key, RS_ERR_NETWORK (or the class) when every request failed, RS_ERR_DB on a
 * storage failure, RS_ERR_CANCELLED when *opt->cancel stopped it (what was received is
 * stored), RS_ERR_CONFIG for a missing key.
 */
enum rs_err orch_collect(struct store *st, const struct orch_options *opt, struct orch_stats *stats,
                         struct rs_error *err);

/*
 * Writes STATS as one JSON object into W: the collect --json keys of the README (discovered,
 * tmdb_updated, omdb_updated, frozen, failed{}, errors{} by class, requests{},
 * deferred_by_quota, duration_s) plus "result" (ok, partial: single failures recorded,
 * failed, locked or interrupted), "error" (rs_errname(RC), null when RC is RS_OK) and the
 * extra counters. The same object is stored with the run record.
 */
void orch_stats_json(struct jw *w, const struct orch_stats *stats, enum rs_err rc);
/* The keys of orch_stats_json without the braces, for a caller that adds its own. */
void orch_stats_json_keys(struct jw *w, const struct orch_stats *stats, enum rs_err rc);

#endif
