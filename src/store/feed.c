/*
 * TMDB's change feed in the database (docs/internals/adaptive.md, "The feed"): its record in
 * store_state (the watermark, the gaps) and the movies it reported, in feed_changes, which
 * PLAN_BASE reads to make a movie due for TMDB. A frozen movie the feed reports is thawed.
 * Rows of days the evidence no longer reads (REFRESH_LEARN_DAYS) are dropped as new ones come.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* The store_state names of the feed's record. */
#define K_WATERMARK "feed_watermark"
#define K_GAPS "feed_gaps"
#define K_GAP_DAYS "feed_gap_days"
#define K_LAST_GAP "feed_last_gap"

static enum rs_err put_state(struct store *st, const char *name, int64_t value,
                             struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = sql_prepare(
        st, "INSERT OR REPLACE INTO store_state (name, value) VALUES ($1, $2)", "feed", &ps, err);
    if (rc == RS_OK && (!bind_str(ps, 1, name) || duckdb_bind_int64(ps, 2, value) != DuckDBSuccess))
        rc = rs_fail(err, RS_ERR_DB, "feed: cannot bind '%s'", name);
    if (rc == RS_OK)
        rc = sql_run(ps, NULL, "feed", err);
    duckdb_destroy_prepare(&ps);
    return rc;
}

enum rs_err store_feed_state(struct store *st, struct store_feed_state *out, struct rs_error *err)
{
    duckdb_result res;
    if (duckdb_query(st->con,
                     "SELECT name, value FROM store_state WHERE name IN ('" K_WATERMARK
                     "', '" K_GAPS "', '" K_GAP_DAYS "', '" K_LAST_GAP "')",
                     &res) != DuckDBSuccess)
        return sql_result_fail(err, "feed", &res);
    struct store_feed_state s = {.watermark = RS_NULL_I64, .last_gap = RS_NULL_I64};
    struct cursor c = {.res = &res};
    while (cursor_next(&c)) {
        char name[32];
        col_copy(&c, 0, name, sizeof(name));
        int64_t v = col_int(&c, 1);
        if (strcmp(name, K_WATERMARK) == 0)
            s.watermark = RS_I64(v);
        else if (strcmp(name, K_LAST_GAP) == 0)
            s.last_gap = RS_I64(v);
        else if (strcmp(name, K_GAPS) == 0)
            s.gaps = v;
        else
            s.gap_days = v;
    }
    cursor_done(&c);
    *out = s;
    return RS_OK;
}

enum rs_err store_feed_watermark(struct store *st, struct rs_i64 *day, struct rs_error *err)
{
    struct store_feed_state s;
    enum rs_err rc = store_feed_state(st, &s, err);
    if (rc == RS_OK)
        *day = s.watermark;
    return rc;
}

enum rs_err store_feed_set_watermark(struct store *st, rs_date_t day, struct rs_error *err)
{
    enum rs_err rc = tx_writable(st, err);
    return rc ? rc : put_state(st, K_WATERMARK, day, err);
}

enum rs_err store_feed_record_gap(struct store *st, rs_date_t from, rs_date_t to,
                                  struct rs_error *err)
{
    struct store_feed_state s;
    bool own;
    enum rs_err rc = tx_writable(st, err);
    if (rc == RS_OK)
        rc = store_feed_state(st, &s, err);
    if (rc == RS_OK)
        rc = tx_enter(st, &own, err);
    if (rc)
        return rc;
    rc = put_state(st, K_GAPS, s.gaps + 1, err);
    if (rc == RS_OK)
        rc = put_state(st, K_GAP_DAYS, s.gap_days + (to - from + 1), err);
    if (rc == RS_OK)
        rc = put_state(st, K_LAST_GAP, from, err);
    return tx_leave(st, own, rc, err);
}

/* Runs SQL with $1 the ids (BIGINT[]) and, when DAY_NOW, $2 the day and $3 now. */
static enum rs_err run_ids(struct store *st, const char *sql, const int64_t *ids, size_t n,
                           bool day_now, rs_date_t day, rs_time_t now, duckdb_result *res,
                           struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = sql_prepare(st, sql, "feed", &ps, err);
    if (rc)
        return rc;
    bool ok = bind_int64s(ps, 1, ids, n);
    if (ok && day_now)
        ok = duckdb_bind_date(ps, 2, (duckdb_date){.days = day}) == DuckDBSuccess &&
             bind_ts(ps, 3, now);
    rc = ok ? sql_run(ps, res, "feed", err) : rs_fail(err, RS_ERR_DB, "feed: cannot bind ids");
    duckdb_destroy_prepare(&ps);
    return rc;
}

/* Days the evidence no longer reads (store_refresh_evidence: REFRESH_LEARN_DAYS) go. */
static enum rs_err prune(struct store *st, rs_date_t day, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    enum rs_err rc = sql_prepare(st, "DELETE FROM feed_changes WHERE day < $1", "feed", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_date(ps, 1, (duckdb_date){.days = day - REFRESH_LEARN_DAYS});
    rc = sql_run(ps, NULL, "feed", err);
    duckdb_destroy_prepare(&ps);
    return rc;
}

enum rs_err store_feed_note(struct store *st, const int64_t *ids, size_t n, rs_date_t day,
                            rs_time_t now, int64_t *unknown, int64_t *thawed, int64_t *thawed_ids,
                            struct rs_error *err)
{
    duckdb_result res;
    bool own;
    int64_t known = 0, all = 0;
    size_t n_thawed = 0;
    int64_t *thawn = malloc((n ? n : 1) * sizeof(*thawn));
    if (!thawn)
        return rs_fail(err, RS_ERR_NOMEM, "feed: out of memory");
    enum rs_err rc = tx_writable(st, err);
    if (rc == RS_OK)
        rc = tx_enter(st, &own, err);
    if (rc) {
        free(thawn);
        return rc;
    }
    rc = prune(st, day, err);
    /* ids as TMDB sent them: distinct, known ones only; a movie's first reading of a day stays */
    if (rc == RS_OK)
        rc = run_ids(st,
                     "INSERT OR IGNORE INTO feed_changes (tmdb_id, day, noted_at)"
                     " SELECT DISTINCT m.tmdb_id, $2, $3 FROM movies m"
                     " WHERE m.tmdb_id IN (SELECT unnest($1))",
                     ids, n, true, day, now, NULL, err);
    if (rc == RS_OK)
        rc = run_ids(st,
                     "SELECT count(DISTINCT i.id), count(DISTINCT m.tmdb_id)"
                     " FROM (SELECT unnest($1) AS id) i LEFT JOIN movies m ON m.tmdb_id = i.id",
                     ids, n, false, 0, 0, &res, err);
    if (rc == RS_OK) {
        struct cursor c = {.res = &res};
        if (cursor_next(&c)) {
            all = col_int(&c, 0);
            known = col_int(&c, 1);
        }
        cursor_done(&c);
        rc = run_ids(st,
                     "UPDATE movies SET data_frozen = false, stable_cycles = 0"
                     " WHERE data_frozen AND tmdb_gone_at IS NULL AND tmdb_id IN"
                     " (SELECT unnest($1)) RETURNING tmdb_id",
                     ids, n, false, 0, 0, &res, err);
    }
    if (rc == RS_OK) {
        struct cursor c = {.res = &res};
        while (cursor_next(&c) && n_thawed < n)
            thawn[n_thawed++] = col_int(&c, 0);
        cursor_done(&c);
    }
    if (rc == RS_OK && n_thawed > 0) {
        char reason[48], d[16];
        snprintf(reason, sizeof(reason), "changed on TMDB %s", rs_date_format(day, d, sizeof(d)));
        rc = history_add_events(st, "thawed", thawn, n_thawed, now, reason, err);
    }
    rc = tx_leave(st, own, rc, err);
    if (rc == RS_OK) {
        *unknown = all - known;
        if (thawed)
            *thawed = (int64_t)n_thawed;
        if (thawed_ids)
            memcpy(thawed_ids, thawn, n_thawed * sizeof(*thawn));
    }
    free(thawn);
    return rc;
}
