/*
 * store_export: every movie with its TMDB and OMDB columns, joined, or one of the history
 * tables, written by DuckDB's COPY to a CSV, Parquet or JSON file (README, `reelsync
 * export`); and store_export_tables, the
 * data tables as they are, one Parquet file each, for collect --publish (src/publish.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define EXPORT_SELECT                                                                              \
    "SELECT m.movie_id, m.tmdb_id, m.imdb_id, m.title, m.release_date, m.last_tmdb_update,"        \
    " m.last_omdb_update, m.last_full_refresh, m.data_frozen, m.created_at, m.updated_at,"         \
    " m.data_changed_at, m.stable_cycles,"                                                         \
    " t.title AS tmdb_title, t.original_title AS tmdb_original_title,"                             \
    " t.overview AS tmdb_overview, t.tagline AS tmdb_tagline,"                                     \
    " t.release_date AS tmdb_release_date, t.runtime AS tmdb_runtime,"                             \
    " t.budget AS tmdb_budget, t.revenue AS tmdb_revenue, t.genres AS tmdb_genres,"                \
    " t.production_companies AS tmdb_production_companies,"                                        \
    " t.vote_average AS tmdb_vote_average, t.vote_count AS tmdb_vote_count,"                       \
    " t.popularity AS tmdb_popularity, t.status AS tmdb_status,"                                   \
    " t.original_language AS tmdb_original_language, t.adult AS tmdb_adult,"                       \
    " t.fetched_at AS tmdb_fetched_at,"                                                            \
    " o.title AS omdb_title, o.year AS omdb_year, o.rated AS omdb_rated,"                          \
    " o.released AS omdb_released, o.runtime_minutes AS omdb_runtime_minutes,"                     \
    " o.genre AS omdb_genre, o.director AS omdb_director, o.writer AS omdb_writer,"                \
    " o.actors AS omdb_actors, o.language AS omdb_language, o.country AS omdb_country,"            \
    " o.awards AS omdb_awards, o.imdb_rating AS omdb_imdb_rating,"                                 \
    " o.imdb_votes AS omdb_imdb_votes, o.rotten_tomatoes AS omdb_rotten_tomatoes,"                 \
    " o.metacritic AS omdb_metacritic, o.box_office AS omdb_box_office,"                           \
    " o.fetched_at AS omdb_fetched_at"                                                             \
    " FROM movies m LEFT JOIN tmdb_movies t ON t.tmdb_id = m.tmdb_id"                              \
    " LEFT JOIN omdb_movies o ON o.imdb_id = m.imdb_id ORDER BY m.tmdb_id"

/*
 * Runs a COPY, raising DuckDB's memory limit (store_grow_memory) as long as it runs out:
 * joining a million movies needs more than a reader's limit (docs/internals/store.md).
 */
static enum rs_err exec_growing(struct store *st, const char *sql, const char *what,
                                struct rs_error *err)
{
    enum rs_err rc = sql_exec(st, sql, what, err);
    while (rc == RS_ERR_NOMEM && !st->in_tx && store_grow_memory(st, NULL, err) == RS_OK)
        rc = sql_exec(st, sql, what, err);
    return rc;
}

/* What export --table names: the movies joined, or a history table in its natural order. */
static const char *const TABLES[][2] = {
    {"movies", EXPORT_SELECT},
    {"observations",
     "SELECT tmdb_id, api, observed_at, vote_count, vote_average, popularity, revenue, budget,"
     " imdb_rating, imdb_votes, metacritic, rotten_tomatoes, box_office FROM observations"
     " ORDER BY tmdb_id, observed_at, api"},
    {"changes", "SELECT tmdb_id, api, field, old_value, new_value, changed_at, run_id"
                " FROM change_log ORDER BY changed_at, tmdb_id, api, field"},
    {"events", "SELECT tmdb_id, event, event_at, run_id, reason FROM movie_events"
               " ORDER BY event_at, tmdb_id, event"},
    {"credits", "SELECT tmdb_id, person_id, name, role, job, character, ord FROM movie_credits"
                " ORDER BY tmdb_id, role, ord, person_id"},
    {"keywords",
     "SELECT tmdb_id, keyword_id, name FROM movie_keywords ORDER BY tmdb_id, keyword_id"},
    {"release_dates", "SELECT tmdb_id, country, type, release_date, certification, note"
                      " FROM release_dates ORDER BY tmdb_id, country, type, release_date"},
};

bool store_export_table_known(const char *table)
{
    for (size_t i = 0; table && i < RS_ARRAY_LEN(TABLES); i++)
        if (strcmp(table, TABLES[i][0]) == 0)
            return true;
    return false;
}

enum rs_err store_export(struct store *st, const char *table, const char *format, const char *path,
                         struct rs_error *err)
{
    const char *select = NULL;
    for (size_t i = 0; i < RS_ARRAY_LEN(TABLES); i++)
        if (table && strcmp(table, TABLES[i][0]) == 0)
            select = TABLES[i][1];
    if (!select)
        return rs_fail(err, RS_ERR_USAGE,
                       "export: unknown table '%s' (movies, observations, changes, events, "
                       "credits, keywords or release_dates)",
                       table ? table : "");
    static const char *const formats[][2] = {
        {"csv", "(FORMAT csv, HEADER true)"},
        {"parquet", "(FORMAT parquet)"},
        {"json", "(FORMAT json)"},
    };
    const char *opts = NULL;
    for (size_t i = 0; i < RS_ARRAY_LEN(formats); i++)
        if (format && strcmp(format, formats[i][0]) == 0)
            opts = formats[i][1];
    if (!opts)
        return rs_fail(err, RS_ERR_USAGE, "export: unknown format '%s' (csv, parquet or json)",
                       format ? format : "");
    size_t len = strlen(select) + 2 * strlen(path) + 64, pos;
    char *sql = malloc(len);
    if (!sql)
        return rs_fail(err, RS_ERR_NOMEM, "export: out of memory");
    pos = (size_t)snprintf(sql, len, "COPY (%s) TO ", select);
    enum rs_err rc = RS_OK;
    if (!quote_literal(sql, len, &pos, path))
        rc = rs_fail(err, RS_ERR_USAGE, "export: path too long");
    else
        snprintf(sql + pos, len - pos, " %s", opts);
    if (rc == RS_OK)
        rc = exec_growing(st, sql, "export", err);
    free(sql);
    if (rc == RS_ERR_DB || rc == RS_ERR_IO) {
        char why[sizeof(err->msg)] = "";
        if (err)
            memcpy(why, err->msg, sizeof(why));
        rc = rs_fail(err, RS_ERR_IO, "cannot export to '%s': %s", path, why);
    }
    return rc;
}

/* COPY TABLE TO DIR/TABLE.parquet. */
static enum rs_err copy_table(struct store *st, const char *table, const char *dir,
                              struct rs_error *err)
{
    char path[4096], sql[4096 * 2 + 128];
    size_t pos;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s.parquet", dir, table) >= sizeof(path))
        return rs_fail(err, RS_ERR_IO, "cannot write into '%s': path too long", dir);
    pos = (size_t)snprintf(sql, sizeof(sql), "COPY %s TO ", table);
    if (!quote_literal(sql, sizeof(sql), &pos, path))
        return rs_fail(err, RS_ERR_IO, "cannot write into '%s': path too long", dir);
    snprintf(sql + pos, sizeof(sql) - pos, " (FORMAT parquet)");
    enum rs_err rc = exec_growing(st, sql, "publish", err);
    if (rc == RS_ERR_DB || rc == RS_ERR_IO) {
        char why[sizeof(err->msg)] = "";
        if (err)
            memcpy(why, err->msg, sizeof(why));
        rc = rs_fail(err, RS_ERR_IO, "cannot write '%s': %s", path, why);
    }
    return rc;
}

enum rs_err store_export_tables(struct store *st, const char *dir, struct rs_error *err)
{
    static const char *const tables[] = {"movies",        "tmdb_movies",    "omdb_movies",
                                         "movie_credits", "movie_keywords", "release_dates",
                                         "observations",  "change_log",     "movie_events"};
    bool own = !st->in_tx;
    enum rs_err rc = own ? store_begin(st, err) : RS_OK;
    for (size_t i = 0; rc == RS_OK && i < RS_ARRAY_LEN(tables); i++)
        rc = copy_table(st, tables[i], dir, err);
    return tx_leave(st, own, rc, err);
}
