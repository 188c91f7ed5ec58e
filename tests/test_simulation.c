/*
 * Two simulated years of `collect --refresh-only --policy seed`, one run a day (issue 6's
 * proof, and issue 16's that the seed policy stays exactly what it was): a
 * synthetic catalog served by reelsync-fakeapi, whose data drifts with its clock, is
 * refreshed daily through orch_collect at --now. After each run the test reads the movies
 * straight from DuckDB and checks, movie by movie, against its own computation of the README's
 * policy (written here, independent of refresh.c and the store's planner):
 *   - each movie was refreshed on exactly the days the policy says, for TMDB and OMDB;
 *   - the server received exactly those requests (a frozen movie gets none);
 *   - a movie freezes exactly when it is ARCHIVED and its last 3 refreshes changed nothing,
 *     so movies whose data keeps changing never freeze.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reelsync/orchestrator.h"
#include "test.h"

/*
 * Two years. RS_SIM_DAYS may shorten it where the run checks something else than the policy
 * (the sanitizer build, which is about ten times slower): 400 days still take the archived
 * movies through the 3 refreshes that freeze them.
 */
#define DAYS 730
#define MIN_DAYS 400

static int sim_days(void)
{
    const char *v = getenv("RS_SIM_DAYS");
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : DAYS;
    if (!v || end == v || *end || n < MIN_DAYS || n > DAYS)
        return DAYS;
    return (int)n;
}
#define MAX_MOVIES 400
#define NONE (-1)

/* What the test knows of one movie: read back from DuckDB, plus its own freeze count. */
struct movie {
    int64_t id;
    int64_t release; /* days since the epoch, or INT64_MIN */
    int64_t last_tmdb, last_omdb, omdb_not_found, changed_at; /* epoch seconds or NONE */
    bool frozen, has_imdb, gone;
    int unchanged; /* the test's own count of unchanged refreshes in a row */
};

struct world {
    char *dir, *db;
    struct movie m[MAX_MOVIES];
    size_t n;
    int64_t refreshes, freezes, archived_changes;
};

static const int tmdb_days[] = {5, 15, 30, 90}, omdb_days[] = {5, 30, 90, 180};

/* The policy's categories: 0 RECENT .. 3 ARCHIVED. */
static int category(int64_t release, int64_t now)
{
    if (release == INT64_MIN)
        return 0;
    int64_t age = (now - release * 86400) / 86400; /* now is 06:00, release midnight */
    if (now < release * 86400 || age < 60)
        return 0;
    return age < 180 ? 1 : age <= 365 ? 2 : 3;
}

static bool due(int64_t last, int days, int64_t now)
{
    return last == NONE || now - last >= (int64_t)days * 86400;
}

static const char snapshot_sql[] =
    "SELECT string_agg(concat_ws('|', tmdb_id,"
    " coalesce(datediff('day', DATE '1970-01-01', release_date), -999999999),"
    " coalesce(CAST(epoch(last_tmdb_update) AS BIGINT), -1),"
    " coalesce(CAST(epoch(last_omdb_update) AS BIGINT), -1),"
    " coalesce(CAST(epoch(omdb_not_found_at) AS BIGINT), -1),"
    " CAST(data_frozen AS INTEGER),"
    " coalesce(CAST(epoch(data_changed_at) AS BIGINT), -1),"
    " CAST(imdb_id IS NOT NULL AS INTEGER), CAST(tmdb_gone_at IS NOT NULL AS INTEGER)),"
    " ';' ORDER BY tmdb_id) FROM movies";

/* Reads N "|"-separated integers of one row at *P, moving *P past the row's ";". */
static void read_row(char **p, long long *f, int n)
{
    for (int i = 0; i < n; i++) {
        char *end;
        f[i] = strtoll(*p, &end, 10);
        assert_true(end != *p && (*end == (i + 1 < n ? '|' : ';') || (*end == '\0' && i + 1 == n)));
        *p = *end ? end + 1 : end;
    }
}

/* Reads every movie into NEXT (same order as W->m: by tmdb_id). */
static size_t snapshot(struct world *w, struct movie *next)
{
    char *text = db_str(w->db, snapshot_sql);
    char *p = text;
    size_t n = 0;
    assert_non_null(text);
    while (*p && n < MAX_MOVIES) {
        long long f[9];
        read_row(&p, f, 9);
        next[n] = (struct movie){.id = f[0],
                                 .release = f[1] == -999999999 ? INT64_MIN : f[1],
                                 .last_tmdb = f[2],
                                 .last_omdb = f[3],
                                 .omdb_not_found = f[4],
                                 .frozen = f[5],
                                 .changed_at = f[6],
                                 .has_imdb = f[7],
                                 .gone = f[8]};
        n++;
    }
    free(text);
    return n;
}

static int64_t server_requests(const struct fake *f)
{
    return fake_stat(f, "requests", "tmdb") + fake_stat(f, "requests", "omdb");
}

static enum rs_err run_day(struct world *w, const struct fake *f, rs_time_t now, bool discover)
{
    struct orch_options o = fake_collect_options(f, now);
    o.discover = discover;
    o.refresh = !discover;
    o.start_year = 2019;
    o.end_year = 2025;
    o.max_pages = 2;
    o.refresh_limit = 100000;
    o.policy = REFRESH_POLICY_SEED; /* given, as `collect --policy seed`: the seed's, exactly */
    o.concurrency[RS_API_OMDB] = 8;
    o.retry = RETRY_POLICY_DEFAULT;
    o.timeout_ms = 10000;
    o.connect_timeout_ms = 2000;
    struct orch_stats s;
    struct rs_error err = {0};
    enum rs_err rc = collect(w->db, &o, &s, &err);
    if (rc != RS_OK)
        print_error("collect: %s\n", err.msg);
    return rc;
}

/* What the policy says about movie M before the run at NOW; returns requests expected. */
static int expect(const struct movie *m, int64_t now, bool *tmdb, bool *omdb_due)
{
    int cat = category(m->release, now);
    int64_t omdb_check = m->last_omdb > m->omdb_not_found ? m->last_omdb : m->omdb_not_found;
    *tmdb = !m->frozen && !m->gone && due(m->last_tmdb, tmdb_days[cat], now);
    *omdb_due =
        !m->frozen && !m->gone && due(omdb_check, omdb_days[cat], now) && (m->has_imdb || *tmdb);
    return *tmdb;
}

/* Checks one movie's run at NOW: OLD before it, NEW after. Returns requests it made. */
static int check_movie(struct world *w, struct movie *old, const struct movie *nw, int64_t now)
{
    bool tmdb, omdb_planned;
    int requests = expect(old, now, &tmdb, &omdb_planned);
    bool omdb = omdb_planned && nw->has_imdb;
    bool did_tmdb = nw->last_tmdb == now;
    bool did_omdb = nw->last_omdb == now || nw->omdb_not_found == now;
    if (did_tmdb != tmdb || did_omdb != omdb)
        fail_msg("movie %lld at %lld: tmdb %d (policy %d), omdb %d (policy %d)", (long long)old->id,
                 (long long)now, did_tmdb, tmdb, did_omdb, omdb);
    requests += omdb;
    int unchanged = old->unchanged;
    if (did_tmdb || did_omdb) {
        bool changed = nw->changed_at == now;
        unchanged = changed ? 0 : unchanged + 1;
        w->refreshes++;
        if (changed && category(old->release, now) == 3 && old->last_tmdb != NONE)
            w->archived_changes++;
        bool freeze = category(old->release, now) == 3 && unchanged >= 3;
        if (nw->frozen != (old->frozen || freeze))
            fail_msg("movie %lld at %lld: frozen %d, rule says %d (unchanged refreshes %d)",
                     (long long)old->id, (long long)now, nw->frozen, freeze, unchanged);
    } else {
        assert_int_equal(nw->frozen, old->frozen);
    }
    w->freezes += nw->frozen && !old->frozen;
    *old = *nw;
    old->unchanged = unchanged;
    return requests;
}

static void two_years_daily(void **state)
{
    (void)state;
    struct world *w = calloc(1, sizeof(*w));
    struct movie *next = calloc(MAX_MOVIES, sizeof(*next));
    struct fake f = {0};
    rs_time_t start = 0;
    w->dir = tmpdir_create();
    w->db = path_join(w->dir, "sim.duckdb");
    assert_true(rs_time_parse("2024-11-25T06:00:00Z", &start));

    int days = sim_days();
    print_message("simulating %d days\n", days);
    for (int d = 0; d <= days; d++) {
        rs_time_t now = start + (rs_time_t)d * RS_DAY_SECONDS;
        char when[32];
        rs_time_format(now, when, sizeof(when));
        const char *args[] = {"--movies", "3000", "--seed", "5", "--now", when, NULL};
        fake_start(&f, args);
        if (d == 0) {
            assert_int_equal(run_day(w, &f, now, true), RS_OK);
            w->n = snapshot(w, w->m);
            assert_true(w->n > 100);
            assert_int_equal(server_requests(&f), 14); /* 7 years x 2 pages */
            fake_stop(&f);
            continue;
        }
        int64_t expected = 0;
        assert_int_equal(run_day(w, &f, now, false), RS_OK);
        assert_int_equal(snapshot(w, next), w->n);
        for (size_t i = 0; i < w->n; i++)
            expected += check_movie(w, &w->m[i], &next[i], now);
        assert_int_equal(server_requests(&f), expected);
        fake_stop(&f);
    }
    /* not vacuous: movies were refreshed many times, some froze, and archived movies whose
     * data changed were seen (and, by the checks above, not frozen then) */
    print_message("simulation: %zu movies, %lld refreshes, %lld frozen, %lld archived changes\n",
                  w->n, (long long)w->refreshes, (long long)w->freezes,
                  (long long)w->archived_changes);
    assert_true(w->refreshes > (int64_t)w->n * 5);
    assert_true(w->freezes > 0);
    assert_true(w->archived_changes > 0);
    free(next);
    tmpdir_remove(w->dir);
    free(w->db);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_years_daily),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
