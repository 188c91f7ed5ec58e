/*
 * Discovery (src/collect/discover.c) against reelsync-fakeapi over loopback and a real
 * DuckDB file: complete discovery with window splitting, and --max-pages.
 */
#include <jansson.h>
#include <stdio.h>

#include "test.h"

#include "collect_env.h"
#include "reelsync/tmdb.h"

/* The true number of movies TMDB (the fake) holds for YEAR at any vote count. */
static int64_t year_total(const struct fake *f, int year)
{
    char q[256];
    long status = 0;
    snprintf(q, sizeof(q),
             "/discover/movie?primary_release_date.gte=%d-01-01"
             "&primary_release_date.lte=%d-12-31&vote_count.gte=0",
             year, year);
    json_t *doc = fake_tmdb(f, q, NULL, &status);
    assert_int_equal(status, 200);
    int64_t total = doc_int(doc, "total_results");
    json_decref(doc);
    return total;
}

/*
 * --max-pages 0 over a year holding more than TMDB's 500 pages: the window is split until
 * every part fits, and every movie arrives exactly once. --max-pages N stops at N pages.
 */
static void discovery_complete_and_capped(void **state)
{
    (void)state;
    struct env e = {0};
    const char *args[] = {"--movies", "1000000", "--seed", "1", "--now", "2026-11-25", NULL};
    env_up(&e, args);
    int64_t total = year_total(&e.fake, 2024);
    assert_true(total > TMDB_MAX_PAGES * TMDB_PAGE_SIZE); /* dense enough to need a split */
    struct orch_options o = opts(&e, at("2026-11-25"));
    o.refresh = false;
    o.discover = true;
    o.start_year = o.end_year = 2024;
    o.min_vote_count = 0;
    o.max_pages = 3;
    o.concurrency[RS_API_TMDB] = 16;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.discovered, 3 * TMDB_PAGE_SIZE);
    assert_int_equal(s.requests[RS_API_TMDB], 3);

    o.max_pages = 0;
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.discovered, total);
    assert_int_equal(s.discovered_new, total - 3 * TMDB_PAGE_SIZE);
    assert_int_equal(s.failed[RS_API_TMDB] + s.errors[RS_ERR_BAD_RESPONSE], 0);
    /* a split costs a page 1 per part: more requests than pages of movies, but bounded */
    assert_true(s.requests[RS_API_TMDB] > total / TMDB_PAGE_SIZE);
    assert_true(s.requests[RS_API_TMDB] < total / TMDB_PAGE_SIZE + 16);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies"), total);
    assert_int_equal(db_i64(e.db, "SELECT count(DISTINCT tmdb_id) FROM movies"), total);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE year(release_date) <> 2024"),
                     0);
    env_down(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(discovery_complete_and_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
