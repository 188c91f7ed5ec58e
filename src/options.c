/*
 * options: the table of `reelsync collect`'s options (include/reelsync/options.h). The
 * defaults and bounds here are the ones docs/reelsync.1 documents (a test checks it); the
 * program parses and explains the options, the engine reads the defaults.
 */
#include <stdio.h>
#include <string.h>

#include "reelsync/options.h"

#define ANY RS_OPTION_NO_MAX

/* collect --policy: enum refresh_policy's order (reelsync/refresh.h) */
static const char *const policies[] = {"seed", "adaptive"};

static const struct rs_option table[RS_OPT_COUNT] = {
    [RS_OPT_START_YEAR] = {"start-year", RS_OPT_KIND_YEAR, 0, 1870, 2200,
                           "first year of the discovery window", NULL, NULL},
    [RS_OPT_END_YEAR] = {"end-year", RS_OPT_KIND_YEAR, 0, 1870, 2200,
                         "last year of the discovery window", NULL, NULL},
    [RS_OPT_MIN_VOTE_COUNT] = {"min-vote-count", RS_OPT_KIND_INT, 200, 0, ANY,
                               "TMDB vote_count.gte", NULL, NULL},
    [RS_OPT_MAX_PAGES] = {"max-pages", RS_OPT_KIND_INT, 5, 0, 500, "discover pages per year",
                          "every page", NULL},
    [RS_OPT_REFRESH_LIMIT] = {"refresh-limit", RS_OPT_KIND_INT, 100, 0, ANY,
                              "most movies refreshed in this run", "no limit", NULL},
    [RS_OPT_REFRESH_ONLY] = {"refresh-only", RS_OPT_KIND_FLAG, 0, 0, 0, "skip discovery", NULL,
                             NULL},
    [RS_OPT_DISCOVER_ONLY] = {"discover-only", RS_OPT_KIND_FLAG, 0, 0, 0,
                              "skip the refresh (needs no OMDB key)", NULL, NULL},
    [RS_OPT_INCLUDE_FROZEN] = {"include-frozen", RS_OPT_KIND_FLAG, 0, 0, 0,
                               "refresh frozen movies too", NULL, NULL},
    [RS_OPT_DRY_RUN] = {"dry-run", RS_OPT_KIND_FLAG, 0, 0, 0,
                        "print the plan of this run; no API call, nothing written", NULL, NULL},
    [RS_OPT_POLICY] = {"policy", RS_OPT_KIND_CHOICE, 0, 0, 1,
                       "refresh policy: seed (the age table) or adaptive (TMDB's change feed and "
                       "learned intervals)",
                       NULL, policies},
    [RS_OPT_TMDB_RPS] = {"tmdb-rps", RS_OPT_KIND_RATE, 4.0, 0, 10000, "TMDB requests per second",
                         "no limit", NULL},
    [RS_OPT_TMDB_CONCURRENCY] = {"tmdb-concurrency", RS_OPT_KIND_INT, 10, 1, 1000,
                                 "TMDB requests in flight", NULL, NULL},
    [RS_OPT_OMDB_RPS] = {"omdb-rps", RS_OPT_KIND_RATE, 2.0, 0, 10000, "OMDB requests per second",
                         "no limit", NULL},
    [RS_OPT_OMDB_CONCURRENCY] = {"omdb-concurrency", RS_OPT_KIND_INT, 5, 1, 1000,
                                 "OMDB requests in flight", NULL, NULL},
    [RS_OPT_TMDB_DAILY_LIMIT] = {"tmdb-daily-limit", RS_OPT_KIND_INT, 40000, 0, ANY,
                                 "TMDB requests per UTC day", "no limit", NULL},
    [RS_OPT_OMDB_DAILY_LIMIT] = {"omdb-daily-limit", RS_OPT_KIND_INT, 1000, 0, ANY,
                                 "OMDB requests per UTC day", "no limit", NULL},
    [RS_OPT_TIMEOUT] = {"timeout", RS_OPT_KIND_SECONDS, 30, 1, 3600,
                        "seconds one request may take in all", NULL, NULL},
    [RS_OPT_CONNECT_TIMEOUT] = {"connect-timeout", RS_OPT_KIND_SECONDS, 10, 1, 3600,
                                "seconds to connect to an API", NULL, NULL},
    [RS_OPT_ID] = {"id", RS_OPT_KIND_IDS, 0, 1, 2147483647,
                   "fetch these movies now (TMDB and OMDB), known or not, frozen too; no "
                   "discovery, no scheduled refresh",
                   NULL, NULL},
};

const struct rs_option *rs_option(enum rs_option_id id)
{
    return &table[id];
}

const struct rs_option *rs_option_find(const char *name)
{
    for (size_t i = 0; i < RS_OPT_COUNT; i++) {
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    }
    return NULL;
}

bool rs_option_choice(const struct rs_option *opt, const char *name, double *value)
{
    for (int i = 0; opt->kind == RS_OPT_KIND_CHOICE && i <= (int)opt->max; i++) {
        if (strcmp(opt->choices[i], name) == 0) {
            *value = i;
            return true;
        }
    }
    return false;
}

double rs_option_default(enum rs_option_id id)
{
    return table[id].dflt;
}

char *rs_option_format_default(const struct rs_option *opt, char *buf, size_t len)
{
    switch (opt->kind) {
    case RS_OPT_KIND_YEAR:
        snprintf(buf, len, "this year");
        break;
    case RS_OPT_KIND_RATE:
        snprintf(buf, len, "%.1f", opt->dflt);
        break;
    case RS_OPT_KIND_FLAG:
    case RS_OPT_KIND_IDS:
        snprintf(buf, len, "%s", "");
        break;
    case RS_OPT_KIND_CHOICE:
        snprintf(buf, len, "%s", opt->choices[(int)opt->dflt]);
        break;
    default:
        snprintf(buf, len, "%.0f", opt->dflt);
        break;
    }
    return buf;
}
