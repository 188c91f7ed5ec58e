/*
 * http: the request engine's loop (docs/internals/http.md). One libcurl multi handle
 * drives every transfer of both APIs from http_run: start what the limiters allow, let
 * curl work, classify what finished (classify.c), retry or complete it, then sleep in
 * curl_multi_poll() until a socket is ready, the next token is due or the next retry is
 * due, whichever comes first.
 *
 * Per API: a FIFO of requests ready to start, a struct rl (token bucket + in-flight cap,
 * src/ratelimit.c), the daily limit, a stop reason (auth / quota) and attempt counters.
 * Retries wait in one unsorted list holding no in-flight slot. The handles are conn.c's,
 * the engine's set-up setup.c's. The policy (limits, retry schedule) is in ratelimit.c
 * and retry.c; the engine reads the clocks and does the I/O.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"

#define MAX_POLL_MS 1000 /* longest sleep, so a cancel flag set elsewhere is seen */

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

/* Delivers R's final result (OUTCOME, BODY and what classify parsed of it) to its callback and
 * frees R. */
static void complete(struct http *h, struct req *r, enum rs_err outcome, const char *body,
                     size_t len, void *doc)
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
        .doc = doc,
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
        complete(h, r, why, NULL, 0, NULL);
}

/* ---- starting attempts ---- */

/* Starts one attempt of R (a token and a slot are already taken) and counts it. */
static enum rs_err start_attempt(struct http *h, struct req *r)
{
    struct api_state *a = &h->api[r->api];
    enum rs_err rc = http_conn_start(h, r);
    if (rc != RS_OK)
        return rc;
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
                     NULL, 0, NULL);
            continue;
        }
        if (is_cancelled(h)) {
            complete(h, queue_pop(&a->ready), RS_ERR_CANCELLED, NULL, 0, NULL);
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

/*
 * The breaker: HTTP_BREAKER_FAILURES connection failures of an API in a row stop it for
 * the run, like a rejected key: what is queued or waiting completes at once as a network
 * failure, without an attempt, and stays due (docs/internals/http.md, "The breaker").
 */
static void trip_breaker(struct http *h, enum rs_api api)
{
    struct api_state *a = &h->api[api];
    char shown[512];
    if (a->stopped != RS_OK)
        return;
    a->stopped = RS_ERR_NETWORK; /* before stop_api: this line replaces its generic one */
    rs_logf(h->log, RS_LOG_WARN,
            "%s: %d connection failures in a row (%s to %s); stopping %s "
            "for this run",
            rs_api_name(api), a->conn_fails, a->conn_why,
            http_redact(a->base, shown, sizeof(shown)), api == RS_API_TMDB ? "TMDB" : "OMDB");
    stop_api(h, api, RS_ERR_NETWORK);
}

/*
 * Counts C's finished attempt: charged by class (the usage that the daily limits read), or
 * apart when it never reached a server, which can neither have counted it nor answered;
 * and the run of connection failures the breaker watches.
 */
static void count_attempt(struct http *h, struct conn *c, CURLcode cc, enum rs_err outcome)
{
    struct req *r = c->req;
    struct api_state *a = &h->api[r->api];
    bool sent = true;
    if (!http_conn_failed(c, cc, &sent, a->conn_why, sizeof(a->conn_why)))
        a->conn_fails = 0;
    else
        a->conn_fails++;
    if (!sent) {
        a->unreached++;
        a->run_attempts--; /* nor does the daily limit of this run see it */
    } else if ((int)outcome >= 0 && outcome < RS_OUTCOME_COUNT) {
        a->counts[outcome]++;
    }
    if (r->status > 0) {
        a->answers++;
        a->answers_404 += r->status == 404;
    }
}

/* One finished transfer: count it, then retry, stop the API or complete the request. */
static void finish(struct http *h, struct conn *c, CURLcode cc, int64_t now)
{
    struct req *r = c->req;
    struct api_state *a = &h->api[r->api];
    curl_multi_remove_handle(h->multi, c->easy);
    rl_release(&a->rl);
    enum rs_err outcome = http_attempt_class(h, c, cc);
    r->last = outcome;
    count_attempt(h, c, cc, outcome);
    if (a->conn_fails >= HTTP_BREAKER_FAILURES)
        trip_breaker(h, r->api); /* R is not queued: it ends below, as the stop says */
    if (outcome == RS_ERR_RATE_LIMITED)
        rl_backoff(&a->rl, now);
    c->req = NULL;
    if (maybe_retry(h, r, &outcome, c->retry_after_ms, now)) {
        http_conn_put(h, c);
        return;
    }
    enum rs_api api = r->api;
    complete(h, r, outcome, c->body, c->len, c->doc);
    http_conn_put(h, c);
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
