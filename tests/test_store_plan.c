/*
 * The planner (src/store/plan.c) at every boundary of the refresh policy: categories,
 * intervals, the OMDB "not found" stamp, order and limit, frozen and gone movies, and
 * agreement with refresh.c on thousands of random movies.
 */
#include "test_store.h"

static const struct plan_item *find(const struct plan_item *items, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (items[i].tmdb_id == id)
            return &items[i];
    return NULL;
}

static void plan_categories(void **state)
{
    struct fx *f = *state;
    static const struct {
        int64_t age;
        enum refresh_category cat;
    } cases[] = {{0, REFRESH_RECENT},        {59, REFRESH_RECENT},  {60, REFRESH_ESTABLISHED},
                 {179, REFRESH_ESTABLISHED}, {180, REFRESH_MATURE}, {365, REFRESH_MATURE},
                 {366, REFRESH_ARCHIVED},    {-10, REFRESH_RECENT}};
    enum { NC = sizeof(cases) / sizeof(cases[0]) };
    struct store_movie rows[NC + 1];
    for (int i = 0; i < NC; i++)
        rows[i] = mv(i + 1, RS_I64(TODAY - cases[i].age), RS_NULL_I64, RS_NULL_I64, "tt1");
    rows[NC] = mv(NC + 1, RS_NULL_I64, RS_NULL_I64, RS_NULL_I64, NULL);
    OK(store_bulk_insert_movies(f->st, rows, NC + 1, NOW, E));
    struct plan_item *items = NULL;
    size_t n = 0;
    OK(store_plan(f->st, NOW, 0, false, true, &items, &n, E));
    assert_int_equal(n, NC + 1);
    for (int i = 0; i < NC; i++) {
        const struct plan_item *it = find(items, n, i + 1);
        assert_non_null(it);
        assert_int_equal(it->category, cases[i].cat);
        assert_int_equal(it->category, refresh_category_of(RS_I64(TODAY - cases[i].age), NOW));
        assert_int_equal(it->age_days, cases[i].age);
        assert_true(it->needs_tmdb);
        assert_true(it->needs_omdb);
        assert_true(it->overdue_s == INT64_MAX);
        assert_string_equal(it->imdb_id, "tt1");
        assert_string_equal(it->title, "T");
    }
    const struct plan_item *none = find(items, n, NC + 1);
    assert_int_equal(none->category, REFRESH_RECENT);
    assert_false(none->release_date.set);
    assert_int_equal(none->age_days, 0);
    assert_string_equal(none->imdb_id, "");
    assert_true(none->needs_omdb); /* the IMDb id comes with TMDB in the same run */
    store_plan_free(items, n);
    /* A refresh asks for no titles. */
    OK(store_plan(f->st, NOW, 0, false, false, &items, &n, E));
    assert_int_equal(n, NC + 1);
    assert_null(items[0].title);
    store_plan_free(items, n);
}

/* For each category and API: last check exactly interval-1s ago is not due, interval is. */
static void plan_intervals(void **state)
{
    struct fx *f = *state;
    static const int64_t ages[4] = {10, 100, 200, 1000};
    struct store_movie rows[32];
    size_t k = 0;
    for (int c = 0; c < 4; c++) {
        struct rs_i64 rel = RS_I64(TODAY - ages[c]);
        rs_time_t t_iv = (rs_time_t)refresh_interval_days(c, RS_API_TMDB) * DAY;
        rs_time_t o_iv = (rs_time_t)refresh_interval_days(c, RS_API_OMDB) * DAY;
        int64_t base = 1000 * (c + 1);
        /* +0 TMDB just not due, OMDB fresh; +1 TMDB exactly due; +2/+3 the same for OMDB */
        rows[k++] = mv(base + 0, rel, RS_I64(NOW - t_iv + 1), RS_I64(NOW), "tt1");
        rows[k++] = mv(base + 1, rel, RS_I64(NOW - t_iv), RS_I64(NOW), "tt1");
        rows[k++] = mv(base + 2, rel, RS_I64(NOW), RS_I64(NOW - o_iv + 1), "tt1");
        rows[k++] = mv(base + 3, rel, RS_I64(NOW), RS_I64(NOW - o_iv), "tt1");
        /* OMDB due but no IMDb id and TMDB not due: nothing to do */
        rows[k++] = mv(base + 4, rel, RS_I64(NOW), RS_I64(NOW - o_iv), NULL);
        /* OMDB "not found" stamp counts as a check */
        rows[k] = mv(base + 5, rel, RS_I64(NOW), RS_NULL_I64, "tt1");
        rows[k++].omdb_not_found_at = RS_I64(NOW - o_iv + 1);
        rows[k] = mv(base + 6, rel, RS_I64(NOW), RS_NULL_I64, "tt1");
        rows[k++].omdb_not_found_at = RS_I64(NOW - o_iv);
    }
    OK(store_bulk_insert_movies(f->st, rows, k, NOW, E));
    struct plan_item *items = NULL;
    size_t n = 0;
    OK(store_plan(f->st, NOW, 0, false, false, &items, &n, E));
    assert_int_equal(n, 4 * 3);
    for (int c = 0; c < 4; c++) {
        int64_t base = 1000 * (c + 1);
        assert_null(find(items, n, base + 0));
        assert_null(find(items, n, base + 2));
        assert_null(find(items, n, base + 4));
        assert_null(find(items, n, base + 5));
        const struct plan_item *t = find(items, n, base + 1);
        const struct plan_item *o = find(items, n, base + 3);
        const struct plan_item *nf = find(items, n, base + 6);
        assert_non_null(t);
        assert_non_null(o);
        assert_non_null(nf);
        assert_true(t->needs_tmdb && !t->needs_omdb);
        assert_true(!o->needs_tmdb && o->needs_omdb);
        assert_true(!nf->needs_tmdb && nf->needs_omdb);
        assert_int_equal(t->overdue_s, 0);
        assert_int_equal(o->overdue_s, 0);
        assert_int_equal(t->category, c);
        rs_time_t o_iv = (rs_time_t)refresh_interval_days(c, RS_API_OMDB) * DAY;
        assert_true(nf->last_omdb.set);
        assert_int_equal(nf->last_omdb.v, NOW - o_iv);
        /* the SQL agrees with refresh_is_due */
        assert_true(refresh_is_due(RS_I64(TODAY - ages[c]), t->last_tmdb, RS_API_TMDB, NOW));
    }
    store_plan_free(items, n);
}

/*
 * Under the adaptive policy OMDB's hazard decides when a checked movie's OMDB check is due:
 * the plan carries its chance (what `plan` names), between 0 and 1, above 0 where due; the
 * seed's policy and a movie never checked carry none.
 */
static void plan_omdb_chance(void **state)
{
    struct fx *f = *state;
    static const int64_t ages[] = {3, 40, 100, 200, 400, 1000, 3000};
    enum { NA = sizeof(ages) / sizeof(ages[0]) };
    struct store_movie rows[2 * NA];
    for (int i = 0; i < NA; i++) {
        struct rs_i64 rel = RS_I64(TODAY - ages[i]);
        rows[2 * i] = mv(i + 1, rel, RS_I64(NOW), RS_I64(NOW - (ages[i] / 2 + 2) * DAY), "tt1");
        rows[2 * i + 1] = mv(100 + i, rel, RS_I64(NOW), RS_NULL_I64, "tt2");
    }
    OK(store_bulk_insert_movies(f->st, rows, 2 * NA, NOW, E));
    for (int policy = 0; policy < 2; policy++) {
        bool adaptive = policy == 1;
        OK(store_use_policy(f->st, adaptive ? REFRESH_POLICY_ADAPTIVE : REFRESH_POLICY_SEED, false,
                            0, NOW, NULL, E));
        struct plan_item *items = NULL;
        size_t n = 0, with_chance = 0;
        OK(store_plan(f->st, NOW, 0, false, false, &items, &n, E));
        assert_true(n >= NA); /* every movie never checked on OMDB at least */
        for (size_t k = 0; k < n; k++) {
            const struct plan_item *it = &items[k];
            if (!adaptive || !it->last_omdb.set) {
                assert_true(it->omdb_chance < 0);
                continue;
            }
            with_chance++;
            assert_true(it->omdb_chance >= 0 && it->omdb_chance <= 1);
            if (it->needs_omdb)
                assert_true(it->omdb_chance > 0);
        }
        if (adaptive)
            assert_true(with_chance > 0);
        store_plan_free(items, n);
    }
}

/* Adaptive: a movie taken for its OMDB check (never checked) has TMDB refreshed along with it
 * once TMDB has waited half its interval (refresh_tmdb_along), not before; never under the
 * seed's policy. */
static void plan_tmdb_along(void **state)
{
    struct fx *f = *state;
    enum { N = 36 };
    struct store_movie rows[N];
    struct rs_i64 old = RS_I64(TODAY - 1000); /* ARCHIVED */
    for (int i = 0; i < N; i++)
        rows[i] = mv(i + 1, old, RS_I64(NOW - (5 + 5 * i) * DAY), RS_NULL_I64, "tt1");
    OK(store_bulk_insert_movies(f->st, rows, N, NOW, E));
    for (int policy = 0; policy < 2; policy++) {
        bool adaptive = policy == 1;
        struct refresh_schedule s;
        OK(store_use_policy(f->st, adaptive ? REFRESH_POLICY_ADAPTIVE : REFRESH_POLICY_SEED, false,
                            0, NOW, &s, E));
        struct plan_item *items = NULL;
        size_t n = 0, along = 0, alone = 0;
        OK(store_plan(f->st, NOW, 0, false, false, &items, &n, E));
        assert_int_equal(n, N); /* every one for its first OMDB check */
        for (size_t k = 0; k < n; k++) {
            const struct plan_item *it = &items[k];
            double waited = (double)(NOW - it->last_tmdb.v) / DAY;
            double iv = it->interval_days[RS_API_TMDB];
            assert_true(it->needs_omdb);
            bool want = waited >= iv || (adaptive && waited >= REFRESH_ALONG_WAITED * iv);
            assert_int_equal(it->needs_tmdb, want);
            assert_int_equal(refresh_tmdb_along(&s, it->release_date, it->last_tmdb, false, NOW),
                             adaptive && waited >= REFRESH_ALONG_WAITED * iv);
            along += it->needs_tmdb && waited < iv;
            alone += !it->needs_tmdb;
        }
        assert_true(alone > 0);
        assert_true(adaptive ? along > 0 : along == 0);
        store_plan_free(items, n);
    }
}

static void plan_order_limit_frozen_gone(void **state)
{
    struct fx *f = *state;
    struct rs_i64 old = RS_I64(TODAY - 1000); /* ARCHIVED: 90 / 180 days */
    struct store_movie rows[7] = {
        mv(1, old, RS_I64(NOW - 91 * DAY), RS_I64(NOW), "tt1"),             /* 1 day overdue */
        mv(2, old, RS_I64(NOW - 100 * DAY), RS_I64(NOW), "tt2"),            /* 10 days */
        mv(3, old, RS_NULL_I64, RS_NULL_I64, NULL),                         /* never fetched */
        mv(4, old, RS_I64(NOW - 95 * DAY), RS_I64(NOW - 200 * DAY), "tt4"), /* 20 days (OMDB) */
        mv(5, old, RS_I64(NOW - 300 * DAY), RS_I64(NOW), "tt5"),            /* frozen */
        mv(6, old, RS_I64(NOW - 300 * DAY), RS_I64(NOW), "tt6"),            /* gone */
        mv(7, old, RS_I64(NOW - 92 * DAY), RS_NULL_I64, NULL),              /* 2 days; no IMDb id */
    };
    rows[4].data_frozen = true;
    rows[5].tmdb_gone_at = RS_I64(NOW - DAY);
    OK(store_bulk_insert_movies(f->st, rows, 7, NOW, E));
    struct plan_item *items = NULL;
    size_t n = 0;
    OK(store_plan(f->st, NOW, 0, false, false, &items, &n, E));
    assert_int_equal(n, 5);
    /* 7 was never asked of OMDB, but only because TMDB gave it no IMDb id: 2 days late */
    int64_t want[] = {3, 4, 2, 7, 1};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(items[i].tmdb_id, want[i]);
    assert_int_equal(items[1].overdue_s, 20 * DAY);
    assert_int_equal(items[2].overdue_s, 10 * DAY);
    assert_int_equal(items[3].overdue_s, 2 * DAY);
    assert_true(items[3].needs_omdb); /* the TMDB refresh may bring an IMDb id */
    assert_int_equal(items[4].overdue_s, 1 * DAY);
    store_plan_free(items, n);
    OK(store_plan(f->st, NOW, 2, false, false, &items, &n, E));
    assert_int_equal(n, 2);
    assert_int_equal(items[0].tmdb_id, 3);
    assert_int_equal(items[1].tmdb_id, 4);
    store_plan_free(items, n);
    OK(store_plan(f->st, NOW, 0, true, false, &items, &n, E));
    assert_int_equal(n, 6);
    assert_int_equal(items[1].tmdb_id, 5); /* 210 days overdue */
    assert_true(items[1].frozen);
    assert_null(find(items, n, 6));
    store_plan_free(items, n);
    /* a TMDB 404 takes a movie out of planning; rediscovery brings it back */
    OK(store_mark_gone(f->st, (int64_t[]){3}, 1, NOW, E));
    OK(store_plan(f->st, NOW, 1, false, false, &items, &n, E));
    assert_int_equal(items[0].tmdb_id, 4);
    store_plan_free(items, n);
    struct discover_row d = {.tmdb_id = 3, .title = "Back", .release_date = old};
    OK(store_upsert_discovered(f->st, &d, 1, NOW, NULL, E));
    OK(store_plan(f->st, NOW, 1, false, false, &items, &n, E));
    assert_int_equal(items[0].tmdb_id, 3);
    store_plan_free(items, n);
    struct rs_error err = {0};
    assert_int_equal(store_mark_gone(f->st, (int64_t[]){777}, 1, NOW, &err), RS_ERR_DB);
}

/* store_plan_count: what store_plan selects without a limit, frozen ones as asked. */
static void plan_count(void **state)
{
    struct fx *f = *state;
    struct rs_i64 old = RS_I64(TODAY - 1000);
    int64_t count = -1;
    OK(store_plan_count(f->st, NOW, false, &count, E));
    assert_int_equal(count, 0);
    struct store_movie rows[5] = {
        mv(1, old, RS_I64(NOW - 91 * DAY), RS_I64(NOW), "tt1"),  /* due */
        mv(2, old, RS_NULL_I64, RS_NULL_I64, NULL),              /* due: never fetched */
        mv(3, old, RS_I64(NOW), RS_I64(NOW), "tt3"),             /* not due */
        mv(4, old, RS_I64(NOW - 300 * DAY), RS_I64(NOW), "tt4"), /* frozen */
        mv(5, old, RS_I64(NOW - 300 * DAY), RS_I64(NOW), "tt5"), /* gone */
    };
    rows[3].data_frozen = true;
    rows[4].tmdb_gone_at = RS_I64(NOW - DAY);
    OK(store_bulk_insert_movies(f->st, rows, 5, NOW, E));
    struct plan_item *items = NULL;
    size_t n = 0;
    for (int frozen = 0; frozen <= 1; frozen++) {
        OK(store_plan(f->st, NOW, 1, frozen, false, &items, &n, E));
        assert_int_equal(n, 1); /* the limit cuts the list, not the count */
        store_plan_free(items, n);
        OK(store_plan(f->st, NOW, 0, frozen, false, &items, &n, E));
        OK(store_plan_count(f->st, NOW, frozen, &count, E));
        assert_int_equal(count, (int64_t)n);
        assert_int_equal(count, 2 + frozen);
        store_plan_free(items, n);
    }
}

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* The SQL planner agrees with refresh.c on many random movies around every boundary. */
static void plan_agrees_with_refresh(void **state)
{
    struct fx *f = *state;
    enum { N = 3000 };
    struct store_movie *rows = calloc(N, sizeof(*rows));
    uint64_t x = 88172645463325252ULL;
#define NEXT() xorshift(&x)
    static const int pivots[] = {0, 60, 180, 365, 366, 1000};
    for (int i = 0; i < N; i++) {
        int64_t age = pivots[NEXT() % 6] + (int64_t)(NEXT() % 5) - 2;
        struct rs_i64 rel = NEXT() % 20 == 0 ? RS_NULL_I64 : RS_I64(TODAY - age);
        int64_t ti = (int64_t)(NEXT() % 200) * DAY + (int64_t)(NEXT() % 3) - 1;
        int64_t oi = (int64_t)(NEXT() % 200) * DAY + (int64_t)(NEXT() % 3) - 1;
        rows[i] =
            mv(i + 1, rel, NEXT() % 10 == 0 ? RS_NULL_I64 : RS_I64(NOW - ti),
               NEXT() % 10 == 0 ? RS_NULL_I64 : RS_I64(NOW - oi), NEXT() % 4 == 0 ? NULL : "tt1");
    }
    OK(store_bulk_insert_movies(f->st, rows, N, NOW, E));
    struct plan_item *items = NULL;
    size_t n = 0;
    OK(store_plan(f->st, NOW, 0, false, false, &items, &n, E));
    size_t want = 0;
    for (int i = 0; i < N; i++) {
        const struct store_movie *m = &rows[i];
        bool nt = refresh_is_due(m->release_date, m->last_tmdb_update, RS_API_TMDB, NOW);
        bool no = refresh_is_due(m->release_date, m->last_omdb_update, RS_API_OMDB, NOW) &&
                  (m->imdb_id || nt);
        const struct plan_item *it = find(items, n, m->tmdb_id);
        if (!nt && !no) {
            assert_null(it);
            continue;
        }
        want++;
        assert_non_null(it);
        assert_int_equal(it->category, refresh_category_of(m->release_date, NOW));
        assert_int_equal(it->needs_tmdb, nt);
        assert_int_equal(it->needs_omdb, no);
    }
    assert_int_equal(n, want);
    for (size_t i = 1; i < n; i++) /* most overdue first, ties by tmdb_id */
        assert_true(items[i - 1].overdue_s > items[i].overdue_s ||
                    (items[i - 1].overdue_s == items[i].overdue_s &&
                     items[i - 1].tmdb_id < items[i].tmdb_id));
    store_plan_free(items, n);
    free(rows);
#undef NEXT
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(plan_categories, setup, teardown),
        cmocka_unit_test_setup_teardown(plan_intervals, setup, teardown),
        cmocka_unit_test_setup_teardown(plan_omdb_chance, setup, teardown),
        cmocka_unit_test_setup_teardown(plan_tmdb_along, setup, teardown),
        cmocka_unit_test_setup_teardown(plan_order_limit_frozen_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(plan_count, setup, teardown),
        cmocka_unit_test_setup_teardown(plan_agrees_with_refresh, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
