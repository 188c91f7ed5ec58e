/*
 * The collect run (`reelsync collect`, docs/reelsync.1; the seed's run_full_collection):
 * the keys it needs, the HTTP engine, the run's record in `runs`, discovery (discover.c),
 * then the refresh of the movies due (pipeline.c), the last commit (batch.c), the verdict
 * and the compaction of the file. The phases and the batch never call back into this
 * file (docs/internals/orchestrator.md).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"
#include "reelsync/omdb.h"
#include "reelsync/tmdb.h"

/*
 * The largest answer a collect takes: TMDB details and discover pages are 2-15 KB, OMDB
 * answers about 1 KB. A larger body ends as bad_response and its movie stays due. The
 * bound is the store's: under the writers' memory limit DuckDB failed commits of large
 * values ("could not allocate block", 150 movies of 1 MiB; 16 of 2 MiB; 8 of 7 MiB with
 * the former 128 MB limit too), while 400 of 200 KiB went through. A batch of the refresh
 * is full at BATCH_BYTES of answers waiting too (pipeline.c), so large answers never pile
 * up.
 */
#define ANSWER_MAX_BYTES ((size_t)256 << 10)

/* ---- the run record -------------------------------------------------------------- */

/*
 * The run's result for the record and collect --json (docs/reelsync.1, "EXIT STATUS"):
 * a completed run is partial when single failures were recorded (they stay due); a TMDB
 * 404 (gone) and an OMDB "not found" are answers, not failures.
 */
static const char *result_name(const struct orch_stats *s, enum rs_err rc)
{
    if (rc == RS_ERR_CANCELLED)
        return "interrupted";
    if (rc == RS_ERR_DB_LOCKED)
        return "locked";
    if (rc != RS_OK)
        return "failed";
    for (int e = RS_OUTCOME_FIRST; e <= RS_OUTCOME_LAST; e++) {
        if (e != RS_ERR_NOT_FOUND && s->errors[e] > 0)
            return "partial";
    }
    return "ok";
}

void orch_stats_json_keys(struct jw *w, const struct orch_stats *s, enum rs_err rc)
{
    jw_kstring(w, "result", result_name(s, rc));
    jw_kstring(w, "error", rc == RS_OK ? NULL : rs_errname(rc));
    jw_kint(w, "discovered", s->discovered);
    jw_kint(w, "discovered_new", s->discovered_new);
    jw_kint(w, "tmdb_updated", s->tmdb_updated);
    jw_kint(w, "omdb_updated", s->omdb_updated);
    jw_kint(w, "frozen", s->frozen);
    jw_key(w, "failed");
    jw_object_begin(w);
    for (int api = 0; api < RS_API_COUNT; api++)
        jw_kint(w, rs_api_name((enum rs_api)api), s->failed[api]);
    jw_object_end(w);
    jw_key(w, "errors");
    jw_object_begin(w);
    for (int e = RS_OUTCOME_FIRST; e <= RS_OUTCOME_LAST; e++)
        jw_kint(w, rs_errname((enum rs_err)e), s->errors[e]);
    jw_object_end(w);
    jw_key(w, "requests");
    jw_object_begin(w);
    for (int api = 0; api < RS_API_COUNT; api++)
        jw_kint(w, rs_api_name((enum rs_api)api), s->requests[api]);
    jw_object_end(w);
    jw_kint(w, "deferred_by_quota", s->deferred_by_quota);
    jw_kint(w, "omdb_skipped_no_imdb", s->omdb_skipped_no_imdb);
    jw_kint(w, "gone", s->gone);
    jw_kint(w, "planned", s->planned);
    jw_kdouble(w, "duration_s", s->duration_s);
    jw_kint(w, "backlog", s->backlog);
    jw_kint(w, "discover_left_out", s->discover_left_out);
    jw_kint(w, "discover_incomplete", s->discover_incomplete);
    jw_kint(w, "feed_pages", s->feed_pages);
    jw_kint(w, "feed_changed", s->feed_changed);
    jw_kint(w, "feed_unknown", s->feed_unknown);
    jw_kint(w, "thawed", s->thawed);
    jw_kint(w, "feed_gap_days", s->feed_gap_days);
}

void orch_stats_json(struct jw *w, const struct orch_stats *s, enum rs_err rc)
{
    jw_object_begin(w);
    orch_stats_json_keys(w, s, rc);
    jw_object_end(w);
}

/* The options of a run, for its record: no keys, no URLs. */
static void options_json(struct jw *w, const struct orch_options *o)
{
    jw_object_begin(w);
    jw_kbool(w, "discover", o->discover);
    jw_kbool(w, "refresh", o->refresh);
    jw_kint(w, "start_year", o->start_year);
    jw_kint(w, "end_year", o->end_year);
    jw_kint(w, "min_vote_count", o->min_vote_count);
    jw_kint(w, "max_pages", o->max_pages);
    jw_kint(w, "refresh_limit", (int64_t)o->refresh_limit);
    jw_kbool(w, "include_frozen", o->include_frozen);
    jw_kstring(w, "policy", refresh_policy_name(o->policy));
    for (int api = 0; api < RS_API_COUNT; api++) {
        char key[32];
        const char *name = rs_api_name((enum rs_api)api);
        snprintf(key, sizeof(key), "%s_rps", name);
        jw_kdouble(w, key, o->rps[api]);
        snprintf(key, sizeof(key), "%s_concurrency", name);
        jw_kint(w, key, o->concurrency[api]);
        snprintf(key, sizeof(key), "%s_daily_limit", name);
        jw_kint(w, key, o->daily_limit[api]);
    }
    jw_kstring(w, "tmdb_auth", o->tmdb_token && *o->tmdb_token ? "bearer" : "api_key");
    jw_object_end(w);
}

/* Records the start of the run; a failure here is a storage failure of the run. */
static enum rs_err run_begin(struct orch *o, int64_t *run_id)
{
    struct jw w;
    struct rs_error e = {0};
    jw_init(&w);
    options_json(&w, o->opt);
    enum rs_err rc = jw_status(&w);
    if (rc == RS_OK)
        rc = store_run_begin(o->st, o->opt->now, jw_text(&w), run_id, &e);
    jw_release(&w);
    if (rc != RS_OK)
        rs_fail(o->err, rc, "cannot record the run: %s", e.msg);
    return rc;
}

/*
 * The exit status the program gives RC (docs/reelsync.1, "EXIT STATUS"), for the record:
 * a run stopped by a signal, which the program leaves in *opt->cancel, is 128 + it.
 */
static int run_status(const struct orch_options *opt, enum rs_err rc)
{
    int sig = opt->cancel ? (int)*opt->cancel : 0;
    if (rc == RS_OK)
        return 0;
    if (rc == RS_ERR_CANCELLED)
        return 128 + (sig > 0 && sig < 128 ? sig : SIGINT);
    return rc == RS_ERR_DB_LOCKED ? 4 : 1;
}

/*
 * Records the end of the run with its stats: it ended the run's wall time after its start
 * (opt->now, so --now shifts both). Best effort: the run's verdict stands.
 */
static void run_end(struct orch *o, int64_t run_id, enum rs_err rc)
{
    struct jw w;
    struct rs_error e = {0};
    rs_time_t ended = o->opt->now + (rs_time_t)(o->stats->duration_s + 0.5);
    jw_init(&w);
    orch_stats_json(&w, o->stats, rc);
    if (jw_status(&w) != RS_OK ||
        store_put_run_failures(o->st, run_id, o->failures, o->n_failures, ended, &e) != RS_OK ||
        store_run_end(o->st, run_id, ended, jw_text(&w), run_status(o->opt, rc), &e) != RS_OK)
        rs_logf(o->opt->log, RS_LOG_WARN, "collect: cannot record the end of run %lld: %s",
                (long long)run_id, e.msg);
    jw_release(&w);
}

/*
 * Compacts the file when its blocks in use have doubled since the last time (see
 * store_compact). Best effort after a completed run: a failure is rolled back, leaves the
 * file as it was and does not change the run's verdict.
 */
static void compact(struct orch *o)
{
    struct store_compaction c;
    struct rs_error e = {0};
    int64_t start_ms = rs_monotonic_ms();
    if (store_compact(o->st, false, &c, &e) != RS_OK) {
        rs_logf(o->opt->log, RS_LOG_WARN, "database: compaction skipped: %s", e.msg);
        return;
    }
    if (c.done)
        rs_logf(o->opt->log, RS_LOG_INFO, "database: compacted mib=%.1f->%.1f seconds=%.1f",
                (double)c.before_bytes / (1 << 20), (double)c.after_bytes / (1 << 20),
                (double)(rs_monotonic_ms() - start_ms) / 1000.0);
}

/* ---- the run ----------------------------------------------------------------------- */

enum rs_err orch_check_keys(const struct orch_options *opt, struct rs_error *err)
{
    bool tmdb = (opt->tmdb_key && *opt->tmdb_key) || (opt->tmdb_token && *opt->tmdb_token);
    if (opt->dry_run)
        return RS_OK;
    if ((opt->discover || opt->refresh) && !tmdb)
        return rs_fail(err, RS_ERR_CONFIG,
                       "TMDB_API_KEY is not set (export TMDB_API_KEY=... or "
                       "TMDB_ACCESS_TOKEN=..., or put it in the config file; see "
                       "reelsync collect --help)");
    if (opt->refresh && !(opt->omdb_key && *opt->omdb_key))
        return rs_fail(err, RS_ERR_CONFIG,
                       "OMDB_API_KEY is not set (export OMDB_API_KEY=... or put it in the "
                       "config file, or run collect --discover-only; see reelsync collect "
                       "--help)");
    return RS_OK;
}

static enum rs_err make_engine(struct orch *o, struct http **out, struct rs_error *err)
{
    const struct orch_options *opt = o->opt;
    struct http_config cfg = {
        .retry = opt->retry,
        .connect_timeout_ms = opt->connect_timeout_ms,
        .timeout_ms = opt->timeout_ms,
        .seed = (uint64_t)opt->now,
        .log = opt->log,
        .cancel = opt->cancel,
        .max_body = ANSWER_MAX_BYTES,
    };
    for (int api = 0; api < RS_API_COUNT; api++) {
        int64_t used = 0;
        enum rs_err rc =
            store_usage_total(o->st, rs_time_day(opt->now), (enum rs_api)api, &used, err);
        if (rc != RS_OK)
            return rc;
        cfg.api[api] = (struct http_api_config){
            .base_url = opt->base_url[api],
            .rps = opt->rps[api],
            .concurrency = opt->concurrency[api],
            .daily_limit = opt->daily_limit[api],
            .used_today = used,
        };
    }
    cfg.api[RS_API_TMDB].key_param = "api_key";
    cfg.api[RS_API_TMDB].key = opt->tmdb_key;
    cfg.api[RS_API_TMDB].bearer = opt->tmdb_token;
    cfg.api[RS_API_TMDB].classify = tmdb_classify_doc; /* the body parsed once: res->doc */
    cfg.api[RS_API_TMDB].free_doc = tmdb_free_doc;
    cfg.api[RS_API_OMDB].key_param = "apikey";
    cfg.api[RS_API_OMDB].key = opt->omdb_key;
    cfg.api[RS_API_OMDB].classify = omdb_classify_doc;
    cfg.api[RS_API_OMDB].free_doc = omdb_free_doc;
    return http_create(&cfg, out, err);
}

/* True when URL's path ends in "/3" (a trailing slash aside): TMDB's v3 API lives there. */
static bool ends_in_v3(const char *url)
{
    size_t n = url ? strlen(url) : 0;
    while (n > 0 && url[n - 1] == '/')
        n--;
    return n >= 2 && url[n - 2] == '/' && url[n - 1] == '3';
}

/* The most frequent final failure class of the run: the exit code of a failed run. */
static enum rs_err worst_class(const struct orch_stats *s)
{
    enum rs_err worst = RS_ERR_NETWORK;
    for (int k = RS_OUTCOME_FIRST; k <= RS_OUTCOME_LAST; k++) {
        if (s->errors[k] > s->errors[worst])
            worst = (enum rs_err)k;
    }
    return worst;
}

/*
 * API failed every request: the diagnosis names its URL and tells an unreachable server
 * (no answer at all) from a wrong path (a server answering 404 to everything).
 */
static enum rs_err api_failed(struct orch *o, enum rs_api api, const struct http_stats *hs)
{
    const char *url = o->opt->base_url[api];
    const char *name = rs_api_name(api);
    const char *var = api == RS_API_TMDB ? "TMDB_BASE_URL" : "OMDB_BASE_URL";
    const char *conn = http_api_conn_error(o->http, api);
    if (hs->answers[api] == 0 && conn[0])
        return rs_fail(o->err, RS_ERR_NETWORK,
                       "%s: every request failed: cannot reach %s: %s (is the server up? is %s "
                       "right?)",
                       name, url, conn, var);
    if (hs->answers[api] > 0 && hs->answers_404[api] == hs->answers[api]) {
        char hint[64];
        if (api == RS_API_TMDB && !ends_in_v3(url))
            snprintf(hint, sizeof(hint), "TMDB_BASE_URL should end in /3");
        else
            snprintf(hint, sizeof(hint), "is %s right?", var);
        return rs_fail(o->err, worst_class(o->stats),
                       "%s: every request failed: %s answered 404 Not Found to all %lld (%s)", name,
                       url, (long long)hs->answers[api], hint);
    }
    enum rs_err worst = worst_class(o->stats);
    return rs_fail(o->err, worst, "%s: every request failed (%s); is %s reachable?", name,
                   rs_strerror(worst), url);
}

/*
 * The run's verdict beyond storage failures: a rejected key, or an API that had work and
 * never once answered usefully (even while the other one worked), means the run could not
 * do its work (exit status 1). A daily limit is an answer too (the rest stays due), and an
 * interrupted run is judged by its interruption. A TMDB whose every answer was a 404 under
 * a base URL without /3 failed too, whatever the refresh made of the 404s.
 */
static enum rs_err verdict(struct orch *o)
{
    struct http_stats hs = {0};
    for (int api = 0; api < RS_API_COUNT; api++) {
        enum rs_err why = RS_OK;
        if (http_api_stopped(o->http, (enum rs_api)api, &why) && why == RS_ERR_AUTH)
            return rs_fail(o->err, RS_ERR_AUTH, "%s rejected the API key (check %s)",
                           api == RS_API_TMDB ? "TMDB" : "OMDB",
                           api == RS_API_TMDB ? "TMDB_API_KEY / TMDB_ACCESS_TOKEN"
                                              : "OMDB_API_KEY");
    }
    if (o->opt->cancel && *o->opt->cancel)
        return RS_OK;
    http_get_stats(o->http, &hs);
    for (int api = 0; api < RS_API_COUNT; api++) {
        enum rs_err why = RS_OK;
        bool quota =
            http_api_stopped(o->http, (enum rs_api)api, &why) && why == RS_ERR_QUOTA_EXHAUSTED;
        bool all_404 = hs.answers[api] > 0 && hs.answers_404[api] == hs.answers[api];
        bool wrong_path = api == RS_API_TMDB && all_404 && !ends_in_v3(o->opt->base_url[api]);
        if (hs.attempts[api] > 0 && !quota && (o->answered[api] == 0 || wrong_path))
            return api_failed(o, (enum rs_api)api, &hs);
    }
    return RS_OK;
}

static void finish_stats(struct orch *o, int64_t start_ms)
{
    struct http_stats hs = {0};
    if (o->http)
        http_get_stats(o->http, &hs);
    for (int api = 0; api < RS_API_COUNT; api++)
        o->stats->requests[api] = hs.attempts[api];
    o->stats->duration_s = (double)(rs_monotonic_ms() - start_ms) / 1000.0;
}

/*
 * Applies the journal an earlier run left beside the database (a kill -9, or a lock that
 * outlasted it), before this run plans: its answers are stored as that run would have.
 */
static enum rs_err apply_journal(struct orch *o)
{
    struct rs_error e = {0};
    size_t applied = 0;
    enum rs_err rc = journal_init(&o->journal, store_path(o->st), &e);
    if (rc == RS_OK)
        rc = journal_apply(o->st, &o->journal, o->opt->log, &applied, &e);
    if (rc != RS_OK)
        return rs_fail(o->err, rc, "%s", e.msg);
    if (applied > 0)
        rs_logf(o->opt->log, RS_LOG_INFO, "journal: stored %zu answers an earlier run received",
                applied);
    return RS_OK;
}

/* The run's phases and its last commit; the file is let go while the network is waited on. */
static void run_phases(struct orch *o)
{
    const struct orch_options *opt = o->opt;
    orch_batch_let_go(o);
    if (opt->discover)
        orch_discover(o);
    if (o->in_txn)
        orch_batch_commit(o); /* discovery's last rows, before the refresh plans */
    if (opt->refresh && opt->policy == REFRESH_POLICY_ADAPTIVE && !o->fatal &&
        !(opt->cancel && *opt->cancel))
        orch_feed(o);
    if (opt->refresh && !o->fatal && !(opt->cancel && *opt->cancel))
        orch_refresh(o);
    if (!o->fatal)
        orch_batch_commit(o);
    if (o->in_txn)
        store_rollback(o->st); /* after a storage failure: that batch's movies stay due */
}

enum rs_err orch_collect(struct store *st, const struct orch_options *opt, struct orch_stats *stats,
                         struct rs_error *err)
{
    struct orch o = {.st = st, .opt = opt, .stats = stats, .err = err};
    int64_t start_ms = rs_monotonic_ms();
    enum rs_err rc;

    memset(stats, 0, sizeof(*stats));
    o.last_commit_ms = start_ms;
    if (opt->dry_run)
        return RS_OK;
    rc = orch_check_keys(opt, err);
    if (rc == RS_OK)
        rc = apply_journal(&o);
    int64_t run_id = 0;
    if (rc == RS_OK)
        rc = run_begin(&o, &run_id);
    if (rc != RS_OK) {
        journal_release(&o.journal);
        return rc;
    }
    rc = make_engine(&o, &o.http, err);
    if (rc != RS_OK) {
        run_end(&o, run_id, rc);
        journal_release(&o.journal);
        return rc;
    }
    run_phases(&o);
    finish_stats(&o, start_ms);
    rc = o.fatal ? o.fatal : verdict(&o);
    if (rc == RS_OK && opt->cancel && *opt->cancel)
        rc = rs_fail(err, RS_ERR_CANCELLED, "interrupted; what was received is stored");
    http_destroy(o.http);
    if (store_holds(st) || store_take(st, 0, NULL, &(struct rs_error){0}) == RS_OK)
        run_end(&o, run_id, rc); /* not when another process kept the file to the end */
    if (rc == RS_OK)
        compact(&o);
    journal_release(&o.journal);
    free(o.failures);
    return rc;
}
