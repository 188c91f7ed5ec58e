/*
 * tmdb: the TMDB v3 side of reelsync without I/O. Builds the request suffixes the HTTP
 * engine sends, classifies what came back (the status by the one mapping of
 * http_status_class, then the body of a 2xx: TMDB's CDN answers 502/504 with HTML), and
 * parses bodies into struct tmdb_movie, which normalize.c turns into rows. Only the
 * required id makes a body unreadable; an optional field of the wrong type is NULL with
 * a warning naming it.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "reelsync/http.h"
#include "reelsync/tmdb.h"

bool tmdb_discover_suffix(char *buf, size_t len, rs_date_t from, rs_date_t to, int min_votes,
                          int page)
{
    char gte[16], lte[16];
    if (page < 1 || min_votes < 0)
        return false;
    int n = snprintf(buf, len,
                     "/discover/movie?primary_release_date.gte=%s&primary_release_date.lte=%s"
                     "&vote_count.gte=%d&sort_by=primary_release_date.desc"
                     "&include_adult=false&include_video=false&page=%d",
                     rs_date_format(from, gte, sizeof(gte)), rs_date_format(to, lte, sizeof(lte)),
                     min_votes, page);
    return n >= 0 && (size_t)n < len;
}

bool tmdb_movie_suffix(char *buf, size_t len, int64_t tmdb_id)
{
    if (tmdb_id <= 0)
        return false;
    int n = snprintf(buf, len, "/movie/%lld", (long long)tmdb_id);
    return n >= 0 && (size_t)n < len;
}

/*
 * True when BODY parses whole as a JSON object. A 2xx that does not (cut short, malformed,
 * an HTML page from a proxy) is bad_response, which the engine retries like a 5xx.
 */
static bool is_json_object(const char *body, size_t len)
{
    if (!rs_looks_like_object(body, len))
        return false; /* an HTML page, say: no need to parse it */
    json_t *doc = json_loadb(body, len, 0, NULL);
    bool ok = json_is_object(doc);
    json_decref(doc);
    return ok;
}

const char *tmdb_json_version(void)
{
    return jansson_version_str();
}

enum rs_err tmdb_classify(long status, const char *body, size_t len)
{
    enum rs_err code = http_status_class(status);
    if (code == RS_OK && !is_json_object(body, len))
        return RS_ERR_BAD_RESPONSE; /* the 5xx of the CDN are HTML too: the status decides */
    return code;
}

/* True when some string of the JSON array ERRORS mentions the page. */
static bool errors_name_page(const json_t *errors)
{
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e)
    {
        if (json_is_string(e) && strstr(json_string_value(e), "page"))
            return true;
    }
    return false;
}

bool tmdb_is_page_cap_error(long status, const char *body, size_t len)
{
    if ((status != 400 && status != 422) || !body)
        return false;
    json_t *doc = json_loadb(body, len, 0, NULL);
    const json_t *code = json_object_get(doc, "status_code");
    const json_t *errors = json_object_get(doc, "errors");
    bool cap = (json_is_integer(code) && json_integer_value(code) == 22) ||
               (json_is_array(errors) && errors_name_page(errors));
    json_decref(doc);
    return cap;
}

/* Field readers: a missing or null key is NULL; a key of the wrong type NULL plus a warning. */
struct reader {
    const json_t *obj;
    int64_t id;
    const struct rs_log *log;
};

static const json_t *field(const struct reader *r, const char *key)
{
    const json_t *v = json_object_get(r->obj, key);
    return json_is_null(v) ? NULL : v;
}

static void wrong_type(const struct reader *r, const char *key)
{
    rs_logf(r->log, RS_LOG_WARN, "tmdb: unexpected type for %s tmdb_id=%lld", key,
            (long long)r->id);
}

static const char *get_str(const struct reader *r, const char *key)
{
    const json_t *v = field(r, key);
    if (v && !json_is_string(v)) {
        wrong_type(r, key);
        return NULL;
    }
    return v ? json_string_value(v) : NULL;
}

static struct rs_i64 get_int(const struct reader *r, const char *key)
{
    const json_t *v = field(r, key);
    if (v && !json_is_integer(v)) {
        wrong_type(r, key);
        return RS_NULL_I64;
    }
    return v ? RS_I64(json_integer_value(v)) : RS_NULL_I64;
}

/* A number that TMDB sends as an integer (8) or a real (8.2). */
static struct rs_f64 get_num(const struct reader *r, const char *key)
{
    const json_t *v = field(r, key);
    if (v && !json_is_number(v)) {
        wrong_type(r, key);
        return RS_NULL_F64;
    }
    return v ? RS_F64(json_number_value(v)) : RS_NULL_F64;
}

static struct rs_i64 get_bool(const struct reader *r, const char *key)
{
    const json_t *v = field(r, key);
    if (v && !json_is_boolean(v)) {
        wrong_type(r, key);
        return RS_NULL_I64;
    }
    return v ? RS_I64(json_is_true(v) ? 1 : 0) : RS_NULL_I64;
}

/*
 * The "name" of every object in the array KEY, borrowed, into a malloc'd array *OUT (NULL
 * when there are none). Entries without a string name are skipped with a warning. False
 * only when out of memory.
 */
static bool get_names(const struct reader *r, const char *key, const char ***out, size_t *n)
{
    const json_t *arr = field(r, key);
    *out = NULL;
    *n = 0;
    if (arr && !json_is_array(arr))
        wrong_type(r, key);
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return true;
    const char **names = calloc(json_array_size(arr), sizeof(*names));
    if (!names)
        return false;
    size_t i;
    const json_t *e;
    json_array_foreach(arr, i, e)
    {
        const json_t *name = json_object_get(e, "name");
        if (json_is_string(name))
            names[(*n)++] = json_string_value(name);
        else
            wrong_type(r, key);
    }
    *out = names;
    return true;
}

/* The scalar fields of a details body. */
static void movie_scalars(const struct reader *r, struct tmdb_movie *m)
{
    m->imdb_id = get_str(r, "imdb_id");
    m->title = get_str(r, "title");
    m->original_title = get_str(r, "original_title");
    m->overview = get_str(r, "overview");
    m->tagline = get_str(r, "tagline");
    m->release_date = get_str(r, "release_date");
    m->status = get_str(r, "status");
    m->original_language = get_str(r, "original_language");
    m->runtime = get_int(r, "runtime");
    m->budget = get_int(r, "budget");
    m->revenue = get_int(r, "revenue");
    m->vote_count = get_int(r, "vote_count");
    m->adult = get_bool(r, "adult");
    m->vote_average = get_num(r, "vote_average");
    m->popularity = get_num(r, "popularity");
}

/* The positive integer "id" of OBJ, or 0 when there is none. */
static int64_t object_id(const json_t *obj)
{
    const json_t *id = json_object_get(obj, "id");
    if (!json_is_integer(id) || json_integer_value(id) <= 0)
        return 0;
    return json_integer_value(id);
}

/* Parses BODY into a JSON object; RS_ERR_BAD_RESPONSE (naming WHAT) for anything else. */
static enum rs_err load_object(const char *body, size_t len, const char *what, json_t **out,
                               struct rs_error *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", body ? len : 0, 0, &jerr);
    if (!doc)
        return rs_fail(err, RS_ERR_BAD_RESPONSE, "tmdb: %s: bad JSON at line %d: %s", what,
                       jerr.line, jerr.text);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return rs_fail(err, RS_ERR_BAD_RESPONSE, "tmdb: %s: the body is not a JSON object", what);
    }
    *out = doc;
    return RS_OK;
}

enum rs_err tmdb_parse_movie(const char *body, size_t len, int64_t expect_id, struct tmdb_row *out,
                             const struct rs_log *log, struct rs_error *err)
{
    char what[48];
    json_t *doc = NULL;
    struct tmdb_movie m = {.raw = body, .raw_len = len};
    const char **genres = NULL, **companies = NULL;
    enum rs_err rc;

    if (expect_id > 0)
        snprintf(what, sizeof(what), "movie %lld", (long long)expect_id);
    else
        snprintf(what, sizeof(what), "movie");
    rc = load_object(body, len, what, &doc, err);
    if (rc != RS_OK)
        goto cleanup;
    m.id = object_id(doc);
    if (m.id == 0 || (expect_id > 0 && m.id != expect_id)) {
        rc = rs_fail(err, RS_ERR_BAD_RESPONSE, "tmdb: %s: %s", what,
                     m.id == 0 ? "no numeric id" : "the body is another movie's");
        goto cleanup;
    }
    struct reader r = {.obj = doc, .id = m.id, .log = log};
    movie_scalars(&r, &m);
    if (!get_names(&r, "genres", &genres, &m.n_genres) ||
        !get_names(&r, "production_companies", &companies, &m.n_production_companies)) {
        rc = rs_fail(err, RS_ERR_NOMEM, "tmdb: %s: out of memory", what);
        goto cleanup;
    }
    m.genres = genres;
    m.production_companies = companies;
    rc = norm_tmdb_movie(&m, out, log, err);
cleanup:
    free(genres);
    free(companies);
    json_decref(doc);
    return rc;
}

/* One entry of a discover page into ROW; *SKIPPED (and logged) when it has no usable id. */
static enum rs_err discover_entry(const json_t *e, size_t index, struct discover_row *row,
                                  bool *skipped, const struct rs_log *log, struct rs_error *err)
{
    struct tmdb_movie m = {.id = object_id(e)};
    *skipped = m.id == 0;
    if (*skipped) {
        rs_logf(log, RS_LOG_WARN, "tmdb: discover result %zu without a usable id skipped", index);
        return RS_OK;
    }
    struct reader r = {.obj = e, .id = m.id, .log = log};
    m.title = get_str(&r, "title");
    m.release_date = get_str(&r, "release_date");
    m.vote_average = get_num(&r, "vote_average");
    m.vote_count = get_int(&r, "vote_count");
    m.popularity = get_num(&r, "popularity");
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
    enum rs_err rc = load_object(body, len, "discover page", &doc, err);
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
    enum rs_err rc = load_object(body, len, "changes page", &doc, err);
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
