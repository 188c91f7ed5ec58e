/*
 * An API's JSON body loaded with jansson: only the modules that parse the APIs' answers
 * (tmdb*.c, omdb.c) include this, so jansson's types stay behind them (docs/internals/layout.md).
 */
#ifndef RS_JSON_LOAD_H
#define RS_JSON_LOAD_H

#include <jansson.h>

/*
 * json_loadb of BODY (NULL: ""), refusing a body with a NUL byte (JERR, may be NULL, says
 * so and where): JSON has none, but jansson skips some (after a number), so such a body
 * would parse to what another JSON reader, like the credits' trim (raw_trim.c), does not see.
 */
json_t *rs_json_load(const char *body, size_t len, json_error_t *jerr);

#endif
