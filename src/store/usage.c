/*
 * A collect run's bookkeeping: the api_usage counters (requests per day, API and outcome,
 * which the daily budget reads back) and the runs records (options, stats, exit status).
 */
#include "store_int.h"

/* ---------------------------------------------------------------- usage */

enum rs_err store_usage_add(struct store *st, rs_date_t day, enum rs_api api,
                            const int64_t counts[RS_OUTCOME_COUNT], struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    bool own;
    enum rs_err rc = tx_enter(st, &own, err);
    if (rc == RS_OK)
        rc = sql_stmt(st, S_USAGE_ADD,
                      "INSERT INTO api_usage (day, api, outcome, count) VALUES ($1, $2, $3, $4) "
                      "ON CONFLICT (day, api, outcome) DO UPDATE SET "
                      "count = api_usage.count + excluded.count",
                      &ps, err);
    for (int i = 0; rc == RS_OK && i < RS_OUTCOME_COUNT; i++) {
        if (counts[i] == 0)
            continue;
        duckdb_bind_date(ps, 1, (duckdb_date){.days = day});
        duckdb_bind_varchar(ps, 2, rs_api_name(api));
        duckdb_bind_varchar(ps, 3, rs_errname((enum rs_err)i));
        duckdb_bind_int64(ps, 4, counts[i]);
        rc = sql_run(ps, NULL, "usage", err);
    }
    return tx_leave(st, own, rc, err);
}

enum rs_err store_usage_total(struct store *st, rs_date_t day, enum rs_api api, int64_t *total,
                              struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = sql_stmt(st, S_USAGE_TOTAL,
                              "SELECT CAST(coalesce(sum(count), 0) AS BIGINT) FROM api_usage "
                              "WHERE day = $1 AND api = $2",
                              &ps, err);
    if (rc)
        return rc;
    duckdb_bind_date(ps, 1, (duckdb_date){.days = day});
    duckdb_bind_varchar(ps, 2, rs_api_name(api));
    return sql_query_int(ps, total, "usage", err);
}

/* ----------------------------------------------------------------- runs */

enum rs_err store_run_begin(struct store *st, rs_time_t now, const char *options_json,
                            int64_t *run_id, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    int64_t id = 0;
    enum rs_err rc = tx_writable(st, err);
    if (rc)
        return rc;
    rc = sql_stmt(st, S_RUN_BEGIN,
                  "INSERT INTO runs (started_at, options) VALUES ($1, CAST($2 AS JSON)) "
                  "RETURNING id",
                  &ps, err);
    if (rc)
        return rc;
    bind_ts(ps, 1, now);
    bind_str(ps, 2, options_json);
    rc = sql_query_int(ps, &id, "run", err);
    if (rc == RS_OK)
        *run_id = st->run_id = id;
    return rc;
}

enum rs_err store_run_end(struct store *st, int64_t run_id, rs_time_t now, const char *stats_json,
                          int status, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = tx_writable(st, err);
    if (rc)
        return rc;
    rc = sql_stmt(st, S_RUN_END,
                  "UPDATE runs SET ended_at = $2, stats = CAST($3 AS JSON), "
                  "exit_status = $4 WHERE id = $1",
                  &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, run_id);
    bind_ts(ps, 2, now);
    bind_str(ps, 3, stats_json);
    duckdb_bind_int32(ps, 4, status);
    duckdb_result res;
    rc = sql_run(ps, &res, "run", err);
    if (rc)
        return rc;
    idx_t changed = duckdb_rows_changed(&res);
    duckdb_destroy_result(&res);
    if (changed == 0)
        return rs_fail(err, RS_ERR_DB, "database: run: no run with id %lld", (long long)run_id);
    return RS_OK;
}

void run_row(struct cursor *c, struct store_run *r, bool *oom)
{
    r->id = col_int(c, 0);
    r->started_at = col_int(c, 1);
    r->ended_at = col_i64(c, 2);
    r->status = col_i64(c, 3);
    r->options_json = col_str(c, 4, oom);
    r->stats_json = col_str(c, 5, oom);
    r->discovered = col_i64(c, 6);
    r->tmdb_updated = col_i64(c, 7);
    r->omdb_updated = col_i64(c, 8);
    r->frozen = col_i64(c, 9);
    col_copy(c, 10, r->result, sizeof(r->result));
}
