/*
 * The query string of one request, as MHD decoded it: lookup, integer parsing, a hash for
 * the fault decisions and a masked copy for the request log (keys never appear there).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

const char *fake_query_get(const struct fake_query *q, const char *key)
{
    for (int i = 0; i < q->n; i++)
        if (strcmp(q->key[i], key) == 0)
            return q->val[i] ? q->val[i] : "";
    return NULL;
}

bool fake_query_long(const struct fake_query *q, const char *key, long lo, long hi, long *out)
{
    const char *v = fake_query_get(q, key);
    if (!v || !*v)
        return false;
    char *end = NULL;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static bool is_key_param(const char *k)
{
    return strcmp(k, "api_key") == 0 || strcmp(k, "apikey") == 0;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

uint64_t fake_query_hash(const struct fake_query *q, const char *path)
{
    uint64_t h = hash_str(0xcbf29ce484222325ULL, path);
    for (int i = 0; i < q->n; i++) {
        if (is_key_param(q->key[i]))
            continue;
        h = hash_str(h ^ 0x26, q->key[i]);
        h = hash_str(h ^ 0x3d, q->val[i]);
    }
    return fake_mix(h);
}

void fake_query_masked(const struct fake_query *q, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < q->n && used < len; i++) {
        const char *v = is_key_param(q->key[i]) ? "***" : (q->val[i] ? q->val[i] : "");
        int n = snprintf(out + used, len - used, "%s%s=%s", i ? "&" : "", q->key[i], v);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (used >= len && len > 0)
        out[len - 1] = '\0';
}
