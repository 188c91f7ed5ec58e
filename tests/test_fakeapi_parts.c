/*
 * reelsync-fakeapi's append_to_response on /3/movie/{id} (fake/parts.c, fake/README.md): the
 * parts TMDB appends (credits, keywords, release_dates, external_ids) in TMDB's shapes, an
 * unknown part ignored, more than 20 parts refused with TMDB's code 27, cast and keywords
 * fixed while release dates appear on their own days (each a day the change feed lists),
 * and people that agree with the OMDB record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "test.h"

#define NOW "2026-11-25"
#define ALL "credits,keywords,release_dates,external_ids"

static json_t *movie(const struct fake *f, long id, const char *append, const char *day)
{
    char q[256];
    long status = 0;
    snprintf(q, sizeof(q), "/movie/%ld%s%s", id, append ? "?append_to_response=" : "",
             append ? append : "");
    json_t *m = fake_tmdb(f, q, day, &status);
    assert_int_equal(status, 200);
    assert_non_null(m);
    return m;
}

/* The keys of OBJ in order, "a,b,c". */
static void keys(const json_t *obj, char *out, size_t len)
{
    out[0] = '\0';
    void *it = json_object_iter((json_t *)obj);
    for (; it; it = json_object_iter_next((json_t *)obj, it))
        snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? "," : "",
                 json_object_iter_key(it));
}

static void assert_keys(const json_t *obj, const char *want)
{
    char got[512];
    assert_non_null(obj);
    keys(obj, got, sizeof(got));
    assert_string_equal(got, want);
}

/* Movies with a revenue released in March 2026 (their parts change most). */
static int released_in_march(const struct fake *f, long *ids, int max)
{
    json_t *d = fake_tmdb(f,
                          "/discover/movie?primary_release_date.gte=2026-03-01"
                          "&primary_release_date.lte=2026-03-31&page=1",
                          NULL, NULL);
    size_t k;
    json_t *it;
    int n = 0;
    json_array_foreach(json_object_get(d, "results"), k, it)
    {
        long id = (long)json_integer_value(json_object_get(it, "id"));
        json_t *m = movie(f, id, NULL, NOW);
        if (n < max && json_integer_value(json_object_get(m, "revenue")) > 0)
            ids[n++] = id;
        json_decref(m);
    }
    json_decref(d);
    return n;
}

/* TMDB's shapes, key for key (tests/fixtures/tmdb/movie_27205.json has the same). */
static void shapes(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "3000", "--now", NOW, NULL};
    fake_start(&f, args);
    long ids[20];
    assert_true(released_in_march(&f, ids, 20) > 0);
    json_t *m = movie(&f, ids[0], ALL, NOW);
    json_t *credits = json_object_get(m, "credits");
    assert_keys(credits, "cast,crew");
    assert_keys(json_array_get(json_object_get(credits, "cast"), 0),
                "adult,gender,id,known_for_department,name,original_name,popularity,"
                "profile_path,cast_id,character,credit_id,order");
    assert_keys(json_array_get(json_object_get(credits, "crew"), 0),
                "adult,gender,id,known_for_department,name,original_name,popularity,"
                "profile_path,credit_id,department,job");
    assert_keys(json_object_get(m, "keywords"), "keywords");
    json_t *results = json_object_get(json_object_get(m, "release_dates"), "results");
    assert_keys(json_array_get(results, 0), "iso_3166_1,release_dates");
    assert_keys(json_array_get(json_object_get(json_array_get(results, 0), "release_dates"), 0),
                "certification,descriptors,iso_639_1,note,release_date,type");
    assert_keys(json_object_get(m, "external_ids"),
                "imdb_id,wikidata_id,facebook_id,instagram_id,twitter_id,id");
    /* the fixture's parts, key for key */
    json_t *fx = fixture_json("tmdb/movie_27205.json");
    json_t *fc = json_object_get(fx, "credits");
    char a[512], b[512];
    keys(json_array_get(json_object_get(fc, "cast"), 0), a, sizeof(a));
    keys(json_array_get(json_object_get(credits, "cast"), 0), b, sizeof(b));
    assert_string_equal(a, b);
    keys(json_array_get(json_object_get(fc, "crew"), 0), a, sizeof(a));
    keys(json_array_get(json_object_get(credits, "crew"), 0), b, sizeof(b));
    assert_string_equal(a, b);
    keys(json_object_get(fx, "external_ids"), a, sizeof(a));
    keys(json_object_get(m, "external_ids"), b, sizeof(b));
    assert_string_equal(a, b);
    json_decref(fx);
    /* cast by order from 0 */
    size_t k;
    json_t *e;
    json_array_foreach(json_object_get(credits, "cast"), k, e)
        assert_int_equal(json_integer_value(json_object_get(e, "order")), (json_int_t)k);
    json_decref(m);
    fake_stop(&f);
}

/*
 * Only the parts asked for are appended; an unknown one is ignored; 20 names are served, 21
 * get TMDB's 400 with status_code 27 (unknown names count too).
 */
static void unknown_parts_and_the_limit(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "500", "--now", NOW, NULL};
    fake_start(&f, args);
    long ids[20];
    assert_true(released_in_march(&f, ids, 20) > 0);
    json_t *plain = movie(&f, ids[0], NULL, NOW);
    json_t *some = movie(&f, ids[0], "videos,keywords,nonsense", NOW);
    assert_null(json_object_get(plain, "keywords"));
    assert_null(json_object_get(plain, "credits"));
    assert_non_null(json_object_get(some, "keywords"));
    assert_null(json_object_get(some, "videos"));
    assert_null(json_object_get(some, "nonsense"));
    assert_null(json_object_get(some, "credits"));
    assert_int_equal(json_object_size(some), json_object_size(plain) + 1);
    json_decref(plain);
    json_decref(some);

    char list[512] = ALL;
    for (int k = 4; k < 20; k++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), ",x%d", k);
    json_t *twenty = movie(&f, ids[0], list, NOW);
    assert_non_null(json_object_get(twenty, "external_ids"));
    json_decref(twenty);
    char url[768];
    snprintf(url, sizeof(url), "%s/movie/%ld?api_key=test&append_to_response=%s,x20", f.tmdb_url,
             ids[0], list);
    assert_http_body(url, NULL, 400,
                     "{\"success\":false,\"status_code\":27,\"status_message\":\"Too many append "
                     "to response objects: The maximum number of remote calls is 20.\"}");
    fake_stop(&f);
}

/* The release dates of M as "CC/type/YYYY-MM-DD" lines, sorted as served. */
static void release_list(const json_t *m, char *out, size_t len)
{
    size_t i, k;
    json_t *c, *e;
    out[0] = '\0';
    json_array_foreach(json_object_get(json_object_get(m, "release_dates"), "results"), i, c)
        json_array_foreach(json_object_get(c, "release_dates"), k, e)
            snprintf(out + strlen(out), len - strlen(out), "%s/%lld/%.10s\n",
                     json_string_value(json_object_get(c, "iso_3166_1")),
                     (long long)json_integer_value(json_object_get(e, "type")),
                     json_string_value(json_object_get(e, "release_date")));
}

/*
 * Cast, crew and keywords stay the same from before the release to years after; release
 * dates appear on their own day and stay, each on R-90, R or a weekly step R+7k (days the
 * change feed lists for a movie with a revenue).
 */
static void release_dates_come_with_their_days(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "3000", "--now", NOW, NULL};
    fake_start(&f, args);
    long ids[8];
    int n = released_in_march(&f, ids, 8);
    assert_true(n >= 3);
    int grew = 0;
    for (int j = 0; j < n; j++) {
        json_t *late = movie(&f, ids[j], ALL, "2028-01-01");
        json_t *early = movie(&f, ids[j], ALL, "2025-06-01");
        assert_true(
            json_equal(json_object_get(late, "credits"), json_object_get(early, "credits")));
        assert_true(
            json_equal(json_object_get(late, "keywords"), json_object_get(early, "keywords")));
        rs_date_t R;
        assert_true(rs_date_parse(json_string_value(json_object_get(late, "release_date")), &R));
        char final[1024], prev[1024] = "";
        release_list(late, final, sizeof(final));
        assert_true(strlen(final) > 0);
        for (rs_date_t d = R - 91; d <= R + 7 * 16; d++) {
            char day[16], now[1024];
            rs_date_format(d, day, sizeof(day));
            json_t *m = movie(&f, ids[j], "release_dates", day);
            release_list(m, now, sizeof(now));
            json_decref(m);
            /* every line of today's list is a line of the final one dated today or before */
            for (char *line = now; *line; line = strchr(line, '\n') + 1) {
                char one[64];
                snprintf(one, sizeof(one), "%.*s", (int)(strchr(line, '\n') - line + 1), line);
                assert_non_null(strstr(final, one));
                rs_date_t when;
                char ymd[11];
                snprintf(ymd, sizeof(ymd), "%.10s", strchr(strchr(one, '/') + 1, '/') + 1);
                assert_true(rs_date_parse(ymd, &when));
                assert_true(when <= d);
            }
            if (strcmp(now, prev) != 0) {
                int64_t a = (int64_t)d - R;
                assert_true(a == -90 || a == 0 || (a > 0 && a % 7 == 0));
                grew += a > 0;
            }
            snprintf(prev, sizeof(prev), "%s", now);
        }
        assert_string_equal(prev, final);
        json_decref(late);
        json_decref(early);
    }
    assert_true(grew > 0);
    fake_stop(&f);
}

/* TMDB's director, writers and top three cast are OMDB's Director, Writer and Actors. */
static void people_agree_with_omdb(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "3000", "--now", NOW, NULL};
    fake_start(&f, args);
    long ids[20];
    int n = released_in_march(&f, ids, 20), checked = 0;
    for (int j = 0; j < n; j++) {
        json_t *m = movie(&f, ids[j], ALL, NOW);
        json_t *imdb = json_object_get(json_object_get(m, "external_ids"), "imdb_id");
        assert_true(json_equal(imdb, json_object_get(m, "imdb_id")));
        long status = 0;
        json_t *o = json_is_string(imdb) && json_string_length(imdb)
                        ? fake_omdb(&f, json_string_value(imdb), NOW, &status)
                        : NULL;
        const char *dir = o ? json_string_value(json_object_get(o, "Director")) : NULL;
        if (dir) {
            json_t *crew = json_object_get(json_object_get(m, "credits"), "crew");
            json_t *first = json_array_get(crew, 0);
            assert_string_equal(json_string_value(json_object_get(first, "job")), "Director");
            assert_string_equal(json_string_value(json_object_get(first, "name")), dir);
            const char *actors = json_string_value(json_object_get(o, "Actors"));
            json_t *cast = json_object_get(json_object_get(m, "credits"), "cast");
            if (strcmp(actors, "N/A") != 0)
                assert_non_null(strstr(
                    actors, json_string_value(json_object_get(json_array_get(cast, 2), "name"))));
            checked++;
        }
        json_decref(o);
        json_decref(m);
    }
    assert_true(checked > 0);
    fake_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(shapes, fake_stop_all),
        cmocka_unit_test_teardown(unknown_parts_and_the_limit, fake_stop_all),
        cmocka_unit_test_teardown(release_dates_come_with_their_days, fake_stop_all),
        cmocka_unit_test_teardown(people_agree_with_omdb, fake_stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
