/*
 * collect --id against reelsync-fakeapi: a known movie (frozen, not due) fetched again, an
 * unknown one added, one TMDB does not know reported as a 404 and counted in
 * errors.not_found, in the human report and in --json; no discovery; the dry run; and the
 * ids the command line refuses (exit status 2, one line).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define NOW "2026-11-25"
#define LATER "2026-11-26" /* a day on: no movie is due, yet --id fetches */
#define MISSING "1999999999"

struct world {
    struct fake fake;
    char *dir, *db;
    int64_t ids[2]; /* two movies the fake knows */
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    *state = w;
    fake_start(&w->fake, (const char *[]){"--movies", "2000", "--now", NOW, NULL});
    w->dir = tmpdir_create();
    w->db = path_join(w->dir, "ids.duckdb");
    size_t n = 0;
    /* Movie i has TMDB id 2 + 7i + h(i) mod 5 (fake/README.md): ask which ones exist. */
    for (int64_t id = 2; id < 40 && n < 2; id++) {
        char path[64];
        long status = 0;
        snprintf(path, sizeof(path), "/movie/%lld", (long long)id);
        json_decref(fake_tmdb(&w->fake, path, NOW, &status));
        if (status == 200)
            w->ids[n++] = id;
    }
    assert_int_equal(n, 2);
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    if (w->fake.pid > 0)
        fake_stop(&w->fake);
    tmpdir_remove(w->dir);
    free(w->db);
    free(w);
    return 0;
}

static void run(struct world *w, const char *now, const char *const *args, struct run_result *r)
{
    const char *argv[48] = {"--quiet", "collect"};
    size_t n = 2;
    for (size_t i = 0; args[i] && n + 1 < 48; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    run_reelsync(&w->fake, w->db, now, argv, r);
}

static int64_t stamp_of(struct world *w, int64_t id, const char *col)
{
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT epoch(%s)::BIGINT FROM movies WHERE tmdb_id = %lld", col,
             (long long)id);
    return db_i64(w->db, sql);
}

/* The first run adds the unknown movie; nothing is discovered. */
static void unknown_is_added(void **state)
{
    struct world *w = *state;
    struct run_result r;
    char arg[32];
    snprintf(arg, sizeof(arg), "%lld", (long long)w->ids[0]);
    run(w, NOW, (const char *[]){"--json", "--id", arg, NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    assert_int_equal(doc_int(doc, "discovered"), 0);
    assert_int_equal(doc_int(doc, "tmdb_updated"), 1);
    assert_int_equal(doc_int(doc, "requests.tmdb"), 1);
    json_t *ids = json_object_get(doc, "ids");
    assert_int_equal(json_array_size(ids), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ids, 0), "tmdb")), "ok");
    json_decref(doc);
    run_result_free(&r);
    assert_int_equal(db_i64(w->db, "SELECT count(*) FROM movies"), 1);
    assert_int_equal(stamp_of(w, w->ids[0], "last_tmdb_update"), at(NOW));
}

/* Known and frozen (not due a day later), unknown, and a 404, in one run. */
static void known_unknown_and_missing(void **state)
{
    struct world *w = *state;
    struct run_result r;
    char arg[64];
    db_exec(w->db, "UPDATE movies SET data_frozen = true");
    snprintf(arg, sizeof(arg), "%lld," MISSING ",%lld", (long long)w->ids[0], (long long)w->ids[1]);
    run(w, LATER, (const char *[]){"--id", arg, NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "- Movies discovered: 0 (0 new)\n- TMDB updated: 2\n"));
    assert_non_null(strstr(r.out, "Failures by class: not_found ")); /* OMDB may add one */
    assert_non_null(strstr(r.out, "Movies given by --id: 3, fetched from TMDB: 2\n"
                                  "- " MISSING ": not found on TMDB (404)\n"));
    run_result_free(&r);
    assert_int_equal(stamp_of(w, w->ids[0], "last_tmdb_update"), at(LATER));
    assert_int_equal(stamp_of(w, w->ids[1], "last_tmdb_update"), at(LATER));
    assert_int_equal(db_i64(w->db, "SELECT count(*) FROM movies"), 2);
    assert_int_equal(db_i64(w->db, "SELECT count(*) FROM movies WHERE tmdb_id = " MISSING), 0);
    /* and in --json: errors.not_found, the id named */
    run(w, LATER, (const char *[]){"--json", "--id", MISSING, NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    assert_int_equal(doc_int(doc, "errors.not_found"), 1);
    json_t *one = json_array_get(json_object_get(doc, "ids"), 0);
    assert_int_equal(json_integer_value(json_object_get(one, "tmdb_id")), 1999999999);
    assert_string_equal(json_string_value(json_object_get(one, "tmdb")), "not_found");
    json_decref(doc);
    run_result_free(&r);
}

static void dry_run_lists_the_ids(void **state)
{
    struct world *w = *state;
    struct run_result r;
    char arg[64], want[160];
    int64_t before = fake_stat(&w->fake, "requests", "tmdb");
    snprintf(arg, sizeof(arg), "%lld,7777777", (long long)w->ids[0]);
    run(w, LATER, (const char *[]){"--dry-run", "--id", arg, NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Fetch now from TMDB and OMDB: 2 movies\n"));
    snprintf(want, sizeof(want), "%lld  ", (long long)w->ids[0]);
    assert_non_null(strstr(r.out, want));
    assert_non_null(strstr(r.out, "7777777  (not in the database: added if TMDB knows it)"));
    run_result_free(&r);
    run(w, LATER, (const char *[]){"--json", "--dry-run", "--id", arg, NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    json_t *ids = json_object_get(doc, "ids");
    assert_true(json_is_true(json_object_get(json_array_get(ids, 0), "known")));
    assert_true(json_is_false(json_object_get(json_array_get(ids, 1), "known")));
    json_decref(doc);
    run_result_free(&r);
    assert_int_equal(fake_stat(&w->fake, "requests", "tmdb"), before);
}

static void bad_ids(void **state)
{
    struct world *w = *state;
    static const char *const bad[] = {"", "x", "0", "-3", "1,,2", "1,", "2147483648", "+5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct run_result r;
        char arg[64];
        snprintf(arg, sizeof(arg), "--id=%s", bad[i]);
        run(w, LATER, (const char *[]){arg, NULL}, &r);
        assert_stderr_one_line(&r, 2, "collect: bad value");
        assert_non_null(strstr(r.err, "for --id: TMDB ids"));
        run_result_free(&r);
    }
    struct run_result r;
    run(w, LATER, (const char *[]){"--id", "5", "--discover-only", NULL}, &r);
    assert_stderr_one_line(&r, 2, "--id and --discover-only exclude each other");
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unknown_is_added),
        cmocka_unit_test(known_unknown_and_missing),
        cmocka_unit_test(dry_run_lists_the_ids),
        cmocka_unit_test(bad_ids),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
