/* The refresh policy and the freezing rule (src/refresh.c): every boundary of the README's
 * policy table. */
#include <math.h>
#include <stdlib.h>

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

/* A fixed pseudo-random sequence (xorshift64*), uniform in [0, 1). */
static double uniform(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return (double)((*x * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* The hazard a day of the synthetic world: a low rate, and at age SPIKE most movies change. */
#define SPIKE 45
#define SPIKE_CHANCE 0.9
#define BASE_RATE 0.002
#define FEED_CHANCE 0.7
static double world_hazard(int64_t age)
{
    return age == SPIKE ? -log(1.0 - SPIKE_CHANCE) : BASE_RATE;
}

/* 3,000 movies checked from release every 3 to 20 days (each its own) to age 200; about one
 * check in 8 has a feed report in between, which brings a change with FEED_CHANCE. One group
 * per check: the fit takes them aggregated or not. */
static struct refresh_hazard_group *synthetic(size_t *n)
{
    size_t cap = 3000 * 80, k = 0;
    struct refresh_hazard_group *g = malloc(cap * sizeof(*g));
    assert_non_null(g);
    uint64_t x = 88172645463325252ULL;
    for (int m = 0; m < 3000; m++) {
        int every = 3 + (int)(uniform(&x) * 18);
        int64_t a1 = (int64_t)(uniform(&x) * every);
        for (int64_t a2 = a1 + every; a2 <= 200 && k < cap; a1 = a2, a2 += every) {
            double lam = 0;
            for (int64_t a = a1 + 1; a <= a2; a++)
                lam += world_hazard(a);
            bool fed = uniform(&x) < 0.125;
            double p = 1.0 - (1.0 - (fed ? FEED_CHANCE : 0.0)) * exp(-lam);
            g[k++] = (struct refresh_hazard_group){
                .first = refresh_hazard_bucket(a1 + 1),
                .last = refresh_hazard_bucket(a2),
                .changed = uniform(&x) < p,
                .fed = fed,
                .n = 1,
                .sum_a1 = (double)a1,
                .sum_a2 = (double)a2,
            };
        }
    }
    *n = k;
    return g;
}

/* The grid: a day wide near release, wider with age, every age in one bucket, in order. */
static void hazard_grid(void **state)
{
    (void)state;
    assert_true(refresh_hazard_buckets() <= REFRESH_HAZARD_BUCKETS);
    assert_int_equal(refresh_hazard_bucket(REFRESH_HAZARD_AGE_LO - 1000), 0);
    assert_int_equal(refresh_hazard_bucket(REFRESH_HAZARD_AGE_HI + 1000),
                     refresh_hazard_buckets() - 1);
    for (int64_t a = 0; a < REFRESH_HAZARD_SPREAD; a++)
        assert_int_equal(refresh_hazard_bucket(a + 1), refresh_hazard_bucket(a) + 1);
    for (int64_t a = REFRESH_HAZARD_AGE_LO; a < REFRESH_HAZARD_AGE_HI; a++) {
        int d = refresh_hazard_bucket(a + 1) - refresh_hazard_bucket(a);
        assert_true(d == 0 || d == 1);
    }
    /* a year old: the bucket is about a year / SPREAD wide */
    int w = 0;
    for (int64_t a = 300; a < 500; a++)
        w += refresh_hazard_bucket(a) == refresh_hazard_bucket(365);
    assert_in_range(w, 365 / REFRESH_HAZARD_SPREAD - 2, 365 / REFRESH_HAZARD_SPREAD + 2);
}

/* With no evidence the hazard is the prior, the seed's rate; the chance grows with the wait. */
static void hazard_prior(void **state)
{
    (void)state;
    struct refresh_hazard hz;
    double prior[REFRESH_HAZARD_BUCKETS];
    refresh_hazard_prior(prior);
    refresh_hazard_fit(NULL, 0, prior, &hz);
    assert_true(hz.on);
    assert_true(hz.theta > 1.0);
    assert_true(fabs(hz.h[refresh_hazard_bucket(10)] - REFRESH_PRIOR_CHANGED / 5.0) < 1e-9);
    assert_true(fabs(hz.h[refresh_hazard_bucket(1000)] - REFRESH_PRIOR_CHANGED / 180.0) < 1e-9);
    double c = refresh_hazard_chance(&hz, 10, 15, false);
    assert_true(fabs(c - (1.0 - exp(-5 * REFRESH_PRIOR_CHANGED / 5.0))) < 1e-9);
    assert_true(refresh_hazard_chance(&hz, 10, 20, false) > c);
    assert_true(refresh_hazard_chance(&hz, 10, 10, false) == 0.0);
    assert_true(refresh_hazard_chance(&hz, 10, 10, true) == REFRESH_PRIOR_CHANGED);
    /* beyond the grid the chance still grows, at the end buckets' hazard */
    assert_true(refresh_hazard_chance(&hz, 20000, 20100, false) > 0.2);
    assert_true(refresh_hazard_chance(&hz, -2000, -1990, false) > 0.2);
}

/* Evidence from a world with a spike at one age: the fit finds the spike (no number of it
 * is given), the low rate around it, and the feed's chance. */
static void hazard_finds_a_spike(void **state)
{
    (void)state;
    size_t n;
    struct refresh_hazard_group *g = synthetic(&n);
    struct refresh_hazard hz;
    double prior[REFRESH_HAZARD_BUCKETS];
    refresh_hazard_prior(prior);
    refresh_hazard_fit(g, n, prior, &hz);
    free(g);
    int best = 0;
    for (int k = 1; k < refresh_hazard_bucket(200); k++)
        if (hz.h[k] > hz.h[best])
            best = k;
    assert_int_equal(best, refresh_hazard_bucket(SPIKE));
    /* crossing the spike's bucket (a day or two wide): about SPIKE_CHANCE; a week after it,
     * little */
    double across = refresh_hazard_chance(&hz, SPIKE - 1, SPIKE + 1, false);
    assert_in_range((int)(100 * across), 75, 97);
    assert_true(refresh_hazard_chance(&hz, SPIKE + 1, SPIKE + 8, false) < 0.1);
    assert_true(refresh_hazard_chance(&hz, SPIKE - 8, SPIKE - 1, false) < 0.1);
    assert_true(refresh_hazard_chance(&hz, 100, 130, false) < 0.2);
    assert_in_range((int)(100 * hz.q), 60, 80);
}

/* A small catalogue's evidence outweighs the prior: 20 movies about a year old, each checked
 * every 40 to 120 days (as the seed checks old movies), and at age LATE_SPIKE 90 % of them
 * change (a rating settling, say). The fit gives a check across that age a chance over 70 %,
 * ten times that of a check as long a month later, though the prior there is the seed's flat
 * rate for old movies. With a prior worth 20 movies at every age: 39 % and 7 %. */
#define LATE_SPIKE 365
static void hazard_learns_from_a_few_movies(void **state)
{
    (void)state;
    struct refresh_hazard_group g[20 * 12];
    size_t n = 0;
    uint64_t x = 2463534242ULL;
    for (int m = 0; m < 20; m++) {
        int64_t a1 = 200 + (int64_t)(uniform(&x) * 100);
        for (int64_t a2 = a1 + 40 + (int64_t)(uniform(&x) * 80); a2 <= 700;
             a1 = a2, a2 += 40 + (int64_t)(uniform(&x) * 80)) {
            bool across = a1 < LATE_SPIKE && a2 >= LATE_SPIKE;
            double p = across ? SPIKE_CHANCE : 1.0 - exp(-BASE_RATE / 10 * (double)(a2 - a1));
            g[n++] = (struct refresh_hazard_group){.first = refresh_hazard_bucket(a1 + 1),
                                                   .last = refresh_hazard_bucket(a2),
                                                   .changed = uniform(&x) < p,
                                                   .n = 1,
                                                   .sum_a1 = (double)a1,
                                                   .sum_a2 = (double)a2};
        }
    }
    struct refresh_hazard hz;
    double prior[REFRESH_HAZARD_BUCKETS];
    refresh_hazard_prior(prior);
    refresh_hazard_fit(g, n, prior, &hz);
    double across = refresh_hazard_chance(&hz, LATE_SPIKE - 20, LATE_SPIKE + 10, false);
    double after = refresh_hazard_chance(&hz, LATE_SPIKE + 40, LATE_SPIKE + 70, false);
    assert_true(across > 0.7);
    assert_true(across > 10 * after);
}

/* The hazard's schedule keeps the bounds: never twice in a day, whatever the chance; at the
 * latest at twice the seed's interval, whatever the chance; the seed's schedule untouched. */
static void hazard_bounds(void **state)
{
    (void)state;
    struct refresh_evidence ev = {0};
    size_t n;
    struct refresh_hazard_group *g = synthetic(&n);
    ev.omdb_groups = g;
    ev.omdb_ngroups = n;
    ev.omdb_hazard = true;
    for (int c = 0; c < REFRESH_BIN_COUNT; c++)
        for (int chg = 0; chg < 2; chg++)
            ev.cell[RS_API_OMDB][c][chg].movies = 100;
    struct refresh_schedule s, seed;
    refresh_schedule_make(REFRESH_POLICY_ADAPTIVE, &ev, &s);
    refresh_schedule_make(REFRESH_POLICY_SEED, &ev, &seed);
    free(g);
    assert_true(s.omdb.on && !seed.omdb.on);
    assert_true(s.omdb.budget > 0);
    struct rs_i64 rel = RS_I64(TODAY - SPIKE);
    for (int i = 0; i < 2; i++) {
        s.omdb.theta = i ? 0.0 : 2.0; /* everything due by chance / nothing */
        for (int64_t waited = 0; waited <= 800 * DAY; waited += DAY / 4) {
            for (int64_t ago = 0; ago <= 4000; ago += 37) {
                struct rs_i64 r = RS_I64(TODAY - ago), last = RS_I64(NOW - waited);
                bool due = refresh_schedule_due(&s, r, last, RS_API_OMDB, false, NOW);
                int seed_iv = refresh_interval_days(refresh_category_of(r, NOW), RS_API_OMDB);
                if (waited < DAY)
                    assert_false(due);
                if (waited >= (int64_t)REFRESH_MAX_STRETCH * seed_iv * DAY)
                    assert_true(due);
                if (waited >= DAY && i)
                    assert_true(due);
            }
        }
        assert_true(
            refresh_schedule_due(&seed, rel, RS_I64(NOW - 5 * DAY), RS_API_OMDB, false, NOW) ==
            refresh_is_due(rel, RS_I64(NOW - 5 * DAY), RS_API_OMDB, NOW));
    }
    /* crossing the learned spike makes a movie due long before its interval */
    s.omdb.theta = 0.5;
    assert_true(refresh_schedule_due(&s, rel, RS_I64(NOW - 2 * DAY), RS_API_OMDB, false, NOW));
    struct rs_i64 older = RS_I64(TODAY - SPIKE - 10);
    assert_false(refresh_schedule_due(&s, older, RS_I64(NOW - 2 * DAY), RS_API_OMDB, false, NOW));
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
        cmocka_unit_test(hazard_grid),
        cmocka_unit_test(hazard_prior),
        cmocka_unit_test(hazard_finds_a_spike),
        cmocka_unit_test(hazard_learns_from_a_few_movies),
        cmocka_unit_test(hazard_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
