/*
 * Settings in the config file: precedence default < file < environment < command line, as
 * `reelsync config --json` shows it and as collect --dry-run and stats use it; API keys
 * masked (their value never printed); a bad or unknown setting names the file and line
 * (exit status 3), a bad REELSYNC_<KEY> names the variable.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"

#define SECRET "s3cr3t-key-value"

struct world {
    char *dir, *cfg;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    *state = w;
    w->dir = tmpdir_create();
    w->cfg = path_join(w->dir, "config");
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    tmpdir_remove(w->dir);
    free(w->cfg);
    free(w);
    return 0;
}

static void write_config(struct world *w, const char *text)
{
    file_write(w->cfg, text, strlen(text));
    chmod(w->cfg, 0600);
}

/* reelsync --config CFG ARGS with ENV (NULL-terminated, may be NULL) over an empty one. */
static void run(struct world *w, const char *const *args, const char *const *env,
                struct run_result *r)
{
    const char *argv[24] = {RS_REELSYNC_BIN, "--config", w->cfg, "--now", "2026-06-01"};
    const char *envp[16] = {
        "TMDB_API_KEY=",       "OMDB_API_KEY=",           "TMDB_ACCESS_TOKEN=",
        "REELSYNC_DB=",        "REELSYNC_REFRESH_LIMIT=", "REELSYNC_TMDB_RPS=",
        "REELSYNC_MAX_PAGES=", "REELSYNC_LOCK_TIMEOUT=",  "REELSYNC_OMDB_DAILY_LIMIT="};
    size_t n = 5, e = 9;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    for (size_t i = 0; env && env[i]; i++)
        envp[e++] = env[i];
    envp[e] = NULL;
    run_program(argv, envp, r);
}

/* The entry KEY of config --json's settings: "value" (or "set") and "from" (+ line). */
static void assert_setting(json_t *doc, const char *key, const char *value, const char *from,
                           int line)
{
    json_t *list = json_object_get(doc, "settings"), *s = NULL;
    size_t i;
    json_array_foreach(list, i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "key")), key) == 0)
            break;
    }
    if (i == json_array_size(list))
        fail_msg("config --json has no %s", key);
    const char *got = json_string_value(json_object_get(s, "value"));
    if (!json_object_get(s, "value"))
        got = json_is_true(json_object_get(s, "set")) ? "set" : "not set";
    assert_string_equal(got, value);
    assert_string_equal(json_string_value(json_object_get(s, "from")), from);
    if (line > 0)
        assert_int_equal(json_integer_value(json_object_get(s, "line")), line);
}

static void precedence(void **state)
{
    struct world *w = *state;
    struct run_result r;
    write_config(w, "# settings\n"
                    "TMDB_API_KEY=" SECRET "\n"
                    "REFRESH_LIMIT=250\n"
                    "export TMDB_RPS=\"7.5\"\n"
                    "MAX_PAGES=3\n"
                    "LOCK_TIMEOUT=5\n");
    run(w, (const char *[]){"--json", "--lock-timeout", "9", "config", NULL},
        (const char *[]){"REELSYNC_TMDB_RPS=6", "REELSYNC_MAX_PAGES=2", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, SECRET));
    json_t *doc = doc_parse(r.out);
    assert_setting(doc, "TMDB_API_KEY", "set", "file", 2);
    assert_setting(doc, "OMDB_API_KEY", "not set", "default", 0);
    assert_setting(doc, "MIN_VOTE_COUNT", "200", "default", 0);  /* default */
    assert_setting(doc, "REFRESH_LIMIT", "250", "file", 3);      /* file over default */
    assert_setting(doc, "TMDB_RPS", "6.0", "environment", 0);    /* environment over file */
    assert_setting(doc, "LOCK_TIMEOUT", "9", "command line", 0); /* command line over file */
    assert_setting(doc, "START_YEAR", "2026", "default", 0);
    json_decref(doc);
    run_result_free(&r);
    /* the human report: masked too, with file:LINE */
    run(w, (const char *[]){"config", NULL}, NULL, &r);
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, SECRET));
    assert_non_null(strstr(r.out, "  TMDB_API_KEY         set"));
    assert_non_null(strstr(r.out, "file:2\n"));
    assert_non_null(strstr(r.out, "  REFRESH_LIMIT        250"));
    run_result_free(&r);
    /* collect uses them: file < environment < command line */
    run(w,
        (const char *[]){"--json", "--db", "/nonexistent/x.duckdb", "collect", "--dry-run",
                         "--refresh-limit", "40", NULL},
        (const char *[]){"REELSYNC_MAX_PAGES=2", NULL}, &r);
    assert_int_equal(r.status, 0);
    doc = doc_parse(r.out);
    assert_int_equal(doc_int(doc, "discover.max_pages"), 2);
    assert_int_equal(doc_int(doc, "refresh.limit"), 40);
    assert_int_equal(doc_int(doc, "discover.min_vote_count"), 200);
    json_decref(doc);
    run_result_free(&r);
    run(w,
        (const char *[]){"--json", "--db", "/nonexistent/x.duckdb", "collect", "--dry-run", NULL},
        NULL, &r);
    doc = doc_parse(r.out);
    assert_int_equal(doc_int(doc, "discover.max_pages"), 3);
    assert_int_equal(doc_int(doc, "refresh.limit"), 250);
    json_decref(doc);
    run_result_free(&r);
}

/* stats compares with the daily limits of the file and the environment. */
static void stats_uses_the_limits(void **state)
{
    struct world *w = *state;
    struct run_result r;
    char *db = path_join(w->dir, "s.duckdb");
    seed_ids(db, (const int64_t[]){5}, 1, at("2026-06-01"));
    write_config(w, "TMDB_DAILY_LIMIT=1234\nOMDB_DAILY_LIMIT=99\n");
    run(w, (const char *[]){"--json", "--db", db, "stats", NULL},
        (const char *[]){"REELSYNC_OMDB_DAILY_LIMIT=77", NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    assert_int_equal(doc_int(doc, "apis.tmdb.daily_limit"), 1234);
    assert_int_equal(doc_int(doc, "apis.omdb.daily_limit"), 77);
    json_decref(doc);
    run_result_free(&r);
    free(db);
}

static void bad_settings(void **state)
{
    struct world *w = *state;
    struct run_result r;
    char want[512];
    write_config(w, "REFRESH_LIMIT=100\nTMDB_RPS=fast\n");
    run(w, (const char *[]){"config", NULL}, NULL, &r);
    snprintf(want, sizeof(want),
             "reelsync: config '%s' line 2: bad value for TMDB_RPS: give a number of requests "
             "per second, such as 4.0 (0: no limit)\n",
             w->cfg);
    assert_stderr_is(&r, 3, want);
    run_result_free(&r);
    write_config(w, "\nTMDB_RSP=4\n");
    run(w, (const char *[]){"config", NULL}, NULL, &r);
    assert_stderr_one_line(&r, 3, "line 2: unknown key 'TMDB_RSP'");
    run_result_free(&r);
    write_config(w, "DRY_RUN=1\n"); /* flags are no settings: the command line's alone */
    run(w, (const char *[]){"config", NULL}, NULL, &r);
    assert_stderr_one_line(&r, 3, "line 1: unknown key 'DRY_RUN'");
    run_result_free(&r);
    write_config(w, "MAX_PAGES=501\n");
    run(w, (const char *[]){"config", NULL}, NULL, &r);
    assert_stderr_one_line(&r, 3, "line 1: bad value for MAX_PAGES: give a whole number from 0");
    run_result_free(&r);
    write_config(w, "");
    run(w, (const char *[]){"config", NULL}, (const char *[]){"REELSYNC_LOCK_TIMEOUT=-1", NULL},
        &r);
    assert_stderr_one_line(&r, 3, "REELSYNC_LOCK_TIMEOUT '-1' is not a value for it");
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(precedence),
        cmocka_unit_test(stats_uses_the_limits),
        cmocka_unit_test(bad_settings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
