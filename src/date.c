/*
 * UTC calendar arithmetic and the two time formats of --now (docs/reelsync.1). Pure functions: the
 * only clock reads of the library are rs_clock_now() and rs_monotonic_ms() at the bottom, and
 * callers pass their results down.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* Howard Hinnant's days_from_civil: exact over the proleptic Gregorian calendar. */
rs_date_t rs_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153u * (unsigned)(m + (m > 2 ? -3 : 9)) + 2u) / 5u + (unsigned)d - 1u;
    const unsigned doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;
    return (rs_date_t)(era * 146097 + (int)doe - 719468);
}

void rs_date_to_ymd(rs_date_t day, int *y, int *m, int *d)
{
    const int z = day + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    const unsigned doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    const unsigned mp = (5u * doy + 2u) / 153u;
    const unsigned dd = doy - (153u * mp + 2u) / 5u + 1u;
    const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)yoe + era * 400 + (mm <= 2);
    *m = (int)mm;
    *d = (int)dd;
}

/* Reads exactly N decimal digits at S. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool parse_ymd(const char *s, rs_date_t *out)
{
    int y, m, d;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    rs_date_t day = rs_date_from_ymd(y, m, d);
    int y2, m2, d2;
    rs_date_to_ymd(day, &y2, &m2, &d2);
    if (y2 != y || m2 != m || d2 != d)
        return false; /* 2023-02-29 and friends */
    *out = day;
    return true;
}

bool rs_date_parse(const char *s, rs_date_t *out)
{
    if (!s || strlen(s) != 10)
        return false;
    return parse_ymd(s, out);
}

bool rs_time_parse(const char *s, rs_time_t *out)
{
    rs_date_t day;
    if (!s)
        return false;
    size_t len = strlen(s);
    if (len == 10) {
        if (!parse_ymd(s, &day))
            return false;
        *out = (rs_time_t)day * RS_DAY_SECONDS;
        return true;
    }
    int hh, mm, ss;
    if (len != 20 || !parse_ymd(s, &day) || s[10] != 'T' || !digits(s + 11, 2, &hh) ||
        s[13] != ':' || !digits(s + 14, 2, &mm) || s[16] != ':' || !digits(s + 17, 2, &ss) ||
        s[19] != 'Z')
        return false;
    if (hh > 23 || mm > 59 || ss > 59)
        return false;
    *out = (rs_time_t)day * RS_DAY_SECONDS + hh * 3600 + mm * 60 + ss;
    return true;
}

char *rs_date_format(rs_date_t day, char *buf, size_t len)
{
    int y, m, d;
    rs_date_to_ymd(day, &y, &m, &d);
    snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
    return buf;
}

rs_date_t rs_time_day(rs_time_t t)
{
    rs_time_t q = t / RS_DAY_SECONDS;
    if (t % RS_DAY_SECONDS < 0)
        q--;
    return (rs_date_t)q;
}

char *rs_time_format(rs_time_t t, char *buf, size_t len)
{
    rs_date_t day = rs_time_day(t);
    int64_t sec = t - (rs_time_t)day * RS_DAY_SECONDS;
    int y, m, d;
    rs_date_to_ymd(day, &y, &m, &d);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
    return buf;
}

rs_time_t rs_clock_now(void)
{
    return (rs_time_t)time(NULL);
}

int64_t rs_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
