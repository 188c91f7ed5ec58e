/*
 * args: the values of options and the errors of a command line, for every command. Numbers
 * are strict (digits only, nothing after, within bounds); collect's options are read by the
 * kind and bounds of their table (include/reelsync/options.h). Each error is the one stderr
 * line of messages.c, naming the option and what it wants, with exit status 2.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

bool args_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    if (!s || !*s || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
        return false;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* Strict finite number (a rate) in [MIN, MAX]. */
static bool parse_rate(const char *s, double min, double max, double *out)
{
    char *end = NULL;
    if (!s || !*s || (*s != '.' && (*s < '0' || *s > '9')))
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
        return false;
    *out = v;
    return true;
}

int args_bad_value(const char *cmd, const char *opt, const char *value, const char *want)
{
    return msg_fail(EXIT_USAGE, "%s: bad value '%s' for --%s: %s (see 'reelsync %s --help')", cmd,
                    value, opt, want, cmd);
}

int args_getopt_error(const char *cmd, int ch, char **argv)
{
    const char *arg = argv[optind - 1];
    char name[64];
    if (optopt && ch == '?')
        snprintf(name, sizeof(name), "-%c", optopt);
    else
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
    if (ch == ':')
        return msg_fail(EXIT_USAGE, "%s: option '%s' needs a value (see 'reelsync %s --help')", cmd,
                        name, cmd);
    return msg_fail(EXIT_USAGE, "%s: unknown option '%s' (see 'reelsync %s --help')", cmd, name,
                    cmd);
}

int args_no_operands(const char *cmd, int argc, char **argv)
{
    if (optind < argc)
        return msg_fail(EXIT_USAGE, "%s: unexpected argument '%s' (see 'reelsync %s --help')", cmd,
                        argv[optind], cmd);
    return EXIT_OK;
}

const char *args_wanted(enum rs_option_id id, char *buf, size_t len)
{
    const struct rs_option *o = rs_option(id);
    switch (o->kind) {
    case RS_OPT_KIND_CHOICE:
        snprintf(buf, len, "%s or %s", o->choices[0], o->choices[1]);
        return buf;
    case RS_OPT_KIND_YEAR:
        return "a year such as 2024";
    case RS_OPT_KIND_RATE:
        return "a number of requests per second, such as 4.0 (0: no limit)";
    case RS_OPT_KIND_SECONDS:
        snprintf(buf, len, "a whole number of seconds from %.0f to %.0f", o->min, o->max);
        return buf;
    default:
        if (o->max >= RS_OPTION_NO_MAX)
            snprintf(buf, len, "a whole number, %.0f or more", o->min);
        else
            snprintf(buf, len, "a whole number from %.0f to %.0f", o->min, o->max);
        return buf;
    }
}

bool args_parse_option(enum rs_option_id id, const char *text, double *out)
{
    const struct rs_option *o = rs_option(id);
    long v;
    if (o->kind == RS_OPT_KIND_CHOICE)
        return rs_option_choice(o, text, out);
    if (o->kind == RS_OPT_KIND_RATE)
        return parse_rate(text, o->min, o->max, out);
    if (!args_long(text, (long)o->min, (long)o->max, &v))
        return false;
    *out = (double)v;
    return true;
}

int args_option(const char *cmd, enum rs_option_id id, const char *text, double *out)
{
    char want[96];
    if (args_parse_option(id, text, out))
        return EXIT_OK;
    return args_bad_value(cmd, rs_option(id)->name, text, args_wanted(id, want, sizeof(want)));
}
