/* Calendar arithmetic and the --now formats (src/date.c). */
#include "test.h"

static void civil_round_trip(void **state)
{
    (void)state;
    assert_int_equal(rs_date_from_ymd(1970, 1, 1), 0);
    assert_int_equal(rs_date_from_ymd(2000, 3, 1), 11017);
    assert_int_equal(rs_date_from_ymd(1908, 1, 1), -22646);
    for (rs_date_t d = -800000; d < 800000; d += 37) {
        int y, m, dd;
        rs_date_to_ymd(d, &y, &m, &dd);
        assert_int_equal(rs_date_from_ymd(y, m, dd), d);
    }
}

static void parse_dates(void **state)
{
    (void)state;
    rs_date_t d = 42;
    assert_true(rs_date_parse("2010-07-16", &d));
    assert_int_equal(d, rs_date_from_ymd(2010, 7, 16));
    assert_true(rs_date_parse("2024-02-29", &d));
    d = 42;
    assert_false(rs_date_parse("2023-02-29", &d));
    assert_false(rs_date_parse("2023-13-01", &d));
    assert_false(rs_date_parse("2023-1-01", &d));
    assert_false(rs_date_parse("", &d));
    assert_false(rs_date_parse("20x4-01-01", &d));
    assert_false(rs_date_parse("2023-01-011", &d));
    assert_int_equal(d, 42); /* untouched on failure */
}

static void parse_times(void **state)
{
    (void)state;
    rs_time_t t = 7;
    assert_true(rs_time_parse("2026-11-25", &t));
    assert_int_equal(t, (rs_time_t)rs_date_from_ymd(2026, 11, 25) * RS_DAY_SECONDS);
    assert_true(rs_time_parse("2026-11-25T13:14:15Z", &t));
    assert_int_equal(t, (rs_time_t)rs_date_from_ymd(2026, 11, 25) * RS_DAY_SECONDS + 47655);
    char buf[32];
    assert_string_equal(rs_time_format(t, buf, sizeof(buf)), "2026-11-25T13:14:15Z");
    assert_string_equal(rs_date_format(rs_time_day(t), buf, sizeof(buf)), "2026-11-25");
    t = 7;
    assert_false(rs_time_parse("2026-11-25T24:00:00Z", &t));
    assert_false(rs_time_parse("2026-11-25T13:14:15", &t));
    assert_false(rs_time_parse("2026-11-25 13:14:15Z", &t));
    assert_false(rs_time_parse("yesterday", &t));
    assert_int_equal(t, 7);
    /* instants before 1970 fall on the right day */
    assert_int_equal(rs_time_day(-1), -1);
}

static void error_table(void **state)
{
    (void)state;
    assert_string_equal(rs_errname(RS_ERR_RATE_LIMITED), "rate_limited");
    assert_string_equal(rs_errname(RS_ERR_QUOTA_EXHAUSTED), "quota_exhausted");
    assert_string_equal(rs_errname(RS_OK), "ok");
    assert_int_equal(rs_errcode("bad_response"), RS_ERR_BAD_RESPONSE);
    assert_int_equal(rs_errcode("nope"), -1);
    assert_int_equal(RS_OUTCOME_COUNT, 9);
    assert_string_equal(rs_api_name(RS_API_OMDB), "omdb");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(civil_round_trip),
        cmocka_unit_test(parse_dates),
        cmocka_unit_test(parse_times),
        cmocka_unit_test(error_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
