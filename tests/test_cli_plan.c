/*
 * `reelsync plan` and `collect --dry-run` print the plan as they read it (issue 18: a
 * million due movies are never in memory at once). On a database of 1,500 due movies, whose
 * JSON is several times the 64 KiB the program buffers before writing, what they print is
 * the plan store_plan reads in one piece: every movie, once, in its order, with the counts.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reelsync/store.h"
#include "test.h"

#define N 1500
#define NOW "2026-11-25T12:00:00Z"

struct world {
    char *dir, *db;
    struct plan_item *items; /* store_plan's, titles included */
    size_t n;
};

static int world_setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    *state = w;
    w->dir = tmpdir_create();
    w->db = path_join(w->dir, "p.duckdb");
    int64_t ids[N];
    for (size_t i = 0; i < N; i++)
        ids[i] = (int64_t)(i * 7919 % 100003) + 1; /* the table's order is not the ids' */
    seed_ids(w->db, ids, N, at("2026-11-01"));
    db_exec(w->db, "UPDATE movies SET title = 'Movie ' || tmdb_id || ' \xc3\xa9t\xc3\xa9',"
                   " release_date = DATE '2026-11-01' - CAST(tmdb_id % 4000 AS INTEGER)");
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(w->db, STORE_READ_ONLY, &st, &err), RS_OK);
    assert_int_equal(store_plan(st, at(NOW), 0, false, true, &w->items, &w->n, &err), RS_OK);
    store_close(st);
    assert_int_equal(w->n, N);
    return 0;
}

static int world_teardown(void **state)
{
    struct world *w = *state;
    store_plan_free(w->items, w->n);
    tmpdir_remove(w->dir);
    free(w->db);
    free(w);
    return 0;
}

static void run(struct world *w, const char *const *args, struct run_result *r)
{
    const char *argv[16] = {RS_REELSYNC_BIN, "--db", w->db, "--now", NOW};
    size_t n = 5;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    static const char *const env[] = {
        "TMDB_API_KEY=", "OMDB_API_KEY=", "REELSYNC_DB=", "REELSYNC_LOG_LEVEL=", NULL};
    run_program(argv, env, r);
    if (r->status != 0)
        print_error("reelsync: status %d: %s\n", r->status, r->err);
    assert_int_equal(r->status, 0);
}

/* MOVIES holds the first COUNT of the plan, in its order, each with its title. */
static void assert_movies(const struct world *w, const json_t *movies, size_t count)
{
    assert_int_equal(json_array_size(movies), count);
    for (size_t i = 0; i < count; i++) {
        json_t *m = json_array_get(movies, i);
        assert_int_equal(json_integer_value(json_object_get(m, "tmdb_id")), w->items[i].tmdb_id);
        assert_string_equal(json_string_value(json_object_get(m, "title")), w->items[i].title);
        assert_true(json_is_true(json_object_get(m, "needs_tmdb")));
    }
}

static void plan_json_is_the_plan(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w, (const char *[]){"plan", "--json", NULL}, &r);
    assert_true(strlen(r.out) > 4 * (64 << 10)); /* written in several pieces */
    json_t *doc = doc_parse(r.out);
    assert_int_equal(doc_int(doc, "count"), N);
    assert_int_equal(doc_int(doc, "total_due"), N);
    assert_movies(w, json_object_get(doc, "movies"), N);
    json_decref(doc);
    run_result_free(&r);

    run(w, (const char *[]){"plan", "--json", "--limit", "1000", NULL}, &r);
    doc = doc_parse(r.out);
    assert_int_equal(doc_int(doc, "count"), 1000);
    assert_int_equal(doc_int(doc, "total_due"), N);
    assert_movies(w, json_object_get(doc, "movies"), 1000);
    json_decref(doc);
    run_result_free(&r);
}

static void plan_table_is_the_plan(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w, (const char *[]){"plan", NULL}, &r);
    assert_int_equal(line_count(r.out), 1 + N); /* the header, then each movie */
    assert_int_equal(strncmp(r.out, "TMDB_ID", 7), 0);
    const char *line = strchr(r.out, '\n') + 1;
    for (size_t i = 0; i < N; i++) {
        char want[160];
        snprintf(want, sizeof(want), "%-9lld %s", (long long)w->items[i].tmdb_id,
                 w->items[i].title);
        assert_int_equal(strncmp(line, want, strlen(want)), 0);
        line = strchr(line, '\n') + 1;
    }
    assert_string_equal(line, "");
    run_result_free(&r);

    run(w, (const char *[]){"plan", "--limit", "10", NULL}, &r);
    assert_int_equal(line_count(r.out), 1 + 10 + 1);
    assert_non_null(strstr(r.out, "\n(1500 due in all)\n"));
    run_result_free(&r);
}

static void dry_run_is_the_plan(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w, (const char *[]){"collect", "--dry-run", "--json", "--refresh-only", NULL}, &r);
    json_t *doc = doc_parse(r.out);
    assert_int_equal(doc_int(doc, "refresh.count"), 100); /* collect's default refresh limit */
    assert_int_equal(doc_int(doc, "refresh.total_due"), N);
    assert_movies(w, json_object_get(json_object_get(doc, "refresh"), "movies"), 100);
    json_decref(doc);
    run_result_free(&r);

    run(w,
        (const char *[]){"collect", "--dry-run", "--json", "--refresh-only", "--refresh-limit", "0",
                         NULL},
        &r);
    doc = doc_parse(r.out);
    assert_int_equal(doc_int(doc, "refresh.count"), N);
    assert_int_equal(doc_int(doc, "refresh.total_due"), N);
    assert_movies(w, json_object_get(json_object_get(doc, "refresh"), "movies"), N);
    json_decref(doc);
    run_result_free(&r);

    run(w, (const char *[]){"collect", "--dry-run", "--refresh-only", NULL}, &r);
    assert_non_null(strstr(r.out, "Refresh: 100 movies due now (limit 100;"));
    assert_int_equal(line_count(r.out), 4 + 1 + 100);
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_json_is_the_plan),
        cmocka_unit_test(plan_table_is_the_plan),
        cmocka_unit_test(dry_run_is_the_plan),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
