/*
 * TEMPORARY (issue 7, cli branch) -- DELETE AT MERGE.
 *
 * Stand-ins for library functions that other branches are writing (store.c, refresh.c,
 * orchestrator.c), so that the reelsync program links and its command-line tests run
 * before the merge. Every stub fails with RS_ERR_CONFIG "not merged yet"; the two pure
 * refresh helpers return SPEC's table so the plan printer can be exercised.
 */
#include <stdio.h>
#include <string.h>

#include "reelsync/orchestrator.h"
#include "reelsync/refresh.h"
#include "reelsync/store.h"
#include "zz_pending_store.h"

static enum rs_err pending(struct rs_error *err, const char *what)
{
    if (err) {
        err->code = RS_ERR_CONFIG;
        snprintf(err->msg, sizeof(err->msg), "%s: not merged yet", what);
    }
    return RS_ERR_CONFIG;
}

enum rs_err store_open(const char *path, enum store_mode mode, struct store **out,
                       struct rs_error *err)
{
    return pending(err, "store_open");
}

void store_close(struct store *st)
{
}

enum rs_err store_plan(struct store *st, rs_time_t now, size_t limit, bool include_frozen,
                       struct plan_item **items, size_t *n, struct rs_error *err)
{
    return pending(err, "store_plan");
}

enum rs_err store_report(struct store *st, rs_time_t now, struct store_report *out,
                         struct rs_error *err)
{
    return pending(err, "store_report");
}

enum rs_err store_export(struct store *st, const char *format, const char *path,
                         struct rs_error *err)
{
    return pending(err, "store_export");
}

enum rs_err store_unfreeze(struct store *st, const int64_t *tmdb_ids, size_t n, bool all,
                           rs_time_t now, int64_t *changed, struct rs_error *err)
{
    return pending(err, "store_unfreeze");
}

enum rs_err orch_collect(struct store *st, const struct orch_options *opt, struct orch_stats *stats,
                         struct rs_error *err)
{
    return pending(err, "orch_collect");
}

const char *refresh_category_name(enum refresh_category cat)
{
    static const char *const names[] = {"recent", "established", "mature", "archived"};
    return (unsigned)cat < REFRESH_CATEGORY_COUNT ? names[cat] : "?";
}

int refresh_interval_days(enum refresh_category cat, enum rs_api api)
{
    static const int days[REFRESH_CATEGORY_COUNT][RS_API_COUNT] = {
        {5, 5}, {15, 30}, {30, 90}, {90, 180}};
    return days[cat][api];
}
