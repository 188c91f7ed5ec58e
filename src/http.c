/*
 * http: the request engine. One libcurl multi handle drives every transfer of both APIs
 * from one loop (http_run): start what the limiters allow, let curl work, classify what
 * finished, retry or complete it, then sleep in curl_multi_poll() until a socket is ready,
 * the next token is due or the next retry is due, whichever comes first.
 *
 * Per API: a FIFO of requests ready to start, a struct rl (token bucket + in-flight cap,
 * src/ratelimit.c), the daily limit, a stop reason (auth / quota) and attempt counters.
 * Retries wait in one unsorted list holding no in-flight slot. Easy handles live in
 * struct conn objects kept on a free list and reused, so the connection cache of the
 * multi handle keeps its keep-alive connections and no handle is created per request.
 *
 * This is the only file that includes curl/curl.h. The policy (limits, retry schedule)
 * is in ratelimit.c and retry.c; this file reads the clocks and does the I/O.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "internal.h"
#include "reelsync/http.h"
#include "reelsync/ratelimit.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_MAX_BODY ((size_t)8 << 20)
#define DEFAULT_MAX_WAIT_MS 60000
#define MAX_POLL_MS 1000        /* longest sleep, so a cancel flag set elsewhere is seen */
#define KEEP_BUFFER (256 << 10) /* body buffers above this are freed after use */
/*
 * The buckets run at 98 % of the configured rate. A server counts our requests by their
 * arrival, and arrivals jitter against our sends (a new connection's handshake, a late
 * wake-up): at exactly the limit, one request arriving a millisecond early is a 429. The
 * 2 % (5 ms per token at 4/s) absorbs that and builds up slack on the server's side.
 */
#define RATE_MARGIN 0.98

struct req {
    struct req *next;
    enum rs_api api;
    char *url; /* with the key; never shown as is */
    http_done_fn done;
    void *user;
    int attempts;
    int64_t due_ms;            /* when a waiting retry may start */
    enum rs_err last;          /* outcome of the last attempt */
    long status;               /* HTTP status of the last attempt */
    char why[CURL_ERROR_SIZE]; /* curl's message for the last attempt, "" if none */
};

struct queue {
    struct req *head, *tail;
};

struct conn {
    struct conn *next_free;
    struct conn *next_all;
    struct http *h;
    CURL *easy;
    struct req *req; /* NULL while on the free list */
    int api_set;     /* the API whose options the handle carries, -1 for none yet */
    char *body;
    size_t len, cap;
    int64_t retry_after_ms; /* -1 when the response had none */
    bool too_big;
    char errbuf[CURL_ERROR_SIZE];
};

struct api_state {
    char *base;
    char *key_param;
    char *key;
    struct curl_slist *headers; /* User-Agent, Accept-Encoding, the bearer header if any */
    bool bearer;                /* the key goes in a header, not the URL */
    bool configured;
    http_classify_fn classify;
    int64_t daily_limit, used_today, run_attempts;
    struct rl rl;
    struct queue ready;
    enum rs_err stopped; /* RS_OK while the API may be asked */
    int64_t counts[RS_OUTCOME_COUNT];
    int64_t attempts, retries;
    int max_in_flight;
};

struct http {
    CURLM *multi;
    struct api_state api[RS_API_COUNT];
    struct req *waiting; /* retries not yet due, unsorted */
    struct conn *free_conns, *all_conns;
    size_t pending; /* requests queued, waiting or in flight */
    struct retry_policy retry;
    long connect_timeout_ms, timeout_ms;
    size_t max_body;
    uint64_t rng;
    const struct rs_log *log;
    const volatile sig_atomic_t *cancel; /* the program's flag (signals) */
    bool cancelled;                      /* http_cancel() was called */
};

/* ---- small helpers ---- */

static void queue_push(struct queue *q, struct req *r)
{
    r->next = NULL;
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
}

static void queue_push_front(struct queue *q, struct req *r)
{
    r->next = q->head;
    q->head = r;
    if (!q->tail)
        q->tail = r;
}

static struct req *queue_pop(struct queue *q)
{
    struct req *r = q->head;
    if (r) {
        q->head = r->next;
        if (!q->head)
            q->tail = NULL;
        r->next = NULL;
    }
    return r;
}

/* xorshift64*: the jitter draw, in [0,1). State on the handle, seeded from the config. */
static double next_rand(struct http *h)
{
    uint64_t x = h->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    h->rng = x;
    return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static bool is_cancelled(const struct http *h)
{
    return h->cancelled || (h->cancel && *h->cancel);
}

void http_cancel(struct http *h)
{
    h->cancelled = true;
}

static void req_free(struct req *r)
{
    if (r) {
        free(r->url);
        free(r);
    }
}

/* ---- redaction ---- */

static bool is_key_param(const char *p, size_t *name_len)
{
    static const char *const names[] = {"api_key=", "apikey="};
    for (size_t i = 0; i < RS_ARRAY_LEN(names); i++) {
        size_t n = strlen(names[i]);
        if (strncasecmp(p, names[i], n) == 0) {
            *name_len = n;
            return true;
        }
    }
    return false;
}

char *http_redact(const char *url, char *out, size_t len)
{
    size_t o = 0;
    if (!out || len == 0)
        return out;
    for (const char *p = url ? url : ""; *p && o + 1 < len;) {
        size_t n = 0;
        bool at_param = p == url || p[-1] == '?' || p[-1] == '&';
        if (at_param && is_key_param(p, &n)) {
            for (size_t i = 0; i < n && o + 1 < len; i++)
                out[o++] = p[i];
            for (const char *m = "***"; *m && o + 1 < len; m++)
                out[o++] = *m;
            p += n;
            while (*p && *p != '&' && *p != '#')
                p++;
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
    return out;
}

/* ---- configuration ---- */

/* Appends S to the URL under construction, percent-encoding unless RAW. */
static void put_str(char *out, size_t *o, const char *s, bool raw)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (raw || isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out[(*o)++] = (char)c;
        } else {
            out[(*o)++] = '%';
            out[(*o)++] = hex[c >> 4];
            out[(*o)++] = hex[c & 15];
        }
    }
}

/* base + SUFFIX + "?"/"&" + key_param=key (the key percent-encoded); NULL on no memory. */
static char *build_url(const struct api_state *a, const char *suffix)
{
    size_t cap = strlen(a->base) + strlen(suffix) + 2;
    bool with_key = a->key && !a->bearer;
    if (with_key)
        cap += strlen(a->key_param) + 1 + 3 * strlen(a->key);
    char *url = malloc(cap + 1);
    if (!url)
        return NULL;
    size_t o = 0;
    put_str(url, &o, a->base, true);
    put_str(url, &o, suffix, true);
    if (with_key) {
        url[o] = '\0';
        url[o++] = strchr(url, '?') ? '&' : '?';
        put_str(url, &o, a->key_param, true);
        url[o++] = '=';
        put_str(url, &o, a->key, false);
    }
    url[o] = '\0';
    return url;
}

static bool valid_base(const char *base)
{
    return strncmp(base, "http://", 7) == 0 || strncmp(base, "https://", 8) == 0;
}

/* Appends LINE to A's header list; false on no memory (the list is kept as it was). */
static bool add_header(struct api_state *a, const char *line)
{
    struct curl_slist *l = curl_slist_append(a->headers, line);
    if (l)
        a->headers = l;
    return l != NULL;
}

/*
 * The request headers of an API, built once. User-Agent and Accept-Encoding are sent from
 * this list rather than CURLOPT_USERAGENT / CURLOPT_ACCEPT_ENCODING's own header: libcurl
 * formats those two with its printf for every request (about 3 % of the engine's CPU per
 * request on loopback), while a header already in the list costs nothing to rebuild.
 * CURLOPT_ACCEPT_ENCODING stays set (setup_easy), which is what makes libcurl decode a
 * compressed answer; its own Accept-Encoding line is then left out in favour of this one.
 */
static bool add_headers(struct api_state *a, const char *bearer)
{
    if (!add_header(a, "User-Agent: reelsync/" RS_VERSION) ||
        !add_header(a, "Accept-Encoding: gzip, deflate"))
        return false;
    if (!bearer)
        return true;
    size_t n = strlen(bearer) + 32;
    char *line = malloc(n);
    if (!line)
        return false;
    snprintf(line, n, "Authorization: Bearer %s", bearer);
    bool ok = add_header(a, line);
    free(line);
    a->bearer = ok;
    return ok;
}

static enum rs_err api_setup(struct api_state *a, const struct http_api_config *c, int64_t now,
                             enum rs_api api, struct rs_error *err)
{
    rl_init(&a->rl, c->rps * RATE_MARGIN, c->concurrency, now);
    a->classify = c->classify;
    a->daily_limit = c->daily_limit;
    a->used_today = c->used_today;
    if (!c->base_url)
        return RS_OK; /* unused API: its requests fail with RS_ERR_CONFIG */
    if (!valid_base(c->base_url))
        return rs_fail(err, RS_ERR_CONFIG, "%s: base URL must start with http:// or https://",
                       rs_api_name(api));
    a->base = rs_strdup(c->base_url);
    a->key_param = rs_strdup(c->key_param ? c->key_param : "api_key");
    a->key = rs_strdup(c->key);
    if (!a->base || !a->key_param || (c->key && !a->key))
        return rs_fail(err, RS_ERR_NOMEM, "out of memory");
    if (!add_headers(a, c->bearer))
        return rs_fail(err, RS_ERR_NOMEM, "out of memory");
    a->configured = true;
    return RS_OK;
}

/* Host and port of a base URL, for counting connections per host. */
static void host_of(const char *base, char *out, size_t len)
{
    const char *p = strstr(base, "://");
    p = p ? p + 3 : base;
    size_t n = strcspn(p, "/?#");
    snprintf(out, len, "%.*s", (int)n, p);
}

/*
 * The multi's connection limits: per host, the sum of the in-flight caps of the APIs on
 * that host (in tests both APIs are one fake server); unlimited if any cap is 0.
 */
static void set_connection_limits(struct http *h, const struct http_config *cfg)
{
    long per_host = 0, total = 0;
    bool unlimited = false;
    for (int i = 0; i < RS_API_COUNT; i++) {
        if (!h->api[i].configured)
            continue;
        char hi[256], hj[256];
        long sum = 0;
        host_of(h->api[i].base, hi, sizeof(hi));
        for (int j = 0; j < RS_API_COUNT; j++) {
            if (!h->api[j].configured)
                continue;
            host_of(h->api[j].base, hj, sizeof(hj));
            if (strcmp(hi, hj) == 0)
                sum += cfg->api[j].concurrency;
            if (strcmp(hi, hj) == 0 && cfg->api[j].concurrency <= 0)
                unlimited = true;
        }
        per_host = sum > per_host ? sum : per_host;
        total += cfg->api[i].concurrency;
    }
    if (!unlimited && per_host > 0)
        curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, per_host);
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, unlimited || total < 64 ? 64L : total);
}

static void normalize_config(struct http *h, const struct http_config *cfg)
{
    h->retry = cfg->retry;
    if (h->retry.max_retries == 0 && h->retry.base_ms == 0 && h->retry.max_ms == 0)
        h->retry = RETRY_POLICY_DEFAULT;
    if (h->retry.max_wait_ms <= 0)
        h->retry.max_wait_ms = DEFAULT_MAX_WAIT_MS;
    h->connect_timeout_ms =
        cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    h->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
    h->max_body = cfg->max_body > 0 ? cfg->max_body : DEFAULT_MAX_BODY;
    h->rng = cfg->seed ? cfg->seed : 0x9E3779B97F4A7C15ULL;
    h->log = cfg->log;
    h->cancel = cfg->cancel;
}

enum rs_err http_create(const struct http_config *cfg, struct http **out, struct rs_error *err)
{
    enum rs_err rc = RS_OK;
    struct http *h = calloc(1, sizeof(*h));
    if (!h)
        return rs_fail(err, RS_ERR_NOMEM, "out of memory");
    normalize_config(h, cfg);
    int64_t now = rs_monotonic_ms();
    for (int i = 0; i < RS_API_COUNT && rc == RS_OK; i++)
        rc = api_setup(&h->api[i], &cfg->api[i], now, (enum rs_api)i, err);
    if (rc != RS_OK)
        goto cleanup;
    h->multi = curl_multi_init();
    if (!h->multi) {
        rc = rs_fail(err, RS_ERR_NOMEM, "cannot create the curl multi handle");
        goto cleanup;
    }
    set_connection_limits(h, cfg);
    *out = h;
    return RS_OK;
cleanup:
    http_destroy(h);
    return rc;
}

void http_destroy(struct http *h)
{
    if (!h)
        return;
    struct conn *c = h->all_conns;
    while (c) {
        struct conn *next = c->next_all;
        if (c->req)
            curl_multi_remove_handle(h->multi, c->easy);
        req_free(c->req);
        curl_easy_cleanup(c->easy);
        free(c->body);
        free(c);
        c = next;
    }
    curl_multi_cleanup(h->multi);
    for (struct req *r = h->waiting, *next; r; r = next) {
        next = r->next;
        req_free(r);
    }
    for (int i = 0; i < RS_API_COUNT; i++) {
        struct api_state *a = &h->api[i];
        struct req *r;
        while ((r = queue_pop(&a->ready)))
            req_free(r);
        free(a->base);
        free(a->key_param);
        free(a->key);
        curl_slist_free_all(a->headers);
    }
    free(h);
}

enum rs_err http_get(struct http *h, enum rs_api api, const char *suffix, http_done_fn done,
                     void *user)
{
    struct req *r = calloc(1, sizeof(*r));
    if (!r)
        return RS_ERR_NOMEM;
    r->api = api;
    r->done = done;
    r->user = user;
    r->last = RS_OK;
    if (h->api[api].configured) {
        r->url = build_url(&h->api[api], suffix ? suffix : "");
        if (!r->url) {
            free(r);
            return RS_ERR_NOMEM;
        }
    }
    queue_push(&h->api[api].ready, r);
    h->pending++;
    return RS_OK;
}

/* ---- completion ---- */

/* The redacted one-line detail of a failed request (success has none: see complete()). */
static void make_detail(const struct req *r, enum rs_err outcome, char *out, size_t len)
{
    char shown[512];
    const char *api = rs_api_name(r->api);
    http_redact(r->url, shown, sizeof(shown));
    if (r->attempts == 0)
        snprintf(out, len, "%s GET %s: not sent: %s", api, shown, rs_strerror(outcome));
    else if (r->why[0])
        snprintf(out, len, "%s GET %s: %s (%s) after %d attempt%s", api, shown, r->why,
                 rs_errname(r->last), r->attempts, r->attempts == 1 ? "" : "s");
    else
        snprintf(out, len, "%s GET %s: HTTP %ld (%s) after %d attempt%s", api, shown, r->status,
                 rs_errname(r->last), r->attempts, r->attempts == 1 ? "" : "s");
}

/* Delivers R's final result (OUTCOME, BODY) to its callback and frees R. */
static void complete(struct http *h, struct req *r, enum rs_err outcome, const char *body,
                     size_t len)
{
    char detail[1024];
    detail[0] = '\0'; /* success: no detail, and no redaction work for every request */
    if (!r->url) {
        outcome = RS_ERR_CONFIG;
        snprintf(detail, sizeof(detail), "%s: no base URL configured", rs_api_name(r->api));
    } else if (outcome != RS_OK) {
        make_detail(r, outcome, detail, sizeof(detail));
    }
    if (outcome != RS_OK && r->attempts > 0) {
        enum rs_log_level lvl = outcome == RS_ERR_NOT_FOUND ? RS_LOG_DEBUG : RS_LOG_WARN;
        rs_logf(h->log, lvl, "request failed: %s", detail);
    }
    struct http_result res = {
        .api = r->api,
        .outcome = outcome,
        .status = r->status,
        .body = body ? body : "",
        .body_len = body ? len : 0,
        .attempts = r->attempts,
        .detail = detail,
    };
    h->pending--;
    if (r->done)
        r->done(h, &res, r->user);
    req_free(r);
}

/* Stops API for the run: every request of it not in flight completes with WHY. */
static void stop_api(struct http *h, enum rs_api api, enum rs_err why)
{
    struct api_state *a = &h->api[api];
    if (a->stopped == RS_OK) {
        a->stopped = why;
        rs_logf(h->log, RS_LOG_WARN, "%s stopped for this run: %s", rs_api_name(api),
                rs_strerror(why));
    }
    struct req **pp = &h->waiting;
    while (*pp) {
        struct req *r = *pp;
        if (r->api == api) {
            *pp = r->next;
            queue_push(&a->ready, r);
        } else {
            pp = &r->next;
        }
    }
    struct req *r;
    while ((r = queue_pop(&a->ready)))
        complete(h, r, why, NULL, 0);
}

/* ---- starting attempts ---- */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct conn *c = ud;
    size_t add = size * n;
    if (c->len + add > c->h->max_body) {
        c->too_big = true;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    if (c->len + add + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 16384;
        while (cap < c->len + add + 1)
            cap *= 2;
        char *p = realloc(c->body, cap);
        if (!p)
            return 0;
        c->body = p;
        c->cap = cap;
    }
    memcpy(c->body + c->len, data, add);
    c->len += add;
    c->body[c->len] = '\0';
    return add;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct conn *c = ud;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len == 0 || (data[0] != 'H' && data[0] != 'R' && data[0] != 'r'))
        return len; /* neither a status line nor Retry-After */
    if (len > 5 && strncmp(data, "HTTP/", 5) == 0) {
        c->retry_after_ms = -1; /* a new response (after 100 Continue, say) */
    } else if (len > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        char value[128];
        size_t vlen = len - (sizeof(name) - 1);
        snprintf(value, sizeof(value), "%.*s", (int)vlen, data + sizeof(name) - 1);
        int64_t ms;
        if (retry_parse_after(value, rs_clock_now(), &ms))
            c->retry_after_ms = ms;
    }
    return len;
}

/* Options that stay the same for every request a handle carries. */
static void setup_easy(struct http *h, struct conn *c)
{
    CURL *e = c->easy;
    curl_easy_setopt(e, CURLOPT_PRIVATE, c);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    /* User-Agent and Accept-Encoding: the API's header list (add_headers). Set, this
       makes libcurl decode gzip / deflate answers. */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    /*
     * Redirects are never followed. TMDB and OMDB answer their API paths directly, so a 3xx
     * comes from a proxy, a captive portal or a hostile server; following it would send the
     * key (a query parameter, which curl keeps across hosts) wherever Location points. The
     * 3xx is classified as it stands: bad_response, not retried (docs/internals/http.md).
     */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 0L);
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
}

static struct conn *conn_get(struct http *h)
{
    struct conn *c = h->free_conns;
    if (c) {
        h->free_conns = c->next_free;
        return c;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->easy = curl_easy_init();
    if (!c->easy) {
        free(c);
        return NULL;
    }
    c->h = h;
    c->api_set = -1;
    setup_easy(h, c);
    c->next_all = h->all_conns;
    h->all_conns = c;
    return c;
}

static void conn_put(struct http *h, struct conn *c)
{
    c->req = NULL;
    if (c->cap > KEEP_BUFFER) {
        free(c->body);
        c->body = NULL;
        c->cap = 0;
    }
    c->len = 0;
    c->next_free = h->free_conns;
    h->free_conns = c;
}

/* Starts one attempt of R (a token and a slot are already taken). */
static enum rs_err start_attempt(struct http *h, struct req *r)
{
    struct api_state *a = &h->api[r->api];
    struct conn *c = conn_get(h);
    if (!c)
        return RS_ERR_NOMEM;
    c->req = r;
    c->len = 0;
    if (c->body)
        c->body[0] = '\0'; /* an attempt that writes nothing must not show the last body */
    c->too_big = false;
    c->retry_after_ms = -1;
    c->errbuf[0] = '\0';
    curl_easy_setopt(c->easy, CURLOPT_URL, r->url);
    if (c->api_set != (int)r->api) { /* the same for every request of an API */
        bool https = strncmp(a->base, "https://", 8) == 0;
        curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, a->headers);
        curl_easy_setopt(c->easy, CURLOPT_HTTP_VERSION,
                         https ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1);
        curl_easy_setopt(c->easy, CURLOPT_PIPEWAIT, https ? 1L : 0L);
        c->api_set = (int)r->api;
    }
    if (curl_multi_add_handle(h->multi, c->easy) != CURLM_OK) {
        conn_put(h, c);
        return RS_ERR_NOMEM;
    }
    r->attempts++;
    a->run_attempts++;
    a->attempts++;
    if (r->attempts > 1)
        a->retries++;
    if (a->rl.in_flight > a->max_in_flight)
        a->max_in_flight = a->rl.in_flight;
    return RS_OK;
}

/*
 * Starts what API may start at NOW. Returns the milliseconds until its next token when
 * requests wait for one, else -1. Refused requests complete here.
 */
static int64_t start_api(struct http *h, enum rs_api api, int64_t now, enum rs_err *rc)
{
    struct api_state *a = &h->api[api];
    struct req *r;
    while ((r = a->ready.head)) {
        if (a->stopped != RS_OK || !r->url) {
            complete(h, queue_pop(&a->ready), a->stopped != RS_OK ? a->stopped : RS_ERR_CONFIG,
                     NULL, 0);
            continue;
        }
        if (is_cancelled(h)) {
            complete(h, queue_pop(&a->ready), RS_ERR_CANCELLED, NULL, 0);
            continue;
        }
        if (!rl_quota_allows(a->daily_limit, a->used_today + a->run_attempts)) {
            stop_api(h, api, RS_ERR_QUOTA_EXHAUSTED);
            continue;
        }
        int64_t wait;
        if (!rl_acquire(&a->rl, now, &wait))
            return wait;
        queue_pop(&a->ready);
        *rc = start_attempt(h, r);
        if (*rc != RS_OK) {
            rl_release(&a->rl);
            queue_push_front(&a->ready, r);
            return -1;
        }
    }
    return -1;
}

/* Moves the retries due at NOW (all of them once cancelled) to the front of their queues. */
static int64_t promote_due(struct http *h, int64_t now)
{
    int64_t next = -1;
    bool all = is_cancelled(h);
    struct req **pp = &h->waiting;
    while (*pp) {
        struct req *r = *pp;
        if (all || r->due_ms <= now) {
            *pp = r->next;
            queue_push_front(&h->api[r->api].ready, r);
        } else {
            if (next < 0 || r->due_ms - now < next)
                next = r->due_ms - now;
            pp = &r->next;
        }
    }
    return next;
}

/* ---- finishing attempts ---- */

static enum rs_err classify_status(long status)
{
    if (status >= 200 && status < 300)
        return RS_OK;
    if (status == 401 || status == 403)
        return RS_ERR_AUTH;
    if (status == 404)
        return RS_ERR_NOT_FOUND;
    if (status == 429)
        return RS_ERR_RATE_LIMITED;
    if (status >= 500)
        return RS_ERR_SERVER_ERROR;
    return RS_ERR_BAD_RESPONSE;
}

static enum rs_err classify_curl(CURLcode cc, const struct conn *c)
{
    if (c->too_big)
        return RS_ERR_BAD_RESPONSE;
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        return RS_ERR_TIMEOUT;
    case CURLE_BAD_CONTENT_ENCODING:
        return RS_ERR_BAD_RESPONSE;
    default:
        return RS_ERR_NETWORK;
    }
}

/* Classifies the attempt C carried; records status and curl's message on the request. */
static enum rs_err classify(struct http *h, struct conn *c, CURLcode cc)
{
    struct req *r = c->req;
    r->status = 0;
    r->why[0] = '\0';
    if (cc != CURLE_OK) {
        if (c->too_big)
            snprintf(r->why, sizeof(r->why), "response larger than %zu bytes", h->max_body);
        else /* curl's messages name hosts, not queries, but redact to be sure */
            http_redact(c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc), r->why, sizeof(r->why));
        return classify_curl(cc, c);
    }
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->status >= 300 && r->status < 400) {
        /* Location is not shown: a hostile server may have put anything in it. */
        snprintf(r->why, sizeof(r->why), "HTTP %ld redirect, not followed", r->status);
        return RS_ERR_BAD_RESPONSE;
    }
    http_classify_fn fn = h->api[r->api].classify;
    if (fn)
        return fn(r->status, c->body ? c->body : "", c->len);
    return classify_status(r->status);
}

/*
 * Schedules R's next attempt after *OUTCOME if the policy says so; true when it did. A
 * retry the policy wants but the API's stop (auth, daily limit) or a cancel forbids turns
 * *OUTCOME into that reason: the request ends like the ones still waiting, whichever of
 * them happened to be in flight when the stop came.
 */
static bool maybe_retry(struct http *h, struct req *r, enum rs_err *outcome, int64_t retry_after,
                        int64_t now)
{
    int64_t delay;
    if (!retry_decide(&h->retry, *outcome, r->status, r->attempts, retry_after, next_rand(h),
                      &delay))
        return false;
    if (h->api[r->api].stopped != RS_OK || is_cancelled(h)) {
        *outcome = h->api[r->api].stopped != RS_OK ? h->api[r->api].stopped : RS_ERR_CANCELLED;
        return false;
    }
    if (h->log && h->log->level >= RS_LOG_DEBUG) {
        char shown[512];
        http_redact(r->url, shown, sizeof(shown));
        rs_logf(h->log, RS_LOG_DEBUG,
                "retrying api=%s url=%s outcome=%s status=%ld attempt=%d delay_ms=%lld",
                rs_api_name(r->api), shown, rs_errname(*outcome), r->status, r->attempts,
                (long long)delay);
    }
    r->due_ms = now + delay;
    r->next = h->waiting;
    h->waiting = r;
    return true;
}

/* One finished transfer: count it, then retry, stop the API or complete the request. */
static void finish(struct http *h, struct conn *c, CURLcode cc, int64_t now)
{
    struct req *r = c->req;
    struct api_state *a = &h->api[r->api];
    curl_multi_remove_handle(h->multi, c->easy);
    rl_release(&a->rl);
    enum rs_err outcome = classify(h, c, cc);
    r->last = outcome;
    if ((int)outcome >= 0 && outcome < RS_OUTCOME_COUNT)
        a->counts[outcome]++;
    if (outcome == RS_ERR_RATE_LIMITED)
        rl_backoff(&a->rl, now);
    c->req = NULL;
    if (maybe_retry(h, r, &outcome, c->retry_after_ms, now)) {
        conn_put(h, c);
        return;
    }
    enum rs_api api = r->api;
    complete(h, r, outcome, c->body, c->len);
    conn_put(h, c);
    if (outcome == RS_ERR_AUTH || outcome == RS_ERR_QUOTA_EXHAUSTED)
        stop_api(h, api, outcome);
}

static int drain_done(struct http *h)
{
    int n = 0, left;
    CURLMsg *m;
    int64_t now = rs_monotonic_ms();
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct conn *c = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
        finish(h, c, m->data.result, now);
        n++;
    }
    return n;
}

/* ---- the loop ---- */

static int64_t min_wait(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

enum rs_err http_run(struct http *h, struct rs_error *err)
{
    for (;;) {
        int64_t now = rs_monotonic_ms();
        int64_t wait = promote_due(h, now);
        for (int i = 0; i < RS_API_COUNT; i++) {
            enum rs_err rc = RS_OK;
            wait = min_wait(wait, start_api(h, (enum rs_api)i, now, &rc));
            if (rc != RS_OK)
                return rs_fail(err, rc, "cannot start a request: %s", rs_strerror(rc));
        }
        if (h->pending == 0)
            break;
        int running;
        CURLMcode mc = curl_multi_perform(h->multi, &running);
        if (mc != CURLM_OK)
            return rs_fail(err, RS_ERR_NETWORK, "curl: %s", curl_multi_strerror(mc));
        if (drain_done(h) > 0)
            continue; /* slots were freed: start more before sleeping */
        if (wait < 0 || wait > MAX_POLL_MS)
            wait = MAX_POLL_MS;
        mc = curl_multi_poll(h->multi, NULL, 0, (int)wait, NULL);
        if (mc != CURLM_OK)
            return rs_fail(err, RS_ERR_NETWORK, "curl: %s", curl_multi_strerror(mc));
    }
    return RS_OK;
}

/* ---- accounting ---- */

void http_take_counts(struct http *h, int64_t out[RS_API_COUNT][RS_OUTCOME_COUNT])
{
    for (int i = 0; i < RS_API_COUNT; i++) {
        for (int k = 0; k < RS_OUTCOME_COUNT; k++) {
            out[i][k] += h->api[i].counts[k];
            h->api[i].counts[k] = 0;
        }
    }
}

bool http_api_stopped(const struct http *h, enum rs_api api, enum rs_err *why)
{
    enum rs_err s = h->api[api].stopped;
    if (s != RS_OK && why)
        *why = s;
    return s != RS_OK;
}

void http_get_stats(const struct http *h, struct http_stats *out)
{
    for (int i = 0; i < RS_API_COUNT; i++) {
        out->attempts[i] = h->api[i].attempts;
        out->retries[i] = h->api[i].retries;
        out->max_in_flight[i] = h->api[i].max_in_flight;
    }
}
