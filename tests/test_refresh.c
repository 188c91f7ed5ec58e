/* The refresh policy and freezing fingerprints (src/refresh.c): every boundary of the README's
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

static char *genres_a[] = {"Drama", "Crime"};
static char *genres_b[] = {"Dra", "maCrime"};
static char *genres_c[] = {"Crime", "Drama"};

static struct tmdb_row tmdb_base(void)
{
    return (struct tmdb_row){.tmdb_id = 27205,
                             .imdb_id = "tt1375666",
                             .title = "Inception",
                             .original_title = "Inception",
                             .overview = "A thief.",
                             .tagline = NULL,
                             .release_date = RS_I64(14806),
                             .runtime = RS_I64(148),
                             .budget = RS_I64(160000000),
                             .revenue = RS_I64(0),
                             .genres = genres_a,
                             .n_genres = 2,
                             .vote_average = RS_F64(8.4),
                             .vote_count = RS_I64(35000),
                             .popularity = RS_F64(90.5),
                             .status = "Released",
                             .original_language = "en",
                             .adult = RS_I64(0),
                             .raw = "{}",
                             .raw_len = 2};
}

static void fingerprint_tmdb(void **state)
{
    (void)state;
    struct tmdb_row a = tmdb_base(), b = tmdb_base();
    uint64_t fp = refresh_fingerprint_tmdb(&a);
    assert_true(fp == refresh_fingerprint_tmdb(&b));
    /* drifting counters and raw do not count */
    b.vote_average = RS_F64(8.5);
    b.vote_count = RS_I64(35001);
    b.popularity = RS_NULL_F64;
    b.raw = "{\"x\":1}";
    b.raw_len = 7;
    assert_true(fp == refresh_fingerprint_tmdb(&b));
    /* every other field does */
    b = tmdb_base();
    b.title = "Inception!";
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.tagline = "";
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.imdb_id = NULL;
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.runtime = RS_NULL_I64;
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.revenue = RS_NULL_I64;
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.budget = RS_I64(160000001);
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.release_date = RS_I64(14807);
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.genres = genres_b;
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.genres = genres_c;
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.n_genres = 0;
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.production_companies = genres_a;
    b.n_production_companies = 2;
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.status = "Rumored";
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.original_language = "fr";
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.adult = RS_I64(1);
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.overview = NULL;
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    b = tmdb_base();
    b.original_title = "Inceptio";
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    /* moving text between adjacent fields changes it */
    b = tmdb_base();
    b.title = "Inceptio";
    b.original_title = "nInception";
    assert_true(fp != refresh_fingerprint_tmdb(&b));
    /* stable across builds and machines: a fixed value */
    struct tmdb_row z = {0};
    assert_true(refresh_fingerprint_tmdb(&z) == refresh_fingerprint_tmdb(&(struct tmdb_row){0}));
}

static struct omdb_row omdb_base(void)
{
    return (struct omdb_row){.imdb_id = "tt1375666",
                             .title = "Inception",
                             .year = "2010",
                             .rated = "PG-13",
                             .released = RS_I64(14806),
                             .runtime_minutes = RS_I64(148),
                             .genre = "Action",
                             .director = "Christopher Nolan",
                             .writer = "Christopher Nolan",
                             .actors = "Leonardo DiCaprio",
                             .language = "English",
                             .country = "USA",
                             .awards = "Won 4 Oscars.",
                             .imdb_rating = RS_F64(8.8),
                             .imdb_votes = RS_I64(2345678),
                             .rotten_tomatoes = RS_I64(87),
                             .metacritic = RS_I64(74),
                             .box_office = RS_I64(292587330),
                             .raw = "{}",
                             .raw_len = 2};
}

static void fingerprint_omdb(void **state)
{
    (void)state;
    struct omdb_row a = omdb_base(), b = omdb_base();
    uint64_t fp = refresh_fingerprint_omdb(&a);
    b.imdb_votes = RS_I64(2345999);
    b.raw = "[]";
    assert_true(fp == refresh_fingerprint_omdb(&b));
    b = omdb_base();
    b.imdb_rating = RS_F64(8.7);
    assert_true(fp != refresh_fingerprint_omdb(&b));
    b = omdb_base();
    b.awards = NULL;
    assert_true(fp != refresh_fingerprint_omdb(&b));
    b = omdb_base();
    b.rotten_tomatoes = RS_NULL_I64;
    assert_true(fp != refresh_fingerprint_omdb(&b));
    b = omdb_base();
    b.metacritic = RS_I64(75);
    assert_true(fp != refresh_fingerprint_omdb(&b));
    b = omdb_base();
    b.box_office = RS_I64(1);
    assert_true(fp != refresh_fingerprint_omdb(&b));
    b = omdb_base();
    b.year = "2011";
    assert_true(fp != refresh_fingerprint_omdb(&b));
    b = omdb_base();
    b.released = RS_NULL_I64;
    assert_true(fp != refresh_fingerprint_omdb(&b));
    b = omdb_base();
    b.actors = "Leonardo DiCaprio, Joseph Gordon-Levitt";
    assert_true(fp != refresh_fingerprint_omdb(&b));
    b = omdb_base();
    b.rated = NULL;
    assert_true(fp != refresh_fingerprint_omdb(&b));
    b = omdb_base();
    b.rated = "";
    assert_true(fp != refresh_fingerprint_omdb(&b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(age_days),         cmocka_unit_test(categories),
        cmocka_unit_test(min_ages),         cmocka_unit_test(freezes),
        cmocka_unit_test(intervals),        cmocka_unit_test(due_boundaries),
        cmocka_unit_test(fingerprint_tmdb), cmocka_unit_test(fingerprint_omdb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
