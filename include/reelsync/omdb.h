/*
 * omdb: OMDB request suffixes and response parsing. Every value OMDB sends is a string,
 * "N/A" marks a missing one; errors come as {"Response":"False","Error":"..."} with HTTP
 * 200 (not found) or 401 (bad key, quota), told apart only by the Error text.
 */
#ifndef REELSYNC_OMDB_H
#define REELSYNC_OMDB_H

#include "reelsync/normalize.h"

/*
 * Writes "?i=IMDB_ID&plot=short&r=json". Returns false if BUF is too small, or if IMDB_ID
 * is NULL, empty, longer than 32 bytes or holds anything but ASCII letters and digits (so it
 * never needs URL-encoding).
 */
bool omdb_suffix(char *buf, size_t len, const char *imdb_id);

/*
 * The HTTP engine's classify hook for OMDB: "Response":"False" bodies by their Error text
 * (Movie not found! / Incorrect IMDb ID. / Error getting data. -> RS_ERR_NOT_FOUND,
 * Invalid API key! / No API key provided. -> RS_ERR_AUTH, Request limit reached! ->
 * RS_ERR_QUOTA_EXHAUSTED) whatever the status; then the status; an HTML page is
 * RS_ERR_SERVER_ERROR for 5xx and RS_ERR_BAD_RESPONSE for 2xx.
 * In full: a Response False body with an unknown Error text is RS_ERR_BAD_RESPONSE under a
 * 2xx and left to the status otherwise; then http_status_class, but for 404, which is
 * RS_ERR_BAD_RESPONSE (a wrong URL: OMDB says not found in the body of a 200): 2xx with a
 * body opening a JSON object is RS_OK; 401 RS_ERR_AUTH; 408 RS_ERR_TIMEOUT; 429
 * RS_ERR_RATE_LIMITED; 5xx RS_ERR_SERVER_ERROR; anything else RS_ERR_BAD_RESPONSE.
 * A 2xx body is parsed whole (so one cut short is retried); another only when it holds the
 * token "False", the only way it can be a Response False answer.
 */
enum rs_err omdb_classify(long status, const char *body, size_t len);
/*
 * The same as the engine's hook (http_classify_fn): on RS_OK under a 2xx with KEPT not NULL,
 * *KEPT gets the parsed document, for omdb_parse_movie_doc; free it with omdb_free_doc.
 */
enum rs_err omdb_classify_doc(long status, const char *body, size_t len, void **kept);
void omdb_free_doc(void *doc);

/*
 * Parses and normalizes a successful OMDB body into OUT (raw = BODY). A Response False body
 * returns its class (see omdb_classify; an unknown Error text is RS_ERR_BAD_RESPONSE); a
 * body that is not an object with "Response":"True" and an imdbID of letters and digits is
 * RS_ERR_BAD_RESPONSE. Fields of the wrong type are NULL with a warning naming them.
 * OUT is written only on success; release it with norm_omdb_row_release.
 */
enum rs_err omdb_parse_movie(const char *body, size_t len, struct omdb_row *out,
                             const struct rs_log *log, struct rs_error *err);
/* The same, reading DOC (omdb_classify_doc's parse of BODY) instead of parsing BODY again
 * when it is not NULL; DOC stays the caller's. */
enum rs_err omdb_parse_movie_doc(void *doc, const char *body, size_t len, struct omdb_row *out,
                                 const struct rs_log *log, struct rs_error *err);

#endif
