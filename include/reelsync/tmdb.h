/*
 * tmdb: TMDB v3 request suffixes and response parsing. Parsing goes JSON -> API struct ->
 * row (normalize.h); the functions below do both steps for the orchestrator. No I/O here:
 * the HTTP engine sends what these build and hands back what the server said.
 */
#ifndef REELSYNC_TMDB_H
#define REELSYNC_TMDB_H

#include "reelsync/normalize.h"

/* TMDB serves at most this many pages (20 results each) for one discover query. */
#define TMDB_MAX_PAGES 500
#define TMDB_PAGE_SIZE 20

/*
 * Writes the engine suffix of GET /discover/movie for releases FROM..TO (inclusive), with
 * vote_count.gte=MIN_VOTES, sort_by=primary_release_date.desc, include_adult=false,
 * include_video=false, page=PAGE. Returns false if BUF is too small.
 */
bool tmdb_discover_suffix(char *buf, size_t len, rs_date_t from, rs_date_t to, int min_votes,
                          int page);
/*
 * The parts every details request appends (one request, as TMDB documents
 * append_to_response): they fill movie_credits, movie_keywords and release_dates, and
 * external_ids gives the IMDb id when the top-level one is missing.
 */
#define TMDB_APPEND "credits,keywords,release_dates,external_ids"

/* Writes "/movie/ID?append_to_response=" TMDB_APPEND. Returns false if BUF is too small. */
bool tmdb_movie_suffix(char *buf, size_t len, int64_t tmdb_id);

/*
 * The HTTP engine's classify hook for TMDB: status first (http_status_class), then body.
 * 2xx is RS_OK when the body starts (after whitespace) with '{', else RS_ERR_BAD_RESPONSE
 * (an HTML page); 401 RS_ERR_AUTH; 404 RS_ERR_NOT_FOUND; 408 RS_ERR_TIMEOUT; 429
 * RS_ERR_RATE_LIMITED; 5xx RS_ERR_SERVER_ERROR whatever the body (the CDN's 502/504 are
 * HTML); anything else, the page-cap 400/422 included, RS_ERR_BAD_RESPONSE. A 2xx body is
 * RS_OK only when it parses whole as a JSON object (one opening otherwise, an HTML page
 * say, is not parsed), so a body cut short or malformed is retried by the engine. BODY may
 * be NULL when LEN is 0.
 */
enum rs_err tmdb_classify(long status, const char *body, size_t len);
/*
 * The same as the engine's hook (http_classify_fn): on RS_OK with DOC not NULL, *DOC gets
 * the parsed document, for tmdb_parse_movie_doc; free it with tmdb_free_doc.
 */
enum rs_err tmdb_classify_doc(long status, const char *body, size_t len, void **doc);
void tmdb_free_doc(void *doc);

/*
 * True when STATUS and BODY are TMDB's answer to a page above 500: HTTP 400 with
 * "status_code": 22 (today), or HTTP 422 with {"errors": [...]} naming the page (earlier
 * years). Parses BODY (error bodies are small).
 */
bool tmdb_is_page_cap_error(long status, const char *body, size_t len);

/* One discover page. */
struct tmdb_page {
    int page;
    int total_pages; /* as reported (may exceed TMDB_MAX_PAGES) */
    int64_t total_results;
    struct discover_row *results;
    size_t n_results;
};
/*
 * Parses a discover body. Entries without a usable id are skipped (and logged); a body that
 * is not a discover page is RS_ERR_BAD_RESPONSE. *OUT is written only on success.
 */
enum rs_err tmdb_parse_discover(const char *body, size_t len, struct tmdb_page *out,
                                const struct rs_log *log, struct rs_error *err);
/* Releases every result row and the array; accepts a zeroed page and leaves it zeroed. */
void tmdb_page_release(struct tmdb_page *page);

/* The version of the JSON library (jansson) the parsers use; static storage. */
const char *tmdb_json_version(void);

/*
 * Parses and normalizes a /movie/{id} body into OUT, its appended parts into OUT->parts
 * (norm_tmdb_parts) and raw = BODY as received, except that credits are cut to the entries
 * kept as rows and those to the members of their rows (id, name, character, order; id, name,
 * department, job): byte-exact otherwise, so parsing OUT->raw again gives the same row. An
 * empty or missing imdb_id is taken from external_ids.imdb_id when that has one. A body
 * without the expected shape, or whose id is not EXPECT_ID (when EXPECT_ID > 0), is
 * RS_ERR_BAD_RESPONSE and OUT is untouched. Fields in unknown formats become NULL with a
 * warning naming the field.
 */
enum rs_err tmdb_parse_movie(const char *body, size_t len, int64_t expect_id, struct tmdb_row *out,
                             const struct rs_log *log, struct rs_error *err);
/* The same, reading DOC (tmdb_classify_doc's parse of BODY) instead of parsing BODY again
 * when it is not NULL; DOC stays the caller's. */
enum rs_err tmdb_parse_movie_doc(void *doc, const char *body, size_t len, int64_t expect_id,
                                 struct tmdb_row *out, const struct rs_log *log,
                                 struct rs_error *err);

/*
 * TMDB's change feed, GET /movie/changes (docs/internals/adaptive.md): the movies whose data
 * other than the counters changed on the days START..END (inclusive; TMDB serves at most
 * TMDB_CHANGES_MAX_DAYS of them in one window, and that far back), 100 ids a page.
 */
#define TMDB_CHANGES_MAX_DAYS 14
/* Writes "/movie/changes?start_date=...&end_date=...&page=N"; false if BUF is too small. */
bool tmdb_changes_suffix(char *buf, size_t len, rs_date_t start, rs_date_t end, int page);
struct tmdb_changes {
    int page, total_pages;
    int64_t *ids; /* as TMDB lists them, "adult": null ones included */
    size_t n;
    size_t adult_unknown; /* of them with "adult" null (or absent) */
    size_t skipped;       /* entries without a usable id */
};
/*
 * Parses a changes page. Entries without a positive integer id are skipped (logged); a body
 * that is not a changes page is RS_ERR_BAD_RESPONSE. *OUT is written only on success.
 */
enum rs_err tmdb_parse_changes(const char *body, size_t len, struct tmdb_changes *out,
                               const struct rs_log *log, struct rs_error *err);
/* Frees the ids; accepts a zeroed struct and leaves it zeroed. */
void tmdb_changes_release(struct tmdb_changes *c);

#endif
