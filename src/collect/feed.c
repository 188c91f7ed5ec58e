/*
 * TMDB's change feed, read before the refresh plans under the adaptive policy
 * (docs/internals/adaptive.md, "The feed"). From the stored watermark (the last day read)
 * to today, one window per day, GET /movie/changes?start_date=D&end_date=D, every page: the
 * watermark's own day is read again (it was read only up to the last run's moment: the day
 * of overlap). A first run reads yesterday and today. A gap longer than TMDB serves
 * (TMDB_CHANGES_MAX_DAYS) is read for its last 14 days and recorded (with the first day
 * read after it, so a run that reads nothing records nothing twice); the age schedule covers
 * the hole.
 *
 * The pages are TMDB requests like any other: the same engine, rate limit, daily limit and
 * usage counts. Windows are read in day order (a window's pages together), the next once the
 * one before is complete. Nothing is written until the engine is done: then the known
 * movies each complete window reported are noted (due for TMDB, frozen ones thawed) and the
 * watermark moves to the last complete day, in one commit. A failed page (or a daily limit)
 * stops the read there and leaves that day and every later one to be read again; a run
 * killed before the commit wrote nothing and reads it all again.
 */
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"
#include "reelsync/tmdb.h"

/* One day's window: its pages as they arrive. */
struct window {
    struct feed *f;
    rs_date_t day;
    int pages, received; /* pages known (after page 1) and received */
    bool failed;
    int64_t *ids;
    size_t n, cap;
};

struct feed {
    struct orch *o;
    struct window *w;
    size_t n, next;             /* windows, and the next one to start */
    rs_date_t gap_from, gap_to; /* days past TMDB's reach, recorded with the first window */
    bool gap;
};

static void on_page(struct http *h, const struct http_result *res, void *user);
static void queue_page(struct window *w, int page);

/*
 * Starts the next window once the one before is complete: windows are read in day order,
 * so a daily limit or a failure stops the read after the last complete day, which is where
 * the watermark then stands. Pages of one window go out together.
 */
static void next_window(struct feed *f)
{
    if (f->next < f->n)
        queue_page(&f->w[f->next++], 1);
}

/* Queues page PAGE of W. */
static void queue_page(struct window *w, int page)
{
    struct orch *o = w->f->o;
    char suffix[128];
    if (!tmdb_changes_suffix(suffix, sizeof(suffix), w->day, w->day, page) ||
        http_get(o->http, RS_API_TMDB, suffix, on_page, w) != RS_OK)
        w->failed = true;
}

static bool keep_ids(struct window *w, const struct tmdb_changes *c)
{
    if (w->n + c->n > w->cap) {
        size_t cap = (w->n + c->n) * 2;
        int64_t *p = realloc(w->ids, cap * sizeof(*p));
        if (!p)
            return false;
        w->ids = p;
        w->cap = cap;
    }
    memcpy(w->ids + w->n, c->ids, c->n * sizeof(*c->ids));
    w->n += c->n;
    return true;
}

static void on_page(struct http *h, const struct http_result *res, void *user)
{
    struct window *w = user;
    struct orch *o = w->f->o;
    struct tmdb_changes c = {0};
    struct rs_error e = {0};
    (void)h;
    if (res->outcome != RS_OK) {
        w->failed = true;
        if (res->outcome != RS_ERR_CANCELLED)
            orch_count_failure(o, RS_API_TMDB, res->outcome, false);
        return;
    }
    enum rs_err rc = tmdb_parse_changes(res->body, res->body_len, &c, o->opt->log, &e);
    if (rc != RS_OK) {
        rs_logf(o->opt->log, RS_LOG_WARN, "feed: unreadable changes page: %s", e.msg);
        orch_count_failure(o, RS_API_TMDB, rc, false);
        w->failed = true;
        return;
    }
    o->answered[RS_API_TMDB]++;
    o->stats->feed_pages++;
    w->received++;
    if (!keep_ids(w, &c))
        w->failed = true;
    if (c.page == 1) {
        w->pages = c.total_pages > 0 ? c.total_pages : 1;
        for (int p = 2; p <= w->pages && !w->failed; p++)
            queue_page(w, p);
    }
    tmdb_changes_release(&c);
    if (!w->failed && w->received == w->pages)
        next_window(w->f);
}

/* The first day to read after the watermark WM; a gap past TMDB's reach goes into F. */
static rs_date_t first_day(struct feed *f, struct rs_i64 wm, rs_date_t today)
{
    struct orch *o = f->o;
    rs_date_t first = wm.set ? (rs_date_t)wm.v : today - 1;
    if (first > today)
        first = today; /* a watermark from a later --now */
    if (today - first + 1 <= TMDB_CHANGES_MAX_DAYS)
        return first;
    rs_date_t last_missed = today - TMDB_CHANGES_MAX_DAYS;
    char a[16], b[16];
    o->stats->feed_gap_days = last_missed - first + 1;
    rs_logf(o->opt->log, RS_LOG_WARN,
            "feed: %lld days since the last read are past what TMDB serves (%d): %s to %s not "
            "read; the age schedule covers them",
            (long long)o->stats->feed_gap_days, TMDB_CHANGES_MAX_DAYS,
            rs_date_format(first, a, sizeof(a)), rs_date_format(last_missed, b, sizeof(b)));
    *f = (struct feed){.o = o, .gap = true, .gap_from = first, .gap_to = last_missed};
    return last_missed + 1;
}

/* Notes the reported movies of the complete windows and moves the watermark, in the batch. */
static void note(struct feed *f)
{
    struct orch *o = f->o;
    struct rs_error e = {0};
    bool unbroken = true;
    for (size_t i = 0; i < f->n && !o->fatal; i++) {
        struct window *w = &f->w[i];
        int64_t unknown = 0, thawed = 0;
        unbroken &= !w->failed && w->received == w->pages;
        if (!unbroken)
            break; /* windows are read in order: none after a failed one was complete */
        int64_t *thawed_ids = malloc((w->n ? w->n : 1) * sizeof(*thawed_ids));
        if (!thawed_ids) {
            o->fatal = rs_fail(o->err, RS_ERR_NOMEM, "feed: out of memory");
            return;
        }
        /* the gap, with the first day read after it: a run that reads nothing records none */
        bool gap = f->gap && i == 0;
        if (orch_batch_begin(o) != RS_OK ||
            (gap && store_feed_record_gap(o->st, f->gap_from, f->gap_to, &e) != RS_OK) ||
            store_feed_note(o->st, w->ids, w->n, w->day, o->opt->now, &unknown, &thawed, thawed_ids,
                            &e) != RS_OK ||
            store_feed_set_watermark(o->st, w->day, &e) != RS_OK) {
            free(thawed_ids);
            if (!o->fatal)
                orch_fail_store(o, &e);
            return;
        }
        char day[16];
        rs_date_format(w->day, day, sizeof(day));
        for (int64_t k = 0; k < thawed; k++)
            rs_logf(o->opt->log, RS_LOG_INFO, "feed: thawed tmdb_id=%lld (changed on TMDB %s)",
                    (long long)thawed_ids[k], day);
        free(thawed_ids);
        o->stats->feed_changed += (int64_t)w->n - unknown;
        o->stats->feed_unknown += unknown;
        o->stats->thawed += thawed;
        orch_batch_wrote(o);
    }
    o->feed_read = unbroken;
}

enum rs_err orch_feed(struct orch *o)
{
    struct rs_error e = {0};
    struct rs_i64 wm;
    struct feed f = {.o = o};
    rs_date_t today = rs_time_day(o->opt->now);
    if (orch_batch_hold(o) != RS_OK)
        return o->fatal;
    if (store_feed_watermark(o->st, &wm, &e) != RS_OK) {
        orch_fail_store(o, &e);
        return o->fatal;
    }
    rs_date_t first = first_day(&f, wm, today);
    f.n = (size_t)(today - first + 1);
    f.w = calloc(f.n, sizeof(*f.w));
    if (!f.w)
        return o->fatal = rs_fail(o->err, RS_ERR_NOMEM, "feed: out of memory");
    orch_batch_let_go(o);
    for (size_t i = 0; i < f.n; i++)
        f.w[i] = (struct window){.f = &f, .day = first + (rs_date_t)i, .pages = 1};
    next_window(&f);
    enum rs_err rc = http_run(o->http, &e);
    if (rc != RS_OK && !o->fatal)
        o->fatal = rs_fail(o->err, rc, "%s", e.msg);
    if (!o->fatal && !(o->opt->cancel && *o->opt->cancel))
        note(&f);
    if (!o->fatal)
        orch_batch_commit(o);
    char from[16];
    rs_logf(o->opt->log, RS_LOG_INFO,
            "feed: %zu days from %s, %lld pages, %lld known movies changed, %lld thawed, %lld "
            "unknown ids%s",
            f.n, rs_date_format(first, from, sizeof(from)), (long long)o->stats->feed_pages,
            (long long)o->stats->feed_changed, (long long)o->stats->thawed,
            (long long)o->stats->feed_unknown,
            o->feed_read ? "" : " (incomplete: read again next run)");
    for (size_t i = 0; i < f.n; i++)
        free(f.w[i].ids);
    free(f.w);
    return o->fatal;
}

/* The adaptive schedule of this run, a debug line per API: each bin's intervals in days. */
void orch_log_schedule(struct orch *o, const struct refresh_schedule *s)
{
    for (int api = 0; api < RS_API_COUNT; api++) {
        char line[512];
        size_t pos = 0;
        for (int bin = 0; bin < REFRESH_BIN_COUNT && pos < sizeof(line); bin++)
            pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " %lld:%.1f/%.1f",
                                    (long long)refresh_bin_min_age(bin), s->interval[api][bin][0],
                                    s->interval[api][bin][1]);
        rs_logf(o->opt->log, RS_LOG_DEBUG, "refresh: %s intervals (age: unchanged/changed days)%s",
                rs_api_name((enum rs_api)api), line);
    }
    const struct refresh_hazard *hz = &s->omdb;
    if (!hz->on)
        return;
    /* the ages where OMDB's learned hazard is highest: a movie's chance jumps past them */
    char peaks[512];
    size_t pos = 0;
    int64_t prev = -1;
    for (int64_t a = REFRESH_HAZARD_AGE_LO; a <= REFRESH_HAZARD_AGE_HI && pos < sizeof(peaks);
         a++) {
        int k = refresh_hazard_bucket(a);
        if (k != prev && hz->h[k] >= 0.05)
            pos += (size_t)snprintf(peaks + pos, sizeof(peaks) - pos, " %lld:%.2f", (long long)a,
                                    hz->h[k]);
        prev = k;
    }
    rs_logf(o->opt->log, RS_LOG_DEBUG,
            "refresh: omdb hazard: due at chance %.3f for %.1f checks a day, feed %.2f; changes a "
            "day from age%s",
            hz->theta, hz->budget, hz->q, peaks);
}
