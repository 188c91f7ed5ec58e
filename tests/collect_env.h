/*
 * What the collect tests (test_collect_run.c, test_collect_pipeline.c,
 * test_collect_discover.c) share: a fake API and a database file in a temporary
 * directory, the options of a quick run against them, and the recorded fixtures seeded
 * as discovery would store them. Header-only, like log_capture.h.
 */
#ifndef RS_COLLECT_ENV_H
#define RS_COLLECT_ENV_H

#include <stdlib.h>

#include "reelsync/orchestrator.h"

/* The ten TMDB fixtures, plus one id the fixtures do not know (TMDB answers 404). */
static const int64_t fixture_ids[] = {27205,  10193,   19995,   283917, 194,   54186,
                                      466420, 1075794, 1443826, 76162,  999999};
#define N_FIXTURES 11

struct env {
    char *dir;
    char *db;
    struct fake fake;
};

static inline struct orch_options opts(const struct env *e, rs_time_t now)
{
    struct orch_options o = {
        .refresh = true,
        .refresh_limit = 1000,
        .base_url = {e->fake.tmdb_url, e->fake.omdb_url},
        .concurrency = {8, 4},
        .tmdb_key = "test",
        .omdb_key = "test",
        .retry = RETRY_POLICY_DEFAULT,
        .timeout_ms = 5000,
        .connect_timeout_ms = 2000,
        .now = now,
    };
    o.retry.base_ms = 5;
    o.retry.max_ms = 20;
    return o;
}

static inline void env_up(struct env *e, const char *const *fake_args)
{
    e->dir = tmpdir_create();
    e->db = path_join(e->dir, "t.duckdb");
    fake_start(&e->fake, fake_args);
}

static inline void env_down(struct env *e)
{
    fake_stop(&e->fake);
    free(e->db);
    tmpdir_remove(e->dir);
}

/* The fake serving the recorded fixtures, and their ids in the database as of NOW. */
static inline void fixtures_up(struct env *e, rs_time_t now)
{
    const char *args[] = {"--fixtures", RS_FIXTURES_DIR, NULL};
    env_up(e, args);
    seed_ids(e->db, fixture_ids, N_FIXTURES, now);
}

#endif
