/*
 * The store's private header, shared by the files of src/store/ only (docs/internals/store.md):
 * struct store, the ids of its cached statements, and the helpers every file uses, from
 * sql.c (errors, statements, results, transactions) and bind.c (values into statements,
 * appenders and SQL literals). The files call these helpers, never each other's public
 * functions, except open.c, which calls migrate.c and the staging set-up of the writers.
 */
#ifndef RS_STORE_INT_H
#define RS_STORE_INT_H

#include <duckdb.h>
#include <sys/types.h>

#include "internal.h"
#include "reelsync/store.h"

#define US_PER_S 1000000LL

/* Cached prepared statements, one per write/read path (sql_stmt). */
enum stmt_id {
    S_DISC_NEW,
    S_DISC_UPSERT,
    S_DISC_CLEAR,
    S_GONE,
    S_OMDB_NF,
    S_PLAN,
    S_USAGE_ADD,
    S_USAGE_TOTAL,
    S_RUN_BEGIN,
    S_RUN_END,
    S_RUN_FAIL,
    S_GET_MOVIE,
    S_COUNT_MOVIES,
    S_MAX_TMDB_ID,
    S_TB_LOG,
    S_TB_STORED,
    S_TB_HIST,
    S_TB_OBS,
    S_TB_DEL,
    S_TB_INS,
    S_TB_UPD,
    S_TB_NEW,
    S_TB_CLEAR,
    S_OB_LOG,
    S_OB_STORED,
    S_OB_HIST,
    S_OB_OBS,
    S_OB_DEL,
    S_OB_INS,
    S_OB_UPD,
    S_OB_CLEAR,
    S_CH_CLEAR,
    S_CH_SEQS,
    S_FB_UPD,
    S_FB_READ,
    S_FB_FREEZE,
    S_FB_CLEAR,
    S_FB_THAWED,
    S_EV_ADD,

    S_COUNT
};

/* The parts appended to the TMDB details: credits, keywords, release dates (parts.c). */
#define STORE_PARTS 3

struct store {
    char *path; /* as given to store_open */
    duckdb_database db;
    duckdb_connection con;
    duckdb_prepared_statement ps[S_COUNT];
    bool in_tx;
    bool read_only;
    struct store_open_options lock; /* the wait of store_open_ext, again at store_take */
    bool let_go;                    /* the file is DETACHed (store_let_go) */
    bool schema_behind;             /* a read-only open found an older schema (migrate.c) */
    int64_t run_id; /* the collect run writing (store_run_begin), 0 outside one: history's run_id */
    struct refresh_schedule schedule; /* what planning binds (store_use_policy; the seed's) */
    int64_t memory_mb;                /* DuckDB's memory_limit (open.c) */
    int64_t export_piece;             /* movies a piece of the export joins; 0: EXPORT_PIECE */
    /* the TMDB batch's staged movies each part changed and kept (parts.c) */
    int64_t parts_changed[STORE_PARTS], parts_same[STORE_PARTS];
};

/* ---- open.c */

/*
 * After a read or a COPY outside a transaction ended with RC: true when RC is RS_ERR_NOMEM
 * (DuckDB's memory limit used up) and the limit was raised (store_grow_memory), so the same
 * work can be tried again; false otherwise (at the ceiling ERR says so).
 */
bool store_grew_for(struct store *st, enum rs_err rc, struct rs_error *err);

/* DuckDB's allocator gives freed pages back after DIRTY ms, for the whole process (allocator.c). */
void store_allocator_decay(ssize_t dirty);

/* Floor division (a timestamp's microseconds before 1970 to whole seconds). */
static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- sql.c: errors */

/*
 * RS_ERR_DB "database: WHAT: WHY"; RS_ERR_IO with what to do when the disk is full, RS_ERR_NOMEM
 * when DuckDB's memory limit is used up.
 */
enum rs_err sql_fail(struct rs_error *err, const char *what, const char *why);
/* Fails with the error of RES (IO errors as RS_ERR_IO) and destroys RES. */
enum rs_err sql_result_fail(struct rs_error *err, const char *what, duckdb_result *res);
/* Whether DuckDB's error text WHY (may be NULL) says the disk is full. */
bool sql_disk_full(const char *why);
/* Whether DuckDB's error text WHY (may be NULL) says its memory limit is used up. */
bool sql_out_of_memory(const char *why);

/* ---- sql.c: statements */

/* Runs SQL (fixed text, no values) and discards its result. */
enum rs_err sql_exec(struct store *st, const char *sql, const char *what, struct rs_error *err);
/* The cached statement ID, prepared from SQL on first use, with its bindings cleared. */
enum rs_err sql_stmt(struct store *st, enum stmt_id id, const char *sql,
                     duckdb_prepared_statement *out, struct rs_error *err);
/* Prepares SQL for a statement run once per call (not cached): destroy *PS after use. */
enum rs_err sql_prepare(struct store *st, const char *sql, const char *what,
                        duckdb_prepared_statement *ps, struct rs_error *err);
/* Destroys the cached statements; sql_stmt prepares them again on next use. */
void sql_forget(struct store *st);
/* Executes PS; RES (may be NULL: discarded) holds the result on success. */
enum rs_err sql_run(duckdb_prepared_statement ps, duckdb_result *res, const char *what,
                    struct rs_error *err);
/*
 * Executes PS with a streaming result in *RES: rows are made as cursor_next asks for them,
 * so a long result is never all in memory. Until cursor_end, nothing else may run on the
 * connection (DuckDB ends a streaming result at the next statement).
 */
enum rs_err sql_stream(duckdb_prepared_statement ps, duckdb_result *res, const char *what,
                       struct rs_error *err);
/* Runs PS and reads one BIGINT-like value from the first row (0 when no row). */
enum rs_err sql_query_int(duckdb_prepared_statement ps, int64_t *out, const char *what,
                          struct rs_error *err);

/* ---- sql.c: reading results */

/* Walks a result row by row over its chunks: `struct cursor c = {.res = &res};`. */
struct cursor {
    duckdb_result *res;
    duckdb_data_chunk chunk;
    idx_t row, size;
};
/* Moves to the next row; false at the end. */
bool cursor_next(struct cursor *c);
/* Releases the chunk and destroys the result. */
void cursor_done(struct cursor *c);
/* cursor_done, first failing with the error a streaming result met (sql_stream), if any. */
enum rs_err cursor_end(struct cursor *c, const char *what, struct rs_error *err);
/* An integer-like column: BOOLEAN, INTEGER, BIGINT, UBIGINT, DATE (days), TIMESTAMP (s). */
struct rs_i64 col_i64(struct cursor *c, idx_t col);
/* Likewise, 0 for NULL. */
int64_t col_int(struct cursor *c, idx_t col);
/* A DOUBLE column. */
struct rs_f64 col_f64(struct cursor *c, idx_t col);
/* A VARCHAR column as a malloc'd string (NULL for SQL NULL); *OOM set on allocation failure. */
char *col_str(struct cursor *c, idx_t col, bool *oom);
/* Copies a VARCHAR column into BUF (truncated at a UTF-8 boundary); "" for NULL. */
void col_copy(struct cursor *c, idx_t col, char *buf, size_t len);

/* ---- sql.c: transactions */

/* Refuses writes on a store opened STORE_READ_ONLY. */
enum rs_err tx_writable(struct store *st, struct rs_error *err);
/* Opens a transaction of our own when the caller has none; *OWN says whether we did. */
enum rs_err tx_enter(struct store *st, bool *own, struct rs_error *err);
/* Ends a transaction opened by tx_enter: commit when RC is RS_OK, else roll back. */
enum rs_err tx_leave(struct store *st, bool own, enum rs_err rc, struct rs_error *err);
/* Commits a schema change into the file itself, leaving none of it in the WAL. */
enum rs_err store_commit_schema(struct store *st, struct rs_error *err);

/* ---- bind.c: values into prepared statements (false when DuckDB refuses one) */

bool bind_str(duckdb_prepared_statement ps, idx_t i, const char *s); /* NULL: SQL NULL */
bool bind_ts(duckdb_prepared_statement ps, idx_t i, rs_time_t t);
/* The store's run id (NULL outside a run): the run_id of history's rows. */
bool bind_run_id(struct store *st, duckdb_prepared_statement ps, idx_t i);
/* The N values VALS (ids, microseconds, ...) as a BIGINT[] at I. */
bool bind_int64s(duckdb_prepared_statement ps, idx_t i, const int64_t *vals, size_t n);
/* The N values VALS as a DOUBLE[] at I. */
bool bind_doubles(duckdb_prepared_statement ps, idx_t i, const double *vals, size_t n);

/* ---- bind.c: values into appenders, in the order of the stage table's column list */

/* An appender on the temp table TABLE; its error reported as WHAT. */
enum rs_err app_open(struct store *st, const char *table, const char *what, duckdb_appender *a,
                     struct rs_error *err);
/* Closes appender A (flushing it unless FAILED) and reports its error as WHAT. */
enum rs_err app_finish(duckdb_appender *a, bool failed, const char *what, struct rs_error *err);
bool app_str(duckdb_appender a, const char *s); /* NULL: SQL NULL */
bool app_strn(duckdb_appender a, const char *s, size_t n);
bool app_i64(duckdb_appender a, struct rs_i64 v);
bool app_f64(duckdb_appender a, struct rs_f64 v);
bool app_bool(duckdb_appender a, struct rs_i64 v);
bool app_date(duckdb_appender a, struct rs_i64 day);
bool app_ts(duckdb_appender a, struct rs_i64 t);
/* A VARCHAR[] value: N == 0 appends an empty list, never NULL. */
bool app_list(duckdb_appender a, char *const *items, size_t n);

/* ---- bind.c: text that DuckDB takes no parameter for (ATTACH, COPY TO, identifiers) */

/* Appends S to BUF at *POS between quote characters Q (Q inside doubled); false if too long. */
bool quote_with(char *buf, size_t len, size_t *pos, const char *s, char q);
/* Likewise as a SQL string literal ('...'). */
bool quote_literal(char *buf, size_t len, size_t *pos, const char *s);

/* ---- migrate.c, write.c, batch.c, parts.c: for store_open */

/* Creates or upgrades the schema of the attached file at PATH (refusing a foreign one). */
enum rs_err migrate_schema(struct store *st, const char *path, struct rs_error *err);
/* The per-connection temp tables the appenders of write.c and batch.c fill. */
enum rs_err write_create_stages(struct store *st, struct rs_error *err);
enum rs_err batch_create_stages(struct store *st, struct rs_error *err);
enum rs_err parts_create_stages(struct store *st, struct rs_error *err);
enum rs_err keys_create_stages(struct store *st, struct rs_error *err);
/*
 * compact.c: rebuilds TABLE inside the open transaction from its own CREATE statement (with
 * its column-level PRIMARY KEY made NOT NULL when WITHOUT_KEY: migration 8), its rows, its
 * comments and the indexes a user added.
 */
enum rs_err store_rebuild_table(struct store *st, const char *table, bool without_key,
                                struct rs_error *err);

/* ---- keys.c: where a batch's movies are in the big tables, in the caller's transaction */

enum key_table { KEYS_MOVIES, KEYS_TMDB };
/*
 * keys_lookup_ids fills temp.key_movies (KEYS_MOVIES) or temp.key_tmdb (KEYS_TMDB) with
 * (seq, tmdb_id, rid) for each of the N IDS that has a row in movies or tmdb_movies (seq: its
 * index in IDS, the stage's seq; rid: the row's rowid); *DISTINCT is how many different ids
 * IDS holds, *FOUND how many rows have one of them. keys_lookup_imdb does the same into
 * temp.key_omdb (seq, imdb_id, rid) for the IMDb ids of omdb_movies (NULLs skipped). The
 * rowids are good until the transaction ends.
 */
enum rs_err keys_lookup_ids(struct store *st, enum key_table which, const int64_t *ids, size_t n,
                            size_t *distinct, size_t *found, struct rs_error *err);
enum rs_err keys_lookup_imdb(struct store *st, char *const *imdb_ids, size_t n, size_t *found,
                             struct rs_error *err);
/*
 * The join of table T (its alias) to the key table row K found for it: by rowid and by the
 * key COL as well, which it holds. DuckDB builds a "perfect" hash table for a join on one
 * integer equality whose build keys span at most 1,048,576 values: a slot per value for
 * every column the build side carries, the statement's stage row beside the rowid. With the
 * rowids of a million-row table that was 14 MB a column, some 400 MB a statement, of which
 * each batch's scattered rows wrote 50-100 MB of pages, kept while the prepared statement
 * lived (docs/benchmarks.md, "Joins by rowid"). A second condition makes it an ordinary hash
 * table of the batch's rows.
 */
#define AT_ROW(t, k, col) t ".rowid = " k ".rid AND " t "." col " = " k "." col

/* ---- parts.c: the appended TMDB parts of a details batch, in the caller's transaction */

/*
 * parts_stage_tmdb appends the parts the N rows carry to the parts' stage tables;
 * parts_log_tmdb adds to change_stage (the history's, before it is read) one row per part
 * whose staged set differs from the stored one, for movies whose stored answer carried that
 * part (reading the part's table only for movies whose set's digest is not the stored one);
 * parts_apply_tmdb then replaces each carried part's rows where they changed (deleting the old
 * ones only of movies parts_log_tmdb found with a stored tmdb_movies row: no movie has part
 * rows without one) and empties the stages (also on failure, for a caller that carries on).
 */
/*
 * The digests the batch's tmdb_movies rows keep, by movie (id, c, k, r: credits, keywords,
 * release dates): the staged set's where the answer carried the part, else the stored one's.
 */
#define PARTS_DIGESTS                                                                              \
    "SELECT seq, CASE WHEN has_credits THEN credits_new ELSE credits_old END AS c,"                \
    " CASE WHEN has_keywords THEN keywords_new ELSE keywords_old END AS k,"                        \
    " CASE WHEN has_release_dates THEN release_dates_new ELSE release_dates_old END AS r"          \
    " FROM temp.parts_stage"
enum rs_err parts_stage_tmdb(struct store *st, const struct tmdb_row *rows, size_t n,
                             struct rs_error *err);
enum rs_err parts_log_tmdb(struct store *st, struct rs_error *err);
enum rs_err parts_apply_tmdb(struct store *st, bool failed, struct rs_error *err);

/* ---- usage.c: a runs row as store_report and store_runs read it */

/* The first RUN_COLUMNS_N columns of a runs row, decoded by run_row. */
#define RUN_COLUMNS                                                                                \
    "id, started_at, ended_at, exit_status, CAST(options AS VARCHAR), CAST(stats AS VARCHAR),"     \
    " TRY_CAST(stats->>'discovered' AS BIGINT), TRY_CAST(stats->>'tmdb_updated' AS BIGINT),"       \
    " TRY_CAST(stats->>'omdb_updated' AS BIGINT), TRY_CAST(stats->>'frozen' AS BIGINT),"           \
    " stats->>'result'"
#define RUN_COLUMNS_N 11
/* Fills *R from RUN_COLUMNS at the cursor's row; *OOM set when a string could not be copied. */
void run_row(struct cursor *c, struct store_run *r, bool *oom);

/* ---- history.c: movie_events, for batch.c, write.c and the change feed */

/* Records EVENT ('frozen', 'thawed', 'unfrozen') at NOW for the N movies IDS, with REASON and
 * the store's run id, in the caller's transaction. */
enum rs_err history_add_events(struct store *st, const char *event, const int64_t *ids, size_t n,
                               rs_time_t now, const char *reason, struct rs_error *err);

/* ---- plan.c: the planning query, shared with report.c */

/*
 * Every movie not gone, with its category, age bin and per-API due state at NOW, computed
 * in SQL. Parameters: $1 today (DATE), $2 now (epoch microseconds), $3 and $4 the TMDB and
 * OMDB intervals in microseconds (BIGINT[2 * REFRESH_BIN_COUNT], index 1 + 2 * bin + "the
 * movie's last refresh changed it", for OMDB also "TMDB's feed reported it since the last
 * OMDB check"), $5 the youngest age (days) of bins 1.. (BIGINT[]), $6
 * each bin's category (BIGINT[]), $7 whether the policy is adaptive (TMDB's change feed
 * makes a movie due, and the plan ranks by the chance that a call finds a change), $8 and
 * $9 the TMDB and OMDB rates of change a day (DOUBLE[], indexed as $3; OMDB's followed by
 * its hazard, PLAN_HZ_*): all bound by plan_bind_policy from the store's schedule and
 * refresh.c's numbers, so the policy lives there. t_over/o_over: microseconds past due
 * (>= 0: due), INT64_MAX when never checked; t_feed: TMDB reported a change after the last
 * TMDB check (f_day: the day of it); o_p: with OMDB's hazard on, the chance that an OMDB
 * check finds a change (refresh_hazard_chance), the check due when it reaches the threshold
 * (and a day has passed), else not due, whatever its interval (the run's OMDB budget defers
 * it); rank: NULL under the seed policy, else 3 for a movie never checked, 2 for one the
 * feed reported, else the larger of the due APIs' chances (o_p, or 1 - exp(-rate * days
 * since the check)). needs_tmdb under the adaptive policy also when OMDB is due and TMDB has
 * waited PLAN_ALONG of its interval (refresh_tmdb_along).
 * rid: the row's place in the table (DuckDB's rowid), for store_plan's order.
 */
/* The SQL below is laid out by its clauses; clang-format would reflow it by its macros. */
/* clang-format off */
/* Whether `age` reaches the youngest age of bin K, the list of them being parameter $P. */
#define PLAN_BIN_TERM(p, k) \
    "(coalesce(age, 0) >= list_extract(CAST($" #p " AS BIGINT[]), " #k "))::INT"
/* The bin of `age` (0 when NULL), the list of the bins' youngest ages being parameter $P. */
#define PLAN_BIN(p)                                                                 \
    PLAN_BIN_TERM(p, 1) " + " PLAN_BIN_TERM(p, 2) " + " PLAN_BIN_TERM(p, 3) " + "   \
    PLAN_BIN_TERM(p, 4) " + " PLAN_BIN_TERM(p, 5) " + " PLAN_BIN_TERM(p, 6) " + "   \
    PLAN_BIN_TERM(p, 7) " + " PLAN_BIN_TERM(p, 8) " + " PLAN_BIN_TERM(p, 9) " + "   \
    PLAN_BIN_TERM(p, 10)
/*
 * OMDB's hazard (refresh.h) in $9 after its 2 * REFRESH_BIN_COUNT rates: the hazard summed
 * over the ages LO..age for each age of the grid (index age + PLAN_HZ_OFF), then at
 * PLAN_HZ_TAIL.. the first and last bucket's hazard (the sum's slope beyond the grid), the
 * threshold, the feed's chance q, whether the hazard is on (1) and the shortest interval in
 * microseconds. plan_bind_policy checks the numbers against refresh.h's.
 */
#define PLAN_HZ_LO -366
#define PLAN_HZ_HI 3660
#define PLAN_HZ_OFF 389
#define PLAN_HZ_TAIL 4050
#define PLAN_STR_(x) #x
#define PLAN_STR(x) PLAN_STR_(x)
#define PLAN_HZ_LO_SQL PLAN_STR(PLAN_HZ_LO)
#define PLAN_HZ_HI_SQL PLAN_STR(PLAN_HZ_HI)
#define PLAN_HZ_OFF_SQL PLAN_STR(PLAN_HZ_OFF)
#define PLAN_HZ(k) "list_extract(CAST($9 AS DOUBLE[]), " k ")"
#define PLAN_HZ_AT(k) PLAN_HZ(PLAN_STR(PLAN_HZ_TAIL) " + " #k)
/* The hazard summed over the ages up to X (an SQL expression of days): the grid's sum at X
 * clamped to the grid, plus the end buckets' slope times the days beyond either end. */
#define PLAN_HZ_SUM(x)                                                                     \
    "(" PLAN_HZ("least(greatest(" x ", " PLAN_HZ_LO_SQL "), " PLAN_HZ_HI_SQL ")"          \
                " + " PLAN_HZ_OFF_SQL)                                                     \
    " - greatest(" PLAN_HZ_LO_SQL " - (" x "), 0) * " PLAN_HZ_AT(0)                        \
    " + greatest((" x ") - " PLAN_HZ_HI_SQL ", 0) * " PLAN_HZ_AT(1) ")"
/* After TMDB's rates in $8: the share of its interval TMDB must have waited to come along
 * with an OMDB check (REFRESH_ALONG_WAITED; plan_bind_policy checks the index). */
#define PLAN_ALONG_AT 23
#define PLAN_ALONG "list_extract(CAST($8 AS DOUBLE[]), " PLAN_STR(PLAN_ALONG_AT) ")"
/*
 * PLAN_ROWS in four steps, each selecting from the one before. 1. Each movie not gone with
 * its stamps in microseconds, its age and OMDB's age at the last check in days, whether its
 * last refreshes changed it and whether the feed reported it since.
 */
#define PLAN_STAMPS                                                                        \
    "SELECT m.tmdb_id, imdb_id, title, release_date, data_frozen, m.rowid AS rid,"         \
    "  epoch_us(last_tmdb_update) AS t_last,"                                              \
    "  epoch_us(greatest(last_omdb_update, omdb_not_found_at)) AS o_last,"                 \
    "  CAST($1 AS DATE) - release_date AS age,"                                            \
    "  epoch_us(greatest(last_omdb_update, omdb_not_found_at)) // 86400000000"             \
    "   - (release_date - DATE '1970-01-01') AS o_then,"                                   \
    "  CAST(coalesce(data_changed_at >= last_tmdb_update, false) AS INTEGER) AS t_chg,"    \
    "  coalesce($7 AND f.noted > last_omdb_update, false) AS o_fed,"                       \
    "  CAST(coalesce(data_changed_at >= last_omdb_update, false) OR"                       \
    "   coalesce($7 AND f.noted > last_omdb_update, false) AS INTEGER) AS o_chg,"          \
    "  coalesce($7 AND f.noted > last_tmdb_update, false) AS t_feed, f.day AS f_day"       \
    " FROM movies m LEFT JOIN (SELECT tmdb_id, max(noted_at) AS noted, max(day) AS day"    \
    "  FROM feed_changes GROUP BY tmdb_id) f ON f.tmdb_id = m.tmdb_id"                     \
    " WHERE tmdb_gone_at IS NULL"
/* 2. The age bin, and OMDB's chance by the hazard (o_p: NULL when the hazard is off). */
#define PLAN_CHANCE                                                                        \
    "SELECT *, " PLAN_BIN(5) " AS bin,"                                                    \
    "  CASE WHEN " PLAN_HZ_AT(4) " > 0 AND age IS NOT NULL AND o_last IS NOT NULL"         \
    "   THEN 1 - (1 - CASE WHEN o_fed THEN " PLAN_HZ_AT(3) " ELSE 0 END)"                  \
    "    * exp(" PLAN_HZ_SUM("o_then") " - " PLAN_HZ_SUM("age") ") END AS o_p"             \
    " FROM (" PLAN_STAMPS ") a"
/* 3. The intervals, OMDB's by the chance against the threshold when the hazard is on. */
#define PLAN_INTERVALS                                                                     \
    "SELECT *, list_extract(CAST($3 AS BIGINT[]), 1 + 2 * bin + t_chg) AS t_iv,"           \
    "  CASE WHEN o_p >= " PLAN_HZ_AT(2)                                                    \
    "    AND CAST($2 AS BIGINT) - o_last >= " PLAN_HZ_AT(5)                                \
    "   THEN least(CAST($2 AS BIGINT) - o_last,"                                           \
    "    list_extract(CAST($4 AS BIGINT[]), 1 + 2 * bin + o_chg))"                         \
    "   WHEN o_p IS NOT NULL THEN greatest(list_extract(CAST($4 AS BIGINT[]),"             \
    "    1 + 2 * bin + o_chg), CAST($2 AS BIGINT) - o_last + 1)"                           \
    "   ELSE list_extract(CAST($4 AS BIGINT[]), 1 + 2 * bin + o_chg) END AS o_iv,"         \
    "  CAST(list_extract(CAST($6 AS BIGINT[]), 1 + bin) AS INTEGER) AS cat"                \
    " FROM (" PLAN_CHANCE ") b"
/* 4. PLAN_BASE's rows, every column of the steps (alias d): how long past due. */
#define PLAN_ROWS                                                                          \
    "(SELECT *,"                                                                           \
    "  coalesce(CAST($2 AS BIGINT) - t_last - t_iv, 9223372036854775807) AS t_over,"       \
    "  coalesce(CAST($2 AS BIGINT) - o_last - o_iv, 9223372036854775807) AS o_over"        \
    " FROM (" PLAN_INTERVALS ") c) d"
#define PLAN_BASE                                                                          \
    "SELECT tmdb_id, imdb_id, title, release_date, t_last, o_last, cat, age, data_frozen," \
    " t_over >= 0 OR t_feed OR ($7 AND o_over >= 0 AND imdb_id IS NOT NULL"                \
    "  AND t_over >= CAST((" PLAN_ALONG " - 1) * t_iv AS BIGINT)) AS needs_tmdb,"          \
    " o_over >= 0 AND (imdb_id IS NOT NULL OR t_over >= 0 OR t_feed) AS needs_omdb,"       \
    " t_over, o_over, t_feed, f_day, t_iv, o_iv,"                                          \
    " CASE WHEN $7 THEN greatest(CASE WHEN t_feed THEN 2.0 END,"                           \
    "  CASE WHEN t_over >= 0 THEN coalesce(1 - exp(-list_extract(CAST($8 AS DOUBLE[]),"    \
    "   1 + 2 * bin + t_chg) * (CAST($2 AS BIGINT) - t_last) / 86400e6), 3.0) END,"        \
    "  CASE WHEN o_over >= 0 AND imdb_id IS NOT NULL THEN coalesce(o_p,"                   \
    "   1 - exp(-list_extract(CAST($9 AS DOUBLE[]), 1 + 2 * bin + o_chg)"                  \
    "    * (CAST($2 AS BIGINT) - o_last) / 86400e6), 3.0) END) END AS rank,"               \
    " t_chg, o_chg, o_p, bin, rid FROM " PLAN_ROWS
/* clang-format on */
/* Binds $1..$9 of PLAN_BASE for NOW under ST's schedule (store_use_policy; the seed's). */
void plan_bind_policy(struct store *st, duckdb_prepared_statement ps, rs_time_t now);
/* Binds the youngest ages of bins 1.. (PLAN_BIN) at I. */
void plan_bind_bins(duckdb_prepared_statement ps, idx_t i);

#endif
