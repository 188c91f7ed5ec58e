/*
 * store_export (src/store/export.c): CSV, JSON and Parquet, a path with a quote in it, and
 * the formats and paths refused.
 */
#include "test_store.h"

static void export_formats(void **state)
{
    struct fx *f = *state;
    struct tmdb_row t = tmdb_row(27205, "tt1375666", 14806);
    struct omdb_row o = omdb_row("tt1375666");
    bool changed;
    OK(put_tmdb(f->st, &t, NOW, &changed, E));
    OK(put_omdb(f->st, 27205, &o, NOW, &changed, E));
    struct discover_row d = {
        .tmdb_id = 155, .title = "The \"Dark\" Knight", .release_date = RS_NULL_I64};
    OK(store_upsert_discovered(f->st, &d, 1, NOW, NULL, E));
    /* a path with a quote in it is a value, not SQL */
    char *csv = path_join(f->dir, "it's.csv");
    OK(store_export(f->st, "movies", "csv", csv, E));
    char *text = slurp_file(csv, NULL);
    assert_memory_equal(text, "movie_id,tmdb_id,imdb_id,title,", 31);
    assert_non_null(strstr(text, "omdb_box_office"));
    assert_non_null(strstr(text, "292587330"));
    assert_int_equal(line_count(text), 3);
    free(text);
    char *json = path_join(f->dir, "out.json");
    OK(store_export(f->st, "movies", "json", json, E));
    text = slurp_file(json, NULL);
    assert_non_null(strstr(text, "\"tmdb_id\":155"));
    assert_non_null(strstr(text, "\"omdb_imdb_rating\":8.8"));
    free(text);
    char *pq = path_join(f->dir, "out.parquet");
    OK(store_export(f->st, "movies", "parquet", pq, E));
    text = slurp_file(pq, NULL);
    assert_memory_equal(text, "PAR1", 4);
    free(text);
    struct rs_error err = {0};
    assert_int_equal(store_export(f->st, "movies", "xml", pq, &err), RS_ERR_USAGE);
    assert_int_equal(store_export(f->st, "movies", "csv'); DROP TABLE movies; --", pq, &err),
                     RS_ERR_USAGE);
    char *bad = path_join(f->dir, "no/dir/x.csv");
    assert_int_equal(store_export(f->st, "movies", "csv", bad, &err), RS_ERR_IO);
    int64_t count = 0;
    OK(store_count_movies(f->st, &count, E));
    assert_int_equal(count, 2);
    free(bad);
    free(pq);
    free(json);
    free(csv);
}

/* The first value of SQL run on an in-memory DuckDB (read_parquet of the exports). */
static char *parquet_says(const char *sql)
{
    return peek(":memory:", sql);
}

/* EXPORT of F's file to DIR/NAME.FORMAT through a read-only store joining PIECE movies at
 * a time; the path, malloc'd. */
static char *export_with(struct fx *f, int64_t piece, const char *name, const char *format)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    struct store_open_options o = {.mode = STORE_READ_ONLY, .export_piece = piece};
    char file[64];
    snprintf(file, sizeof(file), "%s.%s", name, format);
    char *path = path_join(f->dir, file);
    assert_int_equal(store_open_ext(f->path, &o, &st, NULL, &err), RS_OK);
    if (store_export(st, "movies", format, path, &err) != RS_OK)
        fail_msg("export: %s", err.msg);
    store_close(st);
    return path;
}

/* The Parquet files A and B hold the same columns and rows, in the same order. */
static void same_parquet(const char *a, const char *b)
{
    char sql[4096];
    snprintf(sql, sizeof(sql),
             "SELECT string_agg(CAST(tmdb_id AS VARCHAR), ',') FROM read_parquet('%s')", a);
    char *order_a = parquet_says(sql);
    snprintf(sql, sizeof(sql),
             "SELECT string_agg(CAST(tmdb_id AS VARCHAR), ',') FROM read_parquet('%s')", b);
    char *order_b = parquet_says(sql);
    assert_string_equal(order_a, "2,8,12,450,905,1200,3000");
    assert_string_equal(order_a, order_b);
    snprintf(sql, sizeof(sql),
             "SELECT count(DISTINCT s) FROM (SELECT string_agg(column_name || ' ' || column_type,"
             " ',') AS s FROM (DESCRIBE SELECT * FROM read_parquet('%s')) UNION ALL"
             " SELECT string_agg(column_name || ' ' || column_type, ',') FROM"
             " (DESCRIBE SELECT * FROM read_parquet('%s')))",
             a, b);
    char *schemas = parquet_says(sql);
    assert_string_equal(schemas, "1");
    snprintf(sql, sizeof(sql),
             "SELECT (SELECT count(*) FROM (SELECT * FROM read_parquet('%s') EXCEPT ALL"
             " SELECT * FROM read_parquet('%s'))) + (SELECT count(*) FROM (SELECT * FROM"
             " read_parquet('%s') EXCEPT ALL SELECT * FROM read_parquet('%s')))",
             a, b, b, a);
    char *differ = parquet_says(sql);
    assert_string_equal(differ, "0");
    free(order_a);
    free(order_b);
    free(schemas);
    free(differ);
}

/*
 * Issue 18: the movies are exported in pieces (by tmdb_id), each joined and sorted on its
 * own. Two movies a piece, the CSV and JSON are byte for byte, and the Parquet row for row
 * and column for column, what one piece of all makes.
 */
static void export_in_pieces_is_one_export(void **state)
{
    struct fx *f = *state;
    static const int64_t ids[] = {905, 12, 3000, 77, 450, 8, 1200};
    bool changed;
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        char imdb[16];
        snprintf(imdb, sizeof(imdb), "tt%07lld", (long long)ids[i]);
        struct tmdb_row t = tmdb_row(ids[i], imdb, 14806 + (rs_date_t)i);
        struct omdb_row o = omdb_row(imdb);
        if (i != 3)
            OK(put_tmdb(f->st, &t, NOW, &changed, E));
        if (i % 2 == 0)
            OK(put_omdb(f->st, ids[i], &o, NOW, &changed, E));
    }
    struct discover_row d = {
        .tmdb_id = 2, .title = "Only, \"discovered\"", .release_date = RS_NULL_I64};
    OK(store_upsert_discovered(f->st, &d, 1, NOW, NULL, E));
    store_close(f->st);
    f->st = NULL;
    static const char *const formats[] = {"csv", "json", "parquet"};
    for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
        char *pieces = export_with(f, 2, "pieces", formats[k]);
        char *whole = export_with(f, 1000, "whole", formats[k]);
        size_t a = 0, b = 0;
        char *ta = slurp_file(pieces, &a), *tb = slurp_file(whole, &b);
        if (k < 2) {
            assert_int_equal(a, b);
            assert_memory_equal(ta, tb, a);
            assert_non_null(strstr(ta, "Only, "));
        }
        free(ta);
        free(tb);
        if (k == 2)
            same_parquet(pieces, whole);
        free(pieces);
        free(whole);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(export_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(export_in_pieces_is_one_export, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
