/*
 * reelsync query: the three formats (exact output), the SQL from stdin, and the walls of a
 * read-only query: a bad statement, writing statements of every kind and a read of another
 * file refused with one line and exit status 2, the database byte for byte as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reelsync/store.h"
#include "test.h"

struct world {
    char *dir, *db;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    *state = w;
    w->dir = tmpdir_create();
    w->db = path_join(w->dir, "q.duckdb");
    seed_ids(w->db, (const int64_t[]){11, 22, 33}, 3, at("2026-01-01"));
    db_exec(w->db, "UPDATE movies SET title = CASE tmdb_id WHEN 11 THEN 'Alpha, the \"first\"' "
                   "WHEN 22 THEN 'A title far longer than forty characters, to be cut' "
                   "ELSE NULL END, release_date = DATE '2020-05-01'");
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    tmpdir_remove(w->dir);
    free(w->db);
    free(w);
    return 0;
}

static void query(struct world *w, const char *const *args, struct run_result *r)
{
    const char *argv[16] = {RS_REELSYNC_BIN, "--db", w->db, "query"};
    size_t n = 4;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    run_program(argv, NULL, r);
}

#define SQL3 "SELECT tmdb_id, title, release_date FROM movies ORDER BY tmdb_id"

static void csv_is_the_default_off_a_terminal(void **state)
{
    struct run_result r;
    query(*state, (const char *[]){SQL3 ";", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "tmdb_id,title,release_date\n"
                               "11,\"Alpha, the \"\"first\"\"\",2020-05-01\n"
                               "22,\"A title far longer than forty characters, to be cut\","
                               "2020-05-01\n"
                               "33,,2020-05-01\n");
    assert_string_equal(r.err, "");
    run_result_free(&r);
}

static void table_aligns_cuts_and_shows_null(void **state)
{
    struct run_result r;
    query(*state, (const char *[]){"--format", "table", SQL3, NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "tmdb_id  title                                     release_date\n"
                               "-------  ----------------------------------------  ------------\n"
                               "     11  Alpha, the \"first\"                        2020-05-01\n"
                               "     22  A title far longer than forty charact...  2020-05-01\n"
                               "     33  NULL                                      2020-05-01\n"
                               "(3 rows)\n");
    run_result_free(&r);
}

static void json_lines_keep_types(void **state)
{
    struct run_result r;
    query(*state,
          (const char *[]){"--format", "json",
                           "SELECT tmdb_id, title, data_frozen, 2.5::DOUBLE AS d, "
                           "'inf'::DOUBLE AS i, [1, 2] AS l FROM movies WHERE tmdb_id < 30 "
                           "ORDER BY 1",
                           NULL},
          &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(
        r.out, "{\"tmdb_id\":11,\"title\":\"Alpha, the \\\"first\\\"\",\"data_frozen\":false,"
               "\"d\":2.5,\"i\":\"inf\",\"l\":\"[1, 2]\"}\n"
               "{\"tmdb_id\":22,\"title\":\"A title far longer than forty characters, to be "
               "cut\",\"data_frozen\":false,\"d\":2.5,\"i\":\"inf\",\"l\":\"[1, 2]\"}\n");
    run_result_free(&r);
    /* --json is --format json */
    const char *argv[] = {
        RS_REELSYNC_BIN,    "--db", ((struct world *)*state)->db, "--json", "query",
        "SELECT NULL AS n", NULL};
    run_program(argv, NULL, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "{\"n\":null}\n");
    run_result_free(&r);
}

static void sql_from_stdin(void **state)
{
    struct world *w = *state;
    struct run_result r;
    char script[512];
    snprintf(script, sizeof(script),
             "printf 'SELECT count(*) AS n\\nFROM movies -- all of them\\n;\\n' | '%s' --db '%s' "
             "query -",
             RS_REELSYNC_BIN, w->db);
    run_program((const char *[]){"/bin/sh", "-c", script, NULL}, NULL, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "n\n3\n");
    run_result_free(&r);
}

/* Many rows stream out (the count is exact; memory is measured in the README). */
static void many_rows(void **state)
{
    struct run_result r;
    query(*state, (const char *[]){"SELECT i FROM range(200000) t(i)", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(line_count(r.out), 200001);
    assert_non_null(strstr(r.out, "\n199999\n"));
    run_result_free(&r);
}

static void refused(struct world *w, const char *sql, const char *needle)
{
    size_t before_len = 0, after_len = 0;
    char *before = slurp_file(w->db, &before_len);
    struct run_result r;
    query(w, (const char *[]){sql, NULL}, &r);
    assert_stderr_one_line(&r, 2, needle);
    run_result_free(&r);
    char *after = slurp_file(w->db, &after_len);
    assert_int_equal(after_len, before_len);
    assert_memory_equal(after, before, before_len);
    char *wal = path_join(w->dir, "q.duckdb.wal");
    assert_null(read_file(wal, NULL));
    free(wal);
    free(before);
    free(after);
}

static void bad_and_writing_statements_change_nothing(void **state)
{
    struct world *w = *state;
    char copy[512], attach[512];
    refused(w, "SELEC 1", "query: bad statement: Parser Error: syntax error at or near \"SELEC\"");
    refused(w, "SELECT nope FROM movies", "bad statement: Binder Error");
    refused(w, "", "no statement given");
    refused(w, "SELECT 1; DELETE FROM movies", "give one statement, not 2");
    refused(w, "INSERT INTO movies (movie_id, tmdb_id) VALUES (99, 99)",
            "query: query is read-only: INSERT statements are refused");
    refused(w, "UPDATE movies SET title = 'x'", "query is read-only: UPDATE");
    refused(w, "DELETE FROM movies", "query is read-only: DELETE");
    refused(w, "DROP TABLE movies", "query is read-only: DROP");
    refused(w, "CREATE TABLE t (a INT)", "query is read-only: CREATE");
    refused(w, "CHECKPOINT", "query is read-only");
    refused(w, "SET threads = 1", "query is read-only: SET");
    snprintf(copy, sizeof(copy), "COPY movies TO '%s/out.csv'", w->dir);
    refused(w, copy, "file system operations are disabled"); /* before its type */
    snprintf(attach, sizeof(attach), "ATTACH '%s/other.duckdb' AS o", w->dir);
    refused(w, attach, "query is read-only: ATTACH");
    refused(w, "SELECT * FROM read_csv('/etc/passwd')", "file system operations are disabled");
    char *out = path_join(w->dir, "out.csv"), *other = path_join(w->dir, "other.duckdb");
    assert_null(read_file(out, NULL));
    assert_null(read_file(other, NULL));
    free(out);
    free(other);
}

static void command_line_errors(void **state)
{
    struct world *w = *state;
    struct run_result r;
    query(w, (const char *[]){NULL}, &r);
    assert_stderr_one_line(&r, 2, "query: no SQL given");
    run_result_free(&r);
    query(w, (const char *[]){"--format", "xml", "SELECT 1", NULL}, &r);
    assert_stderr_one_line(&r, 2, "bad value 'xml' for --format: table, csv or json");
    run_result_free(&r);
    const char *argv[] = {RS_REELSYNC_BIN, "--db",     "/nonexistent/x.duckdb",
                          "query",         "SELECT 1", NULL};
    run_program(argv, NULL, &r);
    assert_stderr_one_line(&r, 3, "no such file");
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_is_the_default_off_a_terminal),
        cmocka_unit_test(table_aligns_cuts_and_shows_null),
        cmocka_unit_test(json_lines_keep_types),
        cmocka_unit_test(sql_from_stdin),
        cmocka_unit_test(many_rows),
        cmocka_unit_test(bad_and_writing_statements_change_nothing),
        cmocka_unit_test(command_line_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
