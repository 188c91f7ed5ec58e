/*
 * cmd_config: `reelsync config` (docs/reelsync.1, "config"): the settings in force and where
 * each came from: the database, the keys (never their values: "set" or "not set"), the base
 * URLs, and every setting of the config file (settings.c), as a table or one JSON object.
 * It opens nothing: what it shows is what the next command would use.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"

static void config_usage(void)
{
    fputs("usage: reelsync [global options] config\n"
          "\n"
          "Prints the settings in force and where each came from: default, the config file\n"
          "(file:LINE), the environment, or the command line. API keys are never shown: only\n"
          "whether one is set. Every collect option that takes a value, and LOCK_TIMEOUT, may\n"
          "be set in the config file as KEY=value (KEY: the long option in upper case, '_'\n"
          "for '-', such as REFRESH_LIMIT=100) or in the environment as REELSYNC_KEY; the\n"
          "command line wins over the environment, the environment over the file, the file\n"
          "over the defaults.\n"
          "\n"
          "Example:\n"
          "  reelsync config --json\n",
          stdout);
}

/* One line of the report, or one object of --json's "settings". */
struct row {
    const char *key;
    const char *value; /* NULL: not set */
    bool secret;       /* a key: shown as set or not set */
    enum setting_src src;
    int line;
};

static void print_row(const struct row *r, struct jw *w)
{
    char from[64];
    if (r->src == SRC_FILE)
        snprintf(from, sizeof(from), "file:%d", r->line);
    else
        snprintf(from, sizeof(from), "%s", settings_src_name(r->src));
    if (w) {
        jw_object_begin(w);
        jw_kstring(w, "key", r->key);
        if (r->secret)
            jw_kbool(w, "set", r->value != NULL);
        else
            jw_kstring(w, "value", r->value);
        jw_kstring(w, "from", settings_src_name(r->src));
        if (r->src == SRC_FILE)
            jw_kint(w, "line", r->line);
        jw_object_end(w);
        return;
    }
    const char *shown = r->secret ? (r->value ? "set" : "not set") : r->value ? r->value : "";
    printf("  %-20s %-34s %s\n", r->key, shown, from);
}

/* The keys, the URLs and the database, as cli.c settled them. */
static void key_rows(const struct cli *c, struct jw *w)
{
    static const bool secret[CFG_KEY_COUNT] = {
        [CFG_TMDB_API_KEY] = true, [CFG_TMDB_ACCESS_TOKEN] = true, [CFG_OMDB_API_KEY] = true};
    const char *value[CFG_KEY_COUNT] = {
        [CFG_TMDB_API_KEY] = c->tmdb_key,
        [CFG_TMDB_ACCESS_TOKEN] = c->tmdb_token,
        [CFG_OMDB_API_KEY] = c->omdb_key,
        [CFG_TMDB_BASE_URL] = c->base_url[RS_API_TMDB],
        [CFG_OMDB_BASE_URL] = c->base_url[RS_API_OMDB],
        [CFG_REELSYNC_DB] = c->db,
    };
    for (int k = 0; k < CFG_KEY_COUNT; k++) {
        struct row r = {.key = cfg_key_name((enum cfg_key)k),
                        .value = value[k],
                        .secret = secret[k],
                        .src = c->key_src[k],
                        .line = c->cfg.line[k]};
        print_row(&r, w);
    }
}

/* The settings (settings.c), in the order of collect's table, then LOCK_TIMEOUT. */
static void setting_rows(const struct cli *c, struct jw *w)
{
    for (int i = 0; i < CFG_SETTING_COUNT; i++) {
        char key[64], value[64];
        if (!cfg_setting_key(i, key, sizeof(key)))
            continue;
        bool rate =
            i != CFG_LOCK_TIMEOUT && rs_option((enum rs_option_id)i)->kind == RS_OPT_KIND_RATE;
        snprintf(value, sizeof(value), rate ? "%.1f" : "%.0f", c->set[i].v);
        struct row r = {.key = key, .value = value, .src = c->set[i].src, .line = c->set[i].line};
        print_row(&r, w);
    }
}

/* config takes no option of its own (struct cli_cmd.longopts). */
static const struct option *config_options(void)
{
    static const struct option none[] = {{NULL, 0, NULL, 0}};
    return none;
}

static int config_command(struct cli *c, int argc, char **argv)
{
    int ch = getopt(argc, argv, ":");
    if (ch != -1)
        return args_getopt_error(c->cmd, ch, argv);
    if (args_no_operands(c->cmd, argc, argv) != EXIT_OK)
        return EXIT_USAGE;
    if (c->parse_only)
        return EXIT_OK;
    if (!c->json) {
        printf("Config file: %s\n", c->config_path[0] ? c->config_path : "(none)");
        key_rows(c, NULL);
        setting_rows(c, NULL);
        return EXIT_OK;
    }
    struct jw w;
    jw_init(&w);
    jw_object_begin(&w);
    jw_kstring(&w, "config_file", c->config_path[0] ? c->config_path : NULL);
    jw_key(&w, "settings");
    jw_array_begin(&w);
    key_rows(c, &w);
    setting_rows(c, &w);
    jw_array_end(&w);
    jw_object_end(&w);
    return msg_emit_json(c->cmd, &w);
}

const struct cli_cmd cmd_config = {"config", config_usage, config_command, config_options};
