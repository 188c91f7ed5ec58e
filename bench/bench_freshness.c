/*
 * bench_freshness: how current a reelsync database stays, and for how many requests, under a
 * cron-like schedule over simulated days against reelsync-fakeapi, whose data drifts with its
 * clock (fake/README.md, "Time model").
 *
 * Day 0 collects the discovery years completely (every movie fetched). Then every simulated
 * day runs `reelsync collect --refresh-only --refresh-limit N` at 02:00 (the fake restarted
 * with its clock at that day), and, with weekly discovery, a `collect` of the current year
 * at 03:00 on Sundays (the README's cron lines). Every --every days, after the day's runs,
 * a sample of the stored movies (the --sample whose ids hash lowest: a fixed rule, so a movie
 * once in it stays while the catalogue grows slowly) is compared with what the server answers
 * that day, field by field, both sides read through reelsync's own parsers and store, so "stale"
 * means "differs from what a fetch now would store". docs/benchmarks.md defines the figures.
 *
 *   bench_freshness [--days N] [--movies N] [--years Y0-Y1] [--start DATE]
 *                   [--refresh-limit N] [--tmdb-daily-limit N] [--omdb-daily-limit N]
 *                   [--discovery weekly|none] [--min-vote-count N] [--sample N] [--every N]
 *                   [--policy NAME[,NAME...]]      (NAME "current": collect's default)
 *
 * Output: a table per policy, then one line per figure, "name<TAB>value<TAB>unit<TAB>note".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <duckdb.h>
#include <jansson.h>

#include "fakeproc.h"
#include "reelsync/omdb.h"
#include "reelsync/refresh.h"
#include "reelsync/store.h"
#include "reelsync/tmdb.h"

#define MAX_SAMPLE 5000

struct cfg {
    int days, sample, every, year0, year1;
    long movies, refresh_limit, tmdb_daily, omdb_daily, min_votes;
    bool weekly;
    rs_time_t start;
    char policies[128];
};

/* Content fields compared (counters apart); the same columns in both databases. */
static const char *const TMDB_FIELDS[] = {"imdb_id",
                                          "title",
                                          "original_title",
                                          "overview",
                                          "tagline",
                                          "release_date",
                                          "runtime",
                                          "budget",
                                          "revenue",
                                          "genres",
                                          "production_companies",
                                          "status",
                                          "original_language",
                                          "adult"};
static const char *const OMDB_FIELDS[] = {
    "title",     "year",     "rated",       "released",        "runtime_minutes",
    "genre",     "director", "writer",      "actors",          "language",
    "country",   "awards",   "imdb_rating", "rotten_tomatoes", "metacritic",
    "box_office"};
#define N_TF (sizeof(TMDB_FIELDS) / sizeof(TMDB_FIELDS[0]))
#define N_OF_ (sizeof(OMDB_FIELDS) / sizeof(OMDB_FIELDS[0]))

/* What the measurements add up: per API the movies compared and stale, fields stale. */
struct tally {
    int measurements;
    double movies[2], stale_movies[2], stale_fields[2], fields[2], err[2];
    double by_field[2][32];
    int64_t requests[2];
    int64_t stored;
    double frozen_stale; /* sampled movies frozen in the database with a stale TMDB field */
};

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "bench_freshness: %s\n", what);
    exit(1);
}

/* ---- the program and the fake ------------------------------------------------------- */

/* Runs build/reelsync with ARGS against F at NOW; returns its exit status. */
static int reelsync(const struct fake *f, const char *db, rs_time_t now, const char *const *args)
{
    char when[32];
    rs_time_format(now, when, sizeof(when));
    const char *argv[40] = {RS_REELSYNC_BIN, "--db",        db,     "--now", when,
                            "--quiet",       "--log-level", "error"};
    int n = 8;
    for (int i = 0; args[i] && n < 39; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        die("fork failed");
    if (pid == 0) {
        setenv("TMDB_BASE_URL", f->tmdb_url, 1);
        setenv("OMDB_BASE_URL", f->omdb_url, 1);
        setenv("TMDB_API_KEY", "test", 1);
        setenv("OMDB_API_KEY", "test", 1);
        setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
        unsetenv("TMDB_ACCESS_TOKEN");
        unsetenv("REELSYNC_CONFIG");
        if (!freopen("/dev/null", "w", stdout))
            _exit(126);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct body {
    char *p;
    size_t n;
};

static size_t on_data(char *d, size_t sz, size_t nm, void *u)
{
    struct body *b = u;
    char *q = realloc(b->p, b->n + sz * nm + 1);
    if (!q)
        return 0;
    memcpy(q + b->n, d, sz * nm);
    b->p = q;
    b->n += sz * nm;
    b->p[b->n] = '\0';
    return sz * nm;
}

/* GET URL as of NOW (X-Fake-Now); the body (malloc'd) and *STATUS, NULL on failure. */
static char *get(CURL *c, const char *url, rs_time_t now, long *status, size_t *len)
{
    struct body b = {0};
    char hdr[64], when[32];
    rs_time_format(now, when, sizeof(when));
    snprintf(hdr, sizeof(hdr), "X-Fake-Now: %s", when);
    struct curl_slist *h = now ? curl_slist_append(NULL, hdr) : NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(h);
    if (rc != CURLE_OK) {
        free(b.p);
        return NULL;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    *len = b.n;
    return b.p;
}

/* The fake's request count for API ("tmdb", "omdb") since it started. */
static int64_t requests(CURL *c, const struct fake *f, const char *api)
{
    char url[160];
    long status = 0;
    size_t len = 0;
    snprintf(url, sizeof(url), "%s/__stats", f->base);
    char *b = get(c, url, 0, &status, &len);
    json_t *doc = b ? json_loads(b, 0, NULL) : NULL;
    int64_t n = json_integer_value(json_object_get(json_object_get(doc, "requests"), api));
    json_decref(doc);
    free(b);
    return n;
}

/* ---- one simulated day -------------------------------------------------------------- */

static void cron_day(const struct cfg *g, const struct fake *f, const char *db, rs_time_t now,
                     const char *policy)
{
    char limit[24], tlim[24], olim[24], year[8], votes[24];
    snprintf(limit, sizeof(limit), "%ld", g->refresh_limit);
    snprintf(votes, sizeof(votes), "%ld", g->min_votes);
    snprintf(tlim, sizeof(tlim), "%ld", g->tmdb_daily);
    snprintf(olim, sizeof(olim), "%ld", g->omdb_daily);
    const char *pol = strcmp(policy, "current") == 0 ? NULL : "--policy";
    /* the command lines as one would type them */
    /* clang-format off */
    const char *refresh[] = {"collect", "--refresh-only", "--refresh-limit", limit,
                             "--tmdb-daily-limit", tlim, "--omdb-daily-limit", olim,
                             "--tmdb-rps", "0", "--omdb-rps", "0", pol, policy, NULL};
    /* clang-format on */
    if (reelsync(f, db, now, refresh) > 1)
        die("the daily refresh failed");
    int y, m, d;
    rs_date_to_ymd(rs_time_day(now), &y, &m, &d);
    /* 1970-01-01 was a Thursday: day % 7 == 3 is a Sunday */
    if (!g->weekly || rs_time_day(now) % 7 != 3)
        return;
    snprintf(year, sizeof(year), "%d", y);
    /* clang-format off */
    const char *weekly[] = {"collect", "--start-year", year, "--end-year", year, "--max-pages", "10",
                            "--min-vote-count", votes, "--refresh-limit", limit,
                            "--tmdb-daily-limit", tlim, "--omdb-daily-limit", olim,
                            "--tmdb-rps", "0", "--omdb-rps", "0", pol, policy, NULL};
    /* clang-format on */
    if (reelsync(f, db, now + 3600, weekly) > 1)
        die("the weekly collect failed");
}

/* ---- the comparison ---------------------------------------------------------------- */

/* The sample's answers, parsed, to write in two batches. */
struct truth {
    struct tmdb_row t[MAX_SAMPLE];
    struct omdb_row o[MAX_SAMPLE];
    int64_t oid[MAX_SAMPLE];
    int nt, no;
};

/* Reads movie ID's answers of NOW from F into T (what a refresh now would store). */
static void fetch_one(CURL *c, const struct fake *f, int64_t id, rs_time_t now, struct truth *t)
{
    char url[256];
    long status = 0;
    size_t len = 0;
    struct rs_error err = {0};
    struct tmdb_row *row = &t->t[t->nt];
    snprintf(url, sizeof(url), "%s/movie/%lld?api_key=test", f->tmdb_url, (long long)id);
    char *b = get(c, url, now, &status, &len);
    bool ok = b && status == 200 && tmdb_parse_movie(b, len, id, row, NULL, &err) == RS_OK;
    free(b);
    if (!ok)
        return;
    t->nt++;
    if (!row->imdb_id)
        return;
    snprintf(url, sizeof(url), "%s?apikey=test&i=%s", f->omdb_url, row->imdb_id);
    b = get(c, url, now, &status, &len);
    if (b && status == 200 && omdb_parse_movie(b, len, &t->o[t->no], NULL, &err) == RS_OK)
        t->oid[t->no++] = id;
    free(b);
}

/* Fetches the sample's answers of NOW into a fresh database at SCRATCH (reelsync's store). */
static void fetch_truth(CURL *c, const struct fake *f, const int64_t *ids, int n, rs_time_t now,
                        const char *scratch)
{
    static struct truth t;
    struct store *st = NULL;
    struct rs_error err = {0};
    t.nt = t.no = 0;
    for (int i = 0; i < n; i++)
        fetch_one(c, f, ids[i], now, &t);
    unlink(scratch);
    if (store_open(scratch, STORE_READ_WRITE, &st, &err) != RS_OK ||
        store_put_tmdb_batch(st, t.t, (size_t)t.nt, now, NULL, &err) != RS_OK ||
        store_put_omdb_batch(st, t.oid, t.o, (size_t)t.no, now, NULL, &err) != RS_OK)
        die(err.msg);
    store_close(st);
    for (int i = 0; i < t.nt; i++)
        norm_tmdb_row_release(&t.t[i]);
    for (int i = 0; i < t.no; i++)
        norm_omdb_row_release(&t.o[i]);
}

/* SELECT of one API's comparison: movies, stale movies, the counter's error, then per field. */
static void comparison_sql(int api, char *sql, size_t len)
{
    const char *const *fields = api == 0 ? TMDB_FIELDS : OMDB_FIELDS;
    size_t nf = api == 0 ? N_TF : N_OF_, pos = 0;
    const char *miss = api == 0 ? "d.tmdb_id IS NULL" : "d.imdb_id IS NULL";
    const char *counter = api == 0 ? "vote_count" : "imdb_votes";
    pos +=
        (size_t)snprintf(sql + pos, len - pos, "SELECT count(*), count(*) FILTER (WHERE %s", miss);
    for (size_t k = 0; k < nf; k++)
        pos += (size_t)snprintf(sql + pos, len - pos, " OR s.%s IS DISTINCT FROM d.%s", fields[k],
                                fields[k]);
    pos += (size_t)snprintf(sql + pos, len - pos,
                            "), avg(abs(coalesce(d.%s, 0) - coalesce(s.%s, 0)) / "
                            "greatest(coalesce(s.%s, 0), 1))",
                            counter, counter, counter);
    for (size_t k = 0; k < nf; k++)
        pos += (size_t)snprintf(sql + pos, len - pos,
                                ", count(*) FILTER (WHERE %s OR s.%s IS DISTINCT FROM d.%s)", miss,
                                fields[k], fields[k]);
    if (api == 0) {
        /* the frozen ones among the stale: a frozen movie TMDB changed is not refreshed */
        pos += (size_t)snprintf(sql + pos, len - pos,
                                ", count(*) FILTER (WHERE m.data_frozen AND (%s", miss);
        for (size_t k = 0; k < nf; k++)
            pos += (size_t)snprintf(sql + pos, len - pos, " OR s.%s IS DISTINCT FROM d.%s",
                                    fields[k], fields[k]);
        snprintf(sql + pos, len - pos,
                 ")) FROM s.tmdb_movies s LEFT JOIN d.tmdb_movies d ON d.tmdb_id = s.tmdb_id"
                 " LEFT JOIN d.movies m ON m.tmdb_id = s.tmdb_id");
    } else
        snprintf(sql + pos, len - pos,
                 " FROM s.omdb_movies s LEFT JOIN d.omdb_movies d ON d.imdb_id = s.imdb_id");
}

/* With BENCH_FRESHNESS_TRACE=DIR, DIR/LABEL-API.csv per comparison: each sampled movie, its
 * release, last checks, stale fields and both counters (where the figures come from). */
static void trace(duckdb_connection con, int api, const char *label)
{
    const char *dir = getenv("BENCH_FRESHNESS_TRACE"), *const *f = api ? OMDB_FIELDS : TMDB_FIELDS;
    const char *t = api ? "omdb" : "tmdb", *key = api ? "imdb_id" : "tmdb_id";
    const char *counter = api ? "imdb_votes" : "vote_count";
    char sql[8192];
    if (!dir)
        return;
    size_t pos = 0, nf = api ? N_OF_ : N_TF;
    pos += (size_t)snprintf(sql, sizeof(sql),
                            "COPY (SELECT m.tmdb_id, m.release_date,"
                            " epoch(m.last_tmdb_update) AS t_last, epoch(m.last_omdb_update)"
                            " AS o_last, concat_ws(' '");
    for (size_t k = 0; k < nf; k++)
        pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos,
                                ", CASE WHEN s.%s IS DISTINCT FROM d.%s THEN '%s' END", f[k], f[k],
                                f[k]);
    snprintf(sql + pos, sizeof(sql) - pos,
             ") AS stale, d.%s AS stored, s.%s AS truth FROM s.%s_movies s LEFT JOIN d.%s_movies d"
             " USING (%s) LEFT JOIN d.movies m ON m.%s = s.%s) TO '%s/%s-%s.csv' (HEADER)",
             counter, counter, t, t, key, key, key, dir, label, t);
    duckdb_result res;
    if (duckdb_query(con, sql, &res) != DuckDBSuccess)
        die(duckdb_result_error(&res));
    duckdb_destroy_result(&res);
}

static void compare(const char *db, const char *scratch, const char *label, struct tally *t)
{
    duckdb_database ddb;
    duckdb_connection con;
    duckdb_result res;
    char sql[8192];
    if (duckdb_open(NULL, &ddb) != DuckDBSuccess || duckdb_connect(ddb, &con) != DuckDBSuccess)
        die("duckdb: cannot open");
    snprintf(sql, sizeof(sql), "ATTACH '%s' AS d (READ_ONLY); ATTACH '%s' AS s (READ_ONLY)", db,
             scratch);
    if (duckdb_query(con, sql, &res) != DuckDBSuccess)
        die(duckdb_result_error(&res));
    duckdb_destroy_result(&res);
    for (int api = 0; api < 2; api++) {
        trace(con, api, label);
        comparison_sql(api, sql, sizeof(sql));
        if (duckdb_query(con, sql, &res) != DuckDBSuccess)
            die(duckdb_result_error(&res));
        double n = (double)duckdb_value_int64(&res, 0, 0);
        size_t nf = api == 0 ? N_TF : N_OF_;
        if (n > 0) {
            t->movies[api] += n;
            t->stale_movies[api] += (double)duckdb_value_int64(&res, 1, 0);
            t->err[api] += duckdb_value_double(&res, 2, 0) * n;
            t->fields[api] += n * (double)nf;
            for (size_t k = 0; k < nf; k++) {
                double s = (double)duckdb_value_int64(&res, 3 + k, 0);
                t->by_field[api][k] += s;
                t->stale_fields[api] += s;
            }
            if (api == 0)
                t->frozen_stale += (double)duckdb_value_int64(&res, 3 + nf, 0);
        }
        duckdb_destroy_result(&res);
    }
    duckdb_disconnect(&con);
    duckdb_close(&ddb);
}

/* The sample: the N stored movies whose ids hash lowest (all when fewer); *STORED: how many. */
static int pick_sample(const char *db, int n, int64_t *ids, int64_t *stored)
{
    duckdb_database ddb;
    duckdb_connection con;
    duckdb_result res;
    char sql[1024];
    if (duckdb_open(NULL, &ddb) != DuckDBSuccess || duckdb_connect(ddb, &con) != DuckDBSuccess)
        die("duckdb: cannot open");
    snprintf(sql, sizeof(sql),
             "ATTACH '%s' AS d (READ_ONLY); SELECT tmdb_id, count(*) OVER () FROM d.tmdb_movies "
             "ORDER BY hash(tmdb_id) LIMIT %d",
             db, n);
    if (duckdb_query(con, sql, &res) != DuckDBSuccess)
        die(duckdb_result_error(&res));
    int k = (int)duckdb_row_count(&res);
    for (int i = 0; i < k; i++)
        ids[i] = duckdb_value_int64(&res, 0, (idx_t)i);
    *stored = k ? duckdb_value_int64(&res, 1, 0) : 0;
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    duckdb_close(&ddb);
    return k;
}

/* ---- a whole simulation for one policy ------------------------------------------------ */

static struct fake start_fake(const struct cfg *g, rs_time_t now)
{
    struct fake f = {0};
    char movies[24], when[32], why[256] = "";
    snprintf(movies, sizeof(movies), "%ld", g->movies);
    rs_time_format(now, when, sizeof(when));
    const char *args[] = {"--movies", movies, "--seed", "7", "--now", when, NULL};
    if (!fakeproc_start(&f, RS_FAKEAPI_BIN, args, why, sizeof(why)))
        die(why);
    return f;
}

static void day_zero(const struct cfg *g, const char *db, rs_time_t now)
{
    char y0[8], y1[8], votes[24];
    snprintf(votes, sizeof(votes), "%ld", g->min_votes);
    snprintf(y0, sizeof(y0), "%d", g->year0);
    snprintf(y1, sizeof(y1), "%d", g->year1);
    struct fake f = start_fake(g, now);
    const char *full[] = {
        "collect", "--start-year",       y0,    "--end-year",         y1,   "--max-pages",
        "0",       "--min-vote-count",   votes, "--refresh-limit",    "0",  "--tmdb-rps",
        "0",       "--omdb-rps",         "0",   "--tmdb-daily-limit", "0",  "--omdb-daily-limit",
        "0",       "--tmdb-concurrency", "16",  "--omdb-concurrency", "16", NULL};
    if (reelsync(&f, db, now, full) != 0)
        die("day 0: the first complete collect failed");
    fakeproc_stop(&f);
}

static void simulate(const struct cfg *g, const char *dir, const char *policy, struct tally *t)
{
    char db[600], scratch[600];
    static int64_t ids[MAX_SAMPLE];
    snprintf(db, sizeof(db), "%s/%s.duckdb", dir, policy);
    snprintf(scratch, sizeof(scratch), "%s/truth.duckdb", dir);
    memset(t, 0, sizeof(*t));
    day_zero(g, db, g->start);
    pick_sample(db, g->sample, ids, &t->stored);
    CURL *c = curl_easy_init();
    for (int day = 1; day <= g->days; day++) {
        rs_time_t now = g->start + (rs_time_t)day * RS_DAY_SECONDS;
        struct fake f = start_fake(g, now);
        cron_day(g, &f, db, now, policy);
        t->requests[0] += requests(c, &f, "tmdb");
        t->requests[1] += requests(c, &f, "omdb");
        if (day % g->every == 0) {
            int64_t stored;
            int n = pick_sample(db, g->sample, ids, &stored);
            fetch_truth(c, &f, ids, n, now + 6 * 3600, scratch);
            char label[160];
            snprintf(label, sizeof(label), "%s-%03d", policy, day);
            compare(db, scratch, label, t);
            t->measurements++;
        }
        fakeproc_stop(&f);
        fprintf(stderr, "\r%s: day %d/%d", policy, day, g->days);
    }
    fprintf(stderr, "\n");
    curl_easy_cleanup(c);
}

/* ---- output ------------------------------------------------------------------------ */

static double share(double a, double b)
{
    return b > 0 ? 100.0 * a / b : 0.0;
}

static void report(const struct cfg *g, const char *policy, const struct tally *t)
{
    printf("\nfreshness, policy %s: %d days, %lld movies stored on day 0, sample %.0f/%.0f "
           "(TMDB/OMDB) compared %d times\n",
           policy, g->days, (long long)t->stored,
           t->measurements ? t->movies[0] / t->measurements : 0,
           t->measurements ? t->movies[1] / t->measurements : 0, t->measurements);
    printf("| api  | requests | per day | stale movies | stale fields | counter error |\n");
    printf("| ---- | -------- | ------- | ------------ | ------------ | ------------- |\n");
    for (int api = 0; api < 2; api++)
        printf("| %-4s | %8lld | %7.1f | %10.2f %% | %10.2f %% | %11.2f %% |\n",
               api ? "omdb" : "tmdb", (long long)t->requests[api],
               (double)t->requests[api] / g->days, share(t->stale_movies[api], t->movies[api]),
               share(t->stale_fields[api], t->fields[api]),
               t->movies[api] > 0 ? 100.0 * t->err[api] / t->movies[api] : 0.0);
    printf("frozen movies with a stale TMDB field: %.0f (sum over the comparisons)\n",
           t->frozen_stale);
    for (int api = 0; api < 2; api++) {
        printf("stale %s fields:", api ? "OMDB" : "TMDB");
        size_t nf = api == 0 ? N_TF : N_OF_;
        for (size_t k = 0; k < nf; k++)
            if (t->by_field[api][k] > 0)
                printf(" %s %.2f %%", (api ? OMDB_FIELDS : TMDB_FIELDS)[k],
                       share(t->by_field[api][k], t->movies[api]));
        printf("\n");
    }
    for (int api = 0; api < 2; api++) {
        const char *a = api ? "omdb" : "tmdb";
        printf("fresh_%s_%s_requests\t%lld\trequests\t%d days\n", policy, a,
               (long long)t->requests[api], g->days);
        printf("fresh_%s_%s_stale_movies\t%.2f\t%%\tof sampled movies\n", policy, a,
               share(t->stale_movies[api], t->movies[api]));
        printf("fresh_%s_%s_stale_fields\t%.2f\t%%\tof sampled fields\n", policy, a,
               share(t->stale_fields[api], t->fields[api]));
        printf("fresh_%s_%s_counter_error\t%.2f\t%%\tmean relative\n", policy, a,
               t->movies[api] > 0 ? 100.0 * t->err[api] / t->movies[api] : 0.0);
    }
    printf("fresh_%s_frozen_stale\t%.0f\tmovies\tsampled, frozen, TMDB-stale; summed\n", policy,
           t->frozen_stale);
    printf("fresh_%s_days\t%d\tdays\t-\n", policy, g->days);
    printf("fresh_%s_movies\t%lld\tmovies\tstored on day 0\n", policy, (long long)t->stored);
    fflush(stdout); /* before the next policy's children inherit the buffer */
}

/* ---- the command line -------------------------------------------------------------- */

static long num(const char *s, long min, long max, const char *opt)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "bench_freshness: bad %s '%s'\n", opt, s);
        exit(2);
    }
    return v;
}

static void parse(int argc, char **argv, struct cfg *g)
{
    *g = (struct cfg){.days = 365,
                      .sample = 1000,
                      .every = 7,
                      .year0 = 2023,
                      .year1 = 2025,
                      .movies = 100000,
                      .refresh_limit = 100,
                      .tmdb_daily = 40000,
                      .omdb_daily = 1000,
                      .weekly = true};
    snprintf(g->policies, sizeof(g->policies), "current");
    rs_time_parse("2025-06-01T02:00:00Z", &g->start);
    for (int i = 1; i < argc; i += 2) { /* an option without its value: v "" is refused */
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(o, "--days"))
            g->days = (int)num(v, 1, 3650, o);
        else if (!strcmp(o, "--movies"))
            g->movies = num(v, 100, 2000000, o);
        else if (!strcmp(o, "--refresh-limit"))
            g->refresh_limit = num(v, 0, 10000000, o);
        else if (!strcmp(o, "--tmdb-daily-limit"))
            g->tmdb_daily = num(v, 0, 100000000, o);
        else if (!strcmp(o, "--omdb-daily-limit"))
            g->omdb_daily = num(v, 0, 100000000, o);
        else if (!strcmp(o, "--min-vote-count"))
            g->min_votes = num(v, 0, 100000000, o);
        else if (!strcmp(o, "--sample"))
            g->sample = (int)num(v, 1, MAX_SAMPLE, o);
        else if (!strcmp(o, "--every"))
            g->every = (int)num(v, 1, 365, o);
        else if (!strcmp(o, "--discovery"))
            g->weekly = strcmp(v, "none") != 0;
        else if (!strcmp(o, "--policy"))
            snprintf(g->policies, sizeof(g->policies), "%s", v);
        else if (!strcmp(o, "--years")) {
            char y0[16];
            snprintf(y0, sizeof(y0), "%.*s", (int)strcspn(v, "-"), v);
            g->year0 = (int)num(y0, 1900, 2100, o);
            g->year1 = v[strlen(y0)] ? (int)num(v + strlen(y0) + 1, g->year0, 2100, o) : g->year0;
        } else if (!strcmp(o, "--start") && rs_time_parse(v, &g->start)) {
            g->start += 2 * 3600; /* the daily run's 02:00 */
        } else {
            fprintf(stderr, "bench_freshness: bad option '%s %s' (options: its first comment)\n", o,
                    v);
            exit(2);
        }
    }
}

int main(int argc, char **argv)
{
    struct cfg g;
    char dir[] = "/tmp/reelsync-fresh-XXXXXX";
    parse(argc, argv, &g);
    if (!mkdtemp(dir))
        die("cannot make a temporary directory");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char *list = strdup(g.policies), *save = NULL;
    for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        struct tally t;
        simulate(&g, dir, p, &t);
        report(&g, p, &t);
    }
    free(list);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (getenv("BENCH_FRESHNESS_KEEP")) /* to look into the databases afterwards */
        fprintf(stderr, "bench_freshness: kept %s\n", dir);
    else if (system(cmd) != 0)
        fprintf(stderr, "bench_freshness: could not remove %s\n", dir);
    curl_global_cleanup();
    return 0;
}
