/*
 * The request engine (src/http/) against reelsync-fakeapi over loopback: outcomes and
 * their classes per fault kind, retries, the in-flight cap as the server saw it, the daily
 * limit and auth stops, key redaction in every log line and detail, cancellation, and
 * Retry-After. Retries use a 10 ms time base so the suite stays fast. The request headers
 * and gzip decoding are checked against a one-shot loopback server in this file (the fake
 * neither reports request headers nor compresses).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"
#include "reelsync/http.h"
#include "test.h"

#define KEY "test"
#define MAX_RESULTS 256

static const char *const movie_ids[] = {"27205",  "10193",   "19995",   "194",   "54186",
                                        "466420", "1075794", "1443826", "76162", "283917"};

struct got {
    enum rs_err outcome;
    long status;
    int attempts;
    size_t body_len;
    char detail[512];
};

/* What a run delivered, in completion order, and the log lines it wrote. */
struct ctx {
    struct got got[MAX_RESULTS];
    int n;
    int by_outcome[RS_ERR_COUNT_];
    volatile sig_atomic_t cancel;
    int cancel_after; /* set cancel once this many results arrived (0: never) */
    char *log;
    size_t log_len;
};

static void on_done(struct http *h, const struct http_result *res, void *user)
{
    (void)h;
    struct ctx *c = user;
    assert_true(c->n < MAX_RESULTS);
    struct got *g = &c->got[c->n++];
    g->outcome = res->outcome;
    g->status = res->status;
    g->attempts = res->attempts;
    g->body_len = res->body_len;
    snprintf(g->detail, sizeof(g->detail), "%s", res->detail);
    assert_non_null(res->body);
    assert_int_equal(strlen(res->body), res->body_len);
    /* what the hook parsed of the final body comes with it, and only with a usable one
       (the engine frees it after this callback: ASan and valgrind see a leak or a reuse) */
    if (res->outcome == RS_OK)
        assert_true(json_is_object((json_t *)res->doc));
    else
        assert_null(res->doc);
    c->by_outcome[res->outcome]++;
    if (c->cancel_after > 0 && c->n >= c->cancel_after)
        c->cancel = 1;
}

static void on_log(void *ud, enum rs_log_level level, const char *line)
{
    struct ctx *c = ud;
    size_t n = strlen(line);
    char *p = realloc(c->log, c->log_len + n + 2);
    assert_non_null(p);
    memcpy(p + c->log_len, line, n);
    p[c->log_len + n] = '\n';
    c->log_len += n + 1;
    p[c->log_len] = '\0';
    c->log = p;
    (void)level;
}

static void free_json(void *doc)
{
    json_decref(doc);
}

/*
 * A classify hook like the API clients': JSON that parses is usable, else bad_response; a
 * usable body's parse is kept for the callback.
 */
static enum rs_err classify_json(long status, const char *body, size_t len, void **kept)
{
    if (status == 401 && strstr(body, "Request limit reached!"))
        return RS_ERR_QUOTA_EXHAUSTED;
    if (status == 401 || status == 403)
        return RS_ERR_AUTH;
    if (status == 404)
        return RS_ERR_NOT_FOUND;
    if (status == 429)
        return RS_ERR_RATE_LIMITED;
    if (status >= 500)
        return RS_ERR_SERVER_ERROR;
    if (status < 200 || status >= 300)
        return RS_ERR_BAD_RESPONSE;
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, 0, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return RS_ERR_BAD_RESPONSE;
    }
    *kept = doc;
    return RS_OK;
}

static void base_config(struct http_config *cfg, const struct fake *f, struct ctx *c,
                        struct rs_log *log)
{
    *log = (struct rs_log){.fn = on_log, .ctx = c, .level = RS_LOG_DEBUG};
    *cfg = (struct http_config){
        .api[RS_API_TMDB] = {.base_url = f->tmdb_url,
                             .key_param = "api_key",
                             .key = KEY,
                             .concurrency = 4,
                             .classify = classify_json,
                             .free_doc = free_json},
        .api[RS_API_OMDB] = {.base_url = f->omdb_url,
                             .key_param = "apikey",
                             .key = KEY,
                             .concurrency = 2,
                             .classify = classify_json,
                             .free_doc = free_json},
        .retry =
            {.max_retries = 2, .base_ms = 10, .max_ms = 40, .jitter = 0.2, .max_wait_ms = 5000},
        .connect_timeout_ms = 5000,
        .timeout_ms = 10000,
        .seed = 42,
        .log = log,
        .cancel = &c->cancel,
    };
}

static void queue_movies(struct http *h, struct ctx *c, int n)
{
    for (int i = 0; i < n; i++) {
        char suffix[64];
        snprintf(suffix, sizeof(suffix), "/movie/%s", movie_ids[i % RS_ARRAY_LEN(movie_ids)]);
        assert_int_equal(http_get(h, RS_API_TMDB, suffix, on_done, c), RS_OK);
    }
}

static void run_engine(const struct http_config *cfg, struct ctx *c, int tmdb, int omdb,
                       int64_t counts[RS_API_COUNT][RS_OUTCOME_COUNT], struct http_stats *st)
{
    struct http *h = NULL;
    struct rs_error err;
    assert_int_equal(http_create(cfg, &h, &err), RS_OK);
    queue_movies(h, c, tmdb);
    for (int i = 0; i < omdb; i++)
        assert_int_equal(http_get(h, RS_API_OMDB, "?i=tt1375666", on_done, c), RS_OK);
    assert_int_equal(http_run(h, &err), RS_OK);
    if (counts)
        http_take_counts(h, counts);
    if (st)
        http_get_stats(h, st);
    http_destroy(h);
}

static void free_ctx(struct ctx *c)
{
    free(c->log);
    free(c);
}

/* ---- tests ---- */

/* The one mapping of a status to its outcome class, which the APIs' hooks start from. */
static void status_classes(void **state)
{
    (void)state;
    const struct {
        long status;
        enum rs_err want;
    } cases[] = {
        {200, RS_OK},
        {204, RS_OK},
        {299, RS_OK},
        {401, RS_ERR_AUTH},
        {404, RS_ERR_NOT_FOUND},
        {408, RS_ERR_TIMEOUT},
        {429, RS_ERR_RATE_LIMITED},
        {500, RS_ERR_SERVER_ERROR},
        {502, RS_ERR_SERVER_ERROR},
        {599, RS_ERR_SERVER_ERROR},
        {0, RS_ERR_BAD_RESPONSE},
        {100, RS_ERR_BAD_RESPONSE},
        {302, RS_ERR_BAD_RESPONSE},
        {400, RS_ERR_BAD_RESPONSE},
        {403, RS_ERR_BAD_RESPONSE},
        {418, RS_ERR_BAD_RESPONSE},
        {422, RS_ERR_BAD_RESPONSE},
        {600, RS_ERR_BAD_RESPONSE},
    };
    for (size_t i = 0; i < RS_ARRAY_LEN(cases); i++) {
        if (http_status_class(cases[i].status) != cases[i].want)
            fail_msg("status %ld: %s", cases[i].status,
                     rs_errname(http_status_class(cases[i].status)));
    }
}

static void redact_urls(void **state)
{
    (void)state;
    char out[256];
    assert_string_equal(http_redact("https://x/3/movie/1?api_key=abc&language=en", out, 256),
                        "https://x/3/movie/1?api_key=***&language=en");
    assert_string_equal(http_redact("https://x/?i=tt1&apikey=SECRET", out, 256),
                        "https://x/?i=tt1&apikey=***");
    assert_string_equal(http_redact("https://x/?apikey=a&api_key=b#frag", out, 256),
                        "https://x/?apikey=***&api_key=***#frag");
    assert_string_equal(http_redact("https://x/?my_apikey=keep", out, 256),
                        "https://x/?my_apikey=keep");
    assert_string_equal(http_redact(NULL, out, 256), "");
    assert_string_equal(http_redact("https://x/?api_key=abcdef", out, 16), "https://x/?api_");
}

static void success_counts_and_key_sent(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    int64_t counts[RS_API_COUNT][RS_OUTCOME_COUNT] = {{0}};
    struct http_stats st;
    fake_start_fixtures(&f, NULL);
    base_config(&cfg, &f, c, &log);
    run_engine(&cfg, c, 10, 3, counts, &st);
    assert_int_equal(c->n, 13);
    assert_int_equal(c->by_outcome[RS_OK], 13);
    for (int i = 0; i < c->n; i++) {
        assert_int_equal(c->got[i].attempts, 1);
        assert_int_equal(c->got[i].status, 200);
        assert_true(c->got[i].body_len > 100);
        assert_string_equal(c->got[i].detail, "");
    }
    assert_int_equal(counts[RS_API_TMDB][RS_OK], 10);
    assert_int_equal(counts[RS_API_OMDB][RS_OK], 3);
    assert_int_equal(st.attempts[RS_API_TMDB], 10);
    assert_int_equal(st.retries[RS_API_TMDB], 0);
    assert_int_equal(fake_stat(&f, "requests", "tmdb"), 10);
    assert_int_equal(fake_stat(&f, "requests", "omdb"), 3);
    fake_stop(&f);
    free_ctx(c);
}

static void bearer_token_instead_of_key(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    fake_start_fixtures(&f, NULL);
    base_config(&cfg, &f, c, &log);
    cfg.api[RS_API_TMDB].key = "not-sent";
    cfg.api[RS_API_TMDB].bearer = KEY;
    run_engine(&cfg, c, 2, 0, NULL, NULL);
    assert_int_equal(c->by_outcome[RS_OK], 2);
    json_t *s = fake_stats(&f);
    json_t *recent = json_object_get(s, "recent");
    assert_int_equal(json_array_size(recent), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *e = json_array_get(recent, i);
        assert_string_equal(json_string_value(json_object_get(e, "auth")), "bearer");
        assert_null(strstr(json_string_value(json_object_get(e, "query")), "api_key"));
    }
    json_decref(s);
    fake_stop(&f);
    free_ctx(c);
}

/* A chain: each result queues the next request, alternating OMDB and TMDB, CHAIN in all. */
#define CHAIN 6
static void on_done_chain(struct http *h, const struct http_result *res, void *user)
{
    struct ctx *c = user;
    on_done(h, res, user);
    if (c->n < CHAIN) {
        enum rs_api next = c->n % 2 ? RS_API_TMDB : RS_API_OMDB;
        assert_int_equal(http_get(h, next, next == RS_API_TMDB ? "/movie/27205" : "?i=tt1375666",
                                  on_done_chain, c),
                         RS_OK);
    }
}

/*
 * One request at a time, so the one easy handle carries OMDB (key) and TMDB (bearer) in
 * turn: each request goes out with its own API's authentication, never the other's (a
 * handle that kept OMDB's options would send TMDB's requests with no credentials).
 */
static void handle_reuse_across_apis(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    fake_start_fixtures(&f, NULL);
    base_config(&cfg, &f, c, &log);
    cfg.api[RS_API_TMDB].key = NULL;
    cfg.api[RS_API_TMDB].bearer = KEY;
    struct http *h = NULL;
    struct rs_error err;
    assert_int_equal(http_create(&cfg, &h, &err), RS_OK);
    assert_int_equal(http_get(h, RS_API_OMDB, "?i=tt1375666", on_done_chain, c), RS_OK);
    assert_int_equal(http_run(h, &err), RS_OK);
    http_destroy(h);
    assert_int_equal(c->n, CHAIN);
    assert_int_equal(c->by_outcome[RS_OK], CHAIN);
    json_t *s = fake_stats(&f);
    json_t *recent = json_object_get(s, "recent");
    assert_int_equal(json_array_size(recent), CHAIN);
    for (size_t i = 0; i < CHAIN; i++) {
        json_t *e = json_array_get(recent, i);
        const char *api = json_string_value(json_object_get(e, "api"));
        assert_string_equal(api, i % 2 ? "tmdb" : "omdb");
        assert_string_equal(json_string_value(json_object_get(e, "auth")),
                            i % 2 ? "bearer" : "key");
    }
    json_decref(s);
    fake_stop(&f);
    free_ctx(c);
}

/* {"id":1,"title":"Gzip"} gzip-compressed (mtime 0). */
static const unsigned char gz_body[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0xca, 0x4c, 0x51,
    0xb2, 0x32, 0xd4, 0x51, 0x2a, 0xc9, 0x2c, 0xc9, 0x49, 0x55, 0xb2, 0x52, 0x72, 0xaf, 0xca,
    0x2c, 0x50, 0xaa, 0x05, 0x00, 0x0e, 0x70, 0xfb, 0xeb, 0x17, 0x00, 0x00, 0x00};

/* A one-shot HTTP server: accepts one connection, keeps its request head, answers gzip. */
struct one_shot {
    int fd;
    char request[4096];
};

static void *one_shot_serve(void *arg)
{
    struct one_shot *o = arg;
    int c = accept(o->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    size_t len = 0;
    while (len + 1 < sizeof(o->request) && !strstr(o->request, "\r\n\r\n")) {
        ssize_t n = read(c, o->request + len, sizeof(o->request) - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        o->request[len] = '\0';
    }
    char head[256];
    int hn = snprintf(head, sizeof(head),
                      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Content-Encoding: gzip\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      sizeof(gz_body));
    if (write(c, head, (size_t)hn) != hn || write(c, gz_body, sizeof(gz_body)) < 0)
        fprintf(stderr, "one_shot: write failed\n");
    close(c);
    return NULL;
}

struct body_seen {
    enum rs_err outcome;
    char body[256];
};

static void on_done_body(struct http *h, const struct http_result *res, void *user)
{
    (void)h;
    struct body_seen *b = user;
    b->outcome = res->outcome;
    snprintf(b->body, sizeof(b->body), "%s", res->body);
}

/* Occurrences of NEEDLE in HAY. */
static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The engine names itself, offers gzip once, and hands the callback the decoded body. */
static void agent_and_gzip(void **state)
{
    (void)state;
    struct one_shot o = {.fd = socket(AF_INET, SOCK_STREAM, 0)};
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(addr);
    assert_true(o.fd >= 0);
    assert_int_equal(bind(o.fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(o.fd, 4), 0);
    assert_int_equal(getsockname(o.fd, (struct sockaddr *)&addr, &alen), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, one_shot_serve, &o), 0);

    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d/3", ntohs(addr.sin_port));
    struct http_config cfg = {
        .api[RS_API_TMDB] = {.base_url = base, .key = KEY, .concurrency = 1},
        .retry = {.max_retries = 0, .base_ms = 10, .max_ms = 10},
        .timeout_ms = 10000,
    };
    struct http *h = NULL;
    struct rs_error err;
    struct body_seen b = {.outcome = RS_ERR_CANCELLED}; /* overwritten by the callback */
    assert_int_equal(http_create(&cfg, &h, &err), RS_OK);
    assert_int_equal(http_get(h, RS_API_TMDB, "/movie/1", on_done_body, &b), RS_OK);
    assert_int_equal(http_run(h, &err), RS_OK);
    http_destroy(h);
    pthread_join(t, NULL);
    close(o.fd);

    assert_int_equal(b.outcome, RS_OK);
    assert_string_equal(b.body, "{\"id\":1,\"title\":\"Gzip\"}");
    assert_non_null(strstr(o.request, "GET /3/movie/1?api_key=" KEY " HTTP/1.1\r\n"));
    assert_int_equal(count_of(o.request, "\r\nUser-Agent: reelsync/" RS_VERSION "\r\n"), 1);
    assert_int_equal(count_of(o.request, "User-Agent:"), 1);
    assert_int_equal(count_of(o.request, "\r\nAccept-Encoding: gzip, deflate\r\n"), 1);
    assert_int_equal(count_of(o.request, "Accept-Encoding:"), 1);
    assert_null(strstr(o.request, "Authorization:"));
}

static void not_found_is_not_retried(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    struct http *h;
    struct rs_error err;
    fake_start_fixtures(&f, NULL);
    base_config(&cfg, &f, c, &log);
    cfg.retry.max_retries = 3;
    assert_int_equal(http_create(&cfg, &h, &err), RS_OK);
    http_get(h, RS_API_TMDB, "/movie/999999999", on_done, c);
    http_get(h, RS_API_TMDB, "/discover/movie?page=501", on_done, c);
    assert_int_equal(http_run(h, &err), RS_OK);
    http_destroy(h);
    assert_int_equal(c->n, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(c->got[i].attempts, 1);
        if (c->got[i].status == 404)
            assert_int_equal(c->got[i].outcome, RS_ERR_NOT_FOUND);
        else
            assert_int_equal(c->got[i].outcome, RS_ERR_BAD_RESPONSE); /* 400 or 422 */
    }
    assert_int_equal(fake_stat(&f, "requests", "tmdb"), 2);
    fake_stop(&f);
    free_ctx(c);
}

struct fault_case {
    const char *fault;
    enum rs_err outcome;
    long status;
    int attempts; /* 1 + max_retries when retried */
};

static void each_fault_kind(void **state)
{
    (void)state;
    static const struct fault_case cases[] = {
        {"429", RS_ERR_RATE_LIMITED, 429, 3},
        {"500", RS_ERR_SERVER_ERROR, 500, 3},
        {"502html", RS_ERR_SERVER_ERROR, 502, 3},
        {"503", RS_ERR_SERVER_ERROR, 503, 3},
        {"reset", RS_ERR_NETWORK, 0, 3},
        {"timeout", RS_ERR_TIMEOUT, 0, 3},
        {"malformed", RS_ERR_BAD_RESPONSE, 200, 3}, /* a 2xx body unread: retried */
        {"html200", RS_ERR_BAD_RESPONSE, 200, 3},
        {"array", RS_ERR_BAD_RESPONSE, 200, 3},
        {"huge", RS_ERR_BAD_RESPONSE, 200, 3},
        {"redirect", RS_ERR_BAD_RESPONSE, 302, 3}, /* not followed; a 302 is retried */
        {"truncated", RS_ERR_NETWORK, 0, 3},
    };
    for (size_t k = 0; k < RS_ARRAY_LEN(cases); k++) {
        struct fake f;
        struct ctx *c = calloc(1, sizeof(*c));
        struct http_config cfg;
        struct rs_log log;
        int64_t counts[RS_API_COUNT][RS_OUTCOME_COUNT] = {{0}};
        const char *args[] = {"--fault-rate", "1", "--faults", cases[k].fault, NULL};
        fake_start_fixtures(&f, args);
        base_config(&cfg, &f, c, &log);
        cfg.timeout_ms = 300; /* the timeout fault stalls longer than this */
        run_engine(&cfg, c, 1, 0, counts, NULL);
        print_message("fault %s: %s status %ld attempts %d\n", cases[k].fault,
                      rs_errname(c->got[0].outcome), c->got[0].status, c->got[0].attempts);
        assert_int_equal(c->n, 1);
        assert_int_equal(c->got[0].outcome, cases[k].outcome);
        assert_int_equal(c->got[0].status, cases[k].status);
        assert_int_equal(c->got[0].attempts, cases[k].attempts);
        assert_int_equal(counts[RS_API_TMDB][cases[k].outcome], cases[k].attempts);
        assert_non_null(strstr(c->got[0].detail, "/3/movie/27205?api_key=***"));
        fake_stop(&f);
        free_ctx(c);
    }
}

static void concurrency_cap_held(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    struct http_stats st;
    const char *args[] = {"--latency-ms", "30", NULL};
    fake_start_fixtures(&f, args);
    base_config(&cfg, &f, c, &log);
    cfg.api[RS_API_TMDB].concurrency = 3;
    run_engine(&cfg, c, 30, 0, NULL, &st);
    assert_int_equal(c->by_outcome[RS_OK], 30);
    assert_int_equal(st.max_in_flight[RS_API_TMDB], 3);
    int64_t seen = fake_stat(&f, "max_in_flight", "tmdb");
    assert_in_range(seen, 1, 3);
    assert_int_equal(fake_stat(&f, "requests", "tmdb"), 30);
    fake_stop(&f);
    free_ctx(c);
}

static void daily_limit_stops_without_network(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    struct http *h;
    struct rs_error err;
    int64_t counts[RS_API_COUNT][RS_OUTCOME_COUNT] = {{0}};
    enum rs_err why = RS_OK;
    fake_start_fixtures(&f, NULL);
    base_config(&cfg, &f, c, &log);
    cfg.api[RS_API_TMDB].daily_limit = 5;
    cfg.api[RS_API_TMDB].used_today = 3;
    cfg.api[RS_API_OMDB].daily_limit = 7;
    cfg.api[RS_API_OMDB].used_today = 7;
    assert_int_equal(http_create(&cfg, &h, &err), RS_OK);
    queue_movies(h, c, 10);
    for (int i = 0; i < 4; i++)
        http_get(h, RS_API_OMDB, "?i=tt1375666", on_done, c);
    assert_int_equal(http_run(h, &err), RS_OK);
    assert_true(http_api_stopped(h, RS_API_TMDB, &why));
    assert_int_equal(why, RS_ERR_QUOTA_EXHAUSTED);
    assert_true(http_api_stopped(h, RS_API_OMDB, &why));
    http_take_counts(h, counts);
    http_destroy(h);
    assert_int_equal(c->n, 14);
    assert_int_equal(c->by_outcome[RS_OK], 2);
    assert_int_equal(c->by_outcome[RS_ERR_QUOTA_EXHAUSTED], 12);
    for (int i = 0; i < c->n; i++) {
        if (c->got[i].outcome == RS_ERR_QUOTA_EXHAUSTED)
            assert_int_equal(c->got[i].attempts, 0);
    }
    assert_int_equal(counts[RS_API_TMDB][RS_OK], 2);
    assert_int_equal(counts[RS_API_TMDB][RS_ERR_QUOTA_EXHAUSTED], 0); /* refused: not counted */
    assert_int_equal(counts[RS_API_OMDB][RS_OK], 0);
    assert_int_equal(fake_stat(&f, "requests", "tmdb"), 2);
    assert_int_equal(fake_stat(&f, "requests", "omdb"), 0);
    fake_stop(&f);
    free_ctx(c);
}

static void bad_key_stops_api(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    struct http *h;
    struct rs_error err;
    enum rs_err why = RS_OK;
    fake_start_fixtures(&f, NULL);
    base_config(&cfg, &f, c, &log);
    cfg.api[RS_API_TMDB].key = "wrong-key";
    cfg.api[RS_API_TMDB].concurrency = 1;
    assert_int_equal(http_create(&cfg, &h, &err), RS_OK);
    queue_movies(h, c, 8);
    http_get(h, RS_API_OMDB, "?i=tt1375666", on_done, c);
    assert_int_equal(http_run(h, &err), RS_OK);
    assert_true(http_api_stopped(h, RS_API_TMDB, &why));
    assert_int_equal(why, RS_ERR_AUTH);
    assert_false(http_api_stopped(h, RS_API_OMDB, NULL));
    http_destroy(h);
    assert_int_equal(c->n, 9);
    assert_int_equal(c->by_outcome[RS_ERR_AUTH], 8);
    assert_int_equal(c->by_outcome[RS_OK], 1); /* OMDB goes on */
    int sent = 0;
    for (int i = 0; i < c->n; i++) {
        if (c->got[i].outcome == RS_ERR_AUTH)
            sent += c->got[i].attempts;
    }
    assert_int_equal(sent, 1);
    assert_int_equal(fake_stat(&f, "requests", "tmdb"), 1);
    fake_stop(&f);
    free_ctx(c);
}

static void omdb_request_limit_stops_omdb(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    struct http *h;
    struct rs_error err;
    enum rs_err why = RS_OK;
    const char *args[] = {"--omdb-daily-limit", "2", NULL};
    fake_start_fixtures(&f, args);
    base_config(&cfg, &f, c, &log);
    cfg.api[RS_API_OMDB].concurrency = 1;
    assert_int_equal(http_create(&cfg, &h, &err), RS_OK);
    for (int i = 0; i < 6; i++)
        http_get(h, RS_API_OMDB, "?i=tt1375666", on_done, c);
    assert_int_equal(http_run(h, &err), RS_OK);
    assert_true(http_api_stopped(h, RS_API_OMDB, &why));
    assert_int_equal(why, RS_ERR_QUOTA_EXHAUSTED);
    http_destroy(h);
    assert_int_equal(c->by_outcome[RS_OK], 2);
    assert_int_equal(c->by_outcome[RS_ERR_QUOTA_EXHAUSTED], 4);
    assert_int_equal(c->got[2].attempts, 1); /* the one the server refused */
    for (int i = 3; i < 6; i++)
        assert_int_equal(c->got[i].attempts, 0);
    fake_stop(&f);
    free_ctx(c);
}

static void keys_never_logged(void **state)
{
    (void)state;
    static const char secret[] = "Sup3rS3cretKey";
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    struct http *h;
    struct rs_error err;
    const char *args[] = {"--tmdb-key", secret,     "--omdb-key",    secret, "--fault-rate",
                          "0.5",        "--faults", "500,reset,503", NULL};
    fake_start_fixtures(&f, args);
    base_config(&cfg, &f, c, &log);
    cfg.api[RS_API_TMDB].key = secret;
    cfg.api[RS_API_OMDB].key = "Sup3rS3cretKey-wrong";
    assert_int_equal(http_create(&cfg, &h, &err), RS_OK);
    queue_movies(h, c, 20);
    http_get(h, RS_API_TMDB, "/movie/999999999", on_done, c);
    http_get(h, RS_API_OMDB, "?i=tt1375666", on_done, c);
    http_get(h, RS_API_OMDB, "?i=tt0435761", on_done, c);
    assert_int_equal(http_run(h, &err), RS_OK);
    http_destroy(h);
    assert_int_equal(c->n, 23);
    assert_non_null(c->log);
    /* The URLs are in the log (so the test can fail), the key is not. */
    assert_non_null(strstr(c->log, "api_key=***"));
    assert_non_null(strstr(c->log, "apikey=***"));
    assert_null(strstr(c->log, secret));
    for (int i = 0; i < c->n; i++)
        assert_null(strstr(c->got[i].detail, secret));
    fake_stop(&f);
    free_ctx(c);
}

static void cancel_mid_batch(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    fake_start_fixtures(&f, NULL);
    base_config(&cfg, &f, c, &log);
    cfg.api[RS_API_TMDB].concurrency = 1;
    c->cancel_after = 3;
    run_engine(&cfg, c, 20, 0, NULL, NULL);
    assert_int_equal(c->n, 20);
    assert_int_equal(c->by_outcome[RS_OK], 3);
    assert_int_equal(c->by_outcome[RS_ERR_CANCELLED], 17);
    for (int i = 0; i < 3; i++)
        assert_true(c->got[i].body_len > 100); /* what arrived was delivered */
    for (int i = 3; i < 20; i++)
        assert_int_equal(c->got[i].attempts, 0);
    assert_int_equal(fake_stat(&f, "requests", "tmdb"), 3);
    fake_stop(&f);
    free_ctx(c);
}

static void retry_after_honoured(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    const char *args[] = {"--fault-rate", "1", "--faults", "429", "--retry-after", "1", NULL};
    fake_start_fixtures(&f, args);
    base_config(&cfg, &f, c, &log);
    cfg.retry.max_retries = 1;
    run_engine(&cfg, c, 1, 0, NULL, NULL);
    assert_int_equal(c->got[0].outcome, RS_ERR_RATE_LIMITED);
    assert_int_equal(c->got[0].attempts, 2);
    /* The retry waited the server's 1 s, not the 10 ms base (no clock in the assertion). */
    assert_non_null(strstr(c->log, "delay_ms=1000"));
    fake_stop(&f);
    free_ctx(c);
}

/*
 * A request waiting for its retry holds no in-flight slot: with one slot and every first
 * attempt failing, the other requests go out while the first one waits its second. Had the
 * wait kept the slot, the server would see each movie twice in a row (A A B B C C), in any
 * timing; here it sees A B C first (the retries wait 3 s: with 1 s, a loaded machine once
 * took longer than that over the three first attempts, and A's retry came before C).
 */
static void retry_wait_holds_no_slot(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    struct http_stats st;
    const char *args[] = {"--fault-rate", "1", "--faults", "500", NULL};
    fake_start_fixtures(&f, args);
    base_config(&cfg, &f, c, &log);
    cfg.api[RS_API_TMDB].concurrency = 1;
    cfg.retry = (struct retry_policy){.max_retries = 1, .base_ms = 3000, .max_ms = 3000};
    run_engine(&cfg, c, 3, 0, NULL, &st);
    assert_int_equal(c->by_outcome[RS_ERR_SERVER_ERROR], 3);
    assert_int_equal(st.attempts[RS_API_TMDB], 6);
    assert_int_equal(st.max_in_flight[RS_API_TMDB], 1);
    json_t *s = fake_stats(&f);
    json_t *recent = json_object_get(s, "recent");
    assert_int_equal(json_array_size(recent), 6);
    for (size_t i = 0; i < 6; i++) {
        const char *path = json_string_value(json_object_get(json_array_get(recent, i), "path"));
        assert_non_null(path);
        char want[64];
        snprintf(want, sizeof(want), "/3/movie/%s", movie_ids[i % 3]);
        assert_string_equal(path, want);
    }
    json_decref(s);
    fake_stop(&f);
    free_ctx(c);
}

/*
 * The daily limit is checked before every attempt, retries included: with 3 attempts left
 * and every attempt failing, the third is the last the server sees, and both requests end
 * quota_exhausted, in any interleaving. The server's 50 ms latency against the 10 ms retry
 * base makes the usual one: the limit is reached while the third attempt is in flight, and
 * that request, whose retry the limit forbids, ends quota_exhausted like the waiting one.
 */
static void daily_limit_checked_before_retries(void **state)
{
    (void)state;
    struct fake f;
    struct ctx *c = calloc(1, sizeof(*c));
    struct http_config cfg;
    struct rs_log log;
    int64_t counts[RS_API_COUNT][RS_OUTCOME_COUNT] = {{0}};
    const char *args[] = {"--fault-rate", "1", "--faults", "503", "--latency-ms", "50", NULL};
    fake_start_fixtures(&f, args);
    base_config(&cfg, &f, c, &log);
    cfg.api[RS_API_TMDB].concurrency = 1;
    cfg.api[RS_API_TMDB].daily_limit = 10;
    cfg.api[RS_API_TMDB].used_today = 7;
    cfg.retry.max_retries = 5;
    run_engine(&cfg, c, 2, 0, counts, NULL);
    assert_int_equal(c->n, 2);
    assert_int_equal(c->by_outcome[RS_ERR_QUOTA_EXHAUSTED], 2);
    assert_int_equal(c->got[0].attempts + c->got[1].attempts, 3);
    assert_int_equal(counts[RS_API_TMDB][RS_ERR_SERVER_ERROR], 3);
    assert_int_equal(fake_stat(&f, "requests", "tmdb"), 3);
    fake_stop(&f);
    free_ctx(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_classes),
        cmocka_unit_test_teardown(redact_urls, fake_stop_all),
        cmocka_unit_test_teardown(success_counts_and_key_sent, fake_stop_all),
        cmocka_unit_test_teardown(bearer_token_instead_of_key, fake_stop_all),
        cmocka_unit_test_teardown(handle_reuse_across_apis, fake_stop_all),
        cmocka_unit_test(agent_and_gzip),
        cmocka_unit_test_teardown(not_found_is_not_retried, fake_stop_all),
        cmocka_unit_test_teardown(each_fault_kind, fake_stop_all),
        cmocka_unit_test_teardown(concurrency_cap_held, fake_stop_all),
        cmocka_unit_test_teardown(daily_limit_stops_without_network, fake_stop_all),
        cmocka_unit_test_teardown(bad_key_stops_api, fake_stop_all),
        cmocka_unit_test_teardown(omdb_request_limit_stops_omdb, fake_stop_all),
        cmocka_unit_test_teardown(keys_never_logged, fake_stop_all),
        cmocka_unit_test_teardown(cancel_mid_batch, fake_stop_all),
        cmocka_unit_test_teardown(retry_after_honoured, fake_stop_all),
        cmocka_unit_test_teardown(retry_wait_holds_no_slot, fake_stop_all),
        cmocka_unit_test_teardown(daily_limit_checked_before_retries, fake_stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
