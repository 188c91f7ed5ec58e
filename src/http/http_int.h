/*
 * Private to the request engine (src/http/, docs/internals/http.md): its state and the
 * calls between its files. Calls go one way: engine.c (the loop) uses conn.c (the easy
 * handles) and classify.c (outcomes, redaction); setup.c (create, queue, destroy) uses
 * none of them. Only this header and the files of src/http/ include curl.h.
 */
#ifndef RS_HTTP_INT_H
#define RS_HTTP_INT_H

#include <stdlib.h>

#include <curl/curl.h>

#include "internal.h"
#include "reelsync/http.h"
#include "reelsync/ratelimit.h"

struct req {
    struct req *next;
    enum rs_api api;
    char *url; /* with the key; never shown as is */
    http_done_fn done;
    void *user;
    int attempts;
    int64_t due_ms;            /* when a waiting retry may start */
    enum rs_err last;          /* outcome of the last attempt */
    long status;               /* HTTP status of the last attempt */
    char why[CURL_ERROR_SIZE]; /* curl's message for the last attempt, "" if none */
};

struct queue {
    struct req *head, *tail;
};

struct conn {
    struct conn *next_free;
    struct conn *next_all;
    struct http *h;
    CURL *easy;
    struct req *req; /* NULL while on the free list */
    int api_set;     /* the API whose options the handle carries, -1 for none yet */
    char *body;
    size_t len, cap;
    void *doc;                   /* what the classify hook parsed of BODY, or NULL */
    void (*free_doc)(void *doc); /* and how to free it */
    int64_t retry_after_ms;      /* -1 when the response had none */
    bool too_big;
    char errbuf[CURL_ERROR_SIZE];
};

struct api_state {
    char *base;
    char *key_param;
    char *key;
    struct curl_slist *headers; /* User-Agent, Accept-Encoding, the bearer header if any */
    bool bearer;                /* the key goes in a header, not the URL */
    bool configured;
    http_classify_fn classify;
    void (*free_doc)(void *doc);
    int64_t daily_limit, used_today, run_attempts;
    struct rl rl;
    struct queue ready;
    enum rs_err stopped;              /* RS_OK while the API may be asked */
    int64_t counts[RS_OUTCOME_COUNT]; /* charged attempts since http_take_counts, by class */
    int64_t attempts, retries;
    int max_in_flight;
    int64_t unreached;            /* attempts that never reached a server: not charged */
    int64_t answers, answers_404; /* attempts that got an HTTP answer; of them, 404s */
    int conn_fails;               /* connection failures in a row (the breaker) */
    char conn_why[64];            /* the last one, "connection refused"; "" if none */
};

struct http {
    CURLM *multi;
    struct api_state api[RS_API_COUNT];
    struct req *waiting; /* retries not yet due, unsorted */
    struct conn *free_conns, *all_conns;
    size_t pending; /* requests queued, waiting or in flight */
    struct retry_policy retry;
    long connect_timeout_ms, timeout_ms;
    size_t max_body;
    uint64_t rng;
    const struct rs_log *log;
    const volatile sig_atomic_t *cancel; /* the program's flag (signals) */
    bool cancelled;                      /* http_cancel() was called */
};

/* ---- requests and queues: small enough to be shared inline -------------------------- */

static inline void queue_push(struct queue *q, struct req *r)
{
    r->next = NULL;
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
}

static inline void queue_push_front(struct queue *q, struct req *r)
{
    r->next = q->head;
    q->head = r;
    if (!q->tail)
        q->tail = r;
}

static inline struct req *queue_pop(struct queue *q)
{
    struct req *r = q->head;
    if (r) {
        q->head = r->next;
        if (!q->head)
            q->tail = NULL;
        r->next = NULL;
    }
    return r;
}

static inline bool is_cancelled(const struct http *h)
{
    return h->cancelled || (h->cancel && *h->cancel);
}

static inline void req_free(struct req *r)
{
    if (r) {
        free(r->url);
        free(r);
    }
}

/* ---- conn.c: the easy handles ------------------------------------------------------- */

/* Starts R's attempt on a handle (a token and a slot are already taken). */
enum rs_err http_conn_start(struct http *h, struct req *r);
/* Puts C back on the free list once its transfer is done. */
void http_conn_put(struct http *h, struct conn *c);

/* ---- classify.c: what an attempt came to ------------------------------------------------ */

/* Classifies the attempt C carried (CC: curl's result); records status and why on the request. */
enum rs_err http_attempt_class(const struct http *h, struct conn *c, CURLcode cc);
/*
 * True when C's attempt failed at the connection (docs/internals/http.md, "The breaker"):
 * nothing was sent (refused, DNS, TLS, connect timeout: *SENT false, the attempt never
 * reached a server), or the connection was reset or closed before any byte of an answer.
 * WHY gets a short phrase ("connection refused").
 */
bool http_conn_failed(struct conn *c, CURLcode cc, bool *sent, char *why, size_t len);

#endif
