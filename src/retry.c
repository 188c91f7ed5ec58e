/*
 * retry: the retry policy (which outcomes are tried again, the backoff schedule with
 * jitter, Retry-After precedence) and the Retry-After header parser. Pure functions: the
 * engine (src/http/engine.c) passes the attempt, the outcome, the clock and a random draw.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "reelsync/retry.h"

static bool retryable(enum rs_err outcome, long status)
{
    if (status == 400 || status == 401 || status == 404 || status == 422)
        return false;
    switch (outcome) {
    case RS_ERR_NETWORK:
    case RS_ERR_TIMEOUT:
    case RS_ERR_RATE_LIMITED:
    case RS_ERR_SERVER_ERROR:
        return true;
    case RS_ERR_BAD_RESPONSE:
        /* a 2xx whose body cannot be read (cut short, malformed, HTML, too large), or a
           temporary redirect (a proxy's or a captive portal's detour, never followed) */
        return (status >= 200 && status < 300) || status == 302 || status == 303 || status == 307;
    default:
        return false;
    }
}

/* base * 2^(attempt-1) without overflow, capped at CAP (when CAP > 0). */
static int64_t backoff(int64_t base, int attempt, int64_t cap)
{
    int64_t d = base > 0 ? base : 0;
    for (int i = 1; i < attempt; i++) {
        if (d > INT64_MAX / 2 || (cap > 0 && d >= cap))
            break;
        d *= 2;
    }
    return cap > 0 && d > cap ? cap : d;
}

bool retry_decide(const struct retry_policy *pol, enum rs_err outcome, long status, int attempt,
                  int64_t retry_after_ms, double rand01, int64_t *delay_ms)
{
    if (attempt < 1 || attempt > pol->max_retries || !retryable(outcome, status))
        return false;
    if (retry_after_ms >= 0) {
        bool capped = pol->max_wait_ms > 0 && retry_after_ms > pol->max_wait_ms;
        *delay_ms = capped ? pol->max_wait_ms : retry_after_ms;
        return true;
    }
    int64_t d = backoff(pol->base_ms, attempt, pol->max_ms);
    if (rand01 < 0)
        rand01 = 0;
    if (rand01 > 1)
        rand01 = 1;
    double jitter = pol->jitter > 0 ? pol->jitter : 0;
    d += (int64_t)((double)d * jitter * rand01);
    if (pol->max_ms > 0 && d > pol->max_ms)
        d = pol->max_ms;
    *delay_ms = d;
    return true;
}

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Reads exactly N digits at *P into *OUT and advances *P. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool literal(const char **p, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n) != 0)
        return false;
    *p += n;
    return true;
}

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"; the rest of the string must be blank. */
static bool parse_http_date(const char *p, rs_time_t *out)
{
    int d, y, hh, mm, ss, mon = -1;
    if (!isalpha((unsigned char)p[0]) || !isalpha((unsigned char)p[1]) ||
        !isalpha((unsigned char)p[2]))
        return false;
    p += 3;
    if (!literal(&p, ", ") || !digits(&p, 2, &d) || !literal(&p, " "))
        return false;
    for (int i = 0; i < 12; i++) {
        if (strncmp(p, months[i], 3) == 0)
            mon = i + 1;
    }
    if (mon < 0)
        return false;
    p += 3;
    if (!literal(&p, " ") || !digits(&p, 4, &y) || !literal(&p, " ") || !digits(&p, 2, &hh) ||
        !literal(&p, ":") || !digits(&p, 2, &mm) || !literal(&p, ":") || !digits(&p, 2, &ss) ||
        !literal(&p, " GMT"))
        return false;
    while (isspace((unsigned char)*p))
        p++;
    if (*p || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
        return false;
    *out = (rs_time_t)rs_date_from_ymd(y, mon, d) * RS_DAY_SECONDS + hh * 3600 + mm * 60 + ss;
    return true;
}

bool retry_parse_after(const char *value, rs_time_t now, int64_t *ms)
{
    if (!value)
        return false;
    while (isspace((unsigned char)*value))
        value++;
    if (isdigit((unsigned char)*value)) {
        char *end;
        long long s = strtoll(value, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (*end || s < 0 || s > INT64_MAX / 1000)
            return false;
        *ms = (int64_t)s * 1000;
        return true;
    }
    rs_time_t t;
    if (!parse_http_date(value, &t))
        return false;
    *ms = t > now ? (int64_t)(t - now) * 1000 : 0;
    return true;
}
