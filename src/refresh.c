/*
 * refresh: the age-based refresh policy (README, "The refresh policy": categories, intervals,
 * due, freezing). Pure functions: `now` is always an argument.
 * The two tables below and refresh_freezes are the only copy of the policy; the store binds
 * their values into its planning query and asks refresh_freezes which movies to freeze.
 */
#include <math.h>
#include <string.h>

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

/* The youngest age in days of each bin (refresh.h), nested in the categories above. */
static const int64_t bin_min_age[REFRESH_BIN_COUNT] = {0,   7,   15,  30,  60,  120,
                                                       180, 270, 366, 730, 1460};

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

/* The category of a movie AGE days old (RECENT also before its release). */
static enum refresh_category category_of_age(int64_t age)
{
    enum refresh_category cat = REFRESH_RECENT;
    for (int c = REFRESH_RECENT + 1; c < REFRESH_CATEGORY_COUNT; c++)
        if (age >= min_age[c])
            cat = (enum refresh_category)c;
    return cat;
}

enum refresh_category refresh_category_of(struct rs_i64 release, rs_time_t now)
{
    return release.set ? category_of_age(refresh_age_days(release, now)) : REFRESH_RECENT;
}

int64_t refresh_bin_min_age(int bin)
{
    return bin < 0 || bin >= REFRESH_BIN_COUNT ? 0 : bin_min_age[bin];
}

enum refresh_category refresh_bin_category(int bin)
{
    return category_of_age(refresh_bin_min_age(bin));
}

int refresh_bin_of(struct rs_i64 release, rs_time_t now)
{
    int64_t age = refresh_age_days(release, now);
    int bin = 0;
    for (int b = 1; release.set && b < REFRESH_BIN_COUNT; b++)
        if (age >= bin_min_age[b])
            bin = b;
    return bin;
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

bool refresh_schedule_due(const struct refresh_schedule *s, struct rs_i64 release,
                          struct rs_i64 last, enum rs_api api, bool changed, rs_time_t now)
{
    if (!last.set)
        return true;
    double iv = s->interval[api][refresh_bin_of(release, now)][changed ? 1 : 0];
    double waited = (double)(now - last.v);
    if (api == RS_API_OMDB && s->omdb.on && release.set && waited < iv * RS_DAY_SECONDS)
        return waited >= REFRESH_MIN_INTERVAL_DAYS * RS_DAY_SECONDS &&
               refresh_hazard_chance(&s->omdb, refresh_age_days(release, last.v),
                                     refresh_age_days(release, now), false) >= s->omdb.theta;
    return waited >= iv * RS_DAY_SECONDS;
}

bool refresh_tmdb_along(const struct refresh_schedule *s, struct rs_i64 release, struct rs_i64 last,
                        bool changed, rs_time_t now)
{
    if (s->policy != REFRESH_POLICY_ADAPTIVE || !last.set)
        return false;
    double iv = s->interval[RS_API_TMDB][refresh_bin_of(release, now)][changed ? 1 : 0];
    return (double)(now - last.v) >= REFRESH_ALONG_WAITED * iv * RS_DAY_SECONDS;
}

static const char *const policy_names[REFRESH_POLICY_COUNT] = {"seed", "adaptive"};

const char *refresh_policy_name(enum refresh_policy p)
{
    if ((int)p < 0 || p >= REFRESH_POLICY_COUNT)
        return "?";
    return policy_names[p];
}

bool refresh_policy_parse(const char *name, enum refresh_policy *out)
{
    for (int p = 0; name && p < REFRESH_POLICY_COUNT; p++) {
        if (strcmp(name, policy_names[p]) == 0) {
            *out = (enum refresh_policy)p;
            return true;
        }
    }
    return false;
}

double refresh_rate(const struct refresh_cell *cell, double seed_days)
{
    /* A Gamma prior on the rate: REFRESH_PRIOR_WEIGHT refreshes of SEED_DAYS each, the share
     * REFRESH_PRIOR_CHANGED of which found a change; the evidence adds its own. */
    double changes = REFRESH_PRIOR_WEIGHT * REFRESH_PRIOR_CHANGED + (double)cell->changed;
    double days = REFRESH_PRIOR_WEIGHT * seed_days + (cell->days > 0 ? cell->days : 0.0);
    return changes / days;
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/*
 * Intervals sqrt(c / rate) of one API's cells, c chosen so that the movies of the cells cost
 * BUDGET requests a day; the clamped cells keep their bound and c is set again for the
 * others (a few rounds settle it).
 */
static void spread(const struct refresh_evidence *ev, enum rs_api api, double budget,
                   struct refresh_schedule *out)
{
    double c = 0.0;
    for (int round = 0; round < 8; round++) {
        double fixed = 0.0, free_sum = 0.0;
        for (int bin = 0; bin < REFRESH_BIN_COUNT; bin++) {
            double seed = intervals[refresh_bin_category(bin)][api];
            for (int chg = 0; chg < 2; chg++) {
                double n = (double)ev->cell[api][bin][chg].movies;
                double r = out->rate[api][bin][chg];
                double iv = c > 0 ? sqrt(c / r) : seed;
                if (round > 0 &&
                    (iv <= REFRESH_MIN_INTERVAL_DAYS || iv >= REFRESH_MAX_STRETCH * seed))
                    fixed += n / clamp(iv, REFRESH_MIN_INTERVAL_DAYS, REFRESH_MAX_STRETCH * seed);
                else
                    free_sum += n * sqrt(r);
            }
        }
        double left = budget - fixed;
        if (free_sum <= 0)
            break;
        if (left <= 0) { /* not even the bounds fit: every interval at its longest */
            c = INFINITY;
            break;
        }
        c = (free_sum / left) * (free_sum / left);
    }
    for (int bin = 0; bin < REFRESH_BIN_COUNT; bin++) {
        double seed = intervals[refresh_bin_category(bin)][api];
        for (int chg = 0; chg < 2; chg++) {
            double iv = c > 0 ? sqrt(c / out->rate[api][bin][chg]) : seed;
            out->interval[api][bin][chg] =
                clamp(iv, REFRESH_MIN_INTERVAL_DAYS, REFRESH_MAX_STRETCH * seed);
        }
    }
}

/*
 * The share of the seed table's requests a refresh limit of EV->per_day movies a day lets
 * through: every movie's TMDB interval is at most its OMDB one, so the seed's TMDB requests
 * a day are its movies a day.
 */
static double limit_share(const struct refresh_evidence *ev)
{
    double movies = 0.0;
    for (int bin = 0; bin < REFRESH_BIN_COUNT; bin++)
        for (int chg = 0; chg < 2; chg++)
            movies += (double)ev->cell[RS_API_TMDB][bin][chg].movies /
                      intervals[refresh_bin_category(bin)][RS_API_TMDB];
    return ev->per_day > 0 && movies > ev->per_day ? ev->per_day / movies : 1.0;
}

void refresh_hazard_prior(double *prior)
{
    for (int64_t a = REFRESH_HAZARD_AGE_HI; a >= REFRESH_HAZARD_AGE_LO; a--)
        prior[refresh_hazard_bucket(a)] =
            REFRESH_PRIOR_CHANGED / intervals[category_of_age(a)][RS_API_OMDB];
}

/*
 * OMDB by its hazard over age: a check is due by its chance (the store sets the threshold
 * for BUDGET checks a day), and at the latest at the longest bound, twice the seed's interval.
 */
static void use_hazard(const struct refresh_evidence *ev, double budget,
                       struct refresh_schedule *out)
{
    double prior[REFRESH_HAZARD_BUCKETS];
    refresh_hazard_prior(prior);
    refresh_hazard_fit(ev->omdb_groups, ev->omdb_ngroups, prior, &out->omdb);
    out->omdb.budget = budget * REFRESH_HAZARD_BUDGET_SHARE;
    for (int bin = 0; bin < REFRESH_BIN_COUNT; bin++)
        for (int chg = 0; chg < 2; chg++)
            out->interval[RS_API_OMDB][bin][chg] =
                REFRESH_MAX_STRETCH * intervals[refresh_bin_category(bin)][RS_API_OMDB];
}

void refresh_schedule_make(enum refresh_policy policy, const struct refresh_evidence *ev,
                           struct refresh_schedule *out)
{
    memset(out, 0, sizeof(*out));
    out->policy = policy;
    for (int api = 0; api < RS_API_COUNT; api++) {
        double budget = 0.0;
        for (int bin = 0; bin < REFRESH_BIN_COUNT; bin++) {
            double seed = intervals[refresh_bin_category(bin)][api];
            for (int chg = 0; chg < 2; chg++) {
                out->interval[api][bin][chg] = seed;
                if (policy != REFRESH_POLICY_ADAPTIVE)
                    continue;
                out->rate[api][bin][chg] = refresh_rate(&ev->cell[api][bin][chg], seed);
                budget += (double)ev->cell[api][bin][chg].movies / seed;
            }
        }
        if (policy != REFRESH_POLICY_ADAPTIVE)
            continue;
        budget *= limit_share(ev);
        /* With the feed, TMDB's content changes are asked for when TMDB reports them: those
         * refreshes come out of TMDB's budget, and the age schedule is left the rest, for the
         * counters and the feed's misses (at the least, every movie at its longest bound). */
        if (api == RS_API_TMDB && ev->feed)
            budget -= ev->feed_per_day;
        spread(ev, (enum rs_api)api, budget, out);
        if (api == RS_API_OMDB && ev->omdb_hazard)
            use_hazard(ev, budget, out);
    }
}
