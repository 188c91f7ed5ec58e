/*
 * reelsync-fakeapi's limits and faults (fake/README.md, the options table, "Faults" and
 * /__stats): the server-side rate limits and their stats, /__reset, Retry-After, the OMDB
 * daily quota by UTC day, every fault kind as a client sees it, a stalled request that blocks
 * no other, forty requests in flight at once, and faults decided alike by equal servers.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "test.h"

/*
 * At 0.5 requests a second, ten at once: some pass, the others get 429 with TMDB's code 25
 * and no Retry-After, each counted as a violation; /__reset zeroes the counts.
 */
static void rate_limits_and_stats(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "100", "--tmdb-rps", "0.5", "--omdb-rps", "0.5", NULL};
    fake_start(&f, args);
    char url[256];
    snprintf(url, sizeof(url), "%s/discover/movie?api_key=test", f.tmdb_url);
    int ok = 0, limited = 0;
    for (int k = 0; k < 10; k++) {
        struct http_reply r;
        http_fetch("GET", url, NULL, &r);
        if (r.status == 429) {
            json_t *b = json_loads(r.body, 0, NULL);
            assert_int_equal(json_integer_value(json_object_get(b, "status_code")), 25);
            assert_null(strstr(r.headers, "Retry-After"));
            json_decref(b);
            limited++;
        } else {
            assert_int_equal(r.status, 200);
            ok++;
        }
        http_reply_free(&r);
    }
    assert_true(ok >= 1);
    assert_true(limited >= 1);
    assert_int_equal(fake_stat(&f, "violations", "tmdb"), limited);
    assert_int_equal(fake_stat(&f, "requests", "tmdb"), 10);
    assert_int_equal(fake_stat(&f, "endpoints", "/3/discover/movie"), 10);
    assert_int_equal(fake_stat(&f, "max_in_flight", "tmdb"), 1);
    struct http_reply r;
    snprintf(url, sizeof(url), "%s/__reset", f.base);
    http_fetch("POST", url, NULL, &r);
    assert_int_equal(r.status, 200);
    http_reply_free(&r);
    assert_int_equal(fake_stat(&f, "violations", "tmdb"), 0);
    assert_int_equal(fake_stat(&f, "requests", "tmdb"), 0);
    fake_stop(&f);
}

/* With --retry-after 3 the 429s of the rate limit carry "Retry-After: 3". */
static void retry_after_header(void **state)
{
    (void)state;
    struct fake f;
    const char *ra[] = {"--movies", "100", "--tmdb-rps", "0.5", "--retry-after", "3", NULL};
    fake_start(&f, ra);
    char url[256];
    snprintf(url, sizeof(url), "%s/discover/movie?api_key=test", f.tmdb_url);
    struct http_reply r;
    bool seen = false;
    for (int k = 0; k < 5 && !seen; k++) {
        http_fetch("GET", url, NULL, &r);
        if (r.status == 429) {
            assert_non_null(strstr(r.headers, "Retry-After: 3"));
            seen = true;
        }
        http_reply_free(&r);
    }
    assert_true(seen);
    fake_stop(&f);
}

static void omdb_daily_limit(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {
        "--movies", "100", "--omdb-daily-limit", "3", "--now", "2026-11-25T23:00:00Z", NULL};
    fake_start(&f, args);
    char url[256];
    snprintf(url, sizeof(url), "%s?i=tt0010002&apikey=test", f.omdb_url);
    const char *limit = "{\"Response\":\"False\",\"Error\":\"Request limit reached!\"}";
    for (int k = 0; k < 3; k++) {
        struct http_reply r;
        http_fetch("GET", url, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_null(strstr(r.body, "limit"));
        http_reply_free(&r);
    }
    assert_http_body(url, NULL, 401, limit);
    assert_http_body(url, "X-Fake-Now: 2026-11-25T23:59:59Z", 401, limit);
    /* The next UTC day of the server's clock starts a fresh quota. */
    struct http_reply r;
    http_fetch("GET", url, "X-Fake-Now: 2026-11-26T00:00:01Z", &r);
    assert_int_equal(r.status, 200);
    http_reply_free(&r);
    assert_int_equal(fake_stat(&f, "omdb_quota", "rejected"), 2);
    fake_stop(&f);
}

/* ---- faults ---- */

/* The answer to one request of a server that gives KIND to every request, and its stats. */
static struct http_reply fault_fetch(const char *kind)
{
    struct fake f;
    const char *args[] = {"--movies",   "100",  "--fault-rate", "1", "--faults", kind,
                          "--stall-ms", "1500", "--trickle-ms", "1", NULL};
    fake_start(&f, args);
    char url[256];
    snprintf(url, sizeof(url), "%s/movie/9?api_key=test", f.tmdb_url);
    struct http_reply r;
    http_fetch("GET", url, NULL, &r);
    assert_int_equal(fake_stat(&f, "faults", kind), 1);
    assert_int_equal(fake_stat(&f, "faults", "total"), 1);
    assert_int_equal(fake_stat(&f, "violations", "tmdb"), 0); /* an injected 429 is no violation */
    fake_stop(&f);
    return r;
}

static size_t count_bytes(char *data, size_t size, size_t n, void *ud)
{
    (void)data;
    *(size_t *)ud += size * n;
    return size * n;
}

/* The length of the body of the huge fault, counted without keeping it. */
static size_t huge_body_length(void)
{
    struct fake f;
    const char *args[] = {"--movies", "100", "--fault-rate", "1", "--faults", "huge", NULL};
    fake_start(&f, args);
    char url[256];
    size_t total = 0;
    snprintf(url, sizeof(url), "%s/movie/9?api_key=test", f.tmdb_url);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &total);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    assert_int_equal(fake_stat(&f, "faults", "huge"), 1);
    fake_stop(&f);
    return total;
}

static void each_fault_kind(void **state)
{
    (void)state;
    static const struct {
        const char *kind;
        long status;
        const char *contains;
    } plain[] = {
        {"429", 429, "\"status_code\":25"}, {"500", 500, "\"status_code\":11"},
        {"503", 503, "\"status_code\":9"},  {"502html", 502, "<html>"},
        {"504html", 504, "<html>"},         {"html200", 200, "<!DOCTYPE html>"},
    };
    for (size_t k = 0; k < sizeof(plain) / sizeof(plain[0]); k++) {
        struct http_reply r = fault_fetch(plain[k].kind);
        assert_int_equal(r.status, plain[k].status);
        assert_non_null(strstr(r.body, plain[k].contains));
        http_reply_free(&r);
    }
    static const char *const dropped[] = {"reset", "timeout", "truncated"};
    for (int k = 0; k < 3; k++) {
        struct http_reply r = fault_fetch(dropped[k]);
        assert_int_equal(r.status, 0); /* libcurl reports a transfer error */
        http_reply_free(&r);
    }
    static const char *const unparsable[] = {"malformed", "badutf8", "deepjson"};
    for (int k = 0; k < 3; k++) {
        struct http_reply r = fault_fetch(unparsable[k]);
        assert_int_equal(r.status, 200);
        assert_null(json_loadb(r.body, r.len, 0, NULL));
        http_reply_free(&r);
    }
    struct http_reply r = fault_fetch("array");
    json_t *doc = json_loadb(r.body, r.len, 0, NULL);
    assert_true(json_is_array(doc));
    assert_true(json_is_object(json_array_get(doc, 0)));
    json_decref(doc);
    http_reply_free(&r);
    r = fault_fetch("trickle");
    doc = json_loadb(r.body, r.len, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(doc, "id")), 9);
    json_decref(doc);
    http_reply_free(&r);
    assert_int_equal(huge_body_length(), 64u * 1024u * 1024u);
}

struct stalled {
    char url[256];
    long status;
};

static void *fetch_thread(void *arg)
{
    struct stalled *s = arg;
    struct http_reply r;
    http_fetch("GET", s->url, NULL, &r);
    s->status = r.status;
    http_reply_free(&r);
    return NULL;
}

static void stall_does_not_block_others(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "100",        "--fault-rate", "1", "--faults",
                          "timeout",  "--stall-ms", "60000",        NULL};
    fake_start(&f, args);
    struct stalled s;
    snprintf(s.url, sizeof(s.url), "%s/movie/9?api_key=test", f.tmdb_url);
    pthread_t th;
    pthread_create(&th, NULL, fetch_thread, &s);
    /*
     * While that request stalls, the server keeps answering: wait until it is in flight and
     * counted as a fault (the server counts the two one after the other, so a busy machine
     * can see the first alone).
     */
    long inflight = 0, faults = 0;
    for (int k = 0; k < 2000 && (inflight == 0 || faults == 0); k++) {
        inflight = fake_stat(&f, "in_flight", "tmdb");
        faults = fake_stat(&f, "faults", "timeout");
        if (!inflight || !faults)
            usleep(5000);
    }
    assert_int_equal(inflight, 1);
    assert_int_equal(faults, 1);
    fake_stop(&f); /* shutdown wakes the stalled request and drops it */
    pthread_join(th, NULL);
    assert_int_equal(s.status, 0);
}

/* 40 requests held by --latency-ms are all in flight at once: none waits for another. */
static void concurrent_requests_counted(void **state)
{
    (void)state;
    enum { N = 40 };
    struct fake f;
    const char *args[] = {"--movies", "100", "--latency-ms", "600000", NULL};
    fake_start(&f, args);
    static struct stalled s[N];
    pthread_t th[N];
    for (int k = 0; k < N; k++) {
        snprintf(s[k].url, sizeof(s[k].url), "%s/discover/movie?api_key=test&page=%d", f.tmdb_url,
                 k + 1);
        pthread_create(&th[k], NULL, fetch_thread, &s[k]);
    }
    long inflight = 0;
    for (int k = 0; k < 4000 && inflight < N; k++) {
        inflight = fake_stat(&f, "in_flight", "tmdb");
        if (inflight < N)
            usleep(5000);
    }
    assert_int_equal(inflight, N);
    assert_int_equal(fake_stat(&f, "max_in_flight", "tmdb"), N);
    assert_int_equal(fake_stat(&f, "requests", "tmdb"), N);
    fake_stop(&f);
    for (int k = 0; k < N; k++) {
        pthread_join(th[k], NULL);
        assert_int_equal(s[k].status, 0);
    }
}

static void faults_are_deterministic(void **state)
{
    (void)state;
    struct fake a, b;
    const char *args[] = {"--movies", "100",      "--seed",      "3", "--fault-rate",
                          "0.5",      "--faults", "429,500,503", NULL};
    fake_start(&a, args);
    fake_start(&b, args);
    int faults = 0;
    for (int k = 0; k < 30; k++) {
        char u1[256], u2[256];
        snprintf(u1, sizeof(u1), "%s/movie/%d?api_key=test", a.tmdb_url, 2 + k % 7);
        snprintf(u2, sizeof(u2), "%s/movie/%d?api_key=test", b.tmdb_url, 2 + k % 7);
        struct http_reply x, y;
        http_fetch("GET", u1, NULL, &x);
        http_fetch("GET", u2, NULL, &y);
        assert_int_equal(x.status, y.status);
        faults += x.status >= 429;
        http_reply_free(&x);
        http_reply_free(&y);
    }
    assert_true(faults > 3 && faults < 27);
    fake_stop(&a);
    fake_stop(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(rate_limits_and_stats, fake_stop_all),
        cmocka_unit_test_teardown(retry_after_header, fake_stop_all),
        cmocka_unit_test_teardown(omdb_daily_limit, fake_stop_all),
        cmocka_unit_test_teardown(each_fault_kind, fake_stop_all),
        cmocka_unit_test_teardown(stall_does_not_block_others, fake_stop_all),
        cmocka_unit_test_teardown(concurrent_requests_counted, fake_stop_all),
        cmocka_unit_test_teardown(faults_are_deterministic, fake_stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
