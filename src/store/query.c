/*
 * The user's SQL (`reelsync query`, README "Commands"): one read-only statement on a store
 * opened read-only, its result streamed to the caller chunk by chunk. Three walls keep it
 * read-only: the file is attached READ_ONLY (open.c), so DuckDB itself refuses to change
 * it; external access is switched off, so no statement reads or writes another file; and
 * only queries (statement type SELECT: SELECT, WITH, VALUES, FROM, SHOW, DESCRIBE,
 * SUMMARIZE, PRAGMA table_info) are run at all, so a writing statement gets a clear
 * "query is read-only" rather than DuckDB's error. Values are handed over as text: the
 * statement is wrapped as `SELECT COLUMNS(*)::VARCHAR FROM (...)`, DuckDB's own rendering
 * of every type; the column names and kinds come from the statement as the user wrote it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* The names of the statement types a read-only query refuses, for its message. */
static const char *type_name(duckdb_statement_type t)
{
    static const char *const names[] = {
        [DUCKDB_STATEMENT_TYPE_INSERT] = "INSERT",
        [DUCKDB_STATEMENT_TYPE_UPDATE] = "UPDATE",
        [DUCKDB_STATEMENT_TYPE_EXPLAIN] = "EXPLAIN",
        [DUCKDB_STATEMENT_TYPE_DELETE] = "DELETE",
        [DUCKDB_STATEMENT_TYPE_PREPARE] = "PREPARE",
        [DUCKDB_STATEMENT_TYPE_CREATE] = "CREATE",
        [DUCKDB_STATEMENT_TYPE_EXECUTE] = "EXECUTE",
        [DUCKDB_STATEMENT_TYPE_ALTER] = "ALTER",
        [DUCKDB_STATEMENT_TYPE_TRANSACTION] = "BEGIN",
        [DUCKDB_STATEMENT_TYPE_COPY] = "COPY",
        [DUCKDB_STATEMENT_TYPE_ANALYZE] = "ANALYZE",
        [DUCKDB_STATEMENT_TYPE_VARIABLE_SET] = "SET",
        [DUCKDB_STATEMENT_TYPE_CREATE_FUNC] = "CREATE FUNCTION",
        [DUCKDB_STATEMENT_TYPE_DROP] = "DROP",
        [DUCKDB_STATEMENT_TYPE_EXPORT] = "EXPORT",
        [DUCKDB_STATEMENT_TYPE_PRAGMA] = "PRAGMA",
        [DUCKDB_STATEMENT_TYPE_VACUUM] = "VACUUM",
        [DUCKDB_STATEMENT_TYPE_CALL] = "CALL",
        [DUCKDB_STATEMENT_TYPE_SET] = "SET",
        [DUCKDB_STATEMENT_TYPE_LOAD] = "LOAD",
        [DUCKDB_STATEMENT_TYPE_ATTACH] = "ATTACH",
        [DUCKDB_STATEMENT_TYPE_DETACH] = "DETACH",
    };
    if ((size_t)t < sizeof(names) / sizeof(names[0]) && names[t])
        return names[t];
    return "such a";
}

/* A statement DuckDB refused: its first line (the rest points into the text). */
static enum rs_err refused(struct rs_error *err, const char *why)
{
    if (sql_disk_full(why))
        return sql_fail(err, "query", why);
    if (!why || !*why)
        why = "not a statement";
    return rs_fail(err, RS_ERR_USAGE,
                   "bad statement: %.*s (the tables: reelsync query 'SHOW TABLES'; docs/schema.md)",
                   (int)strcspn(why, "\n"), why);
}

/* A malloc'd copy of SQL without the blanks and semicolons at its end. */
static char *trimmed(const char *sql)
{
    size_t n = strlen(sql);
    while (n > 0 && strchr(" \t\r\n;", sql[n - 1]))
        n--;
    return rs_strndup(sql, n);
}

static enum store_col_kind kind_of(duckdb_type t)
{
    switch (t) {
    case DUCKDB_TYPE_BOOLEAN:
        return STORE_COL_BOOL;
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL:
        return STORE_COL_NUMBER;
    default:
        return STORE_COL_TEXT;
    }
}

/* The one statement of TEXT, prepared, checked to be a query. */
static enum rs_err prepare_query(struct store *st, const char *text, duckdb_prepared_statement *ps,
                                 struct rs_error *err)
{
    duckdb_extracted_statements ex = NULL;
    enum rs_err rc = RS_OK;
    idx_t n = duckdb_extract_statements(st->con, text, &ex);
    *ps = NULL;
    if (n == 0 && !*text)
        rc = rs_fail(err, RS_ERR_USAGE, "no statement given (give a SELECT)");
    else if (n == 0)
        rc = refused(err, duckdb_extract_statements_error(ex));
    else if (n > 1)
        rc = rs_fail(err, RS_ERR_USAGE, "give one statement, not %llu (one query a call)",
                     (unsigned long long)n);
    else if (duckdb_prepare_extracted_statement(st->con, ex, 0, ps) != DuckDBSuccess)
        rc = refused(err, duckdb_prepare_error(*ps));
    else if (duckdb_prepared_statement_type(*ps) != DUCKDB_STATEMENT_TYPE_SELECT)
        rc = rs_fail(err, RS_ERR_USAGE,
                     "query is read-only: %s statements are refused (give a SELECT; the "
                     "database is opened read-only and stays as it is)",
                     type_name(duckdb_prepared_statement_type(*ps)));
    if (rc != RS_OK && *ps)
        duckdb_destroy_prepare(ps);
    duckdb_destroy_extracted(&ex);
    return rc;
}

/* The columns of PS handed to SINK; false when the sink stops. */
static enum rs_err tell_columns(duckdb_prepared_statement ps, const struct store_query_sink *sink,
                                bool *go_on, struct rs_error *err)
{
    size_t n = (size_t)duckdb_prepared_statement_column_count(ps);
    const char **names = calloc(n ? n : 1, sizeof(*names));
    enum store_col_kind *kinds = calloc(n ? n : 1, sizeof(*kinds));
    enum rs_err rc = RS_OK;
    if (!names || !kinds)
        rc = rs_fail(err, RS_ERR_NOMEM, "query: out of memory");
    for (size_t i = 0; rc == RS_OK && i < n; i++) {
        names[i] = duckdb_prepared_statement_column_name(ps, i);
        kinds[i] = kind_of(duckdb_prepared_statement_column_type(ps, i));
    }
    if (rc == RS_OK)
        *go_on = sink->columns(sink->ctx, n, names, kinds);
    for (size_t i = 0; names && i < n; i++)
        duckdb_free((void *)names[i]);
    free(names);
    free(kinds);
    return rc;
}

/* Growable storage for one row's values. */
struct rowbuf {
    char *text;
    size_t cap;
    size_t *off; /* each value's offset into TEXT, or SIZE_MAX for NULL */
    const char **values;
};

/* The values of row R of CHUNK (N VARCHAR columns) into B; false when out of memory. */
static bool read_row(duckdb_data_chunk chunk, idx_t r, size_t n, struct rowbuf *b)
{
    size_t used = 0;
    for (size_t c = 0; c < n; c++) {
        duckdb_vector v = duckdb_data_chunk_get_vector(chunk, c);
        uint64_t *valid = duckdb_vector_get_validity(v);
        b->off[c] = SIZE_MAX;
        if (valid && !duckdb_validity_row_is_valid(valid, r))
            continue;
        duckdb_string_t *s = &((duckdb_string_t *)duckdb_vector_get_data(v))[r];
        size_t len = duckdb_string_t_length(*s);
        if (used + len + 1 > b->cap) {
            size_t cap = (used + len + 1) * 2;
            char *t = realloc(b->text, cap);
            if (!t)
                return false;
            b->text = t;
            b->cap = cap;
        }
        memcpy(b->text + used, duckdb_string_t_data(s), len);
        b->text[used + len] = '\0';
        b->off[c] = used;
        used += len + 1;
    }
    for (size_t c = 0; c < n; c++)
        b->values[c] = b->off[c] == SIZE_MAX ? NULL : b->text + b->off[c];
    return true;
}

/* Streams RES (N columns of text) to SINK, a chunk at a time. */
static enum rs_err stream_rows(duckdb_result *res, size_t n, const struct store_query_sink *sink,
                               struct rs_error *err)
{
    struct rowbuf b = {.off = calloc(n, sizeof(size_t)), .values = calloc(n, sizeof(char *))};
    enum rs_err rc = RS_OK;
    bool go_on = b.off && b.values;
    if (!go_on)
        rc = rs_fail(err, RS_ERR_NOMEM, "query: out of memory");
    while (go_on) {
        duckdb_data_chunk chunk = duckdb_fetch_chunk(*res);
        if (!chunk) {
            if (duckdb_result_error(res))
                rc = refused(err, duckdb_result_error(res));
            break;
        }
        idx_t size = duckdb_data_chunk_get_size(chunk);
        for (idx_t r = 0; go_on && r < size; r++) {
            if (!read_row(chunk, r, n, &b)) {
                rc = rs_fail(err, RS_ERR_NOMEM, "query: out of memory (a value too large)");
                go_on = false;
            } else {
                go_on = sink->row(sink->ctx, b.values);
            }
        }
        duckdb_destroy_data_chunk(&chunk);
    }
    free(b.text);
    free(b.off);
    free(b.values);
    return rc;
}

/* Runs the checked statement TEXT as text columns, streamed to SINK. */
static enum rs_err run_as_text(struct store *st, const char *text, size_t n,
                               const struct store_query_sink *sink, struct rs_error *err)
{
    static const char head[] = "SELECT COLUMNS(*)::VARCHAR FROM (\n", tail[] = "\n)";
    size_t len = sizeof(head) + strlen(text) + sizeof(tail);
    char *sql = malloc(len);
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = RS_OK;
    if (!sql)
        return rs_fail(err, RS_ERR_NOMEM, "query: out of memory");
    /* Own lines: a comment ending the user's text cannot swallow the closing parenthesis. */
    snprintf(sql, len, "%s%s%s", head, text, tail);
    if (duckdb_prepare(st->con, sql, &ps) != DuckDBSuccess) {
        rc = refused(err, duckdb_prepare_error(ps));
    } else if (duckdb_execute_prepared_streaming(ps, &res) != DuckDBSuccess) {
        rc = refused(err, duckdb_result_error(&res));
        duckdb_destroy_result(&res);
    } else {
        rc = stream_rows(&res, n, sink, err);
        duckdb_destroy_result(&res);
    }
    duckdb_destroy_prepare(&ps);
    free(sql);
    return rc;
}

enum rs_err store_query(struct store *st, const char *sql, const struct store_query_sink *sink,
                        struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    bool go_on = true;
    if (!st->read_only)
        return rs_fail(err, RS_ERR_DB, "query: the store must be opened read-only");
    enum rs_err rc = sql_exec(st, "SET enable_external_access = false", "query", err);
    char *text = rc == RS_OK ? trimmed(sql) : NULL;
    if (rc == RS_OK && !text)
        rc = rs_fail(err, RS_ERR_NOMEM, "query: out of memory");
    if (rc == RS_OK)
        rc = prepare_query(st, text, &ps, err);
    if (rc == RS_OK)
        rc = tell_columns(ps, sink, &go_on, err);
    if (rc == RS_OK && go_on)
        rc = run_as_text(st, text, (size_t)duckdb_prepared_statement_column_count(ps), sink, err);
    duckdb_destroy_prepare(&ps);
    free(text);
    return rc;
}
