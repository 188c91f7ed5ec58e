/*
 * Writes to `movies` outside a refresh's batches: discovery's upsert, the bulk insert of
 * benchmarks and tests, the "gone" (TMDB 404) and OMDB "not found" stamps, and unfreezing.
 * The details and the end of a refresh are batch.c's. Every write runs in the caller's
 * transaction or one of its own (tx_enter).
 */
#include <stdlib.h>

#include "store_int.h"

/*
 * The movies columns of store_bulk_insert_movies (all but movie_id), in the order app_movie
 * appends them: the stage table is made with this list, and the INSERT names it on both
 * sides, so neither depends on the order of the table's columns.
 */
#define BULK_COLUMNS                                                                               \
    "tmdb_id, imdb_id, title, release_date, last_tmdb_update, last_omdb_update,"                   \
    " last_full_refresh, data_frozen, created_at, updated_at, omdb_not_found_at, tmdb_gone_at,"    \
    " stable_cycles, data_changed_at"

enum rs_err write_create_stages(struct store *st, struct rs_error *err)
{
    return sql_exec(st,
                    "CREATE TEMP TABLE disc_stage (seq BIGINT, tmdb_id BIGINT, title VARCHAR, "
                    "release_date DATE);"
                    "CREATE TEMP TABLE bulk_stage AS SELECT " BULK_COLUMNS " FROM movies LIMIT 0;",
                    "staging", err);
}

/* ------------------------------------------------------------ discovery */

/* Appends ROWS to disc_stage (seq, tmdb_id, title, release_date). */
static enum rs_err stage_discovered(struct store *st, const struct discover_row *rows, size_t n,
                                    struct rs_error *err)
{
    duckdb_appender a = NULL;
    enum rs_err rc = app_open(st, "disc_stage", "discovery", &a, err);
    bool ok = true;
    for (size_t i = 0; rc == RS_OK && ok && i < n; i++) {
        ok = duckdb_append_int64(a, (int64_t)i) == DuckDBSuccess &&
             duckdb_append_int64(a, rows[i].tmdb_id) == DuckDBSuccess &&
             app_str(a, rows[i].title) && app_date(a, rows[i].release_date) &&
             duckdb_appender_end_row(a) == DuckDBSuccess;
    }
    return rc ? rc : app_finish(&a, !ok, "discovery", err);
}

enum rs_err store_upsert_discovered(struct store *st, const struct discover_row *rows, size_t n,
                                    rs_time_t now, size_t *new_count, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    int64_t fresh = 0;
    bool own;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = stage_discovered(st, rows, n, err);
    if (rc == RS_OK)
        rc = sql_stmt(st, S_DISC_NEW,
                      "SELECT count(DISTINCT s.tmdb_id) FROM temp.disc_stage s WHERE NOT EXISTS "
                      "(SELECT 1 FROM movies m WHERE m.tmdb_id = s.tmdb_id)",
                      &ps, err);
    if (rc == RS_OK)
        rc = sql_query_int(ps, &fresh, "discovery", err);
    /* the last row of a tmdb_id in the batch wins */
    if (rc == RS_OK)
        rc = sql_stmt(st, S_DISC_UPSERT,
                      "INSERT INTO movies (tmdb_id, title, release_date, created_at, updated_at) "
                      "SELECT tmdb_id, title, release_date, $1, $1 FROM temp.disc_stage "
                      "QUALIFY row_number() OVER (PARTITION BY tmdb_id ORDER BY seq DESC) = 1 "
                      "ON CONFLICT (tmdb_id) DO UPDATE SET "
                      "title = coalesce(excluded.title, movies.title), "
                      "release_date = excluded.release_date, updated_at = excluded.updated_at, "
                      "tmdb_gone_at = NULL",
                      &ps, err);
    if (rc == RS_OK) {
        bind_ts(ps, 1, now);
        rc = sql_run(ps, NULL, "discovery", err);
    }
    if (rc == RS_OK)
        rc = sql_stmt(st, S_DISC_CLEAR, "DELETE FROM temp.disc_stage", &ps, err);
    if (rc == RS_OK)
        rc = sql_run(ps, NULL, "discovery", err);
    rc = tx_leave(st, own, rc, err);
    if (rc == RS_OK && new_count)
        *new_count = (size_t)fresh;
    return rc;
}

/* ----------------------------------------------------------- bulk insert */

/* One row of bulk_stage, in the order of BULK_COLUMNS. */
static bool app_movie(duckdb_appender a, const struct store_movie *m, rs_time_t now)
{
    struct rs_i64 created = m->created_at.set ? m->created_at : RS_I64(now);
    struct rs_i64 updated = m->updated_at.set ? m->updated_at : RS_I64(now);
    return duckdb_append_int64(a, m->tmdb_id) == DuckDBSuccess && app_str(a, m->imdb_id) &&
           app_str(a, m->title) && app_date(a, m->release_date) && app_ts(a, m->last_tmdb_update) &&
           app_ts(a, m->last_omdb_update) && app_ts(a, m->last_full_refresh) &&
           duckdb_append_bool(a, m->data_frozen) == DuckDBSuccess && app_ts(a, created) &&
           app_ts(a, updated) && app_ts(a, m->omdb_not_found_at) && app_ts(a, m->tmdb_gone_at) &&
           duckdb_append_int32(a, (int32_t)m->stable_cycles) == DuckDBSuccess &&
           app_ts(a, m->data_changed_at) && duckdb_appender_end_row(a) == DuckDBSuccess;
}

enum rs_err store_bulk_insert_movies(struct store *st, const struct store_movie *rows, size_t n,
                                     rs_time_t now, struct rs_error *err)
{
    duckdb_appender a = NULL;
    bool own, ok = true;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = app_open(st, "bulk_stage", "bulk insert", &a, err);
    for (size_t i = 0; rc == RS_OK && ok && i < n; i++)
        ok = app_movie(a, &rows[i], now);
    if (rc == RS_OK)
        rc = app_finish(&a, !ok, "bulk insert", err);
    if (rc == RS_OK)
        rc = sql_exec(st,
                      "INSERT INTO movies (" BULK_COLUMNS ") SELECT " BULK_COLUMNS
                      " FROM temp.bulk_stage; DELETE FROM temp.bulk_stage;",
                      "bulk insert", err);
    return tx_leave(st, own, rc, err);
}

/* ---------------------------------------------------------------- stamps */

/*
 * Sets one timestamp column (fixed SQL of ID, NOW as $1, the movies of temp.key_movies) of
 * the N movies IDS, found by key (keys.c) rather than by a statement each.
 */
static enum rs_err stamp_many(struct store *st, enum stmt_id id, const char *sql,
                              const int64_t *ids, size_t n, rs_time_t now, const char *what,
                              struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    size_t distinct = 0, known = 0;
    bool own;
    if (n == 0)
        return RS_OK;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = keys_lookup_ids(st, KEYS_MOVIES, ids, n, &distinct, &known, err);
    if (rc == RS_OK && known < distinct)
        rc = rs_fail(err, RS_ERR_DB, "database: %s: %zu of %zu movies unknown", what,
                     distinct - known, distinct);
    if (rc == RS_OK)
        rc = sql_stmt(st, id, sql, &ps, err);
    if (rc == RS_OK) {
        bind_ts(ps, 1, now);
        rc = sql_run(ps, NULL, what, err);
    }
    return tx_leave(st, own, rc, err);
}

enum rs_err store_mark_gone(struct store *st, const int64_t *tmdb_ids, size_t n, rs_time_t now,
                            struct rs_error *err)
{
    return stamp_many(st, S_GONE,
                      "UPDATE movies SET tmdb_gone_at = $1 FROM temp.key_movies k"
                      " WHERE " AT_ROW("movies", "k", "tmdb_id"),
                      tmdb_ids, n, now, "mark gone", err);
}

enum rs_err store_stamp_omdb_checked(struct store *st, const int64_t *tmdb_ids, size_t n,
                                     rs_time_t now, struct rs_error *err)
{
    return stamp_many(st, S_OMDB_NF,
                      "UPDATE movies SET omdb_not_found_at = $1 FROM temp.key_movies k"
                      " WHERE " AT_ROW("movies", "k", "tmdb_id"),
                      tmdb_ids, n, now, "omdb not found", err);
}

/* ------------------------------------------------------------- unfreeze */

/* The frozen movies among IDS (or all of them when ALL), into a malloc'd *OUT of *N_OUT. */
static enum rs_err frozen_ids(struct store *st, const int64_t *ids, size_t n, bool all,
                              int64_t **out, size_t *n_out, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_prepare(st,
                                 all ? "SELECT tmdb_id FROM movies WHERE data_frozen"
                                     : "SELECT tmdb_id FROM movies WHERE data_frozen AND "
                                       "list_contains($1, CAST(tmdb_id AS BIGINT))",
                                 "unfreeze", &ps, err);
    if (rc == RS_OK && !all && !bind_int64s(ps, 1, ids, n))
        rc = rs_fail(err, RS_ERR_NOMEM, "unfreeze: out of memory");
    if (rc == RS_OK)
        rc = sql_run(ps, &res, "unfreeze", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    idx_t rows = duckdb_row_count(&res);
    int64_t *v = malloc((rows ? rows : 1) * sizeof(*v));
    size_t k = 0;
    struct cursor c = {.res = &res};
    while (v && cursor_next(&c))
        if (k < rows)
            v[k++] = col_int(&c, 0);
    cursor_done(&c);
    if (!v)
        return rs_fail(err, RS_ERR_NOMEM, "unfreeze: out of memory");
    *out = v;
    *n_out = k;
    return RS_OK;
}

enum rs_err store_unfreeze(struct store *st, const int64_t *ids, size_t n, bool all, rs_time_t now,
                           size_t *changed, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    int64_t *frozen = NULL;
    size_t n_frozen = 0;
    bool own;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = frozen_ids(st, ids, n, all, &frozen, &n_frozen, err);
    if (rc == RS_OK)
        rc = sql_prepare(st,
                         "UPDATE movies SET data_frozen = FALSE, stable_cycles = 0 "
                         "WHERE list_contains($1, CAST(tmdb_id AS BIGINT))",
                         "unfreeze", &ps, err);
    if (rc == RS_OK)
        rc = bind_int64s(ps, 1, all ? frozen : ids, all ? n_frozen : n)
                 ? sql_run(ps, NULL, "unfreeze", err)
                 : rs_fail(err, RS_ERR_NOMEM, "out of memory");
    duckdb_destroy_prepare(&ps);
    if (rc == RS_OK && n_frozen > 0)
        rc = history_add_events(st, "unfrozen", frozen, n_frozen, now, "reelsync unfreeze", err);
    free(frozen);
    rc = tx_leave(st, own, rc, err);
    if (rc == RS_OK && changed)
        *changed = n_frozen;
    return rc;
}
