/*
 * The refresh of the movies due, as a pipeline: each planned movie's TMDB request is
 * queued at once, and its OMDB request as soon as its TMDB details (and so its IMDb id)
 * arrive, so both APIs work at the same time under their own limits. Results wait in the
 * refresh's pending rows, which it hands the batch (batch.c) to write at each commit:
 * each movie's rows and stamps in one transaction, so a crash leaves every movie either
 * refreshed or still due. Failures stamp nothing and stay due; a TMDB 404 marks the movie
 * gone; an OMDB not-found stamps the check (docs/internals/orchestrator.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"
#include "reelsync/omdb.h"
#include "reelsync/tmdb.h"

/* A batch of the refresh is also full at BATCH_BYTES of answers (run.c: ANSWER_MAX_BYTES). */
#define BATCH_BYTES ((size_t)4 << 20)
/*
 * Movies whose requests are queued in the engine at a time: each movie finished starts the
 * next, so the engine's queue (one request record and URL each) stays small however long
 * the plan is, while the window is far more than any in-flight cap keeps busy.
 */
#define JOB_WINDOW 2048
/* Movies read back from the spooled plan at a time (spool.c): 40 bytes each. */
#define PLAN_PAGE (4 * JOB_WINDOW)

struct refresh;

/*
 * One planned movie on its way through the pipeline: what the refresh needs of its plan
 * item. Made when the movie starts and freed when nothing points to it any more (its
 * requests are done and the commit that wrote its end stored it), so the jobs alive are the
 * window's and a batch's, whatever the plan's length.
 */
struct job {
    struct refresh *rf;
    struct job *prev, *next; /* in the refresh's list of jobs alive */
    size_t index;            /* its place in the plan (collect --id: in --id's order) */
    int64_t tmdb_id;
    char imdb_id[sizeof(((struct plan_item *)0)->imdb_id)]; /* "" when unknown */
    int outstanding;                                        /* requests in flight or queued */
    bool needs_tmdb, needs_omdb;
    bool tmdb_stored, omdb_stored, changed, deferred;
    bool unknown; /* collect --id: not in the database, so a 404 has nothing to mark */
};

/*
 * Rows received but not yet written: the next commit writes them in three set-based calls
 * (TMDB rows, OMDB rows, then the ends of the movies whose requests are all done), so the
 * ends see the change log's comparisons of the rows before them.
 */
struct pending {
    struct tmdb_row *tmdb;
    struct job **tmdb_job;
    size_t n_tmdb;
    struct omdb_row *omdb;
    struct job **omdb_job;
    size_t n_omdb;
    struct job **done;
    size_t n_done;
    struct job **gone; /* TMDB 404: marked gone */
    size_t n_gone;
    struct job **nf; /* OMDB has no record: the check is stamped */
    size_t n_nf;
    size_t cap;   /* of each array; a commit comes before any fills up */
    size_t bytes; /* of the answers in TMDB and OMDB (their raw bodies) */
    /* How far each array is in the journal (journal.c), while the file is held elsewhere. */
    size_t j_tmdb, j_omdb, j_done, j_gone, j_nf;
};

/* The refresh phase: its plan, its jobs, started JOB_WINDOW at a time, its pending rows. */
struct refresh {
    struct orch *o;
    struct plan_spool plan;
    struct job *alive; /* every job made and not yet freed */
    size_t jobs_next, jobs_active;
    struct pending pend;
    bool *unknown; /* collect --id: which of the ids the database does not know */
};

/* A job for the plan's next movie, in RF's list; NULL (and the run ended) on failure. */
static struct job *job_next(struct refresh *rf)
{
    struct orch *o = rf->o;
    struct plan_item it;
    struct rs_error e = {0};
    if (spool_next(&rf->plan, &it, &e) != RS_OK) {
        orch_fail_store(o, &e);
        return NULL;
    }
    struct job *j = malloc(sizeof(*j));
    if (!j) {
        o->fatal = rs_fail(o->err, RS_ERR_NOMEM, "refresh: out of memory");
        return NULL;
    }
    size_t i = rf->jobs_next++;
    *j = (struct job){.rf = rf,
                      .next = rf->alive,
                      .index = i,
                      .tmdb_id = it.tmdb_id,
                      .needs_tmdb = it.needs_tmdb,
                      .needs_omdb = it.needs_omdb,
                      .unknown = rf->unknown && rf->unknown[i]};
    memcpy(j->imdb_id, it.imdb_id, sizeof(j->imdb_id));
    if (rf->alive)
        rf->alive->prev = j;
    rf->alive = j;
    return j;
}

static void job_free(struct job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        j->rf->alive = j->next;
    if (j->next)
        j->next->prev = j->prev;
    free(j);
}

static enum rs_err pending_init(struct pending *p, size_t cap)
{
    *p = (struct pending){.cap = cap};
    p->tmdb = calloc(cap, sizeof(*p->tmdb));
    p->tmdb_job = calloc(cap, sizeof(*p->tmdb_job));
    p->omdb = calloc(cap, sizeof(*p->omdb));
    p->omdb_job = calloc(cap, sizeof(*p->omdb_job));
    p->done = calloc(cap, sizeof(*p->done));
    p->gone = calloc(cap, sizeof(*p->gone));
    p->nf = calloc(cap, sizeof(*p->nf));
    if (!p->tmdb || !p->tmdb_job || !p->omdb || !p->omdb_job || !p->done || !p->gone || !p->nf)
        return RS_ERR_NOMEM;
    return RS_OK;
}

static void pending_clear(struct pending *p)
{
    for (size_t i = 0; i < p->n_tmdb; i++)
        norm_tmdb_row_release(&p->tmdb[i]);
    for (size_t i = 0; i < p->n_omdb; i++)
        norm_omdb_row_release(&p->omdb[i]);
    p->n_tmdb = p->n_omdb = p->n_done = p->n_gone = p->n_nf = 0;
    p->j_tmdb = p->j_omdb = p->j_done = p->j_gone = p->j_nf = 0;
    p->bytes = 0;
}

static void pending_release(struct pending *p)
{
    pending_clear(p);
    free(p->tmdb);
    free(p->tmdb_job);
    free(p->omdb);
    free(p->omdb_job);
    free(p->done);
    free(p->gone);
    free(p->nf);
}

/* ---- the pending rows, written by the batch's commit ----------------------------------- */

static enum rs_err write_tmdb(struct orch *o, struct pending *p, struct rs_error *e)
{
    bool changed[BATCH_ROWS];
    if (p->n_tmdb == 0)
        return RS_OK;
    enum rs_err rc = store_put_tmdb_batch(o->st, p->tmdb, p->n_tmdb, o->opt->now, changed, e);
    for (size_t i = 0; rc == RS_OK && i < p->n_tmdb; i++) {
        p->tmdb_job[i]->tmdb_stored = true;
        p->tmdb_job[i]->changed |= changed[i];
        o->stats->tmdb_updated++;
    }
    return rc;
}

static enum rs_err write_omdb(struct orch *o, struct pending *p, struct rs_error *e)
{
    int64_t ids[BATCH_ROWS];
    bool changed[BATCH_ROWS];
    if (p->n_omdb == 0)
        return RS_OK;
    for (size_t i = 0; i < p->n_omdb; i++)
        ids[i] = p->omdb_job[i]->tmdb_id;
    enum rs_err rc = store_put_omdb_batch(o->st, ids, p->omdb, p->n_omdb, o->opt->now, changed, e);
    for (size_t i = 0; rc == RS_OK && i < p->n_omdb; i++) {
        p->omdb_job[i]->omdb_stored = true;
        p->omdb_job[i]->changed |= changed[i];
        o->stats->omdb_updated++;
    }
    return rc;
}

/* Ends the refresh of the movies whose requests are all done (stable cycles, freezing). */
static enum rs_err write_done(struct orch *o, struct pending *p, struct rs_error *e)
{
    int64_t ids[BATCH_ROWS];
    bool changed[BATCH_ROWS], both[BATCH_ROWS], frozen[BATCH_ROWS];
    size_t n = 0;
    for (size_t i = 0; i < p->n_done; i++) {
        struct job *j = p->done[i];
        if (!j->tmdb_stored && !j->omdb_stored)
            continue;
        ids[n] = j->tmdb_id;
        changed[n] = j->changed;
        both[n] = j->tmdb_stored && j->omdb_stored;
        n++;
    }
    if (n == 0)
        return RS_OK;
    enum rs_err rc =
        store_finish_refresh_batch(o->st, ids, changed, both, n, o->opt->now, frozen, e);
    for (size_t i = 0; rc == RS_OK && i < n; i++)
        o->stats->frozen += frozen[i];
    return rc;
}

/*
 * TMDB's 404s (the movie is gone) and OMDB's not-found answers (the check is stamped). While
 * every TMDB answer of the run so far is a 404, the 404s say more about the base URL (a path
 * without /3) than about the movies: they are not marked gone, so a wrong TMDB_BASE_URL
 * cannot take the whole database out of planning; the movies stay due and the verdict names
 * the URL.
 */
static enum rs_err write_marks(struct orch *o, struct pending *p, struct rs_error *e)
{
    int64_t ids[BATCH_ROWS];
    struct http_stats hs = {0};
    http_get_stats(o->http, &hs);
    if (hs.answers[RS_API_TMDB] == hs.answers_404[RS_API_TMDB])
        p->n_gone = 0;
    for (size_t i = 0; i < p->n_gone; i++)
        ids[i] = p->gone[i]->tmdb_id;
    enum rs_err rc = store_mark_gone(o->st, ids, p->n_gone, o->opt->now, e);
    for (size_t i = 0; i < p->n_nf; i++)
        ids[i] = p->nf[i]->tmdb_id;
    return rc ? rc : store_stamp_omdb_checked(o->st, ids, p->n_nf, o->opt->now, e);
}

/* The batch's flush (struct batch_rows): TMDB rows, OMDB rows, marks, the movies' ends. */
static enum rs_err write_pending(void *ctx, size_t *bytes, struct rs_error *e)
{
    struct refresh *rf = ctx;
    struct pending *p = &rf->pend;
    size_t held = p->bytes;
    enum rs_err rc = write_tmdb(rf->o, p, e);
    if (rc == RS_OK)
        rc = write_omdb(rf->o, p, e);
    if (rc == RS_OK)
        rc = write_marks(rf->o, p, e);
    if (rc == RS_OK)
        rc = write_done(rf->o, p, e);
    if (rc == RS_OK)
        *bytes = held;
    return rc;
}

/*
 * The batch's commit stored the pending rows (struct batch_rows): the movies whose ends it
 * wrote are through, and nothing points to their jobs any more (their other rows were in
 * this commit or an earlier one).
 */
static void pending_stored(void *ctx)
{
    struct pending *p = &((struct refresh *)ctx)->pend;
    for (size_t i = 0; i < p->n_done; i++)
        job_free(p->done[i]);
    pending_clear(p);
}

/*
 * The batch's fullness rule in the refresh (struct batch_rows): BATCH_ROWS movies (a movie
 * is up to three writes: TMDB row, OMDB row, its end) or BATCH_BYTES of answers, or as soon
 * as one of the pending arrays is full. Each commit costs a dozen set-based statements,
 * several of which scan `movies`, whatever its size: so the batch counts movies rather than
 * writes, and is large. A 100,000-movie collect ran at 1,600, 2,600, 3,400 and 4,200
 * movies/s with batches of 500, 1,000, 2,000 and 4,000 movies (peak RSS 181, 172, 174 and
 * 179 MB).
 */
static bool pending_full(const void *ctx, int writes)
{
    const struct pending *p = &((const struct refresh *)ctx)->pend;
    return p->n_tmdb >= p->cap || p->n_omdb >= p->cap || p->n_done >= p->cap ||
           p->n_gone >= p->cap || p->n_nf >= p->cap || writes >= 3 * BATCH_ROWS ||
           p->bytes >= BATCH_BYTES;
}

/* A job's end as journal.c's E record flags: what earlier commits stored of it. */
static int end_flags(const struct job *j)
{
    return (j->changed ? 1 : 0) | (j->tmdb_stored ? 2 : 0) | (j->omdb_stored ? 4 : 0);
}

/* The batch's journal (struct batch_rows): the pending rows not journaled yet. */
static enum rs_err journal_pending(void *ctx, struct journal *jn, struct rs_error *e)
{
    struct refresh *rf = ctx;
    struct pending *p = &rf->pend;
    rs_time_t now = rf->o->opt->now;
    enum rs_err rc = RS_OK;
    for (; rc == RS_OK && p->j_tmdb < p->n_tmdb; p->j_tmdb++)
        rc = journal_put(jn, 'T', p->tmdb_job[p->j_tmdb]->tmdb_id, now, 0, p->tmdb[p->j_tmdb].raw,
                         p->tmdb[p->j_tmdb].raw_len, e);
    for (; rc == RS_OK && p->j_omdb < p->n_omdb; p->j_omdb++)
        rc = journal_put(jn, 'O', p->omdb_job[p->j_omdb]->tmdb_id, now, 0, p->omdb[p->j_omdb].raw,
                         p->omdb[p->j_omdb].raw_len, e);
    for (; rc == RS_OK && p->j_gone < p->n_gone; p->j_gone++)
        rc = journal_put(jn, 'G', p->gone[p->j_gone]->tmdb_id, now, 0, NULL, 0, e);
    for (; rc == RS_OK && p->j_nf < p->n_nf; p->j_nf++)
        rc = journal_put(jn, 'N', p->nf[p->j_nf]->tmdb_id, now, 0, NULL, 0, e);
    for (; rc == RS_OK && p->j_done < p->n_done; p->j_done++)
        rc = journal_put(jn, 'E', p->done[p->j_done]->tmdb_id, now, end_flags(p->done[p->j_done]),
                         NULL, 0, e);
    return rc;
}

/* ---- the jobs ---------------------------------------------------------------------------- */

static void on_tmdb(struct http *h, const struct http_result *res, void *user);
static void on_omdb(struct http *h, const struct http_result *res, void *user);
static void feed_jobs(struct refresh *rf);

static void queue(struct job *j, enum rs_api api, const char *suffix, http_done_fn done)
{
    struct orch *o = j->rf->o;
    if (o->fatal)
        return;
    if (http_get(o->http, api, suffix, done, j) != RS_OK) {
        orch_count_movie_failure(o, api, RS_ERR_NOMEM, j->tmdb_id);
        return;
    }
    j->outstanding++;
}

static void queue_omdb(struct job *j, const char *imdb_id)
{
    struct orch *o = j->rf->o;
    char suffix[128];
    if (!imdb_id || !*imdb_id) {
        /* Only details that came back without one (on_tmdb's fresh id), not a TMDB request
         * that failed or was cancelled before any details were known. */
        o->stats->omdb_skipped_no_imdb += imdb_id != j->imdb_id;
        return;
    }
    if (!omdb_suffix(suffix, sizeof(suffix), imdb_id)) {
        rs_logf(o->opt->log, RS_LOG_WARN, "omdb: skipping malformed IMDb id tmdb_id=%lld",
                (long long)j->tmdb_id);
        o->stats->omdb_skipped_no_imdb++;
        return;
    }
    queue(j, RS_API_OMDB, suffix, on_omdb);
}

/* A movie's last request is done: its end (stable cycles, freezing) goes with the batch. */
static void job_done(struct job *j)
{
    struct refresh *rf = j->rf;
    struct orch *o = rf->o;
    o->progress.done++;
    rf->jobs_active--;
    if (j->deferred)
        o->stats->deferred_by_quota++;
    if (!o->fatal) {
        rf->pend.done[rf->pend.n_done++] = j;
        orch_batch_wrote(o);
    }
    orch_report_progress(o);
    feed_jobs(rf);
}

/*
 * Parses one TMDB details answer into the batch; IMDB gets its IMDb id ("" if none).
 * Returns false when the body could not be read.
 */
static bool take_tmdb(struct job *j, const struct http_result *res, char *imdb, size_t len)
{
    struct orch *o = j->rf->o;
    struct tmdb_row row = {0};
    struct rs_error e = {0};
    enum rs_err rc =
        tmdb_parse_movie_doc(res->doc, res->body, res->body_len, j->tmdb_id, &row, o->opt->log, &e);
    if (rc != RS_OK) {
        rs_logf(o->opt->log, RS_LOG_WARN, "tmdb: unreadable details tmdb_id=%lld: %s",
                (long long)j->tmdb_id, e.msg);
        orch_count_movie_failure(o, RS_API_TMDB, rc, j->tmdb_id);
        return false;
    }
    o->answered[RS_API_TMDB]++;
    if (o->fatal) {
        norm_tmdb_row_release(&row);
        return true;
    }
    struct pending *p = &j->rf->pend;
    p->tmdb_job[p->n_tmdb] = j;
    p->bytes += row.raw_len;
    p->tmdb[p->n_tmdb++] = row;
    snprintf(imdb, len, "%s", row.imdb_id ? row.imdb_id : "");
    orch_batch_wrote(o); /* may commit, and free the row */
    return true;
}

static void tmdb_failed(struct job *j, const struct http_result *res)
{
    struct orch *o = j->rf->o;
    struct pending *p = &j->rf->pend;
    if (res->outcome == RS_ERR_CANCELLED)
        return;
    orch_count_movie_failure(o, RS_API_TMDB, res->outcome, j->tmdb_id);
    if (res->outcome == RS_ERR_QUOTA_EXHAUSTED)
        j->deferred = true;
    if (res->outcome != RS_ERR_NOT_FOUND)
        return;
    /* Deleted or merged on TMDB: an answer, not a failure to retry every run. */
    o->answered[RS_API_TMDB]++;
    o->stats->gone++;
    if (!o->fatal && !j->unknown) {
        p->gone[p->n_gone++] = j;
        orch_batch_wrote(o);
    }
}

static void on_tmdb(struct http *h, const struct http_result *res, void *user)
{
    struct job *j = user;
    char imdb[sizeof(j->imdb_id)] = "";
    bool fresh = false;
    (void)h;
    j->outstanding--;
    if (j->rf->o->opt->id_outcome && res->outcome != RS_ERR_CANCELLED)
        j->rf->o->opt->id_outcome[j->index] = res->outcome; /* the plan in --id's order */
    if (res->outcome == RS_OK)
        fresh = take_tmdb(j, res, imdb, sizeof(imdb));
    else
        tmdb_failed(j, res);
    /*
     * OMDB takes the IMDb id of the freshest details, the stored one if TMDB failed for a
     * passing reason; none after a 404.
     */
    if (j->needs_omdb && res->outcome != RS_ERR_NOT_FOUND && !j->rf->o->fatal)
        queue_omdb(j, fresh ? imdb : j->imdb_id);
    if (j->outstanding == 0)
        job_done(j);
}

static void take_omdb(struct job *j, const struct http_result *res)
{
    struct orch *o = j->rf->o;
    struct omdb_row row = {0};
    struct rs_error e = {0};
    enum rs_err rc =
        omdb_parse_movie_doc(res->doc, res->body, res->body_len, &row, o->opt->log, &e);
    if (rc != RS_OK) {
        rs_logf(o->opt->log, RS_LOG_WARN, "omdb: unreadable answer tmdb_id=%lld: %s",
                (long long)j->tmdb_id, e.msg);
        orch_count_movie_failure(o, RS_API_OMDB, rc, j->tmdb_id);
        return;
    }
    o->answered[RS_API_OMDB]++;
    if (o->fatal) {
        norm_omdb_row_release(&row);
        return;
    }
    struct pending *p = &j->rf->pend;
    p->omdb_job[p->n_omdb] = j;
    p->bytes += row.raw_len;
    p->omdb[p->n_omdb++] = row;
    orch_batch_wrote(o);
}

static void on_omdb(struct http *h, const struct http_result *res, void *user)
{
    struct job *j = user;
    struct orch *o = j->rf->o;
    struct pending *p = &j->rf->pend;
    (void)h;
    j->outstanding--;
    if (res->outcome == RS_OK) {
        take_omdb(j, res);
    } else if (res->outcome != RS_ERR_CANCELLED) {
        orch_count_movie_failure(o, RS_API_OMDB, res->outcome, j->tmdb_id);
        j->deferred |= res->outcome == RS_ERR_QUOTA_EXHAUSTED;
        if (res->outcome == RS_ERR_NOT_FOUND && !o->fatal) {
            /* OMDB holds no record: asked again at the next interval, not every run. */
            o->answered[RS_API_OMDB]++;
            p->nf[p->n_nf++] = j;
            orch_batch_wrote(o);
        }
    }
    if (j->outstanding == 0)
        job_done(j);
}

static void start_job(struct job *j)
{
    char suffix[128];
    if (j->needs_tmdb && tmdb_movie_suffix(suffix, sizeof(suffix), j->tmdb_id))
        queue(j, RS_API_TMDB, suffix, on_tmdb);
    else if (j->needs_omdb)
        queue_omdb(j, j->imdb_id);
    if (j->outstanding > 0) {
        j->rf->jobs_active++;
        return;
    }
    j->rf->o->progress.done++;
    job_free(j); /* nothing to ask: nothing points to it */
}

/* Starts planned movies until JOB_WINDOW of them have requests in the engine. */
static void feed_jobs(struct refresh *rf)
{
    while (rf->jobs_next < rf->plan.n && rf->jobs_active < JOB_WINDOW && !rf->o->fatal) {
        struct job *j = job_next(rf);
        if (j)
            start_job(j);
    }
}

/* ---- the phase --------------------------------------------------------------------------- */

/* Ends the refresh: its rows, its jobs, its plan. */
static void refresh_release(struct refresh *rf)
{
    pending_release(&rf->pend);
    while (rf->alive)
        job_free(rf->alive);
    spool_close(&rf->plan);
    free(rf->unknown);
}

enum rs_err orch_refresh(struct orch *o)
{
    struct rs_error e = {0};
    struct refresh rf = {.o = o};
    enum rs_err rc = orch_batch_hold(o);
    if (rc != RS_OK)
        return rc;
    struct refresh_schedule sch;
    rc = store_use_policy(o->st, o->opt->policy, o->feed_read, o->opt->refresh_limit, o->opt->now,
                          &sch, &e);
    if (rc == RS_OK && o->opt->policy == REFRESH_POLICY_ADAPTIVE)
        orch_log_schedule(o, &sch);
    size_t page = o->opt->plan_page ? o->opt->plan_page : PLAN_PAGE;
    if (rc == RS_OK)
        rc = spool_open(&rf.plan, page, &e);
    if (rc == RS_OK)
        rc = pending_init(&rf.pend, BATCH_ROWS) == RS_OK
                 ? RS_OK
                 : rs_fail(&e, RS_ERR_NOMEM, "refresh: out of memory");
    if (rc == RS_OK)
        rc = orch_plan(o, &rf.plan, &rf.unknown, &e);
    if (rc != RS_OK) {
        refresh_release(&rf);
        orch_fail_store(o, &e);
        return o->fatal;
    }
    o->progress = (struct orch_progress){.phase = ORCH_REFRESH, .total = (int64_t)rf.plan.n};
    orch_batch_let_go(o); /* the plan is read and counted; the network is next */
    const struct batch_rows rows = {.flush = write_pending,
                                    .stored = pending_stored,
                                    .full = pending_full,
                                    .ctx = &rf,
                                    .journal = journal_pending};
    o->rows = &rows;
    feed_jobs(&rf);
    rc = http_run(o->http, &e);
    if (rc != RS_OK && !o->fatal)
        o->fatal = rs_fail(o->err, rc, "%s", e.msg);
    orch_batch_commit(o); /* the jobs the batch points to are freed next */
    o->rows = NULL;
    refresh_release(&rf);
    return o->fatal;
}
