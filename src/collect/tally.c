/*
 * The collect run's tally: what every other file of src/collect/ counts into the run's
 * state, with nothing of its own to call back: a storage failure (the first one stops the
 * run and cancels the engine), final failures by class, and the progress the program
 * asked to hear about. The batch (batch.c) and the phases (discover.c, pipeline.c) call
 * it; it calls none of them.
 */
#include "collect_int.h"

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
