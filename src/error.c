/*
 * The error table: enum rs_err, its names (as the JSON output spells the outcome classes) and
 * messages all come from RS_ERR_MAP in reelsync.h, so they cannot drift apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define RS_AS_NAME(name, key, text) [RS_ERR_##name] = key,
#define RS_AS_TEXT(name, key, text) [RS_ERR_##name] = text,
static const char *const names[RS_ERR_COUNT_] = {[RS_OK] = "ok", RS_ERR_MAP(RS_AS_NAME)};
static const char *const texts[RS_ERR_COUNT_] = {[RS_OK] = "success", RS_ERR_MAP(RS_AS_TEXT)};

const char *rs_errname(enum rs_err code)
{
    if ((int)code < 0 || code >= RS_ERR_COUNT_)
        return "unknown";
    return names[code];
}

const char *rs_strerror(enum rs_err code)
{
    if ((int)code < 0 || code >= RS_ERR_COUNT_)
        return "unknown error";
    return texts[code];
}

int rs_errcode(const char *name)
{
    for (int i = 0; i < RS_ERR_COUNT_; i++) {
        if (strcmp(names[i], name) == 0)
            return i;
    }
    return -1;
}

enum rs_err rs_fail(struct rs_error *err, enum rs_err code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    /*
     * One printable line, whatever the arguments held: messages quote what servers sent
     * (jansson's "near '...'" repeats bytes of the body), and they end up in log lines and
     * on stderr, where a newline from a hostile body would forge a line (issue 8, found by
     * fuzz_omdb). Line breaks and tabs become spaces, other control bytes '?'.
     */
    for (char *p = err->msg; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n' || c == '\r' || c == '\t')
            *p = ' ';
        else if (c < 0x20 || c == 0x7f)
            *p = '?';
    }
    err->code = code;
    return code;
}

char *rs_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *rs_strndup(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

const char *rs_api_name(enum rs_api api)
{
    return api == RS_API_TMDB ? "tmdb" : api == RS_API_OMDB ? "omdb" : "?";
}

const char *rs_tmpdir(void)
{
    const char *dir = getenv("TMPDIR");
    return dir && dir[0] ? dir : "/tmp";
}

bool rs_looks_like_object(const char *body, size_t len)
{
    for (size_t i = 0; body && i < len; i++) {
        if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n')
            return body[i] == '{';
    }
    return false;
}
