/*
 * reelsync-fakeapi --fixtures (fake/README.md, "Fixtures mode"): every file of tests/fixtures
 * is served for its request, with the errors of both APIs, the quota, the older 422 page
 * error and an injected 429 as the recorded error files.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "test.h"

#define TMDB RS_API_TMDB
#define OMDB RS_API_OMDB

/* F's API answers SUFFIX (after its base URL) with STATUS and fixture REL's JSON. */
static void assert_serves(const struct fake *f, enum rs_api api, const char *suffix, long status,
                          const char *rel)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", api == OMDB ? f->omdb_url : f->tmdb_url, suffix);
    json_t *want = fixture_json(rel);
    long got_status;
    json_t *got = http_get_json(url, NULL, &got_status);
    assert_int_equal(got_status, status);
    if (!json_equal(want, got))
        fail_msg("%s does not serve %s", url, rel);
    json_decref(want);
    json_decref(got);
}

/* "discover_<year>_page<n>" into YEAR and PAGE; false for any other name. */
static bool discover_name(const char *name, long *year, long *page)
{
    if (strncmp(name, "discover_", 9) != 0)
        return false;
    const char *p = name + 9;
    char *end;
    *year = strtol(p, &end, 10);
    if (end == p || strncmp(end, "_page", 5) != 0)
        return false;
    p = end + 5;
    *page = strtol(p, &end, 10);
    return end != p;
}

/* The request (URL suffix) that fixture NAME (REL without ".json") answers. */
static void request_of(enum rs_api api, const char *name, const char *rel, char *out, size_t len)
{
    long year, page;
    if (api == OMDB)
        snprintf(out, len, "?i=%s&apikey=test", name);
    else if (strncmp(name, "movie_", 6) == 0)
        snprintf(out, len, "/movie/%s?api_key=test", name + 6);
    else if (discover_name(name, &year, &page))
        snprintf(out, len,
                 "/discover/movie?api_key=test&primary_release_date.gte=%ld-01-01"
                 "&primary_release_date.lte=%ld-12-31&page=%ld",
                 year, year, page);
    else
        fail_msg("unexpected fixture %s", rel);
}

/* Every file of API's folder but the errors is served for its request; returns how many. */
static int serve_folder(const struct fake *f, enum rs_api api)
{
    char *dir = path_join(RS_FIXTURES_DIR, rs_api_name(api));
    DIR *d = opendir(dir);
    assert_non_null(d);
    int served = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strncmp(de->d_name, "error", 5) == 0 || de->d_name[0] == '.')
            continue;
        char name[256], rel[300], suffix[512];
        snprintf(name, sizeof(name), "%.*s", (int)n - 5, de->d_name);
        snprintf(rel, sizeof(rel), "%s/%s", rs_api_name(api), de->d_name);
        request_of(api, name, rel, suffix, sizeof(suffix));
        assert_serves(f, api, suffix, 200, rel);
        served++;
    }
    closedir(d);
    free(dir);
    return served;
}

static void fixtures_mode_serves_every_file(void **state)
{
    (void)state;
    struct fake f;
    fake_start_fixtures(&f, (const char *[]){"--omdb-daily-limit", "1000", NULL});
    int served = serve_folder(&f, TMDB);
    served += serve_folder(&f, OMDB);
    assert_int_equal(served, 19); /* every non-error file of tests/fixtures */
    assert_serves(&f, TMDB, "/movie/27205", 401, "tmdb/error_401.json");
    assert_serves(&f, TMDB, "/movie/1?api_key=test", 404, "tmdb/error_404.json");
    assert_serves(&f, TMDB, "/discover/movie?api_key=test&page=501", 400,
                  "tmdb/error_400_page.json");
    assert_serves(&f, OMDB, "?i=tt0000001&apikey=test", 200, "omdb/error_getting_data.json");
    assert_serves(&f, OMDB, "?i=nonsense&apikey=test", 200, "omdb/error_incorrect_id.json");
    assert_serves(&f, OMDB, "?i=tt1375666&apikey=wrong", 401, "omdb/error_invalid_key.json");
    assert_serves(&f, OMDB, "?t=Nothing&apikey=test", 200, "omdb/error_not_found.json");
    fake_stop(&f);

    fake_start_fixtures(&f, (const char *[]){"--omdb-daily-limit", "1", "--page-error-422",
                                             "--fault-rate", "0", NULL});
    assert_serves(&f, OMDB, "?i=tt1375666&apikey=test", 200, "omdb/tt1375666.json");
    assert_serves(&f, OMDB, "?i=tt1375666&apikey=test", 401, "omdb/error_limit.json");
    assert_serves(&f, TMDB, "/discover/movie?api_key=test&page=501", 422,
                  "tmdb/error_422_page.json");
    fake_stop(&f);

    fake_start_fixtures(&f, (const char *[]){"--fault-rate", "1", "--faults", "429", NULL});
    assert_serves(&f, TMDB, "/movie/27205?api_key=test", 429, "tmdb/error_429.json");
    fake_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(fixtures_mode_serves_every_file, fake_stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
