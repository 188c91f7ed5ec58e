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

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(export_formats, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
