/*
 * retry: which outcomes are retried, and when. Pure policy: no I/O, no clock reads; the
 * caller passes the attempt number, the outcome, the server's Retry-After and a random
 * draw, so tests check the schedule exactly.
 */
#ifndef REELSYNC_RETRY_H
#define REELSYNC_RETRY_H

#include "reelsync/reelsync.h"

/* The seed's schedule: 3 retries, 1 s base, doubling, 10 s cap (1 s, 2 s, 4 s). */
struct retry_policy {
    int max_retries;     /* retries after the first attempt; 3 */
    int64_t base_ms;     /* delay before the first retry; 1000 */
    int64_t max_ms;      /* cap on any computed delay; 10000 */
    double jitter;       /* fraction of the delay added at random, 0..1; 0.2 */
    int64_t max_wait_ms; /* cap on an honoured Retry-After; 60000 */
};

#define RETRY_POLICY_DEFAULT                                                                       \
    ((struct retry_policy){                                                                        \
        .max_retries = 3, .base_ms = 1000, .max_ms = 10000, .jitter = 0.2, .max_wait_ms = 60000})

/*
 * Decides whether a request whose attempt number ATTEMPT (1 for the first) ended with
 * OUTCOME and HTTP STATUS (0 when no response) is tried again, and after how long.
 * Retried: RS_ERR_NETWORK, RS_ERR_TIMEOUT, RS_ERR_RATE_LIMITED, RS_ERR_SERVER_ERROR, and
 * RS_ERR_BAD_RESPONSE under a 2xx status (a body cut short, malformed, an HTML page, too
 * large: usually transient) or a temporary redirect (302, 303, 307; a permanent 301 or 308
 * is final), while ATTEMPT <= max_retries; never a status of 400, 401, 404 or 422, and no
 * other class.
 * The delay: RETRY_AFTER_MS when >= 0 (the server's Retry-After; capped at max_wait_ms
 * when that is > 0) takes precedence; otherwise base_ms * 2^(ATTEMPT-1) plus a jitter of
 * up to `jitter` times that (RAND01 in [0,1) picks where), the total capped at max_ms.
 * Returns true with *DELAY_MS set, or false (*DELAY_MS untouched). Pure: no clock, no RNG.
 */
bool retry_decide(const struct retry_policy *pol, enum rs_err outcome, long status, int attempt,
                  int64_t retry_after_ms, double rand01, int64_t *delay_ms);

/*
 * Parses a Retry-After header VALUE: delta-seconds ("120") or an HTTP-date
 * ("Wed, 21 Oct 2015 07:28:00 GMT", IMF-fixdate) read against NOW (UTC seconds). Surrounding
 * blanks are allowed. Writes the wait in milliseconds (a date in the past gives 0) and
 * returns true, or returns false (*MS untouched) for anything else.
 */
bool retry_parse_after(const char *value, rs_time_t now, int64_t *ms);

#endif
