/*
 * tmdb_int: what tmdb.c (a movie's details), tmdb_lists.c (discover and changes pages) and
 * tmdb_read.c (reading a body) share; jansson's types, so only those include it.
 */
#ifndef RS_TMDB_INT_H
#define RS_TMDB_INT_H

#include <jansson.h>

#include "internal.h"

/* The positive integer "id" of OBJ, or 0 when there is none. */
int64_t tmdb_object_id(const json_t *obj);
/* Parses BODY into a JSON object; RS_ERR_BAD_RESPONSE (naming WHAT) for anything else. */
enum rs_err tmdb_load_object(const char *body, size_t len, const char *what, json_t **out,
                             struct rs_error *err);

/* Field readers (tmdb_read.c): a missing or null key is NULL; a key of the wrong type NULL
 * plus a warning. */
struct tmdb_reader {
    const json_t *obj;
    int64_t id;
    const struct rs_log *log;
};

/* KEY of R's object; NULL when missing or null. */
const json_t *tmdb_field(const struct tmdb_reader *r, const char *key);
/* Warns that KEY of R's object has a type TMDB does not send. */
void tmdb_wrong_type(const struct tmdb_reader *r, const char *key);
const char *tmdb_get_str(const struct tmdb_reader *r, const char *key);
struct rs_i64 tmdb_get_int(const struct tmdb_reader *r, const char *key);
/* A number that TMDB sends as an integer (8) or a real (8.2). */
struct rs_f64 tmdb_get_num(const struct tmdb_reader *r, const char *key);
struct rs_i64 tmdb_get_bool(const struct tmdb_reader *r, const char *key);
/*
 * The "name" of every object in the array KEY, borrowed, into a malloc'd array *OUT (NULL
 * when there are none). Entries without a string name are skipped with a warning. False
 * only when out of memory.
 */
bool tmdb_get_names(const struct tmdb_reader *r, const char *key, const char ***out, size_t *n);

#endif
