/*
 * The planner: store_plan's one query over PLAN_BASE (store_int.h), store_plan_count's count
 * of the same movies without a limit, and the binding of the refresh policy's numbers into
 * them, which report.c shares. The policy itself is refresh.c's:
 * its intervals and its categories' youngest ages are bound as parameters, never restated.
 */
#include <stdlib.h>
#include <string.h>

#include "reelsync/refresh.h"
#include "store_int.h"

/* The intervals of API in ST's schedule as PLAN_BASE's list of microseconds. */
static void bind_intervals(struct store *st, duckdb_prepared_statement ps, idx_t i, enum rs_api api)
{
    int64_t us[2 * REFRESH_BIN_COUNT];
    for (int bin = 0; bin < REFRESH_BIN_COUNT; bin++)
        for (int chg = 0; chg < 2; chg++)
            us[2 * bin + chg] =
                (int64_t)(st->schedule.interval[api][bin][chg] * 86400.0 * (double)US_PER_S + 0.5);
    bind_int64s(ps, i, us, RS_ARRAY_LEN(us));
}

_Static_assert(PLAN_ALONG_AT == 2 * REFRESH_BIN_COUNT + 1, "PLAN_ALONG follows TMDB's rates");
_Static_assert(PLAN_HZ_LO == REFRESH_HAZARD_AGE_LO && PLAN_HZ_HI == REFRESH_HAZARD_AGE_HI &&
                   PLAN_HZ_OFF == 2 * REFRESH_BIN_COUNT + 1 - REFRESH_HAZARD_AGE_LO &&
                   PLAN_HZ_TAIL == 2 * REFRESH_BIN_COUNT + 1 + REFRESH_HAZARD_AGES,
               "PLAN_HZ_* (store_int.h) match refresh.h's grid");

/* The rates of API in ST's schedule (changes a day), as PLAN_BASE's DOUBLE[]; for OMDB
 * followed by its hazard (PLAN_HZ_*). */
static void bind_rates(struct store *st, duckdb_prepared_statement ps, idx_t i, enum rs_api api)
{
    double r[2 * REFRESH_BIN_COUNT + REFRESH_HAZARD_AGES + 6];
    const struct refresh_hazard *hz = &st->schedule.omdb;
    size_t n = 2 * REFRESH_BIN_COUNT;
    for (int bin = 0; bin < REFRESH_BIN_COUNT; bin++)
        for (int chg = 0; chg < 2; chg++)
            r[2 * bin + chg] = st->schedule.rate[api][bin][chg];
    if (api == RS_API_TMDB)
        r[n++] = REFRESH_ALONG_WAITED;
    if (api == RS_API_OMDB) {
        memcpy(r + n, hz->cum, sizeof(hz->cum));
        n += REFRESH_HAZARD_AGES;
        r[n++] = hz->h[0];
        r[n++] = hz->h[refresh_hazard_buckets() - 1];
        r[n++] = hz->theta;
        r[n++] = hz->q;
        r[n++] = hz->on && st->schedule.policy == REFRESH_POLICY_ADAPTIVE ? 1.0 : 0.0;
        r[n++] = REFRESH_MIN_INTERVAL_DAYS * 86400.0 * (double)US_PER_S;
    }
    bind_doubles(ps, i, r, n);
}

void plan_bind_bins(duckdb_prepared_statement ps, idx_t i)
{
    int64_t ages[REFRESH_BIN_COUNT - 1];
    for (int bin = 1; bin < REFRESH_BIN_COUNT; bin++)
        ages[bin - 1] = refresh_bin_min_age(bin);
    bind_int64s(ps, i, ages, RS_ARRAY_LEN(ages));
}

void plan_bind_policy(struct store *st, duckdb_prepared_statement ps, rs_time_t now)
{
    duckdb_bind_date(ps, 1, (duckdb_date){.days = rs_time_day(now)});
    duckdb_bind_int64(ps, 2, now * US_PER_S);
    bind_intervals(st, ps, 3, RS_API_TMDB);
    bind_intervals(st, ps, 4, RS_API_OMDB);
    int64_t cats[REFRESH_BIN_COUNT];
    for (int bin = 0; bin < REFRESH_BIN_COUNT; bin++)
        cats[bin] = refresh_bin_category(bin);
    plan_bind_bins(ps, 5);
    bind_int64s(ps, 6, cats, RS_ARRAY_LEN(cats));
    duckdb_bind_boolean(ps, 7, st->schedule.policy == REFRESH_POLICY_ADAPTIVE);
    bind_rates(st, ps, 8, RS_API_TMDB);
    bind_rates(st, ps, 9, RS_API_OMDB);
}

static void read_plan_item(struct store *st, struct cursor *c, bool titles, struct plan_item *it,
                           bool *oom)
{
    memset(it, 0, sizeof(*it));
    it->policy = st->schedule.policy;
    it->tmdb_id = col_int(c, 0);
    col_copy(c, 1, it->imdb_id, sizeof(it->imdb_id));
    if (titles)
        it->title = col_str(c, 2, oom);
    it->release_date = col_i64(c, 3);
    struct rs_i64 t = col_i64(c, 4), o = col_i64(c, 5);
    it->last_tmdb = t.set ? RS_I64(floor_div(t.v, US_PER_S)) : RS_NULL_I64;
    it->last_omdb = o.set ? RS_I64(floor_div(o.v, US_PER_S)) : RS_NULL_I64;
    it->category = (enum refresh_category)col_int(c, 6);
    it->age_days = col_int(c, 7);
    it->frozen = col_int(c, 8) != 0;
    it->needs_tmdb = col_int(c, 9) != 0;
    it->needs_omdb = col_int(c, 10) != 0;
    it->tmdb_feed = col_int(c, 13) != 0;
    it->feed_day = col_i64(c, 14);
    it->interval_days[RS_API_TMDB] = (double)col_int(c, 15) / (86400.0 * (double)US_PER_S);
    it->interval_days[RS_API_OMDB] = (double)col_int(c, 16) / (86400.0 * (double)US_PER_S);
    struct rs_f64 chance = col_f64(c, 20);
    it->omdb_chance = chance.set ? chance.v : -1;
    int64_t over = col_int(c, 22);
    it->overdue_s = over == INT64_MAX ? INT64_MAX : floor_div(over, US_PER_S);
}

void store_plan_free(struct plan_item *items, size_t n)
{
    for (size_t i = 0; items && i < n; i++)
        free(items[i].title);
    free(items);
}

enum rs_err store_plan_each(struct store *st, rs_time_t now, size_t limit, bool include_frozen,
                            bool titles, store_plan_fn each, void *ctx, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    /* A movie without an IMDb id has no OMDB check to be overdue: only its TMDB lateness ranks
     * it, or it would jump the queue as "never fetched" on every TMDB refresh. Ties (every
     * movie never fetched, every movie of a category stamped by the same run) go in the
     * table's order, so each commit of the refresh updates neighbouring rows: in tmdb_id
     * order they were all over the table, and a 300,000-movie collect ran at 1,256 movies/s
     * instead of 3,298 (docs/benchmarks.md, issue 18). Without TITLES the title is NULL
     * before the sort, which then carries no strings but the IMDb ids. */
    enum rs_err rc = sql_stmt(
        st, S_PLAN,
        "SELECT * EXCLUDE (rid) REPLACE (CASE WHEN $12 THEN title END AS title),"
        " greatest(CASE WHEN needs_tmdb THEN t_over END,"
        " CASE WHEN needs_omdb AND imdb_id IS NOT NULL THEN o_over END) AS overdue"
        " FROM (" PLAN_BASE ") p WHERE (needs_tmdb OR needs_omdb) AND ($10 OR NOT data_frozen)"
        " ORDER BY rank DESC NULLS LAST, overdue DESC, rid LIMIT $11",
        &ps, err);
    if (rc)
        return rc;
    plan_bind_policy(st, ps, now);
    duckdb_bind_boolean(ps, 10, include_frozen);
    duckdb_bind_int64(ps, 11, limit ? (int64_t)limit : INT64_MAX);
    duckdb_bind_boolean(ps, 12, titles);
    rc = sql_stream(ps, &res, "plan", err);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    bool oom = false, go = true;
    while (go && !oom && cursor_next(&c)) {
        struct plan_item it;
        read_plan_item(st, &c, titles, &it, &oom);
        go = oom || each(ctx, &it);
        free(it.title);
    }
    rc = cursor_end(&c, "plan", err);
    if (rc == RS_OK && oom)
        rc = rs_fail(err, RS_ERR_NOMEM, "plan: out of memory");
    return rc;
}

/* store_plan's collection of the items: doubled as they come, shrunk to fit at the end. */
struct plan_list {
    struct plan_item *items;
    size_t n, cap;
    bool oom;
};

static bool plan_take(void *ctx, const struct plan_item *it)
{
    struct plan_list *l = ctx;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        struct plan_item *p = realloc(l->items, ncap * sizeof(*p));
        l->oom = !p;
        if (l->oom)
            return false;
        l->items = p;
        l->cap = ncap;
    }
    struct plan_item *out = &l->items[l->n];
    *out = *it;
    out->title = it->title ? strdup(it->title) : NULL;
    l->oom = it->title && !out->title;
    l->n += !l->oom;
    return !l->oom;
}

enum rs_err store_plan(struct store *st, rs_time_t now, size_t limit, bool include_frozen,
                       bool titles, struct plan_item **items, size_t *n, struct rs_error *err)
{
    struct plan_list l = {0};
    enum rs_err rc = store_plan_each(st, now, limit, include_frozen, titles, plan_take, &l, err);
    if (rc == RS_OK && l.oom)
        rc = rs_fail(err, RS_ERR_NOMEM, "plan: out of memory");
    if (rc) {
        store_plan_free(l.items, l.n);
        return rc;
    }
    struct plan_item *fit = l.n ? realloc(l.items, l.n * sizeof(*l.items)) : NULL;
    *items = fit ? fit : l.items;
    *n = l.n;
    return RS_OK;
}

enum rs_err store_plan_count(struct store *st, rs_time_t now, bool include_frozen, int64_t *count,
                             struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    int64_t due = 0;
    enum rs_err rc = sql_prepare(st,
                                 "SELECT count(*) FROM (" PLAN_BASE ") p"
                                 " WHERE (needs_tmdb OR needs_omdb) AND ($10 OR NOT data_frozen)",
                                 "plan", &ps, err);
    if (rc)
        return rc;
    plan_bind_policy(st, ps, now);
    duckdb_bind_boolean(ps, 10, include_frozen);
    rc = sql_query_int(ps, &due, "plan", err);
    duckdb_destroy_prepare(&ps);
    if (rc == RS_OK)
        *count = due;
    return rc;
}

/* The movies planning considers now per cell (not frozen; OMDB: with an IMDb id). */
static enum rs_err evidence_movies(struct store *st, rs_time_t now, struct refresh_evidence *ev,
                                   struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = sql_prepare(st,
                                 "SELECT bin, t_chg, o_chg, imdb_id IS NOT NULL, count(*)"
                                 " FROM (" PLAN_BASE ") p WHERE NOT data_frozen GROUP BY ALL",
                                 "plan", &ps, err);
    if (rc)
        return rc;
    plan_bind_policy(st, ps, now);
    rc = sql_run(ps, &res, "plan", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    while (cursor_next(&c)) {
        int64_t bin = col_int(&c, 0), n = col_int(&c, 4);
        if (bin < 0 || bin >= REFRESH_BIN_COUNT)
            continue;
        ev->cell[RS_API_TMDB][bin][col_int(&c, 1) != 0].movies += n;
        if (col_int(&c, 3))
            ev->cell[RS_API_OMDB][bin][col_int(&c, 2) != 0].movies += n;
    }
    cursor_done(&c);
    return RS_OK;
}

/*
 * Each refresh of the last REFRESH_LEARN_DAYS that had an earlier one of the same movie and
 * API: its age bin when it was made, whether it and the one before it found a change
 * (change_log rows at their times), the days between them. A TMDB change the feed had
 * reported in between is the feed's, not counted; for OMDB, a feed report in between counts
 * as the movie having changed before (PLAN_BASE's o_chg).
 */
#define EVIDENCE_BIN PLAN_BIN(2)
#define EVIDENCE_ROWS                                                                              \
    "WITH o AS (SELECT tmdb_id, api, observed_at, lag(observed_at) OVER"                           \
    "  (PARTITION BY tmdb_id, api ORDER BY observed_at) AS prev_at FROM observations),"            \
    " ch AS (SELECT DISTINCT tmdb_id, api, changed_at FROM change_log),"                           \
    " r AS (SELECT o.*, CAST(o.observed_at AS DATE) - m.release_date AS age,"                      \
    "  CAST(o.prev_at AS DATE) - m.release_date AS prev_age,"                                      \
    "  c1.changed_at IS NOT NULL AS changed, c2.changed_at IS NOT NULL AS prev_changed,"           \
    "  EXISTS (SELECT 1 FROM feed_changes f WHERE f.tmdb_id = o.tmdb_id"                           \
    "   AND f.noted_at > o.prev_at AND f.noted_at <= o.observed_at) AS fed"                        \
    "  FROM o JOIN movies m ON m.tmdb_id = o.tmdb_id"                                              \
    "  LEFT JOIN ch c1 ON c1.tmdb_id = o.tmdb_id AND c1.api = o.api"                               \
    "   AND c1.changed_at = o.observed_at"                                                         \
    "  LEFT JOIN ch c2 ON c2.tmdb_id = o.tmdb_id AND c2.api = o.api AND c2.changed_at = o.prev_at" \
    "  WHERE o.prev_at IS NOT NULL AND epoch_us(o.observed_at) > CAST($1 AS BIGINT))"
#define EVIDENCE_SQL                                                                               \
    EVIDENCE_ROWS                                                                                  \
    " SELECT api, " EVIDENCE_BIN ", CAST(prev_changed OR (fed AND api = 'omdb') AS INTEGER),"      \
    "  count(*), count(*) FILTER (WHERE changed AND NOT (fed AND api = 'tmdb')),"                  \
    "  CAST(sum(epoch_us(observed_at) - epoch_us(prev_at)) // 1000000 AS BIGINT)"                  \
    " FROM r GROUP BY ALL"
/* OMDB's checks as refresh_hazard_groups: $2 is each grid age's bucket (from PLAN_HZ_LO). */
#define HAZARD_BUCKET(x)                                                                           \
    "list_extract(CAST($2 AS BIGINT[]), least(greatest(" x ", " PLAN_HZ_LO_SQL                     \
    "), " PLAN_HZ_HI_SQL ") - (" PLAN_HZ_LO_SQL ") + 1)"
#define HAZARD_SQL                                                                                 \
    EVIDENCE_ROWS " SELECT " HAZARD_BUCKET("prev_age + 1") ", " HAZARD_BUCKET(                     \
        "age") ", changed, fed, count(*),"                                                         \
               " CAST(sum(prev_age) AS DOUBLE), CAST(sum(age) AS DOUBLE)"                          \
               " FROM r WHERE api = 'omdb' AND age > prev_age GROUP BY ALL"

/* OMDB's checks of the last REFRESH_LEARN_DAYS as hazard groups into EV (malloc'd). */
static enum rs_err hazard_groups(struct store *st, rs_time_t now, struct refresh_evidence *ev,
                                 struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    int64_t map[REFRESH_HAZARD_AGES];
    for (int64_t a = REFRESH_HAZARD_AGE_LO; a <= REFRESH_HAZARD_AGE_HI; a++)
        map[a - REFRESH_HAZARD_AGE_LO] = refresh_hazard_bucket(a);
    enum rs_err rc = sql_prepare(st, HAZARD_SQL, "plan", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, (now - (rs_time_t)REFRESH_LEARN_DAYS * RS_DAY_SECONDS) * US_PER_S);
    bind_int64s(ps, 2, map, RS_ARRAY_LEN(map));
    rc = sql_run(ps, &res, "plan", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    size_t cap = 0, n = 0;
    struct refresh_hazard_group *g = NULL;
    struct cursor c = {.res = &res};
    bool oom = false;
    while (!oom && cursor_next(&c)) {
        if (n == cap) {
            struct refresh_hazard_group *p = realloc(g, (cap = cap ? 2 * cap : 256) * sizeof(*g));
            oom = !p;
            g = p ? p : g;
            if (oom)
                break;
        }
        g[n++] = (struct refresh_hazard_group){.first = (int)col_int(&c, 0),
                                               .last = (int)col_int(&c, 1),
                                               .changed = col_int(&c, 2) != 0,
                                               .fed = col_int(&c, 3) != 0,
                                               .n = col_int(&c, 4),
                                               .sum_a1 = col_f64(&c, 5).v,
                                               .sum_a2 = col_f64(&c, 6).v};
    }
    cursor_done(&c);
    if (oom) {
        free(g);
        return rs_fail(err, RS_ERR_NOMEM, "plan: out of memory");
    }
    ev->omdb_groups = g;
    ev->omdb_ngroups = n;
    ev->omdb_hazard = true;
    return RS_OK;
}

/* One integer of SQL whose $1 is NOW in epoch microseconds. */
static enum rs_err int_at_now(struct store *st, const char *sql, rs_time_t now, int64_t *out,
                              struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = sql_prepare(st, sql, "plan", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, now * US_PER_S);
    rc = sql_query_int(ps, out, "plan", err);
    duckdb_destroy_prepare(&ps);
    return rc;
}

/* Known movies the feed reported a day over the last 28 days (or since it was first read). */
static enum rs_err feed_rate(struct store *st, rs_time_t now, double *per_day, struct rs_error *err)
{
    int64_t tenths = 0;
    enum rs_err rc = int_at_now(
        st,
        "SELECT coalesce(CAST(10 * count(*) / greatest(1, least(28, (CAST($1 AS BIGINT) -"
        " epoch_us(min(noted_at))) / 86400000000)) AS BIGINT), 0) FROM feed_changes"
        " WHERE epoch_us(noted_at) > CAST($1 AS BIGINT) - 28 * 86400000000",
        now, &tenths, err);
    if (rc == RS_OK)
        *per_day = (double)tenths / 10.0;
    return rc;
}

enum rs_err store_refresh_evidence(struct store *st, rs_time_t now, struct refresh_evidence *ev,
                                   struct rs_error *err)
{
    struct refresh_evidence e = {0};
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    enum rs_err rc = evidence_movies(st, now, &e, err);
    if (rc == RS_OK)
        rc = sql_prepare(st, EVIDENCE_SQL, "plan", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, (now - (rs_time_t)REFRESH_LEARN_DAYS * RS_DAY_SECONDS) * US_PER_S);
    plan_bind_bins(ps, 2);
    rc = sql_run(ps, &res, "plan", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    while (cursor_next(&c)) {
        char api[16];
        col_copy(&c, 0, api, sizeof(api));
        int a =
            strcmp(api, "tmdb") == 0 ? RS_API_TMDB : (strcmp(api, "omdb") == 0 ? RS_API_OMDB : -1);
        int64_t bin = col_int(&c, 1);
        if (a < 0 || bin < 0 || bin >= REFRESH_BIN_COUNT)
            continue;
        struct refresh_cell *cell = &e.cell[a][bin][col_int(&c, 2) != 0];
        cell->refreshes += col_int(&c, 3);
        cell->changed += col_int(&c, 4);
        cell->days += (double)col_int(&c, 5) / RS_DAY_SECONDS; /* seconds waited */
    }
    cursor_done(&c);
    rc = feed_rate(st, now, &e.feed_per_day, err);
    if (rc == RS_OK)
        *ev = e;
    return rc;
}

/*
 * OMDB's threshold: the chance of the last of the checks this run may spend, going down the
 * chances, BUDGET being the schedule's checks a day times the share of a day since the last
 * OMDB check (a run a day: all of it). A check along with a TMDB refresh the plan makes
 * anyway (a movie the feed reported or never fetched) costs no slot of REFRESH_LIMIT; the
 * others fit in the slots those movies leave. Nothing over the budget: 2 (none by chance).
 */
/* clang-format off */
#define THRESHOLD_SQL                                                                      \
    "WITH p AS (SELECT o_p, t_feed OR t_last IS NULL AS ride, data_frozen,"                \
    "  imdb_id IS NOT NULL AND (t_feed OR t_last IS NULL OR o_last IS NULL) AS first,"     \
    "  imdb_id IS NOT NULL AND o_p IS NOT NULL"                                            \
    "   AND CAST($2 AS BIGINT) - o_last >= " PLAN_HZ_AT(5) " AS cand"                      \
    "  FROM " PLAN_ROWS "),"                                                               \
    " s AS (SELECT greatest(0, CAST($10 AS BIGINT) - count(*)) AS slots FROM p"            \
    "  WHERE first AND NOT data_frozen)"                                                   \
    " SELECT coalesce(min(o_p), 2.0) FROM (SELECT o_p, sum(CAST(ride AS BIGINT)) OVER w"   \
    "  + least(sum(CAST(NOT ride AS BIGINT)) OVER w, (SELECT slots FROM s)) AS used"       \
    "  FROM p WHERE cand AND NOT data_frozen AND $8 IS NOT NULL"                           \
    "  WINDOW w AS (ORDER BY o_p DESC ROWS UNBOUNDED PRECEDING)) WHERE used <= $11"
/* clang-format on */

static enum rs_err omdb_threshold(struct store *st, size_t refresh_limit, rs_time_t now,
                                  struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    int64_t last_us = 0;
    enum rs_err rc = int_at_now(st,
                                "SELECT coalesce(max(epoch_us(observed_at)), 0) FROM observations"
                                " WHERE api = 'omdb' AND epoch_us(observed_at) <= $1",
                                now, &last_us, err);
    double day = last_us > 0 ? (double)(now * US_PER_S - last_us) / (86400.0 * US_PER_S) : 1.0;
    double budget = st->schedule.omdb.budget * (day < 1.0 ? day : 1.0);
    if (rc == RS_OK)
        rc = sql_prepare(st, THRESHOLD_SQL, "plan", &ps, err);
    if (rc)
        return rc;
    plan_bind_policy(st, ps, now);
    duckdb_bind_int64(ps, 10, refresh_limit ? (int64_t)refresh_limit : INT64_MAX / 2);
    duckdb_bind_int64(ps, 11, (int64_t)(budget + 0.5));
    rc = sql_run(ps, &res, "plan", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct cursor c = {.res = &res};
    if (cursor_next(&c))
        st->schedule.omdb.theta = col_f64(&c, 0).v;
    cursor_done(&c);
    return RS_OK;
}

enum rs_err store_use_policy(struct store *st, enum refresh_policy policy, bool feed,
                             size_t refresh_limit, rs_time_t now, struct refresh_schedule *schedule,
                             struct rs_error *err)
{
    struct refresh_evidence ev = {0};
    enum rs_err rc = RS_OK;
    if (policy == REFRESH_POLICY_ADAPTIVE) {
        refresh_schedule_make(REFRESH_POLICY_SEED, NULL, &st->schedule); /* cells by the seed's */
        rc = store_refresh_evidence(st, now, &ev, err);
        if (rc == RS_OK)
            rc = hazard_groups(st, now, &ev, err);
        if (rc)
            return rc;
        ev.feed = feed;
        ev.per_day = (double)refresh_limit;
    }
    refresh_schedule_make(policy, &ev, &st->schedule);
    free((void *)ev.omdb_groups);
    if (st->schedule.omdb.on)
        rc = omdb_threshold(st, refresh_limit, now, err);
    if (rc)
        refresh_schedule_make(REFRESH_POLICY_SEED, NULL, &st->schedule);
    else if (schedule)
        *schedule = st->schedule;
    return rc;
}
