/*
 * Direct DuckDB queries for tests: an independent look at what the store wrote, through
 * DuckDB's own C API rather than the store module under test. The database must not be
 * open in this process (close the store first).
 */
#include <stdlib.h>
#include <string.h>

#include <duckdb.h>

#include "test.h"

static void query_mode(const char *path, const char *mode, const char *sql, duckdb_result *res,
                       duckdb_database *db, duckdb_connection *con)
{
    duckdb_config cfg;
    char *why = NULL;
    duckdb_create_config(&cfg);
    duckdb_set_config(cfg, "access_mode", mode);
    if (duckdb_open_ext(path, db, cfg, &why) != DuckDBSuccess) {
        duckdb_destroy_config(&cfg);
        fail_msg("open %s: %s", path, why ? why : "?");
    }
    duckdb_destroy_config(&cfg);
    if (duckdb_connect(*db, con) != DuckDBSuccess)
        fail_msg("connect %s", path);
    if (duckdb_query(*con, sql, res) != DuckDBSuccess) {
        const char *msg = duckdb_result_error(res);
        fail_msg("query failed: %s: %s", sql, msg ? msg : "?");
    }
}

static void query(const char *path, const char *sql, duckdb_result *res, duckdb_database *db,
                  duckdb_connection *con)
{
    query_mode(path, "READ_ONLY", sql, res, db, con);
}

static void done(duckdb_result *res, duckdb_database *db, duckdb_connection *con)
{
    duckdb_destroy_result(res);
    duckdb_disconnect(con);
    duckdb_close(db);
}

int64_t db_i64(const char *path, const char *sql)
{
    duckdb_database db;
    duckdb_connection con;
    duckdb_result res;
    query(path, sql, &res, &db, &con);
    int64_t v = INT64_MIN;
    if (duckdb_row_count(&res) > 0 && !duckdb_value_is_null(&res, 0, 0))
        v = duckdb_value_int64(&res, 0, 0);
    done(&res, &db, &con);
    return v;
}

char *db_str(const char *path, const char *sql)
{
    duckdb_database db;
    duckdb_connection con;
    duckdb_result res;
    query(path, sql, &res, &db, &con);
    char *v = NULL;
    if (duckdb_row_count(&res) > 0 && !duckdb_value_is_null(&res, 0, 0)) {
        char *s = duckdb_value_varchar(&res, 0, 0);
        v = strdup(s);
        duckdb_free(s);
    }
    done(&res, &db, &con);
    return v;
}

void db_exec(const char *path, const char *sql)
{
    duckdb_database db;
    duckdb_connection con;
    duckdb_result res;
    query_mode(path, "READ_WRITE", sql, &res, &db, &con);
    done(&res, &db, &con);
}
