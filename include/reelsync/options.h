/*
 * options: the options of `reelsync collect` (docs/reelsync.1, "collect"; README.md,
 * "Commands") in one table: for each its long name, kind, default, bounds and one line of
 * help. The program's parser and `collect --help` are made from it, a test holds the man
 * page to it, and the library reads its defaults here (rs_option_default) rather than
 * repeating them. Read-only data: no state, nothing to set up.
 */
#ifndef REELSYNC_OPTIONS_H
#define REELSYNC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* The options, in the order `collect --help` lists them; the table's index. */
enum rs_option_id {
    RS_OPT_START_YEAR = 0,
    RS_OPT_END_YEAR,
    RS_OPT_MIN_VOTE_COUNT,
    RS_OPT_MAX_PAGES,
    RS_OPT_REFRESH_LIMIT,
    RS_OPT_REFRESH_ONLY,
    RS_OPT_DISCOVER_ONLY,
    RS_OPT_INCLUDE_FROZEN,
    RS_OPT_DRY_RUN,
    RS_OPT_POLICY,
    RS_OPT_TMDB_RPS,
    RS_OPT_TMDB_CONCURRENCY,
    RS_OPT_OMDB_RPS,
    RS_OPT_OMDB_CONCURRENCY,
    RS_OPT_TMDB_DAILY_LIMIT,
    RS_OPT_OMDB_DAILY_LIMIT,
    RS_OPT_TIMEOUT,
    RS_OPT_CONNECT_TIMEOUT,
    RS_OPT_ID,
    RS_OPT_COUNT
};

enum rs_option_kind {
    RS_OPT_KIND_YEAR,    /* a year; the default is the year of the run's "now" */
    RS_OPT_KIND_INT,     /* a whole number */
    RS_OPT_KIND_SECONDS, /* a whole number of seconds */
    RS_OPT_KIND_RATE,    /* requests per second, a decimal number */
    RS_OPT_KIND_FLAG,    /* no value: given or not (default false) */
    RS_OPT_KIND_IDS,     /* TMDB ids separated by commas (no default; not a setting) */
    RS_OPT_KIND_CHOICE   /* one of the names in `choices`; the value is its index */
};

/* The upper bound of the counts that have no natural one (reads "0 or more"). */
#define RS_OPTION_NO_MAX 1000000000.0

struct rs_option {
    const char *name; /* the long name, without "--" */
    enum rs_option_kind kind;
    double dflt;      /* the default (whole for every kind but RATE; 0 for YEAR and FLAG) */
    double min, max;  /* the bounds of a value, both included (none for FLAG) */
    const char *help; /* one line, without the default */
    const char *zero; /* what 0 means ("no limit"), or NULL when 0 means nothing special */
    const char *const *choices; /* CHOICE: the names, by value (max + 1 of them) */
};

/* The option ID. ID must be below RS_OPT_COUNT. */
const struct rs_option *rs_option(enum rs_option_id id);

/* The option whose long name is NAME (without "--"), or NULL. */
const struct rs_option *rs_option_find(const char *name);

/*
 * The default of option ID: a count, seconds (RS_OPT_TIMEOUT, RS_OPT_CONNECT_TIMEOUT) or
 * requests per second (RS_OPT_TMDB_RPS, RS_OPT_OMDB_RPS); 0 for a flag and for a year
 * (whose default, this year, depends on the run's "now").
 */
double rs_option_default(enum rs_option_id id);

/* The value of the CHOICE option OPT named NAME; false when it has none of that name. */
bool rs_option_choice(const struct rs_option *opt, const char *name, double *value);

/*
 * The default of OPT as the help and the man page write it ("200", "4.0", "this year",
 * "" for a flag, the name for a choice) into BUF; returns BUF.
 */
char *rs_option_format_default(const struct rs_option *opt, char *buf, size_t len);

#endif
