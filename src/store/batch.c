/*
 * A refresh's writes, the one path a collect's commit batches take: TMDB details, OMDB
 * details with their history (change_log, observations), and the end of each movie's refresh
 * (stable cycles, "last changed", freezing, by refresh_freezes, and its movie_events). Each
 * batch is appended into a per-connection temp stage table and applied with a few set-based
 * statements (docs/internals/store.md, "Write paths"). Each batch first finds where its movies'
 * rows are in movies, tmdb_movies and omdb_movies (keys.c), so that no statement joins a whole
 * table: the cost of a batch follows the batch, not the tables.
 */
#include <stdio.h>
#include <stdlib.h>

#include "reelsync/refresh.h"
#include "store_int.h"

/*
 * The columns of tmdb_movies and omdb_movies a batch writes besides raw and fetched_at, in
 * the order app_tmdb and app_omdb append them. Each stage table is made with its list (types
 * from the table), and each INSERT names it on both sides.
 */
#define TMDB_COLUMNS                                                                               \
    "tmdb_id, imdb_id, title, original_title, overview, tagline, release_date, runtime, budget,"   \
    " revenue, genres, production_companies, vote_average, vote_count, popularity, status,"        \
    " original_language, adult"
#define OMDB_COLUMNS                                                                               \
    "imdb_id, title, year, rated, released, runtime_minutes, genre, director, writer, actors,"     \
    " language, country, awards, imdb_rating, imdb_votes, rotten_tomatoes, metacritic,"            \
    " box_office"

/*
 * One field of the change log: its name, whether the stored row t and the staged row s
 * differ (compared as values, so 0.0 and -0.0 are one rating), and both as text.
 */
#define CHG(c)                                                                                     \
    "('" #c "', t." #c " IS DISTINCT FROM s." #c ", CAST(t." #c " AS VARCHAR), CAST(s." #c         \
    " AS VARCHAR))"
/*
 * The logged fields: every stored column but the key, raw, fetched_at and the counters that
 * drift on every read (vote_count, vote_average, popularity; imdb_votes), which go to
 * observations instead. A movie is "changed" when one of these differs.
 */
#define TMDB_LOGGED                                                                                                           \
    CHG(imdb_id)                                                                                                              \
    "," CHG(title) "," CHG(original_title) "," CHG(overview) "," CHG(tagline) "," CHG(release_date) "," CHG(runtime) "," CHG( \
        budget) "," CHG(revenue) "," CHG(genres) "," CHG(production_companies) "," CHG(status) "," CHG(original_language) "," CHG(adult)
#define OMDB_LOGGED                                                                                                                   \
    CHG(title)                                                                                                                        \
    "," CHG(year) "," CHG(rated) "," CHG(released) "," CHG(runtime_minutes) "," CHG(genre) "," CHG(director) "," CHG(writer) "," CHG( \
        actors) "," CHG(language) "," CHG(country) "," CHG(awards) "," CHG(imdb_rating) "," CHG(rotten_tomatoes) "," CHG(metacritic) "," CHG(box_office)

enum rs_err batch_create_stages(struct store *st, struct rs_error *err)
{
    return sql_exec(st,
                    "CREATE TEMP TABLE tmdb_stage AS SELECT 0::BIGINT AS seq, " TMDB_COLUMNS
                    ", ''::VARCHAR AS raw FROM tmdb_movies LIMIT 0;"
                    "CREATE TEMP TABLE omdb_stage AS SELECT 0::BIGINT AS seq,"
                    " 0::BIGINT AS tmdb_id, " OMDB_COLUMNS ", ''::VARCHAR AS raw"
                    " FROM omdb_movies LIMIT 0;"
                    "CREATE TEMP TABLE change_stage (seq BIGINT, tmdb_id BIGINT, field VARCHAR,"
                    " old_value VARCHAR, new_value VARCHAR);"
                    "CREATE TEMP TABLE finish_stage (seq BIGINT, tmdb_id BIGINT, changed BOOLEAN,"
                    " both_apis BOOLEAN);",
                    "staging", err);
}

/* One row of tmdb_stage: seq, TMDB_COLUMNS, raw. */
static bool app_tmdb(duckdb_appender a, size_t seq, const struct tmdb_row *r)
{
    return duckdb_append_int64(a, (int64_t)seq) == DuckDBSuccess &&
           duckdb_append_int64(a, r->tmdb_id) == DuckDBSuccess && app_str(a, r->imdb_id) &&
           app_str(a, r->title) && app_str(a, r->original_title) && app_str(a, r->overview) &&
           app_str(a, r->tagline) && app_date(a, r->release_date) && app_i64(a, r->runtime) &&
           app_i64(a, r->budget) && app_i64(a, r->revenue) && app_list(a, r->genres, r->n_genres) &&
           app_list(a, r->production_companies, r->n_production_companies) &&
           app_f64(a, r->vote_average) && app_i64(a, r->vote_count) && app_f64(a, r->popularity) &&
           app_str(a, r->status) && app_str(a, r->original_language) && app_bool(a, r->adult) &&
           app_strn(a, r->raw, r->raw_len) && duckdb_appender_end_row(a) == DuckDBSuccess;
}

/* One row of omdb_stage: seq, tmdb_id, OMDB_COLUMNS, raw. */
static bool app_omdb(duckdb_appender a, size_t seq, int64_t tmdb_id, const struct omdb_row *r)
{
    return duckdb_append_int64(a, (int64_t)seq) == DuckDBSuccess &&
           duckdb_append_int64(a, tmdb_id) == DuckDBSuccess && app_str(a, r->imdb_id) &&
           app_str(a, r->title) && app_str(a, r->year) && app_str(a, r->rated) &&
           app_date(a, r->released) && app_i64(a, r->runtime_minutes) && app_str(a, r->genre) &&
           app_str(a, r->director) && app_str(a, r->writer) && app_str(a, r->actors) &&
           app_str(a, r->language) && app_str(a, r->country) && app_str(a, r->awards) &&
           app_f64(a, r->imdb_rating) && app_i64(a, r->imdb_votes) &&
           app_i64(a, r->rotten_tomatoes) && app_i64(a, r->metacritic) &&
           app_i64(a, r->box_office) && app_strn(a, r->raw, r->raw_len) &&
           duckdb_appender_end_row(a) == DuckDBSuccess;
}

/* Runs fixed SQL with NOW bound as $1 (when it has a parameter) and the run id as $2 (when
 * it has two). */
static enum rs_err exec_now(struct store *st, enum stmt_id id, const char *sql, int params,
                            rs_time_t now, const char *what, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = sql_stmt(st, id, sql, &ps, err);
    if (rc)
        return rc;
    if (params >= 1)
        bind_ts(ps, 1, now);
    if (params >= 2)
        bind_run_id(st, ps, 2);
    return sql_run(ps, NULL, what, err);
}

/* Reads a statement's seq rows: MARK[seq] = true for each, *COUNT = how many rows. */
static enum rs_err read_seqs(struct store *st, enum stmt_id id, const char *sql, bool *mark,
                             size_t n, size_t *count, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_stmt(st, id, sql, &ps, err);
    if (rc == RS_OK)
        rc = sql_run(ps, &res, "batch", err);
    if (rc)
        return rc;
    size_t k = 0;
    struct cursor c = {.res = &res};
    while (cursor_next(&c)) {
        int64_t seq = col_int(&c, 0);
        if (seq >= 0 && (size_t)seq < n && !mark[seq]) {
            mark[seq] = true;
            k++;
        }
    }
    cursor_done(&c);
    *count = k;
    return RS_OK;
}

/* The SQL of one API's history, run on its stage (and its key tables) before it is applied. */
struct history_sql {
    enum stmt_id stored, log, hist, obs;
    /* more change_stage rows after log_sql (the TMDB parts), or NULL */
    enum rs_err (*log_more)(struct store *st, struct rs_error *err);
    const char *stored_sql; /* the seqs of the staged rows with a stored row */
    const char *log_sql;    /* change_stage from the stage and the stored rows */
    const char *hist_sql;   /* change_stage into change_log ($1 now, $2 run id) */
    const char *obs_sql;    /* the stage into observations ($1 now) */
};

/*
 * The history of a staged batch: the fields that differ from the stored rows into
 * change_log, one observation per staged row, and CHANGED (may be NULL) from the same
 * comparison: a movie changed when it had no stored row or a field was logged. In the
 * caller's transaction, before the stage replaces the stored rows.
 *
 * The key lookup (keys.c) found FOUND stored rows of the staged keys; stored_sql reads which
 * staged movies have one (*STORED, may be NULL: any). A batch with none (every batch of a
 * first collect) has nothing to compare: each of its movies changed, and neither the stored
 * rows nor the stored parts are read.
 */
static enum rs_err write_history(struct store *st, const struct history_sql *h, rs_time_t now,
                                 bool *changed, size_t n, size_t found, bool *stored,
                                 struct rs_error *err)
{
    bool *mark = calloc(n ? n : 1, sizeof(*mark));
    size_t k = 0, logged = 0;
    if (!mark)
        return rs_fail(err, RS_ERR_NOMEM, "history: out of memory");
    enum rs_err rc = found ? read_seqs(st, h->stored, h->stored_sql, mark, n, &k, err) : RS_OK;
    for (size_t i = 0; rc == RS_OK && changed && i < n; i++)
        changed[i] = !mark[i];
    if (rc == RS_OK && k > 0) {
        rc = exec_now(st, h->log, h->log_sql, 0, now, "history", err);
        if (rc == RS_OK && h->log_more)
            rc = h->log_more(st, err);
        if (rc == RS_OK && changed) /* a logged movie changed */
            rc = read_seqs(st, S_CH_SEQS, "SELECT DISTINCT seq FROM temp.change_stage", changed, n,
                           &logged, err);
        if (rc == RS_OK)
            rc = exec_now(st, h->hist, h->hist_sql, 2, now, "history", err);
        enum rs_err rc2 = exec_now(st, S_CH_CLEAR, "DELETE FROM temp.change_stage", 0, now,
                                   "history", rc ? NULL : err);
        rc = rc ? rc : rc2;
    }
    if (rc == RS_OK)
        rc = exec_now(st, h->obs, h->obs_sql, 1, now, "history", err);
    if (rc == RS_OK && stored)
        *stored = k > 0;
    free(mark);
    return rc;
}

/* the statements hold AT_ROW, whose lines clang-format would break up */
/* clang-format off */
#define HIST_INSERT(api)                                                                           \
    "INSERT INTO change_log (tmdb_id, api, field, old_value, new_value, changed_at, run_id)"       \
    " SELECT tmdb_id, '" api "', field, old_value, new_value, $1, $2 FROM temp.change_stage"

static const struct history_sql TMDB_HISTORY = {
    S_TB_STORED,
    S_TB_LOG,
    S_TB_HIST,
    S_TB_OBS,
    parts_log_tmdb,
    "SELECT seq FROM temp.key_tmdb",
    "INSERT INTO temp.change_stage SELECT s.seq, s.tmdb_id, f.field, f.o, f.n"
    " FROM temp.tmdb_stage s JOIN temp.key_tmdb k ON k.seq = s.seq"
    " JOIN tmdb_movies t ON " AT_ROW("t", "k", "tmdb_id")
    ", LATERAL (VALUES " TMDB_LOGGED ") f(field, d, o, n) WHERE f.d",
    HIST_INSERT("tmdb"),
    "INSERT INTO observations (tmdb_id, api, observed_at, vote_count, vote_average, popularity,"
    " revenue, budget) SELECT tmdb_id, 'tmdb', $1, vote_count, vote_average, popularity,"
    " revenue, budget FROM temp.tmdb_stage",
};

/*
 * OMDB's stored row is the record of the staged IMDb id, for a movie that had one stored
 * before (a movie's first OMDB record logs nothing, even when another movie shares it): the
 * movie's row and the record's found by the key lookups.
 */
#define OMDB_STORED                                                                                \
    " JOIN temp.key_movies km ON km.seq = s.seq"                                                   \
    " JOIN movies m ON " AT_ROW("m", "km", "tmdb_id")                                              \
    " AND m.last_omdb_update IS NOT NULL JOIN temp.key_omdb ko ON ko.seq = s.seq"

static const struct history_sql OMDB_HISTORY = {
    S_OB_STORED,
    S_OB_LOG,
    S_OB_HIST,
    S_OB_OBS,
    NULL,
    "SELECT s.seq FROM temp.omdb_stage s" OMDB_STORED,
    "INSERT INTO temp.change_stage SELECT s.seq, s.tmdb_id, f.field, f.o, f.n"
    " FROM temp.omdb_stage s" OMDB_STORED
    " JOIN omdb_movies t ON " AT_ROW("t", "ko", "imdb_id")
    ", LATERAL (VALUES " OMDB_LOGGED ") f(field, d, o, n) WHERE f.d",
    HIST_INSERT("omdb"),
    "INSERT INTO observations (tmdb_id, api, observed_at, imdb_rating, imdb_votes, metacritic,"
    " rotten_tomatoes, box_office) SELECT tmdb_id, 'omdb', $1, imdb_rating, imdb_votes,"
    " metacritic, rotten_tomatoes, box_office FROM temp.omdb_stage",
};

/* clang-format on */

/* ----------------------------------------------------------------- TMDB */

/* Applies tmdb_stage: the details rows (replacing the STORED ones, if any), then the movies
 * rows (updated, or new unless every staged movie is KNOWN). */
static enum rs_err apply_tmdb(struct store *st, rs_time_t now, bool stored, bool known,
                              struct rs_error *err)
{
    enum rs_err rc = RS_OK;
    if (stored)
        rc = exec_now(st, S_TB_DEL,
                      "DELETE FROM tmdb_movies WHERE rowid IN (SELECT rid FROM temp.key_tmdb)", 0,
                      now, "tmdb batch", err);
    if (rc == RS_OK)
        rc = exec_now(st, S_TB_INS,
                      "INSERT INTO tmdb_movies (" TMDB_COLUMNS
                      ", raw, fetched_at, credits_digest, keywords_digest, release_dates_digest)"
                      " SELECT " TMDB_COLUMNS ", CAST(raw AS JSON), $1, d.c, d.k, d.r"
                      " FROM temp.tmdb_stage LEFT JOIN (" PARTS_DIGESTS ") d"
                      " ON d.seq = tmdb_stage.seq",
                      1, now, "tmdb batch", err);
    if (rc == RS_OK)
        rc = exec_now(st, S_TB_UPD,
                      "UPDATE movies SET imdb_id = coalesce(s.imdb_id, movies.imdb_id),"
                      " title = coalesce(s.title, movies.title), release_date = s.release_date,"
                      " last_tmdb_update = $1, updated_at = $1,"
                      " tmdb_gone_at = NULL FROM temp.tmdb_stage s JOIN temp.key_movies k"
                      " ON k.seq = s.seq WHERE " AT_ROW("movies", "k", "tmdb_id"),
                      1, now, "tmdb batch", err);
    if (rc == RS_OK && !known)
        rc = exec_now(st, S_TB_NEW,
                      "INSERT INTO movies (tmdb_id, imdb_id, title, release_date,"
                      " last_tmdb_update, created_at, updated_at)"
                      " SELECT tmdb_id, imdb_id, title, release_date, $1, $1, $1"
                      " FROM temp.tmdb_stage s WHERE NOT EXISTS"
                      " (SELECT 1 FROM temp.key_movies k WHERE k.seq = s.seq)",
                      1, now, "tmdb batch", err);
    return rc;
}

enum rs_err store_put_tmdb_batch(struct store *st, const struct tmdb_row *rows, size_t n,
                                 rs_time_t now, bool *changed, struct rs_error *err)
{
    duckdb_appender a = NULL;
    bool own, ok = true, stored = false;
    size_t distinct = 0, known = 0, found = 0;
    int64_t *ids = malloc((n ? n : 1) * sizeof(*ids));
    if (!ids)
        return rs_fail(err, RS_ERR_NOMEM, "tmdb batch: out of memory");
    for (size_t i = 0; i < n; i++)
        ids[i] = rows[i].tmdb_id;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return free(ids), rc;
    rc = app_open(st, "tmdb_stage", "tmdb_stage", &a, err);
    for (size_t i = 0; rc == RS_OK && ok && i < n; i++)
        ok = app_tmdb(a, i, &rows[i]);
    if (rc == RS_OK)
        rc = app_finish(&a, !ok, "tmdb batch", err);
    if (rc == RS_OK) /* credits, keywords, release dates: parts.c */
        rc = parts_stage_tmdb(st, rows, n, err);
    if (rc == RS_OK)
        rc = keys_lookup_ids(st, KEYS_MOVIES, ids, n, &distinct, &known, err);
    /* tmdb_movies has no key constraint (schema 8): one row per tmdb_id is kept here */
    if (rc == RS_OK && distinct < n)
        rc = rs_fail(err, RS_ERR_DB, "database: tmdb batch: %zu tmdb_id(s) given twice",
                     n - distinct);
    if (rc == RS_OK)
        rc = keys_lookup_ids(st, KEYS_TMDB, ids, n, &distinct, &found, err);
    free(ids);
    if (rc == RS_OK)
        rc = write_history(st, &TMDB_HISTORY, now, changed, n, found, &stored, err);
    if (rc == RS_OK)
        rc = apply_tmdb(st, now, stored, known == distinct, err);
    enum rs_err rc3 = parts_apply_tmdb(st, rc != RS_OK, rc ? NULL : err);
    rc = rc ? rc : rc3;
    /* the stage is emptied on failure too, for a caller that carries on */
    enum rs_err rc2 = exec_now(st, S_TB_CLEAR, "DELETE FROM temp.tmdb_stage", 0, now, "tmdb batch",
                               rc ? NULL : err);
    return tx_leave(st, own, rc ? rc : rc2, err);
}

/* ----------------------------------------------------------------- OMDB */

/*
 * Finds the rows of the N staged movies TMDB_IDS (failing unless every one is a known movie)
 * and of their IMDB_IDS (*STORED: how many of those have an omdb_movies row).
 */
static enum rs_err omdb_keys(struct store *st, const int64_t *tmdb_ids, char *const *imdb_ids,
                             size_t n, size_t *stored, struct rs_error *err)
{
    size_t distinct = 0, known = 0;
    enum rs_err rc = keys_lookup_ids(st, KEYS_MOVIES, tmdb_ids, n, &distinct, &known, err);
    if (rc == RS_OK && known < distinct)
        rc = rs_fail(err, RS_ERR_DB, "database: omdb batch: %zu unknown tmdb_id(s)",
                     distinct - known);
    return rc ? rc : keys_lookup_imdb(st, imdb_ids, n, stored, err);
}

/* Applies omdb_stage: the details rows (replacing the STORED ones, if any), then the movies
 * rows. */
static enum rs_err apply_omdb(struct store *st, rs_time_t now, size_t stored, struct rs_error *err)
{
    enum rs_err rc = RS_OK;
    if (stored)
        rc = exec_now(st, S_OB_DEL,
                      "DELETE FROM omdb_movies WHERE rowid IN (SELECT rid FROM temp.key_omdb)", 0,
                      now, "omdb batch", err);
    /* two movies may share an IMDb id: the last row of the batch wins (omdb_movies has no key
     * constraint since schema 8: this keeps one row per imdb_id) */
    if (rc == RS_OK)
        rc = exec_now(st, S_OB_INS,
                      "INSERT INTO omdb_movies (" OMDB_COLUMNS
                      ", raw, fetched_at) SELECT " OMDB_COLUMNS
                      ", CAST(raw AS JSON), $1 FROM temp.omdb_stage"
                      " QUALIFY row_number() OVER (PARTITION BY imdb_id ORDER BY seq DESC) = 1",
                      1, now, "omdb batch", err);
    if (rc == RS_OK)
        rc = exec_now(st, S_OB_UPD,
                      "UPDATE movies SET last_omdb_update = $1,"
                      " imdb_id = coalesce(movies.imdb_id, s.imdb_id), updated_at = $1"
                      " FROM temp.omdb_stage s JOIN temp.key_movies k ON k.seq = s.seq"
                      " WHERE " AT_ROW("movies", "k", "tmdb_id"),
                      1, now, "omdb batch", err);
    return rc;
}

enum rs_err store_put_omdb_batch(struct store *st, const int64_t *tmdb_ids,
                                 const struct omdb_row *rows, size_t n, rs_time_t now,
                                 bool *changed, struct rs_error *err)
{
    duckdb_appender a = NULL;
    bool own, ok = true;
    size_t stored = 0;
    char **imdb = malloc((n ? n : 1) * sizeof(*imdb));
    if (!imdb)
        return rs_fail(err, RS_ERR_NOMEM, "omdb batch: out of memory");
    for (size_t i = 0; i < n; i++)
        if (!(imdb[i] = rows[i].imdb_id)) {
            free(imdb);
            return rs_fail(err, RS_ERR_DB, "database: omdb details without an IMDb id");
        }
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return free(imdb), rc;
    rc = app_open(st, "omdb_stage", "omdb_stage", &a, err);
    for (size_t i = 0; rc == RS_OK && ok && i < n; i++)
        ok = app_omdb(a, i, tmdb_ids[i], &rows[i]);
    if (rc == RS_OK)
        rc = app_finish(&a, !ok, "omdb batch", err);
    if (rc == RS_OK)
        rc = omdb_keys(st, tmdb_ids, imdb, n, &stored, err);
    free(imdb);
    if (rc == RS_OK)
        rc = write_history(st, &OMDB_HISTORY, now, changed, n, stored, NULL, err);
    if (rc == RS_OK)
        rc = apply_omdb(st, now, stored, err);
    enum rs_err rc2 = exec_now(st, S_OB_CLEAR, "DELETE FROM temp.omdb_stage", 0, now, "omdb batch",
                               rc ? NULL : err);
    return tx_leave(st, own, rc ? rc : rc2, err);
}

/* --------------------------------------------------------------- finish */

/* Appends the batch to finish_stage (seq, tmdb_id, changed, both_apis). */
static enum rs_err stage_finish(struct store *st, const int64_t *ids, const bool *changed,
                                const bool *both, size_t n, struct rs_error *err)
{
    duckdb_appender a = NULL;
    enum rs_err rc = app_open(st, "finish_stage", "finish_stage", &a, err);
    bool ok = true;
    for (size_t i = 0; rc == RS_OK && ok && i < n; i++)
        ok = duckdb_append_int64(a, (int64_t)i) == DuckDBSuccess &&
             duckdb_append_int64(a, ids[i]) == DuckDBSuccess &&
             duckdb_append_bool(a, changed[i]) == DuckDBSuccess &&
             duckdb_append_bool(a, both[i]) == DuckDBSuccess &&
             duckdb_appender_end_row(a) == DuckDBSuccess;
    return rc ? rc : app_finish(&a, !ok, "finish batch", err);
}

/* Reads the staged movies back and collects the ids refresh_freezes freezes into *FREEZE
 * (those not frozen already); RS_ERR_DB unless all N are known. */
static enum rs_err to_freeze(struct store *st, rs_time_t now, size_t n, int64_t *freeze,
                             size_t *n_freeze, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_stmt(st, S_FB_READ,
                              "SELECT m.tmdb_id, m.stable_cycles, m.release_date, m.data_frozen"
                              " FROM temp.finish_stage s JOIN temp.key_movies k"
                              " ON k.seq = s.seq JOIN movies m ON " AT_ROW("m", "k", "tmdb_id"),
                              &ps, err);
    if (rc == RS_OK)
        rc = sql_run(ps, &res, "finish batch", err);
    if (rc)
        return rc;
    size_t seen = 0, k = 0;
    struct cursor c = {.res = &res};
    while (cursor_next(&c)) {
        seen++;
        if (!col_int(&c, 3) && k < n && refresh_freezes(col_int(&c, 1), col_i64(&c, 2), now))
            freeze[k++] = col_int(&c, 0);
    }
    cursor_done(&c);
    if (seen != n)
        return rs_fail(err, RS_ERR_DB, "database: finish batch: %zu of %zu movies unknown",
                       n - seen, n);
    *n_freeze = k;
    return RS_OK;
}

/* The frozen movies of finish_stage whose data changed: refreshed anyway (--include-frozen),
 * the UPDATE unfreezes them. Into *IDS (room for N). */
static enum rs_err to_unfreeze(struct store *st, size_t n, int64_t *ids, size_t *n_ids,
                               struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_stmt(st, S_FB_THAWED,
                              "SELECT m.tmdb_id FROM temp.finish_stage s JOIN temp.key_movies k"
                              " ON k.seq = s.seq AND s.changed JOIN movies m"
                              " ON m.data_frozen AND " AT_ROW("m", "k", "tmdb_id"),
                              &ps, err);
    if (rc == RS_OK)
        rc = sql_run(ps, &res, "finish batch", err);
    if (rc)
        return rc;
    size_t k = 0;
    struct cursor c = {.res = &res};
    while (cursor_next(&c))
        if (k < n)
            ids[k++] = col_int(&c, 0);
    cursor_done(&c);
    *n_ids = k;
    return RS_OK;
}

/* Runs the batch UPDATE and collects the ids to freeze into *FREEZE; the movies it unfreezes
 * get their movie_events row. */
static enum rs_err finish_update(struct store *st, rs_time_t now, size_t n, int64_t *freeze,
                                 size_t *n_freeze, struct rs_error *err)
{
    size_t n_thawed = 0;
    enum rs_err rc = to_unfreeze(st, n, freeze, &n_thawed, err);
    if (rc == RS_OK && n_thawed > 0)
        rc = history_add_events(st, "unfrozen", freeze, n_thawed, now,
                                "its data changed on a refresh", err);
    if (rc == RS_OK)
        rc = exec_now(st, S_FB_UPD,
                      "UPDATE movies SET "
                      "stable_cycles = CASE WHEN s.changed THEN 0 ELSE stable_cycles + 1 END,"
                      " data_changed_at = CASE WHEN s.changed THEN $1 ELSE data_changed_at END,"
                      " data_frozen = CASE WHEN s.changed THEN FALSE ELSE data_frozen END,"
                      " last_full_refresh = CASE WHEN s.both_apis THEN $1"
                      " ELSE last_full_refresh END FROM temp.finish_stage s JOIN temp.key_movies k"
                      " ON k.seq = s.seq WHERE " AT_ROW("movies", "k", "tmdb_id"),
                      1, now, "finish batch", err);
    /*
     * Read back in a query of its own: with RETURNING, DuckDB 1.4 intermittently failed
     * this UPDATE with a false "duplicate key" on `movies` in long runs (bench_collect).
     */
    return rc ? rc : to_freeze(st, now, n, freeze, n_freeze, err);
}

/* Sets data_frozen on the N movies IDS, with their movie_events rows. */
static enum rs_err freeze_ids(struct store *st, const int64_t *ids, size_t n, rs_time_t now,
                              struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    char reason[96];
    enum rs_err rc =
        sql_stmt(st, S_FB_FREEZE,
                 "UPDATE movies SET data_frozen = TRUE FROM temp.key_movies k"
                 " WHERE " AT_ROW("movies", "k", "tmdb_id") " AND list_contains($1, k.tmdb_id)",
                 &ps, err);
    if (rc)
        return rc;
    rc = bind_int64s(ps, 1, ids, n) ? sql_run(ps, NULL, "finish batch", err)
                                    : rs_fail(err, RS_ERR_NOMEM, "out of memory");
    snprintf(reason, sizeof(reason), "archived, no change over %d refreshes in a row",
             REFRESH_FREEZE_CYCLES);
    return rc ? rc : history_add_events(st, "frozen", ids, n, now, reason, err);
}

enum rs_err store_finish_refresh_batch(struct store *st, const int64_t *tmdb_ids,
                                       const bool *changed, const bool *both, size_t n,
                                       rs_time_t now, bool *frozen, struct rs_error *err)
{
    int64_t *freeze = calloc(n ? n : 1, sizeof(*freeze));
    size_t n_freeze = 0;
    bool own;
    if (!freeze)
        return rs_fail(err, RS_ERR_NOMEM, "finish batch: out of memory");
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc) {
        free(freeze);
        return rc;
    }
    size_t distinct = 0, known = 0;
    rc = stage_finish(st, tmdb_ids, changed, both, n, err);
    if (rc == RS_OK)
        rc = keys_lookup_ids(st, KEYS_MOVIES, tmdb_ids, n, &distinct, &known, err);
    if (rc == RS_OK)
        rc = finish_update(st, now, n, freeze, &n_freeze, err);
    if (rc == RS_OK && n_freeze > 0)
        rc = freeze_ids(st, freeze, n_freeze, now, err);
    enum rs_err rc2 = exec_now(st, S_FB_CLEAR, "DELETE FROM temp.finish_stage", 0, now,
                               "finish batch", rc ? NULL : err);
    rc = tx_leave(st, own, rc ? rc : rc2, err);
    for (size_t i = 0; rc == RS_OK && frozen && i < n; i++) {
        frozen[i] = false;
        for (size_t k = 0; k < n_freeze; k++)
            frozen[i] = frozen[i] || freeze[k] == tmdb_ids[i];
    }
    free(freeze);
    return rc;
}
