/*
 * raw_trim: cuts the credits of a TMDB details body to the entries the store keeps (see
 * raw_trim.h). A small scanner over JSON text that jansson has already accepted: it finds
 * where values begin and end (strings with their escapes, nested objects and arrays) and
 * copies the kept byte ranges, so everything else in raw stays exactly as TMDB sent it.
 */
#include <stdlib.h>
#include <string.h>

#include "raw_trim.h"

struct span {
    size_t start, end;
};

struct scan {
    const char *s;
    size_t len, pos;
};

static void blank(struct scan *c)
{
    while (c->pos < c->len && strchr(" \t\r\n", c->s[c->pos]) && c->s[c->pos] != '\0')
        c->pos++;
}

static bool skip_string(struct scan *c)
{
    c->pos++; /* the opening quote */
    while (c->pos < c->len) {
        char ch = c->s[c->pos++];
        if (ch == '\\')
            c->pos++;
        else if (ch == '"')
            return c->pos <= c->len;
    }
    return false;
}

/* Skips the value at the position (after blanks); false when the text ends first. */
static bool skip_value(struct scan *c)
{
    blank(c);
    if (c->pos >= c->len)
        return false;
    char ch = c->s[c->pos];
    if (ch == '"')
        return skip_string(c);
    if (ch != '{' && ch != '[') {
        size_t start = c->pos;
        while (c->pos < c->len && !strchr(",}] \t\r\n", c->s[c->pos]))
            c->pos++;
        return c->pos > start;
    }
    int depth = 0;
    while (c->pos < c->len) {
        ch = c->s[c->pos];
        if (ch == '"') {
            if (!skip_string(c))
                return false;
            continue;
        }
        depth += (ch == '{' || ch == '[') - (ch == '}' || ch == ']');
        c->pos++;
        if (depth == 0)
            return true;
    }
    return false;
}

/*
 * The value of member NAME of the object spanning OBJ: *FOUND counts its occurrences, *VAL
 * the last one. False when the object cannot be read.
 */
static bool member(const char *s, struct span obj, const char *name, struct span *val, int *found)
{
    struct scan c = {.s = s, .len = obj.end, .pos = obj.start + 1};
    size_t nlen = strlen(name);
    *found = 0;
    blank(&c);
    if (c.pos < c.len && s[c.pos] == '}')
        return true;
    for (;;) {
        blank(&c);
        if (c.pos >= c.len || s[c.pos] != '"')
            return false;
        size_t k0 = c.pos + 1;
        if (!skip_string(&c))
            return false;
        bool match = c.pos - 1 - k0 == nlen && memcmp(s + k0, name, nlen) == 0;
        blank(&c);
        if (c.pos >= c.len || s[c.pos] != ':')
            return false;
        c.pos++;
        blank(&c);
        size_t v0 = c.pos;
        if (!skip_value(&c))
            return false;
        if (match) {
            (*found)++;
            *val = (struct span){v0, c.pos};
        }
        blank(&c);
        if (c.pos < c.len && s[c.pos] == ',') {
            c.pos++;
            continue;
        }
        return c.pos < c.len && s[c.pos] == '}';
    }
}

/* The spans of the N elements of the array ARR into *OUT (malloc'd); false unless exactly N. */
static bool elements(const char *s, struct span arr, size_t n, struct span **out)
{
    struct scan c = {.s = s, .len = arr.end, .pos = arr.start + 1};
    size_t k = 0;
    *out = calloc(n ? n : 1, sizeof(**out));
    if (!*out || s[arr.start] != '[')
        return false;
    blank(&c);
    if (c.pos < c.len && s[c.pos] == ']')
        return n == 0;
    for (;;) {
        blank(&c);
        size_t e0 = c.pos;
        if (k >= n || !skip_value(&c))
            return false;
        (*out)[k++] = (struct span){e0, c.pos};
        blank(&c);
        if (c.pos < c.len && s[c.pos] == ',') {
            c.pos++;
            continue;
        }
        return k == n && c.pos < c.len && s[c.pos] == ']';
    }
}

/* Appends the kept elements of EL as a JSON array at *POS of BUF. */
static void put_kept(char *buf, size_t *pos, const char *s, const struct span *el, size_t n,
                     const bool *keep)
{
    bool first = true;
    buf[(*pos)++] = '[';
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        if (!first)
            buf[(*pos)++] = ',';
        memcpy(buf + *pos, s + el[i].start, el[i].end - el[i].start);
        *pos += el[i].end - el[i].start;
        first = false;
    }
    buf[(*pos)++] = ']';
}

/* The spans of credits and of its cast and crew arrays; false when BODY has another shape. */
static bool find_credits(const char *body, size_t len, struct span *credits, struct span *cast,
                         struct span *crew, int *n_cast_keys, int *n_crew_keys)
{
    struct scan c = {.s = body, .len = len, .pos = 0};
    int found;
    blank(&c);
    if (c.pos >= len || body[c.pos] != '{')
        return false;
    size_t o0 = c.pos;
    if (!skip_value(&c))
        return false;
    if (!member(body, (struct span){o0, c.pos}, "credits", credits, &found) || found != 1 ||
        body[credits->start] != '{')
        return false;
    return member(body, *credits, "cast", cast, n_cast_keys) && *n_cast_keys <= 1 &&
           member(body, *credits, "crew", crew, n_crew_keys) && *n_crew_keys <= 1;
}

enum rs_err raw_trim_credits(const char *body, size_t len, const bool *keep_cast, size_t n_cast,
                             const bool *keep_crew, size_t n_crew, char **out, size_t *out_len)
{
    struct span credits, cast = {0, 0}, crew = {0, 0};
    struct span *cast_el = NULL, *crew_el = NULL;
    int has_cast = 0, has_crew = 0;
    enum rs_err rc = RS_OK;

    *out = NULL;
    if (!find_credits(body, len, &credits, &cast, &crew, &has_cast, &has_crew))
        return RS_OK;
    bool shaped = (has_cast ? elements(body, cast, n_cast, &cast_el) : n_cast == 0) &&
                  (has_crew ? elements(body, crew, n_crew, &crew_el) : n_crew == 0);
    char *buf = shaped ? malloc(len + 32) : NULL;
    if (shaped && !buf)
        rc = RS_ERR_NOMEM;
    if (buf) {
        size_t pos = credits.start;
        memcpy(buf, body, credits.start);
        memcpy(buf + pos, "{\"cast\":", 8);
        pos += 8;
        put_kept(buf, &pos, body, cast_el, has_cast ? n_cast : 0, keep_cast);
        memcpy(buf + pos, ",\"crew\":", 8);
        pos += 8;
        put_kept(buf, &pos, body, crew_el, has_crew ? n_crew : 0, keep_crew);
        buf[pos++] = '}';
        memcpy(buf + pos, body + credits.end, len - credits.end);
        pos += len - credits.end;
        buf[pos] = '\0';
        *out = buf;
        *out_len = pos;
    }
    free(cast_el);
    free(crew_el);
    return rc;
}
