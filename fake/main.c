/*
 * reelsync-fakeapi: a local stand-in for TMDB v3 and OMDB (flags, routes and faults:
 * fake/README.md). Parses the command line, builds the catalog or loads the fixtures, starts
 * the server, prints "listening on http://127.0.0.1:PORT" as its first stdout line, and runs
 * until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

static const char USAGE[] =
    "usage: reelsync-fakeapi [--port N] [--movies N] [--seed S] [--now TIME] [--fixtures DIR]\n"
    "                        [--tmdb-key KEY] [--omdb-key KEY] [--tmdb-rps R] [--omdb-rps R]\n"
    "                        [--omdb-daily-limit N] [--latency-ms N] [--fault-rate P]\n"
    "                        [--faults LIST] [--retry-after [SECS]] [--page-error-422]\n"
    "                        [--stall-ms N] [--trickle-ms N]\n";

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

static bool parse_faults(const char *list, uint32_t *mask)
{
    *mask = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        int k = 0;
        while (k < FAKE_F_COUNT_ &&
               (strlen(fake_fault_names[k]) != n || strncmp(fake_fault_names[k], p, n) != 0))
            k++;
        if (k == FAKE_F_COUNT_)
            return false;
        *mask |= 1u << k;
        p += n + (p[n] == ',');
    }
    return *mask != 0;
}

static bool parse_seed(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

/* One option with its value V; false when the value is bad. */
static bool set_option(struct fake_config *c, const char *opt, const char *v)
{
    long n;
    if (strcmp(opt, "--port") == 0 && parse_long(v, 0, 65535, &n))
        c->port = (int)n;
    else if (strcmp(opt, "--movies") == 0 && parse_long(v, 0, 100000000, &n))
        c->movies = n;
    else if (strcmp(opt, "--seed") == 0)
        return parse_seed(v, &c->seed);
    else if (strcmp(opt, "--now") == 0)
        return (c->has_now = rs_time_parse(v, &c->now));
    else if (strcmp(opt, "--fixtures") == 0)
        c->fixtures = v;
    else if (strcmp(opt, "--tmdb-key") == 0)
        c->tmdb_key = v;
    else if (strcmp(opt, "--omdb-key") == 0)
        c->omdb_key = v;
    else if (strcmp(opt, "--tmdb-rps") == 0)
        return parse_double(v, 0, 1e9, &c->tmdb_rps);
    else if (strcmp(opt, "--omdb-rps") == 0)
        return parse_double(v, 0, 1e9, &c->omdb_rps);
    else if (strcmp(opt, "--omdb-daily-limit") == 0)
        return parse_long(v, 0, 2000000000, &c->omdb_daily_limit);
    else if (strcmp(opt, "--latency-ms") == 0 && parse_long(v, 0, 600000, &n))
        c->latency_ms = (int)n;
    else if (strcmp(opt, "--stall-ms") == 0 && parse_long(v, 0, 3600000, &n))
        c->stall_ms = (int)n;
    else if (strcmp(opt, "--trickle-ms") == 0 && parse_long(v, 0, 60000, &n))
        c->trickle_ms = (int)n;
    else if (strcmp(opt, "--fault-rate") == 0)
        return parse_double(v, 0, 1, &c->fault_rate);
    else if (strcmp(opt, "--faults") == 0)
        return parse_faults(v, &c->faults);
    else
        return false;
    return true;
}

static bool takes_value(const char *opt)
{
    static const char *const with[] = {
        "--port",       "--movies",     "--seed",     "--now",      "--fixtures",
        "--tmdb-key",   "--omdb-key",   "--tmdb-rps", "--omdb-rps", "--omdb-daily-limit",
        "--latency-ms", "--fault-rate", "--faults",   "--stall-ms", "--trickle-ms"};
    for (size_t k = 0; k < sizeof(with) / sizeof(with[0]); k++)
        if (strcmp(opt, with[k]) == 0)
            return true;
    return false;
}

/* One stderr line, like every usage error; a bad --faults value lists the kinds. */
static void bad_value(const char *opt, const char *v)
{
    fprintf(stderr, "reelsync-fakeapi: bad value '%s' for %s", v, opt);
    if (strcmp(opt, "--faults") == 0)
        for (int k = 0; k < FAKE_F_COUNT_; k++)
            fprintf(stderr, "%s%s", k ? "," : " (kinds: ", fake_fault_names[k]);
    fputs(strcmp(opt, "--faults") == 0 ? "; see --help)\n" : " (see --help)\n", stderr);
}

/* Returns 0 to run, 1 after --help, 2 on a bad command line (message printed). */
static int parse_args(int argc, char **argv, struct fake_config *c)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
            fputs(USAGE, stdout);
            return 1;
        } else if (strcmp(opt, "--page-error-422") == 0) {
            c->page_error_422 = true;
        } else if (strcmp(opt, "--retry-after") == 0) {
            long n;
            c->retry_after = 1;
            if (i + 1 < argc && parse_long(argv[i + 1], 1, 86400, &n)) {
                c->retry_after = (int)n;
                i++;
            }
        } else if (takes_value(opt) && i + 1 < argc) {
            if (!set_option(c, opt, argv[i + 1])) {
                bad_value(opt, argv[i + 1]);
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "reelsync-fakeapi: %s option '%s' (see --help)\n",
                    takes_value(opt) ? "missing value for" : "unknown", opt);
            return 2;
        }
    }
    if (c->fault_rate > 0 && !c->faults)
        parse_faults("429,500,502html,503,reset,timeout,malformed,truncated", &c->faults);
    return 0;
}

/* Blocks the stop signals before any thread starts, so only sigwait in main sees them. */
static void block_stop_signals(sigset_t *stop)
{
    sigemptyset(stop);
    sigaddset(stop, SIGTERM);
    sigaddset(stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, stop, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
    struct fake_config cfg = {.port = 8080,
                              .movies = 10000,
                              .seed = 42,
                              .tmdb_key = "test",
                              .omdb_key = "test",
                              .stall_ms = 60000,
                              .trickle_ms = 200};
    int rc = parse_args(argc, argv, &cfg);
    if (rc)
        return rc == 1 ? 0 : 2;

    sigset_t stop;
    block_stop_signals(&stop);

    char msg[512] = "";
    struct fake_catalog *cat = NULL;
    struct fake_fixtures *fix = NULL;
    struct fake_server *srv = NULL;
    rc = 1;
    if (cfg.fixtures) {
        fix = fake_fixtures_create(cfg.fixtures, msg, sizeof(msg));
        if (!fix)
            goto cleanup;
    } else {
        cat = fake_catalog_create(cfg.movies, cfg.seed);
        if (!cat) {
            snprintf(msg, sizeof(msg), "out of memory building %ld movies", cfg.movies);
            goto cleanup;
        }
    }
    srv = fake_server_start(&cfg, cat, fix, msg, sizeof(msg));
    if (!srv)
        goto cleanup;
    printf("listening on http://127.0.0.1:%d\n", fake_server_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    rc = 0;
cleanup:
    if (rc)
        fprintf(stderr, "reelsync-fakeapi: %s\n", msg);
    fake_server_stop(srv);
    fake_catalog_destroy(cat);
    fake_fixtures_destroy(fix);
    return rc;
}
