/*
 * cli_int: what the program's files share. The settled command line (struct cli), the
 * command entry each cmd_<name>.c defines and cli.c dispatches to, and the helpers the
 * commands call: messages.c (failures and exit statuses, README "Exit statuses"), args.c
 * (option values and the errors of a command line), db.c (opening --db), progress.c (the
 * live line, the log sink, the signals), and the plan's presentation of cmd_plan.c that
 * collect --dry-run reuses. The helpers never call back into cli.c or a command.
 */
#ifndef RS_CLI_INT_H
#define RS_CLI_INT_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "reelsync/config.h"
#include "reelsync/jsonw.h"
#include "reelsync/options.h"
#include "reelsync/orchestrator.h"
#include "reelsync/store.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_CONFIG 3
#define EXIT_LOCKED 4

/* The live progress display (progress.c). */
struct progress {
    bool enabled; /* not --quiet */
    bool tty;     /* stderr is a terminal: redraw one line with \r */
    bool drawn;   /* a progress line is currently on the terminal */
    bool started;
    enum orch_phase phase;
    int64_t phase_start_ms, last_ms;
    const struct rs_log *log;
};

/* --lock-timeout: a notebook's query or another command is over in seconds; a day at most. */
#define DEFAULT_LOCK_TIMEOUT_S 60
#define MAX_LOCK_TIMEOUT_S 86400

/* Where a setting's value came from, weakest first (settings.c). */
enum setting_src { SRC_DEFAULT = 0, SRC_FILE, SRC_ENV, SRC_CMDLINE };
struct setting {
    double v; /* as the option's value (flags and --id: 0) */
    enum setting_src src;
    int line; /* SRC_FILE: the config file's line */
};

/* A global option (cli.c's table): "--db", whether it takes a value, cli.c's id. */
struct cli_gopt {
    const char *name;
    bool has_arg;
    int id;
};
struct cli_cmd;

/* The global options and the environment, settled before the command runs (cli.c). */
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
    struct cfg cfg;        /* the config file's values; the pointers above may point into it */
    bool parse_only;       /* cli_parse_only: each command stops once its line is checked */
    double lock_timeout_s; /* --lock-timeout: how long to wait for a file another holds */
    bool db_creates;       /* the command creates a missing --db (collect only) */
    struct db_wait *wait;  /* db.c's note of the wait, said once a run */
    /* The settings in force (settings.c), by cfg setting index; a command's line wins. */
    struct setting set[CFG_SETTING_COUNT];
    enum setting_src key_src[CFG_KEY_COUNT]; /* where the keys, URLs and --db came from */
    char config_path[4096];                  /* the config file read, or "" */
    /* cli.c's tables, for the completion scripts: the commands, the global options. */
    const struct cli_cmd *const *commands;
    size_t n_commands;
    const struct cli_gopt *globals; /* ends with a NULL name */
};

/* What db.c's wait callback needs: whether the wait was told, and the live line to clear. */
struct db_wait {
    bool told;
    struct progress *progress;
};

/* One command: `reelsync NAME`. */
struct cli_cmd {
    const char *name;
    void (*usage)(void); /* prints the whole --help text on stdout */
    /* Parses the command's own ARGV (ARGV[0] is its name) and runs it; the exit status. */
    int (*run)(struct cli *c, int argc, char **argv);
    /*
     * The command's long options, the table its getopt_long reads (ending with a zeroed
     * entry): "did you mean" for a mistyped one and the shell completion are made from it.
     * NULL: not known (no suggestion, no completion of options).
     */
    const struct option *(*longopts)(void);
};

/* The commands, one per cmd_<name>.c. */
extern const struct cli_cmd cmd_collect, cmd_plan, cmd_stats, cmd_export, cmd_unfreeze;
extern const struct cli_cmd cmd_forecast, cmd_query, cmd_config, cmd_completion, cmd_report;
extern const struct cli_cmd cmd_history, cmd_runs;

/* ---- messages.c ---- */

/* Prints "reelsync: " + the message as the one stderr line of a failure; returns STATUS. */
__attribute__((format(printf, 2, 3))) int msg_fail(int status, const char *fmt, ...);
/* The exit status for a library result: the one place that maps them. */
int msg_exit_status(enum rs_err code);
/* The one stderr line for a library failure of command CMD; returns the exit status. */
int msg_fail_rs(const char *cmd, enum rs_err code, const struct rs_error *err);
/* Prints W's JSON on stdout with a newline and releases W; the exit status. */
int msg_emit_json(const char *cmd, struct jw *w);

/* ---- args.c ---- */

/* Strict whole number in [MIN, MAX]: digits only (an optional sign), nothing after. */
bool args_long(const char *s, long min, long max, long *out);
/* Prints the bad value of --OPT for command CMD; returns EXIT_USAGE. */
int args_bad_value(const char *cmd, const char *opt, const char *value, const char *want);
/* The one line for what getopt_long rejected (opterr is 0; optstring starts with ':'). */
int args_getopt_error(const char *cmd, int ch, char **argv);
/* Rejects operands where a command takes none: EXIT_OK, or the printed EXIT_USAGE. */
int args_no_operands(const char *cmd, int argc, char **argv);
/* Parses TEXT as a value of the table's option ID into *OUT; false when it is none. */
bool args_parse_option(enum rs_option_id id, const char *text, double *out);
/* What a value of option ID must be ("a whole number, 0 or more"), in BUF or static text. */
const char *args_wanted(enum rs_option_id id, char *buf, size_t len);
/* Parses TEXT as a value of the table's option ID into *OUT: EXIT_OK or the printed 2. */
int args_option(const char *cmd, enum rs_option_id id, const char *text, double *out);

/* ---- settings.c ---- */

/*
 * Settles C->set: each setting's default, then the config file's value (C->cfg), then the
 * environment's REELSYNC_<KEY>, then LOCK_TIMEOUT_ARG (--lock-timeout, or NULL). EXIT_OK,
 * or the printed 3 for a bad value in the file (its line named) or the environment, 2 for
 * a bad --lock-timeout.
 */
int settings_resolve(struct cli *c, const char *lock_timeout_arg);
/* "default", "file", "environment", "command line". */
const char *settings_src_name(enum setting_src src);

/* ---- db.c ---- */

/* Whether a file is at PATH. */
bool db_exists(const char *path);
/*
 * Opens --db in MODE: a missing file is created for collect (C->db_creates) and exit
 * status 3 for the others; a held file is waited for up to --lock-timeout. Prints the
 * failure (and the "locked" JSON object under --json).
 */
int db_open(const struct cli *c, enum store_mode mode, struct store **st);

/* ---- progress.c ---- */

/* A display on stderr (a live line when it is a terminal), or none when not ENABLED. */
void progress_init(struct progress *p, bool enabled, const struct rs_log *log);
/* Removes the progress line from the terminal, so a log line or the report starts clean. */
void progress_clear(struct progress *p);
/* The rs_log sink (CTX: the struct progress): a time-stamped line on stderr. */
void progress_log_sink(void *ctx, enum rs_log_level level, const char *line);
/* orch_options.progress (CTX: the struct progress). */
void progress_update(void *ctx, const struct orch_progress *p);
/* From now on SIGINT and SIGTERM set the cancel flag; a second one exits at once. */
void progress_catch_signals(void);
/* The cancel flag, for orch_options.cancel. */
const volatile sig_atomic_t *progress_cancel_flag(void);

/* ---- cmd_stats.c: a run as stats and runs show it ---- */

/* How long RUN took in whole seconds: unset while running or after a crash. */
struct rs_i64 stats_run_duration(const struct store_run *run);
/* The one word for how RUN ended (ok, partial, failed, locked, interrupted, unfinished). */
const char *stats_run_result(const struct store_run *run);
/* KEY with V, or null when V is not set. */
void json_kint_opt(struct jw *w, const char *key, struct rs_i64 v);
/* A run's first keys, as stats and runs show them: run_id, started_at, ended_at, duration_s,
 * result, status. */
void stats_json_run_head(struct jw *w, const struct store_run *run);

/* ---- cmd_plan.c: the plan as plan and collect --dry-run show it ---- */

/*
 * --db opened read-only into *ST to plan at C->now as collect would with POLICY and
 * REFRESH_LIMIT movies a run (store_use_policy). For collect --dry-run a database that does
 * not exist yet has an empty plan: *ST is NULL and it is not created; for plan it is exit 3.
 * Prints the failure.
 */
int plan_open(const struct cli *c, enum refresh_policy policy, size_t refresh_limit,
              struct store **st);
/*
 * How many movies are due (*TOTAL) and how many of them LIMIT (0: none) keeps (*COUNT); 0
 * for a NULL ST. Prints the failure.
 */
int plan_count(const struct cli *c, struct store *st, size_t limit, bool include_frozen,
               int64_t *count, int64_t *total);
/* Where plan_show puts the movies, and how many it has shown. */
struct plan_show {
    rs_time_t now;
    struct jw *w; /* JSON: objects of the array open in W, drained to stdout; NULL: a table */
    size_t n;
    bool unwritten; /* stdout failed: the rest was not read */
};
/*
 * Shows the plan of ST (NULL: empty) as it is read, so a million due movies are never in
 * memory at once: the table's rows under its header ("Nothing is due." when none), or the
 * objects of the JSON array S->w holds open. Prints the failure.
 */
int plan_show(const struct cli *c, struct store *st, size_t limit, bool include_frozen,
              struct plan_show *s);
/* Makes ST plan with POLICY at the program's "now" (the feed counts as read when its
 * watermark reached yesterday); *SCHEDULE (may be NULL) gets the schedule. */
enum rs_err plan_use_policy(const struct cli *c, struct store *st, enum refresh_policy policy,
                            size_t refresh_limit, struct refresh_schedule *schedule,
                            struct rs_error *err);

/* ---- collect_ids.c: collect --id ---- */

/* The TMDB ids of --id, distinct, in the order given (malloc'd IDS; free it). */
struct id_list {
    int64_t *ids;
    size_t n, cap;
};
/* Appends the ids of TEXT ("27205,155") to L; EXIT_OK or the printed EXIT_USAGE. */
int ids_parse(const char *cmd, const char *text, struct id_list *l);
/* collect --id --dry-run: what it would fetch, known or new (--db is not created). */
int ids_dry_run(const struct cli *c, const struct id_list *l);
/* What the run got for each id (OUTCOME: orch_options.id_outcome): lines, or a JSON key. */
void ids_report_human(const struct id_list *l, const enum rs_err *outcome);
void ids_report_json(struct jw *w, const struct id_list *l, const enum rs_err *outcome);

/* ---- progress.c ---- */

/* The signal that asked the run to stop (SIGINT, SIGTERM), or 0. */
int progress_signal(void);

#endif
