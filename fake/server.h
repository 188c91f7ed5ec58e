/*
 * Internal interface between server.c (MHD, admin, limits, faults) and api.c (the TMDB and
 * OMDB endpoints). An endpoint fills a struct fake_answer; the server decides how it is sent.
 */
#ifndef FAKE_SERVER_H
#define FAKE_SERVER_H

#include "fake.h"

enum fake_api { FAKE_API_TMDB, FAKE_API_OMDB, FAKE_API_ADMIN, FAKE_API_OTHER, FAKE_API_COUNT_ };
enum fake_ep {
    FAKE_EP_MOVIE,
    FAKE_EP_DISCOVER,
    FAKE_EP_CHANGES,
    FAKE_EP_TMDB_OTHER,
    FAKE_EP_OMDB,
    FAKE_EP_ADMIN,
    FAKE_EP_OTHER,
    FAKE_EP_COUNT_
};

#define FAKE_CT_TMDB "application/json;charset=utf-8"
#define FAKE_CT_OMDB "application/json; charset=utf-8"
#define FAKE_CT_HTML "text/html; charset=utf-8"

struct fake_answer {
    int status;
    const char *ctype;
    char *body; /* owned when owned is true */
    size_t len;
    bool owned;
    bool retry_after; /* add Retry-After (a 429) */
};

/* What an endpoint needs to know about its request. */
struct fake_req {
    const struct fake_config *cfg;
    const struct fake_catalog *cat;
    const struct fake_fixtures *fix;
    const char *path;
    const char *bearer; /* token after "Bearer ", or NULL */
    struct fake_query q;
    rs_time_t now;
    rs_date_t today;
    enum fake_api api;
    enum fake_ep ep;
};

/* Sets A to a copy of a constant body. */
void fake_answer_const(struct fake_answer *a, int status, const char *ctype, const char *body);
/* Sets A to the bytes of B (taken); a 500 if B ran out of memory. */
void fake_answer_buf(struct fake_answer *a, int status, const char *ctype, struct fake_buf *b);
void fake_answer_release(struct fake_answer *a);

/* Classifies PATH. */
void fake_api_route(const char *path, enum fake_api *api, enum fake_ep *ep);
/* True when the TMDB credentials of R are right; otherwise fills A with the 401. */
bool fake_api_tmdb_auth(const struct fake_req *r, struct fake_answer *a);
/* Answers a TMDB request whose key was accepted. */
void fake_api_tmdb(const struct fake_req *r, struct fake_answer *a);
/* OMDB key check: 0 ok, else fills A with the 401 for a missing or wrong key. */
bool fake_api_omdb_auth(const struct fake_req *r, struct fake_answer *a);
/* Answers an OMDB lookup whose key and quota were accepted. */
void fake_api_omdb(const struct fake_req *r, struct fake_answer *a);

struct fake_server;
struct MHD_Connection;
/* Waits MS milliseconds; false when the server is stopping (then give up the request). */
bool fake_server_wait(struct fake_server *s, int ms);
const struct fake_config *fake_server_config(const struct fake_server *s);
/* Queues A (its body is taken). Returns MHD_YES or MHD_NO. */
int fake_send_answer(struct fake_server *s, struct MHD_Connection *conn, struct fake_answer *a);
/* Faults decided before the endpoint runs (they need no body). */
bool fake_fault_is_early(int fault);
/*
 * Sends the request's answer A (taken) distorted by FAULT. Returns the HTTP status sent, or
 * -1 when the connection is to be dropped.
 */
int fake_fault_apply(struct fake_server *s, struct MHD_Connection *conn, const struct fake_req *r,
                     int fault, struct fake_answer *a);

#define FAKE_BODY_429_FMT                                                                          \
    "{\"status_code\":25,\"status_message\":\"Your request count (%ld) is over the allowed limit " \
    "of %ld.\"}"
extern const char FAKE_BODY_OMDB_LIMIT[];

#endif
