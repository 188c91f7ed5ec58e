/* An API's JSON body loaded with jansson, refusing a NUL byte (json_load.h). */
#include <stdio.h>
#include <string.h>

#include "json_load.h"

json_t *rs_json_load(const char *body, size_t len, json_error_t *jerr)
{
    const char *nul = body ? memchr(body, '\0', len) : NULL;
    if (!nul)
        return json_loadb(body ? body : "", body ? len : 0, 0, jerr);
    if (jerr) {
        memset(jerr, 0, sizeof(*jerr));
        jerr->line = 1;
        for (const char *p = body; p < nul; p++)
            jerr->line += *p == '\n';
        snprintf(jerr->text, sizeof(jerr->text), "a NUL byte at offset %zu", (size_t)(nul - body));
    }
    return NULL;
}
