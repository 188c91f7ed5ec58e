/* The refresh policy and the freezing rule (src/refresh.c): every boundary of the README's
 * policy table. */
#include "test.h"

#include "reelsync/refresh.h"

#define DAY RS_DAY_SECONDS

static const rs_time_t NOW = 20000LL * DAY + 13 * 3600; /* 2024-10-04T13:00:00Z */
static const rs_date_t TODAY = 20000;

static void age_days(void **state)
{
    (void)state;
    assert_int_equal(refresh_age_days(RS_I64(TODAY), NOW), 0);
    assert_int_equal(refresh_age_days(RS_I64(TODAY - 59), NOW), 59);
    assert_int_equal(refresh_age_days(RS_I64(TODAY + 3), NOW), -3);
    assert_int_equal(refresh_age_days(RS_NULL_I64, NOW), 0);
    /* whole days: a second before midnight is still the same day */
    assert_int_equal(refresh_age_days(RS_I64(TODAY - 1), (rs_time_t)TODAY * DAY - 1), 0);
    assert_int_equal(refresh_age_days(RS_I64(TODAY - 1), (rs_time_t)TODAY * DAY), 1);
}

static void categories(void **state)
{
    (void)state;
    static const struct {
        int age;
        enum refresh_category cat;
    } cases[] = {
        {-30, REFRESH_RECENT},     {0, REFRESH_RECENT},        {59, REFRESH_RECENT},
        {60, REFRESH_ESTABLISHED}, {179, REFRESH_ESTABLISHED}, {180, REFRESH_MATURE},
        {365, REFRESH_MATURE},     {366, REFRESH_ARCHIVED},    {20000, REFRESH_ARCHIVED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(refresh_category_of(RS_I64(TODAY - cases[i].age), NOW), cases[i].cat);
    assert_int_equal(refresh_category_of(RS_NULL_I64, NOW), REFRESH_RECENT);
    assert_string_equal(refresh_category_name(REFRESH_RECENT), "recent");
    assert_string_equal(refresh_category_name(REFRESH_ESTABLISHED), "established");
    assert_string_equal(refresh_category_name(REFRESH_MATURE), "mature");
    assert_string_equal(refresh_category_name(REFRESH_ARCHIVED), "archived");
}

/* The youngest age of each category is where refresh_category_of moves into it. */
static void min_ages(void **state)
{
    (void)state;
    static const int64_t want[4] = {0, 60, 180, 366};
    for (int c = 0; c < REFRESH_CATEGORY_COUNT; c++) {
        int64_t age = refresh_min_age_days(c);
        assert_int_equal(age, want[c]);
        assert_int_equal(refresh_category_of(RS_I64(TODAY - age), NOW), c);
        if (c > 0)
            assert_int_equal(refresh_category_of(RS_I64(TODAY - age + 1), NOW), c - 1);
    }
    assert_int_equal(refresh_min_age_days(REFRESH_CATEGORY_COUNT), 0);
}

/* Frozen: ARCHIVED and REFRESH_FREEZE_CYCLES unchanged refreshes, not one fewer, not younger. */
static void freezes(void **state)
{
    (void)state;
    struct rs_i64 archived = RS_I64(TODAY - 366), mature = RS_I64(TODAY - 365);
    assert_int_equal(REFRESH_FREEZE_CYCLES, 3);
    assert_true(refresh_freezes(3, archived, NOW));
    assert_true(refresh_freezes(4, archived, NOW));
    assert_true(refresh_freezes(100, RS_I64(TODAY - 20000), NOW));
    assert_false(refresh_freezes(2, archived, NOW));
    assert_false(refresh_freezes(0, archived, NOW));
    assert_false(refresh_freezes(3, mature, NOW));
    assert_false(refresh_freezes(100, RS_I64(TODAY + 400), NOW)); /* not yet released */
    assert_false(refresh_freezes(100, RS_NULL_I64, NOW));         /* no release date: RECENT */
    /* the same movie freezes once it ages into ARCHIVED */
    assert_true(refresh_freezes(3, mature, NOW + DAY));
}

static void intervals(void **state)
{
    (void)state;
    static const int want[4][2] = {{5, 5}, {15, 30}, {30, 90}, {90, 180}};
    for (int c = 0; c < REFRESH_CATEGORY_COUNT; c++) {
        assert_int_equal(refresh_interval_days(c, RS_API_TMDB), want[c][0]);
        assert_int_equal(refresh_interval_days(c, RS_API_OMDB), want[c][1]);
    }
}

static void due_boundaries(void **state)
{
    (void)state;
    static const int ages[4] = {10, 100, 200, 1000};
    for (int c = 0; c < REFRESH_CATEGORY_COUNT; c++) {
        struct rs_i64 rel = RS_I64(TODAY - ages[c]);
        assert_int_equal(refresh_category_of(rel, NOW), c);
        for (int api = 0; api < RS_API_COUNT; api++) {
            rs_time_t iv = (rs_time_t)refresh_interval_days(c, api) * DAY;
            assert_true(refresh_is_due(rel, RS_NULL_I64, api, NOW));
            assert_true(refresh_is_due(rel, RS_I64(NOW - iv), api, NOW));
            assert_true(refresh_is_due(rel, RS_I64(NOW - iv - 1), api, NOW));
            assert_false(refresh_is_due(rel, RS_I64(NOW - iv + 1), api, NOW));
            assert_false(refresh_is_due(rel, RS_I64(NOW), api, NOW));
        }
    }
    /* no release date: RECENT, 5 days */
    assert_true(refresh_is_due(RS_NULL_I64, RS_I64(NOW - 5 * DAY), RS_API_OMDB, NOW));
    assert_false(refresh_is_due(RS_NULL_I64, RS_I64(NOW - 5 * DAY + 1), RS_API_OMDB, NOW));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(age_days), cmocka_unit_test(categories), cmocka_unit_test(min_ages),
        cmocka_unit_test(freezes),  cmocka_unit_test(intervals),  cmocka_unit_test(due_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
