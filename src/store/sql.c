/*
 * The store's SQL plumbing, used by every other file of src/store/ and calling none of them:
 * DuckDB's errors as rs_err, running fixed SQL, the per-store cache of prepared statements,
 * walking results row by row, and transactions (store_begin/commit/rollback and the
 * implicit one a write opens when its caller has none). Values are bound in bind.c.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---------------------------------------------------------------- errors */

/*
 * A full disk, whatever DuckDB wraps it in (an IO error, a failed commit, an appender):
 * RS_ERR_IO with what to do. DuckDB rolls the transaction back, so what was committed
 * before stays as it was.
 */
bool sql_disk_full(const char *why)
{
    return why && strstr(why, "No space left on device");
}

static enum rs_err fail_disk_full(struct rs_error *err, const char *what)
{
    return rs_fail(err, RS_ERR_IO,
                   "database: %s: no space left on the device (what was being written is not "
                   "stored, what was stored before is intact; free some space and run again)",
                   what);
}

/*
 * DuckDB's memory limit used up ("Out of Memory Error: could not allocate block ..."): not a
 * broken file but a budget too small for the work, RS_ERR_NOMEM, which a writer meets by
 * raising the limit and trying the transaction again (store_grow_memory).
 */
bool sql_out_of_memory(const char *why)
{
    /* a failed COMMIT says it as a TransactionContext Error */
    return why && (strstr(why, "Out of Memory Error") || strstr(why, "could not allocate block"));
}

static enum rs_err fail_out_of_memory(struct rs_error *err, const char *what, const char *why)
{
    const char *tips = strstr(why, "Possible solutions"); /* DuckDB's, about its settings */
    int len = tips ? (int)(tips - why) : (int)strlen(why);
    while (len > 0 && (why[len - 1] == ' ' || why[len - 1] == '\n'))
        len--;
    return rs_fail(err, RS_ERR_NOMEM,
                   "database: %s: %.*s (DuckDB's memory limit is used up; what was stored before "
                   "is intact; free some memory and run again)",
                   what, len, why);
}

enum rs_err sql_fail(struct rs_error *err, const char *what, const char *why)
{
    if (sql_disk_full(why))
        return fail_disk_full(err, what);
    if (sql_out_of_memory(why))
        return fail_out_of_memory(err, what, why);
    return rs_fail(err, RS_ERR_DB, "database: %s: %s", what, why ? why : "unknown error");
}

enum rs_err sql_result_fail(struct rs_error *err, const char *what, duckdb_result *res)
{
    enum rs_err code = duckdb_result_error_type(res) == DUCKDB_ERROR_IO ? RS_ERR_IO : RS_ERR_DB;
    const char *why = duckdb_result_error(res);
    if (sql_disk_full(why) || duckdb_result_error_type(res) == DUCKDB_ERROR_OUT_OF_MEMORY ||
        sql_out_of_memory(why))
        code = sql_fail(err, what, why ? why : "Out of Memory Error");
    else
        rs_fail(err, code, "database: %s: %s", what, why);
    duckdb_destroy_result(res);
    return code;
}

/* ------------------------------------------------------------ statements */

enum rs_err sql_exec(struct store *st, const char *sql, const char *what, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con, sql, &res) != DuckDBSuccess)
        return sql_result_fail(err, what, &res);
    duckdb_destroy_result(&res);
    return RS_OK;
}

enum rs_err sql_prepare(struct store *st, const char *sql, const char *what,
                        duckdb_prepared_statement *ps, struct rs_error *err)
{
    *ps = NULL;
    if (duckdb_prepare(st->con, sql, ps) == DuckDBSuccess)
        return RS_OK;
    enum rs_err rc = sql_fail(err, what, duckdb_prepare_error(*ps));
    duckdb_destroy_prepare(ps);
    return rc;
}

enum rs_err sql_stmt(struct store *st, enum stmt_id id, const char *sql,
                     duckdb_prepared_statement *out, struct rs_error *err)
{
    if (!st->ps[id]) {
        duckdb_prepared_statement ps = NULL;
        enum rs_err rc = sql_prepare(st, sql, "prepare", &ps, err);
        if (rc)
            return rc;
        st->ps[id] = ps;
    }
    duckdb_clear_bindings(st->ps[id]);
    *out = st->ps[id];
    return RS_OK;
}

void sql_forget(struct store *st)
{
    for (int i = 0; i < S_COUNT; i++)
        if (st->ps[i])
            duckdb_destroy_prepare(&st->ps[i]);
}

enum rs_err sql_run(duckdb_prepared_statement ps, duckdb_result *res, const char *what,
                    struct rs_error *err)
{
    duckdb_result tmp;
    duckdb_result *r = res ? res : &tmp;
    if (duckdb_execute_prepared(ps, r) != DuckDBSuccess)
        return sql_result_fail(err, what, r);
    if (!res)
        duckdb_destroy_result(&tmp);
    return RS_OK;
}

enum rs_err sql_stream(duckdb_prepared_statement ps, duckdb_result *res, const char *what,
                       struct rs_error *err)
{
    duckdb_pending_result pending = NULL;
    if (duckdb_pending_prepared_streaming(ps, &pending) != DuckDBSuccess) {
        enum rs_err rc = sql_fail(err, what, duckdb_pending_error(pending));
        duckdb_destroy_pending(&pending);
        return rc;
    }
    duckdb_state state = duckdb_execute_pending(pending, res);
    duckdb_destroy_pending(&pending);
    return state == DuckDBSuccess ? RS_OK : sql_result_fail(err, what, res);
}

enum rs_err sql_query_int(duckdb_prepared_statement ps, int64_t *out, const char *what,
                          struct rs_error *err)
{
    duckdb_result res;
    enum rs_err rc = sql_run(ps, &res, what, err);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    *out = cursor_next(&c) ? col_int(&c, 0) : 0;
    cursor_done(&c);
    return RS_OK;
}

/* ------------------------------------------------------- reading results */

bool cursor_next(struct cursor *c)
{
    if (c->chunk && c->row + 1 < c->size) {
        c->row++;
        return true;
    }
    for (;;) {
        if (c->chunk)
            duckdb_destroy_data_chunk(&c->chunk);
        c->chunk = duckdb_fetch_chunk(*c->res);
        if (!c->chunk)
            return false;
        c->size = duckdb_data_chunk_get_size(c->chunk);
        c->row = 0;
        if (c->size > 0)
            return true;
    }
}

void cursor_done(struct cursor *c)
{
    if (c->chunk)
        duckdb_destroy_data_chunk(&c->chunk);
    duckdb_destroy_result(c->res);
}

enum rs_err cursor_end(struct cursor *c, const char *what, struct rs_error *err)
{
    if (c->chunk)
        duckdb_destroy_data_chunk(&c->chunk);
    if (duckdb_result_error(c->res))
        return sql_result_fail(err, what, c->res); /* it destroys the result */
    duckdb_destroy_result(c->res);
    return RS_OK;
}

static bool col_null(struct cursor *c, idx_t col)
{
    uint64_t *valid = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(c->chunk, col));
    return valid && !duckdb_validity_row_is_valid(valid, c->row);
}

struct rs_i64 col_i64(struct cursor *c, idx_t col)
{
    if (col_null(c, col))
        return RS_NULL_I64;
    void *data = duckdb_vector_get_data(duckdb_data_chunk_get_vector(c->chunk, col));
    switch (duckdb_column_type(c->res, col)) {
    case DUCKDB_TYPE_BOOLEAN:
        return RS_I64(((bool *)data)[c->row] ? 1 : 0);
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_DATE:
        return RS_I64(((int32_t *)data)[c->row]);
    case DUCKDB_TYPE_UBIGINT:
        return RS_I64((int64_t)((uint64_t *)data)[c->row]);
    case DUCKDB_TYPE_TIMESTAMP:
        return RS_I64(floor_div(((int64_t *)data)[c->row], US_PER_S));
    case DUCKDB_TYPE_BIGINT:
        return RS_I64(((int64_t *)data)[c->row]);
    default:
        return RS_NULL_I64;
    }
}

struct rs_f64 col_f64(struct cursor *c, idx_t col)
{
    if (col_null(c, col) || duckdb_column_type(c->res, col) != DUCKDB_TYPE_DOUBLE)
        return RS_NULL_F64;
    double *data = duckdb_vector_get_data(duckdb_data_chunk_get_vector(c->chunk, col));
    return RS_F64(data[c->row]);
}

int64_t col_int(struct cursor *c, idx_t col)
{
    return col_i64(c, col).v;
}

char *col_str(struct cursor *c, idx_t col, bool *oom)
{
    if (col_null(c, col))
        return NULL;
    duckdb_string_t *data = duckdb_vector_get_data(duckdb_data_chunk_get_vector(c->chunk, col));
    duckdb_string_t *s = &data[c->row];
    char *out = rs_strndup(duckdb_string_t_data(s), duckdb_string_t_length(*s));
    if (!out)
        *oom = true;
    return out;
}

void col_copy(struct cursor *c, idx_t col, char *buf, size_t len)
{
    buf[0] = '\0';
    if (col_null(c, col))
        return;
    duckdb_string_t *data = duckdb_vector_get_data(duckdb_data_chunk_get_vector(c->chunk, col));
    duckdb_string_t *s = &data[c->row];
    size_t n = duckdb_string_t_length(*s);
    if (n >= len) {
        n = len - 1;
        while (n > 0 && ((unsigned char)duckdb_string_t_data(s)[n] & 0xC0) == 0x80)
            n--; /* do not cut a character in half */
    }
    memcpy(buf, duckdb_string_t_data(s), n);
    buf[n] = '\0';
}

/* ---------------------------------------------------------- transactions */

enum rs_err store_begin(struct store *st, struct rs_error *err)
{
    if (st->in_tx)
        return rs_fail(err, RS_ERR_DB, "database: a transaction is already open");
    enum rs_err rc = sql_exec(st, "BEGIN TRANSACTION", "begin", err);
    if (rc == RS_OK)
        st->in_tx = true;
    return rc;
}

enum rs_err store_commit(struct store *st, struct rs_error *err)
{
    if (!st->in_tx)
        return rs_fail(err, RS_ERR_DB, "database: commit without a transaction");
    enum rs_err rc = sql_exec(st, "COMMIT", "commit", err);
    st->in_tx = false; /* a failed COMMIT rolls back in DuckDB */
    if (rc)
        sql_exec(st, "ROLLBACK", "rollback", NULL);
    return rc;
}

/*
 * A schema change (a migration, compaction's rebuilt tables) is committed by a checkpoint,
 * never through the WAL: DuckDB 1.4 cannot replay from the WAL a change to a column of a table
 * whose DEFAULT calls a function (movies' and runs' nextval, schema_version's
 * current_timestamp) when the file is opened as the main database, as the DuckDB CLI and a
 * notebook's duckdb.connect() do: "INTERNAL Error: Failure while replaying WAL file ...:
 * Calling DatabaseManager::GetDefaultDatabase with no default database set" (duckdb#18259,
 * not in a release yet). reelsync attaches the file and can replay it, but a run killed
 * after such a commit left a file only reelsync could open. A commit that would take the WAL
 * past checkpoint_threshold checkpoints instead of writing the WAL; with the threshold 0
 * every commit does. The CHECKPOINT after covers a commit DuckDB would not checkpoint
 * (another transaction open), and costs little after one that did.
 */
enum rs_err store_commit_schema(struct store *st, struct rs_error *err)
{
    enum rs_err rc = sql_exec(st, "SET checkpoint_threshold = '0b'", "commit", err);
    if (rc) {
        store_rollback(st);
        return rc;
    }
    rc = store_commit(st, err);
    enum rs_err reset = sql_exec(st, "RESET checkpoint_threshold", "commit", rc ? NULL : err);
    if (rc == RS_OK)
        rc = reset;
    return rc ? rc : sql_exec(st, "CHECKPOINT", "commit", err);
}

void store_rollback(struct store *st)
{
    if (!st || !st->in_tx)
        return;
    sql_exec(st, "ROLLBACK", "rollback", NULL);
    st->in_tx = false;
}

enum rs_err tx_writable(struct store *st, struct rs_error *err)
{
    if (st->read_only)
        return rs_fail(err, RS_ERR_DB, "database: opened read-only, cannot write");
    return RS_OK;
}

enum rs_err tx_enter(struct store *st, bool *own, struct rs_error *err)
{
    *own = false;
    enum rs_err rc = tx_writable(st, err);
    if (rc)
        return rc;
    *own = !st->in_tx;
    return *own ? store_begin(st, err) : RS_OK;
}

enum rs_err tx_leave(struct store *st, bool own, enum rs_err rc, struct rs_error *err)
{
    if (!own)
        return rc;
    if (rc) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st, err);
}
