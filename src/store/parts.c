/*
 * The parts of a TMDB details answer asked with append_to_response: movie_credits,
 * movie_keywords and release_dates. Written in the TMDB details batch's transaction
 * (batch.c stages them, logs their changes with the details' history, then applies them): the
 * rows go through per-connection temp stage tables, then each movie whose answer carried a
 * part has that part's rows replaced (DELETE of its old rows, INSERT of the staged ones), so
 * a refresh never appends a second copy. A part whose set changed is one change_log row
 * (field credits, keywords or release_dates, the sets as text), so it counts as a change.
 */
#include "store_int.h"

/* The columns of each table, in the order the appenders below append them. */
#define CREDIT_COLUMNS "tmdb_id, person_id, name, role, job, character, ord"
#define KEYWORD_COLUMNS "tmdb_id, keyword_id, name"
#define RELEASE_COLUMNS "tmdb_id, country, type, release_date, certification, note"

enum rs_err parts_create_stages(struct store *st, struct rs_error *err)
{
    return sql_exec(st,
                    "CREATE TEMP TABLE parts_stage (tmdb_id BIGINT, has_credits BOOLEAN,"
                    " has_keywords BOOLEAN, has_release_dates BOOLEAN);"
                    "CREATE TEMP TABLE credits_stage AS SELECT " CREDIT_COLUMNS
                    " FROM movie_credits LIMIT 0;"
                    "CREATE TEMP TABLE keywords_stage AS SELECT " KEYWORD_COLUMNS
                    " FROM movie_keywords LIMIT 0;"
                    "CREATE TEMP TABLE releases_stage AS SELECT " RELEASE_COLUMNS
                    " FROM release_dates LIMIT 0;",
                    "staging", err);
}

static bool app_id(duckdb_appender a, int64_t id)
{
    return duckdb_append_int64(a, id) == DuckDBSuccess;
}

static bool app_end(duckdb_appender a)
{
    return duckdb_appender_end_row(a) == DuckDBSuccess;
}

/* Which parts each movie's answer carried: parts_stage. */
static bool app_movies(duckdb_appender a, const struct tmdb_row *rows, size_t n)
{
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        const struct tmdb_parts *p = &rows[i].parts;
        ok = app_id(a, rows[i].tmdb_id) && duckdb_append_bool(a, p->has_credits) == DuckDBSuccess &&
             duckdb_append_bool(a, p->has_keywords) == DuckDBSuccess &&
             duckdb_append_bool(a, p->has_release_dates) == DuckDBSuccess && app_end(a);
    }
    return ok;
}

static bool app_credits(duckdb_appender a, const struct tmdb_row *rows, size_t n)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; ok && k < rows[i].parts.n_credits; k++) {
            const struct credit_row *c = &rows[i].parts.credits[k];
            ok = app_id(a, rows[i].tmdb_id) && app_id(a, c->person_id) && app_str(a, c->name) &&
                 app_str(a, c->role) && app_str(a, c->job) && app_str(a, c->character) &&
                 app_i64(a, c->ord) && app_end(a);
        }
    }
    return ok;
}

static bool app_keywords(duckdb_appender a, const struct tmdb_row *rows, size_t n)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; ok && k < rows[i].parts.n_keywords; k++) {
            const struct keyword_row *w = &rows[i].parts.keywords[k];
            ok = app_id(a, rows[i].tmdb_id) && app_id(a, w->keyword_id) && app_str(a, w->name) &&
                 app_end(a);
        }
    }
    return ok;
}

static bool app_releases(duckdb_appender a, const struct tmdb_row *rows, size_t n)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; ok && k < rows[i].parts.n_release_dates; k++) {
            const struct release_row *d = &rows[i].parts.release_dates[k];
            ok = app_id(a, rows[i].tmdb_id) && app_str(a, d->country) && app_i64(a, d->type) &&
                 app_date(a, d->release_date) && app_str(a, d->certification) &&
                 app_str(a, d->note) && app_end(a);
        }
    }
    return ok;
}

typedef bool (*stage_fn)(duckdb_appender, const struct tmdb_row *, size_t);

/* Appends ROWS' values into the temp table TABLE with FN. */
static enum rs_err stage(struct store *st, const char *table, stage_fn fn,
                         const struct tmdb_row *rows, size_t n, struct rs_error *err)
{
    duckdb_appender a = NULL;
    enum rs_err rc = app_open(st, table, "tmdb parts", &a, err);
    if (rc)
        return rc;
    return app_finish(&a, !fn(a, rows, n), "tmdb parts", err);
}

enum rs_err parts_stage_tmdb(struct store *st, const struct tmdb_row *rows, size_t n,
                             struct rs_error *err)
{
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any = any || rows[i].parts.has_credits || rows[i].parts.has_keywords ||
              rows[i].parts.has_release_dates;
    if (!any)
        return RS_OK;
    enum rs_err rc = stage(st, "parts_stage", app_movies, rows, n, err);
    if (rc == RS_OK)
        rc = stage(st, "credits_stage", app_credits, rows, n, err);
    if (rc == RS_OK)
        rc = stage(st, "keywords_stage", app_keywords, rows, n, err);
    if (rc == RS_OK)
        rc = stage(st, "releases_stage", app_releases, rows, n, err);
    return rc;
}

/*
 * One part's set as text: its entries' texts sorted and joined (list and list_sort: an
 * ordered string_agg keeps a sort state per movie, which ran a 2,000-movie batch out of the
 * writer's memory), so two sets are equal exactly when their texts are. What change_log keeps
 * as the old and new value of the field named like the part.
 */
#define SET_TEXT(entry) "array_to_string(list_sort(list(" entry ")), '; ')"
#define CREDIT_TEXT                                                                                \
    "role || coalesce(' ' || lpad(CAST(ord AS VARCHAR), 3, '0'), '') || ' ' ||"                    \
    " coalesce(name, '?') || coalesce(' (' || coalesce(job, character) || ')', '') ||"             \
    " ' [' || person_id || ']'"
#define KEYWORD_TEXT "coalesce(name, '?') || ' [' || keyword_id || ']'"
#define RELEASE_TEXT                                                                               \
    "country || ' ' || coalesce(CAST(type AS VARCHAR), '?') || ' ' ||"                             \
    " coalesce(CAST(release_date AS VARCHAR), '?') || coalesce(' ' || certification, '') ||"       \
    " coalesce(' (' || note || ')', '')"

/*
 * The change_stage rows of one part: the staged movies whose answer carries the part (c),
 * then their stored and staged sets, compared where a set was stored. Nothing reads
 * tmdb_movies here: joining its raw column made every commit read every stored answer.
 */
#define PART_LOG(field, flag, table, stage, entry)                                                 \
    "INSERT INTO temp.change_stage WITH c AS (SELECT s.seq, p.tmdb_id FROM temp.parts_stage p"     \
    " JOIN temp.tmdb_stage s ON s.tmdb_id = p.tmdb_id WHERE p." flag ")"                           \
    " SELECT c.seq, c.tmdb_id, '" field "', o.v, n.v FROM c"                                       \
    " JOIN (SELECT tmdb_id, " SET_TEXT(                                                            \
        entry) " AS v FROM " table " WHERE tmdb_id IN (SELECT tmdb_id FROM c) GROUP BY tmdb_id) "  \
               "o ON o.tmdb_id = c.tmdb_id"                                                        \
               " LEFT JOIN (SELECT tmdb_id, " SET_TEXT(                                            \
                   entry) " AS v FROM temp." stage " WHERE tmdb_id IN (SELECT tmdb_id FROM c) "    \
                          "GROUP BY tmdb_id) n ON n.tmdb_id = c.tmdb_id"                           \
                          " WHERE o.v IS DISTINCT FROM n.v;"

/*
 * A part changed when a set of it was stored and the new one differs: a database made before
 * the parts were asked for logs nothing on the first answer that carries them (nor does a
 * movie whose stored set was empty, which has no rows to tell it from one never asked).
 */
enum rs_err parts_log_tmdb(struct store *st, struct rs_error *err)
{
    return sql_exec(
        st,
        PART_LOG("credits", "has_credits", "movie_credits", "credits_stage", CREDIT_TEXT)
            PART_LOG("keywords", "has_keywords", "movie_keywords", "keywords_stage", KEYWORD_TEXT)
                PART_LOG("release_dates", "has_release_dates", "release_dates", "releases_stage",
                         RELEASE_TEXT),
        "tmdb parts", err);
}

enum rs_err parts_apply_tmdb(struct store *st, bool failed, bool stored, struct rs_error *err)
{
    enum rs_err rc = RS_OK;
    /* a movie has part rows only once its tmdb_movies row is stored (both are written here) */
    if (!failed && stored)
        rc = sql_exec(st,
                      "DELETE FROM movie_credits WHERE tmdb_id IN"
                      " (SELECT tmdb_id FROM temp.parts_stage WHERE has_credits);"
                      "DELETE FROM movie_keywords WHERE tmdb_id IN"
                      " (SELECT tmdb_id FROM temp.parts_stage WHERE has_keywords);"
                      "DELETE FROM release_dates WHERE tmdb_id IN"
                      " (SELECT tmdb_id FROM temp.parts_stage WHERE has_release_dates);",
                      "tmdb parts", err);
    if (!failed && rc == RS_OK)
        rc = sql_exec(st,
                      "INSERT INTO movie_credits (" CREDIT_COLUMNS ") SELECT " CREDIT_COLUMNS
                      " FROM temp.credits_stage;"
                      "INSERT INTO movie_keywords (" KEYWORD_COLUMNS ") SELECT " KEYWORD_COLUMNS
                      " FROM temp.keywords_stage;"
                      "INSERT INTO release_dates (" RELEASE_COLUMNS ") SELECT " RELEASE_COLUMNS
                      " FROM temp.releases_stage;",
                      "tmdb parts", err);
    enum rs_err rc2 = sql_exec(st,
                               "DELETE FROM temp.parts_stage; DELETE FROM temp.credits_stage;"
                               " DELETE FROM temp.keywords_stage; DELETE FROM temp.releases_stage;",
                               "tmdb parts", rc || failed ? NULL : err);
    return rc ? rc : rc2;
}
