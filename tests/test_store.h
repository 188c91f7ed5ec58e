/*
 * What the tests of the store (tests/test_store_*.c, one per file of src/store/) share: a
 * fresh database per test, the OK() check, a direct look at the file through DuckDB, sample
 * TMDB and OMDB rows, and the refresh writes as a collect makes them, in batches (here of
 * one movie). Header-only: every function is static inline, so a test uses what it needs.
 */
#ifndef RS_TEST_STORE_H
#define RS_TEST_STORE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <duckdb.h>

#include "test.h"

#include "reelsync/refresh.h"
#include "reelsync/store.h"

#define DAY RS_DAY_SECONDS
static const rs_date_t TODAY = 20000;               /* 2024-10-04 */
static const rs_time_t NOW = 20000LL * DAY + 43200; /* 2024-10-04T12:00:00Z */

/* Each test's state: a temporary directory with t.duckdb, open read-write. */
struct fx {
    char *dir;
    char *path;
    struct store *st;
};

static inline int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = tmpdir_create();
    f->path = path_join(f->dir, "t.duckdb");
    struct rs_error err = {0};
    if (store_open(f->path, STORE_READ_WRITE, &f->st, &err) != RS_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    free(f->path);
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* Fails the test unless CALL returns RS_OK; CALL passes E as its struct rs_error *. */
#define OK(call)                                                                                   \
    do {                                                                                           \
        struct rs_error e_ = {0};                                                                  \
        enum rs_err rc_ = (call);                                                                  \
        if (rc_ != RS_OK)                                                                          \
            fail_msg("%s: %s (%s)", #call, rs_errname(rc_), e_.msg);                               \
    } while (0)
#define E (&e_)

/* Runs SQL on the closed store's file with DuckDB directly; returns the first value as text
 * ("NULL", or "<none>" when no row). */
static inline char *peek(const char *path, const char *sql)
{
    duckdb_database db;
    duckdb_connection con;
    duckdb_result res;
    assert_int_equal(duckdb_open(path, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    if (duckdb_query(con, sql, &res) != DuckDBSuccess)
        fail_msg("%s: %s", sql, duckdb_result_error(&res));
    char *out = NULL;
    if (duckdb_row_count(&res) > 0) {
        char *v = duckdb_value_varchar(&res, 0, 0);
        out = strdup(v ? v : "NULL");
        duckdb_free(v);
    } else {
        out = strdup("<none>");
    }
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    return out;
}

static inline void assert_peek(const char *path, const char *sql, const char *want)
{
    char *got = peek(path, sql);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', want '%s'", sql, got, want);
    free(got);
}

/* The stored movie TMDB_ID (release it); fails the test when there is none. */
static inline struct store_movie get(struct store *st, int64_t tmdb_id)
{
    struct store_movie m = {0};
    bool found = false;
    OK(store_get_movie(st, tmdb_id, &m, &found, E));
    if (!found)
        fail_msg("movie %lld not found", (long long)tmdb_id);
    return m;
}

/* A movies row to give store_bulk_insert_movies (every other column zero or NULL). */
static inline struct store_movie mv(int64_t id, struct rs_i64 release, struct rs_i64 last_tmdb,
                                    struct rs_i64 last_omdb, const char *imdb)
{
    return (struct store_movie){.tmdb_id = id,
                                .imdb_id = (char *)imdb,
                                .title = "T",
                                .release_date = release,
                                .last_tmdb_update = last_tmdb,
                                .last_omdb_update = last_omdb};
}

/* Inception's TMDB details, as movie ID with IMDB and RELEASE. */
static inline struct tmdb_row tmdb_row(int64_t id, const char *imdb, rs_date_t release)
{
    static char *genres[] = {"Action", "Science Fiction"};
    static char *companies[] = {"Legendary Pictures"};
    return (struct tmdb_row){.tmdb_id = id,
                             .imdb_id = (char *)imdb,
                             .title = "Inception",
                             .original_title = "Inception",
                             .overview = "Dreams.",
                             .release_date = RS_I64(release),
                             .runtime = RS_I64(148),
                             .budget = RS_I64(160000000),
                             .revenue = RS_I64(0),
                             .genres = genres,
                             .n_genres = 2,
                             .production_companies = companies,
                             .n_production_companies = 1,
                             .vote_average = RS_F64(8.4),
                             .vote_count = RS_I64(35000),
                             .popularity = RS_F64(90.5),
                             .status = "Released",
                             .original_language = "en",
                             .adult = RS_I64(0),
                             .raw = "{\"id\":27205}",
                             .raw_len = 12};
}

/* Inception's OMDB record, under IMDB. */
static inline struct omdb_row omdb_row(const char *imdb)
{
    return (struct omdb_row){.imdb_id = (char *)imdb,
                             .title = "Inception",
                             .year = "2010",
                             .rated = "PG-13",
                             .released = RS_I64(14806),
                             .runtime_minutes = RS_I64(148),
                             .genre = "Action, Sci-Fi",
                             .imdb_rating = RS_F64(8.8),
                             .imdb_votes = RS_I64(2345678),
                             .rotten_tomatoes = RS_I64(87),
                             .metacritic = RS_I64(74),
                             .box_office = RS_I64(292587330),
                             .raw = "{\"Response\":\"True\"}",
                             .raw_len = 19};
}

/* The refresh writes of one movie: batches of one, the path a collect takes. */
static inline enum rs_err put_tmdb(struct store *st, const struct tmdb_row *row, rs_time_t now,
                                   bool *changed, struct rs_error *err)
{
    return store_put_tmdb_batch(st, row, 1, now, changed, err);
}

static inline enum rs_err put_omdb(struct store *st, int64_t tmdb_id, const struct omdb_row *row,
                                   rs_time_t now, bool *changed, struct rs_error *err)
{
    return store_put_omdb_batch(st, &tmdb_id, row, 1, now, changed, err);
}

static inline enum rs_err finish(struct store *st, int64_t tmdb_id, bool changed, bool both,
                                 rs_time_t now, bool *frozen, struct rs_error *err)
{
    return store_finish_refresh_batch(st, &tmdb_id, &changed, &both, 1, now, frozen, err);
}

#endif
