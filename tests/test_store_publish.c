/*
 * collect --publish's snapshots (src/publish.c over store_export_tables): the set appears
 * under DIR/current/, a second publish flips the link to a new set while the previous one
 * stays, a third removes the oldest; DuckDB (a connection of the test's own) reads
 * DIR/current/movies.parquet with the right row count; a DIR/current that is not a link
 * is refused and leaves no new set behind.
 */
#include <dirent.h>
#include <duckdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reelsync/publish.h"
#include "test_store.h"

/* SELECT count(*) FROM 'PATH', through an in-memory DuckDB of the test's own. */
static int64_t parquet_rows(const char *path)
{
    duckdb_database db;
    duckdb_connection con;
    duckdb_result res;
    char sql[1024];
    assert_int_equal(duckdb_open(NULL, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM '%s'", path);
    if (duckdb_query(con, sql, &res) != DuckDBSuccess)
        fail_msg("%s: %s", sql, duckdb_result_error(&res));
    int64_t n = duckdb_value_int64(&res, 0, 0);
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    return n;
}

/* Where DIR/current points ("snapshots/<stamp>"), malloc'd. */
static char *current_target(const char *dir)
{
    char *link = path_join(dir, "current"), target[512];
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    assert_true(n > 0);
    target[n] = '\0';
    free(link);
    return strdup(target);
}

/* How many entries of DIR (not . or ..) start with PREFIX. */
static int entries(const char *dir, const char *prefix)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    }
    closedir(d);
    return n;
}

static void add_movies(struct store *st, int64_t first, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct discover_row d = {.tmdb_id = first + (int64_t)i, .title = "M"};
        OK(store_upsert_discovered(st, &d, 1, NOW, NULL, E));
    }
}

static void publish_flips_the_link(void **state)
{
    struct fx *f = *state;
    char *dir = path_join(f->dir, "pub"), *snap = NULL, *rows = NULL;
    add_movies(f->st, 1, 3);
    OK(publish_snapshot(f->st, dir, NOW, &snap, E));
    char *first = current_target(dir);
    assert_string_equal(first, "snapshots/20241004T120000Z");
    rows = path_join(dir, "current/movies.parquet");
    assert_int_equal(parquet_rows(rows), 3);
    char *tmdb = path_join(dir, "current/tmdb_movies.parquet");
    char *omdb = path_join(dir, "current/omdb_movies.parquet");
    assert_int_equal(parquet_rows(tmdb), 0);
    assert_int_equal(parquet_rows(omdb), 0);
    /* the appended parts and the history too, each a file of its own */
    static const char *const more[] = {"movie_credits", "movie_keywords", "release_dates",
                                       "observations",  "change_log",     "movie_events"};
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "current/%s.parquet", more[i]);
        char *p = path_join(dir, name);
        assert_int_equal(parquet_rows(p), 0);
        free(p);
    }
    free(snap);

    /* the second set: the link flips, the first set stays for readers that hold it */
    add_movies(f->st, 10, 2);
    OK(publish_snapshot(f->st, dir, NOW, &snap, E));
    char *second = current_target(dir);
    assert_string_equal(second, "snapshots/20241004T120000Z-2");
    assert_int_equal(parquet_rows(rows), 5);
    char *old = path_join(dir, "snapshots/20241004T120000Z/movies.parquet");
    assert_int_equal(parquet_rows(old), 3);
    free(snap);

    /* the third: the first set goes, the second stays */
    OK(publish_snapshot(f->st, dir, NOW + 60, &snap, E));
    char *third = current_target(dir);
    assert_string_equal(third, "snapshots/20241004T120100Z");
    assert_int_equal(access(old, F_OK), -1);
    char *prev = path_join(dir, "snapshots/20241004T120000Z-2/movies.parquet");
    assert_int_equal(parquet_rows(prev), 5);
    assert_int_equal(entries(dir, ".tmp-"), 0);
    assert_int_equal(entries(dir, ""), 2); /* current, snapshots */
    char *snaps = path_join(dir, "snapshots");
    assert_int_equal(entries(snaps, ""), 2);
    free(snaps);
    free(snap);
    free(prev);
    free(third);
    free(old);
    free(second);
    free(first);
    free(omdb);
    free(tmdb);
    free(rows);
    free(dir);
}

/* DIR/current that is a directory is not replaced: RS_ERR_IO naming it, no set left. */
static void publish_refuses_a_directory(void **state)
{
    struct fx *f = *state;
    char *dir = path_join(f->dir, "pub2"), *cur = path_join(dir, "current");
    char *snaps = path_join(dir, "snapshots");
    assert_int_equal(mkdir(dir, 0777), 0);
    assert_int_equal(mkdir(cur, 0777), 0);
    char *keep = path_join(cur, "keep");
    file_write(keep, "x", 1);
    char *snap = NULL;
    struct rs_error err = {0};
    assert_int_equal(publish_snapshot(f->st, dir, NOW, &snap, &err), RS_ERR_IO);
    assert_null(snap);
    assert_non_null(strstr(err.msg, cur));
    assert_int_equal(access(keep, F_OK), 0);
    assert_int_equal(entries(snaps, ""), 0);
    assert_int_equal(entries(dir, ".tmp-"), 0);
    free(keep);
    free(snaps);
    free(cur);
    free(dir);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(publish_flips_the_link, setup, teardown),
        cmocka_unit_test_setup_teardown(publish_refuses_a_directory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
