/*
 * Hostile servers (docs/internals/http.md, "Hostile answers"): the real collector (orch_collect,
 * and build/reelsync) against reelsync-fakeapi answering every request with one hostile kind: a 64
 * MiB body, a body trickled 8 bytes at a time, invalid UTF-8, JSON nested 100,000 deep, an array
 * where an object belongs, an HTML page with status 200, a redirect to another host. Each ends in
 * its class, on TMDB and on OMDB, and nothing of it is stored; what the server saw (its
 * /__stats) agrees, and a redirect is never followed. Then mixed hostile faults at a rate
 * of 0.3: the run completes, and what it stored equals what a clean server gives.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "reelsync/orchestrator.h"
#include "test.h"

#define NOW "2026-11-25T10:00:00Z"

/* The ten TMDB fixtures; eight of them have an IMDb id (and an OMDB fixture). */
#define N_TMDB FIXTURE_TMDB_COUNT
#define N_OMDB FIXTURE_OMDB_COUNT

struct env {
    char *dir;
    char *db;
    struct fake clean;   /* the fixtures, no faults */
    struct fake hostile; /* the fixtures, every request faulted */
};

/*
 * TMDB of TMDB, OMDB of OMDB; one retry, 5 ms later. The timeout is long (a loaded machine
 * must not turn a slow answer into a timeout), except where a test sets it short to meet a
 * trickling server.
 */
static struct orch_options opts(const struct fake *tmdb, const struct fake *omdb, rs_time_t now)
{
    struct orch_options o = fake_collect_options(tmdb, now);
    o.base_url[RS_API_OMDB] = omdb->omdb_url;
    o.concurrency[RS_API_TMDB] = 10;
    o.concurrency[RS_API_OMDB] = 8;
    o.retry.max_retries = 1;
    return o;
}

static void env_up(struct env *e, const char *kind)
{
    e->dir = tmpdir_create();
    e->db = path_join(e->dir, "h.duckdb");
    fake_start_fixtures(&e->clean, NULL);
    fake_start_fixtures(&e->hostile, (const char *[]){"--fault-rate", "1", "--faults", kind,
                                                      "--trickle-ms", "200", NULL});
    seed_ids(e->db, fixture_tmdb_ids, N_TMDB, at(NOW));
}

static void env_down(struct env *e)
{
    fake_stop(&e->hostile);
    fake_stop(&e->clean);
    free(e->db);
    tmpdir_remove(e->dir);
}

/* Sum of the failure classes other than CLASS. */
static int64_t other_errors(const struct orch_stats *s, enum rs_err class)
{
    int64_t n = 0;
    for (int k = RS_OUTCOME_FIRST; k <= RS_OUTCOME_LAST; k++)
        n += k == (int)class ? 0 : s->errors[k];
    return n;
}

/* TMDB hostile: every movie's request ends in CLASS after 1 + RETRIES attempts, so the run
 * fails with CLASS; nothing is stored and every movie stays due. */
static void hostile_tmdb(const struct env *e, enum rs_err class, int retries, long timeout_ms)
{
    struct orch_stats s;
    struct rs_error err = {0};
    struct orch_options o = opts(&e->hostile, &e->clean, at(NOW));
    o.timeout_ms = timeout_ms;
    assert_int_equal(collect(e->db, &o, &s, &err), class);
    assert_int_equal(s.errors[class], N_TMDB);
    assert_int_equal(other_errors(&s, class), 0);
    assert_int_equal(s.failed[RS_API_TMDB], N_TMDB);
    assert_int_equal(s.tmdb_updated, 0);
    assert_int_equal(s.requests[RS_API_TMDB], N_TMDB * (1 + retries));
    assert_int_equal(s.requests[RS_API_OMDB], 0); /* no IMDb id without TMDB details */
    assert_int_equal(db_i64(e->db, "SELECT count(*) FROM tmdb_movies"), 0);
    assert_int_equal(db_i64(e->db, "SELECT count(*) FROM movies WHERE last_tmdb_update IS NULL"),
                     N_TMDB); /* all still due */
}

/*
 * OMDB hostile, TMDB clean, on a fresh database: the run fails with CLASS (OMDB had work and
 * never answered usefully), the TMDB side is stored, the OMDB side stays due.
 */
static void hostile_omdb(struct env *e, enum rs_err class, int retries, long timeout_ms)
{
    struct orch_stats s;
    struct rs_error err = {0};
    tmpdir_remove(e->dir);
    e->dir = tmpdir_create();
    free(e->db);
    e->db = path_join(e->dir, "h.duckdb");
    seed_ids(e->db, fixture_tmdb_ids, N_TMDB, at(NOW));
    struct orch_options o = opts(&e->clean, &e->hostile, at(NOW));
    o.timeout_ms = timeout_ms;
    assert_int_equal(collect(e->db, &o, &s, &err), class);
    assert_non_null(strstr(err.msg, "omdb: every request failed"));
    assert_int_equal(s.tmdb_updated, N_TMDB);
    assert_int_equal(s.errors[class], N_OMDB);
    assert_int_equal(other_errors(&s, class), 0);
    assert_int_equal(s.failed[RS_API_OMDB], N_OMDB);
    assert_int_equal(s.omdb_updated, 0);
    assert_int_equal(s.requests[RS_API_OMDB], N_OMDB * (1 + retries));
    assert_int_equal(db_i64(e->db, "SELECT count(*) FROM tmdb_movies"), N_TMDB);
    assert_int_equal(db_i64(e->db, "SELECT count(*) FROM omdb_movies"), 0);
}

/*
 * KIND on every TMDB request, then (fresh database) on every OMDB request: each movie's
 * request ends in CLASS after 1 + RETRIES attempts and nothing of the hostile answers is
 * stored. The hostile server saw only those requests, every one faulted.
 */
static void hostile_kind(const char *kind, enum rs_err class, int retries, long timeout_ms)
{
    struct env e = {0};
    env_up(&e, kind);
    hostile_tmdb(&e, class, retries, timeout_ms);
    hostile_omdb(&e, class, retries, timeout_ms);
    int64_t total = N_TMDB * (1 + retries) + N_OMDB * (1 + retries);
    assert_int_equal(fake_stat(&e.hostile, "requests", "tmdb"), N_TMDB * (1 + retries));
    assert_int_equal(fake_stat(&e.hostile, "requests", "omdb"), N_OMDB * (1 + retries));
    assert_int_equal(fake_stat(&e.hostile, "faults", kind), total);
    assert_int_equal(fake_stat(&e.hostile, "faults", "total"), total);
    assert_int_equal(fake_stat(&e.hostile, "requests", "other"), 0);
    env_down(&e);
}

static void huge_body_is_bad_response(void **state)
{
    (void)state;
    hostile_kind("huge", RS_ERR_BAD_RESPONSE, 1, 30000); /* a 2xx unread: retried */
}

static void trickle_times_out(void **state)
{
    (void)state;
    hostile_kind("trickle", RS_ERR_TIMEOUT, 1, 1000); /* 1-2 KB at 40 B/s: 25 s and more */
}

static void invalid_utf8_is_bad_response(void **state)
{
    (void)state;
    hostile_kind("badutf8", RS_ERR_BAD_RESPONSE, 1, 30000);
}

static void deep_json_is_bad_response(void **state)
{
    (void)state;
    hostile_kind("deepjson", RS_ERR_BAD_RESPONSE, 1, 30000);
}

static void array_for_object_is_bad_response(void **state)
{
    (void)state;
    hostile_kind("array", RS_ERR_BAD_RESPONSE, 1, 30000);
}

static void html_200_is_bad_response(void **state)
{
    (void)state;
    hostile_kind("html200", RS_ERR_BAD_RESPONSE, 1, 30000);
}

/*
 * A redirect to another host is not followed (requests.other stays 0 above): bad_response,
 * retried when temporary (the fake's 302).
 */
static void redirect_is_bad_response_not_followed(void **state)
{
    (void)state;
    hostile_kind("redirect", RS_ERR_BAD_RESPONSE, 1, 30000);
}

/* The fake's redirect itself: 302, Location on another host name, nothing followed. */
static void fake_sends_redirect(void **state)
{
    (void)state;
    struct fake f;
    fake_start_fixtures(&f, (const char *[]){"--fault-rate", "1", "--faults", "redirect", NULL});
    char url[256], want[128];
    snprintf(url, sizeof(url), "%s/movie/27205?api_key=test", f.tmdb_url);
    struct http_reply r;
    http_fetch("GET", url, NULL, &r); /* the support client does not follow either */
    assert_int_equal(r.status, 302);
    snprintf(want, sizeof(want), "Location: http://localhost:%d/moved/3/movie/27205\r\n", f.port);
    assert_non_null(strstr(r.headers, want));
    http_reply_free(&r);
    assert_int_equal(fake_stat(&f, "faults", "redirect"), 1);
    fake_stop(&f);
}

/* ---- the run goes on ---- */

static const char *const mixed_kinds =
    "huge,trickle,html200,badutf8,deepjson,array,redirect,malformed,truncated,502html,reset";

/* Discovery of 2026 (3 pages a year), then the refresh, against F. */
static struct orch_options year_opts(const struct fake *f, const char *now)
{
    struct orch_options o = opts(f, f, at(now));
    o.discover = true;
    o.start_year = o.end_year = 2026;
    o.max_pages = 3;
    return o;
}

/*
 * The rows of DB that differ from those of REFERENCE for the same movie (raw JSON included;
 * REFERENCE may hold more movies): 0 when every stored row is as REFERENCE has it.
 */
static int64_t rows_not_as_in(const char *db, const char *reference)
{
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "ATTACH '%s' AS g (READ_ONLY);"
             "SELECT (SELECT count(*) FROM tmdb_movies b JOIN g.tmdb_movies c USING (tmdb_id)"
             " WHERE b.raw::VARCHAR = c.raw::VARCHAR AND b.title IS NOT DISTINCT FROM c.title)"
             " - (SELECT count(*) FROM tmdb_movies)"
             " + (SELECT count(*) FROM omdb_movies b JOIN g.omdb_movies c USING (imdb_id)"
             " WHERE b.raw::VARCHAR = c.raw::VARCHAR) - (SELECT count(*) FROM omdb_movies)",
             reference);
    return db_i64(db, sql);
}

/*
 * Discovery and refresh of a synthetic year at a fault rate of 0.3 of every hostile kind:
 * the run completes (partial success), every movie either stored or counted failed, and
 * what was stored is exactly what a clean server gives for the same movies.
 */
static void mixed_faults_store_only_good_data(void **state)
{
    (void)state;
    const char *now = "2026-11-25";
    struct fake bad, good;
    char *dir = tmpdir_create();
    char *db_bad = path_join(dir, "bad.duckdb"), *db_good = path_join(dir, "good.duckdb");
    fake_start(&bad, (const char *[]){"--movies", "3000", "--now", now, "--fault-rate", "0.3",
                                      "--faults", mixed_kinds, "--trickle-ms", "200", NULL});
    fake_start(&good, (const char *[]){"--movies", "3000", "--now", now, NULL});
    struct orch_options o = year_opts(&bad, now);
    /* one retry: at a fault rate of 0.3 about 9% of the movies fail twice, so some fail */
    o.retry.max_retries = 1;
    o.timeout_ms = 1000; /* for the trickled answers; the assertions hold for any outcome */
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(db_bad, &o, &s, &err), RS_OK);
    assert_true(s.tmdb_updated > 0 && s.failed[RS_API_TMDB] > 0);
    assert_int_equal(s.tmdb_updated + s.failed[RS_API_TMDB], s.planned);
    assert_int_equal(db_i64(db_bad, "SELECT count(*) FROM tmdb_movies"), s.tmdb_updated);
    assert_int_equal(db_i64(db_bad, "SELECT count(*) FROM omdb_movies"), s.omdb_updated);
    assert_true(s.requests[RS_API_TMDB] > s.planned); /* unreadable answers were retried */
    assert_true(fake_stat(&bad, "faults", "total") > 0);
    assert_int_equal(fake_stat(&bad, "requests", "other"), 0);

    o = year_opts(&good, now);
    assert_int_equal(collect(db_good, &o, &s, &err), RS_OK);
    assert_int_equal(s.failed[RS_API_TMDB] + s.failed[RS_API_OMDB], 0);
    /* Every row stored under faults equals the clean server's row. */
    assert_int_equal(rows_not_as_in(db_bad, db_good), 0);
    fake_stop(&bad);
    fake_stop(&good);
    free(db_bad);
    free(db_good);
    tmpdir_remove(dir);
}

/* Peak RSS of the largest child waited for so far, in KiB. */
static long children_maxrss_kib(void)
{
    struct rusage ru;
    assert_int_equal(getrusage(RUSAGE_CHILDREN, &ru), 0);
    return ru.ru_maxrss;
}

#if defined(__SANITIZE_ADDRESS__)
#define RS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RS_ASAN 1
#endif
#endif

/* Runs build/reelsync collect --json against F (both APIs) at NOW, one request at a time. */
static void cli_collect(const struct fake *f, const char *db, const char *now, struct run_result *r)
{
    struct fake_env env;
    const char *argv[] = {RS_REELSYNC_BIN,
                          "--db",
                          db,
                          "--now",
                          now,
                          "--json",
                          "--quiet",
                          "--log-level",
                          "error",
                          "collect",
                          "--start-year",
                          "2026",
                          "--end-year",
                          "2026",
                          "--max-pages",
                          "2",
                          "--tmdb-rps",
                          "500",
                          "--omdb-rps",
                          "500",
                          "--tmdb-concurrency",
                          "1",
                          "--omdb-concurrency",
                          "1",
                          NULL};
    run_program(argv, fake_env(&env, f, NULL), r);
}

/*
 * On DB's movies, all due again at 2026-12-30, under mixed hostile faults: exit 0; the
 * faults are retried (unreadable 2xx, temporary redirects), so the report's final
 * bad_response failures are fewer than the faults. A faulted discover page stops nothing.
 */
static void cli_faulted_run(const char *db, const char *now)
{
    struct fake bad;
    struct run_result r;
    fake_start(&bad,
               (const char *[]){"--movies", "2000", "--now", now, "--fault-rate", "0.3", "--faults",
                                "huge,html200,badutf8,deepjson,array,redirect", NULL});
    cli_collect(&bad, db, "2026-12-30", &r);
    if (r.status != 0)
        print_error("status %d: %s\n%s\n", r.status, r.err, r.out);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    int64_t bad_resp = doc_int(doc, "errors.bad_response");
    int64_t updated = doc_int(doc, "tmdb_updated");
    assert_true(updated > 0);
    assert_true(fake_stat(&bad, "faults", "total") > bad_resp);
    assert_true(fake_stat(&bad, "faults", "huge") > 0);
    assert_int_equal(fake_stat(&bad, "requests", "other"), 0);
    json_decref(doc);
    run_result_free(&r);
    fake_stop(&bad);
}

/* Every request of a run on DB at 2027-03-01 (discovery, then every movie) gets 64 MiB. */
static void cli_huge_run(const char *db, const char *now)
{
    struct fake huge;
    struct run_result r;
    fake_start(&huge, (const char *[]){"--movies", "2000", "--now", now, "--fault-rate", "1",
                                       "--faults", "huge", NULL});
    cli_collect(&huge, db, "2027-03-01", &r);
    assert_int_equal(r.status, 1); /* every TMDB request failed */
    assert_non_null(strstr(r.err, "every request failed (the API sent a response we cannot read)"));
    assert_true(fake_stat(&huge, "faults", "huge") > 10); /* the page, then each movie */
    run_result_free(&r);
    fake_stop(&huge);
}

/*
 * build/reelsync: the run exits 0 under mixed hostile faults and the report counts them; a
 * 64 MiB body costs the process no more than the body cap: its peak RSS stays within 40 MiB
 * of a clean run's (an uncapped body alone would add 64 MiB, its growing buffer more).
 */
static void cli_mixed_faults_exit_0_and_memory_small(void **state)
{
    (void)state;
    const char *now = "2026-11-25";
    char *dir = tmpdir_create();
    char *db_clean = path_join(dir, "clean.duckdb");
    struct fake clean;
    struct run_result r;

    fake_start(&clean, (const char *[]){"--movies", "2000", "--now", now, NULL});
    cli_collect(&clean, db_clean, now, &r);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
    fake_stop(&clean);
    long clean_kib = children_maxrss_kib();

    cli_faulted_run(db_clean, now);
    cli_huge_run(db_clean, now);
    long peak_kib = children_maxrss_kib();
#ifndef RS_ASAN /* ASan's quarantine keeps freed buffers: RSS says nothing there */
    if (peak_kib - clean_kib >= 40 * 1024)
        print_error("peak RSS %ld KiB after a clean run's %ld KiB\n", peak_kib, clean_kib);
    assert_true(peak_kib - clean_kib < 40 * 1024);
#else
    (void)peak_kib;
    (void)clean_kib;
#endif
    free(db_clean);
    tmpdir_remove(dir);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]); /* one test by name, for debugging */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(fake_sends_redirect, fake_stop_all),
        cmocka_unit_test_teardown(huge_body_is_bad_response, fake_stop_all),
        cmocka_unit_test_teardown(trickle_times_out, fake_stop_all),
        cmocka_unit_test_teardown(invalid_utf8_is_bad_response, fake_stop_all),
        cmocka_unit_test_teardown(deep_json_is_bad_response, fake_stop_all),
        cmocka_unit_test_teardown(array_for_object_is_bad_response, fake_stop_all),
        cmocka_unit_test_teardown(html_200_is_bad_response, fake_stop_all),
        cmocka_unit_test_teardown(redirect_is_bad_response_not_followed, fake_stop_all),
        cmocka_unit_test_teardown(mixed_faults_store_only_good_data, fake_stop_all),
        cmocka_unit_test_teardown(cli_mixed_faults_exit_0_and_memory_small, fake_stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
