/*
 * The fault soak (issue 13): a one-year collect of a small synthetic catalog under 20 %
 * faults of every kind of reelsync-fakeapi (fake/README.md, "Faults"), 20 times, each on a
 * fresh database against a server of another seed. Every run exits 0 with every movie
 * complete: each discovered movie has its TMDB row, and its OMDB answer (a row or a
 * not-found stamp) when it has an IMDb id. Unreadable 2xx bodies are retried like 5xx, a
 * failed discovery page does not end its year: no single fault loses a run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

#include "log_capture.h"

#include "reelsync/orchestrator.h"

#define RUNS 20
#define NOW "2026-11-25"

static const char *const every_kind = "429,500,502html,504html,503,reset,timeout,malformed,"
                                      "truncated,huge,trickle,html200,badutf8,deepjson,array,"
                                      "redirect";

/* One run against a faulty server of SEED; false (with the reason printed) if incomplete. */
static bool soak_run(int seed)
{
    char seed_s[16], *dir = tmpdir_create(), *db = path_join(dir, "soak.duckdb");
    struct fake f;
    snprintf(seed_s, sizeof(seed_s), "%d", seed);
    fake_start(&f, (const char *[]){"--movies", "2000", "--seed", seed_s, "--now", NOW,
                                    "--fault-rate", "0.2", "--faults", every_kind, "--stall-ms",
                                    "300", "--trickle-ms", "1", NULL});
    struct orch_options o = fake_collect_options(&f, at(NOW));
    o.discover = true;
    o.start_year = o.end_year = 2026;
    o.max_pages = 0;
    o.timeout_ms = 3000;
    /*
     * At 20 % faults, 1 + 3 attempts all faulted has a chance of 0.2^4 = 1/625 per request:
     * over ~400 requests one request is as likely as not to use up the default retries
     * (seed 14 does: tt0010848 meets 4 faults in a row) and stay due for the next run.
     * What the soak shows is that no fault KIND loses a movie; 5 retries (1/15625 per
     * request) show it without a lottery.
     */
    o.retry.max_retries = 5;
    struct capture c;
    capture_init(&c);
    c.log.level = RS_LOG_WARN;
    o.log = &c.log;
    struct orch_stats s;
    struct rs_error err = {0};
    enum rs_err rc = collect(db, &o, &s, &err);
    int64_t movies = db_i64(db, "SELECT count(*) FROM movies");
    int64_t no_tmdb = db_i64(db, "SELECT count(*) FROM movies WHERE last_tmdb_update IS NULL "
                                 "AND tmdb_gone_at IS NULL");
    int64_t no_omdb = db_i64(db, "SELECT count(*) FROM movies WHERE imdb_id IS NOT NULL AND "
                                 "last_omdb_update IS NULL AND omdb_not_found_at IS NULL");
    int64_t gaps = db_i64(db, "SELECT count(*) FROM discovery_gaps");
    int64_t faults = fake_stat(&f, "faults", "total");
    bool ok = rc == RS_OK && movies > 0 && no_tmdb == 0 && no_omdb == 0 && gaps == 0;
    print_message("seed %d: %s, %lld movies, %lld faults, %lld+%lld requests, missing tmdb %lld "
                  "omdb %lld, gaps %lld%s%s\n",
                  seed, rs_errname(rc), (long long)movies, (long long)faults,
                  (long long)s.requests[RS_API_TMDB], (long long)s.requests[RS_API_OMDB],
                  (long long)no_tmdb, (long long)no_omdb, (long long)gaps, rc ? ": " : "",
                  rc ? err.msg : "");
    if (!ok)
        print_message("%s", c.text);
    for (int k = RS_OUTCOME_FIRST; !ok && k <= RS_OUTCOME_LAST; k++) {
        if (s.errors[k])
            print_message("  %s: %lld\n", rs_errname((enum rs_err)k), (long long)s.errors[k]);
    }
    fake_stop(&f);
    free(db);
    tmpdir_remove(dir);
    return ok;
}

static void twenty_runs_under_faults_complete(void **state)
{
    (void)state;
    int failed = 0;
    for (int seed = 1; seed <= RUNS; seed++)
        failed += !soak_run(seed);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(twenty_runs_under_faults_complete, fake_stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
