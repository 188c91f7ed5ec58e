/* The retry policy and the Retry-After parser of src/retry.c (pure, no clock). */
#include "test.h"

#include "reelsync/retry.h"
#include "internal.h"

static void default_schedule(void **state)
{
    (void)state;
    struct retry_policy pol = RETRY_POLICY_DEFAULT;
    int64_t d = -7;
    assert_true(retry_decide(&pol, RS_ERR_SERVER_ERROR, 503, 1, -1, 0.0, &d));
    assert_int_equal(d, 1000);
    assert_true(retry_decide(&pol, RS_ERR_SERVER_ERROR, 503, 2, -1, 0.0, &d));
    assert_int_equal(d, 2000);
    assert_true(retry_decide(&pol, RS_ERR_SERVER_ERROR, 503, 3, -1, 0.0, &d));
    assert_int_equal(d, 4000);
    d = -7;
    assert_false(retry_decide(&pol, RS_ERR_SERVER_ERROR, 503, 4, -1, 0.0, &d));
    assert_int_equal(d, -7); /* untouched */
    assert_false(retry_decide(&pol, RS_ERR_SERVER_ERROR, 503, 0, -1, 0.0, &d));
}

static void cap_at_max(void **state)
{
    (void)state;
    struct retry_policy pol = RETRY_POLICY_DEFAULT;
    pol.max_retries = 10;
    int64_t d = 0;
    assert_true(retry_decide(&pol, RS_ERR_NETWORK, 0, 4, -1, 0.0, &d));
    assert_int_equal(d, 8000);
    assert_true(retry_decide(&pol, RS_ERR_NETWORK, 0, 5, -1, 0.0, &d));
    assert_int_equal(d, 10000);
    assert_true(retry_decide(&pol, RS_ERR_NETWORK, 0, 10, -1, 0.99, &d));
    assert_int_equal(d, 10000);
    pol.max_retries = 100;
    assert_true(retry_decide(&pol, RS_ERR_NETWORK, 0, 90, -1, 0.5, &d));
    assert_int_equal(d, 10000); /* no overflow on huge attempt numbers */
}

static void jitter_bounds(void **state)
{
    (void)state;
    struct retry_policy pol = RETRY_POLICY_DEFAULT; /* jitter 0.2 */
    int64_t d = 0;
    assert_true(retry_decide(&pol, RS_ERR_TIMEOUT, 0, 1, -1, 0.5, &d));
    assert_int_equal(d, 1100);
    assert_true(retry_decide(&pol, RS_ERR_TIMEOUT, 0, 2, -1, 0.999999, &d));
    assert_int_equal(d, 2399);
    assert_true(retry_decide(&pol, RS_ERR_TIMEOUT, 0, 3, -1, 1.0, &d));
    assert_int_equal(d, 4800);
    /* Draws outside [0,1] are clamped. */
    assert_true(retry_decide(&pol, RS_ERR_TIMEOUT, 0, 1, -1, 7.0, &d));
    assert_int_equal(d, 1200);
    assert_true(retry_decide(&pol, RS_ERR_TIMEOUT, 0, 1, -1, -3.0, &d));
    assert_int_equal(d, 1000);
    for (int i = 0; i < 1000; i++) {
        double r = i / 1000.0;
        assert_true(retry_decide(&pol, RS_ERR_RATE_LIMITED, 429, 2, -1, r, &d));
        assert_in_range(d, 2000, 2400);
    }
}

static void short_time_base(void **state)
{
    (void)state;
    struct retry_policy pol = {.max_retries = 3, .base_ms = 10, .max_ms = 25, .jitter = 0};
    int64_t d = 0;
    assert_true(retry_decide(&pol, RS_ERR_SERVER_ERROR, 500, 1, -1, 0.9, &d));
    assert_int_equal(d, 10);
    assert_true(retry_decide(&pol, RS_ERR_SERVER_ERROR, 500, 2, -1, 0.9, &d));
    assert_int_equal(d, 20);
    assert_true(retry_decide(&pol, RS_ERR_SERVER_ERROR, 500, 3, -1, 0.9, &d));
    assert_int_equal(d, 25);
}

static void retry_after_takes_precedence(void **state)
{
    (void)state;
    struct retry_policy pol = RETRY_POLICY_DEFAULT;
    int64_t d = 0;
    assert_true(retry_decide(&pol, RS_ERR_RATE_LIMITED, 429, 1, 3000, 0.9, &d));
    assert_int_equal(d, 3000);
    assert_true(retry_decide(&pol, RS_ERR_RATE_LIMITED, 429, 3, 0, 0.9, &d));
    assert_int_equal(d, 0);
    /* Above max_ms but within max_wait_ms: honoured as sent. */
    assert_true(retry_decide(&pol, RS_ERR_SERVER_ERROR, 503, 1, 30000, 0.9, &d));
    assert_int_equal(d, 30000);
    /* Capped at max_wait_ms. */
    assert_true(retry_decide(&pol, RS_ERR_SERVER_ERROR, 503, 1, 3600000, 0.9, &d));
    assert_int_equal(d, 60000);
    /* Still only for retryable outcomes and within max_retries. */
    assert_false(retry_decide(&pol, RS_ERR_NOT_FOUND, 404, 1, 1000, 0.0, &d));
    assert_false(retry_decide(&pol, RS_ERR_RATE_LIMITED, 429, 4, 1000, 0.0, &d));
}

static void not_retried(void **state)
{
    (void)state;
    struct retry_policy pol = RETRY_POLICY_DEFAULT;
    int64_t d = -7;
    static const long statuses[] = {400, 401, 404, 422};
    for (size_t i = 0; i < RS_ARRAY_LEN(statuses); i++) {
        /* Whatever a classify hook made of it, these statuses are final. */
        assert_false(retry_decide(&pol, RS_ERR_SERVER_ERROR, statuses[i], 1, -1, 0, &d));
        assert_false(retry_decide(&pol, RS_ERR_BAD_RESPONSE, statuses[i], 1, -1, 0, &d));
    }
    static const enum rs_err final[] = {
        RS_OK,       RS_ERR_NOT_FOUND, RS_ERR_AUTH, RS_ERR_QUOTA_EXHAUSTED, RS_ERR_CANCELLED,
        RS_ERR_NOMEM};
    for (size_t i = 0; i < RS_ARRAY_LEN(final); i++)
        assert_false(retry_decide(&pol, final[i], 200, 1, -1, 0, &d));
    /* bad_response is final but under a 2xx or a temporary redirect: a permanent one, none */
    assert_false(retry_decide(&pol, RS_ERR_BAD_RESPONSE, 301, 1, -1, 0, &d));
    assert_false(retry_decide(&pol, RS_ERR_BAD_RESPONSE, 308, 1, -1, 0, &d));
    assert_false(retry_decide(&pol, RS_ERR_BAD_RESPONSE, 0, 1, -1, 0, &d));
    assert_int_equal(d, -7);
    static const enum rs_err again[] = {RS_ERR_NETWORK, RS_ERR_TIMEOUT, RS_ERR_RATE_LIMITED,
                                        RS_ERR_SERVER_ERROR};
    for (size_t i = 0; i < RS_ARRAY_LEN(again); i++) {
        assert_true(retry_decide(&pol, again[i], 0, 1, -1, 0, &d));
        assert_int_equal(d, 1000);
    }
    /* a 2xx whose body cannot be read (cut short, malformed, HTML): the 5xx schedule */
    assert_true(retry_decide(&pol, RS_ERR_BAD_RESPONSE, 200, 1, -1, 0, &d));
    assert_int_equal(d, 1000);
    assert_true(retry_decide(&pol, RS_ERR_BAD_RESPONSE, 200, 3, -1, 0, &d));
    assert_int_equal(d, 4000);
    assert_false(retry_decide(&pol, RS_ERR_BAD_RESPONSE, 200, 4, -1, 0, &d));
    assert_true(retry_decide(&pol, RS_ERR_BAD_RESPONSE, 302, 1, -1, 0, &d));
    assert_true(retry_decide(&pol, RS_ERR_BAD_RESPONSE, 307, 1, -1, 0, &d));
    pol.max_retries = 0;
    assert_false(retry_decide(&pol, RS_ERR_NETWORK, 0, 1, -1, 0, &d));
}

static void parse_seconds(void **state)
{
    (void)state;
    int64_t ms = -7;
    assert_true(retry_parse_after("120", 0, &ms));
    assert_int_equal(ms, 120000);
    assert_true(retry_parse_after("  0 \r\n", 0, &ms));
    assert_int_equal(ms, 0);
    ms = -7;
    assert_false(retry_parse_after("", 0, &ms));
    assert_false(retry_parse_after("1.5", 0, &ms));
    assert_false(retry_parse_after("-1", 0, &ms));
    assert_false(retry_parse_after("12abc", 0, &ms));
    assert_false(retry_parse_after("99999999999999999999999", 0, &ms));
    assert_false(retry_parse_after(NULL, 0, &ms));
    assert_int_equal(ms, -7);
}

static void parse_http_date(void **state)
{
    (void)state;
    rs_time_t now = 0;
    int64_t ms = -7;
    assert_true(rs_time_parse("2015-10-21T07:27:30Z", &now));
    assert_true(retry_parse_after("Wed, 21 Oct 2015 07:28:00 GMT", now, &ms));
    assert_int_equal(ms, 30000);
    assert_true(retry_parse_after(" Wed, 21 Oct 2015 07:28:00 GMT\r\n", now, &ms));
    assert_int_equal(ms, 30000);
    /* In the past: no wait. */
    assert_true(retry_parse_after("Wed, 21 Oct 2015 07:00:00 GMT", now, &ms));
    assert_int_equal(ms, 0);
    assert_true(retry_parse_after("Thu, 01 Jan 2026 00:00:00 GMT", now, &ms));
    assert_int_equal(ms, ((int64_t)rs_date_from_ymd(2026, 1, 1) * 86400 - now) * 1000);
    ms = -7;
    assert_false(retry_parse_after("Wed, 21 Foo 2015 07:28:00 GMT", now, &ms));
    assert_false(retry_parse_after("Wed, 21 Oct 2015 07:28:00", now, &ms));
    assert_false(retry_parse_after("Wed, 21 Oct 2015 25:28:00 GMT", now, &ms));
    assert_false(retry_parse_after("Wed, 21 Oct 2015 07:28:00 GMT x", now, &ms));
    assert_false(retry_parse_after("soon", now, &ms));
    assert_int_equal(ms, -7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_schedule),
        cmocka_unit_test(cap_at_max),
        cmocka_unit_test(jitter_bounds),
        cmocka_unit_test(short_time_base),
        cmocka_unit_test(retry_after_takes_precedence),
        cmocka_unit_test(not_retried),
        cmocka_unit_test(parse_seconds),
        cmocka_unit_test(parse_http_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
