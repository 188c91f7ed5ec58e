/*
 * The reelsync program as a user drives it, for what needs no database or API: --version,
 * help, every bad command line and missing key (exit status, exactly one stderr line,
 * the database not created), global options before or after the command, --opt=value,
 * environment defaults, and collect --dry-run on a database that does not exist yet.
 * The commands that run against reelsync-fakeapi are in test_cli_commands.c; collect's
 * option table against its help and the man page in test_options.c.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#include "reelsync/store.h"

struct ctx {
    char *dir;
    char *db; /* DIR/t.duckdb: must never appear */
};

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));
    c->dir = tmpdir_create();
    c->db = path_join(c->dir, "t.duckdb");
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    tmpdir_remove(c->dir);
    free(c->db);
    free(c);
    return 0;
}

/* Runs build/reelsync with ARGS (NULL-terminated) and ENV; keys are cleared unless ENV sets them.
 */
static void run(const char *const *args, const char *const *env, struct run_result *r)
{
    const char *argv[32] = {RS_REELSYNC_BIN};
    size_t n = 1;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    const char *full_env[32] = {
        "TMDB_API_KEY=",       "TMDB_ACCESS_TOKEN=", "OMDB_API_KEY=", "REELSYNC_DB=",
        "REELSYNC_LOG_LEVEL=", "TMDB_BASE_URL=",     "OMDB_BASE_URL="};
    size_t m = 7;
    for (size_t i = 0; env && env[i]; i++)
        full_env[m++] = env[i];
    full_env[m] = NULL;
    run_program(argv, full_env, r);
}

/* Exit STATUS, exactly one stderr line that starts "reelsync: " and holds NEEDLE, no stdout. */
static void assert_one_error(const struct run_result *r, int status, const char *needle)
{
    assert_stderr_one_line(r, status, needle);
    assert_int_equal(strncmp(r->err, "reelsync: ", 10), 0);
}

static void version(void **state)
{
    (void)state;
    struct run_result r;
    run((const char *[]){"--version", NULL}, NULL, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(strncmp(r.out, "reelsync " RS_VERSION "\n", strlen(RS_VERSION) + 10), 0);
    assert_string_equal(r.err, "");
    run_result_free(&r);
    run((const char *[]){"plan", "--version", NULL}, NULL, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(strncmp(r.out, "reelsync 0.1.0\n", 15), 0);
    run_result_free(&r);
}

static void help_everywhere(void **state)
{
    (void)state;
    static const char *const cmds[] = {"collect", "plan", "stats", "export", "unfreeze"};
    struct run_result r;
    run((const char *[]){"--help", NULL}, NULL, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(strncmp(r.out, "usage: reelsync", 15), 0);
    assert_non_null(strstr(r.out, "Example"));
    for (size_t i = 0; i < 5; i++)
        assert_non_null(strstr(r.out, cmds[i]));
    run_result_free(&r);
    for (size_t i = 0; i < 5; i++) {
        char usage[64];
        snprintf(usage, sizeof(usage), "] %s", cmds[i]);
        run((const char *[]){cmds[i], "--help", NULL}, NULL, &r);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, usage));
        assert_non_null(strstr(r.out, "Example"));
        assert_string_equal(r.err, "");
        run_result_free(&r);
        run((const char *[]){"-h", cmds[i], NULL}, NULL, &r);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, usage));
        run_result_free(&r);
    }
}

/* Each bad command line: exit 2, one line naming the problem, nothing created. */
static void bad_command_lines(void **state)
{
    struct ctx *c = *state;
    static const struct {
        const char *args[8];
        const char *needle;
    } cases[] = {
        {{"collect", "--tmdb-rps", "-1"}, "bad value '-1' for --tmdb-rps"},
        {{"collect", "--tmdb-rps=-0.5"}, "bad value '-0.5' for --tmdb-rps"},
        {{"collect", "--omdb-rps", "fast"}, "bad value 'fast' for --omdb-rps"},
        {{"collect", "--start-year", "20x4"}, "bad value '20x4' for --start-year"},
        {{"collect", "--start-year", ""}, "bad value '' for --start-year"},
        {{"collect", "--start-year", "2024", "--end-year", "2020"},
         "--end-year 2020 is before --start-year 2024"},
        {{"collect", "--refresh-only", "--discover-only"}, "--refresh-only and --discover-only"},
        {{"collect", "--bogus"}, "unknown option '--bogus'"},
        {{"collect", "--bogus=1"}, "unknown option '--bogus'"},
        {{"collect", "-x"}, "unknown option '-x'"},
        {{"collect", "--max-pages"}, "option '--max-pages' needs a value"},
        {{"collect", "--max-pages", "501"}, "bad value '501' for --max-pages"},
        {{"collect", "--tmdb-concurrency", "0"}, "bad value '0' for --tmdb-concurrency"},
        {{"collect", "--timeout", "0"}, "bad value '0' for --timeout"},
        {{"collect", "--connect-timeout=2.5"}, "bad value '2.5' for --connect-timeout"},
        {{"collect", "--refresh-limit", "1e3"}, "bad value '1e3' for --refresh-limit"},
        {{"collect", "--omdb-daily-limit", "99999999999999999999"}, "for --omdb-daily-limit"},
        {{"collect", "extra"}, "unexpected argument 'extra'"},
        {{"--bogus", "collect"}, "unknown option '--bogus'"},
        {{"frobnicate"}, "'frobnicate' is not a reelsync command"},
        {{"--now", "2026-02-30", "plan"}, "bad value '2026-02-30' for --now"},
        {{"--log-level", "loud", "plan"}, "bad value 'loud' for --log-level"},
        {{"plan", "--limit", "-3"}, "bad value '-3' for --limit"},
        {{"stats", "--tmdb-daily-limit", "x"}, "bad value 'x' for --tmdb-daily-limit"},
        {{"export"}, "no output file given"},
        {{"export", "--out", "x.xml", "--format", "xml"}, "bad value 'xml' for --format"},
        {{"unfreeze"}, "no movie given"},
        {{"unfreeze", "--all", "12"}, "exclude each other"},
        {{"unfreeze", "12", "abc"}, "'abc' is not a TMDB id"},
        {{"--json"}, "no command given"},
        {{"plan", "--json=yes"}, "option '--json' takes no value"},
        {{"plan", "--log-level"}, "option '--log-level' needs a value"},
        {{"plan", "--limit=2x"}, "bad value '2x' for --limit"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *args[12] = {"--db", c->db};
        size_t n = 2;
        for (size_t j = 0; cases[i].args[j]; j++)
            args[n++] = cases[i].args[j];
        args[n] = NULL;
        struct run_result r;
        /* Keys are set so that only the command line can be what is wrong. */
        run(args, (const char *[]){"TMDB_API_KEY=k3y", "OMDB_API_KEY=k3y", NULL}, &r);
        assert_one_error(&r, 2, cases[i].needle);
        assert_int_equal(access(c->db, F_OK), -1);
        run_result_free(&r);
    }
}

/* A missing key for a phase that needs it: exit 3, what to export, no key shown, no file. */
static void missing_keys(void **state)
{
    struct ctx *c = *state;
    struct run_result r;
    run((const char *[]){"--db", c->db, "collect", NULL}, NULL, &r);
    assert_one_error(&r, 3, "TMDB_API_KEY is not set (export TMDB_API_KEY=");
    run_result_free(&r);

    run((const char *[]){"--db", c->db, "collect", "--refresh-only", NULL},
        (const char *[]){"TMDB_API_KEY=s3cr3t-tmdb", NULL}, &r);
    assert_one_error(&r, 3, "OMDB_API_KEY is not set");
    assert_null(strstr(r.err, "s3cr3t"));
    run_result_free(&r);

    run((const char *[]){"--db", c->db, "collect", "--discover-only", NULL},
        (const char *[]){"OMDB_API_KEY=s3cr3t-omdb", NULL}, &r);
    assert_one_error(&r, 3, "TMDB_API_KEY is not set");
    assert_null(strstr(r.err, "s3cr3t"));
    run_result_free(&r);

    run((const char *[]){"--db", c->db, "plan", NULL},
        (const char *[]){"REELSYNC_LOG_LEVEL=loud", NULL}, &r);
    assert_one_error(&r, 3, "REELSYNC_LOG_LEVEL 'loud'");
    run_result_free(&r);

    run((const char *[]){"--db", c->db, "collect", NULL},
        (const char *[]){"TMDB_API_KEY=k", "OMDB_API_KEY=k", "OMDB_BASE_URL=ftp://x", NULL}, &r);
    assert_one_error(&r, 3, "OMDB_BASE_URL 'ftp://x' is not an http(s) URL");
    run_result_free(&r);
    assert_int_equal(access(c->db, F_OK), -1);
}

/*
 * collect --dry-run needs no key, makes no call and writes nothing; the same options give
 * the same plan wherever the global options stand and whichever form they take.
 */
static void dry_run_and_option_positions(void **state)
{
    struct ctx *c = *state;
    const char *const forms[][12] = {
        {"--db", c->db, "--json", "--now", "2024-06-01", "collect", "--dry-run", "--start-year",
         "2020", "--max-pages", "3", NULL},
        {"collect", "--dry-run", "--start-year=2020", "--max-pages=3", "--db", c->db, "--json",
         "--now=2024-06-01", NULL},
        {"--json", "collect", "--now", "2024-06-01T10:00:00Z", "--start-year", "2020", "--dry-run",
         "--db", c->db, "--max-pages", "3", NULL},
    };
    char *first = NULL;
    for (size_t i = 0; i < 3; i++) {
        struct run_result r;
        run(forms[i], NULL, &r);
        assert_int_equal(r.status, 0);
        assert_string_equal(r.err, "");
        json_t *doc = doc_parse(r.out);
        assert_true(json_is_true(json_object_get(doc, "dry_run")));
        assert_int_equal(doc_int(doc, "discover.start_year"), 2020);
        assert_int_equal(doc_int(doc, "discover.end_year"), 2024); /* this year of --now */
        assert_int_equal(doc_int(doc, "discover.max_pages"), 3);
        assert_int_equal(doc_int(doc, "discover.min_vote_count"), 200);
        assert_int_equal(doc_int(doc, "refresh.limit"), 100);
        assert_int_equal(doc_int(doc, "refresh.count"), 0);
        json_decref(doc);
        if (first)
            assert_string_equal(r.out, first);
        else
            first = strdup(r.out);
        run_result_free(&r);
        assert_int_equal(access(c->db, F_OK), -1);
    }
    free(first);
}

/* Human dry run and plan on a database that does not exist: empty plan, file not created. */
static void empty_plan_without_db(void **state)
{
    struct ctx *c = *state;
    struct run_result r;
    run((const char *[]){"collect", "--dry-run", "--refresh-only", "--db", c->db, NULL}, NULL, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Dry run: no API call, nothing written."));
    assert_non_null(strstr(r.out, "Discovery: skipped (--refresh-only)"));
    assert_non_null(strstr(r.out, "Nothing is due."));
    run_result_free(&r);
    char env_db[512];
    snprintf(env_db, sizeof(env_db), "REELSYNC_DB=%s", c->db);
    /* plan only reads: a --db that does not exist is a configuration error (exit 3) */
    run((const char *[]){"plan", "--json", NULL}, (const char *[]){env_db, NULL}, &r);
    assert_int_equal(r.status, 3);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "no such file"));
    run_result_free(&r);
    assert_int_equal(access(c->db, F_OK), -1);
}

/* Creates an empty reelsync database at PATH, as a first collect would. */
static void create_db(const char *path)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(path, STORE_READ_WRITE, &st, &err), RS_OK);
    store_close(st);
}

/*
 * REELSYNC_DB is the default and --db wins over it; stats needs an existing database (issue
 * 13: exit 3, nothing created; only collect creates one).
 */
static void env_defaults(void **state)
{
    struct ctx *c = *state;
    char env_db[512], *other = path_join(c->dir, "other.duckdb");
    snprintf(env_db, sizeof(env_db), "REELSYNC_DB=%s", c->db);
    struct run_result r;
    run((const char *[]){"stats", "--db", other, NULL}, (const char *[]){env_db, NULL}, &r);
    assert_int_equal(r.status, 3);
    run_result_free(&r);
    assert_int_equal(access(other, F_OK), -1);
    create_db(other);
    run((const char *[]){"stats", "--db", other, NULL}, (const char *[]){env_db, NULL}, &r);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
    assert_int_equal(access(c->db, F_OK), -1);
    create_db(c->db);
    run((const char *[]){"stats", "--json", NULL}, (const char *[]){env_db, NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"movies\":0"));
    run_result_free(&r);
    assert_int_equal(access(c->db, F_OK), 0);
    /* issue 2: the tables and columns of docs/schema.md, with its types where it names one */
    static const char *const cols[] = {"movies.movie_id INTEGER",
                                       "movies.tmdb_id INTEGER",
                                       "movies.imdb_id VARCHAR",
                                       "movies.title VARCHAR",
                                       "movies.release_date DATE",
                                       "movies.last_tmdb_update TIMESTAMP",
                                       "movies.last_omdb_update TIMESTAMP",
                                       "movies.last_full_refresh TIMESTAMP",
                                       "movies.data_frozen BOOLEAN",
                                       "movies.created_at TIMESTAMP",
                                       "movies.updated_at TIMESTAMP",
                                       "tmdb_movies.tmdb_id INTEGER",
                                       "tmdb_movies.imdb_id VARCHAR",
                                       "tmdb_movies.title VARCHAR",
                                       "tmdb_movies.original_title VARCHAR",
                                       "tmdb_movies.overview VARCHAR",
                                       "tmdb_movies.tagline VARCHAR",
                                       "tmdb_movies.release_date DATE",
                                       "tmdb_movies.runtime INTEGER",
                                       "tmdb_movies.budget BIGINT",
                                       "tmdb_movies.revenue BIGINT",
                                       "tmdb_movies.genres VARCHAR[]",
                                       "tmdb_movies.production_companies VARCHAR[]",
                                       "tmdb_movies.vote_average DOUBLE",
                                       "tmdb_movies.vote_count INTEGER",
                                       "tmdb_movies.popularity DOUBLE",
                                       "tmdb_movies.status VARCHAR",
                                       "tmdb_movies.original_language VARCHAR",
                                       "tmdb_movies.adult BOOLEAN",
                                       "tmdb_movies.raw JSON",
                                       "tmdb_movies.fetched_at TIMESTAMP",
                                       "omdb_movies.imdb_id VARCHAR",
                                       "omdb_movies.title VARCHAR",
                                       "omdb_movies.year VARCHAR",
                                       "omdb_movies.rated VARCHAR",
                                       "omdb_movies.released DATE",
                                       "omdb_movies.runtime_minutes INTEGER",
                                       "omdb_movies.genre VARCHAR",
                                       "omdb_movies.director VARCHAR",
                                       "omdb_movies.writer VARCHAR",
                                       "omdb_movies.actors VARCHAR",
                                       "omdb_movies.language VARCHAR",
                                       "omdb_movies.country VARCHAR",
                                       "omdb_movies.awards VARCHAR",
                                       "omdb_movies.imdb_rating DOUBLE",
                                       "omdb_movies.imdb_votes INTEGER",
                                       "omdb_movies.rotten_tomatoes INTEGER",
                                       "omdb_movies.metacritic INTEGER",
                                       "omdb_movies.box_office BIGINT",
                                       "omdb_movies.raw JSON",
                                       "omdb_movies.fetched_at TIMESTAMP"};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
        char sql[512];
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM information_schema.columns WHERE table_name || '.' || "
                 "column_name || ' ' || data_type = '%s'",
                 cols[i]);
        if (db_i64(c->db, sql) != 1)
            fail_msg("stats did not create column %s", cols[i]);
    }
    /* A v4 token alone is enough for the TMDB side: the complaint is about OMDB. */
    run((const char *[]){"--db", c->db, "collect", NULL},
        (const char *[]){"TMDB_ACCESS_TOKEN=t0ken", NULL}, &r);
    assert_one_error(&r, 3, "OMDB_API_KEY is not set");
    run_result_free(&r);
    free(other);
}

/*
 * Habits of good CLIs: `version`, `-V` and `--version` name the libraries in use; `help
 * COMMAND` is that command's --help; a mistyped command gets the nearest one.
 */
static void help_version_and_did_you_mean(void **state)
{
    (void)state;
    struct run_result r, h;
    const char *const forms[][2] = {{"version", NULL}, {"-V", NULL}, {"--version", NULL}};
    for (size_t i = 0; i < 3; i++) {
        run(forms[i], NULL, &r);
        assert_int_equal(r.status, 0);
        assert_int_equal(strncmp(r.out, "reelsync " RS_VERSION "\nDuckDB v", 18), 0);
        assert_non_null(strstr(r.out, "\nlibcurl "));
        assert_non_null(strstr(r.out, "\njansson "));
        assert_int_equal(line_count(r.out), 4);
        run_result_free(&r);
    }
    run((const char *[]){"help", "collect", NULL}, NULL, &r);
    run((const char *[]){"collect", "--help", NULL}, NULL, &h);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, h.out);
    run_result_free(&r);
    run_result_free(&h);
    run((const char *[]){"colect", NULL}, NULL, &r);
    assert_stderr_is(&r, 2,
                     "reelsync: 'colect' is not a reelsync command; did you mean 'collect'? (see "
                     "'reelsync --help')\n");
    run_result_free(&r);
    run((const char *[]){"xyzzy", NULL}, NULL, &r);
    assert_stderr_is(&r, 2,
                     "reelsync: 'xyzzy' is not a reelsync command (see 'reelsync --help')\n");
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version),
        cmocka_unit_test(help_everywhere),
        cmocka_unit_test_setup_teardown(bad_command_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(dry_run_and_option_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_plan_without_db, setup, teardown),
        cmocka_unit_test_setup_teardown(env_defaults, setup, teardown),
        cmocka_unit_test(help_version_and_did_you_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
