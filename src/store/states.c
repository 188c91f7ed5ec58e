/*
 * The refresh state of every movie, streamed: what the forecast (src/forecast.c) needs to
 * replay the policy day by day in C, one row at a time so that a million movies cost no
 * more memory than one. The due rules themselves are refresh.c's, not restated here.
 */
#include "store_int.h"

static void read_state(struct cursor *c, struct store_movie_state *s)
{
    struct rs_i64 t = col_i64(c, 1), o = col_i64(c, 2);
    *s = (struct store_movie_state){
        .release_date = col_i64(c, 0),
        .last_tmdb = t.set ? RS_I64(floor_div(t.v, US_PER_S)) : RS_NULL_I64,
        .last_omdb = o.set ? RS_I64(floor_div(o.v, US_PER_S)) : RS_NULL_I64,
        .has_imdb = col_int(c, 3) != 0,
        .changed = {col_int(c, 4) != 0, col_int(c, 5) != 0},
        .feed_due = col_int(c, 6) != 0,
    };
}

enum rs_err store_each_state(struct store *st, bool include_frozen,
                             void (*each)(void *ctx, const struct store_movie_state *s), void *ctx,
                             struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    /* the OMDB check time is the later of a stored record and a "not found", as in planning */
    enum rs_err rc = sql_prepare(st,
                                 "SELECT release_date, epoch_us(last_tmdb_update),"
                                 " epoch_us(greatest(last_omdb_update, omdb_not_found_at)),"
                                 " imdb_id IS NOT NULL,"
                                 " coalesce(data_changed_at >= last_tmdb_update, false),"
                                 " coalesce(data_changed_at >= last_omdb_update, false),"
                                 " coalesce(f.noted > last_tmdb_update, false)"
                                 " FROM movies m LEFT JOIN (SELECT tmdb_id, max(noted_at) AS"
                                 " noted FROM feed_changes GROUP BY tmdb_id) f"
                                 " ON f.tmdb_id = m.tmdb_id"
                                 " WHERE tmdb_gone_at IS NULL AND ($1 OR NOT data_frozen)",
                                 "forecast", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_boolean(ps, 1, include_frozen);
    rc = sql_run(ps, &res, "forecast", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    struct store_movie_state s;
    while (cursor_next(&c)) {
        read_state(&c, &s);
        each(ctx, &s);
    }
    cursor_done(&c);
    return RS_OK;
}
