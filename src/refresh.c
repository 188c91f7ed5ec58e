/*
 * refresh: the age-based refresh policy (README, "The refresh policy": categories, intervals,
 * due, freezing). Pure functions: `now` is always an argument.
 * The two tables below and refresh_freezes are the only copy of the policy; the store binds
 * their values into its planning query and asks refresh_freezes which movies to freeze.
 */
#include "internal.h"
#include "reelsync/refresh.h"

/* Interval in days, [category][api]. */
static const int intervals[REFRESH_CATEGORY_COUNT][RS_API_COUNT] = {
    [REFRESH_RECENT] = {5, 5},
    [REFRESH_ESTABLISHED] = {15, 30},
    [REFRESH_MATURE] = {30, 90},
    [REFRESH_ARCHIVED] = {90, 180},
};

/* The youngest age in days of each category. */
static const int64_t min_age[REFRESH_CATEGORY_COUNT] = {
    [REFRESH_RECENT] = 0,
    [REFRESH_ESTABLISHED] = 60,
    [REFRESH_MATURE] = 180,
    [REFRESH_ARCHIVED] = 366,
};

static const char *const names[REFRESH_CATEGORY_COUNT] = {"recent", "established", "mature",
                                                          "archived"};

const char *refresh_category_name(enum refresh_category cat)
{
    if ((int)cat < 0 || cat >= REFRESH_CATEGORY_COUNT)
        return "?";
    return names[cat];
}

int64_t refresh_age_days(struct rs_i64 release, rs_time_t now)
{
    if (!release.set)
        return 0;
    return (int64_t)rs_time_day(now) - release.v;
}

int64_t refresh_min_age_days(enum refresh_category cat)
{
    if ((int)cat < 0 || cat >= REFRESH_CATEGORY_COUNT)
        return 0;
    return min_age[cat];
}

enum refresh_category refresh_category_of(struct rs_i64 release, rs_time_t now)
{
    if (!release.set)
        return REFRESH_RECENT;
    int64_t age = refresh_age_days(release, now);
    enum refresh_category cat = REFRESH_RECENT; /* also not yet released */
    for (int c = REFRESH_RECENT + 1; c < REFRESH_CATEGORY_COUNT; c++)
        if (age >= min_age[c])
            cat = (enum refresh_category)c;
    return cat;
}

int refresh_interval_days(enum refresh_category cat, enum rs_api api)
{
    if ((int)cat < 0 || cat >= REFRESH_CATEGORY_COUNT || (int)api < 0 || api >= RS_API_COUNT)
        return 0;
    return intervals[cat][api];
}

bool refresh_is_due(struct rs_i64 release, struct rs_i64 last, enum rs_api api, rs_time_t now)
{
    if (!last.set)
        return true;
    int64_t iv = (int64_t)refresh_interval_days(refresh_category_of(release, now), api);
    return now - last.v >= iv * RS_DAY_SECONDS;
}

bool refresh_freezes(int64_t stable_cycles, struct rs_i64 release, rs_time_t now)
{
    return stable_cycles >= REFRESH_FREEZE_CYCLES &&
           refresh_category_of(release, now) == REFRESH_ARCHIVED;
}
