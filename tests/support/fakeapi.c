/*
 * The fake API server for tests: starting it (plain or on tests/fixtures) and stopping it,
 * including every server a failed test left running; requests to its TMDB and OMDB routes;
 * its /__stats; the environment of a build/reelsync run against it. The child process itself
 * is fakeproc.c's (shared with the benchmarks); fake/README.md describes the server.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fakeproc.h"
#include "test.h"

/* Servers started and not yet stopped, by pid (0: a free slot). */
#define MAX_LIVE 16
static int live[MAX_LIVE];

void fake_start(struct fake *f, const char *const *args)
{
    char why[256];
    if (!fakeproc_start(f, RS_FAKEAPI_BIN, args, why, sizeof(why)))
        fail_msg("%s", why);
    for (int k = 0; k < MAX_LIVE; k++) {
        if (live[k] == 0) {
            live[k] = f->pid;
            return;
        }
    }
    fakeproc_stop(f);
    fail_msg("more than %d fake servers at once", MAX_LIVE);
}

void fake_start_fixtures(struct fake *f, const char *const *extra)
{
    const char *args[32] = {"--fixtures", RS_FIXTURES_DIR};
    size_t n = 2;
    for (size_t i = 0; extra && extra[i]; i++) {
        if (n == 31)
            fail_msg("fake_start_fixtures: too many arguments");
        args[n++] = extra[i];
    }
    args[n] = NULL;
    fake_start(f, args);
}

void fake_stop(struct fake *f)
{
    for (int k = 0; k < MAX_LIVE && f->pid > 0; k++)
        if (live[k] == f->pid)
            live[k] = 0;
    fakeproc_stop(f);
}

int fake_stop_all(void **state)
{
    (void)state;
    for (int k = 0; k < MAX_LIVE; k++) {
        struct fake f = {.pid = live[k]};
        fake_stop(&f);
    }
    return 0;
}

/* GET URL, as of NOW (an X-Fake-Now header) unless NOW is NULL. */
static json_t *get_as_of(const char *url, const char *now, long *status)
{
    char hdr[64];
    if (now)
        snprintf(hdr, sizeof(hdr), "X-Fake-Now: %s", now);
    return http_get_json(url, now ? hdr : NULL, status);
}

json_t *fake_tmdb(const struct fake *f, const char *path_query, const char *now, long *status)
{
    char url[1024];
    snprintf(url, sizeof(url), "%s%s%sapi_key=test", f->tmdb_url, path_query,
             strchr(path_query, '?') ? "&" : "?");
    return get_as_of(url, now, status);
}

json_t *fake_omdb(const struct fake *f, const char *imdb, const char *now, long *status)
{
    char url[512];
    snprintf(url, sizeof(url), "%s?i=%s&apikey=test", f->omdb_url, imdb);
    return get_as_of(url, now, status);
}

json_t *fake_stats(const struct fake *f)
{
    char url[128];
    long status = 0;
    snprintf(url, sizeof(url), "%s/__stats", f->base);
    json_t *doc = http_get_json(url, NULL, &status);
    assert_int_equal(status, 200);
    assert_non_null(doc);
    return doc;
}

void fake_reset(const struct fake *f)
{
    char url[128];
    struct http_reply r;
    snprintf(url, sizeof(url), "%s/__reset", f->base);
    http_fetch("POST", url, NULL, &r);
    http_reply_free(&r);
}

int64_t fake_stat(const struct fake *f, const char *a, const char *b)
{
    json_t *doc = fake_stats(f);
    json_t *v = json_object_get(json_object_get(doc, a), b);
    if (!json_is_integer(v))
        fail_msg("no integer at %s.%s in /__stats", a, b);
    int64_t n = (int64_t)json_integer_value(v);
    json_decref(doc);
    return n;
}

const char *const *fake_env(struct fake_env *e, const struct fake *f, const char *const *extra)
{
    static const char *const isolated[] = {"TMDB_API_KEY=test",  "OMDB_API_KEY=test",
                                           "TMDB_ACCESS_TOKEN=", "REELSYNC_LOG_LEVEL=",
                                           "REELSYNC_CONFIG=",   "XDG_CONFIG_HOME=/nonexistent",
                                           "REELSYNC_DB="};
    const size_t cap = sizeof(e->envp) / sizeof(e->envp[0]);
    size_t n = 0;
    snprintf(e->url[0], sizeof(e->url[0]), "TMDB_BASE_URL=%s", f->tmdb_url);
    snprintf(e->url[1], sizeof(e->url[1]), "OMDB_BASE_URL=%s", f->omdb_url);
    e->envp[n++] = e->url[0];
    e->envp[n++] = e->url[1];
    for (size_t i = 0; i < sizeof(isolated) / sizeof(isolated[0]); i++)
        e->envp[n++] = isolated[i];
    for (size_t i = 0; extra && extra[i]; i++) {
        if (n + 1 == cap)
            fail_msg("fake_env: too many entries");
        e->envp[n++] = extra[i];
    }
    e->envp[n] = NULL;
    return e->envp;
}

void run_reelsync(const struct fake *f, const char *db, const char *now, const char *const *args,
                  struct run_result *out)
{
    const char *argv[64] = {RS_REELSYNC_BIN, "--db", db, "--now", now};
    size_t n = 5;
    for (size_t i = 0; args[i]; i++) {
        if (n + 1 == sizeof(argv) / sizeof(argv[0]))
            fail_msg("run_reelsync: too many arguments");
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    struct fake_env env;
    run_program(argv, fake_env(&env, f, NULL), out);
}
