/*
 * store_reads: what the store answers the commands that look at the data without a
 * schedule of their own: `reelsync query` (a user's SQL, streamed) and `reelsync report
 * --html` (requests per day, days since the last check). Included by store.h; implemented in
 * src/store/query.c and src/store/charts.c.
 */
#ifndef REELSYNC_STORE_READS_H
#define REELSYNC_STORE_READS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reelsync/reelsync.h"

struct store;

/*
 * A user's SQL (reelsync query): what store_query hands its caller. The kind of a column
 * is what a JSON writer needs of its type: a number (integers, decimals, floats: the text
 * may still be "inf" or "nan"), a boolean ("true"/"false"), or text (everything else,
 * nested values written as DuckDB casts them to VARCHAR).
 */
enum store_col_kind { STORE_COL_TEXT = 0, STORE_COL_NUMBER, STORE_COL_BOOL };
struct store_query_sink {
    /* Once, before any row: the result's N column names and kinds (valid during the call). */
    bool (*columns)(void *ctx, size_t n, const char *const *names,
                    const enum store_col_kind *kinds);
    /* Each row in order: N values as text, NULL for SQL NULL (valid during the call). */
    bool (*row)(void *ctx, const char *const *values);
    void *ctx;
    /* Either callback returns false to stop the query (store_query then returns RS_OK). */
};

/*
 * Runs SQL, one read-only statement, on ST, which must have been opened STORE_READ_ONLY
 * (the file is attached read-only, so no statement can change it), and streams its result
 * to SINK chunk by chunk: memory does not grow with the number of rows. The statement may
 * read the database only: no file and no other database (external access is switched off
 * for ST first, for good: ST is for this query). A trailing ';' is fine.
 * RS_ERR_USAGE, with DuckDB's first line, for text that is no statement, several
 * statements, a statement DuckDB refuses (parse, bind or run) and, "query is read-only:
 * ...", for any statement but a query (INSERT, CREATE, SET, ATTACH, COPY, ...);
 * RS_ERR_IO/RS_ERR_DB for the store's own failures; RS_ERR_NOMEM.
 */
enum rs_err store_query(struct store *st, const char *sql, const struct store_query_sink *sink,
                        struct rs_error *err);
/* ---- the reads of `report --html` (src/store/charts.c) ---- */

/*
 * Requests per UTC day and API (every outcome, as the daily limits count them) for the DAYS
 * days ending on LAST: OUT[0] is the oldest day, OUT[DAYS-1] is LAST. Days without a request
 * are 0. OUT is written only on success.
 */
enum rs_err store_usage_by_day(struct store *st, rs_date_t last, int days,
                               int64_t (*out)[RS_API_COUNT], struct rs_error *err);

#define STORE_AGE_BUCKETS 12
/* How many movies were last checked how many whole days before NOW, per API. */
struct store_check_ages {
    size_t n_buckets;
    int64_t count[RS_API_COUNT][STORE_AGE_BUCKETS];
    int64_t never[RS_API_COUNT]; /* counted movies that API never checked */
};
/*
 * Counts the movies of stats' freshness (not gone, not frozen; for OMDB only those with an
 * IMDb id) by days since their last check per API, into N_EDGES + 1 buckets: bucket b holds
 * ages from EDGES[b-1] (0 for the first) up to EDGES[b], the last one EDGES[N_EDGES-1] and
 * more. EDGES ascend. *OUT is written only on success.
 */
enum rs_err store_check_ages(struct store *st, rs_time_t now, const int *edges, size_t n_edges,
                             struct store_check_ages *out, struct rs_error *err);

#endif
