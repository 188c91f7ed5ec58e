/*
 * jsonw: a small streaming JSON writer into a growable buffer, for the program's --json
 * output and the orchestrator's run records (options and stats stored as JSON). It only
 * writes; parsing stays with jansson in tmdb.c/omdb.c.
 *
 * Commas and nesting are handled by the writer: open an object or array, write keys and
 * values in order, close it. An allocation failure is sticky: later calls do nothing and
 * jw_status() reports RS_ERR_NOMEM, so callers check once at the end.
 *
 *     struct jw w;
 *     jw_init(&w);
 *     jw_object_begin(&w);
 *     jw_key(&w, "discovered");
 *     jw_int(&w, 12);
 *     jw_object_end(&w);
 *     if (jw_status(&w) == RS_OK) puts(jw_text(&w));
 *     jw_release(&w);
 */
#ifndef REELSYNC_JSONW_H
#define REELSYNC_JSONW_H

#include <stdio.h>

#include "reelsync/reelsync.h"

#define JW_MAX_DEPTH 32

/* Caller-owned writer state; the fields are private to jsonw.c. */
struct jw {
    char *buf;
    size_t len, cap;
    int depth;                    /* open objects/arrays */
    bool first[JW_MAX_DEPTH + 1]; /* no value yet at this depth (no comma needed) */
    bool after_key;               /* a key was written; its value comes next */
    bool failed;                  /* allocation failed or misuse (too deep) */
};

/* Prepares W with an empty buffer. Allocates nothing until the first write. */
void jw_init(struct jw *w);
/* Frees W's buffer; W may be initialized again. Accepts NULL. */
void jw_release(struct jw *w);

/* Opens/closes an object or an array (as a value: after a key, in an array, or at the top). */
void jw_object_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);

/* Writes an object member's key; the next call writes its value. */
void jw_key(struct jw *w, const char *key);

/*
 * Values. Strings are escaped as JSON requires (quote, backslash, every control character);
 * bytes >= 0x80 are copied as they are (callers pass UTF-8). S == NULL writes null.
 * Doubles that are not finite (NaN, infinities) are written as null.
 */
void jw_string(struct jw *w, const char *s);
void jw_string_n(struct jw *w, const char *s, size_t len);
void jw_int(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);

/*
 * Writes JSON, already valid and complete (an object, array or scalar, such as a run's
 * stats read back from the database), as one value. The writer does not check it.
 */
void jw_raw(struct jw *w, const char *json);

/* Shorthands: key and value in one call. */
void jw_kstring(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kdouble(struct jw *w, const char *key, double v);
void jw_kbool(struct jw *w, const char *key, bool v);

/*
 * The text written so far, NUL-terminated ("" before any write). Borrowed: valid until the
 * next write or jw_release().
 */
const char *jw_text(const struct jw *w);
size_t jw_len(const struct jw *w);
/*
 * Writes the text buffered so far to OUT and empties the buffer, keeping W's place in the
 * document, so a long document goes out as it is made and its buffer stays small (the
 * next jw_text holds only what came after). RS_ERR_NOMEM when W had failed (nothing is
 * written), RS_ERR_IO when OUT did.
 */
enum rs_err jw_drain(struct jw *w, FILE *out);
/* RS_OK, or RS_ERR_NOMEM after an allocation failure (or nesting past JW_MAX_DEPTH). */
enum rs_err jw_status(const struct jw *w);

#endif
