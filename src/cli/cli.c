/*
 * cli: the reelsync command line. It parses the global options (before or after the
 * command) and the environment and the config file into struct cli, then dispatches to the
 * command named, through the table of commands (one cmd_<name>.c each). How a failure is
 * told and which exit status it gets (README, "Exit statuses") is messages.c's.
 *
 * The command line is checked completely before anything is opened: a bad option, number
 * or missing key never creates or touches the database. Logs and progress go to stderr,
 * reports to stdout (human text, or one JSON object with --json).
 *
 * Everything else (fetching, storing, planning, reporting) is the library's; the program
 * only presents it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_int.h"
#include "reelsync/tmdb.h"

#define DEFAULT_DB "./reelsync.duckdb"
#define DEFAULT_TMDB_URL "https://api.themoviedb.org/3"
#define DEFAULT_OMDB_URL "https://www.omdbapi.com/"
/* --lock-timeout: a notebook's query or another command is over in seconds; a day at most. */
#define DEFAULT_LOCK_TIMEOUT_S 60
#define MAX_LOCK_TIMEOUT_S 86400

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
    "  forecast   requests due each of the next days under the policy (no API call)\n"
    "  history    a movie's observations, change log and freeze events\n"
    "  runs       the last collect runs, or one run's failures and changes\n"
    "  help [COMMAND]   this help, or a command's; version: the versions in use\n"
    "\n"
    "Global options (before or after the command):\n"
    "  --db PATH                the database (default $REELSYNC_DB, else ./reelsync.duckdb)\n"
    "  --json                   print one JSON object on stdout instead of the report\n"
    "  --now TIME               pretend it is TIME (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC)\n"
    "  --log-level L            error, warn, info or debug (default $REELSYNC_LOG_LEVEL, else "
    "info)\n"
    "  --quiet, --no-progress   no progress display\n"
    "  --lock-timeout SECONDS   wait up to SECONDS for a database another program holds\n"
    "                           (default 60; 0: do not wait)\n"
    "  --config PATH            KEY=value file with the keys (default $REELSYNC_CONFIG, else\n"
    "                           $XDG_CONFIG_HOME/reelsync/config or ~/.config/reelsync/config;\n"
    "                           mode 600; the environment wins over it)\n"
    "  -h, --help               this help; 'reelsync COMMAND --help' for a command's\n"
    "  -V, --version            print the versions of reelsync, DuckDB, libcurl and jansson\n"
    "\n"
    "Environment: TMDB_API_KEY or TMDB_ACCESS_TOKEN, OMDB_API_KEY, TMDB_BASE_URL,\n"
    "OMDB_BASE_URL, REELSYNC_DB (all six also in the config file), REELSYNC_LOG_LEVEL,\n"
    "REELSYNC_CONFIG.\n"
    "\n"
    "Exit status: 0 done (movies that failed stay due), 1 the run could not do its work,\n"
    "2 bad command line, 3 missing or bad configuration (no key, a config file others\n"
    "may read, a --db that does not exist but for collect), 4 the database stayed held by\n"
    "another program past --lock-timeout, 128+N interrupted by signal N (130 Ctrl-C).\n"
    "\n"
    "Example:\n"
    "  export TMDB_API_KEY=... OMDB_API_KEY=...\n"
    "  reelsync --db movies.duckdb collect --start-year 2024 --end-year 2024\n";

static const struct cli_cmd *const commands[] = {&cmd_collect, &cmd_plan,     &cmd_stats,
                                                 &cmd_export,  &cmd_unfreeze, &cmd_forecast,
                                                 &cmd_history, &cmd_runs};

static const struct cli_cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    }
    return NULL;
}

/* Levenshtein distance of A and B, for "did you mean" (names are short: capped at 31). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[32];
    if (la > 31 || lb > 31)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* The command (or help, version) nearest to NAME within two edits, or NULL. */
static const char *nearest_cmd(const char *name)
{
    static const char *const extra[] = {"help", "version"};
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]) + 2; i++) {
        const char *c = i < sizeof(commands) / sizeof(commands[0])
                            ? commands[i]->name
                            : extra[i - sizeof(commands) / sizeof(commands[0])];
        size_t d = distance(name, c);
        if (d < best_d && d < strlen(name)) {
            best = c;
            best_d = d;
        }
    }
    return best;
}

/* The one line for a word that is no command, with the nearest one if any. */
static int not_a_command(const char *word)
{
    const char *near = nearest_cmd(word);
    if (near)
        return msg_fail(EXIT_USAGE,
                        "'%s' is not a reelsync command; did you mean '%s'? (see 'reelsync "
                        "--help')",
                        word, near);
    return msg_fail(EXIT_USAGE, "'%s' is not a reelsync command (see 'reelsync --help')", word);
}

/* What the global scan found, before the environment fills the gaps. */
struct global_args {
    const char *db, *now, *level, *config, *lock_timeout;
    bool json, quiet, help, version;
    const struct cli_cmd *cmd;
    int argc; /* the command's argv: its name, then everything not global */
    char **argv;
};

enum gopt_id { G_DB, G_JSON, G_NOW, G_LOG, G_QUIET, G_HELP, G_VERSION, G_CONFIG, G_LOCK_TIMEOUT };
static const struct {
    const char *name;
    bool has_arg;
    enum gopt_id id;
} gopts[] = {{"--db", true, G_DB},
             {"--json", false, G_JSON},
             {"--now", true, G_NOW},
             {"--log-level", true, G_LOG},
             {"--quiet", false, G_QUIET},
             {"--no-progress", false, G_QUIET},
             {"--help", false, G_HELP},
             {"-h", false, G_HELP},
             {"--version", false, G_VERSION},
             {"-V", false, G_VERSION},
             {"--config", true, G_CONFIG},
             {"--lock-timeout", true, G_LOCK_TIMEOUT}};

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
    case G_LOCK_TIMEOUT:
        g->lock_timeout = value;
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
            return msg_fail(EXIT_USAGE, "option '%s' needs a value (see 'reelsync --help')",
                            gopts[k].name);
        value = argv[++*i];
    } else if (!gopts[k].has_arg && value) {
        return msg_fail(EXIT_USAGE, "option '%s' takes no value (see 'reelsync --help')",
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
        return msg_fail(EXIT_FAILED, "out of memory (free some memory and run again)");
    g->argc = 1;
    for (int i = 1; i < argc; i++) {
        const char *value;
        int k = dashdash ? -1 : match_global(argv[i], &value);
        if (k >= 0) {
            if (take_global(g, k, argc, argv, &i) != EXIT_OK)
                return EXIT_USAGE;
        } else if (!g->cmd && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0) {
            return msg_fail(EXIT_USAGE, "unknown option '%.*s' (see 'reelsync --help')",
                            (int)strcspn(argv[i], "="), argv[i]);
        } else if (!g->cmd && !g->help && strcmp(argv[i], "help") == 0) {
            g->help = true; /* `reelsync help [COMMAND]` */
        } else if (!g->cmd && strcmp(argv[i], "version") == 0) {
            g->version = true;
        } else if (!g->cmd && strcmp(argv[i], "--") != 0) {
            g->cmd = find_cmd(argv[i]);
            if (!g->cmd)
                return not_a_command(argv[i]);
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
        return msg_fail(EXIT_USAGE, "--config needs a file name (see 'reelsync --help')");
    if (g->config)
        snprintf(path, sizeof(path), "%s", g->config);
    else if (!cfg_default_path(env("REELSYNC_CONFIG"), env("XDG_CONFIG_HOME"), env("HOME"), path,
                               sizeof(path), &must_exist))
        return EXIT_OK;
    enum rs_err rc = cfg_load(&c->cfg, path, must_exist, &err);
    if (rc != RS_OK)
        return msg_fail(msg_exit_status(rc), "%s", err.msg);
    return EXIT_OK;
}

/* The environment variable NAME if set, else the config file's KEY, else NULL. */
static const char *setting(const struct cli *c, const char *name, enum cfg_key key)
{
    return env(name) ? env(name) : cfg_get(&c->cfg, key);
}

/* The global options' values in C, checked: EXIT_OK, or the printed 2 or 3. */
static int settle_globals(struct cli *c, const struct global_args *g)
{
    c->cmd = g->cmd->name;
    c->json = g->json;
    if (g->db && !*g->db)
        return msg_fail(EXIT_USAGE, "--db needs a file name (see 'reelsync --help')");
    c->now = rs_clock_now();
    if (g->now && !rs_time_parse(g->now, &c->now))
        return msg_fail(
            EXIT_USAGE,
            "bad value '%s' for --now: not a UTC time (give YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)",
            g->now);
    c->level = RS_LOG_INFO;
    if (g->level && !rs_log_level_parse(g->level, &c->level))
        return msg_fail(EXIT_USAGE,
                        "bad value '%s' for --log-level (give error, warn, info or debug)",
                        g->level);
    long wait = DEFAULT_LOCK_TIMEOUT_S;
    if (g->lock_timeout && !args_long(g->lock_timeout, 0, MAX_LOCK_TIMEOUT_S, &wait))
        return msg_fail(EXIT_USAGE,
                        "bad value '%s' for --lock-timeout (give whole seconds, 0 to %d)",
                        g->lock_timeout, MAX_LOCK_TIMEOUT_S);
    c->lock_timeout_s = (double)wait;
    c->db_creates = g->cmd == &cmd_collect;
    if (!g->level && env("REELSYNC_LOG_LEVEL") &&
        !rs_log_level_parse(env("REELSYNC_LOG_LEVEL"), &c->level))
        return msg_fail(
            EXIT_CONFIG,
            "REELSYNC_LOG_LEVEL '%s' is not a log level (set it to error, warn, info or debug)",
            env("REELSYNC_LOG_LEVEL"));
    return EXIT_OK;
}

/* The database, the keys and the base URLs: --db, else the environment, else the file. */
static int settle_settings(struct cli *c, const struct global_args *g)
{
    static const char *const url_vars[RS_API_COUNT] = {"TMDB_BASE_URL", "OMDB_BASE_URL"};
    static const enum cfg_key url_keys[RS_API_COUNT] = {CFG_TMDB_BASE_URL, CFG_OMDB_BASE_URL};
    static const char *const url_defaults[RS_API_COUNT] = {DEFAULT_TMDB_URL, DEFAULT_OMDB_URL};
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
            return msg_fail(EXIT_CONFIG,
                            "%s '%s' is not an http(s) URL (fix it, or unset it for %s)",
                            url_vars[api], c->base_url[api], url_defaults[api]);
    }
    return EXIT_OK;
}

/* Settles C from G, the environment and the config file. EXIT_OK, or the printed 2 or 3. */
static int settle(struct cli *c, const struct global_args *g)
{
    int status = settle_globals(c, g);
    /* The command line is checked; now the config file, which the environment overrides. */
    if (status == EXIT_OK)
        status = load_config(c, g);
    if (status == EXIT_OK)
        status = settle_settings(c, g);
    if (status != EXIT_OK)
        return status;
    c->log = (struct rs_log){.fn = progress_log_sink, .ctx = &c->progress, .level = c->level};
    progress_init(&c->progress, !g->quiet, &c->log);
    c->wait->progress = &c->progress;
    return EXIT_OK;
}

/* The whole command line: globals, environment, then the command (or its parse only). */
static int cli_run(int argc, char **argv, bool parse_only)
{
    struct global_args g = {0};
    struct db_wait wait = {0};
    struct cli c;
    memset(&c, 0, sizeof(c));
    c.wait = &wait;
    int status = scan_globals(argc, argv, &g);
    if (status != EXIT_OK)
        goto cleanup;
    if (g.version) {
        if (!parse_only)
            printf("reelsync %s\nDuckDB %s\nlibcurl %s\njansson %s\n", RS_VERSION,
                   store_duckdb_version(), http_curl_version(), tmdb_json_version());
    } else if (g.help) {
        if (!parse_only && g.cmd)
            g.cmd->usage();
        else if (!parse_only)
            fputs(main_usage, stdout);
    } else if (!g.cmd) {
        status = msg_fail(EXIT_USAGE, "no command given (try 'reelsync --help')");
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
