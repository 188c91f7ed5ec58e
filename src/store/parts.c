/*
 * The parts of a TMDB details answer asked with append_to_response: movie_credits,
 * movie_keywords and release_dates. Written in the TMDB details batch's transaction
 * (batch.c stages them, logs their changes with the details' history, then applies them): the
 * rows go through per-connection temp stage tables, then each movie whose answer carried a
 * part has that part's rows replaced (DELETE of its old rows, INSERT of the staged ones), so
 * a refresh never appends a second copy. A part whose set changed is one change_log row
 * (field credits, keywords or release_dates, the sets as text), so it counts as a change.
 *
 * The part tables have no index on tmdb_id (one would be larger than the tables' working
 * set), so finding a movie's stored rows scans the whole table. A refresh does it only for the
 * movies whose part changed: each tmdb_movies row keeps a digest of every part's stored set
 * (credits_digest, ...), computed here from the parsed rows; an answer whose set has the
 * stored digest leaves the stored rows as they are, unread. Before, every commit of a refresh
 * scanned the three tables twice, and the cost per movie grew with the catalogue
 * (docs/benchmarks.md, issue 18). A NULL digest (a row stored before schema 7) is unknown:
 * that movie's rows are read and replaced as they always were.
 */
#include <stdlib.h>
#include <string.h>
#include "store_int.h"

/* The columns of each table, in the order the appenders below append them. */
#define CREDIT_COLUMNS "tmdb_id, person_id, name, role, job, character, ord"
#define KEYWORD_COLUMNS "tmdb_id, keyword_id, name"
#define RELEASE_COLUMNS "tmdb_id, country, type, release_date, certification, note"

enum rs_err parts_create_stages(struct store *st, struct rs_error *err)
{
    return sql_exec(
        st,
        "CREATE TEMP TABLE parts_stage (seq BIGINT, tmdb_id BIGINT, has_credits BOOLEAN,"
        " has_keywords BOOLEAN, has_release_dates BOOLEAN, credits_new UBIGINT,"
        " keywords_new UBIGINT, release_dates_new UBIGINT, stored BOOLEAN,"
        " credits_old UBIGINT, keywords_old UBIGINT, release_dates_old UBIGINT);"
        "CREATE TEMP TABLE credits_stage AS SELECT " CREDIT_COLUMNS " FROM movie_credits LIMIT 0;"
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

/* ---- digests: a part's set of rows as 64 bits, the same for the same rows in any order */

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * FNV_PRIME;
    return h;
}

/* A value with its length (or NULL's mark), so that no two rows' fields run together. */
static uint64_t mix_str(uint64_t h, const char *s)
{
    int64_t len = s ? (int64_t)strlen(s) : -1;
    h = fnv(h, &len, sizeof(len));
    return s ? fnv(h, s, (size_t)len) : h;
}

static uint64_t mix_i64(uint64_t h, struct rs_i64 v)
{
    int64_t x[2] = {v.set, v.set ? v.v : 0};
    return fnv(h, x, sizeof(x));
}

static uint64_t mix_id(uint64_t h, int64_t id)
{
    return fnv(h, &id, sizeof(id));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Every stored column of each row counts, so one digest means the same rows stored. */
static uint64_t credit_hash(const void *rows, size_t i)
{
    const struct credit_row *c = &((const struct credit_row *)rows)[i];
    return mix_i64(
        mix_str(
            mix_str(mix_str(mix_str(mix_id(FNV_OFFSET, c->person_id), c->name), c->role), c->job),
            c->character),
        c->ord);
}

static uint64_t keyword_hash(const void *rows, size_t i)
{
    const struct keyword_row *w = &((const struct keyword_row *)rows)[i];
    return mix_str(mix_id(FNV_OFFSET, w->keyword_id), w->name);
}

static uint64_t release_hash(const void *rows, size_t i)
{
    const struct release_row *d = &((const struct release_row *)rows)[i];
    return mix_str(
        mix_str(mix_i64(mix_i64(mix_str(FNV_OFFSET, d->country), d->type), d->release_date),
                d->certification),
        d->note);
}

/* The set's digest: its rows' hashes, sorted, hashed with their count (false: no memory). */
static bool set_digest(const void *rows, size_t n, uint64_t (*row_hash)(const void *, size_t),
                       uint64_t *out)
{
    uint64_t *h = malloc((n ? n : 1) * sizeof(*h));
    if (!h)
        return false;
    for (size_t i = 0; i < n; i++)
        h[i] = row_hash(rows, i);
    qsort(h, n, sizeof(*h), cmp_u64);
    uint64_t count = n;
    *out = fnv(fnv(FNV_OFFSET, &count, sizeof(count)), h, n * sizeof(*h));
    free(h);
    return true;
}

/* One part of parts_stage: whether the answer carried it, and its set's digest if so. */
static bool app_part(duckdb_appender a, bool has, const void *rows, size_t n,
                     uint64_t (*row_hash)(const void *, size_t))
{
    uint64_t d = 0;
    if (!has)
        return duckdb_append_null(a) == DuckDBSuccess;
    return set_digest(rows, n, row_hash, &d) && duckdb_append_uint64(a, d) == DuckDBSuccess;
}

/* Which parts each movie's answer carried, with their digests: parts_stage (the stored
 * digests are filled by parts_log_tmdb, for movies with a stored row). */
static bool app_movies(duckdb_appender a, const struct tmdb_row *rows, size_t n)
{
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        const struct tmdb_parts *p = &rows[i].parts;
        ok =
            app_id(a, (int64_t)i) && app_id(a, rows[i].tmdb_id) &&
            duckdb_append_bool(a, p->has_credits) == DuckDBSuccess &&
            duckdb_append_bool(a, p->has_keywords) == DuckDBSuccess &&
            duckdb_append_bool(a, p->has_release_dates) == DuckDBSuccess &&
            app_part(a, p->has_credits, p->credits, p->n_credits, credit_hash) &&
            app_part(a, p->has_keywords, p->keywords, p->n_keywords, keyword_hash) &&
            app_part(a, p->has_release_dates, p->release_dates, p->n_release_dates, release_hash) &&
            duckdb_append_bool(a, false) == DuckDBSuccess &&
            duckdb_append_null(a) == DuckDBSuccess && duckdb_append_null(a) == DuckDBSuccess &&
            duckdb_append_null(a) == DuckDBSuccess && app_end(a);
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
    /* no movie compared yet (parts_log_tmdb compares, for a batch with stored rows) */
    memset(st->parts_changed, 0, sizeof(st->parts_changed));
    memset(st->parts_same, 0, sizeof(st->parts_same));
    /* every movie, so that one whose answer lacks a part keeps the stored digest */
    enum rs_err rc = stage(st, "parts_stage", app_movies, rows, n, err);
    if (rc == RS_OK && !any)
        return RS_OK;
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

/* A staged movie's part, carried by the answer, with a stored set it differs from or whose
 * digest is not known; or with the stored set's digest (the stored rows are the same). */
#define PART_CHANGED(part)                                                                         \
    "(p.has_" part " AND p.stored AND p." part "_new IS DISTINCT FROM p." part "_old)"
#define PART_SAME(part) "(p.has_" part " AND p.stored AND p." part "_new = p." part "_old)"

/*
 * The change_stage rows of one part: the staged movies whose part changed (c), then their
 * stored and staged sets, compared where a set was stored. Nothing reads tmdb_movies here:
 * joining its raw column made every commit read every stored answer.
 */
#define PART_LOG(part, table, stage, entry)                                                        \
    "INSERT INTO temp.change_stage WITH c AS (SELECT s.seq, p.tmdb_id FROM temp.parts_stage p"     \
    " JOIN temp.tmdb_stage s ON s.seq = p.seq WHERE " PART_CHANGED(                                \
        part) ")"                                                                                  \
              " SELECT c.seq, c.tmdb_id, '" part "', o.v, n.v FROM c"                              \
              " JOIN (SELECT tmdb_id, " SET_TEXT(                                                  \
                  entry) " AS v FROM " table                                                       \
                         " WHERE tmdb_id IN (SELECT tmdb_id FROM c) GROUP BY tmdb_id) "            \
                         "o ON o.tmdb_id = c.tmdb_id"                                              \
                         " LEFT JOIN (SELECT tmdb_id, " SET_TEXT(                                  \
                             entry) " AS v FROM temp." stage                                       \
                                    " WHERE tmdb_id IN (SELECT tmdb_id FROM c) "                   \
                                    "GROUP BY tmdb_id) n ON n.tmdb_id = c.tmdb_id"                 \
                                    " WHERE o.v IS DISTINCT FROM n.v"

/* What each part's statements are: its change log, and the apply's three steps. */
struct part_sql {
    const char *log;       /* change_stage rows of the changed sets (reads the table) */
    const char *del;       /* the changed movies' stored rows (reads the table) */
    const char *unchanged; /* the stage's rows of the movies whose set is the stored one */
    const char *insert;    /* the stage into the table */
};

#define PART_SQL(part, table, stage, entry, columns)                                               \
    {                                                                                              \
        PART_LOG(part, table, stage, entry),                                                       \
            "DELETE FROM " table                                                                   \
            " WHERE tmdb_id IN (SELECT tmdb_id FROM temp.parts_stage p WHERE " PART_CHANGED(       \
                part) ")",                                                                         \
            "DELETE FROM temp." stage                                                              \
            " WHERE tmdb_id IN (SELECT tmdb_id FROM temp.parts_stage p WHERE " PART_SAME(          \
                part) ")",                                                                         \
            "INSERT INTO " table " (" columns ") SELECT " columns " FROM temp." stage              \
    }

static const struct part_sql PARTS[STORE_PARTS] = {
    PART_SQL("credits", "movie_credits", "credits_stage", CREDIT_TEXT, CREDIT_COLUMNS),
    PART_SQL("keywords", "movie_keywords", "keywords_stage", KEYWORD_TEXT, KEYWORD_COLUMNS),
    PART_SQL("release_dates", "release_dates", "releases_stage", RELEASE_TEXT, RELEASE_COLUMNS),
};

/* How many staged movies changed each part, then how many kept it (parts_changed, parts_same). */
#define COUNT_IF(cond) "count(*) FILTER (" cond ")"
/* clang-format off */
#define PART_COUNTS                                                                                \
    "SELECT " COUNT_IF(PART_CHANGED("credits")) ", " COUNT_IF(PART_CHANGED("keywords")) ", "       \
    COUNT_IF(PART_CHANGED("release_dates")) ", " COUNT_IF(PART_SAME("credits")) ", "               \
    COUNT_IF(PART_SAME("keywords")) ", " COUNT_IF(PART_SAME("release_dates"))                      \
    " FROM temp.parts_stage p"
/* clang-format on */

/*
 * The stored digests of the staged movies that have a tmdb_movies row (found by keys.c), and
 * how many movies each part changed or kept: st->parts_changed, st->parts_same.
 */
static enum rs_err compare_digests(struct store *st, struct rs_error *err)
{
    enum rs_err rc =
        sql_exec(st,
                 "UPDATE temp.parts_stage SET stored = TRUE, credits_old = t.credits_digest,"
                 " keywords_old = t.keywords_digest, release_dates_old = t.release_dates_digest"
                 " FROM temp.key_tmdb k JOIN tmdb_movies t"
                 " ON " AT_ROW("t", "k", "tmdb_id") " WHERE k.seq = parts_stage.seq",
                 "tmdb parts", err);
    duckdb_result res;
    if (rc == RS_OK && duckdb_query(st->con, PART_COUNTS, &res) != DuckDBSuccess)
        return sql_result_fail(err, "tmdb parts", &res);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    bool row = cursor_next(&c);
    for (int k = 0; row && k < STORE_PARTS; k++) {
        st->parts_changed[k] = col_int(&c, (idx_t)k);
        st->parts_same[k] = col_int(&c, (idx_t)(STORE_PARTS + k));
    }
    cursor_done(&c);
    return RS_OK;
}

/*
 * A part changed when a set of it was stored and the new one differs: a database made before
 * the parts were asked for logs nothing on the first answer that carries them (nor does a
 * movie whose stored set was empty, which has no rows to tell it from one never asked).
 */
enum rs_err parts_log_tmdb(struct store *st, struct rs_error *err)
{
    enum rs_err rc = compare_digests(st, err);
    for (int k = 0; rc == RS_OK && k < STORE_PARTS; k++)
        if (st->parts_changed[k] > 0)
            rc = sql_exec(st, PARTS[k].log, "tmdb parts", err);
    return rc;
}

enum rs_err parts_apply_tmdb(struct store *st, bool failed, struct rs_error *err)
{
    enum rs_err rc = RS_OK;
    /* a movie has part rows only once its tmdb_movies row is stored (both are written here),
     * so the counts, which only movies with a stored row make, say where rows are to go */
    for (int k = 0; !failed && rc == RS_OK && k < STORE_PARTS; k++) {
        if (st->parts_changed[k] > 0)
            rc = sql_exec(st, PARTS[k].del, "tmdb parts", err);
        if (rc == RS_OK && st->parts_same[k] > 0)
            rc = sql_exec(st, PARTS[k].unchanged, "tmdb parts", err);
        if (rc == RS_OK)
            rc = sql_exec(st, PARTS[k].insert, "tmdb parts", err);
    }
    enum rs_err rc2 = sql_exec(st,
                               "DELETE FROM temp.parts_stage; DELETE FROM temp.credits_stage;"
                               " DELETE FROM temp.keywords_stage; DELETE FROM temp.releases_stage;",
                               "tmdb parts", rc || failed ? NULL : err);
    return rc ? rc : rc2;
}
