/*
 * JSON documents in tests: parsing a program's output, the integer at a path of a document,
 * and a GET whose body is JSON. jansson does the reading; the code under test has its own.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "test.h"

json_t *doc_parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (!doc)
        fail_msg("not JSON (%s): %s", jerr.text, text);
    return doc;
}

int64_t doc_int(const json_t *doc, const char *path)
{
    const json_t *v = doc;
    for (const char *p = path; v && *p;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char key[128];
        if (n >= sizeof(key))
            fail_msg("doc_int: name too long in %s", path);
        snprintf(key, sizeof(key), "%.*s", (int)n, p);
        v = json_object_get(v, key);
        p += dot ? n + 1 : n;
    }
    if (!json_is_integer(v))
        fail_msg("no integer at %s", path);
    return (int64_t)json_integer_value(v);
}

json_t *http_get_json(const char *url, const char *header, long *status)
{
    struct http_reply r;
    http_fetch("GET", url, header, &r);
    json_t *doc = json_loadb(r.body, r.len, 0, NULL);
    if (status)
        *status = r.status;
    http_reply_free(&r);
    return doc;
}
