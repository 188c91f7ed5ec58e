/*
 * The schema (src/store/migrate.c) on real DuckDB files: created and reopened without applying
 * anything twice, the columns and keys of docs/schema.md, and the files refused untouched: a
 * newer schema, another program's tables, a migration that fails halfway.
 */
#include <unistd.h>

#include "test_store.h"

/* Back to before schema 7: tmdb_movies without the parts' digests. */
#define DROP_DIGESTS                                                                               \
    " ALTER TABLE tmdb_movies DROP COLUMN credits_digest;"                                         \
    " ALTER TABLE tmdb_movies DROP COLUMN keywords_digest;"                                        \
    " ALTER TABLE tmdb_movies DROP COLUMN release_dates_digest;"

/* Opens F's file in MODE, which brings it to the latest schema, and closes it. */
static void upgrade(struct fx *f, enum store_mode mode)
{
    OK(store_open(f->path, mode, &f->st, E));
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT max(version) FROM schema_version", "8");
}

static void create_and_reopen(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path,
                "SELECT string_agg(version::VARCHAR, ',' ORDER BY version) FROM schema_version",
                "1,2,3,4,5,6,7,8");
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    store_close(f->st);
    f->st = NULL;
    /* reopening applies nothing twice */
    assert_peek(f->path, "SELECT count(*) FROM schema_version", "8");
    OK(store_open(f->path, STORE_READ_ONLY, &f->st, E));
    int64_t n = -1;
    OK(store_count_movies(f->st, &n, E));
    assert_int_equal(n, 0);
    assert_int_equal(store_schema_version(), 8);
    /* read-only: reads work, writes are refused with a clear error */
    struct plan_item *items = NULL;
    size_t np = 9;
    OK(store_plan(f->st, NOW, 10, false, false, &items, &np, E));
    assert_int_equal(np, 0);
    store_plan_free(items, np);
    struct discover_row d = {.tmdb_id = 1, .title = "x", .release_date = RS_NULL_I64};
    struct rs_error err = {0};
    assert_int_equal(store_upsert_discovered(f->st, &d, 1, NOW, NULL, &err), RS_ERR_DB);
    assert_string_equal(err.msg, "database: opened read-only, cannot write");
    assert_int_equal(store_mark_gone(f->st, (int64_t[]){1}, 1, NOW, &err), RS_ERR_DB);
    int64_t run = 0;
    assert_int_equal(store_run_begin(f->st, NOW, NULL, &run, &err), RS_ERR_DB);
    /* a read-only open of a missing file creates nothing */
    char *missing = path_join(f->dir, "missing.duckdb");
    struct store *ro = NULL;
    assert_int_not_equal(store_open(missing, STORE_READ_ONLY, &ro, &err), RS_OK);
    assert_null(ro);
    assert_int_equal(access(missing, F_OK), -1);
    free(missing);
}

static void schema_matches_spec(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    f->st = NULL;
    static const char *const want[][3] = {
        {"movies", "movie_id", "INTEGER"},
        {"movies", "tmdb_id", "INTEGER"},
        {"movies", "imdb_id", "VARCHAR"},
        {"movies", "title", "VARCHAR"},
        {"movies", "release_date", "DATE"},
        {"movies", "last_tmdb_update", "TIMESTAMP"},
        {"movies", "last_omdb_update", "TIMESTAMP"},
        {"movies", "last_full_refresh", "TIMESTAMP"},
        {"movies", "data_frozen", "BOOLEAN"},
        {"movies", "created_at", "TIMESTAMP"},
        {"movies", "updated_at", "TIMESTAMP"},
        {"tmdb_movies", "tmdb_id", "INTEGER"},
        {"tmdb_movies", "imdb_id", "VARCHAR"},
        {"tmdb_movies", "title", "VARCHAR"},
        {"tmdb_movies", "original_title", "VARCHAR"},
        {"tmdb_movies", "overview", "VARCHAR"},
        {"tmdb_movies", "tagline", "VARCHAR"},
        {"tmdb_movies", "release_date", "DATE"},
        {"tmdb_movies", "runtime", "INTEGER"},
        {"tmdb_movies", "budget", "BIGINT"},
        {"tmdb_movies", "revenue", "BIGINT"},
        {"tmdb_movies", "genres", "VARCHAR[]"},
        {"tmdb_movies", "production_companies", "VARCHAR[]"},
        {"tmdb_movies", "vote_average", "DOUBLE"},
        {"tmdb_movies", "vote_count", "INTEGER"},
        {"tmdb_movies", "popularity", "DOUBLE"},
        {"tmdb_movies", "status", "VARCHAR"},
        {"tmdb_movies", "original_language", "VARCHAR"},
        {"tmdb_movies", "adult", "BOOLEAN"},
        {"tmdb_movies", "raw", "JSON"},
        {"tmdb_movies", "fetched_at", "TIMESTAMP"},
        {"omdb_movies", "imdb_id", "VARCHAR"},
        {"omdb_movies", "title", "VARCHAR"},
        {"omdb_movies", "year", "VARCHAR"},
        {"omdb_movies", "rated", "VARCHAR"},
        {"omdb_movies", "released", "DATE"},
        {"omdb_movies", "runtime_minutes", "INTEGER"},
        {"omdb_movies", "genre", "VARCHAR"},
        {"omdb_movies", "director", "VARCHAR"},
        {"omdb_movies", "writer", "VARCHAR"},
        {"omdb_movies", "actors", "VARCHAR"},
        {"omdb_movies", "language", "VARCHAR"},
        {"omdb_movies", "country", "VARCHAR"},
        {"omdb_movies", "awards", "VARCHAR"},
        {"omdb_movies", "imdb_rating", "DOUBLE"},
        {"omdb_movies", "imdb_votes", "INTEGER"},
        {"omdb_movies", "rotten_tomatoes", "INTEGER"},
        {"omdb_movies", "metacritic", "INTEGER"},
        {"omdb_movies", "box_office", "BIGINT"},
        {"omdb_movies", "raw", "JSON"},
        {"omdb_movies", "fetched_at", "TIMESTAMP"},
        {"api_usage", "day", "DATE"},
        {"api_usage", "api", "VARCHAR"},
        {"api_usage", "outcome", "VARCHAR"},
        {"api_usage", "count", "BIGINT"},
        {"runs", "started_at", "TIMESTAMP"},
        {"runs", "ended_at", "TIMESTAMP"},
        {"runs", "options", "JSON"},
        {"runs", "stats", "JSON"},
        {"observations", "tmdb_id", "INTEGER"},
        {"observations", "api", "VARCHAR"},
        {"observations", "observed_at", "TIMESTAMP"},
        {"observations", "vote_count", "INTEGER"},
        {"observations", "vote_average", "DOUBLE"},
        {"observations", "popularity", "DOUBLE"},
        {"observations", "revenue", "BIGINT"},
        {"observations", "budget", "BIGINT"},
        {"observations", "imdb_rating", "DOUBLE"},
        {"observations", "imdb_votes", "INTEGER"},
        {"observations", "metacritic", "INTEGER"},
        {"observations", "rotten_tomatoes", "INTEGER"},
        {"observations", "box_office", "BIGINT"},
        {"change_log", "tmdb_id", "INTEGER"},
        {"change_log", "api", "VARCHAR"},
        {"change_log", "field", "VARCHAR"},
        {"change_log", "old_value", "VARCHAR"},
        {"change_log", "new_value", "VARCHAR"},
        {"change_log", "changed_at", "TIMESTAMP"},
        {"change_log", "run_id", "BIGINT"},
        {"movie_events", "tmdb_id", "INTEGER"},
        {"movie_events", "event", "VARCHAR"},
        {"movie_events", "event_at", "TIMESTAMP"},
        {"movie_events", "run_id", "BIGINT"},
        {"movie_events", "reason", "VARCHAR"},
        {"run_failures", "run_id", "BIGINT"},
        {"run_failures", "tmdb_id", "INTEGER"},
        {"run_failures", "api", "VARCHAR"},
        {"run_failures", "error_class", "VARCHAR"},
        {"run_failures", "failed_at", "TIMESTAMP"},
        {"feed_changes", "tmdb_id", "INTEGER"},
        {"feed_changes", "day", "DATE"},
        {"feed_changes", "noted_at", "TIMESTAMP"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "SELECT data_type FROM information_schema.columns WHERE table_name = '%s' "
                 "AND column_name = '%s'",
                 want[i][0], want[i][1]);
        assert_peek(f->path, sql, want[i][2]);
    }
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'movies' AND "
                "constraint_type = 'PRIMARY KEY' AND constraint_column_names = ['movie_id']",
                "1");
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'movies' AND "
                "constraint_type = 'UNIQUE' AND constraint_column_names = ['tmdb_id']",
                "1");
    assert_peek(f->path,
                "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'movies' "
                "AND column_name = 'tmdb_id'",
                "NO");
    /* one row per tmdb_id, one per imdb_id: kept by the batches, no key index (schema 8) */
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_constraints() WHERE table_name IN ('tmdb_movies',"
                " 'omdb_movies') AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')",
                "0");
    assert_peek(f->path,
                "SELECT string_agg(is_nullable, ',') FROM information_schema.columns WHERE"
                " (table_name, column_name) IN (('tmdb_movies', 'tmdb_id'), ('omdb_movies',"
                " 'imdb_id'))",
                "NO,NO");
    /* the data dictionary: a comment on every table and every column (of any migration) */
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                "AND (comment IS NULL OR comment = '')",
                "0");
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
                "AND (comment IS NULL OR comment = '')",
                "0");
    assert_peek(f->path,
                "SELECT comment FROM duckdb_columns() WHERE table_name = 'change_log' AND "
                "column_name = 'field'",
                "Column name in tmdb_movies or omdb_movies.");
    /* defaults: data_frozen FALSE, movie_id from the sequence */
    assert_peek(f->path, "INSERT INTO movies (tmdb_id) VALUES (5) RETURNING data_frozen", "false");
    assert_peek(f->path, "INSERT INTO movies (tmdb_id) VALUES (6) RETURNING movie_id", "2");
}

/*
 * A database of schema version 4 (before the appended TMDB parts) with a movie in it: opening
 * it creates movie_credits, movie_keywords and release_dates empty, every column commented,
 * and keeps the movie.
 */
static void parts_tables_from_version_4(void **state)
{
    struct fx *f = *state;
    struct discover_row d = {.tmdb_id = 27205, .title = "Inception", .release_date = RS_NULL_I64};
    OK(store_upsert_discovered(f->st, &d, 1, NOW, NULL, E));
    store_close(f->st);
    f->st = NULL;
    free(peek(f->path, "DROP TABLE movie_credits; DROP TABLE movie_keywords;"
                       " DROP TABLE release_dates; DROP TABLE feed_changes;" DROP_DIGESTS
                       " DELETE FROM schema_version WHERE version >= 5;"
                       " SELECT 1"));
    assert_peek(f->path, "SELECT max(version) FROM schema_version", "4");
    upgrade(f, STORE_READ_WRITE);
    assert_peek(f->path,
                "SELECT (SELECT count(*) FROM movie_credits) + (SELECT count(*) FROM"
                " movie_keywords) + (SELECT count(*) FROM release_dates)",
                "0");
    assert_peek(f->path, "SELECT title FROM movies WHERE tmdb_id = 27205", "Inception");
    assert_peek(
        f->path,
        "SELECT string_agg(table_name || '.' || column_name || ' ' || data_type, ', '"
        " ORDER BY table_name, column_index) FROM duckdb_columns() WHERE table_name IN"
        " ('movie_credits', 'movie_keywords', 'release_dates')",
        "movie_credits.tmdb_id INTEGER, movie_credits.person_id INTEGER,"
        " movie_credits.name VARCHAR, movie_credits.role VARCHAR, movie_credits.job VARCHAR,"
        " movie_credits.character VARCHAR, movie_credits.ord INTEGER,"
        " movie_keywords.tmdb_id INTEGER, movie_keywords.keyword_id INTEGER,"
        " movie_keywords.name VARCHAR, release_dates.tmdb_id INTEGER,"
        " release_dates.country VARCHAR, release_dates.type INTEGER,"
        " release_dates.release_date DATE, release_dates.certification VARCHAR,"
        " release_dates.note VARCHAR");
    /* the data dictionary: every table and column of these says what it holds */
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_columns() WHERE table_name IN ('movie_credits',"
                " 'movie_keywords', 'release_dates') AND coalesce(comment, '') = ''",
                "0");
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('movie_credits',"
                " 'movie_keywords', 'release_dates') AND coalesce(comment, '') <> ''",
                "3");
}

static void newer_version_refused(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    f->st = NULL;
    free(peek(f->path, "INSERT INTO schema_version (version) VALUES (99) RETURNING version"));
    size_t n1;
    char *before = slurp_file(f->path, &n1);
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(f->path, STORE_READ_WRITE, &st, &err), RS_ERR_DB);
    assert_null(st);
    assert_non_null(strstr(err.msg, "newer reelsync"));
    assert_non_null(strstr(err.msg, "schema version 99"));
    assert_file_holds(f->path, before, n1);
    free(before);
}

/* A DuckDB file of another program's with a table named like ours is refused, untouched. */
static void foreign_database_untouched(void **state)
{
    struct fx *f = *state;
    char *other = path_join(f->dir, "theirs.duckdb");
    free(peek(other, "CREATE TABLE movies (x INTEGER); INSERT INTO movies VALUES (7)"));
    for (int ro = 0; ro < 2; ro++) {
        struct store *st = NULL;
        struct rs_error err = {0};
        assert_int_equal(store_open(other, ro ? STORE_READ_ONLY : STORE_READ_WRITE, &st, &err),
                         RS_ERR_DB);
        assert_null(st);
        char want[512];
        snprintf(want, sizeof(want),
                 "cannot open '%s': not a reelsync database, yet it has tables named like ours: "
                 "movies (left untouched; give another --db path)",
                 other);
        assert_memory_equal(err.msg, want, strlen(want));
    }
    assert_peek(other, "SELECT count(*) FROM information_schema.tables", "1");
    assert_peek(other, "SELECT count(*) FROM duckdb_sequences()", "0");
    assert_peek(other, "SELECT string_agg(x::VARCHAR, ',') FROM movies", "7");
    free(other);
}

/* Migration 1 failing halfway (a sequence of that name exists) leaves nothing of it behind:
 * the tables it created before the failure and its schema_version row go with the rollback. */
static void failed_migration_rolls_back(void **state)
{
    struct fx *f = *state;
    char *other = path_join(f->dir, "half.duckdb");
    free(peek(other, "CREATE SEQUENCE runs_id_seq"));
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(other, STORE_READ_WRITE, &st, &err), RS_ERR_DB);
    assert_null(st);
    assert_non_null(strstr(err.msg, "migration"));
    assert_peek(other, "SELECT count(*) FROM information_schema.tables", "0");
    assert_peek(other, "SELECT string_agg(sequence_name, ',') FROM duckdb_sequences()",
                "runs_id_seq");
    free(other);
}

/* Stores T and O (Inception, as tmdb_id 27205) in F's file and closes it. */
static void store_and_close(struct fx *f, const struct tmdb_row *t, const struct omdb_row *o)
{
    bool changed = false;
    OK(put_tmdb(f->st, t, NOW, &changed, E));
    OK(put_omdb(f->st, 27205, o, NOW, &changed, E));
    store_close(f->st);
    f->st = NULL;
}

/*
 * A database of the previous schema (version 3: what migrations 1 to 3 made, with data) is
 * brought forward: the history tables are created empty, the comments added, nothing lost,
 * and the next refresh writes history.
 */
static void from_version_3(void **state)
{
    struct fx *f = *state;
    struct tmdb_row t = tmdb_row(27205, "tt1375666", 14806);
    struct omdb_row o = omdb_row("tt1375666");
    bool changed = false;
    store_and_close(f, &t, &o);
    /* take the file back to version 3: no history, parts or feed tables, no comments */
    db_exec(f->path,
            "DROP TABLE observations; DROP TABLE change_log; DROP TABLE movie_events;"
            " DROP TABLE run_failures; DROP TABLE movie_credits; DROP TABLE"
            " movie_keywords; DROP TABLE release_dates; DROP TABLE feed_changes;" DROP_DIGESTS
            " DELETE FROM schema_version WHERE version >= 4;"
            " COMMENT ON TABLE movies IS NULL; COMMENT ON COLUMN movies.title IS NULL;"
            " UPDATE movies SET tmdb_fingerprint = 7");
    assert_peek(f->path, "SELECT count(*) FROM duckdb_tables() WHERE comment IS NOT NULL", "7");
    char *before = peek(f->path, "SELECT md5(concat((SELECT string_agg(m::VARCHAR, '|') FROM "
                                 "movies m), (SELECT string_agg(t::VARCHAR, '|') FROM "
                                 "tmdb_movies t), (SELECT string_agg(o::VARCHAR, '|') FROM "
                                 "omdb_movies o)))");
    /* a reader (stats, query, ...) brings it forward too: read-write for the upgrade */
    upgrade(f, STORE_READ_ONLY);
    assert_peek(f->path,
                "SELECT md5(concat((SELECT string_agg(m::VARCHAR, '|') FROM movies m), (SELECT "
                "string_agg(t::VARCHAR, '|') FROM (SELECT * EXCLUDE (credits_digest,"
                " keywords_digest, release_dates_digest) FROM tmdb_movies) t), (SELECT "
                "string_agg(o::VARCHAR, '|') FROM omdb_movies o)))",
                before);
    /* rows stored before schema 7: their parts' digests are not known */
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies WHERE credits_digest IS NULL", "1");
    free(before);
    assert_peek(f->path,
                "SELECT (SELECT count(*) FROM observations) + (SELECT count(*) FROM change_log) +"
                " (SELECT count(*) FROM movie_events) + (SELECT count(*) FROM run_failures)",
                "0");
    assert_peek(f->path,
                "SELECT comment FROM duckdb_columns() WHERE table_name = 'movies' AND "
                "column_name = 'title'",
                "Title, from discovery or the TMDB details.");
    /* the next refresh compares with the stored rows: one change logged */
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    t.runtime = RS_I64(149);
    OK(put_tmdb(f->st, &t, NOW + DAY, &changed, E));
    assert_true(changed);
    OK(put_omdb(f->st, 27205, &o, NOW + DAY, &changed, E));
    assert_false(changed);
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT concat_ws('|', field, old_value, new_value) FROM change_log",
                "runtime|148|149");
    assert_peek(f->path, "SELECT count(*) FROM observations", "2");
    assert_peek(f->path, "SELECT tmdb_fingerprint FROM movies", "7"); /* left alone, unused */
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
}

/*
 * A database of schema 7, whose tmdb_movies and omdb_movies have their PRIMARY KEY (added back
 * here with ALTER TABLE, which keeps the rows and comments), is brought to 8: the tables are
 * rebuilt without the key, every row, column and comment kept, and the next refresh replaces
 * the rows instead of adding to them.
 */
static void keys_dropped_from_version_7(void **state)
{
    struct fx *f = *state;
    struct tmdb_row t = tmdb_row(27205, "tt1375666", 14806);
    struct omdb_row o = omdb_row("tt1375666");
    bool changed = false;
    store_and_close(f, &t, &o);
    db_exec(f->path, "ALTER TABLE tmdb_movies ADD PRIMARY KEY (tmdb_id);"
                     " ALTER TABLE omdb_movies ADD PRIMARY KEY (imdb_id);"
                     " DELETE FROM schema_version WHERE version >= 8");
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
                " AND table_name IN ('tmdb_movies', 'omdb_movies')",
                "2");
    static const char rows[] =
        "SELECT md5(concat((SELECT string_agg(t::VARCHAR, '|') FROM tmdb_movies t), (SELECT "
        "string_agg(o::VARCHAR, '|') FROM omdb_movies o), (SELECT string_agg(concat_ws('.',"
        " table_name, column_name, data_type, comment), '|' ORDER BY table_name, column_index)"
        " FROM duckdb_columns() WHERE table_name IN ('tmdb_movies', 'omdb_movies'))))";
    char *before = peek(f->path, rows);
    upgrade(f, STORE_READ_WRITE);
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_constraints() WHERE table_name IN ('tmdb_movies',"
                " 'omdb_movies') AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')",
                "0");
    assert_peek(f->path, rows, before);
    free(before);
    assert_peek(f->path,
                "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('tmdb_movies',"
                " 'omdb_movies') AND comment LIKE '%no key index%'",
                "2");
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    t.runtime = RS_I64(149);
    OK(put_tmdb(f->st, &t, NOW + DAY, &changed, E));
    OK(put_omdb(f->st, 27205, &o, NOW + DAY, &changed, E));
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path,
                "SELECT (SELECT count(*) || ' ' || any_value(runtime) FROM tmdb_movies) || ' ' ||"
                " (SELECT count(*) FROM omdb_movies)",
                "1 149 1");
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(schema_matches_spec, setup, teardown),
        cmocka_unit_test_setup_teardown(parts_tables_from_version_4, setup, teardown),
        cmocka_unit_test_setup_teardown(newer_version_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_database_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_migration_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(from_version_3, setup, teardown),
        cmocka_unit_test_setup_teardown(keys_dropped_from_version_7, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
