/*
 * jsonw: the streaming JSON writer (see <reelsync/jsonw.h>). The buffer grows by doubling
 * and is always NUL-terminated; separators are decided from the per-depth "first" flags,
 * so callers never write commas or colons themselves.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reelsync/jsonw.h"

void jw_init(struct jw *w)
{
    memset(w, 0, sizeof(*w));
    w->first[0] = true;
}

void jw_release(struct jw *w)
{
    if (!w)
        return;
    free(w->buf);
    memset(w, 0, sizeof(*w));
}

/* Makes room for N more bytes plus the terminating NUL. */
static bool reserve(struct jw *w, size_t n)
{
    if (w->failed)
        return false;
    if (w->len + n + 1 <= w->cap)
        return true;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + n + 1)
        cap *= 2;
    char *p = realloc(w->buf, cap);
    if (!p) {
        w->failed = true;
        return false;
    }
    w->buf = p;
    w->cap = cap;
    return true;
}

static void put(struct jw *w, const char *s, size_t n)
{
    if (!reserve(w, n))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void puts_(struct jw *w, const char *s)
{
    put(w, s, strlen(s));
}

/* Writes the comma before a value, unless it follows a key or opens its container. */
static void before_value(struct jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        put(w, ",", 1);
    w->first[w->depth] = false;
}

static void open_(struct jw *w, char c)
{
    before_value(w);
    if (w->depth >= JW_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    put(w, &c, 1);
    w->depth++;
    w->first[w->depth] = true;
}

static void close_(struct jw *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    put(w, &c, 1);
}

void jw_object_begin(struct jw *w)
{
    open_(w, '{');
}

void jw_object_end(struct jw *w)
{
    close_(w, '}');
}

void jw_array_begin(struct jw *w)
{
    open_(w, '[');
}

void jw_array_end(struct jw *w)
{
    close_(w, ']');
}

static void escaped(struct jw *w, const char *s, size_t len)
{
    put(w, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        const char *rep = NULL;
        switch (c) {
        case '"':
            rep = "\\\"";
            break;
        case '\\':
            rep = "\\\\";
            break;
        case '\n':
            rep = "\\n";
            break;
        case '\r':
            rep = "\\r";
            break;
        case '\t':
            rep = "\\t";
            break;
        case '\b':
            rep = "\\b";
            break;
        case '\f':
            rep = "\\f";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(esc, sizeof(esc), "\\u%04x", c);
                rep = esc;
            }
        }
        if (rep)
            puts_(w, rep);
        else
            put(w, (const char *)&s[i], 1);
    }
    put(w, "\"", 1);
}

void jw_key(struct jw *w, const char *key)
{
    before_value(w);
    escaped(w, key ? key : "", key ? strlen(key) : 0);
    put(w, ":", 1);
    w->after_key = true;
}

void jw_string_n(struct jw *w, const char *s, size_t len)
{
    if (!s) {
        jw_null(w);
        return;
    }
    before_value(w);
    escaped(w, s, len);
}

void jw_string(struct jw *w, const char *s)
{
    jw_string_n(w, s, s ? strlen(s) : 0);
}

void jw_int(struct jw *w, int64_t v)
{
    char num[32];
    before_value(w);
    snprintf(num, sizeof(num), "%lld", (long long)v);
    puts_(w, num);
}

void jw_double(struct jw *w, double v)
{
    char num[40];
    if (!isfinite(v)) {
        jw_null(w);
        return;
    }
    before_value(w);
    /* 15 significant digits: exact for what we report, and 0.1 stays "0.1". */
    snprintf(num, sizeof(num), "%.15g", v);
    puts_(w, num);
    /* Keep it a JSON number that reads as a real number ("3" -> "3.0"). */
    if (!strpbrk(num, ".eE"))
        puts_(w, ".0");
}

void jw_bool(struct jw *w, bool v)
{
    before_value(w);
    puts_(w, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
    before_value(w);
    puts_(w, "null");
}

void jw_raw(struct jw *w, const char *json)
{
    if (!json) {
        jw_null(w);
        return;
    }
    before_value(w);
    puts_(w, json);
}

void jw_kstring(struct jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_string(w, s);
}

void jw_kint(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int(w, v);
}

void jw_kdouble(struct jw *w, const char *key, double v)
{
    jw_key(w, key);
    jw_double(w, v);
}

void jw_kbool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

const char *jw_text(const struct jw *w)
{
    return w->buf ? w->buf : "";
}

size_t jw_len(const struct jw *w)
{
    return w->len;
}

enum rs_err jw_drain(struct jw *w, FILE *out)
{
    if (w->failed)
        return RS_ERR_NOMEM;
    if (w->len > 0 && fwrite(w->buf, 1, w->len, out) != w->len)
        return RS_ERR_IO;
    w->len = 0;
    if (w->buf)
        w->buf[0] = '\0';
    return RS_OK;
}

enum rs_err jw_status(const struct jw *w)
{
    return w->failed ? RS_ERR_NOMEM : RS_OK;
}
