/*
 * Opening (src/store/open.c) and its errors, each file left untouched: not a DuckDB file, a
 * damaged database (cut short, a flipped block), a directory that cannot be created or
 * written (as user nobody when the suite runs as root), and a database locked by another
 * process (this program again, in its --hold mode). And what every open sets for the whole
 * process: how soon DuckDB's allocator gives freed pages back.
 */
#include <errno.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_store.h"

static void corrupt_file_untouched(void **state)
{
    struct fx *f = *state;
    char *bad = path_join(f->dir, "notes.duckdb");
    char junk[8192];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)('a' + i % 26);
    file_write(bad, junk, sizeof(junk));
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
    char *good = slurp_file(f->path, &n);
    assert_true(n > 16384);
    static const struct {
        /* bytes kept; 64 bytes overwritten FLIP bytes into every block after the headers (0:
         * none), as which blocks are in use depends on the checkpoints made before */
        size_t len, flip;
        const char *says;
    } cases[] = {{8192, 0, "it is cut short"}, {0, 100, "a block fails its checksum"}};
    for (size_t k = 0; k < 2; k++) {
        char *bad = path_join(f->dir, k ? "flipped.duckdb" : "short.duckdb");
        size_t len = cases[k].len ? cases[k].len : n;
        char *copy = malloc(len);
        memcpy(copy, good, len);
        for (size_t at = 12288 + cases[k].flip; cases[k].flip && at + 64 <= len; at += 262144)
            memset(copy + at, 0x5a, 64);
        file_write(bad, copy, len);
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
    file_write(file, "keep me\n", 8);
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

/* Child mode of this binary: `test_store_open --hold PATH` opens PATH, says "ready", holds the
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

/* Child mode `test_store_open --try-open PATH`: one line per open mode, "<rc> <message>". */
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

/* The exit status of the --try-open child when it cannot become user nobody. */
#define NO_NOBODY 77

/*
 * Runs `test_store_open --try-open PATH` as user nobody when we are root; its stdout in OUT.
 * Returns its wait status: exit NO_NOBODY when root may not become nobody (it says why on
 * stderr), exit 0 when it ran; anything else (a crash, a failed exec) is the caller's to fail.
 */
static int try_open_unprivileged(const char *path, char *out, size_t len)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        if (geteuid() == 0 &&
            (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)) {
            fprintf(stderr, "cannot become user nobody: %s\n", strerror(errno));
            _exit(NO_NOBODY);
        }
        execl("/proc/self/exe", "test_store_open", "--try-open", path, (char *)NULL);
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
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* This program's path, as DuckDB names a holder (the forked child is this program). */
static const char *self_exe(void)
{
    static char path[1024];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    path[n > 0 ? n : 0] = '\0';
    return path;
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
    char *before = slurp_file(path, &n1);
    assert_int_equal(chmod(f->dir, 0755), 0);
    assert_int_equal(chmod(path, 0666), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    char out[1024];
    int status = try_open_unprivileged(path, out, sizeof(out));
    assert_int_equal(chmod(dir, 0755), 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == NO_NOBODY) {
        print_message("root may not become user nobody here: skipped\n");
        skip();
    }
    if (WIFSIGNALED(status))
        fail_msg("the --try-open child died of signal %d; its output: '%s'", WTERMSIG(status), out);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the --try-open child exited with %d; its output: '%s'", WEXITSTATUS(status), out);
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
        execl("/proc/self/exe", "test_store_open", "--hold", f->path, (char *)NULL);
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
    char want[2048];
    /* issue 13: the holder is named, and what to do */
    snprintf(want, sizeof(want),
             "cannot open '%s': held by %s (PID %ld) (wait for it with --lock-timeout, or close "
             "that program)",
             f->path, self_exe(), (long)pid);
    assert_string_equal(err.msg, want);
    close(to_child[1]); /* release the child */
    int status = 0;
    waitpid(pid, &status, 0);
    close(from_child[0]);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E)); /* free again */
}

/* DuckDB's jemalloc's control entry (libduckdb.so exports it; open.c sets the decay with it). */
extern int duckdb_je_mallctl(const char *name, void *old, size_t *oldlen, void *new_value,
                             size_t newlen);

static ssize_t allocator_setting(const char *name)
{
    ssize_t v = -2;
    size_t len = sizeof(v);
    assert_int_equal(duckdb_je_mallctl(name, &v, &len, NULL, 0), 0);
    return v;
}

/*
 * An open (the fixture's, a writer) has DuckDB's allocator hand freed pages back within
 * STORE_ALLOCATOR_DECAY_MS and without a "muzzy" time, in the arenas it has and in those it
 * makes later (DuckDB's own start is 5,000 ms of each); a let-go's DETACH, which runs with 0,
 * leaves it so.
 */
static void assert_decay(void)
{
    assert_int_equal(allocator_setting("arenas.dirty_decay_ms"), STORE_ALLOCATOR_DECAY_MS);
    assert_int_equal(allocator_setting("arenas.muzzy_decay_ms"), 0);
    assert_int_equal(allocator_setting("arena.0.dirty_decay_ms"), STORE_ALLOCATOR_DECAY_MS);
    assert_int_equal(allocator_setting("arena.0.muzzy_decay_ms"), 0);
}

static void freed_pages_go_back_soon(void **state)
{
    struct fx *f = *state;
    assert_decay();
    OK(store_let_go(f->st, E));
    assert_decay();
    OK(store_take(f->st, 0, NULL, E));
    assert_decay();
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--hold") == 0)
        return hold_main(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--try-open") == 0)
        return try_open_main(argv[2]);
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(corrupt_file_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(damaged_database_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(unwritable_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(unwritable_dir_existing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(locked_by_other_process, setup, teardown),
        cmocka_unit_test_setup_teardown(freed_pages_go_back_soon, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
