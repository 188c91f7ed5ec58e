/*
 * Compaction (src/store/compact.c): a young file left alone, a grown one rebuilt into a
 * fraction of its size with the same rows, keys, defaults, comments and a user's own index,
 * and the handle working on after it.
 */
#include <sys/stat.h>

#include "test_store.h"

/* A digest of every row of every table, to compare before and after a compaction. */
static char *all_rows_digest(const char *path)
{
    return peek(path, "SELECT md5(concat("
                      "(SELECT string_agg(m::VARCHAR, '|' ORDER BY tmdb_id) FROM movies m),"
                      "(SELECT string_agg(t::VARCHAR, '|' ORDER BY tmdb_id) FROM tmdb_movies t),"
                      "(SELECT string_agg(o::VARCHAR, '|' ORDER BY imdb_id) FROM omdb_movies o),"
                      "(SELECT string_agg(r::VARCHAR, '|' ORDER BY id) FROM runs r),"
                      "(SELECT string_agg(u::VARCHAR, '|' ORDER BY day, api, outcome)"
                      " FROM api_usage u),"
                      "(SELECT string_agg(b::VARCHAR, '|' ORDER BY observed_at, tmdb_id, api)"
                      " FROM observations b),"
                      "(SELECT string_agg(comment, '|' ORDER BY table_name, column_index)"
                      " FROM duckdb_columns() WHERE schema_name = 'main'),"
                      "(SELECT string_agg(comment, '|' ORDER BY table_name) FROM duckdb_tables()"
                      " WHERE schema_name = 'main')))");
}

static int64_t file_size(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return (int64_t)sb.st_size;
}

/*
 * Refreshes 100 movies (32 KB of raw JSON each) CYCLES times, reopening the file between
 * cycles as each reelsync run does, with a run record and usage rows per cycle.
 */
static void refresh_cycles(struct fx *f, int first, int cycles)
{
    static char raw[32768];
    memset(raw, 'x', sizeof(raw) - 1);
    raw[0] = '"'; /* a JSON string */
    raw[sizeof(raw) - 2] = '"';
    for (int c = first; c < first + cycles; c++) {
        /* one batch, as a collect commits them (a batch of one per movie made this test
         * spend its time in the per-batch statements, minutes under the sanitizers) */
        struct tmdb_row rows[100];
        bool changed_rows[100];
        for (int64_t id = 1; id <= 100; id++) {
            struct tmdb_row t = tmdb_row(id, "tt1375666", TODAY - 400);
            t.raw = raw;
            t.raw_len = sizeof(raw) - 1;
            t.vote_count = RS_I64(c);
            rows[id - 1] = t;
        }
        OK(store_put_tmdb_batch(f->st, rows, 100, NOW + c, changed_rows, E));
        struct omdb_row o = omdb_row("tt1375666");
        bool changed;
        OK(put_omdb(f->st, 1, &o, NOW + c, &changed, E));
        int64_t run = 0, counts[RS_OUTCOME_COUNT] = {[RS_OK] = 101};
        OK(store_run_begin(f->st, NOW + c, "{}", &run, E));
        OK(store_usage_add(f->st, TODAY + c, RS_API_TMDB, counts, E));
        OK(store_run_end(f->st, run, NOW + c, "{}", 0, E));
        store_close(f->st);
        f->st = NULL;
        OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    }
}

/* The keys, NOT NULLs and defaults of the rebuilt tables hold. */
static void assert_keys_hold(const char *path)
{
    duckdb_database db;
    duckdb_connection con;
    duckdb_result res;
    assert_int_equal(duckdb_open(path, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    assert_int_equal(duckdb_query(con, "INSERT INTO tmdb_movies (tmdb_id) VALUES (NULL)", &res),
                     DuckDBError);
    duckdb_destroy_result(&res);
    assert_int_equal(duckdb_query(con, "INSERT INTO movies (tmdb_id) VALUES (1)", &res),
                     DuckDBError);
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    assert_peek(path, "INSERT INTO movies (tmdb_id) VALUES (7000) RETURNING movie_id > 100",
                "true");
}

static void compaction(void **state)
{
    struct fx *f = *state;
    struct store_compaction c;

    /* A user's own index (DuckDB refuses to rename a table that has one) is kept; on
     * tmdb_movies it also keeps DuckDB from reclaiming the table's deleted rows (since schema
     * 8 the table has no key of its own), which compaction is for. */
    store_close(f->st);
    db_exec(f->path, "CREATE INDEX \"by \"\"title\" ON tmdb_movies (title)");
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    /* A young file is left alone. */
    refresh_cycles(f, 0, 2);
    OK(store_compact(f->st, false, &c, E));
    assert_false(c.done);
    /* Each run leaves its deleted rows and its own blocks behind: the file grows. */
    refresh_cycles(f, 2, 14);
    store_close(f->st);
    f->st = NULL;
    char *before = all_rows_digest(f->path);
    int64_t size_before = file_size(f->path);
    assert_true(size_before > STORE_COMPACT_MIN_GROWTH);

    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    OK(store_compact(f->st, false, &c, E));
    assert_true(c.done);
    assert_true(c.before_bytes > STORE_COMPACT_MIN_GROWTH);
    assert_true(c.after_bytes * 4 < c.before_bytes);
    /* The same handle goes on working: its statements are prepared afresh. */
    struct discover_row d = {.tmdb_id = 5000, .title = "New", .release_date = RS_NULL_I64};
    OK(store_upsert_discovered(f->st, &d, 1, NOW + 100, NULL, E));
    /* Just compacted: nothing to gain from another. */
    OK(store_compact(f->st, false, &c, E));
    assert_false(c.done);
    store_close(f->st);
    f->st = NULL;

    /* The same rows in a smaller file. */
    assert_true(file_size(f->path) * 4 < size_before);
    db_exec(f->path, "DELETE FROM movies WHERE tmdb_id = 5000");
    char *after = all_rows_digest(f->path);
    assert_string_equal(after, before);
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies", "100");
    assert_peek(f->path, "SELECT sql FROM duckdb_indexes()",
                "CREATE INDEX \"by \"\"title\" ON tmdb_movies(title);");
    assert_keys_hold(f->path);
    free(before);
    free(after);
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(compaction, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
