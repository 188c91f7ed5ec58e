/*
 * reelsync-fakeapi's synthetic catalog through real HTTP (fake/README.md, "Endpoints" and
 * "The synthetic catalog"): the details and OMDB shapes against the fixtures and every error
 * body, pagination and the page cap, discover filters and orders against a brute force over
 * the details of a small catalog, the mix of the catalog, year windows of a million movies,
 * and determinism across processes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "test.h"

#define NOW "2026-11-25"

/* Same keys in the same order. */
static void assert_same_keys(json_t *want, json_t *got)
{
    assert_int_equal(json_object_size(want), json_object_size(got));
    void *a = json_object_iter(want), *b = json_object_iter(got);
    for (; a && b; a = json_object_iter_next(want, a), b = json_object_iter_next(got, b))
        assert_string_equal(json_object_iter_key(a), json_object_iter_key(b));
}

/* ---- a small catalog, fully fetched ---- */

struct movie {
    long id;
    char date[16];
    long votes;
    double pop;
    bool adult, video;
};

static int by_id(const void *a, const void *b)
{
    const struct movie *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Every movie of the catalog: ids from discover (all pages), facts from the details. */
static size_t load_all(const struct fake *f, struct movie **out)
{
    size_t n = 0, cap = 0;
    struct movie *m = NULL;
    for (long page = 1;; page++) {
        char q[256];
        snprintf(q, sizeof(q), "/discover/movie?include_adult=true&include_video=true&page=%ld",
                 page);
        json_t *d = fake_tmdb(f, q, NULL, NULL);
        json_t *res = json_object_get(d, "results");
        size_t k;
        json_t *it;
        json_array_foreach(res, k, it)
        {
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                m = realloc(m, cap * sizeof(*m));
            }
            m[n++].id = (long)json_integer_value(json_object_get(it, "id"));
        }
        bool last = page >= json_integer_value(json_object_get(d, "total_pages"));
        json_decref(d);
        if (last)
            break;
    }
    for (size_t k = 0; k < n; k++) {
        char q[64];
        snprintf(q, sizeof(q), "/movie/%ld", m[k].id);
        json_t *d = fake_tmdb(f, q, NULL, NULL);
        assert_non_null(d);
        snprintf(m[k].date, sizeof(m[k].date), "%s",
                 json_string_value(json_object_get(d, "release_date")));
        m[k].votes = (long)json_integer_value(json_object_get(d, "vote_count"));
        m[k].pop = json_number_value(json_object_get(d, "popularity"));
        m[k].adult = json_is_true(json_object_get(d, "adult"));
        m[k].video = json_is_true(json_object_get(d, "video"));
        json_decref(d);
    }
    qsort(m, n, sizeof(*m), by_id);
    *out = m;
    return n;
}

static const char *g_sort;
static int expected_order(const void *pa, const void *pb)
{
    const struct movie *a = pa, *b = pb;
    int c = 0;
    if (strcmp(g_sort, "popularity.desc") == 0)
        c = (a->pop < b->pop) - (a->pop > b->pop);
    else if (strcmp(g_sort, "vote_count.desc") == 0)
        c = (a->votes < b->votes) - (a->votes > b->votes);
    else if (strcmp(g_sort, "primary_release_date.asc") == 0)
        c = strcmp(a->date, b->date);
    else
        c = -strcmp(a->date, b->date);
    if (c)
        return c;
    if (strcmp(g_sort, "primary_release_date.desc") == 0)
        return (a->id < b->id) - (a->id > b->id);
    return (a->id > b->id) - (a->id < b->id);
}

static void check_discover(const struct fake *f, const struct movie *all, size_t n, const char *gte,
                           const char *lte, long min_votes, const char *sort)
{
    struct movie *want = malloc((n + 1) * sizeof(*want));
    size_t w = 0;
    for (size_t k = 0; k < n; k++) {
        const struct movie *m = &all[k];
        if (m->adult || m->video || m->votes < min_votes)
            continue;
        if ((gte || lte) && !m->date[0])
            continue;
        if ((gte && strcmp(m->date, gte) < 0) || (lte && strcmp(m->date, lte) > 0))
            continue;
        want[w++] = *m;
    }
    g_sort = sort;
    qsort(want, w, sizeof(*want), expected_order);
    size_t got = 0;
    for (long page = 1;; page++) {
        char q[512];
        snprintf(q, sizeof(q), "/discover/movie?sort_by=%s&vote_count.gte=%ld&page=%ld%s%s%s%s",
                 sort, min_votes, page, gte ? "&primary_release_date.gte=" : "", gte ? gte : "",
                 lte ? "&primary_release_date.lte=" : "", lte ? lte : "");
        json_t *d = fake_tmdb(f, q, NULL, NULL);
        assert_int_equal(json_integer_value(json_object_get(d, "total_results")), w);
        assert_int_equal(json_integer_value(json_object_get(d, "total_pages")), (w + 19) / 20);
        assert_int_equal(json_integer_value(json_object_get(d, "page")), page);
        json_t *res = json_object_get(d, "results");
        size_t k;
        json_t *it;
        json_array_foreach(res, k, it)
        {
            assert_true(got < w);
            assert_int_equal(json_integer_value(json_object_get(it, "id")), want[got].id);
            got++;
        }
        assert_true(json_array_size(res) == 20 || got == w);
        json_decref(d);
        if (got >= w)
            break;
    }
    assert_int_equal(got, w);
    free(want);
}

static void discover_matches_brute_force(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "400", "--seed", "11", "--now", NOW, NULL};
    fake_start(&f, args);
    struct movie *all;
    size_t n = load_all(&f, &all);
    assert_int_equal(n, 400);
    static const char *const sorts[] = {"popularity.desc", "vote_count.desc",
                                        "primary_release_date.desc", "primary_release_date.asc"};
    for (int s = 0; s < 4; s++) {
        check_discover(&f, all, n, NULL, NULL, 0, sorts[s]);
        check_discover(&f, all, n, "1990-01-01", "2015-12-31", 0, sorts[s]);
        check_discover(&f, all, n, "2010-01-01", "2026-12-31", 50, sorts[s]);
    }
    int dateless = 0, adult = 0;
    for (size_t k = 0; k < n; k++) {
        dateless += !all[k].date[0];
        adult += all[k].adult || all[k].video;
    }
    assert_true(dateless > 0); /* the mix carries movies without a date... */
    assert_true(adult > 0);    /* ...and adult or video entries discover leaves out */
    free(all);
    fake_stop(&f);
}

static bool non_ascii(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* The mix of fake/README.md ("The synthetic catalog") over a whole small catalog, TMDB details
 * and OMDB answers. */
static void catalog_mix(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "1500", "--now", NOW, NULL};
    fake_start(&f, args);
    struct movie *all;
    size_t n = load_all(&f, &all);
    int null_imdb = 0, empty_imdb = 0, zero_budget = 0, zero_revenue = 0, foreign = 0;
    int undated = 0, y1950s = 0, y2010s = 0, omdb_unknown = 0, omdb_na = 0, few_ratings = 0;
    for (size_t k = 0; k < n; k++) {
        char q[64];
        snprintf(q, sizeof(q), "/movie/%ld", all[k].id);
        json_t *m = fake_tmdb(&f, q, NULL, NULL);
        json_t *imdb = json_object_get(m, "imdb_id");
        const char *date = json_string_value(json_object_get(m, "release_date"));
        null_imdb += json_is_null(imdb);
        empty_imdb += json_is_string(imdb) && !*json_string_value(imdb);
        zero_budget += json_integer_value(json_object_get(m, "budget")) == 0;
        zero_revenue += json_integer_value(json_object_get(m, "revenue")) == 0;
        foreign += non_ascii(json_string_value(json_object_get(m, "title"))) ||
                   non_ascii(json_string_value(json_object_get(m, "original_title")));
        undated += !date || !*date;
        y1950s += date && strncmp(date, "195", 3) == 0;
        y2010s += date && strncmp(date, "201", 3) == 0;
        if (json_is_string(imdb) && *json_string_value(imdb)) {
            json_t *o = fake_omdb(&f, json_string_value(imdb), NULL, NULL);
            json_t *err = json_object_get(o, "Error");
            omdb_unknown += err && strcmp(json_string_value(err), "Error getting data.") == 0;
            omdb_na +=
                o && !err && strcmp(json_string_value(json_object_get(o, "Metascore")), "N/A") == 0;
            few_ratings += o && !err && json_array_size(json_object_get(o, "Ratings")) < 3;
            json_decref(o);
        }
        json_decref(m);
    }
    assert_int_equal(n, 1500);
    assert_true(null_imdb > 0 && empty_imdb > 0);
    assert_true(zero_budget > 0 && zero_revenue > 0 && foreign > 0 && undated > 0);
    assert_true(2 * y2010s > 3 * y1950s && y1950s > 0); /* decades, denser in recent years */
    assert_true(omdb_unknown > 0 && omdb_na > 0 && few_ratings > 0);
    free(all);
    fake_stop(&f);
}

/* Bearer works like api_key and the content type is TMDB's; TMDB's 401 and 404 bodies. */
static void tmdb_auth_and_errors(const struct fake *f, long id)
{
    char url[256];
    snprintf(url, sizeof(url), "%s/movie/%ld", f->tmdb_url, id);
    struct http_reply r;
    http_fetch("GET", url, "Authorization: Bearer test", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "Content-Type: application/json;charset=utf-8"));
    http_reply_free(&r);
    const char *e401 = "{\"success\":false,\"status_code\":7,\"status_message\":\"Invalid API key: "
                       "You must be granted a valid key.\"}";
    const char *e404 = "{\"success\":false,\"status_code\":34,\"status_message\":\"The resource "
                       "you requested could not be found.\"}";
    assert_http_body(url, NULL, 401, e401);
    assert_http_body(url, "Authorization: Bearer wrong", 401, e401);
    snprintf(url, sizeof(url), "%s/movie/%ld?api_key=nope", f->tmdb_url, id);
    assert_http_body(url, NULL, 401, e401);
    snprintf(url, sizeof(url), "%s/movie/1?api_key=test", f->tmdb_url);
    assert_http_body(url, NULL, 404, e404);
    snprintf(url, sizeof(url), "%s/movie/99999999?api_key=test", f->tmdb_url);
    assert_http_body(url, NULL, 404, e404);
    snprintf(url, sizeof(url), "%s/tv/1?api_key=test", f->tmdb_url);
    assert_http_body(url, NULL, 404, e404);
}

static void details_shape_and_errors(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "3000", "--now", NOW, NULL};
    fake_start(&f, args);
    json_t *want = fixture_json("tmdb/movie_27205.json");
    json_t *page = fake_tmdb(&f, "/discover/movie?vote_count.gte=10", NULL, NULL);
    long id = (long)json_integer_value(
        json_object_get(json_array_get(json_object_get(page, "results"), 0), "id"));
    char q[128];
    /* the fixture is the answer to the collector's request, parts appended */
    snprintf(q, sizeof(q),
             "/movie/%ld?append_to_response=credits,keywords,release_dates,"
             "external_ids",
             id);
    long status;
    json_t *got = fake_tmdb(&f, q, NULL, &status);
    assert_int_equal(status, 200);
    assert_same_keys(want, got);
    assert_true(json_is_array(json_object_get(got, "genres")));
    /* append_to_response is accepted; external_ids is appended and agrees with imdb_id. */
    snprintf(q, sizeof(q), "/movie/%ld?append_to_response=external_ids,release_dates", id);
    json_t *ext = fake_tmdb(&f, q, NULL, &status);
    assert_int_equal(status, 200);
    assert_true(json_equal(json_object_get(json_object_get(ext, "external_ids"), "imdb_id"),
                           json_object_get(got, "imdb_id")));
    json_decref(ext);
    json_decref(got);
    tmdb_auth_and_errors(&f, id);
    json_decref(page);
    json_decref(want);
    fake_stop(&f);
}

static void page_cap(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "20000", "--now", NOW, NULL};
    fake_start(&f, args);
    long status;
    json_t *d = fake_tmdb(&f, "/discover/movie?page=500&include_adult=true&include_video=true",
                          NULL, &status);
    assert_int_equal(status, 200);
    assert_int_equal(json_integer_value(json_object_get(d, "total_results")), 20000);
    assert_int_equal(json_integer_value(json_object_get(d, "total_pages")), 1000);
    assert_int_equal(json_array_size(json_object_get(d, "results")), 20);
    json_decref(d);
    const char *e400 = "{\"success\":false,\"status_code\":22,\"status_message\":\"Invalid page: "
                       "Pages start at 1 and max at 500. They are expected to be an integer.\"}";
    static const char *const bad[] = {"501", "0", "-1", "abc", "1.5"};
    char url[256];
    for (int k = 0; k < 5; k++) {
        snprintf(url, sizeof(url), "%s/discover/movie?api_key=test&page=%s", f.tmdb_url, bad[k]);
        assert_http_body(url, NULL, 400, e400);
    }
    fake_stop(&f);
    const char *args422[] = {"--movies", "100", "--page-error-422", NULL};
    fake_start(&f, args422);
    snprintf(url, sizeof(url), "%s/discover/movie?api_key=test&page=501", f.tmdb_url);
    assert_http_body(url, NULL, 422, "{\"errors\":[\"page must be less than or equal to 500\"]}");
    fake_stop(&f);
}

/* A million-movie catalog: the year windows of discover partition the catalog exactly. */
static void large_catalog_year_windows(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "1000000", "--now", NOW, NULL};
    fake_start(&f, args);
    long total = 0;
    json_t *all = fake_tmdb(
        &f,
        "/discover/movie?primary_release_date.gte=1900-01-01&primary_release_date.lte=2099-12-31",
        NULL, NULL);
    for (int y = 1920; y <= 2027; y += 9) {
        char q[256];
        snprintf(q, sizeof(q),
                 "/discover/"
                 "movie?sort_by=primary_release_date.desc&primary_release_date.gte=%d-01-01&"
                 "primary_release_date.lte=%d-12-31&page=2",
                 y, y + 8);
        json_t *d = fake_tmdb(&f, q, NULL, NULL);
        total += (long)json_integer_value(json_object_get(d, "total_results"));
        json_decref(d);
    }
    assert_int_equal(total, json_integer_value(json_object_get(all, "total_results")));
    assert_true(total > 950000 && total < 1000000);
    json_decref(all);
    fake_stop(&f);
}

/* How the OMDB answers for the IMDb ids of TMDB movies came out. */
struct omdb_tally {
    int found, unknown, null_id, empty_id;
};

/* TMDB movie ID's OMDB answer: WANT's keys when found, else "Error getting data.". */
static void tally_omdb(const struct fake *f, long id, json_t *want, struct omdb_tally *t)
{
    char q[64];
    snprintf(q, sizeof(q), "/movie/%ld", id);
    json_t *m = fake_tmdb(f, q, NULL, NULL);
    json_t *imdb = json_object_get(m, "imdb_id");
    if (json_is_null(imdb) || !*json_string_value(imdb)) {
        t->null_id += json_is_null(imdb);
        t->empty_id += !json_is_null(imdb);
        json_decref(m);
        return;
    }
    long st;
    json_t *o = fake_omdb(f, json_string_value(imdb), NULL, &st);
    assert_int_equal(st, 200);
    if (strcmp(json_string_value(json_object_get(o, "Response")), "True") == 0) {
        assert_same_keys(want, o);
        assert_string_equal(json_string_value(json_object_get(o, "imdbID")),
                            json_string_value(imdb));
        t->found++;
    } else {
        assert_string_equal(json_string_value(json_object_get(o, "Error")), "Error getting data.");
        t->unknown++;
    }
    json_decref(o);
    json_decref(m);
}

/* OMDB's error bodies, each with the status OMDB sends it with. */
static void omdb_errors(const struct fake *f)
{
    static const struct {
        const char *query;
        long status;
        const char *error;
    } cases[] = {
        {"i=tt12&apikey=test", 200, "Incorrect IMDb ID."},
        {"i=tt9999999&apikey=test", 200, "Error getting data."},
        {"i=tt0010002&apikey=bad", 401, "Invalid API key!"},
        {"i=tt0010002", 401, "No API key provided."},
        {"t=Inception&apikey=test", 200, "Movie not found!"},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        char url[256], body[128];
        snprintf(url, sizeof(url), "%s?%s", f->omdb_url, cases[k].query);
        snprintf(body, sizeof(body), "{\"Response\":\"False\",\"Error\":\"%s\"}", cases[k].error);
        assert_http_body(url, NULL, cases[k].status, body);
    }
}

/* The OMDB answers for the movies of five discover pages, then OMDB's errors. */
static void omdb_shape_and_errors(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "2000", "--now", NOW, NULL};
    fake_start(&f, args);
    json_t *want = fixture_json("omdb/tt1375666.json");
    struct omdb_tally t = {0};
    for (long p = 1; p <= 5; p++) {
        char q[128];
        snprintf(q, sizeof(q), "/discover/movie?primary_release_date.lte=2024-01-01&page=%ld", p);
        json_t *d = fake_tmdb(&f, q, NULL, NULL);
        size_t k;
        json_t *it;
        json_array_foreach(json_object_get(d, "results"), k, it)
            tally_omdb(&f, (long)json_integer_value(json_object_get(it, "id")), want, &t);
        json_decref(d);
    }
    assert_true(t.found > 50);
    assert_true(t.unknown + t.null_id + t.empty_id > 0);
    omdb_errors(&f);
    json_decref(want);
    fake_stop(&f);
}

static char *body_of(const char *url, const char *header)
{
    struct http_reply r;
    http_fetch("GET", url, header, &r);
    free(r.headers);
    return r.body;
}

static void deterministic_across_processes(void **state)
{
    (void)state;
    struct fake a, b, c;
    const char *args[] = {"--movies", "5000", "--seed", "99", "--now", NOW, NULL};
    const char *other[] = {"--movies", "5000", "--seed", "100", "--now", NOW, NULL};
    fake_start(&a, args);
    fake_start(&b, args);
    fake_start(&c, other);
    static const char *const paths[] = {
        "/3/discover/movie?api_key=test&page=3",
        "/3/discover/"
        "movie?api_key=test&sort_by=primary_release_date.desc&primary_release_date.gte=2020-01-01",
        "/3/movie/ID1?api_key=test",
        "/3/movie/ID2?api_key=test",
        "/3/movie/changes?api_key=test&start_date=2026-11-01&end_date=2026-11-14",
        "/omdb/?i=tt0010002&apikey=test"};
    int differs = 0;
    json_t *d = fake_tmdb(&a, "/discover/movie", NULL, NULL);
    long id1 = (long)json_integer_value(
        json_object_get(json_array_get(json_object_get(d, "results"), 0), "id"));
    long id2 = (long)json_integer_value(
        json_object_get(json_array_get(json_object_get(d, "results"), 1), "id"));
    json_decref(d);
    for (int k = 0; k < 6; k++) {
        char u1[512], u2[512], u3[512], path[256];
        if (strstr(paths[k], "ID"))
            snprintf(path, sizeof(path), "/3/movie/%ld?api_key=test", k == 2 ? id1 : id2);
        else
            snprintf(path, sizeof(path), "%s", paths[k]);
        snprintf(u1, sizeof(u1), "%s%s", a.base, path);
        snprintf(u2, sizeof(u2), "%s%s", b.base, path);
        snprintf(u3, sizeof(u3), "%s%s", c.base, path);
        char *x = body_of(u1, NULL), *y = body_of(u2, NULL), *z = body_of(u3, NULL);
        assert_true(strlen(x) > 40);
        assert_string_equal(x, y);
        differs += strcmp(x, z) != 0;
        free(x);
        free(y);
        free(z);
    }
    assert_true(differs >= 5);
    fake_stop(&a);
    fake_stop(&b);
    fake_stop(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(details_shape_and_errors, fake_stop_all),
        cmocka_unit_test_teardown(page_cap, fake_stop_all),
        cmocka_unit_test_teardown(discover_matches_brute_force, fake_stop_all),
        cmocka_unit_test_teardown(catalog_mix, fake_stop_all),
        cmocka_unit_test_teardown(large_catalog_year_windows, fake_stop_all),
        cmocka_unit_test_teardown(omdb_shape_and_errors, fake_stop_all),
        cmocka_unit_test_teardown(deterministic_across_processes, fake_stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
