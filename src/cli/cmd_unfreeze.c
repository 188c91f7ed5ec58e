/*
 * cmd_unfreeze: `reelsync unfreeze` (docs/reelsync.1, "unfreeze"), which clears
 * data_frozen (docs/schema.md) of the movies given by TMDB id, or of every movie with
 * --all, says how many changed and names the ids that are no movie of --db (exit status 1
 * when none is). The change is the store's (store_unfreeze, store_unknown_movies).
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

/*
 * The line for the ids that name no movie: "unfreeze: no movie with tmdb_id 99999999 in
 * 'x.duckdb'", the ids listed (the first ones, when many); with STATUS (0: a warning).
 */
static int name_unknown(const struct cli *c, const int64_t *unknown, size_t k, int status)
{
    char list[512];
    size_t pos = 0, shown = 0;
    for (; shown < k && pos + 40 < sizeof(list); shown++)
        pos += (size_t)snprintf(list + pos, sizeof(list) - pos, "%s%lld", shown ? ", " : "",
                                (long long)unknown[shown]);
    if (shown < k)
        snprintf(list + pos, sizeof(list) - pos, " and %zu more", k - shown);
    return msg_fail(status, "unfreeze: no movie%s with tmdb_id%s %s in '%s'", k == 1 ? "" : "s",
                    k == 1 ? "" : "s", list, c->db);
}

static void print_result(const struct cli *c, size_t changed, const int64_t *unknown, size_t k)
{
    if (!c->json) {
        printf("unfroze %zu movie%s\n", changed, changed == 1 ? "" : "s");
        return;
    }
    printf("{\"unfrozen\":%zu", changed);
    for (size_t i = 0; i < k; i++)
        printf("%s%lld", i ? "," : ",\"unknown\":[", (long long)unknown[i]);
    printf("%s}\n", k ? "]" : "");
}

/* Whether one of IDS is not among the K UNKNOWN ones. */
static bool any_known(const int64_t *ids, size_t n, const int64_t *unknown, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < k && unknown[j] != ids[i])
            j++;
        if (j == k)
            return true;
    }
    return false;
}

/* Unfreezes on --db, then names the ids it does not know: exit 1 when it knew none. */
static int unfreeze_db(const struct cli *c, const int64_t *ids, size_t n, bool all)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    int64_t *unknown = NULL;
    size_t changed = 0, k = 0;
    int status = db_open(c, STORE_READ_WRITE, &st);
    if (status != EXIT_OK)
        return status;
    enum rs_err rc = store_unfreeze(st, ids, n, all, c->now, &changed, &err);
    if (rc == RS_OK && !all)
        rc = store_unknown_movies(st, ids, n, &unknown, &k, &err);
    store_close(st);
    if (rc != RS_OK)
        return msg_fail_rs(c->cmd, rc, &err);
    if (k > 0)
        status = name_unknown(c, unknown, k, any_known(ids, n, unknown, k) ? EXIT_OK : EXIT_FAILED);
    if (status == EXIT_OK || c->json)
        print_result(c, changed, unknown, k);
    free(unknown);
    return status;
}

static int unfreeze_command(struct cli *c, int argc, char **argv)
{
    bool all = false;
    int64_t *ids = NULL;
    size_t n = 0;
    int status = unfreeze_parse(c, argc, argv, &all, &ids, &n);
    if (status == EXIT_OK && !c->parse_only)
        status = unfreeze_db(c, ids, n, all);
    free(ids);
    return status;
}

const struct cli_cmd cmd_unfreeze = {"unfreeze", unfreeze_usage, unfreeze_command};
