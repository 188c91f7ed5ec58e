/*
 * The reelsync commands against reelsync-fakeapi and a temporary database: collect --json
 * (keys and numbers), plan, stats --json, export in the three formats, unfreeze, a rejected
 * key, and the progress display (no control characters when stderr is not a terminal, a
 * live line on a pseudo-terminal).
 *
 * These need the store, the HTTP engine, the API parsers and the orchestrator; on the cli
 * branch before the merge they fail by design ("not merged yet").
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reelsync/store.h"
#include "test.h"

#define NOW "2026-11-25"
#define LATER "2026-12-27" /* 32 days on: every movie released in 2026 is due again */

struct world {
    struct fake fake;
    char *dir, *db;
    char env[4][160];
    json_t *collect; /* collect --json of the shared first run */
};

static const char *const *envp(struct world *w)
{
    static const char *e[8];
    for (int i = 0; i < 4; i++)
        e[i] = w->env[i];
    e[4] = "REELSYNC_LOG_LEVEL=";
    e[5] = "TMDB_ACCESS_TOKEN=";
    e[6] = NULL;
    return e;
}

static void run(struct world *w, const char *const *args, struct run_result *r)
{
    const char *argv[40] = {RS_REELSYNC_BIN, "--db", w->db, "--now", NOW};
    size_t n = 5;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    run_program(argv, envp(w), r);
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (!doc)
        print_error("not JSON (%s): %s\n", jerr.text, text);
    assert_non_null(doc);
    return doc;
}

static int64_t jget(json_t *doc, const char *a, const char *b)
{
    json_t *v = json_object_get(doc, a);
    if (b)
        v = json_object_get(v, b);
    if (!json_is_integer(v))
        print_error("no integer at %s.%s\n", a, b ? b : "");
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static const char *const collect_args[] = {
    "collect",     "--json", "--quiet",    "--start-year", "2026",       "--end-year", "2026",
    "--max-pages", "1",      "--tmdb-rps", "200",          "--omdb-rps", "200",        NULL};

static int world_setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    *state = w; /* set first: teardown runs even when setup fails half-way */
    fake_start(&w->fake, (const char *[]){"--movies", "2000", "--now", NOW, NULL});
    w->dir = tmpdir_create();
    w->db = path_join(w->dir, "c.duckdb");
    snprintf(w->env[0], sizeof(w->env[0]), "TMDB_BASE_URL=%s", w->fake.tmdb_url);
    snprintf(w->env[1], sizeof(w->env[1]), "OMDB_BASE_URL=%s", w->fake.omdb_url);
    snprintf(w->env[2], sizeof(w->env[2]), "TMDB_API_KEY=test");
    snprintf(w->env[3], sizeof(w->env[3]), "OMDB_API_KEY=test");
    struct run_result r;
    run(w, collect_args, &r);
    if (r.status != 0)
        print_error("collect: status %d: %s\n", r.status, r.err);
    assert_int_equal(r.status, 0);
    w->collect = parse(r.out);
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
    json_decref(w->collect);
    if (w->dir)
        tmpdir_remove(w->dir);
    free(w->db);
    free(w);
    return 0;
}

static void collect_json_keys(void **state)
{
    struct world *w = *state;
    static const char *const classes[] = {"network",      "timeout",        "rate_limited",
                                          "server_error", "not_found",      "auth",
                                          "bad_response", "quota_exhausted"};
    json_t *s = w->collect;
    int64_t discovered = jget(s, "discovered", NULL);
    assert_true(discovered >= 1 && discovered <= 20); /* one page of at most 20 */
    assert_int_equal(jget(s, "discovered_new", NULL), discovered);
    /* A fault-free server: every due movie is updated, nothing fails. */
    assert_int_equal(jget(s, "tmdb_updated", NULL), discovered);
    assert_int_equal(jget(s, "failed", "tmdb"), 0);
    assert_int_equal(jget(s, "failed", "omdb"), 0);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(jget(s, "errors", classes[i]), 0);
    assert_int_equal(jget(s, "requests", "tmdb"), 1 + discovered);
    assert_int_equal(jget(s, "requests", "omdb"), jget(s, "omdb_updated", NULL));
    assert_int_equal(jget(s, "frozen", NULL), 0);
    assert_int_equal(jget(s, "deferred_by_quota", NULL), 0);
    assert_true(json_is_real(json_object_get(s, "duration_s")));
    assert_string_equal(json_string_value(json_object_get(s, "result")), "ok");
}

static void plan_after_collect(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w, (const char *[]){"--now", LATER, "plan", "--json", NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *p = parse(r.out);
    assert_int_equal(jget(p, "count", NULL), jget(w->collect, "discovered", NULL));
    json_t *first = json_array_get(json_object_get(p, "movies"), 0);
    assert_true(json_is_true(json_object_get(first, "needs_tmdb")));
    assert_non_null(strstr(json_string_value(json_object_get(first, "why")), "overdue"));
    json_decref(p);
    run_result_free(&r);
    run(w, (const char *[]){"--now", LATER, "plan", "--limit", "2", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(strncmp(r.out, "TMDB_ID", 7), 0);
    size_t lines = 0;
    for (const char *c = r.out; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 3);
    run_result_free(&r);
}

static void stats_json(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w, (const char *[]){"stats", "--json", NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *s = parse(r.out);
    json_t *tmdb = json_object_get(json_object_get(s, "apis"), "tmdb");
    assert_int_equal(jget(tmdb, "requests_today", NULL), jget(w->collect, "requests", "tmdb"));
    assert_int_equal(jget(tmdb, "daily_limit", NULL), 40000);
    assert_true(json_real_value(json_object_get(tmdb, "success_rate_30d")) == 1.0);
    assert_int_equal(jget(s, "movies", NULL), jget(w->collect, "discovered", NULL));
    assert_int_equal(jget(s, "frozen", NULL), 0);
    json_t *run0 = json_array_get(json_object_get(s, "runs"), 0);
    assert_int_equal(jget(run0, "status", NULL), 0);
    assert_int_equal(jget(json_object_get(run0, "stats"), "discovered", NULL),
                     jget(w->collect, "discovered", NULL));
    json_decref(s);
    run_result_free(&r);
    run(w, (const char *[]){"stats", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "API requests"));
    assert_non_null(strstr(r.out, "Refresh coverage"));
    run_result_free(&r);
}

static void exports(void **state)
{
    struct world *w = *state;
    static const char *const formats[] = {"csv", "parquet", "json"};
    for (size_t i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "movies.%s", formats[i]);
        char *out = path_join(w->dir, name);
        struct run_result r;
        run(w, (const char *[]){"export", "--format", formats[i], "--out", out, NULL}, &r);
        assert_int_equal(r.status, 0);
        size_t len = 0;
        char *data = read_file(out, &len);
        assert_non_null(data);
        assert_true(len > 0);
        if (i == 0) { /* header + one line per movie */
            size_t lines = 0;
            for (size_t k = 0; k < len; k++)
                lines += data[k] == '\n';
            assert_int_equal(lines, 1 + jget(w->collect, "discovered", NULL));
        }
        free(data);
        free(out);
        run_result_free(&r);
    }
}

static void unfreeze(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w, (const char *[]){"unfreeze", "--all", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "unfroze 0 movies\n");
    run_result_free(&r);
    run(w, (const char *[]){"--json", "unfreeze", "1", "2", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "{\"unfrozen\":0}\n");
    run_result_free(&r);
}

/* A rejected key: exit 1, the last stderr line says what to check, the key is not shown. */
static void rejected_key(void **state)
{
    struct world *w = *state;
    char *db = path_join(w->dir, "badkey.duckdb");
    const char *argv[] = {
        RS_REELSYNC_BIN,   "--db", db, "--quiet", "--log-level", "error", "collect",
        "--discover-only", NULL};
    const char *env[] = {w->env[0], w->env[1], "TMDB_API_KEY=wr0ng-k3y", NULL};
    struct run_result r;
    run_program(argv, env, &r);
    assert_int_equal(r.status, 1);
    const char *last = strrchr(r.err, '\n');
    assert_non_null(last);
    while (last > r.err && last[-1] != '\n')
        last--;
    assert_int_equal(strncmp(last, "reelsync: collect: ", 19), 0);
    assert_non_null(strstr(last, "TMDB_API_KEY"));
    assert_null(strstr(r.err, "wr0ng-k3y"));
    run_result_free(&r);
    free(db);
}

/*
 * --timeout reaches the engine: the server stalls 4 s and then drops the connection, so
 * with --timeout 1 the attempt ends as a timeout, while the 30 s default would see the
 * drop (network). The daily limit of 1 ends the run at the retry instead of waiting it out.
 */
static void timeout_option(void **state)
{
    struct world *w = *state;
    struct fake slow = {0};
    fake_start(&slow, (const char *[]){"--movies", "100", "--fault-rate", "1", "--faults",
                                       "timeout", "--stall-ms", "4000", NULL});
    char *db = path_join(w->dir, "timeout.duckdb");
    char base[200];
    snprintf(base, sizeof(base), "TMDB_BASE_URL=%s", slow.tmdb_url);
    const char *argv[] = {RS_REELSYNC_BIN, "--db", db, "--quiet", "--log-level", "debug",
                          "--now", NOW, "collect", "--discover-only", "--max-pages", "1",
                          "--tmdb-daily-limit", "1", "--timeout", "1", NULL};
    const char *env[] = {base, "TMDB_API_KEY=test", "TMDB_ACCESS_TOKEN=", NULL};
    struct run_result r;
    run_program(argv, env, &r);
    if (!strstr(r.err, "outcome=timeout"))
        print_error("status %d, stderr: %s\n", r.status, r.err);
    assert_non_null(strstr(r.err, "retrying api=tmdb"));
    assert_non_null(strstr(r.err, "outcome=timeout"));
    assert_null(strstr(r.err, "outcome=network"));
    run_result_free(&r);
    fake_stop(&slow);
    free(db);
}

/* Another process holds the database: exit 1, one line that says so and what to check. */
static void locked_database(void **state)
{
    struct world *w = *state;
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(w->db, STORE_READ_WRITE, &st, &err), RS_OK);
    struct run_result r;
    run(w, (const char *[]){"--quiet", "collect", "--refresh-only", NULL}, &r);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "reelsync: collect: "));
    assert_non_null(strstr(r.err, "another"));
    assert_int_equal(r.err[strlen(r.err) - 2], ')');
    assert_string_equal(r.out, "");
    run_result_free(&r);
    store_close(st);
}

/* Not a terminal (a file): progress comes as log lines, with no control character at all. */
static void progress_plain_when_not_a_tty(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w,
        (const char *[]){"--now", LATER, "collect", "--refresh-only", "--tmdb-rps", "200",
                         "--omdb-rps", "200", NULL},
        &r);
    assert_int_equal(r.status, 0);
    for (const char *c = r.err; *c; c++)
        assert_true(*c == '\n' || (unsigned char)*c >= 0x20);
    assert_non_null(strstr(r.out, "- TMDB updated: "));
    run_result_free(&r);
}

/* On a pseudo-terminal the live line is drawn with \r and cleared at the end. */
static void progress_live_on_a_pty(void **state)
{
    struct world *w = *state;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    const char *slave = ptsname(master);
    assert_non_null(slave);
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int fd = open(slave, O_RDWR);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(fd, 2);
        for (int i = 0; i < 4; i++)
            putenv(w->env[i]);
        execl(RS_REELSYNC_BIN, RS_REELSYNC_BIN, "--db", w->db, "--now", "2027-06-01", "collect",
              "--refresh-only", "--tmdb-rps", "200", "--omdb-rps", "200", (char *)NULL);
        _exit(127);
    }
    char buf[65536];
    size_t len = 0;
    for (;;) {
        ssize_t got = read(master, buf + len, sizeof(buf) - 1 - len);
        if (got <= 0)
            break; /* EIO once the child closed the terminal */
        len += (size_t)got;
    }
    buf[len] = '\0';
    int status = 0;
    waitpid(pid, &status, 0);
    close(master);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_non_null(strstr(buf, "\r\033[Krefresh "));
    assert_non_null(strstr(buf, " movies "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(collect_json_keys),
        cmocka_unit_test(plan_after_collect),
        cmocka_unit_test(stats_json),
        cmocka_unit_test(exports),
        cmocka_unit_test(unfreeze),
        cmocka_unit_test(rejected_key),
        cmocka_unit_test(timeout_option),
        cmocka_unit_test(locked_database),
        cmocka_unit_test(progress_plain_when_not_a_tty),
        cmocka_unit_test(progress_live_on_a_pty),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
