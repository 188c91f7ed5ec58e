/*
 * bench_plan: the refresh planner at 1,000,000 movies. Creates the movies with the store's
 * bulk path in a temporary directory (a realistic mix of ages, check stamps, missing IMDb
 * ids and frozen movies), then times store_plan (limit 100) next to a plain
 * `SELECT count(*) FROM movies` in the same run, and prints both and their ratio
 * (target: under 10x). DuckDB answers count(*) from table metadata without reading a row,
 * so the run also times a full one-column scan, `SELECT max(tmdb_id) FROM movies`, as a
 * second yardstick. Machine lines for bench/run.sh: plan_ms, count_ms, scan_ms,
 * plan_movies. Usage: bench_plan [MOVIES] [REPEATS]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reelsync/store.h"

#define DAY RS_DAY_SECONDS

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    uint64_t x = rng_state; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static void fill(struct store_movie *m, int64_t i, char imdb[24], rs_time_t now)
{
    rs_date_t today = rs_time_day(now);
    memset(m, 0, sizeof(*m));
    m->tmdb_id = i + 1;
    m->title = "A Movie";
    m->release_date = RS_I64(today - (int64_t)(rnd() % (40 * 365)) + 30);
    if (rnd() % 100 < 95) {
        snprintf(imdb, 24, "tt%07lld", (long long)i);
        m->imdb_id = imdb;
    }
    if (rnd() % 100 >= 2) { /* 2 % never fetched */
        m->last_tmdb_update = RS_I64(now - (int64_t)(rnd() % (200 * DAY)));
        if (m->imdb_id)
            m->last_omdb_update = RS_I64(now - (int64_t)(rnd() % (300 * DAY)));
    }
    m->data_frozen = rnd() % 100 < 10;
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static double median(double *v, int n)
{
    for (int i = 1; i < n; i++) /* insertion sort: n is small */
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 1000000;
    int reps = argc > 2 ? atoi(argv[2]) : 7;
    if (n <= 0 || reps <= 0 || reps > 100) {
        fprintf(stderr, "usage: bench_plan [MOVIES] [REPEATS]\n");
        return 2;
    }
    const char *base = getenv("TMPDIR");
    char dir[512], path[600];
    snprintf(dir, sizeof(dir), "%s/bench_plan-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/plan.duckdb", dir);
    rs_time_t now = rs_clock_now();
    struct rs_error err = {0};
    struct store *st = NULL;
    int status = 1;
    struct store_movie *rows = calloc((size_t)n, sizeof(*rows));
    char(*imdb)[24] = calloc((size_t)n, 24);
    if (!rows || !imdb || store_open(path, STORE_READ_WRITE, &st, &err) != RS_OK) {
        fprintf(stderr, "bench_plan: %s\n", err.msg[0] ? err.msg : "out of memory");
        goto cleanup;
    }
    for (int64_t i = 0; i < n; i++)
        fill(&rows[i], i, imdb[i], now);
    int64_t t0 = rs_monotonic_ms();
    if (store_bulk_insert_movies(st, rows, (size_t)n, now, &err) != RS_OK) {
        fprintf(stderr, "bench_plan: %s\n", err.msg);
        goto cleanup;
    }
    printf("movies: %lld (bulk insert %.2f s)\n", (long long)n,
           (double)(rs_monotonic_ms() - t0) / 1000.0);
    /* Measured as `reelsync plan` runs: on a read-only open (writers get one thread). */
    store_close(st);
    st = NULL;
    if (store_open(path, STORE_READ_ONLY, &st, &err) != RS_OK) {
        fprintf(stderr, "bench_plan: %s\n", err.msg);
        goto cleanup;
    }

    double tc[100], tp[100], ts[100];
    size_t planned = 0;
    for (int r = -1; r < reps; r++) { /* r = -1 warms up */
        int64_t count = 0, max = 0;
        struct plan_item *items = NULL;
        struct timespec s1, s2, s3, s4;
        clock_gettime(CLOCK_MONOTONIC, &s1);
        if (store_count_movies(st, &count, &err) != RS_OK)
            break;
        clock_gettime(CLOCK_MONOTONIC, &s2);
        if (store_plan(st, now, 100, false, true, &items, &planned, &err) != RS_OK)
            break;
        clock_gettime(CLOCK_MONOTONIC, &s3);
        store_plan_free(items, planned);
        if (store_max_tmdb_id(st, &max, &err) != RS_OK)
            break;
        clock_gettime(CLOCK_MONOTONIC, &s4);
        if (count != n) {
            fprintf(stderr, "bench_plan: count %lld != %lld\n", (long long)count, (long long)n);
            goto cleanup;
        }
        if (r >= 0) {
            tc[r] = ms_between(&s1, &s2);
            tp[r] = ms_between(&s2, &s3);
            ts[r] = ms_between(&s3, &s4);
        }
    }
    if (err.code != RS_OK) {
        fprintf(stderr, "bench_plan: %s\n", err.msg);
        goto cleanup;
    }
    double c = median(tc, reps), p = median(tp, reps), sc = median(ts, reps);
    printf("count(*): %.2f ms (median of %d)\n", c, reps);
    printf("max(tmdb_id) (one-column scan): %.2f ms (median of %d)\n", sc, reps);
    printf("plan (limit 100, %zu rows): %.2f ms (median of %d)\n", planned, p, reps);
    printf("ratio plan/count: %.1fx (target < 10x); plan/scan: %.1fx\n", p / c, p / sc);
    printf("plan_movies\t%lld\tmovies\t-\n", (long long)n);
    printf("plan_ms\t%.3f\tms\t< 10x count_ms\n", p);
    printf("count_ms\t%.3f\tms\t-\n", c);
    printf("scan_ms\t%.3f\tms\t-\n", sc);
    status = 0;
cleanup:
    store_close(st);
    free(rows);
    free(imdb);
    unlink(path);
    char wal[620];
    snprintf(wal, sizeof(wal), "%s.wal", path);
    unlink(wal);
    rmdir(dir);
    return status;
}
