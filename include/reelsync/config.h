/*
 * config: the reelsync config file, a place for the API keys that is neither the command
 * line (visible in ps) nor a crontab line. Plain `KEY=value` lines:
 *
 *     # ~/.config/reelsync/config (chmod 600)
 *     TMDB_API_KEY=0123abcd...
 *     OMDB_API_KEY=89ef...
 *
 * Known keys: TMDB_API_KEY, TMDB_ACCESS_TOKEN, OMDB_API_KEY, TMDB_BASE_URL, OMDB_BASE_URL,
 * REELSYNC_DB, and the settings: each option of collect's table that takes a value
 * (include/reelsync/options.h), its long name in upper case with '_' for '-'
 * (REFRESH_LIMIT, TMDB_RPS, OMDB_DAILY_LIMIT), and LOCK_TIMEOUT; the keys follow the table,
 * so they cannot drift from the options. A setting's value is kept as text: checking it
 * is the program's, which parses it as the option's value. Blank lines and lines starting with '#'
 * are skipped; an `export ` prefix is allowed (so the file can be sourced by a shell); blanks
 * around the key and the value are dropped, and one pair of matching quotes ('...' or "...") around
 * the value; there are no escapes. An empty value counts as not set; a key given twice takes the
 * last value. A file that group or others may access (mode & 077) is refused: it holds secrets.
 *
 * Errors name the file and the line, never a value (a value may be a key). The caller
 * decides the precedence (the program: environment over file). No globals, no environment
 * reads here: the caller passes what it read.
 */
#ifndef REELSYNC_CONFIG_H
#define REELSYNC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "reelsync/options.h"
#include "reelsync/reelsync.h"

enum cfg_key {
    CFG_TMDB_API_KEY = 0,
    CFG_TMDB_ACCESS_TOKEN,
    CFG_OMDB_API_KEY,
    CFG_TMDB_BASE_URL,
    CFG_OMDB_BASE_URL,
    CFG_REELSYNC_DB,
    CFG_KEY_COUNT
};

/* The settings: an enum rs_option_id (one that takes a value), or CFG_LOCK_TIMEOUT. */
#define CFG_LOCK_TIMEOUT ((int)RS_OPT_COUNT)
#define CFG_SETTING_COUNT ((int)RS_OPT_COUNT + 1)

/* The values of one config file; caller-owned storage (cfg_init / cfg_release). */
struct cfg {
    char *value[CFG_KEY_COUNT];       /* malloc'd, or NULL when not set */
    int line[CFG_KEY_COUNT];          /* the line that set it */
    char *setting[CFG_SETTING_COUNT]; /* likewise for the settings */
    int setting_line[CFG_SETTING_COUNT];
};

/* An empty config (every key unset). */
void cfg_init(struct cfg *cfg);
/* Frees the values (wiping them first: they may be keys); CFG is empty afterwards. */
void cfg_release(struct cfg *cfg);

/* "TMDB_API_KEY" etc.; NULL for a bad KEY. */
const char *cfg_key_name(enum cfg_key key);
/* The value of KEY, or NULL when not set. Borrowed: valid until cfg_release. */
const char *cfg_get(const struct cfg *cfg, enum cfg_key key);

/*
 * The key of setting I ("REFRESH_LIMIT", "LOCK_TIMEOUT") into BUF; false when I is no
 * setting (a flag, --id, or out of range).
 */
bool cfg_setting_key(int i, char *buf, size_t len);
/* The text of setting I and its line (*LINE, may be NULL), or NULL when not set. */
const char *cfg_setting(const struct cfg *cfg, int i, int *line);

/*
 * Parses LEN bytes of TEXT (a file's content; PATH only names it in messages) into CFG,
 * which must be empty. RS_ERR_CONFIG for a line without '=', an unknown key, or a NUL byte
 * ("config 'PATH' line N: ..."); RS_ERR_NOMEM. CFG is written only on success.
 */
enum rs_err cfg_parse(struct cfg *cfg, const char *text, size_t len, const char *path,
                      struct rs_error *err);

/*
 * Reads and parses the file at PATH into CFG (empty). A missing file is RS_OK with CFG
 * left empty unless MUST_EXIST, then RS_ERR_CONFIG "config 'PATH' does not exist (...)".
 * RS_ERR_CONFIG also for a file group or others may access ("config 'PATH' is readable by
 * others (chmod 600 PATH)"), one that is not a regular file or is over 64 KiB, one that
 * cannot be read, and everything cfg_parse refuses. CFG is written only on success.
 */
enum rs_err cfg_load(struct cfg *cfg, const char *path, bool must_exist, struct rs_error *err);

/*
 * The default config path: REELSYNC_CONFIG when set and non-empty (then *EXPLICIT = true),
 * else XDG_CONFIG_HOME "/reelsync/config", else HOME "/.config/reelsync/config" (the
 * arguments are the environment variables' values, NULL when unset; an empty or relative
 * XDG_CONFIG_HOME is ignored, as the XDG spec says). Writes OUT and returns true; false
 * when there is no default (no HOME either) or it does not fit in LEN (OUT is then garbage).
 */
bool cfg_default_path(const char *reelsync_config, const char *xdg_config_home, const char *home,
                      char *out, size_t len, bool *explicit_path);

#endif
