/*
 * Reads for people and benchmarks: the numbers of `reelsync stats` (store_report: usage per
 * window, per-category due counts and shares within the interval over PLAN_BASE, the oldest
 * overdue, totals, freshness, the last runs), one movie's row (store_get_movie), the ids
 * given to unfreeze that name no movie (store_unknown_movies), and the benchmark's
 * yardsticks (count, max tmdb_id).
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---------------------------------------------------------------- movies */

void store_movie_release(struct store_movie *m)
{
    if (!m)
        return;
    free(m->imdb_id);
    free(m->title);
    memset(m, 0, sizeof(*m));
}

static bool read_movie(struct cursor *c, struct store_movie *m)
{
    bool oom = false;
    memset(m, 0, sizeof(*m));
    m->movie_id = col_int(c, 0);
    m->tmdb_id = col_int(c, 1);
    m->imdb_id = col_str(c, 2, &oom);
    m->title = col_str(c, 3, &oom);
    m->release_date = col_i64(c, 4);
    m->last_tmdb_update = col_i64(c, 5);
    m->last_omdb_update = col_i64(c, 6);
    m->last_full_refresh = col_i64(c, 7);
    m->data_frozen = col_int(c, 8) != 0;
    m->created_at = col_i64(c, 9);
    m->updated_at = col_i64(c, 10);
    m->omdb_not_found_at = col_i64(c, 11);
    m->tmdb_gone_at = col_i64(c, 12);
    m->stable_cycles = col_int(c, 13);
    m->data_changed_at = col_i64(c, 14);
    if (oom)
        store_movie_release(m);
    return !oom;
}

enum rs_err store_get_movie(struct store *st, int64_t tmdb_id, struct store_movie *out, bool *found,
                            struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_stmt(st, S_GET_MOVIE,
                              "SELECT movie_id, tmdb_id, imdb_id, title, release_date, "
                              "last_tmdb_update, last_omdb_update, last_full_refresh, data_frozen, "
                              "created_at, updated_at, omdb_not_found_at, tmdb_gone_at, "
                              "stable_cycles, data_changed_at "
                              "FROM movies WHERE tmdb_id = $1",
                              &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, tmdb_id);
    rc = sql_run(ps, &res, "movie", err);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    bool has = cursor_next(&c);
    if (has && !read_movie(&c, out))
        rc = rs_fail(err, RS_ERR_NOMEM, "movie: out of memory");
    cursor_done(&c);
    if (rc == RS_OK)
        *found = has;
    return rc;
}

enum rs_err store_count_movies(struct store *st, int64_t *count, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = sql_stmt(st, S_COUNT_MOVIES, "SELECT count(*) FROM movies", &ps, err);
    return rc ? rc : sql_query_int(ps, count, "count", err);
}

enum rs_err store_max_tmdb_id(struct store *st, int64_t *max, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc =
        sql_stmt(st, S_MAX_TMDB_ID, "SELECT CAST(coalesce(max(tmdb_id), 0) AS BIGINT) FROM movies",
                 &ps, err);
    return rc ? rc : sql_query_int(ps, max, "max", err);
}

/* --------------------------------------------------------------- report */

/* The API named NAME ("tmdb", "omdb"), or -1. */
static int api_of(const char *name)
{
    return strcmp(name, "tmdb") == 0 ? RS_API_TMDB : strcmp(name, "omdb") == 0 ? RS_API_OMDB : -1;
}

static enum rs_err report_usage(struct store *st, rs_time_t now, struct store_report *rep,
                                struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_prepare(
        st,
        "SELECT api, outcome,"
        " CAST(coalesce(sum(count) FILTER (WHERE day = $1), 0) AS BIGINT),"
        " CAST(coalesce(sum(count) FILTER (WHERE day > CAST($1 AS DATE) - 7 AND day <= $1), 0)"
        "  AS BIGINT),"
        " CAST(coalesce(sum(count) FILTER (WHERE day > CAST($1 AS DATE) - 30 AND day <= $1), 0)"
        "  AS BIGINT),"
        " CAST(sum(count) AS BIGINT) FROM api_usage GROUP BY api, outcome",
        "report", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_date(ps, 1, (duckdb_date){.days = rs_time_day(now)});
    rc = sql_run(ps, &res, "report", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    while (cursor_next(&c)) {
        char api[16], outcome[32];
        col_copy(&c, 0, api, sizeof(api));
        col_copy(&c, 1, outcome, sizeof(outcome));
        int a = api_of(api);
        int o = rs_errcode(outcome);
        if (a < 0 || o < 0 || o >= RS_OUTCOME_COUNT)
            continue; /* written by another build: not ours to count */
        for (int w = 0; w < STORE_WINDOW_COUNT; w++) {
            rep->usage[a][w][o] += col_int(&c, 2 + (idx_t)w);
            rep->usage_total[a][w] += col_int(&c, 2 + (idx_t)w);
        }
        if (o != RS_OK)
            rep->errors[o] += col_int(&c, 5);
    }
    cursor_done(&c);
    return RS_OK;
}

/*
 * Per category, the movies each API's freshness is measured over (not frozen; OMDB: with an
 * IMDb id), how many of them are within their interval, and how many were never checked.
 */
#define WITHIN_COLUMNS                                                                             \
    " count(*) FILTER (WHERE NOT data_frozen),"                                                    \
    " count(*) FILTER (WHERE NOT data_frozen AND t_over < 0),"                                     \
    " count(*) FILTER (WHERE NOT data_frozen AND t_last IS NULL),"                                 \
    " count(*) FILTER (WHERE NOT data_frozen AND imdb_id IS NOT NULL),"                            \
    " count(*) FILTER (WHERE NOT data_frozen AND imdb_id IS NOT NULL AND o_over < 0),"             \
    " count(*) FILTER (WHERE NOT data_frozen AND imdb_id IS NOT NULL AND o_last IS NULL)"

/* Reads WITHIN_COLUMNS (TMDB's three, then OMDB's: enum rs_api's order) from COL on. */
static void read_within(struct cursor *c, idx_t col, int cat, struct store_report *rep)
{
    for (int api = 0; api < RS_API_COUNT; api++, col += 3) {
        rep->within_interval[api][cat].movies = col_int(c, col);
        rep->within_interval[api][cat].within = col_int(c, col + 1);
        rep->never_checked[api] += col_int(c, col + 2);
    }
}

static enum rs_err report_movies(struct store *st, rs_time_t now, struct store_report *rep,
                                 struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc =
        sql_prepare(st,
                    "SELECT cat, count(*),"
                    " count(*) FILTER (WHERE NOT data_frozen AND (needs_tmdb OR needs_omdb)),"
                    " count(*) FILTER (WHERE NOT data_frozen AND NOT (needs_tmdb OR needs_omdb)),"
                    " count(*) FILTER (WHERE data_frozen),"
                    " count(*) FILTER (WHERE NOT data_frozen AND needs_tmdb),"
                    " count(*) FILTER (WHERE NOT data_frozen AND needs_omdb),"
                    " count(*) FILTER (WHERE imdb_id IS NULL)," WITHIN_COLUMNS " FROM (" PLAN_BASE
                    ") p GROUP BY cat",
                    "report", &ps, err);
    if (rc)
        return rc;
    plan_bind_policy(st, ps, now);
    rc = sql_run(ps, &res, "report", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    while (cursor_next(&c)) {
        int64_t cat = col_int(&c, 0);
        if (cat < 0 || cat >= REFRESH_CATEGORY_COUNT)
            continue;
        rep->category[cat].total = col_int(&c, 1);
        rep->category[cat].due = col_int(&c, 2);
        rep->category[cat].not_due = col_int(&c, 3);
        rep->category[cat].frozen = col_int(&c, 4);
        rep->due_now[RS_API_TMDB] += col_int(&c, 5);
        rep->due_now[RS_API_OMDB] += col_int(&c, 6);
        rep->missing_imdb += col_int(&c, 7);
        read_within(&c, 8, (int)cat, rep);
    }
    cursor_done(&c);
    return RS_OK;
}

/*
 * The movie furthest past its interval per API, among those checked before (a movie never
 * checked has no "past due" to rank by: store_report counts them apart). The lateness is
 * PLAN_BASE's own t_over/o_over, so the report and the planner cannot disagree.
 */
static enum rs_err report_overdue(struct store *st, rs_time_t now, struct store_report *rep,
                                  struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_prepare(
        st,
        "WITH p AS (" PLAN_BASE "), late AS ("
        " SELECT 'tmdb' AS api, tmdb_id, title, cat, t_over AS over FROM p"
        "  WHERE NOT data_frozen AND t_last IS NOT NULL AND t_over >= 0"
        " UNION ALL SELECT 'omdb', tmdb_id, title, cat, o_over FROM p"
        "  WHERE NOT data_frozen AND imdb_id IS NOT NULL AND o_last IS NOT NULL AND o_over >= 0)"
        " SELECT api, tmdb_id, title, cat, over // 86400000000 FROM late"
        " QUALIFY row_number() OVER (PARTITION BY api ORDER BY over DESC, tmdb_id) = 1",
        "report", &ps, err);
    if (rc)
        return rc;
    plan_bind_policy(st, ps, now);
    rc = sql_run(ps, &res, "report", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    bool oom = false;
    struct cursor c = {.res = &res};
    while (cursor_next(&c)) {
        char api[16];
        col_copy(&c, 0, api, sizeof(api));
        int a = api_of(api);
        if (a < 0 || rep->oldest_overdue[a].set)
            continue;
        struct store_overdue *o = &rep->oldest_overdue[a];
        o->set = true;
        o->tmdb_id = col_int(&c, 1);
        o->title = col_str(&c, 2, &oom);
        o->category = (enum refresh_category)col_int(&c, 3);
        o->days = col_int(&c, 4);
    }
    cursor_done(&c);
    return oom ? rs_fail(err, RS_ERR_NOMEM, "report: out of memory") : RS_OK;
}

static enum rs_err report_totals(struct store *st, struct store_report *rep, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con,
                     "SELECT (SELECT count(*) FROM movies),"
                     " (SELECT count(*) FROM movies WHERE data_frozen),"
                     " (SELECT count(*) FROM movies WHERE tmdb_gone_at IS NOT NULL),"
                     " (SELECT count(*) FROM tmdb_movies), (SELECT count(*) FROM omdb_movies)",
                     &res) != DuckDBSuccess)
        return sql_result_fail(err, "report", &res);
    struct cursor c = {.res = &res};
    if (cursor_next(&c)) {
        rep->movies = col_int(&c, 0);
        rep->frozen = col_int(&c, 1);
        rep->gone = col_int(&c, 2);
        rep->tmdb_rows = col_int(&c, 3);
        rep->omdb_rows = col_int(&c, 4);
    }
    cursor_done(&c);
    return RS_OK;
}

/*
 * "Last checked" and "last changed" are kept apart so the report can tell both. Frozen
 * movies are left out of the checks: not asking for them is the point of freezing.
 */
static enum rs_err report_freshness(struct store *st, rs_time_t now, struct store_report *rep,
                                    struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_prepare(
        st,
        "SELECT quantile_disc(t, 0.5), max(t), quantile_disc(o, 0.5), max(o),"
        " quantile_disc(c, 0.5) FROM (SELECT CASE WHEN NOT data_frozen THEN"
        "  (CAST($1 AS BIGINT) - epoch_us(last_tmdb_update)) // 86400000000 END AS t,"
        "  CASE WHEN NOT data_frozen THEN (CAST($1 AS BIGINT) -"
        "   epoch_us(greatest(last_omdb_update, omdb_not_found_at))) // 86400000000 END AS o,"
        "  (CAST($1 AS BIGINT) - epoch_us(data_changed_at)) // 86400000000 AS c"
        " FROM movies WHERE tmdb_gone_at IS NULL)",
        "report", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, now * US_PER_S);
    rc = sql_run(ps, &res, "report", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    if (cursor_next(&c)) {
        rep->checked_days_median[RS_API_TMDB] = col_i64(&c, 0);
        rep->checked_days_max[RS_API_TMDB] = col_i64(&c, 1);
        rep->checked_days_median[RS_API_OMDB] = col_i64(&c, 2);
        rep->checked_days_max[RS_API_OMDB] = col_i64(&c, 3);
        rep->unchanged_days_median = col_i64(&c, 4);
    }
    cursor_done(&c);
    return RS_OK;
}

static enum rs_err report_runs(struct store *st, struct store_report *rep, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con, "SELECT " RUN_COLUMNS " FROM runs ORDER BY id DESC LIMIT 10", &res) !=
        DuckDBSuccess)
        return sql_result_fail(err, "report", &res);
    bool oom = false;
    struct cursor c = {.res = &res};
    while (rep->n_runs < STORE_REPORT_RUNS && cursor_next(&c)) {
        run_row(&c, &rep->runs[rep->n_runs++], &oom);
    }
    cursor_done(&c);
    return oom ? rs_fail(err, RS_ERR_NOMEM, "report: out of memory") : RS_OK;
}

/* The report's reads into R, released again when one fails. */
static enum rs_err report_read(struct store *st, rs_time_t now, struct store_report *r,
                               struct rs_error *err)
{
    enum rs_err rc = report_usage(st, now, r, err);
    if (rc == RS_OK)
        rc = report_movies(st, now, r, err);
    if (rc == RS_OK)
        rc = report_totals(st, r, err);
    if (rc == RS_OK)
        rc = report_overdue(st, now, r, err);
    if (rc == RS_OK)
        rc = report_freshness(st, now, r, err);
    if (rc == RS_OK)
        rc = report_runs(st, r, err);
    if (rc)
        store_report_release(r);
    return rc;
}

/*
 * A reader's memory limit is small (open.c, READER_MEMORY_MB): a file with wider rows than
 * the ones it was measured on may need more, so running out raises it and reads again.
 */
enum rs_err store_report(struct store *st, rs_time_t now, struct store_report *rep,
                         struct rs_error *err)
{
    struct store_report *r = calloc(1, sizeof(*r));
    if (!r)
        return rs_fail(err, RS_ERR_NOMEM, "report: out of memory");
    enum rs_err rc = report_read(st, now, r, err);
    while (store_grew_for(st, rc, err))
        rc = report_read(st, now, r, err);
    if (rc == RS_OK)
        *rep = *r;
    free(r);
    return rc;
}

void store_report_release(struct store_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->n_runs && i < STORE_REPORT_RUNS; i++) {
        free(rep->runs[i].options_json);
        free(rep->runs[i].stats_json);
    }
    for (int api = 0; api < RS_API_COUNT; api++)
        free(rep->oldest_overdue[api].title);
    memset(rep, 0, sizeof(*rep));
}

/* ---------------------------------------------------------------- unknown ids */

/* Reads the ids of RES (one BIGINT column) into a malloc'd array of at most MAX. */
static enum rs_err read_ids(duckdb_result *res, size_t max, int64_t **ids, size_t *n,
                            struct rs_error *err)
{
    int64_t *out = calloc(max ? max : 1, sizeof(*out));
    size_t count = 0;
    struct cursor c = {.res = res};
    while (out && count < max && cursor_next(&c))
        out[count++] = col_int(&c, 0);
    cursor_done(&c);
    if (!out)
        return rs_fail(err, RS_ERR_NOMEM, "unfreeze: out of memory");
    *ids = out;
    *n = count;
    return RS_OK;
}

enum rs_err store_unknown_movies(struct store *st, const int64_t *ids, size_t n, int64_t **unknown,
                                 size_t *n_unknown, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_prepare(st,
                                 "SELECT DISTINCT i.id FROM (SELECT unnest($1) AS id) i"
                                 " WHERE NOT EXISTS (SELECT 1 FROM movies m WHERE m.tmdb_id = i.id)"
                                 " ORDER BY i.id",
                                 "unfreeze", &ps, err);
    if (rc == RS_OK && !bind_int64s(ps, 1, ids, n))
        rc = rs_fail(err, RS_ERR_NOMEM, "unfreeze: out of memory");
    if (rc == RS_OK)
        rc = sql_run(ps, &res, "unfreeze", err);
    duckdb_destroy_prepare(&ps);
    if (rc == RS_OK)
        rc = read_ids(&res, n, unknown, n_unknown, err);
    return rc;
}
