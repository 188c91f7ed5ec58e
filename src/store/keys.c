/*
 * The rows of a batch's movies in the big tables, found by their keys: each batch of batch.c
 * first looks up where the rows of its movies are (their rowid) in `movies`, `tmdb_movies`
 * and `omdb_movies`, into the temp tables key_movies, key_tmdb and key_omdb, and its
 * statements join those instead of the whole table. A join of the stage with a table of a
 * million rows scans the table in each of the eight statements of a commit (9-55 ms each at
 * 955,639 movies, and growing as tmdb_movies and omdb_movies fill); a lookup reads the key
 * once a batch, and a join on rowid reads only the row groups that hold the rows
 * (docs/internals/store.md, "Write paths").
 *
 * A lookup is a SELECT with the keys as constants (`key IN (...)`). On `movies` DuckDB
 * answers it from the tmdb_id's ART index when there are at most index_scan_max_count of
 * them (2,048 by default), so the keys go KEYS_PER_LOOKUP at a time; `tmdb_movies` and
 * `omdb_movies` have no index since schema 8 (migrate.c) and it reads their key column. It is
 * an ordinary query: what it does not find is not in the table, whatever DuckDB chose to
 * answer it with. Rowids are only good in the transaction that read them, so each batch
 * looks up its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Keys per lookup statement: under DuckDB's index_scan_max_count (2,048). */
#define KEYS_PER_LOOKUP 1000

enum rs_err keys_create_stages(struct store *st, struct rs_error *err)
{
    return sql_exec(st,
                    "CREATE TEMP TABLE key_movies (tmdb_id BIGINT, rid BIGINT);"
                    "CREATE TEMP TABLE key_tmdb (tmdb_id BIGINT, rid BIGINT);"
                    "CREATE TEMP TABLE key_omdb (imdb_id VARCHAR, rid BIGINT);",
                    "staging", err);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A growing SQL text. */
struct text {
    char *s;
    size_t len, cap;
    bool oom;
};

/* Appends the N bytes at S. */
static void put_n(struct text *t, const char *s, size_t n)
{
    if (t->oom)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *g = realloc(t->s, cap);
        if (!g) {
            t->oom = true;
            return;
        }
        t->s = g;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void put(struct text *t, const char *s)
{
    put_n(t, s, strlen(s));
}

/* S as an SQL string literal ('' for each '). */
static void put_quoted(struct text *t, const char *s)
{
    put(t, "'");
    for (const char *q; (q = strchr(s, '\'')) != NULL; s = q + 1) {
        put_n(t, s, (size_t)(q - s));
        put(t, "''");
    }
    put(t, s);
    put(t, "'");
}

/* Runs the INSERT of T into a key table; its row count added to *FOUND. */
static enum rs_err run_lookup(struct store *st, struct text *t, size_t *found, struct rs_error *err)
{
    duckdb_result res;
    if (t->oom)
        return rs_fail(err, RS_ERR_NOMEM, "batch keys: out of memory");
    if (duckdb_query(st->con, t->s, &res) != DuckDBSuccess)
        return sql_result_fail(err, "batch keys", &res);
    *found += (size_t)duckdb_rows_changed(&res);
    duckdb_destroy_result(&res);
    return RS_OK;
}

/* Sorts the N keys of SIZE bytes at V and keeps one of each (CMP); returns how many are left. */
static size_t sort_unique(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    char *b = v;
    size_t k = 0;
    qsort(v, n, size, cmp);
    for (size_t i = 0; i < n; i++)
        if (k == 0 || cmp(b + (k - 1) * size, b + i * size) != 0)
            memmove(b + k++ * size, b + i * size, size);
    return k;
}

static void put_id(struct text *t, const void *keys, size_t j)
{
    char num[24];
    snprintf(num, sizeof(num), "%lld", (long long)((const int64_t *)keys)[j]);
    put(t, num);
}

static void put_imdb(struct text *t, const void *keys, size_t j)
{
    put_quoted(t, ((char *const *)keys)[j]);
}

/*
 * Empties temp.INTO and fills it with (KEY, rowid) of the rows of TABLE whose KEY is one of
 * the K distinct KEYS (written into the SQL by PUT_KEY), KEYS_PER_LOOKUP a statement.
 */
static enum rs_err lookup(struct store *st, const char *into, const char *key, const char *table,
                          const void *keys, size_t k,
                          void (*put_key)(struct text *, const void *, size_t), size_t *found,
                          struct rs_error *err)
{
    struct text t = {0};
    char clear[48];
    snprintf(clear, sizeof(clear), "DELETE FROM temp.%s", into);
    enum rs_err rc = sql_exec(st, clear, "batch keys", err);
    for (size_t i = 0; rc == RS_OK && i < k; i += KEYS_PER_LOOKUP) {
        t.len = 0;
        put(&t, "INSERT INTO temp.");
        put(&t, into);
        put(&t, " SELECT ");
        put(&t, key);
        put(&t, ", rowid FROM ");
        put(&t, table);
        put(&t, " WHERE ");
        put(&t, key);
        put(&t, " IN (");
        for (size_t j = i; j < k && j < i + KEYS_PER_LOOKUP; j++) {
            if (j > i)
                put(&t, ",");
            put_key(&t, keys, j);
        }
        put(&t, ")");
        rc = run_lookup(st, &t, found, err);
    }
    free(t.s);
    return rc;
}

enum rs_err keys_lookup_ids(struct store *st, enum key_table which, const int64_t *ids, size_t n,
                            size_t *distinct, size_t *found, struct rs_error *err)
{
    *found = *distinct = 0;
    int64_t *v = malloc((n ? n : 1) * sizeof(*v));
    if (!v)
        return rs_fail(err, RS_ERR_NOMEM, "batch keys: out of memory");
    memcpy(v, ids, n * sizeof(*v));
    *distinct = sort_unique(v, n, sizeof(*v), cmp_i64);
    enum rs_err rc =
        lookup(st, which == KEYS_MOVIES ? "key_movies" : "key_tmdb", "tmdb_id",
               which == KEYS_MOVIES ? "movies" : "tmdb_movies", v, *distinct, put_id, found, err);
    free(v);
    return rc;
}

enum rs_err keys_lookup_imdb(struct store *st, char *const *imdb_ids, size_t n, size_t *found,
                             struct rs_error *err)
{
    *found = 0;
    char **v = malloc((n ? n : 1) * sizeof(*v));
    if (!v)
        return rs_fail(err, RS_ERR_NOMEM, "batch keys: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (imdb_ids[i])
            v[m++] = imdb_ids[i];
    m = sort_unique(v, m, sizeof(*v), cmp_str);
    enum rs_err rc = lookup(st, "key_omdb", "imdb_id", "omdb_movies", v, m, put_imdb, found, err);
    free(v);
    return rc;
}
