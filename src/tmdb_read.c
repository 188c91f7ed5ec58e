/*
 * tmdb_read: reading a TMDB body (jansson): a body as a JSON object, an object's id, and the
 * field readers, for which a missing or null key is NULL and a key of the wrong type NULL
 * plus a warning naming it. Shared by tmdb.c (details) and tmdb_lists.c (discover, changes)
 * through tmdb_int.h.
 */
#include <jansson.h>
#include <stdlib.h>

#include "internal.h"
#include "json_load.h"
#include "tmdb_int.h"

int64_t tmdb_object_id(const json_t *obj)
{
    const json_t *id = json_object_get(obj, "id");
    if (!json_is_integer(id) || json_integer_value(id) <= 0)
        return 0;
    return json_integer_value(id);
}

enum rs_err tmdb_load_object(const char *body, size_t len, const char *what, json_t **out,
                             struct rs_error *err)
{
    json_error_t jerr;
    json_t *doc = rs_json_load(body, len, &jerr);
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

const json_t *tmdb_field(const struct tmdb_reader *r, const char *key)
{
    const json_t *v = json_object_get(r->obj, key);
    return json_is_null(v) ? NULL : v;
}

void tmdb_wrong_type(const struct tmdb_reader *r, const char *key)
{
    rs_logf(r->log, RS_LOG_WARN, "tmdb: unexpected type for %s tmdb_id=%lld", key,
            (long long)r->id);
}

const char *tmdb_get_str(const struct tmdb_reader *r, const char *key)
{
    const json_t *v = tmdb_field(r, key);
    if (v && !json_is_string(v)) {
        tmdb_wrong_type(r, key);
        return NULL;
    }
    return v ? json_string_value(v) : NULL;
}

struct rs_i64 tmdb_get_int(const struct tmdb_reader *r, const char *key)
{
    const json_t *v = tmdb_field(r, key);
    if (v && !json_is_integer(v)) {
        tmdb_wrong_type(r, key);
        return RS_NULL_I64;
    }
    return v ? RS_I64(json_integer_value(v)) : RS_NULL_I64;
}

/* A number that TMDB sends as an integer (8) or a real (8.2). */
struct rs_f64 tmdb_get_num(const struct tmdb_reader *r, const char *key)
{
    const json_t *v = tmdb_field(r, key);
    if (v && !json_is_number(v)) {
        tmdb_wrong_type(r, key);
        return RS_NULL_F64;
    }
    return v ? RS_F64(json_number_value(v)) : RS_NULL_F64;
}

struct rs_i64 tmdb_get_bool(const struct tmdb_reader *r, const char *key)
{
    const json_t *v = tmdb_field(r, key);
    if (v && !json_is_boolean(v)) {
        tmdb_wrong_type(r, key);
        return RS_NULL_I64;
    }
    return v ? RS_I64(json_is_true(v) ? 1 : 0) : RS_NULL_I64;
}

/*
 * The "name" of every object in the array KEY, borrowed, into a malloc'd array *OUT (NULL
 * when there are none). Entries without a string name are skipped with a warning. False
 * only when out of memory.
 */
bool tmdb_get_names(const struct tmdb_reader *r, const char *key, const char ***out, size_t *n)
{
    const json_t *arr = tmdb_field(r, key);
    *out = NULL;
    *n = 0;
    if (arr && !json_is_array(arr))
        tmdb_wrong_type(r, key);
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
            tmdb_wrong_type(r, key);
    }
    *out = names;
    return true;
}
