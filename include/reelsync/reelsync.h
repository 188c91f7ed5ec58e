/*
 * reelsync: the public API of libreelsync.
 *
 * This header holds what every module shares: the version, the one error enum with its
 * names and messages (from one table), the caller-owned error detail, nullable values,
 * UTC time helpers and the log sink. Each module has a header of its own beside this one
 * (<reelsync/store.h>, <reelsync/http.h>, ...) that includes this one.
 *
 * The library never prints and never exits: functions return enum rs_err and fill a
 * struct rs_error the caller owns. Nothing on the error path allocates.
 */
#ifndef REELSYNC_H
#define REELSYNC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_VERSION "0.1.0"

/*
 * The outcome classes (network .. quota_exhausted, the `errors` keys of collect --json) come first;
 * they double as the HTTP outcome classes counted per API per day. The rest are local.
 * X(NAME, "name as in the JSON output", "message")
 */
#define RS_ERR_MAP(X)                                                                              \
    X(NETWORK, "network", "network error")                                                         \
    X(TIMEOUT, "timeout", "request timed out")                                                     \
    X(RATE_LIMITED, "rate_limited", "the API is rate limiting us")                                 \
    X(SERVER_ERROR, "server_error", "the API answered with a server error")                        \
    X(NOT_FOUND, "not_found", "not found")                                                         \
    X(AUTH, "auth", "the API rejected the key")                                                    \
    X(BAD_RESPONSE, "bad_response", "the API sent a response we cannot read")                      \
    X(QUOTA_EXHAUSTED, "quota_exhausted", "the daily request limit is used up")                    \
    X(DB_LOCKED, "db_locked", "the database is locked by another process")                         \
    X(DB, "db", "database error")                                                                  \
    X(NOMEM, "nomem", "out of memory")                                                             \
    X(IO, "io", "input/output error")                                                              \
    X(USAGE, "usage", "bad command line")                                                          \
    X(CONFIG, "config", "missing or bad configuration")                                            \
    X(CANCELLED, "cancelled", "cancelled")

#define RS_AS_ENUM(name, key, text) RS_ERR_##name,
enum rs_err { RS_OK = 0, RS_ERR_MAP(RS_AS_ENUM) RS_ERR_COUNT_ };
#undef RS_AS_ENUM

/* The HTTP outcome classes are the first eight codes: RS_ERR_NETWORK .. RS_ERR_QUOTA_EXHAUSTED. */
#define RS_OUTCOME_FIRST RS_ERR_NETWORK
#define RS_OUTCOME_LAST RS_ERR_QUOTA_EXHAUSTED
#define RS_OUTCOME_COUNT (RS_OUTCOME_LAST + 1) /* index 0 (RS_OK) counts successes */

/* Detail of a failure, owned by the caller. msg never holds an API key. */
struct rs_error {
    enum rs_err code;
    char msg[256];
};

/* The short snake_case name of a code, as the JSON output spells the classes ("ok" for RS_OK). */
const char *rs_errname(enum rs_err code);
/* A short lower-case message for a code. Static storage. */
const char *rs_strerror(enum rs_err code);
/* The code whose rs_errname() is NAME, or -1. */
int rs_errcode(const char *name);

/* The two APIs. Per-API settings, counters and usage rows are indexed by this. */
enum rs_api { RS_API_TMDB = 0, RS_API_OMDB, RS_API_COUNT };
/* "tmdb" or "omdb" */
const char *rs_api_name(enum rs_api api);

/* Nullable values, as the database columns are: set == false is SQL NULL. */
struct rs_i64 {
    int64_t v;
    bool set;
};
struct rs_f64 {
    double v;
    bool set;
};
#define RS_I64(x) ((struct rs_i64){.v = (x), .set = true})
#define RS_F64(x) ((struct rs_f64){.v = (x), .set = true})
#define RS_NULL_I64 ((struct rs_i64){0})
#define RS_NULL_F64 ((struct rs_f64){0})

/*
 * Time. Wall-clock instants are int64 seconds since 1970-01-01T00:00:00Z (rs_time_t);
 * calendar dates are int32 days since 1970-01-01 (rs_date_t). Nothing in the library
 * reads the clock except rs_clock_now() and rs_monotonic_ms(), which callers pass down.
 */
typedef int64_t rs_time_t;
typedef int32_t rs_date_t;
#define RS_DAY_SECONDS 86400

/* Days since the epoch of a proleptic Gregorian date; no range check. */
rs_date_t rs_date_from_ymd(int y, int m, int d);
/* Inverse of rs_date_from_ymd. */
void rs_date_to_ymd(rs_date_t day, int *y, int *m, int *d);
/*
 * Parses "YYYY-MM-DD" (exactly) into OUT. Returns false (OUT untouched) for anything else,
 * including impossible dates such as 2023-02-29.
 */
bool rs_date_parse(const char *s, rs_date_t *out);
/*
 * Parses the --now forms (docs/reelsync.1): "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ".
 * Returns false (OUT untouched) for anything else.
 */
bool rs_time_parse(const char *s, rs_time_t *out);
/* Formats "YYYY-MM-DD" into BUF (at least 11 bytes); returns BUF. */
char *rs_date_format(rs_date_t day, char *buf, size_t len);
/* Formats "YYYY-MM-DDTHH:MM:SSZ" into BUF (at least 21 bytes); returns BUF. */
char *rs_time_format(rs_time_t t, char *buf, size_t len);
/* The UTC day of an instant. */
rs_date_t rs_time_day(rs_time_t t);
/* The current wall-clock time (UTC seconds). */
rs_time_t rs_clock_now(void);
/* A monotonic clock in milliseconds, for durations and timers only. */
int64_t rs_monotonic_ms(void);

/*
 * Logging. The library reports events through a sink the program sets; without one it is
 * silent. Messages are one line, "message key=value ...", never holding an API key.
 */
enum rs_log_level { RS_LOG_ERROR = 0, RS_LOG_WARN, RS_LOG_INFO, RS_LOG_DEBUG };
typedef void (*rs_log_fn)(void *ctx, enum rs_log_level level, const char *line);
struct rs_log {
    rs_log_fn fn;
    void *ctx;
    enum rs_log_level level; /* events above this level are dropped before formatting */
};
/* Formats and sends one event to LOG's sink if LEVEL is enabled; LOG may be NULL. */
void rs_logf(const struct rs_log *log, enum rs_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "error", "warn", "info", "debug" to a level; returns false for anything else. */
bool rs_log_level_parse(const char *s, enum rs_log_level *out);
const char *rs_log_level_name(enum rs_log_level level);

#endif
