/*
 * `reelsync forecast` (src/forecast.c, src/cli/cmd_forecast.c) on a database whose release
 * dates and check stamps the test chose: every day's figures against a replay written here,
 * from the README's policy table and independent of refresh.c; day 0 against `plan`'s total;
 * the backlog under a refresh limit and the smallest limit that keeps up by brute force.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "test.h"
#include "reelsync/store.h"

#define N_MOVIES 600
#define DAYS 40
#define LIMIT 37
#define NOW "2026-06-15T06:00:00Z"

struct movie {
    int64_t release; /* day number, or INT64_MIN for none */
    int64_t last[2]; /* seconds, or -1 for never */
    bool imdb, frozen, gone;
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* The README's table: RECENT < 60 days (or no date, or not yet out), ESTABLISHED < 180,
 * MATURE <= 365, ARCHIVED beyond. */
static int category(const struct movie *m, int64_t now)
{
    if (m->release == INT64_MIN || now / 86400 < m->release)
        return 0;
    int64_t age = now / 86400 - m->release;
    return age < 60 ? 0 : age < 180 ? 1 : age <= 365 ? 2 : 3;
}

static bool due(const struct movie *m, int api, int64_t now)
{
    static const int every[2][4] = {{5, 15, 30, 90}, {5, 30, 90, 180}};
    return m->last[api] < 0 || now - m->last[api] >= (int64_t)every[api][category(m, now)] * 86400;
}

static void make_movies(struct movie *m, int64_t now)
{
    for (int i = 0; i < N_MOVIES; i++) {
        uint64_t h = mix((uint64_t)i + 1);
        m[i].release = h % 23 == 0 ? INT64_MIN : now / 86400 - 800 + (int64_t)(h % 830);
        for (int api = 0; api < 2; api++) {
            uint64_t g = mix(h + (uint64_t)api + 7);
            m[i].last[api] = g % 9 == 0 ? -1 : now - (int64_t)(g % (200 * 86400));
        }
        m[i].imdb = h % 10 != 0;
        m[i].frozen = h % 17 == 0;
        m[i].gone = h % 29 == 0;
    }
}

static void store_movies(const char *db, const struct movie *m, int64_t now)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    struct store_movie *rows = calloc(N_MOVIES, sizeof(*rows));
    char imdb[N_MOVIES][16];
    for (int i = 0; i < N_MOVIES; i++) {
        snprintf(imdb[i], sizeof(imdb[i]), "tt%07d", i + 1);
        rows[i] = (struct store_movie){.tmdb_id = i + 1, .title = "x", .data_frozen = m[i].frozen};
        rows[i].imdb_id = m[i].imdb ? imdb[i] : NULL;
        if (m[i].release != INT64_MIN)
            rows[i].release_date = RS_I64(m[i].release);
        if (m[i].last[0] >= 0)
            rows[i].last_tmdb_update = RS_I64(m[i].last[0]);
        if (m[i].last[1] >= 0)
            rows[i].last_omdb_update = RS_I64(m[i].last[1]);
        if (m[i].gone)
            rows[i].tmdb_gone_at = RS_I64(now - 86400);
    }
    assert_int_equal(store_open(db, STORE_READ_WRITE, &st, &err), RS_OK);
    assert_int_equal(store_bulk_insert_movies(st, rows, N_MOVIES, now, &err), RS_OK);
    store_close(st);
    free(rows);
}

struct day {
    int64_t due, tmdb, omdb, recat, served, backlog;
};

/* The test's own replay: each movie refreshed the day it comes due. */
static void replay(struct movie *m, int64_t now, struct day *d)
{
    memset(d, 0, DAYS * sizeof(*d));
    for (int i = 0; i < N_MOVIES; i++) {
        if (m[i].gone || m[i].frozen)
            continue;
        int prev = category(&m[i], now);
        for (int k = 0; k < DAYS; k++) {
            int64_t t = now + (int64_t)k * 86400;
            int cat = category(&m[i], t);
            d[k].recat += k > 0 && cat != prev;
            prev = cat;
            bool tmdb = due(&m[i], 0, t), omdb = due(&m[i], 1, t) && (m[i].imdb || tmdb);
            d[k].due += tmdb || omdb;
            d[k].tmdb += tmdb;
            d[k].omdb += omdb;
            if (tmdb)
                m[i].last[0] = t;
            if (omdb)
                m[i].last[1] = t;
        }
    }
}

static int64_t backlog(struct day *d, int64_t limit, bool record)
{
    int64_t b = 0;
    for (int k = 0; k < DAYS; k++) {
        int64_t q = b + d[k].due, s = q > limit ? limit : q;
        b = q - s;
        if (record) {
            d[k].served = s;
            d[k].backlog = b;
        }
    }
    return b;
}

static json_t *run_json(const char *db, const char *const *args)
{
    const char *argv[16] = {RS_REELSYNC_BIN, "--db", db, "--now", NOW, "--json"};
    int n = 6;
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    struct run_result r;
    run_program(argv, NULL, &r);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    run_result_free(&r);
    return doc;
}

static void forecast_matches_replay(void **state)
{
    (void)state;
    rs_time_t now;
    assert_true(rs_time_parse(NOW, &now));
    char *dir = tmpdir_create(), *db = path_join(dir, "f.duckdb");
    struct movie *m = calloc(N_MOVIES, sizeof(*m));
    struct day want[DAYS];
    make_movies(m, now);
    store_movies(db, m, now);
    replay(m, now, want);
    backlog(want, LIMIT, true);
    int64_t keep_up = 1;
    while (backlog(want, keep_up, false) > 0)
        keep_up++;

    const char *args[] = {"forecast", "--days", "40", "--refresh-limit", "37", NULL};
    json_t *doc = run_json(db, args);
    json_t *days = json_object_get(doc, "days");
    assert_int_equal(json_array_size(days), DAYS);
    int64_t busy = 0;
    for (int k = 0; k < DAYS; k++) {
        json_t *d = json_array_get(days, (size_t)k);
        assert_int_equal(doc_int(d, "due"), want[k].due);
        assert_int_equal(doc_int(d, "tmdb"), want[k].tmdb);
        assert_int_equal(doc_int(d, "omdb"), want[k].omdb);
        assert_int_equal(doc_int(d, "recategorized"), want[k].recat);
        assert_int_equal(doc_int(d, "served"), want[k].served);
        assert_int_equal(doc_int(d, "backlog"), want[k].backlog);
        busy += k > 0 && want[k].due > 0;
    }
    assert_int_equal(doc_int(doc, "keep_up_limit"), keep_up);
    /* not vacuous: a backlog on day 0, movies coming due on later days, recategorizations */
    assert_true(want[0].backlog > 0);
    assert_true(busy > 10);

    /* day 0 is plan's total */
    const char *plan[] = {"plan", NULL};
    json_t *p = run_json(db, plan);
    assert_int_equal(doc_int(p, "count"), want[0].due);
    json_decref(p);
    json_decref(doc);
    free(m);
    free(db);
    tmpdir_remove(dir);
}

/* A database that does not exist is exit 3 and is not created; a bad --days is exit 2. */
static void forecast_errors(void **state)
{
    (void)state;
    char *dir = tmpdir_create(), *db = path_join(dir, "missing.duckdb");
    const char *argv[] = {RS_REELSYNC_BIN, "--db", db, "forecast", NULL};
    struct run_result r;
    run_program(argv, NULL, &r);
    assert_stderr_one_line(&r, 3, "no such file");
    run_result_free(&r);
    assert_int_equal(access(db, F_OK), -1);
    const char *bad[] = {RS_REELSYNC_BIN, "--db", db, "forecast", "--days", "0", NULL};
    run_program(bad, NULL, &r);
    assert_stderr_one_line(&r, 2, "--days");
    run_result_free(&r);
    free(db);
    tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forecast_matches_replay),
        cmocka_unit_test(forecast_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
