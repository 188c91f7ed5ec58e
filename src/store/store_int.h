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
    S_GET_MOVIE,
    S_COUNT_MOVIES,
    S_MAX_TMDB_ID,
    S_TB_CHANGED,
    S_TB_DEL,
    S_TB_INS,
    S_TB_UPD,
    S_TB_NEW,
    S_TB_CLEAR,
    S_OB_UNKNOWN,
    S_OB_CHANGED,
    S_OB_DEL,
    S_OB_INS,
    S_OB_UPD,
    S_OB_CLEAR,
    S_FB_UPD,
    S_FB_READ,
    S_FB_FREEZE,
    S_FB_CLEAR,

    S_COUNT
};

struct store {
    char *path; /* as given to store_open */
    duckdb_database db;
    duckdb_connection con;
    duckdb_prepared_statement ps[S_COUNT];
    bool in_tx;
    bool read_only;
    struct store_open_options lock; /* the wait of store_open_ext, again at store_take */
    bool let_go;                    /* the file is DETACHed (store_let_go) */
    int64_t memory_mb;              /* DuckDB's memory_limit (open.c) */
};

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
/* An integer-like column: BOOLEAN, INTEGER, BIGINT, UBIGINT, DATE (days), TIMESTAMP (s). */
struct rs_i64 col_i64(struct cursor *c, idx_t col);
/* Likewise, 0 for NULL. */
int64_t col_int(struct cursor *c, idx_t col);
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

/* ---- bind.c: values into prepared statements (false when DuckDB refuses one) */

bool bind_str(duckdb_prepared_statement ps, idx_t i, const char *s); /* NULL: SQL NULL */
bool bind_ts(duckdb_prepared_statement ps, idx_t i, rs_time_t t);
/* IDS as a BIGINT[] parameter. */
bool bind_ids(duckdb_prepared_statement ps, idx_t i, const int64_t *ids, size_t n);

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
bool app_fp(duckdb_appender a, bool has, uint64_t fp);
/* A VARCHAR[] value: N == 0 appends an empty list, never NULL. */
bool app_list(duckdb_appender a, char *const *items, size_t n);

/* ---- bind.c: text that DuckDB takes no parameter for (ATTACH, COPY TO, identifiers) */

/* Appends S to BUF at *POS between quote characters Q (Q inside doubled); false if too long. */
bool quote_with(char *buf, size_t len, size_t *pos, const char *s, char q);
/* Likewise as a SQL string literal ('...'). */
bool quote_literal(char *buf, size_t len, size_t *pos, const char *s);

/* ---- migrate.c, write.c, batch.c: for store_open */

/* Creates or upgrades the schema of the attached file at PATH (refusing a foreign one). */
enum rs_err migrate_schema(struct store *st, const char *path, struct rs_error *err);
/* The per-connection temp tables the appenders of write.c and batch.c fill. */
enum rs_err write_create_stages(struct store *st, struct rs_error *err);
enum rs_err batch_create_stages(struct store *st, struct rs_error *err);

/* ---- plan.c: the planning query, shared with report.c */

/*
 * Every movie not gone, with its category and per-API due state at NOW, computed in SQL.
 * Parameters: $1 today (DATE), $2 now (epoch microseconds), $3..$6 the TMDB intervals of
 * the four categories in days, $7..$10 the OMDB ones, $11..$13 the youngest age (days) of
 * ESTABLISHED, MATURE and ARCHIVED: all bound by plan_bind_policy from refresh.c, so the
 * policy lives there. t_over/o_over: microseconds past due (>= 0: due), INT64_MAX when
 * never checked. rid: the row's place in the table (DuckDB's rowid), for store_plan's order.
 */
#define PLAN_BASE                                                                                  \
    "SELECT tmdb_id, imdb_id, title, release_date, t_last, o_last, cat, age, data_frozen,"         \
    " t_over >= 0 AS needs_tmdb,"                                                                  \
    " o_over >= 0 AND (imdb_id IS NOT NULL OR t_over >= 0) AS needs_omdb, t_over, o_over, rid "    \
    "FROM (SELECT *,"                                                                              \
    "  coalesce(CAST($2 AS BIGINT) - t_last - CASE cat WHEN 0 THEN CAST($3 AS BIGINT)"             \
    "   WHEN 1 THEN CAST($4 AS BIGINT) WHEN 2 THEN CAST($5 AS BIGINT)"                             \
    "   ELSE CAST($6 AS BIGINT) END * 86400000000, 9223372036854775807) AS t_over,"                \
    "  coalesce(CAST($2 AS BIGINT) - o_last - CASE cat WHEN 0 THEN CAST($7 AS BIGINT)"             \
    "   WHEN 1 THEN CAST($8 AS BIGINT) WHEN 2 THEN CAST($9 AS BIGINT)"                             \
    "   ELSE CAST($10 AS BIGINT) END * 86400000000, 9223372036854775807) AS o_over"                \
    " FROM (SELECT *, CASE WHEN age IS NULL OR age < CAST($11 AS BIGINT) THEN 0"                   \
    "   WHEN age < CAST($12 AS BIGINT) THEN 1 WHEN age < CAST($13 AS BIGINT) THEN 2"               \
    "   ELSE 3 END AS cat"                                                                         \
    "  FROM (SELECT tmdb_id, imdb_id, title, release_date, data_frozen, rowid AS rid,"             \
    "    epoch_us(last_tmdb_update) AS t_last,"                                                    \
    "    epoch_us(greatest(last_omdb_update, omdb_not_found_at)) AS o_last,"                       \
    "    CAST($1 AS DATE) - release_date AS age"                                                   \
    "   FROM movies WHERE tmdb_gone_at IS NULL) a) b) c"

/* Binds $1..$13 of PLAN_BASE for NOW. */
void plan_bind_policy(duckdb_prepared_statement ps, rs_time_t now);

#endif
