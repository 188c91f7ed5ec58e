/*
 * libFuzzer target: tmdb_parse_discover, tmdb_classify and tmdb_is_page_cap_error over any
 * body. The first two bytes choose the HTTP status (100..699) given to the classifiers; the
 * rest is the body. A parsed page has positive ids and ranged values; a page-cap error is
 * never a 2xx; a classify of 5xx is always server_error.
 */
#include <math.h>

#include "fuzz.h"
#include "reelsync/tmdb.h"

static void check_page(const struct tmdb_page *p)
{
    FUZZ_CHECK(p->page >= 1 && p->total_pages >= 0 && p->total_results >= 0);
    FUZZ_CHECK(p->results != NULL || p->n_results == 0);
    for (size_t i = 0; i < p->n_results; i++) {
        const struct discover_row *r = &p->results[i];
        FUZZ_CHECK(r->tmdb_id > 0);
        FUZZ_CHECK(r->title == NULL || r->title[0] != '\0');
        FUZZ_CHECK(!r->vote_count.set || (r->vote_count.v >= 0 && r->vote_count.v <= INT32_MAX));
        FUZZ_CHECK(!r->vote_average.set || (r->vote_average.v >= 0 && r->vote_average.v <= 10));
        FUZZ_CHECK(!r->popularity.set || (isfinite(r->popularity.v) && r->popularity.v >= 0));
    }
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
    enum rs_err cls = tmdb_classify(status, size ? body : NULL, size);
    FUZZ_CHECK(cls >= RS_OK && cls <= RS_OUTCOME_LAST);
    if (status >= 500 && status < 600)
        FUZZ_CHECK(cls == RS_ERR_SERVER_ERROR);
    bool cap = tmdb_is_page_cap_error(status, size ? body : NULL, size);
    FUZZ_CHECK(!cap || status == 400 || status == 422);

    struct tmdb_page page;
    struct rs_error err = {0};
    memset(&page, 0, sizeof(page));
    enum rs_err rc = tmdb_parse_discover(body, size, &page, &fuzz_log, &err);
    if (rc == RS_OK) {
        check_page(&page);
        FUZZ_CHECK(tmdb_classify(200, body, size) == RS_OK);
        tmdb_page_release(&page);
        FUZZ_CHECK(fuzz_all_zero(&page, sizeof(page)));
    } else {
        FUZZ_CHECK(rc == RS_ERR_BAD_RESPONSE || rc == RS_ERR_NOMEM);
        FUZZ_CHECK(err.code == rc && strchr(err.msg, '\n') == NULL);
        FUZZ_CHECK(fuzz_all_zero(&page, sizeof(page)));
    }
    free(body);
    return 0;
}
