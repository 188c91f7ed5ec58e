/*
 * store: the DuckDB file, and every SQL statement reelsync runs. The only file that
 * includes duckdb.h.
 *
 * Schema: numbered migrations (MIGRATIONS below) applied in order, each in a transaction
 * together with its schema_version row. A database whose version is newer than this build
 * knows is refused before anything is written.
 *
 * Writes bind every value (prepared statements, cached per store, or the appender into a
 * per-connection temp table followed by one set-based INSERT); no value is ever pasted
 * into SQL text, except the file's path in ATTACH and the COPY target of store_export,
 * which DuckDB cannot take as parameters and which are quoted as string literals.
 *
 * The file is ATTACHed to an in-memory DuckDB instance (see attach_file) and made the
 * default database, so statements name tables unqualified.
 *
 * Times: TIMESTAMP columns hold UTC (microseconds in DuckDB, rs_time_t seconds here),
 * DATE columns days since 1970-01-01 (rs_date_t). The store never reads the clock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <duckdb.h>

#include "internal.h"
#include "reelsync/store.h"

#define US_PER_S 1000000LL

/* ---------------------------------------------------------------- schema */

static const char *const MIGRATIONS[] = {
    /* 1: the data tables (docs/schema.md), usage counters, runs, tracking columns */
    "CREATE SEQUENCE movies_movie_id_seq START 1;"
    "CREATE TABLE movies ("
    " movie_id INTEGER PRIMARY KEY DEFAULT nextval('movies_movie_id_seq'),"
    " tmdb_id INTEGER UNIQUE NOT NULL,"
    " imdb_id VARCHAR,"
    " title VARCHAR,"
    " release_date DATE,"
    " last_tmdb_update TIMESTAMP,"
    " last_omdb_update TIMESTAMP,"
    " last_full_refresh TIMESTAMP,"
    " data_frozen BOOLEAN NOT NULL DEFAULT FALSE,"
    " created_at TIMESTAMP,"
    " updated_at TIMESTAMP,"
    " omdb_not_found_at TIMESTAMP,"
    " tmdb_gone_at TIMESTAMP,"
    " stable_cycles INTEGER NOT NULL DEFAULT 0,"
    " data_changed_at TIMESTAMP,"
    " tmdb_fingerprint UBIGINT,"
    " omdb_fingerprint UBIGINT);"
    "CREATE TABLE tmdb_movies ("
    " tmdb_id INTEGER PRIMARY KEY,"
    " imdb_id VARCHAR, title VARCHAR, original_title VARCHAR, overview VARCHAR,"
    " tagline VARCHAR, release_date DATE, runtime INTEGER, budget BIGINT, revenue BIGINT,"
    " genres VARCHAR[], production_companies VARCHAR[], vote_average DOUBLE,"
    " vote_count INTEGER, popularity DOUBLE, status VARCHAR, original_language VARCHAR,"
    " adult BOOLEAN, raw JSON, fetched_at TIMESTAMP);"
    "CREATE TABLE omdb_movies ("
    " imdb_id VARCHAR PRIMARY KEY,"
    " title VARCHAR, year VARCHAR, rated VARCHAR, released DATE, runtime_minutes INTEGER,"
    " genre VARCHAR, director VARCHAR, writer VARCHAR, actors VARCHAR, language VARCHAR,"
    " country VARCHAR, awards VARCHAR, imdb_rating DOUBLE, imdb_votes INTEGER,"
    " rotten_tomatoes INTEGER, metacritic INTEGER, box_office BIGINT, raw JSON,"
    " fetched_at TIMESTAMP);"
    "CREATE TABLE api_usage ("
    " day DATE NOT NULL, api VARCHAR NOT NULL, outcome VARCHAR NOT NULL,"
    " count BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (day, api, outcome));"
    "CREATE SEQUENCE runs_id_seq START 1;"
    "CREATE TABLE runs ("
    " id BIGINT PRIMARY KEY DEFAULT nextval('runs_id_seq'),"
    " started_at TIMESTAMP NOT NULL, ended_at TIMESTAMP, options JSON, stats JSON,"
    " exit_status INTEGER);",
    /* 2: the store's own bookkeeping (the size after the last compaction) */
    "CREATE TABLE store_state (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL);",
};
#define SCHEMA_VERSION ((int)RS_ARRAY_LEN(MIGRATIONS))

int store_schema_version(void)
{
    return SCHEMA_VERSION;
}

/* Cached prepared statements, one per write/read path. */
enum stmt_id {
    S_DISC_NEW,
    S_DISC_UPSERT,
    S_DISC_CLEAR,
    S_TMDB_DEL,
    S_TMDB_ROW,
    S_TMDB_FP,
    S_TMDB_MOVIE,
    S_TMDB_NEW,
    S_OMDB_DEL,
    S_OMDB_ROW,
    S_OMDB_FP,
    S_OMDB_MOVIE,
    S_GONE,
    S_OMDB_NF,
    S_FINISH,
    S_FREEZE,
    S_PLAN,
    S_USAGE_ADD,
    S_USAGE_TOTAL,
    S_RUN_BEGIN,
    S_RUN_END,
    S_GET_MOVIE,
    S_COUNT_MOVIES,
    S_MAX_TMDB_ID,
    S_TB_CHANGED,
    S_TB_DEL,
    S_TB_INS,
    S_TB_UPD,
    S_TB_NEW,
    S_TB_CLEAR,
    S_OB_UNKNOWN,
    S_OB_CHANGED,
    S_OB_DEL,
    S_OB_INS,
    S_OB_UPD,
    S_OB_CLEAR,
    S_FB_UPD,
    S_FB_READ,
    S_FB_FREEZE,
    S_FB_CLEAR,

    S_COUNT
};

struct store {
    char *path; /* as given to store_open */
    duckdb_database db;
    duckdb_connection con;
    duckdb_prepared_statement ps[S_COUNT];
    bool in_tx;
    bool read_only;
};

/* ---------------------------------------------------------------- helpers */

/*
 * A full disk, whatever DuckDB wraps it in (an IO error, a failed commit, an appender):
 * RS_ERR_IO with what to do. DuckDB rolls the transaction back, so what was committed
 * before stays as it was.
 */
static bool disk_full(const char *why)
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

static enum rs_err db_fail(struct rs_error *err, const char *what, const char *why)
{
    if (disk_full(why))
        return fail_disk_full(err, what);
    return rs_fail(err, RS_ERR_DB, "database: %s: %s", what, why ? why : "unknown error");
}

/* Fails with the error of RES (IO errors as RS_ERR_IO) and destroys RES. */
static enum rs_err result_fail(struct rs_error *err, const char *what, duckdb_result *res)
{
    enum rs_err code = duckdb_result_error_type(res) == DUCKDB_ERROR_IO ? RS_ERR_IO : RS_ERR_DB;
    if (disk_full(duckdb_result_error(res))) {
        fail_disk_full(err, what);
        code = RS_ERR_IO;
    } else {
        rs_fail(err, code, "database: %s: %s", what, duckdb_result_error(res));
    }
    duckdb_destroy_result(res);
    return code;
}

/* Runs SQL (fixed text, no values) and discards its result. */
static enum rs_err exec(struct store *st, const char *sql, const char *what, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con, sql, &res) != DuckDBSuccess)
        return result_fail(err, what, &res);
    duckdb_destroy_result(&res);
    return RS_OK;
}

/* The cached statement ID, prepared from SQL on first use, with its bindings cleared. */
static enum rs_err stmt(struct store *st, enum stmt_id id, const char *sql,
                        duckdb_prepared_statement *out, struct rs_error *err)
{
    if (!st->ps[id]) {
        duckdb_prepared_statement ps = NULL;
        if (duckdb_prepare(st->con, sql, &ps) != DuckDBSuccess) {
            enum rs_err rc = db_fail(err, "prepare", duckdb_prepare_error(ps));
            duckdb_destroy_prepare(&ps);
            return rc;
        }
        st->ps[id] = ps;
    }
    duckdb_clear_bindings(st->ps[id]);
    *out = st->ps[id];
    return RS_OK;
}

/* Executes PS; RES (may be NULL: discarded) holds the result on success. */
static enum rs_err run(duckdb_prepared_statement ps, duckdb_result *res, const char *what,
                       struct rs_error *err)
{
    duckdb_result tmp;
    duckdb_result *r = res ? res : &tmp;
    if (duckdb_execute_prepared(ps, r) != DuckDBSuccess)
        return result_fail(err, what, r);
    if (!res)
        duckdb_destroy_result(&tmp);
    return RS_OK;
}

static bool bind_str(duckdb_prepared_statement ps, idx_t i, const char *s)
{
    return (s ? duckdb_bind_varchar(ps, i, s) : duckdb_bind_null(ps, i)) == DuckDBSuccess;
}

static bool bind_strn(duckdb_prepared_statement ps, idx_t i, const char *s, size_t n)
{
    return (s ? duckdb_bind_varchar_length(ps, i, s, n) : duckdb_bind_null(ps, i)) == DuckDBSuccess;
}

static bool bind_i64(duckdb_prepared_statement ps, idx_t i, struct rs_i64 v)
{
    return (v.set ? duckdb_bind_int64(ps, i, v.v) : duckdb_bind_null(ps, i)) == DuckDBSuccess;
}

static bool bind_f64(duckdb_prepared_statement ps, idx_t i, struct rs_f64 v)
{
    return (v.set ? duckdb_bind_double(ps, i, v.v) : duckdb_bind_null(ps, i)) == DuckDBSuccess;
}

static bool bind_bool(duckdb_prepared_statement ps, idx_t i, struct rs_i64 v)
{
    return (v.set ? duckdb_bind_boolean(ps, i, v.v != 0) : duckdb_bind_null(ps, i)) ==
           DuckDBSuccess;
}

static bool bind_date(duckdb_prepared_statement ps, idx_t i, struct rs_i64 day)
{
    if (!day.set)
        return duckdb_bind_null(ps, i) == DuckDBSuccess;
    return duckdb_bind_date(ps, i, (duckdb_date){.days = (int32_t)day.v}) == DuckDBSuccess;
}

static bool bind_ts(duckdb_prepared_statement ps, idx_t i, rs_time_t t)
{
    return duckdb_bind_timestamp(ps, i, (duckdb_timestamp){.micros = t * US_PER_S}) ==
           DuckDBSuccess;
}

/* A VARCHAR[] parameter: N == 0 binds an empty list, never NULL. */
static bool bind_list(duckdb_prepared_statement ps, idx_t i, char *const *items, size_t n)
{
    duckdb_logical_type type = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
    duckdb_value *vals = calloc(n ? n : 1, sizeof(*vals));
    bool ok = vals != NULL;
    for (size_t k = 0; ok && k < n; k++) {
        vals[k] = duckdb_create_varchar(items[k] ? items[k] : "");
        ok = vals[k] != NULL;
    }
    duckdb_value list = ok ? duckdb_create_list_value(type, vals, n) : NULL;
    ok = list && duckdb_bind_value(ps, i, list) == DuckDBSuccess;
    for (size_t k = 0; vals && k < n; k++)
        if (vals[k])
            duckdb_destroy_value(&vals[k]);
    if (list)
        duckdb_destroy_value(&list);
    free(vals);
    duckdb_destroy_logical_type(&type);
    return ok;
}

static bool bind_ids(duckdb_prepared_statement ps, idx_t i, const int64_t *ids, size_t n);

/* ------------------------------------------------------- reading results */

/* Walks a result row by row over its chunks. */
struct cursor {
    duckdb_result *res;
    duckdb_data_chunk chunk;
    idx_t row, size;
};

static bool next_row(struct cursor *c)
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

static void cursor_done(struct cursor *c)
{
    if (c->chunk)
        duckdb_destroy_data_chunk(&c->chunk);
    duckdb_destroy_result(c->res);
}

static bool col_null(struct cursor *c, idx_t col)
{
    uint64_t *valid = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(c->chunk, col));
    return valid && !duckdb_validity_row_is_valid(valid, c->row);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* An integer-like column: BOOLEAN, INTEGER, BIGINT, UBIGINT, DATE (days), TIMESTAMP (s). */
static struct rs_i64 col_i64(struct cursor *c, idx_t col)
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

static int64_t col_int(struct cursor *c, idx_t col)
{
    return col_i64(c, col).v;
}

/* A VARCHAR column as a malloc'd string (NULL for SQL NULL); *OOM set on allocation failure. */
static char *col_str(struct cursor *c, idx_t col, bool *oom)
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

/* Copies a VARCHAR column into BUF (truncated at a UTF-8 boundary); "" for NULL. */
static void col_copy(struct cursor *c, idx_t col, char *buf, size_t len)
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

/* Runs PS and reads one BIGINT-like value from the first row (0 when no row). */
static enum rs_err query_int(duckdb_prepared_statement ps, int64_t *out, const char *what,
                             struct rs_error *err)
{
    duckdb_result res;
    enum rs_err rc = run(ps, &res, what, err);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    *out = next_row(&c) ? col_int(&c, 0) : 0;
    cursor_done(&c);
    return RS_OK;
}

/* ---------------------------------------------------------- transactions */

enum rs_err store_begin(struct store *st, struct rs_error *err)
{
    if (st->in_tx)
        return rs_fail(err, RS_ERR_DB, "database: a transaction is already open");
    enum rs_err rc = exec(st, "BEGIN TRANSACTION", "begin", err);
    if (rc == RS_OK)
        st->in_tx = true;
    return rc;
}

enum rs_err store_commit(struct store *st, struct rs_error *err)
{
    if (!st->in_tx)
        return rs_fail(err, RS_ERR_DB, "database: commit without a transaction");
    enum rs_err rc = exec(st, "COMMIT", "commit", err);
    st->in_tx = false; /* a failed COMMIT rolls back in DuckDB */
    if (rc)
        exec(st, "ROLLBACK", "rollback", NULL);
    return rc;
}

void store_rollback(struct store *st)
{
    if (!st || !st->in_tx)
        return;
    exec(st, "ROLLBACK", "rollback", NULL);
    st->in_tx = false;
}

/* Refuses writes on a store opened STORE_READ_ONLY. */
static enum rs_err writable(struct store *st, struct rs_error *err)
{
    if (st->read_only)
        return rs_fail(err, RS_ERR_DB, "database: opened read-only, cannot write");
    return RS_OK;
}

/* Opens a transaction of our own when the caller has none; *OWN says whether we did. */
static enum rs_err tx_enter(struct store *st, bool *own, struct rs_error *err)
{
    *own = false;
    enum rs_err rc = writable(st, err);
    if (rc)
        return rc;
    *own = !st->in_tx;
    return *own ? store_begin(st, err) : RS_OK;
}

/* Ends a transaction opened by tx_enter: commit when RC is RS_OK, else roll back. */
static enum rs_err tx_leave(struct store *st, bool own, enum rs_err rc, struct rs_error *err)
{
    if (!own)
        return rc;
    if (rc) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st, err);
}

/* ------------------------------------------------------------ open/close */

/* The OS's reason at the end of DuckDB's "IO Error: Cannot open file "x": reason". */
static const char *os_reason(const char *why)
{
    const char *p = strrchr(why, ':');
    return p && p[1] == ' ' && p[2] ? p + 2 : why;
}

/* Turns DuckDB's open error into the messages of the README's exit statuses. */
static enum rs_err open_fail(struct rs_error *err, const char *path, bool read_only,
                             const char *why)
{
    if (!why)
        why = "unknown error";
    bool denied = strstr(why, "Permission denied") || strstr(why, "Read-only file system") ||
                  strstr(why, "Operation not permitted");
    if (disk_full(why))
        return rs_fail(err, RS_ERR_IO,
                       "cannot open '%s': no space left on the device (free some space and run "
                       "again)",
                       path);
    if (denied && !read_only && access(path, F_OK) == 0)
        return rs_fail(err, RS_ERR_IO,
                       "cannot open '%s' for writing: %s (make it writable, or copy it; plan, "
                       "stats and export only read it)",
                       path, os_reason(why));
    if (strstr(why, "Could not set lock") || strstr(why, "Conflicting lock"))
        return rs_fail(err, RS_ERR_DB_LOCKED,
                       "cannot open '%s': locked by another process (is another reelsync "
                       "running?)",
                       path);
    if (strstr(why, "not a valid DuckDB database") || strstr(why, "not a DuckDB"))
        return rs_fail(err, RS_ERR_DB,
                       "cannot open '%s': not a DuckDB database (left untouched; give another "
                       "--db path)",
                       path);
    /* DuckDB checks every block it reads: a damaged file is refused, never rewritten. */
    if (strstr(why, "Corrupt database file") || strstr(why, "Could not read enough bytes"))
        return rs_fail(err, RS_ERR_DB,
                       "cannot open '%s': the database file is damaged (%s; left untouched: "
                       "restore it from a backup or give another --db path)",
                       path,
                       strstr(why, "Corrupt") ? "a block fails its checksum" : "it is cut short");
    if (strstr(why, "No such file") || strstr(why, "Permission denied") ||
        strstr(why, "Not a directory") || strstr(why, "Read-only file system") ||
        strstr(why, "Cannot open file") || strstr(why, "IO Error"))
        return rs_fail(err, RS_ERR_IO, "cannot open '%s': %s", path, why);
    return rs_fail(err, RS_ERR_DB, "cannot open '%s': %s", path, why);
}

/*
 * An existing database in a directory we may not write opens read-write, yet its first
 * commit fails: DuckDB writes PATH.wal beside it. Refuse it up front with what to do.
 */
static enum rs_err check_dir_writable(const char *path, struct rs_error *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else
        snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (access(path, F_OK) != 0 || access(dir, W_OK | X_OK) == 0 || errno != EACCES)
        return RS_OK;
    return rs_fail(err, RS_ERR_IO,
                   "cannot open '%s' for writing: its directory is not writable, and DuckDB "
                   "writes a .wal file beside it (make the directory writable, or copy the "
                   "file; plan, stats and export only read it)",
                   path);
}

/* The version recorded in the file: 0 for a new (empty) database. */
static enum rs_err read_version(struct store *st, int *version, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con,
                     "SELECT count(*) FROM information_schema.tables "
                     "WHERE table_catalog = current_database() AND table_schema = 'main' "
                     "AND table_name = 'schema_version'",
                     &res) != DuckDBSuccess)
        return result_fail(err, "schema version", &res);
    struct cursor c = {.res = &res};
    int64_t has = next_row(&c) ? col_int(&c, 0) : 0;
    cursor_done(&c);
    if (!has) {
        *version = 0;
        return RS_OK;
    }
    if (duckdb_query(st->con, "SELECT coalesce(max(version), 0) FROM schema_version", &res) !=
        DuckDBSuccess)
        return result_fail(err, "schema version", &res);
    c = (struct cursor){.res = &res};
    *version = next_row(&c) ? (int)col_int(&c, 0) : 0;
    cursor_done(&c);
    return RS_OK;
}

/*
 * A database without our schema_version that already holds a table of one of our names is
 * another program's: migration 1 would fail on it (and roll back), so say so plainly.
 */
static enum rs_err check_foreign(struct store *st, const char *path, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con,
                     "SELECT string_agg(table_name, ', ' ORDER BY table_name) FROM "
                     "information_schema.tables WHERE table_catalog = current_database() AND "
                     "table_schema = 'main' AND table_name IN "
                     "('movies', 'tmdb_movies', 'omdb_movies', 'api_usage', 'runs')",
                     &res) != DuckDBSuccess)
        return result_fail(err, "schema version", &res);
    struct cursor c = {.res = &res};
    char names[160] = "";
    if (next_row(&c))
        col_copy(&c, 0, names, sizeof(names));
    cursor_done(&c);
    if (!names[0])
        return RS_OK;
    return rs_fail(err, RS_ERR_DB,
                   "cannot open '%s': not a reelsync database, yet it has tables named like "
                   "ours: %s (left untouched; give another --db path)",
                   path, names);
}

/* Applies migration number V (1-based) and records it, in one transaction. */
static enum rs_err migrate_one(struct store *st, int v, struct rs_error *err)
{
    bool own;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    if (v == 1)
        rc = exec(st,
                  "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                  "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
                  "migration", err);
    if (rc == RS_OK)
        rc = exec(st, MIGRATIONS[v - 1], "migration", err);
    duckdb_prepared_statement ps = NULL;
    if (rc == RS_OK && duckdb_prepare(st->con, "INSERT INTO schema_version (version) VALUES ($1)",
                                      &ps) != DuckDBSuccess)
        rc = db_fail(err, "migration", duckdb_prepare_error(ps));
    if (rc == RS_OK) {
        duckdb_bind_int32(ps, 1, v);
        rc = run(ps, NULL, "migration", err);
    }
    duckdb_destroy_prepare(&ps);
    return tx_leave(st, own, rc, err);
}

static enum rs_err migrate(struct store *st, const char *path, struct rs_error *err)
{
    int version = 0;
    enum rs_err rc = read_version(st, &version, err);
    if (rc)
        return rc;
    if (version > SCHEMA_VERSION)
        return rs_fail(err, RS_ERR_DB,
                       "cannot open '%s': written by a newer reelsync (schema version %d, this "
                       "build knows up to %d; left untouched: upgrade reelsync)",
                       path, version, SCHEMA_VERSION);
    if (version == 0 && (rc = check_foreign(st, path, err)) != RS_OK)
        return rc;
    if (version < SCHEMA_VERSION && st->read_only)
        return rs_fail(err, RS_ERR_DB,
                       "cannot open '%s' read-only: its schema (version %d) needs an upgrade "
                       "to %d; open it once read-write",
                       path, version, SCHEMA_VERSION);
    for (int v = version + 1; rc == RS_OK && v <= SCHEMA_VERSION; v++)
        rc = migrate_one(st, v, err);
    return rc;
}

/* Per-connection staging tables of the batch paths. */
static enum rs_err create_staging(struct store *st, struct rs_error *err)
{
    return exec(st,
                "CREATE TEMP TABLE disc_stage (seq BIGINT, tmdb_id BIGINT, title VARCHAR, "
                "release_date DATE);"
                "CREATE TEMP TABLE bulk_stage AS SELECT * EXCLUDE (movie_id) FROM movies "
                "LIMIT 0;"
                "CREATE TEMP TABLE tmdb_stage AS SELECT 0::BIGINT AS seq, 0::UBIGINT AS fp,"
                " * EXCLUDE (raw, fetched_at), ''::VARCHAR AS raw FROM tmdb_movies LIMIT 0;"
                "CREATE TEMP TABLE omdb_stage AS SELECT 0::BIGINT AS seq, 0::UBIGINT AS fp,"
                " 0::BIGINT AS tmdb_id, * EXCLUDE (raw, fetched_at), ''::VARCHAR AS raw"
                " FROM omdb_movies LIMIT 0;"
                "CREATE TEMP TABLE finish_stage (tmdb_id BIGINT, changed BOOLEAN, "
                "both_apis BOOLEAN);",
                "staging", err);
}

/*
 * Rows per row group of the file's tables. DuckDB's default (122,880) puts a whole
 * 100,000-movie collection in one row group, and a checkpoint rewrites each row group that
 * was appended to or updated, so every automatic checkpoint of a collect run rewrote the
 * whole details tables (raw JSON included): a transient allocation that grew with the
 * collection, ~100 MB at 100,000 movies. With 8,192 rows a checkpoint rewrites the few row
 * groups the appends reached (and the narrow movies rows the run updated); the collect got
 * faster too. ROW_GROUP_SIZE is an ATTACH option only (no config setting, and not stored
 * in the file), hence attach_file.
 */
#define ROW_GROUP_ROWS "8192"

/* The alias the file is attached under; every statement names its tables unqualified. */
#define DB_ALIAS "reelsync"

/* Appends S to BUF between quote characters Q (Q inside doubled); false if too long. */
static bool quote_with(char *buf, size_t len, size_t *pos, const char *s, char q)
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

/* Appends S to BUF as a SQL string literal ('...' with quotes doubled); false if too long. */
static bool quote_literal(char *buf, size_t len, size_t *pos, const char *s)
{
    return quote_with(buf, len, pos, s, '\'');
}

/*
 * Attaches the file at PATH to the in-memory database the store opened, with this store's
 * row group size (or read-only), and makes it the default for unqualified names.
 */
static enum rs_err attach_file(struct store *st, const char *path, struct rs_error *err)
{
    size_t len = 2 * strlen(path) + 100, pos = strlen("ATTACH ");
    char *sql = malloc(len);
    if (!sql)
        return rs_fail(err, RS_ERR_NOMEM, "cannot open '%s': out of memory", path);
    memcpy(sql, "ATTACH ", pos + 1);
    quote_literal(sql, len, &pos, path); /* ATTACH takes no bound parameters */
    snprintf(sql + pos, len - pos, " AS " DB_ALIAS " (%s); USE " DB_ALIAS,
             st->read_only ? "READ_ONLY" : "ROW_GROUP_SIZE " ROW_GROUP_ROWS);
    duckdb_result res;
    enum rs_err rc = RS_OK;
    if (duckdb_query(st->con, sql, &res) != DuckDBSuccess)
        rc = open_fail(err, path, st->read_only, duckdb_result_error(&res));
    duckdb_destroy_result(&res);
    free(sql);
    return rc;
}

/*
 * DuckDB's memory limit for a store opened read-write (the collect run). By default DuckDB
 * may use 80 % of the RAM, so its buffer pool kept every block of the file it had read or
 * written (~80 MB of cached blocks at 100,000 movies) plus the uncheckpointed rows. The
 * limit trades speed for memory: a 100,000-movie collect (commits of 1,000 movies) peaked
 * at 166, 181, 201 and 218 MB RSS with 64, 80, 96 and 128 MB, at 2,300, 2,600, 2,800 and
 * 3,750 movies/s (evicted blocks are read again). 80 MB keeps the run under 200 MB with
 * room to spare; with commits of 2,000 movies it runs at ~3,400 movies/s. Read-only opens
 * (plan, stats, export) keep the default: they were not measured under a limit (an export
 * joins the raw JSON columns).
 */
#define WRITER_MEMORY_LIMIT "80MB"

/*
 * DuckDB's worker threads for a read-write open. A collect's statements are small batch
 * writes that gain nothing from parallelism, while each worker brings allocator caches of
 * its own: one thread cut the peak RSS of a 100,000-movie collect by ~20 MB at the same
 * speed. Read-only opens keep the default (one per core) for their whole-table queries.
 */
#define WRITER_THREADS "1"

/* An in-memory database whose spill files go where DuckDB puts a file database's. */
static enum rs_err open_instance(struct store *st, const char *path, struct rs_error *err)
{
    duckdb_config cfg = NULL;
    char *why = NULL, *tmp = malloc(strlen(path) + 5);
    enum rs_err rc = RS_OK;
    if (!tmp || duckdb_create_config(&cfg) != DuckDBSuccess) {
        rc = rs_fail(err, RS_ERR_NOMEM, "cannot open '%s': out of memory", path);
        goto cleanup;
    }
    snprintf(tmp, strlen(path) + 5, "%s.tmp", path);
    duckdb_set_config(cfg, "autoinstall_known_extensions", "false");
    duckdb_set_config(cfg, "temp_directory", tmp);
    if (!st->read_only) {
        duckdb_set_config(cfg, "memory_limit", WRITER_MEMORY_LIMIT);
        duckdb_set_config(cfg, "threads", WRITER_THREADS);
    }
    if (duckdb_open_ext(NULL, &st->db, cfg, &why) != DuckDBSuccess)
        rc = rs_fail(err, RS_ERR_DB, "cannot open '%s': %s", path, why ? why : "no database");
    else if (duckdb_connect(st->db, &st->con) != DuckDBSuccess)
        rc = rs_fail(err, RS_ERR_DB, "cannot open '%s': no connection", path);
cleanup:
    if (why)
        duckdb_free(why);
    if (cfg)
        duckdb_destroy_config(&cfg);
    free(tmp);
    return rc;
}

enum rs_err store_open(const char *path, enum store_mode mode, struct store **out,
                       struct rs_error *err)
{
    struct store *st = calloc(1, sizeof(*st));
    if (!st)
        return rs_fail(err, RS_ERR_NOMEM, "cannot open '%s': out of memory", path);
    st->read_only = mode == STORE_READ_ONLY;
    enum rs_err rc = RS_OK;
    st->path = rs_strndup(path, strlen(path));
    if (!st->path)
        rc = rs_fail(err, RS_ERR_NOMEM, "cannot open '%s': out of memory", path);
    if (rc == RS_OK && !st->read_only)
        rc = check_dir_writable(path, err);
    if (rc == RS_OK)
        rc = open_instance(st, path, err);
    if (rc == RS_OK)
        rc = attach_file(st, path, err);
    if (rc == RS_OK)
        rc = migrate(st, path, err);
    if (rc == RS_OK && !st->read_only)
        rc = create_staging(st, err);
    if (rc) {
        store_close(st);
        return rc;
    }
    *out = st;
    return RS_OK;
}

/* Destroys the cached prepared statements; stmt() prepares them again on next use. */
static void forget_statements(struct store *st)
{
    for (int i = 0; i < S_COUNT; i++)
        if (st->ps[i])
            duckdb_destroy_prepare(&st->ps[i]);
}

void store_close(struct store *st)
{
    if (!st)
        return;
    store_rollback(st);
    forget_statements(st);
    if (st->con)
        duckdb_disconnect(&st->con);
    if (st->db)
        duckdb_close(&st->db);
    free(st->path);
    free(st);
}

/* ------------------------------------------------------------ discovery */

static bool app_str(duckdb_appender a, const char *s)
{
    return (s ? duckdb_append_varchar(a, s) : duckdb_append_null(a)) == DuckDBSuccess;
}

static bool app_date(duckdb_appender a, struct rs_i64 d)
{
    return (d.set ? duckdb_append_date(a, (duckdb_date){.days = (int32_t)d.v})
                  : duckdb_append_null(a)) == DuckDBSuccess;
}

static bool app_ts(duckdb_appender a, struct rs_i64 t)
{
    return (t.set ? duckdb_append_timestamp(a, (duckdb_timestamp){.micros = t.v * US_PER_S})
                  : duckdb_append_null(a)) == DuckDBSuccess;
}

static bool app_fp(duckdb_appender a, bool has, uint64_t fp)
{
    return (has ? duckdb_append_uint64(a, fp) : duckdb_append_null(a)) == DuckDBSuccess;
}

/* Closes appender A (flushing it unless FAILED) and reports its error as WHAT. */
static enum rs_err app_finish(duckdb_appender *a, bool failed, const char *what,
                              struct rs_error *err)
{
    enum rs_err rc = RS_OK;
    if (failed || duckdb_appender_close(*a) != DuckDBSuccess)
        rc = db_fail(err, what, duckdb_appender_error(*a));
    duckdb_appender_destroy(a);
    return rc;
}

static enum rs_err stage_discovered(struct store *st, const struct discover_row *rows, size_t n,
                                    struct rs_error *err)
{
    duckdb_appender a = NULL;
    if (duckdb_appender_create_ext(st->con, "temp", "main", "disc_stage", &a) != DuckDBSuccess) {
        enum rs_err rc = db_fail(err, "discovery", duckdb_appender_error(a));
        duckdb_appender_destroy(&a);
        return rc;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        ok = duckdb_append_int64(a, (int64_t)i) == DuckDBSuccess &&
             duckdb_append_int64(a, rows[i].tmdb_id) == DuckDBSuccess &&
             app_str(a, rows[i].title) && app_date(a, rows[i].release_date) &&
             duckdb_appender_end_row(a) == DuckDBSuccess;
    }
    return app_finish(&a, !ok, "discovery", err);
}

enum rs_err store_upsert_discovered(struct store *st, const struct discover_row *rows, size_t n,
                                    rs_time_t now, size_t *new_count, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    int64_t fresh = 0;
    bool own;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = stage_discovered(st, rows, n, err);
    if (rc == RS_OK)
        rc = stmt(st, S_DISC_NEW,
                  "SELECT count(DISTINCT s.tmdb_id) FROM temp.disc_stage s WHERE NOT EXISTS "
                  "(SELECT 1 FROM movies m WHERE m.tmdb_id = s.tmdb_id)",
                  &ps, err);
    if (rc == RS_OK)
        rc = query_int(ps, &fresh, "discovery", err);
    /* the last row of a tmdb_id in the batch wins */
    if (rc == RS_OK)
        rc = stmt(st, S_DISC_UPSERT,
                  "INSERT INTO movies (tmdb_id, title, release_date, created_at, updated_at) "
                  "SELECT tmdb_id, title, release_date, $1, $1 FROM temp.disc_stage "
                  "QUALIFY row_number() OVER (PARTITION BY tmdb_id ORDER BY seq DESC) = 1 "
                  "ON CONFLICT (tmdb_id) DO UPDATE SET "
                  "title = coalesce(excluded.title, movies.title), "
                  "release_date = excluded.release_date, updated_at = excluded.updated_at, "
                  "tmdb_gone_at = NULL",
                  &ps, err);
    if (rc == RS_OK) {
        bind_ts(ps, 1, now);
        rc = run(ps, NULL, "discovery", err);
    }
    if (rc == RS_OK)
        rc = stmt(st, S_DISC_CLEAR, "DELETE FROM temp.disc_stage", &ps, err);
    if (rc == RS_OK)
        rc = run(ps, NULL, "discovery", err);
    rc = tx_leave(st, own, rc, err);
    if (rc == RS_OK && new_count)
        *new_count = (size_t)fresh;
    return rc;
}

static bool app_movie(duckdb_appender a, const struct store_movie *m, rs_time_t now)
{
    struct rs_i64 created = m->created_at.set ? m->created_at : RS_I64(now);
    struct rs_i64 updated = m->updated_at.set ? m->updated_at : RS_I64(now);
    /* column order of bulk_stage: movies without movie_id */
    return duckdb_append_int64(a, m->tmdb_id) == DuckDBSuccess && app_str(a, m->imdb_id) &&
           app_str(a, m->title) && app_date(a, m->release_date) && app_ts(a, m->last_tmdb_update) &&
           app_ts(a, m->last_omdb_update) && app_ts(a, m->last_full_refresh) &&
           duckdb_append_bool(a, m->data_frozen) == DuckDBSuccess && app_ts(a, created) &&
           app_ts(a, updated) && app_ts(a, m->omdb_not_found_at) && app_ts(a, m->tmdb_gone_at) &&
           duckdb_append_int32(a, (int32_t)m->stable_cycles) == DuckDBSuccess &&
           app_ts(a, m->data_changed_at) &&
           app_fp(a, m->has_tmdb_fingerprint, m->tmdb_fingerprint) &&
           app_fp(a, m->has_omdb_fingerprint, m->omdb_fingerprint) &&
           duckdb_appender_end_row(a) == DuckDBSuccess;
}

enum rs_err store_bulk_insert_movies(struct store *st, const struct store_movie *rows, size_t n,
                                     rs_time_t now, struct rs_error *err)
{
    duckdb_appender a = NULL;
    bool own;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    if (duckdb_appender_create_ext(st->con, "temp", "main", "bulk_stage", &a) != DuckDBSuccess) {
        rc = db_fail(err, "bulk insert", duckdb_appender_error(a));
        duckdb_appender_destroy(&a);
        return tx_leave(st, own, rc, err);
    }
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        ok = app_movie(a, &rows[i], now);
    rc = app_finish(&a, !ok, "bulk insert", err);
    if (rc == RS_OK)
        rc = exec(st,
                  "INSERT INTO movies BY NAME SELECT * FROM temp.bulk_stage; "
                  "DELETE FROM temp.bulk_stage;",
                  "bulk insert", err);
    return tx_leave(st, own, rc, err);
}

/* -------------------------------------------------------------- details */

/* Reads the stored fingerprint of a movie: *HAS false when the movie or value is NULL. */
static enum rs_err read_fp(duckdb_prepared_statement ps, int64_t tmdb_id, bool *has, uint64_t *fp,
                           struct rs_error *err)
{
    duckdb_result res;
    duckdb_bind_int64(ps, 1, tmdb_id);
    enum rs_err rc = run(ps, &res, "fingerprint", err);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    struct rs_i64 v = next_row(&c) ? col_i64(&c, 0) : RS_NULL_I64;
    cursor_done(&c);
    *has = v.set;
    *fp = (uint64_t)v.v;
    return RS_OK;
}

static enum rs_err write_tmdb_row(struct store *st, const struct tmdb_row *r, rs_time_t now,
                                  struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    /* delete + insert: several times cheaper in DuckDB than INSERT OR REPLACE */
    enum rs_err rc = stmt(st, S_TMDB_DEL, "DELETE FROM tmdb_movies WHERE tmdb_id = $1", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, r->tmdb_id);
    rc = run(ps, NULL, "tmdb details", err);
    if (rc)
        return rc;
    rc = stmt(st, S_TMDB_ROW,
              "INSERT INTO tmdb_movies (tmdb_id, imdb_id, title, "
              "original_title, overview, tagline, release_date, runtime, budget, "
              "revenue, genres, production_companies, vote_average, vote_count, "
              "popularity, status, original_language, adult, raw, fetched_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
              "$14, $15, $16, $17, $18, CAST($19 AS JSON), $20)",
              &ps, err);
    if (rc)
        return rc;
    bool ok = duckdb_bind_int64(ps, 1, r->tmdb_id) == DuckDBSuccess &&
              bind_str(ps, 2, r->imdb_id) && bind_str(ps, 3, r->title) &&
              bind_str(ps, 4, r->original_title) && bind_str(ps, 5, r->overview) &&
              bind_str(ps, 6, r->tagline) && bind_date(ps, 7, r->release_date) &&
              bind_i64(ps, 8, r->runtime) && bind_i64(ps, 9, r->budget) &&
              bind_i64(ps, 10, r->revenue) && bind_list(ps, 11, r->genres, r->n_genres) &&
              bind_list(ps, 12, r->production_companies, r->n_production_companies) &&
              bind_f64(ps, 13, r->vote_average) && bind_i64(ps, 14, r->vote_count) &&
              bind_f64(ps, 15, r->popularity) && bind_str(ps, 16, r->status) &&
              bind_str(ps, 17, r->original_language) && bind_bool(ps, 18, r->adult) &&
              bind_strn(ps, 19, r->raw, r->raw_len) && bind_ts(ps, 20, now);
    if (!ok)
        return rs_fail(err, RS_ERR_DB, "database: tmdb details: cannot bind values");
    return run(ps, NULL, "tmdb details", err);
}

/* Binds the movies columns a TMDB fetch sets: $1 tmdb_id .. $6 fingerprint. */
static void bind_tmdb_movie(duckdb_prepared_statement ps, const struct tmdb_row *r, uint64_t fp,
                            rs_time_t now)
{
    duckdb_bind_int64(ps, 1, r->tmdb_id);
    bind_str(ps, 2, r->imdb_id);
    bind_str(ps, 3, r->title);
    bind_date(ps, 4, r->release_date);
    bind_ts(ps, 5, now);
    duckdb_bind_uint64(ps, 6, fp);
}

/* Updates the movies row of a TMDB fetch, inserting it when new (UPDATE first: an
 * ON CONFLICT upsert costs several times more per row in DuckDB). */
static enum rs_err write_tmdb_movie(struct store *st, const struct tmdb_row *r, uint64_t fp,
                                    rs_time_t now, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = stmt(st, S_TMDB_MOVIE,
                          "UPDATE movies SET imdb_id = coalesce($2, imdb_id), "
                          "title = coalesce($3, title), release_date = $4, "
                          "last_tmdb_update = $5, tmdb_fingerprint = $6, updated_at = $5, "
                          "tmdb_gone_at = NULL WHERE tmdb_id = $1",
                          &ps, err);
    if (rc)
        return rc;
    bind_tmdb_movie(ps, r, fp, now);
    rc = run(ps, &res, "tmdb details", err);
    if (rc)
        return rc;
    idx_t n = duckdb_rows_changed(&res);
    duckdb_destroy_result(&res);
    if (n > 0)
        return RS_OK;
    rc = stmt(st, S_TMDB_NEW,
              "INSERT INTO movies (tmdb_id, imdb_id, title, release_date, last_tmdb_update, "
              "tmdb_fingerprint, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $5, $5)",
              &ps, err);
    if (rc)
        return rc;
    bind_tmdb_movie(ps, r, fp, now);
    return run(ps, NULL, "tmdb details", err);
}

enum rs_err store_put_tmdb(struct store *st, const struct tmdb_row *row, uint64_t fingerprint,
                           rs_time_t now, bool *changed, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    bool has = false, own;
    uint64_t old = 0;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = stmt(st, S_TMDB_FP, "SELECT tmdb_fingerprint FROM movies WHERE tmdb_id = $1", &ps, err);
    if (rc == RS_OK)
        rc = read_fp(ps, row->tmdb_id, &has, &old, err);
    if (rc == RS_OK)
        rc = write_tmdb_row(st, row, now, err);
    if (rc == RS_OK)
        rc = write_tmdb_movie(st, row, fingerprint, now, err);
    rc = tx_leave(st, own, rc, err);
    if (rc == RS_OK && changed)
        *changed = !has || old != fingerprint;
    return rc;
}

static enum rs_err write_omdb_row(struct store *st, const struct omdb_row *r, rs_time_t now,
                                  struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = stmt(st, S_OMDB_DEL, "DELETE FROM omdb_movies WHERE imdb_id = $1", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_varchar(ps, 1, r->imdb_id);
    rc = run(ps, NULL, "omdb details", err);
    if (rc)
        return rc;
    rc = stmt(st, S_OMDB_ROW,
              "INSERT INTO omdb_movies (imdb_id, title, year, rated, "
              "released, runtime_minutes, genre, director, writer, actors, "
              "language, country, awards, imdb_rating, imdb_votes, "
              "rotten_tomatoes, metacritic, box_office, raw, fetched_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
              "$14, $15, $16, $17, $18, CAST($19 AS JSON), $20)",
              &ps, err);
    if (rc)
        return rc;
    bool ok = bind_str(ps, 1, r->imdb_id) && bind_str(ps, 2, r->title) &&
              bind_str(ps, 3, r->year) && bind_str(ps, 4, r->rated) &&
              bind_date(ps, 5, r->released) && bind_i64(ps, 6, r->runtime_minutes) &&
              bind_str(ps, 7, r->genre) && bind_str(ps, 8, r->director) &&
              bind_str(ps, 9, r->writer) && bind_str(ps, 10, r->actors) &&
              bind_str(ps, 11, r->language) && bind_str(ps, 12, r->country) &&
              bind_str(ps, 13, r->awards) && bind_f64(ps, 14, r->imdb_rating) &&
              bind_i64(ps, 15, r->imdb_votes) && bind_i64(ps, 16, r->rotten_tomatoes) &&
              bind_i64(ps, 17, r->metacritic) && bind_i64(ps, 18, r->box_office) &&
              bind_strn(ps, 19, r->raw, r->raw_len) && bind_ts(ps, 20, now);
    if (!ok)
        return rs_fail(err, RS_ERR_DB, "database: omdb details: cannot bind values");
    return run(ps, NULL, "omdb details", err);
}

/* Runs PS (bound) expecting it to touch exactly one movie: RS_ERR_DB "unknown movie" if none. */
static enum rs_err run_one(duckdb_prepared_statement ps, int64_t tmdb_id, const char *what,
                           struct rs_error *err)
{
    duckdb_result res;
    enum rs_err rc = run(ps, &res, what, err);
    if (rc)
        return rc;
    idx_t n = duckdb_rows_changed(&res);
    duckdb_destroy_result(&res);
    if (n == 0)
        return rs_fail(err, RS_ERR_DB, "database: %s: no movie with tmdb_id %lld", what,
                       (long long)tmdb_id);
    return RS_OK;
}

enum rs_err store_put_omdb(struct store *st, int64_t tmdb_id, const struct omdb_row *row,
                           uint64_t fingerprint, rs_time_t now, bool *changed, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    bool has = false, own;
    uint64_t old = 0;
    if (!row->imdb_id)
        return rs_fail(err, RS_ERR_DB, "database: omdb details without an IMDb id");
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = stmt(st, S_OMDB_FP, "SELECT omdb_fingerprint FROM movies WHERE tmdb_id = $1", &ps, err);
    if (rc == RS_OK)
        rc = read_fp(ps, tmdb_id, &has, &old, err);
    if (rc == RS_OK)
        rc = write_omdb_row(st, row, now, err);
    if (rc == RS_OK)
        rc = stmt(st, S_OMDB_MOVIE,
                  "UPDATE movies SET last_omdb_update = $2, omdb_fingerprint = $3, "
                  "imdb_id = coalesce(imdb_id, $4), updated_at = $2 WHERE tmdb_id = $1",
                  &ps, err);
    if (rc == RS_OK) {
        duckdb_bind_int64(ps, 1, tmdb_id);
        bind_ts(ps, 2, now);
        duckdb_bind_uint64(ps, 3, fingerprint);
        bind_str(ps, 4, row->imdb_id);
        rc = run_one(ps, tmdb_id, "omdb details", err);
    }
    rc = tx_leave(st, own, rc, err);
    if (rc == RS_OK && changed)
        *changed = !has || old != fingerprint;
    return rc;
}

/* Sets one timestamp column (fixed SQL of ID) of TMDB_ID to NOW. */
static enum rs_err stamp(struct store *st, enum stmt_id id, const char *sql, int64_t tmdb_id,
                         rs_time_t now, const char *what, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = writable(st, err);
    if (rc == RS_OK)
        rc = stmt(st, id, sql, &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, tmdb_id);
    bind_ts(ps, 2, now);
    return run_one(ps, tmdb_id, what, err);
}

enum rs_err store_mark_gone(struct store *st, int64_t tmdb_id, rs_time_t now, struct rs_error *err)
{
    return stamp(st, S_GONE, "UPDATE movies SET tmdb_gone_at = $2 WHERE tmdb_id = $1", tmdb_id, now,
                 "mark gone", err);
}

enum rs_err store_stamp_omdb_checked(struct store *st, int64_t tmdb_id, rs_time_t now,
                                     struct rs_error *err)
{
    return stamp(st, S_OMDB_NF, "UPDATE movies SET omdb_not_found_at = $2 WHERE tmdb_id = $1",
                 tmdb_id, now, "omdb not found", err);
}

/* Freezes TMDB_ID when it is ARCHIVED at NOW with enough stable cycles. */
static enum rs_err maybe_freeze(struct store *st, int64_t tmdb_id, struct rs_i64 release,
                                int64_t cycles, bool was_frozen, rs_time_t now, bool *frozen,
                                struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    *frozen = false;
    if (was_frozen || cycles < REFRESH_FREEZE_CYCLES ||
        refresh_category_of(release, now) != REFRESH_ARCHIVED)
        return RS_OK;
    enum rs_err rc =
        stmt(st, S_FREEZE, "UPDATE movies SET data_frozen = TRUE WHERE tmdb_id = $1", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, tmdb_id);
    rc = run(ps, NULL, "freeze", err);
    *frozen = rc == RS_OK;
    return rc;
}

enum rs_err store_finish_refresh(struct store *st, int64_t tmdb_id, bool changed, bool both,
                                 rs_time_t now, bool *frozen, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    bool own, did = false;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = stmt(st, S_FINISH,
              "UPDATE movies SET "
              "stable_cycles = CASE WHEN $2 THEN 0 ELSE stable_cycles + 1 END, "
              "data_changed_at = CASE WHEN $2 THEN $4 ELSE data_changed_at END, "
              "data_frozen = CASE WHEN $2 THEN FALSE ELSE data_frozen END, "
              "last_full_refresh = CASE WHEN $3 THEN $4 ELSE last_full_refresh END "
              "WHERE tmdb_id = $1 RETURNING stable_cycles, release_date, data_frozen",
              &ps, err);
    if (rc == RS_OK) {
        duckdb_bind_int64(ps, 1, tmdb_id);
        duckdb_bind_boolean(ps, 2, changed);
        duckdb_bind_boolean(ps, 3, both);
        bind_ts(ps, 4, now);
        rc = run(ps, &res, "finish refresh", err);
    }
    if (rc == RS_OK) {
        struct cursor c = {.res = &res};
        bool found = next_row(&c);
        int64_t cycles = found ? col_int(&c, 0) : 0;
        struct rs_i64 release = found ? col_i64(&c, 1) : RS_NULL_I64;
        bool was = found && col_int(&c, 2);
        cursor_done(&c);
        if (!found)
            rc = rs_fail(err, RS_ERR_DB, "database: finish refresh: no movie with tmdb_id %lld",
                         (long long)tmdb_id);
        else
            rc = maybe_freeze(st, tmdb_id, release, cycles, was, now, &did, err);
    }
    rc = tx_leave(st, own, rc, err);
    if (rc == RS_OK && frozen)
        *frozen = did;
    return rc;
}

/* ---------------------------------------------------------------- batches */

static bool app_i64(duckdb_appender a, struct rs_i64 v)
{
    return (v.set ? duckdb_append_int64(a, v.v) : duckdb_append_null(a)) == DuckDBSuccess;
}

static bool app_f64(duckdb_appender a, struct rs_f64 v)
{
    return (v.set ? duckdb_append_double(a, v.v) : duckdb_append_null(a)) == DuckDBSuccess;
}

static bool app_bool(duckdb_appender a, struct rs_i64 v)
{
    return (v.set ? duckdb_append_bool(a, v.v != 0) : duckdb_append_null(a)) == DuckDBSuccess;
}

static bool app_strn(duckdb_appender a, const char *s, size_t n)
{
    return (s ? duckdb_append_varchar_length(a, s, n) : duckdb_append_null(a)) == DuckDBSuccess;
}

/* A VARCHAR[] value: N == 0 appends an empty list, never NULL. */
static bool app_list(duckdb_appender a, char *const *items, size_t n)
{
    duckdb_logical_type type = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
    duckdb_value *vals = calloc(n ? n : 1, sizeof(*vals));
    bool ok = vals != NULL;
    for (size_t k = 0; ok && k < n; k++)
        ok = (vals[k] = duckdb_create_varchar(items[k] ? items[k] : "")) != NULL;
    duckdb_value list = ok ? duckdb_create_list_value(type, vals, n) : NULL;
    ok = list && duckdb_append_value(a, list) == DuckDBSuccess;
    for (size_t k = 0; vals && k < n; k++)
        if (vals[k])
            duckdb_destroy_value(&vals[k]);
    if (list)
        duckdb_destroy_value(&list);
    free(vals);
    duckdb_destroy_logical_type(&type);
    return ok;
}

static bool app_tmdb(duckdb_appender a, size_t seq, uint64_t fp, const struct tmdb_row *r)
{
    return duckdb_append_int64(a, (int64_t)seq) == DuckDBSuccess &&
           duckdb_append_uint64(a, fp) == DuckDBSuccess &&
           duckdb_append_int64(a, r->tmdb_id) == DuckDBSuccess && app_str(a, r->imdb_id) &&
           app_str(a, r->title) && app_str(a, r->original_title) && app_str(a, r->overview) &&
           app_str(a, r->tagline) && app_date(a, r->release_date) && app_i64(a, r->runtime) &&
           app_i64(a, r->budget) && app_i64(a, r->revenue) && app_list(a, r->genres, r->n_genres) &&
           app_list(a, r->production_companies, r->n_production_companies) &&
           app_f64(a, r->vote_average) && app_i64(a, r->vote_count) && app_f64(a, r->popularity) &&
           app_str(a, r->status) && app_str(a, r->original_language) && app_bool(a, r->adult) &&
           app_strn(a, r->raw, r->raw_len) && duckdb_appender_end_row(a) == DuckDBSuccess;
}

static bool app_omdb(duckdb_appender a, size_t seq, uint64_t fp, int64_t tmdb_id,
                     const struct omdb_row *r)
{
    return duckdb_append_int64(a, (int64_t)seq) == DuckDBSuccess &&
           duckdb_append_uint64(a, fp) == DuckDBSuccess &&
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

static enum rs_err open_appender(struct store *st, const char *table, duckdb_appender *a,
                                 struct rs_error *err)
{
    *a = NULL;
    if (duckdb_appender_create_ext(st->con, "temp", "main", table, a) == DuckDBSuccess)
        return RS_OK;
    enum rs_err rc = db_fail(err, table, duckdb_appender_error(*a));
    duckdb_appender_destroy(a);
    return rc;
}

/* Runs fixed SQL with NOW bound as $1 (when it has a parameter). */
static enum rs_err exec_now(struct store *st, enum stmt_id id, const char *sql, bool has_now,
                            rs_time_t now, const char *what, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = stmt(st, id, sql, &ps, err);
    if (rc)
        return rc;
    if (has_now)
        bind_ts(ps, 1, now);
    return run(ps, NULL, what, err);
}

/* Reads (seq, same) rows into CHANGED[seq] = !same. */
static enum rs_err read_changed(struct store *st, enum stmt_id id, const char *sql, bool *changed,
                                size_t n, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = stmt(st, id, sql, &ps, err);
    if (rc == RS_OK)
        rc = run(ps, &res, "batch", err);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    while (next_row(&c)) {
        int64_t seq = col_int(&c, 0);
        if (seq >= 0 && (size_t)seq < n)
            changed[seq] = col_int(&c, 1) == 0;
    }
    cursor_done(&c);
    return RS_OK;
}

enum rs_err store_put_tmdb_batch(struct store *st, const struct tmdb_row *rows,
                                 const uint64_t *fingerprints, size_t n, rs_time_t now,
                                 bool *changed, struct rs_error *err)
{
    duckdb_appender a = NULL;
    bool own, ok = true;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = open_appender(st, "tmdb_stage", &a, err);
    for (size_t i = 0; rc == RS_OK && ok && i < n; i++)
        ok = app_tmdb(a, i, fingerprints[i], &rows[i]);
    if (rc == RS_OK)
        rc = app_finish(&a, !ok, "tmdb batch", err);
    if (rc == RS_OK && changed)
        rc = read_changed(st, S_TB_CHANGED,
                          "SELECT s.seq, m.tmdb_fingerprint IS NOT DISTINCT FROM s.fp "
                          "FROM temp.tmdb_stage s LEFT JOIN movies m ON m.tmdb_id = s.tmdb_id",
                          changed, n, err);
    if (rc == RS_OK)
        rc = exec_now(st, S_TB_DEL,
                      "DELETE FROM tmdb_movies WHERE tmdb_id IN "
                      "(SELECT tmdb_id FROM temp.tmdb_stage)",
                      false, now, "tmdb batch", err);
    if (rc == RS_OK)
        rc = exec_now(st, S_TB_INS,
                      "INSERT INTO tmdb_movies SELECT tmdb_id, imdb_id, title, original_title,"
                      " overview, tagline, release_date, runtime, budget, revenue, genres,"
                      " production_companies, vote_average, vote_count, popularity, status,"
                      " original_language, adult, CAST(raw AS JSON), $1 FROM temp.tmdb_stage",
                      true, now, "tmdb batch", err);
    if (rc == RS_OK)
        rc = exec_now(st, S_TB_UPD,
                      "UPDATE movies SET imdb_id = coalesce(s.imdb_id, movies.imdb_id),"
                      " title = coalesce(s.title, movies.title), release_date = s.release_date,"
                      " last_tmdb_update = $1, tmdb_fingerprint = s.fp, updated_at = $1,"
                      " tmdb_gone_at = NULL FROM temp.tmdb_stage s"
                      " WHERE movies.tmdb_id = s.tmdb_id",
                      true, now, "tmdb batch", err);
    if (rc == RS_OK)
        rc = exec_now(st, S_TB_NEW,
                      "INSERT INTO movies (tmdb_id, imdb_id, title, release_date,"
                      " last_tmdb_update, tmdb_fingerprint, created_at, updated_at)"
                      " SELECT tmdb_id, imdb_id, title, release_date, $1, fp, $1, $1"
                      " FROM temp.tmdb_stage s WHERE NOT EXISTS"
                      " (SELECT 1 FROM movies m WHERE m.tmdb_id = s.tmdb_id)",
                      true, now, "tmdb batch", err);
    /* the stage is emptied on failure too, for a caller that carries on */
    enum rs_err rc2 = exec_now(st, S_TB_CLEAR, "DELETE FROM temp.tmdb_stage", false, now,
                               "tmdb batch", rc ? NULL : err);
    return tx_leave(st, own, rc ? rc : rc2, err);
}

enum rs_err store_put_omdb_batch(struct store *st, const int64_t *tmdb_ids,
                                 const struct omdb_row *rows, const uint64_t *fingerprints,
                                 size_t n, rs_time_t now, bool *changed, struct rs_error *err)
{
    duckdb_appender a = NULL;
    bool own, ok = true;
    int64_t unknown = 0;
    for (size_t i = 0; i < n; i++)
        if (!rows[i].imdb_id)
            return rs_fail(err, RS_ERR_DB, "database: omdb details without an IMDb id");
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = open_appender(st, "omdb_stage", &a, err);
    for (size_t i = 0; rc == RS_OK && ok && i < n; i++)
        ok = app_omdb(a, i, fingerprints[i], tmdb_ids[i], &rows[i]);
    if (rc == RS_OK)
        rc = app_finish(&a, !ok, "omdb batch", err);
    duckdb_prepared_statement ps = NULL;
    if (rc == RS_OK)
        rc = stmt(st, S_OB_UNKNOWN,
                  "SELECT count(*) FROM temp.omdb_stage s WHERE NOT EXISTS"
                  " (SELECT 1 FROM movies m WHERE m.tmdb_id = s.tmdb_id)",
                  &ps, err);
    if (rc == RS_OK)
        rc = query_int(ps, &unknown, "omdb batch", err);
    if (rc == RS_OK && unknown > 0)
        rc = rs_fail(err, RS_ERR_DB, "database: omdb batch: %lld unknown tmdb_id(s)",
                     (long long)unknown);
    if (rc == RS_OK && changed)
        rc = read_changed(st, S_OB_CHANGED,
                          "SELECT s.seq, m.omdb_fingerprint IS NOT DISTINCT FROM s.fp "
                          "FROM temp.omdb_stage s JOIN movies m ON m.tmdb_id = s.tmdb_id",
                          changed, n, err);
    if (rc == RS_OK)
        rc = exec_now(st, S_OB_DEL,
                      "DELETE FROM omdb_movies WHERE imdb_id IN "
                      "(SELECT imdb_id FROM temp.omdb_stage)",
                      false, now, "omdb batch", err);
    /* two movies may share an IMDb id: the last row of the batch wins */
    if (rc == RS_OK)
        rc = exec_now(st, S_OB_INS,
                      "INSERT INTO omdb_movies SELECT imdb_id, title, year, rated, released,"
                      " runtime_minutes, genre, director, writer, actors, language, country,"
                      " awards, imdb_rating, imdb_votes, rotten_tomatoes, metacritic,"
                      " box_office, CAST(raw AS JSON), $1 FROM temp.omdb_stage"
                      " QUALIFY row_number() OVER (PARTITION BY imdb_id ORDER BY seq DESC) = 1",
                      true, now, "omdb batch", err);
    if (rc == RS_OK)
        rc = exec_now(st, S_OB_UPD,
                      "UPDATE movies SET last_omdb_update = $1, omdb_fingerprint = s.fp,"
                      " imdb_id = coalesce(movies.imdb_id, s.imdb_id), updated_at = $1"
                      " FROM temp.omdb_stage s WHERE movies.tmdb_id = s.tmdb_id",
                      true, now, "omdb batch", err);
    enum rs_err rc2 = exec_now(st, S_OB_CLEAR, "DELETE FROM temp.omdb_stage", false, now,
                               "omdb batch", rc ? NULL : err);
    return tx_leave(st, own, rc ? rc : rc2, err);
}

static enum rs_err stage_finish(struct store *st, const int64_t *ids, const bool *changed,
                                const bool *both, size_t n, struct rs_error *err)
{
    duckdb_appender a = NULL;
    enum rs_err rc = open_appender(st, "finish_stage", &a, err);
    bool ok = true;
    for (size_t i = 0; rc == RS_OK && ok && i < n; i++)
        ok = duckdb_append_int64(a, ids[i]) == DuckDBSuccess &&
             duckdb_append_bool(a, changed[i]) == DuckDBSuccess &&
             duckdb_append_bool(a, both[i]) == DuckDBSuccess &&
             duckdb_appender_end_row(a) == DuckDBSuccess;
    return rc ? rc : app_finish(&a, !ok, "finish batch", err);
}

/* Runs the batch UPDATE and collects the ids to freeze (policy from refresh.c) into *FREEZE. */
static enum rs_err finish_update(struct store *st, rs_time_t now, size_t n, int64_t *freeze,
                                 size_t *n_freeze, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = stmt(st, S_FB_UPD,
                          "UPDATE movies SET "
                          "stable_cycles = CASE WHEN s.changed THEN 0 ELSE stable_cycles + 1 END,"
                          " data_changed_at = CASE WHEN s.changed THEN $1 ELSE data_changed_at END,"
                          " data_frozen = CASE WHEN s.changed THEN FALSE ELSE data_frozen END,"
                          " last_full_refresh = CASE WHEN s.both_apis THEN $1"
                          " ELSE last_full_refresh END FROM temp.finish_stage s"
                          " WHERE movies.tmdb_id = s.tmdb_id",
                          &ps, err);
    if (rc)
        return rc;
    bind_ts(ps, 1, now);
    rc = run(ps, NULL, "finish batch", err);
    /*
     * Read back in a query of its own: with RETURNING, DuckDB 1.4 intermittently failed
     * this UPDATE with a false "duplicate key" on `movies` in long runs (bench_collect).
     */
    if (rc == RS_OK)
        rc = stmt(st, S_FB_READ,
                  "SELECT m.tmdb_id, m.stable_cycles, m.release_date, m.data_frozen"
                  " FROM movies m JOIN temp.finish_stage s ON m.tmdb_id = s.tmdb_id",
                  &ps, err);
    if (rc == RS_OK)
        rc = run(ps, &res, "finish batch", err);
    if (rc)
        return rc;
    size_t seen = 0, k = 0;
    struct cursor c = {.res = &res};
    while (next_row(&c)) {
        seen++;
        if (col_int(&c, 1) >= REFRESH_FREEZE_CYCLES && !col_int(&c, 3) && k < n &&
            refresh_category_of(col_i64(&c, 2), now) == REFRESH_ARCHIVED)
            freeze[k++] = col_int(&c, 0);
    }
    cursor_done(&c);
    if (seen != n)
        return rs_fail(err, RS_ERR_DB, "database: finish batch: %zu of %zu movies unknown",
                       n - seen, n);
    *n_freeze = k;
    return RS_OK;
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
    rc = stage_finish(st, tmdb_ids, changed, both, n, err);
    if (rc == RS_OK)
        rc = finish_update(st, now, n, freeze, &n_freeze, err);
    duckdb_prepared_statement ps = NULL;
    if (rc == RS_OK && n_freeze > 0)
        rc = stmt(st, S_FB_FREEZE,
                  "UPDATE movies SET data_frozen = TRUE WHERE list_contains($1, "
                  "CAST(tmdb_id AS BIGINT))",
                  &ps, err);
    if (rc == RS_OK && n_freeze > 0)
        rc = bind_ids(ps, 1, freeze, n_freeze) ? run(ps, NULL, "finish batch", err)
                                               : rs_fail(err, RS_ERR_NOMEM, "out of memory");
    enum rs_err rc2 = exec_now(st, S_FB_CLEAR, "DELETE FROM temp.finish_stage", false, now,
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

/* ------------------------------------------------------------- planning */

/*
 * Every movie not gone, with its category and per-API due state at NOW, computed in SQL.
 * Parameters: $1 today (DATE), $2 now (epoch microseconds), $3..$6 the TMDB intervals of
 * the four categories in days, $7..$10 the OMDB ones, $11..$13 the youngest age (days) of
 * ESTABLISHED, MATURE and ARCHIVED: all bound from refresh.c, so the policy lives there.
 * t_over/o_over: microseconds past due (>= 0: due), INT64_MAX when never checked.
 */
#define PLAN_BASE                                                                                  \
    "SELECT tmdb_id, imdb_id, title, release_date, t_last, o_last, cat, age, data_frozen,"         \
    " t_over >= 0 AS needs_tmdb,"                                                                  \
    " o_over >= 0 AND (imdb_id IS NOT NULL OR t_over >= 0) AS needs_omdb, t_over, o_over "         \
    "FROM (SELECT *,"                                                                              \
    "  coalesce(CAST($2 AS BIGINT) - t_last - CASE cat WHEN 0 THEN CAST($3 AS BIGINT)"             \
    "   WHEN 1 THEN CAST($4 AS BIGINT) WHEN 2 THEN CAST($5 AS BIGINT)"                             \
    "   ELSE CAST($6 AS BIGINT) END * 86400000000, 9223372036854775807) AS t_over,"                \
    "  coalesce(CAST($2 AS BIGINT) - o_last - CASE cat WHEN 0 THEN CAST($7 AS BIGINT)"             \
    "   WHEN 1 THEN CAST($8 AS BIGINT) WHEN 2 THEN CAST($9 AS BIGINT)"                             \
    "   ELSE CAST($10 AS BIGINT) END * 86400000000, 9223372036854775807) AS o_over"                \
    " FROM (SELECT *, CASE WHEN age IS NULL OR age < CAST($11 AS BIGINT) THEN 0"                   \
    "   WHEN age < CAST($12 AS BIGINT) THEN 1 WHEN age < CAST($13 AS BIGINT) THEN 2"               \
    "   ELSE 3 END AS cat"                                                                         \
    "  FROM (SELECT tmdb_id, imdb_id, title, release_date, data_frozen,"                           \
    "    epoch_us(last_tmdb_update) AS t_last,"                                                    \
    "    epoch_us(greatest(last_omdb_update, omdb_not_found_at)) AS o_last,"                       \
    "    CAST($1 AS DATE) - release_date AS age"                                                   \
    "   FROM movies WHERE tmdb_gone_at IS NULL) a) b) c"

/* The youngest age in days of category CAT under refresh_category_of (ages only grow). */
static int64_t youngest_age(enum refresh_category cat, rs_time_t now)
{
    rs_date_t today = rs_time_day(now);
    int64_t age = 0;
    while (age < 100000 && refresh_category_of(RS_I64(today - age), now) < cat)
        age++;
    return age;
}

static void bind_policy(duckdb_prepared_statement ps, rs_time_t now)
{
    for (int cat = REFRESH_ESTABLISHED; cat < REFRESH_CATEGORY_COUNT; cat++)
        duckdb_bind_int64(ps, 10 + (idx_t)cat, youngest_age(cat, now));
    duckdb_bind_date(ps, 1, (duckdb_date){.days = rs_time_day(now)});
    duckdb_bind_int64(ps, 2, now * US_PER_S);
    for (int cat = 0; cat < REFRESH_CATEGORY_COUNT; cat++) {
        duckdb_bind_int64(ps, 3 + (idx_t)cat, refresh_interval_days(cat, RS_API_TMDB));
        duckdb_bind_int64(ps, 7 + (idx_t)cat, refresh_interval_days(cat, RS_API_OMDB));
    }
}

static void read_plan_item(struct cursor *c, bool titles, struct plan_item *it, bool *oom)
{
    memset(it, 0, sizeof(*it));
    it->tmdb_id = col_int(c, 0);
    col_copy(c, 1, it->imdb_id, sizeof(it->imdb_id));
    if (titles)
        it->title = col_str(c, 2, oom);
    it->release_date = col_i64(c, 3);
    struct rs_i64 t = col_i64(c, 4), o = col_i64(c, 5);
    it->last_tmdb = t.set ? RS_I64(floor_div(t.v, US_PER_S)) : RS_NULL_I64;
    it->last_omdb = o.set ? RS_I64(floor_div(o.v, US_PER_S)) : RS_NULL_I64;
    it->category = (enum refresh_category)col_int(c, 6);
    it->age_days = col_int(c, 7);
    it->frozen = col_int(c, 8) != 0;
    it->needs_tmdb = col_int(c, 9) != 0;
    it->needs_omdb = col_int(c, 10) != 0;
    int64_t over = col_int(c, 13);
    it->overdue_s = over == INT64_MAX ? INT64_MAX : floor_div(over, US_PER_S);
}

/* Grows ITEMS (of *CAP) to hold one more than COUNT: doubling, then shrunk to fit at the end. */
static bool plan_grow(struct plan_item **items, size_t count, size_t *cap)
{
    if (count < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    struct plan_item *p = realloc(*items, ncap * sizeof(*p));
    if (!p)
        return false;
    *items = p;
    *cap = ncap;
    return true;
}

void store_plan_free(struct plan_item *items, size_t n)
{
    for (size_t i = 0; items && i < n; i++)
        free(items[i].title);
    free(items);
}

enum rs_err store_plan(struct store *st, rs_time_t now, size_t limit, bool include_frozen,
                       bool titles, struct plan_item **items, size_t *n, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    /* A movie without an IMDb id has no OMDB check to be overdue: only its TMDB lateness ranks
     * it, or it would jump the queue as "never fetched" on every TMDB refresh. */
    enum rs_err rc =
        stmt(st, S_PLAN,
             "SELECT *, greatest(CASE WHEN needs_tmdb THEN t_over END,"
             " CASE WHEN needs_omdb AND imdb_id IS NOT NULL THEN o_over END) AS overdue"
             " FROM (" PLAN_BASE ") p WHERE (needs_tmdb OR needs_omdb) AND ($14 OR NOT data_frozen)"
             " ORDER BY overdue DESC, tmdb_id LIMIT $15",
             &ps, err);
    if (rc)
        return rc;
    bind_policy(ps, now);
    duckdb_bind_boolean(ps, 14, include_frozen);
    duckdb_bind_int64(ps, 15, limit ? (int64_t)limit : INT64_MAX);
    rc = run(ps, &res, "plan", err);
    if (rc)
        return rc;
    size_t cap = 0, count = 0;
    struct plan_item *out = NULL;
    struct cursor c = {.res = &res};
    bool oom = false;
    while (!oom && next_row(&c)) {
        oom = !plan_grow(&out, count, &cap);
        if (!oom)
            read_plan_item(&c, titles, &out[count++], &oom);
    }
    cursor_done(&c);
    if (oom) {
        store_plan_free(out, count);
        return rs_fail(err, RS_ERR_NOMEM, "plan: out of memory");
    }
    /* The plan lives as long as the refresh: give the doubling's unused tail back. */
    struct plan_item *fit = count ? realloc(out, count * sizeof(*out)) : NULL;
    *items = fit ? fit : out;
    *n = count;
    return RS_OK;
}

/* ---------------------------------------------------------------- usage */

enum rs_err store_usage_add(struct store *st, rs_date_t day, enum rs_api api,
                            const int64_t counts[RS_OUTCOME_COUNT], struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    bool own;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc == RS_OK)
        rc = stmt(st, S_USAGE_ADD,
                  "INSERT INTO api_usage (day, api, outcome, count) VALUES ($1, $2, $3, $4) "
                  "ON CONFLICT (day, api, outcome) DO UPDATE SET "
                  "count = api_usage.count + excluded.count",
                  &ps, err);
    for (int i = 0; rc == RS_OK && i < RS_OUTCOME_COUNT; i++) {
        if (counts[i] == 0)
            continue;
        duckdb_bind_date(ps, 1, (duckdb_date){.days = day});
        duckdb_bind_varchar(ps, 2, rs_api_name(api));
        duckdb_bind_varchar(ps, 3, rs_errname((enum rs_err)i));
        duckdb_bind_int64(ps, 4, counts[i]);
        rc = run(ps, NULL, "usage", err);
    }
    return tx_leave(st, own, rc, err);
}

enum rs_err store_usage_total(struct store *st, rs_date_t day, enum rs_api api, int64_t *total,
                              struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = stmt(st, S_USAGE_TOTAL,
                          "SELECT CAST(coalesce(sum(count), 0) AS BIGINT) FROM api_usage "
                          "WHERE day = $1 AND api = $2",
                          &ps, err);
    if (rc)
        return rc;
    duckdb_bind_date(ps, 1, (duckdb_date){.days = day});
    duckdb_bind_varchar(ps, 2, rs_api_name(api));
    return query_int(ps, total, "usage", err);
}

/* ----------------------------------------------------------------- runs */

enum rs_err store_run_begin(struct store *st, rs_time_t now, const char *options_json,
                            int64_t *run_id, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    int64_t id = 0;
    enum rs_err rc = writable(st, err);
    if (rc)
        return rc;
    rc = stmt(st, S_RUN_BEGIN,
              "INSERT INTO runs (started_at, options) VALUES ($1, CAST($2 AS JSON)) "
              "RETURNING id",
              &ps, err);
    if (rc)
        return rc;
    bind_ts(ps, 1, now);
    bind_str(ps, 2, options_json);
    rc = query_int(ps, &id, "run", err);
    if (rc == RS_OK)
        *run_id = id;
    return rc;
}

enum rs_err store_run_end(struct store *st, int64_t run_id, rs_time_t now, const char *stats_json,
                          int status, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = writable(st, err);
    if (rc)
        return rc;
    rc = stmt(st, S_RUN_END,
              "UPDATE runs SET ended_at = $2, stats = CAST($3 AS JSON), "
              "exit_status = $4 WHERE id = $1",
              &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, run_id);
    bind_ts(ps, 2, now);
    bind_str(ps, 3, stats_json);
    duckdb_bind_int32(ps, 4, status);
    duckdb_result res;
    rc = run(ps, &res, "run", err);
    if (rc)
        return rc;
    idx_t changed = duckdb_rows_changed(&res);
    duckdb_destroy_result(&res);
    if (changed == 0)
        return rs_fail(err, RS_ERR_DB, "database: run: no run with id %lld", (long long)run_id);
    return RS_OK;
}

/* ------------------------------------------------------------ read paths */

void store_movie_release(struct store_movie *m)
{
    if (!m)
        return;
    free(m->imdb_id);
    free(m->title);
    memset(m, 0, sizeof(*m));
}

static bool read_movie(struct cursor *c, struct store_movie *m)
{
    bool oom = false;
    memset(m, 0, sizeof(*m));
    m->movie_id = col_int(c, 0);
    m->tmdb_id = col_int(c, 1);
    m->imdb_id = col_str(c, 2, &oom);
    m->title = col_str(c, 3, &oom);
    m->release_date = col_i64(c, 4);
    m->last_tmdb_update = col_i64(c, 5);
    m->last_omdb_update = col_i64(c, 6);
    m->last_full_refresh = col_i64(c, 7);
    m->data_frozen = col_int(c, 8) != 0;
    m->created_at = col_i64(c, 9);
    m->updated_at = col_i64(c, 10);
    m->omdb_not_found_at = col_i64(c, 11);
    m->tmdb_gone_at = col_i64(c, 12);
    m->stable_cycles = col_int(c, 13);
    m->data_changed_at = col_i64(c, 14);
    struct rs_i64 t = col_i64(c, 15), o = col_i64(c, 16);
    m->has_tmdb_fingerprint = t.set;
    m->tmdb_fingerprint = (uint64_t)t.v;
    m->has_omdb_fingerprint = o.set;
    m->omdb_fingerprint = (uint64_t)o.v;
    if (oom)
        store_movie_release(m);
    return !oom;
}

enum rs_err store_get_movie(struct store *st, int64_t tmdb_id, struct store_movie *out, bool *found,
                            struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = stmt(st, S_GET_MOVIE,
                          "SELECT movie_id, tmdb_id, imdb_id, title, release_date, "
                          "last_tmdb_update, last_omdb_update, last_full_refresh, data_frozen, "
                          "created_at, updated_at, omdb_not_found_at, tmdb_gone_at, "
                          "stable_cycles, data_changed_at, tmdb_fingerprint, omdb_fingerprint "
                          "FROM movies WHERE tmdb_id = $1",
                          &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, tmdb_id);
    rc = run(ps, &res, "movie", err);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    bool has = next_row(&c);
    if (has && !read_movie(&c, out))
        rc = rs_fail(err, RS_ERR_NOMEM, "movie: out of memory");
    cursor_done(&c);
    if (rc == RS_OK)
        *found = has;
    return rc;
}

enum rs_err store_count_movies(struct store *st, int64_t *count, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = stmt(st, S_COUNT_MOVIES, "SELECT count(*) FROM movies", &ps, err);
    return rc ? rc : query_int(ps, count, "count", err);
}

enum rs_err store_max_tmdb_id(struct store *st, int64_t *max, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = stmt(st, S_MAX_TMDB_ID,
                          "SELECT CAST(coalesce(max(tmdb_id), 0) AS BIGINT) FROM movies", &ps, err);
    return rc ? rc : query_int(ps, max, "max", err);
}

/* Binds IDS as a BIGINT[] parameter. */
static bool bind_ids(duckdb_prepared_statement ps, idx_t i, const int64_t *ids, size_t n)
{
    duckdb_logical_type type = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
    duckdb_value *vals = calloc(n ? n : 1, sizeof(*vals));
    bool ok = vals != NULL;
    for (size_t k = 0; ok && k < n; k++)
        ok = (vals[k] = duckdb_create_int64(ids[k])) != NULL;
    duckdb_value list = ok ? duckdb_create_list_value(type, vals, n) : NULL;
    ok = list && duckdb_bind_value(ps, i, list) == DuckDBSuccess;
    for (size_t k = 0; vals && k < n; k++)
        if (vals[k])
            duckdb_destroy_value(&vals[k]);
    if (list)
        duckdb_destroy_value(&list);
    free(vals);
    duckdb_destroy_logical_type(&type);
    return ok;
}

/* Runs SQL once with IDS bound as $1 (unless ALL, where SQL takes no parameter). */
static enum rs_err run_ids(struct store *st, const char *sql, const int64_t *ids, size_t n,
                           bool all, int64_t *value, duckdb_result *res, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = RS_OK;
    if (duckdb_prepare(st->con, sql, &ps) != DuckDBSuccess)
        rc = db_fail(err, "unfreeze", duckdb_prepare_error(ps));
    if (rc == RS_OK && !all && !bind_ids(ps, 1, ids, n))
        rc = rs_fail(err, RS_ERR_NOMEM, "unfreeze: out of memory");
    if (rc == RS_OK)
        rc = value ? query_int(ps, value, "unfreeze", err) : run(ps, res, "unfreeze", err);
    duckdb_destroy_prepare(&ps);
    return rc;
}

enum rs_err store_unfreeze(struct store *st, const int64_t *ids, size_t n, bool all,
                           size_t *changed, struct rs_error *err)
{
    int64_t before = 0;
    bool own;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = run_ids(st,
                 all ? "SELECT count(*) FROM movies WHERE data_frozen"
                     : "SELECT count(*) FROM movies WHERE data_frozen AND "
                       "list_contains($1, CAST(tmdb_id AS BIGINT))",
                 ids, n, all, &before, NULL, err);
    if (rc == RS_OK)
        rc = run_ids(st,
                     all ? "UPDATE movies SET data_frozen = FALSE, stable_cycles = 0 "
                           "WHERE data_frozen"
                         : "UPDATE movies SET data_frozen = FALSE, stable_cycles = 0 "
                           "WHERE list_contains($1, CAST(tmdb_id AS BIGINT))",
                     ids, n, all, NULL, NULL, err);
    rc = tx_leave(st, own, rc, err);
    if (rc == RS_OK && changed)
        *changed = (size_t)before;
    return rc;
}

/* --------------------------------------------------------------- report */

/* Prepares SQL (report queries run once per call, so they are not cached). */
static enum rs_err prepare_once(struct store *st, const char *sql, const char *what,
                                duckdb_prepared_statement *ps, struct rs_error *err)
{
    *ps = NULL;
    if (duckdb_prepare(st->con, sql, ps) == DuckDBSuccess)
        return RS_OK;
    enum rs_err rc = db_fail(err, what, duckdb_prepare_error(*ps));
    duckdb_destroy_prepare(ps);
    return rc;
}

static enum rs_err report_usage(struct store *st, rs_time_t now, struct store_report *rep,
                                struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = prepare_once(
        st,
        "SELECT api, outcome,"
        " CAST(coalesce(sum(count) FILTER (WHERE day = $1), 0) AS BIGINT),"
        " CAST(coalesce(sum(count) FILTER (WHERE day > CAST($1 AS DATE) - 7 AND day <= $1), 0)"
        "  AS BIGINT),"
        " CAST(coalesce(sum(count) FILTER (WHERE day > CAST($1 AS DATE) - 30 AND day <= $1), 0)"
        "  AS BIGINT),"
        " CAST(sum(count) AS BIGINT) FROM api_usage GROUP BY api, outcome",
        "report", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_date(ps, 1, (duckdb_date){.days = rs_time_day(now)});
    rc = run(ps, &res, "report", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    while (next_row(&c)) {
        char api[16], outcome[32];
        col_copy(&c, 0, api, sizeof(api));
        col_copy(&c, 1, outcome, sizeof(outcome));
        int a = strcmp(api, "tmdb") == 0   ? RS_API_TMDB
                : strcmp(api, "omdb") == 0 ? RS_API_OMDB
                                           : -1;
        int o = rs_errcode(outcome);
        if (a < 0 || o < 0 || o >= RS_OUTCOME_COUNT)
            continue; /* written by another build: not ours to count */
        for (int w = 0; w < STORE_WINDOW_COUNT; w++) {
            rep->usage[a][w][o] += col_int(&c, 2 + (idx_t)w);
            rep->usage_total[a][w] += col_int(&c, 2 + (idx_t)w);
        }
        if (o != RS_OK)
            rep->errors[o] += col_int(&c, 5);
    }
    cursor_done(&c);
    return RS_OK;
}

static enum rs_err report_movies(struct store *st, rs_time_t now, struct store_report *rep,
                                 struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc =
        prepare_once(st,
                     "SELECT cat, count(*),"
                     " count(*) FILTER (WHERE NOT data_frozen AND (needs_tmdb OR needs_omdb)),"
                     " count(*) FILTER (WHERE NOT data_frozen AND NOT (needs_tmdb OR needs_omdb)),"
                     " count(*) FILTER (WHERE data_frozen),"
                     " count(*) FILTER (WHERE NOT data_frozen AND needs_tmdb),"
                     " count(*) FILTER (WHERE NOT data_frozen AND needs_omdb),"
                     " count(*) FILTER (WHERE imdb_id IS NULL) FROM (" PLAN_BASE ") p GROUP BY cat",
                     "report", &ps, err);
    if (rc)
        return rc;
    bind_policy(ps, now);
    rc = run(ps, &res, "report", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    while (next_row(&c)) {
        int64_t cat = col_int(&c, 0);
        if (cat < 0 || cat >= REFRESH_CATEGORY_COUNT)
            continue;
        rep->category[cat].total = col_int(&c, 1);
        rep->category[cat].due = col_int(&c, 2);
        rep->category[cat].not_due = col_int(&c, 3);
        rep->category[cat].frozen = col_int(&c, 4);
        rep->due_now[RS_API_TMDB] += col_int(&c, 5);
        rep->due_now[RS_API_OMDB] += col_int(&c, 6);
        rep->missing_imdb += col_int(&c, 7);
    }
    cursor_done(&c);
    return RS_OK;
}

static enum rs_err report_totals(struct store *st, struct store_report *rep, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con,
                     "SELECT (SELECT count(*) FROM movies),"
                     " (SELECT count(*) FROM movies WHERE data_frozen),"
                     " (SELECT count(*) FROM movies WHERE tmdb_gone_at IS NOT NULL),"
                     " (SELECT count(*) FROM tmdb_movies), (SELECT count(*) FROM omdb_movies)",
                     &res) != DuckDBSuccess)
        return result_fail(err, "report", &res);
    struct cursor c = {.res = &res};
    if (next_row(&c)) {
        rep->movies = col_int(&c, 0);
        rep->frozen = col_int(&c, 1);
        rep->gone = col_int(&c, 2);
        rep->tmdb_rows = col_int(&c, 3);
        rep->omdb_rows = col_int(&c, 4);
    }
    cursor_done(&c);
    return RS_OK;
}

/*
 * "Last checked" and "last changed" are kept apart so the report can tell both. Frozen
 * movies are left out of the checks: not asking for them is the point of freezing.
 */
static enum rs_err report_freshness(struct store *st, rs_time_t now, struct store_report *rep,
                                    struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = prepare_once(
        st,
        "SELECT quantile_disc(t, 0.5), max(t), quantile_disc(o, 0.5), max(o),"
        " quantile_disc(c, 0.5) FROM (SELECT CASE WHEN NOT data_frozen THEN"
        "  (CAST($1 AS BIGINT) - epoch_us(last_tmdb_update)) // 86400000000 END AS t,"
        "  CASE WHEN NOT data_frozen THEN (CAST($1 AS BIGINT) -"
        "   epoch_us(greatest(last_omdb_update, omdb_not_found_at))) // 86400000000 END AS o,"
        "  (CAST($1 AS BIGINT) - epoch_us(data_changed_at)) // 86400000000 AS c"
        " FROM movies WHERE tmdb_gone_at IS NULL)",
        "report", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, now * US_PER_S);
    rc = run(ps, &res, "report", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    if (next_row(&c)) {
        rep->checked_days_median[RS_API_TMDB] = col_i64(&c, 0);
        rep->checked_days_max[RS_API_TMDB] = col_i64(&c, 1);
        rep->checked_days_median[RS_API_OMDB] = col_i64(&c, 2);
        rep->checked_days_max[RS_API_OMDB] = col_i64(&c, 3);
        rep->unchanged_days_median = col_i64(&c, 4);
    }
    cursor_done(&c);
    return RS_OK;
}

static enum rs_err report_runs(struct store *st, struct store_report *rep, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con,
                     "SELECT id, started_at, ended_at, exit_status, CAST(options AS VARCHAR),"
                     " CAST(stats AS VARCHAR), TRY_CAST(stats->>'discovered' AS BIGINT),"
                     " TRY_CAST(stats->>'tmdb_updated' AS BIGINT),"
                     " TRY_CAST(stats->>'omdb_updated' AS BIGINT),"
                     " TRY_CAST(stats->>'frozen' AS BIGINT) FROM runs ORDER BY id DESC LIMIT 10",
                     &res) != DuckDBSuccess)
        return result_fail(err, "report", &res);
    bool oom = false;
    struct cursor c = {.res = &res};
    while (rep->n_runs < STORE_REPORT_RUNS && next_row(&c)) {
        struct store_run *r = &rep->runs[rep->n_runs++];
        r->id = col_int(&c, 0);
        r->started_at = col_int(&c, 1);
        r->ended_at = col_i64(&c, 2);
        r->status = col_i64(&c, 3);
        r->options_json = col_str(&c, 4, &oom);
        r->stats_json = col_str(&c, 5, &oom);
        r->discovered = col_i64(&c, 6);
        r->tmdb_updated = col_i64(&c, 7);
        r->omdb_updated = col_i64(&c, 8);
        r->frozen = col_i64(&c, 9);
    }
    cursor_done(&c);
    return oom ? rs_fail(err, RS_ERR_NOMEM, "report: out of memory") : RS_OK;
}

enum rs_err store_report(struct store *st, rs_time_t now, struct store_report *rep,
                         struct rs_error *err)
{
    struct store_report *r = calloc(1, sizeof(*r));
    if (!r)
        return rs_fail(err, RS_ERR_NOMEM, "report: out of memory");
    enum rs_err rc = report_usage(st, now, r, err);
    if (rc == RS_OK)
        rc = report_movies(st, now, r, err);
    if (rc == RS_OK)
        rc = report_totals(st, r, err);
    if (rc == RS_OK)
        rc = report_freshness(st, now, r, err);
    if (rc == RS_OK)
        rc = report_runs(st, r, err);
    if (rc)
        store_report_release(r);
    else
        *rep = *r;
    free(r);
    return rc;
}

void store_report_release(struct store_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->n_runs && i < STORE_REPORT_RUNS; i++) {
        free(rep->runs[i].options_json);
        free(rep->runs[i].stats_json);
    }
    memset(rep, 0, sizeof(*rep));
}

/* --------------------------------------------------------------- export */

#define EXPORT_SELECT                                                                              \
    "SELECT m.movie_id, m.tmdb_id, m.imdb_id, m.title, m.release_date, m.last_tmdb_update,"        \
    " m.last_omdb_update, m.last_full_refresh, m.data_frozen, m.created_at, m.updated_at,"         \
    " m.data_changed_at, m.stable_cycles,"                                                         \
    " t.title AS tmdb_title, t.original_title AS tmdb_original_title,"                             \
    " t.overview AS tmdb_overview, t.tagline AS tmdb_tagline,"                                     \
    " t.release_date AS tmdb_release_date, t.runtime AS tmdb_runtime,"                             \
    " t.budget AS tmdb_budget, t.revenue AS tmdb_revenue, t.genres AS tmdb_genres,"                \
    " t.production_companies AS tmdb_production_companies,"                                        \
    " t.vote_average AS tmdb_vote_average, t.vote_count AS tmdb_vote_count,"                       \
    " t.popularity AS tmdb_popularity, t.status AS tmdb_status,"                                   \
    " t.original_language AS tmdb_original_language, t.adult AS tmdb_adult,"                       \
    " t.fetched_at AS tmdb_fetched_at,"                                                            \
    " o.title AS omdb_title, o.year AS omdb_year, o.rated AS omdb_rated,"                          \
    " o.released AS omdb_released, o.runtime_minutes AS omdb_runtime_minutes,"                     \
    " o.genre AS omdb_genre, o.director AS omdb_director, o.writer AS omdb_writer,"                \
    " o.actors AS omdb_actors, o.language AS omdb_language, o.country AS omdb_country,"            \
    " o.awards AS omdb_awards, o.imdb_rating AS omdb_imdb_rating,"                                 \
    " o.imdb_votes AS omdb_imdb_votes, o.rotten_tomatoes AS omdb_rotten_tomatoes,"                 \
    " o.metacritic AS omdb_metacritic, o.box_office AS omdb_box_office,"                           \
    " o.fetched_at AS omdb_fetched_at"                                                             \
    " FROM movies m LEFT JOIN tmdb_movies t ON t.tmdb_id = m.tmdb_id"                              \
    " LEFT JOIN omdb_movies o ON o.imdb_id = m.imdb_id ORDER BY m.tmdb_id"

enum rs_err store_export(struct store *st, const char *format, const char *path,
                         struct rs_error *err)
{
    static const char *const formats[][2] = {
        {"csv", "(FORMAT csv, HEADER true)"},
        {"parquet", "(FORMAT parquet)"},
        {"json", "(FORMAT json)"},
    };
    const char *opts = NULL;
    for (size_t i = 0; i < RS_ARRAY_LEN(formats); i++)
        if (format && strcmp(format, formats[i][0]) == 0)
            opts = formats[i][1];
    if (!opts)
        return rs_fail(err, RS_ERR_USAGE, "export: unknown format '%s' (csv, parquet or json)",
                       format ? format : "");
    size_t len = sizeof(EXPORT_SELECT) + 2 * strlen(path) + 64, pos;
    char *sql = malloc(len);
    if (!sql)
        return rs_fail(err, RS_ERR_NOMEM, "export: out of memory");
    pos = (size_t)snprintf(sql, len, "COPY (" EXPORT_SELECT ") TO ");
    enum rs_err rc = RS_OK;
    if (!quote_literal(sql, len, &pos, path))
        rc = rs_fail(err, RS_ERR_USAGE, "export: path too long");
    else
        snprintf(sql + pos, len - pos, " %s", opts);
    if (rc == RS_OK)
        rc = exec(st, sql, "export", err);
    free(sql);
    if (rc == RS_ERR_DB || rc == RS_ERR_IO) {
        char why[sizeof(err->msg)] = "";
        if (err)
            memcpy(why, err->msg, sizeof(why));
        rc = rs_fail(err, RS_ERR_IO, "cannot export to '%s': %s", path, why);
    }
    return rc;
}

/* ----------------------------------------------------------- compaction */

/*
 * DuckDB never reclaims the space of deleted rows in a table that has an index (every table
 * here has a primary key), and each checkpoint writes a table's new rows into a row group and
 * blocks of their own. A refresh rewrites detail rows and every run appends a run record
 * and usage rows, so without compaction the file grows by about a megabyte a run whatever
 * the data. Rebuilding a table (rename, recreate from its own CREATE statement, copy the
 * rows, drop the old one) writes the live rows afresh and frees every block of the old one.
 */
static const char *const COMPACT_TABLES[] = {"movies", "tmdb_movies", "omdb_movies", "api_usage",
                                             "runs"};

/* Bytes in blocks in use, from DuckDB's own accounting of this file. */
static enum rs_err used_bytes(struct store *st, int64_t *used, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con,
                     "SELECT used_blocks * block_size FROM pragma_database_size() "
                     "WHERE database_name = current_database()",
                     &res) != DuckDBSuccess)
        return result_fail(err, "compact", &res);
    struct cursor c = {.res = &res};
    bool found = next_row(&c);
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
        prepare_once(st, "SELECT coalesce((SELECT value FROM store_state WHERE name = $1), -1)",
                     "compact", &ps, err);
    if (rc == RS_OK && duckdb_bind_varchar(ps, 1, name) != DuckDBSuccess)
        rc = rs_fail(err, RS_ERR_DB, "compact: cannot bind '%s'", name);
    if (rc == RS_OK)
        rc = query_int(ps, value, "compact", err);
    duckdb_destroy_prepare(&ps);
    return rc;
}

/* Sets the store_state value NAME. */
static enum rs_err set_state(struct store *st, const char *name, int64_t value,
                             struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc =
        prepare_once(st, "INSERT OR REPLACE INTO store_state VALUES ($1, $2)", "compact", &ps, err);
    if (rc == RS_OK && (duckdb_bind_varchar(ps, 1, name) != DuckDBSuccess ||
                        duckdb_bind_int64(ps, 2, value) != DuckDBSuccess))
        rc = rs_fail(err, RS_ERR_DB, "compact: cannot bind '%s'", name);
    if (rc == RS_OK)
        rc = run(ps, NULL, "compact", err);
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
    enum rs_err rc = prepare_once(st, query, "compact", &ps, err);
    if (rc == RS_OK && duckdb_bind_varchar(ps, 1, table) != DuckDBSuccess)
        rc = rs_fail(err, RS_ERR_DB, "compact: cannot bind '%s'", table);
    if (rc == RS_OK)
        rc = run(ps, &res, "compact", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    while (!oom && next_row(&c)) {
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
        rc = exec(st, sql, "compact", err);
    }
    return rc;
}

/* Moves TABLE's rows into a fresh copy made from CREATE, inside the open transaction. */
static enum rs_err copy_table(struct store *st, const char *table, const char *create,
                              struct rs_error *err)
{
    /* The names are this file's constants, and CREATE is the database's own text. */
    char sql[256];
    snprintf(sql, sizeof(sql), "ALTER TABLE %s RENAME TO %s__compact", table, table);
    enum rs_err rc = exec(st, sql, "compact", err);
    if (rc == RS_OK)
        rc = exec(st, create, "compact", err);
    snprintf(sql, sizeof(sql), "INSERT INTO %s SELECT * FROM %s__compact", table, table);
    if (rc == RS_OK)
        rc = exec(st, sql, "compact", err);
    snprintf(sql, sizeof(sql), "DROP TABLE %s__compact", table);
    if (rc == RS_OK)
        rc = exec(st, sql, "compact", err);
    return rc;
}

/*
 * Rebuilds TABLE inside the open transaction from its own CREATE statement; indexes a user
 * added to it are dropped first and created again on the new table.
 */
static enum rs_err rebuild_table(struct store *st, const char *table, struct rs_error *err)
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
    if (rc == RS_OK)
        rc = drop_indexes(st, idx, n_idx, err);
    if (rc == RS_OK)
        rc = copy_table(st, table, tab[1], err);
    for (size_t i = 0; rc == RS_OK && i < n_idx; i++)
        rc = exec(st, idx[2 * i + 1], "compact", err);
    free_sql(tab, n_tab);
    free_sql(idx, n_idx);
    return rc;
}

/* Rebuilds every table in one transaction, then checkpoints to free the old blocks. */
static enum rs_err rebuild_all(struct store *st, struct rs_error *err)
{
    enum rs_err rc = store_begin(st, err);
    for (size_t i = 0; rc == RS_OK && i < RS_ARRAY_LEN(COMPACT_TABLES); i++)
        rc = rebuild_table(st, COMPACT_TABLES[i], err);
    if (rc) {
        store_rollback(st);
        return rc;
    }
    rc = store_commit(st, err);
    return rc ? rc : exec(st, "CHECKPOINT", "compact", err);
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
    forget_statements(st); /* they name the tables about to be replaced */
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
    enum rs_err rc = writable(st, err);
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
