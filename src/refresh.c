/*
 * refresh: the age-based refresh policy (README, "The refresh policy": categories, intervals,
 * due, freezing) and the freezing fingerprints. Pure functions: `now` is always an argument.
 * The two tables below and refresh_freezes are the only copy of the policy; the store binds
 * their values into its planning query and asks refresh_freezes which movies to freeze.
 */
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

/* FNV-1a, 64 bit. Every field is hashed as tag, presence and value, so neither a NULL nor
 * a shifted boundary between two strings can collide with another record by construction. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= FNV_PRIME;
    }
    return h;
}

static uint64_t mix_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i)); /* little-endian on every machine */
    return mix(h, b, sizeof(b));
}

static uint64_t tag(uint64_t h, unsigned char field, bool present)
{
    unsigned char t[2] = {field, present ? 1 : 0};
    return mix(h, t, sizeof(t));
}

static uint64_t str(uint64_t h, unsigned char field, const char *s)
{
    h = tag(h, field, s != NULL);
    if (!s)
        return h;
    size_t n = strlen(s);
    h = mix_u64(h, (uint64_t)n);
    return mix(h, s, n);
}

static uint64_t i64(uint64_t h, unsigned char field, struct rs_i64 v)
{
    h = tag(h, field, v.set);
    return v.set ? mix_u64(h, (uint64_t)v.v) : h;
}

static uint64_t f64(uint64_t h, unsigned char field, struct rs_f64 v)
{
    h = tag(h, field, v.set);
    if (!v.set)
        return h;
    double d = v.v == 0.0 ? 0.0 : v.v; /* -0.0 and 0.0 are the same value */
    uint64_t bits;
    memcpy(&bits, &d, sizeof(bits));
    return mix_u64(h, bits);
}

static uint64_t list(uint64_t h, unsigned char field, char *const *items, size_t n)
{
    h = tag(h, field, true);
    h = mix_u64(h, (uint64_t)n);
    for (size_t i = 0; i < n; i++)
        h = str(h, field, items[i]);
    return h;
}

/*
 * The appended parts (credits, keywords, release dates) that the answer carried; a part it
 * lacked adds nothing, so an answer without parts hashes as it did before they existed.
 */
static uint64_t parts(uint64_t h, const struct tmdb_parts *p)
{
    if (p->has_credits) {
        h = i64(h, 16, RS_I64((int64_t)p->n_credits));
        for (size_t i = 0; i < p->n_credits; i++) {
            const struct credit_row *c = &p->credits[i];
            h = i64(h, 17, RS_I64(c->person_id));
            h = str(h, 18, c->name);
            h = str(h, 19, c->role);
            h = str(h, 20, c->job);
            h = str(h, 21, c->character);
            h = i64(h, 22, c->ord);
        }
    }
    if (p->has_keywords) {
        h = i64(h, 23, RS_I64((int64_t)p->n_keywords));
        for (size_t i = 0; i < p->n_keywords; i++) {
            h = i64(h, 24, RS_I64(p->keywords[i].keyword_id));
            h = str(h, 25, p->keywords[i].name);
        }
    }
    if (p->has_release_dates) {
        h = i64(h, 26, RS_I64((int64_t)p->n_release_dates));
        for (size_t i = 0; i < p->n_release_dates; i++) {
            const struct release_row *d = &p->release_dates[i];
            h = str(h, 27, d->country);
            h = i64(h, 28, d->type);
            h = i64(h, 29, d->release_date);
            h = str(h, 30, d->certification);
            h = str(h, 31, d->note);
        }
    }
    return h;
}

uint64_t refresh_fingerprint_tmdb(const struct tmdb_row *r)
{
    uint64_t h = FNV_OFFSET;
    h = i64(h, 1, RS_I64(r->tmdb_id));
    h = str(h, 2, r->imdb_id);
    h = str(h, 3, r->title);
    h = str(h, 4, r->original_title);
    h = str(h, 5, r->overview);
    h = str(h, 6, r->tagline);
    h = i64(h, 7, r->release_date);
    h = i64(h, 8, r->runtime);
    h = i64(h, 9, r->budget);
    h = i64(h, 10, r->revenue);
    h = list(h, 11, r->genres, r->n_genres);
    h = list(h, 12, r->production_companies, r->n_production_companies);
    h = str(h, 13, r->status);
    h = str(h, 14, r->original_language);
    h = i64(h, 15, r->adult);
    h = parts(h, &r->parts);
    return h; /* not: vote_average, vote_count, popularity, raw */
}

uint64_t refresh_fingerprint_omdb(const struct omdb_row *r)
{
    uint64_t h = FNV_OFFSET;
    h = str(h, 1, r->imdb_id);
    h = str(h, 2, r->title);
    h = str(h, 3, r->year);
    h = str(h, 4, r->rated);
    h = i64(h, 5, r->released);
    h = i64(h, 6, r->runtime_minutes);
    h = str(h, 7, r->genre);
    h = str(h, 8, r->director);
    h = str(h, 9, r->writer);
    h = str(h, 10, r->actors);
    h = str(h, 11, r->language);
    h = str(h, 12, r->country);
    h = str(h, 13, r->awards);
    h = f64(h, 14, r->imdb_rating);
    h = i64(h, 15, r->rotten_tomatoes);
    h = i64(h, 16, r->metacritic);
    h = i64(h, 17, r->box_office);
    return h; /* not: imdb_votes, raw */
}
