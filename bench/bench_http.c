/*
 * bench_http: the request engine against reelsync-fakeapi, two measurements.
 *
 * 1. Rate accuracy. The fake enforces --tmdb-rps 4 --omdb-rps 2; the engine sends
 *    300 TMDB requests at 4/s and 200 OMDB requests at 2/s concurrently (in-flight caps
 *    10 and 5). Printed: achieved rates (target >= 97 % of configured), the 429s the server
 *    counted as violations (target 0), the highest in-flight count it saw against the cap.
 *    BENCH_QUICK=1 (or --quick) sends 40 + 20 requests instead (about 10 s, not 100 s).
 * 2. Raw speed. Limits off, 64 in flight: BENCH_N (default 100000) GETs of /3/movie/27205
 *    through a fresh engine, then `wrk -t1 -c64 -dBENCH_WRK_SECS` (default 3) on the same URL
 *    against the same server, alternating for BENCH_REPS rounds (default 5, the order flipped
 *    each round); printed per round with the CPU time per request of client and server, and
 *    the medians (target: engine >= 70 % of wrk). wrk is skipped when not installed.
 *
 * Machine lines "name<TAB>value<TAB>unit<TAB>note" (engine_rps, wrk_rps, rate_*, inflight_*)
 * are printed for bench/run.sh.
 *
 * Usage: bench_http [--quick] [--rate-only|--speed-only]
 */
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "fakeproc.h"
#include "reelsync/http.h"
#include "reelsync/omdb.h"
#include "reelsync/tmdb.h"

static const char *const ids[] = {"27205",  "10193",   "19995",   "194",   "54186",
                                  "466420", "1075794", "1443826", "76162", "283917"};

static void fixtures_dir(char *out, size_t len)
{
    char bin[1024];
    snprintf(bin, sizeof(bin), "%s", RS_FAKEAPI_BIN);
    char *build = dirname(bin);  /* .../build */
    char *root = dirname(build); /* the source tree, build/ being inside it */
    snprintf(out, len, "%s/tests/fixtures", root);
}

/* Starts the fake serving the recorded fixtures, with EXTRA flags. */
static int fake_start(struct fake *f, const char *const *extra)
{
    char fix[1200], why[256];
    const char *args[32] = {"--fixtures", fix};
    size_t n = 2;
    fixtures_dir(fix, sizeof(fix));
    for (size_t i = 0; extra[i] && n < 31; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    if (!fakeproc_start(f, RS_FAKEAPI_BIN, args, why, sizeof(why))) {
        fprintf(stderr, "bench_http: %s\n", why);
        return -1;
    }
    return 0;
}

static size_t collect(char *data, size_t size, size_t n, void *ud)
{
    json_t **doc = ud;
    static char buf[1 << 20];
    static size_t len;
    size_t add = size * n;
    if (!*doc && len + add < sizeof(buf)) {
        memcpy(buf + len, data, add);
        len += add;
        buf[len] = '\0';
        json_t *d = json_loads(buf, 0, NULL);
        if (d) {
            *doc = d;
            len = 0;
        }
    }
    return add;
}

static json_t *server_stats(const struct fake *f)
{
    char url[128];
    json_t *doc = NULL;
    snprintf(url, sizeof(url), "%s/__stats", f->base);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &doc);
    curl_easy_perform(c);
    curl_easy_cleanup(c);
    return doc;
}

/* The integer at a dotted PATH of the stats object, or -1 when absent. */
static long long stat_int(json_t *doc, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *v = doc;
    for (char *save = NULL, *p = strtok_r(buf, ".", &save); p; p = strtok_r(NULL, ".", &save))
        v = json_object_get(v, p);
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

struct tally {
    int done[RS_API_COUNT];
    int ok[RS_API_COUNT];
    int rate_limited;
    int64_t first_ms[RS_API_COUNT], last_ms[RS_API_COUNT];
    int64_t at[RS_API_COUNT][512]; /* completion times, for the steady rate */
};

static void on_done(struct http *h, const struct http_result *res, void *user)
{
    (void)h;
    struct tally *t = user;
    int64_t now = rs_monotonic_ms();
    if (t->done[res->api] == 0)
        t->first_ms[res->api] = now;
    t->last_ms[res->api] = now;
    if (t->done[res->api] < 512)
        t->at[res->api][t->done[res->api]] = now;
    t->done[res->api]++;
    if (res->outcome == RS_OK)
        t->ok[res->api]++;
    if (res->outcome == RS_ERR_RATE_LIMITED)
        t->rate_limited++;
}

static struct http *engine(const struct fake *f, double tmdb_rps, int tmdb_conc, double omdb_rps,
                           int omdb_conc)
{
    static char tmdb[128], omdb[128];
    snprintf(tmdb, sizeof(tmdb), "%s/3", f->base);
    snprintf(omdb, sizeof(omdb), "%s/omdb/", f->base);
    struct http_config cfg = {
        .api[RS_API_TMDB] = {.base_url = tmdb,
                             .key_param = "api_key",
                             .key = "test",
                             .rps = tmdb_rps,
                             .concurrency = tmdb_conc,
                             .classify = tmdb_classify_doc,
                             .free_doc = tmdb_free_doc},
        .api[RS_API_OMDB] = {.base_url = omdb,
                             .key_param = "apikey",
                             .key = "test",
                             .rps = omdb_rps,
                             .concurrency = omdb_conc,
                             .classify = omdb_classify_doc,
                             .free_doc = omdb_free_doc},
        .retry = RETRY_POLICY_DEFAULT,
        .seed = 1,
    };
    struct http *h = NULL;
    struct rs_error err;
    if (http_create(&cfg, &h, &err) != RS_OK) {
        fprintf(stderr, "bench_http: %s\n", err.msg);
        exit(1);
    }
    return h;
}

static int bench_rate(bool quick)
{
    struct fake f = {0};
    const char *args[] = {"--tmdb-rps", "4", "--omdb-rps", "2", NULL};
    int n_tmdb = quick ? 40 : 300, n_omdb = quick ? 20 : 200;
    if (fake_start(&f, args) != 0)
        return 1;
    struct http *h = engine(&f, 4, 10, 2, 5);
    struct tally t = {0};
    char suffix[64];
    for (int i = 0; i < n_tmdb; i++) {
        snprintf(suffix, sizeof(suffix), "/movie/%s", ids[i % 10]);
        http_get(h, RS_API_TMDB, suffix, on_done, &t);
    }
    for (int i = 0; i < n_omdb; i++)
        http_get(h, RS_API_OMDB, "?i=tt1375666", on_done, &t);
    int64_t t0 = rs_monotonic_ms();
    struct rs_error err;
    http_run(h, &err);
    struct http_stats st;
    http_get_stats(h, &st);
    http_destroy(h);
    json_t *s = server_stats(&f);
    fakeproc_stop(&f);

    printf("== rate accuracy: %d TMDB at 4/s (cap 10), %d OMDB at 2/s (cap 5)%s\n", n_tmdb, n_omdb,
           quick ? " [quick]" : "");
    static const double rate[] = {4, 2};
    static const int cap[] = {10, 5};
    for (int a = 0; a < RS_API_COUNT; a++) {
        double secs = (double)(t.last_ms[a] - t0) / 1000.0;
        /* The bucket starts full: the steady rate is measured from the 10th completion on. */
        int last = (t.done[a] < 512 ? t.done[a] : 512) - 1;
        double steady = (last - 10) / ((double)(t.at[a][last] - t.at[a][10]) / 1000.0);
        printf("%s: %d/%d ok in %.2f s: %.3f req/s overall, %.3f req/s steady = %.1f %% of %.0f/s;"
               " engine max in flight %d (cap %d), attempts %lld, retries %lld\n",
               rs_api_name(a), t.ok[a], t.done[a], secs, t.done[a] / secs, steady,
               100.0 * steady / rate[a], rate[a], st.max_in_flight[a], cap[a],
               (long long)st.attempts[a], (long long)st.retries[a]);
        printf("rate_%s_rps\t%.3f\treq/s\t>= %.2f\n", rs_api_name(a), steady, 0.97 * rate[a]);
        printf("rate_%s_n\t%d\trequests\t-\n", rs_api_name(a), t.done[a]);
    }
    if (s) {
        printf("rate_violations\t%lld\t429s\t= 0\n",
               stat_int(s, "violations.tmdb") + stat_int(s, "violations.omdb"));
        printf("inflight_tmdb\t%lld\trequests\t<= 10\n", stat_int(s, "max_in_flight.tmdb"));
        printf("inflight_omdb\t%lld\trequests\t<= 5\n", stat_int(s, "max_in_flight.omdb"));
        printf("server: violations tmdb %lld omdb %lld; max in flight tmdb %lld (cap 10) omdb %lld"
               " (cap 5); requests tmdb %lld omdb %lld\n",
               stat_int(s, "violations.tmdb"), stat_int(s, "violations.omdb"),
               stat_int(s, "max_in_flight.tmdb"), stat_int(s, "max_in_flight.omdb"),
               stat_int(s, "requests.tmdb"), stat_int(s, "requests.omdb"));
        json_decref(s);
    }
    printf("429 answers seen by the engine: %d\n", t.rate_limited);
    return 0;
}

/* CPU seconds (user + system) a process has used so far, from /proc; -1 if unreadable. */
static double proc_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* fields after the command name; utime, stime are 14, 15 */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double rusage_cpu(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* One measurement: requests per second, and CPU microseconds per request of the client
 * (the engine's process, or wrk) and of the server. */
struct sample {
    double rps, client_us, server_us;
};

/* `wrk -t1 -c64 -dSECS` on URL, keep-alive (wrk's default), as one sample. */
static struct sample run_wrk(const char *url, int secs, pid_t server)
{
    struct sample s = {-1, 0, 0};
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "wrk -t1 -c64 -d%ds '%s' 2>/dev/null", secs, url);
    double c0 = rusage_cpu(RUSAGE_CHILDREN), s0 = proc_cpu(server);
    FILE *p = popen(cmd, "r");
    if (!p)
        return s;
    char line[512];
    long long total = 0;
    while (fgets(line, sizeof(line), p)) {
        if (strncmp(line, "Requests/sec:", 13) == 0)
            s.rps = strtod(line + 13, NULL);
        else if (strstr(line, " requests in "))
            total = strtoll(line, NULL, 10);
    }
    pclose(p);
    if (total > 0) {
        s.client_us = (rusage_cpu(RUSAGE_CHILDREN) - c0) * 1e6 / (double)total;
        s.server_us = (proc_cpu(server) - s0) * 1e6 / (double)total;
    }
    return s;
}

/* N GETs of SUFFIX through a fresh engine (limits off, 64 in flight), as one sample. */
static struct sample run_engine(const struct fake *f, const char *suffix, int n)
{
    struct sample s = {-1, 0, 0};
    struct http *h = engine(f, 0, 64, 0, 1);
    struct tally *t = calloc(1, sizeof(*t));
    /* Queueing is part of going through the engine (URL and key building): timed too. */
    double c0 = rusage_cpu(RUSAGE_SELF), s0 = proc_cpu(f->pid);
    int64_t t0 = rs_monotonic_ms();
    for (int i = 0; i < n; i++)
        http_get(h, RS_API_TMDB, suffix, on_done, t);
    struct rs_error err;
    http_run(h, &err);
    double secs = (double)(rs_monotonic_ms() - t0) / 1000.0;
    s.client_us = (rusage_cpu(RUSAGE_SELF) - c0) * 1e6 / n;
    s.server_us = (proc_cpu(f->pid) - s0) * 1e6 / n;
    struct http_stats st;
    http_get_stats(h, &st);
    http_destroy(h);
    if (t->ok[RS_API_TMDB] != n || st.max_in_flight[RS_API_TMDB] != 64)
        fprintf(stderr, "bench_http: engine: %d of %d ok, max in flight %d (expected 64)\n",
                t->ok[RS_API_TMDB], n, st.max_in_flight[RS_API_TMDB]);
    else
        s.rps = n / secs;
    free(t);
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
    double s[64];
    memcpy(s, v, (size_t)n * sizeof(*v));
    qsort(s, (size_t)n, sizeof(*s), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int env_int(const char *name, int def, int lo, int hi)
{
    const char *v = getenv(name);
    int x = v && *v ? atoi(v) : def;
    return x < lo ? lo : x > hi ? hi : x;
}

/*
 * Raw speed: engine and wrk alternate on one server, same URL, 64 keep-alive connections
 * each; BENCH_REPS rounds (default 5), the order flipped every round so drift in the
 * machine's load hits both alike. Reported: every round, and the medians.
 */
static int bench_speed(void)
{
    struct fake f = {0};
    const char *args[] = {NULL};
    int n = env_int("BENCH_N", 100000, 64, 100000000);
    int reps = env_int("BENCH_REPS", 5, 1, 64);
    int secs = env_int("BENCH_WRK_SECS", 3, 1, 600);
    bool have_wrk = system("command -v wrk >/dev/null 2>&1") == 0;
    if (fake_start(&f, args) != 0)
        return 1;
    static const char suffix[] = "/movie/27205";
    char url[160];
    snprintf(url, sizeof(url), "%s/3%s?api_key=test", f.base, suffix);
    printf("== raw speed: limits off, 64 in flight, GET /3%s; %d rounds of engine (%d requests)"
           " and wrk -t1 -c64 -d%ds, alternating\n",
           suffix, reps, n, secs);
    double e[64], w[64], r[64], ec[64], wc[64];
    int ok = 0;
    for (int i = 0; i < reps; i++) {
        struct sample se, sw = {-1, 0, 0};
        if (i % 2 == 1 && have_wrk)
            sw = run_wrk(url, secs, f.pid);
        se = run_engine(&f, suffix, n);
        if (i % 2 == 0 && have_wrk)
            sw = run_wrk(url, secs, f.pid);
        printf("round %d: engine %.0f req/s (CPU/request: engine %.1f us, server %.1f us)", i + 1,
               se.rps, se.client_us, se.server_us);
        if (sw.rps > 0)
            printf("; wrk %.0f req/s (CPU/request: wrk %.1f us, server %.1f us); %.1f %%", sw.rps,
                   sw.client_us, sw.server_us, 100.0 * se.rps / sw.rps);
        printf("\n");
        if (se.rps <= 0)
            continue;
        e[ok] = se.rps;
        ec[ok] = se.client_us;
        w[ok] = sw.rps;
        wc[ok] = sw.client_us;
        r[ok] = 100.0 * se.rps / sw.rps;
        ok++;
    }
    fakeproc_stop(&f);
    if (ok == 0)
        return 1;
    printf("engine: median %.0f req/s over %d rounds, %.1f us CPU per request\n", median(e, ok), ok,
           median(ec, ok));
    if (have_wrk)
        printf("wrk -t1 -c64 -d%ds: median %.0f req/s, %.1f us CPU per request; engine/wrk: median"
               " %.1f %% (target >= 70 %%)\n",
               secs, median(w, ok), median(wc, ok), median(r, ok));
    printf("engine_rps\t%.0f\treq/s\t>= 70 %% of wrk_rps\n", median(e, ok));
    if (have_wrk)
        printf("wrk_rps\t%.0f\treq/s\t-\n", median(w, ok));
    else
        printf("wrk: not installed\n");
    return 0;
}

int main(int argc, char **argv)
{
    bool quick =
        getenv("BENCH_QUICK") && *getenv("BENCH_QUICK") && strcmp(getenv("BENCH_QUICK"), "0");
    bool rate = true, speed = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--rate-only") == 0)
            speed = false;
        else if (strcmp(argv[i], "--speed-only") == 0)
            rate = false;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int rc = 0;
    if (speed)
        rc |= bench_speed();
    if (rate)
        rc |= bench_rate(quick);
    curl_global_cleanup();
    return rc;
}
