/*
 * The request engine's set-up (docs/internals/http.md): an engine from its configuration
 * (per API: base URL, key, header list, limiter, daily limit; the multi handle and its
 * connection limits), requests queued with their URL and key, the engine freed with what
 * it still holds, and the counters read back. The loop that sends the requests is
 * engine.c; nothing here calls it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "http_int.h"
#include "reelsync/options.h"

#define DEFAULT_MAX_BODY ((size_t)8 << 20)
#define DEFAULT_MAX_WAIT_MS 60000
/*
 * The buckets run at 98 % of the configured rate. A server counts our requests by their
 * arrival, and arrivals jitter against our sends (a new connection's handshake, a late
 * wake-up): at exactly the limit, one request arriving a millisecond early is a 429. The
 * 2 % (5 ms per token at 4/s) absorbs that and builds up slack on the server's side.
 */
#define RATE_MARGIN 0.98

void http_cancel(struct http *h)
{
    h->cancelled = true;
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
 * CURLOPT_ACCEPT_ENCODING stays set (conn.c, setup_easy), which is what makes libcurl
 * decode a compressed answer; its own Accept-Encoding line is then left out in favour of
 * this one.
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
    a->free_doc = c->free_doc;
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
    h->connect_timeout_ms = cfg->connect_timeout_ms > 0
                                ? cfg->connect_timeout_ms
                                : (long)(rs_option_default(RS_OPT_CONNECT_TIMEOUT) * 1000);
    h->timeout_ms =
        cfg->timeout_ms > 0 ? cfg->timeout_ms : (long)(rs_option_default(RS_OPT_TIMEOUT) * 1000);
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
        out->unreached[i] = h->api[i].unreached;
        out->answers[i] = h->api[i].answers;
        out->answers_404[i] = h->api[i].answers_404;
    }
}

const char *http_api_conn_error(const struct http *h, enum rs_api api)
{
    return h->api[api].conn_why;
}
