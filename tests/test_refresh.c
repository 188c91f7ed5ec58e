/* The refresh policy and the freezing rule (src/refresh.c): every boundary of the README's
 * policy table. */
#include <math.h>

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

static void policy_names(void **state)
{
    (void)state;
    enum refresh_policy p = REFRESH_POLICY_ADAPTIVE;
    assert_string_equal(refresh_policy_name(REFRESH_POLICY_SEED), "seed");
    assert_string_equal(refresh_policy_name(REFRESH_POLICY_ADAPTIVE), "adaptive");
    assert_true(refresh_policy_parse("seed", &p));
    assert_int_equal(p, REFRESH_POLICY_SEED);
    assert_true(refresh_policy_parse("adaptive", &p));
    assert_int_equal(p, REFRESH_POLICY_ADAPTIVE);
    assert_false(refresh_policy_parse("learned", &p));
    assert_int_equal(p, REFRESH_POLICY_ADAPTIVE);
}

/* The seed's schedule is the table, whatever the evidence; its due is refresh_is_due. */
static void seed_schedule_is_the_table(void **state)
{
    (void)state;
    struct refresh_evidence ev = {0};
    struct refresh_schedule s;
    ev.cell[RS_API_OMDB][0][1] = (struct refresh_cell){1000, 1000, 10, 50};
    refresh_schedule_make(REFRESH_POLICY_SEED, &ev, &s);
    for (int bin = 0; bin < REFRESH_BIN_COUNT; bin++) {
        /* a movie in the middle of the bin */
        int64_t age = refresh_bin_min_age(bin) +
                      (bin + 1 < REFRESH_BIN_COUNT ? refresh_bin_min_age(bin + 1) - 1 : 3000);
        age /= bin + 1 < REFRESH_BIN_COUNT ? 2 : 1;
        struct rs_i64 rel = RS_I64(TODAY - age);
        enum refresh_category c = refresh_category_of(rel, NOW);
        assert_int_equal(refresh_bin_of(rel, NOW), bin);
        assert_int_equal(refresh_bin_category(bin), c);
        for (int api = 0; api < RS_API_COUNT; api++) {
            rs_time_t iv = (rs_time_t)refresh_interval_days(c, api) * DAY;
            for (int chg = 0; chg < 2; chg++) {
                assert_true(s.interval[api][bin][chg] == refresh_interval_days(c, api));
                for (rs_time_t d = -1; d <= 1; d++)
                    assert_int_equal(
                        refresh_schedule_due(&s, rel, RS_I64(NOW - iv + d), api, chg, NOW),
                        refresh_is_due(rel, RS_I64(NOW - iv + d), api, NOW));
            }
        }
    }
}

/* The bins nest in the categories: each category starts a bin; no release date is bin 0. */
static void bins(void **state)
{
    (void)state;
    for (int c = 0; c < REFRESH_CATEGORY_COUNT; c++) {
        bool starts = false;
        for (int bin = 0; bin < REFRESH_BIN_COUNT; bin++)
            starts |= refresh_bin_min_age(bin) == refresh_min_age_days(c);
        assert_true(starts);
    }
    for (int bin = 1; bin < REFRESH_BIN_COUNT; bin++) {
        assert_true(refresh_bin_min_age(bin) > refresh_bin_min_age(bin - 1));
        assert_true(refresh_bin_category(bin) >= refresh_bin_category(bin - 1));
        struct rs_i64 rel = RS_I64(TODAY - refresh_bin_min_age(bin));
        assert_int_equal(refresh_bin_of(rel, NOW), bin);
        assert_int_equal(refresh_bin_of(RS_I64(rel.v + 1), NOW), bin - 1);
    }
    assert_int_equal(refresh_bin_of(RS_NULL_I64, NOW), 0);
    assert_int_equal(refresh_bin_of(RS_I64(TODAY + 30), NOW), 0);
}

/* The rate: a prior of 20 refreshes at the seed's interval, half of which changed. */
static void rate_prior(void **state)
{
    (void)state;
    struct refresh_cell none = {0}, some = {100, 30, 600, 0};
    assert_true(fabs(refresh_rate(&none, 90) - 0.5 / 90) < 1e-12);
    assert_true(fabs(refresh_rate(&some, 30) - (10.0 + 30) / (20 * 30.0 + 600)) < 1e-12);
}

/* A small deterministic generator for the evidence below. */
static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Requests a day the schedule S costs for API over the movies of EV. */
static double cost(const struct refresh_evidence *ev, const struct refresh_schedule *s, int api)
{
    double r = 0;
    for (int c = 0; c < REFRESH_BIN_COUNT; c++)
        for (int chg = 0; chg < 2; chg++)
            r += (double)ev->cell[api][c][chg].movies / s->interval[api][c][chg];
    return r;
}

static double seed_cost(const struct refresh_evidence *ev, int api)
{
    double r = 0;
    for (int c = 0; c < REFRESH_BIN_COUNT; c++)
        for (int chg = 0; chg < 2; chg++)
            r += (double)ev->cell[api][c][chg].movies /
                 refresh_interval_days(refresh_bin_category(c), api);
    return r;
}

/*
 * The adaptive schedule's bounds, for any evidence: never more often than daily, never less
 * often than twice the seed's interval; a cell that changes more often is refreshed at least
 * as often; solved, it costs the seed's requests under the refresh limit (for TMDB with
 * the feed, less the feed's refreshes).
 */
static void adaptive_bounds(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ULL;
    int solved = 0;
    for (int round = 0; round < 2000; round++) {
        struct refresh_evidence ev = {.feed = round % 2,
                                      .per_day = round % 3 ? (double)(next(&x) % 400) : 0,
                                      .feed_per_day = (double)(next(&x) % 50)};
        for (int api = 0; api < RS_API_COUNT; api++)
            for (int c = 0; c < REFRESH_BIN_COUNT; c++)
                for (int chg = 0; chg < 2; chg++) {
                    struct refresh_cell *cell = &ev.cell[api][c][chg];
                    cell->refreshes = (int64_t)(next(&x) % 5000);
                    cell->changed =
                        cell->refreshes ? (int64_t)(next(&x) % (cell->refreshes + 1)) : 0;
                    cell->days = (double)(next(&x) % 200000) / 10.0;
                    cell->movies = (int64_t)(next(&x) % 3000);
                }
        struct refresh_schedule s;
        refresh_schedule_make(REFRESH_POLICY_ADAPTIVE, &ev, &s);
        for (int api = 0; api < RS_API_COUNT; api++) {
            bool clamped = false;
            for (int c = 0; c < REFRESH_BIN_COUNT; c++)
                for (int chg = 0; chg < 2; chg++) {
                    double iv = s.interval[api][c][chg];
                    double seed = refresh_interval_days(refresh_bin_category(c), api);
                    assert_true(iv >= REFRESH_MIN_INTERVAL_DAYS - 1e-9);
                    assert_true(iv <= REFRESH_MAX_STRETCH * seed + 1e-9);
                    clamped |= iv <= REFRESH_MIN_INTERVAL_DAYS + 1e-9 ||
                               iv >= REFRESH_MAX_STRETCH * seed - 1e-9;
                    assert_true(fabs(s.rate[api][c][chg] -
                                     refresh_rate(&ev.cell[api][c][chg], seed)) < 1e-15);
                    /* the more a cell changes, the sooner (within a category's bounds) */
                    double other = s.interval[api][c][!chg];
                    if (s.rate[api][c][chg] > s.rate[api][c][!chg])
                        assert_true(iv <= other + 1e-9);
                }
            /* the seed's requests, as many as the refresh limit lets through, the feed's out */
            double seed_movies = seed_cost(&ev, RS_API_TMDB);
            double share =
                ev.per_day > 0 && seed_movies > ev.per_day ? ev.per_day / seed_movies : 1.0;
            double want = seed_cost(&ev, api) * share -
                          (api == RS_API_TMDB && ev.feed ? ev.feed_per_day : 0.0);
            /* when the bounds let it, exactly that */
            double lo = 0, hi = 0;
            for (int c = 0; c < REFRESH_BIN_COUNT; c++)
                for (int chg = 0; chg < 2; chg++) {
                    double n = (double)ev.cell[api][c][chg].movies;
                    lo += n / (REFRESH_MAX_STRETCH *
                               refresh_interval_days(refresh_bin_category(c), api));
                    hi += n / REFRESH_MIN_INTERVAL_DAYS;
                }
            if (want > lo && want < hi) {
                assert_true(fabs(cost(&ev, &s, api) - want) <= 1e-3 * want);
                solved++;
            } else {
                assert_true(clamped);
            }
        }
    }
    assert_true(solved > 1000); /* not vacuous */
}

/* Extremes reach the bounds: a cell that never changes is asked every twice the seed's
 * interval, and the requests that saves make a small cell changing on every refresh daily. */
static void adaptive_extremes(void **state)
{
    (void)state;
    struct refresh_evidence ev = {0};
    const int last = REFRESH_BIN_COUNT - 1; /* archived */
    for (int c = 0; c < REFRESH_BIN_COUNT; c++)
        for (int chg = 0; chg < 2; chg++)
            ev.cell[RS_API_OMDB][c][chg] = (struct refresh_cell){10000, 0, 1e7, 1000};
    ev.cell[RS_API_OMDB][last][0].movies = 100000;
    ev.cell[RS_API_OMDB][0][1] = (struct refresh_cell){100000, 100000, 1000, 100};
    struct refresh_schedule s;
    refresh_schedule_make(REFRESH_POLICY_ADAPTIVE, &ev, &s);
    assert_int_equal(refresh_bin_category(last), REFRESH_ARCHIVED);
    assert_true(s.interval[RS_API_OMDB][0][1] == REFRESH_MIN_INTERVAL_DAYS);
    assert_true(s.interval[RS_API_OMDB][last][0] == 2.0 * 180);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(age_days),
        cmocka_unit_test(categories),
        cmocka_unit_test(min_ages),
        cmocka_unit_test(freezes),
        cmocka_unit_test(intervals),
        cmocka_unit_test(due_boundaries),
        cmocka_unit_test(policy_names),
        cmocka_unit_test(seed_schedule_is_the_table),
        cmocka_unit_test(bins),
        cmocka_unit_test(rate_prior),
        cmocka_unit_test(adaptive_bounds),
        cmocka_unit_test(adaptive_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
