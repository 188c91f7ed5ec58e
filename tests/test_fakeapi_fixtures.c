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

static void assert_serves(const char *url, const char *header, long status, const char *rel)
{
    json_t *want = fixture_json(rel);
    long got_status;
    json_t *got = http_get_json(url, header, &got_status);
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

static void fixtures_mode_serves_every_file(void **state)
{
    (void)state;
    struct fake f;
    const char *args[] = {"--fixtures", RS_FIXTURES_DIR, "--omdb-daily-limit", "1000", NULL};
    fake_start(&f, args);
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
            long year, pg;
            if (api)
                snprintf(url, sizeof(url), "%s?i=%s&apikey=test", f.omdb_url, name);
            else if (strncmp(name, "movie_", 6) == 0)
                snprintf(url, sizeof(url), "%s/movie/%s?api_key=test", f.tmdb_url, name + 6);
            else if (discover_name(name, &year, &pg))
                snprintf(url, sizeof(url),
                         "%s/discover/movie?api_key=test&primary_release_date.gte=%ld-01-01"
                         "&primary_release_date.lte=%ld-12-31&page=%ld",
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
    fake_stop(&f);

    const char *lim[] = {"--fixtures",
                         RS_FIXTURES_DIR,
                         "--omdb-daily-limit",
                         "1",
                         "--page-error-422",
                         "--fault-rate",
                         "0",
                         NULL};
    fake_start(&f, lim);
    snprintf(url, sizeof(url), "%s?i=tt1375666&apikey=test", f.omdb_url);
    assert_serves(url, NULL, 200, "omdb/tt1375666.json");
    assert_serves(url, NULL, 401, "omdb/error_limit.json");
    snprintf(url, sizeof(url), "%s/discover/movie?api_key=test&page=501", f.tmdb_url);
    assert_serves(url, NULL, 422, "tmdb/error_422_page.json");
    fake_stop(&f);

    const char *f429[] = {"--fixtures", RS_FIXTURES_DIR, "--fault-rate", "1", "--faults", "429",
                          NULL};
    fake_start(&f, f429);
    snprintf(url, sizeof(url), "%s/movie/27205?api_key=test", f.tmdb_url);
    assert_serves(url, NULL, 429, "tmdb/error_429.json");
    fake_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(fixtures_mode_serves_every_file, fake_stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
