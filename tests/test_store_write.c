/*
 * The writes of src/store/write.c: discovery's upsert (new and known movies, the last row of
 * an id winning, 40,000 rows in row groups of 32,768, a rolled-back batch), the bulk insert,
 * the "gone" stamp (one movie, or many in one statement) and unfreezing.
 */
#include "test_store.h"

static void upsert_twice(void **state)
{
    struct fx *f = *state;
    struct discover_row rows[2] = {
        {.tmdb_id = 27205, .title = "Inceptoin", .release_date = RS_I64(14800)},
        {.tmdb_id = 155, .title = "The Dark Knight", .release_date = RS_I64(14061)}};
    size_t fresh = 99;
    OK(store_upsert_discovered(f->st, rows, 2, NOW - 100, &fresh, E));
    assert_int_equal(fresh, 2);
    bool changed = false;
    struct tmdb_row t = tmdb_row(27205, "tt1375666", 14806);
    OK(put_tmdb(f->st, &t, NOW - 50, &changed, E));
    assert_true(changed);
    OK(store_mark_gone(f->st, (int64_t[]){155}, 1, NOW - 40, E));

    struct discover_row again[3] = {
        {.tmdb_id = 27205, .title = "Inception (2010)", .release_date = RS_I64(14806)},
        {.tmdb_id = 155, .title = "The Dark Knight", .release_date = RS_NULL_I64},
        {.tmdb_id = 27205,
         .title = "Inception",
         .release_date = RS_I64(14806)}}; /* last one wins */
    OK(store_upsert_discovered(f->st, again, 3, NOW, &fresh, E));
    assert_int_equal(fresh, 0);
    int64_t n = 0;
    OK(store_count_movies(f->st, &n, E));
    assert_int_equal(n, 2);
    struct store_movie m = get(f->st, 27205);
    assert_string_equal(m.title, "Inception");
    assert_int_equal(m.release_date.v, 14806);
    assert_string_equal(m.imdb_id, "tt1375666");
    assert_true(m.last_tmdb_update.set);
    assert_int_equal(m.last_tmdb_update.v, NOW - 50); /* tracking stamps kept */
    assert_int_equal(m.created_at.v, NOW - 100);
    assert_int_equal(m.updated_at.v, NOW);
    int64_t first_id = m.movie_id;
    store_movie_release(&m);
    m = get(f->st, 155);
    assert_false(m.release_date.set); /* updated to what discovery says now */
    assert_false(m.tmdb_gone_at.set); /* rediscovered: no longer gone */
    assert_true(m.movie_id != first_id);
    store_movie_release(&m);
    bool found = true;
    OK(store_get_movie(f->st, 999, &m, &found, E));
    assert_false(found);
}

static void batch_of_40000(void **state)
{
    struct fx *f = *state;
    enum { N = 40000 };
    struct discover_row *rows = calloc(N, sizeof(*rows));
    char(*titles)[32] = calloc(N, 32);
    for (int i = 0; i < N; i++) {
        snprintf(titles[i], 32, "Movie %d", i);
        rows[i] = (struct discover_row){
            .tmdb_id = 100000 + i, .title = titles[i], .release_date = RS_I64(10000 + i)};
    }
    size_t fresh = 0;
    OK(store_begin(f->st, E));
    OK(store_upsert_discovered(f->st, rows, N, NOW, &fresh, E));
    OK(store_commit(f->st, E));
    assert_int_equal(fresh, N);
    for (int i = 0; i < N; i++)
        snprintf(titles[i], 32, "Film %d", i);
    OK(store_begin(f->st, E));
    OK(store_upsert_discovered(f->st, rows, N / 2, NOW, &fresh, E));
    OK(store_upsert_discovered(f->st, rows + N / 2, N / 2, NOW, &fresh, E));
    OK(store_commit(f->st, E));
    assert_int_equal(fresh, 0);
    /* a rolled-back batch leaves nothing */
    rows[0].tmdb_id = 7;
    OK(store_begin(f->st, E));
    OK(store_upsert_discovered(f->st, rows, 1, NOW, &fresh, E));
    store_rollback(f->st);
    assert_int_equal(fresh, 1);
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT count(*) FROM movies", "40000");
    assert_peek(f->path, "SELECT count(DISTINCT movie_id) FROM movies", "40000");
    assert_peek(f->path, "SELECT title FROM movies WHERE tmdb_id = 109999", "Film 9999");
    assert_peek(f->path, "SELECT count(*) FROM movies WHERE title LIKE 'Film %'", "40000");
    /* the store writes row groups of 32,768 rows (DuckDB's default, 122,880, would be one) */
    assert_peek(f->path, "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('movies')",
                "2");
    free(rows);
    free(titles);
}

/* The stamps of many movies at once: each stamped, the others not; an unknown id stamps none. */
static void stamps_many(void **state)
{
    struct fx *f = *state;
    struct discover_row rows[4] = {
        {.tmdb_id = 11}, {.tmdb_id = 12}, {.tmdb_id = 13}, {.tmdb_id = 14}};
    OK(store_upsert_discovered(f->st, rows, 4, NOW - 100, NULL, E));
    int64_t gone[2] = {12, 11}, nf[3] = {13, 12, 13}; /* a repeated id is one movie */
    OK(store_mark_gone(f->st, gone, 2, NOW - 10, E));
    OK(store_stamp_omdb_checked(f->st, nf, 3, NOW - 5, E));
    OK(store_mark_gone(f->st, NULL, 0, NOW, E));
    for (int64_t id = 11; id <= 14; id++) {
        struct store_movie m = get(f->st, id);
        assert_int_equal(m.tmdb_gone_at.set, id == 11 || id == 12);
        if (m.tmdb_gone_at.set)
            assert_int_equal(m.tmdb_gone_at.v, NOW - 10);
        assert_int_equal(m.omdb_not_found_at.set, id == 12 || id == 13);
        if (m.omdb_not_found_at.set)
            assert_int_equal(m.omdb_not_found_at.v, NOW - 5);
        store_movie_release(&m);
    }
    struct rs_error err = {0};
    int64_t some_unknown[2] = {14, 999};
    assert_int_equal(store_stamp_omdb_checked(f->st, some_unknown, 2, NOW, &err), RS_ERR_DB);
    assert_non_null(strstr(err.msg, "1 of 2 movies unknown"));
    struct store_movie m = get(f->st, 14);
    assert_false(m.omdb_not_found_at.set); /* nothing stamped */
    store_movie_release(&m);
}

static void unfreeze(void **state)
{
    struct fx *f = *state;
    struct rs_i64 old = RS_I64(TODAY - 1000);
    struct store_movie rows[4] = {
        mv(1, old, RS_I64(NOW), RS_I64(NOW), "a"), mv(2, old, RS_I64(NOW), RS_I64(NOW), "b"),
        mv(3, old, RS_I64(NOW), RS_I64(NOW), "c"), mv(4, old, RS_I64(NOW), RS_I64(NOW), "d")};
    for (int i = 0; i < 3; i++) {
        rows[i].data_frozen = true;
        rows[i].stable_cycles = 3;
    }
    rows[3].stable_cycles = 2;
    OK(store_bulk_insert_movies(f->st, rows, 4, NOW, E));
    size_t changed = 99;
    int64_t ids[] = {1, 4, 12345};
    OK(store_unfreeze(f->st, ids, 3, false, NOW, &changed, E));
    assert_int_equal(changed, 1);
    struct store_movie m = get(f->st, 1);
    assert_false(m.data_frozen);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
    m = get(f->st, 4);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
    m = get(f->st, 2);
    assert_true(m.data_frozen);
    store_movie_release(&m);
    OK(store_unfreeze(f->st, NULL, 0, true, NOW + 1, &changed, E));
    assert_int_equal(changed, 2);
    OK(store_unfreeze(f->st, NULL, 0, true, NOW + 1, &changed, E));
    assert_int_equal(changed, 0);
    m = get(f->st, 3);
    assert_false(m.data_frozen);
    assert_int_equal(m.stable_cycles, 0);
    store_movie_release(&m);
    store_close(f->st);
    f->st = NULL;
    /* one 'unfrozen' event per movie that was frozen, none for the others */
    assert_peek(f->path,
                "SELECT string_agg(concat_ws('|', tmdb_id, event, strftime(event_at, '%H:%M:%S'),"
                " run_id IS NULL, reason), ';' ORDER BY tmdb_id) FROM movie_events",
                "1|unfrozen|12:00:00|true|reelsync unfreeze;2|unfrozen|12:00:01|true|reelsync "
                "unfreeze;3|unfrozen|12:00:01|true|reelsync unfreeze");
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(upsert_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(batch_of_40000, setup, teardown),
        cmocka_unit_test_setup_teardown(stamps_many, setup, teardown),
        cmocka_unit_test_setup_teardown(unfreeze, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
