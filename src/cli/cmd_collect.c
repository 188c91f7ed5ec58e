/*
 * cmd_collect: `reelsync collect` (docs/reelsync.1, "collect"; README.md, "Commands"). Its
 * options, their defaults and bounds and its --help come from the one table of
 * include/reelsync/options.h; the keys it needs are checked before anything is opened; then
 * either the plan of a dry run (cmd_plan.c's presentation) or the run itself, which is the
 * library's orch_collect, and its report. Progress and signals are progress.c's.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "reelsync/publish.h"

/* getopt_long's value for the table's option ID: OPT_BASE + ID; --publish's is OPT_PUBLISH. */
#define OPT_BASE 1000
#define OPT_PUBLISH 999

/* What collect's command line said, by the table's option id (flags: 0 or 1), and --publish. */
struct collect_args {
    double v[RS_OPT_COUNT];
    const char *publish;  /* NULL: no snapshots */
    struct id_list ids;   /* --id */
    enum rs_err *outcome; /* each id's TMDB outcome (orch_options.id_outcome) */
};

/* The per-API options, by enum rs_api. */
static const enum rs_option_id rps_id[RS_API_COUNT] = {RS_OPT_TMDB_RPS, RS_OPT_OMDB_RPS};
static const enum rs_option_id concurrency_id[RS_API_COUNT] = {RS_OPT_TMDB_CONCURRENCY,
                                                               RS_OPT_OMDB_CONCURRENCY};
static const enum rs_option_id daily_id[RS_API_COUNT] = {RS_OPT_TMDB_DAILY_LIMIT,
                                                         RS_OPT_OMDB_DAILY_LIMIT};

/* The value's name in the help: "--max-pages N". */
static const char *metavar(enum rs_option_kind kind)
{
    switch (kind) {
    case RS_OPT_KIND_YEAR:
        return " Y";
    case RS_OPT_KIND_RATE:
        return " R";
    case RS_OPT_KIND_SECONDS:
        return " S";
    case RS_OPT_KIND_FLAG:
        return "";
    case RS_OPT_KIND_IDS:
        return " ID[,ID...]";
    case RS_OPT_KIND_CHOICE:
        return " NAME";
    default:
        return " N";
    }
}

/* One option's line of the help: name, help, default and what 0 means. */
static void usage_line(const struct rs_option *o)
{
    char arg[64], dflt[32];
    snprintf(arg, sizeof(arg), "--%s%s", o->name, metavar(o->kind));
    if (o->kind == RS_OPT_KIND_FLAG || o->kind == RS_OPT_KIND_IDS) {
        printf("  %-30s %s\n", arg, o->help);
        return;
    }
    printf("  %-30s %s (default %s%s%s)\n", arg, o->help,
           rs_option_format_default(o, dflt, sizeof(dflt)), o->zero ? "; 0 = " : "",
           o->zero ? o->zero : "");
}

static void collect_usage(void)
{
    fputs("usage: reelsync [global options] collect [options]\n"
          "\n"
          "Discovers movies on TMDB year by year, then refreshes the movies that are due: TMDB\n"
          "details, then OMDB ratings, under each API's rate and daily limits. Movies that fail\n"
          "stay due for the next run (exit status 0: partial success).\n"
          "\n"
          "Options:\n",
          stdout);
    for (int id = 0; id < RS_OPT_COUNT; id++)
        usage_line(rs_option((enum rs_option_id)id));
    printf("  %-30s %s\n", "--publish DIR",
           "after a run that did its work (exit status 0), Parquet snapshots of the data tables "
           "in DIR/current/ (replaced atomically)");
    fputs("\n"
          "Each option that takes a value may also be set in the config file as KEY=value\n"
          "(REFRESH_LIMIT=500, TMDB_RPS=4) or in the environment as REELSYNC_KEY; the command\n"
          "line wins over the environment, the environment over the file ('reelsync config').\n"
          "\n"
          "Environment: TMDB_API_KEY (v3 key) or TMDB_ACCESS_TOKEN (v4 token), OMDB_API_KEY,\n"
          "TMDB_BASE_URL, OMDB_BASE_URL.\n"
          "\n"
          "Examples:\n"
          "  reelsync --db movies.duckdb collect --start-year 2024 --end-year 2024\n"
          "  reelsync --db movies.duckdb collect --refresh-only --refresh-limit 100   # daily "
          "cron\n"
          "  reelsync --db movies.duckdb collect --id 27205,155   # these two, now\n",
          stdout);
}

/*
 * collect's long options, made from the table once (struct cli_cmd.longopts): getopt_long's
 * value for option ID is OPT_BASE + ID, --publish's OPT_PUBLISH.
 */
static const struct option *collect_longopts(void)
{
    static struct option longopts[RS_OPT_COUNT + 2];
    for (int id = 0; id < RS_OPT_COUNT; id++) {
        const struct rs_option *o = rs_option((enum rs_option_id)id);
        longopts[id] =
            (struct option){o->name, o->kind == RS_OPT_KIND_FLAG ? no_argument : required_argument,
                            NULL, OPT_BASE + id};
    }
    longopts[RS_OPT_COUNT] = (struct option){"publish", required_argument, NULL, OPT_PUBLISH};
    return longopts; /* the last entry stays zeroed */
}

/* Parses the options of the table into A. Returns EXIT_OK or the printed EXIT_USAGE. */
static int parse_options(const struct cli *c, int argc, char **argv, struct collect_args *a)
{
    const struct option *longopts = collect_longopts();
    int ch;
    while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        if (ch == OPT_PUBLISH && !*optarg)
            return args_bad_value(c->cmd, "publish", optarg, "a directory");
        if (ch == OPT_PUBLISH)
            a->publish = optarg;
        else if (ch < OPT_BASE || ch >= OPT_BASE + RS_OPT_COUNT)
            return args_getopt_error(c->cmd, ch, argv);
        else if (rs_option((enum rs_option_id)(ch - OPT_BASE))->kind == RS_OPT_KIND_FLAG)
            a->v[ch - OPT_BASE] = 1;
        else if (ch - OPT_BASE == RS_OPT_ID && ids_parse(c->cmd, optarg, &a->ids) != EXIT_OK)
            return EXIT_USAGE;
        else if (ch - OPT_BASE == RS_OPT_ID)
            continue;
        else if (args_option(c->cmd, (enum rs_option_id)(ch - OPT_BASE), optarg,
                             &a->v[ch - OPT_BASE]) != EXIT_OK)
            return EXIT_USAGE;
    }
    return args_no_operands(c->cmd, argc, argv);
}

/* Parses collect's line into A (defaults first). Returns EXIT_OK or the printed status. */
static int collect_parse(const struct cli *c, int argc, char **argv, struct collect_args *a)
{
    int y, m, d;
    rs_date_to_ymd(rs_time_day(c->now), &y, &m, &d);
    a->publish = NULL;
    a->ids = (struct id_list){0};
    a->outcome = NULL;
    for (int id = 0; id < RS_OPT_COUNT; id++)
        a->v[id] = c->set[id].v; /* default < file < environment (settings.c) */
    if (parse_options(c, argc, argv, a) != EXIT_OK)
        return EXIT_USAGE;
    if (a->ids.n > 0 && a->v[RS_OPT_DISCOVER_ONLY])
        return msg_fail(EXIT_USAGE, "collect: --id and --discover-only exclude each other (--id "
                                    "fetches the movies given and discovers nothing)");
    if (a->v[RS_OPT_REFRESH_ONLY] && a->v[RS_OPT_DISCOVER_ONLY])
        return msg_fail(EXIT_USAGE, "collect: --refresh-only and --discover-only exclude each "
                                    "other (give one, or neither for both phases)");
    if (a->v[RS_OPT_END_YEAR] < a->v[RS_OPT_START_YEAR])
        return msg_fail(EXIT_USAGE,
                        "collect: --end-year %.0f is before --start-year %.0f (give an end year at "
                        "or after the start year; both default to this year, %d)",
                        a->v[RS_OPT_END_YEAR], a->v[RS_OPT_START_YEAR], y);
    return EXIT_OK;
}

static void collect_options(struct cli *c, const struct collect_args *a, struct orch_options *o)
{
    const double *v = a->v;
    *o = (struct orch_options){
        .discover = !v[RS_OPT_REFRESH_ONLY] && a->ids.n == 0,
        .refresh = !v[RS_OPT_DISCOVER_ONLY],
        .start_year = (int)v[RS_OPT_START_YEAR],
        .end_year = (int)v[RS_OPT_END_YEAR],
        .min_vote_count = (int)v[RS_OPT_MIN_VOTE_COUNT],
        .max_pages = (int)v[RS_OPT_MAX_PAGES],
        .refresh_limit = (size_t)v[RS_OPT_REFRESH_LIMIT],
        .include_frozen = v[RS_OPT_INCLUDE_FROZEN] != 0,
        .dry_run = v[RS_OPT_DRY_RUN] != 0,
        .ids = a->ids.ids,
        .n_ids = a->ids.n,
        .id_outcome = a->outcome,
        .policy = (enum refresh_policy)v[RS_OPT_POLICY],
        .tmdb_key = c->tmdb_key,
        .tmdb_token = c->tmdb_token,
        .omdb_key = c->omdb_key,
        .retry = RETRY_POLICY_DEFAULT,
        .timeout_ms = (long)v[RS_OPT_TIMEOUT] * 1000,
        .connect_timeout_ms = (long)v[RS_OPT_CONNECT_TIMEOUT] * 1000,
        .now = c->now,
        .log = &c->log,
        .cancel = progress_cancel_flag(),
        .progress = progress_update,
        .progress_ctx = &c->progress,
    };
    for (int api = 0; api < RS_API_COUNT; api++) {
        o->base_url[api] = c->base_url[api];
        o->rps[api] = v[rps_id[api]];
        o->concurrency[api] = (int)v[concurrency_id[api]];
        o->daily_limit[api] = (int64_t)v[daily_id[api]];
    }
}

/* collect --dry-run --json: the discovery, then the refresh's movies as they are read. */
static int dry_run_json(struct cli *c, const struct orch_options *o, struct store *st,
                        int64_t count, int64_t total)
{
    struct jw w;
    jw_init(&w);
    jw_object_begin(&w);
    jw_kbool(&w, "dry_run", true);
    jw_key(&w, "discover");
    jw_object_begin(&w);
    jw_kbool(&w, "enabled", o->discover);
    jw_kint(&w, "start_year", o->start_year);
    jw_kint(&w, "end_year", o->end_year);
    jw_kint(&w, "max_pages", o->max_pages);
    jw_kint(&w, "min_vote_count", o->min_vote_count);
    jw_object_end(&w);
    jw_key(&w, "refresh");
    jw_object_begin(&w);
    jw_kbool(&w, "enabled", o->refresh);
    jw_kint(&w, "limit", (int64_t)o->refresh_limit);
    jw_kint(&w, "count", count);
    jw_kint(&w, "total_due", total);
    jw_key(&w, "movies");
    jw_array_begin(&w);
    struct plan_show s = {.now = c->now, .w = &w};
    int status = plan_show(c, st, o->refresh_limit, o->include_frozen, &s);
    if (status != EXIT_OK) {
        jw_release(&w);
        return status;
    }
    jw_array_end(&w);
    jw_object_end(&w);
    jw_object_end(&w);
    return msg_emit_json(c->cmd, &w);
}

static int dry_run_human(struct cli *c, const struct orch_options *o, struct store *st,
                         int64_t count)
{
    int years = o->end_year - o->start_year + 1;
    printf("Dry run: no API call, nothing written.\n");
    if (o->discover && o->max_pages > 0)
        printf("Discovery: %d to %d (%d year%s), vote_count >= %d, up to %d pages a year (%d "
               "requests at most)\n",
               o->start_year, o->end_year, years, years == 1 ? "" : "s", o->min_vote_count,
               o->max_pages, years * o->max_pages);
    else if (o->discover)
        printf("Discovery: %d to %d, vote_count >= %d, every page TMDB serves\n", o->start_year,
               o->end_year, o->min_vote_count);
    else
        printf("Discovery: skipped (--refresh-only)\n");
    if (!o->refresh) {
        printf("Refresh: skipped (--discover-only)\n");
        return EXIT_OK;
    }
    char limit[40] = "no limit";
    if (o->refresh_limit > 0)
        snprintf(limit, sizeof(limit), "limit %zu", o->refresh_limit);
    printf("Refresh: %lld movie%s due now (%s; movies this run discovers anew go first)\n\n",
           (long long)count, count == 1 ? "" : "s", limit);
    struct plan_show s = {.now = c->now};
    return plan_show(c, st, o->refresh_limit, o->include_frozen, &s);
}

/*
 * collect --dry-run: the discovery it would make and the movies it would refresh, counted
 * first (the report says how many before it lists them), then shown as they are read.
 */
static int collect_dry_run(struct cli *c, const struct orch_options *o)
{
    struct store *st = NULL;
    int64_t count = 0, total = 0;
    int status = EXIT_OK;
    if (o->refresh)
        status = plan_open(c, o->policy, o->refresh_limit, &st);
    if (status == EXIT_OK && st)
        status = plan_count(c, st, o->refresh_limit, o->include_frozen, &count, &total);
    if (status == EXIT_OK && c->json)
        status = dry_run_json(c, o, o->refresh ? st : NULL, count, total);
    else if (status == EXIT_OK)
        status = dry_run_human(c, o, st, count);
    store_close(st);
    return status;
}

/* The run's summary (README, "Commands"), then failures by class and requests by API. */
static void report_human(const struct orch_stats *s, enum rs_err rc)
{
    printf("Collection %s:\n", rc == RS_OK              ? "complete"
                               : rc == RS_ERR_CANCELLED ? "interrupted"
                                                        : "stopped");
    printf("- Movies discovered: %lld (%lld new)\n", (long long)s->discovered,
           (long long)s->discovered_new);
    printf("- TMDB updated: %lld\n", (long long)s->tmdb_updated);
    printf("- OMDB updated: %lld\n", (long long)s->omdb_updated);
    printf("- Movies frozen: %lld\n", (long long)s->frozen);
    printf("\nRequests: tmdb %lld, omdb %lld\n", (long long)s->requests[RS_API_TMDB],
           (long long)s->requests[RS_API_OMDB]);
    printf("Failed movies: tmdb %lld, omdb %lld (they stay due)\n",
           (long long)s->failed[RS_API_TMDB], (long long)s->failed[RS_API_OMDB]);
    printf("Failures by class:");
    int shown = 0;
    for (int e = RS_OUTCOME_FIRST; e <= RS_OUTCOME_LAST; e++) {
        if (s->errors[e] > 0)
            printf("%s %s %lld", shown++ ? "," : "", rs_errname((enum rs_err)e),
                   (long long)s->errors[e]);
    }
    printf("%s\n", shown ? "" : " none");
    if (s->deferred_by_quota > 0)
        printf("Deferred by the daily limit: %lld movie%s (due next run)\n",
               (long long)s->deferred_by_quota, s->deferred_by_quota == 1 ? "" : "s");
    if (s->omdb_skipped_no_imdb > 0)
        printf("No IMDb id (no OMDB request): %lld movie%s\n", (long long)s->omdb_skipped_no_imdb,
               s->omdb_skipped_no_imdb == 1 ? "" : "s");
    printf("Duration: %.1f s\n", s->duration_s);
}

/* The report of a run that ended with RC, on stdout: JSON or the summary. */
static int report(const struct cli *c, const struct collect_args *a, const struct orch_stats *stats,
                  enum rs_err rc, const char *snapshot)
{
    int status = EXIT_OK;
    if (c->json) {
        struct jw w;
        jw_init(&w);
        jw_object_begin(&w);
        orch_stats_json_keys(&w, stats, rc);
        jw_kstring(&w, "published", snapshot);
        if (a->ids.n > 0)
            ids_report_json(&w, &a->ids, a->outcome);
        jw_object_end(&w);
        status = msg_emit_json(c->cmd, &w);
    } else {
        report_human(stats, rc);
        if (a->ids.n > 0)
            ids_report_human(&a->ids, a->outcome);
        if (snapshot)
            printf("Published: %s\n", snapshot);
    }
    fflush(stdout);
    return status;
}

/*
 * The snapshots of --publish, after a run that did its work (RS_OK: done or partial); a
 * failed, locked or interrupted run leaves the published set as it was. *SNAPSHOT gets the
 * new set's directory (malloc'd).
 */
static enum rs_err publish(const struct cli *c, struct store *st, const char *dir, char **snapshot,
                           struct rs_error *err)
{
    if (!dir)
        return RS_OK;
    rs_logf(&c->log, RS_LOG_INFO, "publish: writing the snapshots into %s", dir);
    /* the run may have let the file go at its end (another process got in): take it again */
    enum rs_err rc = store_take(st, -1, NULL, err);
    return rc ? rc : publish_snapshot(st, dir, c->now, snapshot, err);
}

/* The line of a run that RC ended: a signal's exit status is 128 + the signal. */
static int run_failed(const struct cli *c, enum rs_err rc, const struct rs_error *err)
{
    int sig = progress_signal();
    if (rc != RS_ERR_CANCELLED || sig == 0)
        return msg_fail_rs(c->cmd, rc, err);
    return msg_fail(128 + sig,
                    "%s: interrupted by %s: what was received is stored (run again to continue)",
                    c->cmd,
                    sig == SIGTERM  ? "SIGTERM"
                    : sig == SIGINT ? "SIGINT"
                                    : "a signal");
}

/* Opens the database, runs the collection, publishes, prints its report. */
static int collect_run(struct cli *c, const struct orch_options *o, const struct collect_args *a)
{
    struct store *st = NULL;
    struct orch_stats stats;
    struct rs_error err = {0};
    char *snapshot = NULL;
    memset(&stats, 0, sizeof(stats));
    int status = db_open(c, STORE_READ_WRITE, &st);
    if (status == EXIT_FAILED && c->json)
        report(c, a, &stats, RS_ERR_DB, NULL); /* the object, whatever failed */
    if (status != EXIT_OK)
        return status;
    progress_catch_signals();
    enum rs_err rc = orch_collect(st, o, &stats, &err);
    progress_clear(&c->progress);
    if (rc == RS_OK)
        rc = publish(c, st, a->publish, &snapshot, &err);
    store_close(st);
    status = report(c, a, &stats, rc, snapshot);
    free(snapshot);
    return rc == RS_OK ? status : run_failed(c, rc, &err);
}

/* Runs the collection, its dry run, or the fetch of the movies of --id. */
static int collect_go(struct cli *c, struct collect_args *a, struct orch_options *o)
{
    if (o->dry_run)
        return a->ids.n > 0 ? ids_dry_run(c, &a->ids) : collect_dry_run(c, o);
    if (a->ids.n > 0) {
        a->outcome = calloc(a->ids.n, sizeof(*a->outcome));
        if (!a->outcome)
            return msg_fail(EXIT_FAILED, "collect: out of memory (free some memory and run "
                                         "again)");
        for (size_t i = 0; i < a->ids.n; i++)
            a->outcome[i] = RS_ERR_CANCELLED; /* until TMDB answers */
        o->id_outcome = a->outcome;
    }
    return collect_run(c, o, a);
}

static int collect_command(struct cli *c, int argc, char **argv)
{
    struct collect_args a;
    struct orch_options o;
    struct rs_error err = {0};
    int status = collect_parse(c, argc, argv, &a);
    if (status == EXIT_OK) {
        collect_options(c, &a, &o);
        /* the library's key check, before any file is opened (none for a dry run) */
        if (orch_check_keys(&o, &err) != RS_OK)
            status = msg_fail(EXIT_CONFIG, "%s", err.msg);
    }
    if (status == EXIT_OK && !c->parse_only)
        status = collect_go(c, &a, &o);
    free(a.ids.ids);
    free(a.outcome);
    return status;
}

const struct cli_cmd cmd_collect = {"collect", collect_usage, collect_command, collect_longopts};
