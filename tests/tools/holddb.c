/*
 * holddb: a stand-in for a notebook or the DuckDB CLI holding a database, for the tests of
 * the lock wait (tests/test_lock.c) and bench/bench_lock.c. It opens PATH with DuckDB's C
 * API, as another program would, and:
 *   holddb PATH ro|rw SECONDS   holds it SECONDS, printing "holding" once it does (a file
 *                               another process holds is tried again every 20 ms for up
 *                               to 30 s: a collect holds it for moments between commits);
 *   holddb PATH probe SECONDS   tries read-only opens every 20 ms for up to SECONDS and
 *                               prints "opened after N tries" (exit 0) or "never" (exit 1).
 * Exit status 2 when the hold cannot be taken.
 */
#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool open_db(const char *path, bool read_only, duckdb_database *db, bool quiet)
{
    duckdb_config cfg = NULL;
    char *why = NULL;
    duckdb_create_config(&cfg);
    duckdb_set_config(cfg, "access_mode", read_only ? "READ_ONLY" : "READ_WRITE");
    bool ok = duckdb_open_ext(path, db, cfg, &why) == DuckDBSuccess;
    if (!ok && !quiet)
        fprintf(stderr, "holddb: %s\n", why ? why : "cannot open");
    if (why)
        duckdb_free(why);
    duckdb_destroy_config(&cfg);
    return ok;
}

static int probe(const char *path, double seconds)
{
    double end = now_s() + seconds;
    for (long tries = 1; now_s() < end; tries++) {
        duckdb_database db;
        if (open_db(path, true, &db, true)) {
            duckdb_close(&db);
            printf("opened after %ld tries\n", tries);
            return 0;
        }
        usleep(20 * 1000);
    }
    printf("never\n");
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: holddb PATH ro|rw|probe SECONDS\n");
        return 2;
    }
    double seconds = strtod(argv[3], NULL);
    if (strcmp(argv[2], "probe") == 0)
        return probe(argv[1], seconds);
    duckdb_database db;
    double give_up = now_s() + 30;
    while (!open_db(argv[1], strcmp(argv[2], "ro") == 0, &db, now_s() < give_up)) {
        if (now_s() >= give_up)
            return 2;
        usleep(20 * 1000);
    }
    printf("holding\n");
    fflush(stdout);
    usleep((useconds_t)(seconds * 1e6));
    duckdb_close(&db);
    return 0;
}
