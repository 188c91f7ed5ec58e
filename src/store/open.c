/*
 * Opening and closing the store: an in-memory DuckDB instance with the settings of a
 * read-write or read-only open, the file ATTACHed to it as the default database, DuckDB's
 * open errors turned into the README's messages and exit statuses, then the schema
 * (migrate.c) and, for writers, the stage tables (write.c, batch.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

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
    if (sql_disk_full(why))
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
        rc = migrate_schema(st, path, err);
    if (rc == RS_OK && !st->read_only)
        rc = write_create_stages(st, err);
    if (rc == RS_OK && !st->read_only)
        rc = batch_create_stages(st, err);
    if (rc) {
        store_close(st);
        return rc;
    }
    *out = st;
    return RS_OK;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    store_rollback(st);
    sql_forget(st);
    if (st->con)
        duckdb_disconnect(&st->con);
    if (st->db)
        duckdb_close(&st->db);
    free(st->path);
    free(st);
}
