/*
 * The reads of `reelsync report --html` that `stats` does not make: requests per UTC day
 * and API over a window, and how many movies were last checked how long ago. One query
 * each, read-only, bounded by the window or the buckets (never a row per movie).
 */
#include <string.h>

#include "store_int.h"

enum rs_err store_usage_by_day(struct store *st, rs_date_t last, int days,
                               int64_t (*out)[RS_API_COUNT], struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    if (days < 1)
        return rs_fail(err, RS_ERR_USAGE, "usage by day: no day asked");
    enum rs_err rc = sql_prepare(st,
                                 "SELECT CAST(day AS DATE) - CAST($1 AS DATE), api,"
                                 " CAST(sum(count) AS BIGINT) FROM api_usage"
                                 " WHERE day > CAST($1 AS DATE) - $2 AND day <= $1"
                                 " GROUP BY ALL",
                                 "usage by day", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_date(ps, 1, (duckdb_date){.days = last});
    duckdb_bind_int32(ps, 2, days);
    rc = sql_run(ps, &res, "usage by day", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    for (int d = 0; d < days; d++)
        for (int a = 0; a < RS_API_COUNT; a++)
            out[d][a] = 0;
    struct cursor c = {.res = &res};
    while (cursor_next(&c)) {
        int64_t back = col_int(&c, 0); /* 0 for LAST, -1 the day before... */
        char api[16];
        col_copy(&c, 1, api, sizeof(api));
        int a = strcmp(api, "tmdb") == 0   ? RS_API_TMDB
                : strcmp(api, "omdb") == 0 ? RS_API_OMDB
                                           : -1;
        int d = days - 1 + (int)back;
        if (a >= 0 && d >= 0 && d < days)
            out[d][a] += col_int(&c, 2);
    }
    cursor_done(&c);
    return RS_OK;
}

/*
 * The movies counted are those of stats' freshness: not gone, not frozen (an OMDB "not
 * found" is a check). Bucket b holds ages in [edges[b-1], edges[b]) days (edges[-1] = 0);
 * the last bucket everything from edges[n-1] on; never-checked movies are counted apart.
 */
enum rs_err store_check_ages(struct store *st, rs_time_t now, const int *edges, size_t n_edges,
                             struct store_check_ages *out, struct rs_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    if (n_edges + 1 > STORE_AGE_BUCKETS)
        return rs_fail(err, RS_ERR_USAGE, "check ages: at most %d buckets", STORE_AGE_BUCKETS);
    enum rs_err rc =
        sql_prepare(st,
                    "SELECT api, age, count(*) FROM (SELECT 0 AS api,"
                    " (CAST($1 AS BIGINT) - epoch_us(last_tmdb_update)) // 86400000000 AS age"
                    " FROM movies WHERE tmdb_gone_at IS NULL AND NOT data_frozen"
                    " UNION ALL SELECT 1, (CAST($1 AS BIGINT) -"
                    " epoch_us(greatest(last_omdb_update, omdb_not_found_at))) // 86400000000"
                    " FROM movies WHERE tmdb_gone_at IS NULL AND NOT data_frozen"
                    " AND imdb_id IS NOT NULL) GROUP BY ALL",
                    "check ages", &ps, err);
    if (rc)
        return rc;
    duckdb_bind_int64(ps, 1, now * US_PER_S);
    rc = sql_run(ps, &res, "check ages", err);
    duckdb_destroy_prepare(&ps);
    if (rc)
        return rc;
    struct store_check_ages r = {.n_buckets = n_edges + 1};
    struct cursor c = {.res = &res};
    while (cursor_next(&c)) {
        int64_t a = col_int(&c, 0);
        struct rs_i64 age = col_i64(&c, 1);
        int64_t n = col_int(&c, 2);
        if (a < 0 || a >= RS_API_COUNT)
            continue;
        if (!age.set) {
            r.never[a] += n;
            continue;
        }
        size_t b = 0;
        while (b < n_edges && age.v >= edges[b])
            b++;
        r.count[a][b] += n;
    }
    cursor_done(&c);
    *out = r;
    return RS_OK;
}
