/*
 * The collect run (the seed's run_full_collection): discovery (discover.c), then the
 * refresh of the movies due, as a pipeline: each planned movie's TMDB request is queued at
 * once, and its OMDB request as soon as its TMDB details (and so its IMDb id) arrive,
 * so both APIs work at the same time under their own limits. Results are written as they
 * arrive, in batches: each movie's rows and stamps in one transaction, so a crash leaves
 * every movie either refreshed or still due. Failures stamp nothing and stay due; a TMDB
 * 404 marks the movie gone; an OMDB not-found stamps the check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orch_internal.h"
#include "reelsync/omdb.h"
#include "reelsync/tmdb.h"

#define BATCH_ROWS 2000
#define BATCH_MS 1000
/*
 * The largest answer a collect takes: TMDB details and discover pages are 2-15 KB, OMDB
 * answers about 1 KB. A larger body ends as bad_response and its movie stays due. The
 * bound is the store's: under the writers' memory limit DuckDB failed commits of large
 * values ("could not allocate block", 150 movies of 1 MiB; 16 of 2 MiB; 8 of 7 MiB with
 * the former 128 MB limit too), while 400 of 200 KiB went through. A batch is full at
 * BATCH_BYTES of answers waiting too, so BATCH_ROWS large answers never pile up.
 */
#define ANSWER_MAX_BYTES ((size_t)256 << 10)
#define BATCH_BYTES ((size_t)4 << 20)
/*
 * Movies whose requests are queued in the engine at a time: each movie finished starts the
 * next, so the engine's queue (one request record and URL each) stays small however long
 * the plan is, while the window is far more than any in-flight cap keeps busy.
 */
#define JOB_WINDOW 2048

/*
 * One planned movie on its way through the pipeline: what the refresh needs of its plan
 * item, copied, so the plan (~130 bytes a movie) is freed before the first request.
 */
struct job {
    struct orch *o;
    int64_t tmdb_id;
    char imdb_id[sizeof(((struct plan_item *)0)->imdb_id)]; /* "" when unknown */
    int outstanding;                                        /* requests in flight or queued */
    bool needs_tmdb, needs_omdb;
    bool tmdb_stored, omdb_stored, changed, deferred;
};

/*
 * Rows received but not yet written: the next commit writes them in three set-based calls
 * (TMDB rows, OMDB rows, then the ends of the movies whose requests are all done), so the
 * ends see the fingerprint comparisons of the rows before them.
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
    size_t cap;   /* of each array; a commit comes before any fills up */
    size_t bytes; /* of the answers in TMDB and OMDB (their raw bodies) */
};

static enum rs_err pending_init(struct pending *p, size_t cap)
{
    *p = (struct pending){.cap = cap};
    p->tmdb = calloc(cap, sizeof(*p->tmdb));
    p->tmdb_job = calloc(cap, sizeof(*p->tmdb_job));
    p->omdb = calloc(cap, sizeof(*p->omdb));
    p->omdb_job = calloc(cap, sizeof(*p->omdb_job));
    p->done = calloc(cap, sizeof(*p->done));
    if (!p->tmdb || !p->tmdb_job || !p->omdb || !p->omdb_job || !p->done)
        return RS_ERR_NOMEM;
    return RS_OK;
}

static void pending_clear(struct pending *p)
{
    for (size_t i = 0; i < p->n_tmdb; i++)
        norm_tmdb_row_release(&p->tmdb[i]);
    for (size_t i = 0; i < p->n_omdb; i++)
        norm_omdb_row_release(&p->omdb[i]);
    p->n_tmdb = p->n_omdb = p->n_done = 0;
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
}

enum rs_err orch_batch_begin(struct orch *o)
{
    struct rs_error e = {0};
    if (o->fatal || o->in_txn)
        return o->fatal;
    if (store_begin(o->st, &e) != RS_OK) {
        orch_fail_store(o, &e);
        return o->fatal;
    }
    o->in_txn = true;
    return RS_OK;
}

/* Adds the engine's attempt counts to today's usage, inside the open transaction. */
static enum rs_err flush_usage(struct orch *o, struct rs_error *e)
{
    int64_t counts[RS_API_COUNT][RS_OUTCOME_COUNT] = {{0}};
    http_take_counts(o->http, counts);
    for (int api = 0; api < RS_API_COUNT; api++) {
        int64_t total = 0;
        for (int k = 0; k < RS_OUTCOME_COUNT; k++)
            total += counts[api][k];
        o->attempted[api] += total;
        if (total == 0)
            continue;
        enum rs_err rc =
            store_usage_add(o->st, rs_time_day(o->opt->now), (enum rs_api)api, counts[api], e);
        if (rc != RS_OK)
            return rc;
    }
    return RS_OK;
}

static enum rs_err write_tmdb(struct orch *o, struct pending *p, struct rs_error *e)
{
    uint64_t fp[BATCH_ROWS];
    bool changed[BATCH_ROWS];
    if (p->n_tmdb == 0)
        return RS_OK;
    for (size_t i = 0; i < p->n_tmdb; i++)
        fp[i] = refresh_fingerprint_tmdb(&p->tmdb[i]);
    enum rs_err rc = store_put_tmdb_batch(o->st, p->tmdb, fp, p->n_tmdb, o->opt->now, changed, e);
    for (size_t i = 0; rc == RS_OK && i < p->n_tmdb; i++) {
        p->tmdb_job[i]->tmdb_stored = true;
        p->tmdb_job[i]->changed |= changed[i];
        o->stats->tmdb_updated++;
    }
    return rc;
}

static enum rs_err write_omdb(struct orch *o, struct pending *p, struct rs_error *e)
{
    uint64_t fp[BATCH_ROWS];
    int64_t ids[BATCH_ROWS];
    bool changed[BATCH_ROWS];
    if (p->n_omdb == 0)
        return RS_OK;
    for (size_t i = 0; i < p->n_omdb; i++) {
        fp[i] = refresh_fingerprint_omdb(&p->omdb[i]);
        ids[i] = p->omdb_job[i]->tmdb_id;
    }
    enum rs_err rc =
        store_put_omdb_batch(o->st, ids, p->omdb, fp, p->n_omdb, o->opt->now, changed, e);
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

static enum rs_err write_pending(struct orch *o, struct rs_error *e)
{
    struct pending *p = o->pend;
    enum rs_err rc = RS_OK;
    if (!p)
        return RS_OK;
    rc = write_tmdb(o, p, e);
    if (rc == RS_OK)
        rc = write_omdb(o, p, e);
    if (rc == RS_OK)
        rc = write_done(o, p, e);
    pending_clear(p);
    return rc;
}

enum rs_err orch_batch_commit(struct orch *o)
{
    struct rs_error e = {0};
    if (o->fatal)
        return o->fatal;
    if (!o->in_txn && orch_batch_begin(o) != RS_OK)
        return o->fatal;
    int writes = o->pending;
    size_t bytes = o->pend ? o->pend->bytes : 0;
    if (write_pending(o, &e) != RS_OK || flush_usage(o, &e) != RS_OK ||
        store_commit(o->st, &e) != RS_OK) {
        store_rollback(o->st);
        o->in_txn = false;
        orch_fail_store(o, &e);
        return o->fatal;
    }
    o->in_txn = false;
    o->pending = 0;
    o->last_commit_ms = rs_monotonic_ms();
    rs_logf(o->opt->log, RS_LOG_DEBUG, "batch: committed %d writes, %zu bytes of answers", writes,
            bytes);
    return RS_OK;
}

/*
 * A batch is full at BATCH_ROWS writes; in the refresh at BATCH_ROWS movies (a movie is
 * up to three writes: TMDB row, OMDB row, its end) or BATCH_BYTES of answers, or as soon
 * as one of the pending arrays is full; and BATCH_MS after the last commit whatever its
 * size. Each commit costs a dozen set-based statements, several of which scan `movies`,
 * whatever its size: so the batch counts movies rather than writes, and is large. A
 * 100,000-movie collect ran at 1,600, 2,600, 3,400 and 4,200 movies/s with batches of
 * 500, 1,000, 2,000 and 4,000 movies (peak RSS 181, 172, 174 and 179 MB); at API rates
 * (tens of requests a second) BATCH_MS decides, and a run killed loses at most a second
 * of answers.
 */
static bool batch_full(const struct orch *o)
{
    const struct pending *p = o->pend;
    if (!p)
        return o->pending >= BATCH_ROWS;
    return p->n_tmdb >= p->cap || p->n_omdb >= p->cap || p->n_done >= p->cap ||
           o->pending >= 3 * BATCH_ROWS || p->bytes >= BATCH_BYTES;
}

void orch_batch_wrote(struct orch *o)
{
    o->pending++;
    if (batch_full(o) || rs_monotonic_ms() - o->last_commit_ms >= BATCH_MS)
        orch_batch_commit(o);
}

void orch_fail_store(struct orch *o, const struct rs_error *e)
{
    if (o->fatal)
        return;
    o->fatal = e->code ? e->code : RS_ERR_DB;
    rs_fail(o->err, o->fatal, "%s", e->msg);
    rs_logf(o->opt->log, RS_LOG_WARN, "collect: stopping: %s", e->msg); /* the caller reports it */
    if (o->http)
        http_cancel(o->http);
}

void orch_count_failure(struct orch *o, enum rs_api api, enum rs_err code, bool per_movie)
{
    if (code > RS_OK && code < RS_OUTCOME_COUNT)
        o->stats->errors[code]++;
    if (per_movie && code != RS_ERR_NOT_FOUND && code != RS_ERR_QUOTA_EXHAUSTED)
        o->stats->failed[api]++;
    o->progress.errors++;
}

void orch_report_progress(struct orch *o)
{
    if (o->opt->progress)
        o->opt->progress(o->opt->progress_ctx, &o->progress);
}

/* ---- the refresh pipeline ------------------------------------------------------------ */

static void on_tmdb(struct http *h, const struct http_result *res, void *user);
static void on_omdb(struct http *h, const struct http_result *res, void *user);

static void queue(struct job *j, enum rs_api api, const char *suffix, http_done_fn done)
{
    if (j->o->fatal)
        return;
    if (http_get(j->o->http, api, suffix, done, j) != RS_OK) {
        orch_count_failure(j->o, api, RS_ERR_NOMEM, true);
        return;
    }
    j->outstanding++;
}

static void queue_omdb(struct job *j, const char *imdb_id)
{
    char suffix[128];
    if (!imdb_id || !*imdb_id) {
        j->o->stats->omdb_skipped_no_imdb++;
        return;
    }
    if (!omdb_suffix(suffix, sizeof(suffix), imdb_id)) {
        rs_logf(j->o->opt->log, RS_LOG_WARN, "omdb: skipping malformed IMDb id tmdb_id=%lld",
                (long long)j->tmdb_id);
        j->o->stats->omdb_skipped_no_imdb++;
        return;
    }
    queue(j, RS_API_OMDB, suffix, on_omdb);
}

/* A movie's last request is done: its end (stable cycles, freezing) goes with the batch. */
static void feed_jobs(struct orch *o);

static void job_done(struct job *j)
{
    struct orch *o = j->o;
    o->progress.done++;
    o->jobs_active--;
    if (j->deferred)
        o->stats->deferred_by_quota++;
    if (orch_batch_begin(o) == RS_OK) {
        o->pend->done[o->pend->n_done++] = j;
        orch_batch_wrote(o);
    }
    orch_report_progress(o);
    feed_jobs(o);
}

/*
 * Parses one TMDB details answer into the batch; IMDB gets its IMDb id ("" if none).
 * Returns false when the body could not be read.
 */
static bool take_tmdb(struct job *j, const struct http_result *res, char *imdb, size_t len)
{
    struct orch *o = j->o;
    struct tmdb_row row = {0};
    struct rs_error e = {0};
    enum rs_err rc = tmdb_parse_movie(res->body, res->body_len, j->tmdb_id, &row, o->opt->log, &e);
    if (rc != RS_OK) {
        rs_logf(o->opt->log, RS_LOG_WARN, "tmdb: unreadable details tmdb_id=%lld: %s",
                (long long)j->tmdb_id, e.msg);
        orch_count_failure(o, RS_API_TMDB, rc, true);
        return false;
    }
    o->answered[RS_API_TMDB]++;
    if (orch_batch_begin(o) != RS_OK) {
        norm_tmdb_row_release(&row);
        return true;
    }
    struct pending *p = o->pend;
    p->tmdb_job[p->n_tmdb] = j;
    p->bytes += row.raw_len;
    p->tmdb[p->n_tmdb++] = row;
    snprintf(imdb, len, "%s", row.imdb_id ? row.imdb_id : "");
    orch_batch_wrote(o); /* may commit, and free the row */
    return true;
}

static void tmdb_failed(struct job *j, const struct http_result *res)
{
    struct orch *o = j->o;
    struct rs_error e = {0};
    if (res->outcome == RS_ERR_CANCELLED)
        return;
    orch_count_failure(o, RS_API_TMDB, res->outcome, true);
    if (res->outcome == RS_ERR_QUOTA_EXHAUSTED)
        j->deferred = true;
    if (res->outcome != RS_ERR_NOT_FOUND)
        return;
    /* Deleted or merged on TMDB: an answer, not a failure to retry every run. */
    o->answered[RS_API_TMDB]++;
    o->stats->gone++;
    if (orch_batch_begin(o) == RS_OK) {
        if (store_mark_gone(o->st, j->tmdb_id, o->opt->now, &e) != RS_OK)
            orch_fail_store(o, &e);
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
    if (res->outcome == RS_OK)
        fresh = take_tmdb(j, res, imdb, sizeof(imdb));
    else
        tmdb_failed(j, res);
    /*
     * OMDB takes the IMDb id of the freshest details, the stored one if TMDB failed for a
     * passing reason; none after a 404.
     */
    if (j->needs_omdb && res->outcome != RS_ERR_NOT_FOUND && !j->o->fatal)
        queue_omdb(j, fresh ? imdb : j->imdb_id);
    if (j->outstanding == 0)
        job_done(j);
}

static void take_omdb(struct job *j, const struct http_result *res)
{
    struct orch *o = j->o;
    struct omdb_row row = {0};
    struct rs_error e = {0};
    enum rs_err rc = omdb_parse_movie(res->body, res->body_len, &row, o->opt->log, &e);
    if (rc != RS_OK) {
        rs_logf(o->opt->log, RS_LOG_WARN, "omdb: unreadable answer tmdb_id=%lld: %s",
                (long long)j->tmdb_id, e.msg);
        orch_count_failure(o, RS_API_OMDB, rc, true);
        return;
    }
    o->answered[RS_API_OMDB]++;
    if (orch_batch_begin(o) != RS_OK) {
        norm_omdb_row_release(&row);
        return;
    }
    struct pending *p = o->pend;
    p->omdb_job[p->n_omdb] = j;
    p->bytes += row.raw_len;
    p->omdb[p->n_omdb++] = row;
    orch_batch_wrote(o);
}

static void on_omdb(struct http *h, const struct http_result *res, void *user)
{
    struct job *j = user;
    struct orch *o = j->o;
    struct rs_error e = {0};
    (void)h;
    j->outstanding--;
    if (res->outcome == RS_OK) {
        take_omdb(j, res);
    } else if (res->outcome != RS_ERR_CANCELLED) {
        orch_count_failure(o, RS_API_OMDB, res->outcome, true);
        j->deferred |= res->outcome == RS_ERR_QUOTA_EXHAUSTED;
        if (res->outcome == RS_ERR_NOT_FOUND && orch_batch_begin(o) == RS_OK) {
            /* OMDB holds no record: asked again at the next interval, not every run. */
            o->answered[RS_API_OMDB]++;
            if (store_stamp_omdb_checked(o->st, j->tmdb_id, o->opt->now, &e) != RS_OK)
                orch_fail_store(o, &e);
            orch_batch_wrote(o);
        }
    }
    if (j->outstanding == 0)
        job_done(j);
}

static void start_job(struct job *j)
{
    char suffix[64];
    if (j->needs_tmdb && tmdb_movie_suffix(suffix, sizeof(suffix), j->tmdb_id))
        queue(j, RS_API_TMDB, suffix, on_tmdb);
    else if (j->needs_omdb)
        queue_omdb(j, j->imdb_id);
    if (j->outstanding == 0)
        j->o->progress.done++;
    else
        j->o->jobs_active++;
}

/* Starts planned movies until JOB_WINDOW of them have requests in the engine. */
static void feed_jobs(struct orch *o)
{
    while (o->jobs_next < o->n_jobs && o->jobs_active < JOB_WINDOW && !o->fatal) {
        start_job(&o->jobs[o->jobs_next++]);
    }
}

static enum rs_err orch_refresh(struct orch *o)
{
    struct plan_item *items = NULL;
    size_t n = 0;
    struct rs_error e = {0};
    enum rs_err rc = store_plan(o->st, o->opt->now, o->opt->refresh_limit, o->opt->include_frozen,
                                false, &items, &n, &e);
    if (rc != RS_OK) {
        orch_fail_store(o, &e);
        return o->fatal;
    }
    o->stats->planned = (int64_t)n;
    o->progress = (struct orch_progress){.phase = ORCH_REFRESH, .total = (int64_t)n};
    rs_logf(o->opt->log, RS_LOG_INFO, "refresh: %zu movie%s due", n, n == 1 ? "" : "s");
    struct pending pend = {0};
    struct job *jobs = calloc(n ? n : 1, sizeof(*jobs));
    for (size_t i = 0; jobs && i < n; i++) {
        jobs[i] = (struct job){.o = o,
                               .tmdb_id = items[i].tmdb_id,
                               .needs_tmdb = items[i].needs_tmdb,
                               .needs_omdb = items[i].needs_omdb};
        memcpy(jobs[i].imdb_id, items[i].imdb_id, sizeof(jobs[i].imdb_id));
    }
    store_plan_free(items, n);
    if (!jobs || pending_init(&pend, BATCH_ROWS) != RS_OK) {
        free(jobs);
        pending_release(&pend);
        return o->fatal = rs_fail(o->err, RS_ERR_NOMEM, "refresh: out of memory (%zu movies)", n);
    }
    o->pend = &pend;
    o->jobs = jobs;
    o->n_jobs = n;
    feed_jobs(o);
    rc = http_run(o->http, &e);
    if (rc != RS_OK && !o->fatal)
        o->fatal = rs_fail(o->err, rc, "%s", e.msg);
    orch_batch_commit(o); /* the jobs the batch points to are freed next */
    o->pend = NULL;
    o->jobs = NULL;
    o->n_jobs = o->jobs_next = 0;
    pending_release(&pend);
    free(jobs);
    return o->fatal;
}

/* ---- the run record -------------------------------------------------------------- */

void orch_stats_json(struct jw *w, const struct orch_stats *s, enum rs_err rc)
{
    jw_object_begin(w);
    jw_kstring(w, "result", rs_errname(rc));
    jw_kint(w, "discovered", s->discovered);
    jw_kint(w, "discovered_new", s->discovered_new);
    jw_kint(w, "tmdb_updated", s->tmdb_updated);
    jw_kint(w, "omdb_updated", s->omdb_updated);
    jw_kint(w, "frozen", s->frozen);
    jw_key(w, "failed");
    jw_object_begin(w);
    for (int api = 0; api < RS_API_COUNT; api++)
        jw_kint(w, rs_api_name((enum rs_api)api), s->failed[api]);
    jw_object_end(w);
    jw_key(w, "errors");
    jw_object_begin(w);
    for (int e = RS_OUTCOME_FIRST; e <= RS_OUTCOME_LAST; e++)
        jw_kint(w, rs_errname((enum rs_err)e), s->errors[e]);
    jw_object_end(w);
    jw_key(w, "requests");
    jw_object_begin(w);
    for (int api = 0; api < RS_API_COUNT; api++)
        jw_kint(w, rs_api_name((enum rs_api)api), s->requests[api]);
    jw_object_end(w);
    jw_kint(w, "deferred_by_quota", s->deferred_by_quota);
    jw_kint(w, "omdb_skipped_no_imdb", s->omdb_skipped_no_imdb);
    jw_kint(w, "gone", s->gone);
    jw_kint(w, "planned", s->planned);
    jw_kdouble(w, "duration_s", s->duration_s);
    jw_object_end(w);
}

/* The options of a run, for its record: no keys, no URLs. */
static void options_json(struct jw *w, const struct orch_options *o)
{
    jw_object_begin(w);
    jw_kbool(w, "discover", o->discover);
    jw_kbool(w, "refresh", o->refresh);
    jw_kint(w, "start_year", o->start_year);
    jw_kint(w, "end_year", o->end_year);
    jw_kint(w, "min_vote_count", o->min_vote_count);
    jw_kint(w, "max_pages", o->max_pages);
    jw_kint(w, "refresh_limit", (int64_t)o->refresh_limit);
    jw_kbool(w, "include_frozen", o->include_frozen);
    for (int api = 0; api < RS_API_COUNT; api++) {
        char key[32];
        const char *name = rs_api_name((enum rs_api)api);
        snprintf(key, sizeof(key), "%s_rps", name);
        jw_kdouble(w, key, o->rps[api]);
        snprintf(key, sizeof(key), "%s_concurrency", name);
        jw_kint(w, key, o->concurrency[api]);
        snprintf(key, sizeof(key), "%s_daily_limit", name);
        jw_kint(w, key, o->daily_limit[api]);
    }
    jw_kstring(w, "tmdb_auth", o->tmdb_token && *o->tmdb_token ? "bearer" : "api_key");
    jw_object_end(w);
}

/* Records the start of the run; a failure here is a storage failure of the run. */
static enum rs_err run_begin(struct orch *o, int64_t *run_id)
{
    struct jw w;
    struct rs_error e = {0};
    jw_init(&w);
    options_json(&w, o->opt);
    enum rs_err rc = jw_status(&w);
    if (rc == RS_OK)
        rc = store_run_begin(o->st, o->opt->now, jw_text(&w), run_id, &e);
    jw_release(&w);
    if (rc != RS_OK)
        rs_fail(o->err, rc, "cannot record the run: %s", e.msg);
    return rc;
}

/* Records the end of the run with its stats. Best effort: the run's verdict stands. */
static void run_end(struct orch *o, int64_t run_id, enum rs_err rc)
{
    struct jw w;
    struct rs_error e = {0};
    jw_init(&w);
    orch_stats_json(&w, o->stats, rc);
    if (jw_status(&w) != RS_OK ||
        store_run_end(o->st, run_id, o->opt->now, jw_text(&w), rc == RS_OK ? 0 : 1, &e) != RS_OK)
        rs_logf(o->opt->log, RS_LOG_WARN, "collect: cannot record the end of run %lld: %s",
                (long long)run_id, e.msg);
    jw_release(&w);
}

/*
 * Compacts the file when its blocks in use have doubled since the last time (see
 * store_compact). Best effort after a completed run: a failure is rolled back, leaves the
 * file as it was and does not change the run's verdict.
 */
static void compact(struct orch *o)
{
    struct store_compaction c;
    struct rs_error e = {0};
    int64_t start_ms = rs_monotonic_ms();
    if (store_compact(o->st, false, &c, &e) != RS_OK) {
        rs_logf(o->opt->log, RS_LOG_WARN, "database: compaction skipped: %s", e.msg);
        return;
    }
    if (c.done)
        rs_logf(o->opt->log, RS_LOG_INFO, "database: compacted mib=%.1f->%.1f seconds=%.1f",
                (double)c.before_bytes / (1 << 20), (double)c.after_bytes / (1 << 20),
                (double)(rs_monotonic_ms() - start_ms) / 1000.0);
}

/* ---- the run ----------------------------------------------------------------------- */

static enum rs_err check_keys(const struct orch_options *opt, struct rs_error *err)
{
    bool tmdb = (opt->tmdb_key && *opt->tmdb_key) || (opt->tmdb_token && *opt->tmdb_token);
    if ((opt->discover || opt->refresh) && !tmdb)
        return rs_fail(err, RS_ERR_CONFIG,
                       "no TMDB key (export TMDB_API_KEY=... or TMDB_ACCESS_TOKEN=...)");
    if (opt->refresh && !(opt->omdb_key && *opt->omdb_key))
        return rs_fail(err, RS_ERR_CONFIG, "no OMDB key (export OMDB_API_KEY=...)");
    return RS_OK;
}

static enum rs_err make_engine(struct orch *o, struct http **out, struct rs_error *err)
{
    const struct orch_options *opt = o->opt;
    struct http_config cfg = {
        .retry = opt->retry,
        .connect_timeout_ms = opt->connect_timeout_ms,
        .timeout_ms = opt->timeout_ms,
        .seed = (uint64_t)opt->now,
        .log = opt->log,
        .cancel = opt->cancel,
        .max_body = ANSWER_MAX_BYTES,
    };
    for (int api = 0; api < RS_API_COUNT; api++) {
        int64_t used = 0;
        enum rs_err rc =
            store_usage_total(o->st, rs_time_day(opt->now), (enum rs_api)api, &used, err);
        if (rc != RS_OK)
            return rc;
        cfg.api[api] = (struct http_api_config){
            .base_url = opt->base_url[api],
            .rps = opt->rps[api],
            .concurrency = opt->concurrency[api],
            .daily_limit = opt->daily_limit[api],
            .used_today = used,
        };
    }
    cfg.api[RS_API_TMDB].key_param = "api_key";
    cfg.api[RS_API_TMDB].key = opt->tmdb_key;
    cfg.api[RS_API_TMDB].bearer = opt->tmdb_token;
    cfg.api[RS_API_TMDB].classify = tmdb_classify;
    cfg.api[RS_API_OMDB].key_param = "apikey";
    cfg.api[RS_API_OMDB].key = opt->omdb_key;
    cfg.api[RS_API_OMDB].classify = omdb_classify;
    return http_create(&cfg, out, err);
}

/*
 * The run's verdict beyond storage failures: a rejected key, or an API that was asked and
 * never once answered usefully, means the run could not do its work.
 */
static enum rs_err verdict(struct orch *o)
{
    for (int api = 0; api < RS_API_COUNT; api++) {
        enum rs_err why = RS_OK;
        if (http_api_stopped(o->http, (enum rs_api)api, &why) && why == RS_ERR_AUTH)
            return rs_fail(o->err, RS_ERR_AUTH, "%s rejected the API key (check %s)",
                           api == RS_API_TMDB ? "TMDB" : "OMDB",
                           api == RS_API_TMDB ? "TMDB_API_KEY / TMDB_ACCESS_TOKEN"
                                              : "OMDB_API_KEY");
    }
    /*
     * Every request failed (exit status 1): nothing answered, and not because of a daily
     * limit, which is an answer too (the rest stays due). One API failing while the other
     * works is partial success; its failures are in the report.
     */
    int64_t attempted = o->attempted[RS_API_TMDB] + o->attempted[RS_API_OMDB];
    int64_t answered = o->answered[RS_API_TMDB] + o->answered[RS_API_OMDB];
    if (attempted == 0 || answered > 0 || o->stats->errors[RS_ERR_QUOTA_EXHAUSTED] > 0)
        return RS_OK;
    enum rs_err worst = RS_ERR_NETWORK;
    for (int k = RS_OUTCOME_FIRST; k <= RS_OUTCOME_LAST; k++) {
        if (o->stats->errors[k] > o->stats->errors[worst])
            worst = (enum rs_err)k;
    }
    enum rs_api api = o->attempted[RS_API_TMDB] ? RS_API_TMDB : RS_API_OMDB;
    return rs_fail(o->err, worst, "every request failed (%s); is %s reachable?", rs_strerror(worst),
                   o->opt->base_url[api]);
}

static void finish_stats(struct orch *o, int64_t start_ms)
{
    struct http_stats hs = {0};
    if (o->http)
        http_get_stats(o->http, &hs);
    for (int api = 0; api < RS_API_COUNT; api++)
        o->stats->requests[api] = hs.attempts[api];
    o->stats->duration_s = (double)(rs_monotonic_ms() - start_ms) / 1000.0;
}

enum rs_err orch_collect(struct store *st, const struct orch_options *opt, struct orch_stats *stats,
                         struct rs_error *err)
{
    struct orch o = {.st = st, .opt = opt, .stats = stats, .err = err};
    int64_t start_ms = rs_monotonic_ms();
    enum rs_err rc;

    memset(stats, 0, sizeof(*stats));
    o.last_commit_ms = start_ms;
    if (opt->dry_run)
        return RS_OK;
    rc = check_keys(opt, err);
    if (rc != RS_OK)
        return rc;
    int64_t run_id = 0;
    rc = run_begin(&o, &run_id);
    if (rc != RS_OK)
        return rc;
    rc = make_engine(&o, &o.http, err);
    if (rc != RS_OK) {
        run_end(&o, run_id, rc);
        return rc;
    }
    if (opt->discover)
        orch_discover(&o);
    if (opt->refresh && !o.fatal && !(opt->cancel && *opt->cancel))
        orch_refresh(&o);
    if (!o.fatal)
        orch_batch_commit(&o);
    if (o.in_txn)
        store_rollback(st); /* after a storage failure: that batch's movies stay due */
    finish_stats(&o, start_ms);
    rc = o.fatal ? o.fatal : verdict(&o);
    if (rc == RS_OK && opt->cancel && *opt->cancel)
        rc = rs_fail(err, RS_ERR_CANCELLED, "interrupted; what was received is stored");
    http_destroy(o.http);
    run_end(&o, run_id, rc);
    if (rc == RS_OK)
        compact(&o);
    return rc;
}
