/*
 * refresh: the age-based refresh policy (README, "The refresh policy") and the freezing
 * rule. Pure functions of their arguments; `now` is always passed in (it honours --now).
 *
 *   category      age_days         TMDB every  OMDB every
 *   RECENT        < 60 (or none)   5 days      5 days
 *   ESTABLISHED   60 to < 180      15 days     30 days
 *   MATURE        180 to 365       30 days     90 days
 *   ARCHIVED      > 365            90 days     180 days
 *
 * age_days is whole days from the release date to now (floor); a movie with no release
 * date or one not yet released is RECENT.
 */
#ifndef REELSYNC_REFRESH_H
#define REELSYNC_REFRESH_H

#include "reelsync/normalize.h"

enum refresh_category {
    REFRESH_RECENT = 0,
    REFRESH_ESTABLISHED,
    REFRESH_MATURE,
    REFRESH_ARCHIVED,
    REFRESH_CATEGORY_COUNT
};

/* Unchanged refreshes after which an ARCHIVED movie is frozen (refresh_freezes). */
#define REFRESH_FREEZE_CYCLES 3
/* The adaptive schedule learns from the refreshes of the last REFRESH_LEARN_DAYS. */
#define REFRESH_LEARN_DAYS 365

/* "recent", "established", "mature", "archived" */
const char *refresh_category_name(enum refresh_category cat);
/* Whole days from RELEASE (rs_date_t, may be NULL) to NOW; negative before release. */
int64_t refresh_age_days(struct rs_i64 release, rs_time_t now);
enum refresh_category refresh_category_of(struct rs_i64 release, rs_time_t now);
/*
 * The youngest age in days of CAT: 0, 60, 180, 366. A movie is in the oldest category whose
 * youngest age its age reaches; one with no release date, or not yet released, is RECENT.
 * The planner's SQL takes these as parameters (store_plan).
 */
int64_t refresh_min_age_days(enum refresh_category cat);
/* The interval in days for API in CAT. */
int refresh_interval_days(enum refresh_category cat, enum rs_api api);
/* Due when LAST (rs_time_t, may be NULL) is NULL or at least the interval before NOW. */
bool refresh_is_due(struct rs_i64 release, struct rs_i64 last, enum rs_api api, rs_time_t now);
/*
 * The freezing rule: whether a movie released on RELEASE (may be NULL) whose data came back
 * unchanged STABLE_CYCLES refreshes in a row is frozen at NOW: ARCHIVED, and at least
 * REFRESH_FREEZE_CYCLES of them.
 */
bool refresh_freezes(int64_t stable_cycles, struct rs_i64 release, rs_time_t now);

/*
 * The policies (collect --policy, plan, forecast). SEED is the table above and the freezing
 * rule, exactly. ADAPTIVE (docs/internals/adaptive.md) reads TMDB's change feed and sets
 * each movie's intervals from what refreshes of this database found: per API, age bin and
 * whether the movie's last refresh changed it, the rate of changes per day of waiting,
 * with the seed's table as the prior, spread over the movies so that the expected requests
 * stay what the seed's table would make under the same refresh limit, each interval
 * bounded to [REFRESH_MIN_INTERVAL_DAYS, twice the seed's].
 */
enum refresh_policy { REFRESH_POLICY_SEED = 0, REFRESH_POLICY_ADAPTIVE, REFRESH_POLICY_COUNT };

/* "seed", "adaptive" */
const char *refresh_policy_name(enum refresh_policy p);
/* The policy named NAME; false when there is none. */
bool refresh_policy_parse(const char *name, enum refresh_policy *out);

/*
 * The adaptive schedule learns per age bin: each category cut where a movie's age about
 * doubles (0, 7, 15, 30 | 60, 120 | 180, 270 | 366, 730, 1460 days), so a category's
 * evidence is not one average over ages that behave apart. A bin's bounds are its
 * category's.
 */
#define REFRESH_BIN_COUNT 11
/* The youngest age in days of BIN (0 for bin 0). */
int64_t refresh_bin_min_age(int bin);
/* The category BIN lies in. */
enum refresh_category refresh_bin_category(int bin);
/* The bin of a movie released on RELEASE (may be NULL: bin 0, as RECENT) at NOW. */
int refresh_bin_of(struct rs_i64 release, rs_time_t now);

/* The adaptive schedule's bounds: at most daily; at least every REFRESH_MAX_STRETCH x seed's. */
#define REFRESH_MIN_INTERVAL_DAYS 1.0
#define REFRESH_MAX_STRETCH 2.0
/* The prior: worth REFRESH_PRIOR_WEIGHT refreshes at the seed's interval, of which the
 * share REFRESH_PRIOR_CHANGED found a change. */
#define REFRESH_PRIOR_WEIGHT 20.0
#define REFRESH_PRIOR_CHANGED 0.5

/*
 * What the database says about its refreshes, per API, age bin and whether the movie's
 * refresh before this one found a change ([..][..][1]; for OMDB also: TMDB's feed reported
 * the movie since): refreshes that had an earlier one of the same API, how many of them
 * found a change (for TMDB: one the feed had not reported, so the feed's misses), the days
 * waited before them, and the movies planning considers now in that cell (not frozen, not
 * gone).
 */
struct refresh_cell {
    int64_t refreshes, changed;
    double days;
    int64_t movies;
};
struct refresh_hazard_group;
struct refresh_evidence {
    struct refresh_cell cell[RS_API_COUNT][REFRESH_BIN_COUNT][2];
    bool feed;      /* TMDB's change feed is read: TMDB's content changes come from it */
    double per_day; /* movies the refresh limit lets through a day (a run a day); 0: no limit */
    double feed_per_day; /* known movies the feed reported a day, lately (TMDB refreshes) */
    /* OMDB's checks over movie age (refresh_hazard_fit); none: OMDB's intervals by cell */
    const struct refresh_hazard_group *omdb_groups;
    size_t omdb_ngroups;
    bool omdb_hazard; /* learn OMDB's hazard over age (even from no groups: the prior) */
};

/*
 * OMDB's hazard over movie age (ADAPTIVE; docs/internals/adaptive.md, "The hazard"): the
 * changes a day a movie of each age has, learned from this database's OMDB checks, on a grid
 * of ages a day wide while |age| < REFRESH_HAZARD_SPREAD days and about |age| / SPREAD wide
 * beyond (so 3 days at 180, 6 at a year, 56 at ten years), from REFRESH_HAZARD_AGE_LO (and
 * every younger age) to REFRESH_HAZARD_AGE_HI (and every older one): 498 buckets.
 */
#define REFRESH_HAZARD_SPREAD 64
#define REFRESH_HAZARD_AGE_LO (-366)
#define REFRESH_HAZARD_AGE_HI 3660
#define REFRESH_HAZARD_AGES (REFRESH_HAZARD_AGE_HI - REFRESH_HAZARD_AGE_LO + 1)
#define REFRESH_HAZARD_BUCKETS 512 /* at least refresh_hazard_buckets() */
/* The prior: worth REFRESH_HAZARD_PRIOR_MOVIES movie watched through each age at the
 * seed's prior rate (REFRESH_PRIOR_CHANGED / the seed's interval), so a few checks through
 * an age outweigh it (a catalogue of 2,000 movies a year has 5 movies of each age; with 20,
 * the first year at the README's cron learned the change at a year of age only after 270
 * days: docs/benchmarks.md); for the feed's effect REFRESH_PRIOR_WEIGHT checks of which
 * REFRESH_PRIOR_CHANGED changed. */
#define REFRESH_HAZARD_PRIOR_MOVIES 1.0
/* OMDB's checks a day: this share of what the seed's table asks of the movies, cut by the
 * refresh limit (refresh_schedule_make). The table's share overshoots what the seed's
 * policy spends under a limit (its backlog goes to the old movies' TMDB-only refreshes):
 * at the README's cron it spends 0.8 of it (docs/benchmarks.md, "Seed against adaptive"). */
#define REFRESH_HAZARD_BUDGET_SHARE 0.85
/* EM rounds of refresh_hazard_fit. */
#define REFRESH_HAZARD_ROUNDS 100

/* The grid: the bucket of AGE (days; clamped to the grid), and how many there are. */
int refresh_hazard_bucket(int64_t age);
int refresh_hazard_buckets(void);

/*
 * The evidence of the hazard: N OMDB checks, each made at an age A2 whose check before was at
 * an age A1 < A2 (so the change it found or not happened on one of the ages A1+1..A2), with
 * bucket(A1 + 1) = FIRST and bucket(A2) = LAST; CHANGED: they found a change; FED: TMDB's
 * feed reported the movie in between. SUM_A1, SUM_A2: the sums of their A1 and A2.
 */
struct refresh_hazard_group {
    int first, last;
    bool changed, fed;
    int64_t n;
    double sum_a1, sum_a2;
};

struct refresh_hazard {
    bool on;
    double h[REFRESH_HAZARD_BUCKETS]; /* changes a day at the bucket's ages */
    double q;                         /* the chance a feed report comes with an OMDB change */
    double theta;                     /* an OMDB check is due at this chance (see below) */
    double budget;                    /* OMDB checks a day the threshold is set for */
    double cum[REFRESH_HAZARD_AGES];  /* the hazard summed over the ages LO..age */
};

/*
 * The hazard's maximum likelihood under PRIOR (refresh_hazard_prior), by REFRESH_HAZARD_ROUNDS
 * of EM over the
 * N groups G (a check finds a change with the chance 1 - (1 - q [fed]) exp(-the hazard summed
 * over its ages); each change is spread over its ages in proportion to the current hazard);
 * THETA is set to 2 (nothing due by chance) and BUDGET to 0 for the caller to set.
 */
void refresh_hazard_fit(const struct refresh_hazard_group *g, size_t n, const double *prior,
                        struct refresh_hazard *out);
/* The prior of each bucket (PRIOR[refresh_hazard_buckets()]): REFRESH_PRIOR_CHANGED over the
 * seed's OMDB interval of the category of the bucket's youngest age (RECENT before release). */
void refresh_hazard_prior(double *prior);
/* The chance that a check at age AGE_NOW finds a change since one at AGE_THEN (FED: the feed
 * reported the movie since). */
double refresh_hazard_chance(const struct refresh_hazard *hz, int64_t age_then, int64_t age_now,
                             bool fed);

/* The intervals a plan binds, in days, per API, age bin and "last refresh changed". */
struct refresh_schedule {
    enum refresh_policy policy;
    double interval[RS_API_COUNT][REFRESH_BIN_COUNT][2];
    double rate[RS_API_COUNT][REFRESH_BIN_COUNT][2]; /* learned changes a day (ADAPTIVE) */
    /* ADAPTIVE with the hazard on: an OMDB check is due once its chance reaches THETA, at
     * least a day after the last one; the intervals above are then OMDB's longest bounds. */
    struct refresh_hazard omdb;
};

/* The rate of changes a day of CELL under the prior of SEED_DAYS (the seed's interval). */
double refresh_rate(const struct refresh_cell *cell, double seed_days);
/*
 * The schedule of POLICY. SEED: the table (EV is not read; may be NULL). ADAPTIVE: for each
 * cell the rate r (refresh_rate), the interval sqrt(c / r) clamped to the bounds, c set so
 * that the cells' movies cost as many requests a day as the seed's table would, times
 * min(1, per_day / the seed's TMDB requests a day) when a refresh limit cuts it (the
 * optimum of freshness for a fixed number of requests when changes come at random: an item
 * changing 4x as often is refreshed 2x as often).
 */
void refresh_schedule_make(enum refresh_policy policy, const struct refresh_evidence *ev,
                           struct refresh_schedule *out);
/*
 * ADAPTIVE: a movie taken for its OMDB check has TMDB refreshed along with it when TMDB has
 * waited at least REFRESH_ALONG_WAITED of its interval: the slot of the refresh limit is
 * spent anyway, and TMDB's counters stay as current as under the seed's table for no more
 * TMDB requests than it makes (docs/benchmarks.md, "Learning in weeks").
 */
#define REFRESH_ALONG_WAITED 0.5
/* Whether TMDB comes along with an OMDB check under S at NOW (arguments as below). */
bool refresh_tmdb_along(const struct refresh_schedule *s, struct rs_i64 release, struct rs_i64 last,
                        bool changed, rs_time_t now);
/*
 * Due under S at NOW: LAST (rs_time_t, may be NULL) is NULL or at least the interval of
 * (the age bin at NOW, API, CHANGED: the last refresh changed the movie) before NOW. Under
 * the seed's schedule, refresh_is_due exactly.
 */
bool refresh_schedule_due(const struct refresh_schedule *s, struct rs_i64 release,
                          struct rs_i64 last, enum rs_api api, bool changed, rs_time_t now);

#endif
