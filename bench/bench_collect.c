/*
 * bench_collect: a whole collect run against reelsync-fakeapi with every limit off:
 * complete discovery (--max-pages 0, window splitting included) of a synthetic catalog,
 * then TMDB details and OMDB for every movie. Prints movies fully stored per second and the
 * collector's peak RSS (the server runs in its own process).
 *
 *   bench_collect [MOVIES]      (default 100000; env BENCH_MOVIES too)
 *
 * Output: one line per figure, "name<TAB>value<TAB>unit<TAB>target", for bench/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fakeproc.h"
#include "reelsync/orchestrator.h"

static void remove_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_collect: could not remove %s\n", dir);
}

static struct orch_options options(const struct fake *f, long movies)
{
    struct orch_options o = {
        .discover = true,
        .refresh = true,
        .start_year = 1900,
        .end_year = 2026,
        .min_vote_count = 0,
        .max_pages = 0,
        .refresh_limit = (size_t)movies,
        .base_url = {f->tmdb_url, f->omdb_url},
        .rps = {0, 0},
        .concurrency = {64, 64},
        .daily_limit = {0, 0},
        .tmdb_key = "test",
        .omdb_key = "test",
        .retry = RETRY_POLICY_DEFAULT,
        .timeout_ms = 30000,
        .connect_timeout_ms = 5000,
    };
    rs_time_parse("2026-11-25", &o.now);
    return o;
}

int main(int argc, char **argv)
{
    const char *arg = argc > 1 ? argv[1] : getenv("BENCH_MOVIES");
    long movies = arg ? strtol(arg, NULL, 10) : 100000;
    char nmovies[32], why[256] = "", dir[] = "/tmp/reelsync-bench-XXXXXX";
    struct fake f = {0};
    snprintf(nmovies, sizeof(nmovies), "%ld", movies);
    const char *args[] = {"--movies", nmovies, "--seed", "1", "--now", "2026-11-25", NULL};
    if (movies <= 0 || !mkdtemp(dir) ||
        !fakeproc_start(&f, RS_FAKEAPI_BIN, args, why, sizeof(why))) {
        fprintf(stderr, "bench_collect: cannot start: %s\n", why);
        return 1;
    }
    char db[600];
    snprintf(db, sizeof(db), "%s/bench.duckdb", dir);
    struct store *st = NULL;
    struct rs_error err = {0};
    struct orch_stats stats = {0};
    struct orch_options opt = options(&f, movies);
    enum rs_err rc = store_open(db, STORE_READ_WRITE, &st, &err);
    if (rc == RS_OK)
        rc = orch_collect(st, &opt, &stats, &err);
    store_close(st);
    fakeproc_stop(&f);
    remove_tree(dir);
    if (rc != RS_OK) {
        fprintf(stderr, "bench_collect: collect failed: %s\n", err.msg);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("collect_movies\t%lld\tmovies\tdiscovered (catalog %ld)\n", (long long)stats.discovered,
           movies);
    printf("collect_stored\t%lld/%lld\ttmdb/omdb\t-\n", (long long)stats.tmdb_updated,
           (long long)stats.omdb_updated);
    printf("collect_rate\t%.0f\tmovies/s\tfully stored, limits off\n",
           (double)stats.tmdb_updated / stats.duration_s);
    printf("collect_peak_rss\t%.1f\tMB\t< 200 MB at 100000 movies\n", ru.ru_maxrss / 1024.0);
    return 0;
}
