/*
 * History: the movie_events rows the refresh, unfreeze and the change feed write
 * (history_add_events), the run failures a collect records, and the reads of `history`
 * and `runs` (docs/schema.md, "History"). The change log and the observations are written
 * with the details they come from, in batch.c.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

enum rs_err history_add_events(struct store *st, const char *event, const int64_t *ids, size_t n,
                               rs_time_t now, const char *reason, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = sql_stmt(st, S_EV_ADD,
                              "INSERT INTO movie_events (tmdb_id, event, event_at, run_id, reason)"
                              " SELECT unnest($1), $2, $3, $4, $5",
                              &ps, err);
    if (rc)
        return rc;
    if (!bind_int64s(ps, 1, ids, n) || !bind_str(ps, 2, event) || !bind_ts(ps, 3, now) ||
        !bind_run_id(st, ps, 4) || !bind_str(ps, 5, reason))
        return rs_fail(err, RS_ERR_NOMEM, "movie events: out of memory");
    return sql_run(ps, NULL, "movie events", err);
}

enum rs_err store_put_run_failures(struct store *st, int64_t run_id,
                                   const struct store_failure *failures, size_t n, rs_time_t now,
                                   struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    bool own;
    if (n == 0)
        return RS_OK;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc == RS_OK)
        rc = sql_stmt(st, S_RUN_FAIL,
                      "INSERT INTO run_failures (run_id, tmdb_id, api, error_class, failed_at)"
                      " VALUES ($1, $2, $3, $4, $5)",
                      &ps, err);
    for (size_t i = 0; rc == RS_OK && i < n; i++) {
        duckdb_clear_bindings(ps);
        if (duckdb_bind_int64(ps, 1, run_id) != DuckDBSuccess ||
            duckdb_bind_int64(ps, 2, failures[i].tmdb_id) != DuckDBSuccess ||
            !bind_str(ps, 3, rs_api_name(failures[i].api)) ||
            !bind_str(ps, 4, rs_errname(failures[i].error)) || !bind_ts(ps, 5, now))
            rc = rs_fail(err, RS_ERR_NOMEM, "run failures: out of memory");
        else
            rc = sql_run(ps, NULL, "run failures", err);
    }
    return tx_leave(st, own, rc, err);
}

/* ------------------------------------------------------------------ reads */

const struct store_obs_column store_obs_columns[STORE_OBS_COLUMNS] = {
    {"vote_count", RS_API_TMDB}, {"vote_average", RS_API_TMDB}, {"popularity", RS_API_TMDB},
    {"revenue", RS_API_TMDB},    {"budget", RS_API_TMDB},       {"imdb_rating", RS_API_OMDB},
    {"imdb_votes", RS_API_OMDB}, {"metacritic", RS_API_OMDB},   {"rotten_tomatoes", RS_API_OMDB},
    {"box_office", RS_API_OMDB},
};

static enum rs_api api_of(const char *name)
{
    return name && strcmp(name, "omdb") == 0 ? RS_API_OMDB : RS_API_TMDB;
}

/* Runs SQL (not cached) with $1 = ID and, when it has two parameters, $2 = TEXT (NULL: SQL
 * NULL) into *RES. */
static enum rs_err query(struct store *st, const char *sql, int64_t id, bool has_text,
                         const char *text, duckdb_result *res, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = sql_prepare(st, sql, "history", &ps, err);
    if (rc == RS_OK) {
        duckdb_bind_int64(ps, 1, id);
        if (has_text)
            bind_str(ps, 2, text);
        rc = sql_run(ps, res, "history", err);
    }
    duckdb_destroy_prepare(&ps);
    return rc;
}

/* Grows *V (of *N elements of SIZE bytes) by one zeroed element; NULL when out of memory. */
static void *grow(void *v, size_t *n, size_t size)
{
    char *g = realloc(*(void **)v, (*n + 1) * size);
    if (!g)
        return NULL;
    *(void **)v = g;
    memset(g + *n * size, 0, size);
    return g + (*n)++ * size;
}

/* (changed_at, tmdb_id, api, field, old_value, new_value, run_id) rows into *OUT, *N. */
static enum rs_err read_changes(struct store *st, const char *sql, int64_t id, bool has_text,
                                const char *text, struct store_change **out, size_t *n,
                                struct rs_error *err)
{
    duckdb_result res;
    enum rs_err rc = query(st, sql, id, has_text, text, &res, err);
    if (rc)
        return rc;
    bool oom = false;
    char api[8];
    struct cursor c = {.res = &res};
    while (!oom && cursor_next(&c)) {
        struct store_change *ch = grow(out, n, sizeof(*ch));
        if (!ch) {
            oom = true;
            break;
        }
        ch->at = col_int(&c, 0);
        ch->tmdb_id = col_int(&c, 1);
        col_copy(&c, 2, api, sizeof(api));
        ch->api = api_of(api);
        ch->field = col_str(&c, 3, &oom);
        ch->old_value = col_str(&c, 4, &oom);
        ch->new_value = col_str(&c, 5, &oom);
        ch->run_id = col_i64(&c, 6);
    }
    cursor_done(&c);
    return oom ? rs_fail(err, RS_ERR_NOMEM, "history: out of memory") : RS_OK;
}

static enum rs_err read_observations(struct store *st, int64_t id, const char *api,
                                     struct store_history *h, struct rs_error *err)
{
    duckdb_result res;
    enum rs_err rc = query(st,
                           "SELECT observed_at, api, vote_count, vote_average, popularity,"
                           " revenue, budget, imdb_rating, imdb_votes, metacritic,"
                           " rotten_tomatoes, box_office FROM observations WHERE tmdb_id = $1"
                           " AND ($2 IS NULL OR api = $2) ORDER BY observed_at, api",
                           id, true, api, &res, err);
    if (rc)
        return rc;
    bool oom = false;
    char name[8];
    struct cursor c = {.res = &res};
    while (!oom && cursor_next(&c)) {
        struct store_observation *o = grow(&h->obs, &h->n_obs, sizeof(*o));
        if (!o) {
            oom = true;
            break;
        }
        o->at = col_int(&c, 0);
        col_copy(&c, 1, name, sizeof(name));
        o->api = api_of(name);
        o->vote_count = col_i64(&c, 2);
        o->vote_average = col_f64(&c, 3);
        o->popularity = col_f64(&c, 4);
        o->revenue = col_i64(&c, 5);
        o->budget = col_i64(&c, 6);
        o->imdb_rating = col_f64(&c, 7);
        o->imdb_votes = col_i64(&c, 8);
        o->metacritic = col_i64(&c, 9);
        o->rotten_tomatoes = col_i64(&c, 10);
        o->box_office = col_i64(&c, 11);
    }
    cursor_done(&c);
    return oom ? rs_fail(err, RS_ERR_NOMEM, "history: out of memory") : RS_OK;
}

static enum rs_err read_events(struct store *st, int64_t id, struct store_history *h,
                               struct rs_error *err)
{
    duckdb_result res;
    enum rs_err rc = query(st,
                           "SELECT event_at, event, run_id, reason FROM movie_events"
                           " WHERE tmdb_id = $1 ORDER BY event_at, event",
                           id, false, NULL, &res, err);
    if (rc)
        return rc;
    bool oom = false;
    struct cursor c = {.res = &res};
    while (!oom && cursor_next(&c)) {
        struct store_event *e = grow(&h->events, &h->n_events, sizeof(*e));
        if (!e) {
            oom = true;
            break;
        }
        e->at = col_int(&c, 0);
        col_copy(&c, 1, e->event, sizeof(e->event));
        e->run_id = col_i64(&c, 2);
        e->reason = col_str(&c, 3, &oom);
    }
    cursor_done(&c);
    return oom ? rs_fail(err, RS_ERR_NOMEM, "history: out of memory") : RS_OK;
}

/* The movie's title into H and whether it exists. */
static enum rs_err read_movie(struct store *st, int64_t id, struct store_history *h, bool *found,
                              struct rs_error *err)
{
    duckdb_result res;
    enum rs_err rc = query(st,
                           "SELECT coalesce(t.title, m.title) FROM movies m LEFT JOIN"
                           " tmdb_movies t ON t.tmdb_id = m.tmdb_id WHERE m.tmdb_id = $1",
                           id, false, NULL, &res, err);
    if (rc)
        return rc;
    bool oom = false;
    struct cursor c = {.res = &res};
    *found = cursor_next(&c);
    if (*found)
        h->title = col_str(&c, 0, &oom);
    cursor_done(&c);
    return oom ? rs_fail(err, RS_ERR_NOMEM, "history: out of memory") : RS_OK;
}

/* Whether FIELD is a column of the stored details (a change_log field). */
static enum rs_err stored_field(struct store *st, const char *field, bool *known,
                                struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    int64_t n = 0;
    enum rs_err rc = sql_prepare(st,
                                 "SELECT count(*) FROM duckdb_columns() WHERE database_name ="
                                 " current_database() AND schema_name = 'main' AND table_name"
                                 " IN ('tmdb_movies', 'omdb_movies') AND column_name = $1",
                                 "history", &ps, err);
    if (rc == RS_OK && !bind_str(ps, 1, field))
        rc = rs_fail(err, RS_ERR_NOMEM, "history: out of memory");
    if (rc == RS_OK)
        rc = sql_query_int(ps, &n, "history", err);
    duckdb_destroy_prepare(&ps);
    if (rc == RS_OK)
        *known = n > 0;
    return rc;
}

enum rs_err store_history(struct store *st, int64_t tmdb_id, const char *field,
                          struct store_history *out, bool *found, struct rs_error *err)
{
    struct store_history h = {.tmdb_id = tmdb_id};
    const struct store_obs_column *obs = NULL;
    bool known = field == NULL, exists = false;
    for (size_t i = 0; field && i < STORE_OBS_COLUMNS; i++)
        if (strcmp(field, store_obs_columns[i].name) == 0)
            obs = &store_obs_columns[i];
    enum rs_err rc = field ? stored_field(st, field, &known, err) : RS_OK;
    if (rc == RS_OK && !known && !obs)
        rc = rs_fail(err, RS_ERR_USAGE,
                     "no field '%s' (give a column of observations, tmdb_movies or omdb_movies)",
                     field);
    if (rc == RS_OK)
        rc = read_movie(st, tmdb_id, &h, &exists, err);
    if (rc == RS_OK && exists && (!field || obs))
        rc = read_observations(st, tmdb_id, obs ? rs_api_name(obs->api) : NULL, &h, err);
    if (rc == RS_OK && exists && (!field || known))
        rc = read_changes(st,
                          "SELECT changed_at, tmdb_id, api, field, old_value, new_value, run_id"
                          " FROM change_log WHERE tmdb_id = $1 AND ($2 IS NULL OR field = $2)"
                          " ORDER BY changed_at, api, field",
                          tmdb_id, true, field, &h.changes, &h.n_changes, err);
    if (rc == RS_OK && exists && !field)
        rc = read_events(st, tmdb_id, &h, err);
    if (rc) {
        store_history_free(&h);
        return rc;
    }
    *out = h;
    *found = exists;
    return RS_OK;
}

static void free_changes(struct store_change *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].field);
        free(v[i].old_value);
        free(v[i].new_value);
    }
    free(v);
}

void store_history_free(struct store_history *h)
{
    if (!h)
        return;
    free(h->title);
    free(h->obs);
    free_changes(h->changes, h->n_changes);
    for (size_t i = 0; i < h->n_events; i++)
        free(h->events[i].reason);
    free(h->events);
    *h = (struct store_history){0};
}

/* ------------------------------------------------------------------- runs */

enum rs_err store_runs(struct store *st, int64_t run_id, size_t limit, struct store_run **runs,
                       size_t *n, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_prepare(
        st,
        "WITH r AS (SELECT * FROM runs WHERE $1 = 0 OR id = $1 ORDER BY id DESC LIMIT $2)"
        " SELECT " RUN_COLUMNS ","
        " TRY_CAST(stats->'requests'->>'tmdb' AS BIGINT),"
        " TRY_CAST(stats->'requests'->>'omdb' AS BIGINT),"
        " TRY_CAST(stats->'failed'->>'tmdb' AS BIGINT),"
        " TRY_CAST(stats->'failed'->>'omdb' AS BIGINT), coalesce(c.n, 0)"
        " FROM r LEFT JOIN (SELECT run_id, count(DISTINCT tmdb_id) AS n FROM change_log"
        "  WHERE run_id IN (SELECT id FROM r) GROUP BY run_id) c ON c.run_id = r.id"
        " ORDER BY r.id DESC",
        "runs", &ps, err);
    if (rc == RS_OK) {
        duckdb_bind_int64(ps, 1, run_id);
        duckdb_bind_int64(ps, 2, (int64_t)(limit ? limit : 1));
        rc = sql_run(ps, &res, "runs", err);
    }
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct store_run *v = NULL;
    size_t k = 0;
    bool oom = false;
    struct cursor c = {.res = &res};
    while (!oom && cursor_next(&c)) {
        struct store_run *r = grow(&v, &k, sizeof(*r));
        if (!r) {
            oom = true;
            break;
        }
        run_row(&c, r, &oom);
        r->requests[RS_API_TMDB] = col_i64(&c, RUN_COLUMNS_N);
        r->requests[RS_API_OMDB] = col_i64(&c, RUN_COLUMNS_N + 1);
        r->failed[RS_API_TMDB] = col_i64(&c, RUN_COLUMNS_N + 2);
        r->failed[RS_API_OMDB] = col_i64(&c, RUN_COLUMNS_N + 3);
        r->changed = col_int(&c, RUN_COLUMNS_N + 4);
    }
    cursor_done(&c);
    if (oom) {
        store_runs_free(v, k);
        return rs_fail(err, RS_ERR_NOMEM, "runs: out of memory");
    }
    *runs = v;
    *n = k;
    return RS_OK;
}

void store_runs_free(struct store_run *runs, size_t n)
{
    for (size_t i = 0; runs && i < n; i++) {
        free(runs[i].options_json);
        free(runs[i].stats_json);
    }
    free(runs);
}

static enum rs_err read_failures(struct store *st, int64_t run_id, struct store_run_detail *d,
                                 struct rs_error *err)
{
    duckdb_result res;
    enum rs_err rc = query(st,
                           "SELECT tmdb_id, api, error_class FROM run_failures WHERE run_id = $1"
                           " ORDER BY api DESC, tmdb_id",
                           run_id, false, NULL, &res, err);
    if (rc)
        return rc;
    bool oom = false;
    char api[8];
    struct cursor c = {.res = &res};
    while (!oom && cursor_next(&c)) {
        struct store_run_failure *f = grow(&d->failures, &d->n_failures, sizeof(*f));
        if (!f) {
            oom = true;
            break;
        }
        f->tmdb_id = col_int(&c, 0);
        col_copy(&c, 1, api, sizeof(api));
        f->api = api_of(api);
        col_copy(&c, 2, f->error_class, sizeof(f->error_class));
    }
    cursor_done(&c);
    return oom ? rs_fail(err, RS_ERR_NOMEM, "runs: out of memory") : RS_OK;
}

enum rs_err store_run_detail(struct store *st, int64_t run_id, struct store_run_detail *out,
                             struct rs_error *err)
{
    struct store_run_detail d = {0};
    enum rs_err rc = read_failures(st, run_id, &d, err);
    if (rc == RS_OK)
        rc = read_changes(st,
                          "SELECT changed_at, tmdb_id, api, field, old_value, new_value, run_id"
                          " FROM change_log WHERE run_id = $1 ORDER BY tmdb_id, api DESC, field",
                          run_id, false, NULL, &d.changes, &d.n_changes, err);
    if (rc) {
        store_run_detail_free(&d);
        return rc;
    }
    *out = d;
    return RS_OK;
}

void store_run_detail_free(struct store_run_detail *d)
{
    if (!d)
        return;
    free(d->failures);
    free_changes(d->changes, d->n_changes);
    *d = (struct store_run_detail){0};
}
