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
#include "raw_trim.h"
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
    int n = snprintf(buf, len, "/movie/%lld?append_to_response=" TMDB_APPEND, (long long)tmdb_id);
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

/* ------------------------------------------------- appended parts */

/*
 * The parts of a details answer, borrowed from the parsed document: the API structs of
 * normalize.h, their arrays malloc'd here (tmdb_parts_free).
 */
struct parts_read {
    struct tmdb_parts_in in;
    struct tmdb_credit *cast, *crew;
    struct tmdb_keyword *keywords;
    struct tmdb_release *releases;
    bool *keep_cast, *keep_crew;
};

static void tmdb_parts_free(struct parts_read *p)
{
    free(p->cast);
    free(p->crew);
    free(p->keywords);
    free(p->releases);
    free(p->keep_cast);
    free(p->keep_crew);
}

/* The object part KEY of the answer, or NULL (with a warning when it is not an object). */
static const json_t *part(const struct reader *r, const char *key)
{
    const json_t *v = field(r, key);
    if (v && !json_is_object(v)) {
        wrong_type(r, key);
        return NULL;
    }
    return v;
}

/* The entries of the array KEY of OBJ into a calloc'd *OUT; false only when out of memory. */
static bool credit_list(const struct reader *r, const json_t *obj, const char *key, bool cast,
                        struct tmdb_credit **out, size_t *n)
{
    const json_t *arr = json_object_get(obj, key);
    size_t i;
    const json_t *e;
    *n = json_is_array(arr) ? json_array_size(arr) : 0;
    *out = calloc(*n ? *n : 1, sizeof(**out));
    if (!*out)
        return false;
    json_array_foreach(arr, i, e)
    {
        struct reader er = {.obj = e, .id = r->id, .log = r->log};
        struct tmdb_credit *c = &(*out)[i];
        c->id = object_id(e);
        c->name = get_str(&er, "name");
        if (cast) {
            c->character = get_str(&er, "character");
            c->order = get_int(&er, "order");
        } else {
            c->job = get_str(&er, "job");
            c->department = get_str(&er, "department");
        }
    }
    return true;
}

static bool read_keywords(const struct reader *r, struct parts_read *p)
{
    const json_t *kw = part(r, "keywords");
    const json_t *arr = json_object_get(kw, "keywords");
    size_t i;
    const json_t *e;
    p->in.has_keywords = kw != NULL;
    p->in.n_keywords = json_is_array(arr) ? json_array_size(arr) : 0;
    p->keywords = calloc(p->in.n_keywords ? p->in.n_keywords : 1, sizeof(*p->keywords));
    if (!p->keywords)
        return false;
    json_array_foreach(arr, i, e)
    {
        struct reader er = {.obj = e, .id = r->id, .log = r->log};
        p->keywords[i].id = object_id(e);
        p->keywords[i].name = get_str(&er, "name");
    }
    p->in.keywords = p->keywords;
    return true;
}

/* release_dates: {"results":[{"iso_3166_1":"US","release_dates":[{...}]}]}, flattened. */
static bool read_releases(const struct reader *r, struct parts_read *p)
{
    const json_t *rd = part(r, "release_dates");
    const json_t *results = json_object_get(rd, "results");
    size_t i, k, total = 0;
    const json_t *c, *e;
    p->in.has_release_dates = rd != NULL;
    json_array_foreach(results, i, c) total += json_array_size(json_object_get(c, "release_dates"));
    p->releases = calloc(total ? total : 1, sizeof(*p->releases));
    if (!p->releases)
        return false;
    json_array_foreach(results, i, c)
    {
        struct reader cr = {.obj = c, .id = r->id, .log = r->log};
        const char *country = get_str(&cr, "iso_3166_1");
        json_array_foreach(json_object_get(c, "release_dates"), k, e)
        {
            struct reader er = {.obj = e, .id = r->id, .log = r->log};
            struct tmdb_release *x = &p->releases[p->in.n_releases++];
            x->country = country;
            x->type = get_int(&er, "type");
            x->release_date = get_str(&er, "release_date");
            x->certification = get_str(&er, "certification");
            x->note = get_str(&er, "note");
        }
    }
    p->in.releases = p->releases;
    return true;
}

static bool read_parts(const struct reader *r, struct parts_read *p)
{
    const json_t *credits = part(r, "credits");
    p->in.has_credits = credits != NULL;
    if (!credit_list(r, credits, "cast", true, &p->cast, &p->in.n_cast) ||
        !credit_list(r, credits, "crew", false, &p->crew, &p->in.n_crew))
        return false;
    p->in.cast = p->cast;
    p->in.crew = p->crew;
    p->keep_cast = calloc(p->in.n_cast + 1, sizeof(bool));
    p->keep_crew = calloc(p->in.n_crew + 1, sizeof(bool));
    return p->keep_cast && p->keep_crew && read_keywords(r, p) && read_releases(r, p);
}

/* TMDB documents external_ids as the place of the IMDb id: it fills a missing or "" one. */
static void external_imdb(const struct reader *r, struct tmdb_movie *m)
{
    if (m->imdb_id && m->imdb_id[0])
        return;
    const json_t *ext = part(r, "external_ids");
    const json_t *id = json_object_get(ext, "imdb_id");
    if (json_is_string(id) && json_string_length(id) > 0)
        m->imdb_id = json_string_value(id);
}

/*
 * The parts of the answer as rows into *PARTS, and *TRIMMED (NULL when there were no credit
 * entries): BODY with its credits cut to the entries that became rows, and those to the
 * members their rows are made of.
 */
static enum rs_err movie_parts(const struct reader *r, const char *body, size_t len,
                               struct tmdb_parts *parts, char **trimmed, size_t *trimmed_len,
                               struct rs_error *err)
{
    struct parts_read p = {0};
    enum rs_err rc = RS_OK;
    *trimmed = NULL;
    if (!read_parts(r, &p))
        rc = rs_fail(err, RS_ERR_NOMEM, "tmdb: movie %lld: out of memory", (long long)r->id);
    if (rc == RS_OK)
        rc = norm_tmdb_parts(&p.in, r->id, parts, p.keep_cast, p.keep_crew, r->log, err);
    /* TMDB's credit entries carry more than the rows need: any entry is cut */
    if (rc == RS_OK && p.in.n_cast + p.in.n_crew > 0 &&
        raw_trim_credits(body, len, p.keep_cast, p.in.n_cast, p.keep_crew, p.in.n_crew, trimmed,
                         trimmed_len) != RS_OK) {
        norm_tmdb_parts_release(parts);
        rc = rs_fail(err, RS_ERR_NOMEM, "tmdb: movie %lld: out of memory", (long long)r->id);
    }
    tmdb_parts_free(&p);
    return rc;
}

enum rs_err tmdb_parse_movie(const char *body, size_t len, int64_t expect_id, struct tmdb_row *out,
                             const struct rs_log *log, struct rs_error *err)
{
    char what[48];
    json_t *doc = NULL;
    struct tmdb_movie m = {.raw = body, .raw_len = len};
    struct tmdb_parts parts = {0};
    const char **genres = NULL, **companies = NULL;
    char *trimmed = NULL;
    size_t trimmed_len = 0;
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
    external_imdb(&r, &m);
    if (!get_names(&r, "genres", &genres, &m.n_genres) ||
        !get_names(&r, "production_companies", &companies, &m.n_production_companies)) {
        rc = rs_fail(err, RS_ERR_NOMEM, "tmdb: %s: out of memory", what);
        goto cleanup;
    }
    m.genres = genres;
    m.production_companies = companies;
    rc = movie_parts(&r, body, len, &parts, &trimmed, &trimmed_len, err);
    if (rc != RS_OK)
        goto cleanup;
    if (trimmed) {
        m.raw = trimmed;
        m.raw_len = trimmed_len;
    }
    rc = norm_tmdb_movie(&m, out, log, err);
    if (rc == RS_OK) {
        out->parts = parts;
        parts = (struct tmdb_parts){0};
    }
cleanup:
    norm_tmdb_parts_release(&parts);
    free(trimmed);
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
