/*
 * The refresh's plan, on disk: the movies due, in the plan's order, written to a temporary
 * file as the plan query streams them out of DuckDB (store_plan_each), then read back a
 * page at a time as the pipeline (pipeline.c) starts movies. So the program holds one page
 * (40 bytes a movie) however many movies are due, where the whole plan and a job per movie
 * made up front were about 170 MB at a million movies (docs/benchmarks.md, issue 18).
 *
 * Why a file, not pages asked of the database: the plan's order depends on the movies'
 * stamps, which the refresh's own commits change, and ties go by the row's place in the
 * table (rowid), which a rewrite of the row may change. A query per page after the last key
 * taken would see the movies already refreshed move, and a failed or half-done one come
 * back; a DuckDB temp table would be lost when the store throws its instance away to raise
 * the memory limit (store_grow_memory). The file is the plan as it was when the run began,
 * exactly, which is what the refresh did when it held it all in memory: the same requests
 * in the same order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect_int.h"

struct spool_entry {
    int64_t tmdb_id;
    char imdb_id[sizeof(((struct plan_item *)0)->imdb_id)];
    bool needs_tmdb, needs_omdb;
};

/* An unlinked temporary file in $TMPDIR (else /tmp): it goes with the process, crash or not. */
static FILE *temp_file(void)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/reelsync-plan-XXXXXX", rs_tmpdir()) >=
        sizeof(path))
        return NULL;
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+b");
    if (!f)
        close(fd);
    return f;
}

enum rs_err spool_open(struct plan_spool *sp, size_t page, struct rs_error *e)
{
    *sp = (struct plan_spool){.page_cap = page ? page : 1};
    sp->page = calloc(sp->page_cap, sizeof(*sp->page));
    if (!sp->page)
        return rs_fail(e, RS_ERR_NOMEM, "refresh: out of memory");
    sp->f = temp_file();
    if (!sp->f)
        return rs_fail(e, RS_ERR_IO, "refresh: cannot make a temporary file for the plan: %s",
                       strerror(errno));
    return RS_OK;
}

bool spool_put(void *ctx, const struct plan_item *it)
{
    struct plan_spool *sp = ctx;
    struct spool_entry en;
    memset(&en, 0, sizeof(en)); /* its padding too: the file gets every byte */
    en.tmdb_id = it->tmdb_id;
    en.needs_tmdb = it->needs_tmdb;
    en.needs_omdb = it->needs_omdb;
    memcpy(en.imdb_id, it->imdb_id, sizeof(en.imdb_id));
    if (fwrite(&en, sizeof(en), 1, sp->f) != 1) {
        sp->error = errno ? errno : EIO;
        return false;
    }
    sp->n++;
    return true;
}

enum rs_err spool_rewind(struct plan_spool *sp, struct rs_error *e)
{
    if (sp->error == 0 && (fflush(sp->f) != 0 || fseek(sp->f, 0, SEEK_SET) != 0))
        sp->error = errno ? errno : EIO;
    if (sp->error)
        return rs_fail(e, RS_ERR_IO, "refresh: cannot write the plan to a temporary file: %s",
                       strerror(sp->error));
    return RS_OK;
}

/* Empties SP for a plan written again from its first movie. */
static void spool_clear(struct plan_spool *sp)
{
    if (sp->error == 0 &&
        (fflush(sp->f) != 0 || ftruncate(fileno(sp->f), 0) != 0 || fseek(sp->f, 0, SEEK_SET) != 0))
        sp->error = errno ? errno : EIO;
    sp->n = 0;
}

enum rs_err spool_next(struct plan_spool *sp, struct plan_item *it, struct rs_error *e)
{
    if (sp->page_pos == sp->page_len) {
        size_t want = sp->n - sp->read < sp->page_cap ? sp->n - sp->read : sp->page_cap;
        sp->page_len = fread(sp->page, sizeof(*sp->page), want, sp->f);
        sp->page_pos = 0;
        if (want == 0 || sp->page_len != want)
            return rs_fail(e, RS_ERR_IO, "refresh: cannot read the plan back: %s",
                           ferror(sp->f) ? strerror(errno) : "it is shorter than written");
        sp->read += sp->page_len;
    }
    const struct spool_entry *en = &sp->page[sp->page_pos++];
    *it = (struct plan_item){
        .tmdb_id = en->tmdb_id, .needs_tmdb = en->needs_tmdb, .needs_omdb = en->needs_omdb};
    memcpy(it->imdb_id, en->imdb_id, sizeof(it->imdb_id));
    return RS_OK;
}

void spool_close(struct plan_spool *sp)
{
    if (sp->f)
        fclose(sp->f);
    free(sp->page);
    *sp = (struct plan_spool){0};
}

/*
 * "refresh: 42 due", or when --refresh-limit cut the plan, what it left for later runs
 * (stats.backlog): "refresh: 330 due, 100 this run (--refresh-limit), 230 left". Counting
 * costs a query, made only when the plan is full.
 */
static void log_backlog(struct orch *o, size_t n)
{
    int64_t due = (int64_t)n;
    struct rs_error e = {0};
    if (o->opt->refresh_limit > 0 && n == o->opt->refresh_limit &&
        store_plan_count(o->st, o->opt->now, o->opt->include_frozen, &due, &e) != RS_OK) {
        rs_logf(o->opt->log, RS_LOG_WARN, "refresh: cannot count the movies due: %s", e.msg);
        due = (int64_t)n;
    }
    o->stats->backlog = due > (int64_t)n ? due - (int64_t)n : 0;
    if (o->stats->backlog == 0)
        rs_logf(o->opt->log, RS_LOG_INFO, "refresh: %zu due", n);
    else
        rs_logf(o->opt->log, RS_LOG_INFO,
                "refresh: %lld due, %zu this run (--refresh-limit), %lld left", (long long)due, n,
                (long long)o->stats->backlog);
}

/*
 * collect --id: a plan of the given movies, each due at both APIs, with the IMDb id the
 * database knows (for OMDB when TMDB fails for a passing reason). Unknown ones too.
 */
static enum rs_err plan_ids(struct orch *o, struct plan_spool *sp, bool *unknown,
                            struct rs_error *e)
{
    const struct orch_options *opt = o->opt;
    enum rs_err rc = RS_OK;
    for (size_t i = 0; rc == RS_OK && i < opt->n_ids; i++) {
        struct store_movie m = {0};
        bool found = false;
        struct plan_item it = {.tmdb_id = opt->ids[i], .needs_tmdb = true, .needs_omdb = true};
        rc = store_get_movie(o->st, opt->ids[i], &m, &found, e);
        unknown[i] = !found;
        if (rc == RS_OK && found && m.imdb_id)
            snprintf(it.imdb_id, sizeof(it.imdb_id), "%s", m.imdb_id);
        store_movie_release(&m);
        if (rc == RS_OK)
            spool_put(sp, &it); /* a failed write is spool_rewind's to report */
    }
    return rc;
}

/*
 * The movies due, into SP. A plan that runs out of DuckDB's memory limit is not the end of
 * the run (one did, over a million movies right after a full-speed discovery, while the
 * writer let 128 MB of WAL pile up: docs/benchmarks.md): the limit is raised
 * (store_grow_memory, no transaction open here) and the plan made again from its first movie.
 */
static enum rs_err plan_due(struct orch *o, struct plan_spool *sp, struct rs_error *e)
{
    const struct orch_options *opt = o->opt;
    for (;;) {
        enum rs_err rc = store_plan_each(o->st, opt->now, opt->refresh_limit, opt->include_frozen,
                                         false, spool_put, sp, e);
        if (rc != RS_ERR_NOMEM)
            return rc;
        int64_t mb = 0;
        if (o->in_txn || store_grow_memory(o->st, &mb, e) != RS_OK)
            return rc;
        rs_logf(opt->log, RS_LOG_WARN,
                "refresh: the plan ran out of DuckDB's memory limit; limit raised to %lld MB, "
                "planned again",
                (long long)mb);
        spool_clear(sp);
    }
}

enum rs_err orch_plan(struct orch *o, struct plan_spool *sp, bool **unknown, struct rs_error *e)
{
    const struct orch_options *opt = o->opt;
    bool *unk = NULL;
    enum rs_err rc = RS_OK;
    *unknown = NULL;
    if (opt->n_ids > 0) {
        unk = calloc(opt->n_ids, sizeof(*unk));
        rc = unk ? plan_ids(o, sp, unk, e) : rs_fail(e, RS_ERR_NOMEM, "refresh: out of memory");
    } else {
        rc = plan_due(o, sp, e);
    }
    if (rc == RS_OK)
        rc = spool_rewind(sp, e);
    if (rc != RS_OK) {
        free(unk);
        return rc;
    }
    o->stats->planned = (int64_t)sp->n;
    if (opt->n_ids > 0)
        rs_logf(opt->log, RS_LOG_INFO, "refresh: %zu movies given by --id", sp->n);
    else
        log_backlog(o, sp->n);
    *unknown = unk;
    return RS_OK;
}
