/*
 * The request engine's easy handles (docs/internals/http.md): struct conn objects kept on
 * a free list and reused, so the multi handle's connection cache keeps its keep-alive
 * connections and no handle is created per request; the options every transfer shares,
 * and what libcurl calls back with (the body, under max_body, and Retry-After).
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"

#define KEEP_BUFFER (256 << 10) /* body buffers above this are freed after use */

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
    /* User-Agent and Accept-Encoding: the API's header list (setup.c, add_headers).
       Set, this makes libcurl decode gzip / deflate answers. */
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
     * 3xx is classified as it stands: bad_response, retried only when temporary (302, 303,
     * 307: retry.c), never followed (docs/internals/http.md).
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

void http_conn_put(struct http *h, struct conn *c)
{
    c->req = NULL;
    if (c->doc && c->free_doc)
        c->free_doc(c->doc);
    c->doc = NULL;
    if (c->cap > KEEP_BUFFER) {
        free(c->body);
        c->body = NULL;
        c->cap = 0;
    }
    c->len = 0;
    c->next_free = h->free_conns;
    h->free_conns = c;
}

/* Puts R on a handle and hands it to the multi; R's counters are the caller's. */
enum rs_err http_conn_start(struct http *h, struct req *r)
{
    const struct api_state *a = &h->api[r->api];
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
        http_conn_put(h, c);
        return RS_ERR_NOMEM;
    }
    return RS_OK;
}
