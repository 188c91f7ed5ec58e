/*
 * The collect run (src/orchestrator.c, src/discover.c) against reelsync-fakeapi over
 * loopback and a real DuckDB file: the pipeline on the recorded fixtures, partial success,
 * not-found handling, quota and auth stops, a dead network, complete discovery with window
 * splitting, and two simulated years of daily refreshes checked against an independent
 * computation of the policy.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reelsync/orchestrator.h"
#include "reelsync/tmdb.h"
#include "test.h"

/* The ten TMDB fixtures, plus one id the fixtures do not know (TMDB answers 404). */
static const int64_t fixture_ids[] = {27205,  10193,   19995,   283917, 194,   54186,
                                      466420, 1075794, 1443826, 76162,  999999};
#define N_FIXTURES 11

struct env {
    char *dir;
    char *db;
    struct fake fake;
};

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

static struct orch_options opts(const struct env *e, rs_time_t now)
{
    struct orch_options o = {
        .refresh = true,
        .refresh_limit = 1000,
        .base_url = {e->fake.tmdb_url, e->fake.omdb_url},
        .concurrency = {8, 4},
        .tmdb_key = "test",
        .omdb_key = "test",
        .retry = RETRY_POLICY_DEFAULT,
        .timeout_ms = 5000,
        .connect_timeout_ms = 2000,
        .now = now,
    };
    o.retry.base_ms = 5;
    o.retry.max_ms = 20;
    return o;
}

static void env_up(struct env *e, const char *const *fake_args)
{
    e->dir = tmpdir_create();
    e->db = path_join(e->dir, "t.duckdb");
    fake_start(&e->fake, fake_args);
}

static void env_down(struct env *e)
{
    fake_stop(&e->fake);
    free(e->db);
    tmpdir_remove(e->dir);
}

/* The fake serving the recorded fixtures, and their ids in the database as of NOW. */
static void fixtures_up(struct env *e, rs_time_t now)
{
    const char *args[] = {"--fixtures", RS_FIXTURES_DIR, NULL};
    env_up(e, args);
    seed_ids(e->db, fixture_ids, N_FIXTURES, now);
}

static void fixtures_pipeline(void **state)
{
    (void)state;
    struct env e = {0};
    rs_time_t now = at("2026-11-25T10:00:00Z");
    fixtures_up(&e, now);

    struct orch_options o = opts(&e, now);
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.planned, 11);
    assert_int_equal(s.tmdb_updated, 10);
    assert_int_equal(s.omdb_updated, 8); /* 1443826 (null) and 76162 ("") have no IMDb id */
    assert_int_equal(s.omdb_skipped_no_imdb, 2);
    assert_int_equal(s.gone, 1);
    assert_int_equal(s.errors[RS_ERR_NOT_FOUND], 1);
    assert_int_equal(s.failed[RS_API_TMDB] + s.failed[RS_API_OMDB], 0);
    assert_int_equal(s.requests[RS_API_TMDB], 11);
    assert_int_equal(s.requests[RS_API_OMDB], 8);
    /* what the server saw agrees */
    assert_int_equal(fake_stat(&e.fake, "requests", "tmdb"), 11);
    assert_int_equal(fake_stat(&e.fake, "requests", "omdb"), 8);

    /* what was stored */
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM tmdb_movies"), 10);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM omdb_movies"), 8);
    assert_int_equal(db_i64(e.db, "SELECT revenue FROM tmdb_movies WHERE tmdb_id = 19995"),
                     2923706026LL);
    assert_int_equal(db_i64(e.db, "SELECT box_office FROM omdb_movies WHERE imdb_id = 'tt1375666'"),
                     292587330);
    char *imdb = db_str(e.db, "SELECT imdb_id FROM movies WHERE tmdb_id = 27205");
    assert_string_equal(imdb, "tt1375666");
    free(imdb);
    assert_int_equal(
        db_i64(e.db, "SELECT count(*) FROM movies WHERE last_full_refresh IS NOT NULL"), 8);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_tmdb_update = "
                                  "TIMESTAMP '2026-11-25 10:00:00'"),
                     10);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_tmdb_update IS NULL"), 1);
    /* the engine's attempts went into today's usage */
    assert_int_equal(db_i64(e.db, "SELECT sum(count) FROM api_usage WHERE day = DATE '2026-11-25'"),
                     19);
    /* the completed run looked at the file's size for compaction and recorded it */
    assert_true(db_i64(e.db, "SELECT value FROM store_state WHERE name = 'compacted_bytes'") > 0);

    /* the next run the same day has nothing to do: all fresh, the 404 one gone */
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.planned, 0);
    assert_int_equal(s.requests[RS_API_TMDB] + s.requests[RS_API_OMDB], 0);
    env_down(&e);
}

/* Counts the commits logged at debug level and the largest one's bytes of answers. */
struct commits {
    int n;
    long long bytes, max_bytes;
    struct rs_log log;
};

static void commits_fn(void *ctx, enum rs_log_level level, const char *line)
{
    struct commits *c = ctx;
    int writes = 0;
    long long bytes = 0;
    (void)level;
    const char *p = strstr(line, "batch: committed ");
    if (!p || sscanf(p, "batch: committed %d writes, %lld bytes", &writes, &bytes) != 2)
        return;
    c->n++;
    c->bytes += bytes;
    if (bytes > c->max_bytes)
        c->max_bytes = bytes;
}

/*
 * Large answers: a batch is also full at 4 MiB of answers, so forty TMDB details of
 * 200 KiB each never wait in memory together (each commit holds at most 4 MiB plus the
 * answer that crossed the line; without the bound they arrive within the second that
 * commits them all at once); and an answer over 256 KiB is a bad response: that movie
 * stays due, the others are stored.
 */
static void large_answers_commit_early(void **state)
{
    (void)state;
    enum { N = 40, BIG = 200 << 10, HUGE = 300 << 10 };
    struct env e = {0};
    rs_time_t now = at("2026-11-25T10:00:00Z");
    char *fix = tmpdir_create(), *tmdb = path_join(fix, "tmdb");
    assert_int_equal(mkdir(tmdb, 0700), 0);
    char *overview = malloc(HUGE + 1);
    assert_non_null(overview);
    memset(overview, 'a', HUGE);
    int64_t ids[N + 1];
    for (int i = 0; i <= N; i++) {
        char name[64];
        ids[i] = 1000 + i;
        snprintf(name, sizeof(name), "movie_%d.json", 1000 + i);
        char *path = path_join(tmdb, name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f,
                "{\"id\":%d,\"imdb_id\":null,\"title\":\"Big %d\",\"release_date\":"
                "\"2020-01-01\",\"overview\":\"%.*s\"}",
                1000 + i, i, i < N ? BIG : HUGE, overview);
        assert_int_equal(fclose(f), 0);
        free(path);
    }
    free(overview);
    const char *args[] = {"--fixtures", fix, NULL};
    env_up(&e, args);
    seed_ids(e.db, ids, N + 1, now);

    struct commits c = {0};
    c.log = (struct rs_log){.fn = commits_fn, .ctx = &c, .level = RS_LOG_DEBUG};
    struct orch_options o = opts(&e, now);
    o.log = &c.log;
    struct orch_stats s;
    struct rs_error err = {0};
    if (collect(e.db, &o, &s, &err) != RS_OK)
        fail_msg("collect: %s", err.msg);
    assert_int_equal(s.tmdb_updated, N);
    assert_int_equal(s.failed[RS_API_TMDB], 1);
    assert_int_equal(s.errors[RS_ERR_BAD_RESPONSE], 1);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM tmdb_movies WHERE length(overview) = %d", BIG);
    assert_int_equal(db_i64(e.db, sql), N);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM movies WHERE tmdb_id = %d AND last_tmdb_update IS NULL",
             1000 + N);
    assert_int_equal(db_i64(e.db, sql), 1);
    assert_true(c.bytes >= (long long)N * BIG); /* every answer went through a commit */
    assert_true(c.n >= 2);
    assert_true(c.max_bytes <= (4LL << 20) + BIG);
    env_down(&e);
    free(tmdb);
    tmpdir_remove(fix);
}

/*
 * Pipelined, not phased: TMDB slowed to 2 requests a second, one at a time, so its ten
 * details take seconds; the OMDB lookup of a movie goes out as soon as its details are in,
 * so the server's request log shows OMDB requests before the last TMDB one.
 */
static void omdb_runs_beside_tmdb(void **state)
{
    (void)state;
    struct env e = {0};
    rs_time_t now = at("2026-11-25T10:00:00Z");
    fixtures_up(&e, now);
    struct orch_options o = opts(&e, now);
    o.rps[RS_API_TMDB] = 2.0;
    o.concurrency[RS_API_TMDB] = 1;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.omdb_updated, 8);
    char url[128];
    struct http_reply r;
    snprintf(url, sizeof(url), "%s/__stats", e.fake.base);
    http_fetch("GET", url, NULL, &r);
    json_t *doc = json_loads(r.body, 0, NULL);
    json_t *recent = json_object_get(doc, "recent");
    size_t first_omdb = SIZE_MAX, last_tmdb = 0, i;
    json_t *req;
    json_array_foreach(recent, i, req)
    {
        const char *api = json_string_value(json_object_get(req, "api"));
        if (strcmp(api, "omdb") == 0 && first_omdb == SIZE_MAX)
            first_omdb = i;
        if (strcmp(api, "tmdb") == 0)
            last_tmdb = i;
    }
    assert_int_equal(json_array_size(recent), 19);
    assert_true(first_omdb < last_tmdb);
    json_decref(doc);
    http_reply_free(&r);
    env_down(&e);
}

static void auth_rejected_stops_and_hides_key(void **state)
{
    (void)state;
    struct env e = {0};
    rs_time_t now = at("2026-11-25");
    fixtures_up(&e, now);
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
    fixtures_up(&e, now);
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

/* OMDB unreachable while TMDB works: partial success, the OMDB side stays due. */
static void omdb_down_is_partial_success(void **state)
{
    (void)state;
    struct env e = {0};
    rs_time_t now = at("2026-11-25");
    fixtures_up(&e, now);
    struct orch_options o = opts(&e, now);
    o.base_url[RS_API_OMDB] = "http://127.0.0.1:1/omdb/";
    o.retry.max_retries = 1;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.tmdb_updated, 10);
    assert_int_equal(s.omdb_updated, 0);
    assert_int_equal(s.failed[RS_API_OMDB], 8);
    assert_int_equal(s.errors[RS_ERR_NETWORK], 8);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_omdb_update IS NULL"),
                     N_FIXTURES);
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
    fixtures_up(&e, now);
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
    const char *args[] = {"--fixtures", RS_FIXTURES_DIR, "--omdb-daily-limit", "3", NULL};
    env_up(&e, args);
    rs_time_t now = at("2026-11-25");
    seed_ids(e.db, fixture_ids, N_FIXTURES, now);
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

    env_up(&e, (const char *[]){"--fixtures", RS_FIXTURES_DIR, NULL});
    seed_ids(e.db, fixture_ids, N_FIXTURES, now);
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
    /* repeated runs collect everything, nothing duplicated */
    for (int i = 0; i < 8; i++)
        assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
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

/* The true number of movies TMDB (the fake) holds for YEAR at any vote count. */
static int64_t year_total(const struct fake *f, int year)
{
    char url[256];
    struct http_reply r;
    snprintf(url, sizeof(url),
             "%s/discover/movie?api_key=test&primary_release_date.gte=%d-01-01"
             "&primary_release_date.lte=%d-12-31&vote_count.gte=0",
             f->tmdb_url, year, year);
    http_fetch("GET", url, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *doc = json_loads(r.body, 0, NULL);
    int64_t total = json_integer_value(json_object_get(doc, "total_results"));
    json_decref(doc);
    http_reply_free(&r);
    return total;
}

/*
 * --max-pages 0 over a year holding more than TMDB's 500 pages: the window is split until
 * every part fits, and every movie arrives exactly once. --max-pages N stops at N pages.
 */
static void discovery_complete_and_capped(void **state)
{
    (void)state;
    struct env e = {0};
    const char *args[] = {"--movies", "1000000", "--seed", "1", "--now", "2026-11-25", NULL};
    env_up(&e, args);
    int64_t total = year_total(&e.fake, 2024);
    assert_true(total > TMDB_MAX_PAGES * TMDB_PAGE_SIZE); /* dense enough to need a split */
    struct orch_options o = opts(&e, at("2026-11-25"));
    o.refresh = false;
    o.discover = true;
    o.start_year = o.end_year = 2024;
    o.min_vote_count = 0;
    o.max_pages = 3;
    o.concurrency[RS_API_TMDB] = 16;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.discovered, 3 * TMDB_PAGE_SIZE);
    assert_int_equal(s.requests[RS_API_TMDB], 3);

    o.max_pages = 0;
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.discovered, total);
    assert_int_equal(s.discovered_new, total - 3 * TMDB_PAGE_SIZE);
    assert_int_equal(s.failed[RS_API_TMDB] + s.errors[RS_ERR_BAD_RESPONSE], 0);
    /* a split costs a page 1 per part: more requests than pages of movies, but bounded */
    assert_true(s.requests[RS_API_TMDB] > total / TMDB_PAGE_SIZE);
    assert_true(s.requests[RS_API_TMDB] < total / TMDB_PAGE_SIZE + 16);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies"), total);
    assert_int_equal(db_i64(e.db, "SELECT count(DISTINCT tmdb_id) FROM movies"), total);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE year(release_date) <> 2024"),
                     0);
    env_down(&e);
}

/* A plan longer than the job window (2,048 movies in the engine at a time): all are done. */
static void long_plan_goes_through_the_window(void **state)
{
    (void)state;
    struct env e = {0};
    const char *args[] = {"--movies", "3000", "--seed", "7", "--now", "2026-11-25", NULL};
    env_up(&e, args);
    struct orch_options o = opts(&e, at("2026-11-25"));
    o.discover = true;
    o.start_year = 1900;
    o.end_year = 2027;
    o.max_pages = 0;
    o.refresh_limit = 0;
    o.concurrency[RS_API_TMDB] = 32;
    o.concurrency[RS_API_OMDB] = 32;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    int64_t movies = db_i64(e.db, "SELECT count(*) FROM movies");
    int64_t with_imdb = db_i64(e.db, "SELECT count(*) FROM tmdb_movies WHERE imdb_id IS NOT NULL");
    assert_true(movies > 2048);
    assert_int_equal(s.planned, movies);
    assert_int_equal(s.tmdb_updated, movies);
    assert_int_equal(s.omdb_updated + s.omdb_skipped_no_imdb + s.errors[RS_ERR_NOT_FOUND], movies);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM tmdb_movies"), movies);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_tmdb_update IS NULL"), 0);
    assert_int_equal(s.omdb_skipped_no_imdb, movies - with_imdb);
    /* the next run at the same instant has nothing to do */
    o.discover = false;
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.planned, 0);
    env_down(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures_pipeline),
        cmocka_unit_test(omdb_runs_beside_tmdb),
        cmocka_unit_test(large_answers_commit_early),
        cmocka_unit_test(auth_rejected_stops_and_hides_key),
        cmocka_unit_test(dead_network_fails_run_keeps_data),
        cmocka_unit_test(omdb_down_is_partial_success),
        cmocka_unit_test(quota_defers_and_counts_across_runs),
        cmocka_unit_test(omdb_401_quota_or_key_by_body),
        cmocka_unit_test(partial_success_then_complete),
        cmocka_unit_test(discovery_complete_and_capped),
        cmocka_unit_test(long_plan_goes_through_the_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
