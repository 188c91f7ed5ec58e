/*
 * store_export: every movie with its TMDB and OMDB columns, joined (in pieces, so its memory
 * does not grow with the catalogue), or one of the history tables, written by DuckDB's COPY
 * to a CSV, Parquet or JSON file (README, `reelsync export`); and store_export_tables, the
 * data tables as they are, one Parquet file each, for collect --publish (src/publish.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

/* Movies joined at a time by a piece of the movies' export (export_movies). */
#define EXPORT_PIECE 16384
/*
 * Rows a row group of the Parquet file holds: the writer keeps one in memory, and DuckDB's
 * default of 122,880 wide rows took the export of 973,258 movies from 173 to 203 MB.
 */
#define EXPORT_ROW_GROUP "30720"

/*
 * The movies with tmdb_id in ($1, $2], joined and in order: one piece of the export.
 * The range is given to both sides of the TMDB join, so each builds its hash table of the
 * piece only; OMDB is keyed by IMDb id and read whole by each piece, against the piece.
 */
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
    " FROM (SELECT * FROM movies WHERE tmdb_id > $1 AND tmdb_id <= $2) m"                          \
    " LEFT JOIN (SELECT * FROM tmdb_movies WHERE tmdb_id > $1 AND tmdb_id <= $2) t"                \
    " ON t.tmdb_id = m.tmdb_id LEFT JOIN omdb_movies o ON o.imdb_id = m.imdb_id ORDER BY "         \
    "m.tmdb_id"

/*
 * Runs a COPY, raising DuckDB's memory limit (store_grow_memory) as long as it runs out
 * (a history table's sort may need more than a reader's limit; docs/internals/store.md).
 */
static enum rs_err exec_growing(struct store *st, const char *sql, const char *what,
                                struct rs_error *err)
{
    enum rs_err rc = sql_exec(st, sql, what, err);
    while (store_grew_for(st, rc, err))
        rc = sql_exec(st, sql, what, err);
    return rc;
}

/*
 * The movies' export in pieces of EXPORT_PIECE movies (by tmdb_id), each joined and sorted
 * on its own: the two joins of a million movies at once needed 400-900 MB of DuckDB's
 * memory whatever the order (docs/benchmarks.md, issue 18), a piece a few tens of MB.
 * Each piece is COPYed to a file of its own in a temporary directory; CSV and JSON pieces
 * are appended to PATH one after the other (a CSV's header with the first), Parquet pieces
 * are read back in order into one file by a last COPY that keeps their order. The output is
 * the one COPY of all the movies ORDER BY tmdb_id made before.
 */

/* The tmdb_id ending each piece but the last, ascending, into *CUTS (malloc'd) and *N. */
static enum rs_err piece_cuts(struct store *st, int64_t **cuts, size_t *n, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_prepare(st,
                                 "SELECT tmdb_id FROM (SELECT tmdb_id, row_number() OVER"
                                 " (ORDER BY tmdb_id) AS r FROM movies) WHERE r % $1 = 0"
                                 " ORDER BY tmdb_id",
                                 "export", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, st->export_piece > 0 ? st->export_piece : EXPORT_PIECE);
    rc = sql_run(ps, &res, "export", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    size_t rows = (size_t)duckdb_row_count(&res), k = 0;
    int64_t *out = malloc((rows ? rows : 1) * sizeof(*out));
    struct cursor c = {.res = &res};
    while (out && cursor_next(&c))
        out[k++] = col_int(&c, 0);
    cursor_done(&c);
    if (!out)
        return rs_fail(err, RS_ERR_NOMEM, "export: out of memory");
    *cuts = out;
    *n = k;
    return RS_OK;
}

/* COPYs the movies of (LO, HI] to PIECE with OPTS (a CSV's header when HEADER). */
static enum rs_err copy_piece(struct store *st, const char *opts, const char *piece, int64_t lo,
                              int64_t hi, bool header, struct rs_error *err)
{
    char sql[sizeof(EXPORT_SELECT) + 4096 * 2 + 128];
    size_t pos = (size_t)snprintf(sql, sizeof(sql), "COPY (%s) TO ", EXPORT_SELECT);
    if (!quote_literal(sql, sizeof(sql), &pos, piece))
        return rs_fail(err, RS_ERR_IO, "export: temporary path too long");
    snprintf(sql + pos, sizeof(sql) - pos, " %s", opts);
    for (;;) {
        duckdb_prepared_statement ps = NULL;
        enum rs_err rc = sql_prepare(st, sql, "export", &ps, err);
        if (rc)
            return rc;
        duckdb_bind_int64(ps, 1, lo);
        duckdb_bind_int64(ps, 2, hi);
        if (strstr(opts, "$3"))
            duckdb_bind_boolean(ps, 3, header);
        rc = sql_run(ps, NULL, "export", err);
        duckdb_destroy_prepare(&ps);
        /* as exec_growing: a bigger limit for a piece that does not fit, then again */
        if (!store_grew_for(st, rc, err))
            return rc;
    }
}

/* Appends the file PIECE to OUT. */
static enum rs_err append_piece(FILE *out, const char *piece, struct rs_error *err)
{
    char buf[1 << 16];
    size_t got;
    FILE *in = fopen(piece, "rb");
    if (!in)
        return rs_fail(err, RS_ERR_IO, "%s", strerror(errno));
    while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
        if (fwrite(buf, 1, got, out) != got)
            break;
    enum rs_err rc =
        ferror(in) || ferror(out) ? rs_fail(err, RS_ERR_IO, "%s", strerror(errno)) : RS_OK;
    fclose(in);
    return rc;
}

/* Appends TEXT at *POS of BUF (LEN bytes); false when it does not fit. */
static bool put_text(char *buf, size_t len, size_t *pos, const char *text)
{
    size_t n = strlen(text);
    if (*pos + n >= len)
        return false;
    memcpy(buf + *pos, text, n + 1);
    *pos += n;
    return true;
}

/*
 * Reads the N Parquet pieces of DIR back, in order, into one file at PATH: insertion order
 * kept for this statement (a reader's instance does not keep it otherwise).
 */
static enum rs_err join_parquet(struct store *st, const char *dir, size_t n, const char *path,
                                struct rs_error *err)
{
    size_t len = n * (2 * strlen(dir) + 48) + 2 * strlen(path) + 128, pos;
    char *sql = malloc(len), piece[4200];
    if (!sql)
        return rs_fail(err, RS_ERR_NOMEM, "export: out of memory");
    pos = (size_t)snprintf(sql, len, "COPY (SELECT * FROM read_parquet([");
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        snprintf(piece, sizeof(piece), "%s/piece-%06zu", dir, i);
        ok = (i == 0 || put_text(sql, len, &pos, ", ")) && quote_literal(sql, len, &pos, piece);
    }
    ok = ok && put_text(sql, len, &pos, "])) TO ") && quote_literal(sql, len, &pos, path) &&
         put_text(sql, len, &pos, " (FORMAT parquet, ROW_GROUP_SIZE " EXPORT_ROW_GROUP ")");
    enum rs_err rc = ok ? sql_exec(st, "SET preserve_insertion_order = true", "export", err)
                        : rs_fail(err, RS_ERR_USAGE, "export: path too long");
    if (rc == RS_OK) {
        rc = exec_growing(st, sql, "export", err);
        struct rs_error ignored = {0};
        sql_exec(st,
                 st->read_only ? "SET preserve_insertion_order = false"
                               : "SET preserve_insertion_order = true",
                 "export", &ignored);
    }
    free(sql);
    return rc;
}

/* What export --table names: the movies joined, or a history table in its natural order. */
static const char *const TABLES[][2] = {
    {"movies", NULL}, /* in pieces: export_movies */
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

/* A new directory for the pieces in $TMPDIR (else /tmp), into DIR. */
static enum rs_err pieces_dir(char *dir, size_t len, struct rs_error *err)
{
    if ((size_t)snprintf(dir, len, "%s/reelsync-export-XXXXXX", rs_tmpdir()) >= len ||
        !mkdtemp(dir))
        return rs_fail(err, RS_ERR_IO, "cannot make a temporary directory: %s", strerror(errno));
    return RS_OK;
}

/* FORMAT is a row of FORMATS. */
static enum rs_err export_movies(struct store *st, const char *const format[3], const char *path,
                                 struct rs_error *err)
{
    int64_t *cuts = NULL;
    size_t n = 0, made = 0;
    char dir[4096], piece[4200];
    bool parquet = strcmp(format[0], "parquet") == 0;
    FILE *out = NULL;
    enum rs_err rc = piece_cuts(st, &cuts, &n, err);
    if (rc)
        return rc;
    rc = pieces_dir(dir, sizeof(dir) - 32, err);
    bool have_dir = rc == RS_OK;
    if (rc == RS_OK && !parquet) {
        out = fopen(path, "wb");
        if (!out)
            rc = rs_fail(err, RS_ERR_IO, "%s", strerror(errno));
    }
    for (size_t i = 0; rc == RS_OK && i <= n; i++) {
        snprintf(piece, sizeof(piece), "%s/piece-%06zu", dir, parquet ? i : 0);
        rc = copy_piece(st, format[2], piece, i ? cuts[i - 1] : INT64_MIN,
                        i < n ? cuts[i] : INT64_MAX, i == 0, err);
        made = parquet ? i + 1 : 1;
        if (rc == RS_OK && out)
            rc = append_piece(out, piece, err);
    }
    if (rc == RS_OK && parquet)
        rc = join_parquet(st, dir, made, path, err);
    if (out && fclose(out) != 0 && rc == RS_OK)
        rc = rs_fail(err, RS_ERR_IO, "%s", strerror(errno));
    for (size_t i = 0; i < made; i++) {
        snprintf(piece, sizeof(piece), "%s/piece-%06zu", dir, i);
        remove(piece);
    }
    if (have_dir)
        rmdir(dir);
    free(cuts);
    return rc;
}

/* COPY (SELECT) TO PATH OPTS, as one statement. */
static enum rs_err export_query(struct store *st, const char *select, const char *opts,
                                const char *path, struct rs_error *err)
{
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
    return rc;
}

/* What export --format names: its COPY options, and a piece's (a CSV's header: $3). */
static const char *const FORMATS[][3] = {
    {"csv", "(FORMAT csv, HEADER true)", "(FORMAT csv, HEADER $3)"},
    {"parquet", "(FORMAT parquet)", "(FORMAT parquet)"},
    {"json", "(FORMAT json)", "(FORMAT json)"},
};

enum rs_err store_export(struct store *st, const char *table, const char *format, const char *path,
                         struct rs_error *err)
{
    int t = -1, f = -1;
    for (size_t i = 0; i < RS_ARRAY_LEN(TABLES); i++)
        if (table && strcmp(table, TABLES[i][0]) == 0)
            t = (int)i;
    if (t < 0)
        return rs_fail(err, RS_ERR_USAGE,
                       "export: unknown table '%s' (movies, observations, changes, events, "
                       "credits, keywords or release_dates)",
                       table ? table : "");
    for (size_t i = 0; i < RS_ARRAY_LEN(FORMATS); i++)
        if (format && strcmp(format, FORMATS[i][0]) == 0)
            f = (int)i;
    if (f < 0)
        return rs_fail(err, RS_ERR_USAGE, "export: unknown format '%s' (csv, parquet or json)",
                       format ? format : "");
    enum rs_err rc = TABLES[t][1] ? export_query(st, TABLES[t][1], FORMATS[f][1], path, err)
                                  : export_movies(st, FORMATS[f], path, err);
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
