/*
 * The shared database (issue 13): build/reelsync waits for a file another program holds
 * (build/holddb stands in for a notebook) up to --lock-timeout, names the holder, and is
 * exit status 4 past it (one JSON object under --json); a slow collect lets readers in
 * between its commits; answers received while another program holds the file end up in the
 * database, after the holder lets go or, after a kill -9, at the next collect (the journal);
 * a --db that does not exist is exit 3 for the commands that need one, and nothing is made.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#include <jansson.h>

#define NOW "2026-11-25"

struct world {
    struct fake fake;
    char *dir, *db;
};

static void run_at(struct world *w, const char *now, const char *const *args, struct run_result *r)
{
    run_reelsync(&w->fake, w->db, now, args, r);
}

/* A slow refresh (2 requests a second per API) of every movie, as of NOW, in the background. */
static pid_t start_slow_collect(struct world *w, const char *now, const char *errfile)
{
    struct fake_env env;
    const char *const *envp = fake_env(&env, &w->fake, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        for (size_t i = 0; envp[i]; i++)
            putenv((char *)envp[i]);
        freopen("/dev/null", "w", stdout);
        freopen(errfile, "w", stderr);
        execl(RS_REELSYNC_BIN, RS_REELSYNC_BIN, "--db", w->db, "--now", now, "--quiet", "collect",
              "--refresh-only", "--tmdb-rps", "2", "--omdb-rps", "2", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* build/holddb PATH MODE SECONDS; waits for its "holding" line (or, for probe, nothing). */
static pid_t start_holder(const char *path, const char *mode, const char *seconds, FILE **out)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl(RS_HOLDDB_BIN, RS_HOLDDB_BIN, path, mode, seconds, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    *out = fdopen(fds[0], "r");
    char line[256] = "";
    if (strcmp(mode, "probe") != 0) {
        assert_non_null(fgets(line, sizeof(line), *out));
        assert_string_equal(line, "holding\n");
    }
    return pid;
}

static int finish(pid_t pid, FILE *out)
{
    int status = 0;
    waitpid(pid, &status, 0);
    if (out)
        fclose(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A database of 40 movies of 2026, collected as of NOW. */
static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    *state = w;
    fake_start(&w->fake, (const char *[]){"--movies", "2000", "--now", NOW, NULL});
    w->dir = tmpdir_create();
    w->db = path_join(w->dir, "m.duckdb");
    struct run_result r;
    run_at(w, NOW,
           (const char *[]){"--quiet", "collect", "--start-year", "2026", "--end-year", "2026",
                            "--max-pages", "2", "--tmdb-rps", "200", "--omdb-rps", "200", NULL},
           &r);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    fake_stop(&w->fake);
    tmpdir_remove(w->dir);
    free(w->db);
    free(w);
    return 0;
}

/* A holder that lets go within the wait: the command waits, says so once, and succeeds. */
static void waits_for_a_holder(void **state)
{
    struct world *w = *state;
    static const char *const cmds[][4] = {
        {"--quiet", "collect", "--refresh-only", NULL}, {"stats", NULL}, {"plan", NULL}};
    for (size_t c = 0; c < 3; c++) {
        FILE *out;
        pid_t h = start_holder(w->db, "rw", "1.5", &out);
        struct run_result r;
        run_at(w, "2027-01-01", cmds[c], &r);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.err, "' is held by " RS_HOLDDB_BIN " (PID "));
        assert_non_null(strstr(r.err, "waiting up to 60 s (--lock-timeout)"));
        assert_null(strstr(strstr(r.err, "is held by") + 1, "is held by")); /* once */
        run_result_free(&r);
        assert_int_equal(finish(h, out), 0);
    }
}

/* Held past --lock-timeout: exit 4, one line naming the holder; --json adds the object. */
static void times_out_with_exit_4(void **state)
{
    struct world *w = *state;
    FILE *out;
    pid_t h = start_holder(w->db, "ro", "30", &out);
    struct run_result r;
    run_at(w, "2027-01-01", (const char *[]){"--lock-timeout", "1", "--quiet", "collect", NULL},
           &r);
    assert_int_equal(r.status, 4);
    assert_string_equal(r.out, "");
    char pid[32];
    snprintf(pid, sizeof(pid), "(PID %ld)", (long)h);
    assert_non_null(strstr(r.err, pid));
    assert_non_null(strstr(r.err, "reelsync: collect: cannot open '"));
    assert_non_null(strstr(r.err, "for 1 s (wait longer with --lock-timeout, or close that "
                                  "program)\n"));
    run_result_free(&r);

    run_at(w, "2027-01-01",
           (const char *[]){"--lock-timeout", "0", "--json", "export", "--out", "/dev/null",
                            "--format", "csv", NULL},
           &r);
    assert_int_equal(r.status, 0); /* a reader gets in beside a read-only holder */
    run_result_free(&r);
    run_at(w, "2027-01-01",
           (const char *[]){"--lock-timeout", "0", "--json", "unfreeze", "--all", NULL}, &r);
    assert_int_equal(r.status, 4);
    struct json_t *doc = doc_parse(r.out);
    char want[1024];
    snprintf(want, sizeof(want),
             "{\"result\":\"locked\",\"db\":\"%s\",\"holder\":{\"pid\":%ld,\"program\":\"%s\"},"
             "\"waited_s\":0}\n",
             w->db, (long)h, RS_HOLDDB_BIN);
    assert_string_equal(r.out, want);
    assert_int_equal(line_count(r.err), 1);
    json_decref(doc);
    run_result_free(&r);
    kill(h, SIGTERM);
    finish(h, out);
}

/* A reader opening read-only gets in at some point during a slow collect. */
static void reader_gets_in_during_a_slow_collect(void **state)
{
    struct world *w = *state;
    char *errfile = path_join(w->dir, "slow.err");
    pid_t c = start_slow_collect(w, "2027-03-01", errfile);
    pause_ms(1500); /* the run has opened the file and is on the network */
    FILE *out;
    pid_t p = start_holder(w->db, "probe", "15", &out);
    char line[128] = "";
    assert_non_null(fgets(line, sizeof(line), out));
    assert_non_null(strstr(line, "opened after"));
    assert_int_equal(finish(p, out), 0);
    assert_int_equal(finish(c, NULL), 0);
    free(errfile);
}

/* Answers received while another program holds the file are stored once it lets go. */
static void answers_survive_a_long_hold(void **state)
{
    struct world *w = *state;
    char *errfile = path_join(w->dir, "hold.err");
    pid_t c = start_slow_collect(w, "2027-06-01", errfile);
    pause_ms(2500);
    FILE *out;
    pid_t h = start_holder(w->db, "rw", "5", &out);
    assert_int_equal(finish(h, out), 0);
    assert_int_equal(finish(c, NULL), 0);
    char *err = slurp_file(errfile, NULL);
    assert_non_null(strstr(err, "answers kept in memory and in '")); /* it did wait */
    free(err);
    int64_t movies = db_i64(w->db, "SELECT count(*) FROM movies WHERE tmdb_gone_at IS NULL");
    assert_int_equal(db_i64(w->db, "SELECT count(*) FROM tmdb_movies"
                                   " WHERE fetched_at = TIMESTAMP '2027-06-01 00:00:00'"),
                     movies);
    free(errfile);
}

/* A kill -9 while another program holds the file: the next collect applies the journal. */
static void kill_while_held_then_journal_applied(void **state)
{
    struct world *w = *state;
    char *errfile = path_join(w->dir, "kill.err");
    char journal[1024];
    snprintf(journal, sizeof(journal), "%s.journal", w->db);
    pid_t c = start_slow_collect(w, "2027-09-01", errfile);
    pause_ms(1500);
    FILE *out;
    pid_t h = start_holder(w->db, "rw", "60", &out);
    /* wait until the journal holds answers (a commit found the file held), then a bit more */
    for (int i = 0; i < 200 && access(journal, F_OK) != 0; i++)
        pause_ms(100);
    assert_int_equal(access(journal, F_OK), 0);
    pause_ms(2500);
    kill(c, SIGKILL);
    assert_int_equal(finish(c, NULL), 128 + SIGKILL);
    size_t len = 0;
    char *text = slurp_file(journal, &len);
    int64_t tmdb = 0;
    for (const char *p = text; p; p = strstr(p + 1, "\nT "))
        tmdb += p == text ? *p == 'T' : 1;
    free(text);
    assert_true(tmdb > 0);
    kill(h, SIGTERM);
    finish(h, out);
    struct run_result r;
    run_at(w, "2027-09-02",
           (const char *[]){"--quiet", "collect", "--discover-only", "--start-year", "1900",
                            "--end-year", "1900", NULL},
           &r);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
    assert_int_equal(access(journal, F_OK), -1);
    assert_true(db_i64(w->db, "SELECT count(*) FROM tmdb_movies"
                              " WHERE fetched_at = TIMESTAMP '2027-09-01 00:00:00'") >= tmdb);
    free(errfile);
}

/* stats, export, unfreeze: a --db that does not exist is exit 3, and nothing is created. */
static void missing_db_is_exit_3(void **state)
{
    struct world *w = *state;
    char *missing = path_join(w->dir, "typo.duckdb");
    static const char *const cmds[][6] = {{"stats", NULL},
                                          {"export", "--out", "x.csv", NULL},
                                          {"unfreeze", "--all", NULL},
                                          {"history", "27205", NULL},
                                          {"runs", NULL}};
    for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
        const char *argv[12] = {RS_REELSYNC_BIN, "--db", missing};
        size_t n = 3;
        for (size_t i = 0; cmds[c][i]; i++)
            argv[n++] = cmds[c][i];
        struct run_result r;
        run_program(argv, NULL, &r);
        char line[1024];
        snprintf(line, sizeof(line),
                 "reelsync: %s: cannot open '%s': no such file (give the path of an existing "
                 "database with --db; collect creates one)\n",
                 cmds[c][0], missing);
        assert_stderr_is(&r, 3, line);
        run_result_free(&r);
        assert_int_equal(access(missing, F_OK), -1);
    }
    free(missing);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(waits_for_a_holder),
        cmocka_unit_test(times_out_with_exit_4),
        cmocka_unit_test(reader_gets_in_during_a_slow_collect),
        cmocka_unit_test(answers_survive_a_long_hold),
        cmocka_unit_test(kill_while_held_then_journal_applied),
        cmocka_unit_test(missing_db_is_exit_3),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
