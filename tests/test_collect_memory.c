/*
 * DuckDB's memory limit used up in a collect's commit is not the end of the run (issue 18):
 * the store throws the instance away, opens the file again under twice the limit, and the
 * batch (src/collect/batch.c) writes the same rows again. A write past the limit is
 * RS_ERR_NOMEM with its own advice until the store's limit is raised; a refresh of every
 * movie a discovery against reelsync-fakeapi stored starts under a limit far too small for
 * its batches and stores every answer, and the counts it reports match the file; so does a
 * complete discovery, whose rows wait for the commit too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"

#include "collect_env.h"
#include "reelsync/store.h"

/* Counts the warnings that say the limit was raised. */
static void raised_fn(void *ctx, enum rs_log_level level, const char *line)
{
    if (level == RS_LOG_WARN && strstr(line, "ran out of DuckDB's memory limit"))
        (*(int *)ctx)++;
}

/* Counts the debug lines that say the collect made a new DuckDB instance. */
static void renewed_fn(void *ctx, enum rs_log_level level, const char *line)
{
    if (level == RS_LOG_DEBUG && strstr(line, "a new DuckDB instance"))
        (*(int *)ctx)++;
}

/* A writer's limit after K raises from BASE: a quarter more each time, rounded up. */
static int64_t grown_limit(int64_t base, int k)
{
    while (k-- > 0)
        base += (base + 3) / 4;
    return base;
}

/* True when LIMIT is BASE raised some number of times (at least once). */
static bool is_grown_limit(int64_t base, int64_t limit)
{
    for (int k = 1; k < 64 && grown_limit(base, k) <= limit; k++)
        if (grown_limit(base, k) == limit)
            return true;
    return false;
}

/*
 * E up with a fake of 3,000 movies, all discovered (under the store's own limit), and *O set
 * for a refresh of every one of them, logging to LOG.
 */
static void discovered(struct env *e, struct orch_options *o, const struct rs_log *log)
{
    *o = whole_catalogue(e, "3000");
    o->refresh = false;
    struct orch_stats s;
    struct rs_error err = {0};
    if (collect(e->db, o, &s, &err) != RS_OK)
        fail_msg("discovery: %s", err.msg);
    o->discover = false;
    o->refresh = true;
    o->log = log;
}

/*
 * Runs collect O on DB opened under LIMIT_MB (0: the store's own) into *S; returns the
 * store's limit when it started (*START) and at its end.
 */
static int64_t collect_under(const char *db, int64_t limit_mb, const struct orch_options *o,
                             struct orch_stats *s, int64_t *start)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    const struct store_open_options so = {.mode = STORE_READ_WRITE, .memory_limit_mb = limit_mb};
    if (store_open_ext(db, &so, &st, NULL, &err) != RS_OK)
        fail_msg("open: %s", err.msg);
    *start = store_memory_limit_mb(st);
    if (orch_collect(st, o, s, &err) != RS_OK)
        fail_msg("collect: %s", err.msg);
    int64_t limit = store_memory_limit_mb(st);
    store_close(st);
    return limit;
}

static void batch_past_the_memory_limit_is_written_again(void **state)
{
    (void)state;
    enum { LIMIT_MB = 8 };
    struct env e = {0};
    int raised = 0;
    struct rs_log log = {.fn = raised_fn, .ctx = &raised, .level = RS_LOG_WARN};
    struct orch_options o;
    discovered(&e, &o, &log);
    struct orch_stats s;
    int64_t start = 0, limit = collect_under(e.db, LIMIT_MB, &o, &s, &start);
    assert_int_equal(start, LIMIT_MB);

    /* the limit was met, and raised (by a quarter each time) */
    assert_true(raised >= 1);
    assert_true(is_grown_limit(LIMIT_MB, limit));

    /* every answer is stored, and the run's counts are the file's */
    int64_t movies = db_i64(e.db, "SELECT count(*) FROM movies");
    int64_t with_imdb = db_i64(e.db, "SELECT count(*) FROM tmdb_movies WHERE imdb_id IS NOT NULL");
    assert_true(movies > 2048);
    assert_int_equal(s.planned, movies);
    assert_int_equal(s.tmdb_updated, movies);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM tmdb_movies"), movies);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_tmdb_update IS NULL"), 0);
    assert_int_equal(s.omdb_updated, db_i64(e.db, "SELECT count(*) FROM omdb_movies"));
    assert_int_equal(s.omdb_updated + s.omdb_skipped_no_imdb + s.errors[RS_ERR_NOT_FOUND], movies);
    assert_int_equal(s.omdb_skipped_no_imdb, movies - with_imdb);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_full_refresh IS NULL"),
                     movies - s.omdb_updated);
    /* the usage counted every request once */
    assert_int_equal(db_i64(e.db, "SELECT sum(count) FROM api_usage WHERE api = 'omdb'"),
                     fake_stat(&e.fake, "requests", "omdb"));
    env_down(&e);
}

/*
 * Discovery keeps the movies it finds for the batch's commit as well: a complete discovery
 * under a limit far too small for its batches raises the limit and stores every movie it
 * found, each counted new once.
 */
static void discovery_past_the_memory_limit_stores_every_movie(void **state)
{
    (void)state;
    enum { LIMIT_MB = 8 };
    struct env e = {0};
    int raised = 0;
    struct rs_log log = {.fn = raised_fn, .ctx = &raised, .level = RS_LOG_WARN};
    struct orch_options o = whole_catalogue(&e, "25000");
    o.refresh = false;
    o.log = &log;
    struct orch_stats s;
    int64_t start = 0, limit = collect_under(e.db, LIMIT_MB, &o, &s, &start);

    assert_true(raised >= 1);
    assert_true(is_grown_limit(LIMIT_MB, limit));
    int64_t movies = db_i64(e.db, "SELECT count(*) FROM movies");
    assert_true(movies > 10000); /* more than one batch of discovered movies */
    assert_int_equal(s.discovered, movies);
    assert_int_equal(s.discovered_new, movies);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM discovery_gaps"), 0);
    assert_int_equal(db_i64(e.db, "SELECT sum(count) FROM api_usage WHERE api = 'tmdb'"),
                     fake_stat(&e.fake, "requests", "tmdb"));
    env_down(&e);
}

/*
 * The collect makes a new DuckDB instance every few hundred MB of answers it commits
 * (store_renew); set to a few bytes here, a refresh of every discovered movie renews it
 * after each commit, and every answer is stored as without it, the limit unchanged.
 */
static void collect_renews_the_instance_and_stores_every_answer(void **state)
{
    (void)state;
    struct env e = {0};
    int renewed = 0;
    struct rs_log log = {.fn = renewed_fn, .ctx = &renewed, .level = RS_LOG_DEBUG};
    struct orch_options o;
    discovered(&e, &o, &log);
    o.renew_bytes = 1;
    struct orch_stats s;
    int64_t start = 0, limit = collect_under(e.db, 0, &o, &s, &start);
    assert_int_equal(limit, start);

    int64_t movies = db_i64(e.db, "SELECT count(*) FROM movies");
    assert_true(movies > 2048);
    assert_true(renewed >= 2);
    assert_int_equal(s.tmdb_updated, movies);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM tmdb_movies"), movies);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies WHERE last_tmdb_update IS NULL"), 0);
    assert_int_equal(s.omdb_updated, db_i64(e.db, "SELECT count(*) FROM omdb_movies"));
    assert_int_equal(s.omdb_updated + s.omdb_skipped_no_imdb + s.errors[RS_ERR_NOT_FOUND], movies);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM observations WHERE api = 'tmdb'"), movies);
    env_down(&e);
}

/* N discovered movies with titles long enough to take some room; free() them. */
static struct store_movie *many_movies(int n)
{
    struct store_movie *rows = calloc((size_t)n, sizeof(*rows));
    assert_non_null(rows);
    for (int i = 0; i < n; i++)
        rows[i] = (struct store_movie){.tmdb_id = i + 1,
                                       .title = "A title long enough to take some room",
                                       .release_date = RS_I64(18000 + i % 9000)};
    return rows;
}

/*
 * The store's side: a write past the limit fails as RS_ERR_NOMEM with its own advice (the
 * program keeps a message that ends in parentheses, so "is --db a reelsync database?" is not
 * added), nothing of it stored; store_grow_memory raises the limit by a quarter until it goes
 * through.
 */
static void write_past_the_limit_is_nomem_until_grown(void **state)
{
    (void)state;
    enum { N = 200000, LIMIT_MB = 8 };
    char *dir = tmpdir_create(), *db = path_join(dir, "m.duckdb");
    struct store_movie *rows = many_movies(N);
    struct store *st = NULL;
    struct rs_error err = {0};
    const struct store_open_options so = {.mode = STORE_READ_WRITE, .memory_limit_mb = LIMIT_MB};
    if (store_open_ext(db, &so, &st, NULL, &err) != RS_OK)
        fail_msg("open: %s", err.msg);
    rs_time_t now = at("2026-11-25");
    enum rs_err rc = store_bulk_insert_movies(st, rows, N, now, &err);
    assert_int_equal(rc, RS_ERR_NOMEM);
    assert_non_null(strstr(err.msg, "DuckDB's memory limit is used up"));
    assert_int_equal(err.msg[strlen(err.msg) - 1], ')');
    int64_t n = -1;
    assert_int_equal(store_count_movies(st, &n, &err), RS_OK);
    assert_int_equal(n, 0);
    int grown = 0;
    while (rc == RS_ERR_NOMEM && store_grow_memory(st, NULL, &err) == RS_OK) {
        grown++;
        rc = store_bulk_insert_movies(st, rows, N, now, &err);
    }
    assert_int_equal(rc, RS_OK);
    assert_true(grown >= 1);
    assert_int_equal(store_memory_limit_mb(st), grown_limit(LIMIT_MB, grown));
    assert_int_equal(store_count_movies(st, &n, &err), RS_OK);
    assert_int_equal(n, N);
    store_close(st);
    free(rows);
    free(db);
    tmpdir_remove(dir);
}

/* The size of the file at PATH, or -1 if there is none. */
static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/*
 * A renewal closes the old instance without a checkpoint and makes it in the new one
 * (store_renew): what was committed before is read back from the WAL, and after the renewal
 * the file holds it with the WAL emptied; the new instance writes on.
 */
static void renewal_checkpoints_in_the_new_instance(void **state)
{
    (void)state;
    enum { N = 3000 };
    char *dir = tmpdir_create(), *db = path_join(dir, "n.duckdb"), wal[4200];
    struct store_movie *rows = many_movies(N);
    struct store *st = NULL;
    struct rs_error err = {0};
    rs_time_t now = at("2026-11-25");
    snprintf(wal, sizeof(wal), "%s.wal", db);
    if (store_open(db, STORE_READ_WRITE, &st, &err) != RS_OK)
        fail_msg("open: %s", err.msg);
    assert_int_equal(store_bulk_insert_movies(st, rows, N / 2, now, &err), RS_OK);
    assert_true(file_size(wal) > 0); /* committed, not checkpointed yet */
    if (store_renew(st, &err) != RS_OK)
        fail_msg("renew: %s", err.msg);
    assert_true(file_size(wal) <= 0);
    int64_t n = -1;
    assert_int_equal(store_count_movies(st, &n, &err), RS_OK);
    assert_int_equal(n, N / 2);
    assert_int_equal(store_bulk_insert_movies(st, rows + N / 2, N - N / 2, now, &err), RS_OK);
    store_close(st);
    assert_int_equal(db_i64(db, "SELECT count(DISTINCT tmdb_id) FROM movies"), N);
    free(rows);
    free(db);
    tmpdir_remove(dir);
}

/* Counts the warnings that say the plan was made again. */
static void replanned_fn(void *ctx, enum rs_log_level level, const char *line)
{
    if (level == RS_LOG_WARN && strstr(line, "the plan ran out of DuckDB's memory limit"))
        (*(int *)ctx)++;
}

/*
 * The plan's query past the writer's limit raises the limit and plans again: a refresh of 10 of
 * 200,000 due movies under 2 MB plans its 10 and makes their requests (movies the fake does not
 * know: not found, they stay due), and the run ends well.
 */
static void plan_past_the_memory_limit_is_made_again(void **state)
{
    (void)state;
    enum { N = 200000, LIMIT_MB = 2 };
    struct env e = {0};
    int replanned = 0;
    struct rs_log log = {.fn = replanned_fn, .ctx = &replanned, .level = RS_LOG_WARN};
    struct orch_options o = whole_catalogue(&e, "100");
    o.discover = false;
    o.refresh_limit = 10;
    o.log = &log;
    struct store_movie *rows = many_movies(N);
    struct store *st = NULL;
    struct rs_error err = {0};
    if (store_open(e.db, STORE_READ_WRITE, &st, &err) != RS_OK)
        fail_msg("open: %s", err.msg);
    assert_int_equal(store_bulk_insert_movies(st, rows, N, at("2026-11-01"), &err), RS_OK);
    store_close(st);
    free(rows);

    struct orch_stats s;
    int64_t start = 0, limit = collect_under(e.db, LIMIT_MB, &o, &s, &start);
    assert_int_equal(start, LIMIT_MB);
    assert_true(replanned >= 1);
    assert_true(is_grown_limit(LIMIT_MB, limit));
    assert_int_equal(s.planned, 10);
    assert_int_equal(fake_stat(&e.fake, "requests", "tmdb"), 10);
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movies"), N);
    env_down(&e);
}

/*
 * A reader's limit is small: `stats` and `report` (store_report) on a file that needs more
 * raise it and read again instead of failing (the same figures as under a roomy limit).
 */
static void report_past_the_reader_limit_is_read_again(void **state)
{
    (void)state;
    enum { N = 200000, LIMIT_MB = 2 };
    char *dir = tmpdir_create(), *db = path_join(dir, "r.duckdb");
    struct store_movie *rows = many_movies(N);
    struct store *st = NULL;
    struct rs_error err = {0};
    rs_time_t now = at("2026-11-25");
    if (store_open(db, STORE_READ_WRITE, &st, &err) != RS_OK)
        fail_msg("open: %s", err.msg);
    assert_int_equal(store_bulk_insert_movies(st, rows, N, now, &err), RS_OK);
    store_close(st);
    free(rows);

    struct store_report roomy = {0}, tight = {0};
    if (store_open(db, STORE_READ_ONLY, &st, &err) != RS_OK)
        fail_msg("open: %s", err.msg);
    assert_int_equal(store_report(st, now, &roomy, &err), RS_OK);
    store_close(st);
    const struct store_open_options so = {.mode = STORE_READ_ONLY, .memory_limit_mb = LIMIT_MB};
    if (store_open_ext(db, &so, &st, NULL, &err) != RS_OK)
        fail_msg("open: %s", err.msg);
    enum rs_err rc = store_report(st, now, &tight, &err);
    if (rc != RS_OK)
        fail_msg("report under %d MB: %s", LIMIT_MB, err.msg);
    assert_true(store_memory_limit_mb(st) > LIMIT_MB); /* it ran out, and was raised */
    assert_int_equal(tight.movies, N);
    assert_int_equal(tight.movies, roomy.movies);
    assert_int_equal(tight.due_now[RS_API_TMDB], roomy.due_now[RS_API_TMDB]);
    assert_int_equal(tight.due_now[RS_API_OMDB], roomy.due_now[RS_API_OMDB]);
    store_close(st);
    store_report_release(&roomy);
    store_report_release(&tight);
    free(db);
    tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_past_the_limit_is_nomem_until_grown),
        cmocka_unit_test(batch_past_the_memory_limit_is_written_again),
        cmocka_unit_test(discovery_past_the_memory_limit_stores_every_movie),
        cmocka_unit_test(collect_renews_the_instance_and_stores_every_answer),
        cmocka_unit_test(renewal_checkpoints_in_the_new_instance),
        cmocka_unit_test(plan_past_the_memory_limit_is_made_again),
        cmocka_unit_test(report_past_the_reader_limit_is_read_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
