/*
 * settings: the values of collect's options (those that take one; include/reelsync/options.h)
 * and of --lock-timeout before any command line of a command is read: the default, then the
 * config file's KEY=value (include/reelsync/config.h), then the environment's REELSYNC_KEY,
 * then --lock-timeout; a command's own options win over all (collect, stats, forecast start
 * from these). Each value is checked as the option's would be; a bad one names the file and
 * its line, or the variable (exit status 3). Where each value came from is kept for
 * `reelsync config`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli_int.h"

const char *settings_src_name(enum setting_src src)
{
    static const char *const names[] = {"default", "file", "environment", "command line"};
    return names[src];
}

/* TEXT as the value of setting I; false when it is none. */
static bool parse(int i, const char *text, double *out)
{
    long v;
    if (i != CFG_LOCK_TIMEOUT)
        return args_parse_option((enum rs_option_id)i, text, out);
    if (!args_long(text, 0, MAX_LOCK_TIMEOUT_S, &v))
        return false;
    *out = (double)v;
    return true;
}

static const char *wanted(int i, char *buf, size_t len)
{
    if (i != CFG_LOCK_TIMEOUT)
        return args_wanted((enum rs_option_id)i, buf, len);
    snprintf(buf, len, "whole seconds, 0 to %d", MAX_LOCK_TIMEOUT_S);
    return buf;
}

/* Setting I (key KEY) from its default, the file and the environment into C->set[I]. */
static int resolve_one(struct cli *c, int i, const char *key, int year)
{
    struct setting *s = &c->set[i];
    char var[96], want[96];
    int line = 0;
    if (i == CFG_LOCK_TIMEOUT)
        s->v = DEFAULT_LOCK_TIMEOUT_S;
    else if (rs_option((enum rs_option_id)i)->kind == RS_OPT_KIND_YEAR)
        s->v = year;
    else
        s->v = rs_option_default((enum rs_option_id)i);
    const char *text = cfg_setting(&c->cfg, i, &line);
    if (text && !parse(i, text, &s->v))
        return msg_fail(EXIT_CONFIG, "config '%s' line %d: bad value for %s: give %s",
                        c->config_path, line, key, wanted(i, want, sizeof(want)));
    if (text)
        *s = (struct setting){.v = s->v, .src = SRC_FILE, .line = line};
    snprintf(var, sizeof(var), "REELSYNC_%s", key);
    text = getenv(var);
    if (text && *text && !parse(i, text, &s->v))
        return msg_fail(EXIT_CONFIG, "%s '%s' is not a value for it (give %s, or unset it)", var,
                        text, wanted(i, want, sizeof(want)));
    if (text && *text)
        s->src = SRC_ENV;
    return EXIT_OK;
}

int settings_resolve(struct cli *c, const char *lock_timeout_arg)
{
    int y, m, d;
    char key[64];
    rs_date_to_ymd(rs_time_day(c->now), &y, &m, &d);
    for (int i = 0; i < CFG_SETTING_COUNT; i++) {
        c->set[i] = (struct setting){0};
        if (cfg_setting_key(i, key, sizeof(key)) && resolve_one(c, i, key, y) != EXIT_OK)
            return EXIT_CONFIG;
    }
    /* --lock-timeout was checked with the global options (exit status 2) */
    long wait;
    if (lock_timeout_arg && args_long(lock_timeout_arg, 0, MAX_LOCK_TIMEOUT_S, &wait))
        c->set[CFG_LOCK_TIMEOUT] = (struct setting){.v = (double)wait, .src = SRC_CMDLINE};
    return EXIT_OK;
}
