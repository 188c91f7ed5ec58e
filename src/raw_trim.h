/*
 * raw_trim: the stored raw JSON of a TMDB details answer with its credits cut to the kept
 * entries, byte-exact elsewhere (no re-serialization: numbers and escapes stay as received).
 * Private to src/ (tmdb.c uses it); it reads JSON text without a JSON library.
 */
#ifndef RS_RAW_TRIM_H
#define RS_RAW_TRIM_H

#include "internal.h"

/*
 * BODY (LEN bytes of valid JSON, a parsed object) with the value of its top-level key
 * "credits" replaced by {"cast":[...],"crew":[...]} holding the elements of its cast array
 * whose KEEP_CAST is true and of its crew array whose KEEP_CREW is true, in their order, each
 * with only the members that rebuild its row (cast: id, name, character, order; crew: id,
 * name, department, job), written as received.
 * N_CAST and N_CREW must be the arrays' lengths. *OUT (malloc'd, NUL-terminated, *OUT_LEN
 * bytes) is NULL when BODY is not of that shape (no credits object, a key twice, lengths
 * that differ): the caller keeps BODY. RS_ERR_NOMEM only when out of memory.
 */
enum rs_err raw_trim_credits(const char *body, size_t len, const bool *keep_cast, size_t n_cast,
                             const bool *keep_crew, size_t n_crew, char **out, size_t *out_len);

#endif
