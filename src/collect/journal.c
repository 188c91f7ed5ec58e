/*
 * The journal of answers (docs/internals/orchestrator.md, "The journal"): while another
 * process holds the database, the refresh's answers wait in memory and are appended here,
 * beside the database (PATH.journal), before a commit is waited for; fsync'd at each such
 * point. A commit that stores them removes the file. The next collect applies what a run
 * left (a kill -9, or a lock that outlasted it) through the store's batch writes, as the
 * run would have, with the time the answers were received. What to journal is the phase's
 * (pipeline.c); when, the batch's (batch.c).
 *
 * A record: "K TMDB_ID TIME FLAGS LEN\n", LEN bytes of body, "\n". K is T (TMDB details),
 * O (OMDB answer), G (TMDB 404: gone), N (OMDB not found) or E (the movie's requests are
 * done; FLAGS: 1 changed, 2 TMDB stored, 4 OMDB stored, by earlier commits of its run).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect_int.h"
#include "reelsync/omdb.h"
#include "reelsync/tmdb.h"

enum rs_err journal_init(struct journal *j, const char *db_path, struct rs_error *e)
{
    size_t len = strlen(db_path) + sizeof(".journal");
    *j = (struct journal){.path = malloc(len)};
    if (!j->path)
        return rs_fail(e, RS_ERR_NOMEM, "journal: out of memory");
    snprintf(j->path, len, "%s.journal", db_path);
    return RS_OK;
}

void journal_release(struct journal *j)
{
    if (j->f)
        fclose(j->f);
    free(j->path);
    *j = (struct journal){0};
}

static enum rs_err io_fail(const struct journal *j, const char *what, struct rs_error *e)
{
    return rs_fail(e, RS_ERR_IO, "journal: cannot %s '%s': %s", what, j->path, strerror(errno));
}

enum rs_err journal_put(struct journal *j, char kind, int64_t tmdb_id, rs_time_t t, int flags,
                        const char *body, size_t len, struct rs_error *e)
{
    if (!j->f && !(j->f = fopen(j->path, "ab")))
        return io_fail(j, "write", e);
    j->written = true;
    if (fprintf(j->f, "%c %lld %lld %d %zu\n", kind, (long long)tmdb_id, (long long)t, flags, len) <
            0 ||
        (len && fwrite(body, 1, len, j->f) != len) || fputc('\n', j->f) == EOF)
        return io_fail(j, "write", e);
    return RS_OK;
}

enum rs_err journal_sync(struct journal *j, struct rs_error *e)
{
    if (!j->f)
        return RS_OK;
    if (fflush(j->f) != 0 || fsync(fileno(j->f)) != 0)
        return io_fail(j, "write", e);
    return RS_OK;
}

void journal_drop(struct journal *j)
{
    if (!j->written)
        return;
    if (j->f)
        fclose(j->f);
    j->f = NULL;
    j->written = false;
    unlink(j->path);
}

/* ---- applying a journal left by an earlier run ------------------------------------------ */

/* One parsed record; BODY points into the file's text. */
struct rec {
    char kind;
    int64_t tmdb_id;
    rs_time_t t;
    int flags;
    const char *body;
    size_t len;
};

/* A whole number at *P, then one space or newline; false when there is none. */
static bool number(const char **p, const char *end, int64_t *out)
{
    bool neg = *p < end && **p == '-';
    int64_t v = 0;
    const char *s = *p + neg;
    if (s >= end || *s < '0' || *s > '9')
        return false;
    for (; s < end && *s >= '0' && *s <= '9' && v < INT64_MAX / 10 - 10; s++)
        v = v * 10 + (*s - '0');
    if (s >= end || (*s != ' ' && *s != '\n'))
        return false;
    *out = neg ? -v : v;
    *p = s + 1;
    return true;
}

/* Reads the record at *P; false at the end or at a record cut short (a kill mid-write). */
static bool next_rec(const char **p, const char *end, struct rec *r)
{
    const char *s = *p;
    int64_t id, t, flags, len;
    if (end - s < 2 || !strchr("TOGNE", s[0]) || s[1] != ' ')
        return false;
    r->kind = s[0];
    s += 2;
    if (!number(&s, end, &id) || !number(&s, end, &t) || !number(&s, end, &flags) ||
        !number(&s, end, &len) || len < 0 || end - s < len + 1 || s[len] != '\n')
        return false;
    *r = (struct rec){.kind = r->kind,
                      .tmdb_id = id,
                      .t = (rs_time_t)t,
                      .flags = (int)flags,
                      .body = s,
                      .len = (size_t)len};
    *p = s + len + 1;
    return true;
}

/* The records of one time, as the batch writes would have stored them. */
struct chunk {
    struct tmdb_row tmdb[BATCH_ROWS];
    bool tmdb_changed[BATCH_ROWS];
    int64_t tmdb_ids[BATCH_ROWS];
    struct omdb_row omdb[BATCH_ROWS];
    bool omdb_changed[BATCH_ROWS];
    int64_t omdb_ids[BATCH_ROWS];
    size_t n_tmdb, n_omdb;
};

/* Whether ID is among IDS[0..N), and its CHANGED flag. */
static bool among(const int64_t *ids, const bool *changed, size_t n, int64_t id, bool *ch)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == id) {
            *ch = *ch || changed[i];
            return true;
        }
    }
    return false;
}

/* Parses the T and O records of time T into C (unreadable ones are skipped, as the run did). */
static void parse_rows(struct chunk *c, const struct rec *recs, size_t n, rs_time_t t,
                       const struct rs_log *log)
{
    struct rs_error e = {0};
    for (size_t i = 0; i < n; i++) {
        const struct rec *r = &recs[i];
        if (r->t != t)
            continue;
        if (r->kind == 'T' && c->n_tmdb < BATCH_ROWS &&
            tmdb_parse_movie(r->body, r->len, r->tmdb_id, &c->tmdb[c->n_tmdb], log, &e) == RS_OK) {
            c->tmdb_ids[c->n_tmdb++] = r->tmdb_id;
        } else if (r->kind == 'O' && c->n_omdb < BATCH_ROWS &&
                   omdb_parse_movie(r->body, r->len, &c->omdb[c->n_omdb], log, &e) == RS_OK) {
            if (!c->omdb[c->n_omdb].imdb_id) {
                norm_omdb_row_release(&c->omdb[c->n_omdb]);
                continue;
            }
            c->omdb_ids[c->n_omdb++] = r->tmdb_id;
        }
    }
}

/* The marks (G, N) and the movies' ends (E) of time T, after the rows. */
static enum rs_err write_marks(struct store *st, struct chunk *c, const struct rec *recs, size_t n,
                               rs_time_t t, struct rs_error *e)
{
    enum rs_err rc = RS_OK;
    for (size_t i = 0; rc == RS_OK && i < n; i++) {
        const struct rec *r = &recs[i];
        bool changed = r->flags & 1;
        if (r->t != t)
            continue;
        if (r->kind == 'G')
            rc = store_mark_gone(st, &r->tmdb_id, 1, t, e);
        else if (r->kind == 'N')
            rc = store_stamp_omdb_checked(st, &r->tmdb_id, 1, t, e);
        if (r->kind != 'E')
            continue;
        bool tmdb =
            among(c->tmdb_ids, c->tmdb_changed, c->n_tmdb, r->tmdb_id, &changed) || (r->flags & 2);
        bool omdb =
            among(c->omdb_ids, c->omdb_changed, c->n_omdb, r->tmdb_id, &changed) || (r->flags & 4);
        bool both = tmdb && omdb;
        if (tmdb || omdb)
            rc = store_finish_refresh_batch(st, &r->tmdb_id, &changed, &both, 1, t, NULL, e);
    }
    return rc;
}

/* Applies the records of time T in one transaction. */
static enum rs_err apply_time(struct store *st, const struct rec *recs, size_t n, rs_time_t t,
                              const struct rs_log *log, struct rs_error *e)
{
    struct chunk *c = calloc(1, sizeof(*c));
    if (!c)
        return rs_fail(e, RS_ERR_NOMEM, "journal: out of memory");
    parse_rows(c, recs, n, t, log);
    enum rs_err rc = store_begin(st, e);
    if (rc == RS_OK && c->n_tmdb)
        rc = store_put_tmdb_batch(st, c->tmdb, c->n_tmdb, t, c->tmdb_changed, e);
    if (rc == RS_OK && c->n_omdb)
        rc = store_put_omdb_batch(st, c->omdb_ids, c->omdb, c->n_omdb, t, c->omdb_changed, e);
    if (rc == RS_OK)
        rc = write_marks(st, c, recs, n, t, e);
    if (rc == RS_OK)
        rc = store_commit(st, e);
    else
        store_rollback(st);
    for (size_t i = 0; i < c->n_tmdb; i++)
        norm_tmdb_row_release(&c->tmdb[i]);
    for (size_t i = 0; i < c->n_omdb; i++)
        norm_omdb_row_release(&c->omdb[i]);
    free(c);
    return rc;
}

/* Splits TEXT into records; *N gets how many (a record cut short ends the list). */
static struct rec *read_recs(const char *text, size_t len, size_t *n)
{
    size_t cap = 64;
    struct rec *recs = malloc(cap * sizeof(*recs));
    const char *p = text, *end = text + len;
    *n = 0;
    while (recs && next_rec(&p, end, &recs[*n])) {
        if (++*n == cap) {
            struct rec *more = realloc(recs, (cap *= 2) * sizeof(*recs));
            if (!more)
                free(recs);
            recs = more;
        }
    }
    return recs;
}

/* Applies every time of RECS, oldest record first; *ANSWERS gets the rows and marks applied. */
static enum rs_err apply_recs(struct store *st, const struct rec *recs, size_t n,
                              const struct rs_log *log, size_t *answers, struct rs_error *e)
{
    enum rs_err rc = RS_OK;
    for (size_t i = 0; rc == RS_OK && i < n; i++) {
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = recs[k].t == recs[i].t;
        if (!seen)
            rc = apply_time(st, recs, n, recs[i].t, log, e);
        *answers += recs[i].kind != 'E';
    }
    return rc;
}

enum rs_err journal_apply(struct store *st, const struct journal *j, const struct rs_log *log,
                          size_t *applied, struct rs_error *e)
{
    size_t len = 0, n = 0, answers = 0;
    *applied = 0;
    FILE *f = fopen(j->path, "rb");
    if (!f)
        return errno == ENOENT ? RS_OK : io_fail(j, "read", e);
    char *text = NULL;
    if (fseek(f, 0, SEEK_END) == 0 && ftell(f) > 0) {
        len = (size_t)ftell(f);
        text = malloc(len);
        rewind(f);
        if (text && fread(text, 1, len, f) != len)
            len = 0;
    }
    fclose(f);
    struct rec *recs = text ? read_recs(text, len, &n) : NULL;
    enum rs_err rc = RS_OK;
    if (len && !recs)
        rc = rs_fail(e, RS_ERR_NOMEM, "journal: out of memory");
    else
        rc = apply_recs(st, recs, n, log, &answers, e);
    if (rc == RS_OK && unlink(j->path) != 0)
        rc = io_fail(j, "remove", e);
    if (rc == RS_OK)
        *applied = answers;
    free(recs);
    free(text);
    return rc;
}
