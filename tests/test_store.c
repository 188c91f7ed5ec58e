/*
 * The store (src/store.c) on real DuckDB files in temporary directories: schema and
 * migrations, write paths, NULL handling, batches, the planner query at every policy
 * boundary, freezing, reports, export, and the open errors (locked, corrupt, unwritable).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <duckdb.h>

#include "test.h"

#include "reelsync/refresh.h"
#include "reelsync/store.h"

#define DAY RS_DAY_SECONDS
static const rs_date_t TODAY = 20000;               /* 2024-10-04 */
static const rs_time_t NOW = 20000LL * DAY + 43200; /* 2024-10-04T12:00:00Z */

struct fx {
    char *dir;
    char *path;
    struct store *st;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = tmpdir_create();
    f->path = path_join(f->dir, "t.duckdb");
    struct rs_error err = {0};
    if (store_open(f->path, STORE_READ_WRITE, &f->st, &err) != RS_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    free(f->path);
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        struct rs_error e_ = {0};                                                                  \
        enum rs_err rc_ = (call);                                                                  \
        if (rc_ != RS_OK)                                                                          \
            fail_msg("%s: %s (%s)", #call, rs_errname(rc_), e_.msg);                               \
    } while (0)
#define E (&e_)

/* Runs SQL on the closed store's file with DuckDB directly; returns the first value as text. */
static char *peek(const char *path, const char *sql)
{
    duckdb_database db;
    duckdb_connection con;
    duckdb_result res;
    assert_int_equal(duckdb_open(path, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    if (duckdb_query(con, sql, &res) != DuckDBSuccess)
        fail_msg("%s: %s", sql, duckdb_result_error(&res));
    char *out = NULL;
    if (duckdb_row_count(&res) > 0) {
        char *v = duckdb_value_varchar(&res, 0, 0);
        out = strdup(v ? v : "NULL");
        duckdb_free(v);
    } else {
        out = strdup("<none>");
    }
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    return out;
}

static void assert_peek(const char *path, const char *sql, const char *want)
{
    char *got = peek(path, sql);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', want '%s'", sql, got, want);
    free(got);
}

/* ------------------------------------------------------------ schema */

static void create_and_reopen(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path,
                "SELECT string_agg(version::VARCHAR, ',' ORDER BY version) FROM schema_version",
                "1,2");
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    store_close(f->st);
    f->st = NULL;
    /* reopening applies nothing twice */
    assert_peek(f->path, "SELECT count(*) FROM schema_version", "2");
    OK(store_open(f->path, STORE_READ_ONLY, &f->st, E));
    int64_t n = -1;
    OK(store_count_movies(f->st, &n, E));
    assert_int_equal(n, 0);
    assert_int_equal(store_schema_version(), 2);
    /* read-only: reads work, writes are refused with a clear error */
    struct plan_item *items = NULL;
    size_t np = 9;
    OK(store_plan(f->st, NOW, 10, false, false, &items, &np, E));
    assert_int_equal(np, 0);
    store_plan_free(items, np);
    struct discover_row d = {.tmdb_id = 1, .title = "x", .release_date = RS_NULL_I64};
    struct rs_error err = {0};
    assert_int_equal(store_upsert_discovered(f->st, &d, 1, NOW, NULL, &err), RS_ERR_DB);
    assert_string_equal(err.msg, "database: opened read-only, cannot write");
    assert_int_equal(store_mark_gone(f->st, 1, NOW, &err), RS_ERR_DB);
    int64_t run = 0;
    assert_int_equal(store_run_begin(f->st, NOW, NULL, &run, &err), RS_ERR_DB);
    /* a read-only open of a missing file creates nothing */
    char *missing = path_join(f->dir, "missing.duckdb");
    struct store *ro = NULL;
    assert_int_not_equal(store_open(missing, STORE_READ_ONLY, &ro, &err), RS_OK);
    assert_null(ro);
    assert_int_equal(access(missing, F_OK), -1);
    free(missing);
}

static void schema_matches_spec(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    f->st = NULL;
    static const char *const want[][3] = {
        {"movies", "movie_id", "INTEGER"},
        {"movies", "tmdb_id", "INTEGER"},
        {"movies", "imdb_id", "VARCHAR"},
        {"movies", "title", "VARCHAR"},
        {"movies", "release_date", "DATE"},
        {"movies", "last_tmdb_update", "TIMESTAMP"},
        {"movies", "last_omdb_update", "TIMESTAMP"},
        {"movies", "last_full_refresh", "TIMESTAMP"},
        {"movies", "data_frozen", "BOOLEAN"},
        {"movies", "created_at", "TIMESTAMP"},
        {"movies", "updated_at", "TIMESTAMP"},
        {"tmdb_movies", "tmdb_id", "INTEGER"},
        {"tmdb_movies", "imdb_id", "VARCHAR"},
        {"tmdb_movies", "title", "VARCHAR"},
        {"tmdb_movies", "original_title", "VARCHAR"},
        {"tmdb_movies", "overview", "VARCHAR"},
        {"tmdb_movies", "tagline", "VARCHAR"},
        {"tmdb_movies", "release_date", "DATE"},
        {"tmdb_movies", "runtime", "INTEGER"},
        {"tmdb_movies", "budget", "BIGINT"},
        {"tmdb_movies", "revenue", "BIGINT"},
        {"tmdb_movies", "genres", "VARCHAR[]"},
        {"tmdb_movies", "production_companies", "VARCHAR[]"},
        {"tmdb_movies", "vote_average", "DOUBLE"},
        {"tmdb_movies", "vote_count", "INTEGER"},
        {"tmdb_movies", "popularity", "DOUBLE"},
        {"tmdb_movies", "status", "VARCHAR"},
        {"tmdb_movies", "original_language", "VARCHAR"},
        {"tmdb_movies", "adult", "BOOLEAN"},
        {"tmdb_movies", "raw", "JSON"},
        {"tmdb_movies", "fetched_at", "TIMESTAMP"},
        {"omdb_movies", "imdb_id", "VARCHAR"},
        {"omdb_movies", "title", "VARCHAR"},
        {"omdb_movies", "year", "VARCHAR"},
        {"omdb_movies", "rated", "VARCHAR"},
        {"omdb_movies", "released", "DATE"},
        {"omdb_movies", "runtime_minutes", "INTEGER"},
        {"omdb_movies", "genre", "VARCHAR"},
        {"omdb_movies", "director", "VARCHAR"},
        {"omdb_movies", "writer", "VARCHAR"},
        {"omdb_movies", "actors", "VARCHAR"},
        {"omdb_movies", "language", "VARCHAR"},
        {"omdb_movies", "country", "VARCHAR"},
        {"omdb_movies", "awards", "VARCHAR"},
        {"omdb_movies", "imdb_rating", "DOUBLE"},
        {"omdb_movies", "imdb_votes", "INTEGER"},
        {"omdb_movies", "rotten_tomatoes", "INTEGER"},
        {"omdb_movies", "metacritic", "INTEGER"},
        {"omdb_movies", "box_office", "BIGINT"},
        {"omdb_movies", "raw", "JSON"},
        {"omdb_movies", "fetched_at", "TIMESTAMP"},
        {"api_usage", "day", "DATE"},
        {"api_usage", "api", "VARCHAR"},
        {"api_usage", "outcome", "VARCHAR"},
        {"api_usage", "count", "BIGINT"},
        {"runs", "started_at", "TIMESTAMP"},
        {"runs", "ended_at", "TIMESTAMP"},
        {"runs", "options", "JSON"},
        {"runs", "stats", "JSON"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "SELECT data_type FROM information_schema.columns WHERE table_name = '%s' "
                 "AND column_name = '%s'",
                 want[i][0], want[i][1]);
        assert_peek(f->path, sql, want[i][2]);
    }
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'movies' AND "
                "constraint_type = 'PRIMARY KEY' AND constraint_column_names = ['movie_id']",
                "1");
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'movies' AND "
                "constraint_type = 'UNIQUE' AND constraint_column_names = ['tmdb_id']",
                "1");
    assert_peek(f->path,
                "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'movies' "
                "AND column_name = 'tmdb_id'",
                "NO");
    /* one row per tmdb_id, one per imdb_id */
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'tmdb_movies' AND "
                "constraint_type = 'PRIMARY KEY' AND constraint_column_names = ['tmdb_id']",
                "1");
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'omdb_movies' AND "
                "constraint_type = 'PRIMARY KEY' AND constraint_column_names = ['imdb_id']",
                "1");
    /* defaults: data_frozen FALSE, movie_id from the sequence */
    assert_peek(f->path, "INSERT INTO movies (tmdb_id) VALUES (5) RETURNING data_frozen", "false");
    assert_peek(f->path, "INSERT INTO movies (tmdb_id) VALUES (6) RETURNING movie_id", "2");
}

/* Reads a whole file; fails the test if it cannot. */
static char *slurp(const char *path, size_t *len)
{
    char *b = read_file(path, len);
    if (!b)
        fail_msg("cannot read %s", path);
    return b;
}

static void newer_version_refused(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    f->st = NULL;
    free(peek(f->path, "INSERT INTO schema_version (version) VALUES (99) RETURNING version"));
    size_t n1;
    char *before = slurp(f->path, &n1);
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(f->path, STORE_READ_WRITE, &st, &err), RS_ERR_DB);
    assert_null(st);
    assert_non_null(strstr(err.msg, "newer reelsync"));
    assert_non_null(strstr(err.msg, "schema version 99"));
    assert_file_holds(f->path, before, n1);
    free(before);
}

/* A DuckDB file of another program's with a table named like ours is refused, untouched. */
static void foreign_database_untouched(void **state)
{
    struct fx *f = *state;
    char *other = path_join(f->dir, "theirs.duckdb");
    free(peek(other, "CREATE TABLE movies (x INTEGER); INSERT INTO movies VALUES (7)"));
    for (int ro = 0; ro < 2; ro++) {
        struct store *st = NULL;
        struct rs_error err = {0};
        assert_int_equal(store_open(other, ro ? STORE_READ_ONLY : STORE_READ_WRITE, &st, &err),
                         RS_ERR_DB);
        assert_null(st);
        char want[512];
        snprintf(want, sizeof(want),
                 "cannot open '%s': not a reelsync database, yet it has tables named like ours: "
                 "movies (left untouched; give another --db path)",
                 other);
        assert_memory_equal(err.msg, want, strlen(want));
    }
    assert_peek(other, "SELECT count(*) FROM information_schema.tables", "1");
    assert_peek(other, "SELECT count(*) FROM duckdb_sequences()", "0");
    assert_peek(other, "SELECT string_agg(x::VARCHAR, ',') FROM movies", "7");
    free(other);
}

/* Migration 1 failing halfway (a sequence of that name exists) leaves nothing of it behind:
 * the tables it created before the failure and its schema_version row go with the rollback. */
static void failed_migration_rolls_back(void **state)
{
    struct fx *f = *state;
    char *other = path_join(f->dir, "half.duckdb");
    free(peek(other, "CREATE SEQUENCE runs_id_seq"));
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(other, STORE_READ_WRITE, &st, &err), RS_ERR_DB);
    assert_null(st);
    assert_non_null(strstr(err.msg, "migration"));
    assert_peek(other, "SELECT count(*) FROM information_schema.tables", "0");
    assert_peek(other, "SELECT string_agg(sequence_name, ',') FROM duckdb_sequences()",
                "runs_id_seq");
    free(other);
}

/* ------------------------------------------------------- open errors */

static void write_bytes(const char *path, const char *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

static void corrupt_file_untouched(void **state)
{
    struct fx *f = *state;
    char *bad = path_join(f->dir, "notes.duckdb");
    char junk[8192];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)('a' + i % 26);
    write_bytes(bad, junk, sizeof(junk));
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(bad, STORE_READ_WRITE, &st, &err), RS_ERR_DB);
    assert_null(st);
    char want[512];
    snprintf(want, sizeof(want), "cannot open '%s': not a DuckDB database", bad);
    assert_memory_equal(err.msg, want, strlen(want));
    assert_file_holds(bad, junk, sizeof(junk));
    free(bad);
}

/* A real database cut short, or with a flipped block: refused with a clear error, untouched. */
static void damaged_database_untouched(void **state)
{
    struct fx *f = *state;
    struct discover_row d = {.tmdb_id = 27205, .title = "Inception", .release_date = RS_I64(14806)};
    OK(store_upsert_discovered(f->st, &d, 1, NOW, NULL, E));
    store_close(f->st);
    f->st = NULL;
    size_t n;
    char *good = slurp(f->path, &n);
    assert_true(n > 16384);
    static const struct {
        size_t len, flip; /* bytes kept; offset of 64 overwritten bytes (0: none) */
        const char *says;
    } cases[] = {{8192, 0, "it is cut short"}, {0, 12288 + 100, "a block fails its checksum"}};
    for (size_t k = 0; k < 2; k++) {
        char *bad = path_join(f->dir, k ? "flipped.duckdb" : "short.duckdb");
        size_t len = cases[k].len ? cases[k].len : n;
        char *copy = malloc(len);
        memcpy(copy, good, len);
        if (cases[k].flip)
            memset(copy + cases[k].flip, 0x5a, 64);
        write_bytes(bad, copy, len);
        struct store *st = NULL;
        struct rs_error err = {0};
        assert_int_equal(store_open(bad, STORE_READ_WRITE, &st, &err), RS_ERR_DB);
        assert_null(st);
        char want[512];
        snprintf(want, sizeof(want),
                 "cannot open '%s': the database file is damaged (%s; left untouched", bad,
                 cases[k].says);
        assert_memory_equal(err.msg, want, strlen(want));
        assert_file_holds(bad, copy, len);
        free(copy);
        free(bad);
    }
    free(good);
}

static void unwritable_dir(void **state)
{
    struct fx *f = *state;
    /* a regular file where a directory should be: no user (root included) can create in it */
    char *file = path_join(f->dir, "plain");
    write_bytes(file, "keep me\n", 8);
    char *inside = path_join(file, "x.duckdb");
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(inside, STORE_READ_WRITE, &st, &err), RS_ERR_IO);
    assert_null(st);
    char want[512];
    snprintf(want, sizeof(want), "cannot open '%s': ", inside);
    assert_memory_equal(err.msg, want, strlen(want));
    assert_file_holds(file, "keep me\n", 8);
    /* a missing directory likewise */
    char *missing = path_join(f->dir, "no/such/dir/x.duckdb");
    assert_int_equal(store_open(missing, STORE_READ_WRITE, &st, &err), RS_ERR_IO);
    free(missing);
    free(inside);
    free(file);
}

/* Child mode of this binary: `test_store --hold PATH` opens PATH, says "ready", holds the
 * database until its stdin closes. */
static int hold_main(const char *path)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    if (store_open(path, STORE_READ_WRITE, &st, &err) != RS_OK) {
        printf("error %s\n", err.msg);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    char buf[64];
    while (read(0, buf, sizeof(buf)) > 0)
        ;
    store_close(st);
    return 0;
}

/* Child mode `test_store --try-open PATH`: one line per open mode, "<rc> <message>". */
static int try_open_main(const char *path)
{
    for (int ro = 0; ro < 2; ro++) {
        struct store *st = NULL;
        struct rs_error err = {0};
        enum rs_err rc = store_open(path, ro ? STORE_READ_ONLY : STORE_READ_WRITE, &st, &err);
        printf("%d %s\n", (int)rc, rc ? err.msg : "ok");
        store_close(st);
    }
    return 0;
}

/* Runs `test_store --try-open PATH` as user nobody when we are root; its stdout in OUT. */
static bool try_open_unprivileged(const char *path, char *out, size_t len)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
            _exit(77);
        execl("/proc/self/exe", "test_store", "--try-open", path, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t r;
    while (got < len - 1 && (r = read(fds[0], out + got, len - 1 - got)) > 0)
        got += (size_t)r;
    out[got] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* An existing database in a directory its user may not write: DuckDB would open it and fail
 * at the first commit (it writes PATH.wal beside the file). Refused up front, untouched;
 * reading still works. Runs as user nobody when the suite runs as root. */
static void unwritable_dir_existing_file(void **state)
{
    struct fx *f = *state;
    char *dir = path_join(f->dir, "ro");
    char *path = path_join(dir, "m.duckdb");
    assert_int_equal(mkdir(dir, 0755), 0);
    struct store *st = NULL;
    OK(store_open(path, STORE_READ_WRITE, &st, E));
    store_close(st);
    size_t n1;
    char *before = slurp(path, &n1);
    assert_int_equal(chmod(f->dir, 0755), 0);
    assert_int_equal(chmod(path, 0666), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    char out[1024];
    bool ran = try_open_unprivileged(path, out, sizeof(out));
    assert_int_equal(chmod(dir, 0755), 0);
    if (!ran)
        skip(); /* root without the right to become nobody */
    char want[1024];
    snprintf(want, sizeof(want),
             "%d cannot open '%s' for writing: its directory is not writable, and DuckDB writes "
             "a .wal file beside it (make the directory writable, or copy the file; plan, stats "
             "and export only read it)\n0 ok\n",
             (int)RS_ERR_IO, path);
    assert_string_equal(out, want);
    assert_file_holds(path, before, n1);
    char *wal = path_join(dir, "m.duckdb.wal");
    assert_int_equal(access(wal, F_OK), -1);
    free(wal);
    free(before);
    free(path);
    free(dir);
}

static void locked_by_other_process(void **state)
{
    struct fx *f = *state;
    store_close(f->st); /* DuckDB's lock is per process: the child takes it */
    f->st = NULL;
    int to_child[2], from_child[2];
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(from_child), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(to_child[0], 0);
        dup2(from_child[1], 1);
        close(to_child[1]);
        close(from_child[0]);
        execl("/proc/self/exe", "test_store", "--hold", f->path, (char *)NULL);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    char line[256] = {0};
    size_t got = 0;
    while (got < sizeof(line) - 1) {
        ssize_t r = read(from_child[0], line + got, sizeof(line) - 1 - got);
        if (r <= 0 || strchr(line, '\n'))
            break;
        got += (size_t)r;
    }
    assert_string_equal(line, "ready\n");
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(f->path, STORE_READ_WRITE, &st, &err), RS_ERR_DB_LOCKED);
    assert_null(st);
    char want[512];
    snprintf(want, sizeof(want),
             "cannot open '%s': locked by another process (is another reelsync running?)", f->path);
    assert_string_equal(err.msg, want);
    close(to_child[1]); /* release the child */
    int status = 0;
    waitpid(pid, &status, 0);
    close(from_child[0]);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E)); /* free again */
}

/* -------------------------------------------------------- write paths */

static struct store_movie get(struct store *st, int64_t tmdb_id)
{
    struct store_movie m = {0};
    bool found = false;
    OK(store_get_movie(st, tmdb_id, &m, &found, E));
    if (!found)
        fail_msg("movie %lld not found", (long long)tmdb_id);
    return m;
}

static char *g2[] = {"Action", "Science Fiction"};
static char *pc1[] = {"Legendary Pictures"};

static struct tmdb_row tmdb_row(int64_t id, const char *imdb, rs_date_t release)
{
    return (struct tmdb_row){.tmdb_id = id,
                             .imdb_id = (char *)imdb,
                             .title = "Inception",
                             .original_title = "Inception",
                             .overview = "Dreams.",
                             .release_date = RS_I64(release),
                             .runtime = RS_I64(148),
                             .budget = RS_I64(160000000),
                             .revenue = RS_I64(0),
                             .genres = g2,
                             .n_genres = 2,
                             .production_companies = pc1,
                             .n_production_companies = 1,
                             .vote_average = RS_F64(8.4),
                             .vote_count = RS_I64(35000),
                             .popularity = RS_F64(90.5),
                             .status = "Released",
                             .original_language = "en",
                             .adult = RS_I64(0),
                             .raw = "{\"id\":27205}",
                             .raw_len = 12};
}

static struct omdb_row omdb_row(const char *imdb)
{
    return (struct omdb_row){.imdb_id = (char *)imdb,
                             .title = "Inception",
                             .year = "2010",
                             .rated = "PG-13",
                             .released = RS_I64(14806),
                             .runtime_minutes = RS_I64(148),
                             .genre = "Action, Sci-Fi",
                             .imdb_rating = RS_F64(8.8),
                             .imdb_votes = RS_I64(2345678),
                             .rotten_tomatoes = RS_I64(87),
                             .metacritic = RS_I64(74),
                             .box_office = RS_I64(292587330),
                             .raw = "{\"Response\":\"True\"}",
                             .raw_len = 19};
}

static void upsert_twice(void **state)
{
    struct fx *f = *state;
    struct discover_row rows[2] = {
        {.tmdb_id = 27205, .title = "Inceptoin", .release_date = RS_I64(14800)},
        {.tmdb_id = 155, .title = "The Dark Knight", .release_date = RS_I64(14061)}};
    size_t fresh = 99;
    OK(store_upsert_discovered(f->st, rows, 2, NOW - 100, &fresh, E));
    assert_int_equal(fresh, 2);
    bool changed = false;
    struct tmdb_row t = tmdb_row(27205, "tt1375666", 14806);
    OK(store_put_tmdb(f->st, &t, 42, NOW - 50, &changed, E));
    assert_true(changed);
    OK(store_mark_gone(f->st, 155, NOW - 40, E));

    struct discover_row again[3] = {
        {.tmdb_id = 27205, .title = "Inception (2010)", .release_date = RS_I64(14806)},
        {.tmdb_id = 155, .title = "The Dark Knight", .release_date = RS_NULL_I64},
        {.tmdb_id = 27205,
         .title = "Inception",
         .release_date = RS_I64(14806)}}; /* last one wins */
    OK(store_upsert_discovered(f->st, again, 3, NOW, &fresh, E));
    assert_int_equal(fresh, 0);
    int64_t n = 0;
    OK(store_count_movies(f->st, &n, E));
    assert_int_equal(n, 2);
    struct store_movie m = get(f->st, 27205);
    assert_string_equal(m.title, "Inception");
    assert_int_equal(m.release_date.v, 14806);
    assert_string_equal(m.imdb_id, "tt1375666");
    assert_true(m.last_tmdb_update.set);
    assert_int_equal(m.last_tmdb_update.v, NOW - 50); /* tracking stamps kept */
    assert_int_equal(m.created_at.v, NOW - 100);
    assert_int_equal(m.updated_at.v, NOW);
    assert_true(m.has_tmdb_fingerprint);
    assert_true(m.tmdb_fingerprint == 42);
    int64_t first_id = m.movie_id;
    store_movie_release(&m);
    m = get(f->st, 155);
    assert_false(m.release_date.set); /* updated to what discovery says now */
    assert_false(m.tmdb_gone_at.set); /* rediscovered: no longer gone */
    assert_true(m.movie_id != first_id);
    store_movie_release(&m);
    bool found = true;
    OK(store_get_movie(f->st, 999, &m, &found, E));
    assert_false(found);
}

static void tmdb_and_omdb_rows(void **state)
{
    struct fx *f = *state;
    struct tmdb_row t = tmdb_row(27205, "tt1375666", 14806);
    bool changed = false;
    OK(store_put_tmdb(f->st, &t, 7, NOW - 10, &changed, E)); /* creates the movie */
    assert_true(changed);
    OK(store_put_tmdb(f->st, &t, 7, NOW - 5, &changed, E));
    assert_false(changed);
    t.title = "Inception!";
    OK(store_put_tmdb(f->st, &t, 8, NOW, &changed, E));
    assert_true(changed);
    struct omdb_row o = omdb_row("tt1375666");
    OK(store_put_omdb(f->st, 27205, &o, 9, NOW, &changed, E));
    assert_true(changed);
    OK(store_put_omdb(f->st, 27205, &o, 9, NOW + 1, &changed, E));
    assert_false(changed);
    struct rs_error err = {0};
    assert_int_equal(store_put_omdb(f->st, 4242, &o, 9, NOW, &changed, &err), RS_ERR_DB);
    struct store_movie m = get(f->st, 27205);
    assert_int_equal(m.last_tmdb_update.v, NOW);
    assert_int_equal(m.last_omdb_update.v, NOW + 1);
    assert_string_equal(m.title, "Inception!");
    store_movie_release(&m);
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies", "1");
    assert_peek(f->path, "SELECT count(*) FROM omdb_movies", "1");
    assert_peek(f->path, "SELECT title FROM tmdb_movies", "Inception!");
    assert_peek(f->path, "SELECT genres::VARCHAR FROM tmdb_movies", "[Action, Science Fiction]");
    assert_peek(f->path, "SELECT production_companies[1] FROM tmdb_movies", "Legendary Pictures");
    assert_peek(f->path, "SELECT raw->>'id' FROM tmdb_movies", "27205");
    assert_peek(f->path, "SELECT strftime(fetched_at, '%Y-%m-%dT%H:%M:%S') FROM tmdb_movies",
                "2024-10-04T12:00:00");
    assert_peek(f->path, "SELECT box_office FROM omdb_movies", "292587330");
    assert_peek(f->path, "SELECT raw->>'Response' FROM omdb_movies", "True");
    assert_peek(f->path, "SELECT released FROM omdb_movies", "2010-07-16");
    assert_peek(f->path, "SELECT release_date FROM movies", "2010-07-16");
}

static void nulls_and_empty(void **state)
{
    struct fx *f = *state;
    struct tmdb_row t = {.tmdb_id = 1, .raw = NULL};
    bool changed;
    OK(store_put_tmdb(f->st, &t, 1, NOW, &changed, E));
    struct discover_row d = {.tmdb_id = 2, .title = NULL, .release_date = RS_NULL_I64};
    OK(store_upsert_discovered(f->st, &d, 1, NOW, NULL, E));
    struct omdb_row o = {.imdb_id = "tt0000001"};
    OK(store_put_omdb(f->st, 1, &o, 2, NOW, &changed, E));
    struct store_movie m = get(f->st, 2);
    assert_null(m.title);
    assert_null(m.imdb_id);
    assert_false(m.release_date.set);
    assert_false(m.last_tmdb_update.set);
    assert_false(m.data_frozen);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
    m = get(f->st, 1);
    assert_string_equal(m.imdb_id, "tt0000001"); /* learnt from the OMDB row */
    store_movie_release(&m);
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT genres IS NULL FROM tmdb_movies", "false");
    assert_peek(f->path, "SELECT len(genres) FROM tmdb_movies", "0");
    assert_peek(f->path, "SELECT len(production_companies) FROM tmdb_movies", "0");
    assert_peek(f->path,
                "SELECT count(*) FROM tmdb_movies WHERE imdb_id IS NULL AND title IS NULL AND "
                "runtime IS NULL AND budget IS NULL AND vote_average IS NULL AND adult IS NULL "
                "AND raw IS NULL AND release_date IS NULL",
                "1");
    assert_peek(f->path,
                "SELECT count(*) FROM omdb_movies WHERE title IS NULL AND imdb_rating IS NULL "
                "AND box_office IS NULL AND released IS NULL",
                "1");
    assert_peek(f->path, "SELECT data_frozen FROM movies WHERE tmdb_id = 2", "false");
}

static void batch_of_10000(void **state)
{
    struct fx *f = *state;
    enum { N = 10000 };
    struct discover_row *rows = calloc(N, sizeof(*rows));
    char(*titles)[32] = calloc(N, 32);
    for (int i = 0; i < N; i++) {
        snprintf(titles[i], 32, "Movie %d", i);
        rows[i] = (struct discover_row){
            .tmdb_id = 100000 + i, .title = titles[i], .release_date = RS_I64(10000 + i)};
    }
    size_t fresh = 0;
    OK(store_begin(f->st, E));
    OK(store_upsert_discovered(f->st, rows, N, NOW, &fresh, E));
    OK(store_commit(f->st, E));
    assert_int_equal(fresh, N);
    for (int i = 0; i < N; i++)
        snprintf(titles[i], 32, "Film %d", i);
    OK(store_begin(f->st, E));
    OK(store_upsert_discovered(f->st, rows, N / 2, NOW, &fresh, E));
    OK(store_upsert_discovered(f->st, rows + N / 2, N / 2, NOW, &fresh, E));
    OK(store_commit(f->st, E));
    assert_int_equal(fresh, 0);
    /* a rolled-back batch leaves nothing */
    rows[0].tmdb_id = 7;
    OK(store_begin(f->st, E));
    OK(store_upsert_discovered(f->st, rows, 1, NOW, &fresh, E));
    store_rollback(f->st);
    assert_int_equal(fresh, 1);
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT count(*) FROM movies", "10000");
    assert_peek(f->path, "SELECT count(DISTINCT movie_id) FROM movies", "10000");
    assert_peek(f->path, "SELECT title FROM movies WHERE tmdb_id = 109999", "Film 9999");
    assert_peek(f->path, "SELECT count(*) FROM movies WHERE title LIKE 'Film %'", "10000");
    /* the store writes row groups of 8,192 rows (DuckDB's default, 122,880, would be one) */
    assert_peek(f->path, "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('movies')",
                "2");
    free(rows);
    free(titles);
}

/* Insert then update the same rows inside one transaction (DuckDB's index edge case). */
static void same_transaction_twice(void **state)
{
    struct fx *f = *state;
    struct discover_row a[2] = {{.tmdb_id = 1, .title = "One", .release_date = RS_I64(100)},
                                {.tmdb_id = 2, .title = "Two", .release_date = RS_I64(200)}};
    struct discover_row b[2] = {{.tmdb_id = 1, .title = "Uno", .release_date = RS_I64(101)},
                                {.tmdb_id = 2, .title = "Dos", .release_date = RS_NULL_I64}};
    struct tmdb_row t = tmdb_row(1, "tt1", 101);
    size_t fresh = 0;
    bool changed;
    OK(store_begin(f->st, E));
    OK(store_upsert_discovered(f->st, a, 2, NOW, &fresh, E));
    assert_int_equal(fresh, 2);
    OK(store_upsert_discovered(f->st, b, 2, NOW + 1, &fresh, E));
    assert_int_equal(fresh, 0);
    OK(store_put_tmdb(f->st, &t, 5, NOW + 2, &changed, E));
    OK(store_put_tmdb(f->st, &t, 5, NOW + 3, &changed, E));
    assert_false(changed);
    OK(store_finish_refresh(f->st, 1, false, false, NOW + 3, &changed, E));
    OK(store_commit(f->st, E));
    struct store_movie m = get(f->st, 1);
    assert_string_equal(m.title, "Inception");
    assert_int_equal(m.last_tmdb_update.v, NOW + 3);
    assert_int_equal(m.stable_cycles, 1);
    store_movie_release(&m);
    m = get(f->st, 2);
    assert_string_equal(m.title, "Dos");
    assert_false(m.release_date.set);
    store_movie_release(&m);
    int64_t n = 0;
    OK(store_count_movies(f->st, &n, E));
    assert_int_equal(n, 2);
}

static void detail_batches(void **state)
{
    struct fx *f = *state;
    struct discover_row d = {.tmdb_id = 2, .title = "Two", .release_date = RS_I64(100)};
    OK(store_upsert_discovered(f->st, &d, 1, NOW - 10, NULL, E));
    struct tmdb_row t[3] = {tmdb_row(1, "tt1", 14806), tmdb_row(2, NULL, 200),
                            tmdb_row(3, "tt3", 300)};
    t[1].n_genres = 0;
    t[1].raw = NULL;
    uint64_t fp[3] = {11, 12, 13};
    bool changed[3] = {false, false, false};
    OK(store_put_tmdb_batch(f->st, t, fp, 3, NOW, changed, E));
    assert_true(changed[0] && changed[1] && changed[2]);
    fp[1] = 99;
    OK(store_put_tmdb_batch(f->st, t, fp, 3, NOW + 1, changed, E));
    assert_true(!changed[0] && changed[1] && !changed[2]);
    struct store_movie m = get(f->st, 2);
    assert_string_equal(m.title, "Inception");
    assert_int_equal(m.release_date.v, 200);
    assert_int_equal(m.last_tmdb_update.v, NOW + 1);
    assert_int_equal(m.created_at.v, NOW - 10);
    assert_true(m.tmdb_fingerprint == 99);
    assert_null(m.imdb_id);
    store_movie_release(&m);
    m = get(f->st, 3);
    assert_string_equal(m.imdb_id, "tt3");
    assert_int_equal(m.created_at.v, NOW);
    store_movie_release(&m);

    struct omdb_row o[2] = {omdb_row("tt1"), omdb_row("tt3")};
    int64_t ids[2] = {1, 3};
    uint64_t ofp[2] = {21, 23};
    OK(store_put_omdb_batch(f->st, ids, o, ofp, 2, NOW + 2, changed, E));
    assert_true(changed[0] && changed[1]);
    OK(store_put_omdb_batch(f->st, ids, o, ofp, 2, NOW + 3, changed, E));
    assert_true(!changed[0] && !changed[1]);
    int64_t bad_ids[2] = {1, 404};
    struct rs_error err = {0};
    assert_int_equal(store_put_omdb_batch(f->st, bad_ids, o, ofp, 2, NOW + 4, changed, &err),
                     RS_ERR_DB);
    m = get(f->st, 1);
    assert_int_equal(m.last_omdb_update.v, NOW + 3); /* nothing written */
    assert_true(m.omdb_fingerprint == 21);
    store_movie_release(&m);
    OK(store_put_omdb_batch(f->st, ids, o, ofp, 1, NOW + 5, NULL, E));
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies", "3");
    assert_peek(f->path, "SELECT count(*) FROM omdb_movies", "2");
    assert_peek(f->path, "SELECT len(genres) FROM tmdb_movies WHERE tmdb_id = 2", "0");
    assert_peek(f->path, "SELECT raw IS NULL FROM tmdb_movies WHERE tmdb_id = 2", "true");
    assert_peek(f->path, "SELECT genres::VARCHAR FROM tmdb_movies WHERE tmdb_id = 1",
                "[Action, Science Fiction]");
    assert_peek(f->path, "SELECT raw->>'id' FROM tmdb_movies WHERE tmdb_id = 3", "27205");
    assert_peek(f->path,
                "SELECT strftime(fetched_at, '%H:%M:%S') FROM omdb_movies WHERE imdb_id = 'tt1'",
                "12:00:05");
    assert_peek(f->path, "SELECT box_office FROM omdb_movies WHERE imdb_id = 'tt3'", "292587330");
    assert_peek(f->path,
                "SELECT strftime(last_omdb_update, '%H:%M:%S') FROM movies WHERE tmdb_id = 3",
                "12:00:03");
}

/* ------------------------------------------------------------ planning */

static struct store_movie mv(int64_t id, struct rs_i64 release, struct rs_i64 last_tmdb,
                             struct rs_i64 last_omdb, const char *imdb)
{
    return (struct store_movie){.tmdb_id = id,
                                .imdb_id = (char *)imdb,
                                .title = "T",
                                .release_date = release,
                                .last_tmdb_update = last_tmdb,
                                .last_omdb_update = last_omdb};
}

static const struct plan_item *find(const struct plan_item *items, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (items[i].tmdb_id == id)
            return &items[i];
    return NULL;
}

static void plan_categories(void **state)
{
    struct fx *f = *state;
    static const struct {
        int64_t age;
        enum refresh_category cat;
    } cases[] = {{0, REFRESH_RECENT},        {59, REFRESH_RECENT},  {60, REFRESH_ESTABLISHED},
                 {179, REFRESH_ESTABLISHED}, {180, REFRESH_MATURE}, {365, REFRESH_MATURE},
                 {366, REFRESH_ARCHIVED},    {-10, REFRESH_RECENT}};
    enum { NC = sizeof(cases) / sizeof(cases[0]) };
    struct store_movie rows[NC + 1];
    for (int i = 0; i < NC; i++)
        rows[i] = mv(i + 1, RS_I64(TODAY - cases[i].age), RS_NULL_I64, RS_NULL_I64, "tt1");
    rows[NC] = mv(NC + 1, RS_NULL_I64, RS_NULL_I64, RS_NULL_I64, NULL);
    OK(store_bulk_insert_movies(f->st, rows, NC + 1, NOW, E));
    struct plan_item *items = NULL;
    size_t n = 0;
    OK(store_plan(f->st, NOW, 0, false, true, &items, &n, E));
    assert_int_equal(n, NC + 1);
    for (int i = 0; i < NC; i++) {
        const struct plan_item *it = find(items, n, i + 1);
        assert_non_null(it);
        assert_int_equal(it->category, cases[i].cat);
        assert_int_equal(it->category, refresh_category_of(RS_I64(TODAY - cases[i].age), NOW));
        assert_int_equal(it->age_days, cases[i].age);
        assert_true(it->needs_tmdb);
        assert_true(it->needs_omdb);
        assert_true(it->overdue_s == INT64_MAX);
        assert_string_equal(it->imdb_id, "tt1");
        assert_string_equal(it->title, "T");
    }
    const struct plan_item *none = find(items, n, NC + 1);
    assert_int_equal(none->category, REFRESH_RECENT);
    assert_false(none->release_date.set);
    assert_int_equal(none->age_days, 0);
    assert_string_equal(none->imdb_id, "");
    assert_true(none->needs_omdb); /* the IMDb id comes with TMDB in the same run */
    store_plan_free(items, n);
    /* A refresh asks for no titles. */
    OK(store_plan(f->st, NOW, 0, false, false, &items, &n, E));
    assert_int_equal(n, NC + 1);
    assert_null(items[0].title);
    store_plan_free(items, n);
}

/* For each category and API: last check exactly interval-1s ago is not due, interval is. */
static void plan_intervals(void **state)
{
    struct fx *f = *state;
    static const int64_t ages[4] = {10, 100, 200, 1000};
    struct store_movie rows[32];
    size_t k = 0;
    for (int c = 0; c < 4; c++) {
        struct rs_i64 rel = RS_I64(TODAY - ages[c]);
        rs_time_t t_iv = (rs_time_t)refresh_interval_days(c, RS_API_TMDB) * DAY;
        rs_time_t o_iv = (rs_time_t)refresh_interval_days(c, RS_API_OMDB) * DAY;
        int64_t base = 1000 * (c + 1);
        /* +0 TMDB just not due, OMDB fresh; +1 TMDB exactly due; +2/+3 the same for OMDB */
        rows[k++] = mv(base + 0, rel, RS_I64(NOW - t_iv + 1), RS_I64(NOW), "tt1");
        rows[k++] = mv(base + 1, rel, RS_I64(NOW - t_iv), RS_I64(NOW), "tt1");
        rows[k++] = mv(base + 2, rel, RS_I64(NOW), RS_I64(NOW - o_iv + 1), "tt1");
        rows[k++] = mv(base + 3, rel, RS_I64(NOW), RS_I64(NOW - o_iv), "tt1");
        /* OMDB due but no IMDb id and TMDB not due: nothing to do */
        rows[k++] = mv(base + 4, rel, RS_I64(NOW), RS_I64(NOW - o_iv), NULL);
        /* OMDB "not found" stamp counts as a check */
        rows[k] = mv(base + 5, rel, RS_I64(NOW), RS_NULL_I64, "tt1");
        rows[k++].omdb_not_found_at = RS_I64(NOW - o_iv + 1);
        rows[k] = mv(base + 6, rel, RS_I64(NOW), RS_NULL_I64, "tt1");
        rows[k++].omdb_not_found_at = RS_I64(NOW - o_iv);
    }
    OK(store_bulk_insert_movies(f->st, rows, k, NOW, E));
    struct plan_item *items = NULL;
    size_t n = 0;
    OK(store_plan(f->st, NOW, 0, false, false, &items, &n, E));
    assert_int_equal(n, 4 * 3);
    for (int c = 0; c < 4; c++) {
        int64_t base = 1000 * (c + 1);
        assert_null(find(items, n, base + 0));
        assert_null(find(items, n, base + 2));
        assert_null(find(items, n, base + 4));
        assert_null(find(items, n, base + 5));
        const struct plan_item *t = find(items, n, base + 1);
        const struct plan_item *o = find(items, n, base + 3);
        const struct plan_item *nf = find(items, n, base + 6);
        assert_non_null(t);
        assert_non_null(o);
        assert_non_null(nf);
        assert_true(t->needs_tmdb && !t->needs_omdb);
        assert_true(!o->needs_tmdb && o->needs_omdb);
        assert_true(!nf->needs_tmdb && nf->needs_omdb);
        assert_int_equal(t->overdue_s, 0);
        assert_int_equal(o->overdue_s, 0);
        assert_int_equal(t->category, c);
        rs_time_t o_iv = (rs_time_t)refresh_interval_days(c, RS_API_OMDB) * DAY;
        assert_true(nf->last_omdb.set);
        assert_int_equal(nf->last_omdb.v, NOW - o_iv);
        /* the SQL agrees with refresh_is_due */
        assert_true(refresh_is_due(RS_I64(TODAY - ages[c]), t->last_tmdb, RS_API_TMDB, NOW));
    }
    store_plan_free(items, n);
}

static void plan_order_limit_frozen_gone(void **state)
{
    struct fx *f = *state;
    struct rs_i64 old = RS_I64(TODAY - 1000); /* ARCHIVED: 90 / 180 days */
    struct store_movie rows[7] = {
        mv(1, old, RS_I64(NOW - 91 * DAY), RS_I64(NOW), "tt1"),             /* 1 day overdue */
        mv(2, old, RS_I64(NOW - 100 * DAY), RS_I64(NOW), "tt2"),            /* 10 days */
        mv(3, old, RS_NULL_I64, RS_NULL_I64, NULL),                         /* never fetched */
        mv(4, old, RS_I64(NOW - 95 * DAY), RS_I64(NOW - 200 * DAY), "tt4"), /* 20 days (OMDB) */
        mv(5, old, RS_I64(NOW - 300 * DAY), RS_I64(NOW), "tt5"),            /* frozen */
        mv(6, old, RS_I64(NOW - 300 * DAY), RS_I64(NOW), "tt6"),            /* gone */
        mv(7, old, RS_I64(NOW - 92 * DAY), RS_NULL_I64, NULL),              /* 2 days; no IMDb id */
    };
    rows[4].data_frozen = true;
    rows[5].tmdb_gone_at = RS_I64(NOW - DAY);
    OK(store_bulk_insert_movies(f->st, rows, 7, NOW, E));
    struct plan_item *items = NULL;
    size_t n = 0;
    OK(store_plan(f->st, NOW, 0, false, false, &items, &n, E));
    assert_int_equal(n, 5);
    /* 7 was never asked of OMDB, but only because TMDB gave it no IMDb id: 2 days late */
    int64_t want[] = {3, 4, 2, 7, 1};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(items[i].tmdb_id, want[i]);
    assert_int_equal(items[1].overdue_s, 20 * DAY);
    assert_int_equal(items[2].overdue_s, 10 * DAY);
    assert_int_equal(items[3].overdue_s, 2 * DAY);
    assert_true(items[3].needs_omdb); /* the TMDB refresh may bring an IMDb id */
    assert_int_equal(items[4].overdue_s, 1 * DAY);
    store_plan_free(items, n);
    OK(store_plan(f->st, NOW, 2, false, false, &items, &n, E));
    assert_int_equal(n, 2);
    assert_int_equal(items[0].tmdb_id, 3);
    assert_int_equal(items[1].tmdb_id, 4);
    store_plan_free(items, n);
    OK(store_plan(f->st, NOW, 0, true, false, &items, &n, E));
    assert_int_equal(n, 6);
    assert_int_equal(items[1].tmdb_id, 5); /* 210 days overdue */
    assert_true(items[1].frozen);
    assert_null(find(items, n, 6));
    store_plan_free(items, n);
    /* a TMDB 404 takes a movie out of planning; rediscovery brings it back */
    OK(store_mark_gone(f->st, 3, NOW, E));
    OK(store_plan(f->st, NOW, 1, false, false, &items, &n, E));
    assert_int_equal(items[0].tmdb_id, 4);
    store_plan_free(items, n);
    struct discover_row d = {.tmdb_id = 3, .title = "Back", .release_date = old};
    OK(store_upsert_discovered(f->st, &d, 1, NOW, NULL, E));
    OK(store_plan(f->st, NOW, 1, false, false, &items, &n, E));
    assert_int_equal(items[0].tmdb_id, 3);
    store_plan_free(items, n);
    struct rs_error err = {0};
    assert_int_equal(store_mark_gone(f->st, 777, NOW, &err), RS_ERR_DB);
}

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* The SQL planner agrees with refresh.c on many random movies around every boundary. */
static void plan_agrees_with_refresh(void **state)
{
    struct fx *f = *state;
    enum { N = 3000 };
    struct store_movie *rows = calloc(N, sizeof(*rows));
    uint64_t x = 88172645463325252ULL;
#define NEXT() xorshift(&x)
    static const int pivots[] = {0, 60, 180, 365, 366, 1000};
    for (int i = 0; i < N; i++) {
        int64_t age = pivots[NEXT() % 6] + (int64_t)(NEXT() % 5) - 2;
        struct rs_i64 rel = NEXT() % 20 == 0 ? RS_NULL_I64 : RS_I64(TODAY - age);
        int64_t ti = (int64_t)(NEXT() % 200) * DAY + (int64_t)(NEXT() % 3) - 1;
        int64_t oi = (int64_t)(NEXT() % 200) * DAY + (int64_t)(NEXT() % 3) - 1;
        rows[i] =
            mv(i + 1, rel, NEXT() % 10 == 0 ? RS_NULL_I64 : RS_I64(NOW - ti),
               NEXT() % 10 == 0 ? RS_NULL_I64 : RS_I64(NOW - oi), NEXT() % 4 == 0 ? NULL : "tt1");
    }
    OK(store_bulk_insert_movies(f->st, rows, N, NOW, E));
    struct plan_item *items = NULL;
    size_t n = 0;
    OK(store_plan(f->st, NOW, 0, false, false, &items, &n, E));
    size_t want = 0;
    for (int i = 0; i < N; i++) {
        const struct store_movie *m = &rows[i];
        bool nt = refresh_is_due(m->release_date, m->last_tmdb_update, RS_API_TMDB, NOW);
        bool no = refresh_is_due(m->release_date, m->last_omdb_update, RS_API_OMDB, NOW) &&
                  (m->imdb_id || nt);
        const struct plan_item *it = find(items, n, m->tmdb_id);
        if (!nt && !no) {
            assert_null(it);
            continue;
        }
        want++;
        assert_non_null(it);
        assert_int_equal(it->category, refresh_category_of(m->release_date, NOW));
        assert_int_equal(it->needs_tmdb, nt);
        assert_int_equal(it->needs_omdb, no);
    }
    assert_int_equal(n, want);
    for (size_t i = 1; i < n; i++) /* most overdue first, ties by tmdb_id */
        assert_true(items[i - 1].overdue_s > items[i].overdue_s ||
                    (items[i - 1].overdue_s == items[i].overdue_s &&
                     items[i - 1].tmdb_id < items[i].tmdb_id));
    store_plan_free(items, n);
    free(rows);
#undef NEXT
}

/* ------------------------------------------------------------- freezing */

/* One refresh of TMDB_ID at day D with data fingerprint FP: returns whether it froze. */
static bool refresh_once(struct store *st, int64_t id, rs_date_t release, uint64_t fp,
                         rs_time_t now)
{
    struct tmdb_row t = tmdb_row(id, "tt9", release);
    struct omdb_row o = omdb_row("tt9");
    bool c1 = false, c2 = false, frozen = true;
    OK(store_begin(st, E));
    OK(store_put_tmdb(st, &t, fp, now, &c1, E));
    OK(store_put_omdb(st, id, &o, fp, now, &c2, E));
    OK(store_finish_refresh(st, id, c1 || c2, true, now, &frozen, E));
    OK(store_commit(st, E));
    return frozen;
}

static void freezing(void **state)
{
    struct fx *f = *state;
    rs_date_t archived = TODAY - 400, mature = TODAY - 300;
    rs_time_t t = NOW;
    /* ARCHIVED: first fetch is a change, then 3 unchanged refreshes freeze it */
    assert_false(refresh_once(f->st, 1, archived, 11, t));
    assert_false(refresh_once(f->st, 1, archived, 11, t += 90 * DAY));
    assert_false(refresh_once(f->st, 1, archived, 11, t += 90 * DAY));
    struct store_movie m = get(f->st, 1);
    assert_int_equal(m.stable_cycles, 2);
    assert_int_equal(m.data_changed_at.v, NOW);
    assert_false(m.data_frozen);
    store_movie_release(&m);
    /* a change resets the count */
    assert_false(refresh_once(f->st, 1, archived, 12, t += 90 * DAY));
    m = get(f->st, 1);
    assert_int_equal(m.stable_cycles, 0);
    assert_int_equal(m.data_changed_at.v, t);
    assert_int_equal(m.last_full_refresh.v, t);
    store_movie_release(&m);
    assert_false(refresh_once(f->st, 1, archived, 12, t += 90 * DAY));
    assert_false(refresh_once(f->st, 1, archived, 12, t += 90 * DAY));
    assert_true(refresh_once(f->st, 1, archived, 12, t += 90 * DAY));
    m = get(f->st, 1);
    assert_true(m.data_frozen);
    assert_int_equal(m.stable_cycles, 3);
    store_movie_release(&m);
    /* refreshed while frozen (--include-frozen): unchanged stays frozen, changed thaws */
    assert_false(refresh_once(f->st, 1, archived, 12, t += 90 * DAY));
    m = get(f->st, 1);
    assert_true(m.data_frozen);
    assert_int_equal(m.stable_cycles, 4);
    store_movie_release(&m);
    assert_false(refresh_once(f->st, 1, archived, 13, t += 90 * DAY));
    m = get(f->st, 1);
    assert_false(m.data_frozen);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
    /* MATURE (at its refresh times) never freezes, however stable */
    rs_time_t u = NOW;
    for (int i = 0; i < 5; i++, u += DAY)
        assert_false(refresh_once(f->st, 2, mature, 5, u));
    m = get(f->st, 2);
    assert_int_equal(m.stable_cycles, 4);
    assert_false(m.data_frozen);
    store_movie_release(&m);
    /* last_full_refresh only when both APIs were stored */
    bool frozen;
    OK(store_finish_refresh(f->st, 2, true, false, u + DAY, &frozen, E));
    m = get(f->st, 2);
    assert_int_equal(m.last_full_refresh.v, u - DAY);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
    struct rs_error err = {0};
    assert_int_equal(store_finish_refresh(f->st, 404, false, true, NOW, &frozen, &err), RS_ERR_DB);
}

static void freezing_batch(void **state)
{
    struct fx *f = *state;
    rs_date_t rel[3] = {TODAY - 400, TODAY + 200, TODAY - 1000};
    int64_t ids[3] = {10, 11, 12};
    struct tmdb_row t[3];
    for (int i = 0; i < 3; i++)
        t[i] = tmdb_row(ids[i], NULL, rel[i]);
    uint64_t fp[3] = {1, 2, 3};
    bool changed[3], both[3] = {true, true, false}, frozen[3] = {true, true, true};
    rs_time_t now = NOW;
    for (int round = 0; round < 4; round++, now += 90 * DAY) {
        if (round == 2)
            fp[2] = 4; /* movie 12 changes once */
        OK(store_begin(f->st, E));
        OK(store_put_tmdb_batch(f->st, t, fp, 3, now, changed, E));
        OK(store_finish_refresh_batch(f->st, ids, changed, both, 3, now, frozen, E));
        OK(store_commit(f->st, E));
        assert_int_equal(changed[0], round == 0);
        assert_int_equal(changed[2], round == 0 || round == 2);
        assert_int_equal(frozen[0], round == 3); /* 3 unchanged refreshes, ARCHIVED */
        assert_false(frozen[1]);                 /* never ARCHIVED */
        assert_false(frozen[2]);                 /* changed in round 2 */
    }
    struct store_movie m = get(f->st, 10);
    assert_true(m.data_frozen);
    assert_int_equal(m.stable_cycles, 3);
    assert_int_equal(m.last_full_refresh.v, now - 90 * DAY);
    store_movie_release(&m);
    m = get(f->st, 12);
    assert_false(m.last_full_refresh.set);
    assert_int_equal(m.stable_cycles, 1);
    assert_int_equal(m.data_changed_at.v, NOW + 2 * 90 * DAY);
    store_movie_release(&m);
    int64_t bad[2] = {10, 404};
    struct rs_error err = {0};
    assert_int_equal(store_finish_refresh_batch(f->st, bad, changed, both, 2, now, frozen, &err),
                     RS_ERR_DB);
    m = get(f->st, 10);
    assert_int_equal(m.stable_cycles, 3); /* rolled back */
    store_movie_release(&m);
}

static void unfreeze(void **state)
{
    struct fx *f = *state;
    struct rs_i64 old = RS_I64(TODAY - 1000);
    struct store_movie rows[4] = {
        mv(1, old, RS_I64(NOW), RS_I64(NOW), "a"), mv(2, old, RS_I64(NOW), RS_I64(NOW), "b"),
        mv(3, old, RS_I64(NOW), RS_I64(NOW), "c"), mv(4, old, RS_I64(NOW), RS_I64(NOW), "d")};
    for (int i = 0; i < 3; i++) {
        rows[i].data_frozen = true;
        rows[i].stable_cycles = 3;
    }
    rows[3].stable_cycles = 2;
    OK(store_bulk_insert_movies(f->st, rows, 4, NOW, E));
    size_t changed = 99;
    int64_t ids[] = {1, 4, 12345};
    OK(store_unfreeze(f->st, ids, 3, false, &changed, E));
    assert_int_equal(changed, 1);
    struct store_movie m = get(f->st, 1);
    assert_false(m.data_frozen);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
    m = get(f->st, 4);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
    m = get(f->st, 2);
    assert_true(m.data_frozen);
    store_movie_release(&m);
    OK(store_unfreeze(f->st, NULL, 0, true, &changed, E));
    assert_int_equal(changed, 2);
    OK(store_unfreeze(f->st, NULL, 0, true, &changed, E));
    assert_int_equal(changed, 0);
    m = get(f->st, 3);
    assert_false(m.data_frozen);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
}

/* ------------------------------------------------- usage, runs, report */

/* The report's freshness: days since the last check per API and since the data changed. */
static void report_freshness(void **state)
{
    struct fx *f = *state;
    struct rs_i64 rel = RS_I64(TODAY - 500);
    struct store_movie rows[5] = {
        mv(1, rel, RS_I64(NOW - 2 * DAY), RS_I64(NOW - 10 * DAY), "tt1"),
        mv(2, rel, RS_I64(NOW - 5 * DAY - 1), RS_NULL_I64, "tt2"), /* 5 whole days */
        mv(3, rel, RS_I64(NOW - 40 * DAY), RS_I64(NOW - 20 * DAY), NULL),
        mv(4, rel, RS_I64(NOW - 900 * DAY), RS_I64(NOW - 900 * DAY), "tt4"), /* gone */
        mv(5, rel, RS_I64(NOW - 700 * DAY), RS_I64(NOW - 700 * DAY), "tt5"), /* frozen */
    };
    rows[4].data_frozen = true;
    rows[4].data_changed_at = RS_I64(NOW - 1000 * DAY);
    rows[0].data_changed_at = RS_I64(NOW - 100 * DAY);
    rows[1].data_changed_at = RS_I64(NOW - 5 * DAY);
    rows[2].data_changed_at = RS_I64(NOW - 40 * DAY);
    rows[3].data_changed_at = RS_I64(NOW - 900 * DAY);
    rows[1].omdb_not_found_at = RS_I64(NOW - 3 * DAY); /* a "not found" is a check too */
    rows[3].tmdb_gone_at = RS_I64(NOW - DAY);
    struct store_report r;
    OK(store_report(f->st, NOW, &r, E));
    assert_false(r.checked_days_median[RS_API_TMDB].set);
    assert_false(r.unchanged_days_median.set);
    store_report_release(&r);
    OK(store_bulk_insert_movies(f->st, rows, 5, NOW, E));
    OK(store_report(f->st, NOW, &r, E));
    assert_int_equal(r.checked_days_median[RS_API_TMDB].v, 5);
    assert_int_equal(r.checked_days_max[RS_API_TMDB].v, 40);
    assert_int_equal(r.checked_days_median[RS_API_OMDB].v, 10);
    assert_int_equal(r.checked_days_max[RS_API_OMDB].v, 20);
    assert_int_equal(r.unchanged_days_median.v, 40); /* of 5, 40, 100 and 1000 days */
    store_report_release(&r);
}

static void usage_runs_report(void **state)
{
    struct fx *f = *state;
    int64_t c[RS_OUTCOME_COUNT] = {0};
    c[RS_OK] = 10;
    c[RS_ERR_TIMEOUT] = 2;
    OK(store_usage_add(f->st, TODAY, RS_API_TMDB, c, E));
    OK(store_usage_add(f->st, TODAY, RS_API_TMDB, c, E));
    c[RS_ERR_TIMEOUT] = 0;
    c[RS_ERR_NOT_FOUND] = 1;
    OK(store_usage_add(f->st, TODAY - 6, RS_API_OMDB, c, E));
    OK(store_usage_add(f->st, TODAY - 7, RS_API_OMDB, c, E));
    OK(store_usage_add(f->st, TODAY - 40, RS_API_OMDB, c, E));
    int64_t total = -1;
    OK(store_usage_total(f->st, TODAY, RS_API_TMDB, &total, E));
    assert_int_equal(total, 24);
    OK(store_usage_total(f->st, TODAY, RS_API_OMDB, &total, E));
    assert_int_equal(total, 0);

    int64_t run1 = 0, run2 = 0;
    OK(store_run_begin(f->st, NOW - 100, "{\"limit\":100}", &run1, E));
    OK(store_run_end(f->st, run1, NOW - 50, "{\"discovered\":3}", 0, E));
    OK(store_run_begin(f->st, NOW, NULL, &run2, E));
    assert_true(run2 > run1);

    struct rs_i64 old = RS_I64(TODAY - 1000);
    struct store_movie rows[4] = {mv(1, old, RS_I64(NOW), RS_I64(NOW), "tt1"),
                                  mv(2, old, RS_NULL_I64, RS_NULL_I64, NULL),
                                  mv(3, RS_I64(TODAY - 10), RS_I64(NOW), RS_I64(NOW), "tt3"),
                                  mv(4, old, RS_NULL_I64, RS_NULL_I64, "tt4")};
    rows[3].data_frozen = true;
    OK(store_bulk_insert_movies(f->st, rows, 4, NOW, E));

    struct store_report rep;
    OK(store_report(f->st, NOW, &rep, E));
    assert_int_equal(rep.usage[RS_API_TMDB][STORE_TODAY][RS_OK], 20);
    assert_int_equal(rep.usage[RS_API_TMDB][STORE_TODAY][RS_ERR_TIMEOUT], 4);
    assert_int_equal(rep.usage_total[RS_API_TMDB][STORE_LAST_30], 24);
    assert_int_equal(rep.usage_total[RS_API_OMDB][STORE_TODAY], 0);
    assert_int_equal(rep.usage_total[RS_API_OMDB][STORE_LAST_7], 11); /* TODAY-6 only */
    assert_int_equal(rep.usage_total[RS_API_OMDB][STORE_LAST_30], 22);
    assert_int_equal(rep.errors[RS_ERR_NOT_FOUND], 3);
    assert_int_equal(rep.errors[RS_ERR_TIMEOUT], 4);
    assert_int_equal(rep.movies, 4);
    assert_int_equal(rep.frozen, 1);
    assert_int_equal(rep.missing_imdb, 1);
    assert_int_equal(rep.category[REFRESH_ARCHIVED].total, 3);
    assert_int_equal(rep.category[REFRESH_ARCHIVED].due, 1);
    assert_int_equal(rep.category[REFRESH_ARCHIVED].not_due, 1);
    assert_int_equal(rep.category[REFRESH_ARCHIVED].frozen, 1);
    assert_int_equal(rep.category[REFRESH_RECENT].total, 1);
    assert_int_equal(rep.category[REFRESH_RECENT].not_due, 1);
    assert_int_equal(rep.due_now[RS_API_TMDB], 1);
    assert_int_equal(rep.due_now[RS_API_OMDB], 1);
    assert_int_equal(rep.n_runs, 2);
    assert_int_equal(rep.runs[0].id, run2);
    assert_false(rep.runs[0].ended_at.set);
    assert_null(rep.runs[0].stats_json);
    assert_int_equal(rep.runs[1].started_at, NOW - 100);
    assert_int_equal(rep.runs[1].ended_at.v, NOW - 50);
    assert_int_equal(rep.runs[1].status.v, 0);
    assert_string_equal(rep.runs[1].stats_json, "{\"discovered\":3}");
    assert_string_equal(rep.runs[1].options_json, "{\"limit\":100}");
    store_report_release(&rep);
}

static void export_formats(void **state)
{
    struct fx *f = *state;
    struct tmdb_row t = tmdb_row(27205, "tt1375666", 14806);
    struct omdb_row o = omdb_row("tt1375666");
    bool changed;
    OK(store_put_tmdb(f->st, &t, 1, NOW, &changed, E));
    OK(store_put_omdb(f->st, 27205, &o, 1, NOW, &changed, E));
    struct discover_row d = {
        .tmdb_id = 155, .title = "The \"Dark\" Knight", .release_date = RS_NULL_I64};
    OK(store_upsert_discovered(f->st, &d, 1, NOW, NULL, E));
    /* a path with a quote in it is a value, not SQL */
    char *csv = path_join(f->dir, "it's.csv");
    OK(store_export(f->st, "csv", csv, E));
    size_t n;
    char *text = slurp(csv, &n);
    assert_memory_equal(text, "movie_id,tmdb_id,imdb_id,title,", 31);
    assert_non_null(strstr(text, "omdb_box_office"));
    assert_non_null(strstr(text, "292587330"));
    int lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 3);
    free(text);
    char *json = path_join(f->dir, "out.json");
    OK(store_export(f->st, "json", json, E));
    text = slurp(json, &n);
    assert_non_null(strstr(text, "\"tmdb_id\":155"));
    assert_non_null(strstr(text, "\"omdb_imdb_rating\":8.8"));
    free(text);
    char *pq = path_join(f->dir, "out.parquet");
    OK(store_export(f->st, "parquet", pq, E));
    text = slurp(pq, &n);
    assert_memory_equal(text, "PAR1", 4);
    free(text);
    struct rs_error err = {0};
    assert_int_equal(store_export(f->st, "xml", pq, &err), RS_ERR_USAGE);
    assert_int_equal(store_export(f->st, "csv'); DROP TABLE movies; --", pq, &err), RS_ERR_USAGE);
    char *bad = path_join(f->dir, "no/dir/x.csv");
    assert_int_equal(store_export(f->st, "csv", bad, &err), RS_ERR_IO);
    int64_t count = 0;
    OK(store_count_movies(f->st, &count, E));
    assert_int_equal(count, 2);
    free(bad);
    free(pq);
    free(json);
    free(csv);
}

/* ------------------------------------------------------------ compaction */

/* A digest of every row of every table, to compare before and after a compaction. */
static char *all_rows_digest(const char *path)
{
    return peek(path, "SELECT md5(concat("
                      "(SELECT string_agg(m::VARCHAR, '|' ORDER BY tmdb_id) FROM movies m),"
                      "(SELECT string_agg(t::VARCHAR, '|' ORDER BY tmdb_id) FROM tmdb_movies t),"
                      "(SELECT string_agg(o::VARCHAR, '|' ORDER BY imdb_id) FROM omdb_movies o),"
                      "(SELECT string_agg(r::VARCHAR, '|' ORDER BY id) FROM runs r),"
                      "(SELECT string_agg(u::VARCHAR, '|' ORDER BY day, api, outcome)"
                      " FROM api_usage u)))");
}

static int64_t file_size(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return (int64_t)sb.st_size;
}

/*
 * Refreshes 100 movies (32 KB of raw JSON each) CYCLES times, reopening the file between
 * cycles as each reelsync run does, with a run record and usage rows per cycle.
 */
static void refresh_cycles(struct fx *f, int first, int cycles)
{
    static char raw[32768];
    memset(raw, 'x', sizeof(raw) - 1);
    raw[0] = '"'; /* a JSON string */
    raw[sizeof(raw) - 2] = '"';
    for (int c = first; c < first + cycles; c++) {
        for (int64_t id = 1; id <= 100; id++) {
            struct tmdb_row t = tmdb_row(id, "tt1375666", TODAY - 400);
            t.raw = raw;
            t.raw_len = sizeof(raw) - 1;
            t.vote_count = RS_I64(c);
            bool changed;
            OK(store_put_tmdb(f->st, &t, (uint64_t)c, NOW + c, &changed, E));
        }
        struct omdb_row o = omdb_row("tt1375666");
        bool changed;
        OK(store_put_omdb(f->st, 1, &o, (uint64_t)c, NOW + c, &changed, E));
        int64_t run = 0, counts[RS_OUTCOME_COUNT] = {[RS_OK] = 101};
        OK(store_run_begin(f->st, NOW + c, "{}", &run, E));
        OK(store_usage_add(f->st, TODAY + c, RS_API_TMDB, counts, E));
        OK(store_run_end(f->st, run, NOW + c, "{}", 0, E));
        store_close(f->st);
        f->st = NULL;
        OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    }
}

/* The keys and defaults of the rebuilt tables hold. */
static void assert_keys_hold(const char *path)
{
    duckdb_database db;
    duckdb_connection con;
    duckdb_result res;
    assert_int_equal(duckdb_open(path, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    assert_int_equal(duckdb_query(con, "INSERT INTO tmdb_movies (tmdb_id) VALUES (1)", &res),
                     DuckDBError);
    duckdb_destroy_result(&res);
    assert_int_equal(duckdb_query(con, "INSERT INTO movies (tmdb_id) VALUES (1)", &res),
                     DuckDBError);
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    assert_peek(path, "INSERT INTO movies (tmdb_id) VALUES (7000) RETURNING movie_id > 100",
                "true");
}

static void compaction(void **state)
{
    struct fx *f = *state;
    struct store_compaction c;

    /* A young file is left alone. */
    refresh_cycles(f, 0, 2);
    OK(store_compact(f->st, false, &c, E));
    assert_false(c.done);
    /* Each run leaves its deleted rows and its own blocks behind: the file grows. */
    refresh_cycles(f, 2, 14);
    store_close(f->st);
    f->st = NULL;
    char *before = all_rows_digest(f->path);
    int64_t size_before = file_size(f->path);
    assert_true(size_before > STORE_COMPACT_MIN_GROWTH);
    /* A user's own index (DuckDB refuses to rename a table that has one) is kept. */
    db_exec(f->path, "CREATE INDEX \"by \"\"title\" ON movies (title)");

    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    OK(store_compact(f->st, false, &c, E));
    assert_true(c.done);
    assert_true(c.before_bytes > STORE_COMPACT_MIN_GROWTH);
    assert_true(c.after_bytes * 4 < c.before_bytes);
    /* The same handle goes on working: its statements are prepared afresh. */
    struct discover_row d = {.tmdb_id = 5000, .title = "New", .release_date = RS_NULL_I64};
    OK(store_upsert_discovered(f->st, &d, 1, NOW + 100, NULL, E));
    /* Just compacted: nothing to gain from another. */
    OK(store_compact(f->st, false, &c, E));
    assert_false(c.done);
    store_close(f->st);
    f->st = NULL;

    /* The same rows in a smaller file. */
    assert_true(file_size(f->path) * 4 < size_before);
    db_exec(f->path, "DELETE FROM movies WHERE tmdb_id = 5000");
    char *after = all_rows_digest(f->path);
    assert_string_equal(after, before);
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies", "100");
    assert_peek(f->path, "SELECT sql FROM duckdb_indexes()",
                "CREATE INDEX \"by \"\"title\" ON movies(title);");
    assert_keys_hold(f->path);
    free(before);
    free(after);
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--hold") == 0)
        return hold_main(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--try-open") == 0)
        return try_open_main(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(schema_matches_spec, setup, teardown),
        cmocka_unit_test_setup_teardown(newer_version_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_database_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_migration_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_file_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(damaged_database_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(unwritable_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(unwritable_dir_existing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(locked_by_other_process, setup, teardown),
        cmocka_unit_test_setup_teardown(upsert_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(tmdb_and_omdb_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(nulls_and_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(batch_of_10000, setup, teardown),
        cmocka_unit_test_setup_teardown(same_transaction_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(detail_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(plan_categories, setup, teardown),
        cmocka_unit_test_setup_teardown(plan_intervals, setup, teardown),
        cmocka_unit_test_setup_teardown(plan_order_limit_frozen_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(plan_agrees_with_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(freezing, setup, teardown),
        cmocka_unit_test_setup_teardown(freezing_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(unfreeze, setup, teardown),
        cmocka_unit_test_setup_teardown(usage_runs_report, setup, teardown),
        cmocka_unit_test_setup_teardown(report_freshness, setup, teardown),
        cmocka_unit_test_setup_teardown(export_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(compaction, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
