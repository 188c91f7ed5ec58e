/*
 * The collect run as a whole (src/collect/run.c) against reelsync-fakeapi over loopback
 * and a real DuckDB file: the keys checked first, the verdict (an API that rejects the key
 * stops and fails the run; a dead network fails it; one API down, a daily limit or
 * scattered failures are partial success), and the data kept through all of it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"

#include "collect_env.h"
#include "log_capture.h"

/* A sink that fails the test if a line ever holds SECRET, and counts lines. */
struct keywatch {
    const char *secret;
    int lines, leaks;
    struct rs_log log;
};

static void keywatch_fn(void *ctx, enum rs_log_level level, const char *line)
{
    struct keywatch *k = ctx;
    (void)level;
    k->lines++;
    if (k->secret && strstr(line, k->secret))
        k->leaks++;
}

static void keywatch_init(struct keywatch *k, const char *secret)
{
    *k = (struct keywatch){.secret = secret};
    k->log = (struct rs_log){.fn = keywatch_fn, .ctx = k, .level = RS_LOG_DEBUG};
}

/*
 * The keys a run needs, checked before anything else, in the words `reelsync collect`
 * prints after "reelsync: " (tests/test_cli.c): TMDB for either phase, OMDB for the
 * refresh, none for a dry run. A run without them writes nothing, not even its record.
 */
static void keys_checked_first(void **state)
{
    (void)state;
    struct env e = {0}; /* no request is made */
    struct orch_options o = opts(&e, at("2026-11-25"));
    struct rs_error err = {0};
    assert_int_equal(orch_check_keys(&o, &err), RS_OK);
    o.tmdb_key = "";
    assert_int_equal(orch_check_keys(&o, &err), RS_ERR_CONFIG);
    assert_string_equal(err.msg, "TMDB_API_KEY is not set (export TMDB_API_KEY=... or "
                                 "TMDB_ACCESS_TOKEN=..., or put it in the config file; see "
                                 "reelsync collect --help)");
    o.tmdb_token = "token";
    assert_int_equal(orch_check_keys(&o, &err), RS_OK);
    o.omdb_key = NULL;
    assert_int_equal(orch_check_keys(&o, &err), RS_ERR_CONFIG);
    assert_string_equal(err.msg, "OMDB_API_KEY is not set (export OMDB_API_KEY=... or put it "
                                 "in the config file, or run collect --discover-only; see "
                                 "reelsync collect --help)");
    o.refresh = false;
    o.discover = true;
    assert_int_equal(orch_check_keys(&o, &err), RS_OK); /* discovery asks TMDB only */
    o.refresh = true;
    o.dry_run = true;
    assert_int_equal(orch_check_keys(&o, &err), RS_OK);

    char *dir = tmpdir_create(), *db = path_join(dir, "t.duckdb");
    struct orch_stats s;
    o.dry_run = false;
    assert_int_equal(collect(db, &o, &s, &err), RS_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "OMDB_API_KEY is not set"));
    assert_int_equal(db_i64(db, "SELECT count(*) FROM runs"), 0);
    free(db);
    tmpdir_remove(dir);
}

static void auth_rejected_stops_and_hides_key(void **state)
{
    (void)state;
    struct env e = {0};
    rs_time_t now = at("2026-11-25");
    fixtures_up(&e, NULL, now);
    struct keywatch kw;
    keywatch_init(&kw, "wrong-key-4711");
    struct orch_options o = opts(&e, now);
    o.tmdb_key = "wrong-key-4711";
    o.concurrency[RS_API_TMDB] = 1;
    o.log = &kw.log;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_ERR_AUTH);
    assert_null(strstr(err.msg, "wrong-key-4711"));
    assert_int_equal(s.requests[RS_API_TMDB], 1); /* stopped at once, no quota burnt */
    assert_int_equal(fake_stat(&e.fake, "requests", "tmdb"), 1);
    assert_true(kw.lines > 0);
    assert_int_equal(kw.leaks, 0);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM tmdb_movies"), 0);
    env_down(&e);
}

static void dead_network_fails_run_keeps_data(void **state)
{
    (void)state;
    struct env e = {0};
    rs_time_t now = at("2026-11-25");
    fixtures_up(&e, NULL, now);
    struct orch_options o = opts(&e, now);
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    fake_stop(&e.fake); /* nothing listens there any more */
    o.now = at("2027-06-01");
    o.retry.max_retries = 1;
    assert_int_equal(collect(e.db, &o, &s, &err), RS_ERR_NETWORK);
    assert_true(s.errors[RS_ERR_NETWORK] > 0);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM tmdb_movies"), 10);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_tmdb_update = "
                                  "TIMESTAMP '2026-11-25 00:00:00'"),
                     10);
    env_down(&e);
}

/*
 * OMDB unreachable while TMDB works: the run fails (exit status 1) naming OMDB's URL, the
 * TMDB side is stored, the OMDB side stays due, and the attempts that never reached a
 * server are not charged to OMDB's daily limit.
 */
static void omdb_down_fails_and_stays_due(void **state)
{
    (void)state;
    struct env e = {0};
    rs_time_t now = at("2026-11-25");
    fixtures_up(&e, NULL, now);
    struct orch_options o = opts(&e, now);
    o.base_url[RS_API_OMDB] = "http://127.0.0.1:1/omdb/";
    o.retry.max_retries = 1;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_ERR_NETWORK);
    assert_string_equal(err.msg, "omdb: every request failed: cannot reach "
                                 "http://127.0.0.1:1/omdb/: connection refused (is the server "
                                 "up? is OMDB_BASE_URL right?)");
    assert_int_equal(s.tmdb_updated, 10);
    assert_int_equal(s.omdb_updated, 0);
    assert_int_equal(s.failed[RS_API_OMDB], 8);
    assert_int_equal(s.errors[RS_ERR_NETWORK], 8);
    assert_true(s.requests[RS_API_OMDB] > 0);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_omdb_update IS NULL"),
                     N_FIXTURES);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM api_usage WHERE api = 'omdb'"), 0);
    assert_true(db_i64(e.db, "SELECT sum(count) FROM api_usage WHERE api = 'tmdb'") >= 10);
    /* the next run asks OMDB again for exactly those, and TMDB for nothing */
    o.base_url[RS_API_OMDB] = e.fake.omdb_url;
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.requests[RS_API_TMDB], 0);
    assert_int_equal(s.omdb_updated, 8);
    env_down(&e);
}

static void quota_defers_and_counts_across_runs(void **state)
{
    (void)state;
    struct env e = {0};
    rs_time_t now = at("2026-11-25T08:00:00Z");
    fixtures_up(&e, NULL, now);
    struct orch_options o = opts(&e, now);
    o.daily_limit[RS_API_OMDB] = 3;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.omdb_updated, 3);
    assert_int_equal(s.requests[RS_API_OMDB], 3);
    assert_int_equal(s.deferred_by_quota, 5);
    assert_int_equal(fake_stat(&e.fake, "requests", "omdb"), 3);
    /* later the same day: the stored usage already reaches the limit */
    o.now = at("2026-11-25T20:00:00Z");
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.requests[RS_API_OMDB], 0);
    assert_int_equal(s.deferred_by_quota, 5);
    /* each new UTC day brings 3 more, until all 8 are in */
    o.now = at("2026-11-26T08:00:00Z");
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.omdb_updated, 3);
    assert_int_equal(s.deferred_by_quota, 2);
    o.now = at("2026-11-27T08:00:00Z");
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.omdb_updated, 2);
    assert_int_equal(s.deferred_by_quota, 0);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM omdb_movies"), 8);
    assert_int_equal(db_i64(e.db, "SELECT sum(count) FROM api_usage WHERE api = 'omdb' "
                                  "AND day = DATE '2026-11-26'"),
                     3);
    env_down(&e);
}

/*
 * OMDB answers both a used-up daily quota and a bad key with 401; only the body tells them
 * apart. The quota (the server's, not ours) stops OMDB and leaves the rest due, a partial
 * success; the bad key stops OMDB and fails the run. TMDB's work is stored either way.
 */
static void omdb_401_quota_or_key_by_body(void **state)
{
    (void)state;
    struct env e = {0};
    const char *args[] = {"--omdb-daily-limit", "3", NULL};
    rs_time_t now = at("2026-11-25");
    fixtures_up(&e, args, now);
    struct orch_options o = opts(&e, now);
    o.concurrency[RS_API_OMDB] = 1;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.tmdb_updated, 10);
    assert_int_equal(s.omdb_updated, 3);
    assert_int_equal(s.requests[RS_API_OMDB], 4); /* the 4th met the server's limit */
    assert_int_equal(s.errors[RS_ERR_AUTH], 0);
    assert_int_equal(s.deferred_by_quota, 5);
    assert_int_equal(fake_stat(&e.fake, "requests", "omdb"), 4);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM omdb_movies"), 3);
    assert_int_equal(db_i64(e.db, "SELECT sum(count) FROM api_usage WHERE api = 'omdb' AND "
                                  "outcome = 'quota_exhausted'"),
                     1);
    env_down(&e);

    fixtures_up(&e, NULL, now);
    o = opts(&e, now);
    o.omdb_key = "not-the-key";
    o.concurrency[RS_API_OMDB] = 1;
    assert_int_equal(collect(e.db, &o, &s, &err), RS_ERR_AUTH);
    assert_non_null(strstr(err.msg, "OMDB"));
    assert_int_equal(s.tmdb_updated, 10);
    assert_int_equal(s.omdb_updated, 0);
    assert_int_equal(s.requests[RS_API_OMDB], 1); /* stopped at once */
    assert_int_equal(fake_stat(&e.fake, "requests", "omdb"), 1);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM tmdb_movies"), 10);
    env_down(&e);
}

static void partial_success_then_complete(void **state)
{
    (void)state;
    struct env e = {0};
    /* 20 % of requests fail, with every fault kind of the fake; a stall outlasts the timeout */
    const char *args[] = {"--movies",
                          "300",
                          "--seed",
                          "11",
                          "--now",
                          "2026-11-25",
                          "--fault-rate",
                          "0.2",
                          "--stall-ms",
                          "3000",
                          "--faults",
                          "429,500,502html,503,reset,timeout,malformed,truncated",
                          NULL};
    env_up(&e, args);
    rs_time_t now = at("2026-11-25");
    struct orch_options o = opts(&e, now);
    o.timeout_ms = 1000;
    o.discover = true;
    o.refresh = false;
    o.start_year = 1900;
    o.end_year = 2027;
    o.max_pages = 0;
    struct orch_stats s;
    struct rs_error err = {0};
    /* discovery with retries: every page arrives despite the faults */
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    int64_t movies = db_i64(e.db, "SELECT count(*) FROM movies");
    assert_true(movies > 200);
    assert_int_equal(s.discovered, movies);

    /* refresh without retries: some fail, the rest is stored, the run succeeds */
    o.discover = false;
    o.refresh = true;
    o.retry.max_retries = 0;
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.planned, movies);
    assert_true(s.failed[RS_API_TMDB] > 0);
    /* every failure class the faults map to was met (their choice is seeded: repeatable) */
    static const enum rs_err met[] = {RS_ERR_RATE_LIMITED, RS_ERR_SERVER_ERROR, RS_ERR_NETWORK,
                                      RS_ERR_TIMEOUT, RS_ERR_BAD_RESPONSE};
    for (size_t i = 0; i < sizeof(met) / sizeof(met[0]); i++) {
        if (s.errors[met[i]] == 0)
            fail_msg("no %s failure in the soak", rs_errname(met[i]));
    }
    assert_int_equal(s.tmdb_updated + s.failed[RS_API_TMDB] + s.gone, movies);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM tmdb_movies"), s.tmdb_updated);
    /*
     * Repeated runs collect everything, nothing duplicated. A run left with a few movies
     * whose every request draws a fault ends failed (exit 1: the API failed every request
     * it had, its work stays due), which is what it should say: the next run goes on.
     */
    for (int i = 0; i < 12 && db_i64(e.db, "SELECT count(*) FROM movies"
                                           " WHERE last_tmdb_update IS NULL") > 0;
         i++) {
        enum rs_err rc = collect(e.db, &o, &s, &err);
        if (rc != RS_OK && (rc < RS_OUTCOME_FIRST || rc > RS_OUTCOME_LAST))
            fail_msg("run %d: %s", i, err.msg);
    }
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_tmdb_update IS NULL"), 0);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM tmdb_movies"), movies);
    assert_int_equal(db_i64(e.db, "SELECT count(DISTINCT tmdb_id) FROM movies"), movies);
    /* and every movie with an IMDb id has its OMDB answer: a row, or a not-found stamp */
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE imdb_id IS NOT NULL AND "
                                  "last_omdb_update IS NULL AND omdb_not_found_at IS NULL"),
                     0);
    assert_true(db_i64(e.db, "SELECT count(*) FROM omdb_movies") > 0);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies m JOIN omdb_movies o "
                                  "ON o.imdb_id = m.imdb_id WHERE m.last_omdb_update IS NULL"),
                     0);
    env_down(&e);
}

/* A loopback port nothing listens on: bound by us, then closed. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/*
 * Both base URLs on a closed port, a one-year collect over movies due: the breaker stops
 * TMDB after HTTP_BREAKER_FAILURES connection failures in a row (plus what was in flight),
 * OMDB is never asked, every movie stays due, nothing is charged to the daily limits, and
 * the run fails naming the URL it could not reach.
 */
static void closed_ports_stop_at_once_charge_nothing(void **state)
{
    (void)state;
    struct env e = {0};
    struct capture c;
    char tmdb[96], omdb[96], want[256];
    rs_time_t now = at("2026-11-25");
    fixtures_up(&e, NULL, now);
    int port = closed_port();
    snprintf(tmdb, sizeof(tmdb), "http://127.0.0.1:%d/3", port);
    snprintf(omdb, sizeof(omdb), "http://127.0.0.1:%d/omdb/", port);
    struct orch_options o = opts(&e, at("2027-06-01"));
    o.base_url[RS_API_TMDB] = tmdb;
    o.base_url[RS_API_OMDB] = omdb;
    o.discover = true;
    o.start_year = o.end_year = 2026;
    capture_init(&c);
    c.log.level = RS_LOG_WARN;
    o.log = &c.log;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_ERR_NETWORK);
    snprintf(want, sizeof(want),
             "tmdb: every request failed: cannot reach %s: connection refused (is the server up? "
             "is TMDB_BASE_URL right?)",
             tmdb);
    assert_string_equal(err.msg, want);
    snprintf(want, sizeof(want),
             "tmdb: %d connection failures in a row (connection refused to %s); stopping TMDB "
             "for this run",
             HTTP_BREAKER_FAILURES, tmdb);
    assert_logged(&c, want);
    /* the page's attempts, then the breaker: no more than what was in flight when it tripped */
    assert_true(s.requests[RS_API_TMDB] >= HTTP_BREAKER_FAILURES);
    assert_true(s.requests[RS_API_TMDB] <= HTTP_BREAKER_FAILURES + o.concurrency[RS_API_TMDB]);
    assert_int_equal(s.requests[RS_API_OMDB], 0);
    assert_int_equal(s.errors[RS_ERR_NETWORK], 1 + N_FIXTURES); /* the page and every movie */
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM api_usage"), 0);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_tmdb_update IS NULL"),
                     N_FIXTURES);
    env_down(&e);
}

/* Runs build/reelsync collect of 2026 against F with ENV overriding its base URLs. */
static void cli_collect_at(const struct fake *f, const char *db, const char *now,
                           const char *const *extra, struct run_result *r)
{
    struct fake_env env;
    const char *argv[] = {
        RS_REELSYNC_BIN, "--db",        db,           "--now",       now,
        "--quiet",       "--log-level", "error",      "collect",     "--start-year",
        "2026",          "--end-year",  "2026",       "--max-pages", "1",
        "--tmdb-rps",    "500",         "--omdb-rps", "500",         NULL};
    run_program(argv, fake_env(&env, f, extra), r);
}

static void cli_collect_env(const struct fake *f, const char *db, const char *const *extra,
                            struct run_result *r)
{
    cli_collect_at(f, db, "2026-11-25", extra, r);
}

/*
 * An API answering 404 to every request fails the run (exit status 1) even while the other
 * one works, and the line names the URL and the variable to check: OMDB_BASE_URL on a path
 * that 404s everything; TMDB_BASE_URL without /3.
 */
static void every_404_is_a_wrong_url(void **state)
{
    (void)state;
    struct env e = {0};
    struct run_result r;
    char nope[160], bare[160], want[256];
    env_up(&e, (const char *[]){"--movies", "2000", "--now", "2026-11-25", NULL});
    snprintf(nope, sizeof(nope), "OMDB_BASE_URL=%s/nope/", e.fake.base);
    cli_collect_env(&e.fake, e.db, (const char *[]){nope, NULL}, &r);
    snprintf(want, sizeof(want),
             "omdb: every request failed: %s/nope/ answered 404 Not Found to all ", e.fake.base);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, want));
    assert_non_null(strstr(r.err, "(is OMDB_BASE_URL right?)\n"));
    assert_true(db_i64(e.db, "SELECT count(*) FROM tmdb_movies") > 0); /* TMDB worked */
    run_result_free(&r);

    snprintf(bare, sizeof(bare), "TMDB_BASE_URL=%s", e.fake.base);
    cli_collect_env(&e.fake, e.db, (const char *[]){bare, NULL}, &r);
    snprintf(want, sizeof(want),
             "tmdb: every request failed: %s answered 404 Not Found to all 1 (TMDB_BASE_URL "
             "should end in /3)",
             e.fake.base);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, want));
    run_result_free(&r);

    /* weeks later every movie is due: the refresh's 404s on the bare URL mark none gone */
    cli_collect_at(&e.fake, e.db, "2027-01-10", (const char *[]){bare, NULL}, &r);
    assert_int_equal(r.status, 1);
    run_result_free(&r);
    assert_true(db_i64(e.db, "SELECT count(*) FROM movies") > 0);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE tmdb_gone_at IS NOT NULL"), 0);
    env_down(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_checked_first),
        cmocka_unit_test(auth_rejected_stops_and_hides_key),
        cmocka_unit_test(dead_network_fails_run_keeps_data),
        cmocka_unit_test(omdb_down_fails_and_stays_due),
        cmocka_unit_test(quota_defers_and_counts_across_runs),
        cmocka_unit_test(omdb_401_quota_or_key_by_body),
        cmocka_unit_test(partial_success_then_complete),
        cmocka_unit_test(closed_ports_stop_at_once_charge_nothing),
        cmocka_unit_test(every_404_is_a_wrong_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
