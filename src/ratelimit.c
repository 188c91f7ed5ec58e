/*
 * ratelimit: token bucket with continuous refill, in-flight cap, adaptive 429 slow-down
 * and the daily quota test. Pure arithmetic on a caller-provided clock; the engine
 * (src/http/engine.c) owns one struct rl per API and decides what to do while it waits.
 */
#include <math.h>

#include "reelsync/ratelimit.h"

void rl_init(struct rl *rl, double rate, int max_in_flight, int64_t now_ms)
{
    if (!(rate > 0))
        rate = 0;
    *rl = (struct rl){
        .rate = rate,
        .capacity = rate > 1 ? rate : 1,
        .max_in_flight = max_in_flight > 0 ? max_in_flight : 0,
        .last_ms = now_ms,
        .slow = 1,
        .slow_at_ms = now_ms,
        .recover_ms = RL_RECOVER_MS,
    };
    rl->tokens = rl->capacity;
}

/* The 429 factor at NOW_MS: SLOW doubled once per recover_ms since the 429, at most 1. */
static double factor_at(const struct rl *rl, int64_t now_ms)
{
    if (rl->slow >= 1)
        return 1;
    double since = (double)(now_ms - rl->slow_at_ms);
    if (since <= 0)
        return rl->slow;
    double recover = rl->recover_ms > 0 ? (double)rl->recover_ms : 1;
    double f = rl->slow * exp2(since / recover);
    return f < 1 ? f : 1;
}

double rl_rate(const struct rl *rl, int64_t now_ms)
{
    return rl->rate * factor_at(rl, now_ms);
}

/*
 * Tokens at NOW_MS. The rate used over the interval is the one at its start (last_ms):
 * while recovering from a 429 the factor only grows, so this never over-credits.
 */
double rl_tokens(const struct rl *rl, int64_t now_ms)
{
    if (rl->rate <= 0)
        return rl->capacity;
    double t = rl->tokens;
    if (now_ms > rl->last_ms)
        t += (double)(now_ms - rl->last_ms) * rl_rate(rl, rl->last_ms) / 1000.0;
    return t < rl->capacity ? t : rl->capacity;
}

static void refill(struct rl *rl, int64_t now_ms)
{
    if (now_ms <= rl->last_ms)
        return;
    rl->tokens = rl_tokens(rl, now_ms);
    rl->last_ms = now_ms;
}

bool rl_acquire(struct rl *rl, int64_t now_ms, int64_t *wait_ms)
{
    if (rl->max_in_flight > 0 && rl->in_flight >= rl->max_in_flight) {
        *wait_ms = -1;
        return false;
    }
    if (rl->rate > 0) {
        refill(rl, now_ms);
        /* A hair of slack absorbs the floating-point rounding of the refill arithmetic. */
        if (rl->tokens < 1.0 - 1e-6) {
            double ms = ceil((1.0 - rl->tokens) * 1000.0 / rl_rate(rl, now_ms) - 1e-6);
            *wait_ms = ms < 1 ? 1 : (int64_t)ms;
            return false;
        }
        rl->tokens -= 1.0;
    }
    rl->in_flight++;
    return true;
}

void rl_release(struct rl *rl)
{
    if (rl->in_flight > 0)
        rl->in_flight--;
}

void rl_backoff(struct rl *rl, int64_t now_ms)
{
    if (rl->rate <= 0)
        return;
    refill(rl, now_ms);
    double f = factor_at(rl, now_ms) / 2;
    rl->slow = f > RL_MIN_FACTOR ? f : RL_MIN_FACTOR;
    rl->slow_at_ms = now_ms;
    if (rl->tokens > 0)
        rl->tokens = 0;
}

bool rl_quota_allows(int64_t limit, int64_t used)
{
    return limit <= 0 || used < limit;
}
