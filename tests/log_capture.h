/*
 * A log sink for tests: collects every line the library logs (at debug level and above) so a
 * test can assert that a warning names its field. Header-only, shared by test_tmdb.c,
 * test_omdb.c and test_normalize.c.
 */
#ifndef RS_LOG_CAPTURE_H
#define RS_LOG_CAPTURE_H

#include <stdio.h>
#include <string.h>

struct capture {
    char text[8192]; /* every line, each ending in '\n' */
    int warnings;
    int lines;
    struct rs_log log;
};

static void capture_fn(void *ctx, enum rs_log_level level, const char *line)
{
    struct capture *c = ctx;
    size_t used = strlen(c->text);
    snprintf(c->text + used, sizeof(c->text) - used, "%s\n", line);
    c->lines++;
    if (level == RS_LOG_WARN)
        c->warnings++;
}

static void capture_init(struct capture *c)
{
    memset(c, 0, sizeof(*c));
    c->log = (struct rs_log){.fn = capture_fn, .ctx = c, .level = RS_LOG_DEBUG};
}

/* Asserts that some captured line contains NEEDLE. */
#define assert_logged(c, needle)                                                                   \
    do {                                                                                           \
        if (!strstr((c)->text, (needle)))                                                          \
            fail_msg("no log line contains '%s'; log:\n%s", (needle), (c)->text);                  \
    } while (0)

#endif
