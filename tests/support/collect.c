/*
 * Helpers of the tests that drive whole collect runs through the library: a time from
 * text, the options of a run against the fake, movies seeded as discovery would store them,
 * and one run on a database file.
 */
#include <stdlib.h>

#include "reelsync/orchestrator.h"
#include "test.h"

rs_time_t at(const char *when)
{
    rs_time_t t = 0;
    assert_true(rs_time_parse(when, &t));
    return t;
}

struct orch_options fake_collect_options(const struct fake *f, rs_time_t now)
{
    struct orch_options o = {
        .refresh = true,
        .refresh_limit = 1000,
        .base_url = {[RS_API_TMDB] = f->tmdb_url, [RS_API_OMDB] = f->omdb_url},
        .concurrency = {[RS_API_TMDB] = 8, [RS_API_OMDB] = 4},
        .tmdb_key = "test",
        .omdb_key = "test",
        .retry = RETRY_POLICY_DEFAULT,
        .timeout_ms = 30000,
        .connect_timeout_ms = 10000,
        .now = now,
    };
    o.retry.base_ms = 5;
    o.retry.max_ms = 20;
    return o;
}

void seed_ids(const char *db, const int64_t *ids, size_t n, rs_time_t now)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    struct discover_row *rows = calloc(n, sizeof(*rows));
    for (size_t i = 0; i < n; i++)
        rows[i].tmdb_id = ids[i];
    assert_int_equal(store_open(db, STORE_READ_WRITE, &st, &err), RS_OK);
    assert_int_equal(store_upsert_discovered(st, rows, n, now, NULL, &err), RS_OK);
    store_close(st);
    free(rows);
}

enum rs_err collect(const char *db, const struct orch_options *o, struct orch_stats *s,
                    struct rs_error *err)
{
    struct store *st = NULL;
    enum rs_err rc = store_open(db, STORE_READ_WRITE, &st, err);
    if (rc == RS_OK)
        rc = orch_collect(st, o, s, err);
    store_close(st);
    return rc;
}
