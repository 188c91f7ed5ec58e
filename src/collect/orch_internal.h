/*
 * Shared between the collect run's modules (orchestrator.c: the run, batching and the
 * refresh pipeline; discover.c: the discovery phase). Not part of the public API.
 */
#ifndef RS_ORCH_INTERNAL_H
#define RS_ORCH_INTERNAL_H

#include "internal.h"
#include "reelsync/orchestrator.h"

struct orch {
    struct store *st;
    const struct orch_options *opt;
    struct http *http;
    struct orch_stats *stats;
    struct rs_error *err;
    enum rs_err fatal; /* first storage failure: the run stops queuing work */

    /*
     * Writes go into an open transaction, committed every BATCH_ROWS writes (in the refresh:
     * movies) or second. The refresh's rows wait in PEND (orchestrator.c) and are written by
     * the commit, with the store's batch calls.
     */
    bool in_txn;
    int pending;
    struct pending *pend;
    /* The refresh's jobs, one per planned movie, started JOB_WINDOW at a time (orchestrator.c). */
    struct job *jobs;
    size_t n_jobs, jobs_next, jobs_active;
    int64_t last_commit_ms;
    int64_t answered[RS_API_COUNT]; /* attempts the API answered usefully (ok, not found) */
    int64_t attempted[RS_API_COUNT];

    /* Progress of the current phase. */
    struct orch_progress progress;
};

/* Opens the batch transaction if needed; call before a write. */
enum rs_err orch_batch_begin(struct orch *o);
/* Counts one write; commits the batch (with the usage counts) when it is full or old. */
void orch_batch_wrote(struct orch *o);
/* Commits whatever is pending, with the engine's usage counts. */
enum rs_err orch_batch_commit(struct orch *o);
/* Records a storage failure: the first one wins, and the run stops queuing requests. */
void orch_fail_store(struct orch *o, const struct rs_error *e);
/* Counts a final failure of class CODE for API (stats.errors / stats.failed). */
void orch_count_failure(struct orch *o, enum rs_api api, enum rs_err code, bool per_movie);
/* Reports progress to the program, if it asked for it. */
void orch_report_progress(struct orch *o);

/* The discovery phase (discover.c). */
enum rs_err orch_discover(struct orch *o);

#endif
