/*
 * Crash safety (issue 6): `kill -9` of build/reelsync collect at 20 pseudo-random moments,
 * each followed by the invariants, then one clean run that finishes the work:
 *   - the database opens (DuckDB replays its WAL);
 *   - no half-written movie: a details row exists exactly when its tracking stamp does;
 *   - nothing duplicated.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <duckdb.h>

#include "reelsync/store.h"
#include "test.h"

#define KILLS 20

/* Each query counts violations of one invariant; all must be 0. */
static const char *const invariants[] = {
    /* a TMDB row without its stamp, or a stamp without its row */
    "SELECT count(*) FROM tmdb_movies t LEFT JOIN movies m USING (tmdb_id)"
    " WHERE m.last_tmdb_update IS NULL",
    "SELECT count(*) FROM movies m LEFT JOIN tmdb_movies t USING (tmdb_id)"
    " WHERE m.last_tmdb_update IS NOT NULL AND t.tmdb_id IS NULL",
    /* an OMDB stamp without the row of the movie's IMDb id */
    "SELECT count(*) FROM movies m LEFT JOIN omdb_movies o ON o.imdb_id = m.imdb_id"
    " WHERE m.last_omdb_update IS NOT NULL AND o.imdb_id IS NULL",
    /* an OMDB row nobody points to */
    "SELECT count(*) FROM omdb_movies o WHERE NOT EXISTS"
    " (SELECT 1 FROM movies m WHERE m.imdb_id = o.imdb_id AND m.last_omdb_update IS NOT NULL)",
    /* duplicates */
    "SELECT count(*) - count(DISTINCT tmdb_id) FROM movies",
    "SELECT count(*) - count(DISTINCT tmdb_id) FROM tmdb_movies",
    "SELECT count(*) - count(DISTINCT imdb_id) FROM omdb_movies",
};

static void check_invariants(const char *db, int round)
{
    if (access(db, F_OK) != 0)
        return; /* killed before the file was created: nothing to break */
    if (db_i64(db, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'tmdb_movies'") == 0)
        return; /* killed before the schema's transaction committed: an empty file */
    for (size_t i = 0; i < sizeof(invariants) / sizeof(invariants[0]); i++) {
        int64_t bad = db_i64(db, invariants[i]);
        if (bad != 0)
            fail_msg("after kill %d: %lld violations of: %s", round, (long long)bad, invariants[i]);
    }
}

/*
 * Starts a collect as of ROUND x 31 days after 2026-11-25, so each round finds most movies
 * due again (every category but ARCHIVED has an interval of 30 days or less).
 */
static pid_t start_collect(const char *db, const struct fake *f, int round, const char *rps,
                           int errfd)
{
    char now[32];
    struct fake_env env;
    const char *const *envp = fake_env(&env, f, NULL);
    rs_time_format(at("2026-11-25") + (rs_time_t)round * 31 * RS_DAY_SECONDS, now, sizeof(now));
    pid_t pid = fork();
    if (pid == 0) {
        const char *argv[] = {RS_REELSYNC_BIN,
                              "--db",
                              db,
                              "--now",
                              now,
                              "--quiet",
                              "--log-level",
                              "debug",
                              "collect",
                              "--start-year",
                              "2024",
                              "--end-year",
                              "2026",
                              "--max-pages",
                              "0",
                              "--min-vote-count",
                              "0",
                              "--refresh-limit",
                              "100000",
                              "--tmdb-rps",
                              rps,
                              "--omdb-rps",
                              "0",
                              NULL};
        for (size_t i = 0; envp[i]; i++)
            putenv((char *)envp[i]);
        freopen("/dev/null", "w", stdout);
        if (errfd >= 0)
            dup2(errfd, 2);
        else
            freopen("/dev/null", "w", stderr);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/*
 * Reads the run's log from FD until the refresh has committed a batch of details (the debug
 * line "batch: committed" after "refresh:"): the moment to interrupt it mid-way, however
 * slow the machine. False at the end of the log.
 */
static bool wait_for_details(FILE *log)
{
    char line[1024];
    bool refreshing = false;
    while (fgets(line, sizeof(line), log)) {
        refreshing = refreshing || strstr(line, "refresh:") != NULL;
        if (refreshing && strstr(line, "batch: committed"))
            return true;
    }
    return false;
}

static void kill_nine_times_twenty(void **state)
{
    (void)state;
    char *dir = tmpdir_create();
    char *db = path_join(dir, "crash.duckdb");
    struct fake f = {0};
    const char *args[] = {"--movies",   "20000",        "--seed", "9", "--now",
                          "2026-11-25", "--latency-ms", "20",     NULL};
    fake_start(&f, args);
    unsigned seed = 12345;
    int killed = 0;
    for (int round = 1; round <= KILLS; round++) {
        pid_t pid = start_collect(db, &f, round, "0", -1);
        seed = seed * 1103515245u + 12345u;
        /* a moment 20 ms to 1.5 s into a run of about 2 s: opening, discovering, refreshing */
        struct timespec ts = {0, (long)(20 + (seed >> 8) % 1480) * 1000000L};
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec = ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
        }
        nanosleep(&ts, NULL);
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            killed++;
        }
        check_invariants(db, round);
    }
    print_message("killed %d of %d runs; movies %lld, with details %lld\n", killed, KILLS,
                  (long long)db_i64(db, "SELECT count(*) FROM movies"),
                  (long long)db_i64(db, "SELECT count(*) FROM tmdb_movies"));
    assert_true(killed >= KILLS / 2); /* the test did kill runs mid-way */

    /* one clean run finishes the work */
    pid_t pid = start_collect(db, &f, KILLS, "0", -1);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    check_invariants(db, KILLS + 1);
    assert_int_equal(db_i64(db, "SELECT count(*) FROM movies WHERE last_tmdb_update IS NULL"
                                " AND tmdb_gone_at IS NULL"),
                     0);
    assert_true(db_i64(db, "SELECT count(*) FROM movies") > 100);
    fake_stop(&f);
    free(db);
    tmpdir_remove(dir);
}

/*
 * SIGINT mid-run: no new request starts, what arrived is stored, the run says so and exits
 * 130 (128 + SIGINT). The run is slowed to 20 TMDB requests a second, and the signal sent
 * once its log says a batch of details was committed, so it lands mid-way on a slow machine
 * too.
 */
static void sigint_keeps_what_arrived(void **state)
{
    (void)state;
    char *dir = tmpdir_create();
    char *db = path_join(dir, "int.duckdb");
    struct fake f = {0};
    const char *args[] = {"--movies", "20000", "--seed", "9", "--now", "2026-11-25", NULL};
    fake_start(&f, args);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = start_collect(db, &f, 0, "20", fds[1]);
    close(fds[1]);
    FILE *log = fdopen(fds[0], "r");
    assert_true(wait_for_details(log));
    kill(pid, SIGINT);
    char line[1024];
    while (fgets(line, sizeof(line), log)) {
        /* drain the log, so the run never blocks on a full pipe */
    }
    fclose(log);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 128 + SIGINT);
    check_invariants(db, 0);
    int64_t movies = db_i64(db, "SELECT count(*) FROM movies");
    int64_t details = db_i64(db, "SELECT count(*) FROM tmdb_movies");
    print_message("interrupted: %lld movies, %lld with details\n", (long long)movies,
                  (long long)details);
    assert_true(details > 0);      /* what arrived before the signal is stored */
    assert_true(details < movies); /* and the run really stopped early */
    int64_t runs = db_i64(db, "SELECT count(*) FROM runs WHERE ended_at IS NOT NULL");
    assert_int_equal(runs, 1); /* the interrupted run was recorded as ended */
    fake_stop(&f);
    free(db);
    tmpdir_remove(dir);
}

/*
 * Runs this program again as "test_crash WHAT PATH" (die_after, below: it exits without
 * closing anything, as if killed) and waits for its success.
 */
static void die_in_child(const char *what, const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", "test_crash", what, path, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * A process that dies right after its open, with the new file's migrations committed and
 * not yet checkpointed (a collect killed before it first lets go of the file): the
 * migrations were in the WAL, which DuckDB 1.4 cannot replay when it opens the file as its
 * main database (the DuckDB CLI, a notebook, db_i64 here): "Calling
 * DatabaseManager::GetDefaultDatabase with no default database set", on movies' column
 * comments (store_commit_schema).
 */
static void died_after_its_first_open(void **state)
{
    (void)state;
    char *dir = tmpdir_create();
    char *db = path_join(dir, "first.duckdb");
    die_in_child("open-and-die", db);
    assert_int_equal(db_i64(db, "SELECT count(*) FROM schema_version"), store_schema_version());
    assert_true(db_i64(db, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'movies'"
                           " AND comment IS NOT NULL") > 0);
    free(db);
    tmpdir_remove(dir);
}

/*
 * A file whose WAL holds such a change already (left by an older reelsync, or by another
 * program: here a comment on movies.title made through DuckDB directly, never checkpointed)
 * is opened by reelsync, which attaches the file and replays it, and mended by its close's
 * checkpoint: DuckDB opens it directly afterwards.
 */
static void a_wal_duckdb_cannot_replay_is_mended(void **state)
{
    (void)state;
    char *dir = tmpdir_create();
    char *db = path_join(dir, "mend.duckdb");
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(db, STORE_READ_WRITE, &st, &err), RS_OK);
    store_close(st);
    die_in_child("alter-and-die", db);
    assert_int_equal(store_open(db, STORE_READ_WRITE, &st, &err), RS_OK);
    store_close(st);
    char *comment = db_str(db, "SELECT comment FROM duckdb_columns() WHERE table_name ="
                               " 'movies' AND column_name = 'title'");
    assert_string_equal(comment, "in the WAL only");
    free(comment);
    free(db);
    tmpdir_remove(dir);
}

/* The child processes of the two tests above; 2 for a WHAT neither knows. */
static int die_after(const char *what, const char *path)
{
    if (strcmp(what, "open-and-die") == 0) {
        struct store *st = NULL;
        struct rs_error err = {0};
        return store_open(path, STORE_READ_WRITE, &st, &err) == RS_OK ? 0 : 1;
    }
    if (strcmp(what, "alter-and-die") != 0)
        return 2;
    duckdb_database db;
    duckdb_connection con;
    if (duckdb_open(path, &db) != DuckDBSuccess || duckdb_connect(db, &con) != DuckDBSuccess)
        return 1;
    return duckdb_query(con,
                        "SET checkpoint_threshold = '1GB';"
                        " COMMENT ON COLUMN movies.title IS 'in the WAL only'",
                        NULL) == DuckDBSuccess
               ? 0
               : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3)
        _exit(die_after(argv[1], argv[2])); /* no close, no checkpoint: as if killed */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sigint_keeps_what_arrived),
        cmocka_unit_test(kill_nine_times_twenty),
        cmocka_unit_test(died_after_its_first_open),
        cmocka_unit_test(a_wal_duckdb_cannot_replay_is_mended),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
