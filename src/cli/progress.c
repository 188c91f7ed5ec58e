/*
 * progress: what the program shows on stderr while collect runs. On a terminal a live
 * line redrawn at most five times a second; elsewhere (cron, a pipe) an info log line every
 * five seconds, with no control characters. Log lines go through the same place, so they
 * clear the live line first. And the signals: SIGINT or SIGTERM asks the run to stop
 * (orch_options.cancel), a second one exits at once. The numbers are the library's.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"

/*
 * Set by SIGINT/SIGTERM and read by the library through orch_options.cancel: the run stops
 * starting requests, stores what it received and returns. This is the program's only
 * mutable global, as a signal handler can reach nothing else.
 */
static volatile sig_atomic_t cancel_requested;

void progress_init(struct progress *p, bool enabled, const struct rs_log *log)
{
    *p = (struct progress){.enabled = enabled, .tty = isatty(STDERR_FILENO) == 1, .log = log};
}

void progress_clear(struct progress *p)
{
    if (p->tty && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
}

/* "2026-11-25T05:30:00Z info message key=value" */
void progress_log_sink(void *ctx, enum rs_log_level level, const char *line)
{
    struct progress *p = ctx;
    char stamp[32];
    progress_clear(p);
    /* Log lines carry the real time of the event, not --now (which is for the policy). */
    fprintf(stderr, "%s %s %s\n", rs_time_format(rs_clock_now(), stamp, sizeof(stamp)),
            rs_log_level_name(level), line);
}

static const char *phase_name(enum orch_phase phase)
{
    return phase == ORCH_DISCOVER ? "discover" : "refresh";
}

/* "1h02m", "3m05s", "12s" */
static char *format_duration(double s, char *buf, size_t len)
{
    long t = s > 0 && s < 1e9 ? (long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, len, "%ldh%02ldm", t / 3600, t % 3600 / 60);
    else if (t >= 60)
        snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, len, "%lds", t);
    return buf;
}

/* Draws or logs one progress report of P's phase. */
static void progress_show(struct progress *pr, const struct orch_progress *p, int64_t now_ms)
{
    double secs = (double)(now_ms - pr->phase_start_ms) / 1000.0;
    double rate = secs > 0 ? (double)p->done / secs : 0.0;
    char eta[32] = "-";
    if (rate > 0 && p->total > p->done)
        format_duration((double)(p->total - p->done) / rate, eta, sizeof(eta));
    const char *unit = p->phase == ORCH_DISCOVER ? "pages" : "movies";
    if (pr->tty) {
        fprintf(stderr, "\r\033[K%s %lld/%lld %s  %.1f/s  eta %s  errors %lld",
                phase_name(p->phase), (long long)p->done, (long long)p->total, unit, rate, eta,
                (long long)p->errors);
        fflush(stderr);
        pr->drawn = true;
    } else {
        rs_logf(pr->log, RS_LOG_INFO,
                "progress phase=%s done=%lld total=%lld unit=%s rate=%.1f/s eta=%s errors=%lld",
                phase_name(p->phase), (long long)p->done, (long long)p->total, unit, rate, eta,
                (long long)p->errors);
    }
}

void progress_update(void *ctx, const struct orch_progress *p)
{
    struct progress *pr = ctx;
    int64_t now_ms = rs_monotonic_ms();
    if (!pr->enabled)
        return;
    if (!pr->started || p->phase != pr->phase) {
        progress_clear(pr);
        pr->started = true;
        pr->phase = p->phase;
        pr->phase_start_ms = now_ms;
        pr->last_ms = now_ms;
        if (pr->tty)
            progress_show(pr, p, now_ms);
        return;
    }
    int64_t every = pr->tty ? 200 : 5000;
    bool last = p->total > 0 && p->done >= p->total;
    if (now_ms - pr->last_ms < every && !(last && pr->tty))
        return;
    pr->last_ms = now_ms;
    progress_show(pr, p, now_ms);
}

static void on_signal(int sig)
{
    if (cancel_requested) {
        static const char msg[] = "\nreelsync: interrupted twice: exiting now (the database "
                                  "keeps what was committed; run again to continue)\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
        (void)ignored;
        _exit(128 + sig);
    }
    cancel_requested = sig;
}

void progress_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

const volatile sig_atomic_t *progress_cancel_flag(void)
{
    return &cancel_requested;
}

int progress_signal(void)
{
    return (int)cancel_requested;
}
