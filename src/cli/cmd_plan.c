/*
 * cmd_plan: `reelsync plan` (docs/reelsync.1, "plan"), the movies due for refresh now and
 * why, as a table or JSON; and that presentation of a plan, which collect --dry-run shows
 * too. The plan itself (who is due, in which order) is the store's and the refresh
 * policy's; this file only reads and prints it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "reelsync/refresh.h"

/*
 * "tmdb 12d overdue" / "tmdb never fetched" for one API of a planned movie; under the
 * adaptive policy the reason in full: "tmdb: changed on TMDB 2026-11-30", "tmdb: due by age
 * (archived, learned interval 120 d), 3d overdue", "tmdb: along with the OMDB check (70 of
 * its 120 d waited)", "omdb: 34 % chance of a change (learned over age)".
 */
static void why_api(const struct plan_item *it, enum rs_api api, rs_time_t now, char *buf,
                    size_t len)
{
    struct rs_i64 last = api == RS_API_TMDB ? it->last_tmdb : it->last_omdb;
    bool adaptive = it->policy == REFRESH_POLICY_ADAPTIVE;
    char day[16];
    if (api == RS_API_OMDB && !it->imdb_id[0] && it->last_tmdb.set) {
        /* TMDB knew no IMDb id last time: OMDB is asked only if this refresh brings one */
        snprintf(buf, len, "omdb if tmdb gives an IMDb id");
        return;
    }
    if (!last.set) {
        snprintf(buf, len, "%s never fetched", rs_api_name(api));
        return;
    }
    if (api == RS_API_TMDB && it->tmdb_feed) {
        snprintf(buf, len, "tmdb: changed on TMDB %s",
                 it->feed_day.set ? rs_date_format((rs_date_t)it->feed_day.v, day, sizeof(day))
                                  : "?");
        return;
    }
    if (adaptive && api == RS_API_OMDB && it->omdb_chance >= 0) {
        /* whole percents rounded down: "100 %" only when the chance is 1 */
        snprintf(buf, len, "omdb: %d %% chance of a change (learned over age)",
                 (int)(it->omdb_chance * 100));
        return;
    }
    double iv = it->interval_days[api];
    int64_t due = last.v + (int64_t)(iv * RS_DAY_SECONDS + 0.5);
    int64_t days = (now - due) / RS_DAY_SECONDS;
    if (adaptive && api == RS_API_TMDB && now < due) { /* refresh_tmdb_along */
        snprintf(buf, len, "tmdb: along with the OMDB check (%lld of its %.0f d waited)",
                 (long long)((now - last.v) / RS_DAY_SECONDS), iv);
        return;
    }
    char late[32];
    if (days <= 0)
        snprintf(late, sizeof(late), "due today");
    else
        snprintf(late, sizeof(late), "%lldd overdue", (long long)days);
    if (adaptive)
        snprintf(buf, len, "%s: due by age (%s, learned interval %.0f d), %s", rs_api_name(api),
                 refresh_category_name(it->category), iv, late);
    else
        snprintf(buf, len, "%s %s", rs_api_name(api), late);
}

/* Why a planned movie is due, e.g. "tmdb 12d overdue, omdb never fetched". */
static void plan_why(const struct plan_item *it, rs_time_t now, char *buf, size_t len)
{
    char t[128] = "", o[128] = "";
    if (it->needs_tmdb)
        why_api(it, RS_API_TMDB, now, t, sizeof(t));
    if (it->needs_omdb)
        why_api(it, RS_API_OMDB, now, o, sizeof(o));
    snprintf(buf, len, "%s%s%s%s", t, t[0] && o[0] ? ", " : "", o, it->frozen ? " (frozen)" : "");
}

/* Prints S cut to WIDTH characters (UTF-8 aware) and padded to WIDTH columns. */
static void print_cell(const char *s, int width)
{
    int cols = 0;
    const char *p = s;
    while (*p && cols < width) {
        const char *next = p + 1;
        while ((*next & 0xC0) == 0x80)
            next++;
        fwrite(p, 1, (size_t)(next - p), stdout);
        p = next;
        cols++;
    }
    printf("%*s", width - cols, "");
}

/* One movie as a row of the table (under its header, printed before the first). */
static void print_row(const struct plan_item *it, rs_time_t now, bool first)
{
    char age[24] = "-", why[320];
    if (first)
        printf("%-9s %-40s %-11s %7s %-4s %-4s %s\n", "TMDB_ID", "TITLE", "CATEGORY", "AGE", "TMDB",
               "OMDB", "WHY");
    if (it->release_date.set)
        snprintf(age, sizeof(age), "%lldd", (long long)it->age_days);
    plan_why(it, now, why, sizeof(why));
    printf("%-9lld ", (long long)it->tmdb_id);
    print_cell(it->title && it->title[0] ? it->title : "(unknown title)", 40);
    printf(" %-11s %7s %-4s %-4s %s\n", refresh_category_name(it->category), age,
           it->needs_tmdb ? "yes" : "no", it->needs_omdb ? "yes" : "no", why);
}

/* One movie as an object of the JSON array open in W. */
static void write_item(struct jw *w, const struct plan_item *it, rs_time_t now)
{
    char date[16], why[320];
    jw_object_begin(w);
    jw_kint(w, "tmdb_id", it->tmdb_id);
    jw_kstring(w, "imdb_id", it->imdb_id[0] ? it->imdb_id : NULL);
    jw_kstring(w, "title", it->title && it->title[0] ? it->title : NULL);
    jw_kstring(w, "release_date",
               it->release_date.set
                   ? rs_date_format((rs_date_t)it->release_date.v, date, sizeof(date))
                   : NULL);
    jw_kstring(w, "category", refresh_category_name(it->category));
    jw_kint(w, "age_days", it->age_days);
    jw_kbool(w, "needs_tmdb", it->needs_tmdb);
    jw_kbool(w, "needs_omdb", it->needs_omdb);
    jw_kbool(w, "frozen", it->frozen);
    plan_why(it, now, why, sizeof(why));
    jw_kstring(w, "why", why);
    jw_object_end(w);
}

/* The JSON buffered beyond this goes to stdout while the plan is read. */
#define DRAIN_BYTES ((size_t)64 << 10)

/* store_plan_each's callback: the movie shown at once (struct plan_show). */
static bool show_item(void *ctx, const struct plan_item *it)
{
    struct plan_show *s = ctx;
    if (!s->w)
        print_row(it, s->now, s->n == 0);
    else
        write_item(s->w, it, s->now);
    s->n++;
    if (s->w && jw_len(s->w) >= DRAIN_BYTES)
        s->unwritten = jw_drain(s->w, stdout) == RS_ERR_IO;
    return !s->unwritten;
}

int plan_show(const struct cli *c, struct store *st, size_t limit, bool include_frozen,
              struct plan_show *s)
{
    struct rs_error err = {0};
    enum rs_err rc = RS_OK;
    if (st)
        rc = store_plan_each(st, c->now, limit, include_frozen, true, show_item, s, &err);
    if (rc != RS_OK)
        return msg_fail_rs(c->cmd, rc, &err);
    if (s->unwritten)
        return msg_fail(EXIT_FAILED, "%s: cannot write the plan: %s", c->cmd, strerror(errno));
    if (s->w && jw_status(s->w) != RS_OK)
        return msg_emit_json(c->cmd, s->w); /* the out-of-memory message */
    if (!s->w && s->n == 0)
        printf("Nothing is due.\n");
    return EXIT_OK;
}

int plan_count(const struct cli *c, struct store *st, size_t limit, bool include_frozen,
               int64_t *count, int64_t *total)
{
    struct rs_error err = {0};
    int64_t due = 0;
    enum rs_err rc = st ? store_plan_count(st, c->now, include_frozen, &due, &err) : RS_OK;
    if (rc != RS_OK)
        return msg_fail_rs(c->cmd, rc, &err);
    *total = due;
    *count = limit > 0 && due > (int64_t)limit ? (int64_t)limit : due;
    return EXIT_OK;
}

enum rs_err plan_use_policy(const struct cli *c, struct store *st, enum refresh_policy policy,
                            size_t refresh_limit, struct refresh_schedule *schedule,
                            struct rs_error *err)
{
    struct store_feed_state fs = {0};
    enum rs_err rc = RS_OK;
    if (policy == REFRESH_POLICY_ADAPTIVE)
        rc = store_feed_state(st, &fs, err);
    /* the feed counts as read when its last read reached yesterday (a daily run's) */
    bool feed = fs.watermark.set && fs.watermark.v >= (int64_t)rs_time_day(c->now) - 1;
    return rc ? rc : store_use_policy(st, policy, feed, refresh_limit, c->now, schedule, err);
}

int plan_open(const struct cli *c, enum refresh_policy policy, size_t refresh_limit,
              struct store **out)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    *out = NULL;
    /* collect --dry-run of a database to be created plans nothing; plan itself needs one */
    if (!db_exists(c->db) && c->db_creates)
        return EXIT_OK;
    int status = db_open(c, STORE_READ_ONLY, &st);
    if (status != EXIT_OK)
        return status;
    enum rs_err rc = plan_use_policy(c, st, policy, refresh_limit, NULL, &err);
    if (rc != RS_OK) {
        store_close(st);
        return msg_fail_rs(c->cmd, rc, &err);
    }
    *out = st;
    return EXIT_OK;
}

static void plan_usage(void)
{
    fputs("usage: reelsync [global options] plan [--limit N] [--include-frozen]\n"
          "\n"
          "Shows which movies are due for refresh now (or at --now), most overdue first, and "
          "why.\n"
          "Makes no API call and writes nothing.\n"
          "\n"
          "Options:\n"
          "  --limit N          show at most N movies (default 0: all)\n"
          "  --include-frozen   list frozen movies that are due too\n"
          "  --policy NAME      seed or adaptive, as collect --policy (default as collect's)\n"
          "\n"
          "Example:\n"
          "  reelsync --db movies.duckdb plan --limit 20\n"
          "  reelsync --db movies.duckdb --now 2026-12-01 plan --json\n",
          stdout);
}

/* The long options of plan (struct cli_cmd.longopts). */
static const struct option plan_longopts[] = {{"limit", required_argument, NULL, 'l'},
                                              {"include-frozen", no_argument, NULL, 'f'},
                                              {"policy", required_argument, NULL, 'p'},
                                              {NULL, 0, NULL, 0}};

static const struct option *plan_options(void)
{
    return plan_longopts;
}

/* Parses plan's options. EXIT_OK or the printed EXIT_USAGE. */
static int plan_parse(const struct cli *c, int argc, char **argv, long *limit, bool *include_frozen,
                      enum refresh_policy *policy)
{
    int ch;
    double v;
    while ((ch = getopt_long(argc, argv, ":", plan_longopts, NULL)) != -1) {
        if (ch == 'l' && !args_long(optarg, 0, 100000000, limit))
            return args_bad_value(c->cmd, "limit", optarg, "a whole number of movies, 0 or more");
        else if (ch == 'f')
            *include_frozen = true;
        else if (ch == 'p' && args_option(c->cmd, RS_OPT_POLICY, optarg, &v) != EXIT_OK)
            return EXIT_USAGE;
        else if (ch == 'p')
            *policy = (enum refresh_policy)v;
        else if (ch != 'l')
            return args_getopt_error(c->cmd, ch, argv);
    }
    return args_no_operands(c->cmd, argc, argv);
}

/* plan --json: the counts first, then the movies as they are read. */
static int plan_json(const struct cli *c, struct store *st, size_t limit, bool include_frozen)
{
    int64_t count = 0, total = 0;
    struct jw w;
    int status = plan_count(c, st, limit, include_frozen, &count, &total);
    if (status != EXIT_OK)
        return status;
    jw_init(&w);
    jw_object_begin(&w);
    jw_kint(&w, "count", count);
    jw_kint(&w, "total_due", total);
    jw_key(&w, "movies");
    jw_array_begin(&w);
    struct plan_show s = {.now = c->now, .w = &w};
    status = plan_show(c, st, limit, include_frozen, &s);
    if (status != EXIT_OK) {
        jw_release(&w);
        return status;
    }
    jw_array_end(&w);
    jw_object_end(&w);
    return msg_emit_json(c->cmd, &w);
}

/* plan: the table as it is read, then how many are due in all when --limit cut it. */
static int plan_table(const struct cli *c, struct store *st, size_t limit, bool include_frozen)
{
    int64_t count = 0, total = 0;
    struct plan_show s = {.now = c->now};
    int status = plan_show(c, st, limit, include_frozen, &s);
    if (status == EXIT_OK && limit > 0 && s.n == limit) /* cut by the limit: count them all */
        status = plan_count(c, st, limit, include_frozen, &count, &total);
    if (status == EXIT_OK && total > (int64_t)s.n)
        printf("(%lld due in all)\n", (long long)total);
    return status;
}

static int plan_command(struct cli *c, int argc, char **argv)
{
    long limit = 0;
    bool include_frozen = false;
    enum refresh_policy policy = (enum refresh_policy)rs_option_default(RS_OPT_POLICY);
    if (plan_parse(c, argc, argv, &limit, &include_frozen, &policy) != EXIT_OK)
        return EXIT_USAGE;
    if (c->parse_only)
        return EXIT_OK;

    struct store *st = NULL;
    /* the schedule of collect's default refresh limit: what the daily run would plan */
    int status = plan_open(c, policy, (size_t)rs_option_default(RS_OPT_REFRESH_LIMIT), &st);
    if (status == EXIT_OK && c->json)
        status = plan_json(c, st, (size_t)limit, include_frozen);
    else if (status == EXIT_OK)
        status = plan_table(c, st, (size_t)limit, include_frozen);
    store_close(st);
    return status;
}

const struct cli_cmd cmd_plan = {"plan", plan_usage, plan_command, plan_options};
