/*
 * The log sink: the library formats one line per event and hands it to the program's
 * callback. Formatting is skipped when the level is disabled, so debug events cost a
 * comparison on the hot path.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void rs_logf(const struct rs_log *log, enum rs_log_level level, const char *fmt, ...)
{
    if (!log || !log->fn || level > log->level)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    log->fn(log->ctx, level, line);
}

bool rs_log_level_parse(const char *s, enum rs_log_level *out)
{
    for (size_t i = 0; i < RS_ARRAY_LEN(level_names); i++) {
        if (s && strcmp(s, level_names[i]) == 0) {
            *out = (enum rs_log_level)i;
            return true;
        }
    }
    return false;
}

const char *rs_log_level_name(enum rs_log_level level)
{
    if ((unsigned)level >= RS_ARRAY_LEN(level_names))
        return "?";
    return level_names[level];
}
