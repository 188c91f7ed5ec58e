/*
 * The reelsync commands against reelsync-fakeapi and a temporary database: collect --json
 * (keys and numbers), plan, stats --json (and its oldest overdue 32 days on), export in the
 * three formats, unfreeze, a rejected key, and the progress display (no control characters
 * when stderr is not a terminal, a live line on a pseudo-terminal).
 * The tests share one fake API and the database of one first collect run, in order.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reelsync/store.h"
#include "test.h"

#define NOW "2026-11-25"
#define LATER "2026-12-27" /* 32 days on: every movie released in 2026 is due again */

struct world {
    struct fake fake;
    char *dir, *db;
    json_t *collect; /* collect --json of the shared first run */
};

static void run(struct world *w, const char *const *args, struct run_result *r)
{
    run_reelsync(&w->fake, w->db, NOW, args, r);
}

static const char *const collect_args[] = {
    "collect",     "--json", "--quiet",    "--start-year", "2026",       "--end-year", "2026",
    "--max-pages", "1",      "--tmdb-rps", "200",          "--omdb-rps", "200",        NULL};

static int world_setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    *state = w; /* set first: teardown runs even when setup fails half-way */
    fake_start(&w->fake, (const char *[]){"--movies", "2000", "--now", NOW, NULL});
    w->dir = tmpdir_create();
    w->db = path_join(w->dir, "c.duckdb");
    struct run_result r;
    run(w, collect_args, &r);
    if (r.status != 0)
        print_error("collect: status %d: %s\n", r.status, r.err);
    assert_int_equal(r.status, 0);
    w->collect = doc_parse(r.out);
    run_result_free(&r);
    return 0;
}

static int world_teardown(void **state)
{
    struct world *w = *state;
    if (!w)
        return 0;
    if (w->fake.pid > 0)
        fake_stop(&w->fake);
    json_decref(w->collect);
    if (w->dir)
        tmpdir_remove(w->dir);
    free(w->db);
    free(w);
    return 0;
}

static void collect_json_keys(void **state)
{
    struct world *w = *state;
    static const char *const classes[] = {"network",      "timeout",        "rate_limited",
                                          "server_error", "not_found",      "auth",
                                          "bad_response", "quota_exhausted"};
    json_t *s = w->collect;
    int64_t discovered = doc_int(s, "discovered");
    assert_true(discovered >= 1 && discovered <= 20); /* one page of at most 20 */
    assert_int_equal(doc_int(s, "discovered_new"), discovered);
    /* A fault-free server: every due movie is updated, nothing fails. */
    assert_int_equal(doc_int(s, "tmdb_updated"), discovered);
    assert_int_equal(doc_int(s, "failed.tmdb"), 0);
    assert_int_equal(doc_int(s, "failed.omdb"), 0);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(doc_int(json_object_get(s, "errors"), classes[i]), 0);
    assert_int_equal(doc_int(s, "requests.tmdb"), 1 + discovered);
    assert_int_equal(doc_int(s, "requests.omdb"), doc_int(s, "omdb_updated"));
    assert_int_equal(doc_int(s, "frozen"), 0);
    assert_int_equal(doc_int(s, "deferred_by_quota"), 0);
    assert_true(json_is_real(json_object_get(s, "duration_s")));
    assert_string_equal(json_string_value(json_object_get(s, "result")), "ok");
}

static void plan_after_collect(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w, (const char *[]){"--now", LATER, "plan", "--json", NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *p = doc_parse(r.out);
    assert_int_equal(doc_int(p, "count"), doc_int(w->collect, "discovered"));
    json_t *first = json_array_get(json_object_get(p, "movies"), 0);
    assert_true(json_is_true(json_object_get(first, "needs_tmdb")));
    assert_non_null(strstr(json_string_value(json_object_get(first, "why")), "overdue"));
    json_decref(p);
    run_result_free(&r);
    run(w, (const char *[]){"--now", LATER, "plan", "--limit", "2", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(strncmp(r.out, "TMDB_ID", 7), 0);
    assert_int_equal(line_count(r.out), 4); /* the header, two movies, how many in all */
    char in_all[64];
    snprintf(in_all, sizeof(in_all), "\n(%lld due in all)\n",
             (long long)doc_int(w->collect, "discovered"));
    assert_non_null(strstr(r.out, in_all));
    run_result_free(&r);
    /* TMDB gave a movie no IMDb id: OMDB waits for one, it is not "never fetched" */
    db_exec(w->db, "UPDATE movies SET imdb_id = NULL WHERE tmdb_id = (SELECT max(tmdb_id) "
                   "FROM movies)");
    run(w, (const char *[]){"--now", LATER, "plan", "--json", NULL}, &r);
    p = doc_parse(r.out);
    int64_t id = db_i64(w->db, "SELECT max(tmdb_id) FROM movies");
    const char *why = NULL;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(p, "movies"), i, m)
    {
        if (doc_int(m, "tmdb_id") == id)
            why = json_string_value(json_object_get(m, "why"));
    }
    assert_non_null(why);
    assert_non_null(strstr(why, " overdue, omdb if tmdb gives an IMDb id"));
    json_decref(p);
    run_result_free(&r);
    db_exec(w->db, "UPDATE movies SET imdb_id = (SELECT imdb_id FROM tmdb_movies t WHERE "
                   "t.tmdb_id = movies.tmdb_id) WHERE tmdb_id = (SELECT max(tmdb_id) FROM movies)");
}

static void stats_json(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w, (const char *[]){"stats", "--json", NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *s = doc_parse(r.out);
    json_t *tmdb = json_object_get(json_object_get(s, "apis"), "tmdb");
    assert_int_equal(doc_int(tmdb, "requests_today"), doc_int(w->collect, "requests.tmdb"));
    assert_int_equal(doc_int(tmdb, "daily_limit"), 40000);
    assert_true(json_real_value(json_object_get(tmdb, "success_rate_30d")) == 1.0);
    assert_int_equal(doc_int(s, "movies"), doc_int(w->collect, "discovered"));
    assert_int_equal(doc_int(s, "frozen"), 0);
    /* everything was checked, and changed (first fetch), today */
    assert_int_equal(doc_int(s, "freshness.tmdb_checked_days_max"), 0);
    assert_int_equal(doc_int(s, "freshness.unchanged_days_median"), 0);
    json_t *run0 = json_array_get(json_object_get(s, "runs"), 0);
    assert_int_equal(doc_int(run0, "status"), 0);
    assert_int_equal(doc_int(run0, "stats.discovered"), doc_int(w->collect, "discovered"));
    /* checked today: every movie within its interval, none overdue, none never checked */
    int64_t with_imdb = db_i64(w->db, "SELECT count(*) FROM movies WHERE imdb_id IS NOT NULL");
    assert_int_equal(doc_int(s, "within_interval.tmdb.all.movies"), doc_int(s, "movies"));
    assert_int_equal(doc_int(s, "within_interval.tmdb.all.within"), doc_int(s, "movies"));
    assert_int_equal(doc_int(s, "within_interval.omdb.all.movies"), with_imdb);
    assert_int_equal(doc_int(s, "within_interval.omdb.all.within"), with_imdb);
    json_t *all =
        json_object_get(json_object_get(json_object_get(s, "within_interval"), "tmdb"), "all");
    assert_true(json_real_value(json_object_get(all, "share")) == 1.0);
    assert_true(json_is_null(json_object_get(json_object_get(s, "oldest_overdue"), "tmdb")));
    assert_int_equal(doc_int(s, "never_checked.tmdb"), 0);
    assert_int_equal(doc_int(s, "never_checked.omdb"), 0);
    json_decref(s);
    run_result_free(&r);
    run(w, (const char *[]){"stats", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "API requests"));
    assert_non_null(strstr(r.out, "Refresh coverage"));
    assert_non_null(strstr(r.out, "Data unchanged for a median of 0 days"));
    assert_non_null(strstr(r.out, "Checked within the policy's interval"));
    assert_non_null(strstr(r.out, "Oldest overdue on TMDB: none overdue"));
    assert_non_null(strstr(r.out, "Never checked: 0 on TMDB, 0 on OMDB"));
    run_result_free(&r);
}

/* 32 days on every movie is overdue on TMDB: the oldest is named, with its lateness. */
static void stats_overdue(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w, (const char *[]){"--now", LATER, "stats", "--json", NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *s = doc_parse(r.out);
    assert_int_equal(doc_int(s, "within_interval.tmdb.all.within"), 0);
    json_t *o = json_object_get(json_object_get(s, "oldest_overdue"), "tmdb");
    assert_true(json_is_object(o));
    int64_t id = doc_int(o, "tmdb_id");
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM movies WHERE tmdb_id = %lld", (long long)id);
    assert_int_equal(db_i64(w->db, sql), 1);
    assert_true(json_is_string(json_object_get(o, "title")));
    assert_true(json_is_string(json_object_get(o, "category")));
    int64_t days = doc_int(o, "days_overdue");
    assert_true(days >= 32 - 30 && days <= 32 - 5); /* the intervals of 2026's categories */
    json_decref(s);
    run_result_free(&r);
    run(w, (const char *[]){"--now", LATER, "stats", NULL}, &r);
    assert_int_equal(r.status, 0);
    char line[64];
    snprintf(line, sizeof(line), "Oldest overdue on TMDB: #%lld '", (long long)id);
    assert_non_null(strstr(r.out, line));
    run_result_free(&r);
}

/*
 * export in each format, read back by DuckDB itself: one row per movie, the TMDB and OMDB
 * columns joined, and --json reporting the file it wrote.
 */
static void exports(void **state)
{
    struct world *w = *state;
    static const char *const formats[] = {"csv", "parquet", "json"};
    static const char *const readers[] = {"read_csv", "read_parquet", "read_json"};
    int64_t movies = doc_int(w->collect, "discovered");
    for (size_t i = 0; i < 3; i++) {
        char name[32], sql[1024];
        snprintf(name, sizeof(name), "movies.%s", formats[i]);
        char *out = path_join(w->dir, name);
        struct run_result r;
        run(w, (const char *[]){"--json", "export", "--format", formats[i], "--out", out, NULL},
            &r);
        assert_int_equal(r.status, 0);
        size_t len = 0;
        char *data = slurp_file(out, &len);
        json_t *doc = doc_parse(r.out);
        assert_string_equal(json_string_value(json_object_get(doc, "format")), formats[i]);
        assert_string_equal(json_string_value(json_object_get(doc, "out")), out);
        assert_int_equal(doc_int(doc, "bytes"), (int64_t)len);
        json_decref(doc);
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s('%s')", readers[i], out);
        assert_int_equal(db_i64(w->db, sql), movies);
        snprintf(sql, sizeof(sql), "SELECT count(DISTINCT tmdb_id) FROM %s('%s')", readers[i], out);
        assert_int_equal(db_i64(w->db, sql), movies);
        snprintf(sql, sizeof(sql), "SELECT count(tmdb_title) FROM %s('%s')", readers[i], out);
        assert_int_equal(db_i64(w->db, sql), doc_int(w->collect, "tmdb_updated"));
        snprintf(sql, sizeof(sql), "SELECT count(omdb_fetched_at) FROM %s('%s')", readers[i], out);
        assert_int_equal(db_i64(w->db, sql), doc_int(w->collect, "omdb_updated"));
        free(data);
        free(out);
        run_result_free(&r);
    }
}

/* Runs each SQL statement (lines indented by four) of README's section HEADING on DB; counts them.
 */
static size_t readme_sql(const char *db, const char *readme, const char *heading)
{
    const char *sec = strstr(readme, heading);
    assert_non_null(sec);
    const char *end = strstr(sec + 1, "\n## ");
    char sql[4096];
    size_t len = 0, ran = 0;
    for (const char *line = sec; line && line < end;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n > 4 && strncmp(line, "    ", 4) == 0) {
            assert_true(len + n < sizeof(sql));
            memcpy(sql + len, line + 4, n - 4);
            len += n - 4;
            sql[len++] = '\n';
            if (line[n - 1] == ';') {
                sql[len] = '\0';
                (void)db_i64(db, sql); /* fails the test on any DuckDB error */
                ran++;
                len = 0;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return ran;
}

/* The queries README shows, and the seed's troubleshooting ones verbatim, run on our schema. */
static void readme_queries(void **state)
{
    struct world *w = *state;
    char *readme = slurp_file(RS_SOURCE_DIR "/README.md", NULL);
    assert_int_equal(readme_sql(w->db, readme, "\n## Querying the data with SQL\n"), 6);
    free(readme);
    assert_int_equal(db_i64(w->db, "SELECT COUNT(*) FROM movies m\n"
                                   "LEFT JOIN tmdb_movies t ON m.tmdb_id = t.tmdb_id\n"
                                   "WHERE t.imdb_id IS NULL;"),
                     doc_int(w->collect, "omdb_skipped_no_imdb"));
    assert_int_equal(db_i64(w->db, "SELECT COUNT(*) FROM movies\n"
                                   "WHERE last_tmdb_update < CURRENT_DATE - INTERVAL '30 days';"),
                     0);
}

/* collect --dry-run on a database with movies due: the plan of that run, no call, no write. */
static void dry_run_writes_nothing(void **state)
{
    struct world *w = *state;
    size_t len0 = 0;
    char *before = slurp_file(w->db, &len0);
    int64_t calls =
        fake_stat(&w->fake, "requests", "tmdb") + fake_stat(&w->fake, "requests", "omdb");
    struct run_result r, p;
    run(w,
        (const char *[]){"--now", LATER, "collect", "--dry-run", "--json", "--refresh-limit", "3",
                         NULL},
        &r);
    assert_int_equal(r.status, 0);
    run(w, (const char *[]){"--now", LATER, "plan", "--json", "--limit", "3", NULL}, &p);
    assert_int_equal(p.status, 0);
    json_t *dry = doc_parse(r.out), *plan = doc_parse(p.out);
    json_t *refresh = json_object_get(dry, "refresh");
    assert_true(json_is_true(json_object_get(dry, "dry_run")));
    assert_int_equal(doc_int(refresh, "count"), 3);
    assert_true(json_equal(json_object_get(refresh, "movies"), json_object_get(plan, "movies")));
    json_decref(dry);
    json_decref(plan);
    run_result_free(&r);
    run_result_free(&p);
    assert_int_equal(
        fake_stat(&w->fake, "requests", "tmdb") + fake_stat(&w->fake, "requests", "omdb"), calls);
    assert_file_holds(w->db, before, len0);
    free(before);
}

/* Bad command lines and a missing key on a database in use: exit 2 or 3, the file unchanged. */
static void bad_input_leaves_db_unchanged(void **state)
{
    struct world *w = *state;
    static const struct {
        const char *args[8];
        int status;
    } cases[] = {
        {{"collect", "--tmdb-rps", "-1"}, 2},
        {{"collect", "--start-year", "2026", "--end-year", "2025"}, 2},
        {{"--now", LATER, "collect", "--refresh-only", "--bogus"}, 2},
        {{"export", "--format", "xml", "--out", "x.xml"}, 2},
        {{"unfreeze", "--all", "12"}, 2},
        {{"--now", LATER, "collect", "--refresh-only"}, 3}, /* no OMDB key below */
    };
    size_t len0 = 0;
    char *before = slurp_file(w->db, &len0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *argv[16] = {RS_REELSYNC_BIN, "--db", w->db};
        size_t n = 3;
        for (size_t j = 0; cases[i].args[j]; j++)
            argv[n++] = cases[i].args[j];
        argv[n] = NULL;
        struct fake_env env;
        struct run_result r;
        run_program(argv, fake_env(&env, &w->fake, (const char *[]){"OMDB_API_KEY=", NULL}), &r);
        assert_int_equal(r.status, cases[i].status);
        assert_string_equal(r.out, "");
        run_result_free(&r);
        assert_file_holds(w->db, before, len0);
    }
    free(before);
}

/* Frozen movies leave the plan (unless --include-frozen) until unfreeze, by id or --all. */
static void unfreeze(void **state)
{
    struct world *w = *state;
    int64_t movies = doc_int(w->collect, "discovered");
    /* what three unchanged ARCHIVED refreshes leave behind */
    db_exec(w->db, "UPDATE movies SET data_frozen = TRUE, stable_cycles = 3 WHERE tmdb_id IN "
                   "(SELECT tmdb_id FROM movies ORDER BY tmdb_id LIMIT 3)");
    int64_t first = db_i64(w->db, "SELECT min(tmdb_id) FROM movies");
    char id[32];
    snprintf(id, sizeof(id), "%lld", (long long)first);
    struct run_result r;
    run(w, (const char *[]){"--now", LATER, "plan", "--json", NULL}, &r);
    json_t *p = doc_parse(r.out);
    assert_int_equal(doc_int(p, "count"), movies - 3);
    json_decref(p);
    run_result_free(&r);
    run(w, (const char *[]){"--now", LATER, "plan", "--json", "--include-frozen", NULL}, &r);
    p = doc_parse(r.out);
    assert_int_equal(doc_int(p, "count"), movies);
    json_decref(p);
    run_result_free(&r);

    run(w, (const char *[]){"unfreeze", id, "999999999", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "unfroze 1 movie\n");
    run_result_free(&r);
    char sql[128];
    snprintf(sql, sizeof(sql),
             "SELECT CAST(data_frozen AS INTEGER) + stable_cycles FROM movies WHERE tmdb_id = %s",
             id);
    assert_int_equal(db_i64(w->db, sql), 0);
    run(w, (const char *[]){"--json", "unfreeze", id, NULL}, &r);
    assert_string_equal(r.out, "{\"unfrozen\":0}\n");
    run_result_free(&r);
    run(w, (const char *[]){"unfreeze", "--all", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "unfroze 2 movies\n");
    run_result_free(&r);
    assert_int_equal(db_i64(w->db, "SELECT count(*) FROM movies WHERE data_frozen OR "
                                   "stable_cycles > 0"),
                     0);
    run(w, (const char *[]){"--json", "unfreeze", "--all", NULL}, &r);
    assert_string_equal(r.out, "{\"unfrozen\":0}\n");
    run_result_free(&r);
}

/* A rejected key: exit 1, the last stderr line says what to check, the key is not shown. */
static void rejected_key(void **state)
{
    struct world *w = *state;
    char *db = path_join(w->dir, "badkey.duckdb");
    const char *argv[] = {
        RS_REELSYNC_BIN,   "--db", db, "--quiet", "--log-level", "error", "collect",
        "--discover-only", NULL};
    struct fake_env env;
    struct run_result r;
    run_program(argv, fake_env(&env, &w->fake, (const char *[]){"TMDB_API_KEY=wr0ng-k3y", NULL}),
                &r);
    assert_int_equal(r.status, 1);
    const char *last = strrchr(r.err, '\n');
    assert_non_null(last);
    while (last > r.err && last[-1] != '\n')
        last--;
    assert_int_equal(strncmp(last, "reelsync: collect: ", 19), 0);
    assert_non_null(strstr(last, "TMDB_API_KEY"));
    assert_null(strstr(r.err, "wr0ng-k3y"));
    run_result_free(&r);
    free(db);
}

/*
 * --timeout reaches the engine: the server stalls 4 s and then drops the connection, so
 * with --timeout 1 the attempt ends as a timeout, while the 30 s default would see the
 * drop (network). The daily limit of 1 ends the run at the retry instead of waiting it out.
 */
static void timeout_option(void **state)
{
    struct world *w = *state;
    struct fake slow = {0};
    fake_start(&slow, (const char *[]){"--movies", "100", "--fault-rate", "1", "--faults",
                                       "timeout", "--stall-ms", "4000", NULL});
    char *db = path_join(w->dir, "timeout.duckdb");
    const char *argv[] = {RS_REELSYNC_BIN,
                          "--db",
                          db,
                          "--quiet",
                          "--log-level",
                          "debug",
                          "--now",
                          NOW,
                          "collect",
                          "--discover-only",
                          "--max-pages",
                          "1",
                          "--tmdb-daily-limit",
                          "1",
                          "--timeout",
                          "1",
                          NULL};
    struct fake_env env;
    struct run_result r;
    run_program(argv, fake_env(&env, &slow, NULL), &r);
    if (!strstr(r.err, "outcome=timeout"))
        print_error("status %d, stderr: %s\n", r.status, r.err);
    assert_non_null(strstr(r.err, "retrying api=tmdb"));
    assert_non_null(strstr(r.err, "outcome=timeout"));
    assert_null(strstr(r.err, "outcome=network"));
    run_result_free(&r);
    fake_stop(&slow);
    free(db);
}

/*
 * Another process holds the database (issue 13): with --lock-timeout 0, exit 4 at once, one
 * line that names the holder and what to do.
 */
static void locked_database(void **state)
{
    struct world *w = *state;
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(w->db, STORE_READ_WRITE, &st, &err), RS_OK);
    struct run_result r;
    run(w, (const char *[]){"--quiet", "--lock-timeout", "0", "collect", "--refresh-only", NULL},
        &r);
    store_close(st);
    assert_int_equal(r.status, 4);
    assert_non_null(strstr(r.err, "(PID "));
    assert_non_null(strstr(r.err, "reelsync: collect: "));
    assert_non_null(strstr(r.err, "close that program"));
    assert_int_equal(r.err[strlen(r.err) - 2], ')');
    assert_string_equal(r.out, "");
    run_result_free(&r);
}

/* Not a terminal (a file): progress comes as log lines, with no control character at all. */
static void progress_plain_when_not_a_tty(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w,
        (const char *[]){"--now", LATER, "collect", "--refresh-only", "--tmdb-rps", "200",
                         "--omdb-rps", "200", NULL},
        &r);
    assert_int_equal(r.status, 0);
    for (const char *c = r.err; *c; c++)
        assert_true(*c == '\n' || (unsigned char)*c >= 0x20);
    assert_non_null(strstr(r.out, "- TMDB updated: "));
    run_result_free(&r);
}

/*
 * Runs a refresh at NOW with stderr on a pseudo-terminal (with --quiet when QUIET); returns
 * what the terminal showed (malloc'd) after checking exit status 0.
 */
static char *refresh_on_a_pty(struct world *w, const char *now, bool quiet)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    const char *slave = ptsname(master);
    assert_non_null(slave);
    struct fake_env env;
    const char *const *envp = fake_env(&env, &w->fake, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int fd = open(slave, O_RDWR);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(fd, 2);
        for (size_t i = 0; envp[i]; i++)
            putenv((char *)envp[i]);
        execl(RS_REELSYNC_BIN, RS_REELSYNC_BIN, "--db", w->db, "--now", now, "collect",
              "--refresh-only", "--tmdb-rps", "200", "--omdb-rps", "200",
              quiet ? "--quiet" : (char *)NULL, (char *)NULL);
        _exit(127);
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        ssize_t got = read(master, buf + len, cap - 1 - len);
        if (got <= 0)
            break; /* EIO once the child closed the terminal */
        len += (size_t)got;
    }
    buf[len] = '\0';
    int status = 0;
    waitpid(pid, &status, 0);
    close(master);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return buf;
}

/* On a pseudo-terminal the live line is drawn with \r and cleared at the end. */
static void progress_live_on_a_pty(void **state)
{
    struct world *w = *state;
    char *buf = refresh_on_a_pty(w, "2027-06-01", false);
    assert_non_null(strstr(buf, "\r\033[Krefresh "));
    assert_non_null(strstr(buf, " movies "));
    free(buf);
}

/* --quiet: no live line even on a terminal (movies are due, so one would be drawn). */
static void quiet_on_a_pty(void **state)
{
    struct world *w = *state;
    assert_true(db_i64(w->db, "SELECT count(*) FROM movies WHERE last_tmdb_update < "
                              "TIMESTAMP '2028-03-01' - INTERVAL 90 DAY") > 0);
    char *buf = refresh_on_a_pty(w, "2028-03-01", true);
    assert_null(strchr(buf, '\033'));
    assert_null(strstr(buf, "progress"));
    assert_null(strstr(buf, "refresh 1/"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(collect_json_keys),
        cmocka_unit_test(plan_after_collect),
        cmocka_unit_test(stats_json),
        cmocka_unit_test(stats_overdue),
        cmocka_unit_test(exports),
        cmocka_unit_test(readme_queries),
        cmocka_unit_test(dry_run_writes_nothing),
        cmocka_unit_test(bad_input_leaves_db_unchanged),
        cmocka_unit_test(unfreeze),
        cmocka_unit_test(rejected_key),
        cmocka_unit_test(timeout_option),
        cmocka_unit_test(locked_database),
        cmocka_unit_test(progress_plain_when_not_a_tty),
        cmocka_unit_test(progress_live_on_a_pty),
        cmocka_unit_test(quiet_on_a_pty),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
