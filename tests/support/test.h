/*
 * Test support: what cmocka.h expects to be included first, temporary directories, the
 * fake API server launcher, and running the built programs. Every test includes this.
 */
#ifndef RS_TEST_H
#define RS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "reelsync/reelsync.h"

/* A fresh directory under $TMPDIR (or /tmp); removed with everything in it by tmpdir_remove. */
char *tmpdir_create(void);
void tmpdir_remove(char *dir);
/* DIR "/" NAME in a static-per-call malloc'd string (free it). */
char *path_join(const char *dir, const char *name);

/* A running reelsync-fakeapi (pid, port, base, tmdb_url "/3", omdb_url "/omdb/"). */
#include "fakeproc.h"
/*
 * Starts build/reelsync-fakeapi with ARGS (NULL-terminated, after the program name; "--port 0"
 * is added) and waits for its "listening on" line. Fails the test if it cannot start.
 */
void fake_start(struct fake *f, const char *const *args);
/* Stops it (SIGTERM, then waits). */
void fake_stop(struct fake *f);

/* A finished HTTP exchange, made with libcurl. */
struct http_reply {
    long status;
    char *body; /* NUL-terminated, malloc'd */
    size_t len;
    char *headers; /* raw response headers, malloc'd */
};
/* GET (or POST when METHOD is "POST") URL with optional extra HEADER ("Name: value" or NULL). */
void http_fetch(const char *method, const char *url, const char *header, struct http_reply *out);
void http_reply_free(struct http_reply *r);

/* Result of running a program. */
struct run_result {
    int status; /* exit status, or 128+signal */
    char *out;  /* stdout, malloc'd */
    char *err;  /* stderr, malloc'd */
};
/*
 * Runs ARGV (argv[0] is a path) with ENV entries ("NAME=value", NULL-terminated, may be NULL)
 * added to this process's environment, stdin from /dev/null, and waits.
 */
void run_program(const char *const *argv, const char *const *env, struct run_result *out);
void run_result_free(struct run_result *r);

/* Reads a whole file into a malloc'd NUL-terminated buffer; NULL if it cannot. */
char *read_file(const char *path, size_t *len);

/* Fails the test unless the file at PATH holds exactly the LEN bytes at DATA. */
void assert_file_holds(const char *path, const void *data, size_t len);

/*
 * One value of a query run straight through DuckDB on the file at PATH (opened read-only;
 * the store must not hold it): the first column of the first row. db_i64 gives INT64_MIN for
 * NULL or no row; db_str a malloc'd string, or NULL. Fails the test on a DuckDB error.
 */
int64_t db_i64(const char *path, const char *sql);
char *db_str(const char *path, const char *sql);
/* Runs SQL on the file at PATH opened read-write (to set up a state); fails the test on error. */
void db_exec(const char *path, const char *sql);

/* Collect runs through the library (support/collect.c). */
struct orch_options;
struct orch_stats;
/* TIME ("YYYY-MM-DD[THH:MM:SSZ]") as rs_time_t; fails the test if it does not parse. */
rs_time_t at(const char *when);
/* Stores movies IDS[0..N) in DB as discovery would (ids only). */
void seed_ids(const char *db, const int64_t *ids, size_t n, rs_time_t now);
/* Opens DB, runs orch_collect with O into S, closes; returns its result. */
enum rs_err collect(const char *db, const struct orch_options *o, struct orch_stats *s,
                    struct rs_error *err);
/* The integer at A.B of the fake's /__stats ("requests", "tmdb"); fails the test if none. */
int64_t fake_stat(const struct fake *f, const char *a, const char *b);

#endif
