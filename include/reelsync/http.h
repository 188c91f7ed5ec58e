/*
 * http: one libcurl multi event loop that drives every request of both APIs.
 *
 * A request is queued with http_get() and started only when its API has a token in its
 * bucket, a free in-flight slot and room under its daily limit; while nothing can start,
 * the loop sleeps until the next token, retry or completion. Each attempt's outcome is
 * classified (the API's own classify() reads the body where the status is not enough),
 * transient classes are retried under the retry policy, and the final result goes to the
 * request's callback exactly once. Callbacks run inside http_run() and may queue more
 * requests (the pipeline: a TMDB result queues its OMDB request).
 *
 * Keys: the engine appends the key itself (query parameter or bearer header) and never
 * lets it reach a log line, an error message or a result: every URL it shows is redacted.
 * Time: the engine reads the monotonic clock itself (it waits on sockets); the daily limit
 * uses the `used_today` the caller read from the store for the run's UTC day.
 */
#ifndef REELSYNC_HTTP_H
#define REELSYNC_HTTP_H

#include <signal.h>

#include "reelsync/reelsync.h"
#include "reelsync/retry.h"

struct http;

/*
 * The outcome class of an HTTP status: the one mapping of every API. 2xx RS_OK; 401
 * RS_ERR_AUTH; 404 RS_ERR_NOT_FOUND; 408 RS_ERR_TIMEOUT; 429 RS_ERR_RATE_LIMITED; 5xx
 * RS_ERR_SERVER_ERROR; anything else (a redirect, another 4xx, no status)
 * RS_ERR_BAD_RESPONSE. The APIs' classify hooks (tmdb_classify, omdb_classify) start from
 * it and add only what their bodies say.
 */
enum rs_err http_status_class(long status);
/* The version of the libcurl in use ("8.14.1"); static storage. */
const char *http_curl_version(void);

/*
 * Classifies one completed exchange of an API: RS_OK when BODY is a usable answer, else
 * the outcome class. Called for every HTTP response but a redirect (3xx, which the engine
 * refuses to follow: RS_ERR_BAD_RESPONSE), whatever its status; its answer is final (a
 * NULL hook: http_status_class of the status). RS_ERR_AUTH and RS_ERR_QUOTA_EXHAUSTED
 * stop the API for the run. Transfers that fail below HTTP are classified by the engine:
 * timeouts RS_ERR_TIMEOUT, a body above max_body RS_ERR_BAD_RESPONSE, anything else
 * (reset, refused, cut-off body) RS_ERR_NETWORK.
 * DOC (never NULL, *DOC NULL on entry): a hook that had to parse BODY to decide may leave
 * the parsed document there, so the body is parsed once; the engine hands it to the
 * request's callback (http_result.doc) and frees it after with the API's free_doc.
 */
typedef enum rs_err (*http_classify_fn)(long status, const char *body, size_t len, void **doc);

struct http_api_config {
    const char *base_url;        /* "https://api.themoviedb.org/3", "https://www.omdbapi.com/" */
    const char *key_param;       /* query parameter that carries KEY ("api_key", "apikey") */
    const char *key;             /* NULL: none sent */
    const char *bearer;          /* if set, sent as "Authorization: Bearer" instead of KEY */
    double rps;                  /* token bucket rate and capacity (run at 98 %); 0 = unlimited */
    int concurrency;             /* in-flight cap; 0 = unlimited */
    int64_t daily_limit;         /* attempts per UTC day; 0 = unlimited */
    int64_t used_today;          /* attempts already made today, before this run */
    http_classify_fn classify;   /* NULL: the status only (http_status_class) */
    void (*free_doc)(void *doc); /* frees what classify left in *doc; NULL if it leaves none */
};

struct http_config {
    struct http_api_config api[RS_API_COUNT];
    struct retry_policy retry; /* all of max_retries, base_ms, max_ms 0: RETRY_POLICY_DEFAULT;
                                  max_wait_ms 0: 60000 */
    long connect_timeout_ms;   /* 0: collect's --connect-timeout default (options.h) */
    long timeout_ms;           /* whole transfer; 0: the --timeout default (options.h) */
    size_t max_body;           /* larger bodies end as RS_ERR_BAD_RESPONSE; 0: 8 MiB */
    uint64_t seed;             /* for retry jitter */
    const struct rs_log *log;
    /* When *cancel becomes non-zero, no new attempt starts; in-flight ones finish. */
    const volatile sig_atomic_t *cancel;
};

struct http_result {
    enum rs_api api;
    enum rs_err outcome; /* RS_OK, or the class of the last attempt */
    long status;         /* HTTP status of the last attempt, 0 if none */
    const char *body;    /* last body (NUL-terminated); valid during the callback only */
    size_t body_len;
    void *doc;          /* what classify parsed of the last body, or NULL; callback only */
    int attempts;       /* attempts made (0 when refused before any: quota, auth stop, cancel) */
    const char *detail; /* one line on what went wrong, redacted; "" on success */
};

/* Called once per request with its final result. H may be used to queue more requests. */
typedef void (*http_done_fn)(struct http *h, const struct http_result *res, void *user);

/*
 * Creates an engine. CFG's strings are copied. Returns RS_ERR_NOMEM, or RS_ERR_CONFIG for
 * a bad base URL. *OUT is written only on success; free it with http_destroy().
 */
enum rs_err http_create(const struct http_config *cfg, struct http **out, struct rs_error *err);
/* Aborts anything in flight (callbacks are not called) and frees H; accepts NULL. */
void http_destroy(struct http *h);

/*
 * Queues GET base_url + SUFFIX for API (SUFFIX: "/movie/27205?language=en-US", "?i=tt1375666";
 * already URL-encoded, without the key). DONE(h, result, USER) is called exactly once, from
 * inside http_run(). Returns RS_ERR_NOMEM (DONE not called).
 */
enum rs_err http_get(struct http *h, enum rs_api api, const char *suffix, http_done_fn done,
                     void *user);

/*
 * Runs the loop until nothing is queued, waiting or in flight. Requests refused without an
 * attempt (daily limit reached, the API rejected the key earlier in the run, cancelled)
 * complete with outcome RS_ERR_QUOTA_EXHAUSTED, RS_ERR_AUTH or RS_ERR_CANCELLED; so does a
 * request whose last attempt failed in a way that is retried when that stop forbids the
 * retry (its attempts count as they ended; `detail` names the last one's class). Returns
 * RS_OK, or RS_ERR_NOMEM / RS_ERR_NETWORK for a failure of the engine itself.
 */
enum rs_err http_run(struct http *h, struct rs_error *err);

/*
 * Stops the run early (a storage failure, say): from now on no attempt starts and queued
 * requests complete with RS_ERR_CANCELLED; in-flight ones finish.
 */
void http_cancel(struct http *h);

/*
 * Moves the attempt counts since the last call into OUT (added, not overwritten) and zeroes
 * them: OUT[api][RS_OK] successes, OUT[api][class] failures by class. Only attempts that
 * reached a server count: requests refused locally do not, nor attempts that never got a
 * request out (refused, DNS, TLS, connect timeout; http_stats.unreached counts those). For
 * the store's usage table, which the daily limits read.
 */
void http_take_counts(struct http *h, int64_t out[RS_API_COUNT][RS_OUTCOME_COUNT]);

/*
 * The breaker: this many connection failures of an API in a row (refused, DNS, TLS, connect
 * timeout, reset or closed before any byte of an answer; any other end of an attempt
 * resets the count) stop the API for the run with RS_ERR_NETWORK, like a rejected key.
 */
#define HTTP_BREAKER_FAILURES 5

/*
 * True once API is stopped for the run, *WHY the reason: it rejected the key (RS_ERR_AUTH),
 * its daily limit is used up (RS_ERR_QUOTA_EXHAUSTED), or the breaker tripped
 * (RS_ERR_NETWORK).
 */
bool http_api_stopped(const struct http *h, enum rs_api api, enum rs_err *why);

/* What the engine saw, for benchmarks, tests and the run's verdict. */
struct http_stats {
    int64_t attempts[RS_API_COUNT]; /* retries and unreached attempts included */
    int64_t retries[RS_API_COUNT];
    int max_in_flight[RS_API_COUNT];
    int64_t unreached[RS_API_COUNT];   /* attempts that never reached a server: not charged */
    int64_t answers[RS_API_COUNT];     /* attempts that got an HTTP status */
    int64_t answers_404[RS_API_COUNT]; /* of them, 404 Not Found */
};
void http_get_stats(const struct http *h, struct http_stats *out);

/* The last connection failure of API in a few words ("connection refused"), "" if none. */
const char *http_api_conn_error(const struct http *h, enum rs_api api);

/*
 * Copies URL into OUT with the value of every api_key= / apikey= parameter replaced by
 * "***". Always NUL-terminates (truncating). Returns OUT.
 */
char *http_redact(const char *url, char *out, size_t len);

#endif
