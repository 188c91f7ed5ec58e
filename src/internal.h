/*
 * Helpers shared inside src/ only: filling a struct rs_error, and small string tools.
 * Nothing here is part of the public API.
 */
#ifndef RS_INTERNAL_H
#define RS_INTERNAL_H

#include "reelsync/reelsync.h"

/*
 * Fills ERR (which may be NULL) with CODE and a formatted message, and returns CODE, so a
 * failure reads `return rs_fail(err, RS_ERR_IO, "cannot open '%s': %s", path, why);`.
 * Allocates nothing. The message must not contain an API key. The stored message is one
 * printable line: line breaks and tabs become spaces, other control bytes '?'.
 */
enum rs_err rs_fail(struct rs_error *err, enum rs_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* strdup that accepts NULL (returns NULL) */
char *rs_strdup(const char *s);
/* Duplicates LEN bytes of S and adds a NUL; NULL on allocation failure. */
char *rs_strndup(const char *s, size_t len);

/* Where temporary files go: $TMPDIR when set and not empty, else /tmp. */
const char *rs_tmpdir(void);

/* True when BODY's first non-blank byte opens a JSON object (a cheap check, no parse). */
bool rs_looks_like_object(const char *body, size_t len);

#define RS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
