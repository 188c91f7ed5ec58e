/*
 * cmd_forecast: `reelsync forecast` (docs/reelsync.1, "forecast"), the requests that come due
 * each of the next days under the refresh policy, beside the refresh limit and the daily
 * limits, and whether the backlog shrinks or grows. The replay itself is the library's
 * (include/reelsync/forecast.h); this file parses, opens and prints.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli_int.h"
#include "reelsync/forecast.h"

static void forecast_usage(void)
{
    fputs("usage: reelsync [global options] forecast [--days N] [--refresh-limit N]\n"
          "                [--tmdb-daily-limit N] [--omdb-daily-limit N] [--include-frozen]\n"
          "                [--policy NAME]\n"
          "\n"
          "What keeping the database current will cost: for each of the next days, the movies\n"
          "and the TMDB and OMDB requests that come due under the refresh policy, beside the\n"
          "daily limits; the backlog under --refresh-limit, when it clears, and the smallest\n"
          "daily refresh limit that keeps up. Day 0 is what `plan` lists now. Makes no API call\n"
          "and writes nothing.\n"
          "\n"
          "Options:\n"
          "  --days N               days to forecast, from today (default 30)\n"
          "  --refresh-limit N      movies refreshed a day, as collect's (default 100; 0 = no "
          "limit)\n"
          "  --tmdb-daily-limit N   TMDB requests a day, as collect's (default 40000)\n"
          "  --omdb-daily-limit N   OMDB requests a day, as collect's (default 1000)\n"
          "  --include-frozen       count frozen movies too\n"
          "  --policy NAME          seed or adaptive, as collect --policy (default as collect's)\n"
          "\n"
          "Example:\n"
          "  reelsync --db movies.duckdb forecast --days 14 --refresh-limit 200\n",
          stdout);
}

enum { O_DAYS = 1, O_LIMIT, O_TMDB, O_OMDB, O_FROZEN, O_POLICY };

/* The long options of forecast (struct cli_cmd.longopts). */
static const struct option forecast_longopts[] = {
    {"days", required_argument, NULL, O_DAYS},
    {"refresh-limit", required_argument, NULL, O_LIMIT},
    {"tmdb-daily-limit", required_argument, NULL, O_TMDB},
    {"omdb-daily-limit", required_argument, NULL, O_OMDB},
    {"include-frozen", no_argument, NULL, O_FROZEN},
    {"policy", required_argument, NULL, O_POLICY},
    {NULL, 0, NULL, 0}};

static const struct option *forecast_options(void)
{
    return forecast_longopts;
}

static int forecast_parse(const struct cli *c, int argc, char **argv, struct forecast_options *o,
                          enum refresh_policy *policy)
{
    int ch;
    long days = 30;
    double v;
    while ((ch = getopt_long(argc, argv, ":", forecast_longopts, NULL)) != -1) {
        if (ch == O_DAYS && !args_long(optarg, 1, 3650, &days))
            return args_bad_value(c->cmd, "days", optarg, "a whole number of days, 1 to 3650");
        else if (ch == O_LIMIT && args_option(c->cmd, RS_OPT_REFRESH_LIMIT, optarg, &v) == EXIT_OK)
            o->refresh_limit = (size_t)v;
        else if (ch == O_LIMIT)
            return EXIT_USAGE;
        else if ((ch == O_TMDB || ch == O_OMDB) &&
                 args_option(c->cmd,
                             ch == O_TMDB ? RS_OPT_TMDB_DAILY_LIMIT : RS_OPT_OMDB_DAILY_LIMIT,
                             optarg, &v) != EXIT_OK)
            return EXIT_USAGE;
        else if (ch == O_TMDB || ch == O_OMDB)
            o->daily_limit[ch == O_TMDB ? RS_API_TMDB : RS_API_OMDB] = (int64_t)v;
        else if (ch == O_FROZEN)
            o->include_frozen = true;
        else if (ch == O_POLICY && args_option(c->cmd, RS_OPT_POLICY, optarg, &v) != EXIT_OK)
            return EXIT_USAGE;
        else if (ch == O_POLICY)
            *policy = (enum refresh_policy)v;
        else if (ch != O_DAYS)
            return args_getopt_error(c->cmd, ch, argv);
    }
    o->days = (int)days;
    return args_no_operands(c->cmd, argc, argv);
}

static const char *day_str(rs_date_t d, char *buf)
{
    return rs_date_format(d, buf, 16);
}

static void day_json(struct jw *w, const struct forecast_day *d)
{
    char date[16];
    jw_object_begin(w);
    jw_kstring(w, "day", day_str(d->day, date));
    jw_kint(w, "due", d->due);
    jw_kint(w, "tmdb", d->requests[RS_API_TMDB]);
    jw_kint(w, "omdb", d->requests[RS_API_OMDB]);
    jw_kint(w, "new", d->fresh);
    jw_kint(w, "recategorized", d->recategorized);
    jw_key(w, "by_category");
    jw_object_begin(w);
    for (int k = 0; k < REFRESH_CATEGORY_COUNT; k++)
        jw_kint(w, refresh_category_name((enum refresh_category)k), d->by_category[k]);
    jw_object_end(w);
    jw_kint(w, "served", d->served);
    jw_kint(w, "backlog", d->backlog);
    jw_object_end(w);
}

/* "shrinks", "grows" or "steady": the backlog after the last day against after day 0. */
static const char *trend(const struct forecast *f)
{
    int64_t first = f->day[0].backlog, last = f->day[f->days - 1].backlog;
    return last < first ? "shrinks" : last > first ? "grows" : "steady";
}

static int print_json(const struct cli *c, const struct forecast_options *o,
                      const struct forecast *f)
{
    char date[16];
    struct jw w;
    jw_init(&w);
    jw_object_begin(&w);
    jw_kstring(&w, "db", c->db);
    jw_kint(&w, "movies", f->movies);
    jw_kint(&w, "refresh_limit", (int64_t)o->refresh_limit);
    jw_key(&w, "daily_limit");
    jw_object_begin(&w);
    jw_kint(&w, "tmdb", o->daily_limit[RS_API_TMDB]);
    jw_kint(&w, "omdb", o->daily_limit[RS_API_OMDB]);
    jw_object_end(&w);
    jw_kstring(&w, "backlog_trend", trend(f));
    jw_kstring(&w, "clears_on", f->clear_day >= 0 ? day_str(f->day[f->clear_day].day, date) : NULL);
    jw_kint(&w, "keep_up_limit", f->keep_up_limit);
    jw_key(&w, "over_daily_limit_days");
    jw_object_begin(&w);
    jw_kint(&w, "tmdb", f->over_limit_days[RS_API_TMDB]);
    jw_kint(&w, "omdb", f->over_limit_days[RS_API_OMDB]);
    jw_object_end(&w);
    jw_key(&w, "days");
    jw_array_begin(&w);
    for (int k = 0; k < f->days; k++)
        day_json(&w, &f->day[k]);
    jw_array_end(&w);
    jw_object_end(&w);
    return msg_emit_json(c->cmd, &w);
}

static void print_human(const struct cli *c, const struct forecast_options *o,
                        const struct forecast *f)
{
    char date[16], limit[48] = "no limit";
    if (o->refresh_limit)
        snprintf(limit, sizeof(limit), "%zu movies a day", o->refresh_limit);
    printf("Forecast for %s: %lld movies, refresh limit %s, daily limits %lld TMDB / %lld OMDB\n\n",
           c->db, (long long)f->movies, limit, (long long)o->daily_limit[RS_API_TMDB],
           (long long)o->daily_limit[RS_API_OMDB]);
    printf("%-10s %8s %8s %8s %6s %6s %8s %8s\n", "day", "due", "tmdb", "omdb", "new", "recat",
           "served", "backlog");
    for (int k = 0; k < f->days; k++) {
        const struct forecast_day *d = &f->day[k];
        bool over = (o->daily_limit[0] && d->requests[0] > o->daily_limit[0]) ||
                    (o->daily_limit[1] && d->requests[1] > o->daily_limit[1]);
        printf("%-10s %8lld %8lld %8lld %6lld %6lld %8lld %8lld%s\n", day_str(d->day, date),
               (long long)d->due, (long long)d->requests[0], (long long)d->requests[1],
               (long long)d->fresh, (long long)d->recategorized, (long long)d->served,
               (long long)d->backlog, over ? "  over a daily limit" : "");
    }
    int64_t last = f->day[f->days - 1].backlog;
    printf("\nBacklog: %lld after today, %lld after the last day (%s)",
           (long long)f->day[0].backlog, (long long)last, trend(f));
    if (f->clear_day >= 0)
        printf("; none from %s on", day_str(f->day[f->clear_day].day, date));
    printf(".\nA daily refresh limit of %lld keeps up: everything that comes due in these %d "
           "days is refreshed by the last.\n",
           (long long)f->keep_up_limit, f->days);
}

static int forecast_command(struct cli *c, int argc, char **argv)
{
    struct forecast_options o = {
        .now = c->now,
        .refresh_limit = (size_t)c->set[RS_OPT_REFRESH_LIMIT].v, /* settings.c */
        .daily_limit = {(int64_t)c->set[RS_OPT_TMDB_DAILY_LIMIT].v,
                        (int64_t)c->set[RS_OPT_OMDB_DAILY_LIMIT].v},
    };
    enum refresh_policy policy = (enum refresh_policy)rs_option_default(RS_OPT_POLICY);
    struct refresh_schedule schedule;
    if (forecast_parse(c, argc, argv, &o, &policy) != EXIT_OK)
        return EXIT_USAGE;
    if (c->parse_only)
        return EXIT_OK;
    struct store *st = NULL;
    struct forecast f = {0};
    struct rs_error err = {0};
    int status = db_open(c, STORE_READ_ONLY, &st);
    if (status != EXIT_OK)
        return status;
    enum rs_err rc = plan_use_policy(c, st, policy, o.refresh_limit, &schedule, &err);
    o.schedule = &schedule;
    if (rc == RS_OK)
        rc = forecast_build(st, &o, &f, &err);
    store_close(st);
    if (rc != RS_OK)
        return msg_fail_rs(c->cmd, rc, &err);
    if (c->json) {
        status = print_json(c, &o, &f);
    } else {
        print_human(c, &o, &f);
    }
    forecast_release(&f);
    return status;
}

const struct cli_cmd cmd_forecast = {"forecast", forecast_usage, forecast_command,
                                     forecast_options};
