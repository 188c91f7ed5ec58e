/*
 * cmd_stats: `reelsync stats` (docs/reelsync.1, "stats"), the monitoring report: requests
 * against the daily limits, success and errors per API, coverage per age category,
 * freshness (also against the policy's intervals) and the last runs, as text or JSON. The
 * numbers are the store's (store_report); the daily limits to compare with are collect's
 * settings (settings.c: the config file, the environment, else options.h's defaults).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "reelsync/refresh.h"

/* Share of successful attempts of API over 30 days, or -1 without any attempt. */
static double success_rate(const struct store_report *r, int api)
{
    int64_t total = r->usage_total[api][STORE_LAST_30];
    return total > 0 ? (double)r->usage[api][STORE_LAST_30][RS_OK] / (double)total : -1.0;
}

/* Share of the non-frozen movies of category K that are not due, or -1 for none. */
static double coverage(const struct store_report *r, int k)
{
    int64_t live = r->category[k].due + r->category[k].not_due;
    return live > 0 ? (double)r->category[k].not_due / (double)live : -1.0;
}

static void json_share(struct jw *w, const char *key, double share)
{
    jw_key(w, key);
    if (share < 0)
        jw_null(w);
    else
        jw_double(w, share);
}

static void report_json_api(struct jw *w, const struct store_report *r, int api, int64_t limit)
{
    jw_object_begin(w);
    jw_kint(w, "requests_today", r->usage_total[api][STORE_TODAY]);
    jw_kint(w, "requests_7d", r->usage_total[api][STORE_LAST_7]);
    jw_kint(w, "requests_30d", r->usage_total[api][STORE_LAST_30]);
    jw_kint(w, "daily_limit", limit);
    json_share(w, "success_rate_30d", success_rate(r, api));
    jw_key(w, "errors_30d");
    jw_object_begin(w);
    for (int e = RS_OUTCOME_FIRST; e <= RS_OUTCOME_LAST; e++)
        jw_kint(w, rs_errname((enum rs_err)e), r->usage[api][STORE_LAST_30][e]);
    jw_object_end(w);
    jw_kint(w, "due_now", r->due_now[api]);
    jw_object_end(w);
}

static void report_json_category(struct jw *w, const struct store_report *r, int k)
{
    jw_object_begin(w);
    jw_kint(w, "movies", r->category[k].total);
    jw_kint(w, "due", r->category[k].due);
    jw_kint(w, "not_due", r->category[k].not_due);
    jw_kint(w, "frozen", r->category[k].frozen);
    json_share(w, "up_to_date_share", coverage(r, k));
    jw_object_end(w);
}

/* KEY with V, or null when V is not set. */
void json_kint_opt(struct jw *w, const char *key, struct rs_i64 v)
{
    jw_key(w, key);
    if (v.set)
        jw_int(w, v.v);
    else
        jw_null(w);
}

/* How fresh the data is (last checked) and how long it has been stable (last changed). */
static void report_json_freshness(struct jw *w, const struct store_report *r)
{
    jw_key(w, "freshness");
    jw_object_begin(w);
    json_kint_opt(w, "tmdb_checked_days_median", r->checked_days_median[RS_API_TMDB]);
    json_kint_opt(w, "tmdb_checked_days_max", r->checked_days_max[RS_API_TMDB]);
    json_kint_opt(w, "omdb_checked_days_median", r->checked_days_median[RS_API_OMDB]);
    json_kint_opt(w, "omdb_checked_days_max", r->checked_days_max[RS_API_OMDB]);
    json_kint_opt(w, "unchanged_days_median", r->unchanged_days_median);
    jw_object_end(w);
}

/* Share of the movies MOVIES that are within their interval, or -1 for none. */
static double within_share(int64_t movies, int64_t within)
{
    return movies > 0 ? (double)within / (double)movies : -1.0;
}

/* Of every category of API together: the movies counted and those within their interval. */
static void within_all(const struct store_report *r, int api, int64_t *movies, int64_t *within)
{
    *movies = *within = 0;
    for (int k = 0; k < REFRESH_CATEGORY_COUNT; k++) {
        *movies += r->within_interval[api][k].movies;
        *within += r->within_interval[api][k].within;
    }
}

static void json_within(struct jw *w, const char *key, int64_t movies, int64_t within)
{
    jw_key(w, key);
    jw_object_begin(w);
    jw_kint(w, "movies", movies);
    jw_kint(w, "within", within);
    json_share(w, "share", within_share(movies, within));
    jw_object_end(w);
}

/* within_interval: per API, per category and "all", the movies checked within their interval. */
static void report_json_within(struct jw *w, const struct store_report *r)
{
    jw_key(w, "within_interval");
    jw_object_begin(w);
    for (int api = 0; api < RS_API_COUNT; api++) {
        int64_t movies, within;
        jw_key(w, rs_api_name((enum rs_api)api));
        jw_object_begin(w);
        for (int k = 0; k < REFRESH_CATEGORY_COUNT; k++)
            json_within(w, refresh_category_name((enum refresh_category)k),
                        r->within_interval[api][k].movies, r->within_interval[api][k].within);
        within_all(r, api, &movies, &within);
        json_within(w, "all", movies, within);
        jw_object_end(w);
    }
    jw_object_end(w);
}

/* oldest_overdue (an object or null per API) and never_checked (a count per API). */
static void report_json_overdue(struct jw *w, const struct store_report *r)
{
    jw_key(w, "oldest_overdue");
    jw_object_begin(w);
    for (int api = 0; api < RS_API_COUNT; api++) {
        const struct store_overdue *o = &r->oldest_overdue[api];
        jw_key(w, rs_api_name((enum rs_api)api));
        if (!o->set) {
            jw_null(w);
            continue;
        }
        jw_object_begin(w);
        jw_kint(w, "tmdb_id", o->tmdb_id);
        jw_kstring(w, "title", o->title && o->title[0] ? o->title : NULL);
        jw_kstring(w, "category", refresh_category_name(o->category));
        jw_kint(w, "days_overdue", o->days);
        jw_object_end(w);
    }
    jw_object_end(w);
    jw_key(w, "never_checked");
    jw_object_begin(w);
    for (int api = 0; api < RS_API_COUNT; api++)
        jw_kint(w, rs_api_name((enum rs_api)api), r->never_checked[api]);
    jw_object_end(w);
}

/* How long RUN took in whole seconds: null while running or after a crash. */
struct rs_i64 stats_run_duration(const struct store_run *run)
{
    return run->ended_at.set ? RS_I64(run->ended_at.v - run->started_at) : RS_NULL_I64;
}

/*
 * The one word for how RUN ended: its recorded result, or for a run recorded before there
 * was one, what its exit status says (docs/reelsync.1, "EXIT STATUS").
 */
const char *stats_run_result(const struct store_run *run)
{
    static const char *const known[] = {"ok", "partial", "failed", "locked", "interrupted"};
    if (!run->ended_at.set || !run->status.set)
        return "unfinished";
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(run->result, known[i]) == 0)
            return known[i];
    }
    if (run->status.v > 128)
        return "interrupted";
    return run->status.v == 0 ? "ok" : run->status.v == 4 ? "locked" : "failed";
}

void stats_json_run_head(struct jw *w, const struct store_run *run)
{
    char stamp[32];
    jw_kint(w, "run_id", run->id);
    jw_kstring(w, "started_at", rs_time_format(run->started_at, stamp, sizeof(stamp)));
    jw_kstring(w, "ended_at",
               run->ended_at.set ? rs_time_format(run->ended_at.v, stamp, sizeof(stamp)) : NULL);
    json_kint_opt(w, "duration_s", stats_run_duration(run));
    jw_kstring(w, "result", stats_run_result(run));
    json_kint_opt(w, "status", run->status);
}

static void report_json_run(struct jw *w, const struct store_run *run)
{
    jw_object_begin(w);
    stats_json_run_head(w, run);
    jw_key(w, "stats");
    jw_raw(w, run->stats_json);
    jw_object_end(w);
}

/* TMDB's change feed (--policy adaptive): its watermark and the days it could not read. */
static void report_json_feed(struct jw *w, const struct store_feed_state *f)
{
    char day[16];
    jw_key(w, "feed");
    jw_object_begin(w);
    jw_kstring(w, "watermark",
               f->watermark.set ? rs_date_format((rs_date_t)f->watermark.v, day, sizeof(day))
                                : NULL);
    jw_kint(w, "gaps", f->gaps);
    jw_kint(w, "gap_days", f->gap_days);
    jw_kstring(w, "last_gap_from",
               f->last_gap.set ? rs_date_format((rs_date_t)f->last_gap.v, day, sizeof(day)) : NULL);
    jw_object_end(w);
}

static void report_feed(const struct store_feed_state *f)
{
    char day[16];
    if (!f->watermark.set)
        return;
    printf("\nTMDB change feed: read up to %s",
           rs_date_format((rs_date_t)f->watermark.v, day, sizeof(day)));
    if (f->gaps > 0)
        printf("; %lld gaps past TMDB's 14 days, %lld days not read (the last from %s)",
               (long long)f->gaps, (long long)f->gap_days,
               rs_date_format((rs_date_t)f->last_gap.v, day, sizeof(day)));
    printf("\n");
}

/* stats --json: the same numbers as the human report. */
static void report_json(const struct cli *c, const struct store_report *r,
                        const struct store_feed_state *feed, const int64_t limit[RS_API_COUNT],
                        struct jw *w)
{
    char stamp[32];
    jw_object_begin(w);
    jw_kstring(w, "db", c->db);
    jw_kstring(w, "now", rs_time_format(c->now, stamp, sizeof(stamp)));
    jw_kint(w, "movies", r->movies);
    jw_kint(w, "frozen", r->frozen);
    jw_kint(w, "gone", r->gone);
    jw_kint(w, "missing_imdb_id", r->missing_imdb);
    jw_key(w, "apis");
    jw_object_begin(w);
    for (int api = 0; api < RS_API_COUNT; api++) {
        jw_key(w, rs_api_name((enum rs_api)api));
        report_json_api(w, r, api, limit[api]);
    }
    jw_object_end(w);
    jw_key(w, "coverage");
    jw_object_begin(w);
    for (int k = 0; k < REFRESH_CATEGORY_COUNT; k++) {
        jw_key(w, refresh_category_name((enum refresh_category)k));
        report_json_category(w, r, k);
    }
    jw_object_end(w);
    report_json_freshness(w, r);
    report_json_within(w, r);
    report_json_overdue(w, r);
    report_json_feed(w, feed);
    jw_key(w, "runs");
    jw_array_begin(w);
    for (size_t i = 0; i < r->n_runs; i++)
        report_json_run(w, &r->runs[i]);
    jw_array_end(w);
    jw_object_end(w);
}

static void report_apis(const struct store_report *r, const int64_t limit[RS_API_COUNT])
{
    printf("\n%-18s %9s %9s %9s %12s %10s %9s\n", "API requests", "today", "7 days", "30 days",
           "daily limit", "success", "due now");
    for (int api = 0; api < RS_API_COUNT; api++) {
        char rate[16] = "-", lim[24] = "none";
        if (success_rate(r, api) >= 0)
            snprintf(rate, sizeof(rate), "%.1f%%", 100.0 * success_rate(r, api));
        if (limit[api] > 0)
            snprintf(lim, sizeof(lim), "%lld", (long long)limit[api]);
        printf("  %-16s %9lld %9lld %9lld %12s %10s %9lld\n", rs_api_name((enum rs_api)api),
               (long long)r->usage_total[api][STORE_TODAY],
               (long long)r->usage_total[api][STORE_LAST_7],
               (long long)r->usage_total[api][STORE_LAST_30], lim, rate,
               (long long)r->due_now[api]);
    }
    printf("\n%-18s %9s %9s\n", "Errors (30 days)", "tmdb", "omdb");
    for (int e = RS_OUTCOME_FIRST; e <= RS_OUTCOME_LAST; e++)
        printf("  %-16s %9lld %9lld\n", rs_errname((enum rs_err)e),
               (long long)r->usage[RS_API_TMDB][STORE_LAST_30][e],
               (long long)r->usage[RS_API_OMDB][STORE_LAST_30][e]);
}

/* "3 days ago" or "-" */
static const char *days_ago(struct rs_i64 days, char *buf, size_t len)
{
    if (!days.set)
        return "-";
    snprintf(buf, len, "%lld day%s", (long long)days.v, days.v == 1 ? "" : "s");
    return buf;
}

static void report_freshness(const struct store_report *r)
{
    char a[32], b[32];
    printf("\n%-18s %14s %14s\n", "Last checked", "median", "oldest");
    for (int api = 0; api < RS_API_COUNT; api++)
        printf("  %-16s %14s %14s\n", rs_api_name((enum rs_api)api),
               days_ago(r->checked_days_median[api], a, sizeof(a)),
               days_ago(r->checked_days_max[api], b, sizeof(b)));
    printf("Data unchanged for a median of %s\n", days_ago(r->unchanged_days_median, a, sizeof(a)));
}

/* "50.0% (1/2)", or "-" when the API counts no movie there. */
static const char *within_cell(int64_t movies, int64_t within, char *buf, size_t len)
{
    if (movies <= 0)
        return "-";
    snprintf(buf, len, "%.1f%% (%lld/%lld)", 100.0 * within_share(movies, within),
             (long long)within, (long long)movies);
    return buf;
}

/* The share checked within the policy's interval, the oldest overdue, the never checked. */
static void report_within(const struct store_report *r)
{
    static const char *const label[RS_API_COUNT] = {"TMDB", "OMDB"};
    char a[48], b[48];
    int64_t movies[RS_API_COUNT], within[RS_API_COUNT];
    printf("\nChecked within the policy's interval\n  %-16s %20s %20s\n", "", "tmdb", "omdb");
    for (int k = 0; k < REFRESH_CATEGORY_COUNT; k++)
        printf("  %-16s %20s %20s\n", refresh_category_name((enum refresh_category)k),
               within_cell(r->within_interval[RS_API_TMDB][k].movies,
                           r->within_interval[RS_API_TMDB][k].within, a, sizeof(a)),
               within_cell(r->within_interval[RS_API_OMDB][k].movies,
                           r->within_interval[RS_API_OMDB][k].within, b, sizeof(b)));
    for (int api = 0; api < RS_API_COUNT; api++)
        within_all(r, api, &movies[api], &within[api]);
    printf("  %-16s %20s %20s\n", "all",
           within_cell(movies[RS_API_TMDB], within[RS_API_TMDB], a, sizeof(a)),
           within_cell(movies[RS_API_OMDB], within[RS_API_OMDB], b, sizeof(b)));
    for (int api = 0; api < RS_API_COUNT; api++) {
        const struct store_overdue *o = &r->oldest_overdue[api];
        if (!o->set) {
            printf("Oldest overdue on %s: none overdue\n", label[api]);
            continue;
        }
        printf("Oldest overdue on %s: #%lld '%s' (%s), %lld day%s past due\n", label[api],
               (long long)o->tmdb_id, o->title && o->title[0] ? o->title : "(unknown title)",
               refresh_category_name(o->category), (long long)o->days, o->days == 1 ? "" : "s");
    }
    printf("Never checked: %lld on TMDB, %lld on OMDB\n", (long long)r->never_checked[RS_API_TMDB],
           (long long)r->never_checked[RS_API_OMDB]);
}

static void report_coverage_runs(const struct store_report *r)
{
    char stamp[32];
    printf("\n%-18s %9s %9s %11s %9s\n", "Refresh coverage", "movies", "due", "up to date",
           "frozen");
    for (int k = 0; k < REFRESH_CATEGORY_COUNT; k++) {
        char share[16] = "-";
        if (coverage(r, k) >= 0)
            snprintf(share, sizeof(share), "%.1f%%", 100.0 * coverage(r, k));
        printf("  %-16s %9lld %9lld %11s %9lld\n", refresh_category_name((enum refresh_category)k),
               (long long)r->category[k].total, (long long)r->category[k].due, share,
               (long long)r->category[k].frozen);
    }
    report_freshness(r);
    report_within(r);
    printf("\nLast runs\n");
    if (r->n_runs == 0)
        printf("  none yet\n");
    for (size_t i = 0; i < r->n_runs; i++) {
        const struct store_run *run = &r->runs[i];
        char took[32] = "-";
        if (stats_run_duration(run).set)
            snprintf(took, sizeof(took), "%lld s", (long long)stats_run_duration(run).v);
        printf("  #%-5lld %s %7s  %-11s  discovered %lld, tmdb %lld, omdb %lld, frozen %lld\n",
               (long long)run->id, rs_time_format(run->started_at, stamp, sizeof(stamp)), took,
               stats_run_result(run), (long long)run->discovered.v, (long long)run->tmdb_updated.v,
               (long long)run->omdb_updated.v, (long long)run->frozen.v);
    }
}

static void report_human(const struct cli *c, const struct store_report *r,
                         const struct store_feed_state *feed, const int64_t limit[RS_API_COUNT])
{
    char stamp[32];
    printf("reelsync report for %s at %s\n\n", c->db, rs_time_format(c->now, stamp, sizeof(stamp)));
    printf("Movies: %lld (frozen %lld, gone from TMDB %lld, without an IMDb id %lld)\n",
           (long long)r->movies, (long long)r->frozen, (long long)r->gone,
           (long long)r->missing_imdb);
    report_apis(r, limit);
    report_coverage_runs(r);
    report_feed(feed);
}

static void stats_usage(void)
{
    char t[32], o[32];
    fputs("usage: reelsync [global options] stats [--tmdb-daily-limit N] [--omdb-daily-limit N]\n"
          "\n"
          "The monitoring report: API requests today and over 7 and 30 days against the daily\n"
          "limits, success rate and errors by class per API, refresh coverage per age category,\n"
          "frozen movies, movies due now, movies without an IMDb id, how long ago movies were\n"
          "last checked and last changed, the share checked within the refresh policy's\n"
          "interval with the oldest overdue movie per API, and the last runs.\n"
          "\n"
          "Options:\n",
          stdout);
    printf("  --tmdb-daily-limit N, --omdb-daily-limit N   the limits to compare with (default "
           "%s, %s)\n",
           rs_option_format_default(rs_option(RS_OPT_TMDB_DAILY_LIMIT), t, sizeof(t)),
           rs_option_format_default(rs_option(RS_OPT_OMDB_DAILY_LIMIT), o, sizeof(o)));
    fputs("\n"
          "Example:\n"
          "  reelsync --db movies.duckdb stats\n"
          "  reelsync --db movies.duckdb stats --json\n",
          stdout);
}

/* The long options of stats (struct cli_cmd.longopts). */
static const struct option stats_longopts[] = {{"tmdb-daily-limit", required_argument, NULL, 't'},
                                               {"omdb-daily-limit", required_argument, NULL, 'o'},
                                               {NULL, 0, NULL, 0}};

static const struct option *stats_options(void)
{
    return stats_longopts;
}

/* Parses stats' options: the daily limits, as collect's (options.h). */
static int stats_parse(const struct cli *c, int argc, char **argv, int64_t limit[RS_API_COUNT])
{
    static const enum rs_option_id ids[RS_API_COUNT] = {RS_OPT_TMDB_DAILY_LIMIT,
                                                        RS_OPT_OMDB_DAILY_LIMIT};
    for (int api = 0; api < RS_API_COUNT; api++)
        limit[api] = (int64_t)c->set[ids[api]].v; /* the file's or environment's, if set */
    int ch;
    while ((ch = getopt_long(argc, argv, ":", stats_longopts, NULL)) != -1) {
        double v;
        if (ch != 't' && ch != 'o')
            return args_getopt_error(c->cmd, ch, argv);
        int api = ch == 't' ? RS_API_TMDB : RS_API_OMDB;
        if (args_option(c->cmd, ids[api], optarg, &v) != EXIT_OK)
            return EXIT_USAGE;
        limit[api] = (int64_t)v;
    }
    return args_no_operands(c->cmd, argc, argv);
}

/* Reads the report from --db (created if absent, docs/reelsync.1) and prints it. */
static int stats_show(const struct cli *c, const int64_t limit[RS_API_COUNT])
{
    struct store *st = NULL;
    struct rs_error err = {0};
    struct store_report *r = calloc(1, sizeof(*r));
    if (!r)
        return msg_fail_rs(c->cmd, RS_ERR_NOMEM, NULL);
    int status = db_open(c, STORE_READ_ONLY, &st);
    if (status == EXIT_OK) {
        struct store_feed_state feed = {0};
        enum rs_err rc = store_report(st, c->now, r, &err);
        if (rc == RS_OK)
            rc = store_feed_state(st, &feed, &err);
        store_close(st);
        if (rc != RS_OK) {
            status = msg_fail_rs(c->cmd, rc, &err);
        } else if (c->json) {
            struct jw w;
            jw_init(&w);
            report_json(c, r, &feed, limit, &w);
            status = msg_emit_json(c->cmd, &w);
        } else {
            report_human(c, r, &feed, limit);
        }
        store_report_release(r);
    }
    free(r);
    return status;
}

static int stats_command(struct cli *c, int argc, char **argv)
{
    int64_t limit[RS_API_COUNT];
    if (stats_parse(c, argc, argv, limit) != EXIT_OK)
        return EXIT_USAGE;
    if (c->parse_only)
        return EXIT_OK;
    return stats_show(c, limit);
}

const struct cli_cmd cmd_stats = {"stats", stats_usage, stats_command, stats_options};
