/*
 * bench_lock: what sharing the file costs and gives (docs/internals/store.md, "Locking").
 *   1. The reopen: a collect lets its file go (DETACH, with its checkpoint) after a commit
 *      of its timer and takes it again (ATTACH) for the next one. Measured on files of
 *      100,000 and 1,000,000 movies (store_bulk_insert_movies, as bench_plan builds them),
 *      each cycle a commit of 1,000 movies' ends (store_finish_refresh_batch), then let go,
 *      then take: the median of 15 cycles.
 *   2. The share of a slow collect's wall time (--tmdb-rps 2 against the fake, ~30 s)
 *      during which a reader can open the file: a second process (this program, --probe)
 *      tries read-only opens in a loop; the share is the successful tries over all tries.
 *
 *   bench_lock [MOVIES_SMALL MOVIES_LARGE]     (default 100000 1000000)
 *
 * Output: "name<TAB>value<TAB>unit<TAB>note" lines for bench/run.sh.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fakeproc.h"
#include "reelsync/orchestrator.h"

#define CYCLES 15
#define BATCH 1000

static double median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A file of N movies at PATH. */
static int build(const char *path, int64_t n, rs_time_t now)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    struct store_movie *rows = calloc((size_t)n, sizeof(*rows));
    char(*imdb)[24] = calloc((size_t)n, 24);
    int rc = 1;
    if (rows && imdb && store_open(path, STORE_READ_WRITE, &st, &err) == RS_OK) {
        for (int64_t i = 0; i < n; i++) {
            snprintf(imdb[i], 24, "tt%07lld", (long long)i);
            rows[i] = (struct store_movie){.tmdb_id = i + 1,
                                           .imdb_id = imdb[i],
                                           .title = "A Movie",
                                           .release_date = RS_I64(rs_time_day(now) - i % 9000),
                                           .last_tmdb_update = RS_I64(now - i % 200 * 86400)};
        }
        rc = store_bulk_insert_movies(st, rows, (size_t)n, now, &err) != RS_OK;
    }
    if (rc)
        fprintf(stderr, "bench_lock: cannot build %s: %s\n", path, err.msg);
    store_close(st);
    free(rows);
    free(imdb);
    return rc;
}

/* The median ms of letting the file go and of taking it again, after a commit each time. */
static int reopen_cost(const char *path, int64_t n, rs_time_t now, double *let_go, double *take)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    double lg[CYCLES], tk[CYCLES];
    int64_t ids[BATCH];
    bool changed[BATCH] = {false}, both[BATCH] = {false};
    if (store_open(path, STORE_READ_WRITE, &st, &err) != RS_OK)
        return 1;
    for (int c = 0; c < CYCLES; c++) {
        for (int i = 0; i < BATCH; i++)
            ids[i] = 1 + (int64_t)(((uint64_t)c * BATCH + (uint64_t)i) * 7919 % (uint64_t)n);
        if (store_finish_refresh_batch(st, ids, changed, both, BATCH, now, NULL, &err) != RS_OK)
            break;
        double t0 = now_ms();
        if (store_let_go(st, &err) != RS_OK)
            break;
        double t1 = now_ms();
        if (store_take(st, 0, NULL, &err) != RS_OK)
            break;
        lg[c] = t1 - t0;
        tk[c] = now_ms() - t1;
    }
    store_close(st);
    if (err.msg[0]) {
        fprintf(stderr, "bench_lock: %s\n", err.msg);
        return 1;
    }
    *let_go = median(lg, CYCLES);
    *take = median(tk, CYCLES);
    return 0;
}

/*
 * --probe PATH STOPFILE: a read-only open at every PROBE_MS tick (a uniform sample of the
 * wall time, whatever an open takes) until STOPFILE exists; prints "ok tries".
 */
#define PROBE_MS 100
static int probe(const char *path, const char *stop)
{
    long ok = 0, tries = 0;
    double next = now_ms();
    while (access(stop, F_OK) != 0) {
        struct store *st = NULL;
        struct rs_error err = {0};
        tries++;
        if (store_open(path, STORE_READ_ONLY, &st, &err) == RS_OK) {
            ok++;
            store_close(st);
        }
        next += PROBE_MS;
        double wait = next - now_ms();
        if (wait > 0)
            usleep((useconds_t)(wait * 1000));
        else
            next = now_ms();
    }
    printf("%ld %ld\n", ok, tries);
    return 0;
}

/* A slow collect (2 requests a second per API) of one year, 3 pages, with the probe beside it. */
static int reader_share(const char *dir, const char *self, double *share, double *seconds)
{
    char db[600], stop[600], why[256] = "";
    snprintf(db, sizeof(db), "%s/slow.duckdb", dir);
    snprintf(stop, sizeof(stop), "%s/stop", dir);
    struct fake f = {0};
    const char *args[] = {"--movies", "20000", "--seed", "1", "--now", "2026-11-25", NULL};
    if (!fakeproc_start(&f, RS_FAKEAPI_BIN, args, why, sizeof(why)))
        return 1;
    struct orch_options o = {.discover = true,
                             .refresh = true,
                             .start_year = 2026,
                             .end_year = 2026,
                             .max_pages = 2,
                             .refresh_limit = 1000,
                             .base_url = {f.tmdb_url, f.omdb_url},
                             .rps = {2, 2},
                             .concurrency = {4, 4},
                             .tmdb_key = "test",
                             .omdb_key = "test",
                             .retry = RETRY_POLICY_DEFAULT,
                             .timeout_ms = 30000,
                             .connect_timeout_ms = 5000};
    rs_time_parse("2026-11-25", &o.now);
    struct store *st = NULL;
    struct rs_error err = {0};
    struct orch_stats stats;
    enum rs_err rc = store_open(db, STORE_READ_WRITE, &st, &err);
    int fds[2];
    if (rc != RS_OK || pipe(fds) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        execl(self, self, "--probe", db, stop, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    double t0 = now_ms();
    rc = orch_collect(st, &o, &stats, &err);
    *seconds = (now_ms() - t0) / 1000.0;
    store_close(st);
    FILE *s = fopen(stop, "w");
    if (s)
        fclose(s);
    char line[128] = "";
    FILE *in = fdopen(fds[0], "r");
    if (!in || !fgets(line, sizeof(line), in))
        line[0] = '\0';
    if (in)
        fclose(in);
    waitpid(pid, NULL, 0);
    fakeproc_stop(&f);
    char *end = NULL;
    long ok = strtol(line, &end, 10), tries = end ? strtol(end, NULL, 10) : 0;
    *share = tries > 0 ? 100.0 * (double)ok / (double)tries : 0;
    if (rc != RS_OK)
        fprintf(stderr, "bench_lock: slow collect: %s\n", err.msg);
    return rc != RS_OK;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--probe") == 0)
        return probe(argv[2], argv[3]);
    int64_t sizes[2] = {100000, 1000000};
    if (argc == 3) {
        sizes[0] = strtoll(argv[1], NULL, 10);
        sizes[1] = strtoll(argv[2], NULL, 10);
    }
    char dir[] = "/tmp/reelsync-bench-lock-XXXXXX", path[600], self[1024];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (!mkdtemp(dir) || len <= 0)
        return 1;
    self[len] = '\0';
    rs_time_t now = rs_clock_now();
    int status = 0;
    for (int k = 0; k < 2 && status == 0; k++) {
        double lg = 0, tk = 0;
        snprintf(path, sizeof(path), "%s/m%d.duckdb", dir, k);
        status = build(path, sizes[k], now) || reopen_cost(path, sizes[k], now, &lg, &tk);
        if (status == 0) {
            printf("lock_let_go_%lld\t%.1f\tms\tDETACH with its checkpoint after a commit of "
                   "%d movies, %lld movies\n",
                   (long long)sizes[k], lg, BATCH, (long long)sizes[k]);
            printf("lock_take_%lld\t%.1f\tms\tATTACH again, %lld movies\n", (long long)sizes[k], tk,
                   (long long)sizes[k]);
        }
        unlink(path);
    }
    double share = 0, seconds = 0;
    if (status == 0)
        status = reader_share(dir, self, &share, &seconds);
    if (status == 0)
        printf("lock_reader_share\t%.1f\t%%\tof a %.0f s collect at --tmdb-rps 2 a reader "
               "could open the file (>= 90 %%)\n",
               share, seconds);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_lock: could not remove %s\n", dir);
    return status;
}
