/*
 * bench_collect: a whole collect run against reelsync-fakeapi with every limit off:
 * complete discovery (--max-pages 0, window splitting included) of a synthetic catalog,
 * then TMDB details and OMDB for every movie. Prints movies fully stored per second, the
 * details rate in each tenth of the refresh (does the cost per movie grow with the work?),
 * the collector's peak RSS and the file's size (the server runs in its own process). Then,
 * on the file it made: a catch-up refresh of 30 % of the movies 200 days later, against the
 * fake's world of that day (every movie is due, the plan picks them all over the table, and
 * their answers have changed as the fake's do), and `reelsync export`, `stats` and
 * `plan` run as the program, each with its time and peak RSS (docs/benchmarks.md, issue 18).
 *
 *   bench_collect [MOVIES]      (default 100000; env BENCH_MOVIES too)
 *
 * With BENCH_COLLECT_KEEP=PATH the collected file is copied to PATH before the catch-up, to
 * run other refreshes on it by hand (the bench's own directory is removed at the end).
 *
 * Output: one line per figure, "name<TAB>value<TAB>unit<TAB>target", for bench/run.sh.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakeproc.h"
#include "reelsync/orchestrator.h"

extern char **environ;

#define TENTHS 10

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

/* When the refresh passed each tenth of its movies (ms since it started). */
struct tenths {
    int64_t start_ms, at_ms[TENTHS + 1];
    int next;
};

static void on_progress(void *ctx, const struct orch_progress *p)
{
    struct tenths *t = ctx;
    if (p->phase != ORCH_REFRESH || p->total <= 0)
        return;
    if (t->start_ms == 0)
        t->start_ms = rs_monotonic_ms();
    while (t->next <= TENTHS && p->done * TENTHS >= p->total * t->next)
        t->at_ms[t->next++] = rs_monotonic_ms() - t->start_ms;
}

/*
 * Runs FN(CTX) in a child process and returns whether it succeeded, its peak RSS into *MB.
 * The bench itself stays small, so each figure is of one phase alone, as when the
 * program runs it (a child's peak counts the memory it was forked with).
 */
static bool in_child(bool (*fn)(void *ctx), void *ctx, double *mb)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        bool ok = fn(ctx);
        fflush(stdout);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    struct rusage ru = {0};
    bool ok = pid > 0 && wait4(pid, &status, 0, &ru) == pid && WIFEXITED(status) &&
              WEXITSTATUS(status) == 0;
    *mb = ru.ru_maxrss / 1024.0;
    return ok;
}

/* Opens DB and runs one collect; its wall time into *SECONDS. */
static enum rs_err run_collect(const char *db, const struct orch_options *opt,
                               struct orch_stats *stats, double *seconds, struct rs_error *err)
{
    struct store *st = NULL;
    int64_t t0 = rs_monotonic_ms();
    enum rs_err rc = store_open(db, STORE_READ_WRITE, &st, err);
    if (rc == RS_OK)
        rc = orch_collect(st, opt, stats, err);
    store_close(st);
    *seconds = (double)(rs_monotonic_ms() - t0) / 1000.0;
    return rc;
}

/* Runs `reelsync --db DB ARGS...` with its output thrown away; prints its time and peak RSS. */
static bool run_program(const char *name, const char *db, const char *const *args)
{
    const char *argv[16] = {RS_REELSYNC_BIN, "--db", db};
    size_t n = 3;
    for (; args[n - 3] && n < 15; n++)
        argv[n] = args[n - 3];
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int status = 0;
    struct rusage ru = {0};
    int64_t t0 = rs_monotonic_ms();
    bool ok = posix_spawn(&pid, RS_REELSYNC_BIN, &fa, NULL, (char *const *)argv, environ) == 0 &&
              wait4(pid, &status, 0, &ru) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    posix_spawn_file_actions_destroy(&fa);
    double s = (double)(rs_monotonic_ms() - t0) / 1000.0;
    if (!ok) {
        fprintf(stderr, "bench_collect: reelsync %s failed\n", name);
        return false;
    }
    printf("%s_time\t%.2f\ts\t-\n", name, s);
    printf("%s_peak_rss\t%.1f\tMB\t< 200 MB\n", name, ru.ru_maxrss / 1024.0);
    return true;
}

/* Copies the file FROM to TO with cp(1); false if it failed. */
static bool copy_file(const char *from, const char *to)
{
    const char *argv[] = {"cp", "--", from, to, NULL};
    pid_t pid;
    int status = 0;
    return posix_spawnp(&pid, "cp", NULL, NULL, (char *const *)argv, environ) == 0 &&
           waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* What a phase run in a child needs. */
struct phase {
    const struct fake *f;
    long movies;
    const char *db;
};

static void print_collect(const struct orch_stats *stats, long movies, const struct tenths *t)
{
    printf("collect_movies\t%lld\tmovies\tdiscovered (catalog %ld)\n", (long long)stats->discovered,
           movies);
    printf("collect_stored\t%lld/%lld\ttmdb/omdb\t-\n", (long long)stats->tmdb_updated,
           (long long)stats->omdb_updated);
    printf("collect_rate\t%.0f\tmovies/s\tfully stored, limits off\n",
           (double)stats->tmdb_updated / stats->duration_s);
    double first = 0, last = 0;
    for (int k = 1; k <= TENTHS && t->next > TENTHS; k++) {
        double ms = (double)(t->at_ms[k] - t->at_ms[k - 1]);
        double rate = ms > 0 ? (double)stats->planned / TENTHS / (ms / 1000.0) : 0;
        printf("collect_details_tenth_%d\t%.0f\tmovies/s\t-\n", k, rate);
        if (k == 1)
            first = rate;
        last = rate;
    }
    if (first > 0)
        printf("collect_details_last_vs_first\t%.2f\tratio\t>= 0.70\n", last / first);
}

/* The whole collect: discovery of the catalog, then the details of every movie. */
static bool whole_collect(void *ctx)
{
    const struct phase *ph = ctx;
    struct rs_error err = {0};
    struct orch_stats stats = {0};
    struct tenths t = {0};
    struct orch_options opt = options(ph->f, ph->movies);
    opt.progress = on_progress;
    opt.progress_ctx = &t;
    double s = 0;
    if (run_collect(ph->db, &opt, &stats, &s, &err) != RS_OK) {
        fprintf(stderr, "bench_collect: collect failed: %s\n", err.msg);
        return false;
    }
    print_collect(&stats, ph->movies, &t);
    return true;
}

/* A catch-up: 30 % of the catalog, CATCH_UP_DAYS on (the fake's clock too), when every
 * movie is due. */
#define CATCH_UP_DAYS 200
static bool catch_up(void *ctx)
{
    const struct phase *ph = ctx;
    struct rs_error err = {0};
    struct orch_stats stats = {0};
    struct orch_options opt = options(ph->f, ph->movies);
    opt.discover = false;
    opt.refresh_limit = (size_t)(ph->movies * 3 / 10);
    opt.now += CATCH_UP_DAYS * 86400;
    double s = 0;
    if (run_collect(ph->db, &opt, &stats, &s, &err) != RS_OK) {
        fprintf(stderr, "bench_collect: refresh failed: %s\n", err.msg);
        return false;
    }
    printf("refresh_movies\t%lld\tmovies\t30 %% of the catalog, 200 days later\n",
           (long long)stats.tmdb_updated);
    printf("refresh_time\t%.1f\ts\t-\n", s);
    printf("refresh_rate\t%.0f\tmovies/s\t-\n", (double)stats.tmdb_updated / s);
    return true;
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
    char db[600], out[700];
    snprintf(db, sizeof(db), "%s/bench.duckdb", dir);
    snprintf(out, sizeof(out), "%s/export.parquet", dir);
    struct phase ph = {.f = &f, .movies = movies, .db = db};
    struct stat sb;
    double mb = 0;
    bool ok = in_child(whole_collect, &ph, &mb);
    if (ok) {
        printf("collect_peak_rss\t%.1f\tMB\t< 200 MB\n", mb);
        printf("collect_file_size\t%.1f\tMB\t-\n",
               stat(db, &sb) == 0 ? (double)sb.st_size / (1 << 20) : 0.0);
        const char *keep = getenv("BENCH_COLLECT_KEEP");
        if (keep && *keep && !copy_file(db, keep))
            fprintf(stderr, "bench_collect: could not copy the file to %s\n", keep);
        /* the world CATCH_UP_DAYS on: the catch-up's answers have changed as the fake's do */
        fakeproc_stop(&f);
        char later[16];
        rs_time_t start = 0;
        rs_time_parse(args[5], &start);
        args[5] = rs_date_format((rs_date_t)(start / 86400 + CATCH_UP_DAYS), later, sizeof(later));
        ok = fakeproc_start(&f, RS_FAKEAPI_BIN, args, why, sizeof(why));
        if (!ok)
            fprintf(stderr, "bench_collect: cannot start: %s\n", why);
    }
    if (ok)
        ok = in_child(catch_up, &ph, &mb);
    if (ok)
        printf("refresh_peak_rss\t%.1f\tMB\t< 200 MB\n", mb);
    fakeproc_stop(&f);
    const char *exp[] = {"export", "--format", "parquet", "--out", out, NULL};
    const char *stats_args[] = {"stats", NULL}, *plan_args[] = {"plan", NULL};
    ok = ok && run_program("export", db, exp) && run_program("stats", db, stats_args) &&
         run_program("plan", db, plan_args);
    remove_tree(dir);
    return ok ? 0 : 1;
}
