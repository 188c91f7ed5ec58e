/*
 * TMDB's change feed under the adaptive policy (src/collect/feed.c) against reelsync-fakeapi,
 * whose /3/movie/changes lists the movies whose TMDB data changed on the days asked: the
 * windows (one a day, from the watermark's day, the last day on a first run), every page,
 * the watermark (moved only over complete windows: a failed page, a daily limit or a killed
 * run leaves it), the 14-day gap, thawing, unknown and "adult": null ids, and the pages
 * counted as TMDB requests. The expected windows are read from the fake by this test.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reelsync/orchestrator.h"
#include "test.h"

#include "collect_env.h"

#define MAX_IDS 4000

/* One day of the fake's feed, read page by page by the test. */
struct day_feed {
    int pages;
    int64_t ids[MAX_IDS];
    bool adult_null[MAX_IDS];
    size_t n;
};

static void read_day(const struct fake *f, rs_date_t day, struct day_feed *out)
{
    char d[16], q[128];
    rs_date_format(day, d, sizeof(d));
    memset(out, 0, sizeof(*out));
    for (int p = 1;; p++) {
        long status = 0;
        snprintf(q, sizeof(q), "/movie/changes?start_date=%s&end_date=%s&page=%d", d, d, p);
        json_t *doc = fake_tmdb(f, q, NULL, &status);
        assert_int_equal(status, 200);
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(doc, "results"), i, e)
        {
            assert_true(out->n < MAX_IDS);
            out->adult_null[out->n] = json_is_null(json_object_get(e, "adult"));
            out->ids[out->n++] = json_integer_value(json_object_get(e, "id"));
        }
        out->pages = (int)json_integer_value(json_object_get(doc, "total_pages"));
        json_decref(doc);
        if (p >= out->pages)
            break;
    }
    if (out->pages == 0)
        out->pages = 1; /* an empty day is one page too */
}

static bool has(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* Known (K of N) and unknown ids of one day's feed. */
static void split(const struct day_feed *d, const int64_t *known, size_t n, int64_t *k, int64_t *u)
{
    *k = *u = 0;
    for (size_t i = 0; i < d->n; i++)
        *(has(known, n, d->ids[i]) ? k : u) += 1;
}

static int64_t watermark(const char *db)
{
    return db_i64(db, "SELECT value FROM store_state WHERE name = 'feed_watermark'");
}

static struct orch_options adaptive(const struct env *e, rs_time_t now)
{
    struct orch_options o = opts(e, now);
    o.policy = REFRESH_POLICY_ADAPTIVE;
    o.refresh_limit = 0;
    return o;
}

static const char *const CATALOG[] = {"--movies", "200000", "--seed", "3", NULL};
#define DAY "2026-03-10"

/* The fake at NOW with EXTRA arguments (NULL-terminated, or NULL). */
static void start_at(struct env *e, const char *now, const char *const *extra)
{
    const char *args[24];
    int n = 0;
    for (int i = 0; CATALOG[i]; i++)
        args[n++] = CATALOG[i];
    args[n++] = "--now";
    args[n++] = now;
    for (int i = 0; extra && extra[i] && n < 23; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    fake_start(&e->fake, args);
}

/*
 * A first run reads yesterday and today, every page; the known movies are noted (due for
 * TMDB and refreshed in this run), a frozen one is thawed, unknown ids are counted, an id
 * with "adult": null is kept; the pages are TMDB requests under the run's rate limit, in
 * requests.tmdb and api_usage; the watermark is today.
 */
static void first_run_and_next_day(void **state)
{
    (void)state;
    static struct day_feed a, b, c;
    struct env e = {0};
    env_files(&e);
    start_at(&e, DAY "T02:00:00Z", (const char *[]){"--tmdb-rps", "50", NULL});
    rs_time_t now = at(DAY "T02:00:00Z");
    rs_date_t today = rs_time_day(now);
    read_day(&e.fake, today - 1, &a);
    read_day(&e.fake, today, &b);
    assert_true(a.pages >= 2 || b.pages >= 2); /* not vacuous: more than one page a day */
    /* known: every third id of each day, and one "adult": null id */
    int64_t known[MAX_IDS];
    size_t nk = 0;
    int64_t null_id = 0;
    for (size_t i = 0; i < a.n; i++) {
        if (i % 3 == 0)
            known[nk++] = a.ids[i];
        if (a.adult_null[i] && !null_id && i % 3 != 0)
            known[nk++] = null_id = a.ids[i];
    }
    for (size_t i = 0; i < b.n; i += 3)
        if (!has(known, nk, b.ids[i]))
            known[nk++] = b.ids[i];
    assert_true(null_id > 0);
    seed_ids(e.db, known, nk, now - 40 * RS_DAY_SECONDS);
    /* all fetched a day ago, one of them frozen */
    db_exec(e.db, "UPDATE movies SET last_tmdb_update = TIMESTAMP '" DAY "' - INTERVAL 1 DAY,"
                  " last_omdb_update = TIMESTAMP '" DAY "' - INTERVAL 1 DAY,"
                  " release_date = DATE '2020-01-01'");
    char sql[256];
    snprintf(sql, sizeof(sql),
             "UPDATE movies SET data_frozen = true, stable_cycles = 3 WHERE tmdb_id = %lld",
             (long long)b.ids[0]);
    db_exec(e.db, sql);
    fake_reset(&e.fake);

    struct orch_options o = adaptive(&e, now);
    o.rps[RS_API_TMDB] = 50;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    int64_t ka, ua, kb, ub;
    split(&a, known, nk, &ka, &ua);
    split(&b, known, nk, &kb, &ub);
    assert_int_equal(s.feed_pages, a.pages + b.pages);
    assert_int_equal(fake_stat(&e.fake, "endpoints", "/3/movie/changes"), a.pages + b.pages);
    assert_int_equal(s.feed_changed, ka + kb);
    assert_int_equal(s.feed_unknown, ua + ub);
    assert_int_equal(s.thawed, 1);
    assert_int_equal(fake_stat(&e.fake, "violations", "tmdb"), 0);
    assert_int_equal(watermark(e.db), today);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM feed_changes"), ka + kb);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM feed_changes WHERE tmdb_id = %lld",
             (long long)null_id);
    assert_int_equal(db_i64(e.db, sql), 1);
    /* the thawed movie is no longer frozen and was refreshed in this very run */
    snprintf(sql, sizeof(sql),
             "SELECT (NOT data_frozen)::INT + (last_tmdb_update = TIMESTAMP '" DAY
             " 02:00:00')::INT FROM movies WHERE tmdb_id = %lld",
             (long long)b.ids[0]);
    assert_int_equal(db_i64(e.db, sql), 2);
    /* the feed's pages are TMDB requests like the details: in the run's count and api_usage */
    int64_t details = fake_stat(&e.fake, "endpoints", "/3/movie/{id}");
    assert_int_equal(s.requests[RS_API_TMDB], s.feed_pages + details);
    assert_int_equal(db_i64(e.db, "SELECT sum(count) FROM api_usage WHERE api = 'tmdb'"),
                     s.requests[RS_API_TMDB]);
    fake_stop(&e.fake);

    /* the next day: the watermark's day again (the overlap) and the new day */
    start_at(&e, "2026-03-11T02:00:00Z", NULL);
    read_day(&e.fake, today, &b);
    read_day(&e.fake, today + 1, &c);
    fake_reset(&e.fake);
    o = adaptive(&e, now + RS_DAY_SECONDS);
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.feed_pages, b.pages + c.pages);
    assert_int_equal(watermark(e.db), today + 1);
    /* a movie and day already noted keeps its first reading: no second refresh for it */
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM feed_changes WHERE day = DATE '" DAY
                                  "' AND noted_at <> TIMESTAMP '" DAY " 02:00:00'"),
                     0);
    env_down(&e);
}

/*
 * A failed page leaves the watermark where it was and notes nothing; the next run reads the
 * same days again. A daily limit that stops the feed halfway moves the watermark over the
 * complete windows only.
 */
static void failures_leave_the_watermark(void **state)
{
    (void)state;
    static struct day_feed a, b;
    struct env e = {0};
    env_files(&e);
    rs_time_t now = at(DAY "T02:00:00Z");
    rs_date_t today = rs_time_day(now);
    int64_t one = 0;
    start_at(&e, DAY "T02:00:00Z", NULL);
    read_day(&e.fake, today - 1, &a);
    read_day(&e.fake, today, &b);
    fake_stop(&e.fake);
    one = a.ids[0];
    seed_ids(e.db, &one, 1, now);
    db_exec(e.db, "UPDATE movies SET last_tmdb_update = TIMESTAMP '" DAY "' - INTERVAL 1 DAY,"
                  " last_omdb_update = TIMESTAMP '" DAY "' - INTERVAL 1 DAY,"
                  " release_date = DATE '2020-01-01'");

    start_at(&e, DAY "T02:00:00Z", (const char *[]){"--fault-rate", "1", "--faults", "500", NULL});
    struct orch_options o = adaptive(&e, now);
    o.retry.max_retries = 1;
    struct orch_stats s;
    struct rs_error err = {0};
    collect(e.db, &o, &s, &err); /* every request fails: the run fails, which is not the point */
    assert_int_equal(watermark(e.db), INT64_MIN);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM feed_changes"), 0);
    fake_stop(&e.fake);

    /* a TMDB daily limit that leaves room for yesterday's pages (after the failed run's
     * attempts, which count): yesterday complete, today not read */
    start_at(&e, DAY "T02:00:00Z", NULL);
    o = adaptive(&e, now);
    o.daily_limit[RS_API_TMDB] =
        db_i64(e.db, "SELECT sum(count) FROM api_usage WHERE api = 'tmdb'") + a.pages;
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.feed_pages, a.pages);
    assert_int_equal(watermark(e.db), today - 1);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM feed_changes"), 1);
    /* the limit left the reported movie unfetched: plan names why it is due */
    struct run_result r;
    run_program((const char *[]){RS_REELSYNC_BIN, "--db", e.db, "--now", DAY "T03:00:00Z", "--json",
                                 "plan", "--policy", "adaptive", NULL},
                NULL, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"why\":\"tmdb: changed on TMDB 2026-03-09"));
    run_result_free(&r);

    /* the next run (no limit, a day later) starts at the watermark's day */
    o = adaptive(&e, now + 3600);
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.feed_pages, a.pages + b.pages);
    assert_int_equal(watermark(e.db), today);
    env_down(&e);
}

/* A run killed (SIGKILL) while its feed pages are on the way wrote nothing of the feed. */
static void killed_run_reads_again(void **state)
{
    (void)state;
    struct env e = {0};
    env_files(&e);
    rs_time_t now = at(DAY "T02:00:00Z");
    int64_t one = 2;
    seed_ids(e.db, &one, 1, now);
    start_at(&e, DAY "T02:00:00Z", (const char *[]){"--latency-ms", "30000", NULL});
    struct fake_env fe;
    const char *argv[] = {RS_REELSYNC_BIN,  "--db",     e.db,      "--now",
                          DAY "T02:00:00Z", "--quiet",  "collect", "--refresh-only",
                          "--policy",       "adaptive", NULL};
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const char *const *envp = fake_env(&fe, &e.fake, NULL);
        execve(argv[0], (char *const *)argv, (char *const *)envp);
        _exit(127);
    }
    /* wait until the fake holds a feed request (it answers none for 30 s), then kill */
    for (int i = 0; i < 600 && fake_stat(&e.fake, "in_flight", "tmdb") == 0; i++)
        usleep(50 * 1000);
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st));
    fake_stop(&e.fake);
    assert_int_equal(watermark(e.db), INT64_MIN);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM feed_changes"), 0);

    start_at(&e, DAY "T02:00:00Z", NULL);
    struct orch_options o = adaptive(&e, now);
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_true(s.feed_pages >= 2);
    assert_int_equal(watermark(e.db), rs_time_day(now));
    env_down(&e);
}

/*
 * A watermark 30 days old: the last 14 days are read (TMDB serves no more), the 17 before
 * them recorded as a gap (store_state; stats shows it) and counted in the run's stats. Old
 * readings the evidence no longer reads are dropped.
 */
static void gap_past_fourteen_days(void **state)
{
    (void)state;
    static struct day_feed d;
    struct env e = {0};
    env_files(&e);
    rs_time_t now = at(DAY "T02:00:00Z");
    rs_date_t today = rs_time_day(now);
    int64_t one = 2;
    seed_ids(e.db, &one, 1, now);
    char sql[160];
    snprintf(sql, sizeof(sql), "INSERT INTO store_state VALUES ('feed_watermark', %lld)",
             (long long)(today - 30));
    db_exec(e.db, sql);
    /* a reading older than the evidence reads (365 days) goes; a younger one stays */
    db_exec(e.db,
            "INSERT INTO feed_changes VALUES (2, DATE '" DAY "' - 366, TIMESTAMP '2025-03-09'),"
            " (2, DATE '" DAY "' - 300, TIMESTAMP '2025-05-14')");
    start_at(&e, DAY "T02:00:00Z", NULL);
    int pages = 0;
    for (rs_date_t k = today - 13; k <= today; k++) {
        read_day(&e.fake, k, &d);
        pages += d.pages;
    }
    fake_reset(&e.fake);
    struct orch_options o = adaptive(&e, now);
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.feed_gap_days, 17);
    assert_int_equal(s.feed_pages, pages);
    assert_int_equal(watermark(e.db), today);
    assert_int_equal(db_i64(e.db, "SELECT value FROM store_state WHERE name = 'feed_gap_days'"),
                     17);
    assert_int_equal(db_i64(e.db, "SELECT value FROM store_state WHERE name = 'feed_last_gap'"),
                     today - 30);
    assert_int_equal(db_i64(e.db, "SELECT value FROM store_state WHERE name = 'feed_gaps'"), 1);
    assert_int_equal(
        db_i64(e.db, "SELECT count(*) FROM feed_changes WHERE day < DATE '" DAY "' - 200"), 1);
    env_down(&e);
}

/* The seed policy reads no feed at all. */
static void seed_reads_no_feed(void **state)
{
    (void)state;
    struct env e = {0};
    env_files(&e);
    rs_time_t now = at(DAY "T02:00:00Z");
    int64_t one = 2;
    seed_ids(e.db, &one, 1, now);
    start_at(&e, DAY "T02:00:00Z", NULL);
    struct orch_options o = opts(&e, now);
    o.policy = REFRESH_POLICY_SEED;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(fake_stat(&e.fake, "endpoints", "/3/movie/changes"), 0);
    assert_int_equal(s.feed_pages, 0);
    assert_int_equal(watermark(e.db), INT64_MIN);
    env_down(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_run_and_next_day), cmocka_unit_test(failures_leave_the_watermark),
        cmocka_unit_test(killed_run_reads_again), cmocka_unit_test(gap_past_fourteen_days),
        cmocka_unit_test(seed_reads_no_feed),
    };
    return cmocka_run_group_tests(tests, NULL, fake_stop_all);
}
