/*
 * cmd_history: `reelsync history TMDB_ID [--field NAME]` (docs/reelsync.1, "history"): a
 * movie's observations (the values each fetch saw), its change log (the stored fields a
 * refresh found different) and its frozen, thawed and unfrozen events (docs/schema.md,
 * "History"), as tables or one JSON object. The data is the store's (store_history).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

static void history_usage(void)
{
    fputs("usage: reelsync [global options] history TMDB_ID [--field NAME]\n"
          "\n"
          "A movie's history: its observations (time, API and the values each fetch saw:\n"
          "vote_count, vote_average, popularity, revenue, budget from TMDB; imdb_rating,\n"
          "imdb_votes, metacritic, rotten_tomatoes, box_office from OMDB), its change log (time,\n"
          "API, field, old -> new value, run) and when it was frozen, thawed or unfrozen.\n"
          "\n"
          "Options:\n"
          "  --field NAME   one series: an observed value (vote_count, imdb_rating, ...) or a\n"
          "                 stored field's changes (title, runtime, genres, awards, ...)\n"
          "\n"
          "Examples:\n"
          "  reelsync --db movies.duckdb history 27205\n"
          "  reelsync --db movies.duckdb --json history 27205 --field imdb_rating\n",
          stdout);
}

/* Parses history's line: the one TMDB id and --field. Prints the failure. */
static int history_parse(const struct cli *c, int argc, char **argv, int64_t *id,
                         const char **field)
{
    static const struct option longopts[] = {{"field", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    int ch;
    long v;
    while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        if (ch == 'f')
            *field = optarg;
        else
            return args_getopt_error(c->cmd, ch, argv);
    }
    if (argc - optind != 1)
        return msg_fail(EXIT_USAGE, "history: %s (give one TMDB id; see 'reelsync history --help')",
                        argc == optind ? "no movie given" : "more than one movie given");
    if (!args_long(argv[optind], 1, 2147483647L, &v))
        return msg_fail(EXIT_USAGE,
                        "history: '%s' is not a TMDB id (give a whole number such as 27205)",
                        argv[optind]);
    *id = v;
    return EXIT_OK;
}

/* The value of observation column I (store_obs_columns) of O into *IV or, for the DOUBLE
 * columns, *DV (the other one unset); returns whether it is a DOUBLE. */
static bool obs_value(const struct store_observation *o, size_t i, struct rs_i64 *iv,
                      struct rs_f64 *dv)
{
    *iv = RS_NULL_I64;
    *dv = RS_NULL_F64;
    switch (i) {
    case 0:
        *iv = o->vote_count;
        break;
    case 1:
        *dv = o->vote_average;
        return true;
    case 2:
        *dv = o->popularity;
        return true;
    case 3:
        *iv = o->revenue;
        break;
    case 4:
        *iv = o->budget;
        break;
    case 5:
        *dv = o->imdb_rating;
        return true;
    case 6:
        *iv = o->imdb_votes;
        break;
    case 7:
        *iv = o->metacritic;
        break;
    case 8:
        *iv = o->rotten_tomatoes;
        break;
    default:
        *iv = o->box_office;
        break;
    }
    return false;
}

/* Observation column I of O as text: "-" for NULL. */
static const char *obs_text(const struct store_observation *o, size_t i, char *buf, size_t len)
{
    struct rs_i64 iv;
    struct rs_f64 dv;
    if (obs_value(o, i, &iv, &dv) ? !dv.set : !iv.set)
        return "-";
    if (dv.set)
        snprintf(buf, len, "%.10g", dv.v);
    else
        snprintf(buf, len, "%lld", (long long)iv.v);
    return buf;
}

/* The observation columns shown for API (all of its own), or the one FIELD names. */
static bool shown(size_t i, enum rs_api api, const char *field)
{
    return store_obs_columns[i].api == api &&
           (!field || strcmp(field, store_obs_columns[i].name) == 0);
}

static void print_observations(const struct store_history *h, enum rs_api api, const char *field)
{
    char stamp[32], buf[32];
    size_t n = 0;
    for (size_t k = 0; k < h->n_obs; k++)
        n += h->obs[k].api == api;
    if (n == 0)
        return;
    printf("\n%s observations (%zu)\n  %-20s", api == RS_API_TMDB ? "TMDB" : "OMDB", n, "time");
    for (size_t i = 0; i < STORE_OBS_COLUMNS; i++)
        if (shown(i, api, field))
            printf(" %15s", store_obs_columns[i].name);
    printf("\n");
    for (size_t k = 0; k < h->n_obs; k++) {
        if (h->obs[k].api != api)
            continue;
        printf("  %-20s", rs_time_format(h->obs[k].at, stamp, sizeof(stamp)));
        for (size_t i = 0; i < STORE_OBS_COLUMNS; i++)
            if (shown(i, api, field))
                printf(" %15s", obs_text(&h->obs[k], i, buf, sizeof(buf)));
        printf("\n");
    }
}

static void print_run(struct rs_i64 run_id)
{
    if (run_id.set)
        printf(" (run %lld)", (long long)run_id.v);
    printf("\n");
}

static void history_human(const struct store_history *h, const char *field)
{
    char stamp[32];
    printf("History of %lld %s%s%s\n", (long long)h->tmdb_id, h->title ? h->title : "(no title)",
           field ? ": " : "", field ? field : "");
    print_observations(h, RS_API_TMDB, field);
    print_observations(h, RS_API_OMDB, field);
    printf("\nChanges (%zu)\n", h->n_changes);
    for (size_t k = 0; k < h->n_changes; k++) {
        const struct store_change *ch = &h->changes[k];
        printf("  %-20s %s %s: %s -> %s", rs_time_format(ch->at, stamp, sizeof(stamp)),
               rs_api_name(ch->api), ch->field, ch->old_value ? ch->old_value : "NULL",
               ch->new_value ? ch->new_value : "NULL");
        print_run(ch->run_id);
    }
    if (field)
        return;
    printf("\nEvents (%zu)\n", h->n_events);
    for (size_t k = 0; k < h->n_events; k++) {
        const struct store_event *e = &h->events[k];
        printf("  %-20s %s: %s", rs_time_format(e->at, stamp, sizeof(stamp)), e->event,
               e->reason ? e->reason : "");
        print_run(e->run_id);
    }
}

static void json_observation(struct jw *w, const struct store_observation *o, const char *field)
{
    char stamp[32];
    jw_object_begin(w);
    jw_kstring(w, "observed_at", rs_time_format(o->at, stamp, sizeof(stamp)));
    jw_kstring(w, "api", rs_api_name(o->api));
    for (size_t i = 0; i < STORE_OBS_COLUMNS; i++) {
        struct rs_i64 iv;
        struct rs_f64 dv;
        if (!shown(i, o->api, field))
            continue;
        bool dbl = obs_value(o, i, &iv, &dv);
        jw_key(w, store_obs_columns[i].name);
        if (dbl && dv.set)
            jw_double(w, dv.v);
        else if (!dbl && iv.set)
            jw_int(w, iv.v);
        else
            jw_null(w);
    }
    jw_object_end(w);
}

static void history_json(struct jw *w, const struct store_history *h, const char *field)
{
    char stamp[32];
    jw_object_begin(w);
    jw_kint(w, "tmdb_id", h->tmdb_id);
    jw_kstring(w, "title", h->title);
    jw_key(w, "observations");
    jw_array_begin(w);
    for (size_t k = 0; k < h->n_obs; k++)
        json_observation(w, &h->obs[k], field);
    jw_array_end(w);
    jw_key(w, "changes");
    jw_array_begin(w);
    for (size_t k = 0; k < h->n_changes; k++) {
        const struct store_change *ch = &h->changes[k];
        jw_object_begin(w);
        jw_kstring(w, "changed_at", rs_time_format(ch->at, stamp, sizeof(stamp)));
        jw_kstring(w, "api", rs_api_name(ch->api));
        jw_kstring(w, "field", ch->field);
        jw_kstring(w, "old_value", ch->old_value);
        jw_kstring(w, "new_value", ch->new_value);
        json_kint_opt(w, "run_id", ch->run_id);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_key(w, "events");
    jw_array_begin(w);
    for (size_t k = 0; k < h->n_events; k++) {
        const struct store_event *e = &h->events[k];
        jw_object_begin(w);
        jw_kstring(w, "event_at", rs_time_format(e->at, stamp, sizeof(stamp)));
        jw_kstring(w, "event", e->event);
        json_kint_opt(w, "run_id", e->run_id);
        jw_kstring(w, "reason", e->reason);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_object_end(w);
}

static int history_command(struct cli *c, int argc, char **argv)
{
    int64_t id = 0;
    const char *field = NULL;
    if (history_parse(c, argc, argv, &id, &field) != EXIT_OK)
        return EXIT_USAGE;
    if (c->parse_only)
        return EXIT_OK;
    struct store *st = NULL;
    struct store_history h = {0};
    struct rs_error err = {0};
    bool found = false;
    int status = db_open(c, STORE_READ_ONLY, &st);
    if (status != EXIT_OK)
        return status;
    enum rs_err rc = store_history(st, id, field, &h, &found, &err);
    store_close(st);
    if (rc == RS_ERR_USAGE)
        return msg_fail(EXIT_USAGE, "history: %s", err.msg);
    if (rc != RS_OK)
        return msg_fail_rs(c->cmd, rc, &err);
    if (!found)
        status = msg_fail(EXIT_FAILED, "history: no movie with tmdb_id %lld in '%s'", (long long)id,
                          c->db);
    else if (c->json) {
        struct jw w;
        jw_init(&w);
        history_json(&w, &h, field);
        status = msg_emit_json(c->cmd, &w);
    } else {
        history_human(&h, field);
    }
    store_history_free(&h);
    return status;
}

const struct cli_cmd cmd_history = {"history", history_usage, history_command};
