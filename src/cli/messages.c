/*
 * messages: how the program fails. One line on stderr for every failure, "reelsync: <what
 * failed>: <why> (<what to do>)", and the one switch that turns the library's enum rs_err
 * into the exit status (README, "Exit statuses"; docs/reelsync.1, "EXIT STATUS"). Also the
 * JSON report on stdout, whose only failure is running out of memory. What failed is the
 * caller's to say; this file knows no command.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

int msg_fail(int status, const char *fmt, ...)
{
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One line, whatever a message from below holds. */
    for (char *p = line; *p; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }
    fprintf(stderr, "reelsync: %s\n", line);
    return status;
}

int msg_exit_status(enum rs_err code)
{
    switch (code) {
    case RS_OK:
        return EXIT_OK;
    case RS_ERR_USAGE:
        return EXIT_USAGE;
    case RS_ERR_CONFIG:
        return EXIT_CONFIG;
    case RS_ERR_DB_LOCKED:
        return EXIT_LOCKED;
    default:
        /* Auth, every request failed, broken database, I/O, cancelled. */
        return EXIT_FAILED;
    }
}

/* What a user can do about a failure of class CODE. */
static const char *hint_for(enum rs_err code)
{
    switch (code) {
    case RS_ERR_AUTH:
        return "check TMDB_API_KEY/TMDB_ACCESS_TOKEN and OMDB_API_KEY";
    case RS_ERR_NETWORK:
    case RS_ERR_TIMEOUT:
        return "check the network, TMDB_BASE_URL and OMDB_BASE_URL; run again later";
    case RS_ERR_BAD_RESPONSE:
        return "the server does not answer like the API: check TMDB_BASE_URL and OMDB_BASE_URL "
               "(a proxy or portal in between?)";
    case RS_ERR_RATE_LIMITED:
    case RS_ERR_SERVER_ERROR:
        return "the API is struggling; run again later or lower --tmdb-rps/--omdb-rps";
    case RS_ERR_QUOTA_EXHAUSTED:
        return "wait for the next UTC day or raise --tmdb-daily-limit/--omdb-daily-limit";
    case RS_ERR_DB_LOCKED:
        return "another process holds the database: wait longer with --lock-timeout, or close "
               "that program";
    case RS_ERR_DB:
        return "is --db a reelsync database?";
    case RS_ERR_IO:
        return "check the path and its permissions";
    case RS_ERR_NOMEM:
        return "free some memory and run again";
    case RS_ERR_CANCELLED:
        return "interrupted; what was received is stored, run again to continue";
    default:
        return "see reelsync --help";
    }
}

int msg_fail_rs(const char *cmd, enum rs_err code, const struct rs_error *err)
{
    const char *why = err && err->msg[0] ? err->msg : rs_strerror(code);
    size_t len = strlen(why);
    /* A message from below that already says what to do keeps its own advice. */
    if (len > 0 && why[len - 1] == ')')
        return msg_fail(msg_exit_status(code), "%s: %s", cmd, why);
    return msg_fail(msg_exit_status(code), "%s: %s (%s)", cmd, why, hint_for(code));
}

int msg_emit_json(const char *cmd, struct jw *w)
{
    int status = EXIT_OK;
    if (jw_status(w) != RS_OK)
        status = msg_fail(
            EXIT_FAILED,
            "%s: cannot write the JSON report: out of memory (free some memory and run again)",
            cmd);
    else
        printf("%s\n", jw_text(w));
    jw_release(w);
    return status;
}
