/*
 * What the collect tests (test_collect_run.c, test_collect_pipeline.c,
 * test_collect_discover.c, test_collect_memory.c) share: a fake API and a database file in
 * a temporary directory, the options of a quick run against them or of a whole catalogue,
 * and the recorded fixtures seeded as discovery would store them. Header-only, like
 * log_capture.h.
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

/* The support options with shorter timeouts: a quick run on the loopback. */
static inline struct orch_options opts(const struct env *e, rs_time_t now)
{
    struct orch_options o = fake_collect_options(&e->fake, now);
    o.timeout_ms = 5000;
    o.connect_timeout_ms = 2000;
    return o;
}

/* A temporary directory and the database path in it. */
static inline void env_files(struct env *e)
{
    e->dir = tmpdir_create();
    e->db = path_join(e->dir, "t.duckdb");
}

static inline void env_up(struct env *e, const char *const *fake_args)
{
    env_files(e);
    fake_start(&e->fake, fake_args);
}

static inline void env_down(struct env *e)
{
    fake_stop(&e->fake);
    free(e->db);
    tmpdir_remove(e->dir);
}

/*
 * E up with a fake of MOVIES movies (seed 7, as of 2026-11-25), and the options of a whole
 * collect of them: complete discovery, then every movie's details, 32 in flight per API.
 */
static inline struct orch_options whole_catalogue(struct env *e, const char *movies)
{
    const char *args[] = {"--movies", movies, "--seed", "7", "--now", "2026-11-25", NULL};
    env_up(e, args);
    struct orch_options o = opts(e, at("2026-11-25"));
    o.discover = true;
    o.start_year = 1900;
    o.end_year = 2027;
    o.max_pages = 0;
    o.refresh_limit = 0;
    o.concurrency[RS_API_TMDB] = 32;
    o.concurrency[RS_API_OMDB] = 32;
    return o;
}

/*
 * The fake serving the recorded fixtures with EXTRA arguments (NULL-terminated, or NULL), and
 * their ids in the database as of NOW.
 */
static inline void fixtures_up(struct env *e, const char *const *extra, rs_time_t now)
{
    env_files(e);
    fake_start_fixtures(&e->fake, extra);
    seed_ids(e->db, fixture_ids, N_FIXTURES, now);
}

#endif
