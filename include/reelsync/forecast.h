/*
 * forecast: what keeping the database current will cost over the next days, from the
 * stored movies and the refresh policy alone, with no API call (`reelsync forecast`).
 *
 * Each movie's checks are replayed day by day with the policy's own rules (refresh.c): on
 * day k (NOW plus k days, at NOW's time of day) a movie comes due for TMDB or OMDB exactly
 * when `reelsync plan` would list it at that instant, and is assumed refreshed then. Day 0
 * is therefore the plan of now: its due movies are plan's total. A daily refresh limit
 * serves at most that many due movies a day; the rest wait (the backlog). Movies left
 * waiting come due again later than the replay assumes, so with a backlog the later days'
 * figures are an upper bound.
 */
#ifndef REELSYNC_FORECAST_H
#define REELSYNC_FORECAST_H

#include "reelsync/refresh.h"
#include "reelsync/store.h"

struct forecast_options {
    rs_time_t now;
    int days;                          /* 1..3650 */
    bool include_frozen;               /* as collect --include-frozen */
    size_t refresh_limit;              /* movies a day; 0 = no limit */
    int64_t daily_limit[RS_API_COUNT]; /* requests a day; 0 = no limit */
    /* The schedule replayed (store_use_policy); NULL: the seed's. Under the adaptive one, a
     * movie the feed reported is due for TMDB on day 0; later feed reports cannot be known. */
    const struct refresh_schedule *schedule;
};

struct forecast_day {
    rs_date_t day;
    int64_t due;                                 /* movies coming due (either API) */
    int64_t requests[RS_API_COUNT];              /* TMDB and OMDB requests coming due */
    int64_t by_category[REFRESH_CATEGORY_COUNT]; /* due movies by their category that day */
    int64_t fresh;                               /* of the due, never fetched (day 0 only) */
    int64_t recategorized;                       /* movies whose age category changes that day */
    int64_t served;                              /* due movies the refresh limit lets through */
    int64_t backlog;                             /* movies still due after that day's run */
};

struct forecast {
    int days;
    struct forecast_day *day; /* DAYS entries, malloc'd */
    int64_t movies;           /* movies considered (not gone; frozen as asked) */
    int clear_day;            /* first day with no backlog under the limit; -1: not within */
    int64_t keep_up_limit;    /* smallest daily refresh limit that leaves no backlog on the
                                 last day: everything due in the horizon refreshed by then */
    int over_limit_days[RS_API_COUNT]; /* days whose requests exceed the daily limit */
};

/*
 * Builds the forecast of OPT from ST (one streamed read of the movies). *OUT is written
 * only on success; release it with forecast_release. RS_ERR_USAGE for days out of range,
 * RS_ERR_NOMEM, or the store's error.
 */
enum rs_err forecast_build(struct store *st, const struct forecast_options *opt,
                           struct forecast *out, struct rs_error *err);
/* Frees OUT's days; accepts a zeroed forecast. */
void forecast_release(struct forecast *f);

#endif
