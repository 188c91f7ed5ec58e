/* The limiter arithmetic of src/ratelimit.c, on an injected clock. */
#include "test.h"

#include "reelsync/ratelimit.h"

static void starts_full_then_waits(void **state)
{
    (void)state;
    struct rl rl;
    int64_t wait = 0;
    rl_init(&rl, 4, 0, 1000);
    for (int i = 0; i < 4; i++)
        assert_true(rl_acquire(&rl, 1000, &wait));
    assert_false(rl_acquire(&rl, 1000, &wait));
    assert_int_equal(wait, 250);
    assert_false(rl_acquire(&rl, 1249, &wait));
    assert_int_equal(wait, 1);
    assert_true(rl_acquire(&rl, 1250, &wait));
    assert_false(rl_acquire(&rl, 1250, &wait));
    assert_int_equal(wait, 250);
}

static void steady_rate_is_exact(void **state)
{
    (void)state;
    struct rl rl;
    int64_t wait = 0, now = 0;
    int granted = 0;
    rl_init(&rl, 2, 0, 0);
    /* Drain the initial burst, then follow the waits the limiter asks for over 10 s. */
    while (rl_acquire(&rl, now, &wait))
        granted++;
    assert_int_equal(granted, 2);
    while (now <= 10000) {
        if (rl_acquire(&rl, now, &wait))
            granted++;
        else
            now += wait;
    }
    assert_int_equal(now, 10500);
    assert_int_equal(granted, 2 + 20);
}

static void never_bursts_above_capacity_after_idle(void **state)
{
    (void)state;
    struct rl rl;
    int64_t wait = 0;
    rl_init(&rl, 4, 0, 0);
    for (int i = 0; i < 4; i++)
        assert_true(rl_acquire(&rl, 0, &wait));
    /* An hour idle still gives only 4 tokens. */
    assert_true(rl_tokens(&rl, 3600 * 1000) == 4.0);
    for (int i = 0; i < 4; i++)
        assert_true(rl_acquire(&rl, 3600 * 1000, &wait));
    assert_false(rl_acquire(&rl, 3600 * 1000, &wait));
    assert_int_equal(wait, 250);
}

static void fractional_rate_has_capacity_one(void **state)
{
    (void)state;
    struct rl rl;
    int64_t wait = 0;
    rl_init(&rl, 0.5, 0, 0);
    assert_true(rl.capacity == 1.0);
    assert_true(rl_acquire(&rl, 0, &wait));
    assert_false(rl_acquire(&rl, 0, &wait));
    assert_int_equal(wait, 2000);
    assert_false(rl_acquire(&rl, 1999, &wait));
    assert_true(rl_acquire(&rl, 2000, &wait));
}

static void unlimited_rate(void **state)
{
    (void)state;
    struct rl rl;
    int64_t wait = 0;
    rl_init(&rl, 0, 0, 0);
    for (int i = 0; i < 100000; i++)
        assert_true(rl_acquire(&rl, 0, &wait));
    assert_int_equal(rl.in_flight, 100000);
    rl_backoff(&rl, 0); /* no effect */
    assert_true(rl_rate(&rl, 0) == 0.0);
    assert_true(rl_acquire(&rl, 0, &wait));
}

static void in_flight_cap(void **state)
{
    (void)state;
    struct rl rl;
    int64_t wait = 0;
    rl_init(&rl, 0, 3, 0);
    for (int i = 0; i < 3; i++)
        assert_true(rl_acquire(&rl, 0, &wait));
    assert_false(rl_acquire(&rl, 0, &wait));
    assert_int_equal(wait, -1);
    rl_release(&rl);
    assert_int_equal(rl.in_flight, 2);
    assert_true(rl_acquire(&rl, 0, &wait));
    /* The slot check comes first and takes no token. */
    rl_init(&rl, 1, 1, 0);
    assert_true(rl_acquire(&rl, 0, &wait));
    assert_false(rl_acquire(&rl, 5000, &wait));
    assert_int_equal(wait, -1);
    rl_release(&rl);
    rl_release(&rl);
    assert_int_equal(rl.in_flight, 0);
    assert_true(rl_acquire(&rl, 5000, &wait));
}

static void backoff_after_429_recovers(void **state)
{
    (void)state;
    struct rl rl;
    int64_t wait = 0;
    rl_init(&rl, 4, 0, 0);
    rl.recover_ms = 1000;
    rl_backoff(&rl, 0);
    assert_true(rl_rate(&rl, 0) == 2.0);
    assert_true(rl_tokens(&rl, 0) == 0.0);
    assert_false(rl_acquire(&rl, 0, &wait));
    assert_int_equal(wait, 500); /* one token at 2/s */
    /* Factor doubles back every recover_ms. */
    assert_true(rl_rate(&rl, 1000) == 4.0);
    assert_true(rl_rate(&rl, 5000) == 4.0);
    /* Repeated 429s compound, down to 1/16. */
    for (int i = 0; i < 10; i++)
        rl_backoff(&rl, 6000);
    assert_true(rl_rate(&rl, 6000) == 4.0 / 16);
    assert_true(rl_rate(&rl, 8000) == 1.0);
    assert_true(rl_rate(&rl, 10000) == 4.0);
}

static void daily_quota(void **state)
{
    (void)state;
    assert_true(rl_quota_allows(0, 123456));
    assert_true(rl_quota_allows(10, 9));
    assert_false(rl_quota_allows(10, 10));
    assert_false(rl_quota_allows(10, 11));
    assert_false(rl_quota_allows(1, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starts_full_then_waits),
        cmocka_unit_test(steady_rate_is_exact),
        cmocka_unit_test(never_bursts_above_capacity_after_idle),
        cmocka_unit_test(fractional_rate_has_capacity_one),
        cmocka_unit_test(unlimited_rate),
        cmocka_unit_test(in_flight_cap),
        cmocka_unit_test(backoff_after_429_recovers),
        cmocka_unit_test(daily_quota),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
