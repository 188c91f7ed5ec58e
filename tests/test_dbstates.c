/*
 * Bad database states (issue 8), through build/reelsync: a file that is not DuckDB (random
 * bytes, text, empty), a file from a newer schema, a read-only file, a full disk. Each
 * ends with its exit status and one clear stderr line, and the data already there is
 * intact (the file's bytes, or every table's rows, compared before and after). A database
 * locked by another reelsync is tested in test_cli_commands.c.
 *
 * The read-only and disk-full cases mount a small tmpfs (root; as root, file permissions
 * do not stop writes); where mounting is not allowed they are skipped with a message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reelsync/store.h"
#include "test.h"

#define NOW "2026-11-25"
#define LATER "2026-12-30" /* every movie of the first run is due again */

struct world {
    struct fake fake;
    char *dir;
    char *golden; /* a database made by one collect run */
};

static struct world *W;

/* build/reelsync --db DB --now NOW ARGS... */
static void run(const char *db, const char *now, const char *const *args, struct run_result *r)
{
    const char *argv[48] = {"--quiet"};
    size_t n = 1;
    for (size_t i = 0; args[i] && n + 1 < 48; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    run_reelsync(&W->fake, db, now, argv, r);
}

static const char *const collect_args[] = {"collect", "--start-year", "2026", "--end-year",
                                           "2026",    "--max-pages",  "1",    "--tmdb-rps",
                                           "500",     "--omdb-rps",   "500",  NULL};

static int world_setup(void **state)
{
    W = calloc(1, sizeof(*W));
    *state = W;
    fake_start(&W->fake, (const char *[]){"--movies", "2000", "--now", NOW, NULL});
    W->dir = tmpdir_create();
    W->golden = path_join(W->dir, "golden.duckdb");
    struct run_result r;
    run(W->golden, NOW, collect_args, &r);
    if (r.status != 0)
        print_error("collect: %s\n", r.err);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
    return 0;
}

static int world_teardown(void **state)
{
    struct world *w = *state;
    if (!w)
        return 0;
    if (w->fake.pid > 0)
        fake_stop(&w->fake);
    /* A test that failed half-way may have left its tmpfs mounted. */
    static const char *const mounts[] = {"ro", "full"};
    for (size_t i = 0; i < 2; i++) {
        char *m = path_join(w->dir, mounts[i]);
        umount2(m, MNT_DETACH);
        free(m);
    }
    free(w->golden);
    tmpdir_remove(w->dir);
    free(w);
    return 0;
}

/* ---- helpers ---- */

static void copy_file(const char *from, const char *to)
{
    size_t len = 0;
    char *data = slurp_file(from, &len);
    file_write(to, data, len);
    free(data);
}

/* Row counts and a hash of every row's text of the data tables: equal means intact. */
static char *digest(const char *db)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM movies) || '/' || (SELECT count(*) FROM tmdb_movies)"
        " || '/' || (SELECT count(*) FROM omdb_movies) || '/' || (SELECT count(*) FROM runs)"
        " || '/' || (SELECT bit_xor(hash(t::VARCHAR)) FROM movies t)"
        " || '/' || (SELECT bit_xor(hash(t::VARCHAR)) FROM tmdb_movies t)"
        " || '/' || (SELECT bit_xor(hash(t::VARCHAR)) FROM omdb_movies t)";
    char *d = db_str(db, sql);
    assert_non_null(d);
    return d;
}

/* Mounts a tmpfs of SIZE ("8m") at DIR; false (and a message) where that is not allowed. */
static bool mount_tmpfs(const char *dir, const char *size)
{
    char opts[32];
    snprintf(opts, sizeof(opts), "size=%s,mode=0755", size);
    assert_int_equal(mkdir(dir, 0755), 0);
    if (mount("tmpfs", dir, "tmpfs", 0, opts) != 0) {
        print_message("cannot mount a tmpfs at %s (%s): skipped (needs root)\n", dir,
                      strerror(errno));
        return false;
    }
    return true;
}

/* ---- not DuckDB ---- */

/* Random bytes, a text file, an empty file: not a DuckDB database, left untouched. */
static void not_a_duckdb_file(void **state)
{
    struct world *w = *state;
    char random[65536];
    uint64_t x = 42;
    for (size_t i = 0; i < sizeof(random); i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        random[i] = (char)(x >> 56);
    }
    static const char text[] = "tmdb_id,title\n27205,Inception\n";
    const struct {
        const char *name;
        const char *data;
        size_t len;
    } files[] = {{"random.duckdb", random, sizeof(random)},
                 {"text.duckdb", text, sizeof(text) - 1},
                 {"empty.duckdb", "", 0}};
    for (size_t i = 0; i < 3; i++) {
        char *path = path_join(w->dir, files[i].name);
        file_write(path, files[i].data, files[i].len);
        static const char *const cmds[] = {"collect", "stats"};
        for (size_t c = 0; c < 2; c++) {
            struct run_result r;
            if (c == 0)
                run(path, NOW, collect_args, &r);
            else
                run(path, NOW, (const char *[]){"stats", NULL}, &r);
            char line[1024];
            snprintf(line, sizeof(line),
                     "reelsync: %s: cannot open '%s': not a DuckDB database (left untouched; "
                     "give another --db path)\n",
                     cmds[c], path);
            assert_stderr_is(&r, 1, line);
            run_result_free(&r);
        }
        assert_file_holds(path, files[i].data, files[i].len);
        char wal[600];
        snprintf(wal, sizeof(wal), "%s.wal", path);
        assert_int_equal(access(wal, F_OK), -1);
        free(path);
    }
}

/* ---- newer schema ---- */

static void newer_schema_left_untouched(void **state)
{
    struct world *w = *state;
    char *path = path_join(w->dir, "newer.duckdb");
    copy_file(w->golden, path);
    db_exec(path, "INSERT INTO schema_version (version) VALUES (99)");
    size_t len0 = 0;
    char *before = slurp_file(path, &len0);
    char *d0 = digest(path);

    static const char *const cmds[] = {"collect", "plan", "stats"};
    for (size_t c = 0; c < 3; c++) {
        struct run_result r;
        if (c == 0)
            run(path, LATER, collect_args, &r);
        else
            run(path, LATER, (const char *[]){cmds[c], NULL}, &r);
        char line[1024];
        snprintf(line, sizeof(line),
                 "reelsync: %s: cannot open '%s': written by a newer reelsync (schema version "
                 "99, this build knows up to %d; left untouched: upgrade reelsync)\n",
                 cmds[c], path, store_schema_version());
        assert_stderr_is(&r, 1, line);
        run_result_free(&r);
    }
    assert_file_holds(path, before, len0);
    char *d1 = digest(path);
    assert_string_equal(d1, d0);
    free(before);
    free(d0);
    free(d1);
    free(path);
}

/* ---- read-only ---- */

/*
 * A database on a read-only file system: collect cannot open it for writing (exit 1, one
 * line); the commands that only read still work; the data is intact.
 */
static void read_only_database(void **state)
{
    struct world *w = *state;
    char *mnt = path_join(w->dir, "ro");
    if (!mount_tmpfs(mnt, "16m")) {
        free(mnt);
        skip();
    }
    char *path = path_join(mnt, "movies.duckdb");
    copy_file(w->golden, path);
    char *d0 = digest(path);
    assert_int_equal(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=16m"), 0);

    struct run_result r;
    run(path, LATER, collect_args, &r);
    char line[1024];
    snprintf(line, sizeof(line),
             "reelsync: collect: cannot open '%s' for writing: Read-only file system (make it "
             "writable, or copy it; plan, stats and export only read it)\n",
             path);
    assert_stderr_is(&r, 1, line);
    run_result_free(&r);

    run(path, LATER, (const char *[]){"--json", "stats", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"movies\":"));
    run_result_free(&r);
    run(path, LATER, (const char *[]){"plan", NULL}, &r);
    assert_int_equal(r.status, 0);
    run_result_free(&r);

    char *d1 = digest(path);
    assert_string_equal(d1, d0);
    assert_int_equal(umount2(mnt, MNT_DETACH), 0);
    free(d0);
    free(d1);
    free(path);
    free(mnt);
}

/* ---- disk full ---- */

/* Fills the file system of DIR: a file of zeros written until the device is full. */
static void fill_disk(const char *path)
{
    static char zeros[65536];
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    setvbuf(f, NULL, _IONBF, 0);
    size_t chunk = sizeof(zeros);
    while (chunk > 0) {
        if (fwrite(zeros, 1, chunk, f) != chunk)
            chunk /= 2; /* the last bytes in smaller pieces */
    }
    fclose(f);
}

/*
 * A full disk during a collect: exit 1, the last stderr line says so (the log line before
 * it is the run's own error log), the data stored before is intact, and once space is
 * freed the next run works.
 */
static void disk_full_keeps_data(void **state)
{
    struct world *w = *state;
    char *mnt = path_join(w->dir, "full");
    if (!mount_tmpfs(mnt, "8m")) {
        free(mnt);
        skip();
    }
    char *path = path_join(mnt, "movies.duckdb");
    char *filler = path_join(mnt, "filler");
    copy_file(w->golden, path);
    char *d0 = digest(path);
    fill_disk(filler);

    struct run_result r;
    run(path, LATER,
        (const char *[]){"--log-level", "error", "collect", "--start-year", "2026", "--end-year",
                         "2026", "--max-pages", "1", "--tmdb-rps", "500", "--omdb-rps", "500",
                         NULL},
        &r);
    if (r.status != 1)
        print_error("status %d: %s\n", r.status, r.err);
    assert_int_equal(r.status, 1);
    const char *last = strstr(r.err, "reelsync: ");
    assert_non_null(last);
    assert_null(strstr(last + 1, "reelsync: ")); /* one line of the program's own */
    assert_int_equal(line_count(last), 1);
    assert_non_null(strstr(last, "no space left on the device"));
    assert_non_null(strstr(last, "free some space and run again)\n"));
    run_result_free(&r);

    assert_int_equal(unlink(filler), 0);
    char *d1 = digest(path);
    assert_string_equal(d1, d0);

    run(path, LATER, collect_args, &r);
    if (r.status != 0)
        print_error("status %d: %s\n", r.status, r.err);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
    assert_int_equal(umount2(mnt, MNT_DETACH), 0);
    free(d0);
    free(d1);
    free(filler);
    free(path);
    free(mnt);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(not_a_duckdb_file),
        cmocka_unit_test(newer_schema_left_untouched),
        cmocka_unit_test(read_only_database),
        cmocka_unit_test(disk_full_keeps_data),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
