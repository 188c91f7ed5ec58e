/*
 * What an attempt came to: the outcome class of an HTTP status (the one mapping every API
 * starts from; tmdb.c and omdb.c add what only their bodies say), of a transfer that
 * failed below HTTP, and of a finished attempt as a whole; and the redaction of keys from
 * every URL the engine shows (docs/internals/http.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http_int.h"

const char *http_curl_version(void)
{
    return curl_version_info(CURLVERSION_NOW)->version;
}

enum rs_err http_status_class(long status)
{
    if (status >= 200 && status < 300)
        return RS_OK;
    if (status >= 500 && status < 600)
        return RS_ERR_SERVER_ERROR;
    switch (status) {
    case 401:
        return RS_ERR_AUTH;
    case 404:
        return RS_ERR_NOT_FOUND;
    case 408:
        return RS_ERR_TIMEOUT;
    case 429:
        return RS_ERR_RATE_LIMITED;
    default:
        return RS_ERR_BAD_RESPONSE;
    }
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
enum rs_err http_attempt_class(const struct http *h, struct conn *c, CURLcode cc)
{
    struct req *r = c->req;
    r->status = 0;
    r->why[0] = '\0';
    if (cc != CURLE_OK) {
        if (c->too_big) /* the status came: a 2xx too large to read is retried (retry.c) */
            curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &r->status);
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
    c->free_doc = h->api[r->api].free_doc;
    if (fn)
        return fn(r->status, c->body ? c->body : "", c->len, &c->doc);
    return http_status_class(r->status);
}

/* ---- connection failures ---- */

/* Why a connection could not be made, in a few words. */
static const char *connect_phrase(CURLcode cc, long os_errno)
{
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return "cannot resolve the host name";
    case CURLE_OPERATION_TIMEDOUT:
        return "connect timed out";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
        return "TLS handshake failed";
    case CURLE_COULDNT_CONNECT:
        break;
    default:
        return curl_easy_strerror(cc);
    }
    switch (os_errno) {
    case ECONNREFUSED:
        return "connection refused";
    case ENETUNREACH:
        return "network unreachable";
    case EHOSTUNREACH:
        return "host unreachable";
    default:
        return "cannot connect";
    }
}

bool http_conn_failed(struct conn *c, CURLcode cc, bool *sent, char *why, size_t len)
{
    curl_off_t pretransfer = 0;
    long header_bytes = 0, os_errno = 0;
    if (cc == CURLE_OK || c->too_big)
        return false;
    curl_easy_getinfo(c->easy, CURLINFO_HEADER_SIZE, &header_bytes);
    if (header_bytes > 0)
        return false; /* an answer began: the server is there */
    curl_easy_getinfo(c->easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    *sent = pretransfer > 0;
    if (!*sent) {
        curl_easy_getinfo(c->easy, CURLINFO_OS_ERRNO, &os_errno);
        snprintf(why, len, "%s", connect_phrase(cc, os_errno));
        return true;
    }
    if (cc != CURLE_RECV_ERROR && cc != CURLE_GOT_NOTHING && cc != CURLE_SEND_ERROR)
        return false; /* sent, then silence: a timeout, not a refusal */
    snprintf(why, len, "connection closed before any answer");
    return true;
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
