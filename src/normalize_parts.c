/*
 * normalize_parts: the appended parts of a TMDB details answer (credits, keywords,
 * release_dates; tmdb.c parses them) to the rows of movie_credits, movie_keywords and
 * release_dates. It also decides which credits are kept (the top TMDB_CAST_MAX cast by
 * `order`, the directors and the writers), which tmdb.c reads to trim the raw JSON to the
 * same entries, so raw holds what rebuilds these rows and stays bounded.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "reelsync/normalize.h"

/* Duplicates S into *OUT; "" and NULL become NULL. False only when out of memory. */
static bool dup_text(const char *s, char **out)
{
    *out = NULL;
    if (!s || s[0] == '\0')
        return true;
    *out = rs_strdup(s);
    return *out != NULL;
}

/* A TMDB id the INTEGER columns hold; anything else is skipped with a warning. */
static bool usable_id(int64_t id, int64_t tmdb_id, const char *what, const struct rs_log *log)
{
    if (id >= 1 && id <= INT32_MAX)
        return true;
    rs_logf(log, RS_LOG_WARN, "tmdb: %s without a usable id skipped tmdb_id=%lld", what,
            (long long)tmdb_id);
    return false;
}

/* The role a crew entry is kept as, or NULL when it is not kept. */
static const char *crew_role(const struct tmdb_credit *c)
{
    if (c->job && strcmp(c->job, "Director") == 0)
        return "director";
    if (c->department && strcmp(c->department, "Writing") == 0)
        return "writer";
    return NULL;
}

struct ranked {
    size_t index;
    int64_t order; /* INT64_MAX when TMDB gave none */
};

static int by_order(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* One credit row from C; false only when out of memory. */
static bool credit(const struct tmdb_credit *c, const char *role, bool cast, struct credit_row *r)
{
    memset(r, 0, sizeof(*r));
    r->person_id = c->id;
    r->role = role;
    r->ord = cast ? c->order : RS_NULL_I64;
    if (r->ord.set && (r->ord.v < 0 || r->ord.v > INT32_MAX))
        r->ord = RS_NULL_I64;
    return dup_text(c->name, &r->name) && dup_text(cast ? c->character : NULL, &r->character) &&
           dup_text(cast ? NULL : c->job, &r->job);
}

/* The kept cast, by `order`, into OUT (room for n_cast + n_crew rows) from *N on. */
static bool cast_rows(const struct tmdb_parts_in *in, int64_t tmdb_id, struct credit_row *out,
                      size_t *n, bool *keep, const struct rs_log *log)
{
    struct ranked *rank = calloc(in->n_cast ? in->n_cast : 1, sizeof(*rank));
    size_t m = 0;
    if (!rank)
        return false;
    for (size_t i = 0; i < in->n_cast; i++) {
        keep[i] = false;
        if (!usable_id(in->cast[i].id, tmdb_id, "cast entry", log))
            continue;
        rank[m].index = i;
        rank[m++].order = in->cast[i].order.set ? in->cast[i].order.v : INT64_MAX;
    }
    qsort(rank, m, sizeof(*rank), by_order);
    bool ok = true;
    for (size_t k = 0; ok && k < m && k < TMDB_CAST_MAX; k++) {
        keep[rank[k].index] = true;
        ok = credit(&in->cast[rank[k].index], "cast", true, &out[(*n)++]);
    }
    free(rank);
    return ok;
}

/* The directors, then the writers, in TMDB's order, into OUT from *N on. */
static bool crew_rows(const struct tmdb_parts_in *in, int64_t tmdb_id, struct credit_row *out,
                      size_t *n, bool *keep, const struct rs_log *log)
{
    static const char *const roles[] = {"director", "writer"};
    for (size_t i = 0; i < in->n_crew; i++)
        keep[i] = false;
    for (int p = 0; p < 2; p++) {
        for (size_t i = 0; i < in->n_crew; i++) {
            const char *role = crew_role(&in->crew[i]);
            if (!role || strcmp(role, roles[p]) != 0 ||
                !usable_id(in->crew[i].id, tmdb_id, "crew entry", log))
                continue;
            keep[i] = true;
            if (!credit(&in->crew[i], roles[p], false, &out[(*n)++]))
                return false;
        }
    }
    return true;
}

static bool keyword_rows(const struct tmdb_parts_in *in, int64_t tmdb_id, struct tmdb_parts *out,
                         const struct rs_log *log)
{
    out->keywords = calloc(in->n_keywords ? in->n_keywords : 1, sizeof(*out->keywords));
    if (!out->keywords)
        return false;
    for (size_t i = 0; i < in->n_keywords; i++) {
        const struct tmdb_keyword *k = &in->keywords[i];
        if (!usable_id(k->id, tmdb_id, "keyword", log))
            continue;
        struct keyword_row *r = &out->keywords[out->n_keywords++];
        r->keyword_id = k->id;
        if (!dup_text(k->name, &r->name))
            return false;
    }
    return true;
}

/* TMDB's "2010-07-16T00:00:00.000Z" (or a bare "2010-07-16") to its day. */
static struct rs_i64 release_day(const char *s, bool *bad)
{
    char day[11];
    *bad = false;
    if (!s || s[0] == '\0')
        return RS_NULL_I64;
    size_t n = strlen(s);
    rs_date_t d;
    if (n < 10 || (n > 10 && s[10] != 'T')) {
        *bad = true;
        return RS_NULL_I64;
    }
    memcpy(day, s, 10);
    day[10] = '\0';
    if (!rs_date_parse(day, &d)) {
        *bad = true;
        return RS_NULL_I64;
    }
    return RS_I64(d);
}

static bool release_row(const struct tmdb_release *e, int64_t tmdb_id, struct release_row *r,
                        const struct rs_log *log)
{
    bool bad;
    memset(r, 0, sizeof(*r));
    r->release_date = release_day(e->release_date, &bad);
    if (bad)
        rs_logf(log, RS_LOG_WARN, "tmdb: unreadable release_dates date tmdb_id=%lld",
                (long long)tmdb_id);
    r->type = e->type;
    if (r->type.set && (r->type.v < 1 || r->type.v > 6)) {
        rs_logf(log, RS_LOG_WARN, "tmdb: out-of-range release_dates type tmdb_id=%lld",
                (long long)tmdb_id);
        r->type = RS_NULL_I64;
    }
    return dup_text(e->country, &r->country) && dup_text(e->certification, &r->certification) &&
           dup_text(e->note, &r->note);
}

static bool release_rows(const struct tmdb_parts_in *in, int64_t tmdb_id, struct tmdb_parts *out,
                         const struct rs_log *log)
{
    out->release_dates = calloc(in->n_releases ? in->n_releases : 1, sizeof(*out->release_dates));
    if (!out->release_dates)
        return false;
    for (size_t i = 0; i < in->n_releases; i++) {
        const struct tmdb_release *e = &in->releases[i];
        if (!e->country || e->country[0] == '\0') {
            rs_logf(log, RS_LOG_WARN, "tmdb: release date without a country skipped tmdb_id=%lld",
                    (long long)tmdb_id);
            continue;
        }
        if (!release_row(e, tmdb_id, &out->release_dates[out->n_release_dates++], log))
            return false;
    }
    return true;
}

enum rs_err norm_tmdb_parts(const struct tmdb_parts_in *in, int64_t tmdb_id, struct tmdb_parts *out,
                            bool *keep_cast, bool *keep_crew, const struct rs_log *log,
                            struct rs_error *err)
{
    struct tmdb_parts p = {.has_credits = in->has_credits,
                           .has_keywords = in->has_keywords,
                           .has_release_dates = in->has_release_dates};
    size_t room = in->n_cast + in->n_crew;
    p.credits = calloc(room ? room : 1, sizeof(*p.credits));
    bool ok = p.credits && cast_rows(in, tmdb_id, p.credits, &p.n_credits, keep_cast, log) &&
              crew_rows(in, tmdb_id, p.credits, &p.n_credits, keep_crew, log) &&
              keyword_rows(in, tmdb_id, &p, log) && release_rows(in, tmdb_id, &p, log);
    if (!ok) {
        norm_tmdb_parts_release(&p);
        return rs_fail(err, RS_ERR_NOMEM, "tmdb: out of memory normalizing movie %lld",
                       (long long)tmdb_id);
    }
    *out = p;
    return RS_OK;
}

void norm_tmdb_parts_release(struct tmdb_parts *parts)
{
    if (!parts)
        return;
    for (size_t i = 0; parts->credits && i < parts->n_credits; i++) {
        free(parts->credits[i].name);
        free(parts->credits[i].job);
        free(parts->credits[i].character);
    }
    for (size_t i = 0; parts->keywords && i < parts->n_keywords; i++)
        free(parts->keywords[i].name);
    for (size_t i = 0; parts->release_dates && i < parts->n_release_dates; i++) {
        free(parts->release_dates[i].country);
        free(parts->release_dates[i].certification);
        free(parts->release_dates[i].note);
    }
    free(parts->credits);
    free(parts->keywords);
    free(parts->release_dates);
    memset(parts, 0, sizeof(*parts));
}
