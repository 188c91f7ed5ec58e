/*
 * TEMPORARY (issue 7, cli branch) -- DELETE AT MERGE together with src/zz_pending_stubs.c.
 *
 * The store functions the CLI expects and that are not yet in include/reelsync/store.h on
 * this branch: the monitoring report, export and unfreeze. Once store.h declares them,
 * delete this file and its one #include in src/cli.c (adapting cli.c if the merged shapes
 * differ).
 */
#ifndef RS_ZZ_PENDING_STORE_H
#define RS_ZZ_PENDING_STORE_H

#include "reelsync/store.h"

#define STORE_REPORT_RUNS 5

/* Attempts of one API over a window, by outcome: [RS_OK] successes, [class] failures. */
struct store_report_window {
    int64_t count[RS_OUTCOME_COUNT];
};

struct store_report_api {
    struct store_report_window today, last7, last30; /* UTC days ending with NOW's day */
    int64_t due_now;                                 /* non-frozen movies due for this API */
};

struct store_report_category {
    int64_t movies; /* non-frozen, not gone */
    int64_t due;    /* of those, due for TMDB or OMDB at NOW */
    int64_t frozen;
};

struct store_report_run {
    int64_t run_id;
    rs_time_t started_at;
    struct rs_i64 ended_at; /* unset while running or after a crash */
    int status;             /* exit status recorded by store_run_end */
    char stats_json[2048];  /* as given to store_run_end, "" when none */
};

struct store_report {
    int64_t movies, frozen, missing_imdb, gone;
    struct store_report_api api[RS_API_COUNT];
    struct store_report_category category[REFRESH_CATEGORY_COUNT];
    size_t n_runs; /* most recent first */
    struct store_report_run runs[STORE_REPORT_RUNS];
};

/* Fills OUT with the monitoring report at NOW. */
enum rs_err store_report(struct store *st, rs_time_t now, struct store_report *out,
                         struct rs_error *err);

/* Writes the joined movie data (one row per movie) to PATH as FORMAT: "csv", "parquet", "json". */
enum rs_err store_export(struct store *st, const char *format, const char *path,
                         struct rs_error *err);

/*
 * Clears data_frozen (and the stable cycle count) of the N movies TMDB_IDS, or of every
 * movie when ALL. *CHANGED gets how many movies were frozen before.
 */
enum rs_err store_unfreeze(struct store *st, const int64_t *tmdb_ids, size_t n, bool all,
                           rs_time_t now, int64_t *changed, struct rs_error *err);

#endif
