/*
 * cli: the reelsync command line. It parses the global options (before or after the
 * command) and the environment, dispatches to one cmd_<name>() per command from a table,
 * and turns the library's enum rs_err into the exit status (README, "Exit statuses") in one switch,
 * printing one line on stderr for every failure: "reelsync: <what failed>: <why> (<what to do>)".
 *
 * The command line is checked completely before anything is opened: a bad option, number
 * or missing key never creates or touches the database. Logs and progress go to stderr,
 * reports to stdout (human text, or one JSON object with --json).
 *
 * Everything else (fetching, storing, planning, reporting) is the library's; this file only
 * presents it.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "reelsync/config.h"
#include "reelsync/jsonw.h"
#include "reelsync/orchestrator.h"
#include "reelsync/refresh.h"
#include "reelsync/store.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_CONFIG 3

#define DEFAULT_DB "./reelsync.duckdb"
#define DEFAULT_TMDB_URL "https://api.themoviedb.org/3"
#define DEFAULT_OMDB_URL "https://www.omdbapi.com/"
#define DEFAULT_TMDB_DAILY 40000
#define DEFAULT_OMDB_DAILY 1000

/*
 * Set by SIGINT/SIGTERM and read by the library through orch_options.cancel: the run stops
 * starting requests, stores what it received and returns. This is the program's only
 * mutable global, as a signal handler can reach nothing else; a second signal exits at once.
 */
static volatile sig_atomic_t cancel_requested;

/* The live progress display (see progress_cb). */
struct progress {
    bool enabled; /* not --quiet */
    bool tty;     /* stderr is a terminal: redraw one line with \r */
    bool drawn;   /* a progress line is currently on the terminal */
    bool started;
    enum orch_phase phase;
    int64_t phase_start_ms, last_ms;
    const struct rs_log *log;
};

/* The global options and the environment, settled before the command runs. */
struct cli {
    const char *cmd; /* the command's name, for messages */
    const char *db;
    bool json;
    rs_time_t now;
    enum rs_log_level level;
    struct rs_log log;
    struct progress progress;
    const char *tmdb_key, *tmdb_token, *omdb_key;
    const char *base_url[RS_API_COUNT];
    struct cfg cfg;  /* the config file's values; the pointers above may point into it */
    bool parse_only; /* cli_parse_only: each command stops once its line is checked */
};

struct cli_cmd {
    const char *name;
    const char *summary;
    const char *usage; /* the whole --help text */
    int (*run)(struct cli *c, int argc, char **argv);
};

static const struct cli_cmd *find_cmd(const char *name);

/* ---- messages and exit statuses ------------------------------------------------------- */

/* Prints "reelsync: " + the message as the one stderr line of a failure; returns STATUS. */
__attribute__((format(printf, 2, 3))) static int fail(int status, const char *fmt, ...)
{
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One line, whatever a message from below holds. */
    for (char *p = line; *p; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }
    fprintf(stderr, "reelsync: %s\n", line);
    return status;
}

/* The exit status (README, "Exit statuses") for a library result: the one place that maps them. */
static int exit_status(enum rs_err code)
{
    switch (code) {
    case RS_OK:
        return EXIT_OK;
    case RS_ERR_USAGE:
        return EXIT_USAGE;
    case RS_ERR_CONFIG:
        return EXIT_CONFIG;
    default:
        /* Auth, every request failed, locked or broken database, I/O, cancelled. */
        return EXIT_FAILED;
    }
}

/* What a user can do about a failure of class CODE. */
static const char *hint_for(enum rs_err code)
{
    switch (code) {
    case RS_ERR_AUTH:
        return "check TMDB_API_KEY/TMDB_ACCESS_TOKEN and OMDB_API_KEY";
    case RS_ERR_NETWORK:
    case RS_ERR_TIMEOUT:
        return "check the network, TMDB_BASE_URL and OMDB_BASE_URL; run again later";
    case RS_ERR_BAD_RESPONSE:
        return "the server does not answer like the API: check TMDB_BASE_URL and OMDB_BASE_URL "
               "(a proxy or portal in between?)";
    case RS_ERR_RATE_LIMITED:
    case RS_ERR_SERVER_ERROR:
        return "the API is struggling; run again later or lower --tmdb-rps/--omdb-rps";
    case RS_ERR_QUOTA_EXHAUSTED:
        return "wait for the next UTC day or raise --tmdb-daily-limit/--omdb-daily-limit";
    case RS_ERR_DB_LOCKED:
        return "is another reelsync running?";
    case RS_ERR_DB:
        return "is --db a reelsync database?";
    case RS_ERR_IO:
        return "check the path and its permissions";
    case RS_ERR_NOMEM:
        return "free some memory and run again";
    case RS_ERR_CANCELLED:
        return "interrupted; what was received is stored, run again to continue";
    default:
        return "see reelsync --help";
    }
}

/* The one stderr line for a library failure; returns the exit status. */
static int fail_rs(const struct cli *c, enum rs_err code, const struct rs_error *err)
{
    const char *why = err && err->msg[0] ? err->msg : rs_strerror(code);
    size_t len = strlen(why);
    /* A message from below that already says what to do keeps its own advice. */
    if (len > 0 && why[len - 1] == ')')
        return fail(exit_status(code), "%s: %s", c->cmd, why);
    return fail(exit_status(code), "%s: %s (%s)", c->cmd, why, hint_for(code));
}

/* ---- logging and progress ------------------------------------------------------------- */

/* Removes the progress line from the terminal, so a log line or the report starts clean. */
static void progress_clear(struct progress *p)
{
    if (p->tty && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
}

/* The rs_log sink: "2026-11-25T05:30:00Z info message key=value" on stderr. */
static void log_sink(void *ctx, enum rs_log_level level, const char *line)
{
    struct cli *c = ctx;
    char stamp[32];
    progress_clear(&c->progress);
    /* Log lines carry the real time of the event, not --now (which is for the policy). */
    fprintf(stderr, "%s %s %s\n", rs_time_format(rs_clock_now(), stamp, sizeof(stamp)),
            rs_log_level_name(level), line);
}

static const char *phase_name(enum orch_phase phase)
{
    return phase == ORCH_DISCOVER ? "discover" : "refresh";
}

/* "1h02m", "3m05s", "12s" */
static char *format_duration(double s, char *buf, size_t len)
{
    long t = s > 0 && s < 1e9 ? (long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, len, "%ldh%02ldm", t / 3600, t % 3600 / 60);
    else if (t >= 60)
        snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, len, "%lds", t);
    return buf;
}

/* Draws or logs one progress report of P's phase. */
static void progress_show(struct progress *pr, const struct orch_progress *p, int64_t now_ms)
{
    double secs = (double)(now_ms - pr->phase_start_ms) / 1000.0;
    double rate = secs > 0 ? (double)p->done / secs : 0.0;
    char eta[32] = "-";
    if (rate > 0 && p->total > p->done)
        format_duration((double)(p->total - p->done) / rate, eta, sizeof(eta));
    const char *unit = p->phase == ORCH_DISCOVER ? "pages" : "movies";
    if (pr->tty) {
        fprintf(stderr, "\r\033[K%s %lld/%lld %s  %.1f/s  eta %s  errors %lld",
                phase_name(p->phase), (long long)p->done, (long long)p->total, unit, rate, eta,
                (long long)p->errors);
        fflush(stderr);
        pr->drawn = true;
    } else {
        rs_logf(pr->log, RS_LOG_INFO,
                "progress phase=%s done=%lld total=%lld unit=%s rate=%.1f/s eta=%s errors=%lld",
                phase_name(p->phase), (long long)p->done, (long long)p->total, unit, rate, eta,
                (long long)p->errors);
    }
}

/*
 * orch_options.progress: on a terminal a live line redrawn at most five times a second;
 * elsewhere (cron, a pipe) an info log line every five seconds, with no control characters.
 */
static void progress_cb(void *ctx, const struct orch_progress *p)
{
    struct progress *pr = ctx;
    int64_t now_ms = rs_monotonic_ms();
    if (!pr->enabled)
        return;
    if (!pr->started || p->phase != pr->phase) {
        progress_clear(pr);
        pr->started = true;
        pr->phase = p->phase;
        pr->phase_start_ms = now_ms;
        pr->last_ms = now_ms;
        if (pr->tty)
            progress_show(pr, p, now_ms);
        return;
    }
    int64_t every = pr->tty ? 200 : 5000;
    bool last = p->total > 0 && p->done >= p->total;
    if (now_ms - pr->last_ms < every && !(last && pr->tty))
        return;
    pr->last_ms = now_ms;
    progress_show(pr, p, now_ms);
}

/* ---- signals ------------------------------------------------------------------------- */

static void on_signal(int sig)
{
    if (cancel_requested) {
        static const char msg[] = "\nreelsync: interrupted twice: exiting now (the database "
                                  "keeps what was committed; run again to continue)\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
        (void)ignored;
        _exit(128 + sig);
    }
    cancel_requested = sig;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---- option values ------------------------------------------------------------------- */

/* Strict whole number in [MIN, MAX]: digits only (an optional sign), nothing after. */
static bool parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    if (!s || !*s || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
        return false;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* Strict positive finite number (a rate), at most MAX. */
static bool parse_rate(const char *s, double max, double *out)
{
    char *end = NULL;
    if (!s || !*s || (*s != '.' && (*s < '0' || *s > '9')))
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0 || v > max)
        return false;
    *out = v;
    return true;
}

static int bad_value(const char *cmd, const char *opt, const char *value, const char *want)
{
    return fail(EXIT_USAGE, "%s: bad value '%s' for --%s: %s (see 'reelsync %s --help')", cmd,
                value, opt, want, cmd);
}

/* The one line for what getopt_long rejected (opterr is 0; optstring starts with ':'). */
static int getopt_error(const char *cmd, int ch, char **argv)
{
    const char *arg = argv[optind - 1];
    char name[64];
    if (optopt && ch == '?')
        snprintf(name, sizeof(name), "-%c", optopt);
    else
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
    if (ch == ':')
        return fail(EXIT_USAGE, "%s: option '%s' needs a value (see 'reelsync %s --help')", cmd,
                    name, cmd);
    return fail(EXIT_USAGE, "%s: unknown option '%s' (see 'reelsync %s --help')", cmd, name, cmd);
}

/* Rejects operands where a command takes none. */
static int no_operands(const char *cmd, int argc, char **argv)
{
    if (optind < argc)
        return fail(EXIT_USAGE, "%s: unexpected argument '%s' (see 'reelsync %s --help')", cmd,
                    argv[optind], cmd);
    return EXIT_OK;
}

static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Opens the database (only collect creates it; the others need it). Prints the failure. */
/*
 * Opens --db. As the man page says, the file is created with the schema on first use, whatever the
 * command (plan and collect --dry-run, which write nothing, do not get here without one).
 */
static int open_db(const struct cli *c, enum store_mode mode, struct store **st)
{
    struct rs_error err = {0};
    if (!file_exists(c->db))
        mode = STORE_READ_WRITE;
    enum rs_err rc = store_open(c->db, mode, st, &err);
    if (rc != RS_OK)
        return fail_rs(c, rc, &err);
    return EXIT_OK;
}

/* Prints W's JSON on stdout with a newline. */
static int emit_json(const struct cli *c, struct jw *w)
{
    int status = EXIT_OK;
    if (jw_status(w) != RS_OK)
        status =
            fail(EXIT_FAILED,
                 "%s: cannot write the JSON report: out of memory (free some memory and run again)",
                 c->cmd);
    else
        printf("%s\n", jw_text(w));
    jw_release(w);
    return status;
}

/* ---- the plan (plan, collect --dry-run) ---------------------------------------------- */

/* "tmdb 12d overdue" / "tmdb never fetched" for one API of a planned movie. */
static void why_api(const struct plan_item *it, enum rs_api api, rs_time_t now, char *buf,
                    size_t len)
{
    struct rs_i64 last = api == RS_API_TMDB ? it->last_tmdb : it->last_omdb;
    if (api == RS_API_OMDB && !it->imdb_id[0] && it->last_tmdb.set) {
        /* TMDB knew no IMDb id last time: OMDB is asked only if this refresh brings one */
        snprintf(buf, len, "omdb if tmdb gives an IMDb id");
        return;
    }
    if (!last.set) {
        snprintf(buf, len, "%s never fetched", rs_api_name(api));
        return;
    }
    int64_t due = last.v + (int64_t)refresh_interval_days(it->category, api) * RS_DAY_SECONDS;
    int64_t days = (now - due) / RS_DAY_SECONDS;
    if (days <= 0)
        snprintf(buf, len, "%s due today", rs_api_name(api));
    else
        snprintf(buf, len, "%s %lldd overdue", rs_api_name(api), (long long)days);
}

/* Why a planned movie is due, e.g. "tmdb 12d overdue, omdb never fetched". */
static void plan_why(const struct plan_item *it, rs_time_t now, char *buf, size_t len)
{
    char t[64] = "", o[64] = "";
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

static void plan_table(const struct plan_item *items, size_t n, rs_time_t now)
{
    if (n == 0) {
        printf("Nothing is due.\n");
        return;
    }
    printf("%-9s %-40s %-11s %7s %-4s %-4s %s\n", "TMDB_ID", "TITLE", "CATEGORY", "AGE", "TMDB",
           "OMDB", "WHY");
    for (size_t i = 0; i < n; i++) {
        const struct plan_item *it = &items[i];
        char age[24] = "-", why[160];
        if (it->release_date.set)
            snprintf(age, sizeof(age), "%lldd", (long long)it->age_days);
        plan_why(it, now, why, sizeof(why));
        printf("%-9lld ", (long long)it->tmdb_id);
        print_cell(it->title && it->title[0] ? it->title : "(unknown title)", 40);
        printf(" %-11s %7s %-4s %-4s %s\n", refresh_category_name(it->category), age,
               it->needs_tmdb ? "yes" : "no", it->needs_omdb ? "yes" : "no", why);
    }
}

static void plan_json(struct jw *w, const struct plan_item *items, size_t n, rs_time_t now)
{
    char date[16], why[160];
    jw_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        const struct plan_item *it = &items[i];
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
    jw_array_end(w);
}

/*
 * The plan at NOW from the database, opened read-only; a database that does not exist yet
 * has an empty plan (and is not created). *ITEMS is for store_plan_free. Prints the failure.
 */
static int load_plan(const struct cli *c, size_t limit, bool include_frozen,
                     struct plan_item **items, size_t *n)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    *items = NULL;
    *n = 0;
    if (!file_exists(c->db))
        return EXIT_OK;
    int status = open_db(c, STORE_READ_ONLY, &st);
    if (status != EXIT_OK)
        return status;
    enum rs_err rc = store_plan(st, c->now, limit, include_frozen, true, items, n, &err);
    store_close(st);
    return rc == RS_OK ? EXIT_OK : fail_rs(c, rc, &err);
}

static const char plan_usage[] =
    "usage: reelsync [global options] plan [--limit N] [--include-frozen]\n"
    "\n"
    "Shows which movies are due for refresh now (or at --now), most overdue first, and why.\n"
    "Makes no API call and writes nothing.\n"
    "\n"
    "Options:\n"
    "  --limit N          show at most N movies (default 0: all)\n"
    "  --include-frozen   list frozen movies that are due too\n"
    "\n"
    "Example:\n"
    "  reelsync --db movies.duckdb plan --limit 20\n"
    "  reelsync --db movies.duckdb --now 2026-12-01 plan --json\n";

static int cmd_plan(struct cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {{"limit", required_argument, NULL, 'l'},
                                             {"include-frozen", no_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    long limit = 0;
    bool include_frozen = false;
    int ch;
    while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        if (ch == 'l' && !parse_long(optarg, 0, 100000000, &limit))
            return bad_value(c->cmd, "limit", optarg, "a whole number of movies, 0 or more");
        else if (ch == 'f')
            include_frozen = true;
        else if (ch != 'l')
            return getopt_error(c->cmd, ch, argv);
    }
    if (no_operands(c->cmd, argc, argv) != EXIT_OK)
        return EXIT_USAGE;
    if (c->parse_only)
        return EXIT_OK;

    struct plan_item *items = NULL;
    size_t n = 0;
    int status = load_plan(c, (size_t)limit, include_frozen, &items, &n);
    if (status != EXIT_OK)
        return status;
    if (c->json) {
        struct jw w;
        jw_init(&w);
        jw_object_begin(&w);
        jw_kint(&w, "count", (int64_t)n);
        jw_key(&w, "movies");
        plan_json(&w, items, n, c->now);
        jw_object_end(&w);
        status = emit_json(c, &w);
    } else {
        plan_table(items, n, c->now);
    }
    store_plan_free(items, n);
    return status;
}

/* ---- collect ------------------------------------------------------------------------- */

static const char collect_usage[] =
    "usage: reelsync [global options] collect [options]\n"
    "\n"
    "Discovers movies on TMDB year by year, then refreshes the movies that are due: TMDB\n"
    "details, then OMDB ratings, under each API's rate and daily limits. Movies that fail\n"
    "stay due for the next run (exit status 0: partial success).\n"
    "\n"
    "Options:\n"
    "  --start-year Y, --end-year Y   discovery window (default: this year)\n"
    "  --min-vote-count N             TMDB vote_count.gte (default 200)\n"
    "  --max-pages N                  discover pages per year; 0 = every page (default 5)\n"
    "  --refresh-limit N              most movies refreshed in this run (default 100; 0 = no "
    "limit)\n"
    "  --refresh-only                 skip discovery\n"
    "  --discover-only                skip the refresh (needs no OMDB key)\n"
    "  --include-frozen               refresh frozen movies too\n"
    "  --dry-run                      print the plan of this run; no API call, nothing written\n"
    "  --tmdb-rps R                   TMDB requests per second (default 4.0; 0 = no limit)\n"
    "  --tmdb-concurrency N           TMDB requests in flight (default 10)\n"
    "  --omdb-rps R                   OMDB requests per second (default 2.0; 0 = no limit)\n"
    "  --omdb-concurrency N           OMDB requests in flight (default 5)\n"
    "  --tmdb-daily-limit N           TMDB requests per UTC day (default 40000; 0 = no limit)\n"
    "  --omdb-daily-limit N           OMDB requests per UTC day (default 1000; 0 = no limit)\n"
    "  --timeout S                    seconds one request may take in all (default 30)\n"
    "  --connect-timeout S            seconds to connect to an API (default 10)\n"
    "\n"
    "Environment: TMDB_API_KEY (v3 key) or TMDB_ACCESS_TOKEN (v4 token), OMDB_API_KEY,\n"
    "TMDB_BASE_URL, OMDB_BASE_URL.\n"
    "\n"
    "Examples:\n"
    "  reelsync --db movies.duckdb collect --start-year 2024 --end-year 2024\n"
    "  reelsync --db movies.duckdb collect --refresh-only --refresh-limit 100   # daily cron\n";

enum collect_opt {
    O_START = 1000,
    O_END,
    O_VOTES,
    O_PAGES,
    O_LIMIT,
    O_REFRESH_ONLY,
    O_DISCOVER_ONLY,
    O_FROZEN,
    O_DRY,
    O_TMDB_RPS,
    O_TMDB_CONC,
    O_OMDB_RPS,
    O_OMDB_CONC,
    O_TMDB_DAILY,
    O_OMDB_DAILY,
    O_TIMEOUT,
    O_CONNECT_TIMEOUT
};

static const struct option collect_longopts[] = {
    {"start-year", required_argument, NULL, O_START},
    {"end-year", required_argument, NULL, O_END},
    {"min-vote-count", required_argument, NULL, O_VOTES},
    {"max-pages", required_argument, NULL, O_PAGES},
    {"refresh-limit", required_argument, NULL, O_LIMIT},
    {"refresh-only", no_argument, NULL, O_REFRESH_ONLY},
    {"discover-only", no_argument, NULL, O_DISCOVER_ONLY},
    {"include-frozen", no_argument, NULL, O_FROZEN},
    {"dry-run", no_argument, NULL, O_DRY},
    {"tmdb-rps", required_argument, NULL, O_TMDB_RPS},
    {"tmdb-concurrency", required_argument, NULL, O_TMDB_CONC},
    {"omdb-rps", required_argument, NULL, O_OMDB_RPS},
    {"omdb-concurrency", required_argument, NULL, O_OMDB_CONC},
    {"tmdb-daily-limit", required_argument, NULL, O_TMDB_DAILY},
    {"omdb-daily-limit", required_argument, NULL, O_OMDB_DAILY},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"connect-timeout", required_argument, NULL, O_CONNECT_TIMEOUT},
    {NULL, 0, NULL, 0}};

/* What collect's command line said, before it becomes struct orch_options. */
struct collect_args {
    long start_year, end_year, min_votes, max_pages, refresh_limit;
    long concurrency[RS_API_COUNT], daily[RS_API_COUNT];
    long timeout_s, connect_timeout_s;
    double rps[RS_API_COUNT];
    bool refresh_only, discover_only, include_frozen, dry_run;
};

/* The bounds of collect's whole-number options, and what to say when a value is out. */
static const struct {
    int id;
    long min, max;
    const char *want;
} collect_bounds[] = {
    {O_START, 1870, 2200, "a year such as 2024"},
    {O_END, 1870, 2200, "a year such as 2024"},
    {O_VOTES, 0, 1000000000, "a whole number, 0 or more"},
    {O_PAGES, 0, 500, "a whole number from 0 to 500"},
    {O_LIMIT, 0, 1000000000, "a whole number, 0 or more"},
    {O_TMDB_CONC, 1, 1000, "a whole number from 1 to 1000"},
    {O_OMDB_CONC, 1, 1000, "a whole number from 1 to 1000"},
    {O_TMDB_DAILY, 0, 1000000000, "a whole number, 0 or more"},
    {O_OMDB_DAILY, 0, 1000000000, "a whole number, 0 or more"},
    {O_TIMEOUT, 1, 3600, "a whole number of seconds from 1 to 3600"},
    {O_CONNECT_TIMEOUT, 1, 3600, "a whole number of seconds from 1 to 3600"},
};

/* Where the whole-number option CH goes in A. */
static long *number_slot(struct collect_args *a, int ch)
{
    switch (ch) {
    case O_START:
        return &a->start_year;
    case O_END:
        return &a->end_year;
    case O_VOTES:
        return &a->min_votes;
    case O_PAGES:
        return &a->max_pages;
    case O_LIMIT:
        return &a->refresh_limit;
    case O_TMDB_CONC:
    case O_OMDB_CONC:
        return &a->concurrency[ch == O_TMDB_CONC ? RS_API_TMDB : RS_API_OMDB];
    case O_TIMEOUT:
        return &a->timeout_s;
    case O_CONNECT_TIMEOUT:
        return &a->connect_timeout_s;
    default:
        return &a->daily[ch == O_TMDB_DAILY ? RS_API_TMDB : RS_API_OMDB];
    }
}

/* Applies one option with a value; returns EXIT_OK or prints and returns EXIT_USAGE. */
static int collect_number(const char *cmd, int ch, const char *v, struct collect_args *a)
{
    const char *name = "?";
    for (const struct option *o = collect_longopts; o->name; o++) {
        if (o->val == ch)
            name = o->name;
    }
    if (ch == O_TMDB_RPS || ch == O_OMDB_RPS) {
        if (!parse_rate(v, 10000.0, &a->rps[ch == O_TMDB_RPS ? RS_API_TMDB : RS_API_OMDB]))
            return bad_value(cmd, name, v,
                             "a number of requests per second, such as 4.0 (0: no limit)");
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(collect_bounds) / sizeof(collect_bounds[0]); i++) {
        if (collect_bounds[i].id != ch)
            continue;
        if (!parse_long(v, collect_bounds[i].min, collect_bounds[i].max, number_slot(a, ch)))
            return bad_value(cmd, name, v, collect_bounds[i].want);
        return EXIT_OK;
    }
    return EXIT_USAGE;
}

/* Parses collect's options into A (defaults first). Returns EXIT_OK or the printed status. */
static int collect_parse(struct cli *c, int argc, char **argv, struct collect_args *a)
{
    int y, m, d;
    rs_date_to_ymd(rs_time_day(c->now), &y, &m, &d);
    *a = (struct collect_args){.start_year = y,
                               .end_year = y,
                               .min_votes = 200,
                               .max_pages = 5,
                               .refresh_limit = 100,
                               .concurrency = {10, 5},
                               .daily = {DEFAULT_TMDB_DAILY, DEFAULT_OMDB_DAILY},
                               .timeout_s = 30,
                               .connect_timeout_s = 10,
                               .rps = {4.0, 2.0}};
    int ch;
    while ((ch = getopt_long(argc, argv, ":", collect_longopts, NULL)) != -1) {
        if (ch == O_REFRESH_ONLY)
            a->refresh_only = true;
        else if (ch == O_DISCOVER_ONLY)
            a->discover_only = true;
        else if (ch == O_FROZEN)
            a->include_frozen = true;
        else if (ch == O_DRY)
            a->dry_run = true;
        else if (ch < O_START)
            return getopt_error(c->cmd, ch, argv);
        else if (collect_number(c->cmd, ch, optarg, a) != EXIT_OK)
            return EXIT_USAGE;
    }
    if (no_operands(c->cmd, argc, argv) != EXIT_OK)
        return EXIT_USAGE;
    if (a->refresh_only && a->discover_only)
        return fail(EXIT_USAGE, "collect: --refresh-only and --discover-only exclude each other "
                                "(give one, or neither for both phases)");
    if (a->end_year < a->start_year)
        return fail(EXIT_USAGE,
                    "collect: --end-year %ld is before --start-year %ld (give an end year at or "
                    "after the start year; both default to this year, %d)",
                    a->end_year, a->start_year, y);
    return EXIT_OK;
}

/* The keys the phases need (none for a dry run). Returns EXIT_OK or EXIT_CONFIG, printed. */
static int collect_check_keys(const struct cli *c, const struct collect_args *a)
{
    if (a->dry_run)
        return EXIT_OK;
    if (!c->tmdb_key && !c->tmdb_token)
        return fail(EXIT_CONFIG, "TMDB_API_KEY is not set (export TMDB_API_KEY=... or "
                                 "TMDB_ACCESS_TOKEN=..., or put it in the config file; see "
                                 "reelsync collect --help)");
    if (!a->discover_only && !c->omdb_key)
        return fail(EXIT_CONFIG, "OMDB_API_KEY is not set (export OMDB_API_KEY=... or put it "
                                 "in the config file, or run collect --discover-only; see "
                                 "reelsync collect --help)");
    return EXIT_OK;
}

static void collect_options(struct cli *c, const struct collect_args *a, struct orch_options *o)
{
    *o = (struct orch_options){
        .discover = !a->refresh_only,
        .refresh = !a->discover_only,
        .start_year = (int)a->start_year,
        .end_year = (int)a->end_year,
        .min_vote_count = (int)a->min_votes,
        .max_pages = (int)a->max_pages,
        .refresh_limit = (size_t)a->refresh_limit,
        .include_frozen = a->include_frozen,
        .dry_run = a->dry_run,
        .tmdb_key = c->tmdb_key,
        .tmdb_token = c->tmdb_token,
        .omdb_key = c->omdb_key,
        .retry = RETRY_POLICY_DEFAULT,
        .timeout_ms = a->timeout_s * 1000,
        .connect_timeout_ms = a->connect_timeout_s * 1000,
        .now = c->now,
        .log = &c->log,
        .cancel = &cancel_requested,
        .progress = progress_cb,
        .progress_ctx = &c->progress,
    };
    for (int api = 0; api < RS_API_COUNT; api++) {
        o->base_url[api] = c->base_url[api];
        o->rps[api] = a->rps[api];
        o->concurrency[api] = (int)a->concurrency[api];
        o->daily_limit[api] = a->daily[api];
    }
}

static void dry_run_json(struct jw *w, const struct orch_options *o, const struct plan_item *items,
                         size_t n, rs_time_t now)
{
    jw_object_begin(w);
    jw_kbool(w, "dry_run", true);
    jw_key(w, "discover");
    jw_object_begin(w);
    jw_kbool(w, "enabled", o->discover);
    jw_kint(w, "start_year", o->start_year);
    jw_kint(w, "end_year", o->end_year);
    jw_kint(w, "max_pages", o->max_pages);
    jw_kint(w, "min_vote_count", o->min_vote_count);
    jw_object_end(w);
    jw_key(w, "refresh");
    jw_object_begin(w);
    jw_kbool(w, "enabled", o->refresh);
    jw_kint(w, "limit", (int64_t)o->refresh_limit);
    jw_kint(w, "count", (int64_t)n);
    jw_key(w, "movies");
    plan_json(w, items, n, now);
    jw_object_end(w);
    jw_object_end(w);
}

static void dry_run_human(const struct orch_options *o, const struct plan_item *items, size_t n,
                          rs_time_t now)
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
        return;
    }
    char limit[40] = "no limit";
    if (o->refresh_limit > 0)
        snprintf(limit, sizeof(limit), "limit %zu", o->refresh_limit);
    printf("Refresh: %zu movie%s due now (%s; movies this run discovers anew go first)\n\n", n,
           n == 1 ? "" : "s", limit);
    plan_table(items, n, now);
}

/* collect --dry-run: the discovery it would make and the movies it would refresh. */
static int collect_dry_run(struct cli *c, const struct orch_options *o)
{
    struct plan_item *items = NULL;
    size_t n = 0;
    int status = EXIT_OK;
    if (o->refresh)
        status = load_plan(c, o->refresh_limit, o->include_frozen, &items, &n);
    if (status != EXIT_OK)
        return status;
    if (c->json) {
        struct jw w;
        jw_init(&w);
        dry_run_json(&w, o, items, n, c->now);
        status = emit_json(c, &w);
    } else {
        dry_run_human(o, items, n, c->now);
    }
    store_plan_free(items, n);
    return status;
}

/* The seed's summary, then failures by class and requests by API. */
static void stats_human(const struct orch_stats *s, enum rs_err rc)
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

/* Opens the database, runs the collection, prints its report. */
static int collect_run(struct cli *c, const struct orch_options *o)
{
    struct store *st = NULL;
    struct orch_stats stats;
    struct rs_error err = {0};
    memset(&stats, 0, sizeof(stats));
    int status = open_db(c, STORE_READ_WRITE, &st);
    if (status != EXIT_OK)
        return status;
    install_signals();
    enum rs_err rc = orch_collect(st, o, &stats, &err);
    progress_clear(&c->progress);
    store_close(st);
    if (c->json) {
        struct jw w;
        jw_init(&w);
        orch_stats_json(&w, &stats, rc);
        status = emit_json(c, &w);
    } else {
        stats_human(&stats, rc);
    }
    fflush(stdout);
    return rc == RS_OK ? status : fail_rs(c, rc, &err);
}

static int cmd_collect(struct cli *c, int argc, char **argv)
{
    struct collect_args a;
    struct orch_options o;
    int status = collect_parse(c, argc, argv, &a);
    if (status == EXIT_OK)
        status = collect_check_keys(c, &a);
    if (status != EXIT_OK || c->parse_only)
        return status;
    collect_options(c, &a, &o);
    return o.dry_run ? collect_dry_run(c, &o) : collect_run(c, &o);
}

/* ---- stats --------------------------------------------------------------------------- */

static const char stats_usage[] =
    "usage: reelsync [global options] stats [--tmdb-daily-limit N] [--omdb-daily-limit N]\n"
    "\n"
    "The monitoring report: API requests today and over 7 and 30 days against the daily\n"
    "limits, success rate and errors by class per API, refresh coverage per age category,\n"
    "frozen movies, movies due now, movies without an IMDb id, how long ago movies were\n"
    "last checked and last changed, and the last runs.\n"
    "\n"
    "Options:\n"
    "  --tmdb-daily-limit N, --omdb-daily-limit N   the limits to compare with (default 40000, "
    "1000)\n"
    "\n"
    "Example:\n"
    "  reelsync --db movies.duckdb stats\n"
    "  reelsync --db movies.duckdb stats --json\n";

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
static void json_kint_opt(struct jw *w, const char *key, struct rs_i64 v)
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

static void report_json_run(struct jw *w, const struct store_run *run)
{
    char stamp[32];
    jw_object_begin(w);
    jw_kint(w, "run_id", run->id);
    jw_kstring(w, "started_at", rs_time_format(run->started_at, stamp, sizeof(stamp)));
    jw_kstring(w, "ended_at",
               run->ended_at.set ? rs_time_format(run->ended_at.v, stamp, sizeof(stamp)) : NULL);
    json_kint_opt(w, "status", run->status);
    jw_key(w, "stats");
    jw_raw(w, run->stats_json);
    jw_object_end(w);
}

/* stats --json: the same numbers as the human report. */
static void report_json(const struct cli *c, const struct store_report *r,
                        const int64_t limit[RS_API_COUNT], struct jw *w)
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
    printf("\nLast runs\n");
    if (r->n_runs == 0)
        printf("  none yet\n");
    for (size_t i = 0; i < r->n_runs; i++) {
        const struct store_run *run = &r->runs[i];
        printf("  #%-5lld %s  %s  discovered %lld, tmdb %lld, omdb %lld, frozen %lld\n",
               (long long)run->id, rs_time_format(run->started_at, stamp, sizeof(stamp)),
               !run->ended_at.set   ? "unfinished"
               : run->status.v == 0 ? "ok    "
                                    : "failed",
               (long long)run->discovered.v, (long long)run->tmdb_updated.v,
               (long long)run->omdb_updated.v, (long long)run->frozen.v);
    }
}

static void report_human(const struct cli *c, const struct store_report *r,
                         const int64_t limit[RS_API_COUNT])
{
    char stamp[32];
    printf("reelsync report for %s at %s\n\n", c->db, rs_time_format(c->now, stamp, sizeof(stamp)));
    printf("Movies: %lld (frozen %lld, gone from TMDB %lld, without an IMDb id %lld)\n",
           (long long)r->movies, (long long)r->frozen, (long long)r->gone,
           (long long)r->missing_imdb);
    report_apis(r, limit);
    report_coverage_runs(r);
}

static int cmd_stats(struct cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {{"tmdb-daily-limit", required_argument, NULL, 't'},
                                             {"omdb-daily-limit", required_argument, NULL, 'o'},
                                             {NULL, 0, NULL, 0}};
    int64_t limit[RS_API_COUNT] = {DEFAULT_TMDB_DAILY, DEFAULT_OMDB_DAILY};
    int ch;
    while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        long v;
        if (ch != 't' && ch != 'o')
            return getopt_error(c->cmd, ch, argv);
        if (!parse_long(optarg, 0, 1000000000, &v))
            return bad_value(c->cmd, ch == 't' ? "tmdb-daily-limit" : "omdb-daily-limit", optarg,
                             "a whole number, 0 or more");
        limit[ch == 't' ? RS_API_TMDB : RS_API_OMDB] = v;
    }
    if (no_operands(c->cmd, argc, argv) != EXIT_OK)
        return EXIT_USAGE;
    if (c->parse_only)
        return EXIT_OK;

    struct store *st = NULL;
    struct rs_error err = {0};
    struct store_report *r = calloc(1, sizeof(*r));
    if (!r)
        return fail_rs(c, RS_ERR_NOMEM, NULL);
    int status = open_db(c, STORE_READ_ONLY, &st);
    if (status == EXIT_OK) {
        enum rs_err rc = store_report(st, c->now, r, &err);
        store_close(st);
        if (rc != RS_OK) {
            status = fail_rs(c, rc, &err);
        } else if (c->json) {
            struct jw w;
            jw_init(&w);
            report_json(c, r, limit, &w);
            status = emit_json(c, &w);
        } else {
            report_human(c, r, limit);
        }
        store_report_release(r);
    }
    free(r);
    return status;
}

/* ---- export -------------------------------------------------------------------------- */

static const char export_usage[] =
    "usage: reelsync [global options] export --out PATH [--format csv|parquet|json]\n"
    "\n"
    "Writes one row per movie with its TMDB and OMDB columns joined, with DuckDB's COPY.\n"
    "\n"
    "Options:\n"
    "  --out PATH        the file to write (replaced if it exists)\n"
    "  --format F        csv, parquet or json (default: from PATH's extension, else csv)\n"
    "\n"
    "Example:\n"
    "  reelsync --db movies.duckdb export --format parquet --out movies.parquet\n";

/* The format named by PATH's extension, or "csv". */
static const char *format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && (strcmp(dot, ".parquet") == 0 || strcmp(dot, ".json") == 0))
        return dot + 1;
    return "csv";
}

/* What export wrote: the file, its format and size. */
static int export_done(const struct cli *c, const char *format, const char *out)
{
    struct stat sb;
    long long bytes = stat(out, &sb) == 0 ? (long long)sb.st_size : 0;
    if (c->json) {
        struct jw w;
        jw_init(&w);
        jw_object_begin(&w);
        jw_kstring(&w, "format", format);
        jw_kstring(&w, "out", out);
        jw_kint(&w, "bytes", bytes);
        jw_object_end(&w);
        return emit_json(c, &w);
    }
    printf("wrote %s (%s, %lld bytes)\n", out, format, bytes);
    return EXIT_OK;
}

static int cmd_export(struct cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {{"out", required_argument, NULL, 'o'},
                                             {"format", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    const char *out = NULL, *format = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        if (ch == 'o')
            out = optarg;
        else if (ch == 'f')
            format = optarg;
        else
            return getopt_error(c->cmd, ch, argv);
    }
    if (no_operands(c->cmd, argc, argv) != EXIT_OK)
        return EXIT_USAGE;
    if (!out || !*out)
        return fail(EXIT_USAGE,
                    "export: no output file given (add --out PATH; see 'reelsync export --help')");
    if (!format)
        format = format_of(out);
    if (strcmp(format, "csv") != 0 && strcmp(format, "parquet") != 0 && strcmp(format, "json") != 0)
        return bad_value(c->cmd, "format", format, "csv, parquet or json");
    if (c->parse_only)
        return EXIT_OK;

    struct store *st = NULL;
    struct rs_error err = {0};
    int status = open_db(c, STORE_READ_ONLY, &st);
    if (status != EXIT_OK)
        return status;
    enum rs_err rc = store_export(st, format, out, &err);
    store_close(st);
    if (rc != RS_OK)
        return fail_rs(c, rc, &err);
    return export_done(c, format, out);
}

/* ---- unfreeze ------------------------------------------------------------------------ */

static const char unfreeze_usage[] =
    "usage: reelsync [global options] unfreeze TMDB_ID... | --all\n"
    "\n"
    "Clears data_frozen so the movies are refreshed again on their schedule (they freeze\n"
    "again after 3 unchanged refreshes). Prints how many movies changed.\n"
    "\n"
    "Options:\n"
    "  --all    every frozen movie\n"
    "\n"
    "Example:\n"
    "  reelsync --db movies.duckdb unfreeze 27205 155\n";

/* The TMDB ids of unfreeze's operands into a malloc'd *IDS. Prints the failure. */
static int parse_ids(char **args, size_t n, int64_t **ids)
{
    int64_t *out = calloc(n ? n : 1, sizeof(*out));
    if (!out)
        return fail(EXIT_FAILED, "unfreeze: out of memory (free some memory and run again)");
    for (size_t i = 0; i < n; i++) {
        long v;
        if (!parse_long(args[i], 1, 2147483647L, &v)) {
            free(out);
            return fail(EXIT_USAGE,
                        "unfreeze: '%s' is not a TMDB id (give whole numbers such as 27205)",
                        args[i]);
        }
        out[i] = v;
    }
    *ids = out;
    return EXIT_OK;
}

static int cmd_unfreeze(struct cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
    bool all = false;
    int ch;
    while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        if (ch == 'a')
            all = true;
        else
            return getopt_error(c->cmd, ch, argv);
    }
    size_t n = (size_t)(argc - optind);
    if (all == (n > 0))
        return fail(EXIT_USAGE,
                    "unfreeze: %s (give TMDB ids or --all; see 'reelsync unfreeze --help')",
                    all ? "--all and TMDB ids exclude each other" : "no movie given");
    int64_t *ids = NULL;
    int status = parse_ids(argv + optind, n, &ids);
    if (status != EXIT_OK || c->parse_only) {
        free(ids);
        return status;
    }
    struct store *st = NULL;
    struct rs_error err = {0};
    size_t changed = 0;
    status = open_db(c, STORE_READ_WRITE, &st);
    if (status == EXIT_OK) {
        enum rs_err rc = store_unfreeze(st, ids, n, all, &changed, &err);
        store_close(st);
        if (rc != RS_OK)
            status = fail_rs(c, rc, &err);
        else if (c->json)
            printf("{\"unfrozen\":%zu}\n", changed);
        else
            printf("unfroze %zu movie%s\n", changed, changed == 1 ? "" : "s");
    }
    free(ids);
    return status;
}

/* ---- global options and dispatch ----------------------------------------------------- */

static const char main_usage[] =
    "usage: reelsync [global options] COMMAND [command options]\n"
    "\n"
    "Keeps a DuckDB file of movies current with TMDB and OMDB.\n"
    "\n"
    "Commands:\n"
    "  collect    discover movies, then refresh the ones that are due (the cron job)\n"
    "  plan       which movies are due for refresh now, and why (no API call)\n"
    "  stats      the monitoring report: requests, quotas, errors, coverage, runs\n"
    "  export     write the joined movie data as csv, parquet or json\n"
    "  unfreeze   let frozen movies be refreshed again\n"
    "\n"
    "Global options (before or after the command):\n"
    "  --db PATH                the database (default $REELSYNC_DB, else ./reelsync.duckdb)\n"
    "  --json                   print one JSON object on stdout instead of the report\n"
    "  --now TIME               pretend it is TIME (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC)\n"
    "  --log-level L            error, warn, info or debug (default $REELSYNC_LOG_LEVEL, else "
    "info)\n"
    "  --quiet, --no-progress   no progress display\n"
    "  --config PATH            KEY=value file with the keys (default $REELSYNC_CONFIG, else\n"
    "                           $XDG_CONFIG_HOME/reelsync/config or ~/.config/reelsync/config;\n"
    "                           mode 600; the environment wins over it)\n"
    "  -h, --help               this help; 'reelsync COMMAND --help' for a command's\n"
    "  --version                print the version\n"
    "\n"
    "Environment: TMDB_API_KEY or TMDB_ACCESS_TOKEN, OMDB_API_KEY, TMDB_BASE_URL,\n"
    "OMDB_BASE_URL, REELSYNC_DB (all six also in the config file), REELSYNC_LOG_LEVEL,\n"
    "REELSYNC_CONFIG.\n"
    "\n"
    "Exit status: 0 done (movies that failed stay due), 1 the run could not do its work,\n"
    "2 bad command line, 3 missing or bad configuration (no key, a config file others\n"
    "may read).\n"
    "\n"
    "Example:\n"
    "  export TMDB_API_KEY=... OMDB_API_KEY=...\n"
    "  reelsync --db movies.duckdb collect --start-year 2024 --end-year 2024\n";

static const struct cli_cmd commands[] = {
    {"collect", "discover, then refresh", collect_usage, cmd_collect},
    {"plan", "movies due now", plan_usage, cmd_plan},
    {"stats", "monitoring report", stats_usage, cmd_stats},
    {"export", "write csv/parquet/json", export_usage, cmd_export},
    {"unfreeze", "clear data_frozen", unfreeze_usage, cmd_unfreeze},
};

static const struct cli_cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

/* What the global scan found, before the environment fills the gaps. */
struct global_args {
    const char *db, *now, *level, *config;
    bool json, quiet, help, version;
    const struct cli_cmd *cmd;
    int argc; /* the command's argv: its name, then everything not global */
    char **argv;
};

enum gopt_id { G_DB, G_JSON, G_NOW, G_LOG, G_QUIET, G_HELP, G_VERSION, G_CONFIG };
static const struct {
    const char *name;
    bool has_arg;
    enum gopt_id id;
} gopts[] = {
    {"--db", true, G_DB},         {"--json", false, G_JSON},   {"--now", true, G_NOW},
    {"--log-level", true, G_LOG}, {"--quiet", false, G_QUIET}, {"--no-progress", false, G_QUIET},
    {"--help", false, G_HELP},    {"-h", false, G_HELP},       {"--version", false, G_VERSION},
    {"--config", true, G_CONFIG}};

/* Index of the global option ARG names ("--db" or "--db=PATH"), or -1; *VALUE: inline value. */
static int match_global(const char *arg, const char **value)
{
    size_t len = strcspn(arg, "=");
    for (size_t i = 0; i < sizeof(gopts) / sizeof(gopts[0]); i++) {
        if (strlen(gopts[i].name) == len && strncmp(arg, gopts[i].name, len) == 0) {
            *value = arg[len] == '=' ? arg + len + 1 : NULL;
            return (int)i;
        }
    }
    return -1;
}

static void set_global(struct global_args *g, enum gopt_id id, const char *value)
{
    switch (id) {
    case G_DB:
        g->db = value;
        break;
    case G_JSON:
        g->json = true;
        break;
    case G_NOW:
        g->now = value;
        break;
    case G_LOG:
        g->level = value;
        break;
    case G_QUIET:
        g->quiet = true;
        break;
    case G_HELP:
        g->help = true;
        break;
    case G_VERSION:
        g->version = true;
        break;
    case G_CONFIG:
        g->config = value;
        break;
    }
}

/* Takes one global option at ARGV[*I]; returns EXIT_OK or the printed EXIT_USAGE. */
static int take_global(struct global_args *g, int k, int argc, char **argv, int *i)
{
    const char *value = NULL;
    match_global(argv[*i], &value);
    if (gopts[k].has_arg && !value) {
        if (*i + 1 >= argc)
            return fail(EXIT_USAGE, "option '%s' needs a value (see 'reelsync --help')",
                        gopts[k].name);
        value = argv[++*i];
    } else if (!gopts[k].has_arg && value) {
        return fail(EXIT_USAGE, "option '%s' takes no value (see 'reelsync --help')",
                    gopts[k].name);
    }
    set_global(g, gopts[k].id, value);
    return EXIT_OK;
}

/*
 * Takes the global options out of ARGV wherever they are (before "--"), finds the command,
 * and leaves the command's own arguments in G->argv.
 */
static int scan_globals(int argc, char **argv, struct global_args *g)
{
    bool dashdash = false;
    g->argv = calloc((size_t)argc + 1, sizeof(char *));
    if (!g->argv)
        return fail(EXIT_FAILED, "out of memory (free some memory and run again)");
    g->argc = 1;
    for (int i = 1; i < argc; i++) {
        const char *value;
        int k = dashdash ? -1 : match_global(argv[i], &value);
        if (k >= 0) {
            if (take_global(g, k, argc, argv, &i) != EXIT_OK)
                return EXIT_USAGE;
        } else if (!g->cmd && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0) {
            return fail(EXIT_USAGE, "unknown option '%.*s' (see 'reelsync --help')",
                        (int)strcspn(argv[i], "="), argv[i]);
        } else if (!g->cmd && strcmp(argv[i], "--") != 0) {
            g->cmd = find_cmd(argv[i]);
            if (!g->cmd)
                return fail(EXIT_USAGE, "'%s' is not a reelsync command (see 'reelsync --help')",
                            argv[i]);
            g->argv[0] = argv[i];
        } else {
            dashdash = dashdash || strcmp(argv[i], "--") == 0;
            if (g->cmd)
                g->argv[g->argc++] = argv[i];
        }
    }
    return EXIT_OK;
}

/* A set, non-empty environment variable, or NULL. */
static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/*
 * Loads the config file into C->cfg: --config PATH (must exist), else the default path
 * ($REELSYNC_CONFIG, which must exist; else the XDG or ~/.config one, which may be absent).
 * Returns EXIT_OK or the printed EXIT_USAGE / EXIT_CONFIG.
 */
static int load_config(struct cli *c, const struct global_args *g)
{
    char path[4096];
    bool must_exist = true;
    struct rs_error err = {0};
    if (g->config && !*g->config)
        return fail(EXIT_USAGE, "--config needs a file name (see 'reelsync --help')");
    if (g->config)
        snprintf(path, sizeof(path), "%s", g->config);
    else if (!cfg_default_path(env("REELSYNC_CONFIG"), env("XDG_CONFIG_HOME"), env("HOME"), path,
                               sizeof(path), &must_exist))
        return EXIT_OK;
    enum rs_err rc = cfg_load(&c->cfg, path, must_exist, &err);
    if (rc != RS_OK)
        return fail(exit_status(rc), "%s", err.msg);
    return EXIT_OK;
}

/* The environment variable NAME if set, else the config file's KEY, else NULL. */
static const char *setting(const struct cli *c, const char *name, enum cfg_key key)
{
    return env(name) ? env(name) : cfg_get(&c->cfg, key);
}

/* Settles C from G, the environment and the config file. EXIT_OK, or the printed 2 or 3. */
static int settle(struct cli *c, const struct global_args *g)
{
    static const char *const url_vars[RS_API_COUNT] = {"TMDB_BASE_URL", "OMDB_BASE_URL"};
    static const enum cfg_key url_keys[RS_API_COUNT] = {CFG_TMDB_BASE_URL, CFG_OMDB_BASE_URL};
    static const char *const url_defaults[RS_API_COUNT] = {DEFAULT_TMDB_URL, DEFAULT_OMDB_URL};
    c->cmd = g->cmd->name;
    c->json = g->json;
    if (g->db && !*g->db)
        return fail(EXIT_USAGE, "--db needs a file name (see 'reelsync --help')");
    c->now = rs_clock_now();
    if (g->now && !rs_time_parse(g->now, &c->now))
        return fail(
            EXIT_USAGE,
            "bad value '%s' for --now: not a UTC time (give YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)",
            g->now);
    c->level = RS_LOG_INFO;
    if (g->level && !rs_log_level_parse(g->level, &c->level))
        return fail(EXIT_USAGE, "bad value '%s' for --log-level (give error, warn, info or debug)",
                    g->level);
    if (!g->level && env("REELSYNC_LOG_LEVEL") &&
        !rs_log_level_parse(env("REELSYNC_LOG_LEVEL"), &c->level))
        return fail(
            EXIT_CONFIG,
            "REELSYNC_LOG_LEVEL '%s' is not a log level (set it to error, warn, info or debug)",
            env("REELSYNC_LOG_LEVEL"));
    /* The command line is checked; now the config file, which the environment overrides. */
    int status = load_config(c, g);
    if (status != EXIT_OK)
        return status;
    c->db = g->db ? g->db : setting(c, "REELSYNC_DB", CFG_REELSYNC_DB);
    if (!c->db)
        c->db = DEFAULT_DB;
    c->tmdb_key = setting(c, "TMDB_API_KEY", CFG_TMDB_API_KEY);
    c->tmdb_token = setting(c, "TMDB_ACCESS_TOKEN", CFG_TMDB_ACCESS_TOKEN);
    c->omdb_key = setting(c, "OMDB_API_KEY", CFG_OMDB_API_KEY);
    for (int api = 0; api < RS_API_COUNT; api++) {
        const char *url = setting(c, url_vars[api], url_keys[api]);
        c->base_url[api] = url ? url : url_defaults[api];
        if (strncmp(c->base_url[api], "http://", 7) != 0 &&
            strncmp(c->base_url[api], "https://", 8) != 0)
            return fail(EXIT_CONFIG, "%s '%s' is not an http(s) URL (fix it, or unset it for %s)",
                        url_vars[api], c->base_url[api], url_defaults[api]);
    }
    c->log = (struct rs_log){.fn = log_sink, .ctx = c, .level = c->level};
    c->progress =
        (struct progress){.enabled = !g->quiet, .tty = isatty(STDERR_FILENO) == 1, .log = &c->log};
    return EXIT_OK;
}

/* The whole command line: globals, environment, then the command (or its parse only). */
static int cli_run(int argc, char **argv, bool parse_only)
{
    struct global_args g = {0};
    struct cli c;
    memset(&c, 0, sizeof(c));
    int status = scan_globals(argc, argv, &g);
    if (status != EXIT_OK)
        goto cleanup;
    if (g.version) {
        if (!parse_only)
            printf("reelsync %s\n", RS_VERSION);
    } else if (g.help) {
        if (!parse_only)
            fputs(g.cmd ? g.cmd->usage : main_usage, stdout);
    } else if (!g.cmd) {
        status = fail(EXIT_USAGE, "no command given (try 'reelsync --help')");
    } else {
        status = settle(&c, &g);
        if (status == EXIT_OK) {
            c.parse_only = parse_only;
            optind = 0; /* glibc: a full reset of getopt's state for the command's parse */
            opterr = 0;
            status = g.cmd->run(&c, g.argc, g.argv);
        }
    }
cleanup:
    cfg_release(&c.cfg);
    free(g.argv);
    return status;
}

int cli_main(int argc, char **argv)
{
    return cli_run(argc, argv, false);
}

int cli_parse_only(int argc, char **argv)
{
    return cli_run(argc, argv, true);
}
