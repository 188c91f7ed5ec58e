/*
 * libFuzzer target: rs_date_parse and rs_time_parse (the --now parser) on the input as a
 * string. Whatever they accept formats back to the same text ("YYYY-MM-DD" for a time
 * formats as "YYYY-MM-DDT00:00:00Z"). Then, read the other way: the first 8 bytes as an
 * instant within years 0000..9999 format to a text that parses back to that instant, and
 * the day arithmetic (rs_time_day, rs_date_to_ymd, rs_date_from_ymd) agrees with itself.
 */
#include "fuzz.h"

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define T_MIN (-62167219200LL)
#define T_MAX (253402300799LL)

static void check_text(const char *s, size_t len)
{
    char buf[64];
    rs_date_t day;
    rs_time_t t;
    if (rs_date_parse(s, &day)) {
        FUZZ_CHECK(len == 10);
        FUZZ_CHECK(strcmp(rs_date_format(day, buf, sizeof(buf)), s) == 0);
    }
    if (rs_time_parse(s, &t)) {
        FUZZ_CHECK(len == 10 || len == 20);
        rs_time_format(t, buf, sizeof(buf));
        if (len == 10)
            FUZZ_CHECK(strncmp(buf, s, 10) == 0 && strcmp(buf + 10, "T00:00:00Z") == 0);
        else
            FUZZ_CHECK(strcmp(buf, s) == 0);
        FUZZ_CHECK(rs_date_parse(s, &day) == (len == 10));
    }
}

static void check_instant(const uint8_t *data)
{
    uint64_t u;
    memcpy(&u, data, sizeof(u));
    rs_time_t t = T_MIN + (rs_time_t)(u % (uint64_t)(T_MAX - T_MIN + 1));
    char buf[64];
    rs_time_t back = 0;
    FUZZ_CHECK(rs_time_parse(rs_time_format(t, buf, sizeof(buf)), &back) && back == t);
    rs_date_t day = rs_time_day(t);
    FUZZ_CHECK((rs_time_t)day * RS_DAY_SECONDS <= t &&
               t - (rs_time_t)day * RS_DAY_SECONDS < RS_DAY_SECONDS);
    int y, m, d;
    rs_date_to_ymd(day, &y, &m, &d);
    FUZZ_CHECK(y >= 0 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31);
    FUZZ_CHECK(rs_date_from_ymd(y, m, d) == day);
    rs_date_t back_day = 0;
    FUZZ_CHECK(rs_date_parse(rs_date_format(day, buf, sizeof(buf)), &back_day) && back_day == day);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    check_text(s, strlen(s));
    if (size >= 8)
        check_instant(data);
    free(s);
    return 0;
}
