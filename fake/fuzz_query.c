/*
 * libFuzzer target: the fake API's request handling below MHD. The input is one request
 * line "PATH?QUERY" (the first byte chooses the mode: bit 0 the fixtures of tests/fixtures
 * instead of a 2,000-movie catalog, bit 1 --page-error-422). The query is split and
 * percent-decoded the way MHD does it (MHD_http_unescape), into struct fake_query, then:
 *   - fake_query_get/long/hash/masked: the hash ignores key values, the masked copy is
 *     NUL-terminated within its buffer and never shows a key value;
 *   - fake_api_route, the auth checks and the TMDB/OMDB endpoints: every answer has a known
 *     status, a content type and a body that is valid JSON.
 */
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "fuzz.h"

static struct fake_catalog *catalog;
static struct fake_fixtures *fixtures;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char msg[256] = "";
    catalog = fake_catalog_create(2000, 42);
    fixtures = fake_fixtures_create(RS_FIXTURES_DIR, msg, sizeof(msg));
    if (!catalog || !fixtures) {
        dprintf(2, "fuzz_query: cannot set up: %s\n", msg);
        abort();
    }
    return 0;
}

/* Splits QUERY in place into Q as MHD would: '&' between pairs, '=' before a value. */
static void parse_query(char *query, struct fake_query *q)
{
    q->n = 0;
    for (char *pair = query; pair && *pair && q->n < FAKE_QUERY_MAX;) {
        char *next = strchr(pair, '&');
        if (next)
            *next++ = '\0';
        char *eq = strchr(pair, '=');
        if (eq)
            *eq++ = '\0';
        MHD_http_unescape(pair);
        if (eq)
            MHD_http_unescape(eq);
        q->key[q->n] = pair;
        q->val[q->n] = eq ? eq : "";
        q->n++;
        pair = next;
    }
}

static bool is_key(const char *k)
{
    return strcmp(k, "api_key") == 0 || strcmp(k, "apikey") == 0;
}

static void check_query(const struct fake_query *q, const char *path)
{
    uint64_t h = fake_query_hash(q, path);
    struct fake_query other = *q;
    for (int i = 0; i < other.n; i++)
        if (is_key(other.key[i]))
            other.val[i] = "another-key";
    FUZZ_CHECK(fake_query_hash(&other, path) == h);

    char small[16], big[8192];
    memset(small, 'x', sizeof(small));
    fake_query_masked(q, small, sizeof(small));
    FUZZ_CHECK(memchr(small, '\0', sizeof(small)) != NULL);
    fake_query_masked(q, big, sizeof(big));
    FUZZ_CHECK(strlen(big) < sizeof(big));
    /* Every key parameter shows as "=***" (the log never holds a key). */
    char *p = big;
    for (int i = 0; i < q->n && p; i++) {
        size_t klen = strlen(q->key[i]);
        FUZZ_CHECK(strncmp(p, q->key[i], klen) == 0 && p[klen] == '=');
        p += klen + 1;
        const char *v = is_key(q->key[i]) ? "***" : q->val[i];
        FUZZ_CHECK(strncmp(p, v, strlen(v)) == 0);
        p += strlen(v);
        p = *p == '&' ? p + 1 : NULL;
    }

    long x = 0;
    for (int i = 0; i < q->n; i++) {
        FUZZ_CHECK(fake_query_get(q, q->key[i]) != NULL);
        if (fake_query_long(q, q->key[i], -5, 500, &x))
            FUZZ_CHECK(x >= -5 && x <= 500);
    }
}

static void check_answer(const struct fake_answer *a)
{
    static const int known[] = {200, 400, 401, 404, 422, 500};
    bool ok = false;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        ok = ok || a->status == known[i];
    FUZZ_CHECK(ok && a->ctype != NULL && a->body != NULL);
    json_error_t jerr;
    json_t *doc = json_loadb(a->body, a->len, 0, &jerr);
    if (!doc)
        dprintf(2, "fuzz_query: status %d body is not JSON: %s\n", a->status, jerr.text);
    FUZZ_CHECK(doc != NULL);
    json_decref(doc);
}

static void serve(const struct fake_req *r)
{
    struct fake_answer a = {0};
    if (r->api == FAKE_API_TMDB) {
        if (fake_api_tmdb_auth(r, &a))
            fake_api_tmdb(r, &a);
    } else if (r->api == FAKE_API_OMDB) {
        if (fake_api_omdb_auth(r, &a))
            fake_api_omdb(r, &a);
    } else {
        return;
    }
    check_answer(&a);
    fake_answer_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned mode = data[0];
    char *line = fuzz_cstr(data + 1, size - 1);
    char *query = strchr(line, '?');
    if (query)
        *query++ = '\0';
    struct fake_config cfg = {
        .tmdb_key = "test", .omdb_key = "test", .page_error_422 = (mode & 2) != 0};
    struct fake_req r = {.cfg = &cfg,
                         .cat = (mode & 1) ? NULL : catalog,
                         .fix = (mode & 1) ? fixtures : NULL,
                         .path = line,
                         .now = (rs_time_t)rs_date_from_ymd(2026, 11, 25) * RS_DAY_SECONDS,
                         .today = rs_date_from_ymd(2026, 11, 25)};
    MHD_http_unescape(line);
    parse_query(query, &r.q);
    check_query(&r.q, r.path);
    fake_api_route(r.path, &r.api, &r.ep);
    serve(&r);
    free(line);
    return 0;
}
