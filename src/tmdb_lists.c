/*
 * tmdb_lists: TMDB's list endpoints, parsed: a page of /discover/movie (the movies of a
 * year) and a page of /movie/changes (the ids changed in a window, for the adaptive
 * policy's feed). The details of one movie are tmdb.c's; the helpers both use are in
 * tmdb_int.h.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "reelsync/tmdb.h"
#include "tmdb_int.h"

/* One entry of a discover page into ROW; *SKIPPED (and logged) when it has no usable id. */
static enum rs_err discover_entry(const json_t *e, size_t index, struct discover_row *row,
                                  bool *skipped, const struct rs_log *log, struct rs_error *err)
{
    struct tmdb_movie m = {.id = tmdb_object_id(e)};
    *skipped = m.id == 0;
    if (*skipped) {
        rs_logf(log, RS_LOG_WARN, "tmdb: discover result %zu without a usable id skipped", index);
        return RS_OK;
    }
    struct tmdb_reader r = {.obj = e, .id = m.id, .log = log};
    m.title = tmdb_get_str(&r, "title");
    m.release_date = tmdb_get_str(&r, "release_date");
    m.vote_average = tmdb_get_num(&r, "vote_average");
    m.vote_count = tmdb_get_int(&r, "vote_count");
    m.popularity = tmdb_get_num(&r, "popularity");
    return norm_discover_entry(&m, row, log, err);
}

/* The page counters; false when one is missing, not an integer or out of range. */
static bool page_counters(const json_t *doc, struct tmdb_page *p)
{
    const json_t *page = json_object_get(doc, "page");
    const json_t *pages = json_object_get(doc, "total_pages");
    const json_t *results = json_object_get(doc, "total_results");
    if (!json_is_integer(page) || !json_is_integer(pages) || !json_is_integer(results))
        return false;
    json_int_t pg = json_integer_value(page), tp = json_integer_value(pages);
    json_int_t tr = json_integer_value(results);
    if (pg < 1 || pg > INT32_MAX || tp < 0 || tp > INT32_MAX || tr < 0)
        return false;
    p->page = (int)pg;
    p->total_pages = (int)tp;
    p->total_results = tr;
    return true;
}

static enum rs_err discover_results(const json_t *results, struct tmdb_page *p,
                                    const struct rs_log *log, struct rs_error *err)
{
    size_t i;
    const json_t *e;
    bool skipped;

    p->results = calloc(json_array_size(results) + 1, sizeof(*p->results));
    if (!p->results)
        return rs_fail(err, RS_ERR_NOMEM, "tmdb: discover page %d: out of memory", p->page);
    json_array_foreach(results, i, e)
    {
        enum rs_err rc = discover_entry(e, i, &p->results[p->n_results], &skipped, log, err);
        if (rc != RS_OK)
            return rc;
        if (!skipped)
            p->n_results++;
    }
    return RS_OK;
}

enum rs_err tmdb_parse_discover(const char *body, size_t len, struct tmdb_page *out,
                                const struct rs_log *log, struct rs_error *err)
{
    json_t *doc = NULL;
    struct tmdb_page p = {0};
    enum rs_err rc = tmdb_load_object(body, len, "discover page", &doc, err);
    if (rc != RS_OK)
        goto cleanup;
    const json_t *results = json_object_get(doc, "results");
    if (!page_counters(doc, &p) || !json_is_array(results)) {
        rc = rs_fail(err, RS_ERR_BAD_RESPONSE, "tmdb: discover page: not a discover page");
        goto cleanup;
    }
    rc = discover_results(results, &p, log, err);
    if (rc == RS_OK) {
        *out = p;
        p = (struct tmdb_page){0};
    }
cleanup:
    tmdb_page_release(&p);
    json_decref(doc);
    return rc;
}

void tmdb_page_release(struct tmdb_page *page)
{
    if (!page)
        return;
    for (size_t i = 0; i < page->n_results; i++)
        norm_discover_row_release(&page->results[i]);
    free(page->results);
    memset(page, 0, sizeof(*page));
}

/* ---- the change feed: GET /movie/changes (docs/internals/adaptive.md) ---- */

bool tmdb_changes_suffix(char *buf, size_t len, rs_date_t start, rs_date_t end, int page)
{
    char s[16], e[16];
    if (page < 1 || end < start)
        return false;
    int n = snprintf(buf, len, "/movie/changes?start_date=%s&end_date=%s&page=%d",
                     rs_date_format(start, s, sizeof(s)), rs_date_format(end, e, sizeof(e)), page);
    return n >= 0 && (size_t)n < len;
}

enum rs_err tmdb_parse_changes(const char *body, size_t len, struct tmdb_changes *out,
                               const struct rs_log *log, struct rs_error *err)
{
    json_t *doc = NULL;
    struct tmdb_page counters = {0};
    struct tmdb_changes c = {0};
    enum rs_err rc = tmdb_load_object(body, len, "changes page", &doc, err);
    if (rc != RS_OK)
        return rc;
    const json_t *results = json_object_get(doc, "results");
    if (!page_counters(doc, &counters) || !json_is_array(results)) {
        rc = rs_fail(err, RS_ERR_BAD_RESPONSE, "tmdb: changes page: not a changes page");
        goto cleanup;
    }
    c.page = counters.page;
    c.total_pages = counters.total_pages;
    c.ids = calloc(json_array_size(results) + 1, sizeof(*c.ids));
    if (!c.ids) {
        rc = rs_fail(err, RS_ERR_NOMEM, "tmdb: changes page: out of memory");
        goto cleanup;
    }
    size_t i;
    const json_t *e;
    json_array_foreach(results, i, e)
    {
        const json_t *id = json_object_get(e, "id");
        const json_t *adult = json_object_get(e, "adult");
        if (!json_is_integer(id) || json_integer_value(id) <= 0) {
            c.skipped++;
            continue;
        }
        /* "adult": null is TMDB not knowing; the id is kept like any other */
        c.adult_unknown += !json_is_boolean(adult);
        c.ids[c.n++] = json_integer_value(id);
    }
    if (c.skipped)
        rs_logf(log, RS_LOG_WARN, "tmdb: changes page %d: %zu entries without a usable id skipped",
                c.page, c.skipped);
    *out = c;
    c = (struct tmdb_changes){0};
cleanup:
    tmdb_changes_release(&c);
    json_decref(doc);
    return rc;
}

void tmdb_changes_release(struct tmdb_changes *c)
{
    if (!c)
        return;
    free(c->ids);
    memset(c, 0, sizeof(*c));
}
