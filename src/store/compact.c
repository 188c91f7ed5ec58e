/*
 * Compaction (docs/internals/store.md, "Compaction"): rebuilding every table so that only
 * the live rows take space, when the bytes in use have grown enough since the last time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_int.h"

/*
 * DuckDB never reclaims the space of deleted rows in a table that has an index (movies,
 * api_usage, runs, feed_changes, discovery_gaps); in the others the writer's vacuum merges
 * row groups once enough of their rows are gone (open.c), not sooner. Each checkpoint writes
 * a table's new rows into blocks of their own. A refresh rewrites detail rows and every run
 * appends a run record and usage rows, and the history tables (append-only) get a few rows
 * of their own each run, so without compaction the file grows by about a megabyte a run
 * whatever the data. Rebuilding a table (rename, recreate from its own CREATE statement,
 * copy the rows, drop the old one) writes the live rows afresh and frees every block of the
 * old one.
 */
static const char *const COMPACT_TABLES[] = {
    "movies",       "tmdb_movies", "omdb_movies",  "api_usage",    "runs",
    "observations", "change_log",  "movie_events", "run_failures", "feed_changes"};

/* Bytes in blocks in use, from DuckDB's own accounting of this file. */
static enum rs_err used_bytes(struct store *st, int64_t *used, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con,
                     "SELECT used_blocks * block_size FROM pragma_database_size() "
                     "WHERE database_name = current_database()",
                     &res) != DuckDBSuccess)
        return sql_result_fail(err, "compact", &res);
    struct cursor c = {.res = &res};
    bool found = cursor_next(&c);
    if (found)
        *used = col_int(&c, 0);
    cursor_done(&c);
    return found ? RS_OK : rs_fail(err, RS_ERR_DB, "compact: no size for this database");
}

/* The size of the file itself (DuckDB cuts free blocks at its end off at a checkpoint). */
static int64_t file_bytes(const struct store *st)
{
    struct stat sb;
    return stat(st->path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* The store_state value NAME, or -1 when it was never set. */
static enum rs_err get_state(struct store *st, const char *name, int64_t *value,
                             struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc =
        sql_prepare(st, "SELECT coalesce((SELECT value FROM store_state WHERE name = $1), -1)",
                    "compact", &ps, err);
    if (rc == RS_OK && duckdb_bind_varchar(ps, 1, name) != DuckDBSuccess)
        rc = rs_fail(err, RS_ERR_DB, "compact: cannot bind '%s'", name);
    if (rc == RS_OK)
        rc = sql_query_int(ps, value, "compact", err);
    duckdb_destroy_prepare(&ps);
    return rc;
}

/* Sets the store_state value NAME. */
static enum rs_err set_state(struct store *st, const char *name, int64_t value,
                             struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc =
        sql_prepare(st, "INSERT OR REPLACE INTO store_state (name, value) VALUES ($1, $2)",
                    "compact", &ps, err);
    if (rc == RS_OK && (duckdb_bind_varchar(ps, 1, name) != DuckDBSuccess ||
                        duckdb_bind_int64(ps, 2, value) != DuckDBSuccess))
        rc = rs_fail(err, RS_ERR_DB, "compact: cannot bind '%s'", name);
    if (rc == RS_OK)
        rc = sql_run(ps, NULL, "compact", err);
    duckdb_destroy_prepare(&ps);
    return rc;
}

/* Rows of (name, sql) that QUERY gives for TABLE ($1); *OUT (2 * *N strings) to free_sql. */
static enum rs_err fetch_sql(struct store *st, const char *query, const char *table, char ***out,
                             size_t *n, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    char **v = NULL;
    size_t count = 0;
    bool oom = false;
    enum rs_err rc = sql_prepare(st, query, "compact", &ps, err);
    if (rc == RS_OK && duckdb_bind_varchar(ps, 1, table) != DuckDBSuccess)
        rc = rs_fail(err, RS_ERR_DB, "compact: cannot bind '%s'", table);
    if (rc == RS_OK)
        rc = sql_run(ps, &res, "compact", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    while (!oom && cursor_next(&c)) {
        char **grown = realloc(v, (count + 1) * 2 * sizeof(*v));
        oom = !grown;
        if (grown) {
            v = grown;
            v[2 * count] = col_str(&c, 0, &oom);
            v[2 * count + 1] = col_str(&c, 1, &oom);
            count++;
        }
    }
    cursor_done(&c);
    *out = v;
    *n = count;
    return oom ? rs_fail(err, RS_ERR_NOMEM, "compact: out of memory") : RS_OK;
}

static void free_sql(char **v, size_t n)
{
    for (size_t i = 0; v && i < 2 * n; i++)
        free(v[i]);
    free(v);
}

/*
 * Drops the indexes a user created on the table (their CREATE INDEX statements are in
 * IDX, name and sql in turn): DuckDB refuses to rename a table that has one.
 */
static enum rs_err drop_indexes(struct store *st, char **idx, size_t n, struct rs_error *err)
{
    enum rs_err rc = RS_OK;
    for (size_t i = 0; rc == RS_OK && i < n; i++) {
        char sql[512] = "DROP INDEX ";
        size_t pos = strlen(sql);
        if (!idx[2 * i] || !idx[2 * i + 1] || !quote_with(sql, sizeof(sql), &pos, idx[2 * i], '"'))
            return rs_fail(err, RS_ERR_DB, "compact: an index without a usable name or definition");
        rc = sql_exec(st, sql, "compact", err);
    }
    return rc;
}

/* TABLE's columns in order, as quoted names ("a", "b"), malloc'd into *OUT. */
static enum rs_err column_list(struct store *st, const char *table, char **out,
                               struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_prepare(st,
                                 "SELECT string_agg('\"' || replace(column_name, '\"', '\"\"') || "
                                 "'\"', ', ' ORDER BY column_index) FROM duckdb_columns() WHERE "
                                 "database_name = current_database() AND schema_name = 'main' "
                                 "AND table_name = $1",
                                 "compact", &ps, err);
    if (rc == RS_OK && duckdb_bind_varchar(ps, 1, table) != DuckDBSuccess)
        rc = rs_fail(err, RS_ERR_DB, "compact: cannot bind '%s'", table);
    if (rc == RS_OK)
        rc = sql_run(ps, &res, "compact", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    bool oom = false;
    struct cursor c = {.res = &res};
    char *list = cursor_next(&c) ? col_str(&c, 0, &oom) : NULL;
    cursor_done(&c);
    if (!list)
        return oom ? rs_fail(err, RS_ERR_NOMEM, "compact: out of memory")
                   : rs_fail(err, RS_ERR_DB, "compact: no columns in '%s'", table);
    *out = list;
    return RS_OK;
}

/* Copies the rows of TABLE__compact into TABLE, naming every column of TABLE on both sides. */
static enum rs_err copy_rows(struct store *st, const char *table, struct rs_error *err)
{
    char *cols = NULL;
    enum rs_err rc = column_list(st, table, &cols, err);
    if (rc)
        return rc;
    size_t len = 2 * strlen(cols) + 2 * strlen(table) + 64;
    char *sql = malloc(len);
    if (sql) {
        snprintf(sql, len, "INSERT INTO %s (%s) SELECT %s FROM %s__compact", table, cols, cols,
                 table);
        rc = sql_exec(st, sql, "compact", err);
    } else {
        rc = rs_fail(err, RS_ERR_NOMEM, "compact: out of memory");
    }
    free(sql);
    free(cols);
    return rc;
}

/* The COMMENT ON statements of TABLE__compact and its columns, made for TABLE: the data
 * dictionary survives the rebuild (a CREATE statement does not carry it). */
static enum rs_err copy_comments(struct store *st, const char *table, struct rs_error *err)
{
    char **v = NULL;
    size_t n = 0;
    enum rs_err rc = fetch_sql(
        st,
        "SELECT table_name, 'COMMENT ON TABLE \"' || $1 || '\" IS ''' || replace(comment, '''',"
        " '''''') || '''' FROM duckdb_tables() WHERE database_name = current_database() AND"
        " schema_name = 'main' AND table_name = $1 || '__compact' AND comment IS NOT NULL "
        "UNION ALL SELECT column_name, 'COMMENT ON COLUMN \"' || $1 || '\".\"' ||"
        " replace(column_name, '\"', '\"\"') || '\" IS ''' || replace(comment, '''', '''''') ||"
        " '''' FROM duckdb_columns() WHERE database_name = current_database() AND"
        " schema_name = 'main' AND table_name = $1 || '__compact' AND comment IS NOT NULL",
        table, &v, &n, err);
    for (size_t i = 0; rc == RS_OK && i < n; i++)
        rc = v[2 * i + 1] ? sql_exec(st, v[2 * i + 1], "compact", err) : RS_OK;
    free_sql(v, n);
    return rc;
}

/* Moves TABLE's rows into a fresh copy made from CREATE, inside the open transaction. */
static enum rs_err copy_table(struct store *st, const char *table, const char *create,
                              struct rs_error *err)
{
    /* The names are this file's constants (the columns the database's own), and CREATE is the
     * database's own text. */
    char sql[256];
    snprintf(sql, sizeof(sql), "ALTER TABLE %s RENAME TO %s__compact", table, table);
    enum rs_err rc = sql_exec(st, sql, "compact", err);
    if (rc == RS_OK)
        rc = sql_exec(st, create, "compact", err);
    if (rc == RS_OK)
        rc = copy_comments(st, table, err);
    if (rc == RS_OK)
        rc = copy_rows(st, table, err);
    snprintf(sql, sizeof(sql), "DROP TABLE %s__compact", table);
    if (rc == RS_OK)
        rc = sql_exec(st, sql, "compact", err);
    return rc;
}

/*
 * CREATE without its PRIMARY KEY, edited in place: a column's ("id INTEGER PRIMARY KEY", as
 * migration 1 wrote it) becomes NOT NULL; a table's (", PRIMARY KEY(a, b)", as DuckDB writes
 * one added by ALTER TABLE) goes.
 */
static void drop_key(char *create)
{
    static const char key[] = " PRIMARY KEY", not_null[] = " NOT NULL";
    char *k = strstr(create, key), *end = k ? k + sizeof(key) - 1 : NULL;
    if (!k)
        return;
    if (*end == '(' && k > create && k[-1] == ',') {
        char *close = strchr(end, ')');
        if (close)
            memmove(k - 1, close + 1, strlen(close + 1) + 1);
        return;
    }
    memcpy(k, not_null, sizeof(not_null) - 1);
    memmove(k + sizeof(not_null) - 1, end, strlen(end) + 1);
}

enum rs_err store_rebuild_table(struct store *st, const char *table, bool without_key,
                                struct rs_error *err)
{
    char **tab = NULL, **idx = NULL;
    size_t n_tab = 0, n_idx = 0;
    enum rs_err rc = fetch_sql(st,
                               "SELECT table_name, sql FROM duckdb_tables() WHERE schema_name ="
                               " 'main' AND database_name = current_database() AND table_name = $1",
                               table, &tab, &n_tab, err);
    if (rc == RS_OK)
        rc = fetch_sql(st,
                       "SELECT index_name, sql FROM duckdb_indexes() WHERE schema_name = 'main' "
                       "AND database_name = current_database() AND table_name = $1 "
                       "ORDER BY index_name",
                       table, &idx, &n_idx, err);
    if (rc == RS_OK && (n_tab != 1 || !tab[1]))
        rc = rs_fail(err, RS_ERR_DB, "compact: no table '%s'", table);
    if (rc == RS_OK && without_key)
        drop_key(tab[1]);
    if (rc == RS_OK)
        rc = drop_indexes(st, idx, n_idx, err);
    if (rc == RS_OK)
        rc = copy_table(st, table, tab[1], err);
    for (size_t i = 0; rc == RS_OK && i < n_idx; i++)
        rc = sql_exec(st, idx[2 * i + 1], "compact", err);
    free_sql(tab, n_tab);
    free_sql(idx, n_idx);
    return rc;
}

/* Rebuilds every table in one transaction, then checkpoints to free the old blocks. */
static enum rs_err rebuild_all(struct store *st, struct rs_error *err)
{
    enum rs_err rc = store_begin(st, err);
    for (size_t i = 0; rc == RS_OK && i < RS_ARRAY_LEN(COMPACT_TABLES); i++)
        rc = store_rebuild_table(st, COMPACT_TABLES[i], false, err);
    if (rc) {
        store_rollback(st);
        return rc;
    }
    return store_commit_schema(st, err); /* its checkpoint frees the old blocks */
}

/* Whether USED bytes in use, BASE after the last compaction, are worth compacting. */
static bool compaction_due(int64_t used, int64_t base)
{
    return used >= 2 * base && used - base >= STORE_COMPACT_MIN_GROWTH;
}

/* Rebuilds, and a second time when the rebuilt rows went to the end of the file: the second
 * pass moves them into the blocks the first one freed, so that the file itself shrinks. */
static enum rs_err compact_now(struct store *st, int64_t *used, struct rs_error *err)
{
    sql_forget(st); /* they name the tables about to be replaced */
    enum rs_err rc = rebuild_all(st, err);
    if (rc == RS_OK)
        rc = used_bytes(st, used, err);
    if (rc == RS_OK && file_bytes(st) > *used + *used / 4)
        rc = rebuild_all(st, err);
    if (rc == RS_OK)
        rc = used_bytes(st, used, err);
    if (rc == RS_OK)
        rc = set_state(st, "compacted_bytes", *used, err);
    return rc;
}

enum rs_err store_compact(struct store *st, bool force, struct store_compaction *out,
                          struct rs_error *err)
{
    int64_t used = 0, base = 0;
    enum rs_err rc = tx_writable(st, err);
    if (rc == RS_OK && st->in_tx)
        rc = rs_fail(err, RS_ERR_DB, "compact: a transaction is open");
    if (rc == RS_OK)
        rc = used_bytes(st, &used, err);
    if (rc == RS_OK)
        rc = get_state(st, "compacted_bytes", &base, err);
    /* A file seen for the first time (new, or from before compaction existed) starts the
     * count from its size now: compacting rows just written would gain nothing. */
    if (rc == RS_OK && base < 0 && !force) {
        rc = set_state(st, "compacted_bytes", used, err);
        base = used;
    }
    if (rc)
        return rc;
    struct store_compaction r = {.before_bytes = used};
    if (force || compaction_due(used, base)) {
        rc = compact_now(st, &used, err);
        if (rc)
            return rc;
        r.done = true;
    }
    r.after_bytes = used;
    *out = r;
    return RS_OK;
}
