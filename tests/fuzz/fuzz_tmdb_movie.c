/*
 * libFuzzer target: tmdb_parse_movie over any body. On success the row must keep the
 * normalization rules of normalize.h (ranges, NULL-terminated name lists, raw byte-exact
 * unless its credits were cut to the kept ones, and then a body that parses to the same
 * movie and credits: what the crash journal replays)
 * and a 2xx with that body must classify as RS_OK; on failure the row stays untouched and
 * the error says why on one line. The same body parsed again with its own id must succeed,
 * and with another id must be RS_ERR_BAD_RESPONSE.
 */
#include <math.h>

#include "fuzz.h"
#include "reelsync/tmdb.h"

static void check_names(char **names, size_t n)
{
    FUZZ_CHECK(names != NULL);
    FUZZ_CHECK(names[n] == NULL);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(names[i] != NULL);
}

static void check_text(const char *s)
{
    FUZZ_CHECK(s == NULL || s[0] != '\0'); /* "" is stored as NULL */
}

static void check_row(const struct tmdb_row *r, const char *body, size_t size)
{
    FUZZ_CHECK(r->tmdb_id > 0);
    FUZZ_CHECK(r->raw != NULL);
    if (r->raw_len == size && memcmp(r->raw, body, size) == 0) {
        /* kept as received */
    } else {
        struct tmdb_row again;
        struct rs_error err = {0};
        memset(&again, 0, sizeof(again));
        FUZZ_CHECK(r->parts.has_credits);
        FUZZ_CHECK(tmdb_parse_movie(r->raw, r->raw_len, r->tmdb_id, &again, NULL, &err) == RS_OK);
        FUZZ_CHECK(again.parts.n_credits == r->parts.n_credits);
        for (size_t i = 0; i < r->parts.n_credits; i++)
            FUZZ_CHECK(again.parts.credits[i].person_id == r->parts.credits[i].person_id);
        norm_tmdb_row_release(&again);
    }
    check_names(r->genres, r->n_genres);
    check_names(r->production_companies, r->n_production_companies);
    check_text(r->imdb_id);
    check_text(r->title);
    check_text(r->overview);
    check_text(r->status);
    FUZZ_CHECK(!r->runtime.set || (r->runtime.v > 0 && r->runtime.v <= INT32_MAX));
    FUZZ_CHECK(!r->vote_count.set || (r->vote_count.v >= 0 && r->vote_count.v <= INT32_MAX));
    FUZZ_CHECK(!r->budget.set || r->budget.v >= 0);
    FUZZ_CHECK(!r->revenue.set || r->revenue.v >= 0);
    FUZZ_CHECK(!r->vote_average.set || (r->vote_average.v >= 0 && r->vote_average.v <= 10));
    FUZZ_CHECK(!r->popularity.set || (isfinite(r->popularity.v) && r->popularity.v >= 0));
    FUZZ_CHECK(!r->adult.set || r->adult.v == 0 || r->adult.v == 1);
    if (r->release_date.set) {
        char buf[16];
        rs_date_t back;
        FUZZ_CHECK(
            rs_date_parse(rs_date_format((rs_date_t)r->release_date.v, buf, sizeof(buf)), &back) &&
            back == r->release_date.v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_bytes(data, size);
    struct tmdb_row row;
    struct rs_error err = {0};
    memset(&row, 0, sizeof(row));
    enum rs_err rc = tmdb_parse_movie(body, size, 0, &row, &fuzz_log, &err);
    if (rc == RS_OK) {
        check_row(&row, body, size);
        FUZZ_CHECK(tmdb_classify(200, body, size) == RS_OK);
        int64_t id = row.tmdb_id;
        struct tmdb_row again;
        memset(&again, 0, sizeof(again));
        FUZZ_CHECK(tmdb_parse_movie(body, size, id, &again, NULL, &err) == RS_OK);
        FUZZ_CHECK(again.tmdb_id == id);
        norm_tmdb_row_release(&again);
        if (id < INT64_MAX) {
            FUZZ_CHECK(tmdb_parse_movie(body, size, id + 1, &again, NULL, &err) ==
                       RS_ERR_BAD_RESPONSE);
            FUZZ_CHECK(fuzz_all_zero(&again, sizeof(again)));
        }
        norm_tmdb_row_release(&row);
        FUZZ_CHECK(fuzz_all_zero(&row, sizeof(row)));
    } else {
        FUZZ_CHECK(rc == RS_ERR_BAD_RESPONSE || rc == RS_ERR_NOMEM);
        FUZZ_CHECK(err.code == rc && strchr(err.msg, '\n') == NULL);
        FUZZ_CHECK(fuzz_all_zero(&row, sizeof(row)));
    }
    free(body);
    return 0;
}
