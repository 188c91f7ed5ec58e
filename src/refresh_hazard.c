/*
 * refresh_hazard: OMDB's learned hazard over movie age (refresh.h, "OMDB's hazard";
 * docs/internals/adaptive.md, "The hazard"). Pure functions of their arguments.
 *
 * The evidence is interval-censored: a check at age a2 whose check before was at age a1
 * found a change (at least one, on one of the ages a1+1..a2) or none. The hazard is
 * piecewise constant over a grid of ages; EM spreads each change over its ages in proportion
 * to the current hazard (Turnbull's idea, with Poisson counts behind each "changed"), and a
 * prior worth a few movies at the seed's rate keeps the ages with little evidence near it.
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "reelsync/refresh.h"

/* A day wide within SPREAD days of release, then log-spaced: S + floor(S ln(|a| / S)). */
static int grid_raw(int64_t age)
{
    const double s = REFRESH_HAZARD_SPREAD;
    int64_t a = age < 0 ? -age : age;
    int g = a < REFRESH_HAZARD_SPREAD ? (int)a : (int)(s + floor(s * log((double)a / s)));
    return age < 0 ? -g : g;
}

int refresh_hazard_bucket(int64_t age)
{
    if (age < REFRESH_HAZARD_AGE_LO)
        age = REFRESH_HAZARD_AGE_LO;
    if (age > REFRESH_HAZARD_AGE_HI)
        age = REFRESH_HAZARD_AGE_HI;
    return grid_raw(age) - grid_raw(REFRESH_HAZARD_AGE_LO);
}

int refresh_hazard_buckets(void)
{
    return refresh_hazard_bucket(REFRESH_HAZARD_AGE_HI) + 1;
}

/* Each bucket's first and last age (bucket 0 and the last are open beyond them), width and
 * prior hazard. */
struct grid {
    int n;
    int64_t start[REFRESH_HAZARD_BUCKETS], end[REFRESH_HAZARD_BUCKETS];
    double prior[REFRESH_HAZARD_BUCKETS];
};

static void grid_make(struct grid *gr, const double *prior)
{
    gr->n = refresh_hazard_buckets();
    for (int64_t a = REFRESH_HAZARD_AGE_HI; a >= REFRESH_HAZARD_AGE_LO; a--)
        gr->start[refresh_hazard_bucket(a)] = a;
    for (int64_t a = REFRESH_HAZARD_AGE_LO; a <= REFRESH_HAZARD_AGE_HI; a++)
        gr->end[refresh_hazard_bucket(a)] = a;
    memcpy(gr->prior, prior, sizeof(double) * (size_t)gr->n);
}

/* The days group G spent in bucket K (FIRST <= K <= LAST), summed over its checks. */
static double exposure(const struct grid *gr, const struct refresh_hazard_group *g, int k)
{
    double n = (double)g->n, e;
    if (g->first == g->last)
        e = g->sum_a2 - g->sum_a1;
    else if (k == g->first)
        e = n * (double)gr->end[k] - g->sum_a1;
    else if (k == g->last)
        e = g->sum_a2 - n * (double)(gr->start[k] - 1);
    else
        e = n * (double)(gr->end[k] - gr->start[k] + 1);
    return e > 0 ? e : 0.0;
}

static bool group_ok(const struct grid *gr, const struct refresh_hazard_group *g)
{
    return g->n > 0 && g->first >= 0 && g->first <= g->last && g->last < gr->n;
}

/* One EM round: the expected changes per bucket given the evidence under H and Q, over the
 * exposure, the prior added to both. */
static void em_round(const struct grid *gr, const struct refresh_hazard_group *g, size_t n,
                     struct refresh_hazard *hz)
{
    double num[REFRESH_HAZARD_BUCKETS], den[REFRESH_HAZARD_BUCKETS];
    double nq = REFRESH_PRIOR_WEIGHT * REFRESH_PRIOR_CHANGED;
    double dq = REFRESH_PRIOR_WEIGHT;
    for (int k = 0; k < gr->n; k++) {
        double w = (double)(gr->end[k] - gr->start[k] + 1) * REFRESH_HAZARD_PRIOR_MOVIES;
        num[k] = gr->prior[k] * w;
        den[k] = w;
    }
    for (size_t i = 0; i < n; i++) {
        if (!group_ok(gr, &g[i]))
            continue;
        double lam = 0.0;
        for (int k = g[i].first; k <= g[i].last; k++) {
            double e = exposure(gr, &g[i], k);
            den[k] += e;
            lam += hz->h[k] * e;
        }
        double cnt = (double)g[i].n;
        if (g[i].fed)
            dq += cnt;
        if (!g[i].changed)
            continue;
        double pq = g[i].fed ? hz->q : 0.0;
        double pr = 1.0 - (1.0 - pq) * exp(-lam / cnt);
        if (pr < 1e-12)
            pr = 1e-12;
        for (int k = g[i].first; k <= g[i].last; k++)
            num[k] += hz->h[k] * exposure(gr, &g[i], k) / pr;
        nq += cnt * pq / pr;
    }
    for (int k = 0; k < gr->n; k++)
        hz->h[k] = num[k] / den[k];
    hz->q = nq / dq;
}

void refresh_hazard_fit(const struct refresh_hazard_group *g, size_t n, const double *prior,
                        struct refresh_hazard *out)
{
    struct grid gr;
    grid_make(&gr, prior);
    memset(out, 0, sizeof(*out));
    memcpy(out->h, gr.prior, sizeof(double) * (size_t)gr.n);
    out->q = REFRESH_PRIOR_CHANGED;
    for (int round = 0; round < REFRESH_HAZARD_ROUNDS; round++)
        em_round(&gr, g, n, out);
    double sum = 0.0;
    for (int64_t a = REFRESH_HAZARD_AGE_LO; a <= REFRESH_HAZARD_AGE_HI; a++) {
        sum += out->h[refresh_hazard_bucket(a)];
        out->cum[a - REFRESH_HAZARD_AGE_LO] = sum;
    }
    out->on = true;
    out->theta = 2.0; /* nothing due by chance until the caller sets it */
}

/* The hazard summed over the ages LO..AGE, extended beyond the grid at its end buckets'. */
static double cumulative(const struct refresh_hazard *hz, int64_t age)
{
    int last = refresh_hazard_buckets() - 1;
    if (age < REFRESH_HAZARD_AGE_LO)
        return hz->cum[0] - (double)(REFRESH_HAZARD_AGE_LO - age) * hz->h[0];
    if (age > REFRESH_HAZARD_AGE_HI)
        return hz->cum[REFRESH_HAZARD_AGES - 1] +
               (double)(age - REFRESH_HAZARD_AGE_HI) * hz->h[last];
    return hz->cum[age - REFRESH_HAZARD_AGE_LO];
}

double refresh_hazard_chance(const struct refresh_hazard *hz, int64_t age_then, int64_t age_now,
                             bool fed)
{
    double lam = age_now > age_then ? cumulative(hz, age_now) - cumulative(hz, age_then) : 0.0;
    return 1.0 - (1.0 - (fed ? hz->q : 0.0)) * exp(-lam);
}
