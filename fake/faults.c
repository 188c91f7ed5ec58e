/*
 * The fault kinds of --faults: error statuses with the bodies TMDB and its CDN send, dropped
 * and stalled connections, and hostile bodies (malformed, cut short, huge, trickled, invalid
 * UTF-8, absurdly deep, the wrong JSON type) and redirects to another host. server.c decides
 * when; this file does the how.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "server.h"

#define BODY_500                                                                                   \
    "{\"success\":false,\"status_code\":11,\"status_message\":\"Internal error: Something went "   \
    "wrong, contact TMDB.\"}"
#define BODY_503                                                                                   \
    "{\"success\":false,\"status_code\":9,\"status_message\":\"Service offline: This service is "  \
    "temporarily offline, try again later.\"}"
#define HTML_502                                                                                   \
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "      \
    "Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
#define HTML_504                                                                                   \
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 "     \
    "Gateway Time-out</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
#define HTML_200                                                                                   \
    "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a "                                     \
    "moment...</title></head><body><p>Checking your browser before accessing the "                 \
    "site.</p></body></html>"
#define HUGE_SIZE (64u * 1024u * 1024u)
#define DEEP 100000

bool fake_fault_is_early(int fault)
{
    return fault == FAKE_F_RESET || fault == FAKE_F_TIMEOUT || fault == FAKE_F_429 ||
           fault == FAKE_F_500 || fault == FAKE_F_502HTML || fault == FAKE_F_504HTML ||
           fault == FAKE_F_503 || fault == FAKE_F_HTML200 || fault == FAKE_F_DEEPJSON ||
           fault == FAKE_F_HUGE || fault == FAKE_F_REDIRECT;
}

/* A body served through a callback: cut short, trickled, or generated (huge). */
struct stream {
    struct fake_server *s;
    int kind;
    char *body;
    size_t len;  /* the body's real length (huge: the generated length) */
    size_t stop; /* truncated: bytes sent before the connection is dropped */
};

static const char HUGE_HEAD[] = "{\"id\":1,\"overview\":\"";

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *st = cls;
    size_t p = (size_t)pos;
    if (st->kind == FAKE_F_TRUNCATED) {
        if (p >= st->stop)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        size_t n = st->stop - p < max ? st->stop - p : max;
        memcpy(buf, st->body + p, n);
        return (ssize_t)n;
    }
    if (st->kind == FAKE_F_TRICKLE) {
        if (!fake_server_wait(st->s, fake_server_config(st->s)->trickle_ms))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        size_t n = st->len - p < 8 ? st->len - p : 8;
        memcpy(buf, st->body + p, n);
        return (ssize_t)n;
    }
    size_t n = 0, head = sizeof(HUGE_HEAD) - 1;
    for (; n < max && p + n < st->len; n++) {
        size_t at = p + n;
        buf[n] = at < head           ? HUGE_HEAD[at]
                 : at == st->len - 2 ? '"'
                 : at == st->len - 1 ? '}'
                                     : 'x';
    }
    return (ssize_t)n;
}

static void free_stream(void *cls)
{
    struct stream *st = cls;
    free(st->body);
    free(st);
}

static int send_stream(struct fake_server *s, struct MHD_Connection *conn, int kind,
                       struct fake_answer *a, int status)
{
    struct stream *st = calloc(1, sizeof(*st));
    if (!st)
        return -1;
    st->s = s;
    st->kind = kind;
    if (kind == FAKE_F_HUGE) {
        st->len = HUGE_SIZE;
    } else {
        st->body = malloc(a->len + 1);
        if (!st->body) {
            free(st);
            return -1;
        }
        memcpy(st->body, a->body, a->len);
        st->len = a->len;
        st->stop = a->len / 2;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(st->len, 4096, read_stream, st, free_stream);
    if (!resp) {
        free_stream(st);
        return -1;
    }
    MHD_add_response_header(resp, "Content-Type", a->ctype ? a->ctype : FAKE_CT_TMDB);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return rc == MHD_YES ? status : -1;
}

static int send_reset(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci) {
        /* Linger 0 makes close() send an RST: the client sees "connection reset by peer". */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    return -1;
}

/*
 * A 302 to the same path under /moved on "localhost" instead of 127.0.0.1: another host as
 * far as a client can tell, yet this server, so /__stats shows whether a client followed it
 * (the target is no API path: a follower's request is counted under "other").
 */
static int send_redirect(struct fake_server *s, struct MHD_Connection *conn,
                         const struct fake_req *r)
{
    static const char body[] = "<html><body>Moved</body></html>";
    char where[256];
    snprintf(where, sizeof(where), "http://localhost:%d/moved%s", fake_server_port(s), r->path);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return -1;
    MHD_add_response_header(resp, "Content-Type", FAKE_CT_HTML);
    MHD_add_response_header(resp, "Location", where);
    enum MHD_Result rc = MHD_queue_response(conn, 302, resp);
    MHD_destroy_response(resp);
    return rc == MHD_YES ? 302 : -1;
}

/* Replaces A's body with a distorted copy built in B. */
static void distort(int fault, struct fake_answer *a, struct fake_buf *b)
{
    if (fault == FAKE_F_MALFORMED) {
        fake_buf_add(b, a->body, a->len / 2);
        fake_buf_puts(b, ",]}");
    } else if (fault == FAKE_F_ARRAY) {
        fake_buf_puts(b, "[");
        fake_buf_add(b, a->body, a->len);
        fake_buf_puts(b, "]");
    } else if (fault == FAKE_F_BADUTF8) {
        const char *at = strstr(a->body, "itle\":\"");
        size_t cut = at ? (size_t)(at - a->body) + 7 : 1;
        fake_buf_add(b, a->body, cut);
        fake_buf_puts(b, "\xff\xfe\xc3\x28");
        fake_buf_add(b, a->body + cut, a->len - cut);
    } else {
        /* An object on top: a client's object check passes, and its parser meets the depth. */
        fake_buf_puts(b, "{\"nested\":");
        for (int k = 0; k < DEEP; k++)
            fake_buf_add(b, "[", 1);
        for (int k = 0; k < DEEP; k++)
            fake_buf_add(b, "]", 1);
        fake_buf_puts(b, "}");
    }
}

static int send_fixed(struct fake_server *s, struct MHD_Connection *conn, struct fake_answer *a,
                      int status, const char *ctype, const char *body)
{
    fake_answer_release(a);
    fake_answer_const(a, status, ctype, body);
    a->retry_after = status == 429;
    return fake_send_answer(s, conn, a) == MHD_YES ? status : -1;
}

int fake_fault_apply(struct fake_server *s, struct MHD_Connection *conn, const struct fake_req *r,
                     int fault, struct fake_answer *a)
{
    static const char LIMIT_429[] = "{\"status_code\":25,\"status_message\":\"Your request count "
                                    "(41) is over the allowed limit of 40.\"}";
    const char *json = r->api == FAKE_API_OMDB ? FAKE_CT_OMDB : FAKE_CT_TMDB;
    switch (fault) {
    case FAKE_F_429:
        return send_fixed(s, conn, a, 429, json, LIMIT_429);
    case FAKE_F_500:
        return send_fixed(s, conn, a, 500, json, BODY_500);
    case FAKE_F_503:
        return send_fixed(s, conn, a, 503, json, BODY_503);
    case FAKE_F_502HTML:
        return send_fixed(s, conn, a, 502, FAKE_CT_HTML, HTML_502);
    case FAKE_F_504HTML:
        return send_fixed(s, conn, a, 504, FAKE_CT_HTML, HTML_504);
    case FAKE_F_HTML200:
        return send_fixed(s, conn, a, 200, FAKE_CT_HTML, HTML_200);
    case FAKE_F_RESET:
        fake_answer_release(a);
        return send_reset(conn);
    case FAKE_F_REDIRECT:
        fake_answer_release(a);
        return send_redirect(s, conn, r);
    case FAKE_F_TIMEOUT:
        fake_answer_release(a);
        fake_server_wait(s, fake_server_config(s)->stall_ms);
        return -1;
    case FAKE_F_HUGE:
        a->ctype = json;
        return send_stream(s, conn, fault, a, 200);
    case FAKE_F_TRUNCATED:
    case FAKE_F_TRICKLE: {
        int rc = send_stream(s, conn, fault, a, a->status);
        fake_answer_release(a);
        return rc;
    }
    default: {
        struct fake_buf b;
        int status = a->status ? a->status : 200;
        const char *ctype = a->ctype ? a->ctype : json;
        fake_buf_init(&b, a->len + 64);
        distort(fault, a, &b);
        fake_answer_release(a);
        fake_answer_buf(a, status, ctype, &b);
        return fake_send_answer(s, conn, a) == MHD_YES ? status : -1;
    }
    }
}
