/*
 * --fixtures DIR: the recorded responses (DIR/tmdb/NAME.json, DIR/omdb/NAME.json), loaded at
 * start and compacted to one line (as the real APIs send them). The server decides which file
 * answers which request; this file only holds them.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

struct entry {
    char sub[8];
    char name[128];
    char *body;
    size_t len;
};

struct fake_fixtures {
    struct entry *e;
    size_t n, cap;
};

/* Removes whitespace outside JSON strings, in place. */
static size_t compact(char *s, size_t len)
{
    size_t o = 0;
    bool in_str = false, esc = false;
    for (size_t k = 0; k < len; k++) {
        char ch = s[k];
        if (in_str) {
            in_str = esc || ch != '"';
            esc = !esc && ch == '\\';
        } else if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') {
            continue;
        } else if (ch == '"') {
            in_str = true;
        }
        s[o++] = ch;
    }
    s[o] = '\0';
    return o;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct fake_buf b;
    char chunk[8192];
    size_t n;
    fake_buf_init(&b, 8192);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fake_buf_add(&b, chunk, n);
    fclose(f);
    return fake_buf_take(&b, len);
}

static bool add(struct fake_fixtures *f, const char *sub, const char *name, char *body, size_t len)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        struct entry *e = realloc(f->e, cap * sizeof(*e));
        if (!e)
            return false;
        f->e = e;
        f->cap = cap;
    }
    struct entry *e = &f->e[f->n++];
    snprintf(e->sub, sizeof(e->sub), "%s", sub);
    snprintf(e->name, sizeof(e->name), "%.*s", (int)(strlen(name) - 5), name);
    e->body = body;
    e->len = compact(body, len);
    return true;
}

static bool load_dir(struct fake_fixtures *f, const char *dir, const char *sub)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (!d)
        return true; /* a fixtures tree may hold one API only */
    struct dirent *de;
    bool ok = true;
    while (ok && (de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 6 || n > 120 || strcmp(de->d_name + n - 5, ".json") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, de->d_name);
        size_t len;
        char *body = slurp(path, &len);
        ok = body && add(f, sub, de->d_name, body, len);
        if (!ok)
            free(body);
    }
    closedir(d);
    return ok;
}

struct fake_fixtures *fake_fixtures_create(const char *dir, char *msg, size_t msglen)
{
    struct fake_fixtures *f = calloc(1, sizeof(*f));
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(msg, msglen, "cannot open fixtures directory '%s'", dir);
        free(f);
        return NULL;
    }
    closedir(d);
    if (!f || !load_dir(f, dir, "tmdb") || !load_dir(f, dir, "omdb")) {
        snprintf(msg, msglen, "cannot load fixtures from '%s'", dir);
        fake_fixtures_destroy(f);
        return NULL;
    }
    if (f->n == 0) {
        /* A wrong directory would otherwise answer every request with a 404. */
        snprintf(msg, msglen, "no fixtures in '%s' (expected tmdb/*.json or omdb/*.json in it)",
                 dir);
        fake_fixtures_destroy(f);
        return NULL;
    }
    return f;
}

void fake_fixtures_destroy(struct fake_fixtures *f)
{
    if (!f)
        return;
    for (size_t k = 0; k < f->n; k++)
        free(f->e[k].body);
    free(f->e);
    free(f);
}

const char *fake_fixtures_get(const struct fake_fixtures *f, const char *sub, const char *name,
                              size_t *len)
{
    for (size_t k = 0; k < f->n; k++) {
        if (strcmp(f->e[k].sub, sub) == 0 && strcmp(f->e[k].name, name) == 0) {
            *len = f->e[k].len;
            return f->e[k].body;
        }
    }
    return NULL;
}
