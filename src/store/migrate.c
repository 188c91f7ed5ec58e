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
     * 4: history (observations, change_log, movie_events, run_failures; docs/schema.md) and
     * a COMMENT ON every table and column. movies.*_fingerprint stay, unused.
     */
    ("CREATE TABLE observations (tmdb_id INTEGER NOT NULL, api VARCHAR NOT NULL,"
     " observed_at TIMESTAMP NOT NULL, vote_count INTEGER, vote_average DOUBLE,"
     " popularity DOUBLE, revenue BIGINT, budget BIGINT, imdb_rating DOUBLE,"
     " imdb_votes INTEGER, metacritic INTEGER, rotten_tomatoes INTEGER, box_office BIGINT);"
     "CREATE TABLE change_log (tmdb_id INTEGER NOT NULL, api VARCHAR NOT NULL,"
     " field VARCHAR NOT NULL, old_value VARCHAR, new_value VARCHAR,"
     " changed_at TIMESTAMP NOT NULL, run_id BIGINT);"
     "CREATE TABLE movie_events (tmdb_id INTEGER NOT NULL, event VARCHAR NOT NULL,"
     " event_at TIMESTAMP NOT NULL, run_id BIGINT, reason VARCHAR);"
     "CREATE TABLE run_failures (run_id BIGINT NOT NULL, tmdb_id INTEGER NOT NULL,"
     " api VARCHAR NOT NULL, error_class VARCHAR NOT NULL, failed_at TIMESTAMP NOT NULL);"
     "COMMENT ON TABLE movies IS 'One row per movie reelsync knows, with its tracking stamps.';"
     "COMMENT ON COLUMN movies.movie_id IS 'reelsync''s own id.';"
     "COMMENT ON COLUMN movies.tmdb_id IS 'TMDB''s id of the movie.';"
     "COMMENT ON COLUMN movies.imdb_id IS 'IMDb id, from the TMDB details; NULL until known.';"
     "COMMENT ON COLUMN movies.title IS 'Title, from discovery or the TMDB details.';"
     "COMMENT ON COLUMN movies.release_date IS 'Release date the refresh policy ages the movie "
     "by.';"
     "COMMENT ON COLUMN movies.last_tmdb_update IS 'When TMDB details were last stored (UTC).';"
     "COMMENT ON COLUMN movies.last_omdb_update IS 'When an OMDB record was last stored (UTC).';"
     "COMMENT ON COLUMN movies.last_full_refresh IS 'Last refresh that stored both APIs (UTC).';"
     "COMMENT ON COLUMN movies.data_frozen IS 'Frozen: skipped by the refresh until unfrozen "
     "(movie_events says when).';"
     "COMMENT ON COLUMN movies.created_at IS 'When the row was created (UTC).';"
     "COMMENT ON COLUMN movies.updated_at IS 'When the row was last written (UTC).';"
     "COMMENT ON COLUMN movies.omdb_not_found_at IS 'Last time OMDB had no record for the IMDb id "
     "(UTC).';"
     "COMMENT ON COLUMN movies.tmdb_gone_at IS 'TMDB answered 404: out of planning until "
     "discovered again (UTC).';"
     "COMMENT ON COLUMN movies.stable_cycles IS 'Refreshes in a row that changed nothing (no "
     "change_log row).';"
     "COMMENT ON COLUMN movies.data_changed_at IS 'When a refresh last found changed data (UTC).';"
     "COMMENT ON COLUMN movies.tmdb_fingerprint IS 'Unused since schema 4 (change_log decides what "
     "changed); last written by schema 3.';"
     "COMMENT ON COLUMN movies.omdb_fingerprint IS 'Unused since schema 4 (change_log decides what "
     "changed); last written by schema 3.';"
     "COMMENT ON TABLE tmdb_movies IS 'The TMDB details of a movie, one row per tmdb_id, as of the "
     "last fetch.';"
     "COMMENT ON COLUMN tmdb_movies.tmdb_id IS 'TMDB id.';"
     "COMMENT ON COLUMN tmdb_movies.imdb_id IS 'IMDb id.';"
     "COMMENT ON COLUMN tmdb_movies.title IS 'Title.';"
     "COMMENT ON COLUMN tmdb_movies.original_title IS 'Title in the original language.';"
     "COMMENT ON COLUMN tmdb_movies.overview IS 'Plot summary.';"
     "COMMENT ON COLUMN tmdb_movies.tagline IS 'Tagline.';"
     "COMMENT ON COLUMN tmdb_movies.release_date IS 'Primary release date.';"
     "COMMENT ON COLUMN tmdb_movies.runtime IS 'Runtime in minutes (NULL for 0).';"
     "COMMENT ON COLUMN tmdb_movies.budget IS 'Budget in US dollars, as given.';"
     "COMMENT ON COLUMN tmdb_movies.revenue IS 'Revenue in US dollars, as given.';"
     "COMMENT ON COLUMN tmdb_movies.genres IS 'Genre names.';"
     "COMMENT ON COLUMN tmdb_movies.production_companies IS 'Production company names.';"
     "COMMENT ON COLUMN tmdb_movies.vote_average IS 'Average TMDB user vote (0-10).';"
     "COMMENT ON COLUMN tmdb_movies.vote_count IS 'Number of TMDB user votes.';"
     "COMMENT ON COLUMN tmdb_movies.popularity IS 'TMDB popularity score.';"
     "COMMENT ON COLUMN tmdb_movies.status IS 'Release status (Rumored, Planned, In Production, "
     "Post Production, Released, Canceled).';"
     "COMMENT ON COLUMN tmdb_movies.original_language IS 'ISO 639-1 code of the original "
     "language.';"
     "COMMENT ON COLUMN tmdb_movies.adult IS 'Adult film.';"
     "COMMENT ON COLUMN tmdb_movies.raw IS 'The TMDB answer as received (JSON).';"
     "COMMENT ON COLUMN tmdb_movies.fetched_at IS 'When the details were fetched (UTC).';"
     "COMMENT ON TABLE omdb_movies IS 'The OMDB record of a movie, one row per imdb_id (join "
     "movies on imdb_id), as of the last fetch.';"
     "COMMENT ON COLUMN omdb_movies.imdb_id IS 'IMDb id.';"
     "COMMENT ON COLUMN omdb_movies.title IS 'Title.';"
     "COMMENT ON COLUMN omdb_movies.year IS 'Year, as OMDB gives it (may be a range).';"
     "COMMENT ON COLUMN omdb_movies.rated IS 'Certification (MPAA rating).';"
     "COMMENT ON COLUMN omdb_movies.released IS 'Release date.';"
     "COMMENT ON COLUMN omdb_movies.runtime_minutes IS 'Runtime in minutes (NULL for 0).';"
     "COMMENT ON COLUMN omdb_movies.genre IS 'Genres, comma separated.';"
     "COMMENT ON COLUMN omdb_movies.director IS 'Directors, comma separated.';"
     "COMMENT ON COLUMN omdb_movies.writer IS 'Writers, comma separated.';"
     "COMMENT ON COLUMN omdb_movies.actors IS 'Main actors, comma separated.';"
     "COMMENT ON COLUMN omdb_movies.language IS 'Languages, comma separated.';"
     "COMMENT ON COLUMN omdb_movies.country IS 'Countries, comma separated.';"
     "COMMENT ON COLUMN omdb_movies.awards IS 'Awards summary.';"
     "COMMENT ON COLUMN omdb_movies.imdb_rating IS 'IMDb user rating (0-10).';"
     "COMMENT ON COLUMN omdb_movies.imdb_votes IS 'Number of IMDb user votes.';"
     "COMMENT ON COLUMN omdb_movies.rotten_tomatoes IS 'Rotten Tomatoes score in percent.';"
     "COMMENT ON COLUMN omdb_movies.metacritic IS 'Metacritic score (0-100).';"
     "COMMENT ON COLUMN omdb_movies.box_office IS 'US box office in dollars.';"
     "COMMENT ON COLUMN omdb_movies.raw IS 'The OMDB answer as received (JSON).';"
     "COMMENT ON COLUMN omdb_movies.fetched_at IS 'When the record was fetched (UTC).';"
     "COMMENT ON TABLE api_usage IS 'Requests per UTC day, API and outcome: what stats and the "
     "daily limits read.';"
     "COMMENT ON COLUMN api_usage.day IS 'UTC day.';"
     "COMMENT ON COLUMN api_usage.api IS 'tmdb or omdb.';"
     "COMMENT ON COLUMN api_usage.outcome IS 'ok or an error class (network, timeout, "
     "rate_limited, server_error, not_found, auth, bad_response, quota_exhausted).';"
     "COMMENT ON COLUMN api_usage.count IS 'Requests.';"
     "COMMENT ON TABLE runs IS 'One row per collect run.';"
     "COMMENT ON COLUMN runs.id IS 'Run id (change_log, movie_events and run_failures refer to "
     "it).';"
     "COMMENT ON COLUMN runs.started_at IS 'Start (UTC; under --now, the given time).';"
     "COMMENT ON COLUMN runs.ended_at IS 'End (UTC; the start plus the time the run took).';"
     "COMMENT ON COLUMN runs.options IS 'The options of the run (JSON).';"
     "COMMENT ON COLUMN runs.stats IS 'What collect --json printed, result included (JSON).';"
     "COMMENT ON COLUMN runs.exit_status IS 'Exit status of the run (128+N when interrupted).';"
     "COMMENT ON TABLE store_state IS 'The store''s own numbers.';"
     "COMMENT ON COLUMN store_state.name IS 'What the number is (e.g. the size after the last "
     "compaction).';"
     "COMMENT ON COLUMN store_state.value IS 'The number.';"
     "COMMENT ON TABLE discovery_gaps IS 'Years whose discovery missed pages, asked again by the "
     "next collect.';"
     "COMMENT ON COLUMN discovery_gaps.year IS 'Release year.';"
     "COMMENT ON COLUMN discovery_gaps.pages_missing IS 'Pages missing after their retries (NULL: "
     "a first page failed, count unknown).';"
     "COMMENT ON COLUMN discovery_gaps.recorded_at IS 'When the gap was recorded (UTC).';"
     "COMMENT ON TABLE schema_version IS 'The migrations applied to this file.';"
     "COMMENT ON COLUMN schema_version.version IS 'Migration number.';"
     "COMMENT ON COLUMN schema_version.applied_at IS 'When it was applied (UTC).';"
     "COMMENT ON TABLE observations IS 'One row per successful fetch of a movie from an API: the "
     "values that drift, as a series (TMDB rows fill the TMDB columns, OMDB rows the OMDB ones).';"
     "COMMENT ON COLUMN observations.tmdb_id IS 'TMDB id of the movie.';"
     "COMMENT ON COLUMN observations.api IS 'tmdb or omdb.';"
     "COMMENT ON COLUMN observations.observed_at IS 'When the answer was stored (UTC).';"
     "COMMENT ON COLUMN observations.vote_count IS 'TMDB vote count.';"
     "COMMENT ON COLUMN observations.vote_average IS 'TMDB vote average.';"
     "COMMENT ON COLUMN observations.popularity IS 'TMDB popularity.';"
     "COMMENT ON COLUMN observations.revenue IS 'TMDB revenue in US dollars.';"
     "COMMENT ON COLUMN observations.budget IS 'TMDB budget in US dollars.';"
     "COMMENT ON COLUMN observations.imdb_rating IS 'OMDB IMDb rating.';"
     "COMMENT ON COLUMN observations.imdb_votes IS 'OMDB IMDb vote count.';"
     "COMMENT ON COLUMN observations.metacritic IS 'OMDB Metacritic score.';"
     "COMMENT ON COLUMN observations.rotten_tomatoes IS 'OMDB Rotten Tomatoes percent.';"
     "COMMENT ON COLUMN observations.box_office IS 'OMDB box office in US dollars.';"
     "COMMENT ON TABLE change_log IS 'One row per stored field a refresh found different from the "
     "stored value (none on a first fetch; not the drifting counters vote_count, vote_average, "
     "popularity, imdb_votes).';"
     "COMMENT ON COLUMN change_log.tmdb_id IS 'TMDB id of the movie.';"
     "COMMENT ON COLUMN change_log.api IS 'tmdb or omdb.';"
     "COMMENT ON COLUMN change_log.field IS 'Column name in tmdb_movies or omdb_movies.';"
     "COMMENT ON COLUMN change_log.old_value IS 'The stored value before, as text (NULL: none).';"
     "COMMENT ON COLUMN change_log.new_value IS 'The value the refresh stored, as text (NULL: "
     "none).';"
     "COMMENT ON COLUMN change_log.changed_at IS 'When the refresh stored it (UTC).';"
     "COMMENT ON COLUMN change_log.run_id IS 'runs.id of the collect that stored it (NULL outside "
     "a run).';"
     "COMMENT ON TABLE movie_events IS 'When a movie was frozen, thawed or unfrozen.';"
     "COMMENT ON COLUMN movie_events.tmdb_id IS 'TMDB id of the movie.';"
     "COMMENT ON COLUMN movie_events.event IS 'frozen, thawed or unfrozen.';"
     "COMMENT ON COLUMN movie_events.event_at IS 'When (UTC).';"
     "COMMENT ON COLUMN movie_events.run_id IS 'runs.id of the collect that did it (NULL outside a "
     "run, e.g. reelsync unfreeze).';"
     "COMMENT ON COLUMN movie_events.reason IS 'Why, in words.';"
     "COMMENT ON TABLE run_failures IS 'The movies a collect run failed to fetch after retries, "
     "with the error class.';"
     "COMMENT ON COLUMN run_failures.run_id IS 'runs.id.';"
     "COMMENT ON COLUMN run_failures.tmdb_id IS 'TMDB id of the movie.';"
     "COMMENT ON COLUMN run_failures.api IS 'tmdb or omdb.';"
     "COMMENT ON COLUMN run_failures.error_class IS 'Error class of the last attempt (network,"
     " timeout, rate_limited, server_error, auth, bad_response, ...).';"
     "COMMENT ON COLUMN run_failures.failed_at IS 'When the run recorded it: its end (UTC).';"),
    /* 5: the TMDB parts asked with append_to_response (parts.c) */
    ("CREATE TABLE movie_credits (tmdb_id INTEGER NOT NULL, person_id INTEGER NOT NULL,"
     " name VARCHAR, role VARCHAR NOT NULL, job VARCHAR, character VARCHAR, ord INTEGER);"
     "CREATE TABLE movie_keywords (tmdb_id INTEGER NOT NULL, keyword_id INTEGER NOT NULL,"
     " name VARCHAR);"
     "CREATE TABLE release_dates (tmdb_id INTEGER NOT NULL, country VARCHAR NOT NULL,"
     " type INTEGER, release_date DATE, certification VARCHAR, note VARCHAR);"
     "COMMENT ON TABLE movie_credits IS 'Top-billed cast (the 20 of lowest TMDB order), directors"
     " and writers of a movie, from the credits appended to its TMDB details; replaced on each"
     " TMDB fetch';"
     "COMMENT ON COLUMN movie_credits.tmdb_id IS 'The movie (tmdb_movies.tmdb_id)';"
     "COMMENT ON COLUMN movie_credits.person_id IS 'TMDB person id (the same person in every"
     " movie)';"
     "COMMENT ON COLUMN movie_credits.name IS 'The person''s name as TMDB gives it';"
     "COMMENT ON COLUMN movie_credits.role IS 'cast, director (crew job Director) or writer"
     " (crew department Writing)';"
     "COMMENT ON COLUMN movie_credits.job IS 'TMDB crew job (Director, Screenplay, Writer,"
     " Story, Novel, ...); NULL for cast';"
     "COMMENT ON COLUMN movie_credits.character IS 'The character played (cast); NULL when TMDB"
     " has none, and for crew';"
     "COMMENT ON COLUMN movie_credits.ord IS 'Billing order (TMDB cast order, 0 = top billed);"
     " NULL for crew';"
     "COMMENT ON TABLE movie_keywords IS 'TMDB keywords of a movie, from the keywords appended to"
     " its TMDB details; replaced on each TMDB fetch';"
     "COMMENT ON COLUMN movie_keywords.tmdb_id IS 'The movie (tmdb_movies.tmdb_id)';"
     "COMMENT ON COLUMN movie_keywords.keyword_id IS 'TMDB keyword id';"
     "COMMENT ON COLUMN movie_keywords.name IS 'The keyword as TMDB gives it';"
     "COMMENT ON TABLE release_dates IS 'Release dates of a movie per country and type, from the"
     " release_dates appended to its TMDB details; replaced on each TMDB fetch';"
     "COMMENT ON COLUMN release_dates.tmdb_id IS 'The movie (tmdb_movies.tmdb_id)';"
     "COMMENT ON COLUMN release_dates.country IS 'ISO 3166-1 country code (US, GB, ...)';"
     "COMMENT ON COLUMN release_dates.type IS 'TMDB release type: 1 premiere, 2 limited"
     " theatrical, 3 theatrical, 4 digital, 5 physical, 6 TV';"
     "COMMENT ON COLUMN release_dates.release_date IS 'The day of the release (UTC)';"
     "COMMENT ON COLUMN release_dates.certification IS 'Age rating in that country as TMDB"
     " gives it (PG-13, 12A, ...); NULL when none';"
     "COMMENT ON COLUMN release_dates.note IS 'TMDB''s note on the release (a festival, a"
     " format); NULL when none';"),
    /* 6: the movies TMDB's change feed reported, a row per movie and day (feed.c) */
    ("CREATE TABLE feed_changes (tmdb_id INTEGER NOT NULL, day DATE NOT NULL,"
     " noted_at TIMESTAMP NOT NULL, PRIMARY KEY (tmdb_id, day));"
     "COMMENT ON TABLE feed_changes IS 'The known movies TMDB''s change feed reported, one row "
     "per movie and day (policy adaptive).';"
     "COMMENT ON COLUMN feed_changes.tmdb_id IS 'TMDB id of the movie.';"
     "COMMENT ON COLUMN feed_changes.day IS 'The day TMDB says it changed.';"
     "COMMENT ON COLUMN feed_changes.noted_at IS 'When a run first read it (UTC); after the "
     "movie''s last_tmdb_update, the movie is due for TMDB.';"),
    /* 7: each part's digest, so a refresh reads a part's table only where it changed (parts.c) */
    ("ALTER TABLE tmdb_movies ADD COLUMN credits_digest UBIGINT;"
     "ALTER TABLE tmdb_movies ADD COLUMN keywords_digest UBIGINT;"
     "ALTER TABLE tmdb_movies ADD COLUMN release_dates_digest UBIGINT;"
     "COMMENT ON COLUMN tmdb_movies.credits_digest IS 'A 64-bit digest of the movie''s"
     " movie_credits rows as stored, for the refresh to leave an unchanged set unread; NULL:"
     " not known (stored before schema 7).';"
     "COMMENT ON COLUMN tmdb_movies.keywords_digest IS 'A 64-bit digest of the movie''s"
     " movie_keywords rows as stored; NULL: not known.';"
     "COMMENT ON COLUMN tmdb_movies.release_dates_digest IS 'A 64-bit digest of the movie''s"
     " release_dates rows as stored; NULL: not known.';"),
    /*
     * 8: tmdb_movies and omdb_movies without their PRIMARY KEY (the tables are rebuilt first,
     * in migrate_one: DuckDB cannot drop a constraint). DuckDB loads a key's whole ART index
     * into its memory on first use and never evicts it: 58 MB of a writer's memory at a
     * million movies, for keys the batches already keep unique (batch.c).
     */
    ("COMMENT ON TABLE tmdb_movies IS 'The TMDB details of a movie, one row per tmdb_id, as of"
     " the last fetch (kept so by reelsync: no key index, see docs/schema.md).';"
     "COMMENT ON TABLE omdb_movies IS 'The OMDB record of a movie, one row per imdb_id (join"
     " movies on imdb_id), as of the last fetch (kept so by reelsync: no key index).';"),
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

/*
 * Applies migration number V (1-based) and records it, in one transaction committed into the
 * file (store_commit_schema), so that a run killed at any moment leaves a file every DuckDB
 * opens.
 */
static enum rs_err migrate_one(struct store *st, int v, struct rs_error *err)
{
    enum rs_err rc = store_begin(st, err);
    if (rc)
        return rc;
    if (v == 1)
        rc = sql_exec(st,
                      "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                      "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
                      "migration", err);
    if (rc == RS_OK && v == 8) {
        sql_forget(st); /* cached statements name the tables about to be replaced */
        rc = store_rebuild_table(st, "tmdb_movies", true, err);
        if (rc == RS_OK)
            rc = store_rebuild_table(st, "omdb_movies", true, err);
    }
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
    if (rc) {
        store_rollback(st);
        return rc;
    }
    return store_commit_schema(st, err);
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
    st->schema_behind = version < SCHEMA_VERSION && st->read_only;
    if (st->schema_behind)
        return rs_fail(err, RS_ERR_DB,
                       "cannot open '%s' read-only: its schema (version %d) needs an upgrade "
                       "to %d; open it once read-write",
                       path, version, SCHEMA_VERSION);
    for (int v = version + 1; rc == RS_OK && v <= SCHEMA_VERSION; v++)
        rc = migrate_one(st, v, err);
    return rc;
}
