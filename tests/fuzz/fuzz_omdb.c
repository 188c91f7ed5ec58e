/*
 * libFuzzer target: omdb_parse_movie and omdb_classify over any body. The first two bytes
 * choose the HTTP status (100..699) for the classifier; the rest is the body. A parsed row
 * has an alphanumeric imdb_id, the body byte-exact as raw and ranged values, and a 2xx with
 * that body classifies RS_OK; a failed parse leaves the row zeroed and returns the class
 * omdb_classify gives a 200 with the same body when that is an error class.
 */
#include <math.h>

#include "fuzz.h"
#include "reelsync/omdb.h"

static bool alnum_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    }
    return n > 0 && n <= 32;
}

static void check_row(const struct omdb_row *r, const char *body, size_t size)
{
    FUZZ_CHECK(r->imdb_id != NULL && alnum_id(r->imdb_id));
    FUZZ_CHECK(r->raw_len == size && r->raw != NULL && memcmp(r->raw, body, size) == 0);
    const char *texts[] = {r->title,  r->year,   r->rated,    r->genre,   r->director,
                           r->writer, r->actors, r->language, r->country, r->awards};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        FUZZ_CHECK(texts[i] == NULL || (texts[i][0] != '\0' && strcmp(texts[i], "N/A") != 0));
    FUZZ_CHECK(!r->runtime_minutes.set ||
               (r->runtime_minutes.v > 0 && r->runtime_minutes.v <= INT32_MAX));
    FUZZ_CHECK(!r->imdb_rating.set || (r->imdb_rating.v >= 0 && r->imdb_rating.v <= 10));
    FUZZ_CHECK(!r->imdb_votes.set || (r->imdb_votes.v >= 0 && r->imdb_votes.v <= INT32_MAX));
    FUZZ_CHECK(!r->rotten_tomatoes.set ||
               (r->rotten_tomatoes.v >= 0 && r->rotten_tomatoes.v <= 100));
    FUZZ_CHECK(!r->metacritic.set || (r->metacritic.v >= 0 && r->metacritic.v <= 100));
    FUZZ_CHECK(!r->box_office.set || r->box_office.v >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long status = 200;
    if (size >= 2) {
        status = 100 + (long)((data[0] << 8 | data[1]) % 600);
        data += 2;
        size -= 2;
    }
    char *body = fuzz_bytes(data, size);
    enum rs_err cls = omdb_classify(status, size ? body : NULL, size);
    FUZZ_CHECK(cls >= RS_OK && cls <= RS_OUTCOME_LAST);

    struct omdb_row row;
    struct rs_error err = {0};
    memset(&row, 0, sizeof(row));
    enum rs_err rc = omdb_parse_movie(body, size, &row, &fuzz_log, &err);
    enum rs_err cls200 = omdb_classify(200, body, size);
    if (rc == RS_OK) {
        check_row(&row, body, size);
        FUZZ_CHECK(cls200 == RS_OK);
        norm_omdb_row_release(&row);
        FUZZ_CHECK(fuzz_all_zero(&row, sizeof(row)));
    } else {
        FUZZ_CHECK(rc == RS_ERR_BAD_RESPONSE || rc == RS_ERR_NOT_FOUND || rc == RS_ERR_AUTH ||
                   rc == RS_ERR_QUOTA_EXHAUSTED || rc == RS_ERR_NOMEM);
        FUZZ_CHECK(err.code == rc && strchr(err.msg, '\n') == NULL);
        FUZZ_CHECK(fuzz_all_zero(&row, sizeof(row)));
        if (cls200 != RS_OK)
            FUZZ_CHECK(cls200 == rc);
    }
    free(body);
    return 0;
}
