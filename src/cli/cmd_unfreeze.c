/*
 * cmd_unfreeze: `reelsync unfreeze` (docs/reelsync.1, "unfreeze"), which clears
 * data_frozen (docs/schema.md) of the movies given by TMDB id, or of every movie with
 * --all, and says how many changed. The change is the store's (store_unfreeze).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli_int.h"

static void unfreeze_usage(void)
{
    fputs("usage: reelsync [global options] unfreeze TMDB_ID... | --all\n"
          "\n"
          "Clears data_frozen so the movies are refreshed again on their schedule (they freeze\n"
          "again after 3 unchanged refreshes). Prints how many movies changed.\n"
          "\n"
          "Options:\n"
          "  --all    every frozen movie\n"
          "\n"
          "Example:\n"
          "  reelsync --db movies.duckdb unfreeze 27205 155\n",
          stdout);
}

/* The TMDB ids of unfreeze's operands into a malloc'd *IDS. Prints the failure. */
static int parse_ids(char **args, size_t n, int64_t **ids)
{
    int64_t *out = calloc(n ? n : 1, sizeof(*out));
    if (!out)
        return msg_fail(EXIT_FAILED, "unfreeze: out of memory (free some memory and run again)");
    for (size_t i = 0; i < n; i++) {
        long v;
        if (!args_long(args[i], 1, 2147483647L, &v)) {
            free(out);
            return msg_fail(EXIT_USAGE,
                            "unfreeze: '%s' is not a TMDB id (give whole numbers such as 27205)",
                            args[i]);
        }
        out[i] = v;
    }
    *ids = out;
    return EXIT_OK;
}

/* Parses unfreeze's line: --all, or the ids into a malloc'd *IDS. Prints the failure. */
static int unfreeze_parse(const struct cli *c, int argc, char **argv, bool *all, int64_t **ids,
                          size_t *n)
{
    static const struct option longopts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        if (ch == 'a')
            *all = true;
        else
            return args_getopt_error(c->cmd, ch, argv);
    }
    *n = (size_t)(argc - optind);
    if (*all == (*n > 0))
        return msg_fail(EXIT_USAGE,
                        "unfreeze: %s (give TMDB ids or --all; see 'reelsync unfreeze --help')",
                        *all ? "--all and TMDB ids exclude each other" : "no movie given");
    return parse_ids(argv + optind, *n, ids);
}

static int unfreeze_command(struct cli *c, int argc, char **argv)
{
    bool all = false;
    int64_t *ids = NULL;
    size_t n = 0, changed = 0;
    int status = unfreeze_parse(c, argc, argv, &all, &ids, &n);
    if (status != EXIT_OK || c->parse_only) {
        free(ids);
        return status;
    }
    struct store *st = NULL;
    struct rs_error err = {0};
    status = db_open(c, STORE_READ_WRITE, &st);
    if (status == EXIT_OK) {
        enum rs_err rc = store_unfreeze(st, ids, n, all, &changed, &err);
        store_close(st);
        if (rc != RS_OK)
            status = msg_fail_rs(c->cmd, rc, &err);
        else if (c->json)
            printf("{\"unfrozen\":%zu}\n", changed);
        else
            printf("unfroze %zu movie%s\n", changed, changed == 1 ? "" : "s");
    }
    free(ids);
    return status;
}

const struct cli_cmd cmd_unfreeze = {"unfreeze", unfreeze_usage, unfreeze_command};
