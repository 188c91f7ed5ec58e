/*
 * A growable byte buffer for building response bodies with snprintf-speed appends. An
 * allocation failure sets `oom` and later appends do nothing; the caller checks once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

void fake_buf_init(struct fake_buf *b, size_t cap)
{
    b->p = malloc(cap ? cap : 64);
    b->len = 0;
    b->cap = cap ? cap : 64;
    b->oom = b->p == NULL;
    if (b->p)
        b->p[0] = '\0';
}

void fake_buf_release(struct fake_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static bool reserve(struct fake_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap * 2;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void fake_buf_add(struct fake_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void fake_buf_puts(struct fake_buf *b, const char *s)
{
    fake_buf_add(b, s, strlen(s));
}

void fake_buf_printf(struct fake_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p ? b->p + b->len : NULL, b->oom ? 0 : b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || b->oom)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        if (!reserve(b, (size_t)n))
            return;
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void fake_buf_json_str(struct fake_buf *b, const char *s)
{
    if (!reserve(b, strlen(s) + 2))
        return;
    b->p[b->len++] = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            char esc[2] = {'\\', (char)*c};
            fake_buf_add(b, esc, 2);
        } else if (*c < 0x20) {
            fake_buf_printf(b, "\\u%04x", *c);
        } else {
            fake_buf_add(b, (const char *)c, 1);
        }
    }
    fake_buf_add(b, "\"", 1);
}

void fake_buf_real(struct fake_buf *b, double v, int decimals)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
    if (n <= 0 || (size_t)n >= sizeof(tmp))
        return;
    /* Drop trailing zeros but keep one digit after the point, as TMDB prints 8.4 and 0.0. */
    while (n > 2 && tmp[n - 1] == '0' && tmp[n - 2] != '.')
        n--;
    fake_buf_add(b, tmp, (size_t)n);
}

char *fake_buf_take(struct fake_buf *b, size_t *len)
{
    if (b->oom) {
        fake_buf_release(b);
        return NULL;
    }
    char *p = b->p;
    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}
