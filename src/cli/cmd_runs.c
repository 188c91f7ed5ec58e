/*
 * cmd_runs: `reelsync runs [RUN_ID] [--limit N]` (docs/reelsync.1, "runs"): the last collect
 * runs with their start, end, duration, result, requests per API, movies updated, changed,
 * frozen and failed; for one run, also its failed movies with their error class and the
 * movies whose data changed, with their fields. The data is the store's (store_runs,
 * store_run_detail); a run's result and duration read as stats shows them.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli_int.h"

#define RUNS_DEFAULT_LIMIT 20

static void runs_usage(void)
{
    fputs("usage: reelsync [global options] runs [RUN_ID] [--limit N]\n"
          "\n"
          "The last collect runs: id, start, end, duration, result, requests per API, movies\n"
          "updated per API, changed (movies whose stored data changed), frozen and failed.\n"
          "With RUN_ID: that run, its failed movies with their error class, and the fields\n"
          "that changed, movie by movie.\n"
          "\n"
          "Options:\n"
          "  --limit N   how many runs to list (default 20)\n"
          "\n"
          "Examples:\n"
          "  reelsync --db movies.duckdb runs\n"
          "  reelsync --db movies.duckdb --json runs 41\n",
          stdout);
}

/* The long options of runs (struct cli_cmd.longopts). */
static const struct option runs_longopts[] = {{"limit", required_argument, NULL, 'l'},
                                              {NULL, 0, NULL, 0}};

static const struct option *runs_options(void)
{
    return runs_longopts;
}

/* Parses runs' line: an optional run id and --limit. Prints the failure. */
static int runs_parse(const struct cli *c, int argc, char **argv, int64_t *run_id, size_t *limit)
{
    int ch;
    long v;
    while ((ch = getopt_long(argc, argv, ":", runs_longopts, NULL)) != -1) {
        if (ch != 'l')
            return args_getopt_error(c->cmd, ch, argv);
        if (!args_long(optarg, 1, 1000000L, &v))
            return args_bad_value(c->cmd, "limit", optarg, "a whole number from 1 to 1000000");
        *limit = (size_t)v;
    }
    if (argc - optind > 1)
        return msg_fail(EXIT_USAGE, "runs: more than one run given (see 'reelsync runs --help')");
    if (argc - optind == 1) {
        if (!args_long(argv[optind], 1, 9223372036854775807L, &v))
            return msg_fail(EXIT_USAGE,
                            "runs: '%s' is not a run id (give a whole number such as 41)",
                            argv[optind]);
        *run_id = v;
    }
    return EXIT_OK;
}

static long long total_failed(const struct store_run *r)
{
    return (long long)(r->failed[RS_API_TMDB].v + r->failed[RS_API_OMDB].v);
}

/* V as text, "-" when unset. */
static const char *opt_text(struct rs_i64 v, char *buf, size_t len)
{
    if (!v.set)
        return "-";
    snprintf(buf, len, "%lld", (long long)v.v);
    return buf;
}

static void print_list(const struct store_run *runs, size_t n)
{
    char a[32], b[32], d[24], t[24], o[24], tu[24], ou[24], fr[24];
    if (n == 0) {
        printf("No runs yet.\n");
        return;
    }
    printf("%6s  %-20s  %-20s  %8s  %-11s %9s %9s %9s %9s %8s %7s %7s\n", "id", "started", "ended",
           "duration", "result", "tmdb req", "omdb req", "tmdb upd", "omdb upd", "changed",
           "frozen", "failed");
    for (size_t i = 0; i < n; i++) {
        const struct store_run *r = &runs[i];
        struct rs_i64 dur = stats_run_duration(r);
        if (dur.set)
            snprintf(d, sizeof(d), "%llds", (long long)dur.v);
        printf("%6lld  %-20s  %-20s  %8s  %-11s %9s %9s %9s %9s %8lld %7s %7lld\n",
               (long long)r->id, rs_time_format(r->started_at, a, sizeof(a)),
               r->ended_at.set ? rs_time_format(r->ended_at.v, b, sizeof(b)) : "-",
               dur.set ? d : "-", stats_run_result(r),
               opt_text(r->requests[RS_API_TMDB], t, sizeof(t)),
               opt_text(r->requests[RS_API_OMDB], o, sizeof(o)),
               opt_text(r->tmdb_updated, tu, sizeof(tu)), opt_text(r->omdb_updated, ou, sizeof(ou)),
               (long long)r->changed, opt_text(r->frozen, fr, sizeof(fr)), total_failed(r));
    }
}

static void print_detail(const struct store_run *r, const struct store_run_detail *d)
{
    print_list(r, 1);
    printf("\nFailed (%zu)\n", d->n_failures);
    for (size_t i = 0; i < d->n_failures; i++)
        printf("  %s %lld %s\n", rs_api_name(d->failures[i].api), (long long)d->failures[i].tmdb_id,
               d->failures[i].error_class);
    printf("\nChanged (%lld movies, %zu fields)\n", (long long)r->changed, d->n_changes);
    for (size_t i = 0; i < d->n_changes; i++) {
        const struct store_change *ch = &d->changes[i];
        printf("  %lld %s %s: %s -> %s\n", (long long)ch->tmdb_id, rs_api_name(ch->api), ch->field,
               ch->old_value ? ch->old_value : "NULL", ch->new_value ? ch->new_value : "NULL");
    }
}

/* KEY: {"tmdb": V[tmdb], "omdb": V[omdb]}, null values when unset. */
static void json_per_api(struct jw *w, const char *key, const struct rs_i64 v[RS_API_COUNT])
{
    jw_key(w, key);
    jw_object_begin(w);
    for (int api = 0; api < RS_API_COUNT; api++)
        json_kint_opt(w, rs_api_name((enum rs_api)api), v[api]);
    jw_object_end(w);
}

/* One run's object; with D (may be NULL) its failures and changes too. */
static void json_run(struct jw *w, const struct store_run *r, const struct store_run_detail *d)
{
    char stamp[32];
    jw_object_begin(w);
    stats_json_run_head(w, r);
    json_per_api(w, "requests", r->requests);
    json_kint_opt(w, "tmdb_updated", r->tmdb_updated);
    json_kint_opt(w, "omdb_updated", r->omdb_updated);
    jw_kint(w, "changed", r->changed);
    json_kint_opt(w, "frozen", r->frozen);
    json_per_api(w, "failed", r->failed);
    if (d) {
        jw_key(w, "failures");
        jw_array_begin(w);
        for (size_t i = 0; i < d->n_failures; i++) {
            jw_object_begin(w);
            jw_kint(w, "tmdb_id", d->failures[i].tmdb_id);
            jw_kstring(w, "api", rs_api_name(d->failures[i].api));
            jw_kstring(w, "error_class", d->failures[i].error_class);
            jw_object_end(w);
        }
        jw_array_end(w);
        jw_key(w, "changes");
        jw_array_begin(w);
        for (size_t i = 0; i < d->n_changes; i++) {
            const struct store_change *ch = &d->changes[i];
            jw_object_begin(w);
            jw_kint(w, "tmdb_id", ch->tmdb_id);
            jw_kstring(w, "api", rs_api_name(ch->api));
            jw_kstring(w, "field", ch->field);
            jw_kstring(w, "old_value", ch->old_value);
            jw_kstring(w, "new_value", ch->new_value);
            jw_kstring(w, "changed_at", rs_time_format(ch->at, stamp, sizeof(stamp)));
            jw_object_end(w);
        }
        jw_array_end(w);
    }
    jw_object_end(w);
}

/* Prints the runs read (one, with DETAIL, when RUN_ID > 0). */
static int runs_show(const struct cli *c, int64_t run_id, const struct store_run *runs, size_t n,
                     const struct store_run_detail *detail)
{
    if (run_id > 0 && n == 0)
        return msg_fail(EXIT_FAILED, "runs: no run with id %lld in '%s'", (long long)run_id, c->db);
    if (!c->json) {
        if (run_id > 0)
            print_detail(&runs[0], detail);
        else
            print_list(runs, n);
        return EXIT_OK;
    }
    struct jw w;
    jw_init(&w);
    if (run_id > 0) {
        json_run(&w, &runs[0], detail);
    } else {
        jw_object_begin(&w);
        jw_key(&w, "runs");
        jw_array_begin(&w);
        for (size_t i = 0; i < n; i++)
            json_run(&w, &runs[i], NULL);
        jw_array_end(&w);
        jw_object_end(&w);
    }
    return msg_emit_json(c->cmd, &w);
}

static int runs_command(struct cli *c, int argc, char **argv)
{
    int64_t run_id = 0;
    size_t limit = RUNS_DEFAULT_LIMIT, n = 0;
    if (runs_parse(c, argc, argv, &run_id, &limit) != EXIT_OK)
        return EXIT_USAGE;
    if (c->parse_only)
        return EXIT_OK;
    struct store *st = NULL;
    struct store_run *runs = NULL;
    struct store_run_detail detail = {0};
    struct rs_error err = {0};
    int status = db_open(c, STORE_READ_ONLY, &st);
    if (status != EXIT_OK)
        return status;
    enum rs_err rc = store_runs(st, run_id, run_id > 0 ? 1 : limit, &runs, &n, &err);
    if (rc == RS_OK && run_id > 0 && n > 0)
        rc = store_run_detail(st, run_id, &detail, &err);
    store_close(st);
    status = rc == RS_OK ? runs_show(c, run_id, runs, n, &detail) : msg_fail_rs(c->cmd, rc, &err);
    store_runs_free(runs, n);
    store_run_detail_free(&detail);
    return status;
}

const struct cli_cmd cmd_runs = {"runs", runs_usage, runs_command, runs_options};
