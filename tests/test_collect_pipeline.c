/*
 * The refresh (src/collect/pipeline.c) and its batches (src/collect/batch.c) against
 * reelsync-fakeapi over loopback and a real DuckDB file: the pipeline on the recorded
 * fixtures, OMDB working beside TMDB, large answers committed early, a plan longer
 * than the job window, and a plan read back in pages.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"

#include "collect_env.h"

static void fixtures_pipeline(void **state)
{
    (void)state;
    struct env e = {0};
    rs_time_t now = at("2026-11-25T10:00:00Z");
    fixtures_up(&e, NULL, now);

    struct orch_options o = opts(&e, now);
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.planned, 11);
    assert_int_equal(s.tmdb_updated, 10);
    assert_int_equal(s.omdb_updated, 8); /* 1443826 (null) and 76162 ("") have no IMDb id */
    assert_int_equal(s.omdb_skipped_no_imdb, 2);
    assert_int_equal(s.gone, 1);
    assert_int_equal(s.errors[RS_ERR_NOT_FOUND], 1);
    assert_int_equal(s.failed[RS_API_TMDB] + s.failed[RS_API_OMDB], 0);
    assert_int_equal(s.requests[RS_API_TMDB], 11);
    assert_int_equal(s.requests[RS_API_OMDB], 8);
    /* what the server saw agrees */
    assert_int_equal(fake_stat(&e.fake, "requests", "tmdb"), 11);
    assert_int_equal(fake_stat(&e.fake, "requests", "omdb"), 8);

    /* what was stored */
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM tmdb_movies"), 10);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM omdb_movies"), 8);
    assert_int_equal(db_i64(e.db, "SELECT revenue FROM tmdb_movies WHERE tmdb_id = 19995"),
                     2923706026LL);
    assert_int_equal(db_i64(e.db, "SELECT box_office FROM omdb_movies WHERE imdb_id = 'tt1375666'"),
                     292587330);
    char *imdb = db_str(e.db, "SELECT imdb_id FROM movies WHERE tmdb_id = 27205");
    assert_string_equal(imdb, "tt1375666");
    free(imdb);
    assert_int_equal(
        db_i64(e.db, "SELECT count(*) FROM movies WHERE last_full_refresh IS NOT NULL"), 8);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_tmdb_update = "
                                  "TIMESTAMP '2026-11-25 10:00:00'"),
                     10);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_tmdb_update IS NULL"), 1);
    /* the engine's attempts went into today's usage */
    assert_int_equal(db_i64(e.db, "SELECT sum(count) FROM api_usage WHERE day = DATE '2026-11-25'"),
                     19);
    /* the completed run looked at the file's size for compaction and recorded it */
    assert_true(db_i64(e.db, "SELECT value FROM store_state WHERE name = 'compacted_bytes'") > 0);

    /* the next run the same day has nothing to do: all fresh, the 404 one gone */
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.planned, 0);
    assert_int_equal(s.requests[RS_API_TMDB] + s.requests[RS_API_OMDB], 0);
    env_down(&e);
}

/*
 * Pipelined, not phased: TMDB slowed to 2 requests a second, one at a time, so its ten
 * details take seconds; the OMDB lookup of a movie goes out as soon as its details are in,
 * so the server's request log shows OMDB requests before the last TMDB one.
 */
static void omdb_runs_beside_tmdb(void **state)
{
    (void)state;
    struct env e = {0};
    rs_time_t now = at("2026-11-25T10:00:00Z");
    fixtures_up(&e, NULL, now);
    struct orch_options o = opts(&e, now);
    o.rps[RS_API_TMDB] = 2.0;
    o.concurrency[RS_API_TMDB] = 1;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.omdb_updated, 8);
    json_t *doc = fake_stats(&e.fake);
    json_t *recent = json_object_get(doc, "recent");
    size_t first_omdb = SIZE_MAX, last_tmdb = 0, i;
    json_t *req;
    json_array_foreach(recent, i, req)
    {
        const char *api = json_string_value(json_object_get(req, "api"));
        if (strcmp(api, "omdb") == 0 && first_omdb == SIZE_MAX)
            first_omdb = i;
        if (strcmp(api, "tmdb") == 0)
            last_tmdb = i;
    }
    assert_int_equal(json_array_size(recent), 19);
    assert_true(first_omdb < last_tmdb);
    json_decref(doc);
    env_down(&e);
}

/* Counts the commits logged at debug level and the largest one's bytes of answers. */
struct commits {
    int n;
    long long bytes, max_bytes;
    struct rs_log log;
};

static void commits_fn(void *ctx, enum rs_log_level level, const char *line)
{
    struct commits *c = ctx;
    int writes = 0;
    long long bytes = 0;
    (void)level;
    const char *p = strstr(line, "batch: committed ");
    if (!p || sscanf(p, "batch: committed %d writes, %lld bytes", &writes, &bytes) != 2)
        return;
    c->n++;
    c->bytes += bytes;
    if (bytes > c->max_bytes)
        c->max_bytes = bytes;
}

/*
 * Large answers: a batch is also full at 4 MiB of answers, so forty TMDB details of
 * 200 KiB each never wait in memory together (each commit holds at most 4 MiB plus the
 * answer that crossed the line; without the bound they arrive within the second that
 * commits them all at once); and an answer over 256 KiB is a bad response: that movie
 * stays due, the others are stored.
 */
static void large_answers_commit_early(void **state)
{
    (void)state;
    enum { N = 40, BIG = 200 << 10, HUGE = 300 << 10 };
    struct env e = {0};
    rs_time_t now = at("2026-11-25T10:00:00Z");
    char *fix = tmpdir_create(), *tmdb = path_join(fix, "tmdb");
    assert_int_equal(mkdir(tmdb, 0700), 0);
    char *overview = malloc(HUGE + 1);
    assert_non_null(overview);
    memset(overview, 'a', HUGE);
    int64_t ids[N + 1];
    for (int i = 0; i <= N; i++) {
        char name[64];
        ids[i] = 1000 + i;
        snprintf(name, sizeof(name), "movie_%d.json", 1000 + i);
        char *path = path_join(tmdb, name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f,
                "{\"id\":%d,\"imdb_id\":null,\"title\":\"Big %d\",\"release_date\":"
                "\"2020-01-01\",\"overview\":\"%.*s\"}",
                1000 + i, i, i < N ? BIG : HUGE, overview);
        assert_int_equal(fclose(f), 0);
        free(path);
    }
    free(overview);
    const char *args[] = {"--fixtures", fix, NULL};
    env_up(&e, args);
    seed_ids(e.db, ids, N + 1, now);

    struct commits c = {0};
    c.log = (struct rs_log){.fn = commits_fn, .ctx = &c, .level = RS_LOG_DEBUG};
    struct orch_options o = opts(&e, now);
    o.log = &c.log;
    struct orch_stats s;
    struct rs_error err = {0};
    if (collect(e.db, &o, &s, &err) != RS_OK)
        fail_msg("collect: %s", err.msg);
    assert_int_equal(s.tmdb_updated, N);
    assert_int_equal(s.failed[RS_API_TMDB], 1);
    assert_int_equal(s.errors[RS_ERR_BAD_RESPONSE], 1);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM tmdb_movies WHERE length(overview) = %d", BIG);
    assert_int_equal(db_i64(e.db, sql), N);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM movies WHERE tmdb_id = %d AND last_tmdb_update IS NULL",
             1000 + N);
    assert_int_equal(db_i64(e.db, sql), 1);
    assert_true(c.bytes >= (long long)N * BIG); /* every answer went through a commit */
    assert_true(c.n >= 2);
    assert_true(c.max_bytes <= (4LL << 20) + BIG);
    env_down(&e);
    free(tmdb);
    tmpdir_remove(fix);
}

/* A plan longer than the job window (2,048 movies in the engine at a time): all are done. */
static void long_plan_goes_through_the_window(void **state)
{
    (void)state;
    struct env e = {0};
    struct orch_options o = whole_catalogue(&e, "3000");
    struct orch_stats s;
    struct rs_error err = {0};
    enum rs_err rc = collect(e.db, &o, &s, &err);
    if (rc != RS_OK)
        print_error("collect: %s\n", err.msg);
    assert_int_equal(rc, RS_OK);
    int64_t movies = db_i64(e.db, "SELECT count(*) FROM movies");
    int64_t with_imdb = db_i64(e.db, "SELECT count(*) FROM tmdb_movies WHERE imdb_id IS NOT NULL");
    assert_true(movies > 2048);
    assert_int_equal(s.planned, movies);
    assert_int_equal(s.tmdb_updated, movies);
    assert_int_equal(s.omdb_updated + s.omdb_skipped_no_imdb + s.errors[RS_ERR_NOT_FOUND], movies);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM tmdb_movies"), movies);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_tmdb_update IS NULL"), 0);
    assert_int_equal(s.omdb_skipped_no_imdb, movies - with_imdb);
    /* the next run at the same instant has nothing to do */
    o.discover = false;
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.planned, 0);
    env_down(&e);
}

/* The requests the fake logged for API, in order, as "path?query" lines in one string. */
static char *requests_of(const struct fake *f, const char *api)
{
    json_t *doc = fake_stats(f), *req;
    size_t i, len = 0;
    char *out = calloc(1, 128 * 400);
    assert_non_null(out);
    json_array_foreach(json_object_get(doc, "recent"), i, req)
    {
        if (strcmp(json_string_value(json_object_get(req, "api")), api) == 0)
            len += (size_t)snprintf(out + len, 128 * 400 - len, "%s\n",
                                    json_string_value(json_object_get(req, "path")));
    }
    json_decref(doc);
    return out;
}

/* What a refresh of DB asked each API (tmdb, omdb), from a freshly reset fake. */
static void refresh_requests(struct env *e, const char *db, size_t page, char **tmdb, char **omdb,
                             struct orch_stats *s)
{
    struct orch_options o = opts(e, at("2026-11-25T12:00:00Z"));
    struct rs_error err = {0};
    o.refresh_limit = 50;
    o.plan_page = page;
    /* one request at a time: each API's requests go in the order the movies start */
    o.concurrency[RS_API_TMDB] = 1;
    o.concurrency[RS_API_OMDB] = 1;
    fake_reset(&e->fake);
    if (collect(db, &o, s, &err) != RS_OK)
        fail_msg("collect: %s", err.msg);
    *tmdb = requests_of(&e->fake, "tmdb");
    *omdb = requests_of(&e->fake, "omdb");
}

/*
 * Issue 18: the refresh reads its plan back from a file a page at a time. Read three movies
 * at a time, it asks TMDB for the movies in store_plan's order, and both APIs exactly what
 * the same refresh reading it in one page asks, with the same totals.
 */
static void paged_plan_asks_what_one_page_asks(void **state)
{
    (void)state;
    struct env e = {0};
    const char *args[] = {"--movies", "3000", "--seed", "7", "--now", "2026-11-25", NULL};
    env_up(&e, args);
    struct orch_options o = opts(&e, at("2026-11-25"));
    struct orch_stats s1, s2;
    struct rs_error err = {0};
    o.discover = true;
    o.refresh = false;
    o.start_year = 2020;
    o.end_year = 2025;
    o.max_pages = 0;
    assert_int_equal(collect(e.db, &o, &s1, &err), RS_OK);
    assert_true(s1.discovered > 100);
    size_t len = 0;
    char *bytes = slurp_file(e.db, &len), *db2 = path_join(e.dir, "copy.duckdb");
    file_write(db2, bytes, len);
    free(bytes);

    /* the plan's order, one query */
    struct store *st = NULL;
    struct plan_item *items = NULL;
    size_t n = 0;
    assert_int_equal(store_open(e.db, STORE_READ_ONLY, &st, &err), RS_OK);
    assert_int_equal(store_plan(st, at("2026-11-25T12:00:00Z"), 50, false, false, &items, &n, &err),
                     RS_OK);
    store_close(st);
    assert_int_equal(n, 50);
    char *want = calloc(n, 32);
    assert_non_null(want);
    for (size_t i = 0, pos = 0; i < n; i++)
        pos += (size_t)snprintf(want + pos, 32 * n - pos, "/3/movie/%lld\n",
                                (long long)items[i].tmdb_id);
    store_plan_free(items, n);

    char *tmdb_paged, *omdb_paged, *tmdb_one, *omdb_one;
    refresh_requests(&e, e.db, 3, &tmdb_paged, &omdb_paged, &s1);
    refresh_requests(&e, db2, 0, &tmdb_one, &omdb_one, &s2);
    assert_string_equal(tmdb_paged, want);
    assert_string_equal(tmdb_paged, tmdb_one);
    assert_string_equal(omdb_paged, omdb_one);
    assert_true(strlen(omdb_one) > 0);
    assert_int_equal(s1.planned, 50);
    assert_int_equal(s1.planned, s2.planned);
    assert_int_equal(s1.backlog, s2.backlog);
    assert_true(s1.backlog > 0);
    assert_int_equal(s1.tmdb_updated, s2.tmdb_updated);
    assert_int_equal(s1.omdb_updated, s2.omdb_updated);
    assert_int_equal(s1.requests[RS_API_TMDB], s2.requests[RS_API_TMDB]);
    assert_int_equal(s1.requests[RS_API_OMDB], s2.requests[RS_API_OMDB]);
    free(want);
    free(tmdb_paged);
    free(omdb_paged);
    free(tmdb_one);
    free(omdb_one);
    free(db2);
    env_down(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures_pipeline),
        cmocka_unit_test(omdb_runs_beside_tmdb),
        cmocka_unit_test(large_answers_commit_early),
        cmocka_unit_test(long_plan_goes_through_the_window),
        cmocka_unit_test(paged_plan_asks_what_one_page_asks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
