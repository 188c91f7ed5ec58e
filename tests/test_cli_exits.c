/*
 * Honest exits (issue 13) through the program against reelsync-fakeapi and real files:
 * SIGINT and SIGTERM exit 130 and 143 with the run recorded as interrupted (one message,
 * the --json object, "No IMDb id" counting only details without one, the run's real start
 * and end); the refresh backlog in the log, collect --json and plan --json; export's format
 * by extension and --out -; unfreeze naming unknown ids; collect --publish.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define NOW "2026-11-25"

struct world {
    struct fake fake;
    char *dir, *db;
};

static int world_setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    *state = w;
    fake_start(&w->fake,
               (const char *[]){"--movies", "2000", "--now", NOW, "--latency-ms", "100", NULL});
    w->dir = tmpdir_create();
    w->db = path_join(w->dir, "x.duckdb");
    return 0;
}

static int world_teardown(void **state)
{
    struct world *w = *state;
    if (w->fake.pid > 0)
        fake_stop(&w->fake);
    tmpdir_remove(w->dir);
    free(w->db);
    free(w);
    return 0;
}

/* build/reelsync --db DB --now NOW ARGS... against W's fake, into R. */
static void run_on(struct world *w, const char *db, const char *const *args, struct run_result *r)
{
    run_reelsync(&w->fake, db, NOW, args, r);
}

/* ---- interrupted runs ---------------------------------------------------------------- */

/* Starts collect --json on DB with stdout and stderr into OUT and ERR; returns its pid. */
static pid_t start_slow_collect(struct world *w, const char *db, const char *out, const char *err)
{
    struct fake_env env;
    const char *const *envp = fake_env(&env, &w->fake, NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const char *argv[] = {RS_REELSYNC_BIN,
                              "--db",
                              db,
                              "--now",
                              NOW,
                              "--log-level",
                              "debug",
                              "--json",
                              "collect",
                              "--start-year",
                              "2026",
                              "--end-year",
                              "2026",
                              "--max-pages",
                              "2",
                              "--min-vote-count",
                              "0",
                              "--tmdb-rps",
                              "8",
                              "--omdb-rps",
                              "8",
                              NULL};
        for (size_t i = 0; envp[i]; i++)
            putenv((char *)envp[i]);
        if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr))
            _exit(127);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Waits (up to 60 s) until the file at PATH holds FIRST and, after it, THEN. */
static void wait_for_lines(const char *path, const char *first, const char *then)
{
    for (int i = 0; i < 6000; i++) {
        char *text = read_file(path, NULL);
        const char *at = text ? strstr(text, first) : NULL;
        bool found = at && strstr(at, then);
        free(text);
        if (found)
            return;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    fail_msg("no '%s' then '%s' in %s within 60 s", first, then, path);
}

/* How many times NEEDLE occurs in S. */
static int occurrences(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/*
 * A signal in the middle of the refresh, once a commit has stored answers: exit 128 + the
 * signal, one message, the --json object, and the run recorded as interrupted with its
 * real length.
 */
static void interrupted_by(struct world *w, int sig, const char *name)
{
    char file[64];
    snprintf(file, sizeof(file), "int-%d.duckdb", sig);
    char *db = path_join(w->dir, file);
    snprintf(file, sizeof(file), "int-%d.out", sig);
    char *out = path_join(w->dir, file);
    snprintf(file, sizeof(file), "int-%d.err", sig);
    char *err = path_join(w->dir, file);
    pid_t pid = start_slow_collect(w, db, out, err);
    wait_for_lines(err, "info refresh: ", "debug batch: committed");
    kill(pid, sig);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 128 + sig);

    char *text = slurp_file(err, NULL), *json = slurp_file(out, NULL);
    char line[160];
    snprintf(line, sizeof(line),
             "reelsync: collect: interrupted by %s: what was received is stored (run again to "
             "continue)\n",
             name);
    assert_non_null(strstr(text, line));
    assert_int_equal(occurrences(text, "reelsync: "), 1);
    assert_int_equal(occurrences(text, "interrupted"), 1);
    json_t *doc = doc_parse(json);
    assert_string_equal(json_string_value(json_object_get(doc, "result")), "interrupted");
    /* what was received is stored; "No IMDb id" counts details without one, not the rest */
    int64_t details = db_i64(db, "SELECT count(*) FROM tmdb_movies");
    assert_true(details > 0);
    assert_int_equal(doc_int(doc, "tmdb_updated"), details);
    assert_int_equal(doc_int(doc, "omdb_skipped_no_imdb"),
                     db_i64(db, "SELECT count(*) FROM tmdb_movies WHERE coalesce(imdb_id, '') = "
                                "''"));
    assert_true(doc_int(doc, "planned") > details); /* it did stop early */

    /* the run: interrupted, 128 + the signal, from --now to --now + its wall time */
    assert_int_equal(db_i64(db, "SELECT exit_status FROM runs"), 128 + sig);
    char *result = db_str(db, "SELECT stats->>'result' FROM runs");
    assert_string_equal(result, "interrupted");
    assert_int_equal(db_i64(db, "SELECT epoch(started_at) FROM runs"), at(NOW));
    assert_true(db_i64(db, "SELECT epoch(ended_at) - epoch(started_at) FROM runs") >= 1);
    free(result);
    json_decref(doc);
    free(text);
    free(json);
    free(out);
    free(err);
    free(db);
}

static void sigint_exits_130(void **state)
{
    interrupted_by(*state, SIGINT, "SIGINT");
}

static void sigterm_exits_143(void **state)
{
    interrupted_by(*state, SIGTERM, "SIGTERM");
}

/* stats shows each run's length and how it ended, human and --json. */
static void stats_shows_durations(void **state)
{
    struct world *w = *state;
    char *db = path_join(w->dir, "int-2.duckdb"); /* the SIGINT test's */
    struct run_result r;
    run_on(w, db, (const char *[]){"stats", NULL}, &r);
    assert_int_equal(r.status, 0);
    int64_t took = db_i64(db, "SELECT epoch(ended_at) - epoch(started_at) FROM runs");
    char want[96];
    snprintf(want, sizeof(want), "#1     2026-11-25T00:00:00Z %5lld s  interrupted ",
             (long long)took);
    if (!strstr(r.out, want))
        print_error("no '%s' in:\n%s\n", want, r.out);
    assert_non_null(strstr(r.out, want));
    run_result_free(&r);
    run_on(w, db, (const char *[]){"--json", "stats", NULL}, &r);
    json_t *doc = doc_parse(r.out);
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    assert_int_equal(doc_int(run, "duration_s"), took);
    assert_string_equal(json_string_value(json_object_get(run, "result")), "interrupted");
    json_decref(doc);
    run_result_free(&r);
    free(db);
}

/* ---- the backlog ---------------------------------------------------------------------- */

/* --refresh-limit leaves movies for later: the log, collect --json and plan --json say so. */
static void backlog(void **state)
{
    struct world *w = *state;
    char *db = path_join(w->dir, "backlog.duckdb");
    struct run_result r;
    run_on(w, db,
           (const char *[]){"--json", "collect", "--start-year", "2026", "--end-year", "2026",
                            "--max-pages", "1", "--min-vote-count", "0", "--refresh-limit", "5",
                            "--tmdb-rps", "0", "--omdb-rps", "0", NULL},
           &r);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    int64_t due = doc_int(doc, "discovered");
    assert_true(due > 5);
    assert_int_equal(doc_int(doc, "planned"), 5);
    assert_int_equal(doc_int(doc, "backlog"), due - 5);
    assert_string_equal(json_string_value(json_object_get(doc, "result")), "ok");
    char line[128];
    snprintf(line, sizeof(line),
             " info refresh: %lld due, 5 this run (--refresh-limit), %lld left\n", (long long)due,
             (long long)(due - 5));
    assert_non_null(strstr(r.err, line));
    json_decref(doc);
    run_result_free(&r);

    run_on(w, db, (const char *[]){"--json", "plan", "--limit", "3", NULL}, &r);
    doc = doc_parse(r.out);
    assert_int_equal(doc_int(doc, "count"), 3);
    assert_int_equal(doc_int(doc, "total_due"), due - 5);
    json_decref(doc);
    run_result_free(&r);

    /* everything fits: no backlog, the short line */
    run_on(w, db,
           (const char *[]){"--json", "collect", "--refresh-only", "--tmdb-rps", "0", "--omdb-rps",
                            "0", NULL},
           &r);
    assert_int_equal(r.status, 0);
    doc = doc_parse(r.out);
    assert_int_equal(doc_int(doc, "backlog"), 0);
    snprintf(line, sizeof(line), " info refresh: %lld due\n", (long long)(due - 5));
    assert_non_null(strstr(r.err, line));
    json_decref(doc);
    run_result_free(&r);
    free(db);
}

/* ---- export ---------------------------------------------------------------------------- */

/* The database of the first collect of 2026 (one page), made once. */
static char *small_db(struct world *w)
{
    char *db = path_join(w->dir, "small.duckdb");
    if (access(db, F_OK) == 0)
        return db;
    struct run_result r;
    run_on(w, db,
           (const char *[]){"--quiet", "collect", "--start-year", "2026", "--end-year", "2026",
                            "--max-pages", "1", "--tmdb-rps", "0", "--omdb-rps", "0", NULL},
           &r);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
    return db;
}

/* The extension picks the format: each file reads back with its DuckDB reader. */
static void export_by_extension(void **state)
{
    struct world *w = *state;
    static const char *const table[][3] = {
        {"m.csv", "csv", "read_csv"},      {"m.parquet", "parquet", "read_parquet"},
        {"m.json", "json", "read_json"},   {"m.jsonl", "json", "read_json"},
        {"m.ndjson", "json", "read_json"}, {"M.CSV", "csv", "read_csv"},
    };
    char *db = small_db(w);
    int64_t movies = db_i64(db, "SELECT count(*) FROM movies");
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        char *out = path_join(w->dir, table[i][0]), sql[1024], want[1024];
        struct run_result r;
        run_on(w, db, (const char *[]){"export", "--out", out, NULL}, &r);
        assert_int_equal(r.status, 0);
        snprintf(want, sizeof(want), "wrote %s (%s, ", out, table[i][1]);
        assert_int_equal(strncmp(r.out, want, strlen(want)), 0);
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s('%s')", table[i][2], out);
        assert_int_equal(db_i64(db, sql), movies);
        char *text = slurp_file(out, NULL);
        if (strcmp(table[i][1], "json") == 0) /* one object per line */
            assert_int_equal(line_count(text), movies);
        free(text);
        run_result_free(&r);
        free(out);
    }
    free(db);
}

/* Without --format, an extension export does not know is exit 2 with one line. */
static void export_unknown_extension(void **state)
{
    struct world *w = *state;
    char *db = small_db(w);
    static const char *const outs[] = {"x.txt", "noext", "-"};
    for (size_t i = 0; i < 3; i++) {
        struct run_result r;
        char line[256];
        run_on(w, db, (const char *[]){"export", "--out", outs[i], NULL}, &r);
        snprintf(line, sizeof(line),
                 "reelsync: export: cannot tell the format of '%s' (give --format "
                 "csv|parquet|json)\n",
                 outs[i]);
        assert_stderr_is(&r, 2, line);
        run_result_free(&r);
    }
    struct run_result r;
    char *out = path_join(w->dir, "forced.txt");
    run_on(w, db, (const char *[]){"export", "--format", "csv", "--out", out, NULL}, &r);
    assert_int_equal(r.status, 0);
    char sql[1024];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM read_csv('%s')", out);
    assert_int_equal(db_i64(db, sql), db_i64(db, "SELECT count(*) FROM movies"));
    run_result_free(&r);
    free(out);
    free(db);
}

/* --out - writes csv or json to stdout and nothing else; parquet or --json there is exit 2. */
static void export_to_stdout(void **state)
{
    struct world *w = *state;
    char *db = small_db(w);
    int64_t movies = db_i64(db, "SELECT count(*) FROM movies");
    struct run_result r;
    run_on(w, db, (const char *[]){"export", "--format", "csv", "--out", "-", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(strncmp(r.out, "movie_id,tmdb_id,", 17), 0);
    assert_int_equal(line_count(r.out), movies + 1);
    assert_string_equal(r.err, "");
    assert_int_equal(access("-", F_OK), -1);
    run_result_free(&r);
    run_on(w, db, (const char *[]){"export", "--format", "json", "--out", "-", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(line_count(r.out), movies);
    assert_int_equal(strncmp(r.out, "{\"movie_id\":", 12), 0);
    run_result_free(&r);
    run_on(w, db, (const char *[]){"export", "--format", "parquet", "--out", "-", NULL}, &r);
    assert_stderr_one_line(&r, 2, "parquet cannot be written to stdout");
    run_result_free(&r);
    run_on(w, db, (const char *[]){"--json", "export", "--format", "csv", "--out", "-", NULL}, &r);
    assert_stderr_one_line(&r, 2, "--json and --out - both write stdout");
    run_result_free(&r);

    /* stdout appending to a file: what was there stays */
    char *file = path_join(w->dir, "appended.csv"), cmd[2048];
    snprintf(
        cmd, sizeof(cmd),
        "echo first > '%s' && TMDB_API_KEY= '%s' --db '%s' export --format csv --out - >> '%s'",
        file, RS_REELSYNC_BIN, db, file);
    run_program((const char *[]){"/bin/sh", "-c", cmd, NULL}, NULL, &r);
    assert_int_equal(r.status, 0);
    char *text = slurp_file(file, NULL);
    assert_int_equal(strncmp(text, "first\nmovie_id,", 15), 0);
    assert_int_equal(line_count(text), movies + 2);
    free(text);
    run_result_free(&r);
    free(file);
    free(db);
}

/* ---- unfreeze ---------------------------------------------------------------------------- */

static void unfreeze_unknown_ids(void **state)
{
    struct world *w = *state;
    char *db = small_db(w);
    int64_t known = db_i64(db, "SELECT min(tmdb_id) FROM movies");
    char id[32], line[256];
    snprintf(id, sizeof(id), "%lld", (long long)known);
    struct run_result r;
    /* one known, one not: a warning, exit 0 */
    run_on(w, db, (const char *[]){"unfreeze", id, "99999999", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "unfroze 0 movies\n");
    snprintf(line, sizeof(line), "reelsync: unfreeze: no movie with tmdb_id 99999999 in '%s'\n",
             db);
    assert_string_equal(r.err, line);
    run_result_free(&r);
    /* none known: exit 1, the same line, nothing on stdout */
    run_on(w, db, (const char *[]){"unfreeze", "99999999", NULL}, &r);
    assert_stderr_is(&r, 1, line);
    run_result_free(&r);
    run_on(w, db, (const char *[]){"unfreeze", "99999998", "99999999", "99999998", NULL}, &r);
    snprintf(line, sizeof(line),
             "reelsync: unfreeze: no movies with tmdb_ids 99999998, 99999999 in '%s'\n", db);
    assert_stderr_is(&r, 1, line);
    run_result_free(&r);
    /* --json names them too */
    run_on(w, db, (const char *[]){"--json", "unfreeze", id, "99999999", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "{\"unfrozen\":0,\"unknown\":[99999999]}\n");
    run_result_free(&r);
    free(db);
}

/* ---- publish ----------------------------------------------------------------------------- */

/* collect --publish: DIR/current/ holds the tables; a failed run publishes nothing. */
static void collect_publishes(void **state)
{
    struct world *w = *state;
    char *db = small_db(w), *pub = path_join(w->dir, "pub"), sql[1024];
    struct run_result r;
    run_on(w, db,
           (const char *[]){"--json", "collect", "--refresh-only", "--publish", pub, "--tmdb-rps",
                            "0", "--omdb-rps", "0", NULL},
           &r);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    char want[1024];
    snprintf(want, sizeof(want), "%s/snapshots/20261125T000000Z", pub);
    assert_string_equal(json_string_value(json_object_get(doc, "published")), want);
    json_decref(doc);
    run_result_free(&r);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM '%s/current/movies.parquet'", pub);
    assert_int_equal(db_i64(db, sql), db_i64(db, "SELECT count(*) FROM movies"));
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM '%s/current/omdb_movies.parquet'", pub);
    assert_int_equal(db_i64(db, sql), db_i64(db, "SELECT count(*) FROM omdb_movies"));

    /* a run that fails (a rejected key) leaves what was published */
    char *pub2 = path_join(w->dir, "pub-failed");
    const char *argv[] = {RS_REELSYNC_BIN,   "--db",      db,   "--quiet", "collect",
                          "--discover-only", "--publish", pub2, NULL};
    struct fake_env env;
    run_program(argv, fake_env(&env, &w->fake, (const char *[]){"TMDB_API_KEY=wrong", NULL}), &r);
    assert_int_equal(r.status, 1);
    assert_int_equal(access(pub2, F_OK), -1);
    run_result_free(&r);
    free(pub2);
    free(pub);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sigint_exits_130),      cmocka_unit_test(sigterm_exits_143),
        cmocka_unit_test(stats_shows_durations), cmocka_unit_test(backlog),
        cmocka_unit_test(export_by_extension),   cmocka_unit_test(export_unknown_extension),
        cmocka_unit_test(export_to_stdout),      cmocka_unit_test(unfreeze_unknown_ids),
        cmocka_unit_test(collect_publishes),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
