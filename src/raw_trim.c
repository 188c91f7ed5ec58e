/*
 * raw_trim: cuts the credits of a TMDB details body to the entries the store keeps (see
 * raw_trim.h). A small scanner over JSON text that jansson has already accepted: it finds
 * where values begin and end (strings with their escapes, nested objects and arrays) and
 * copies the kept byte ranges (the kept entries' members that rebuild their rows), so
 * everything else in raw, and every value kept, stays exactly as TMDB sent it.
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
 * The next member of the object being read at C (after its '{' or a ','): its key (the
 * bytes between the quotes) and value spans. 1 read, 0 at the closing '}', -1 unreadable.
 */
static int next_member(struct scan *c, struct span *key, struct span *val)
{
    blank(c);
    if (c->pos < c->len && c->s[c->pos] == '}')
        return 0;
    if (c->pos >= c->len || c->s[c->pos] != '"')
        return -1;
    key->start = c->pos + 1;
    if (!skip_string(c))
        return -1;
    key->end = c->pos - 1;
    blank(c);
    if (c->pos >= c->len || c->s[c->pos] != ':')
        return -1;
    c->pos++;
    blank(c);
    val->start = c->pos;
    if (!skip_value(c))
        return -1;
    val->end = c->pos;
    blank(c);
    if (c->pos < c->len && c->s[c->pos] == ',')
        c->pos++;
    else if (c->pos >= c->len || c->s[c->pos] != '}')
        return -1;
    return 1;
}

static bool key_is(const char *s, struct span key, const char *name)
{
    size_t n = strlen(name);
    return key.end - key.start == n && memcmp(s + key.start, name, n) == 0;
}

/*
 * The value of member NAME of the object spanning OBJ: *FOUND counts its occurrences, *VAL
 * the last one. False when the object cannot be read.
 */
static bool member(const char *s, struct span obj, const char *name, struct span *val, int *found)
{
    struct scan c = {.s = s, .len = obj.end, .pos = obj.start + 1};
    struct span key, v;
    int r;
    *found = 0;
    while ((r = next_member(&c, &key, &v)) == 1) {
        if (key_is(s, key, name)) {
            (*found)++;
            *val = v;
        }
    }
    return r == 0;
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

/*
 * Appends the object EL with only its members named in FIELDS, as sent, at *POS of BUF; an
 * element that is not an object (the parser kept none such) is copied whole.
 */
static void put_fields(char *buf, size_t *pos, const char *s, struct span el,
                       const char *const *fields)
{
    struct scan c = {.s = s, .len = el.end, .pos = el.start + 1};
    struct span key, val;
    bool first = true;
    if (s[el.start] != '{') {
        memcpy(buf + *pos, s + el.start, el.end - el.start);
        *pos += el.end - el.start;
        return;
    }
    buf[(*pos)++] = '{';
    while (next_member(&c, &key, &val) == 1) {
        bool wanted = false;
        for (size_t k = 0; fields[k] && !wanted; k++)
            wanted = key_is(s, key, fields[k]);
        if (!wanted)
            continue;
        if (!first)
            buf[(*pos)++] = ',';
        first = false;
        buf[(*pos)++] = '"';
        memcpy(buf + *pos, s + key.start, key.end - key.start);
        *pos += key.end - key.start;
        buf[(*pos)++] = '"';
        buf[(*pos)++] = ':';
        memcpy(buf + *pos, s + val.start, val.end - val.start);
        *pos += val.end - val.start;
    }
    buf[(*pos)++] = '}';
}

/* Appends the kept elements of EL, cut to FIELDS, as a JSON array at *POS of BUF. */
static void put_kept(char *buf, size_t *pos, const char *s, const struct span *el, size_t n,
                     const bool *keep, const char *const *fields)
{
    bool first = true;
    buf[(*pos)++] = '[';
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        if (!first)
            buf[(*pos)++] = ',';
        put_fields(buf, pos, s, el[i], fields);
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

/* The members a kept entry keeps: what rebuilds its movie_credits row. */
static const char *const CAST_FIELDS[] = {"id", "name", "character", "order", NULL};
static const char *const CREW_FIELDS[] = {"id", "name", "department", "job", NULL};

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
        put_kept(buf, &pos, body, cast_el, has_cast ? n_cast : 0, keep_cast, CAST_FIELDS);
        memcpy(buf + pos, ",\"crew\":", 8);
        pos += 8;
        put_kept(buf, &pos, body, crew_el, has_crew ? n_crew : 0, keep_crew, CREW_FIELDS);
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
