/*
 * The forecast (include/reelsync/forecast.h): each movie's checks replayed day by day with
 * refresh.c's rules, summed per day, then the refresh limit applied to the sums. Reads the
 * movies once through store_each_state; knows nothing of SQL.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "reelsync/forecast.h"

struct replay {
    const struct forecast_options *opt;
    const struct refresh_schedule *schedule;
    struct forecast *f;
};

/* One movie's days: due when plan would list it, then assumed refreshed at that instant. */
static void replay_movie(void *ctx, const struct store_movie_state *s)
{
    struct replay *r = ctx;
    struct rs_i64 last[RS_API_COUNT] = {s->last_tmdb, s->last_omdb};
    enum refresh_category prev = refresh_category_of(s->release_date, r->opt->now);
    bool chg[RS_API_COUNT] = {s->changed[RS_API_TMDB], s->changed[RS_API_OMDB]};
    bool feed = s->feed_due && r->schedule->policy == REFRESH_POLICY_ADAPTIVE;
    r->f->movies++;
    for (int k = 0; k < r->opt->days; k++) {
        struct forecast_day *d = &r->f->day[k];
        rs_time_t t = r->opt->now + (rs_time_t)k * RS_DAY_SECONDS;
        enum refresh_category cat = refresh_category_of(s->release_date, t);
        d->recategorized += k > 0 && cat != prev;
        prev = cat;
        /* after the first replayed refresh, whether it changed the movie is unknown: not */
        bool tmdb = refresh_schedule_due(r->schedule, s->release_date, last[RS_API_TMDB],
                                         RS_API_TMDB, chg[RS_API_TMDB], t) ||
                    (feed && k == 0);
        /* OMDB needs an IMDb id: a known one, or the one the TMDB fetch before it brings */
        bool omdb = refresh_schedule_due(r->schedule, s->release_date, last[RS_API_OMDB],
                                         RS_API_OMDB, chg[RS_API_OMDB], t) &&
                    (s->has_imdb || tmdb);
        /* adaptive: TMDB along with an OMDB check once it has waited long enough */
        tmdb = tmdb || (omdb && refresh_tmdb_along(r->schedule, s->release_date, last[RS_API_TMDB],
                                                   chg[RS_API_TMDB], t));
        if (!tmdb && !omdb)
            continue;
        d->due++;
        d->by_category[cat]++;
        d->fresh += k == 0 && !s->last_tmdb.set;
        if (tmdb) {
            d->requests[RS_API_TMDB]++;
            last[RS_API_TMDB] = RS_I64(t);
            chg[RS_API_TMDB] = false;
        }
        if (omdb) {
            d->requests[RS_API_OMDB]++;
            last[RS_API_OMDB] = RS_I64(t);
            chg[RS_API_OMDB] = false;
        }
    }
}

/* The backlog after the last day when LIMIT movies a day are served (0: no limit). */
static int64_t backlog_with(const struct forecast *f, int64_t limit, bool record)
{
    int64_t backlog = 0;
    for (int k = 0; k < f->days; k++) {
        int64_t queue = backlog + f->day[k].due;
        int64_t served = limit > 0 && queue > limit ? limit : queue;
        backlog = queue - served;
        if (record) {
            f->day[k].served = served;
            f->day[k].backlog = backlog;
        }
    }
    return backlog;
}

/* The smallest daily limit that leaves no backlog on the last day (it only shrinks as the
 * limit grows, so a binary search finds it). */
static int64_t keep_up(const struct forecast *f)
{
    int64_t lo = 1, hi = 1;
    for (int k = 0; k < f->days; k++)
        hi += f->day[k].due;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (backlog_with(f, mid, false) == 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static void summarize(const struct forecast_options *opt, struct forecast *f)
{
    backlog_with(f, (int64_t)opt->refresh_limit, true);
    f->keep_up_limit = keep_up(f);
    f->clear_day = -1;
    for (int k = f->days - 1; k >= 0 && f->day[k].backlog == 0; k--)
        f->clear_day = k;
    for (int k = 0; k < f->days; k++)
        for (int api = 0; api < RS_API_COUNT; api++)
            f->over_limit_days[api] +=
                opt->daily_limit[api] > 0 && f->day[k].requests[api] > opt->daily_limit[api];
}

enum rs_err forecast_build(struct store *st, const struct forecast_options *opt,
                           struct forecast *out, struct rs_error *err)
{
    if (opt->days < 1 || opt->days > 3650)
        return rs_fail(err, RS_ERR_USAGE, "forecast: %d days (give 1 to 3650)", opt->days);
    struct forecast f = {.days = opt->days};
    f.day = calloc((size_t)opt->days, sizeof(*f.day));
    if (!f.day)
        return rs_fail(err, RS_ERR_NOMEM, "forecast: out of memory");
    rs_date_t today = rs_time_day(opt->now);
    for (int k = 0; k < opt->days; k++)
        f.day[k].day = today + k;
    struct refresh_schedule seed;
    refresh_schedule_make(REFRESH_POLICY_SEED, NULL, &seed);
    struct replay r = {.opt = opt, .schedule = opt->schedule ? opt->schedule : &seed, .f = &f};
    enum rs_err rc = store_each_state(st, opt->include_frozen, replay_movie, &r, err);
    if (rc) {
        forecast_release(&f);
        return rc;
    }
    summarize(opt, &f);
    *out = f;
    return RS_OK;
}

void forecast_release(struct forecast *f)
{
    if (!f)
        return;
    free(f->day);
    memset(f, 0, sizeof(*f));
}
