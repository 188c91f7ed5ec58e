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
    int max_retries;    /* retries after the first attempt; 3 */
    int64_t base_ms;    /* delay before the first retry; 1000 */
    int64_t max_ms;     /* cap on any computed delay; 10000 */
    double jitter;      /* fraction of the delay added at random, 0..1; 0.2 */
    int64_t max_wait_ms; /* cap on an honoured Retry-After; 60000 */
};

#define RETRY_POLICY_DEFAULT                                                                       \
    ((struct retry_policy){                                                                        \
        .max_retries = 3, .base_ms = 1000, .max_ms = 10000, .jitter = 0.2, .max_wait_ms = 60000})

#endif
