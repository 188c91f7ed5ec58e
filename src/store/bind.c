/*
 * Values into DuckDB, for the other files of src/store/: parameters of prepared statements,
 * rows of the appenders that fill the temp stage tables (each writer appends in the order
 * of its stage table's column list), and the two texts DuckDB takes no parameter for (the
 * file's path in ATTACH, the target of COPY TO) or names from the database (identifiers),
 * quoted. Values are never pasted into SQL otherwise.
 */
#include <stdlib.h>

#include "store_int.h"

/* A list value of TYPE (VARCHAR from STRS, NULL items as "", DOUBLE from DBLS, or BIGINT from
 * IDS); N == 0 is an empty list, never NULL. NULL when DuckDB or malloc fails; destroy it
 * after use. */
static duckdb_value list_of(duckdb_type type, char *const *strs, const double *dbls,
                            const int64_t *ids, size_t n)
{
    duckdb_logical_type lt = duckdb_create_logical_type(type);
    duckdb_value *vals = calloc(n ? n : 1, sizeof(*vals));
    bool ok = vals != NULL;
    for (size_t k = 0; ok && k < n; k++) {
        vals[k] = strs   ? duckdb_create_varchar(strs[k] ? strs[k] : "")
                  : dbls ? duckdb_create_double(dbls[k])
                         : duckdb_create_int64(ids[k]);
        ok = vals[k] != NULL;
    }
    duckdb_value list = ok ? duckdb_create_list_value(lt, vals, n) : NULL;
    for (size_t k = 0; vals && k < n; k++)
        if (vals[k])
            duckdb_destroy_value(&vals[k]);
    free(vals);
    duckdb_destroy_logical_type(&lt);
    return list;
}

/* ------------------------------------------------------------ parameters */

bool bind_str(duckdb_prepared_statement ps, idx_t i, const char *s)
{
    return (s ? duckdb_bind_varchar(ps, i, s) : duckdb_bind_null(ps, i)) == DuckDBSuccess;
}

bool bind_ts(duckdb_prepared_statement ps, idx_t i, rs_time_t t)
{
    return duckdb_bind_timestamp(ps, i, (duckdb_timestamp){.micros = t * US_PER_S}) ==
           DuckDBSuccess;
}

/* Binds LIST (destroying it) at I; false when it is NULL or DuckDB refuses it. */
static bool bind_list(duckdb_prepared_statement ps, idx_t i, duckdb_value list)
{
    bool ok = list && duckdb_bind_value(ps, i, list) == DuckDBSuccess;
    if (list)
        duckdb_destroy_value(&list);
    return ok;
}

bool bind_int64s(duckdb_prepared_statement ps, idx_t i, const int64_t *ids, size_t n)
{
    return bind_list(ps, i, list_of(DUCKDB_TYPE_BIGINT, NULL, NULL, ids, n));
}

bool bind_doubles(duckdb_prepared_statement ps, idx_t i, const double *vals, size_t n)
{
    return bind_list(ps, i, list_of(DUCKDB_TYPE_DOUBLE, NULL, vals, NULL, n));
}

bool bind_run_id(struct store *st, duckdb_prepared_statement ps, idx_t i)
{
    return (st->run_id > 0 ? duckdb_bind_int64(ps, i, st->run_id) : duckdb_bind_null(ps, i)) ==
           DuckDBSuccess;
}

/* ------------------------------------------------------------- appenders */

enum rs_err app_open(struct store *st, const char *table, const char *what, duckdb_appender *a,
                     struct rs_error *err)
{
    *a = NULL;
    if (duckdb_appender_create_ext(st->con, "temp", "main", table, a) == DuckDBSuccess)
        return RS_OK;
    enum rs_err rc = sql_fail(err, what, duckdb_appender_error(*a));
    duckdb_appender_destroy(a);
    return rc;
}

enum rs_err app_finish(duckdb_appender *a, bool failed, const char *what, struct rs_error *err)
{
    enum rs_err rc = RS_OK;
    if (failed || duckdb_appender_close(*a) != DuckDBSuccess)
        rc = sql_fail(err, what, duckdb_appender_error(*a));
    duckdb_appender_destroy(a);
    return rc;
}

bool app_str(duckdb_appender a, const char *s)
{
    return (s ? duckdb_append_varchar(a, s) : duckdb_append_null(a)) == DuckDBSuccess;
}

bool app_strn(duckdb_appender a, const char *s, size_t n)
{
    return (s ? duckdb_append_varchar_length(a, s, n) : duckdb_append_null(a)) == DuckDBSuccess;
}

bool app_i64(duckdb_appender a, struct rs_i64 v)
{
    return (v.set ? duckdb_append_int64(a, v.v) : duckdb_append_null(a)) == DuckDBSuccess;
}

bool app_f64(duckdb_appender a, struct rs_f64 v)
{
    return (v.set ? duckdb_append_double(a, v.v) : duckdb_append_null(a)) == DuckDBSuccess;
}

bool app_bool(duckdb_appender a, struct rs_i64 v)
{
    return (v.set ? duckdb_append_bool(a, v.v != 0) : duckdb_append_null(a)) == DuckDBSuccess;
}

bool app_date(duckdb_appender a, struct rs_i64 d)
{
    return (d.set ? duckdb_append_date(a, (duckdb_date){.days = (int32_t)d.v})
                  : duckdb_append_null(a)) == DuckDBSuccess;
}

bool app_ts(duckdb_appender a, struct rs_i64 t)
{
    return (t.set ? duckdb_append_timestamp(a, (duckdb_timestamp){.micros = t.v * US_PER_S})
                  : duckdb_append_null(a)) == DuckDBSuccess;
}

bool app_list(duckdb_appender a, char *const *items, size_t n)
{
    duckdb_value list = list_of(DUCKDB_TYPE_VARCHAR, items, NULL, NULL, n);
    bool ok = list && duckdb_append_value(a, list) == DuckDBSuccess;
    if (list)
        duckdb_destroy_value(&list);
    return ok;
}

/* ---------------------------------------------------------------- quoting */

bool quote_with(char *buf, size_t len, size_t *pos, const char *s, char q)
{
    size_t p = *pos;
    if (p + 1 >= len)
        return false;
    buf[p++] = q;
    for (; *s; s++) {
        if (p + 3 >= len)
            return false;
        if (*s == q)
            buf[p++] = q;
        buf[p++] = *s;
    }
    buf[p++] = q;
    buf[p] = '\0';
    *pos = p;
    return true;
}

bool quote_literal(char *buf, size_t len, size_t *pos, const char *s)
{
    return quote_with(buf, len, pos, s, '\'');
}
