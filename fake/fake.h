/*
 * reelsync-fakeapi internals shared by the files of fake/: the configuration parsed from the
 * command line, the synthetic catalog (catalog.c), the recorded fixtures (fixtures.c), request
 * query parsing (query.c), a growable output buffer (buf.c) and the HTTP server (server.c).
 * Nothing here is part of libreelsync; the program only borrows its rs_date_* helpers.
 */
#ifndef FAKE_H
#define FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reelsync/reelsync.h"

/* The fault kinds of --faults, in the order of fake_fault_names. */
enum fake_fault {
    FAKE_F_429,
    FAKE_F_500,
    FAKE_F_502HTML,
    FAKE_F_504HTML,
    FAKE_F_503,
    FAKE_F_RESET,
    FAKE_F_TIMEOUT,
    FAKE_F_MALFORMED,
    FAKE_F_TRUNCATED,
    FAKE_F_HUGE,
    FAKE_F_TRICKLE,
    FAKE_F_HTML200,
    FAKE_F_BADUTF8,
    FAKE_F_DEEPJSON,
    FAKE_F_ARRAY,
    FAKE_F_REDIRECT,
    FAKE_F_COUNT_
};
extern const char *const fake_fault_names[FAKE_F_COUNT_];

/* What the command line asked for; read-only once the server runs. */
struct fake_config {
    int port;
    long movies;
    uint64_t seed;
    bool has_now; /* --now given: the server clock stands still at NOW */
    rs_time_t now;
    const char *fixtures; /* --fixtures DIR or NULL */
    const char *tmdb_key;
    const char *omdb_key;
    double tmdb_rps; /* 0 = no limit */
    double omdb_rps;
    long omdb_daily_limit; /* 0 = no limit */
    int latency_ms;
    double fault_rate;
    uint32_t faults; /* bit (1u << enum fake_fault) per enabled kind */
    int retry_after; /* seconds sent in Retry-After on 429s; 0 = no header */
    bool page_error_422;
    int stall_ms;   /* how long the timeout fault stalls */
    int trickle_ms; /* pause between the 8-byte pieces of the trickle fault */
};

/* ---- buf.c: a growable byte buffer that never fails silently ---- */
struct fake_buf {
    char *p;
    size_t len;
    size_t cap;
    bool oom;
};
void fake_buf_init(struct fake_buf *b, size_t cap);
void fake_buf_release(struct fake_buf *b);
void fake_buf_add(struct fake_buf *b, const char *s, size_t n);
void fake_buf_puts(struct fake_buf *b, const char *s);
void fake_buf_printf(struct fake_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends S as a JSON string literal, quotes included. */
void fake_buf_json_str(struct fake_buf *b, const char *s);
/* Appends a real the way TMDB prints it: up to 3 decimals, trailing zeros dropped, ".0" kept. */
void fake_buf_real(struct fake_buf *b, double v, int decimals);
/* Takes the bytes (NUL-terminated); the buffer is empty afterwards. NULL if memory ran out. */
char *fake_buf_take(struct fake_buf *b, size_t *len);

/* ---- query.c: the query string of one request ---- */
#define FAKE_QUERY_MAX 32
struct fake_query {
    int n;
    const char *key[FAKE_QUERY_MAX]; /* borrowed from MHD; valid during the request */
    const char *val[FAKE_QUERY_MAX];
};
/* The value of the first KEY, or NULL. */
const char *fake_query_get(const struct fake_query *q, const char *key);
/* Parses an integer value; false when absent or not an integer in [lo, hi]. */
bool fake_query_long(const struct fake_query *q, const char *key, long lo, long hi, long *out);
/* A 64-bit hash of the query with keys named api_key/apikey left out (for fault decisions). */
uint64_t fake_query_hash(const struct fake_query *q, const char *path);
/* Appends "k=v&k=v" with key values masked as "***" (for the request log). */
void fake_query_masked(const struct fake_query *q, char *out, size_t len);

/* ---- catalog.c: the synthetic catalog ---- */
struct fake_catalog;
/* Builds the compact per-movie index for MOVIES movies from SEED; NULL when out of memory. */
struct fake_catalog *fake_catalog_create(long movies, uint64_t seed);
void fake_catalog_destroy(struct fake_catalog *c);
/*
 * The parts of a comma-separated append_to_response LIST (NULL: none) that /3/movie/{id}
 * serves, as FAKE_PART_* bits; unknown names are ignored, as TMDB does. *COUNT is the number
 * of names, known or not, for TMDB's limit of FAKE_APPEND_MAX (parts.c).
 */
enum {
    FAKE_PART_CREDITS = 1,
    FAKE_PART_KEYWORDS = 2,
    FAKE_PART_RELEASE_DATES = 4,
    FAKE_PART_EXTERNAL_IDS = 8
};
#define FAKE_APPEND_MAX 20
unsigned fake_parts_parse(const char *list, int *count);
/*
 * Appends the details body of TMDB movie ID as of day TODAY, with the parts APPEND (an
 * append_to_response value, may be NULL) asks for; false if there is no such id.
 */
bool fake_catalog_movie_json(const struct fake_catalog *c, int64_t id, rs_date_t today,
                             const char *append, struct fake_buf *out);
/* Appends the OMDB body for IMDB_ID ("tt..."); returns false (nothing appended) if unknown. */
bool fake_catalog_omdb_json(const struct fake_catalog *c, const char *imdb_id, rs_date_t today,
                            struct fake_buf *out);
/* -1 malformed id, 0 unknown to OMDB, 1 found (INDEX set). */
int fake_catalog_omdb_lookup(const struct fake_catalog *c, const char *imdb_id, long *index);
/* Discover request. */
enum fake_sort { FAKE_SORT_POPULARITY, FAKE_SORT_DATE_DESC, FAKE_SORT_DATE_ASC, FAKE_SORT_VOTES };
struct fake_discover {
    bool has_gte, has_lte;
    rs_date_t gte, lte;
    long vote_count_gte;
    enum fake_sort sort;
    bool include_adult, include_video;
    long page;
};
/* Appends the discover page envelope; false when out of memory. */
bool fake_catalog_discover_json(const struct fake_catalog *c, const struct fake_discover *d,
                                rs_date_t today, struct fake_buf *out);
/* Appends the /movie/changes page for days [START, END]. */
bool fake_catalog_changes_json(const struct fake_catalog *c, rs_date_t start, rs_date_t end,
                               long page, struct fake_buf *out);

/* ---- fixtures.c: recorded responses of --fixtures DIR ---- */
struct fake_fixtures;
/* Loads every *.json under DIR/tmdb and DIR/omdb (compacted); NULL with a message on failure. */
struct fake_fixtures *fake_fixtures_create(const char *dir, char *msg, size_t msglen);
void fake_fixtures_destroy(struct fake_fixtures *f);
/* The compact body of DIR/SUB/NAME.json, or NULL; borrowed, valid until destroy. */
const char *fake_fixtures_get(const struct fake_fixtures *f, const char *sub, const char *name,
                              size_t *len);

/* ---- server.c ---- */
struct fake_server;
/* Starts listening on 127.0.0.1:CFG->port (0 = any); NULL with a message on failure. */
struct fake_server *fake_server_start(const struct fake_config *cfg, struct fake_catalog *cat,
                                      struct fake_fixtures *fix, char *msg, size_t msglen);
int fake_server_port(const struct fake_server *s);
/* Wakes stalled requests, stops the daemon and frees everything. Accepts NULL. */
void fake_server_stop(struct fake_server *s);

/* ---- hashing shared by catalog and server ---- */
static inline uint64_t fake_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

#endif
