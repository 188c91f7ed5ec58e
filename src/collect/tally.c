/*
 * The collect run's tally: what every other file of src/collect/ counts into the run's
 * state, with nothing of its own to call back: a storage failure (the first one stops the
 * run and cancels the engine), final failures by class, and the progress the program
 * asked to hear about. The batch (batch.c) and the phases (discover.c, pipeline.c) call
 * it; it calls none of them.
 */
#include <stdlib.h>

#include "collect_int.h"
#include "reelsync/store.h"

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

/* Whether a movie's final outcome CODE counts as failed (a not-found is an answer; a quota
 * exhausted defers the movie). */
static bool movie_failed(enum rs_err code)
{
    return code != RS_ERR_NOT_FOUND && code != RS_ERR_QUOTA_EXHAUSTED;
}

void orch_count_failure(struct orch *o, enum rs_api api, enum rs_err code, bool per_movie)
{
    if (code > RS_OK && code < RS_OUTCOME_COUNT)
        o->stats->errors[code]++;
    if (per_movie && movie_failed(code))
        o->stats->failed[api]++;
    o->progress.errors++;
}

void orch_count_movie_failure(struct orch *o, enum rs_api api, enum rs_err code, int64_t tmdb_id)
{
    orch_count_failure(o, api, code, true);
    if (!movie_failed(code))
        return;
    if (o->n_failures == o->cap_failures) {
        size_t cap = o->cap_failures ? 2 * o->cap_failures : 64;
        struct store_failure *grown = realloc(o->failures, cap * sizeof(*grown));
        if (!grown)
            return; /* the count stands; only the list of ids is short */
        o->failures = grown;
        o->cap_failures = cap;
    }
    o->failures[o->n_failures++] = (struct store_failure){tmdb_id, api, code};
}

void orch_report_progress(struct orch *o)
{
    if (o->opt->progress)
        o->opt->progress(o->opt->progress_ctx, &o->progress);
}
