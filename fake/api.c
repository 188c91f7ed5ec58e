/*
 * The TMDB v3 and OMDB endpoints: parameters, auth and the error bodies and statuses the real
 * APIs send, over either the synthetic catalog or the recorded fixtures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define TMDB_401                                                                                   \
    "{\"success\":false,\"status_code\":7,\"status_message\":\"Invalid API key: You must be "      \
    "granted a valid key.\"}"
#define TMDB_404                                                                                   \
    "{\"success\":false,\"status_code\":34,\"status_message\":\"The resource you requested could " \
    "not be found.\"}"
#define TMDB_400_PAGE                                                                              \
    "{\"success\":false,\"status_code\":22,\"status_message\":\"Invalid page: Pages start at 1 "   \
    "and max at 500. They are expected to be an integer.\"}"
#define TMDB_400_APPEND                                                                            \
    "{\"success\":false,\"status_code\":27,\"status_message\":\"Too many append to response "      \
    "objects: The maximum number of remote calls is 20.\"}"
#define TMDB_422_PAGE "{\"errors\":[\"page must be less than or equal to 500\"]}"
/* Codes 20 (HTTP 422) and 23 (HTTP 400) of TMDB's error table (fake/README.md, "Endpoints";
 * tests/fixtures/README.md lists the source). */
#define TMDB_422_RANGE                                                                             \
    "{\"success\":false,\"status_code\":20,\"status_message\":\"Invalid date range: Should be a "  \
    "range no longer than 14 days.\"}"
#define TMDB_400_DATE                                                                              \
    "{\"success\":false,\"status_code\":23,\"status_message\":\"Invalid date: Format needs to be " \
    "YYYY-MM-DD.\"}"
#define OMDB_NO_KEY "{\"Response\":\"False\",\"Error\":\"No API key provided.\"}"
#define OMDB_BAD_KEY "{\"Response\":\"False\",\"Error\":\"Invalid API key!\"}"
#define OMDB_BAD_ID "{\"Response\":\"False\",\"Error\":\"Incorrect IMDb ID.\"}"
#define OMDB_NOT_FOUND "{\"Response\":\"False\",\"Error\":\"Movie not found!\"}"
#define OMDB_NO_DATA "{\"Response\":\"False\",\"Error\":\"Error getting data.\"}"

const char FAKE_BODY_OMDB_LIMIT[] = "{\"Response\":\"False\",\"Error\":\"Request limit reached!\"}";

void fake_answer_const(struct fake_answer *a, int status, const char *ctype, const char *body)
{
    a->status = status;
    a->ctype = ctype;
    a->body = (char *)body;
    a->len = strlen(body);
    a->owned = false;
}

void fake_answer_buf(struct fake_answer *a, int status, const char *ctype, struct fake_buf *b)
{
    size_t len = 0;
    char *p = fake_buf_take(b, &len);
    if (!p) {
        fake_answer_const(a, 500, ctype, "{\"error\":\"out of memory\"}");
        return;
    }
    a->status = status;
    a->ctype = ctype;
    a->body = p;
    a->len = len;
    a->owned = true;
}

void fake_answer_release(struct fake_answer *a)
{
    if (a->owned)
        free(a->body);
    a->body = NULL;
    a->owned = false;
}

void fake_api_route(const char *path, enum fake_api *api, enum fake_ep *ep)
{
    if (strncmp(path, "/3/", 3) == 0) {
        *api = FAKE_API_TMDB;
        if (strcmp(path, "/3/discover/movie") == 0)
            *ep = FAKE_EP_DISCOVER;
        else if (strcmp(path, "/3/movie/changes") == 0)
            *ep = FAKE_EP_CHANGES;
        else if (strncmp(path, "/3/movie/", 9) == 0 && path[9] >= '0' && path[9] <= '9')
            *ep = FAKE_EP_MOVIE;
        else
            *ep = FAKE_EP_TMDB_OTHER;
    } else if (strcmp(path, "/omdb") == 0 || strcmp(path, "/omdb/") == 0) {
        *api = FAKE_API_OMDB;
        *ep = FAKE_EP_OMDB;
    } else if (strncmp(path, "/__", 3) == 0) {
        *api = FAKE_API_ADMIN;
        *ep = FAKE_EP_ADMIN;
    } else {
        *api = FAKE_API_OTHER;
        *ep = FAKE_EP_OTHER;
    }
}

bool fake_api_tmdb_auth(const struct fake_req *r, struct fake_answer *a)
{
    const char *key = fake_query_get(&r->q, "api_key");
    if ((key && strcmp(key, r->cfg->tmdb_key) == 0) ||
        (r->bearer && strcmp(r->bearer, r->cfg->tmdb_key) == 0))
        return true;
    fake_answer_const(a, 401, FAKE_CT_TMDB, TMDB_401);
    return false;
}

static bool parse_id(const char *s, long *id)
{
    long v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000000)
            return false;
        v = v * 10 + (*s - '0');
    }
    *id = v;
    return true;
}

static void tmdb_movie(const struct fake_req *r, struct fake_answer *a)
{
    long id;
    int n_parts;
    if (!parse_id(r->path + 9, &id)) {
        fake_answer_const(a, 404, FAKE_CT_TMDB, TMDB_404);
        return;
    }
    fake_parts_parse(fake_query_get(&r->q, "append_to_response"), &n_parts);
    if (n_parts > FAKE_APPEND_MAX) { /* code 27 of TMDB's error table */
        fake_answer_const(a, 400, FAKE_CT_TMDB, TMDB_400_APPEND);
        return;
    }
    if (r->fix) {
        char name[64];
        size_t len;
        snprintf(name, sizeof(name), "movie_%ld", id);
        const char *body = fake_fixtures_get(r->fix, "tmdb", name, &len);
        fake_answer_const(a, body ? 200 : 404, FAKE_CT_TMDB, body ? body : TMDB_404);
        return;
    }
    struct fake_buf b;
    fake_buf_init(&b, 2048);
    if (r->cat && fake_catalog_movie_json(r->cat, id, r->today,
                                          fake_query_get(&r->q, "append_to_response"), &b)) {
        fake_answer_buf(a, 200, FAKE_CT_TMDB, &b);
        return;
    }
    fake_buf_release(&b);
    fake_answer_const(a, 404, FAKE_CT_TMDB, TMDB_404);
}

/* The page parameter: 1 when absent; false (A filled) when outside 1..500 or not an integer. */
static bool page_param(const struct fake_req *r, struct fake_answer *a, long *page)
{
    *page = 1;
    if (!fake_query_get(&r->q, "page"))
        return true;
    if (fake_query_long(&r->q, "page", 1, 500, page))
        return true;
    if (r->cfg->page_error_422)
        fake_answer_const(a, 422, FAKE_CT_TMDB, TMDB_422_PAGE);
    else
        fake_answer_const(a, 400, FAKE_CT_TMDB, TMDB_400_PAGE);
    return false;
}

static enum fake_sort sort_param(const char *s)
{
    if (!s)
        return FAKE_SORT_POPULARITY;
    if (strcmp(s, "primary_release_date.desc") == 0 || strcmp(s, "release_date.desc") == 0)
        return FAKE_SORT_DATE_DESC;
    if (strcmp(s, "primary_release_date.asc") == 0 || strcmp(s, "release_date.asc") == 0)
        return FAKE_SORT_DATE_ASC;
    if (strcmp(s, "vote_count.desc") == 0)
        return FAKE_SORT_VOTES;
    return FAKE_SORT_POPULARITY;
}

static void discover_fixture(const struct fake_req *r, const struct fake_discover *d,
                             struct fake_answer *a)
{
    char name[64];
    size_t len;
    int y = 0, m, dd;
    const char *year = fake_query_get(&r->q, "primary_release_year");
    if (d->has_gte)
        rs_date_to_ymd(d->gte, &y, &m, &dd);
    else if (year)
        y = (int)strtol(year, NULL, 10);
    snprintf(name, sizeof(name), "discover_%d_page%ld", y, d->page);
    const char *body = fake_fixtures_get(r->fix, "tmdb", name, &len);
    if (body) {
        fake_answer_const(a, 200, FAKE_CT_TMDB, body);
        return;
    }
    struct fake_buf b;
    fake_buf_init(&b, 128);
    fake_buf_printf(&b, "{\"page\":%ld,\"results\":[],\"total_pages\":0,\"total_results\":0}",
                    d->page);
    fake_answer_buf(a, 200, FAKE_CT_TMDB, &b);
}

static void tmdb_discover(const struct fake_req *r, struct fake_answer *a)
{
    struct fake_discover d = {0};
    if (!page_param(r, a, &d.page))
        return;
    const char *gte = fake_query_get(&r->q, "primary_release_date.gte");
    const char *lte = fake_query_get(&r->q, "primary_release_date.lte");
    const char *adult = fake_query_get(&r->q, "include_adult");
    const char *video = fake_query_get(&r->q, "include_video");
    d.has_gte = gte && rs_date_parse(gte, &d.gte);
    d.has_lte = lte && rs_date_parse(lte, &d.lte);
    if ((gte && !d.has_gte) || (lte && !d.has_lte)) {
        fake_answer_const(a, 400, FAKE_CT_TMDB, TMDB_400_DATE);
        return;
    }
    if (!fake_query_long(&r->q, "vote_count.gte", 0, 1000000000, &d.vote_count_gte))
        d.vote_count_gte = 0;
    d.sort = sort_param(fake_query_get(&r->q, "sort_by"));
    d.include_adult = adult && strcmp(adult, "true") == 0;
    d.include_video = video && strcmp(video, "true") == 0;
    if (r->fix || !r->cat) {
        discover_fixture(r, &d, a);
        return;
    }
    struct fake_buf b;
    fake_buf_init(&b, 24 * 1024);
    fake_catalog_discover_json(r->cat, &d, r->today, &b);
    fake_answer_buf(a, 200, FAKE_CT_TMDB, &b);
}

static void tmdb_changes(const struct fake_req *r, struct fake_answer *a)
{
    long page;
    if (!page_param(r, a, &page))
        return;
    const char *s = fake_query_get(&r->q, "start_date"), *e = fake_query_get(&r->q, "end_date");
    rs_date_t start = r->today - 1, end = r->today;
    if ((s && !rs_date_parse(s, &start)) || (e && !rs_date_parse(e, &end))) {
        fake_answer_const(a, 400, FAKE_CT_TMDB, TMDB_400_DATE);
        return;
    }
    if (s && !e)
        end = start + 14 < r->today ? start + 14 : r->today;
    if (e && !s)
        start = end - 1;
    if (end < start || end - start > 14) {
        fake_answer_const(a, 422, FAKE_CT_TMDB, TMDB_422_RANGE);
        return;
    }
    struct fake_buf b;
    fake_buf_init(&b, 4096);
    if (r->cat && !r->fix)
        fake_catalog_changes_json(r->cat, start, end, page, &b);
    else
        fake_buf_printf(&b, "{\"results\":[],\"page\":%ld,\"total_pages\":0,\"total_results\":0}",
                        page);
    fake_answer_buf(a, 200, FAKE_CT_TMDB, &b);
}

void fake_api_tmdb(const struct fake_req *r, struct fake_answer *a)
{
    switch (r->ep) {
    case FAKE_EP_MOVIE:
        tmdb_movie(r, a);
        break;
    case FAKE_EP_DISCOVER:
        tmdb_discover(r, a);
        break;
    case FAKE_EP_CHANGES:
        tmdb_changes(r, a);
        break;
    default:
        fake_answer_const(a, 404, FAKE_CT_TMDB, TMDB_404);
        break;
    }
}

bool fake_api_omdb_auth(const struct fake_req *r, struct fake_answer *a)
{
    const char *key = fake_query_get(&r->q, "apikey");
    if (!key || !*key) {
        fake_answer_const(a, 401, FAKE_CT_OMDB, OMDB_NO_KEY);
        return false;
    }
    if (strcmp(key, r->cfg->omdb_key) != 0) {
        fake_answer_const(a, 401, FAKE_CT_OMDB, OMDB_BAD_KEY);
        return false;
    }
    return true;
}

static bool imdb_format_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 9 || n > 10 || strncmp(s, "tt", 2) != 0)
        return false;
    for (size_t k = 2; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            return false;
    return true;
}

void fake_api_omdb(const struct fake_req *r, struct fake_answer *a)
{
    const char *id = fake_query_get(&r->q, "i");
    if (!id && fake_query_get(&r->q, "t")) {
        fake_answer_const(a, 200, FAKE_CT_OMDB, OMDB_NOT_FOUND);
        return;
    }
    if (!id || !imdb_format_ok(id)) {
        fake_answer_const(a, 200, FAKE_CT_OMDB, OMDB_BAD_ID);
        return;
    }
    if (r->fix) {
        size_t len;
        const char *body = fake_fixtures_get(r->fix, "omdb", id, &len);
        fake_answer_const(a, 200, FAKE_CT_OMDB, body ? body : OMDB_NO_DATA);
        return;
    }
    struct fake_buf b;
    fake_buf_init(&b, 2048);
    if (r->cat && fake_catalog_omdb_json(r->cat, id, r->today, &b)) {
        fake_answer_buf(a, 200, FAKE_CT_OMDB, &b);
        return;
    }
    fake_buf_release(&b);
    fake_answer_const(a, 200, FAKE_CT_OMDB, OMDB_NO_DATA);
}
