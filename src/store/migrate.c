/*
 * The schema: numbered migrations (MIGRATIONS below, docs/schema.md) applied in order, each
 * in a transaction together with its schema_version row. A database whose version is newer
 * than this build knows, or another program's with tables named like ours, is refused
 * before anything is written.
 */
#include "store_int.h"

/* To change the schema, append a migration; never edit an applied one. */
static const char *const MIGRATIONS[] = {
    /* 1: the data tables (docs/schema.md), usage counters, runs, tracking columns */
    "CREATE SEQUENCE movies_movie_id_seq START 1;"
    "CREATE TABLE movies ("
    " movie_id INTEGER PRIMARY KEY DEFAULT nextval('movies_movie_id_seq'),"
    " tmdb_id INTEGER UNIQUE NOT NULL,"
    " imdb_id VARCHAR,"
    " title VARCHAR,"
    " release_date DATE,"
    " last_tmdb_update TIMESTAMP,"
    " last_omdb_update TIMESTAMP,"
    " last_full_refresh TIMESTAMP,"
    " data_frozen BOOLEAN NOT NULL DEFAULT FALSE,"
    " created_at TIMESTAMP,"
    " updated_at TIMESTAMP,"
    " omdb_not_found_at TIMESTAMP,"
    " tmdb_gone_at TIMESTAMP,"
    " stable_cycles INTEGER NOT NULL DEFAULT 0,"
    " data_changed_at TIMESTAMP,"
    " tmdb_fingerprint UBIGINT,"
    " omdb_fingerprint UBIGINT);"
    "CREATE TABLE tmdb_movies ("
    " tmdb_id INTEGER PRIMARY KEY,"
    " imdb_id VARCHAR, title VARCHAR, original_title VARCHAR, overview VARCHAR,"
    " tagline VARCHAR, release_date DATE, runtime INTEGER, budget BIGINT, revenue BIGINT,"
    " genres VARCHAR[], production_companies VARCHAR[], vote_average DOUBLE,"
    " vote_count INTEGER, popularity DOUBLE, status VARCHAR, original_language VARCHAR,"
    " adult BOOLEAN, raw JSON, fetched_at TIMESTAMP);"
    "CREATE TABLE omdb_movies ("
    " imdb_id VARCHAR PRIMARY KEY,"
    " title VARCHAR, year VARCHAR, rated VARCHAR, released DATE, runtime_minutes INTEGER,"
    " genre VARCHAR, director VARCHAR, writer VARCHAR, actors VARCHAR, language VARCHAR,"
    " country VARCHAR, awards VARCHAR, imdb_rating DOUBLE, imdb_votes INTEGER,"
    " rotten_tomatoes INTEGER, metacritic INTEGER, box_office BIGINT, raw JSON,"
    " fetched_at TIMESTAMP);"
    "CREATE TABLE api_usage ("
    " day DATE NOT NULL, api VARCHAR NOT NULL, outcome VARCHAR NOT NULL,"
    " count BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (day, api, outcome));"
    "CREATE SEQUENCE runs_id_seq START 1;"
    "CREATE TABLE runs ("
    " id BIGINT PRIMARY KEY DEFAULT nextval('runs_id_seq'),"
    " started_at TIMESTAMP NOT NULL, ended_at TIMESTAMP, options JSON, stats JSON,"
    " exit_status INTEGER);",
    /* 2: the store's own bookkeeping (the size after the last compaction) */
    "CREATE TABLE store_state (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL);",
    /* 3: the years whose discovery missed pages, asked again by the next run (discovery.c) */
    ("CREATE TABLE discovery_gaps (year INTEGER PRIMARY KEY, pages_missing INTEGER,"
     " recorded_at TIMESTAMP NOT NULL);"),
    /*
     * 6 (4 and 5 are the history's and the appended parts'; this branch predates their
     * merge): the movies TMDB's change feed reported, a row per movie and day (feed.c)
     */
    ("CREATE TABLE feed_changes (tmdb_id INTEGER NOT NULL, day DATE NOT NULL,"
     " noted_at TIMESTAMP NOT NULL, PRIMARY KEY (tmdb_id, day));"),
};
#define SCHEMA_VERSION ((int)RS_ARRAY_LEN(MIGRATIONS))

const char *store_duckdb_version(void)
{
    return duckdb_library_version();
}

int store_schema_version(void)
{
    return SCHEMA_VERSION;
}

/* The version recorded in the file: 0 for a new (empty) database. */
static enum rs_err read_version(struct store *st, int *version, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con,
                     "SELECT count(*) FROM information_schema.tables "
                     "WHERE table_catalog = current_database() AND table_schema = 'main' "
                     "AND table_name = 'schema_version'",
                     &res) != DuckDBSuccess)
        return sql_result_fail(err, "schema version", &res);
    struct cursor c = {.res = &res};
    int64_t has = cursor_next(&c) ? col_int(&c, 0) : 0;
    cursor_done(&c);
    if (!has) {
        *version = 0;
        return RS_OK;
    }
    if (duckdb_query(st->con, "SELECT coalesce(max(version), 0) FROM schema_version", &res) !=
        DuckDBSuccess)
        return sql_result_fail(err, "schema version", &res);
    c = (struct cursor){.res = &res};
    *version = cursor_next(&c) ? (int)col_int(&c, 0) : 0;
    cursor_done(&c);
    return RS_OK;
}

/*
 * A database without our schema_version that already holds a table of one of our names is
 * another program's: migration 1 would fail on it (and roll back), so say so plainly.
 */
static enum rs_err check_foreign(struct store *st, const char *path, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con,
                     "SELECT string_agg(table_name, ', ' ORDER BY table_name) FROM "
                     "information_schema.tables WHERE table_catalog = current_database() AND "
                     "table_schema = 'main' AND table_name IN "
                     "('movies', 'tmdb_movies', 'omdb_movies', 'api_usage', 'runs')",
                     &res) != DuckDBSuccess)
        return sql_result_fail(err, "schema version", &res);
    struct cursor c = {.res = &res};
    char names[160] = "";
    if (cursor_next(&c))
        col_copy(&c, 0, names, sizeof(names));
    cursor_done(&c);
    if (!names[0])
        return RS_OK;
    return rs_fail(err, RS_ERR_DB,
                   "cannot open '%s': not a reelsync database, yet it has tables named like "
                   "ours: %s (left untouched; give another --db path)",
                   path, names);
}

/* Applies migration number V (1-based) and records it, in one transaction. */
static enum rs_err migrate_one(struct store *st, int v, struct rs_error *err)
{
    bool own;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    if (v == 1)
        rc = sql_exec(st,
                      "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                      "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
                      "migration", err);
    if (rc == RS_OK)
        rc = sql_exec(st, MIGRATIONS[v - 1], "migration", err);
    duckdb_prepared_statement ps = NULL;
    if (rc == RS_OK)
        rc = sql_prepare(st, "INSERT INTO schema_version (version) VALUES ($1)", "migration", &ps,
                         err);
    if (rc == RS_OK) {
        duckdb_bind_int32(ps, 1, v);
        rc = sql_run(ps, NULL, "migration", err);
    }
    duckdb_destroy_prepare(&ps);
    return tx_leave(st, own, rc, err);
}

enum rs_err migrate_schema(struct store *st, const char *path, struct rs_error *err)
{
    int version = 0;
    enum rs_err rc = read_version(st, &version, err);
    if (rc)
        return rc;
    if (version > SCHEMA_VERSION)
        return rs_fail(err, RS_ERR_DB,
                       "cannot open '%s': written by a newer reelsync (schema version %d, this "
                       "build knows up to %d; left untouched: upgrade reelsync)",
                       path, version, SCHEMA_VERSION);
    if (version == 0 && (rc = check_foreign(st, path, err)) != RS_OK)
        return rc;
    if (version < SCHEMA_VERSION && st->read_only)
        return rs_fail(err, RS_ERR_DB,
                       "cannot open '%s' read-only: its schema (version %d) needs an upgrade "
                       "to %d; open it once read-write",
                       path, version, SCHEMA_VERSION);
    for (int v = version + 1; rc == RS_OK && v <= SCHEMA_VERSION; v++)
        rc = migrate_one(st, v, err);
    return rc;
}
