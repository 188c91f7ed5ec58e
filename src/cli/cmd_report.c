/*
 * cmd_report: `reelsync report --html FILE` (docs/reelsync.1, "report"), one self-contained
 * HTML page to look at rather than read: movies by age category with coverage and frozen
 * share, requests per day against the daily limits, how long ago movies were checked, the
 * recent runs, the forecast of the next days and, with --movie, a movie's trajectories.
 * The numbers are those of `stats` (store_report), `forecast` (forecast_build) and
 * `history`; the drawing is html.c's. The page is written beside FILE and renamed over it,
 * so a reader never sees half a report.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "html.h"
#include "reelsync/forecast.h"

#define REPORT_DAYS 30
#define REPORT_MAX_MOVIES 20

struct report_opts {
    const char *html;
    int64_t limit[RS_API_COUNT];
    int64_t movies[REPORT_MAX_MOVIES];
    size_t n_movies;
};

/* Everything the page shows, read before a byte is written. */
struct report_data {
    struct store_report rep;
    int64_t per_day[REPORT_DAYS][RS_API_COUNT];
    struct store_check_ages ages;
    struct forecast fc;
    struct store_history movie[REPORT_MAX_MOVIES]; /* one per --movie */
};

/* Days since the last check: 0, 1, 2-3, 4-7, ... 256-511, 512 and more. */
static const int AGE_EDGES[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
#define N_AGE_EDGES (sizeof(AGE_EDGES) / sizeof(AGE_EDGES[0]))

static void report_usage(void)
{
    fputs("usage: reelsync [global options] report --html FILE [--movie TMDB_ID]...\n"
          "                [--tmdb-daily-limit N] [--omdb-daily-limit N]\n"
          "\n"
          "Writes one self-contained HTML page (no script, font or image from anywhere else;\n"
          "open it in any browser, mail it, keep it): movies by age category with coverage and\n"
          "frozen share, requests per day per API over the last 30 days against the daily\n"
          "limits, how many days ago movies were last checked, the recent runs, the forecast of\n"
          "the next 30 days and, with --movie, that movie's rating, votes, popularity and box\n"
          "office over time. Makes no API call and changes nothing in the database.\n"
          "\n"
          "Options:\n"
          "  --html FILE            the page to write (replaced whole)\n"
          "  --movie TMDB_ID        add a movie's trajectories (repeatable, up to 20)\n"
          "  --tmdb-daily-limit N, --omdb-daily-limit N   the limits to draw (default: the "
          "settings'\n"
          "                         TMDB_DAILY_LIMIT, OMDB_DAILY_LIMIT, as collect's)\n"
          "\n"
          "Example:\n"
          "  reelsync --db movies.duckdb report --html report.html --movie 27205\n",
          stdout);
}

/* The long options of report (struct cli_cmd.longopts). */
static const struct option report_longopts[] = {{"html", required_argument, NULL, 'h'},
                                                {"movie", required_argument, NULL, 'm'},
                                                {"tmdb-daily-limit", required_argument, NULL, 't'},
                                                {"omdb-daily-limit", required_argument, NULL, 'o'},
                                                {NULL, 0, NULL, 0}};

static const struct option *report_options(void)
{
    return report_longopts;
}

static int report_parse(const struct cli *c, int argc, char **argv, struct report_opts *o)
{
    static const enum rs_option_id ids[RS_API_COUNT] = {RS_OPT_TMDB_DAILY_LIMIT,
                                                        RS_OPT_OMDB_DAILY_LIMIT};
    for (int api = 0; api < RS_API_COUNT; api++)
        o->limit[api] = (int64_t)c->set[ids[api]].v; /* the file's or environment's, if set */
    int ch;
    while ((ch = getopt_long(argc, argv, ":", report_longopts, NULL)) != -1) {
        double v;
        long id;
        if (ch == 'h') {
            if (!optarg[0])
                return args_bad_value(c->cmd, "html", optarg, "a file name");
            o->html = optarg;
        } else if (ch == 'm') {
            if (!args_long(optarg, 1, INT32_MAX, &id))
                return args_bad_value(c->cmd, "movie", optarg, "a TMDB id (a positive number)");
            if (o->n_movies == REPORT_MAX_MOVIES)
                return msg_fail(EXIT_USAGE, "%s: at most %d --movie", c->cmd, REPORT_MAX_MOVIES);
            o->movies[o->n_movies++] = id;
        } else if (ch == 't' || ch == 'o') {
            int api = ch == 't' ? RS_API_TMDB : RS_API_OMDB;
            if (args_option(c->cmd, ids[api], optarg, &v) != EXIT_OK)
                return EXIT_USAGE;
            o->limit[api] = (int64_t)v;
        } else {
            return args_getopt_error(c->cmd, ch, argv);
        }
    }
    if (args_no_operands(c->cmd, argc, argv) != EXIT_OK)
        return EXIT_USAGE;
    if (!o->html)
        return msg_fail(EXIT_USAGE,
                        "%s: --html FILE is required (the text report is `reelsync stats`)",
                        c->cmd);
    return EXIT_OK;
}

/* ------------------------------------------------------------- reading */

/* Reads the page's numbers; *MISSING gets a --movie the database has not (0: none). */
static enum rs_err report_read(const struct cli *c, struct store *st, const struct report_opts *o,
                               struct report_data *d, int64_t *missing, struct rs_error *err)
{
    enum rs_err rc = store_report(st, c->now, &d->rep, err);
    if (rc == RS_OK)
        rc = store_usage_by_day(st, rs_time_day(c->now), REPORT_DAYS, d->per_day, err);
    if (rc == RS_OK)
        rc = store_check_ages(st, c->now, AGE_EDGES, N_AGE_EDGES, &d->ages, err);
    struct forecast_options fo = {.now = c->now,
                                  .days = REPORT_DAYS,
                                  .refresh_limit = (size_t)c->set[RS_OPT_REFRESH_LIMIT].v};
    for (int api = 0; api < RS_API_COUNT; api++)
        fo.daily_limit[api] = o->limit[api];
    if (rc == RS_OK)
        rc = forecast_build(st, &fo, &d->fc, err);
    for (size_t i = 0; rc == RS_OK && !*missing && i < o->n_movies; i++) {
        bool found = false;
        rc = store_history(st, o->movies[i], NULL, &d->movie[i], &found, err);
        if (rc == RS_OK && !found)
            *missing = o->movies[i];
    }
    return rc;
}

/* ------------------------------------------------------------- writing */

static const char *day_label(rs_date_t day, char *buf)
{
    rs_date_format(day, buf, 16);
    return buf + 5; /* MM-DD */
}

static void summary(FILE *f, const struct cli *c, const struct store_report *r)
{
    char now[32];
    fputs("<h1>reelsync report</h1>\n<p class=\"meta\">", f);
    html_text(f, c->db);
    fprintf(f, " &middot; at %s &middot; reelsync %s</p>\n",
            rs_time_format(c->now, now, sizeof(now)), RS_VERSION);
    fputs("<table id=\"summary\"><tr><th>movies</th><th>frozen</th><th>gone</th>"
          "<th>without IMDb id</th><th>due now (TMDB)</th><th>due now (OMDB)</th></tr>",
          f);
    fprintf(f,
            "<tr><td data-key=\"movies\">%lld</td><td data-key=\"frozen\">%lld</td>"
            "<td data-key=\"gone\">%lld</td><td data-key=\"missing_imdb\">%lld</td>"
            "<td data-key=\"due_tmdb\">%lld</td><td data-key=\"due_omdb\">%lld</td></tr>"
            "</table>\n",
            (long long)r->movies, (long long)r->frozen, (long long)r->gone,
            (long long)r->missing_imdb, (long long)r->due_now[RS_API_TMDB],
            (long long)r->due_now[RS_API_OMDB]);
}

static void pct(FILE *f, int64_t part, int64_t whole)
{
    if (whole > 0)
        fprintf(f, "%.1f %%", 100.0 * (double)part / (double)whole);
    else
        fputs("&ndash;", f);
}

static void categories(FILE *f, const struct store_report *r)
{
    const char *labels[REFRESH_CATEGORY_COUNT];
    int64_t v[REFRESH_CATEGORY_COUNT * 3];
    static const char *const series[] = {"up to date", "due", "frozen"};
    fputs("<section id=\"categories\"><h2>Movies by age category</h2>\n"
          "<table><tr><th>category</th><th>movies</th><th>up to date</th><th>due</th>"
          "<th>frozen</th><th>coverage</th><th>frozen share</th></tr>\n",
          f);
    for (int k = 0; k < REFRESH_CATEGORY_COUNT; k++) {
        const char *name = refresh_category_name((enum refresh_category)k);
        labels[k] = name;
        v[k * 3] = r->category[k].not_due;
        v[k * 3 + 1] = r->category[k].due;
        v[k * 3 + 2] = r->category[k].frozen;
        fprintf(f,
                "<tr data-category=\"%s\"><td>%s</td><td data-key=\"movies\">%lld</td>"
                "<td data-key=\"not_due\">%lld</td><td data-key=\"due\">%lld</td>"
                "<td data-key=\"frozen\">%lld</td><td>",
                name, name, (long long)r->category[k].total, (long long)r->category[k].not_due,
                (long long)r->category[k].due, (long long)r->category[k].frozen);
        pct(f, r->category[k].not_due, r->category[k].not_due + r->category[k].due);
        fputs("</td><td>", f);
        pct(f, r->category[k].frozen, r->category[k].total);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    html_columns(f, &(struct html_columns){.id = "chart-categories",
                                           .n = REFRESH_CATEGORY_COUNT,
                                           .k = 3,
                                           .labels = labels,
                                           .series = series,
                                           .values = v});
    fputs("<p class=\"note\">Coverage: the share of the movies not frozen that are within "
          "their refresh interval.</p></section>\n",
          f);
}

static void requests(FILE *f, const struct cli *c, const struct report_opts *o,
                     const struct report_data *d)
{
    char bufs[REPORT_DAYS][16];
    const char *labels[REPORT_DAYS];
    int64_t v[REPORT_DAYS];
    rs_date_t today = rs_time_day(c->now);
    fprintf(f, "<section id=\"requests\"><h2>Requests per day, last %d days</h2>\n", REPORT_DAYS);
    for (int i = 0; i < REPORT_DAYS; i++)
        labels[i] = day_label(today - (REPORT_DAYS - 1) + i, bufs[i]);
    for (int api = 0; api < RS_API_COUNT; api++) {
        const char *name = rs_api_name((enum rs_api)api);
        const char *series[] = {name};
        char id[32];
        int64_t sum = 0;
        for (int i = 0; i < REPORT_DAYS; i++)
            sum += v[i] = d->per_day[i][api];
        fprintf(f,
                "<h3 data-api=\"%s\">%s: <span data-key=\"requests_30d\">%lld</span> "
                "requests, daily limit <span data-key=\"daily_limit\">%lld</span></h3>\n",
                name, api == RS_API_TMDB ? "TMDB" : "OMDB", (long long)sum,
                (long long)o->limit[api]);
        snprintf(id, sizeof(id), "chart-requests-%s", name);
        html_columns(f, &(struct html_columns){.id = id,
                                               .n = REPORT_DAYS,
                                               .k = 1,
                                               .labels = labels,
                                               .series = series,
                                               .values = v,
                                               .limit = o->limit[api]});
    }
    fputs("</section>\n", f);
}

static void check_ages(FILE *f, const struct report_data *d)
{
    char bufs[STORE_AGE_BUCKETS][24];
    const char *labels[STORE_AGE_BUCKETS];
    for (size_t b = 0; b < d->ages.n_buckets; b++) {
        int lo = b ? AGE_EDGES[b - 1] : 0;
        if (b == N_AGE_EDGES)
            snprintf(bufs[b], sizeof(bufs[b]), "%d+", lo);
        else if (AGE_EDGES[b] - lo == 1)
            snprintf(bufs[b], sizeof(bufs[b]), "%d", lo);
        else
            snprintf(bufs[b], sizeof(bufs[b]), "%d-%d", lo, AGE_EDGES[b] - 1);
        labels[b] = bufs[b];
    }
    fputs("<section id=\"check-ages\"><h2>Days since the last check</h2>\n", f);
    for (int api = 0; api < RS_API_COUNT; api++) {
        const char *name = rs_api_name((enum rs_api)api);
        const char *series[] = {name};
        char id[32];
        fprintf(f,
                "<h3 data-api=\"%s\">%s <span class=\"note\">(never checked: "
                "<span data-key=\"never_checked\">%lld</span>)</span></h3>\n",
                name, api == RS_API_TMDB ? "TMDB" : "OMDB", (long long)d->ages.never[api]);
        snprintf(id, sizeof(id), "chart-ages-%s", name);
        html_columns(f, &(struct html_columns){.id = id,
                                               .n = d->ages.n_buckets,
                                               .k = 1,
                                               .labels = labels,
                                               .series = series,
                                               .values = d->ages.count[api]});
    }
    fputs("<p class=\"note\">Movies not frozen; days since the last answer (an OMDB \"not "
          "found\" counts as a check).</p></section>\n",
          f);
}

static void runs(FILE *f, const struct store_report *r)
{
    const char *labels[STORE_REPORT_RUNS];
    char bufs[STORE_REPORT_RUNS][24];
    int64_t took[STORE_REPORT_RUNS];
    static const char *const series[] = {"seconds"};
    fputs("<section id=\"runs\"><h2>Recent runs</h2>\n<table><tr><th>run</th><th>started</th>"
          "<th>seconds</th><th>result</th><th>discovered</th><th>TMDB updated</th>"
          "<th>OMDB updated</th><th>frozen</th><th>exit</th></tr>\n",
          f);
    for (size_t i = 0; i < r->n_runs; i++) {
        const struct store_run *run = &r->runs[r->n_runs - 1 - i]; /* oldest first */
        char at[32];
        took[i] = run->ended_at.set ? run->ended_at.v - run->started_at : 0;
        snprintf(bufs[i], sizeof(bufs[i]), "#%lld", (long long)run->id);
        labels[i] = bufs[i];
        fprintf(f, "<tr data-run=\"%lld\"><td>%lld</td><td>%s</td><td data-key=\"duration_s\">",
                (long long)run->id, (long long)run->id,
                rs_time_format(run->started_at, at, sizeof(at)));
        if (run->ended_at.set)
            fprintf(f, "%lld", (long long)took[i]);
        fputs("</td><td data-key=\"result\">", f);
        html_text(f, run->result[0] ? run->result : (run->ended_at.set ? "" : "unfinished"));
        const struct rs_i64 counts[] = {run->discovered, run->tmdb_updated, run->omdb_updated,
                                        run->frozen, run->status};
        for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
            fputs("</td><td>", f);
            if (counts[k].set)
                fprintf(f, "%lld", (long long)counts[k].v);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    html_columns(f, &(struct html_columns){.id = "chart-runs",
                                           .n = r->n_runs,
                                           .k = 1,
                                           .labels = labels,
                                           .series = series,
                                           .values = took});
    fputs("</section>\n", f);
}

static void forecast(FILE *f, const struct report_opts *o, const struct forecast *fc)
{
    char bufs[REPORT_DAYS][16];
    const char *labels[REPORT_DAYS];
    int64_t v[REPORT_DAYS];
    int n = fc->days < REPORT_DAYS ? fc->days : REPORT_DAYS;
    fprintf(f,
            "<section id=\"forecast\"><h2>Forecast, next %d days</h2>\n<p>Movies: "
            "<span data-key=\"movies\">%lld</span>; a daily refresh limit of "
            "<span data-key=\"keep_up_limit\">%lld</span> keeps up.</p>\n",
            n, (long long)fc->movies, (long long)fc->keep_up_limit);
    for (int i = 0; i < n; i++)
        labels[i] = day_label(fc->day[i].day, bufs[i]);
    for (int api = 0; api < RS_API_COUNT; api++) {
        const char *name = rs_api_name((enum rs_api)api);
        const char *series[] = {name};
        char id[32];
        int64_t sum = 0;
        for (int i = 0; i < n; i++)
            sum += v[i] = fc->day[i].requests[api];
        fprintf(f,
                "<h3 data-api=\"%s\">%s requests coming due: <span data-key=\"requests\">"
                "%lld</span>; days over the limit: <span data-key=\"over_limit_days\">%d"
                "</span></h3>\n",
                name, api == RS_API_TMDB ? "TMDB" : "OMDB", (long long)sum,
                fc->over_limit_days[api]);
        snprintf(id, sizeof(id), "chart-forecast-%s", name);
        html_columns(f, &(struct html_columns){.id = id,
                                               .n = (size_t)n,
                                               .k = 1,
                                               .labels = labels,
                                               .series = series,
                                               .values = v,
                                               .limit = o->limit[api]});
    }
    fputs("<p class=\"note\">Requests that come due under the refresh policy if each run "
          "refreshes what is due (as <code>reelsync forecast</code>).</p></section>\n",
          f);
}

/* The series a movie's section draws: an observations column and how it is titled. */
static const struct {
    const char *column, *title;
    enum rs_api api;
} SERIES[] = {
    {"imdb_rating", "IMDb rating", RS_API_OMDB},
    {"imdb_votes", "IMDb votes", RS_API_OMDB},
    {"vote_average", "TMDB vote average", RS_API_TMDB},
    {"vote_count", "TMDB votes", RS_API_TMDB},
    {"popularity", "TMDB popularity", RS_API_TMDB},
    {"box_office", "Box office (OMDB, USD)", RS_API_OMDB},
    {"revenue", "Revenue (TMDB, USD)", RS_API_TMDB},
};

/* The value of COLUMN in observation O, if it has one. */
static bool obs_value(const struct store_observation *o, const char *column, double *v)
{
    struct rs_i64 i = RS_NULL_I64;
    struct rs_f64 x = {0};
    if (strcmp(column, "imdb_rating") == 0)
        x = o->imdb_rating;
    else if (strcmp(column, "vote_average") == 0)
        x = o->vote_average;
    else if (strcmp(column, "popularity") == 0)
        x = o->popularity;
    else if (strcmp(column, "imdb_votes") == 0)
        i = o->imdb_votes;
    else if (strcmp(column, "vote_count") == 0)
        i = o->vote_count;
    else if (strcmp(column, "box_office") == 0)
        i = o->box_office;
    else if (strcmp(column, "revenue") == 0)
        i = o->revenue;
    if (x.set)
        *v = x.v;
    else if (i.set)
        *v = (double)i.v;
    return x.set || i.set;
}

/* One movie's trajectories: a line per series that has values, then its changes and events. */
static void movie(FILE *f, const struct store_history *h)
{
    double *x = calloc(h->n_obs ? h->n_obs : 1, sizeof(*x));
    double *y = calloc(h->n_obs ? h->n_obs : 1, sizeof(*y));
    fprintf(f, "<section id=\"movie-%lld\" class=\"movie\"><h2>", (long long)h->tmdb_id);
    html_text(f, h->title ? h->title : "(untitled)");
    fprintf(f,
            " <span class=\"note\">TMDB %lld &middot; <span data-key=\"observations\">%zu"
            "</span> observations, <span data-key=\"changes\">%zu</span> changes, "
            "<span data-key=\"events\">%zu</span> freeze events</span></h2>\n",
            (long long)h->tmdb_id, h->n_obs, h->n_changes, h->n_events);
    for (size_t k = 0; x && y && k < sizeof(SERIES) / sizeof(SERIES[0]); k++) {
        size_t n = 0;
        for (size_t i = 0; i < h->n_obs; i++)
            if (h->obs[i].api == SERIES[k].api && obs_value(&h->obs[i], SERIES[k].column, &y[n]))
                x[n++] = (double)h->obs[i].at;
        if (n == 0)
            continue;
        char id[80], first[32], last[32];
        snprintf(id, sizeof(id), "chart-movie-%lld-%s", (long long)h->tmdb_id, SERIES[k].column);
        fprintf(f, "<h3>%s</h3>\n", SERIES[k].title);
        rs_date_format(rs_time_day((rs_time_t)x[0]), first, sizeof(first));
        rs_date_format(rs_time_day((rs_time_t)x[n - 1]), last, sizeof(last));
        html_line(f,
                  &(struct html_line){
                      .id = id, .n = n, .x = x, .y = y, .first_label = first, .last_label = last});
    }
    if (h->n_changes + h->n_events > 0) {
        fputs("<table class=\"changes\"><tr><th>when</th><th>what</th><th>from</th><th>to</th>"
              "</tr>\n",
              f);
        for (size_t i = 0; i < h->n_changes; i++) {
            const struct store_change *c = &h->changes[i];
            char at[32];
            fprintf(f, "<tr><td>%s</td><td>%s ", rs_time_format(c->at, at, sizeof(at)),
                    rs_api_name(c->api));
            html_text(f, c->field);
            fputs("</td><td>", f);
            html_text(f, c->old_value ? c->old_value : "NULL");
            fputs("</td><td>", f);
            html_text(f, c->new_value ? c->new_value : "NULL");
            fputs("</td></tr>\n", f);
        }
        for (size_t i = 0; i < h->n_events; i++) {
            char at[32];
            fprintf(f, "<tr><td>%s</td><td>%s</td><td colspan=\"2\">",
                    rs_time_format(h->events[i].at, at, sizeof(at)), h->events[i].event);
            html_text(f, h->events[i].reason);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    fputs("</section>\n", f);
    free(x);
    free(y);
}

static void page(FILE *f, const struct cli *c, const struct report_opts *o,
                 const struct report_data *d)
{
    html_begin(f, "reelsync report");
    summary(f, c, &d->rep);
    categories(f, &d->rep);
    requests(f, c, o, d);
    check_ages(f, d);
    runs(f, &d->rep);
    forecast(f, o, &d->fc);
    for (size_t i = 0; i < o->n_movies; i++)
        movie(f, &d->movie[i]);
    html_end(f);
}

/* Writes the page to FILE.tmp-PID and renames it over FILE. */
static int write_page(const struct cli *c, const struct report_opts *o, const struct report_data *d)
{
    size_t len = strlen(o->html) + 32;
    char *tmp = malloc(len);
    if (!tmp)
        return msg_fail_rs(c->cmd, RS_ERR_NOMEM, NULL);
    snprintf(tmp, len, "%s.tmp-%ld", o->html, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int status = EXIT_OK;
    if (!f) {
        status = msg_fail(EXIT_FAILED, "%s: cannot write '%s': %m", c->cmd, o->html);
    } else {
        page(f, c, o, d);
        bool bad = ferror(f) != 0;
        if (fclose(f) != 0 || bad || rename(tmp, o->html) != 0) {
            status = msg_fail(EXIT_FAILED, "%s: cannot write '%s': %m", c->cmd, o->html);
            unlink(tmp);
        }
    }
    free(tmp);
    return status;
}

static int report_command(struct cli *c, int argc, char **argv)
{
    struct report_opts o = {0};
    if (report_parse(c, argc, argv, &o) != EXIT_OK)
        return EXIT_USAGE;
    if (c->parse_only)
        return EXIT_OK;
    struct report_data *d = calloc(1, sizeof(*d));
    struct store *st = NULL;
    struct rs_error err = {0};
    if (!d)
        return msg_fail_rs(c->cmd, RS_ERR_NOMEM, NULL);
    int status = db_open(c, STORE_READ_ONLY, &st);
    if (status == EXIT_OK) {
        int64_t missing = 0;
        enum rs_err rc = report_read(c, st, &o, d, &missing, &err);
        store_close(st);
        if (rc)
            status = msg_fail_rs(c->cmd, rc, &err);
        else if (missing)
            status = msg_fail(EXIT_FAILED, "%s: no movie %lld in the database (nothing written)",
                              c->cmd, (long long)missing);
        else
            status = write_page(c, &o, d);
        if (status == EXIT_OK && c->progress.enabled)
            fprintf(stderr, "report written to %s\n", o.html);
    }
    store_report_release(&d->rep);
    forecast_release(&d->fc);
    for (size_t i = 0; i < o.n_movies; i++)
        store_history_free(&d->movie[i]);
    free(d);
    return status;
}

const struct cli_cmd cmd_report = {"report", report_usage, report_command, report_options};
