/*
 * reelsync-fakeapi through real HTTP: every endpoint and error body, pagination and the page
 * cap, discover filters and orders against a brute force over the details of a small catalog,
 * determinism across processes, drift and the changes feed, limits, faults, fixtures mode.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "test.h"

#define NOW "2026-11-25"

/* Servers still running: a failed assertion leaves the test early, the teardown stops them. */
static struct fake live[8];

static void start(struct fake *f, const char *const *args)
{
    fake_start(f, args);
    for (int k = 0; k < 8; k++) {
        if (live[k].pid == 0) {
            live[k] = *f;
            break;
        }
    }
}

static void stop(struct fake *f)
{
    for (int k = 0; k < 8; k++)
        if (live[k].pid == f->pid)
            live[k].pid = 0;
    fake_stop(f);
}

static int stop_all(void **state)
{
    (void)state;
    for (int k = 0; k < 8; k++)
        fake_stop(&live[k]);
    return 0;
}

static json_t *get_json(const char *url, const char *header, long *status)
{
    struct http_reply r;
    http_fetch("GET", url, header, &r);
    json_error_t jerr;
    json_t *doc = json_loadb(r.body, r.len, 0, &jerr);
    if (status)
        *status = r.status;
    http_reply_free(&r);
    return doc;
}

static json_t *tmdb(const struct fake *f, const char *path_query, const char *now, long *status)
{
    char url[1024], hdr[64];
    snprintf(url, sizeof(url), "%s%s%sapi_key=test", f->tmdb_url, path_query,
             strchr(path_query, '?') ? "&" : "?");
    if (now)
        snprintf(hdr, sizeof(hdr), "X-Fake-Now: %s", now);
    return get_json(url, now ? hdr : NULL, status);
}

static json_t *omdb(const struct fake *f, const char *imdb, const char *now, long *status)
{
    char url[512], hdr[64];
    snprintf(url, sizeof(url), "%s?i=%s&apikey=test", f->omdb_url, imdb);
    if (now)
        snprintf(hdr, sizeof(hdr), "X-Fake-Now: %s", now);
    return get_json(url, now ? hdr : NULL, status);
}

/* The body of URL must be exactly BODY with status STATUS. */
static void expect_body(const char *url, const char *header, long status, const char *body)
{
    struct http_reply r;
    http_fetch("GET", url, header, &r);
    assert_int_equal(r.status, status);
    assert_string_equal(r.body, body);
    http_reply_free(&r);
}

static json_t *fixture(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", RS_FIXTURES_DIR, rel);
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc)
        fail_msg("cannot load fixture %s", rel);
    return doc;
}

/* Same keys in the same order. */
static void assert_same_keys(json_t *want, json_t *got)
{
    assert_int_equal(json_object_size(want), json_object_size(got));
    void *a = json_object_iter(want), *b = json_object_iter(got);
    for (; a && b; a = json_object_iter_next(want, a), b = json_object_iter_next(got, b))
        assert_string_equal(json_object_iter_key(a), json_object_iter_key(b));
}

static long stat_of(const struct fake *f, const char *group, const char *key)
{
    char url[128];
    snprintf(url, sizeof(url), "%s/__stats", f->base);
    json_t *st = get_json(url, NULL, NULL);
    assert_non_null(st);
    long v = (long)json_integer_value(json_object_get(json_object_get(st, group), key));
    json_decref(st);
    return v;
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
        json_t *d = tmdb(f, q, NULL, NULL);
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
        json_t *d = tmdb(f, q, NULL, NULL);
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
        json_t *d = tmdb(f, q, NULL, NULL);
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
    start(&f, args);
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
    stop(&f);
}

static bool non_ascii(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* The realistic mix of issue 3 over a whole small catalog, TMDB details and OMDB answers. */
static void catalog_mix(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "1500", "--now", NOW, NULL};
    start(&f, args);
    struct movie *all;
    size_t n = load_all(&f, &all);
    int null_imdb = 0, empty_imdb = 0, zero_budget = 0, zero_revenue = 0, foreign = 0;
    int undated = 0, y1950s = 0, y2010s = 0, omdb_unknown = 0, omdb_na = 0, few_ratings = 0;
    for (size_t k = 0; k < n; k++) {
        char q[64];
        snprintf(q, sizeof(q), "/movie/%ld", all[k].id);
        json_t *m = tmdb(&f, q, NULL, NULL);
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
            json_t *o = omdb(&f, json_string_value(imdb), NULL, NULL);
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
    stop(&f);
}

static void details_shape_and_errors(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "3000", "--now", NOW, NULL};
    start(&f, args);
    json_t *want = fixture("tmdb/movie_27205.json");
    json_t *page = tmdb(&f, "/discover/movie?vote_count.gte=10", NULL, NULL);
    long id = (long)json_integer_value(
        json_object_get(json_array_get(json_object_get(page, "results"), 0), "id"));
    char q[128], url[256];
    snprintf(q, sizeof(q), "/movie/%ld", id);
    long status;
    json_t *got = tmdb(&f, q, NULL, &status);
    assert_int_equal(status, 200);
    assert_same_keys(want, got);
    assert_true(json_is_array(json_object_get(got, "genres")));
    /* append_to_response is accepted; external_ids is appended and agrees with imdb_id. */
    snprintf(q, sizeof(q), "/movie/%ld?append_to_response=external_ids,release_dates", id);
    json_t *ext = tmdb(&f, q, NULL, &status);
    assert_int_equal(status, 200);
    assert_true(json_equal(json_object_get(json_object_get(ext, "external_ids"), "imdb_id"),
                           json_object_get(got, "imdb_id")));
    json_decref(ext);
    json_decref(got);
    /* Bearer works like api_key; the content type is TMDB's. */
    snprintf(url, sizeof(url), "%s/movie/%ld", f.tmdb_url, id);
    struct http_reply r;
    http_fetch("GET", url, "Authorization: Bearer test", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "Content-Type: application/json;charset=utf-8"));
    http_reply_free(&r);
    const char *e401 = "{\"success\":false,\"status_code\":7,\"status_message\":\"Invalid API key: "
                       "You must be granted a valid key.\"}";
    const char *e404 = "{\"success\":false,\"status_code\":34,\"status_message\":\"The resource "
                       "you requested could not be found.\"}";
    expect_body(url, NULL, 401, e401);
    expect_body(url, "Authorization: Bearer wrong", 401, e401);
    snprintf(url, sizeof(url), "%s/movie/%ld?api_key=nope", f.tmdb_url, id);
    expect_body(url, NULL, 401, e401);
    snprintf(url, sizeof(url), "%s/movie/1?api_key=test", f.tmdb_url);
    expect_body(url, NULL, 404, e404);
    snprintf(url, sizeof(url), "%s/movie/99999999?api_key=test", f.tmdb_url);
    expect_body(url, NULL, 404, e404);
    snprintf(url, sizeof(url), "%s/tv/1?api_key=test", f.tmdb_url);
    expect_body(url, NULL, 404, e404);
    json_decref(page);
    json_decref(want);
    stop(&f);
}

static void page_cap(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "20000", "--now", NOW, NULL};
    start(&f, args);
    long status;
    json_t *d =
        tmdb(&f, "/discover/movie?page=500&include_adult=true&include_video=true", NULL, &status);
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
        expect_body(url, NULL, 400, e400);
    }
    stop(&f);
    const char *args422[] = {"--movies", "100", "--page-error-422", NULL};
    start(&f, args422);
    snprintf(url, sizeof(url), "%s/discover/movie?api_key=test&page=501", f.tmdb_url);
    expect_body(url, NULL, 422, "{\"errors\":[\"page must be less than or equal to 500\"]}");
    stop(&f);
}

/* A million-movie catalog: the year windows of discover partition the catalog exactly. */
static void large_catalog_year_windows(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "1000000", "--now", NOW, NULL};
    start(&f, args);
    long total = 0;
    json_t *all = tmdb(
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
        json_t *d = tmdb(&f, q, NULL, NULL);
        total += (long)json_integer_value(json_object_get(d, "total_results"));
        json_decref(d);
    }
    assert_int_equal(total, json_integer_value(json_object_get(all, "total_results")));
    assert_true(total > 950000 && total < 1000000);
    json_decref(all);
    stop(&f);
}

static void omdb_shape_and_errors(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "2000", "--now", NOW, NULL};
    start(&f, args);
    json_t *want = fixture("omdb/tt1375666.json");
    int found = 0, unknown = 0, null_id = 0, empty_id = 0;
    json_t *page =
        tmdb(&f, "/discover/movie?primary_release_date.lte=2024-01-01&sort_by=vote_count.desc",
             NULL, NULL);
    for (long p = 1; p <= 5; p++) {
        char q[128];
        snprintf(q, sizeof(q), "/discover/movie?primary_release_date.lte=2024-01-01&page=%ld", p);
        json_t *d = tmdb(&f, q, NULL, NULL);
        size_t k;
        json_t *it;
        json_array_foreach(json_object_get(d, "results"), k, it)
        {
            snprintf(q, sizeof(q), "/movie/%ld",
                     (long)json_integer_value(json_object_get(it, "id")));
            json_t *m = tmdb(&f, q, NULL, NULL);
            json_t *imdb = json_object_get(m, "imdb_id");
            if (json_is_null(imdb)) {
                null_id++;
            } else if (!*json_string_value(imdb)) {
                empty_id++;
            } else {
                long st;
                json_t *o = omdb(&f, json_string_value(imdb), NULL, &st);
                assert_int_equal(st, 200);
                if (strcmp(json_string_value(json_object_get(o, "Response")), "True") == 0) {
                    assert_same_keys(want, o);
                    assert_string_equal(json_string_value(json_object_get(o, "imdbID")),
                                        json_string_value(imdb));
                    found++;
                } else {
                    assert_string_equal(json_string_value(json_object_get(o, "Error")),
                                        "Error getting data.");
                    unknown++;
                }
                json_decref(o);
            }
            json_decref(m);
        }
        json_decref(d);
    }
    assert_true(found > 50);
    assert_true(unknown + null_id + empty_id > 0);
    char url[256];
    snprintf(url, sizeof(url), "%s?i=tt12&apikey=test", f.omdb_url);
    expect_body(url, NULL, 200, "{\"Response\":\"False\",\"Error\":\"Incorrect IMDb ID.\"}");
    snprintf(url, sizeof(url), "%s?i=tt9999999&apikey=test", f.omdb_url);
    expect_body(url, NULL, 200, "{\"Response\":\"False\",\"Error\":\"Error getting data.\"}");
    snprintf(url, sizeof(url), "%s?i=tt0010002&apikey=bad", f.omdb_url);
    expect_body(url, NULL, 401, "{\"Response\":\"False\",\"Error\":\"Invalid API key!\"}");
    snprintf(url, sizeof(url), "%s?i=tt0010002", f.omdb_url);
    expect_body(url, NULL, 401, "{\"Response\":\"False\",\"Error\":\"No API key provided.\"}");
    snprintf(url, sizeof(url), "%s?t=Inception&apikey=test", f.omdb_url);
    expect_body(url, NULL, 200, "{\"Response\":\"False\",\"Error\":\"Movie not found!\"}");
    json_decref(page);
    json_decref(want);
    stop(&f);
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
    start(&a, args);
    start(&b, args);
    start(&c, other);
    static const char *const paths[] = {
        "/3/discover/movie?api_key=test&page=3",
        "/3/discover/"
        "movie?api_key=test&sort_by=primary_release_date.desc&primary_release_date.gte=2020-01-01",
        "/3/movie/ID1?api_key=test",
        "/3/movie/ID2?api_key=test",
        "/3/movie/changes?api_key=test&start_date=2026-11-01&end_date=2026-11-14",
        "/omdb/?i=tt0010002&apikey=test"};
    int differs = 0;
    json_t *d = tmdb(&a, "/discover/movie", NULL, NULL);
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
    stop(&a);
    stop(&b);
    stop(&c);
}

/* ---- drift and the changes feed ---- */

/* The data of a movie without the drifting counters, as one string (NULL if unknown). */
static char *stable_state(const struct fake *f, long id, const char *day)
{
    char q[64];
    snprintf(q, sizeof(q), "/movie/%ld", id);
    json_t *m = tmdb(f, q, day, NULL);
    json_object_del(m, "vote_count");
    json_object_del(m, "vote_average");
    json_object_del(m, "popularity");
    json_t *imdb = json_object_get(m, "imdb_id");
    json_t *o = NULL;
    if (json_is_string(imdb) && *json_string_value(imdb)) {
        o = omdb(f, json_string_value(imdb), day, NULL);
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
        json_t *d = tmdb(f, q, NULL, NULL);
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

static void drift_and_changes_agree(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "6000", "--seed", "5", "--now", NOW, NULL};
    start(&f, args);
    /* Movies released around the window change most: take them, plus some old ones. */
    long ids[80];
    int n = 0;
    const char *windows[][2] = {{"2025-03-01", "2026-03-12"}, {"1980-01-01", "2000-01-01"}};
    for (int w = 0; w < 2; w++) {
        char q[256];
        snprintf(q, sizeof(q),
                 "/discover/"
                 "movie?include_adult=true&primary_release_date.gte=%s&primary_release_date.lte=%s",
                 windows[w][0], windows[w][1]);
        for (long p = 1; p <= 2; p++) {
            char qp[300];
            snprintf(qp, sizeof(qp), "%s&page=%ld", q, p);
            json_t *d = tmdb(&f, qp, NULL, NULL);
            size_t k;
            json_t *it;
            json_array_foreach(json_object_get(d, "results"), k, it) if (n < 80) ids[n++] =
                (long)json_integer_value(json_object_get(it, "id"));
            json_decref(d);
        }
    }
    assert_true(n >= 60);
    assert_true(n <= 80);
    rs_date_t first;
    assert_true(rs_date_parse("2026-03-01", &first));
    int changed = 0, same = 0;
    for (int k = 0; k < n; k++) {
        char prev_day[16];
        day_str(first - 1, prev_day);
        char *prev = stable_state(&f, ids[k], prev_day);
        for (rs_date_t d = first; d < first + 12; d++) {
            char day[16];
            day_str(d, day);
            char *cur = stable_state(&f, ids[k], day);
            bool differs = strcmp(prev, cur) != 0;
            assert_int_equal(differs, in_changes(&f, ids[k], day, day));
            changed += differs;
            same += !differs;
            free(prev);
            prev = cur;
        }
        free(prev);
    }
    assert_true(changed > 10);
    assert_true(same > 10);
    stop(&f);
}

static void counters_drift_old_movies_freeze(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "2000", "--seed", "5", "--now", NOW, NULL};
    start(&f, args);
    json_t *d =
        tmdb(&f, "/discover/movie?primary_release_date.lte=2015-01-01&sort_by=vote_count.desc",
             NULL, NULL);
    json_t *top = json_array_get(json_object_get(d, "results"), 0);
    long id = (long)json_integer_value(json_object_get(top, "id"));
    char q[64];
    snprintf(q, sizeof(q), "/movie/%ld", id);
    json_t *a = tmdb(&f, q, "2026-01-01", NULL), *b = tmdb(&f, q, "2026-06-01", NULL);
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
        char *x = stable_state(&f, id, dprev), *y = stable_state(&f, id, d1);
        bool listed = in_changes(&f, id, d0, d1);
        if (!listed)
            assert_string_equal(x, y);
        unchanged_windows += !listed;
        free(x);
        free(y);
    }
    assert_true(unchanged_windows >= 5);
    /* TMDB's error table: a window over 14 days is code 20 / HTTP 422, a bad date 23 / 400. */
    const char *e422 = "{\"success\":false,\"status_code\":20,\"status_message\":\"Invalid date "
                       "range: Should be a range no longer than 14 days.\"}";
    const char *e400 = "{\"success\":false,\"status_code\":23,\"status_message\":\"Invalid date: "
                       "Format needs to be YYYY-MM-DD.\"}";
    char url[256];
    snprintf(url, sizeof(url),
             "%s/movie/changes?api_key=test&start_date=2026-01-01&end_date=2026-01-16", f.tmdb_url);
    expect_body(url, NULL, 422, e422);
    snprintf(url, sizeof(url),
             "%s/movie/changes?api_key=test&start_date=2026-01-10&end_date=2026-01-09", f.tmdb_url);
    expect_body(url, NULL, 422, e422);
    snprintf(url, sizeof(url),
             "%s/movie/changes?api_key=test&start_date=2026-01-01&end_date=2026-01-15", f.tmdb_url);
    json_t *ok = get_json(url, NULL, NULL);
    assert_true(json_is_array(json_object_get(ok, "results")));
    json_decref(ok);
    snprintf(url, sizeof(url), "%s/movie/changes?api_key=test&start_date=01/01/2026", f.tmdb_url);
    expect_body(url, NULL, 400, e400);
    snprintf(url, sizeof(url), "%s/discover/movie?api_key=test&primary_release_date.gte=2026-13-01",
             f.tmdb_url);
    expect_body(url, NULL, 400, e400);
    /* A malformed clock header is refused, not silently ignored. */
    snprintf(url, sizeof(url), "%s/movie/%ld?api_key=test", f.tmdb_url, id);
    struct http_reply r;
    http_fetch("GET", url, "X-Fake-Now: next tuesday", &r);
    assert_int_equal(r.status, 400);
    http_reply_free(&r);
    json_decref(d);
    stop(&f);
}

/* ---- limits ---- */

static void rate_limits_and_stats(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "100", "--tmdb-rps", "0.5", "--omdb-rps", "0.5", NULL};
    start(&f, args);
    char url[256];
    snprintf(url, sizeof(url), "%s/discover/movie?api_key=test", f.tmdb_url);
    int ok = 0, limited = 0;
    for (int k = 0; k < 10; k++) {
        struct http_reply r;
        http_fetch("GET", url, NULL, &r);
        if (r.status == 429) {
            json_t *b = json_loads(r.body, 0, NULL);
            assert_int_equal(json_integer_value(json_object_get(b, "status_code")), 25);
            assert_null(strstr(r.headers, "Retry-After"));
            json_decref(b);
            limited++;
        } else {
            assert_int_equal(r.status, 200);
            ok++;
        }
        http_reply_free(&r);
    }
    assert_true(ok >= 1);
    assert_true(limited >= 1);
    assert_int_equal(stat_of(&f, "violations", "tmdb"), limited);
    assert_int_equal(stat_of(&f, "requests", "tmdb"), 10);
    assert_int_equal(stat_of(&f, "endpoints", "/3/discover/movie"), 10);
    assert_int_equal(stat_of(&f, "max_in_flight", "tmdb"), 1);
    struct http_reply r;
    snprintf(url, sizeof(url), "%s/__reset", f.base);
    http_fetch("POST", url, NULL, &r);
    assert_int_equal(r.status, 200);
    http_reply_free(&r);
    assert_int_equal(stat_of(&f, "violations", "tmdb"), 0);
    assert_int_equal(stat_of(&f, "requests", "tmdb"), 0);
    stop(&f);

    const char *ra[] = {"--movies", "100", "--tmdb-rps", "0.5", "--retry-after", "3", NULL};
    start(&f, ra);
    snprintf(url, sizeof(url), "%s/discover/movie?api_key=test", f.tmdb_url);
    bool seen = false;
    for (int k = 0; k < 5 && !seen; k++) {
        http_fetch("GET", url, NULL, &r);
        if (r.status == 429) {
            assert_non_null(strstr(r.headers, "Retry-After: 3"));
            seen = true;
        }
        http_reply_free(&r);
    }
    assert_true(seen);
    stop(&f);
}

static void omdb_daily_limit(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {
        "--movies", "100", "--omdb-daily-limit", "3", "--now", "2026-11-25T23:00:00Z", NULL};
    start(&f, args);
    char url[256];
    snprintf(url, sizeof(url), "%s?i=tt0010002&apikey=test", f.omdb_url);
    const char *limit = "{\"Response\":\"False\",\"Error\":\"Request limit reached!\"}";
    for (int k = 0; k < 3; k++) {
        struct http_reply r;
        http_fetch("GET", url, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_null(strstr(r.body, "limit"));
        http_reply_free(&r);
    }
    expect_body(url, NULL, 401, limit);
    expect_body(url, "X-Fake-Now: 2026-11-25T23:59:59Z", 401, limit);
    /* The next UTC day of the server's clock starts a fresh quota. */
    struct http_reply r;
    http_fetch("GET", url, "X-Fake-Now: 2026-11-26T00:00:01Z", &r);
    assert_int_equal(r.status, 200);
    http_reply_free(&r);
    assert_int_equal(stat_of(&f, "omdb_quota", "rejected"), 2);
    stop(&f);
}

/* ---- faults ---- */

static struct http_reply fault_fetch(const char *kind, const char *extra)
{
    struct fake f;
    const char *args[] = {"--movies",   "100",  "--fault-rate", "1", "--faults", kind,
                          "--stall-ms", "1500", "--trickle-ms", "1", extra,      NULL};
    start(&f, args);
    char url[256];
    snprintf(url, sizeof(url), "%s/movie/9?api_key=test", f.tmdb_url);
    struct http_reply r;
    http_fetch("GET", url, NULL, &r);
    assert_int_equal(stat_of(&f, "faults", kind), 1);
    assert_int_equal(stat_of(&f, "faults", "total"), 1);
    assert_int_equal(stat_of(&f, "violations", "tmdb"), 0); /* an injected 429 is no violation */
    stop(&f);
    return r;
}

static size_t count_bytes(char *data, size_t size, size_t n, void *ud)
{
    (void)data;
    *(size_t *)ud += size * n;
    return size * n;
}

/* The length of the body of the huge fault, counted without keeping it. */
static size_t huge_body_length(void)
{
    struct fake f;
    const char *args[] = {"--movies", "100", "--fault-rate", "1", "--faults", "huge", NULL};
    start(&f, args);
    char url[256];
    size_t total = 0;
    snprintf(url, sizeof(url), "%s/movie/9?api_key=test", f.tmdb_url);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &total);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    assert_int_equal(stat_of(&f, "faults", "huge"), 1);
    stop(&f);
    return total;
}

static void each_fault_kind(void **state)
{
    (void)state;
    static const struct {
        const char *kind;
        long status;
        const char *contains;
    } plain[] = {
        {"429", 429, "\"status_code\":25"}, {"500", 500, "\"status_code\":11"},
        {"503", 503, "\"status_code\":9"},  {"502html", 502, "<html>"},
        {"504html", 504, "<html>"},         {"html200", 200, "<!DOCTYPE html>"},
    };
    for (size_t k = 0; k < sizeof(plain) / sizeof(plain[0]); k++) {
        struct http_reply r = fault_fetch(plain[k].kind, NULL);
        assert_int_equal(r.status, plain[k].status);
        assert_non_null(strstr(r.body, plain[k].contains));
        http_reply_free(&r);
    }
    static const char *const dropped[] = {"reset", "timeout", "truncated"};
    for (int k = 0; k < 3; k++) {
        struct http_reply r = fault_fetch(dropped[k], NULL);
        assert_int_equal(r.status, 0); /* libcurl reports a transfer error */
        http_reply_free(&r);
    }
    static const char *const unparsable[] = {"malformed", "badutf8", "deepjson"};
    for (int k = 0; k < 3; k++) {
        struct http_reply r = fault_fetch(unparsable[k], NULL);
        assert_int_equal(r.status, 200);
        assert_null(json_loadb(r.body, r.len, 0, NULL));
        http_reply_free(&r);
    }
    struct http_reply r = fault_fetch("array", NULL);
    json_t *doc = json_loadb(r.body, r.len, 0, NULL);
    assert_true(json_is_array(doc));
    assert_true(json_is_object(json_array_get(doc, 0)));
    json_decref(doc);
    http_reply_free(&r);
    r = fault_fetch("trickle", NULL);
    doc = json_loadb(r.body, r.len, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(doc, "id")), 9);
    json_decref(doc);
    http_reply_free(&r);
    assert_int_equal(huge_body_length(), 64u * 1024u * 1024u);
}

struct stalled {
    char url[256];
    long status;
};

static void *fetch_thread(void *arg)
{
    struct stalled *s = arg;
    struct http_reply r;
    http_fetch("GET", s->url, NULL, &r);
    s->status = r.status;
    http_reply_free(&r);
    return NULL;
}

static void stall_does_not_block_others(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--movies", "100",        "--fault-rate", "1", "--faults",
                          "timeout",  "--stall-ms", "60000",        NULL};
    start(&f, args);
    struct stalled s;
    snprintf(s.url, sizeof(s.url), "%s/movie/9?api_key=test", f.tmdb_url);
    pthread_t th;
    pthread_create(&th, NULL, fetch_thread, &s);
    /* While that request stalls, the server keeps answering: wait until it is in flight. */
    long inflight = 0;
    for (int k = 0; k < 2000 && inflight == 0; k++) {
        inflight = stat_of(&f, "in_flight", "tmdb");
        if (!inflight)
            usleep(5000);
    }
    assert_int_equal(inflight, 1);
    assert_int_equal(stat_of(&f, "faults", "timeout"), 1);
    stop(&f); /* shutdown wakes the stalled request and drops it */
    pthread_join(th, NULL);
    assert_int_equal(s.status, 0);
}

/* 40 requests held by --latency-ms are all in flight at once: none waits for another. */
static void concurrent_requests_counted(void **state)
{
    (void)state;
    enum { N = 40 };
    struct fake f;
    const char *args[] = {"--movies", "100", "--latency-ms", "600000", NULL};
    start(&f, args);
    static struct stalled s[N];
    pthread_t th[N];
    for (int k = 0; k < N; k++) {
        snprintf(s[k].url, sizeof(s[k].url), "%s/discover/movie?api_key=test&page=%d", f.tmdb_url,
                 k + 1);
        pthread_create(&th[k], NULL, fetch_thread, &s[k]);
    }
    long inflight = 0;
    for (int k = 0; k < 4000 && inflight < N; k++) {
        inflight = stat_of(&f, "in_flight", "tmdb");
        if (inflight < N)
            usleep(5000);
    }
    assert_int_equal(inflight, N);
    assert_int_equal(stat_of(&f, "max_in_flight", "tmdb"), N);
    assert_int_equal(stat_of(&f, "requests", "tmdb"), N);
    stop(&f);
    for (int k = 0; k < N; k++) {
        pthread_join(th[k], NULL);
        assert_int_equal(s[k].status, 0);
    }
}

static void faults_are_deterministic(void **state)
{
    (void)state;
    struct fake a, b;
    const char *args[] = {"--movies", "100",      "--seed",      "3", "--fault-rate",
                          "0.5",      "--faults", "429,500,503", NULL};
    start(&a, args);
    start(&b, args);
    int faults = 0;
    for (int k = 0; k < 30; k++) {
        char u1[256], u2[256];
        snprintf(u1, sizeof(u1), "%s/movie/%d?api_key=test", a.tmdb_url, 2 + k % 7);
        snprintf(u2, sizeof(u2), "%s/movie/%d?api_key=test", b.tmdb_url, 2 + k % 7);
        struct http_reply x, y;
        http_fetch("GET", u1, NULL, &x);
        http_fetch("GET", u2, NULL, &y);
        assert_int_equal(x.status, y.status);
        faults += x.status >= 429;
        http_reply_free(&x);
        http_reply_free(&y);
    }
    assert_true(faults > 3 && faults < 27);
    stop(&a);
    stop(&b);
}

/* ---- fixtures ---- */

static void assert_serves(const char *url, const char *header, long status, const char *rel)
{
    json_t *want = fixture(rel);
    long got_status;
    json_t *got = get_json(url, header, &got_status);
    assert_int_equal(got_status, status);
    if (!json_equal(want, got))
        fail_msg("%s does not serve %s", url, rel);
    json_decref(want);
    json_decref(got);
}

static void fixtures_mode_serves_every_file(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--fixtures", RS_FIXTURES_DIR, "--omdb-daily-limit", "1000", NULL};
    start(&f, args);
    char url[512], dir[512];
    int served = 0;
    for (int api = 0; api < 2; api++) {
        snprintf(dir, sizeof(dir), "%s/%s", RS_FIXTURES_DIR, api ? "omdb" : "tmdb");
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            char name[256], rel[300];
            if (strlen(de->d_name) < 6 || strncmp(de->d_name, "error", 5) == 0 ||
                de->d_name[0] == '.')
                continue;
            snprintf(name, sizeof(name), "%.*s", (int)strlen(de->d_name) - 5, de->d_name);
            snprintf(rel, sizeof(rel), "%s/%s", api ? "omdb" : "tmdb", de->d_name);
            int year, pg;
            if (api)
                snprintf(url, sizeof(url), "%s?i=%s&apikey=test", f.omdb_url, name);
            else if (strncmp(name, "movie_", 6) == 0)
                snprintf(url, sizeof(url), "%s/movie/%s?api_key=test", f.tmdb_url, name + 6);
            else if (sscanf(name, "discover_%d_page%d", &year, &pg) == 2)
                snprintf(url, sizeof(url),
                         "%s/discover/"
                         "movie?api_key=test&primary_release_date.gte=%d-01-01&primary_release_"
                         "date.lte=%d-12-31&page=%d",
                         f.tmdb_url, year, year, pg);
            else
                fail_msg("unexpected fixture %s", rel);
            assert_serves(url, NULL, 200, rel);
            served++;
        }
        closedir(d);
    }
    assert_int_equal(served, 19); /* every non-error file of tests/fixtures */
    snprintf(url, sizeof(url), "%s/movie/27205", f.tmdb_url);
    assert_serves(url, NULL, 401, "tmdb/error_401.json");
    snprintf(url, sizeof(url), "%s/movie/1?api_key=test", f.tmdb_url);
    assert_serves(url, NULL, 404, "tmdb/error_404.json");
    snprintf(url, sizeof(url), "%s/discover/movie?api_key=test&page=501", f.tmdb_url);
    assert_serves(url, NULL, 400, "tmdb/error_400_page.json");
    snprintf(url, sizeof(url), "%s?i=tt0000001&apikey=test", f.omdb_url);
    assert_serves(url, NULL, 200, "omdb/error_getting_data.json");
    snprintf(url, sizeof(url), "%s?i=nonsense&apikey=test", f.omdb_url);
    assert_serves(url, NULL, 200, "omdb/error_incorrect_id.json");
    snprintf(url, sizeof(url), "%s?i=tt1375666&apikey=wrong", f.omdb_url);
    assert_serves(url, NULL, 401, "omdb/error_invalid_key.json");
    snprintf(url, sizeof(url), "%s?t=Nothing&apikey=test", f.omdb_url);
    assert_serves(url, NULL, 200, "omdb/error_not_found.json");
    stop(&f);

    const char *lim[] = {"--fixtures",
                         RS_FIXTURES_DIR,
                         "--omdb-daily-limit",
                         "1",
                         "--page-error-422",
                         "--fault-rate",
                         "0",
                         NULL};
    start(&f, lim);
    snprintf(url, sizeof(url), "%s?i=tt1375666&apikey=test", f.omdb_url);
    assert_serves(url, NULL, 200, "omdb/tt1375666.json");
    assert_serves(url, NULL, 401, "omdb/error_limit.json");
    snprintf(url, sizeof(url), "%s/discover/movie?api_key=test&page=501", f.tmdb_url);
    assert_serves(url, NULL, 422, "tmdb/error_422_page.json");
    stop(&f);

    const char *f429[] = {"--fixtures", RS_FIXTURES_DIR, "--fault-rate", "1", "--faults", "429",
                          NULL};
    start(&f, f429);
    snprintf(url, sizeof(url), "%s/movie/27205?api_key=test", f.tmdb_url);
    assert_serves(url, NULL, 429, "tmdb/error_429.json");
    stop(&f);
}

/* A bad command line: exit 2 and exactly one stderr line that names the culprit. */
static void bad_command_line(void **state)
{
    (void)state;
    static const struct {
        const char *args[3];
        const char *says;
    } bad[] = {
        {{"--faults", "explode"}, "bad value 'explode' for --faults (kinds: 429,500,502html,"},
        {{"--bogus"}, "unknown option '--bogus'"},
        {{"--port"}, "missing value for option '--port'"},
        {{"--port", "http"}, "bad value 'http' for --port"},
        {{"--movies", "-5"}, "bad value '-5' for --movies"},
        {{"--now", "yesterday"}, "bad value 'yesterday' for --now"},
        {{"--fault-rate", "1.5"}, "bad value '1.5' for --fault-rate"},
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        const char *argv[] = {RS_FAKEAPI_BIN, bad[k].args[0], bad[k].args[1], NULL};
        struct run_result r;
        run_program(argv, NULL, &r);
        assert_int_equal(r.status, 2);
        assert_string_equal(r.out, "");
        assert_non_null(strstr(r.err, bad[k].says));
        assert_non_null(strchr(r.err, '\n'));
        assert_string_equal(strchr(r.err, '\n'), "\n");
        run_result_free(&r);
    }
    /* Not a usage error, yet one line too: exit 1. */
    const char *argv[] = {RS_FAKEAPI_BIN, "--fixtures", "/nonexistent/fixtures", NULL};
    struct run_result r;
    run_program(argv, NULL, &r);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "/nonexistent/fixtures"));
    assert_string_equal(strchr(r.err, '\n'), "\n");
    run_result_free(&r);
    /* A directory without fixtures in it is refused rather than served as 404s. */
    char *empty = tmpdir_create();
    const char *argv2[] = {RS_FAKEAPI_BIN, "--fixtures", empty, NULL};
    run_program(argv2, NULL, &r);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "no fixtures in"));
    run_result_free(&r);
    tmpdir_remove(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(details_shape_and_errors, stop_all),
        cmocka_unit_test_teardown(page_cap, stop_all),
        cmocka_unit_test_teardown(discover_matches_brute_force, stop_all),
        cmocka_unit_test_teardown(catalog_mix, stop_all),
        cmocka_unit_test_teardown(large_catalog_year_windows, stop_all),
        cmocka_unit_test_teardown(omdb_shape_and_errors, stop_all),
        cmocka_unit_test_teardown(deterministic_across_processes, stop_all),
        cmocka_unit_test_teardown(drift_and_changes_agree, stop_all),
        cmocka_unit_test_teardown(counters_drift_old_movies_freeze, stop_all),
        cmocka_unit_test_teardown(rate_limits_and_stats, stop_all),
        cmocka_unit_test_teardown(omdb_daily_limit, stop_all),
        cmocka_unit_test_teardown(each_fault_kind, stop_all),
        cmocka_unit_test_teardown(stall_does_not_block_others, stop_all),
        cmocka_unit_test_teardown(concurrent_requests_counted, stop_all),
        cmocka_unit_test_teardown(faults_are_deterministic, stop_all),
        cmocka_unit_test_teardown(fixtures_mode_serves_every_file, stop_all),
        cmocka_unit_test_teardown(bad_command_line, stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
