/*
 * store: the DuckDB file. Every SQL statement reelsync runs is in src/store/, the only module
 * that includes duckdb.h (docs/internals/store.md). It creates and migrates the schema
 * (docs/schema.md: the data tables plus schema_version, api_usage, runs and tracking columns),
 * writes rows through prepared statements or the appender inside transactions, and answers the
 * planner's and the reports' queries.
 *
 * Time: every function that stamps or compares takes `now` (UTC seconds, honouring --now);
 * the store never reads the clock.
 *
 * Threads: a struct store is used by one thread at a time. Every write function that is
 * called outside store_begin/store_commit runs in a transaction of its own, so a movie's
 * details row and its tracking stamp are committed together or not at all.
 */
#ifndef REELSYNC_STORE_H
#define REELSYNC_STORE_H

#include <signal.h>

#include "reelsync/normalize.h"
#include "reelsync/refresh.h"

struct store;

enum store_mode { STORE_READ_WRITE = 0, STORE_READ_ONLY };

/*
 * Opens (creating it with the schema, or migrating it, if need be) the database at PATH.
 * Errors: RS_ERR_DB_LOCKED when another process holds it; RS_ERR_DB for a file that is not
 * a DuckDB database or was written by a newer reelsync (it is left untouched); RS_ERR_IO
 * for a path that cannot be created. *OUT is written only on success.
 */
enum rs_err store_open(const char *path, enum store_mode mode, struct store **out,
                       struct rs_error *err);
/* Closes ST (rolling back an open transaction); accepts NULL. */
void store_close(struct store *st);
/* How soon (ms) DuckDB's allocator gives freed pages back: every open sets it (allocator.c). */
#define STORE_ALLOCATOR_DECAY_MS 100

/* Transactions. Writes outside one run in their own implicit transaction. */
enum rs_err store_begin(struct store *st, struct rs_error *err);
enum rs_err store_commit(struct store *st, struct rs_error *err);
void store_rollback(struct store *st);

/*
 * Upserts discovered movies: inserts new ones, updates title and release date of known
 * ones (tracking stamps kept), and clears their "gone" mark. NEW_COUNT (may be NULL) gets
 * how many were new.
 */
enum rs_err store_upsert_discovered(struct store *st, const struct discover_row *rows, size_t n,
                                    rs_time_t now, size_t *new_count, struct rs_error *err);

/* TMDB answered 404 for the N movies TMDB_IDS: mark them gone (out of planning until rediscovered);
 * OMDB knows no record: stamp the check. RS_ERR_DB, nothing stamped, if one is unknown. */
enum rs_err store_mark_gone(struct store *st, const int64_t *tmdb_ids, size_t n, rs_time_t now,
                            struct rs_error *err);
enum rs_err store_stamp_omdb_checked(struct store *st, const int64_t *tmdb_ids, size_t n,
                                     rs_time_t now, struct rs_error *err);

/*
 * A refresh's writes, in batches of N movies with distinct tmdb_ids (a single movie is a
 * batch of 1). A few set-based statements per batch, so a movie costs an order of magnitude
 * less than statements of its own would.
 *
 * store_put_tmdb_batch writes each movie's TMDB details (tmdb_movies row, fetched_at = NOW)
 * and sets movies.imdb_id (when known), title (when known), release_date, last_tmdb_update
 * = NOW, creating the movies row if needed. In the same transaction, its history: one
 * `observations` row per movie, and one `change_log` row (run id: the run of
 * store_run_begin) per logged field whose value differs from the stored row's (none for a
 * movie with no stored row); and it replaces the movie's movie_credits, movie_keywords and
 * release_dates rows of each part rows[i].parts carries (has_*). CHANGED (may be NULL) gets N
 * flags: whether the movie had no stored row or a field was logged; the freezing rule's one notion
 * of "changed".
 */
enum rs_err store_put_tmdb_batch(struct store *st, const struct tmdb_row *rows, size_t n,
                                 rs_time_t now, bool *changed, struct rs_error *err);
/*
 * Likewise for OMDB: the omdb_movies row of rows[i].imdb_id (two movies sharing an IMDb id:
 * the last one wins), last_omdb_update of TMDB_IDS[i] = NOW, its imdb_id when it had none.
 * Every TMDB_IDS[i] must exist and every row have an imdb_id (RS_ERR_DB otherwise, nothing
 * written). History and CHANGED as above; the stored row is the record of the IMDb id, for a
 * movie that had an OMDB record stored before.
 */
enum rs_err store_put_omdb_batch(struct store *st, const int64_t *tmdb_ids,
                                 const struct omdb_row *rows, size_t n, rs_time_t now,
                                 bool *changed, struct rs_error *err);
/*
 * Ends the refresh of each movie TMDB_IDS[i] in a run: stable_cycles + 1 if nothing
 * CHANGED[i], else 0 (and the "last changed" stamp = NOW); last_full_refresh = NOW when
 * BOTH[i] APIs were stored; freezes the movie when refresh_freezes says so at NOW. FROZEN
 * (may be NULL) gets N flags: whether this call froze it. A frozen movie refreshed anyway
 * (--include-frozen) whose data CHANGED is unfrozen. Each freeze and unfreeze is a
 * `movie_events` row. RS_ERR_DB when an id is unknown
 * (nothing is kept when the call ran in its own transaction; inside the caller's, roll back).
 */
enum rs_err store_finish_refresh_batch(struct store *st, const int64_t *tmdb_ids,
                                       const bool *changed, const bool *both, size_t n,
                                       rs_time_t now, bool *frozen, struct rs_error *err);

/* One planned movie. */
struct plan_item {
    int64_t tmdb_id;
    char imdb_id[24]; /* "" when unknown */
    char *title;      /* NULL when unknown or not asked for (store_plan's TITLES) */
    struct rs_i64 release_date;
    struct rs_i64 last_tmdb; /* rs_time_t of the last TMDB check */
    struct rs_i64 last_omdb; /* rs_time_t of the last OMDB check (stored or not found) */
    enum refresh_category category;
    int64_t age_days; /* 0 when no release date */
    bool needs_tmdb;
    bool needs_omdb; /* OMDB due and an IMDb id known or coming from TMDB now */
    bool frozen;
    int64_t overdue_s;          /* seconds past due; INT64_MAX when never fetched */
    enum refresh_policy policy; /* the policy that planned it (store_use_policy) */
    bool tmdb_feed;             /* TMDB's change feed reported a change after the last TMDB check */
    struct rs_i64 feed_day;     /* the latest day the feed reported (rs_date_t) */
    double interval_days[RS_API_COUNT]; /* each API's interval for this movie now */
    /* With OMDB's hazard (adaptive): the chance that an OMDB check now finds a change, by
       which it is due; negative when the hazard does not decide (seed, never checked) */
    double omdb_chance;
};

/*
 * Plans with POLICY from now on (store_plan, store_plan_count, store_report): SEED, the
 * seed's table (what a store uses until told otherwise), or ADAPTIVE, the schedule
 * refresh_schedule_make makes of this database's evidence at NOW (store_refresh_evidence;
 * FEED: TMDB's change feed is read; REFRESH_LIMIT: movies a run, a run a day; 0: none). *SCHEDULE
 * (may be NULL) gets the schedule.
 */
enum rs_err store_use_policy(struct store *st, enum refresh_policy policy, bool feed,
                             size_t refresh_limit, rs_time_t now, struct refresh_schedule *schedule,
                             struct rs_error *err);
/*
 * What the refreshes of the last REFRESH_LEARN_DAYS before NOW found, and the movies planning
 * considers now, per API, category and "the last refresh changed it" (refresh.h), from
 * observations and change_log (a TMDB change counts only when the feed had not reported
 * it: feed_changes). *EV is written only on success.
 */
enum rs_err store_refresh_evidence(struct store *st, rs_time_t now, struct refresh_evidence *ev,
                                   struct rs_error *err);

/*
 * Selects the movies due at NOW under the policy, most overdue first (never fetched first),
 * at most LIMIT (0: no limit), skipping frozen ones unless INCLUDE_FROZEN and gone ones.
 * Titles only when TITLES: a refresh plans every movie it will fetch and needs none of
 * them. One query; *ITEMS is written only on success; free it with store_plan_free.
 */
enum rs_err store_plan(struct store *st, rs_time_t now, size_t limit, bool include_frozen,
                       bool titles, struct plan_item **items, size_t *n, struct rs_error *err);

/*
 * store_plan without the array: calls EACH(CTX, item) for every movie store_plan would
 * select, in its order, as DuckDB makes the rows (a streaming result, so a plan of a
 * million movies is never in memory at once). The item and its title are lent for the call
 * only. EACH returns false to stop early; the call then returns RS_OK. Nothing else may use
 * ST until it returns (DuckDB ends a streaming result at the connection's next statement).
 */
typedef bool (*store_plan_fn)(void *ctx, const struct plan_item *it);
enum rs_err store_plan_each(struct store *st, rs_time_t now, size_t limit, bool include_frozen,
                            bool titles, store_plan_fn each, void *ctx, struct rs_error *err);

/* Frees a plan of N items from store_plan (NULL is fine). */
void store_plan_free(struct plan_item *items, size_t n);

/* ---- TMDB's change feed (docs/internals/adaptive.md; the table feed_changes) ---- */

/* The last day whose feed window was read completely; NULL when never (a first run). */
enum rs_err store_feed_watermark(struct store *st, struct rs_i64 *day, struct rs_error *err);
/* Sets the watermark to DAY, inside the caller's transaction if one is open. */
enum rs_err store_feed_set_watermark(struct store *st, rs_date_t day, struct rs_error *err);
/*
 * Records that the days FROM..TO were not read (a gap past what TMDB serves): the count of
 * gaps, the days missed in all and the last gap's first day (stats shows them).
 */
enum rs_err store_feed_record_gap(struct store *st, rs_date_t from, rs_date_t to,
                                  struct rs_error *err);
/* The feed's record: watermark (NULL: never read), gaps, days missed, last gap's first day. */
struct store_feed_state {
    struct rs_i64 watermark, last_gap;
    int64_t gaps, gap_days;
};
enum rs_err store_feed_state(struct store *st, struct store_feed_state *out, struct rs_error *err);
/*
 * Notes that the feed reported IDS[0..N) changed on DAY, read at NOW: each known movie gets
 * a feed_changes row (one per movie and day, the first reading's time kept), which makes it
 * due for TMDB when newer than its last TMDB check; a known frozen movie is thawed
 * (data_frozen and stable_cycles cleared, a "thawed" movie_events row); rows of days
 * REFRESH_LEARN_DAYS before DAY go. Counts: *UNKNOWN ids no movie has, *THAWED (may be NULL)
 * movies thawed, whose ids go to THAWED_IDS (may be NULL; room for N).
 */
enum rs_err store_feed_note(struct store *st, const int64_t *ids, size_t n, rs_date_t day,
                            rs_time_t now, int64_t *unknown, int64_t *thawed, int64_t *thawed_ids,
                            struct rs_error *err);

/* A movie's refresh state, as the forecast replays it. */
struct store_movie_state {
    struct rs_i64 release_date; /* rs_date_t */
    struct rs_i64 last_tmdb;    /* rs_time_t of the last TMDB check; NULL: never */
    struct rs_i64 last_omdb;    /* the last OMDB check (stored or not found); NULL: never */
    bool has_imdb;
    bool changed[RS_API_COUNT]; /* the last refresh of that API changed the movie */
    bool feed_due;              /* TMDB's feed reported a change after the last TMDB check */
};
/*
 * Calls EACH once per movie that planning considers (not gone; frozen ones only when
 * INCLUDE_FROZEN) with its state, streamed: memory does not grow with the movies. S is valid
 * during the call only.
 */
enum rs_err store_each_state(struct store *st, bool include_frozen,
                             void (*each)(void *ctx, const struct store_movie_state *s), void *ctx,
                             struct rs_error *err);

/* Adds COUNTS (indexed RS_OK and the outcome classes) to API's usage on DAY. */
enum rs_err store_usage_add(struct store *st, rs_date_t day, enum rs_api api,
                            const int64_t counts[RS_OUTCOME_COUNT], struct rs_error *err);
/* Total attempts of API on DAY (all outcomes). */
enum rs_err store_usage_total(struct store *st, rs_date_t day, enum rs_api api, int64_t *total,
                              struct rs_error *err);

/* Records the start of a collect run (OPTIONS_JSON: its options); *RUN_ID gets its id, which
 * the store's history rows carry from then on. */
enum rs_err store_run_begin(struct store *st, rs_time_t now, const char *options_json,
                            int64_t *run_id, struct rs_error *err);
/* A movie a run failed to fetch from API after its retries, with the error class. */
struct store_failure {
    int64_t tmdb_id;
    enum rs_api api;
    enum rs_err error;
};
/* Records the N FAILURES of run RUN_ID (run_failures, failed_at = NOW), in one transaction. */
enum rs_err store_put_run_failures(struct store *st, int64_t run_id,
                                   const struct store_failure *failures, size_t n, rs_time_t now,
                                   struct rs_error *err);
/* Records the end of a run with its stats (STATS_JSON) and exit status. */
enum rs_err store_run_end(struct store *st, int64_t run_id, rs_time_t now, const char *stats_json,
                          int status, struct rs_error *err);

/*
 * One `movies` row with its tracking columns. From store_get_movie every string is
 * malloc'd (release with store_movie_release); as input to store_bulk_insert_movies the
 * strings are only read.
 */
struct store_movie {
    int64_t movie_id;
    int64_t tmdb_id;
    char *imdb_id; /* NULL when unknown */
    char *title;
    struct rs_i64 release_date;     /* rs_date_t */
    struct rs_i64 last_tmdb_update; /* rs_time_t, as are the stamps below */
    struct rs_i64 last_omdb_update;
    struct rs_i64 last_full_refresh;
    bool data_frozen;
    struct rs_i64 created_at;
    struct rs_i64 updated_at;
    struct rs_i64 omdb_not_found_at; /* last OMDB "not found" */
    struct rs_i64 tmdb_gone_at;      /* TMDB 404: out of planning until rediscovered */
    int64_t stable_cycles;           /* unchanged refreshes in a row */
    struct rs_i64 data_changed_at;   /* "last changed": when a refresh last logged a change */
};
/* Frees the strings of M and zeroes it; accepts a zeroed struct. */
void store_movie_release(struct store_movie *m);

/*
 * Reads the movie TMDB_ID into *OUT (strings malloc'd). *FOUND says whether it exists;
 * *OUT is written only when found.
 */
enum rs_err store_get_movie(struct store *st, int64_t tmdb_id, struct store_movie *out, bool *found,
                            struct rs_error *err);

/*
 * Bulk path for benchmarks and tests: appends N new movies with every tracking column as
 * given in ROWS (movie_id is assigned; created_at/updated_at NULL become NOW). The tmdb_ids
 * must be new and distinct (RS_ERR_DB otherwise). One statement; runs in the caller's
 * transaction or its own.
 */
enum rs_err store_bulk_insert_movies(struct store *st, const struct store_movie *rows, size_t n,
                                     rs_time_t now, struct rs_error *err);

/* Number of rows in movies (the benchmark's baseline query). */
enum rs_err store_count_movies(struct store *st, int64_t *count, struct rs_error *err);
/*
 * The highest tmdb_id of `movies` (0 when empty): a full scan of one column, the honest
 * yardstick for the planner's time (count(*) is answered from metadata). For benchmarks.
 */
enum rs_err store_max_tmdb_id(struct store *st, int64_t *max, struct rs_error *err);

/*
 * Clears data_frozen and stable_cycles of the movies IDS[0..N) (tmdb ids), or of every
 * frozen movie when ALL; each one that was frozen gets an 'unfrozen' movie_events row at
 * NOW. *CHANGED (may be NULL) gets how many were frozen before.
 */
enum rs_err store_unfreeze(struct store *st, const int64_t *ids, size_t n, bool all, rs_time_t now,
                           size_t *changed, struct rs_error *err);

/* ---- history (docs/schema.md, "History"): observations, change_log, movie_events, runs */

/* One observation: TMDB rows set the TMDB values, OMDB rows the OMDB ones (NULL otherwise). */
struct store_observation {
    rs_time_t at;
    enum rs_api api;
    struct rs_i64 vote_count, revenue, budget, imdb_votes, metacritic, rotten_tomatoes, box_office;
    struct rs_f64 vote_average, popularity, imdb_rating;
};
/* One change_log row (strings malloc'd; NULL values are NULL). */
struct store_change {
    rs_time_t at;
    int64_t tmdb_id;
    enum rs_api api;
    char *field, *old_value, *new_value;
    struct rs_i64 run_id;
};
/* One movie_events row. */
struct store_event {
    rs_time_t at;
    char event[16]; /* frozen, thawed, unfrozen */
    struct rs_i64 run_id;
    char *reason;
};
/* A movie's history, oldest first in each list. */
struct store_history {
    int64_t tmdb_id;
    char *title; /* NULL when unknown */
    struct store_observation *obs;
    size_t n_obs;
    struct store_change *changes;
    size_t n_changes;
    struct store_event *events;
    size_t n_events;
};
/* The charted columns of observations, in table order, with the API whose rows set them. */
struct store_obs_column {
    const char *name;
    enum rs_api api;
};
#define STORE_OBS_COLUMNS 10
extern const struct store_obs_column store_obs_columns[STORE_OBS_COLUMNS];

/*
 * The history of movie TMDB_ID into *OUT (free with store_history_free). FIELD (NULL: all)
 * narrows it to one series: an observations column (its API's observations) or a stored
 * field (its change_log rows); events only without FIELD. *FOUND says whether the movie
 * exists. RS_ERR_USAGE when FIELD is none of those (a column of observations, tmdb_movies or
 * omdb_movies).
 */
enum rs_err store_history(struct store *st, int64_t tmdb_id, const char *field,
                          struct store_history *out, bool *found, struct rs_error *err);
void store_history_free(struct store_history *h);

struct store_run;
/*
 * The runs, newest first: RUN_ID's only (none when unknown) when RUN_ID > 0, else the last
 * LIMIT. *RUNS malloc'd (free with store_runs_free).
 */
enum rs_err store_runs(struct store *st, int64_t run_id, size_t limit, struct store_run **runs,
                       size_t *n, struct rs_error *err);
void store_runs_free(struct store_run *runs, size_t n);

/* A failed movie of a run (run_failures). */
struct store_run_failure {
    int64_t tmdb_id;
    enum rs_api api;
    char error_class[24];
};
/* What run RUN_ID did to the data: its failures and its change_log rows (by movie, field). */
struct store_run_detail {
    struct store_run_failure *failures;
    size_t n_failures;
    struct store_change *changes;
    size_t n_changes;
};
enum rs_err store_run_detail(struct store *st, int64_t run_id, struct store_run_detail *out,
                             struct rs_error *err);
void store_run_detail_free(struct store_run_detail *d);

/* Usage windows of store_report: today, the last 7 and the last 30 UTC days (incl. today). */
enum store_window { STORE_TODAY = 0, STORE_LAST_7, STORE_LAST_30, STORE_WINDOW_COUNT };

/* A run record. */
struct store_run {
    int64_t id;
    rs_time_t started_at;
    struct rs_i64 ended_at; /* NULL while running or after a crash */
    struct rs_i64 status;   /* exit status; NULL likewise */
    char *options_json;     /* malloc'd; NULL when none */
    char *stats_json;
    /* The run's counts from its stats (NULL while running, after a crash, or when absent). */
    struct rs_i64 discovered, tmdb_updated, omdb_updated, frozen;
    char result[16]; /* its stats' "result" (ok, partial, failed...); "" when absent */
    /* From store_runs only: requests and failed movies per API from its stats (NULL when
     * absent), the movies with change_log rows in the run. */
    struct rs_i64 requests[RS_API_COUNT], failed[RS_API_COUNT];
    int64_t changed;
};

#define STORE_REPORT_RUNS 10

/* The numbers of `reelsync stats`. */
struct store_report {
    /* requests per API per window, by outcome (index RS_OK = success, then the classes) */
    int64_t usage[RS_API_COUNT][STORE_WINDOW_COUNT][RS_OUTCOME_COUNT];
    int64_t usage_total[RS_API_COUNT][STORE_WINDOW_COUNT];
    /* failures by class over all time, both APIs */
    int64_t errors[RS_OUTCOME_COUNT];
    /* per category at NOW, movies not gone: total, due (either API, not frozen), not due
     * (not frozen), frozen */
    struct {
        int64_t total, due, not_due, frozen;
    } category[REFRESH_CATEGORY_COUNT];
    int64_t movies; /* every row */
    int64_t frozen;
    int64_t gone;
    int64_t missing_imdb;          /* not gone, no IMDb id */
    int64_t due_now[RS_API_COUNT]; /* needs_tmdb / needs_omdb as store_plan, not frozen */
    int64_t tmdb_rows, omdb_rows;  /* rows of tmdb_movies, omdb_movies */
    /* Freshness over the movies not gone, in whole days before NOW: since the last check per
     * API (median and oldest over the movies not frozen; an OMDB "not found" is a check) and
     * since the data last changed (median; the change log's time). NULL when none has it. */
    struct rs_i64 checked_days_median[RS_API_COUNT], checked_days_max[RS_API_COUNT];
    struct rs_i64 unchanged_days_median;
    struct store_run runs[STORE_REPORT_RUNS]; /* newest first */
    size_t n_runs;
    /* Freshness against the refresh policy (README, "The refresh policy") at NOW, per API and
     * category: the movies counted (not gone, not frozen; for OMDB only those with an IMDb
     * id, the only ones OMDB can be asked for) and how many of them are within their
     * interval (not due for that API). Movies never checked are counted, as not within. */
    struct {
        int64_t movies, within;
    } within_interval[RS_API_COUNT][REFRESH_CATEGORY_COUNT];
    int64_t never_checked[RS_API_COUNT]; /* counted movies without any check by that API */
    /* The counted movie checked before that is furthest past due, per API (ties: lowest
     * tmdb_id); set false when none is overdue. days: whole days past due. */
    struct store_overdue {
        bool set;
        int64_t tmdb_id;
        char *title; /* malloc'd; NULL when the movie has none */
        enum refresh_category category;
        int64_t days;
    } oldest_overdue[RS_API_COUNT];
};
/* Fills *REP (release it with store_report_release) for NOW. Written only on success. */
enum rs_err store_report(struct store *st, rs_time_t now, struct store_report *rep,
                         struct rs_error *err);
/* Frees the run strings of REP; accepts a zeroed report. */
void store_report_release(struct store_report *rep);

/*
 * Writes TABLE to PATH in FORMAT: "csv" (with header), "parquet" or "json" (one object per
 * line). TABLE "movies": one row per movie, with its TMDB and OMDB columns joined (prefixed
 * tmdb_ and omdb_; raw JSON left out), ordered by tmdb_id; "observations", "changes"
 * (change_log) or "events" (movie_events): the history table's columns, oldest first.
 * RS_ERR_USAGE for another table or format; RS_ERR_IO when PATH cannot be written.
 */
enum rs_err store_export(struct store *st, const char *table, const char *format, const char *path,
                         struct rs_error *err);
/* Whether store_export knows TABLE. */
bool store_export_table_known(const char *table);

/*
 * Compaction. DuckDB does not reclaim the space of rows deleted from an indexed table, and
 * every run writes its rows into blocks of their own, so a file that is refreshed daily
 * grows by about a megabyte a run. store_compact rebuilds every table (in one transaction:
 * a crash leaves the file as it was) so that only the live rows take space. Unless FORCE,
 * it does so only when the bytes in use have at least doubled since the last compaction
 * (or since the first call on this file) and grown by STORE_COMPACT_MIN_GROWTH, so its cost
 * stays a fixed share of what was written. The file itself shrinks at the checkpoint of
 * store_close (DuckDB cuts free blocks at its end off then); free blocks inside it are
 * reused. Needs no open transaction; cached statements are prepared afresh after it.
 * *OUT (written on success) says whether it ran and the bytes in use before and after.
 */
#define STORE_COMPACT_MIN_GROWTH (32LL << 20)
struct store_compaction {
    bool done;
    int64_t before_bytes, after_bytes; /* in blocks in use; the file follows at store_close */
};
enum rs_err store_compact(struct store *st, bool force, struct store_compaction *out,
                          struct rs_error *err);

/* The schema version this build creates and understands. */
int store_schema_version(void);
/* The version of the DuckDB library in use ("v1.4.5"); static storage. */
const char *store_duckdb_version(void);

/*
 * How many movies store_plan would select at NOW without a limit (the backlog a limit
 * leaves: collect's refresh log, plan --json's total_due). One query; *COUNT is written
 * only on success.
 */
enum rs_err store_plan_count(struct store *st, rs_time_t now, bool include_frozen, int64_t *count,
                             struct rs_error *err);

/*
 * Writes the data tables as they are, DIR/movies.parquet, DIR/tmdb_movies.parquet and
 * DIR/omdb_movies.parquet (docs/schema.md), read in one transaction so the three agree.
 * DIR must exist. RS_ERR_IO when a file cannot be written. For collect --publish (publish.h).
 */
enum rs_err store_export_tables(struct store *st, const char *dir, struct rs_error *err);

/*
 * The ids among IDS[0..N) (tmdb ids) that no `movies` row has, each once, in ascending
 * order, into a malloc'd *UNKNOWN (free it) of *N_UNKNOWN (unfreeze names them). Written
 * only on success.
 */
enum rs_err store_unknown_movies(struct store *st, const int64_t *ids, size_t n, int64_t **unknown,
                                 size_t *n_unknown, struct rs_error *err);

/*
 * Discovery gaps (docs/schema.md, discovery_gaps): a year whose discovery missed pages
 * after their retries. PAGES_MISSING is -1 (NULL in the table) when a first page failed,
 * so the year's page count is unknown. The next collect whose --start-year..--end-year
 * holds the year asks for it again and clears the gap when the year is complete.
 */
struct store_gap {
    int year;
    int pages_missing; /* -1: unknown (a first page failed) */
    rs_time_t recorded_at;
};
/* Records (or replaces) YEAR's gap at NOW, inside the caller's transaction if one is open. */
enum rs_err store_gap_record(struct store *st, int year, int pages_missing, rs_time_t now,
                             struct rs_error *err);
/* Forgets YEAR's gap, if any: its discovery was complete. */
enum rs_err store_gap_clear(struct store *st, int year, struct rs_error *err);
/* Every gap, by year, into a malloc'd array *OUT (NULL when none) of *N; free() it. */
enum rs_err store_gaps(struct store *st, struct store_gap **out, size_t *n, struct rs_error *err);

/* ---- sharing the file with other processes (docs/internals/store.md, "Locking") ---- */

/* Who holds the file, from DuckDB's lock error: PID 0 and PROGRAM "" when it did not say. */
struct store_holder {
    long pid;
    char program[512];
};

/*
 * How store_open_ext waits for a file another process holds. It tries the open again every
 * STORE_LOCK_RETRY_MS until LOCK_TIMEOUT_S seconds have passed (0: it does not wait), or
 * *CANCEL (may be NULL) is set. WAITING (may be NULL) is called once, when the first try
 * finds the file held, with the holder and the timeout: the program says so; the library
 * prints nothing. The same wait applies to store_take.
 */
#define STORE_LOCK_RETRY_MS 200
#define STORE_RETAKE_MIN_S 10.0
struct store_open_options {
    enum store_mode mode;
    double lock_timeout_s;
    const volatile sig_atomic_t *cancel;
    void (*waiting)(void *ctx, const char *path, const struct store_holder *holder,
                    double timeout_s);
    void *ctx;
    /*
     * DuckDB's memory limit in MB; 0: the store's own (a writer sized from the file, a
     * reader a fixed one; docs/internals/store.md, "Opening, and DuckDB's memory"). For
     * tests that drive a write into the limit, and for operators who know better.
     */
    int64_t memory_limit_mb;
    /* Movies store_export joins at a time (0: its own, 16,384). For tests. */
    int64_t export_piece;
};

/*
 * store_open with the wait of OPTS. On RS_ERR_DB_LOCKED (the file still held when the wait
 * ended) *HOLDER (may be NULL) gets the holder; RS_ERR_CANCELLED when *CANCEL stopped the
 * wait. store_open(path, mode, ...) is store_open_ext with no wait.
 */
enum rs_err store_open_ext(const char *path, const struct store_open_options *opts,
                           struct store **out, struct store_holder *holder, struct rs_error *err);

/*
 * After RS_ERR_NOMEM (DuckDB's memory limit used up; the caller rolls back), raises ST's
 * limit up to half the RAM so the work can be tried again (a reader's doubles, a writer's
 * grows by a quarter); *MB (may be NULL) gets it. A writer gets a new DuckDB instance with
 * the file attached again (no open transaction). RS_ERR_NOMEM at that ceiling already.
 */
enum rs_err store_grow_memory(struct store *st, int64_t *mb, struct rs_error *err);
/* A writer's DuckDB instance made anew, same limit (docs/internals/store.md); no open tx. */
enum rs_err store_renew(struct store *st, struct rs_error *err);
int64_t store_memory_limit_mb(const struct store *st); /* DuckDB's limit of ST, in MB */

/*
 * Lets the file go (DETACH; DuckDB checkpoints it) so other processes can open it, keeping
 * ST's own temporary tables; needs no open transaction. Until store_take, every function
 * that reads or writes the file fails. Does nothing when already let go.
 */
enum rs_err store_let_go(struct store *st, struct rs_error *err);
/*
 * Takes the file again after store_let_go, waiting as store_open_ext did but at least
 * STORE_RETAKE_MIN_S (readers that got in while it was let go hold it for moments, also
 * under a timeout of 0); WAIT_S >= 0 overrides the wait (0: one try). Cached statements are
 * prepared afresh. Does nothing when held. RS_ERR_DB_LOCKED fills *HOLDER (may be NULL).
 */
enum rs_err store_take(struct store *st, double wait_s, struct store_holder *holder,
                       struct rs_error *err);
/* Whether ST holds its file (open, and not let go). */
bool store_holds(const struct store *st);
/* The path ST was opened with. */
const char *store_path(const struct store *st);

/* The reads of query and report --html. */
#include "reelsync/store_reads.h"

#endif
