/*
 * The planner: store_plan's one query over PLAN_BASE (store_int.h), store_plan_count's count
 * of the same movies without a limit, and the binding of the refresh policy's numbers into
 * them, which report.c shares. The policy itself is refresh.c's:
 * its intervals and its categories' youngest ages are bound as parameters, never restated.
 */
#include <stdlib.h>
#include <string.h>

#include "reelsync/refresh.h"
#include "store_int.h"

void plan_bind_policy(duckdb_prepared_statement ps, rs_time_t now)
{
    duckdb_bind_date(ps, 1, (duckdb_date){.days = rs_time_day(now)});
    duckdb_bind_int64(ps, 2, now * US_PER_S);
    for (int cat = 0; cat < REFRESH_CATEGORY_COUNT; cat++) {
        duckdb_bind_int64(ps, 3 + (idx_t)cat, refresh_interval_days(cat, RS_API_TMDB));
        duckdb_bind_int64(ps, 7 + (idx_t)cat, refresh_interval_days(cat, RS_API_OMDB));
    }
    for (int cat = REFRESH_ESTABLISHED; cat < REFRESH_CATEGORY_COUNT; cat++)
        duckdb_bind_int64(ps, 10 + (idx_t)cat, refresh_min_age_days(cat));
}

static void read_plan_item(struct cursor *c, bool titles, struct plan_item *it, bool *oom)
{
    memset(it, 0, sizeof(*it));
    it->tmdb_id = col_int(c, 0);
    col_copy(c, 1, it->imdb_id, sizeof(it->imdb_id));
    if (titles)
        it->title = col_str(c, 2, oom);
    it->release_date = col_i64(c, 3);
    struct rs_i64 t = col_i64(c, 4), o = col_i64(c, 5);
    it->last_tmdb = t.set ? RS_I64(floor_div(t.v, US_PER_S)) : RS_NULL_I64;
    it->last_omdb = o.set ? RS_I64(floor_div(o.v, US_PER_S)) : RS_NULL_I64;
    it->category = (enum refresh_category)col_int(c, 6);
    it->age_days = col_int(c, 7);
    it->frozen = col_int(c, 8) != 0;
    it->needs_tmdb = col_int(c, 9) != 0;
    it->needs_omdb = col_int(c, 10) != 0;
    int64_t over = col_int(c, 13);
    it->overdue_s = over == INT64_MAX ? INT64_MAX : floor_div(over, US_PER_S);
}

/* Grows ITEMS (of *CAP) to hold one more than COUNT: doubling, then shrunk to fit at the end. */
static bool plan_grow(struct plan_item **items, size_t count, size_t *cap)
{
    if (count < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    struct plan_item *p = realloc(*items, ncap * sizeof(*p));
    if (!p)
        return false;
    *items = p;
    *cap = ncap;
    return true;
}

void store_plan_free(struct plan_item *items, size_t n)
{
    for (size_t i = 0; items && i < n; i++)
        free(items[i].title);
    free(items);
}

enum rs_err store_plan(struct store *st, rs_time_t now, size_t limit, bool include_frozen,
                       bool titles, struct plan_item **items, size_t *n, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    /* A movie without an IMDb id has no OMDB check to be overdue: only its TMDB lateness ranks
     * it, or it would jump the queue as "never fetched" on every TMDB refresh. Ties (every
     * movie never fetched, every movie of a category stamped by the same run) go in the
     * table's order, so each commit of the refresh updates neighbouring rows: in tmdb_id
     * order they were all over the table, and a 300,000-movie collect ran at 1,256 movies/s
     * instead of 3,298 (docs/benchmarks.md, issue 18). */
    enum rs_err rc = sql_stmt(
        st, S_PLAN,
        "SELECT * EXCLUDE (rid), greatest(CASE WHEN needs_tmdb THEN t_over END,"
        " CASE WHEN needs_omdb AND imdb_id IS NOT NULL THEN o_over END) AS overdue"
        " FROM (" PLAN_BASE ") p WHERE (needs_tmdb OR needs_omdb) AND ($14 OR NOT data_frozen)"
        " ORDER BY overdue DESC, rid LIMIT $15",
        &ps, err);
    if (rc)
        return rc;
    plan_bind_policy(ps, now);
    duckdb_bind_boolean(ps, 14, include_frozen);
    duckdb_bind_int64(ps, 15, limit ? (int64_t)limit : INT64_MAX);
    rc = sql_run(ps, &res, "plan", err);
    if (rc)
        return rc;
    size_t cap = 0, count = 0;
    struct plan_item *out = NULL;
    struct cursor c = {.res = &res};
    bool oom = false;
    while (!oom && cursor_next(&c)) {
        oom = !plan_grow(&out, count, &cap);
        if (!oom)
            read_plan_item(&c, titles, &out[count++], &oom);
    }
    cursor_done(&c);
    if (oom) {
        store_plan_free(out, count);
        return rs_fail(err, RS_ERR_NOMEM, "plan: out of memory");
    }
    /* The plan lives as long as the refresh: give the doubling's unused tail back. */
    struct plan_item *fit = count ? realloc(out, count * sizeof(*out)) : NULL;
    *items = fit ? fit : out;
    *n = count;
    return RS_OK;
}

enum rs_err store_plan_count(struct store *st, rs_time_t now, bool include_frozen, int64_t *count,
                             struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    int64_t due = 0;
    enum rs_err rc = sql_prepare(st,
                                 "SELECT count(*) FROM (" PLAN_BASE ") p"
                                 " WHERE (needs_tmdb OR needs_omdb) AND ($14 OR NOT data_frozen)",
                                 "plan", &ps, err);
    if (rc)
        return rc;
    plan_bind_policy(ps, now);
    duckdb_bind_boolean(ps, 14, include_frozen);
    rc = sql_query_int(ps, &due, "plan", err);
    duckdb_destroy_prepare(&ps);
    if (rc == RS_OK)
        *count = due;
    return rc;
}
