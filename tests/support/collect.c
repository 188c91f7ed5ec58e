/*
 * Helpers of the tests that drive whole collect runs through the library: a time from
 * text, movies seeded as discovery would store them, one run on a database file, and a
 * figure of the fake's /__stats.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "reelsync/orchestrator.h"
#include "test.h"

rs_time_t at(const char *when)
{
    rs_time_t t = 0;
    assert_true(rs_time_parse(when, &t));
    return t;
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

int64_t fake_stat(const struct fake *f, const char *a, const char *b)
{
    char url[128];
    struct http_reply r;
    snprintf(url, sizeof(url), "%s/__stats", f->base);
    http_fetch("GET", url, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    json_t *v = json_object_get(json_object_get(doc, a), b);
    assert_true(json_is_integer(v));
    int64_t n = (int64_t)json_integer_value(v);
    json_decref(doc);
    http_reply_free(&r);
    return n;
}
