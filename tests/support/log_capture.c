/* The log sink of log_capture.h: each line appended to the capture's text, warnings counted. */
#include "test.h"

#include "log_capture.h"

static void capture_fn(void *ctx, enum rs_log_level level, const char *line)
{
    struct capture *c = ctx;
    size_t used = strlen(c->text);
    snprintf(c->text + used, sizeof(c->text) - used, "%s\n", line);
    c->lines++;
    if (level == RS_LOG_WARN)
        c->warnings++;
}

void capture_init(struct capture *c)
{
    memset(c, 0, sizeof(*c));
    c->log = (struct rs_log){.fn = capture_fn, .ctx = c, .level = RS_LOG_DEBUG};
}
