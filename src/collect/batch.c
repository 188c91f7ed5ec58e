/*
 * The collect run's batch: one open transaction that the phases write into, and when it
 * is committed. Discovery writes its rows as they come (between orch_batch_begin and
 * orch_batch_wrote); the refresh keeps its rows and hands the batch a struct batch_rows
 * to write them with at each commit. Either way every commit ends with the engine's
 * attempt counts, so the daily limits stay exact across runs. This file knows neither
 * phase (docs/internals/orchestrator.md, "Batching and crash safety").
 */
#include "collect_int.h"

#define BATCH_MS 1000

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

static enum rs_err flush_rows(struct orch *o, size_t *bytes, struct rs_error *e)
{
    return o->rows ? o->rows->flush(o->rows->ctx, bytes, e) : RS_OK;
}

enum rs_err orch_batch_commit(struct orch *o)
{
    struct rs_error e = {0};
    if (o->fatal)
        return o->fatal;
    if (!o->in_txn && orch_batch_begin(o) != RS_OK)
        return o->fatal;
    int writes = o->writes;
    size_t bytes = 0;
    if (flush_rows(o, &bytes, &e) != RS_OK || flush_usage(o, &e) != RS_OK ||
        store_commit(o->st, &e) != RS_OK) {
        store_rollback(o->st);
        o->in_txn = false;
        orch_fail_store(o, &e);
        return o->fatal;
    }
    o->in_txn = false;
    o->writes = 0;
    o->last_commit_ms = rs_monotonic_ms();
    rs_logf(o->opt->log, RS_LOG_DEBUG, "batch: committed %d writes, %zu bytes of answers", writes,
            bytes);
    return RS_OK;
}

/*
 * A batch is full at BATCH_ROWS writes, or when the rows handed over say so (the
 * refresh: pipeline.c), and BATCH_MS after the last commit whatever its size. At API
 * rates (tens of requests a second) BATCH_MS decides, and a run killed loses at most a
 * second of answers.
 */
static bool batch_full(const struct orch *o)
{
    if (o->rows)
        return o->rows->full(o->rows->ctx, o->writes);
    return o->writes >= BATCH_ROWS;
}

void orch_batch_wrote(struct orch *o)
{
    o->writes++;
    if (batch_full(o) || rs_monotonic_ms() - o->last_commit_ms >= BATCH_MS)
        orch_batch_commit(o);
}
