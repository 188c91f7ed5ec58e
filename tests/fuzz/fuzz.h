/*
 * Shared helpers of the libFuzzer targets (tests/fuzz/fuzz_*.c, fake/fuzz_*.c): exact-size
 * copies of the input (so one byte read past the end is AddressSanitizer's), a log sink that
 * makes the library format every event and checks it is one line, and FUZZ_CHECK, which
 * aborts with the invariant that failed (written to fd 2 directly, as a target may point
 * stdio's stderr elsewhere; libFuzzer then saves the input as a crash).
 */
#ifndef REELSYNC_FUZZ_H
#define REELSYNC_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reelsync/reelsync.h"

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            dprintf(2, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A malloc'd copy of DATA of exactly SIZE bytes (1 byte when SIZE is 0, never read). */
static inline char *fuzz_bytes(const uint8_t *data, size_t size)
{
    char *p = malloc(size ? size : 1);
    FUZZ_CHECK(p != NULL);
    if (size)
        memcpy(p, data, size);
    return p;
}

/* A malloc'd NUL-terminated copy of DATA (which may hold NULs of its own). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *p = malloc(size + 1);
    FUZZ_CHECK(p != NULL);
    if (size)
        memcpy(p, data, size);
    p[size] = '\0';
    return p;
}

/* The sink: every event is formatted (level DEBUG) and must be a single line. */
static inline void fuzz_log_sink(void *ctx, enum rs_log_level level, const char *line)
{
    (void)ctx;
    (void)level;
    FUZZ_CHECK(strchr(line, '\n') == NULL && strchr(line, '\r') == NULL);
}

static const struct rs_log fuzz_log = {.fn = fuzz_log_sink, .ctx = NULL, .level = RS_LOG_DEBUG};

/* True when the LEN bytes at P are all zero (a row a failed call must leave untouched). */
static inline int fuzz_all_zero(const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        if (b[i])
            return 0;
    return 1;
}

#endif
