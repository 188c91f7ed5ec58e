/*
 * A refresh's writes (src/store/batch.c), in the batches a collect makes: TMDB and OMDB
 * details with their change log ("changed") and observations, NULLs and empty lists, unknown ids
 * refused, several batches in one transaction, and the end of a refresh: stable cycles, "last
 * changed", freezing an ARCHIVED movie after REFRESH_FREEZE_CYCLES unchanged refreshes and
 * thawing it when it changes.
 */
#include <sys/stat.h>

#include "test_store.h"

static void tmdb_and_omdb_rows(void **state)
{
    struct fx *f = *state;
    struct tmdb_row t = tmdb_row(27205, "tt1375666", 14806);
    bool changed = false;
    OK(put_tmdb(f->st, &t, NOW - 10, &changed, E)); /* creates the movie */
    assert_true(changed);
    OK(put_tmdb(f->st, &t, NOW - 5, &changed, E));
    assert_false(changed);
    t.title = "Inception!";
    OK(put_tmdb(f->st, &t, NOW, &changed, E));
    assert_true(changed);
    struct omdb_row o = omdb_row("tt1375666");
    OK(put_omdb(f->st, 27205, &o, NOW, &changed, E));
    assert_true(changed);
    OK(put_omdb(f->st, 27205, &o, NOW + 1, &changed, E));
    assert_false(changed);
    struct rs_error err = {0};
    assert_int_equal(put_omdb(f->st, 4242, &o, NOW, &changed, &err), RS_ERR_DB);
    struct store_movie m = get(f->st, 27205);
    assert_int_equal(m.last_tmdb_update.v, NOW);
    assert_int_equal(m.last_omdb_update.v, NOW + 1);
    assert_string_equal(m.title, "Inception!");
    store_movie_release(&m);
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies", "1");
    assert_peek(f->path, "SELECT count(*) FROM omdb_movies", "1");
    assert_peek(f->path, "SELECT title FROM tmdb_movies", "Inception!");
    assert_peek(f->path, "SELECT genres::VARCHAR FROM tmdb_movies", "[Action, Science Fiction]");
    assert_peek(f->path, "SELECT production_companies[1] FROM tmdb_movies", "Legendary Pictures");
    assert_peek(f->path, "SELECT raw->>'id' FROM tmdb_movies", "27205");
    assert_peek(f->path, "SELECT strftime(fetched_at, '%Y-%m-%dT%H:%M:%S') FROM tmdb_movies",
                "2024-10-04T12:00:00");
    assert_peek(f->path, "SELECT box_office FROM omdb_movies", "292587330");
    assert_peek(f->path, "SELECT raw->>'Response' FROM omdb_movies", "True");
    assert_peek(f->path, "SELECT released FROM omdb_movies", "2010-07-16");
    assert_peek(f->path, "SELECT release_date FROM movies", "2010-07-16");
}

static void nulls_and_empty(void **state)
{
    struct fx *f = *state;
    struct tmdb_row t = {.tmdb_id = 1, .raw = NULL};
    bool changed;
    OK(put_tmdb(f->st, &t, NOW, &changed, E));
    struct discover_row d = {.tmdb_id = 2, .title = NULL, .release_date = RS_NULL_I64};
    OK(store_upsert_discovered(f->st, &d, 1, NOW, NULL, E));
    struct omdb_row o = {.imdb_id = "tt0000001"};
    OK(put_omdb(f->st, 1, &o, NOW, &changed, E));
    struct store_movie m = get(f->st, 2);
    assert_null(m.title);
    assert_null(m.imdb_id);
    assert_false(m.release_date.set);
    assert_false(m.last_tmdb_update.set);
    assert_false(m.data_frozen);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
    m = get(f->st, 1);
    assert_string_equal(m.imdb_id, "tt0000001"); /* learnt from the OMDB row */
    store_movie_release(&m);
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT genres IS NULL FROM tmdb_movies", "false");
    assert_peek(f->path, "SELECT len(genres) FROM tmdb_movies", "0");
    assert_peek(f->path, "SELECT len(production_companies) FROM tmdb_movies", "0");
    assert_peek(f->path,
                "SELECT count(*) FROM tmdb_movies WHERE imdb_id IS NULL AND title IS NULL AND "
                "runtime IS NULL AND budget IS NULL AND vote_average IS NULL AND adult IS NULL "
                "AND raw IS NULL AND release_date IS NULL",
                "1");
    assert_peek(f->path,
                "SELECT count(*) FROM omdb_movies WHERE title IS NULL AND imdb_rating IS NULL "
                "AND box_office IS NULL AND released IS NULL",
                "1");
    assert_peek(f->path, "SELECT data_frozen FROM movies WHERE tmdb_id = 2", "false");
}

/* Insert then update the same rows inside one transaction (DuckDB's index edge case). */
static void same_transaction_twice(void **state)
{
    struct fx *f = *state;
    struct discover_row a[2] = {{.tmdb_id = 1, .title = "One", .release_date = RS_I64(100)},
                                {.tmdb_id = 2, .title = "Two", .release_date = RS_I64(200)}};
    struct discover_row b[2] = {{.tmdb_id = 1, .title = "Uno", .release_date = RS_I64(101)},
                                {.tmdb_id = 2, .title = "Dos", .release_date = RS_NULL_I64}};
    struct tmdb_row t = tmdb_row(1, "tt1", 101);
    size_t fresh = 0;
    bool changed;
    OK(store_begin(f->st, E));
    OK(store_upsert_discovered(f->st, a, 2, NOW, &fresh, E));
    assert_int_equal(fresh, 2);
    OK(store_upsert_discovered(f->st, b, 2, NOW + 1, &fresh, E));
    assert_int_equal(fresh, 0);
    OK(put_tmdb(f->st, &t, NOW + 2, &changed, E));
    OK(put_tmdb(f->st, &t, NOW + 3, &changed, E));
    assert_false(changed);
    OK(finish(f->st, 1, false, false, NOW + 3, &changed, E));
    OK(store_commit(f->st, E));
    struct store_movie m = get(f->st, 1);
    assert_string_equal(m.title, "Inception");
    assert_int_equal(m.last_tmdb_update.v, NOW + 3);
    assert_int_equal(m.stable_cycles, 1);
    store_movie_release(&m);
    m = get(f->st, 2);
    assert_string_equal(m.title, "Dos");
    assert_false(m.release_date.set);
    store_movie_release(&m);
    int64_t n = 0;
    OK(store_count_movies(f->st, &n, E));
    assert_int_equal(n, 2);
}

static void detail_batches(void **state)
{
    struct fx *f = *state;
    struct discover_row d = {.tmdb_id = 2, .title = "Two", .release_date = RS_I64(100)};
    OK(store_upsert_discovered(f->st, &d, 1, NOW - 10, NULL, E));
    struct tmdb_row t[3] = {tmdb_row(1, "tt1", 14806), tmdb_row(2, NULL, 200),
                            tmdb_row(3, "tt3", 300)};
    t[1].n_genres = 0;
    t[1].raw = NULL;
    bool changed[3] = {false, false, false};
    OK(store_put_tmdb_batch(f->st, t, 3, NOW, changed, E));
    assert_true(changed[0] && changed[1] && changed[2]);
    t[1].tagline = "Changed.";
    OK(store_put_tmdb_batch(f->st, t, 3, NOW + 1, changed, E));
    assert_true(!changed[0] && changed[1] && !changed[2]);
    struct store_movie m = get(f->st, 2);
    assert_string_equal(m.title, "Inception");
    assert_int_equal(m.release_date.v, 200);
    assert_int_equal(m.last_tmdb_update.v, NOW + 1);
    assert_int_equal(m.created_at.v, NOW - 10);
    assert_null(m.imdb_id);
    store_movie_release(&m);
    m = get(f->st, 3);
    assert_string_equal(m.imdb_id, "tt3");
    assert_int_equal(m.created_at.v, NOW);
    store_movie_release(&m);

    struct omdb_row o[2] = {omdb_row("tt1"), omdb_row("tt3")};
    int64_t ids[2] = {1, 3};
    OK(store_put_omdb_batch(f->st, ids, o, 2, NOW + 2, changed, E));
    assert_true(changed[0] && changed[1]);
    OK(store_put_omdb_batch(f->st, ids, o, 2, NOW + 3, changed, E));
    assert_true(!changed[0] && !changed[1]);
    int64_t bad_ids[2] = {1, 404};
    struct rs_error err = {0};
    assert_int_equal(store_put_omdb_batch(f->st, bad_ids, o, 2, NOW + 4, changed, &err), RS_ERR_DB);
    m = get(f->st, 1);
    assert_int_equal(m.last_omdb_update.v, NOW + 3); /* nothing written */
    store_movie_release(&m);
    OK(store_put_omdb_batch(f->st, ids, o, 1, NOW + 5, NULL, E));
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies", "3");
    assert_peek(f->path, "SELECT count(*) FROM omdb_movies", "2");
    /* the one change, and one observation per stored row (the refused batch: none) */
    assert_peek(
        f->path,
        "SELECT string_agg(concat_ws('|', tmdb_id, api, field, coalesce(old_value, 'NULL'),"
        " new_value, strftime(changed_at, '%H:%M:%S'), run_id IS NULL), ';') FROM change_log",
        "2|tmdb|tagline|NULL|Changed.|12:00:01|true");
    assert_peek(f->path,
                "SELECT string_agg(concat_ws('|', api, n), ';' ORDER BY api) FROM"
                " (SELECT api, count(*) n FROM observations GROUP BY api)",
                "omdb|5;tmdb|6");
    assert_peek(f->path, "SELECT len(genres) FROM tmdb_movies WHERE tmdb_id = 2", "0");
    assert_peek(f->path, "SELECT raw IS NULL FROM tmdb_movies WHERE tmdb_id = 2", "true");
    assert_peek(f->path, "SELECT genres::VARCHAR FROM tmdb_movies WHERE tmdb_id = 1",
                "[Action, Science Fiction]");
    assert_peek(f->path, "SELECT raw->>'id' FROM tmdb_movies WHERE tmdb_id = 3", "27205");
    assert_peek(f->path,
                "SELECT strftime(fetched_at, '%H:%M:%S') FROM omdb_movies WHERE imdb_id = 'tt1'",
                "12:00:05");
    assert_peek(f->path, "SELECT box_office FROM omdb_movies WHERE imdb_id = 'tt3'", "292587330");
    assert_peek(f->path,
                "SELECT strftime(last_omdb_update, '%H:%M:%S') FROM movies WHERE tmdb_id = 3",
                "12:00:03");
}

/* One refresh of TMDB_ID at day D with data version V (its runtime): returns whether it froze. */
static bool refresh_once(struct store *st, int64_t id, rs_date_t release, int64_t v, rs_time_t now)
{
    struct tmdb_row t = tmdb_row(id, "tt9", release);
    struct omdb_row o = omdb_row("tt9");
    t.runtime = RS_I64(v);
    bool c1 = false, c2 = false, frozen = true;
    OK(store_begin(st, E));
    OK(put_tmdb(st, &t, now, &c1, E));
    OK(put_omdb(st, id, &o, now, &c2, E));
    OK(finish(st, id, c1 || c2, true, now, &frozen, E));
    OK(store_commit(st, E));
    return frozen;
}

/*
 * A batch of more movies than one key lookup takes (keys.c: 1,000 a statement): every movie
 * is found, so none is inserted twice, and each is written, both when new and when stored,
 * with its own row's values.
 */
static void batch_over_lookup_size(void **state)
{
    struct fx *f = *state;
    enum { N = 2500 };
    struct discover_row *d = calloc(N, sizeof(*d));
    struct tmdb_row *t = calloc(N, sizeof(*t));
    struct omdb_row *o = calloc(N, sizeof(*o));
    char(*imdb)[16] = calloc(N, 16);
    int64_t *ids = calloc(N, sizeof(*ids));
    bool *changed = calloc(N, sizeof(*changed)), *both = calloc(N, sizeof(*both));
    bool *frozen = calloc(N, sizeof(*frozen));
    assert_non_null(frozen);
    for (int i = 0; i < N; i++) /* out of order: a batch's place is not its key's rank */
        ids[i] = 1000 + 7 * ((i * 7919) % N);
    for (int i = 0; i < N; i++) {
        d[i] = (struct discover_row){.tmdb_id = ids[N - 1 - i]}; /* not in the batch's order */
        snprintf(imdb[i], 16, "tt%07d", i);
        t[i] = tmdb_row(ids[i], imdb[i], 100 + i);
        o[i] = omdb_row(imdb[i]);
        both[i] = true;
    }
    OK(store_upsert_discovered(f->st, d, N - 1, NOW - 10, NULL, E)); /* ids[0] is new */
    OK(store_put_tmdb_batch(f->st, t, N, NOW, changed, E));
    OK(store_put_tmdb_batch(f->st, t, N, NOW + 1, changed, E)); /* stored: replaced */
    OK(store_put_omdb_batch(f->st, ids, o, N, NOW + 2, changed, E));
    OK(store_put_omdb_batch(f->st, ids, o, N, NOW + 3, changed, E));
    OK(store_finish_refresh_batch(f->st, ids, changed, both, N, NOW + 4, frozen, E));
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT count(*) FROM movies", "2500");
    assert_peek(f->path,
                "SELECT count(*) FROM movies WHERE last_tmdb_update = TIMESTAMP '2024-10-04"
                " 12:00:01' AND last_omdb_update = TIMESTAMP '2024-10-04 12:00:03' AND"
                " last_full_refresh = TIMESTAMP '2024-10-04 12:00:04' AND imdb_id IS NOT NULL",
                "2500");
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies", "2500");
    assert_peek(f->path, "SELECT count(*) FROM omdb_movies", "2500");
    assert_peek(f->path,
                "SELECT count(*) FROM movies m JOIN tmdb_movies t USING (tmdb_id)"
                " JOIN omdb_movies o ON o.imdb_id = m.imdb_id"
                " WHERE m.imdb_id = t.imdb_id AND m.release_date = t.release_date",
                "2500");
    free(d);
    free(t);
    free(o);
    free(imdb);
    free(ids);
    free(changed);
    free(both);
    free(frozen);
}

/* jemalloc's control in libduckdb (DuckDB allocates with it; its name is prefixed). */
extern int duckdb_je_mallctl(const char *name, void *old, size_t *oldlen, void *new_value,
                             size_t newlen) __attribute__((weak));

/*
 * The most memory this thread held at once (jemalloc's thread.peak, in DuckDB's allocator)
 * while a batch of N stored movies IDS (TMDB, OMDB, finish) was written again. DuckDB runs a
 * writer's statements on the calling thread (one thread, open.c).
 */
static uint64_t rewrite_peak(struct store *st, const int64_t *ids, size_t n)
{
    struct tmdb_row *t = calloc(n, sizeof(*t));
    struct omdb_row *o = calloc(n, sizeof(*o));
    char(*imdb)[16] = calloc(n, 16);
    bool *changed = calloc(n, sizeof(*changed)), *both = calloc(n, sizeof(*both));
    bool *frozen = calloc(n, sizeof(*frozen));
    assert_non_null(frozen);
    for (size_t i = 0; i < n; i++) {
        snprintf(imdb[i], 16, "tt%09lld", (long long)ids[i]);
        t[i] = tmdb_row(ids[i], imdb[i], 100);
        o[i] = omdb_row(imdb[i]);
        both[i] = true;
    }
    OK(store_put_tmdb_batch(st, t, n, NOW, changed, E));
    OK(store_put_omdb_batch(st, ids, o, n, NOW, changed, E));
    uint64_t peak = 0;
    size_t len = sizeof(peak);
    assert_int_equal(duckdb_je_mallctl("thread.peak.reset", NULL, NULL, NULL, 0), 0);
    for (size_t i = 0; i < n; i++)
        t[i].overview = "Dreams within dreams.";
    OK(store_put_tmdb_batch(st, t, n, NOW + 1, changed, E));
    OK(store_put_omdb_batch(st, ids, o, n, NOW + 1, changed, E));
    OK(store_finish_refresh_batch(st, ids, changed, both, n, NOW + 1, frozen, E));
    assert_int_equal(duckdb_je_mallctl("thread.peak.read", &peak, &len, NULL, 0), 0);
    free(t);
    free(o);
    free(imdb);
    free(changed);
    free(both);
    free(frozen);
    return peak;
}

/*
 * A batch's statements join the stage and the key tables on the stage's seq (keys.c): a
 * batch whose ids lie far apart costs what one of neighbouring ids does. Joined on tmdb_id,
 * DuckDB's perfect hash joins took a slot per id of the batch's range for every column they
 * carried: 51 MB against 19 for these 1,000 movies (ids 997 apart).
 */
static void batch_of_ids_far_apart(void **state)
{
    struct fx *f = *state;
    enum { N = 1000 };
    int64_t near[N], far[N];
    if (!duckdb_je_mallctl)
        fail_msg("libduckdb has no duckdb_je_mallctl: its memory cannot be read");
    for (int i = 0; i < N; i++) {
        near[i] = 1 + i;
        far[i] = 2000 + 997 * (int64_t)i;
    }
    rewrite_peak(f->st, near, N); /* the first batches prepare the statements */
    uint64_t fa = rewrite_peak(f->st, far, N), n = rewrite_peak(f->st, near, N);
    assert_true(n > 0);
    if (fa > n + 8 * 1024 * 1024)
        fail_msg("ids far apart peaked at %llu MB, neighbours at %llu MB",
                 (unsigned long long)(fa >> 20), (unsigned long long)(n >> 20));
}

/*
 * A collect at the APIs' rates commits a few movies a second and lets the file go (DETACH,
 * so a checkpoint) at many of those commits. A table without an index starts a new row group
 * at its first append after each checkpoint; the writer's vacuum merges them again, so 30
 * let-gos of 5 movies (every third refreshing the movies of the one before) leave each such
 * table in one row group, not 20 (the refreshed movies' groups are dropped whole).
 */
static void checkpoints_do_not_split_tables(void **state)
{
    struct fx *f = *state;
    enum { ROUNDS = 30, N = 5 };
    char imdb[ROUNDS * N][16];
    bool changed[N];
    for (int r = 0; r < ROUNDS; r++) {
        struct tmdb_row t[N];
        struct omdb_row o[N];
        int64_t ids[N];
        for (int i = 0; i < N; i++) {
            /* every third round refreshes the round before's movies, changed */
            int64_t id = (r % 3 == 2 ? (int64_t)(r - 1) * N : (int64_t)r * N) + i + 1;
            snprintf(imdb[id - 1], 16, "tt%07lld", (long long)id);
            t[i] = tmdb_row(id, imdb[id - 1], 100 + r);
            o[i] = omdb_row(imdb[id - 1]);
            ids[i] = id;
        }
        OK(store_put_tmdb_batch(f->st, t, N, NOW + r, changed, E));
        OK(store_put_omdb_batch(f->st, ids, o, N, NOW + r, changed, E));
        OK(store_let_go(f->st, E));
        OK(store_take(f->st, 0, NULL, E));
    }
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies", "100");
    const char *tables[] = {"tmdb_movies", "omdb_movies", "observations"};
    for (size_t k = 0; k < sizeof(tables) / sizeof(*tables); k++) {
        char sql[128];
        snprintf(sql, sizeof(sql),
                 "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('%s')", tables[k]);
        assert_peek(f->path, sql, "1");
    }
}

/*
 * A collect at full speed commits 1,000 movies at a time with answers of about 20 KB (TMDB's
 * with credits), so DuckDB checkpoints by itself every 16 MB of WAL, without merging, and a
 * let-go that comes right after one finds the WAL empty. Its DETACH still checkpoints, and
 * merges: the three row groups the four commits left in tmdb_movies become one. Before, that
 * DETACH made no checkpoint, and a million movies collected so left tmdb_movies 190 groups.
 */
static void let_go_after_an_automatic_checkpoint_merges(void **state)
{
    enum { ROUNDS = 4, COMMIT = 1000, BATCH = 100, ANSWER = 20000 };
    struct fx *f = *state;
    struct tmdb_row t[BATCH];
    bool changed[BATCH];
    char *raw = malloc(ANSWER + 64), wal[4200];
    assert_non_null(raw);
    snprintf(wal, sizeof(wal), "%s.wal", f->path);
    for (int r = 0; r < ROUNDS; r++) {
        int len = snprintf(raw, 64, "{\"id\":%d,\"overview\":\"", r);
        memset(raw + len, 'a' + r, ANSWER);
        memcpy(raw + len + ANSWER, "\"}", 3);
        size_t raw_len = (size_t)len + ANSWER + 2;
        OK(store_begin(f->st, E));
        for (int b = 0; b < COMMIT / BATCH; b++) {
            for (int i = 0; i < BATCH; i++) {
                t[i] = tmdb_row(1 + (int64_t)r * COMMIT + b * BATCH + i, NULL, 100 + r);
                t[i].raw = raw;
                t[i].raw_len = raw_len;
            }
            OK(store_put_tmdb_batch(f->st, t, BATCH, NOW + r, changed, E));
        }
        OK(store_commit(f->st, E));
    }
    free(raw);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), -1); /* the last commit checkpointed: no WAL left */
    OK(store_let_go(f->st, E));
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies", "4000");
    assert_peek(f->path,
                "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('tmdb_movies')", "1");
}

/*
 * tmdb_movies and omdb_movies have no key constraint (schema 8): the batches keep one row per
 * key. A TMDB batch naming a movie twice is refused whole; two movies of an OMDB batch with
 * the same IMDb id leave one omdb_movies row, the batch's last, and stay one when refreshed.
 */
static void one_row_per_key(void **state)
{
    struct fx *f = *state;
    struct tmdb_row t[3] = {tmdb_row(1, "tt1", 100), tmdb_row(2, "tt1", 200),
                            tmdb_row(1, "tt1", 300)};
    bool changed[3];
    struct rs_error err = {0};
    assert_int_equal(store_put_tmdb_batch(f->st, t, 3, NOW, changed, &err), RS_ERR_DB);
    assert_string_equal(err.msg, "database: tmdb batch: 1 tmdb_id(s) given twice");
    OK(store_put_tmdb_batch(f->st, t, 2, NOW, changed, E));
    OK(store_put_tmdb_batch(f->st, t, 2, NOW + 1, changed, E));
    struct omdb_row o[2] = {omdb_row("tt1"), omdb_row("tt1")};
    o[1].awards = "Last of the batch.";
    int64_t ids[2] = {1, 2};
    OK(store_put_omdb_batch(f->st, ids, o, 2, NOW + 2, changed, E));
    OK(store_put_omdb_batch(f->st, ids, o, 2, NOW + 3, changed, E));
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path,
                "SELECT string_agg(tmdb_id::VARCHAR, ',' ORDER BY tmdb_id) FROM tmdb_movies",
                "1,2");
    assert_peek(f->path, "SELECT count(*) || ' ' || any_value(awards) FROM omdb_movies",
                "1 Last of the batch.");
}

static void freezing(void **state)
{
    struct fx *f = *state;
    rs_date_t archived = TODAY - 400, mature = TODAY - 300;
    rs_time_t t = NOW;
    /* ARCHIVED: first fetch is a change, then 3 unchanged refreshes freeze it */
    assert_false(refresh_once(f->st, 1, archived, 11, t));
    assert_false(refresh_once(f->st, 1, archived, 11, t += 90 * DAY));
    assert_false(refresh_once(f->st, 1, archived, 11, t += 90 * DAY));
    struct store_movie m = get(f->st, 1);
    assert_int_equal(m.stable_cycles, 2);
    assert_int_equal(m.data_changed_at.v, NOW);
    assert_false(m.data_frozen);
    store_movie_release(&m);
    /* a change resets the count */
    assert_false(refresh_once(f->st, 1, archived, 12, t += 90 * DAY));
    m = get(f->st, 1);
    assert_int_equal(m.stable_cycles, 0);
    assert_int_equal(m.data_changed_at.v, t);
    assert_int_equal(m.last_full_refresh.v, t);
    store_movie_release(&m);
    assert_false(refresh_once(f->st, 1, archived, 12, t += 90 * DAY));
    assert_false(refresh_once(f->st, 1, archived, 12, t += 90 * DAY));
    assert_true(refresh_once(f->st, 1, archived, 12, t += 90 * DAY));
    m = get(f->st, 1);
    assert_true(m.data_frozen);
    assert_int_equal(m.stable_cycles, 3);
    store_movie_release(&m);
    /* refreshed while frozen (--include-frozen): unchanged stays frozen, changed thaws */
    assert_false(refresh_once(f->st, 1, archived, 12, t += 90 * DAY));
    m = get(f->st, 1);
    assert_true(m.data_frozen);
    assert_int_equal(m.stable_cycles, 4);
    store_movie_release(&m);
    assert_false(refresh_once(f->st, 1, archived, 13, t += 90 * DAY));
    m = get(f->st, 1);
    assert_false(m.data_frozen);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
    /* each freeze and unfreeze is an event, at its refresh's time */
    char want[128];
    snprintf(want, sizeof(want), "frozen %lld;unfrozen %lld", (long long)(t - 2 * 90 * DAY),
             (long long)t);
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path,
                "SELECT string_agg(concat(event, ' ', epoch(event_at)::BIGINT), ';'"
                " ORDER BY event_at) FROM movie_events WHERE tmdb_id = 1",
                want);
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    /* MATURE (at its refresh times) never freezes, however stable */
    rs_time_t u = NOW;
    for (int i = 0; i < 5; i++, u += DAY)
        assert_false(refresh_once(f->st, 2, mature, 5, u));
    m = get(f->st, 2);
    assert_int_equal(m.stable_cycles, 4);
    assert_false(m.data_frozen);
    store_movie_release(&m);
    /* last_full_refresh only when both APIs were stored */
    bool frozen;
    OK(finish(f->st, 2, true, false, u + DAY, &frozen, E));
    m = get(f->st, 2);
    assert_int_equal(m.last_full_refresh.v, u - DAY);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
    struct rs_error err = {0};
    assert_int_equal(finish(f->st, 404, false, true, NOW, &frozen, &err), RS_ERR_DB);
}

static void freezing_batch(void **state)
{
    struct fx *f = *state;
    rs_date_t rel[3] = {TODAY - 400, TODAY + 200, TODAY - 1000};
    int64_t ids[3] = {10, 11, 12};
    struct tmdb_row t[3];
    for (int i = 0; i < 3; i++)
        t[i] = tmdb_row(ids[i], NULL, rel[i]);
    bool changed[3], both[3] = {true, true, false}, frozen[3] = {true, true, true};
    rs_time_t now = NOW;
    for (int round = 0; round < 4; round++, now += 90 * DAY) {
        if (round == 2)
            t[2].budget = RS_I64(4); /* movie 12 changes once */
        OK(store_begin(f->st, E));
        OK(store_put_tmdb_batch(f->st, t, 3, now, changed, E));
        OK(store_finish_refresh_batch(f->st, ids, changed, both, 3, now, frozen, E));
        OK(store_commit(f->st, E));
        assert_int_equal(changed[0], round == 0);
        assert_int_equal(changed[2], round == 0 || round == 2);
        assert_int_equal(frozen[0], round == 3); /* 3 unchanged refreshes, ARCHIVED */
        assert_false(frozen[1]);                 /* never ARCHIVED */
        assert_false(frozen[2]);                 /* changed in round 2 */
    }
    struct store_movie m = get(f->st, 10);
    assert_true(m.data_frozen);
    assert_int_equal(m.stable_cycles, 3);
    assert_int_equal(m.last_full_refresh.v, now - 90 * DAY);
    store_movie_release(&m);
    m = get(f->st, 12);
    assert_false(m.last_full_refresh.set);
    assert_int_equal(m.stable_cycles, 1);
    assert_int_equal(m.data_changed_at.v, NOW + 2 * 90 * DAY);
    store_movie_release(&m);
    int64_t bad[2] = {10, 404};
    struct rs_error err = {0};
    assert_int_equal(store_finish_refresh_batch(f->st, bad, changed, both, 2, now, frozen, &err),
                     RS_ERR_DB);
    m = get(f->st, 10);
    assert_int_equal(m.stable_cycles, 3); /* rolled back */
    store_movie_release(&m);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(tmdb_and_omdb_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(nulls_and_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(same_transaction_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(one_row_per_key, setup, teardown),
        cmocka_unit_test_setup_teardown(detail_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(batch_over_lookup_size, setup, teardown),
        cmocka_unit_test_setup_teardown(batch_of_ids_far_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(checkpoints_do_not_split_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(let_go_after_an_automatic_checkpoint_merges, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(freezing, setup, teardown),
        cmocka_unit_test_setup_teardown(freezing_batch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
