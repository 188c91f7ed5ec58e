/*
 * The rows of a batch's movies in the big tables, found by their keys: each batch of batch.c
 * first looks up where the rows of its movies are (their rowid) in `movies`, `tmdb_movies`
 * and `omdb_movies`, into the temp tables key_movies, key_tmdb and key_omdb, which tell
 * each staged row whether its movie has a stored row and which; the statements join stage
 * and key table on seq and the table on rowid and key together (AT_ROW, store_int.h). DuckDB
 * 1.4 still reads the whole table for that join (it skips no row group by rowid), as for a
 * join on the key alone (docs/internals/store.md, "Write paths").
 *
 * A key table has a row (seq, key, rid) for each staged row whose key has a stored row: seq
 * is the staged row's place in its batch (the stage tables' seq, the index of the arrays
 * given here), and the statements join stage and key table on it, not on the key. DuckDB
 * builds a "perfect" hash table for an integer join whose build side spans at most 1,048,576
 * values, one slot per value of the range for every column it carries: on tmdb_id a batch of
 * 1,000 movies spread over 700,000 ids made 12 MB a column, 250 MB live in a 100,000-movie
 * refresh; on seq the range is the batch (docs/benchmarks.md, "Perfect hash joins over the id
 * space").
 *
 * A lookup is a SELECT with the keys as constants (`key IN (...)`). On `movies` DuckDB
 * answers it from the tmdb_id's ART index when there are at most index_scan_max_count of
 * them (2,048 by default), so the keys go KEYS_PER_LOOKUP at a time; `tmdb_movies` and
 * `omdb_movies` have no index since schema 8 (migrate.c) and it reads their key column. It is
 * an ordinary query: what it does not find is not in the table, whatever DuckDB chose to
 * answer it with. Its rows are given their seqs here and appended to the key table. Rowids
 * are only good in the transaction that read them, so each batch looks up its own.
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
                    "CREATE TEMP TABLE key_movies (seq BIGINT, tmdb_id BIGINT, rid BIGINT);"
                    "CREATE TEMP TABLE key_tmdb (seq BIGINT, tmdb_id BIGINT, rid BIGINT);"
                    "CREATE TEMP TABLE key_omdb (seq BIGINT, imdb_id VARCHAR, rid BIGINT);",
                    "staging", err);
}

/* One staged key: its value (ID, or IMDB when not NULL) and the seq of the row that gave it. */
struct entry {
    int64_t id;
    const char *imdb;
    size_t seq;
};

/* Orders entries by key alone. */
static int cmp_key(const struct entry *a, const struct entry *b)
{
    if (a->imdb || b->imdb)
        return strcmp(a->imdb, b->imdb);
    return (a->id > b->id) - (a->id < b->id);
}

/* By key, then by seq. */
static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = cmp_key(x, y);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
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

/* The entry's key as an SQL constant (a string's ' doubled). */
static void put_key(struct text *t, const struct entry *e)
{
    char num[24];
    if (!e->imdb) {
        snprintf(num, sizeof(num), "%lld", (long long)e->id);
        put(t, num);
        return;
    }
    put(t, "'");
    const char *s = e->imdb;
    for (const char *q; (q = strchr(s, '\'')) != NULL; s = q + 1) {
        put_n(t, s, (size_t)(q - s));
        put(t, "''");
    }
    put(t, s);
    put(t, "'");
}

/* A row found: the entry whose key it has, and its rowid. */
struct hit {
    size_t entry;
    int64_t rid;
};

/* One lookup: its entries, sorted (cmp_entry), and the rows found so far. */
struct lookup {
    struct entry *e;
    struct hit *hits;
    size_t n_hits, cap;
    size_t found; /* rows found (a key stored twice counts twice) */
};

/* The first of the sorted entries LO..HI-1 whose key is KEY's, or HI. */
static size_t first_of(const struct entry *e, size_t lo, size_t hi, const struct entry *key)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_key(&e[mid], key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A hit for each entry of L->e[LO..HI-1] with the key of the result row at C; false: no
 * memory. */
static bool add_hits(struct lookup *l, size_t lo, size_t hi, struct cursor *c)
{
    bool oom = false;
    struct entry key = {0};
    if (!l->e[lo].imdb)
        key.id = col_int(c, 0);
    else if (!(key.imdb = col_str(c, 0, &oom)))
        return !oom; /* a NULL key matched nothing */
    for (size_t k = first_of(l->e, lo, hi, &key); k < hi && !cmp_key(&l->e[k], &key); k++) {
        if (l->n_hits == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 64;
            struct hit *g = realloc(l->hits, cap * sizeof(*g));
            if (!g) {
                oom = true;
                break;
            }
            l->hits = g;
            l->cap = cap;
        }
        l->hits[l->n_hits++] = (struct hit){k, col_int(c, 1)};
    }
    free((char *)key.imdb);
    return !oom;
}

/* Runs the SELECT of T, the rows of the keys of L->e[LO..HI-1], and adds their hits. */
static enum rs_err run_lookup(struct store *st, struct lookup *l, size_t lo, size_t hi,
                              struct text *t, struct rs_error *err)
{
    duckdb_result res;
    if (t->oom)
        return rs_fail(err, RS_ERR_NOMEM, "batch keys: out of memory");
    if (duckdb_query(st->con, t->s, &res) != DuckDBSuccess)
        return sql_result_fail(err, "batch keys", &res);
    bool ok = true;
    struct cursor c = {.res = &res};
    while (ok && cursor_next(&c)) {
        l->found++;
        ok = add_hits(l, lo, hi, &c);
    }
    cursor_done(&c);
    return ok ? RS_OK : rs_fail(err, RS_ERR_NOMEM, "batch keys: out of memory");
}

/* Appends the hits of L to temp.INTO: (seq, key, rid). */
static enum rs_err append_hits(struct store *st, const char *into, const struct lookup *l,
                               struct rs_error *err)
{
    duckdb_appender a = NULL;
    bool ok = true;
    enum rs_err rc = app_open(st, into, "batch keys", &a, err);
    for (size_t i = 0; rc == RS_OK && ok && i < l->n_hits; i++) {
        const struct entry *e = &l->e[l->hits[i].entry];
        ok = duckdb_append_int64(a, (int64_t)e->seq) == DuckDBSuccess &&
             (e->imdb ? app_str(a, e->imdb) : duckdb_append_int64(a, e->id) == DuckDBSuccess) &&
             duckdb_append_int64(a, l->hits[i].rid) == DuckDBSuccess &&
             duckdb_appender_end_row(a) == DuckDBSuccess;
    }
    return rc ? rc : app_finish(&a, !ok, "batch keys", err);
}

/*
 * Empties temp.INTO and fills it with (seq, KEY, rowid) for each of the N entries E (sorted
 * here) whose KEY has a row in TABLE, KEYS_PER_LOOKUP different keys a statement; *DISTINCT
 * is how many different keys there are, *FOUND how many rows of TABLE have one of them.
 */
static enum rs_err lookup(struct store *st, const char *into, const char *key, const char *table,
                          struct entry *e, size_t n, size_t *distinct, size_t *found,
                          struct rs_error *err)
{
    struct lookup l = {.e = e};
    struct text t = {0};
    char clear[48];
    qsort(e, n, sizeof(*e), cmp_entry);
    snprintf(clear, sizeof(clear), "DELETE FROM temp.%s", into);
    enum rs_err rc = sql_exec(st, clear, "batch keys", err);
    *distinct = 0;
    for (size_t i = 0, j; rc == RS_OK && i < n; i = j) {
        t.len = 0;
        put(&t, "SELECT ");
        put(&t, key);
        put(&t, ", rowid FROM ");
        put(&t, table);
        put(&t, " WHERE ");
        put(&t, key);
        put(&t, " IN (");
        size_t keys = 0;
        for (j = i; j < n && keys < KEYS_PER_LOOKUP; j++)
            if (j == i || cmp_key(&e[j - 1], &e[j]) != 0) {
                if (keys++)
                    put(&t, ",");
                put_key(&t, &e[j]);
            }
        /* j ends the last key's entries: a key's entries go in one statement */
        while (j < n && cmp_key(&e[j - 1], &e[j]) == 0)
            j++;
        put(&t, ")");
        *distinct += keys;
        rc = run_lookup(st, &l, i, j, &t, err);
    }
    if (rc == RS_OK && l.n_hits > 0)
        rc = append_hits(st, into, &l, err);
    *found = l.found;
    free(l.hits);
    free(t.s);
    return rc;
}

enum rs_err keys_lookup_ids(struct store *st, enum key_table which, const int64_t *ids, size_t n,
                            size_t *distinct, size_t *found, struct rs_error *err)
{
    *found = *distinct = 0;
    struct entry *e = malloc((n ? n : 1) * sizeof(*e));
    if (!e)
        return rs_fail(err, RS_ERR_NOMEM, "batch keys: out of memory");
    for (size_t i = 0; i < n; i++)
        e[i] = (struct entry){.id = ids[i], .seq = i};
    enum rs_err rc =
        lookup(st, which == KEYS_MOVIES ? "key_movies" : "key_tmdb", "tmdb_id",
               which == KEYS_MOVIES ? "movies" : "tmdb_movies", e, n, distinct, found, err);
    free(e);
    return rc;
}

enum rs_err keys_lookup_imdb(struct store *st, char *const *imdb_ids, size_t n, size_t *found,
                             struct rs_error *err)
{
    size_t m = 0, distinct = 0;
    *found = 0;
    struct entry *e = malloc((n ? n : 1) * sizeof(*e));
    if (!e)
        return rs_fail(err, RS_ERR_NOMEM, "batch keys: out of memory");
    for (size_t i = 0; i < n; i++)
        if (imdb_ids[i])
            e[m++] = (struct entry){.imdb = imdb_ids[i], .seq = i};
    enum rs_err rc = lookup(st, "key_omdb", "imdb_id", "omdb_movies", e, m, &distinct, found, err);
    free(e);
    return rc;
}
