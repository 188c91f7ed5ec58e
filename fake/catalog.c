/*
 * The synthetic catalog: every value is a pure function of (seed, movie, day). Only a compact
 * row per movie (id, release day, final vote count) is built at start, plus an index sorted by
 * release day; everything else is derived per request. The time model (see fake/README.md):
 * counters (vote_count, vote_average, popularity, imdbVotes) drift daily; every other field
 * changes only on a movie's "change days" (production milestones, weekly box-office steps in
 * the first 16 weeks, rating steps in the first year, the award day, rare yearly revisions),
 * and /3/movie/changes lists exactly the movies with a TMDB change day in its window (the
 * OMDB-only days never: TMDB cannot see them).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_data.h"
#include "fake.h"
#include "model.h"

#define NO_DATE INT32_MIN

struct row {
    int32_t id;
    int32_t day;
    uint32_t votes; /* the vote count the movie tends to */
};

struct fake_catalog {
    long n;
    uint64_t seed;
    struct row *rows; /* by index, so by id */
    uint32_t *by_day; /* indexes sorted by (day, id); dateless first */
    long n_dateless;
};

uint64_t fake_h(const struct fake_catalog *c, int64_t id, uint64_t salt)
{
    return fake_mix(c->seed ^ fake_mix((uint64_t)id * 1000003ULL + salt));
}

static double unit(uint64_t h)
{
    return (double)(h >> 11) / 9007199254740992.0;
}

static int32_t id_of(const struct fake_catalog *c, long i)
{
    return (int32_t)(2 + 7 * i + (long)(fake_mix(c->seed ^ (uint64_t)i) % 5));
}

long fake_index_of(const struct fake_catalog *c, int64_t id)
{
    if (id < 2)
        return -1;
    long i = (long)((id - 2) / 7);
    if (i >= c->n || c->rows[i].id != id)
        return -1;
    return i;
}

long fake_imdb_num(const struct fake_catalog *c, long i)
{
    return 10000 + 7 * i + (long)(fake_mix(c->seed ^ 0x5bd1e995ULL ^ (uint64_t)i) % 5);
}

static void make_row(struct fake_catalog *c, long i, int32_t d0, int32_t span)
{
    struct row *r = &c->rows[i];
    r->id = id_of(c, i);
    if (fake_h(c, r->id, 1) % 1000 < 12) {
        r->day = NO_DATE;
    } else {
        /* Density grows linearly with the year: more recent movies, as on TMDB. */
        double t = sqrt(unit(fake_h(c, r->id, 2)));
        r->day = d0 + (int32_t)(t * span);
    }
    double u = unit(fake_h(c, r->id, 3));
    r->votes = (uint32_t)(pow(40000.0, u * u) - 1.0);
}

static bool index_by_day(struct fake_catalog *c, int32_t d0, int32_t span)
{
    /* Counting sort keeps index (= id) order inside a day. */
    size_t nb = (size_t)span + 2;
    long *count = calloc(nb + 1, sizeof(long));
    if (!count)
        return false;
    for (long i = 0; i < c->n; i++) {
        int32_t d = c->rows[i].day;
        count[(d == NO_DATE ? 0 : (size_t)(d - d0) + 1) + 1]++;
    }
    for (size_t b = 1; b <= nb; b++)
        count[b] += count[b - 1];
    c->n_dateless = count[1];
    for (long i = 0; i < c->n; i++) {
        int32_t d = c->rows[i].day;
        size_t b = d == NO_DATE ? 0 : (size_t)(d - d0) + 1;
        c->by_day[count[b]++] = (uint32_t)i;
    }
    free(count);
    return true;
}

struct fake_catalog *fake_catalog_create(long movies, uint64_t seed)
{
    struct fake_catalog *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->n = movies;
    c->seed = seed;
    c->rows = malloc((size_t)(movies ? movies : 1) * sizeof(struct row));
    c->by_day = malloc((size_t)(movies ? movies : 1) * sizeof(uint32_t));
    if (!c->rows || !c->by_day)
        goto fail;
    int32_t d0 = rs_date_from_ymd(1920, 1, 1);
    int32_t span = rs_date_from_ymd(2027, 12, 31) - d0;
    for (long i = 0; i < movies; i++)
        make_row(c, i, d0, span);
    if (!index_by_day(c, d0, span))
        goto fail;
    return c;
fail:
    fake_catalog_destroy(c);
    return NULL;
}

void fake_catalog_destroy(struct fake_catalog *c)
{
    if (!c)
        return;
    free(c->rows);
    free(c->by_day);
    free(c);
}

/* ---- the time model ---- */

long fake_vote_count(const struct fake_catalog *c, long i, rs_date_t today)
{
    const struct row *r = &c->rows[i];
    if (r->day == NO_DATE)
        return (long)(r->votes / 50);
    int64_t a = (int64_t)today - r->day;
    if (a < 0)
        return 0;
    return (long)((uint64_t)r->votes * (uint64_t)(a + 1) / (uint64_t)(a + 61) +
                  (uint64_t)r->votes * (uint64_t)a / 14600);
}

static double round3(double v)
{
    return floor(v * 1000.0 + 0.5) / 1000.0;
}

double fake_popularity(const struct fake_catalog *c, long i, rs_date_t today)
{
    const struct row *r = &c->rows[i];
    long vc = fake_vote_count(c, i, today);
    double a = r->day == NO_DATE ? 3650.0 : (double)today - r->day;
    double recency = a < 0 ? 1.5 : 1.0 + 600.0 / (a + 30.0);
    double base = (vc / 40.0 + 0.6) * recency * (0.8 + 0.4 * unit(fake_h(c, r->id, 5)));
    double jitter =
        1.0 + 0.02 * (unit(fake_h(c, r->id, 0x10000 + (uint64_t)(uint32_t)today)) - 0.5);
    return round3(base * jitter);
}

double fake_vote_average(const struct fake_catalog *c, long i, rs_date_t today)
{
    const struct row *r = &c->rows[i];
    if (fake_vote_count(c, i, today) == 0)
        return 0.0;
    double a = r->day == NO_DATE ? 3650.0 : (double)today - r->day;
    double settled = 4.0 + (double)(fake_h(c, r->id, 6) % 450) / 100.0;
    double early = (unit(fake_h(c, r->id, 7)) - 0.5) * 3.0 * 60.0 / (a + 60.0);
    double jitter =
        ((double)(fake_h(c, r->id, 0x20000 + (uint64_t)(uint32_t)today) % 11) - 5.0) / 1000.0;
    double v = round3(settled + early + jitter);
    return v < 0.0 ? 0.0 : (v > 10.0 ? 10.0 : v);
}

/* The number of revision events of a dated movie up to TODAY (none in its first year). */
static int revision(const struct fake_catalog *c, int32_t id, rs_date_t day, rs_date_t today)
{
    int r = 0;
    for (int64_t k = 1; (int64_t)day + 365 * k + 30 <= today; k++) {
        if (fake_h(c, id, 100 + (uint64_t)k) % 20 != 0)
            continue;
        int64_t ev =
            (int64_t)day + 365 * k + 30 + (int64_t)(fake_h(c, id, 200 + (uint64_t)k) % 300);
        if (ev <= today)
            r++;
    }
    return r;
}

static bool in_window(int64_t d, rs_date_t s, rs_date_t e)
{
    return d >= s && d <= e;
}

/* True when a revision event of the movie falls in [S, E]. */
static bool event_in(const struct fake_catalog *c, int32_t id, rs_date_t day, rs_date_t s,
                     rs_date_t e)
{
    int64_t k0 = ((int64_t)s - day - 30 - 300) / 365;
    int64_t k1 = ((int64_t)e - day - 30) / 365;
    for (int64_t k = k0 < 1 ? 1 : k0; k <= k1; k++) {
        if (fake_h(c, id, 100 + (uint64_t)k) % 20 != 0)
            continue;
        if (in_window((int64_t)day + 365 * k + 30 +
                          (int64_t)(fake_h(c, id, 200 + (uint64_t)k) % 300),
                      s, e))
            return true;
    }
    return false;
}

/*
 * True when one of the movie's TMDB fields other than the counters changes on a day in
 * [S, E]: status and runtime at R-90, status and first revenue at R, revenue's weekly steps
 * (movies with a revenue), revisions (overview, tagline, runtime). The OMDB-only days (the
 * IMDb rating's steps, Rotten Tomatoes and Metacritic appearing, the award day) are not
 * TMDB's to see, as on the real feed.
 */
bool fake_tmdb_changed_in(const struct fake_catalog *c, long i, rs_date_t s, rs_date_t e)
{
    const struct row *r = &c->rows[i];
    if (r->day == NO_DATE)
        return false;
    int64_t R = r->day;
    struct fake_traits t;
    fake_traits(c, i, &t);
    if (in_window(R - 90, s, e) || in_window(R, s, e))
        return true;
    if (t.revenue > 0 && R + 7 * 16 >= s && R + 7 <= e) {
        for (int k = 1; k <= 16; k++)
            if (in_window(R + 7 * k, s, e))
                return true;
    }
    return e >= R + 395 && event_in(c, r->id, r->day, s, e);
}

void fake_traits(const struct fake_catalog *c, long i, struct fake_traits *t)
{
    const struct row *r = &c->rows[i];
    int32_t id = r->id;
    memset(t, 0, sizeof(*t));
    t->id = id;
    t->day = r->day;
    t->dated = r->day != NO_DATE;
    uint64_t k = fake_h(c, id, 9) % 100;
    t->imdb_kind = k < 3 ? 1 : (k < 5 ? 2 : 0);
    t->imdb_num = fake_imdb_num(c, i);
    t->omdb_exists = t->imdb_kind == 0 && fake_h(c, id, 10) % 100 >= 4;
    t->adult = fake_h(c, id, 11) % 200 == 0;
    t->video = fake_h(c, id, 12) % 100 == 0;
    /* Percent ranges per LANGS entry: en 70, fr 8, ja 5, de 4, es 5, ko 3, en 4, xx 1. */
    static const struct {
        int below, lang;
    } mix[] = {{70, 0}, {78, 1}, {83, 2}, {87, 3}, {92, 4}, {95, 5}, {99, 0}, {100, 6}};
    int lk = (int)(fake_h(c, id, 13) % 100), m = 0;
    while (lk >= mix[m].below)
        m++;
    t->lang = mix[m].lang;
    t->budget = fake_h(c, id, 14) % 100 < 45 ? 0 : (int64_t)(fake_h(c, id, 15) % 200 + 1) * 1000000;
    t->revenue = fake_h(c, id, 16) % 100 < 40 ? 0
                                              : (int64_t)(fake_h(c, id, 17) % 3000 + 1) * 500000 +
                                                    (int64_t)(fake_h(c, id, 18) % 99991);
    t->runtime = fake_h(c, id, 19) % 100 < 2 ? 0 : 70 + (int)(fake_h(c, id, 20) % 90);
    t->has_rt = fake_h(c, id, 21) % 100 < 70;
    t->has_meta = fake_h(c, id, 22) % 100 < 55;
    t->has_awards = fake_h(c, id, 23) % 100 < 35;
    if (t->dated) {
        int y, mon, d;
        rs_date_to_ymd(r->day, &y, &mon, &d);
        t->year = y;
        t->award_day = rs_date_from_ymd(y + 1, 3, 10);
    }
}

int fake_revision(const struct fake_catalog *c, long i, rs_date_t today)
{
    const struct row *r = &c->rows[i];
    return r->day == NO_DATE ? 0 : revision(c, r->id, r->day, today);
}

long fake_catalog_size(const struct fake_catalog *c)
{
    return c->n;
}

int32_t fake_row_id(const struct fake_catalog *c, long i)
{
    return c->rows[i].id;
}

/* ---- discover and changes ---- */

struct hit {
    double key;
    int32_t id;
    uint32_t idx;
};

static int by_key_desc(const void *pa, const void *pb)
{
    const struct hit *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? 1 : -1;
    return (a->id > b->id) - (a->id < b->id);
}

static long lower_day(const struct fake_catalog *c, int32_t day)
{
    long lo = c->n_dateless, hi = c->n;
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (c->rows[c->by_day[mid]].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool keep(const struct fake_catalog *c, long i, const struct fake_discover *d,
                 rs_date_t today)
{
    int32_t id = c->rows[i].id;
    if (!d->include_adult && fake_h(c, id, 11) % 200 == 0)
        return false;
    if (!d->include_video && fake_h(c, id, 12) % 100 == 0)
        return false;
    return d->vote_count_gte <= 0 || fake_vote_count(c, i, today) >= d->vote_count_gte;
}

static long collect(const struct fake_catalog *c, const struct fake_discover *d, rs_date_t today,
                    struct hit *hits)
{
    long from = 0, to = c->n, n = 0;
    if (d->has_gte || d->has_lte) {
        from = d->has_gte ? lower_day(c, d->gte) : c->n_dateless;
        to = d->has_lte ? lower_day(c, d->lte + 1) : c->n;
    }
    for (long k = from; k < to; k++) {
        long i = c->by_day[k];
        if (!keep(c, i, d, today))
            continue;
        hits[n].id = c->rows[i].id;
        hits[n].idx = (uint32_t)i;
        if (d->sort == FAKE_SORT_POPULARITY)
            hits[n].key = fake_popularity(c, i, today);
        else if (d->sort == FAKE_SORT_VOTES)
            hits[n].key = (double)fake_vote_count(c, i, today);
        n++;
    }
    return n;
}

bool fake_catalog_discover_json(const struct fake_catalog *c, const struct fake_discover *d,
                                rs_date_t today, struct fake_buf *out)
{
    struct hit *hits = malloc((size_t)(c->n ? c->n : 1) * sizeof(*hits));
    if (!hits)
        return false;
    long n = collect(c, d, today, hits);
    if (d->sort == FAKE_SORT_POPULARITY || d->sort == FAKE_SORT_VOTES)
        qsort(hits, (size_t)n, sizeof(*hits), by_key_desc);
    fake_buf_printf(out, "{\"page\":%ld,\"results\":[", d->page);
    long first = (d->page - 1) * 20;
    for (long k = first; k < n && k < first + 20; k++) {
        long pos = d->sort == FAKE_SORT_DATE_DESC ? n - 1 - k : k;
        if (k > first)
            fake_buf_add(out, ",", 1);
        fake_model_discover_item(c, hits[pos].idx, today, out);
    }
    fake_buf_printf(out, "],\"total_pages\":%ld,\"total_results\":%ld}", (n + 19) / 20, n);
    free(hits);
    return !out->oom;
}

bool fake_catalog_changes_json(const struct fake_catalog *c, rs_date_t start, rs_date_t end,
                               long page, struct fake_buf *out)
{
    long total = 0, first = (page - 1) * 100;
    fake_buf_puts(out, "{\"results\":[");
    for (long i = 0; i < c->n; i++) {
        if (!fake_tmdb_changed_in(c, i, start, end))
            continue;
        if (total >= first && total < first + 100) {
            struct fake_traits t;
            fake_traits(c, i, &t);
            /* TMDB's feed gives "adult": null for some items; about 2 % here */
            const char *adult = fake_h(c, t.id, 60) % 50 == 0 ? "null" : t.adult ? "true" : "false";
            fake_buf_printf(out, "%s{\"id\":%d,\"adult\":%s}", total > first ? "," : "", (int)t.id,
                            adult);
        }
        total++;
    }
    fake_buf_printf(out, "],\"page\":%ld,\"total_pages\":%ld,\"total_results\":%ld}", page,
                    (total + 99) / 100, total);
    return !out->oom;
}
