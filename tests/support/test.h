/*
 * Test support: what cmocka.h expects to be included first, temporary directories and files,
 * running the built programs, the fake API server (launcher, requests, /__stats, the
 * environment of a run against it), the recorded fixtures, JSON documents, collect runs
 * through the library and straight DuckDB queries. Every test includes this. What fails here
 * fails the calling test (cmocka's fail_msg), unless a function says it returns NULL instead.
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

/* jansson's json_t (a test that looks inside a document includes <jansson.h>). */
struct json_t;

/* A fresh directory under $TMPDIR (or /tmp); removed with everything in it by tmpdir_remove. */
char *tmpdir_create(void);
void tmpdir_remove(char *dir);
/* DIR "/" NAME in a static-per-call malloc'd string (free it). */
char *path_join(const char *dir, const char *name);

/* A running reelsync-fakeapi (pid, port, base, tmdb_url "/3", omdb_url "/omdb/"). */
#include "fakeproc.h"
/*
 * Starts build/reelsync-fakeapi with ARGS (NULL-terminated, after the program name; "--port 0"
 * is added) and waits for its "listening on" line. Fails the test if it cannot start. The
 * server counts as live until fake_stop (see fake_stop_all).
 */
void fake_start(struct fake *f, const char *const *args);
/* fake_start serving tests/fixtures ("--fixtures DIR") with EXTRA args (terminated, or NULL). */
void fake_start_fixtures(struct fake *f, const char *const *extra);
/* Stops it (SIGTERM, then waits). Accepts a stopped or never-started (zeroed) struct. */
void fake_stop(struct fake *f);
/*
 * Stops every live server: a cmocka teardown, cmocka_unit_test_teardown(test, fake_stop_all),
 * for tests whose failed assertion leaves before their fake_stop. Returns 0.
 */
int fake_stop_all(void **state);

/* A finished HTTP exchange, made with libcurl. */
struct http_reply {
    long status; /* 0 when no answer came (reset, dropped, timed out after 20 s) */
    char *body;  /* NUL-terminated, malloc'd */
    size_t len;
    char *headers; /* raw response headers, malloc'd */
};
/*
 * GET (or POST when METHOD is "POST") URL with optional extra HEADER ("Name: value" or NULL).
 * Redirects are not followed.
 */
void http_fetch(const char *method, const char *url, const char *header, struct http_reply *out);
void http_reply_free(struct http_reply *r);
/* GET URL (HEADER or NULL); fails the test unless the status is STATUS and the body is BODY. */
void assert_http_body(const char *url, const char *header, long status, const char *body);

/* Result of running a program. */
struct run_result {
    int status; /* exit status, or 128+signal */
    char *out;  /* stdout, malloc'd */
    char *err;  /* stderr, malloc'd */
};
/*
 * Runs ARGV (argv[0] is a path) with ENV entries ("NAME=value", NULL-terminated, may be NULL)
 * added to this process's environment in order (of two for one name, the later wins), stdin
 * from /dev/null, and waits.
 */
void run_program(const char *const *argv, const char *const *env, struct run_result *out);
void run_result_free(struct run_result *r);
/* The number of '\n' in S. */
size_t line_count(const char *s);
/* Exit STATUS, nothing on stdout, and stderr exactly LINE (one line, its '\n' included). */
void assert_stderr_is(const struct run_result *r, int status, const char *line);
/* Exit STATUS, nothing on stdout, and stderr one line (ending in '\n') that holds NEEDLE. */
void assert_stderr_one_line(const struct run_result *r, int status, const char *needle);

/* Reads a whole file into a malloc'd NUL-terminated buffer; NULL if it cannot. */
char *read_file(const char *path, size_t *len);
/* read_file that fails the test when the file cannot be read (LEN may be NULL). */
char *slurp_file(const char *path, size_t *len);
/* Creates or truncates PATH to exactly the LEN bytes at DATA; fails the test on any error. */
void file_write(const char *path, const void *data, size_t len);

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
/*
 * Options of a refresh (no discovery) against F at NOW: keys "test", concurrency 8 TMDB and 4
 * OMDB, up to 1000 movies, the default number of retries 5 to 20 ms apart (a fast suite), and
 * timeouts long enough that a loaded machine does not turn a slow answer into one (30 s,
 * connect 10 s). Tests change what they need in the copy (include reelsync/orchestrator.h).
 */
struct orch_options fake_collect_options(const struct fake *f, rs_time_t now);
/* Stores movies IDS[0..N) in DB as discovery would (ids only). */
void seed_ids(const char *db, const int64_t *ids, size_t n, rs_time_t now);
/* Opens DB, runs orch_collect with O into S, closes; returns its result. */
enum rs_err collect(const char *db, const struct orch_options *o, struct orch_stats *s,
                    struct rs_error *err);

/* Asking the fake (support/fakeapi.c). */
/* F's /__stats, parsed; fails the test unless it answers 200 with JSON. json_decref it. */
struct json_t *fake_stats(const struct fake *f);
/* POST /__reset: F's counts and request log start again. */
void fake_reset(const struct fake *f);
/* The integer at A.B of the fake's /__stats ("requests", "tmdb"); fails the test if none. */
int64_t fake_stat(const struct fake *f, const char *a, const char *b);
/*
 * GET F's TMDB PATH_QUERY ("/movie/27205", "/discover/movie?page=2") with api_key=test added,
 * as of NOW (the X-Fake-Now header) unless NOW is NULL: the body parsed, or NULL if it is not
 * JSON; the status into STATUS unless NULL.
 */
struct json_t *fake_tmdb(const struct fake *f, const char *path_query, const char *now,
                         long *status);
/* The same for F's OMDB lookup ?i=IMDB&apikey=test. */
struct json_t *fake_omdb(const struct fake *f, const char *imdb, const char *now, long *status);

/*
 * The environment of a build/reelsync run against F, for run_program: F's two base URLs, the
 * keys "test", and nothing from the caller's environment or files (no access token, log
 * level, config file or default database). EXTRA entries (NULL-terminated, or NULL) come
 * after, so they win. Returns E->envp, valid as long as E.
 */
struct fake_env {
    char url[2][160];
    const char *envp[24];
};
const char *const *fake_env(struct fake_env *e, const struct fake *f, const char *const *extra);
/*
 * build/reelsync --db DB --now NOW ARGS... (NULL-terminated) in F's environment (fake_env),
 * into OUT (run_program).
 */
void run_reelsync(const struct fake *f, const char *db, const char *now, const char *const *args,
                  struct run_result *out);

/* JSON documents (support/json.c). */
/* TEXT parsed; fails the test (printing TEXT) unless it is JSON. json_decref the result. */
struct json_t *doc_parse(const char *text);
/*
 * The integer at PATH in DOC: member names separated by dots ("requests.tmdb",
 * "tmdb_updated"). Fails the test unless an integer is there.
 */
int64_t doc_int(const struct json_t *doc, const char *path);
/* GET URL (HEADER or NULL): the body parsed, or NULL if it is not JSON; the status if asked. */
struct json_t *http_get_json(const char *url, const char *header, long *status);

/* The recorded fixtures of tests/fixtures (support/fixtures.c). */
/* The bytes of fixture REL ("tmdb/movie_27205.json"); fails the test if it cannot be read. */
char *fixture_read(const char *rel, size_t *len);
/* Fixture REL parsed; fails the test if it cannot be read or parsed. json_decref the result. */
struct json_t *fixture_json(const char *rel);
/*
 * The TMDB ids of the ten tmdb/movie_<id>.json files. The first FIXTURE_OMDB_COUNT have an
 * IMDb id with an omdb/<id>.json answer; the last two have none (null, then "").
 */
#define FIXTURE_TMDB_COUNT 10
#define FIXTURE_OMDB_COUNT 8
extern const int64_t fixture_tmdb_ids[FIXTURE_TMDB_COUNT];

#endif
