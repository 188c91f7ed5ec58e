/*
 * The config file (src/config.c) and the keys it holds: parsing, the refusal of a file
 * others may read, the default path; then build/reelsync with --config, $REELSYNC_CONFIG
 * and the XDG path (the environment wins over the file); and the secrets test of issue 8:
 * full collects at --log-level debug with known keys, faults included, after which neither
 * key is anywhere in stdout, stderr, the database file's bytes or any table's text.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reelsync/config.h"
#include "test.h"

#define TMDB_SECRET "SECRETKEY123"
#define OMDB_SECRET "SECRETOMDB456"

/* A config file: TEXT, then MODE. */
static void write_conf(const char *path, const char *text, mode_t mode)
{
    file_write(path, text, strlen(text));
    assert_int_equal(chmod(path, mode), 0);
}

/* ---- the module ---- */

static void parse_lines(void **state)
{
    (void)state;
    static const char text[] = "# reelsync keys\n"
                               "\n"
                               "TMDB_API_KEY=abc123\r\n"
                               "  export OMDB_API_KEY = \"quoted value\"  \n"
                               "TMDB_BASE_URL='http://127.0.0.1:1/3'\n"
                               "TMDB_ACCESS_TOKEN=first\n"
                               "TMDB_ACCESS_TOKEN=second\n"
                               "REELSYNC_DB=\n"
                               "OMDB_BASE_URL=a=b#c";
    struct cfg c;
    struct rs_error err = {0};
    cfg_init(&c);
    assert_int_equal(cfg_parse(&c, text, strlen(text), "p", &err), RS_OK);
    assert_string_equal(cfg_get(&c, CFG_TMDB_API_KEY), "abc123");
    assert_string_equal(cfg_get(&c, CFG_OMDB_API_KEY), "quoted value");
    assert_string_equal(cfg_get(&c, CFG_TMDB_BASE_URL), "http://127.0.0.1:1/3");
    assert_string_equal(cfg_get(&c, CFG_TMDB_ACCESS_TOKEN), "second"); /* the last wins */
    assert_null(cfg_get(&c, CFG_REELSYNC_DB));                         /* empty: not set */
    assert_string_equal(cfg_get(&c, CFG_OMDB_BASE_URL), "a=b#c");      /* first '=' splits */
    assert_string_equal(cfg_key_name(CFG_REELSYNC_DB), "REELSYNC_DB");
    assert_null(cfg_key_name(CFG_KEY_COUNT));
    cfg_release(&c);
    assert_null(cfg_get(&c, CFG_TMDB_API_KEY));
    cfg_release(&c); /* twice is fine */
}

/* The settings' keys come from the option table; their text and line are kept. */
static void settings_from_the_table(void **state)
{
    (void)state;
    char key[64];
    assert_true(cfg_setting_key(RS_OPT_TMDB_DAILY_LIMIT, key, sizeof(key)));
    assert_string_equal(key, "TMDB_DAILY_LIMIT");
    assert_true(cfg_setting_key(CFG_LOCK_TIMEOUT, key, sizeof(key)));
    assert_string_equal(key, "LOCK_TIMEOUT");
    assert_false(cfg_setting_key(RS_OPT_DRY_RUN, key, sizeof(key))); /* a flag */
    assert_false(cfg_setting_key(RS_OPT_ID, key, sizeof(key)));
    assert_false(cfg_setting_key(CFG_SETTING_COUNT, key, sizeof(key)));
    static const char text[] = "TMDB_API_KEY=k\n\nREFRESH_LIMIT = 250\nMAX_PAGES=1\nMAX_PAGES=\n";
    struct cfg c;
    struct rs_error err = {0};
    int line = 0;
    cfg_init(&c);
    assert_int_equal(cfg_parse(&c, text, strlen(text), "f.conf", &err), RS_OK);
    assert_string_equal(cfg_setting(&c, RS_OPT_REFRESH_LIMIT, &line), "250");
    assert_int_equal(line, 3);
    assert_null(cfg_setting(&c, RS_OPT_MAX_PAGES, &line)); /* an empty value unsets it */
    assert_null(cfg_setting(&c, RS_OPT_TMDB_RPS, NULL));
    assert_int_equal(c.line[CFG_TMDB_API_KEY], 1);
    cfg_release(&c);
}

/* Refused lines: the message names file and line, never the value; CFG stays empty. */
static void parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"TMDB_API_KEY=ok\nTOPSECRETVALUE\n",
         "config 'f.conf' line 2: not a KEY=value line (see reelsync(1), FILES)"},
        {"TMDB_APIKEY=TOPSECRETVALUE\n",
         "config 'f.conf' line 1: unknown key 'TMDB_APIKEY' (known: TMDB_API_KEY, "
         "TMDB_ACCESS_TOKEN, OMDB_API_KEY, TMDB_BASE_URL, OMDB_BASE_URL, REELSYNC_DB and the "
         "settings 'reelsync config' lists)"},
        {"TOPSECRET VALUE=x\n", "config 'f.conf' line 1: bad key (see reelsync(1), FILES)"},
        {"=TOPSECRETVALUE\n", "config 'f.conf' line 1: bad key (see reelsync(1), FILES)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cfg c;
        struct rs_error err = {0};
        cfg_init(&c);
        assert_int_equal(cfg_parse(&c, cases[i].text, strlen(cases[i].text), "f.conf", &err),
                         RS_ERR_CONFIG);
        assert_string_equal(err.msg, cases[i].msg);
        assert_null(strstr(err.msg, "TOPSECRETVALUE"));
        assert_null(cfg_get(&c, CFG_TMDB_API_KEY));
    }
    struct cfg c;
    struct rs_error err = {0};
    cfg_init(&c);
    assert_int_equal(cfg_parse(&c, "A\0B", 3, "f.conf", &err), RS_ERR_CONFIG);
    assert_string_equal(err.msg, "config 'f.conf': not a text file (NUL byte)");
}

static void load_file(void **state)
{
    (void)state;
    char *dir = tmpdir_create();
    char *path = path_join(dir, "config");
    char want[512];
    struct cfg c;
    struct rs_error err = {0};
    cfg_init(&c);

    /* Missing: fine unless it must exist. */
    assert_int_equal(cfg_load(&c, path, false, &err), RS_OK);
    assert_null(cfg_get(&c, CFG_TMDB_API_KEY));
    assert_int_equal(cfg_load(&c, path, true, &err), RS_ERR_CONFIG);
    snprintf(want, sizeof(want), "config '%s' does not exist (check --config and REELSYNC_CONFIG)",
             path);
    assert_string_equal(err.msg, want);

    /* Group or others may access it: refused, whatever the bit. */
    static const mode_t loose[] = {0644, 0640, 0604, 0660, 0601, 0610};
    write_conf(path, "TMDB_API_KEY=k\n", 0600);
    for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
        assert_int_equal(chmod(path, loose[i]), 0);
        assert_int_equal(cfg_load(&c, path, false, &err), RS_ERR_CONFIG);
        snprintf(want, sizeof(want), "config '%s' is readable by others (chmod 600 %s)", path,
                 path);
        assert_string_equal(err.msg, want);
        assert_null(cfg_get(&c, CFG_TMDB_API_KEY));
    }
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(cfg_load(&c, path, true, &err), RS_OK);
    assert_string_equal(cfg_get(&c, CFG_TMDB_API_KEY), "k");
    cfg_release(&c);

    /* A directory is not a config file. */
    assert_int_equal(chmod(dir, 0700), 0);
    assert_int_equal(cfg_load(&c, dir, true, &err), RS_ERR_CONFIG);
    snprintf(want, sizeof(want), "config '%s' is not a regular file (give a file)", dir);
    assert_string_equal(err.msg, want);
    free(path);
    tmpdir_remove(dir);
}

static void default_path(void **state)
{
    (void)state;
    char out[64];
    bool expl = false;
    assert_true(cfg_default_path("/etc/rs.conf", "/x", "/home/u", out, sizeof(out), &expl));
    assert_string_equal(out, "/etc/rs.conf");
    assert_true(expl);
    assert_true(cfg_default_path(NULL, "/x", "/home/u", out, sizeof(out), &expl));
    assert_string_equal(out, "/x/reelsync/config");
    assert_false(expl);
    assert_true(cfg_default_path("", "relative", "/home/u", out, sizeof(out), &expl));
    assert_string_equal(out, "/home/u/.config/reelsync/config");
    assert_false(expl);
    assert_false(cfg_default_path(NULL, NULL, NULL, out, sizeof(out), &expl));
    assert_false(cfg_default_path(NULL, NULL, "/a/very/long/home/directory/name/that/does/not/fit",
                                  out, sizeof(out), &expl));
}

/* ---- the program ---- */

struct world {
    struct fake fake;
    char *dir, *db, *conf;
    char xdg[600], home[600]; /* XDG_CONFIG_HOME=DIR/xdg, HOME=DIR */
};

/*
 * The environment of a run: the fake's without its keys, the XDG and home config paths in
 * DIR (no file there unless a test writes one), then EXTRA (NULL-terminated, or NULL).
 */
static const char *const *world_env(struct world *w, struct fake_env *env, const char *const *extra)
{
    const char *all[16] = {"TMDB_API_KEY=", "OMDB_API_KEY=", w->xdg, w->home};
    size_t k = 4;
    for (size_t i = 0; extra && extra[i] && k < 15; i++)
        all[k++] = extra[i];
    all[k] = NULL;
    return fake_env(env, &w->fake, all);
}

static void run(struct world *w, const char *const *extra_env, const char *const *args,
                struct run_result *r)
{
    const char *argv[48] = {RS_REELSYNC_BIN, "--db", w->db};
    size_t n = 3;
    for (size_t i = 0; args[i] && n < 47; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    struct fake_env env;
    run_program(argv, world_env(w, &env, extra_env), r);
}

static void world_up(struct world *w, const char *const *fake_args)
{
    memset(w, 0, sizeof(*w));
    fake_start(&w->fake, fake_args);
    w->dir = tmpdir_create();
    w->db = path_join(w->dir, "c.duckdb");
    w->conf = path_join(w->dir, "reelsync.conf");
    snprintf(w->xdg, sizeof(w->xdg), "XDG_CONFIG_HOME=%s/xdg", w->dir);
    snprintf(w->home, sizeof(w->home), "HOME=%s", w->dir);
}

static void world_down(struct world *w)
{
    fake_stop(&w->fake);
    free(w->db);
    free(w->conf);
    tmpdir_remove(w->dir);
}

static const char *const secret_fake[] = {"--movies",   "2000",       "--now",
                                          "2026-11-25", "--tmdb-key", TMDB_SECRET,
                                          "--omdb-key", OMDB_SECRET,  NULL};

#define COLLECT_ARGS(now)                                                                          \
    "--now", now, "--quiet", "collect", "--start-year", "2026", "--end-year", "2026",              \
        "--max-pages", "1", "--tmdb-rps", "500", "--omdb-rps", "500"

static void cli_config_refusals(void **state)
{
    (void)state;
    struct world w;
    struct run_result r;
    char line[1024];
    world_up(&w, secret_fake);

    /* Readable by others: exit 3, one line, the database never created. */
    write_conf(w.conf, "TMDB_API_KEY=" TMDB_SECRET "\nOMDB_API_KEY=" OMDB_SECRET "\n", 0644);
    run(&w, NULL, (const char *[]){"--config", w.conf, COLLECT_ARGS("2026-11-25"), NULL}, &r);
    snprintf(line, sizeof(line), "reelsync: config '%s' is readable by others (chmod 600 %s)\n",
             w.conf, w.conf);
    assert_stderr_is(&r, 3, line);
    assert_int_equal(access(w.db, F_OK), -1);
    run_result_free(&r);
    /* The same through $REELSYNC_CONFIG, and for a command that only reads. */
    char var[600];
    snprintf(var, sizeof(var), "REELSYNC_CONFIG=%s", w.conf);
    run(&w, (const char *[]){var, NULL}, (const char *[]){"stats", NULL}, &r);
    assert_stderr_is(&r, 3, line);
    run_result_free(&r);

    /* An explicit config that does not exist: exit 3. */
    char *missing = path_join(w.dir, "nope.conf");
    run(&w, NULL, (const char *[]){"--config", missing, COLLECT_ARGS("2026-11-25"), NULL}, &r);
    snprintf(line, sizeof(line),
             "reelsync: config '%s' does not exist (check --config and REELSYNC_CONFIG)\n",
             missing);
    assert_stderr_is(&r, 3, line);
    run_result_free(&r);
    snprintf(var, sizeof(var), "REELSYNC_CONFIG=%s", missing);
    run(&w, (const char *[]){var, NULL}, (const char *[]){COLLECT_ARGS("2026-11-25"), NULL}, &r);
    assert_stderr_is(&r, 3, line);
    run_result_free(&r);
    free(missing);

    /* A bad line: exit 3, the value not shown. */
    write_conf(w.conf, "TMDB_API_KEY " TMDB_SECRET "\n", 0600);
    run(&w, NULL, (const char *[]){"--config", w.conf, COLLECT_ARGS("2026-11-25"), NULL}, &r);
    snprintf(line, sizeof(line),
             "reelsync: config '%s' line 1: not a KEY=value line (see reelsync(1), FILES)\n",
             w.conf);
    assert_stderr_is(&r, 3, line);
    run_result_free(&r);

    /* No default file (XDG and HOME point at an empty directory): the missing key is the error. */
    run(&w, NULL, (const char *[]){COLLECT_ARGS("2026-11-25"), NULL}, &r);
    assert_int_equal(r.status, 3);
    assert_non_null(strstr(r.err, "reelsync: TMDB_API_KEY is not set"));
    run_result_free(&r);
    world_down(&w);
}

/* Keys from the XDG default path; the environment wins over the file. */
static void cli_config_precedence(void **state)
{
    (void)state;
    struct world w;
    struct run_result r;
    world_up(&w, secret_fake);
    char *xdg = path_join(w.dir, "xdg"), *sub = path_join(xdg, "reelsync");
    char *conf = path_join(sub, "config");
    assert_int_equal(mkdir(xdg, 0700), 0);
    assert_int_equal(mkdir(sub, 0700), 0);
    char text[512];
    snprintf(text, sizeof(text),
             "TMDB_API_KEY=%s\nOMDB_API_KEY=%s\nREELSYNC_DB=%s/fromconf.duckdb\n", TMDB_SECRET,
             OMDB_SECRET, w.dir);
    write_conf(conf, text, 0600);

    /* Keys and database from the file (--db not given: argv[1..2] are overridden below). */
    const char *argv[] = {RS_REELSYNC_BIN, COLLECT_ARGS("2026-11-25"), "--json", NULL};
    struct fake_env env;
    run_program(argv, world_env(&w, &env, NULL), &r);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    char *fromconf = path_join(w.dir, "fromconf.duckdb");
    assert_int_equal(access(fromconf, F_OK), 0);
    assert_true(db_i64(fromconf, "SELECT count(*) FROM tmdb_movies") > 0);
    run_result_free(&r);

    /* A wrong key in the environment wins over the right one in the file: rejected. */
    run(&w, (const char *[]){"TMDB_API_KEY=wrongkey", NULL},
        (const char *[]){COLLECT_ARGS("2026-11-25"), NULL}, &r);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "TMDB rejected the API key"));
    run_result_free(&r);
    /* And the right key in the environment wins over a wrong one in the file. */
    snprintf(text, sizeof(text), "TMDB_API_KEY=wrongkey\nOMDB_API_KEY=%s\n", OMDB_SECRET);
    write_conf(conf, text, 0600);
    run(&w, (const char *[]){"TMDB_API_KEY=" TMDB_SECRET, NULL},
        (const char *[]){COLLECT_ARGS("2026-11-25"), NULL}, &r);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
    free(fromconf);
    free(conf);
    free(sub);
    free(xdg);
    world_down(&w);
}

/* ---- the secrets test ---- */

static bool has_bytes(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    }
    return false;
}

static void assert_no_secret(const char *what, const char *text, size_t len)
{
    if (has_bytes(text, len, TMDB_SECRET) || has_bytes(text, len, OMDB_SECRET))
        print_error("a key leaked into %s\n", what);
    assert_false(has_bytes(text, len, TMDB_SECRET));
    assert_false(has_bytes(text, len, OMDB_SECRET));
}

/* Rows of every table of DB whose text (the whole row cast to VARCHAR) contains NEEDLE. */
static int64_t rows_containing(const char *db, const char *needle)
{
    char *tables = db_str(db, "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM "
                              "information_schema.tables WHERE table_schema = 'main'");
    assert_non_null(tables);
    assert_non_null(strstr(tables, "tmdb_movies")); /* the dump covers the real tables */
    int64_t total = 0;
    char *save = tables;
    for (char *t = tables; t && *t;) {
        char *comma = strchr(t, ',');
        if (comma)
            *comma = '\0';
        char sql[512];
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM \"%s\" AS r WHERE strpos(r::VARCHAR, '%s') > 0", t, needle);
        total += db_i64(db, sql);
        t = comma ? comma + 1 : NULL;
    }
    free(save);
    return total;
}

static void check_run_output(const struct run_result *r)
{
    assert_no_secret("stdout", r->out, strlen(r->out));
    assert_no_secret("stderr", r->err, strlen(r->err));
}

/*
 * Full collects (discovery + refresh) at --log-level debug with known keys, the first with
 * keys from --config, the second from the environment at a later day; the server faults a
 * fifth of the requests, so retries and failures log their URLs. Neither key appears in
 * stdout, stderr, the database bytes or any table's text; the redacted forms do appear, so
 * the search looked where keys would be.
 */
static void keys_never_leak(void **state)
{
    (void)state;
    struct world w;
    struct run_result r;
    world_up(&w, (const char *[]){"--movies", "2000", "--now", "2026-11-25", "--tmdb-key",
                                  TMDB_SECRET, "--omdb-key", OMDB_SECRET, "--fault-rate", "0.2",
                                  "--faults", "500,malformed,redirect,reset", NULL});
    write_conf(w.conf, "TMDB_API_KEY=" TMDB_SECRET "\nOMDB_API_KEY=" OMDB_SECRET "\n", 0600);
    run(&w, NULL,
        (const char *[]){"--config", w.conf, "--log-level", "debug", COLLECT_ARGS("2026-11-25"),
                         NULL},
        &r);
    if (r.status != 0)
        print_error("status %d: %s\n", r.status, r.err);
    assert_int_equal(r.status, 0);
    check_run_output(&r);
    assert_non_null(strstr(r.err, "api_key=***"));
    assert_non_null(strstr(r.err, " debug "));
    assert_non_null(strstr(r.out, "TMDB updated: "));
    run_result_free(&r);

    run(&w, (const char *[]){"TMDB_API_KEY=" TMDB_SECRET, "OMDB_API_KEY=" OMDB_SECRET, NULL},
        (const char *[]){"--log-level", "debug", "--json", COLLECT_ARGS("2026-12-30"), NULL}, &r);
    assert_int_equal(r.status, 0);
    check_run_output(&r);
    assert_non_null(strstr(r.err, "api_key=***"));
    json_t *doc = doc_parse(r.out);
    assert_true(doc_int(doc, "omdb_updated") > 0);
    json_decref(doc);
    run_result_free(&r);

    /* The v4 token as a bearer header, from the file: the server saw bearer requests. */
    write_conf(w.conf, "TMDB_ACCESS_TOKEN=" TMDB_SECRET "\nOMDB_API_KEY=" OMDB_SECRET "\n", 0600);
    run(&w, NULL,
        (const char *[]){"--config", w.conf, "--log-level", "debug", COLLECT_ARGS("2027-02-15"),
                         NULL},
        &r);
    assert_int_equal(r.status, 0);
    check_run_output(&r);
    run_result_free(&r);
    char url[128];
    struct http_reply stats;
    snprintf(url, sizeof(url), "%s/__stats", w.fake.base);
    http_fetch("GET", url, NULL, &stats);
    assert_non_null(strstr(stats.body, "\"auth\":\"bearer\""));
    assert_no_secret("the server's request log", stats.body, stats.len);
    http_reply_free(&stats);

    /* The reports read the database: nothing there either. */
    run(&w, NULL, (const char *[]){"--json", "stats", NULL}, &r);
    assert_int_equal(r.status, 0);
    check_run_output(&r);
    run_result_free(&r);

    /* The file's bytes, and its WAL if one is left. */
    size_t len = 0;
    char *bytes = slurp_file(w.db, &len);
    assert_true(len > 0);
    assert_no_secret("the database file", bytes, len);
    free(bytes);
    char wal[600];
    snprintf(wal, sizeof(wal), "%s.wal", w.db);
    bytes = read_file(wal, &len);
    if (bytes)
        assert_no_secret("the WAL", bytes, len);
    free(bytes);

    /* Every table's text; a stored title is found the same way, so the search works. */
    assert_int_equal(rows_containing(w.db, TMDB_SECRET), 0);
    assert_int_equal(rows_containing(w.db, OMDB_SECRET), 0);
    char *title = db_str(w.db, "SELECT title FROM tmdb_movies WHERE title NOT LIKE '%''%' "
                               "ORDER BY tmdb_id LIMIT 1");
    assert_non_null(title);
    assert_true(rows_containing(w.db, title) >= 2); /* movies and tmdb_movies at least */
    free(title);
    world_down(&w);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_lines),
        cmocka_unit_test(parse_errors),
        cmocka_unit_test(settings_from_the_table),
        cmocka_unit_test(load_file),
        cmocka_unit_test(default_path),
        cmocka_unit_test(cli_config_refusals),
        cmocka_unit_test(cli_config_precedence),
        cmocka_unit_test(keys_never_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
