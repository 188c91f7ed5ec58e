/*
 * Shared between the files of the collect run (docs/internals/orchestrator.md), not part
 * of the public API. Calls go one way: run.c drives the phases (discover.c, pipeline.c),
 * both phases write through the batch (batch.c), and every file may count into the run's
 * tally (tally.c); the batch knows neither phase: the refresh hands it its rows to write
 * with a struct batch_rows.
 */
#ifndef RS_COLLECT_INT_H
#define RS_COLLECT_INT_H

#include <stdio.h>

#include "internal.h"
#include "reelsync/orchestrator.h"

/* A batch is full at BATCH_ROWS writes; the refresh's own rule is in pipeline.c. */
#define BATCH_ROWS 2000

/*
 * Rows a phase keeps for the commit instead of writing them as they come. FLUSH writes
 * them inside the commit's transaction (before the usage counts) and sets *BYTES to the
 * bytes of answers they held (for the commit's debug line); STORED empties CTX's rows once
 * the commit has stored them (a commit that failed writes the same rows again, or
 * journals them); FULL says whether they fill the batch after WRITES writes.
 */
struct journal;
struct batch_rows {
    enum rs_err (*flush)(void *ctx, size_t *bytes, struct rs_error *e);
    void (*stored)(void *ctx);
    bool (*full)(const void *ctx, int writes);
    void *ctx;
    /* Appends the rows not journaled yet to J (journal.c); NULL: the phase keeps none. */
    enum rs_err (*journal)(void *ctx, struct journal *j, struct rs_error *e);
};

/* The journal of answers beside the database (journal.c). */
struct journal {
    char *path; /* the database's path + ".journal" */
    FILE *f;    /* open for appending once written */
    bool written;
};

struct orch {
    struct store *st;
    const struct orch_options *opt;
    struct http *http;
    struct orch_stats *stats;
    struct rs_error *err;
    enum rs_err fatal; /* first storage failure: the run stops queuing work */

    /*
     * Writes go into an open transaction, committed when the batch is full or a second
     * old (batch.c). ROWS, when set, are the rows the commit writes (the refresh's).
     */
    bool in_txn;
    int writes;
    int64_t last_commit_ms;
    /* what letting the file go and taking it again last cost, and when it was let go: the
     * timer's commits let it go only when that cost stays a small share of the run */
    int64_t share_cost_ms, let_go_ms;
    size_t renew_bytes; /* bytes of answers committed since DuckDB's instance was made */
    const struct batch_rows *rows;
    int64_t answered[RS_API_COUNT]; /* attempts the API answered usefully (ok, not found) */
    bool feed_read;                 /* the change feed was read up to now (feed.c) */

    /* Progress of the current phase. */
    struct orch_progress progress;

    /*
     * The file is let go between commits while the run waits on the network (batch.c);
     * answers pending while another process holds it go to the journal too.
     */
    struct journal journal;
    bool told_held; /* the log said once that the file is held */

    /* The movies that failed (stats.failed), written with the run's end (run_failures). */
    struct store_failure *failures;
    size_t n_failures, cap_failures;
};

/* The batch (batch.c). Opens the transaction if needed; call before a write. */
enum rs_err orch_batch_begin(struct orch *o);
/* Counts one write; commits the batch (with the usage counts) when it is full or old. */
void orch_batch_wrote(struct orch *o);
/* Commits whatever is pending: the rows handed over, then the engine's usage counts. */
enum rs_err orch_batch_commit(struct orch *o);

/*
 * Takes the file for the run's reads and writes, waiting up to --lock-timeout for another
 * process; lets it go while the run waits on the network. Both end the run (o->fatal) on
 * failure.
 */
enum rs_err orch_batch_hold(struct orch *o);
void orch_batch_let_go(struct orch *o);

/* The journal (journal.c). Paths and failures as "journal: ..." in E. */
enum rs_err journal_init(struct journal *j, const char *db_path, struct rs_error *e);
void journal_release(struct journal *j);
/* Appends one record: K (T, O, G, N, E) for TMDB_ID received at T; BODY for T and O. */
enum rs_err journal_put(struct journal *j, char kind, int64_t tmdb_id, rs_time_t t, int flags,
                        const char *body, size_t len, struct rs_error *e);
/* Flushes the records to the disk (fsync). */
enum rs_err journal_sync(struct journal *j, struct rs_error *e);
/* Removes the journal after a commit stored what it held. */
void journal_drop(struct journal *j);
/*
 * Applies a journal an earlier run left (none: nothing), then removes it; *APPLIED gets the
 * answers it held. ST must hold its file and have no open transaction.
 */
enum rs_err journal_apply(struct store *st, const struct journal *j, const struct rs_log *log,
                          size_t *applied, struct rs_error *e);

/*
 * The refresh's plan (spool.c): written to an unlinked temporary file as the plan query
 * streams it, read back PAGE movies at a time, so the program holds one page of it.
 */
struct spool_entry;
struct plan_spool {
    FILE *f;
    size_t n;    /* movies written */
    size_t read; /* movies read back into pages */
    struct spool_entry *page;
    size_t page_cap, page_len, page_pos;
    int error; /* errno of a failed write */
};
/* An empty spool whose pages hold PAGE movies (0: 1). E: RS_ERR_NOMEM, RS_ERR_IO. */
enum rs_err spool_open(struct plan_spool *sp, size_t page, struct rs_error *e);
/* A store_plan_fn: appends IT (its tmdb_id, imdb_id, needs_*); false when the write failed. */
bool spool_put(void *ctx, const struct plan_item *it);
/* Ends the writing (RS_ERR_IO if a write failed); spool_next then reads from the first. */
enum rs_err spool_rewind(struct plan_spool *sp, struct rs_error *e);
/* The next movie into *IT (tmdb_id, imdb_id, needs_* set); at most SP->n calls. */
enum rs_err spool_next(struct plan_spool *sp, struct plan_item *it, struct rs_error *e);
/* Closes (and so removes) the file; SP is empty after, and may be closed again. */
void spool_close(struct plan_spool *sp);
/*
 * The refresh's plan into SP, counted in stats.planned and logged: collect --id's movies
 * (*UNKNOWN, malloc'd, says which the database does not know; NULL otherwise) or the
 * movies due under --refresh-limit. ST must hold the file. Failures as "refresh: ..."/
 * "database: ..." in E.
 */
enum rs_err orch_plan(struct orch *o, struct plan_spool *sp, bool **unknown, struct rs_error *e);

/* The tally (tally.c). A storage failure: the first one wins, and the run stops queuing. */
void orch_fail_store(struct orch *o, const struct rs_error *e);
/* Counts a final failure of class CODE for API (stats.errors / stats.failed). */
void orch_count_failure(struct orch *o, enum rs_api api, enum rs_err code, bool per_movie);
/* Likewise for the movie TMDB_ID, which the run's end records when it counts as failed. */
void orch_count_movie_failure(struct orch *o, enum rs_api api, enum rs_err code, int64_t tmdb_id);
/* Reports progress to the program, if it asked for it. */
void orch_report_progress(struct orch *o);

/*
 * The phases, each run to its end on the engine: discovery (discover.c), TMDB's change feed
 * (feed.c, policy adaptive), refresh (pipeline.c).
 */
enum rs_err orch_discover(struct orch *o);
enum rs_err orch_feed(struct orch *o);
/* The adaptive schedule of this run, a debug line per API (feed.c, beside the feed). */
void orch_log_schedule(struct orch *o, const struct refresh_schedule *s);
enum rs_err orch_refresh(struct orch *o);

#endif
