/*
 * The recorded API answers of tests/fixtures (described in tests/fixtures/README.md): their
 * bytes, their parsed JSON, and the TMDB ids they cover.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "test.h"

const int64_t fixture_tmdb_ids[FIXTURE_TMDB_COUNT] = {27205, 10193,  19995,   283917,  194,
                                                      54186, 466420, 1075794, 1443826, 76162};

char *fixture_read(const char *rel, size_t *len)
{
    char *path = path_join(RS_FIXTURES_DIR, rel);
    char *body = slurp_file(path, len);
    free(path);
    return body;
}

json_t *fixture_json(const char *rel)
{
    char *path = path_join(RS_FIXTURES_DIR, rel);
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    free(path);
    if (!doc)
        fail_msg("cannot load fixture %s: %s", rel, jerr.text);
    return doc;
}
