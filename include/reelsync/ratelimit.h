/*
 * ratelimit: one API's request limiter: a token bucket, an in-flight cap, an adaptive
 * slow-down after the server answered 429, and the daily quota arithmetic.
 *
 * Pure policy: nothing here reads the clock; every function that depends on time takes
 * NOW_MS (a monotonic millisecond clock the caller reads), so tests drive it exactly.
 *
 * The bucket holds at most `capacity` tokens (the rate, but at least 1) and refills
 * continuously at the rate; it never holds more than its capacity, however long it was
 * idle. A rate of 0 means unlimited (no bucket), an in-flight cap of 0 means no cap.
 * After a 429 the effective rate is halved (down to 1/16 of the rate) and the bucket is
 * emptied; the factor then doubles back every `recover_ms` until it is 1 again.
 */
#ifndef REELSYNC_RATELIMIT_H
#define REELSYNC_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RL_RECOVER_MS 10000 /* default time for the 429 slow-down factor to double */
#define RL_MIN_FACTOR (1.0 / 16.0)

/* Caller-owned limiter state; fields are read-only outside ratelimit.c except recover_ms. */
struct rl {
    double rate;        /* tokens per second; 0 = unlimited */
    double capacity;    /* max(rate, 1) */
    double tokens;      /* tokens in the bucket at last_ms */
    int64_t last_ms;    /* when tokens was last brought up to date */
    int max_in_flight;  /* 0 = no cap */
    int in_flight;      /* slots taken by rl_acquire and not yet given back */
    double slow;        /* rate factor right after the last 429; 1 when none */
    int64_t slow_at_ms; /* when the last 429 was seen */
    int64_t recover_ms; /* the factor doubles every recover_ms (RL_RECOVER_MS) */
};

/*
 * Initialises RL at NOW_MS with RATE tokens per second (0 = unlimited, negative is taken as
 * 0) and MAX_IN_FLIGHT slots (0 or negative = no cap). The bucket starts full.
 */
void rl_init(struct rl *rl, double rate, int max_in_flight, int64_t now_ms);

/*
 * Takes one token and one in-flight slot at NOW_MS and returns true, or takes nothing and
 * returns false with *WAIT_MS set: the milliseconds until the next token (>= 1), or -1 when
 * every slot is taken (wait for a completion: rl_release). NOW_MS must not go backwards.
 */
bool rl_acquire(struct rl *rl, int64_t now_ms, int64_t *wait_ms);

/* Gives back the in-flight slot of a finished attempt (never below 0). */
void rl_release(struct rl *rl);

/*
 * The server answered 429 at NOW_MS: halves the current rate factor (not below
 * RL_MIN_FACTOR) and empties the bucket, so the next request waits a full token at the
 * slower rate. No effect on an unlimited limiter.
 */
void rl_backoff(struct rl *rl, int64_t now_ms);

/* The effective rate at NOW_MS in tokens per second (0 = unlimited). */
double rl_rate(const struct rl *rl, int64_t now_ms);

/* The tokens RL holds at NOW_MS (capacity for an unlimited limiter); does not change RL. */
double rl_tokens(const struct rl *rl, int64_t now_ms);

/*
 * Daily quota: true when one more attempt fits, that is LIMIT is 0 (unlimited) or
 * USED (attempts already counted today, this run's included) is below LIMIT.
 */
bool rl_quota_allows(int64_t limit, int64_t used);

#endif
