/*
 * Discovery's bookkeeping in the store: the years whose discovery missed pages (the
 * discovery_gaps table, docs/schema.md), recorded and cleared by the collect run's
 * discovery (src/collect/discover.c) and read back for its report. The discovered movies
 * themselves are written by write.c.
 */
#include <stdlib.h>

#include "store_int.h"

enum rs_err store_gap_record(struct store *st, int year, int pages_missing, rs_time_t now,
                             struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    bool own;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc == RS_OK)
        rc = sql_prepare(st,
                         "INSERT OR REPLACE INTO discovery_gaps (year, pages_missing, "
                         "recorded_at) VALUES ($1, $2, $3)",
                         "discovery gaps", &ps, err);
    if (rc == RS_OK) {
        duckdb_bind_int32(ps, 1, year);
        if (pages_missing < 0)
            duckdb_bind_null(ps, 2);
        else
            duckdb_bind_int32(ps, 2, pages_missing);
        bind_ts(ps, 3, now);
        rc = sql_run(ps, NULL, "discovery gaps", err);
    }
    duckdb_destroy_prepare(&ps);
    return tx_leave(st, own, rc, err);
}

enum rs_err store_gap_clear(struct store *st, int year, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    bool own;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc == RS_OK)
        rc = sql_prepare(st, "DELETE FROM discovery_gaps WHERE year = $1", "discovery gaps", &ps,
                         err);
    if (rc == RS_OK) {
        duckdb_bind_int32(ps, 1, year);
        rc = sql_run(ps, NULL, "discovery gaps", err);
    }
    duckdb_destroy_prepare(&ps);
    return tx_leave(st, own, rc, err);
}

/* Reads the rows of RES into a malloc'd array; RS_ERR_NOMEM when it cannot grow. */
static enum rs_err read_gaps(struct cursor *c, struct store_gap **out, size_t *n,
                             struct rs_error *err)
{
    struct store_gap *gaps = NULL;
    size_t len = 0, cap = 0;
    while (cursor_next(c)) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8;
            struct store_gap *g = realloc(gaps, cap * sizeof(*g));
            if (!g) {
                free(gaps);
                return rs_fail(err, RS_ERR_NOMEM, "database: discovery gaps: out of memory");
            }
            gaps = g;
        }
        struct rs_i64 missing = col_i64(c, 1);
        gaps[len++] = (struct store_gap){.year = (int)col_int(c, 0),
                                         .pages_missing = missing.set ? (int)missing.v : -1,
                                         .recorded_at = col_int(c, 2)};
    }
    *out = gaps;
    *n = len;
    return RS_OK;
}

enum rs_err store_gaps(struct store *st, struct store_gap **out, size_t *n, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc =
        sql_prepare(st, "SELECT year, pages_missing, recorded_at FROM discovery_gaps ORDER BY year",
                    "discovery gaps", &ps, err);
    if (rc == RS_OK)
        rc = sql_run(ps, &res, "discovery gaps", err);
    duckdb_destroy_prepare(&ps);
    if (rc != RS_OK)
        return rc;
    struct cursor c = {.res = &res};
    rc = read_gaps(&c, out, n, err);
    cursor_done(&c);
    return rc;
}
