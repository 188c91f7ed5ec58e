/*
 * The HTTP side of reelsync-fakeapi on libmicrohttpd: one thread per connection (so a stalled
 * or slowed request never blocks another), routing to api.c, the per-API token buckets, the
 * OMDB daily quota, fault injection, and the /__stats and /__reset admin endpoints. All
 * shared state sits behind one mutex; stalls wait on a condition that shutdown broadcasts.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "server.h"

#define RECENT 128

struct recent {
    enum fake_api api;
    int status;
    char auth[8];
    char path[96];
    char query[224];
};

struct stats {
    long requests[FAKE_API_COUNT_];
    long endpoints[FAKE_EP_COUNT_];
    long violations[2];
    long in_flight[2], max_in_flight[2];
    long auth_failures[2];
    long faults[FAKE_F_COUNT_];
    long faults_total;
    long omdb_quota_rejected;
    struct recent recent[RECENT];
    long recent_n;
};

struct bucket {
    double tokens;
    int64_t last_ms;
    long over; /* requests rejected since the bucket last had a token */
};

struct fake_server {
    const struct fake_config *cfg;
    const struct fake_catalog *cat;
    const struct fake_fixtures *fix;
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    struct stats st;
    struct bucket bk[2];
    rs_date_t omdb_day;
    long omdb_used;
    uint64_t *akeys; /* fault attempt counters: open addressing by query hash */
    uint32_t *avals;
    size_t acap, aused;
};

const char *const fake_fault_names[FAKE_F_COUNT_] = {
    "429",       "500",  "502html", "504html", "503",     "reset",    "timeout", "malformed",
    "truncated", "huge", "trickle", "html200", "badutf8", "deepjson", "array",   "redirect"};

static const char *const API_NAMES[] = {"tmdb", "omdb", "admin", "other"};
static const char *const EP_NAMES[] = {
    "/3/movie/{id}", "/3/discover/movie", "/3/movie/changes", "/3/other", "/omdb/", "/__admin",
    "other"};

/* ---- waiting that shutdown can interrupt ---- */

bool fake_server_wait(struct fake_server *s, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    int rc = 0;
    while (!s->stopping && rc == 0)
        rc = pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    bool ok = !s->stopping;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

/* ---- limits ---- */

/* Takes a token from the API's bucket; false (a violation) when it is empty. */
static bool take_token(struct fake_server *s, int api, long *count, long *limit)
{
    double rps = api == FAKE_API_TMDB ? s->cfg->tmdb_rps : s->cfg->omdb_rps;
    if (rps <= 0)
        return true;
    int64_t now = rs_monotonic_ms();
    double cap = rps < 1.0 ? 1.0 : rps;
    pthread_mutex_lock(&s->mu);
    struct bucket *b = &s->bk[api];
    if (b->last_ms == 0)
        b->tokens = cap;
    else
        b->tokens = fmin(cap, b->tokens + (double)(now - b->last_ms) * rps / 1000.0);
    b->last_ms = now;
    bool ok = b->tokens >= 1.0;
    if (ok) {
        b->tokens -= 1.0;
        b->over = 0;
    } else {
        b->over++;
        s->st.violations[api]++;
    }
    *limit = (long)ceil(cap);
    *count = *limit + b->over;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

/* Counts one OMDB lookup against the daily quota of the server clock's UTC day. */
static bool omdb_quota(struct fake_server *s, rs_date_t today)
{
    if (s->cfg->omdb_daily_limit <= 0)
        return true;
    pthread_mutex_lock(&s->mu);
    if (today != s->omdb_day) {
        s->omdb_day = today;
        s->omdb_used = 0;
    }
    bool ok = s->omdb_used < s->cfg->omdb_daily_limit;
    if (ok)
        s->omdb_used++;
    else
        s->st.omdb_quota_rejected++;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

/* ---- faults ---- */

static uint32_t bump_attempt(struct fake_server *s, uint64_t key)
{
    key |= 1;
    if (s->aused * 2 >= s->acap) {
        size_t cap = s->acap ? s->acap * 2 : 1024;
        uint64_t *k = calloc(cap, sizeof(*k));
        uint32_t *v = calloc(cap, sizeof(*v));
        if (!k || !v) {
            free(k);
            free(v);
            return 0;
        }
        for (size_t j = 0; j < s->acap; j++) {
            if (!s->akeys[j])
                continue;
            size_t p = s->akeys[j] & (cap - 1);
            while (k[p])
                p = (p + 1) & (cap - 1);
            k[p] = s->akeys[j];
            v[p] = s->avals[j];
        }
        free(s->akeys);
        free(s->avals);
        s->akeys = k;
        s->avals = v;
        s->acap = cap;
    }
    size_t p = key & (s->acap - 1);
    while (s->akeys[p] && s->akeys[p] != key)
        p = (p + 1) & (s->acap - 1);
    if (!s->akeys[p]) {
        s->akeys[p] = key;
        s->aused++;
    }
    return ++s->avals[p];
}

/* The fault for this request, or -1. The n-th request for one URL gets the same answer. */
static int pick_fault(struct fake_server *s, const struct fake_req *r)
{
    const struct fake_config *cfg = s->cfg;
    if (cfg->fault_rate <= 0 || !cfg->faults)
        return -1;
    uint64_t key = fake_query_hash(&r->q, r->path);
    pthread_mutex_lock(&s->mu);
    uint32_t attempt = bump_attempt(s, key);
    pthread_mutex_unlock(&s->mu);
    uint64_t h = fake_mix(cfg->seed ^ key ^ fake_mix(attempt));
    if ((double)(h >> 11) / 9007199254740992.0 >= cfg->fault_rate)
        return -1;
    int kinds[FAKE_F_COUNT_], n = 0;
    for (int k = 0; k < FAKE_F_COUNT_; k++)
        if (cfg->faults & (1u << k))
            kinds[n++] = k;
    int f = kinds[fake_mix(h) % (uint64_t)n];
    pthread_mutex_lock(&s->mu);
    s->st.faults[f]++;
    s->st.faults_total++;
    pthread_mutex_unlock(&s->mu);
    return f;
}

/* ---- stats ---- */

static void stats_json(struct fake_server *s, struct fake_buf *b)
{
    pthread_mutex_lock(&s->mu);
    const struct stats *st = &s->st;
    fake_buf_puts(b, "{\"requests\":{");
    for (int k = 0; k < FAKE_API_COUNT_; k++)
        fake_buf_printf(b, "%s\"%s\":%ld", k ? "," : "", API_NAMES[k], st->requests[k]);
    fake_buf_puts(b, "},\"endpoints\":{");
    for (int k = 0; k < FAKE_EP_COUNT_; k++)
        fake_buf_printf(b, "%s\"%s\":%ld", k ? "," : "", EP_NAMES[k], st->endpoints[k]);
    fake_buf_printf(b, "},\"violations\":{\"tmdb\":%ld,\"omdb\":%ld}", st->violations[0],
                    st->violations[1]);
    fake_buf_printf(b, ",\"max_in_flight\":{\"tmdb\":%ld,\"omdb\":%ld}", st->max_in_flight[0],
                    st->max_in_flight[1]);
    fake_buf_printf(b, ",\"in_flight\":{\"tmdb\":%ld,\"omdb\":%ld}", st->in_flight[0],
                    st->in_flight[1]);
    fake_buf_printf(b, ",\"auth_failures\":{\"tmdb\":%ld,\"omdb\":%ld}", st->auth_failures[0],
                    st->auth_failures[1]);
    fake_buf_printf(b, ",\"omdb_quota\":{\"limit\":%ld,\"used\":%ld,\"rejected\":%ld}",
                    s->cfg->omdb_daily_limit, s->omdb_used, st->omdb_quota_rejected);
    fake_buf_printf(b, ",\"faults\":{\"total\":%ld", st->faults_total);
    for (int k = 0; k < FAKE_F_COUNT_; k++)
        fake_buf_printf(b, ",\"%s\":%ld", fake_fault_names[k], st->faults[k]);
    fake_buf_puts(b, "},\"recent\":[");
    long from = st->recent_n > RECENT ? st->recent_n - RECENT : 0;
    for (long k = from; k < st->recent_n; k++) {
        const struct recent *e = &st->recent[k % RECENT];
        fake_buf_printf(b, "%s{\"api\":\"%s\",\"path\":", k > from ? "," : "", API_NAMES[e->api]);
        fake_buf_json_str(b, e->path);
        fake_buf_puts(b, ",\"query\":");
        fake_buf_json_str(b, e->query);
        fake_buf_printf(b, ",\"auth\":\"%s\",\"status\":%d}", e->auth, e->status);
    }
    fake_buf_puts(b, "]}");
    pthread_mutex_unlock(&s->mu);
}

static void stats_reset(struct fake_server *s)
{
    pthread_mutex_lock(&s->mu);
    long inflight[2] = {s->st.in_flight[0], s->st.in_flight[1]};
    memset(&s->st, 0, sizeof(s->st));
    s->st.in_flight[0] = inflight[0];
    s->st.in_flight[1] = inflight[1];
    memset(s->bk, 0, sizeof(s->bk));
    s->omdb_used = 0;
    s->aused = 0;
    if (s->akeys) {
        memset(s->akeys, 0, s->acap * sizeof(*s->akeys));
        memset(s->avals, 0, s->acap * sizeof(*s->avals));
    }
    pthread_mutex_unlock(&s->mu);
}

static void begin(struct fake_server *s, const struct fake_req *r)
{
    pthread_mutex_lock(&s->mu);
    s->st.requests[r->api]++;
    s->st.endpoints[r->ep]++;
    if (r->api <= FAKE_API_OMDB) {
        long n = ++s->st.in_flight[r->api];
        if (n > s->st.max_in_flight[r->api])
            s->st.max_in_flight[r->api] = n;
    }
    pthread_mutex_unlock(&s->mu);
}

static void finish(struct fake_server *s, const struct fake_req *r, int status)
{
    pthread_mutex_lock(&s->mu);
    if (r->api <= FAKE_API_OMDB)
        s->st.in_flight[r->api]--;
    if (status == 401 && r->api <= FAKE_API_OMDB)
        s->st.auth_failures[r->api]++;
    if (r->api != FAKE_API_ADMIN) {
        struct recent *e = &s->st.recent[s->st.recent_n++ % RECENT];
        e->api = r->api;
        e->status = status;
        snprintf(e->auth, sizeof(e->auth), "%s",
                 fake_query_get(&r->q, "api_key") || fake_query_get(&r->q, "apikey")
                     ? "key"
                     : (r->bearer ? "bearer" : "none"));
        snprintf(e->path, sizeof(e->path), "%s", r->path);
        fake_query_masked(&r->q, e->query, sizeof(e->query));
    }
    pthread_mutex_unlock(&s->mu);
}

/* ---- requests ---- */

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct fake_query *q = cls;
    if (q->n < FAKE_QUERY_MAX) {
        q->key[q->n] = key;
        q->val[q->n] = value ? value : "";
        q->n++;
    }
    return MHD_YES;
}

int fake_send_answer(struct fake_server *s, struct MHD_Connection *conn, struct fake_answer *a)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        a->len, a->body, a->owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        fake_answer_release(a);
        return MHD_NO;
    }
    a->owned = false;
    MHD_add_response_header(resp, "Content-Type", a->ctype);
    if (a->retry_after && s->cfg->retry_after > 0) {
        char v[16];
        snprintf(v, sizeof(v), "%d", s->cfg->retry_after);
        MHD_add_response_header(resp, "Retry-After", v);
    }
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)a->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static bool read_now(const struct fake_server *s, struct MHD_Connection *conn, struct fake_req *r)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Fake-Now");
    r->now = s->cfg->has_now ? s->cfg->now : rs_clock_now();
    if (h && !rs_time_parse(h, &r->now))
        return false;
    r->today = rs_time_day(r->now);
    return true;
}

static void serve_api(struct fake_server *s, struct fake_req *r, struct fake_answer *a)
{
    if (r->api == FAKE_API_TMDB) {
        if (fake_api_tmdb_auth(r, a))
            fake_api_tmdb(r, a);
        return;
    }
    if (!fake_api_omdb_auth(r, a))
        return;
    if (!omdb_quota(s, r->today)) {
        fake_answer_const(a, 401, FAKE_CT_OMDB, FAKE_BODY_OMDB_LIMIT);
        return;
    }
    fake_api_omdb(r, a);
}

static int handle_admin(struct fake_server *s, struct MHD_Connection *conn,
                        const struct fake_req *r, const char *method)
{
    struct fake_answer a = {0};
    struct fake_buf b;
    if (strcmp(r->path, "/__stats") == 0 && strcmp(method, "GET") == 0) {
        fake_buf_init(&b, 8192);
        stats_json(s, &b);
        fake_answer_buf(&a, 200, FAKE_CT_TMDB, &b);
    } else if (strcmp(r->path, "/__reset") == 0 && strcmp(method, "POST") == 0) {
        stats_reset(s);
        fake_answer_const(&a, 200, FAKE_CT_TMDB, "{\"reset\":true}");
    } else {
        fake_answer_const(&a, 404, FAKE_CT_TMDB, "{\"error\":\"unknown admin endpoint\"}");
    }
    return fake_send_answer(s, conn, &a);
}

/* Limits, faults, then the endpoint. Returns MHD_NO to drop the connection. */
static int handle_api(struct fake_server *s, struct MHD_Connection *conn, struct fake_req *r)
{
    struct fake_answer a = {0};
    long count, limit;
    if (s->cfg->latency_ms > 0 && !fake_server_wait(s, s->cfg->latency_ms))
        return MHD_NO;
    if (!take_token(s, r->api, &count, &limit)) {
        struct fake_buf b;
        fake_buf_init(&b, 160);
        fake_buf_printf(&b, FAKE_BODY_429_FMT, count, limit);
        fake_answer_buf(&a, 429, r->api == FAKE_API_TMDB ? FAKE_CT_TMDB : FAKE_CT_OMDB, &b);
        a.retry_after = true;
        return fake_send_answer(s, conn, &a) == MHD_YES ? 429 : -1;
    }
    int fault = pick_fault(s, r);
    if (fault >= 0 && fake_fault_is_early(fault))
        return fake_fault_apply(s, conn, r, fault, &a);
    serve_api(s, r, &a);
    if (fault >= 0)
        return fake_fault_apply(s, conn, r, fault, &a);
    int status = a.status;
    return fake_send_answer(s, conn, &a) == MHD_YES ? status : -1;
}

static int marker;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct fake_server *s = cls;
    if (!*con_cls) {
        *con_cls = &marker;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    struct fake_req r = {.cfg = s->cfg, .cat = s->cat, .fix = s->fix, .path = url};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &r.q);
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (auth && strncmp(auth, "Bearer ", 7) == 0)
        r.bearer = auth + 7;
    fake_api_route(url, &r.api, &r.ep);
    begin(s, &r);
    int status;
    if (r.api == FAKE_API_ADMIN) {
        status = handle_admin(s, conn, &r, method) == MHD_YES ? 200 : -1;
    } else if (r.api == FAKE_API_OTHER) {
        struct fake_answer a;
        fake_answer_const(&a, 404, "text/plain", "not found\n");
        status = fake_send_answer(s, conn, &a) == MHD_YES ? 404 : -1;
    } else if (!read_now(s, conn, &r)) {
        struct fake_answer a;
        fake_answer_const(&a, 400, FAKE_CT_TMDB, "{\"error\":\"bad X-Fake-Now header\"}");
        status = fake_send_answer(s, conn, &a) == MHD_YES ? 400 : -1;
    } else {
        status = handle_api(s, conn, &r);
    }
    finish(s, &r, status);
    return status < 0 ? MHD_NO : MHD_YES;
}

struct fake_server *fake_server_start(const struct fake_config *cfg, struct fake_catalog *cat,
                                      struct fake_fixtures *fix, char *msg, size_t msglen)
{
    struct fake_server *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(msg, msglen, "out of memory");
        return NULL;
    }
    s->cfg = cfg;
    s->cat = cat;
    s->fix = fix;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL, 0, NULL,
        NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)300, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)4000, MHD_OPTION_END);
    if (!s->d) {
        snprintf(msg, msglen, "cannot listen on 127.0.0.1:%d (port in use?)", cfg->port);
        fake_server_stop(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    return s;
}

int fake_server_port(const struct fake_server *s)
{
    return s->port;
}

void fake_server_stop(struct fake_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->d)
        MHD_stop_daemon(s->d);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->akeys);
    free(s->avals);
    free(s);
}

const struct fake_config *fake_server_config(const struct fake_server *s)
{
    return s->cfg;
}
