/*
 * reelsync-fakeapi's time model (fake/README.md, "Time model" and the X-Fake-Now clock): the
 * TMDB data of a movie changes from day to day exactly when /3/movie/changes lists it, the counters
 * drift every day while old movies freeze, and the errors of the changes feed and of a bad
 * clock header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "test.h"

#define NOW "2026-11-25"

/*
 * The data of a movie without the drifting counters, as one string: its TMDB answer with the
 * parts the collector appends, and its OMDB record too when WITH_OMDB.
 */
static char *stable_state(const struct fake *f, long id, const char *day, bool with_omdb)
{
    char q[128];
    snprintf(q, sizeof(q),
             "/movie/%ld?append_to_response=credits,keywords,release_dates,external_ids", id);
    json_t *m = fake_tmdb(f, q, day, NULL);
    json_object_del(m, "vote_count");
    json_object_del(m, "vote_average");
    json_object_del(m, "popularity");
    json_t *imdb = json_object_get(m, "imdb_id");
    json_t *o = NULL;
    if (with_omdb && json_is_string(imdb) && *json_string_value(imdb)) {
        o = fake_omdb(f, json_string_value(imdb), day, NULL);
        json_object_del(o, "imdbVotes");
    }
    json_t *both = json_pack("{s:o,s:o}", "tmdb", m, "omdb", o ? o : json_null());
    char *s = json_dumps(both, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(both);
    return s;
}

static bool in_changes(const struct fake *f, long id, const char *start, const char *end)
{
    for (long page = 1;; page++) {
        char q[160];
        snprintf(q, sizeof(q), "/movie/changes?start_date=%s&end_date=%s&page=%ld", start, end,
                 page);
        json_t *d = fake_tmdb(f, q, NULL, NULL);
        size_t k;
        json_t *it;
        bool hit = false;
        json_array_foreach(json_object_get(d, "results"), k, it) hit =
            hit || json_integer_value(json_object_get(it, "id")) == id;
        bool last = page >= json_integer_value(json_object_get(d, "total_pages"));
        json_decref(d);
        if (hit)
            return true;
        if (last)
            return false;
    }
}

static void day_str(rs_date_t d, char *buf)
{
    rs_date_format(d, buf, 16);
}

/*
 * Up to 80 ids: the first two discover pages of movies released around March 2026 (they
 * change most), then of movies released 1980-2000.
 */
static int pick_movies(const struct fake *f, long ids[80])
{
    int n = 0;
    const char *windows[][2] = {{"2025-03-01", "2026-03-12"}, {"1980-01-01", "2000-01-01"}};
    for (int w = 0; w < 2; w++) {
        for (long p = 1; p <= 2; p++) {
            char q[300];
            snprintf(q, sizeof(q),
                     "/discover/movie?include_adult=true&primary_release_date.gte=%s"
                     "&primary_release_date.lte=%s&page=%ld",
                     windows[w][0], windows[w][1], p);
            json_t *d = fake_tmdb(f, q, NULL, NULL);
            size_t k;
            json_t *it;
            json_array_foreach(json_object_get(d, "results"), k, it) if (n < 80) ids[n++] =
                (long)json_integer_value(json_object_get(it, "id"));
            json_decref(d);
        }
    }
    return n;
}

/*
 * From one day to the next in March 2026, a movie's TMDB data (counters aside) changes iff
 * the feed lists it; its OMDB record also changes on days the feed does not list (the IMDb
 * rating's steps, the award day), as TMDB cannot see OMDB.
 */
static void drift_and_changes_agree(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "6000", "--seed", "5", "--now", NOW, NULL};
    fake_start(&f, args);
    long ids[80];
    int n = pick_movies(&f, ids);
    assert_true(n >= 60);
    assert_true(n <= 80);
    rs_date_t first;
    assert_true(rs_date_parse("2026-03-01", &first));
    int changed = 0, same = 0, omdb_only = 0;
    for (int k = 0; k < n; k++) {
        char prev_day[16];
        day_str(first - 1, prev_day);
        char *prev = stable_state(&f, ids[k], prev_day, false);
        char *prev_all = stable_state(&f, ids[k], prev_day, true);
        for (rs_date_t d = first; d < first + 12; d++) {
            char day[16];
            day_str(d, day);
            char *cur = stable_state(&f, ids[k], day, false);
            char *cur_all = stable_state(&f, ids[k], day, true);
            bool differs = strcmp(prev, cur) != 0;
            assert_int_equal(differs, in_changes(&f, ids[k], day, day));
            changed += differs;
            same += !differs;
            omdb_only += !differs && strcmp(prev_all, cur_all) != 0;
            free(prev);
            free(prev_all);
            prev = cur;
            prev_all = cur_all;
        }
        free(prev);
        free(prev_all);
    }
    assert_true(changed > 10);
    assert_true(same > 10);
    assert_true(omdb_only > 0);
    fake_stop(&f);
}

/* The feed's items: {"id":N,"adult":false|true|null}, null for a few, 100 a page, every page. */
static void changes_items_and_pages(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "20000", "--seed", "5", "--now", NOW, NULL};
    fake_start(&f, args);
    long total = -1, pages = -1, seen = 0, nulls = 0;
    for (long page = 1; pages < 0 || page <= pages; page++) {
        char q[160];
        snprintf(q, sizeof(q), "/movie/changes?start_date=2026-02-01&end_date=2026-02-14&page=%ld",
                 page);
        json_t *d = fake_tmdb(&f, q, NULL, NULL);
        total = (long)json_integer_value(json_object_get(d, "total_results"));
        pages = (long)json_integer_value(json_object_get(d, "total_pages"));
        json_t *results = json_object_get(d, "results");
        assert_true(json_array_size(results) == 100 || page == pages);
        size_t k;
        json_t *it;
        json_array_foreach(results, k, it)
        {
            assert_true(json_is_integer(json_object_get(it, "id")));
            json_t *adult = json_object_get(it, "adult");
            assert_true(json_is_boolean(adult) || json_is_null(adult));
            nulls += json_is_null(adult);
            seen++;
        }
        json_decref(d);
    }
    assert_true(pages > 1);
    assert_int_equal(seen, total);
    assert_true(nulls > 0);
    assert_true(nulls < total / 10);
    fake_stop(&f);
}

/*
 * TMDB's error table for the changes feed and dates: a window over 14 days (or ending before
 * it starts) is code 20 / HTTP 422, a bad date 23 / 400; 14 days are fine. A malformed clock
 * header (ID is a movie of F) is refused, not silently ignored.
 */
static void changes_and_clock_errors(const struct fake *f, long id)
{
    const char *e422 = "{\"success\":false,\"status_code\":20,\"status_message\":\"Invalid date "
                       "range: Should be a range no longer than 14 days.\"}";
    const char *e400 = "{\"success\":false,\"status_code\":23,\"status_message\":\"Invalid date: "
                       "Format needs to be YYYY-MM-DD.\"}";
    char url[256];
    snprintf(url, sizeof(url),
             "%s/movie/changes?api_key=test&start_date=2026-01-01&end_date=2026-01-16",
             f->tmdb_url);
    assert_http_body(url, NULL, 422, e422);
    snprintf(url, sizeof(url),
             "%s/movie/changes?api_key=test&start_date=2026-01-10&end_date=2026-01-09",
             f->tmdb_url);
    assert_http_body(url, NULL, 422, e422);
    snprintf(url, sizeof(url),
             "%s/movie/changes?api_key=test&start_date=2026-01-01&end_date=2026-01-15",
             f->tmdb_url);
    json_t *ok = http_get_json(url, NULL, NULL);
    assert_true(json_is_array(json_object_get(ok, "results")));
    json_decref(ok);
    snprintf(url, sizeof(url), "%s/movie/changes?api_key=test&start_date=01/01/2026", f->tmdb_url);
    assert_http_body(url, NULL, 400, e400);
    snprintf(url, sizeof(url), "%s/discover/movie?api_key=test&primary_release_date.gte=2026-13-01",
             f->tmdb_url);
    assert_http_body(url, NULL, 400, e400);
    snprintf(url, sizeof(url), "%s/movie/%ld?api_key=test", f->tmdb_url, id);
    struct http_reply r;
    http_fetch("GET", url, "X-Fake-Now: next tuesday", &r);
    assert_int_equal(r.status, 400);
    http_reply_free(&r);
}

/*
 * The most voted movie before 2015: its vote count grows from January to June 2026, yet over
 * 10 windows of 14 days its stable data changes iff the feed lists it, and mostly it does not.
 */
static void counters_drift_old_movies_freeze(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "2000", "--seed", "5", "--now", NOW, NULL};
    fake_start(&f, args);
    json_t *d =
        fake_tmdb(&f, "/discover/movie?primary_release_date.lte=2015-01-01&sort_by=vote_count.desc",
                  NULL, NULL);
    json_t *top = json_array_get(json_object_get(d, "results"), 0);
    long id = (long)json_integer_value(json_object_get(top, "id"));
    char q[64];
    snprintf(q, sizeof(q), "/movie/%ld", id);
    json_t *a = fake_tmdb(&f, q, "2026-01-01", NULL), *b = fake_tmdb(&f, q, "2026-06-01", NULL);
    assert_true(json_integer_value(json_object_get(b, "vote_count")) >
                json_integer_value(json_object_get(a, "vote_count")));
    json_decref(a);
    json_decref(b);
    /* Over 10 windows of 14 days the stable data of an old movie changes iff the feed says so. */
    int unchanged_windows = 0;
    rs_date_t s;
    assert_true(rs_date_parse("2026-01-01", &s));
    for (int w = 0; w < 10; w++, s += 15) {
        char d0[16], d1[16], dprev[16];
        day_str(s, d0);
        day_str(s + 14, d1);
        day_str(s - 1, dprev);
        char *x = stable_state(&f, id, dprev, false), *y = stable_state(&f, id, d1, false);
        bool listed = in_changes(&f, id, d0, d1);
        if (!listed)
            assert_string_equal(x, y);
        unchanged_windows += !listed;
        free(x);
        free(y);
    }
    assert_true(unchanged_windows >= 5);
    changes_and_clock_errors(&f, id);
    json_decref(d);
    fake_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(drift_and_changes_agree, fake_stop_all),
        cmocka_unit_test_teardown(counters_drift_old_movies_freeze, fake_stop_all),
        cmocka_unit_test_teardown(changes_items_and_pages, fake_stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
