/*
 * The discovery phase: TMDB's /discover/movie for each year of the run, pages fetched
 * concurrently under the engine's limits, results deduplicated by id and kept until the
 * run's batch (batch.c) commits: the commit upserts them into `movies` (struct batch_rows),
 * so one that runs out of DuckDB's memory writes them again under a higher limit and no
 * page paid for is lost. run.c starts the phase.
 *
 * TMDB serves at most 500 pages of one query. With --max-pages 0 (complete), a window
 * whose first page reports more than that is split in halves, down to a single day, until
 * every window fits; the first page's results are kept either way. A single day that
 * still holds more than 500 pages is collected as far as TMDB serves it, with a warning.
 *
 * Per year it tallies what --max-pages left out (one info line, stats.discover_left_out)
 * and the pages that still failed after their retries: a failed page does not end its
 * year (the others go on; a failed first page leaves its window unknown), the year is
 * recorded in discovery_gaps, and a later run over the year clears it once complete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"
#include "reelsync/tmdb.h"

/*
 * New movies that fill the batch (about 2 MB of rows): with the limits off, as in a complete
 * discovery against a local server (some 20,000 movies a second); at API rates the batch's
 * one-second timer commits long before.
 */
#define BATCH_DISCOVERED 10000

/* An open-addressing set of tmdb ids seen in this run. */
struct idset {
    int64_t *slots; /* 0 marks an empty slot; ids are positive */
    size_t cap, n;
};

/* What one year's discovery came to. */
struct year_tally {
    int asked, total_pages; /* pages asked under --max-pages, pages TMDB reported */
    int64_t left_out;       /* movies on the pages --max-pages left out */
    int failed;             /* pages that failed after their retries */
    bool unknown;           /* a first page failed: the window's page count is unknown */
};

struct disc {
    struct orch *o;
    struct idset seen;
    struct discover_row *rows; /* not yet stored */
    size_t nrows, caprows;
    struct year_tally *years; /* start_year .. end_year */
};

struct page_req {
    struct disc *d;
    rs_date_t from, to;
    int page;
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* Adds ID; returns 1 if new, 0 if seen before, -1 when out of memory. */
static int idset_add(struct idset *s, int64_t id)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        int64_t *slots = calloc(cap, sizeof(*slots));
        if (!slots)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slots[i])
                continue;
            size_t j = mix((uint64_t)s->slots[i]) & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = s->slots[i];
        }
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    size_t j = mix((uint64_t)id) & (s->cap - 1);
    while (s->slots[j]) {
        if (s->slots[j] == id)
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->slots[j] = id;
    s->n++;
    return 1;
}

/* ---- the rows kept for the batch's commit (struct batch_rows) ---- */

static enum rs_err rows_flush(void *ctx, size_t *bytes, struct rs_error *e)
{
    struct disc *d = ctx;
    size_t added = 0;
    (void)bytes; /* no answers kept: a page's rows are all the batch needs of it */
    if (d->nrows == 0)
        return RS_OK;
    enum rs_err rc =
        store_upsert_discovered(d->o->st, d->rows, d->nrows, d->o->opt->now, &added, e);
    if (rc == RS_OK)
        d->o->stats->discovered_new += (int64_t)added;
    return rc;
}

static void rows_stored(void *ctx)
{
    struct disc *d = ctx;
    for (size_t i = 0; i < d->nrows; i++)
        norm_discover_row_release(&d->rows[i]);
    d->nrows = 0;
}

static bool rows_full(const void *ctx, int writes)
{
    (void)writes;
    return ((const struct disc *)ctx)->nrows >= BATCH_DISCOVERED;
}

/* Moves the page's new movies into the pending rows (the page keeps the duplicates). */
static enum rs_err take_results(struct disc *d, struct tmdb_page *page)
{
    for (size_t i = 0; i < page->n_results; i++) {
        struct discover_row *r = &page->results[i];
        int fresh = idset_add(&d->seen, r->tmdb_id);
        if (fresh < 0)
            return RS_ERR_NOMEM;
        if (!fresh)
            continue;
        if (d->nrows == d->caprows) {
            size_t cap = d->caprows ? d->caprows * 2 : 256;
            struct discover_row *rows = realloc(d->rows, cap * sizeof(*rows));
            if (!rows)
                return RS_ERR_NOMEM;
            d->rows = rows;
            d->caprows = cap;
        }
        d->rows[d->nrows++] = *r;
        memset(r, 0, sizeof(*r)); /* moved */
    }
    d->o->stats->discovered = (int64_t)d->seen.n;
    return RS_OK;
}

static void on_page(struct http *h, const struct http_result *res, void *user);

static void queue_page(struct disc *d, rs_date_t from, rs_date_t to, int page)
{
    struct orch *o = d->o;
    char suffix[512];
    struct page_req *req = malloc(sizeof(*req));
    if (!req ||
        !tmdb_discover_suffix(suffix, sizeof(suffix), from, to, o->opt->min_vote_count, page)) {
        free(req);
        orch_count_failure(o, RS_API_TMDB, RS_ERR_NOMEM, false);
        return;
    }
    *req = (struct page_req){.d = d, .from = from, .to = to, .page = page};
    if (http_get(o->http, RS_API_TMDB, suffix, on_page, req) != RS_OK) {
        free(req);
        orch_count_failure(o, RS_API_TMDB, RS_ERR_NOMEM, false);
        return;
    }
    o->progress.total++;
}

/* The tally of the year REQ's window lies in (windows never cross a year). */
static struct year_tally *year_of(struct disc *d, const struct page_req *req)
{
    int y, m, day;
    rs_date_to_ymd(req->from, &y, &m, &day);
    return &d->years[y - d->o->opt->start_year];
}

/* Counts a window's first page: the pages asked and what --max-pages left out. */
static void tally_window(struct disc *d, const struct page_req *req, const struct tmdb_page *page,
                         int asked)
{
    struct year_tally *y = year_of(d, req);
    int64_t fetched = (int64_t)asked * TMDB_PAGE_SIZE;
    y->asked += asked;
    y->total_pages += page->total_pages;
    if (d->o->opt->max_pages > 0 && asked < page->total_pages && page->total_results > fetched)
        y->left_out += page->total_results - fetched;
}

/* After a window's first page: split it, or queue the rest of its pages. */
static void plan_window(struct disc *d, const struct page_req *req, const struct tmdb_page *page)
{
    const struct orch_options *opt = d->o->opt;
    int served = page->total_pages < TMDB_MAX_PAGES ? page->total_pages : TMDB_MAX_PAGES;
    if (opt->max_pages == 0 && page->total_pages > TMDB_MAX_PAGES && req->to > req->from) {
        rs_date_t mid = req->from + (req->to - req->from) / 2;
        rs_logf(opt->log, RS_LOG_DEBUG, "discover: splitting window pages=%d", page->total_pages);
        queue_page(d, req->from, mid, 1);
        queue_page(d, mid + 1, req->to, 1);
        return;
    }
    if (opt->max_pages == 0 && page->total_pages > TMDB_MAX_PAGES) {
        char day[16];
        rs_logf(opt->log, RS_LOG_WARN,
                "discover: one day holds more than TMDB serves; collecting %d of %d pages day=%s",
                TMDB_MAX_PAGES, page->total_pages, rs_date_format(req->from, day, sizeof(day)));
    }
    int last = opt->max_pages > 0 && opt->max_pages < served ? opt->max_pages : served;
    tally_window(d, req, page, last > 0 ? last : 1);
    for (int p = 2; p <= last; p++)
        queue_page(d, req->from, req->to, p);
}

/* A page that failed after its retries (or was cancelled): its year is incomplete. */
static void page_missing(struct disc *d, const struct page_req *req)
{
    struct year_tally *y = year_of(d, req);
    y->failed++;
    y->unknown |= req->page == 1;
}

static void page_answered(struct disc *d, const struct page_req *req, const struct http_result *res)
{
    struct orch *o = d->o;
    struct tmdb_page page = {0};
    struct rs_error e = {0};
    enum rs_err rc = tmdb_parse_discover(res->body, res->body_len, &page, o->opt->log, &e);
    if (rc != RS_OK) {
        rs_logf(o->opt->log, RS_LOG_WARN, "discover: unreadable page %d: %s", req->page, e.msg);
        orch_count_failure(o, RS_API_TMDB, rc, false);
        page_missing(d, req);
        return;
    }
    o->answered[RS_API_TMDB]++;
    if (req->page == 1)
        plan_window(d, req, &page);
    rc = take_results(d, &page);
    if (rc == RS_ERR_NOMEM) {
        struct rs_error nomem = {.code = RS_ERR_NOMEM};
        rs_fail(&nomem, RS_ERR_NOMEM, "discover: out of memory");
        orch_fail_store(o, &nomem);
    }
    tmdb_page_release(&page);
    orch_batch_wrote(o); /* may commit the rows kept */
}

static void on_page(struct http *h, const struct http_result *res, void *user)
{
    struct page_req *req = user;
    struct disc *d = req->d;
    struct orch *o = d->o;
    (void)h;
    o->progress.done++;
    if (res->outcome == RS_OK) {
        page_answered(d, req, res);
    } else if (tmdb_is_page_cap_error(res->status, res->body, res->body_len)) {
        /* Past the last page TMDB serves: the window is complete, not failed. */
        o->answered[RS_API_TMDB]++;
    } else {
        page_missing(d, req);
        if (res->outcome != RS_ERR_CANCELLED) {
            rs_logf(o->opt->log, RS_LOG_WARN, "discover: page %d failed: %s %s", req->page,
                    rs_errname(res->outcome), res->detail);
            orch_count_failure(o, RS_API_TMDB, res->outcome, false);
        }
    }
    free(req);
    orch_report_progress(o);
}

/* ---- the years' report ---- */

/* The info line of a year --max-pages cut short. */
static void report_cap(const struct orch *o, int year, const struct year_tally *y)
{
    if (y->left_out <= 0)
        return;
    rs_logf(o->opt->log, RS_LOG_INFO,
            "discover: %d: %d of %d pages, %lld movie%s not fetched (--max-pages 0 for all)", year,
            y->asked, y->total_pages, (long long)y->left_out, y->left_out == 1 ? "" : "s");
    o->stats->discover_left_out += y->left_out;
}

/* True when YEAR is among the N recorded GAPS. */
static bool has_gap(const struct store_gap *gaps, size_t n, int year)
{
    for (size_t i = 0; i < n; i++) {
        if (gaps[i].year == year)
            return true;
    }
    return false;
}

/* Records YEAR's gap, or clears the one recorded when the year is now complete. */
static enum rs_err record_year(struct orch *o, int year, const struct year_tally *y, bool had,
                               struct rs_error *e)
{
    if (y->failed == 0)
        return had ? store_gap_clear(o->st, year, e) : RS_OK;
    o->stats->discover_incomplete++;
    if (y->unknown)
        rs_logf(o->opt->log, RS_LOG_WARN,
                "discover: %d: incomplete (a first page failed); recorded, asked again by the "
                "next run over %d",
                year, year);
    else
        rs_logf(o->opt->log, RS_LOG_WARN,
                "discover: %d: %d page%s missing; recorded, asked again by the next run over %d",
                year, y->failed, y->failed == 1 ? "" : "s", year);
    return store_gap_record(o->st, year, y->unknown ? -1 : y->failed, o->opt->now, e);
}

/* Gaps recorded for years outside this run's range: named once, left for a run over them. */
static void report_outside(const struct orch *o, const struct store_gap *gaps, size_t n)
{
    char list[256];
    size_t used = 0, shown = 0;
    for (size_t i = 0; i < n && used < sizeof(list) - 16; i++) {
        if (gaps[i].year >= o->opt->start_year && gaps[i].year <= o->opt->end_year)
            continue;
        int w = snprintf(list + used, sizeof(list) - used, "%s%d", shown ? ", " : "", gaps[i].year);
        used += w > 0 ? (size_t)w : 0;
        shown++;
    }
    if (shown > 0)
        rs_logf(o->opt->log, RS_LOG_INFO,
                "discover: incomplete years outside --start-year..--end-year: %s (a run over "
                "them asks for them again)",
                list);
}

/* Reports every year of the run and writes its gap (or clears it) in the batch. */
static void report_years(struct disc *d)
{
    struct orch *o = d->o;
    struct store_gap *gaps = NULL;
    size_t n = 0;
    struct rs_error e = {0};
    for (int year = o->opt->start_year; year <= o->opt->end_year; year++)
        report_cap(o, year, &d->years[year - o->opt->start_year]);
    if (o->fatal || orch_batch_begin(o) != RS_OK)
        return;
    enum rs_err rc = store_gaps(o->st, &gaps, &n, &e);
    for (int year = o->opt->start_year; rc == RS_OK && year <= o->opt->end_year; year++)
        rc = record_year(o, year, &d->years[year - o->opt->start_year], has_gap(gaps, n, year), &e);
    if (rc != RS_OK) {
        orch_fail_store(o, &e);
    } else {
        report_outside(o, gaps, n);
        orch_batch_wrote(o);
    }
    free(gaps);
}

enum rs_err orch_discover(struct orch *o)
{
    struct disc d = {.o = o};
    struct rs_error e = {0};
    o->progress = (struct orch_progress){.phase = ORCH_DISCOVER};
    int n_years = o->opt->end_year - o->opt->start_year + 1;
    d.years = calloc(n_years > 0 ? (size_t)n_years : 1, sizeof(*d.years));
    if (!d.years) {
        struct rs_error nomem = {.code = RS_ERR_NOMEM};
        rs_fail(&nomem, RS_ERR_NOMEM, "discover: out of memory");
        orch_fail_store(o, &nomem);
        return o->fatal;
    }
    const struct batch_rows rows = {
        .flush = rows_flush, .stored = rows_stored, .full = rows_full, .ctx = &d};
    o->rows = &rows;
    for (int y = o->opt->start_year; y <= o->opt->end_year; y++)
        queue_page(&d, rs_date_from_ymd(y, 1, 1), rs_date_from_ymd(y, 12, 31), 1);
    enum rs_err rc = http_run(o->http, &e);
    if (rc != RS_OK && !o->fatal)
        o->fatal = rs_fail(o->err, rc, "%s", e.msg);
    orch_batch_commit(o); /* the rows left, before the years' gaps go in a batch of their own */
    o->rows = NULL;
    report_years(&d);
    free(d.years);
    rows_stored(&d); /* what a failed run left unstored: freed */
    free(d.rows);
    free(d.seen.slots);
    rs_logf(o->opt->log, RS_LOG_INFO, "discover: done movies=%lld new=%lld pages=%lld",
            (long long)o->stats->discovered, (long long)o->stats->discovered_new,
            (long long)o->progress.done);
    return o->fatal;
}
