/*
 * A log sink for tests: collects every line the library logs (at debug level and above) so a
 * test can assert that a warning names its field. Shared by test_tmdb.c, test_omdb.c and
 * test_normalize.c; the sink is support/log_capture.c.
 */
#ifndef RS_LOG_CAPTURE_H
#define RS_LOG_CAPTURE_H

#include <stdio.h>
#include <string.h>

#include "reelsync/reelsync.h"

struct capture {
    char text[8192]; /* every line, each ending in '\n' (what does not fit is cut off) */
    int warnings;
    int lines;
    struct rs_log log; /* pass &c.log to the code under test */
};

/* Empties C and points C->log at it. */
void capture_init(struct capture *c);

/* Asserts that some captured line contains NEEDLE. */
#define assert_logged(c, needle)                                                                   \
    do {                                                                                           \
        if (!strstr((c)->text, (needle)))                                                          \
            fail_msg("no log line contains '%s'; log:\n%s", (needle), (c)->text);                  \
    } while (0)

#endif
