/*
 * Opening and closing the store: an in-memory DuckDB instance with the settings of a
 * read-write or read-only open, the file ATTACHed to it as the default database, DuckDB's
 * open errors turned into the README's messages and exit statuses, then the schema
 * (migrate.c) and, for writers, the stage tables (write.c, batch.c). A file another process
 * holds is waited for (store_open_ext), and a writer may let its file go between commits and
 * take it again (store_let_go, store_take; docs/internals/store.md, "Locking").
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

static bool is_lock_error(const char *why)
{
    return strstr(why, "Could not set lock") || strstr(why, "Conflicting lock");
}

/*
 * The holder in DuckDB's lock error: "... Conflicting lock is held in /usr/bin/prog (PID
 * 14567) ..." (some builds add " by user U" after the PID).
 */
static void parse_holder(const char *why, struct store_holder *h)
{
    *h = (struct store_holder){0};
    const char *in = why ? strstr(why, "is held in ") : NULL;
    const char *pid = in ? strstr(in, " (PID ") : NULL;
    if (!pid)
        return;
    in += strlen("is held in ");
    snprintf(h->program, sizeof(h->program), "%.*s", (int)(pid - in), in);
    long v = 0;
    for (const char *p = pid + strlen(" (PID "); *p >= '0' && *p <= '9' && v < 100000000; p++)
        v = v * 10 + (*p - '0');
    h->pid = v;
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
    if (is_lock_error(why))
        return rs_fail(err, RS_ERR_DB_LOCKED, "cannot open '%s': held by another process", path);
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
 * Rows per row group of the file's tables. DuckDB's default (122,880) put a whole
 * 100,000-movie collection in one row group, and a checkpoint rewrites each row group that
 * was appended to or updated, so every automatic checkpoint of a collect rewrote the whole
 * details tables (raw JSON included): ~100 MB at 100,000 movies. Smaller groups bound that
 * rewrite, but an instance keeps the metadata of every row group a checkpoint went through
 * on glibc's heap until it closes (about 45 MB at a million movies in groups of 8,192, the
 * size before). With 32,768 rows a whole 1,000,000-movie collect peaked at 210 MB instead
 * of 242 and its 300,000-movie catch-up at 216 instead of 249, as fast; a 100,000-movie
 * bench_collect at 180 and 194 MB instead of 182 and 200 (docs/benchmarks.md).
 * ROW_GROUP_SIZE is an ATTACH option only (no config setting, and not stored in the file),
 * hence attach_file: a file written with another size keeps its row groups, and its new
 * rows go in groups of this one.
 */
#define ROW_GROUP_ROWS "32768"

/* The alias the file is attached under; every statement names its tables unqualified. */
#define DB_ALIAS "reelsync"

/*
 * Attaches the file at PATH to the in-memory database the store opened, with this store's
 * row group size (or read-only), and makes it the default for unqualified names.
 */
static enum rs_err attach_file(struct store *st, const char *path, struct store_holder *holder,
                               struct rs_error *err)
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
    if (duckdb_query(st->con, sql, &res) != DuckDBSuccess) {
        rc = open_fail(err, path, st->read_only, duckdb_result_error(&res));
        if (rc == RS_ERR_DB_LOCKED)
            parse_holder(duckdb_result_error(&res), holder);
    }
    duckdb_destroy_result(&res);
    free(sql);
    return rc;
}

/*
 * DuckDB's memory limit for a store opened read-write (the collect run), at least. By
 * default DuckDB may use 80 % of the RAM, so its buffer pool kept every block of the file it
 * had read or written (~80 MB of cached blocks at 100,000 movies) plus the uncheckpointed
 * rows. The limit trades speed for memory: a 100,000-movie collect (commits of 1,000
 * movies) peaked at 166, 181, 201 and 218 MB RSS with 64, 80, 96 and 128 MB, at 2,300,
 * 2,600, 2,800 and 3,750 movies/s (evicted blocks are read again). 80 MB kept the run
 * under 200 MB with room to spare. At a million movies the key indexes DuckDB keeps whole
 * filled most of it until schema 8 dropped two of them (migrate.c); since, a whole
 * 1,000,000-movie collect peaked at 228.6 MB with 80 MB and 217.4 MB with 64 MB at the same
 * rate (docs/benchmarks.md). A transaction that needs more (an UPDATE of movies scattered
 * over a big table keeps undo data for every vector it touches) fails with RS_ERR_NOMEM, and
 * the writer raises the limit (store_grow_memory) and tries it again.
 */
#define WRITER_MEMORY_MB 64

/*
 * DuckDB's blocks come from its own jemalloc, which keeps the pages of freed blocks until it
 * purges them on its next allocations; with its background thread it purges them as they
 * age. One CHECKPOINT after a one-row insert into the 955,639-movie file left the process
 * at 169 MB RSS without the thread and 102 MB with it (glibc's heap the same 49 MB); a
 * 100,000-movie collect peaked 8 MB lower.
 */
#define ALLOCATOR_BACKGROUND_THREADS "true"

/*
 * DuckDB's vacuum merges neighbouring row groups of a table without an index, at a
 * checkpoint, when their live rows fit in fewer groups. Such a table (tmdb_movies,
 * omdb_movies, the parts, the history) starts a new row group at its first append after each
 * checkpoint, and a collect at the APIs' rates lets the file go (DETACH: a checkpoint) at
 * nearly every commit, so without merging each second's movies had groups and blocks of their
 * own: 100 movies in 18-31 groups per table and 41.7 MB, against one group and 8.7 MB. Every
 * checkpoint loads the metadata of every row group and the instance keeps it (a 100,000-movie
 * catch-up of the 955,639-movie file: 197 MB with 251 groups per table, 180 MB compacted to
 * 30). But a merge reads and rewrites whole groups, and at every automatic checkpoint of a
 * refresh that replaces rows all over a big table (groups a quarter empty are worth merging)
 * it made a 300,000-movie catch-up of that file 29 % slower and peak at 210 MB instead of
 * 195. So the automatic checkpoints (every 16 MB of WAL) do not merge, and the checkpoints
 * the writer asks for, when it lets the file go, renews its instance or closes, merge one run
 * of groups per table (at most three groups' worth; made even with the WAL empty:
 * writer_ready): the catch-up peaked at 199 MB and ran as fast as without merging
 * (docs/internals/store.md).
 */
#define WRITER_MAX_VACUUM_TASKS "0"
#define DETACH_VACUUM_TASKS "1"

/* The most a store's limit grows to (store_grow_memory): this share of the RAM. */
#define MEMORY_MAX_SHARE 0.5

/*
 * DuckDB's memory limit and worker threads for a read-only open (plan, stats, report,
 * forecast, query, export). DuckDB's defaults (80 % of the RAM, one thread per core) let an
 * export of a 1,000,000-movie file peak at 1.66-1.88 GB and stats at 470 MB. With 128 MB
 * and two threads stats and report of a 973,258-movie file peaked at 214-233 MB; with one
 * thread, 214 MB at the same speed; with one thread and 96 MB, 182-186 MB, plan of 973,258
 * due movies 150 MB (docs/benchmarks.md, "Readers"). The buffer pool fills up to the limit
 * with cached blocks of the file, so the limit is most of a reader's memory. An export
 * joins in pieces that fit (export.c); a COPY that runs out raises the limit
 * (store_grow_memory). Figures in docs/internals/store.md.
 */
#define READER_MEMORY_MB 96
#define READER_THREADS "1"

/*
 * DuckDB's worker threads for a read-write open. A collect's statements are small batch
 * writes that gain nothing from parallelism, while each worker brings allocator caches of
 * its own: one thread cut the peak RSS of a 100,000-movie collect by ~20 MB at the same
 * speed.
 */
#define WRITER_THREADS "1"

/* The ceiling of a store's memory limit: MEMORY_MAX_SHARE of the RAM. */
static int64_t memory_max_mb(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    int64_t ram_mb = pages > 0 && page > 0 ? (int64_t)pages * page / (1024 * 1024) : 0;
    int64_t max = (int64_t)(ram_mb * MEMORY_MAX_SHARE);
    return max > WRITER_MEMORY_MB ? max : WRITER_MEMORY_MB;
}

/*
 * Where DuckDB spills what does not fit under its memory limit: a writer beside the file, as
 * for a file opened directly (its directory is writable: check_dir_writable); a reader in
 * $TMPDIR (else /tmp), since it may read a file in a directory it cannot write. Into OUT.
 */
static void temp_dir(const struct store *st, char *out, size_t len)
{
    if (!st->read_only)
        snprintf(out, len, "%s.tmp", st->path);
    else
        snprintf(out, len, "%s/reelsync-%ld.tmp", rs_tmpdir(), (long)getpid());
}

/* An in-memory database with the settings of ST's mode and a memory limit of MEMORY_MB. */
static enum rs_err open_instance(struct store *st, const char *path, int64_t memory_mb,
                                 struct rs_error *err)
{
    duckdb_config cfg = NULL;
    char *why = NULL, tmp[4200], mb[32];
    enum rs_err rc = RS_OK;
    if (duckdb_create_config(&cfg) != DuckDBSuccess)
        return rs_fail(err, RS_ERR_NOMEM, "cannot open '%s': out of memory", path);
    temp_dir(st, tmp, sizeof(tmp));
    snprintf(mb, sizeof(mb), "%lldMB", (long long)memory_mb);
    duckdb_set_config(cfg, "autoinstall_known_extensions", "false");
    duckdb_set_config(cfg, "temp_directory", tmp);
    duckdb_set_config(cfg, "memory_limit", mb);
    duckdb_set_config(cfg, "threads", st->read_only ? READER_THREADS : WRITER_THREADS);
    duckdb_set_config(cfg, "allocator_background_threads", ALLOCATOR_BACKGROUND_THREADS);
    if (!st->read_only)
        duckdb_set_config(cfg, "max_vacuum_tasks", WRITER_MAX_VACUUM_TASKS);
    /* every read that needs an order says it (ORDER BY); COPY streams without keeping one */
    if (st->read_only)
        duckdb_set_config(cfg, "preserve_insertion_order", "false");
    st->memory_mb = memory_mb;
    if (duckdb_open_ext(NULL, &st->db, cfg, &why) != DuckDBSuccess)
        rc = rs_fail(err, RS_ERR_DB, "cannot open '%s': %s", path, why ? why : "no database");
    else if (duckdb_connect(st->db, &st->con) != DuckDBSuccess)
        rc = rs_fail(err, RS_ERR_DB, "cannot open '%s': no connection", path);
    else
        store_allocator_decay(STORE_ALLOCATOR_DECAY_MS);
    if (why)
        duckdb_free(why);
    duckdb_destroy_config(&cfg);
    return rc;
}

/* "held by PROGRAM (PID N)", or "held by another process" when DuckDB did not say. */
static void holder_text(const struct store_holder *h, char *buf, size_t len)
{
    if (h->pid > 0)
        snprintf(buf, len, "held by %s (PID %ld)", h->program[0] ? h->program : "a program",
                 h->pid);
    else
        snprintf(buf, len, "held by another process");
}

/* Sleeps MS milliseconds in short steps; false as soon as *CANCEL is set. */
static bool pause_ms(const volatile sig_atomic_t *cancel, int64_t ms)
{
    for (int64_t slept = 0; slept < ms; slept += 20) {
        if (cancel && *cancel)
            return false;
        usleep(20 * 1000);
    }
    return !(cancel && *cancel);
}

/*
 * ATTACHes the file, trying again every STORE_LOCK_RETRY_MS while another process holds it,
 * for up to WAIT_S seconds (the program hears of the wait once, through the callback).
 */
static enum rs_err attach_waiting(struct store *st, double wait_s, struct store_holder *holder,
                                  struct rs_error *err)
{
    struct store_holder h = {0};
    int64_t start = rs_monotonic_ms(), limit = (int64_t)(wait_s * 1000.0);
    bool told = false;
    for (;;) {
        enum rs_err rc = attach_file(st, st->path, &h, err);
        if (rc != RS_ERR_DB_LOCKED)
            return rc;
        int64_t waited = rs_monotonic_ms() - start;
        if (waited >= limit) {
            char who[600];
            holder_text(&h, who, sizeof(who));
            if (holder)
                *holder = h;
            return rs_fail(err, RS_ERR_DB_LOCKED,
                           limit > 0 ? "cannot open '%s': %s for %.0f s (wait longer with "
                                       "--lock-timeout, or close that program)"
                                     : "cannot open '%s': %s (wait for it with --lock-timeout, "
                                       "or close that program)",
                           st->path, who, (double)waited / 1000.0);
        }
        if (!told && st->lock.waiting)
            st->lock.waiting(st->lock.ctx, st->path, &h, wait_s);
        told = true;
        int64_t step = limit - waited < STORE_LOCK_RETRY_MS ? limit - waited : STORE_LOCK_RETRY_MS;
        if (!pause_ms(st->lock.cancel, step))
            return rs_fail(err, RS_ERR_CANCELLED,
                           "cannot open '%s': interrupted while waiting for it", st->path);
    }
}

/*
 * What a writer needs once it holds a file of our schema: each checkpoint it asks for is made
 * (merge_checkpoint), and the per-connection temp tables (write.c, batch.c, parts.c). A
 * file it refused (a newer schema, not ours) is closed without a checkpoint, untouched.
 */
static enum rs_err writer_ready(struct store *st, struct rs_error *err)
{
    enum rs_err rc = sql_exec(st, "PRAGMA force_checkpoint", "open", err);
    if (rc == RS_OK)
        rc = write_create_stages(st, err);
    if (rc == RS_OK)
        rc = batch_create_stages(st, err);
    if (rc == RS_OK)
        rc = parts_create_stages(st, err);
    if (rc == RS_OK)
        rc = keys_create_stages(st, err);
    return rc;
}

static enum rs_err open_once(const char *path, const struct store_open_options *opts,
                             struct store **out, struct store_holder *holder, bool *behind,
                             struct rs_error *err)
{
    struct store *st = calloc(1, sizeof(*st));
    if (!st)
        return rs_fail(err, RS_ERR_NOMEM, "cannot open '%s': out of memory", path);
    st->lock = *opts;
    st->read_only = opts->mode == STORE_READ_ONLY;
    st->export_piece = opts->export_piece;
    refresh_schedule_make(REFRESH_POLICY_SEED, NULL, &st->schedule);
    enum rs_err rc = RS_OK;
    st->path = rs_strndup(path, strlen(path));
    if (!st->path)
        rc = rs_fail(err, RS_ERR_NOMEM, "cannot open '%s': out of memory", path);
    if (rc == RS_OK && !st->read_only)
        rc = check_dir_writable(path, err);
    int64_t mb = opts->memory_limit_mb > 0 ? opts->memory_limit_mb
                 : st->read_only           ? READER_MEMORY_MB
                                           : WRITER_MEMORY_MB;
    if (rc == RS_OK)
        rc = open_instance(st, path, mb, err);
    if (rc == RS_OK)
        rc = attach_waiting(st, opts->lock_timeout_s, holder, err);
    if (rc == RS_OK)
        rc = migrate_schema(st, path, err);
    if (rc == RS_OK && !st->read_only)
        rc = writer_ready(st, err);
    if (rc) {
        *behind = st->schema_behind;
        store_close(st);
        return rc;
    }
    *out = st;
    return RS_OK;
}

/*
 * A reader that finds the file's schema older than this build's brings it forward first:
 * the file is opened read-write for the migrations (with the same wait), closed, and opened
 * read-only again, so every command works on a file an older reelsync wrote.
 */
enum rs_err store_open_ext(const char *path, const struct store_open_options *opts,
                           struct store **out, struct store_holder *holder, struct rs_error *err)
{
    bool behind = false;
    enum rs_err rc = open_once(path, opts, out, holder, &behind, err);
    if (rc == RS_OK || !behind)
        return rc;
    struct store_open_options rw = *opts;
    struct store *up = NULL;
    struct rs_error up_err = {0};
    rw.mode = STORE_READ_WRITE;
    if (open_once(path, &rw, &up, holder, &behind, &up_err) != RS_OK)
        return rc; /* say what the reader found: the upgrade's own failure is secondary */
    store_close(up);
    return open_once(path, opts, out, holder, &behind, err);
}

enum rs_err store_open(const char *path, enum store_mode mode, struct store **out,
                       struct rs_error *err)
{
    const struct store_open_options opts = {.mode = mode};
    return store_open_ext(path, &opts, out, NULL, err);
}

/* How long taking the file again waits: --lock-timeout, at least STORE_RETAKE_MIN_S. */
static double retake_wait(const struct store *st)
{
    return st->lock.lock_timeout_s > STORE_RETAKE_MIN_S ? st->lock.lock_timeout_s
                                                        : STORE_RETAKE_MIN_S;
}

/* A writer's new instance with MEMORY_MB, the file attached again (waiting for it as
 * store_take does) and the stage tables made; ST is let go if the file could not be taken. */
static enum rs_err writer_instance(struct store *st, int64_t memory_mb, struct rs_error *err)
{
    enum rs_err rc = open_instance(st, st->path, memory_mb, err);
    if (rc == RS_OK)
        rc = attach_waiting(st, retake_wait(st), NULL, err);
    st->let_go = rc != RS_OK;
    return rc == RS_OK ? writer_ready(st, err) : rc;
}

/* Closes ST's instance without the checkpoint it would make: store_grow_memory, store_renew. */
static void drop_instance(struct store *st)
{
    store_rollback(st);
    sql_exec(st, "PRAGMA disable_checkpoint_on_shutdown", "close", NULL);
    sql_forget(st);
    duckdb_disconnect(&st->con);
    duckdb_close(&st->db);
}

/*
 * A transaction that ran out of DuckDB's memory can leave the instance's in-memory indexes
 * damaged even though it rolled back (DuckDB 1.4: the next write failed with "INTERNAL
 * Error: empty child ... in BaseNode::GetChild" and invalidated the database). So the
 * instance is thrown away without a checkpoint (what was committed is in the file and its
 * WAL) and a new one, with a quarter more (a reader's limit doubles), attaches the file
 * again (waiting for it as store_take does) with the stage tables of a writer. What a
 * writer ran out for was mostly the tables' ART indexes, which DuckDB keeps whole in memory
 * once used and cannot evict, and which grow with the file (the three a collect used: 57 MB
 * at 955,639 movies of which 500,000 with details, 76 MB with every movie's; two of them are
 * gone since schema 8): doubling 80 MB left a 160 MB buffer pool, filled with cached blocks,
 * to a run that needed about 100.
 */
enum rs_err store_grow_memory(struct store *st, int64_t *mb, struct rs_error *err)
{
    int64_t max = memory_max_mb();
    if (st->memory_mb >= max)
        return rs_fail(err, RS_ERR_NOMEM,
                       "database: DuckDB needs more than its memory limit of %lld MB for this "
                       "(free some memory, or run on a machine with more)",
                       (long long)st->memory_mb);
    int64_t next = st->read_only ? st->memory_mb * 2 : st->memory_mb + (st->memory_mb + 3) / 4;
    next = next < max ? next : max;
    if (st->read_only) { /* nothing was written: the same instance reads on */
        char sql[64];
        snprintf(sql, sizeof(sql), "SET memory_limit = '%lldMB'", (long long)next);
        enum rs_err rc = sql_exec(st, sql, "memory limit", err);
        if (rc == RS_OK)
            st->memory_mb = next;
        if (rc == RS_OK && mb)
            *mb = next;
        return rc;
    }
    drop_instance(st);
    enum rs_err rc = writer_instance(st, next, err);
    if (rc == RS_OK && mb)
        *mb = next;
    return rc;
}

/* Detaches the file from ST's instance: the SQL of a let-go and a close (merge_checkpoint). */
#define DETACH_SQL "USE memory; DETACH " DB_ALIAS

/*
 * Runs SQL, a DETACH (a let-go, a close) or a writer's CHECKPOINT (a renewal); a writer's
 * checkpoint this makes merges row groups (DETACH_VACUUM_TASKS), which its automatic ones do
 * not, and is made even when an automatic one has just emptied the WAL (writer_ready). It
 * gives freed pages back at once (store_allocator_decay).
 */
static enum rs_err merge_checkpoint(struct store *st, const char *what, const char *sql,
                                    struct rs_error *err)
{
    if (st->read_only)
        return sql_exec(st, sql, what, err);
    enum rs_err rc = sql_exec(st, "SET max_vacuum_tasks = " DETACH_VACUUM_TASKS, what, err);
    store_allocator_decay(0);
    if (rc == RS_OK)
        rc = sql_exec(st, sql, what, err);
    store_allocator_decay(STORE_ALLOCATOR_DECAY_MS);
    sql_exec(st, "SET max_vacuum_tasks = " WRITER_MAX_VACUUM_TASKS, what, NULL);
    return rc;
}

/*
 * DuckDB keeps state for the life of an instance, outside its memory limit, that a long
 * collect only adds to: on glibc's heap the metadata of the row groups and blocks it has
 * touched, the buffer pool's handles and its eviction queue (26 -> 111 MB in use over the
 * details of a 955,639-movie catalogue; docs/benchmarks.md, issue 18). So the collect makes
 * a new instance now and then, with the same limit and the stage tables of a writer. The old
 * one is closed without a checkpoint (what it committed is in the file and its WAL) and the
 * new one, having attached the file (DuckDB reads the WAL back), makes it: a checkpoint that
 * merges costs DuckDB some 40 MB beside its memory limit, which the old instance's heap
 * topped off (a 300,000-movie catch-up of a 1,000,000-movie file peaked at 208 MB in its
 * renewals' DETACH, and at 189 MB so, in 346 s instead of 386).
 */
enum rs_err store_renew(struct store *st, struct rs_error *err)
{
    if (st->in_tx)
        return rs_fail(err, RS_ERR_DB, "database: cannot renew inside a transaction");
    if (st->read_only || st->let_go)
        return RS_OK;
    drop_instance(st);
    enum rs_err rc = writer_instance(st, st->memory_mb, err);
    return rc == RS_OK ? merge_checkpoint(st, "renew", "CHECKPOINT", err) : rc;
}

bool store_grew_for(struct store *st, enum rs_err rc, struct rs_error *err)
{
    return rc == RS_ERR_NOMEM && !st->in_tx && store_grow_memory(st, NULL, err) == RS_OK;
}

int64_t store_memory_limit_mb(const struct store *st)
{
    return st->memory_mb;
}

/*
 * The temp stage tables live in the in-memory database and survive the DETACH; the cached
 * statements name the attached catalog, so they go and are prepared again on next use.
 */
enum rs_err store_let_go(struct store *st, struct rs_error *err)
{
    if (st->let_go)
        return RS_OK;
    if (st->in_tx)
        return rs_fail(err, RS_ERR_DB, "database: cannot let the file go inside a transaction");
    sql_forget(st);
    enum rs_err rc = merge_checkpoint(st, "let go", DETACH_SQL, err);
    if (rc == RS_OK)
        st->let_go = true;
    return rc;
}

enum rs_err store_take(struct store *st, double wait_s, struct store_holder *holder,
                       struct rs_error *err)
{
    if (!st->let_go)
        return RS_OK;
    enum rs_err rc = attach_waiting(st, wait_s >= 0 ? wait_s : retake_wait(st), holder, err);
    if (rc == RS_OK)
        st->let_go = false;
    return rc;
}

bool store_holds(const struct store *st)
{
    return st && !st->let_go;
}

const char *store_path(const struct store *st)
{
    return st->path;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    store_rollback(st);
    sql_forget(st);
    if (st->con && !st->read_only && !st->let_go) /* its checkpoint merges as a let-go's */
        merge_checkpoint(st, "close", DETACH_SQL, NULL);
    if (st->con)
        duckdb_disconnect(&st->con);
    if (st->db)
        duckdb_close(&st->db);
    free(st->path);
    free(st);
}
