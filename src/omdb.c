/*
 * omdb: the OMDB side of reelsync without I/O. Builds the request suffix, classifies
 * answers (OMDB reports errors in the body: not found with HTTP 200, a bad key and the
 * used-up quota both with 401, told apart only by the Error text), and parses a record into
 * struct omdb_movie, the strings as OMDB sent them, which normalize.c reads.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "json_load.h"
#include "reelsync/http.h"
#include "reelsync/omdb.h"

#define OMDB_ID_MAX 32 /* an IMDb id is "tt" and 7 or 8 digits; leave room, refuse junk */

/* True when ID is 1..OMDB_ID_MAX ASCII letters and digits (nothing to URL-encode then). */
static bool valid_id(const char *id)
{
    size_t n = 0;
    for (; id && id[n]; n++) {
        char c = id[n];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum || n >= OMDB_ID_MAX)
            return false;
    }
    return n > 0;
}

bool omdb_suffix(char *buf, size_t len, const char *imdb_id)
{
    if (!valid_id(imdb_id))
        return false;
    int n = snprintf(buf, len, "?i=%s&plot=short&r=json", imdb_id);
    return n >= 0 && (size_t)n < len;
}

/* The class of a known Error text, RS_OK for an unknown one. */
static enum rs_err error_text_class(const char *text)
{
    static const struct {
        const char *text;
        enum rs_err code;
    } known[] = {
        {"Movie not found!", RS_ERR_NOT_FOUND},
        {"Incorrect IMDb ID.", RS_ERR_NOT_FOUND},
        {"Error getting data.", RS_ERR_NOT_FOUND},
        {"Invalid API key!", RS_ERR_AUTH},
        {"No API key provided.", RS_ERR_AUTH},
        {"Request limit reached!", RS_ERR_QUOTA_EXHAUSTED},
    };
    for (size_t i = 0; text && i < RS_ARRAY_LEN(known); i++) {
        if (strcmp(text, known[i].text) == 0)
            return known[i].code;
    }
    return RS_OK;
}

/* The Error text of a {"Response":"False"} object DOC, "" when it has none; NULL otherwise. */
static const char *false_error(const json_t *doc)
{
    const json_t *resp = json_object_get(doc, "Response");
    if (!json_is_string(resp) || strcmp(json_string_value(resp), "False") != 0)
        return NULL;
    const json_t *error = json_object_get(doc, "Error");
    return json_is_string(error) ? json_string_value(error) : "";
}

/* True when NEEDLE occurs in the LEN bytes of BODY (memmem is a GNU extension). */
static bool contains(const char *body, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = body; p && (size_t)(p - body) + n <= len; p++) {
        p = memchr(p, needle[0], len - (size_t)(p - body));
        if (!p || (size_t)(p - body) + n > len)
            return false;
        if (memcmp(p, needle, n) == 0)
            return true;
    }
    return false;
}

/*
 * The class a parsed body DOC says, RS_OK when it says none: a Response False answer by
 * its Error text; under a 2xx, a body that is no JSON object (cut short, malformed, an HTML
 * page: retried like a 5xx) or an Error we do not know is RS_ERR_BAD_RESPONSE.
 */
static enum rs_err body_class(const json_t *doc, bool is_2xx)
{
    const char *text = false_error(doc);
    enum rs_err code = error_text_class(text);
    if (code != RS_OK)
        return code;
    if (is_2xx && (text || !json_is_object(doc)))
        return RS_ERR_BAD_RESPONSE;
    return RS_OK;
}

enum rs_err omdb_classify(long status, const char *body, size_t len)
{
    return omdb_classify_doc(status, body, len, NULL);
}

void omdb_free_doc(void *doc)
{
    json_decref(doc);
}

enum rs_err omdb_classify_doc(long status, const char *body, size_t len, void **kept)
{
    bool is_2xx = status >= 200 && status < 300;

    /*
     * A 2xx body is parsed whole (a record is about 1 KB); another is parsed only when it
     * holds the token "False", the only way it can be a Response False answer.
     */
    if (is_2xx && !rs_looks_like_object(body, len))
        return RS_ERR_BAD_RESPONSE; /* an HTML page, say: no need to parse it */
    if (is_2xx || (body && len > 0 && contains(body, len, "\"False\""))) {
        json_t *doc = rs_json_load(body, len, NULL);
        enum rs_err code = body_class(doc, is_2xx);
        if (code == RS_OK && is_2xx && kept)
            *kept = doc; /* for omdb_parse_movie_doc: the body is parsed once */
        else
            json_decref(doc);
        if (code != RS_OK)
            return code;
    }
    /* OMDB answers a movie it lacks with a 200 (above): a 404 is a wrong URL, not that. */
    if (status == 404)
        return RS_ERR_BAD_RESPONSE;
    return http_status_class(status);
}

/* Field readers: a missing or null key is NULL; a non-string NULL plus a warning. */
static const char *get_str(const json_t *obj, const char *key, const char *imdb_id,
                           const struct rs_log *log)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        rs_logf(log, RS_LOG_WARN, "omdb: unexpected type for %s imdb_id=%s", key, imdb_id);
        return NULL;
    }
    return json_string_value(v);
}

/* The Value of each known Source in the Ratings array (the first of a source wins). */
static void ratings(const json_t *doc, struct omdb_movie *m, const struct rs_log *log)
{
    const json_t *arr = json_object_get(doc, "Ratings");
    size_t i;
    const json_t *e;

    if (arr && !json_is_array(arr) && !json_is_null(arr))
        rs_logf(log, RS_LOG_WARN, "omdb: unexpected type for Ratings imdb_id=%s", m->imdb_id);
    json_array_foreach(arr, i, e)
    {
        const char *source = get_str(e, "Source", m->imdb_id, log);
        const char *value = get_str(e, "Value", m->imdb_id, log);
        const char **slot = NULL;
        if (!source || !value)
            continue;
        if (strcmp(source, "Internet Movie Database") == 0)
            slot = &m->rating_imdb;
        else if (strcmp(source, "Rotten Tomatoes") == 0)
            slot = &m->rating_rotten_tomatoes;
        else if (strcmp(source, "Metacritic") == 0)
            slot = &m->rating_metacritic;
        if (slot && !*slot)
            *slot = value;
    }
}

/* The string fields of a record; M->imdb_id is already set. */
static void record_fields(const json_t *doc, struct omdb_movie *m, const struct rs_log *log)
{
    const char *id = m->imdb_id;
    m->title = get_str(doc, "Title", id, log);
    m->year = get_str(doc, "Year", id, log);
    m->rated = get_str(doc, "Rated", id, log);
    m->released = get_str(doc, "Released", id, log);
    m->runtime = get_str(doc, "Runtime", id, log);
    m->genre = get_str(doc, "Genre", id, log);
    m->director = get_str(doc, "Director", id, log);
    m->writer = get_str(doc, "Writer", id, log);
    m->actors = get_str(doc, "Actors", id, log);
    m->language = get_str(doc, "Language", id, log);
    m->country = get_str(doc, "Country", id, log);
    m->awards = get_str(doc, "Awards", id, log);
    m->imdb_rating = get_str(doc, "imdbRating", id, log);
    m->imdb_votes = get_str(doc, "imdbVotes", id, log);
    m->metascore = get_str(doc, "Metascore", id, log);
    m->box_office = get_str(doc, "BoxOffice", id, log);
    ratings(doc, m, log);
}

/* A Response False DOC into its class, with the Error text (made printable) in ERR. */
static enum rs_err answer_error(const char *text, struct rs_error *err)
{
    char shown[81];
    size_t i = 0;
    for (; text[i] && i + 1 < sizeof(shown); i++)
        shown[i] = ((unsigned char)text[i] < 0x20) ? '?' : text[i];
    shown[i] = '\0';
    enum rs_err code = error_text_class(text);
    return rs_fail(err, code == RS_OK ? RS_ERR_BAD_RESPONSE : code, "omdb: answered \"%s\"", shown);
}

enum rs_err omdb_parse_movie(const char *body, size_t len, struct omdb_row *out,
                             const struct rs_log *log, struct rs_error *err)
{
    return omdb_parse_movie_doc(NULL, body, len, out, log, err);
}

enum rs_err omdb_parse_movie_doc(void *parsed, const char *body, size_t len, struct omdb_row *out,
                                 const struct rs_log *log, struct rs_error *err)
{
    json_error_t jerr;
    struct omdb_movie m = {.raw = body, .raw_len = len};
    enum rs_err rc;
    json_t *doc = parsed ? json_incref(parsed) /* omdb_classify_doc's parse of BODY */
                         : rs_json_load(body, len, &jerr);

    if (!doc) {
        rc = rs_fail(err, RS_ERR_BAD_RESPONSE, "omdb: bad JSON at line %d: %s", jerr.line,
                     jerr.text);
        goto cleanup;
    }
    const char *text = false_error(doc);
    if (text) {
        rc = answer_error(text, err);
        goto cleanup;
    }
    const json_t *resp = json_object_get(doc, "Response");
    const json_t *id = json_object_get(doc, "imdbID");
    if (!json_is_object(doc) || !json_is_string(resp) ||
        strcmp(json_string_value(resp), "True") != 0 || !json_is_string(id) ||
        !valid_id(json_string_value(id))) {
        rc = rs_fail(err, RS_ERR_BAD_RESPONSE, "omdb: not a movie record (%s)",
                     json_is_object(doc) ? "no Response True or imdbID" : "not an object");
        goto cleanup;
    }
    m.imdb_id = json_string_value(id);
    record_fields(doc, &m, log);
    rc = norm_omdb_movie(&m, out, log, err);
cleanup:
    json_decref(doc);
    return rc;
}
