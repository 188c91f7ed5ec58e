/*
 * collect_ids: `collect --id ID[,ID...]` (docs/reelsync.1, "collect"): the ids on the
 * command line, what a dry run would fetch, and what the run got for each id, in the human
 * report and in collect --json. Fetching them is the library's (orch_options.ids).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

/* Appends ID to *IDS (N of CAP) unless it is there already; false when out of memory. */
static bool add_id(int64_t **ids, size_t *n, size_t *cap, int64_t id)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*ids)[i] == id)
            return true;
    }
    if (*n == *cap) {
        size_t want = *cap ? *cap * 2 : 16;
        int64_t *grown = realloc(*ids, want * sizeof(**ids));
        if (!grown)
            return false;
        *ids = grown;
        *cap = want;
    }
    (*ids)[(*n)++] = id;
    return true;
}

int ids_parse(const char *cmd, const char *text, struct id_list *l)
{
    const struct rs_option *o = rs_option(RS_OPT_ID);
    char want[128], item[32];
    snprintf(want, sizeof(want), "TMDB ids, whole numbers from %.0f to %.0f, separated by commas",
             o->min, o->max);
    const char *p = text;
    do {
        size_t len = strcspn(p, ",");
        long v;
        if (len == 0 || len >= sizeof(item))
            return args_bad_value(cmd, o->name, text, want);
        memcpy(item, p, len);
        item[len] = '\0';
        if (!args_long(item, (long)o->min, (long)o->max, &v) || item[0] == '+' || item[0] == '-')
            return args_bad_value(cmd, o->name, text, want);
        if (!add_id(&l->ids, &l->n, &l->cap, v))
            return msg_fail(EXIT_FAILED, "%s: out of memory (free some memory and run again)", cmd);
        p += len;
    } while (*p++ == ',');
    return EXIT_OK;
}

/* One id of a dry run: what the database knows of it. */
static void dry_line(struct store *st, int64_t id, struct jw *w)
{
    struct store_movie m = {0};
    struct rs_error err = {0};
    bool found = false;
    if (st && store_get_movie(st, id, &m, &found, &err) != RS_OK)
        found = false;
    if (w) {
        jw_object_begin(w);
        jw_kint(w, "tmdb_id", id);
        jw_kbool(w, "known", found);
        jw_kstring(w, "title", found ? m.title : NULL);
        jw_kbool(w, "frozen", found && m.data_frozen);
        jw_object_end(w);
    } else if (found) {
        printf("  %10lld  %s%s\n", (long long)id, m.title ? m.title : "(no title yet)",
               m.data_frozen ? " (frozen)" : "");
    } else {
        printf("  %10lld  (not in the database: added if TMDB knows it)\n", (long long)id);
    }
    store_movie_release(&m);
}

int ids_dry_run(const struct cli *c, const struct id_list *l)
{
    struct store *st = NULL;
    struct jw w;
    int status = EXIT_OK;
    /* A database that does not exist yet is not created: every id is new. */
    if (db_exists(c->db))
        status = db_open(c, STORE_READ_ONLY, &st);
    if (status != EXIT_OK)
        return status;
    if (c->json) {
        jw_init(&w);
        jw_object_begin(&w);
        jw_kbool(&w, "dry_run", true);
        jw_key(&w, "ids");
        jw_array_begin(&w);
    } else {
        printf("Dry run: no API call, nothing written.\n"
               "Discovery and the scheduled refresh: skipped (--id)\n"
               "Fetch now from TMDB and OMDB: %zu movie%s\n",
               l->n, l->n == 1 ? "" : "s");
    }
    for (size_t i = 0; i < l->n; i++)
        dry_line(st, l->ids[i], c->json ? &w : NULL);
    store_close(st);
    if (!c->json)
        return EXIT_OK;
    jw_array_end(&w);
    jw_object_end(&w);
    return msg_emit_json(c->cmd, &w);
}

/* "ok", "not_found", ...: the outcome's name in collect --json. */
static const char *outcome_name(enum rs_err e)
{
    return e == RS_OK ? "ok" : e == RS_ERR_CANCELLED ? "not_asked" : rs_errname(e);
}

void ids_report_human(const struct id_list *l, const enum rs_err *outcome)
{
    size_t ok = 0;
    for (size_t i = 0; i < l->n; i++)
        ok += outcome[i] == RS_OK;
    printf("Movies given by --id: %zu, fetched from TMDB: %zu\n", l->n, ok);
    for (size_t i = 0; i < l->n; i++) {
        if (outcome[i] == RS_ERR_NOT_FOUND)
            printf("- %lld: not found on TMDB (404)\n", (long long)l->ids[i]);
        else if (outcome[i] == RS_ERR_CANCELLED)
            printf("- %lld: not asked (the run stopped first)\n", (long long)l->ids[i]);
        else if (outcome[i] != RS_OK)
            printf("- %lld: %s (run again)\n", (long long)l->ids[i], rs_strerror(outcome[i]));
    }
}

void ids_report_json(struct jw *w, const struct id_list *l, const enum rs_err *outcome)
{
    jw_key(w, "ids");
    jw_array_begin(w);
    for (size_t i = 0; i < l->n; i++) {
        jw_object_begin(w);
        jw_kint(w, "tmdb_id", l->ids[i]);
        jw_kstring(w, "tmdb", outcome_name(outcome[i]));
        jw_object_end(w);
    }
    jw_array_end(w);
}
