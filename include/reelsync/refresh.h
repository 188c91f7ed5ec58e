/*
 * refresh: the age-based refresh policy (README, "The refresh policy") and the freezing
 * fingerprint. Pure functions of their arguments; `now` is always passed in (it honours --now).
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
 * Fingerprints of what is stored for a movie, for the freezing rule: every column except
 * the drifting counters (vote_count, vote_average, popularity, imdb_votes), raw JSON and
 * fetch times; the TMDB one also covers the appended parts the answer carried (credits,
 * keywords, release dates). Equal data gives equal fingerprints, across runs and machines.
 */
uint64_t refresh_fingerprint_tmdb(const struct tmdb_row *row);
uint64_t refresh_fingerprint_omdb(const struct omdb_row *row);

#endif
