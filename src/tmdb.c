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
#include "json_load.h"
#include "raw_trim.h"
#include "reelsync/http.h"
#include "reelsync/tmdb.h"
#include "tmdb_int.h"

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

const char *tmdb_json_version(void)
{
    return jansson_version_str();
}

/*
 * A 2xx whose body does not parse whole as a JSON object (cut short, malformed, an HTML
 * page from a proxy) is bad_response, which the engine retries like a 5xx. The 5xx of the
 * CDN are HTML too: for them the status decides.
 */
enum rs_err tmdb_classify_doc(long status, const char *body, size_t len, void **doc)
{
    enum rs_err code = http_status_class(status);
    if (code != RS_OK)
        return code;
    /* an HTML page, say, is not parsed at all */
    json_t *parsed = rs_looks_like_object(body, len) ? rs_json_load(body, len, NULL) : NULL;
    if (!json_is_object(parsed)) {
        json_decref(parsed);
        return RS_ERR_BAD_RESPONSE;
    }
    if (doc)
        *doc = parsed;
    else
        json_decref(parsed);
    return RS_OK;
}

enum rs_err tmdb_classify(long status, const char *body, size_t len)
{
    return tmdb_classify_doc(status, body, len, NULL);
}

void tmdb_free_doc(void *doc)
{
    json_decref(doc);
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
    json_t *doc = rs_json_load(body, len, NULL);
    const json_t *code = json_object_get(doc, "status_code");
    const json_t *errors = json_object_get(doc, "errors");
    bool cap = (json_is_integer(code) && json_integer_value(code) == 22) ||
               (json_is_array(errors) && errors_name_page(errors));
    json_decref(doc);
    return cap;
}

/* The scalar fields of a details body. */
static void movie_scalars(const struct tmdb_reader *r, struct tmdb_movie *m)
{
    m->imdb_id = tmdb_get_str(r, "imdb_id");
    m->title = tmdb_get_str(r, "title");
    m->original_title = tmdb_get_str(r, "original_title");
    m->overview = tmdb_get_str(r, "overview");
    m->tagline = tmdb_get_str(r, "tagline");
    m->release_date = tmdb_get_str(r, "release_date");
    m->status = tmdb_get_str(r, "status");
    m->original_language = tmdb_get_str(r, "original_language");
    m->runtime = tmdb_get_int(r, "runtime");
    m->budget = tmdb_get_int(r, "budget");
    m->revenue = tmdb_get_int(r, "revenue");
    m->vote_count = tmdb_get_int(r, "vote_count");
    m->adult = tmdb_get_bool(r, "adult");
    m->vote_average = tmdb_get_num(r, "vote_average");
    m->popularity = tmdb_get_num(r, "popularity");
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
static const json_t *part(const struct tmdb_reader *r, const char *key)
{
    const json_t *v = tmdb_field(r, key);
    if (v && !json_is_object(v)) {
        tmdb_wrong_type(r, key);
        return NULL;
    }
    return v;
}

/* The entries of the array KEY of OBJ into a calloc'd *OUT; false only when out of memory. */
static bool credit_list(const struct tmdb_reader *r, const json_t *obj, const char *key, bool cast,
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
        struct tmdb_reader er = {.obj = e, .id = r->id, .log = r->log};
        struct tmdb_credit *c = &(*out)[i];
        c->id = tmdb_object_id(e);
        c->name = tmdb_get_str(&er, "name");
        if (cast) {
            c->character = tmdb_get_str(&er, "character");
            c->order = tmdb_get_int(&er, "order");
        } else {
            c->job = tmdb_get_str(&er, "job");
            c->department = tmdb_get_str(&er, "department");
        }
    }
    return true;
}

static bool read_keywords(const struct tmdb_reader *r, struct parts_read *p)
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
        struct tmdb_reader er = {.obj = e, .id = r->id, .log = r->log};
        p->keywords[i].id = tmdb_object_id(e);
        p->keywords[i].name = tmdb_get_str(&er, "name");
    }
    p->in.keywords = p->keywords;
    return true;
}

/* release_dates: {"results":[{"iso_3166_1":"US","release_dates":[{...}]}]}, flattened. */
static bool read_releases(const struct tmdb_reader *r, struct parts_read *p)
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
        struct tmdb_reader cr = {.obj = c, .id = r->id, .log = r->log};
        const char *country = tmdb_get_str(&cr, "iso_3166_1");
        json_array_foreach(json_object_get(c, "release_dates"), k, e)
        {
            struct tmdb_reader er = {.obj = e, .id = r->id, .log = r->log};
            struct tmdb_release *x = &p->releases[p->in.n_releases++];
            x->country = country;
            x->type = tmdb_get_int(&er, "type");
            x->release_date = tmdb_get_str(&er, "release_date");
            x->certification = tmdb_get_str(&er, "certification");
            x->note = tmdb_get_str(&er, "note");
        }
    }
    p->in.releases = p->releases;
    return true;
}

static bool read_parts(const struct tmdb_reader *r, struct parts_read *p)
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
static void external_imdb(const struct tmdb_reader *r, struct tmdb_movie *m)
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
static enum rs_err movie_parts(const struct tmdb_reader *r, const char *body, size_t len,
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
    return tmdb_parse_movie_doc(NULL, body, len, expect_id, out, log, err);
}

enum rs_err tmdb_parse_movie_doc(void *parsed, const char *body, size_t len, int64_t expect_id,
                                 struct tmdb_row *out, const struct rs_log *log,
                                 struct rs_error *err)
{
    char what[48];
    json_t *doc = NULL;
    struct tmdb_movie m = {.raw = body, .raw_len = len};
    struct tmdb_parts parts = {0};
    const char **genres = NULL, **companies = NULL;
    char *trimmed = NULL;
    size_t trimmed_len = 0;
    enum rs_err rc = RS_OK;

    if (expect_id > 0)
        snprintf(what, sizeof(what), "movie %lld", (long long)expect_id);
    else
        snprintf(what, sizeof(what), "movie");
    if (json_is_object((json_t *)parsed))
        doc = json_incref(parsed); /* tmdb_classify_doc's parse of the same body */
    else
        rc = tmdb_load_object(body, len, what, &doc, err);
    if (rc != RS_OK)
        goto cleanup;
    m.id = tmdb_object_id(doc);
    if (m.id == 0 || (expect_id > 0 && m.id != expect_id)) {
        rc = rs_fail(err, RS_ERR_BAD_RESPONSE, "tmdb: %s: %s", what,
                     m.id == 0 ? "no numeric id" : "the body is another movie's");
        goto cleanup;
    }
    struct tmdb_reader r = {.obj = doc, .id = m.id, .log = log};
    movie_scalars(&r, &m);
    external_imdb(&r, &m);
    if (!tmdb_get_names(&r, "genres", &genres, &m.n_genres) ||
        !tmdb_get_names(&r, "production_companies", &companies, &m.n_production_companies)) {
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
