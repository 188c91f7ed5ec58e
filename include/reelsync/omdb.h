/*
 * omdb: OMDB request suffixes and response parsing. Every value OMDB sends is a string,
 * "N/A" marks a missing one; errors come as {"Response":"False","Error":"..."} with HTTP
 * 200 (not found) or 401 (bad key, quota), told apart only by the Error text.
 */
#ifndef REELSYNC_OMDB_H
#define REELSYNC_OMDB_H

#include "reelsync/normalize.h"

/* Writes "?i=IMDB_ID&plot=short&r=json" (URL-encoded). Returns false if BUF is too small. */
bool omdb_suffix(char *buf, size_t len, const char *imdb_id);

/*
 * The HTTP engine's classify hook for OMDB: "Response":"False" bodies by their Error text
 * (Movie not found! / Incorrect IMDb ID. / Error getting data. -> RS_ERR_NOT_FOUND,
 * Invalid API key! / No API key provided. -> RS_ERR_AUTH, Request limit reached! ->
 * RS_ERR_QUOTA_EXHAUSTED) whatever the status; then the status; an HTML page is
 * RS_ERR_SERVER_ERROR for 5xx and RS_ERR_BAD_RESPONSE for 2xx.
 */
enum rs_err omdb_classify(long status, const char *body, size_t len);

/*
 * Parses and normalizes a successful OMDB body into OUT (raw = BODY). A Response False body
 * returns its class (see omdb_classify); a body of the wrong shape RS_ERR_BAD_RESPONSE.
 * OUT is written only on success.
 */
enum rs_err omdb_parse_movie(const char *body, size_t len, struct omdb_row *out,
                             const struct rs_log *log, struct rs_error *err);

#endif
