/*
 * The collect run's batch: one open transaction that the phases write into, and when it
 * is committed. Discovery writes its rows as they come (between orch_batch_begin and
 * orch_batch_wrote); the refresh keeps its rows and hands the batch a struct batch_rows
 * to write them with at each commit. Either way every commit ends with the engine's
 * attempt counts, so the daily limits stay exact across runs. This file knows neither
 * phase (docs/internals/orchestrator.md, "Batching and crash safety").
 *
 * The file is shared (docs/internals/orchestrator.md, "Sharing the file"): a commit made by
 * the timer lets it go, since the run is then waiting on the network, and the next write or
 * commit takes it again. A commit that finds it held by another process journals the rows
 * handed over and tries again a second later; when they fill the batch it waits for the
 * file, up to --lock-timeout.
 */
#include "collect_int.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#define BATCH_MS 1000
/*
 * The timer's commit lets the file go only when at least this many times what the last let
 * go and take cost has passed since: 10-25 ms at 100,000 movies, so every second; on a slow
 * disk, a huge file or under valgrind (seconds: DETACH checkpoints) sharing stays a tenth
 * of the run instead of all of it.
 */
#define SHARE_COST_FACTOR 10

/*
 * Bytes of answers committed between two DuckDB instances (store_renew), about 20,000
 * movies: DuckDB's heap grows with what an instance has done, outside its memory limit.
 * Over the details of a 955,639-movie catalogue it held 98 MB at 880,000 movies, 76 MB
 * with this (and the writer's limit raised by a quarter instead of doubled: peak RSS 266
 * MB instead of 391, as fast). A new instance every 64 MiB did no better
 * (docs/benchmarks.md, issue 18).
 */
#define RENEW_BYTES ((size_t)256 << 20)

enum rs_err orch_batch_hold(struct orch *o)
{
    struct rs_error e = {0};
    if (o->fatal || store_holds(o->st))
        return o->fatal;
    int64_t start = rs_monotonic_ms();
    if (store_take(o->st, -1, NULL, &e) != RS_OK)
        orch_fail_store(o, &e);
    o->share_cost_ms += rs_monotonic_ms() - start;
    return o->fatal;
}

void orch_batch_let_go(struct orch *o)
{
    struct rs_error e = {0};
    if (o->fatal || o->in_txn || !store_holds(o->st))
        return;
    int64_t start = rs_monotonic_ms();
    if (store_let_go(o->st, &e) != RS_OK)
        orch_fail_store(o, &e);
    o->let_go_ms = rs_monotonic_ms();
    o->share_cost_ms = o->let_go_ms - start; /* the take that follows adds its part */
}

enum rs_err orch_batch_begin(struct orch *o)
{
    struct rs_error e = {0};
    if (o->fatal || o->in_txn || orch_batch_hold(o) != RS_OK)
        return o->fatal;
    if (store_begin(o->st, &e) != RS_OK) {
        orch_fail_store(o, &e);
        return o->fatal;
    }
    o->in_txn = true;
    return RS_OK;
}

/* Adds the engine's attempt counts COUNTS to today's usage, inside the open transaction. */
static enum rs_err flush_usage(struct orch *o, int64_t counts[RS_API_COUNT][RS_OUTCOME_COUNT],
                               struct rs_error *e)
{
    for (int api = 0; api < RS_API_COUNT; api++) {
        int64_t total = 0;
        for (int k = 0; k < RS_OUTCOME_COUNT; k++)
            total += counts[api][k];
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

/* Appends the rows handed over to the journal and syncs it: they survive a kill from now. */
static enum rs_err keep_in_journal(struct orch *o)
{
    struct rs_error e = {0};
    if (o->rows && o->rows->journal &&
        (o->rows->journal(o->rows->ctx, &o->journal, &e) != RS_OK ||
         journal_sync(&o->journal, &e) != RS_OK))
        orch_fail_store(o, &e);
    return o->fatal;
}

/*
 * Takes the file for a commit. Held by another process: the rows go to the journal, and a
 * commit of the timer (!WAIT) is put off to the next second; otherwise it waits.
 * RS_ERR_DB_LOCKED when put off.
 */
static enum rs_err take_for_commit(struct orch *o, bool wait)
{
    struct rs_error e = {0};
    struct store_holder h = {0};
    if (o->in_txn || store_holds(o->st))
        return RS_OK;
    enum rs_err rc = store_take(o->st, 0, &h, &e);
    if (rc != RS_ERR_DB_LOCKED)
        return rc == RS_OK ? RS_OK : (orch_fail_store(o, &e), o->fatal);
    if (keep_in_journal(o) != RS_OK)
        return o->fatal;
    bool journaled = o->rows && o->rows->journal; /* discovery's rows are only in memory */
    char also[600] = "";
    if (journaled)
        snprintf(also, sizeof(also), " and in '%s'", o->journal.path);
    if (!o->told_held)
        rs_logf(o->opt->log, RS_LOG_WARN,
                "database: held by %s (PID %ld); answers kept in memory%s until it is free",
                h.program[0] ? h.program : "another process", h.pid, also);
    o->told_held = true;
    if (!wait) {
        o->last_commit_ms = rs_monotonic_ms();
        return RS_ERR_DB_LOCKED;
    }
    if (store_take(o->st, -1, NULL, &e) != RS_OK) {
        struct rs_error kept = e;
        if (journaled)
            rs_fail(&kept, e.code, "the answers received are kept in '%s' for the next collect; %s",
                    o->journal.path, e.msg);
        orch_fail_store(o, &kept);
    }
    return o->fatal;
}

/*
 * After a commit failed because DuckDB's memory limit was used up (RS_ERR_NOMEM, rolled
 * back): raises the limit, puts back the counts the failed flush added, and opens the
 * transaction again, so the same rows are written once more. False when the limit is at
 * its ceiling; E then says so.
 */
static bool grow_and_retry(struct orch *o, const struct orch_stats *before, struct rs_error *e)
{
    int64_t mb = 0;
    if (store_grow_memory(o->st, &mb, e) != RS_OK)
        return false;
    rs_logf(o->opt->log, RS_LOG_WARN,
            "database: a batch ran out of DuckDB's memory limit; limit raised to %lld MB, batch "
            "written again",
            (long long)mb);
    *o->stats = *before;
    return orch_batch_begin(o) == RS_OK;
}

/*
 * Commits the batch; one of the timer (BY_TIMER) lets the file go after. The rows handed
 * over stay with their owner until a commit stores them, so one that ran out of DuckDB's
 * memory is tried again under a higher limit, and one that fails for good leaves them in
 * the journal for the next collect.
 */
static enum rs_err commit(struct orch *o, bool by_timer)
{
    struct rs_error e = {0};
    if (o->fatal || take_for_commit(o, !by_timer) != RS_OK)
        return o->fatal;
    if (!o->in_txn && orch_batch_begin(o) != RS_OK)
        return o->fatal;
    int writes = o->writes;
    size_t bytes = 0;
    const struct orch_stats before = *o->stats;
    int64_t counts[RS_API_COUNT][RS_OUTCOME_COUNT] = {{0}};
    http_take_counts(o->http, counts);
    for (;;) {
        e = (struct rs_error){0};
        if (flush_rows(o, &bytes, &e) == RS_OK && flush_usage(o, counts, &e) == RS_OK &&
            store_commit(o->st, &e) == RS_OK)
            break;
        store_rollback(o->st);
        o->in_txn = false;
        /* only rows handed over can be written again: discovery's went in as they came */
        if (e.code == RS_ERR_NOMEM && o->rows && grow_and_retry(o, &before, &e))
            continue;
        struct rs_error kept = e;
        if (o->rows && o->rows->journal && keep_in_journal(o) == RS_OK)
            rs_fail(&kept, e.code, "the answers received are kept in '%s' for the next collect; %s",
                    o->journal.path, e.msg);
        orch_fail_store(o, &kept);
        return o->fatal;
    }
    o->in_txn = false;
    if (o->rows)
        o->rows->stored(o->rows->ctx);
    o->writes = 0;
    o->last_commit_ms = rs_monotonic_ms();
    journal_drop(&o->journal); /* what it held is stored now */
    o->renew_bytes += bytes;
    size_t renew_at = o->opt->renew_bytes ? o->opt->renew_bytes : RENEW_BYTES;
    if (o->renew_bytes >= renew_at && store_holds(o->st)) {
        o->renew_bytes = 0;
        if (store_renew(o->st, &e) != RS_OK) {
            orch_fail_store(o, &e);
            return o->fatal;
        }
        rs_logf(o->opt->log, RS_LOG_DEBUG, "batch: a new DuckDB instance after %zu bytes",
                renew_at);
    }
#ifdef __GLIBC__
    /*
     * The batch's rows and DuckDB's statements leave free memory all over glibc's heap,
     * which it keeps. Given back after each commit: the details of a 100,000-movie
     * catalogue peaked at 213 MB instead of 225, a 300,000-movie bench_collect at 228
     * (225-240 without), at the same speed (docs/benchmarks.md, issue 18).
     */
    malloc_trim(0);
#endif
    rs_logf(o->opt->log, RS_LOG_DEBUG, "batch: committed %d writes, %zu bytes of answers", writes,
            bytes);
    if (by_timer && rs_monotonic_ms() - o->let_go_ms >= SHARE_COST_FACTOR * o->share_cost_ms)
        orch_batch_let_go(o);
    return o->fatal;
}

enum rs_err orch_batch_commit(struct orch *o)
{
    return commit(o, false);
}

/*
 * A batch is full at BATCH_ROWS writes, or when the rows handed over say so (the
 * refresh: pipeline.c), and BATCH_MS after the last commit whatever its size. At API
 * rates (tens of requests a second) BATCH_MS decides, and a run killed loses at most a
 * second of answers (none held by another process: those are in the journal). A full
 * batch keeps the file (a bulk collect commits faster than once a second); one committed
 * by its timer lets it go.
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
    if (batch_full(o))
        commit(o, false);
    else if (rs_monotonic_ms() - o->last_commit_ms >= BATCH_MS)
        commit(o, true);
}
