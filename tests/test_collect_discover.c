/*
 * Discovery (src/collect/discover.c) against reelsync-fakeapi over loopback and a real
 * DuckDB file: complete discovery with window splitting, and --max-pages.
 */
#include <jansson.h>
#include <stdio.h>

#include "test.h"

#include "collect_env.h"
#include "log_capture.h"
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
    struct capture c;
    capture_init(&c);
    c.log.level = RS_LOG_INFO;
    o.log = &c.log;
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.discovered, 3 * TMDB_PAGE_SIZE);
    assert_int_equal(s.requests[RS_API_TMDB], 3);
    /* what the cap left out is said, and counted */
    assert_int_equal(s.discover_left_out, total - 3 * TMDB_PAGE_SIZE);
    char line[160];
    snprintf(line, sizeof(line),
             "discover: 2024: 3 of %lld pages, %lld movies not fetched (--max-pages 0 for all)",
             (long long)((total + TMDB_PAGE_SIZE - 1) / TMDB_PAGE_SIZE),
             (long long)(total - 3 * TMDB_PAGE_SIZE));
    assert_logged(&c, line);
    o.log = NULL;

    o.max_pages = 0;
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.discovered, total);
    assert_int_equal(s.discovered_new, total - 3 * TMDB_PAGE_SIZE);
    assert_int_equal(s.failed[RS_API_TMDB] + s.errors[RS_ERR_BAD_RESPONSE], 0);
    assert_int_equal(s.discover_left_out, 0);
    /* a split costs a page 1 per part: more requests than pages of movies, but bounded */
    assert_true(s.requests[RS_API_TMDB] > total / TMDB_PAGE_SIZE);
    assert_true(s.requests[RS_API_TMDB] < total / TMDB_PAGE_SIZE + 16);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies"), total);
    assert_int_equal(db_i64(e.db, "SELECT count(DISTINCT tmdb_id) FROM movies"), total);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE year(release_date) <> 2024"),
                     0);
    env_down(&e);
}

/* Discovery only of FROM..TO against E's fake, no retries, logging into C. */
static struct orch_options gap_opts(const struct env *e, int from, int to, struct capture *c)
{
    struct orch_options o = opts(e, at("2026-11-25"));
    o.refresh = false;
    o.discover = true;
    o.start_year = from;
    o.end_year = to;
    o.min_vote_count = 0;
    o.max_pages = 0;
    o.retry.max_retries = 0;
    capture_init(c);
    c->log.level = RS_LOG_INFO;
    o.log = &c->log;
    return o;
}

/*
 * A first page that fails leaves its year incomplete as a whole: recorded in
 * discovery_gaps (pages_missing NULL), and a run over the year clears it once complete; a
 * run over other years leaves it and names it.
 */
static void failed_first_pages_recorded_then_cleared(void **state)
{
    (void)state;
    struct env e = {0};
    struct orch_options o;
    struct orch_stats s;
    struct rs_error err = {0};
    struct capture c;
    env_up(&e, (const char *[]){"--movies", "20000", "--now", "2026-11-25", "--fault-rate", "1",
                                "--faults", "500", NULL});
    o = gap_opts(&e, 2023, 2024, &c);
    assert_int_equal(collect(e.db, &o, &s, &err), RS_ERR_SERVER_ERROR);
    assert_int_equal(s.requests[RS_API_TMDB], 2);
    assert_int_equal(s.discover_incomplete, 2);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM discovery_gaps WHERE pages_missing IS "
                                  "NULL AND recorded_at = TIMESTAMP '2026-11-25 00:00:00'"),
                     2);
    assert_logged(&c, "discover: 2024: incomplete (a first page failed); recorded");
    fake_stop(&e.fake);

    fake_start(&e.fake, (const char *[]){"--movies", "20000", "--now", "2026-11-25", NULL});
    o = gap_opts(&e, 2024, 2024, &c);
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.discover_incomplete, 0);
    assert_int_equal(s.discovered, year_total(&e.fake, 2024));
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM discovery_gaps WHERE year = 2024"), 0);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM discovery_gaps WHERE year = 2023"), 1);
    assert_logged(&c, "discover: incomplete years outside --start-year..--end-year: 2023");
    env_down(&e);
}

/*
 * Later pages that fail do not end their year: the others arrive, the year is recorded
 * with the count of pages missing, and a clean run completes it and clears the record.
 */
static void failed_later_pages_do_not_end_the_year(void **state)
{
    (void)state;
    struct env e = {0};
    struct orch_options o;
    struct orch_stats s;
    struct rs_error err = {0};
    struct capture c;
    /* seed 3: page 1 of 2024 is answered, several later pages get a 500 */
    env_up(&e, (const char *[]){"--movies", "20000", "--now", "2026-11-25", "--seed", "3",
                                "--fault-rate", "0.3", "--faults", "500", NULL});
    int64_t total = year_total(&e.fake, 2024);
    int64_t pages = (total + TMDB_PAGE_SIZE - 1) / TMDB_PAGE_SIZE;
    o = gap_opts(&e, 2024, 2024, &c);
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    int64_t failed = s.errors[RS_ERR_SERVER_ERROR];
    print_message("pages %lld failed %lld discovered %lld of %lld\n", (long long)pages,
                  (long long)failed, (long long)s.discovered, (long long)total);
    assert_int_equal(s.requests[RS_API_TMDB], pages);
    assert_true(failed > 0 && failed < pages - 1);
    assert_true(s.discovered >= total - failed * TMDB_PAGE_SIZE);
    assert_int_equal(db_i64(e.db, "SELECT pages_missing FROM discovery_gaps WHERE year = 2024"),
                     failed);
    fake_stop(&e.fake);

    fake_start(&e.fake,
               (const char *[]){"--movies", "20000", "--now", "2026-11-25", "--seed", "3", NULL});
    o = gap_opts(&e, 2024, 2024, &c);
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.discovered, total);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM discovery_gaps"), 0);
    env_down(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(discovery_complete_and_capped),
        cmocka_unit_test(failed_first_pages_recorded_then_cleared),
        cmocka_unit_test(failed_later_pages_do_not_end_the_year),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
