/*
 * The OMDB field normalizers and the struct-to-row steps (src/normalize.c): every known
 * format, every quirk of the fixtures, and hostile strings with their exact outcome
 * (value, NULL, and whether the format was reported unknown).
 */
#include "test.h"

#include <stdlib.h>

#include "internal.h"
#include "log_capture.h"
#include "reelsync/normalize.h"

typedef struct rs_i64 (*i64_fn)(const char *, bool *);

/* FN(S) must be the value V, and not bad. */
static void ok_i64(i64_fn fn, const char *s, int64_t v)
{
    bool bad = true;
    struct rs_i64 r = fn(s, &bad);
    if (!r.set || r.v != v || bad)
        fail_msg("'%s': got set=%d v=%lld bad=%d, want %lld", s, r.set, (long long)r.v, bad,
                 (long long)v);
}

/* FN(S) must be NULL; BAD_WANTED says whether the format must be reported unknown. */
static void null_i64(i64_fn fn, const char *s, bool bad_wanted)
{
    bool bad = !bad_wanted;
    struct rs_i64 r = fn(s, &bad);
    if (r.set || bad != bad_wanted)
        fail_msg("'%s': got set=%d v=%lld bad=%d, want NULL bad=%d", s ? s : "(null)", r.set,
                 (long long)r.v, bad, bad_wanted);
}

static void ok_rating(const char *s, double v)
{
    bool bad = true;
    struct rs_f64 r = norm_imdb_rating(s, &bad);
    if (!r.set || r.v != v || bad)
        fail_msg("'%s': got set=%d v=%.17g bad=%d, want %.17g", s, r.set, r.v, bad, v);
}

static void null_rating(const char *s, bool bad_wanted)
{
    bool bad = !bad_wanted;
    struct rs_f64 r = norm_imdb_rating(s, &bad);
    if (r.set || bad != bad_wanted)
        fail_msg("'%s': got set=%d v=%g bad=%d, want NULL bad=%d", s ? s : "(null)", r.set, r.v,
                 bad, bad_wanted);
}

/* "N/A", "" and NULL are NULL and not bad for every normalizer. */
static void missing_values(void **state)
{
    (void)state;
    i64_fn fns[] = {norm_money,     norm_votes,   norm_runtime,
                    norm_omdb_date, norm_percent, norm_metacritic};
    const char *missing[] = {"N/A", "", NULL};
    for (size_t i = 0; i < RS_ARRAY_LEN(fns); i++) {
        for (size_t j = 0; j < RS_ARRAY_LEN(missing); j++)
            null_i64(fns[i], missing[j], false);
    }
    for (size_t j = 0; j < RS_ARRAY_LEN(missing); j++)
        null_rating(missing[j], false);
    /* BAD may be NULL */
    assert_int_equal(norm_money("$5", NULL).v, 5);
    assert_false(norm_money("junk", NULL).set);
}

static void text_values(void **state)
{
    (void)state;
    const char *none = "None";
    assert_null(norm_omdb_text(NULL));
    assert_null(norm_omdb_text(""));
    assert_null(norm_omdb_text("N/A"));
    assert_ptr_equal(norm_omdb_text(none), none); /* a silent film's Language: kept */
    assert_string_equal(norm_omdb_text("Not Rated"), "Not Rated");
    assert_string_equal(norm_omdb_text("n/a"), "n/a"); /* only OMDB's exact marker is NULL */
    assert_string_equal(norm_omdb_text("N/A "), "N/A ");
}

static void money(void **state)
{
    (void)state;
    ok_i64(norm_money, "$292,587,330", 292587330);
    ok_i64(norm_money, "$33,225,499", 33225499);
    ok_i64(norm_money, "292587330", 292587330);
    ok_i64(norm_money, "$0", 0);
    ok_i64(norm_money, "$999", 999);
    ok_i64(norm_money, "$1,000", 1000);
    ok_i64(norm_money, "$9,223,372,036,854,775,807", INT64_MAX);
    const char *bad[] = {"$9,223,372,036,854,775,808",
                         "$99999999999999999999",
                         "$1,23",
                         "$12,3456",
                         "$,123",
                         "$123,",
                         "$1,,234",
                         "-$5",
                         "$-5",
                         "$ 5",
                         "5 ",
                         " 5",
                         "$1.5",
                         "€5",
                         "$$5",
                         "$1,000,000abc",
                         "1,2",
                         "$",
                         "USD 5",
                         "$1e3",
                         "0x10"};
    for (size_t i = 0; i < RS_ARRAY_LEN(bad); i++)
        null_i64(norm_money, bad[i], true);
}

static void votes(void **state)
{
    (void)state;
    ok_i64(norm_votes, "2,767,518", 2767518);
    ok_i64(norm_votes, "31", 31);
    ok_i64(norm_votes, "31,543", 31543);
    ok_i64(norm_votes, "0", 0);
    ok_i64(norm_votes, "2,147,483,647", INT32_MAX);
    ok_i64(norm_votes, "2147483647", INT32_MAX);
    const char *bad[] = {"2,147,483,648", "99,999,999,999", "-31", "31 ", "3.1",
                         "$31",           "31,54",          "3,1", "+31", "31k"};
    for (size_t i = 0; i < RS_ARRAY_LEN(bad); i++)
        null_i64(norm_votes, bad[i], true);
}

static void runtime(void **state)
{
    (void)state;
    ok_i64(norm_runtime, "148 min", 148);
    ok_i64(norm_runtime, "5 min", 5);
    ok_i64(norm_runtime, "1,200 min", 1200);
    ok_i64(norm_runtime, "2 h 15 min", 135);
    ok_i64(norm_runtime, "2 h", 120);
    ok_i64(norm_runtime, "2147483647 min", INT32_MAX);
    null_i64(norm_runtime, "0 min", false); /* 0 is "unknown", a known format */
    const char *bad[] = {"148",        "148 mins",
                         "min",        "-5 min",
                         "148min",     "2 h 60 min",
                         "2 h 5",      "2 hours",
                         " 148 min",   "148 min ",
                         "1.5 min",    "2147483648 min",
                         "35791395 h", "99999999999999999999 min",
                         "h",          "2 h  5 min"};
    for (size_t i = 0; i < RS_ARRAY_LEN(bad); i++)
        null_i64(norm_runtime, bad[i], true);
}

static void omdb_dates(void **state)
{
    (void)state;
    ok_i64(norm_omdb_date, "16 Jul 2010", rs_date_from_ymd(2010, 7, 16));
    ok_i64(norm_omdb_date, "08 Feb 2002", rs_date_from_ymd(2002, 2, 8));
    ok_i64(norm_omdb_date, "8 Feb 2002", rs_date_from_ymd(2002, 2, 8));
    ok_i64(norm_omdb_date, "08 Feb 1908", rs_date_from_ymd(1908, 2, 8));
    ok_i64(norm_omdb_date, "29 Feb 2024", rs_date_from_ymd(2024, 2, 29));
    ok_i64(norm_omdb_date, "31 Dec 1999", rs_date_from_ymd(1999, 12, 31));
    const char *bad[] = {"29 Feb 2023",  "31 Apr 2010",  "00 Jan 2010",  "32 Jan 2010",
                         "16 jul 2010",  "16 July 2010", "16 Jul 10",    "16 Jul 20100",
                         "2010-07-16",   "16 Jul 2010 ", "116 Jul 2010", "16 Jul 0999",
                         "16  Jul 2010", "16 Jul",       "16 Ju",        "Jul 16, 2010",
                         "16 Jul 2O10",  "-1 Jul 2010",  "016 Jul 2010"};
    for (size_t i = 0; i < RS_ARRAY_LEN(bad); i++)
        null_i64(norm_omdb_date, bad[i], true);
}

static void imdb_ratings(void **state)
{
    (void)state;
    ok_rating("8.8", 8.8);
    ok_rating("8.8/10", 8.8);
    ok_rating("7.0", 7.0);
    ok_rating("5.0/10", 5.0);
    ok_rating("10", 10.0);
    ok_rating("10.0/10", 10.0);
    ok_rating("0.0", 0.0);
    ok_rating("7.65", 7.65);
    const char *bad[] = {"10.1",
                         "11",
                         "8.8/100",
                         "8.",
                         ".8",
                         "-1",
                         "8,8",
                         "inf",
                         "nan",
                         "1e1",
                         "0x1p3",
                         " 8.8",
                         "8.8 ",
                         "8.8/10 ",
                         "8.8.8",
                         "8.8%",
                         "1234567890123456",
                         "8.8/",
                         "/10",
                         "+8.8"};
    for (size_t i = 0; i < RS_ARRAY_LEN(bad); i++)
        null_rating(bad[i], true);
}

static void percents_and_metacritic(void **state)
{
    (void)state;
    ok_i64(norm_percent, "87%", 87);
    ok_i64(norm_percent, "87", 87);
    ok_i64(norm_percent, "0%", 0);
    ok_i64(norm_percent, "100%", 100);
    const char *bad_pct[] = {"101%", "87%%", "-1%", "87.5%", "%", "87 %", "74/100", "9999999999%"};
    for (size_t i = 0; i < RS_ARRAY_LEN(bad_pct); i++)
        null_i64(norm_percent, bad_pct[i], true);

    ok_i64(norm_metacritic, "74/100", 74);
    ok_i64(norm_metacritic, "74", 74);
    ok_i64(norm_metacritic, "100/100", 100);
    ok_i64(norm_metacritic, "0", 0);
    const char *bad_mc[] = {"101", "74/10", "74%", "74/100 ", "/100", "-4", "7.4", "74/1000"};
    for (size_t i = 0; i < RS_ARRAY_LEN(bad_mc); i++)
        null_i64(norm_metacritic, bad_mc[i], true);
}

static void tmdb_dates(void **state)
{
    (void)state;
    ok_i64(norm_tmdb_date, "2010-07-15", rs_date_from_ymd(2010, 7, 15));
    null_i64(norm_tmdb_date, "", false);
    null_i64(norm_tmdb_date, NULL, false);
    null_i64(norm_tmdb_date, "2023-02-29", true);
    null_i64(norm_tmdb_date, "2010-7-15", true);
    null_i64(norm_tmdb_date, "N/A", true); /* not a TMDB marker */
}

/* norm_tmdb_movie: out-of-range numbers become NULL with a warning naming the field. */
static void tmdb_movie_ranges(void **state)
{
    (void)state;
    struct capture c;
    capture_init(&c);
    struct tmdb_movie m = {
        .id = 9,
        .imdb_id = "",
        .title = "",
        .release_date = "2010-13-01",
        .runtime = RS_I64(-5),
        .budget = RS_I64(-1),
        .revenue = RS_I64(INT64_MAX),
        .vote_count = RS_I64((int64_t)INT32_MAX + 1),
        .vote_average = RS_F64(11.0),
        .popularity = RS_F64(-0.5),
        .adult = RS_I64(1),
    };
    struct tmdb_row r = {0};
    struct rs_error err;
    assert_int_equal(norm_tmdb_movie(&m, &r, &c.log, &err), RS_OK);
    assert_int_equal(r.tmdb_id, 9);
    assert_null(r.imdb_id);
    assert_null(r.title);
    assert_false(r.release_date.set);
    assert_false(r.runtime.set);
    assert_false(r.budget.set);
    assert_true(r.revenue.set);
    assert_int_equal(r.revenue.v, INT64_MAX);
    assert_false(r.vote_count.set);
    assert_false(r.vote_average.set);
    assert_false(r.popularity.set);
    assert_int_equal(r.adult.v, 1);
    /* empty lists are non-NULL and NULL-terminated */
    assert_non_null(r.genres);
    assert_null(r.genres[0]);
    assert_int_equal(r.n_genres, 0);
    assert_non_null(r.production_companies);
    assert_null(r.production_companies[0]);
    assert_non_null(r.raw);
    assert_int_equal(r.raw_len, 0);
    assert_logged(&c, "tmdb: unreadable release_date \"2010-13-01\" tmdb_id=9");
    assert_logged(&c, "runtime tmdb_id=9");
    assert_logged(&c, "budget tmdb_id=9");
    assert_logged(&c, "vote_count tmdb_id=9");
    assert_logged(&c, "vote_average tmdb_id=9");
    assert_logged(&c, "popularity tmdb_id=9");
    assert_int_equal(c.warnings, 6);
    norm_tmdb_row_release(&r);
    assert_null(r.raw);
    norm_tmdb_row_release(&r); /* a zeroed row is fine */
    norm_tmdb_row_release(NULL);
}

/* norm_omdb_movie: each unknown format is NULL plus a warning with field, value and id. */
static void omdb_movie_warnings(void **state)
{
    (void)state;
    struct capture c;
    capture_init(&c);
    struct omdb_movie m = {
        .imdb_id = "tt0000001",
        .title = "N/A",
        .language = "None",
        .box_office = "$12,34",
        .imdb_votes = "99,999,999,999",
        .runtime = "1\n2 min",
        .released = "2010-07-16",
        .rating_imdb = "junk",
        .imdb_rating = "7.1",
        .metascore = "61",
        .rating_rotten_tomatoes = "101%",
        .raw = "{}",
        .raw_len = 2,
    };
    struct omdb_row r = {0};
    assert_int_equal(norm_omdb_movie(&m, &r, &c.log, NULL), RS_OK);
    assert_string_equal(r.imdb_id, "tt0000001");
    assert_null(r.title);
    assert_string_equal(r.language, "None");
    assert_false(r.box_office.set);
    assert_false(r.imdb_votes.set);
    assert_false(r.runtime_minutes.set);
    assert_false(r.released.set);
    assert_false(r.rotten_tomatoes.set);
    assert_true(r.imdb_rating.set); /* Ratings held junk: the flat imdbRating is used */
    assert_true(r.imdb_rating.v == 7.1);
    assert_int_equal(r.metacritic.v, 61); /* no Ratings Metacritic: Metascore */
    assert_memory_equal(r.raw, "{}", 3);
    assert_logged(&c, "omdb: unreadable BoxOffice \"$12,34\" imdb_id=tt0000001");
    assert_logged(&c, "omdb: unreadable imdbVotes \"99,999,999,999\" imdb_id=tt0000001");
    assert_logged(&c, "omdb: unreadable Runtime \"1?2 min\" imdb_id=tt0000001");
    assert_logged(&c, "omdb: unreadable Released \"2010-07-16\"");
    assert_logged(&c, "omdb: unreadable Ratings[Internet Movie Database] \"junk\"");
    assert_logged(&c, "omdb: unreadable Ratings[Rotten Tomatoes] \"101%\"");
    assert_int_equal(c.warnings, 6);
    norm_omdb_row_release(&r);
    assert_null(r.imdb_id);
    norm_omdb_row_release(NULL);
}

/* An over-long bad value is quoted truncated, so a warning stays one short line. */
static void omdb_warning_truncated(void **state)
{
    (void)state;
    struct capture c;
    capture_init(&c);
    char longval[400];
    memset(longval, '9', sizeof(longval) - 1);
    longval[sizeof(longval) - 1] = '\0';
    struct omdb_movie m = {.imdb_id = "tt1", .box_office = longval};
    struct omdb_row r = {0};
    assert_int_equal(norm_omdb_movie(&m, &r, &c.log, NULL), RS_OK);
    assert_false(r.box_office.set);
    assert_int_equal(c.warnings, 1);
    assert_true(strlen(c.text) < 200);
    norm_omdb_row_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_values),
        cmocka_unit_test(text_values),
        cmocka_unit_test(money),
        cmocka_unit_test(votes),
        cmocka_unit_test(runtime),
        cmocka_unit_test(omdb_dates),
        cmocka_unit_test(imdb_ratings),
        cmocka_unit_test(percents_and_metacritic),
        cmocka_unit_test(tmdb_dates),
        cmocka_unit_test(tmdb_movie_ranges),
        cmocka_unit_test(omdb_movie_warnings),
        cmocka_unit_test(omdb_warning_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
