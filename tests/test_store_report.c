/*
 * The numbers of `reelsync stats` (src/store/report.c) over the usage counters and run
 * records of src/store/usage.c: usage per window, errors, categories, due counts, runs, the
 * freshness figures, and the share within the policy's interval with the oldest overdue.
 */
#include "test_store.h"

/* The report's freshness: days since the last check per API and since the data changed. */
static void report_freshness(void **state)
{
    struct fx *f = *state;
    struct rs_i64 rel = RS_I64(TODAY - 500);
    struct store_movie rows[5] = {
        mv(1, rel, RS_I64(NOW - 2 * DAY), RS_I64(NOW - 10 * DAY), "tt1"),
        mv(2, rel, RS_I64(NOW - 5 * DAY - 1), RS_NULL_I64, "tt2"), /* 5 whole days */
        mv(3, rel, RS_I64(NOW - 40 * DAY), RS_I64(NOW - 20 * DAY), NULL),
        mv(4, rel, RS_I64(NOW - 900 * DAY), RS_I64(NOW - 900 * DAY), "tt4"), /* gone */
        mv(5, rel, RS_I64(NOW - 700 * DAY), RS_I64(NOW - 700 * DAY), "tt5"), /* frozen */
    };
    rows[4].data_frozen = true;
    rows[4].data_changed_at = RS_I64(NOW - 1000 * DAY);
    rows[0].data_changed_at = RS_I64(NOW - 100 * DAY);
    rows[1].data_changed_at = RS_I64(NOW - 5 * DAY);
    rows[2].data_changed_at = RS_I64(NOW - 40 * DAY);
    rows[3].data_changed_at = RS_I64(NOW - 900 * DAY);
    rows[1].omdb_not_found_at = RS_I64(NOW - 3 * DAY); /* a "not found" is a check too */
    rows[3].tmdb_gone_at = RS_I64(NOW - DAY);
    struct store_report r;
    OK(store_report(f->st, NOW, &r, E));
    assert_false(r.checked_days_median[RS_API_TMDB].set);
    assert_false(r.unchanged_days_median.set);
    store_report_release(&r);
    OK(store_bulk_insert_movies(f->st, rows, 5, NOW, E));
    OK(store_report(f->st, NOW, &r, E));
    assert_int_equal(r.checked_days_median[RS_API_TMDB].v, 5);
    assert_int_equal(r.checked_days_max[RS_API_TMDB].v, 40);
    assert_int_equal(r.checked_days_median[RS_API_OMDB].v, 10);
    assert_int_equal(r.checked_days_max[RS_API_OMDB].v, 20);
    assert_int_equal(r.unchanged_days_median.v, 40); /* of 5, 40, 100 and 1000 days */
    store_report_release(&r);
}

/*
 * Freshness against the policy: per API and category the movies counted and those within
 * their interval (5/5, 15/30, 30/90, 90/180 days), the oldest overdue, the never checked.
 */
static void report_within_interval(void **state)
{
    struct fx *f = *state;
    struct rs_i64 recent = RS_I64(TODAY - 10), est = RS_I64(TODAY - 100);
    struct rs_i64 mature = RS_I64(TODAY - 200), old = RS_I64(TODAY - 1000);
    struct store_movie rows[10] = {
        mv(1, recent, RS_I64(NOW - 2 * DAY), RS_I64(NOW - 6 * DAY), "tt1"), /* OMDB 1 day late */
        mv(2, recent, RS_NULL_I64, RS_NULL_I64, NULL), /* TMDB never; no OMDB to ask */
        mv(3, est, RS_I64(NOW - 20 * DAY), RS_I64(NOW - 10 * DAY), "tt3"),   /* TMDB 5 days */
        mv(4, mature, RS_I64(NOW - 10 * DAY), RS_NULL_I64, "tt4"),           /* OMDB never */
        mv(5, old, RS_I64(NOW - 127 * DAY), RS_I64(NOW - 100 * DAY), "tt5"), /* TMDB 37 days */
        mv(6, old, RS_I64(NOW - 300 * DAY), RS_I64(NOW - 900 * DAY), "tt6"), /* frozen */
        mv(7, old, RS_I64(NOW - 400 * DAY), RS_I64(NOW - 900 * DAY), "tt7"), /* gone */
        mv(8, old, RS_I64(NOW - 50 * DAY), RS_NULL_I64, "tt8"), /* OMDB "not found", 20 days */
        mv(9, old, RS_I64(NOW - 91 * DAY), RS_NULL_I64, NULL),  /* TMDB 1 day; no OMDB */
        mv(10, mature, RS_I64(NOW - 67 * DAY), RS_I64(NOW - 10 * DAY), "tt10"), /* TMDB 37 */
    };
    rows[4].title = "Old One";
    rows[5].data_frozen = true;
    rows[6].tmdb_gone_at = RS_I64(NOW - DAY);
    rows[7].omdb_not_found_at = RS_I64(NOW - 200 * DAY);
    struct store_report r;
    OK(store_report(f->st, NOW, &r, E));
    assert_false(r.oldest_overdue[RS_API_TMDB].set);
    assert_int_equal(r.within_interval[RS_API_TMDB][REFRESH_RECENT].movies, 0);
    store_report_release(&r);
    OK(store_bulk_insert_movies(f->st, rows, 10, NOW, E));
    OK(store_report(f->st, NOW, &r, E));
    static const int64_t want[RS_API_COUNT][REFRESH_CATEGORY_COUNT][2] = {
        {{2, 1}, {1, 0}, {2, 1}, {3, 1}}, /* TMDB: 1,2 | 3 | 4,10 | 5,8,9 */
        {{1, 0}, {1, 1}, {2, 1}, {2, 1}}, /* OMDB: 1 | 3 | 4,10 | 5,8 */
    };
    for (int api = 0; api < RS_API_COUNT; api++) {
        for (int k = 0; k < REFRESH_CATEGORY_COUNT; k++) {
            assert_int_equal(r.within_interval[api][k].movies, want[api][k][0]);
            assert_int_equal(r.within_interval[api][k].within, want[api][k][1]);
        }
    }
    assert_int_equal(r.never_checked[RS_API_TMDB], 1);
    assert_int_equal(r.never_checked[RS_API_OMDB], 1);
    /* 5 and 10 are both 37 days late: the lower id; frozen 6 and gone 7 are not counted */
    const struct store_overdue *t = &r.oldest_overdue[RS_API_TMDB];
    assert_true(t->set);
    assert_int_equal(t->tmdb_id, 5);
    assert_string_equal(t->title, "Old One");
    assert_int_equal(t->category, REFRESH_ARCHIVED);
    assert_int_equal(t->days, 37);
    const struct store_overdue *o = &r.oldest_overdue[RS_API_OMDB];
    assert_true(o->set);
    assert_int_equal(o->tmdb_id, 8);
    assert_int_equal(o->category, REFRESH_ARCHIVED);
    assert_int_equal(o->days, 20);
    store_report_release(&r);
}

static void usage_runs_report(void **state)
{
    struct fx *f = *state;
    int64_t c[RS_OUTCOME_COUNT] = {0};
    c[RS_OK] = 10;
    c[RS_ERR_TIMEOUT] = 2;
    OK(store_usage_add(f->st, TODAY, RS_API_TMDB, c, E));
    OK(store_usage_add(f->st, TODAY, RS_API_TMDB, c, E));
    c[RS_ERR_TIMEOUT] = 0;
    c[RS_ERR_NOT_FOUND] = 1;
    OK(store_usage_add(f->st, TODAY - 6, RS_API_OMDB, c, E));
    OK(store_usage_add(f->st, TODAY - 7, RS_API_OMDB, c, E));
    OK(store_usage_add(f->st, TODAY - 40, RS_API_OMDB, c, E));
    int64_t total = -1;
    OK(store_usage_total(f->st, TODAY, RS_API_TMDB, &total, E));
    assert_int_equal(total, 24);
    OK(store_usage_total(f->st, TODAY, RS_API_OMDB, &total, E));
    assert_int_equal(total, 0);

    int64_t run1 = 0, run2 = 0;
    OK(store_run_begin(f->st, NOW - 100, "{\"limit\":100}", &run1, E));
    OK(store_run_end(f->st, run1, NOW - 50, "{\"discovered\":3}", 0, E));
    OK(store_run_begin(f->st, NOW, NULL, &run2, E));
    assert_true(run2 > run1);

    struct rs_i64 old = RS_I64(TODAY - 1000);
    struct store_movie rows[4] = {mv(1, old, RS_I64(NOW), RS_I64(NOW), "tt1"),
                                  mv(2, old, RS_NULL_I64, RS_NULL_I64, NULL),
                                  mv(3, RS_I64(TODAY - 10), RS_I64(NOW), RS_I64(NOW), "tt3"),
                                  mv(4, old, RS_NULL_I64, RS_NULL_I64, "tt4")};
    rows[3].data_frozen = true;
    OK(store_bulk_insert_movies(f->st, rows, 4, NOW, E));

    struct store_report rep;
    OK(store_report(f->st, NOW, &rep, E));
    assert_int_equal(rep.usage[RS_API_TMDB][STORE_TODAY][RS_OK], 20);
    assert_int_equal(rep.usage[RS_API_TMDB][STORE_TODAY][RS_ERR_TIMEOUT], 4);
    assert_int_equal(rep.usage_total[RS_API_TMDB][STORE_LAST_30], 24);
    assert_int_equal(rep.usage_total[RS_API_OMDB][STORE_TODAY], 0);
    assert_int_equal(rep.usage_total[RS_API_OMDB][STORE_LAST_7], 11); /* TODAY-6 only */
    assert_int_equal(rep.usage_total[RS_API_OMDB][STORE_LAST_30], 22);
    assert_int_equal(rep.errors[RS_ERR_NOT_FOUND], 3);
    assert_int_equal(rep.errors[RS_ERR_TIMEOUT], 4);
    assert_int_equal(rep.movies, 4);
    assert_int_equal(rep.frozen, 1);
    assert_int_equal(rep.missing_imdb, 1);
    assert_int_equal(rep.category[REFRESH_ARCHIVED].total, 3);
    assert_int_equal(rep.category[REFRESH_ARCHIVED].due, 1);
    assert_int_equal(rep.category[REFRESH_ARCHIVED].not_due, 1);
    assert_int_equal(rep.category[REFRESH_ARCHIVED].frozen, 1);
    assert_int_equal(rep.category[REFRESH_RECENT].total, 1);
    assert_int_equal(rep.category[REFRESH_RECENT].not_due, 1);
    assert_int_equal(rep.due_now[RS_API_TMDB], 1);
    assert_int_equal(rep.due_now[RS_API_OMDB], 1);
    assert_int_equal(rep.n_runs, 2);
    assert_int_equal(rep.runs[0].id, run2);
    assert_false(rep.runs[0].ended_at.set);
    assert_null(rep.runs[0].stats_json);
    assert_int_equal(rep.runs[1].started_at, NOW - 100);
    assert_int_equal(rep.runs[1].ended_at.v, NOW - 50);
    assert_int_equal(rep.runs[1].status.v, 0);
    assert_string_equal(rep.runs[1].stats_json, "{\"discovered\":3}");
    assert_string_equal(rep.runs[1].options_json, "{\"limit\":100}");
    store_report_release(&rep);
}

/* store_unknown_movies: the ids no movie has, each once, ascending. */
static void unknown_movies(void **state)
{
    struct fx *f = *state;
    struct rs_i64 rel = RS_I64(TODAY - 500);
    struct store_movie rows[2] = {mv(10, rel, RS_NULL_I64, RS_NULL_I64, NULL),
                                  mv(20, rel, RS_NULL_I64, RS_NULL_I64, NULL)};
    rows[1].tmdb_gone_at = RS_I64(NOW); /* gone is still a movie of the file */
    OK(store_bulk_insert_movies(f->st, rows, 2, NOW, E));
    const int64_t ids[] = {99, 10, 5, 99, 20};
    int64_t *unknown = NULL;
    size_t k = 0;
    OK(store_unknown_movies(f->st, ids, 5, &unknown, &k, E));
    assert_int_equal(k, 2);
    assert_int_equal(unknown[0], 5);
    assert_int_equal(unknown[1], 99);
    free(unknown);
    OK(store_unknown_movies(f->st, ids + 1, 1, &unknown, &k, E));
    assert_int_equal(k, 0);
    free(unknown);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(usage_runs_report, setup, teardown),
        cmocka_unit_test_setup_teardown(report_freshness, setup, teardown),
        cmocka_unit_test_setup_teardown(report_within_interval, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_movies, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
