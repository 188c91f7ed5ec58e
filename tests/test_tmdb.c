/*
 * TMDB parsing, normalization and classification (src/tmdb.c): every TMDB fixture file with
 * its exact values, each quirk as its own case, hostile bodies, and the request suffixes.
 */
#include "test.h"

#include <stdlib.h>

#include "internal.h"
#include "log_capture.h"
#include "reelsync/http.h"
#include "reelsync/tmdb.h"

/*
 * Parses fixture NAME as movie ID into ROW; asserts RS_OK and, unless CUT (credits longer
 * than what is kept: test_tmdb_parts.c checks that raw), that raw holds the body.
 */
#define parse_fixture(name, id, row, c) parse_fixture_cut(name, id, row, c, false)
static void parse_fixture_cut(const char *name, int64_t id, struct tmdb_row *row, struct capture *c,
                              bool cut)
{
    size_t len;
    char *body = fixture_read(name, &len);
    struct rs_error err = {0};
    capture_init(c);
    enum rs_err rc = tmdb_parse_movie(body, len, id, row, &c->log, &err);
    if (rc != RS_OK)
        fail_msg("%s: %s: %s", name, rs_errname(rc), err.msg);
    if (cut) {
        assert_true(row->raw_len < len);
    } else {
        assert_int_equal(row->raw_len, len);
        assert_memory_equal(row->raw, body, len);
    }
    assert_int_equal(row->raw[row->raw_len], '\0');
    free(body);
}

static void assert_names(char **names, size_t n, const char *const *want, size_t n_want)
{
    assert_int_equal(n, n_want);
    assert_non_null(names);
    for (size_t i = 0; i < n_want; i++)
        assert_string_equal(names[i], want[i]);
    assert_null(names[n]);
}

static void inception(void **state)
{
    (void)state;
    struct tmdb_row r;
    struct capture c;
    parse_fixture_cut("tmdb/movie_27205.json", 27205, &r, &c, true);
    assert_int_equal(r.tmdb_id, 27205);
    assert_string_equal(r.imdb_id, "tt1375666");
    assert_string_equal(r.title, "Inception");
    assert_string_equal(r.original_title, "Inception");
    assert_string_equal(r.overview, "A placeholder synopsis for tests.");
    assert_string_equal(r.tagline, "A placeholder tagline.");
    assert_int_equal(r.release_date.v, rs_date_from_ymd(2010, 7, 15));
    assert_true(r.release_date.set);
    assert_int_equal(r.runtime.v, 148);
    assert_int_equal(r.budget.v, 160000000);
    assert_int_equal(r.revenue.v, 825532764);
    const char *genres[] = {"Action", "Science Fiction", "Adventure"};
    assert_names(r.genres, r.n_genres, genres, 3);
    const char *companies[] = {"Legendary Pictures", "Syncopy", "Warner Bros. Pictures"};
    assert_names(r.production_companies, r.n_production_companies, companies, 3);
    assert_true(r.vote_average.set && r.vote_average.v == 8.4);
    assert_int_equal(r.vote_count.v, 34621);
    assert_true(r.popularity.set && r.popularity.v == 70.983);
    assert_string_equal(r.status, "Released");
    assert_string_equal(r.original_language, "en");
    assert_true(r.adult.set);
    assert_int_equal(r.adult.v, 0);
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
}

/*
 * The engine's hook parses a 2xx body to classify it and hands the document to the parser
 * (tmdb_classify_doc, tmdb_parse_movie_doc): every fixture gives the same row, raw bytes
 * and parts as a parse of the body alone; a body that is not usable leaves no document.
 */
static void parsed_once_same_row(void **state)
{
    (void)state;
    static const char *const names[] = {"movie_27205.json", "movie_19995.json", "movie_194.json",
                                        "movie_10193.json", "movie_1443826.json"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[64];
        size_t len;
        snprintf(path, sizeof(path), "tmdb/%s", names[i]);
        char *body = fixture_read(path, &len);
        void *doc = NULL;
        struct tmdb_row a = {0}, b = {0};
        struct rs_error err = {0};
        assert_int_equal(tmdb_classify_doc(200, body, len, &doc), RS_OK);
        assert_non_null(doc);
        assert_int_equal(tmdb_parse_movie(body, len, 0, &a, NULL, &err), RS_OK);
        assert_int_equal(tmdb_parse_movie_doc(doc, body, len, 0, &b, NULL, &err), RS_OK);
        tmdb_free_doc(doc); /* the row owns its own copies */
        assert_int_equal(a.tmdb_id, b.tmdb_id);
        assert_string_equal(a.title, b.title);
        assert_int_equal(a.raw_len, b.raw_len);
        assert_memory_equal(a.raw, b.raw, a.raw_len);
        assert_int_equal(a.n_genres, b.n_genres);
        assert_int_equal(a.parts.n_credits, b.parts.n_credits);
        assert_int_equal(a.parts.n_keywords, b.parts.n_keywords);
        assert_int_equal(a.parts.n_release_dates, b.parts.n_release_dates);
        norm_tmdb_row_release(&a);
        norm_tmdb_row_release(&b);
        free(body);
    }
    void *doc = NULL;
    assert_int_equal(tmdb_classify_doc(200, "{\"id\":27205,\"ti", 15, &doc), RS_ERR_BAD_RESPONSE);
    assert_null(doc);
    assert_int_equal(tmdb_classify_doc(503, "{}", 2, &doc), RS_ERR_SERVER_ERROR);
    assert_null(doc);
}

/* belongs_to_collection is an object here: ignored, nothing warned. */
static void toy_story_3_collection(void **state)
{
    (void)state;
    struct tmdb_row r;
    struct capture c;
    parse_fixture("tmdb/movie_10193.json", 10193, &r, &c);
    assert_string_equal(r.imdb_id, "tt0435761");
    assert_string_equal(r.title, "Toy Story 3");
    assert_int_equal(r.release_date.v, rs_date_from_ymd(2010, 6, 16));
    assert_int_equal(r.runtime.v, 103);
    assert_int_equal(r.budget.v, 200000000);
    assert_int_equal(r.revenue.v, 1066969703);
    const char *genres[] = {"Animation", "Family", "Comedy"};
    assert_names(r.genres, r.n_genres, genres, 3);
    const char *companies[] = {"Walt Disney Pictures", "Pixar"};
    assert_names(r.production_companies, r.n_production_companies, companies, 2);
    assert_true(r.vote_average.v == 7.8);
    assert_int_equal(r.vote_count.v, 14189);
    assert_true(r.popularity.v == 48.211);
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
}

/* Avatar's revenue does not fit 32 bits. */
static void avatar_revenue_64bit(void **state)
{
    (void)state;
    struct tmdb_row r;
    struct capture c;
    parse_fixture("tmdb/movie_19995.json", 19995, &r, &c);
    assert_true(r.revenue.set);
    assert_int_equal(r.revenue.v, INT64_C(2923706026));
    assert_int_equal(r.budget.v, 237000000);
    assert_string_equal(r.imdb_id, "tt0499549");
    assert_int_equal(r.release_date.v, rs_date_from_ymd(2009, 12, 15));
    assert_int_equal(r.runtime.v, 162);
    const char *genres[] = {"Action", "Adventure", "Fantasy", "Science Fiction"};
    assert_names(r.genres, r.n_genres, genres, 4);
    const char *companies[] = {"Dune Entertainment", "Lightstorm Entertainment", "20th Century Fox",
                               "Ingenious Media"};
    assert_names(r.production_companies, r.n_production_companies, companies, 4);
    assert_true(r.vote_average.v == 7.6);
    assert_int_equal(r.vote_count.v, 29898);
    assert_true(r.popularity.v == 102.955);
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
}

/* The 1908 short: zeros stored as given, integer vote_average 0, tagline "" -> NULL. */
static void short_1908_zeros(void **state)
{
    (void)state;
    struct tmdb_row r;
    struct capture c;
    parse_fixture("tmdb/movie_283917.json", 283917, &r, &c);
    assert_true(r.budget.set);
    assert_int_equal(r.budget.v, 0);
    assert_true(r.revenue.set);
    assert_int_equal(r.revenue.v, 0);
    assert_true(r.vote_average.set);
    assert_true(r.vote_average.v == 0.0);
    assert_true(r.vote_count.set);
    assert_int_equal(r.vote_count.v, 0);
    assert_true(r.popularity.v == 0.0822);
    assert_null(r.tagline);
    assert_string_equal(r.imdb_id, "tt0233749");
    assert_string_equal(r.title, "Francesca di Rimini; or, The Two Brothers");
    assert_int_equal(r.release_date.v, rs_date_from_ymd(1908, 2, 8));
    assert_int_equal(r.runtime.v, 12);
    const char *genres[] = {"Drama"};
    assert_names(r.genres, r.n_genres, genres, 1);
    const char *companies[] = {"Vitagraph Company of America"};
    assert_names(r.production_companies, r.n_production_companies, companies, 1);
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
}

/* Amélie: UTF-8 survives byte for byte. */
static void amelie_utf8(void **state)
{
    (void)state;
    struct tmdb_row r;
    struct capture c;
    parse_fixture("tmdb/movie_194.json", 194, &r, &c);
    assert_string_equal(r.title, "Am\xc3\xa9lie");
    assert_string_equal(r.original_title, "Le Fabuleux Destin d'Am\xc3\xa9lie Poulain");
    const char *companies[] = {"Claudie Ossard Productions",
                               "Victoires Productions",
                               "Tapioca Films",
                               "France 3 Cin\xc3\xa9ma",
                               "UGC Images",
                               "MMC Independent"};
    assert_names(r.production_companies, r.n_production_companies, companies, 6);
    assert_string_equal(r.original_language, "fr");
    assert_int_equal(r.release_date.v, rs_date_from_ymd(2001, 4, 25));
    assert_int_equal(r.runtime.v, 122);
    assert_int_equal(r.budget.v, 10000000);
    assert_int_equal(r.revenue.v, 173921954);
    norm_tmdb_row_release(&r);
}

/* Confessions: CJK original title, budget 0 while revenue is set. */
static void confessions_cjk(void **state)
{
    (void)state;
    struct tmdb_row r;
    struct capture c;
    parse_fixture("tmdb/movie_54186.json", 54186, &r, &c);
    assert_string_equal(r.title, "Confessions");
    assert_string_equal(r.original_title, "\xe5\x91\x8a\xe7\x99\xbd"); /* 告白 */
    assert_string_equal(r.original_language, "ja");
    assert_int_equal(r.budget.v, 0);
    assert_int_equal(r.revenue.v, 46400000);
    assert_string_equal(r.imdb_id, "tt1590089");
    norm_tmdb_row_release(&r);
}

/* Killers of the Flower Moon before release: date "" and runtime 0 are NULL, not warned. */
static void unreleased_empty_date_runtime_zero(void **state)
{
    (void)state;
    struct tmdb_row r;
    struct capture c;
    parse_fixture("tmdb/movie_466420.json", 466420, &r, &c);
    assert_false(r.release_date.set);
    assert_false(r.runtime.set);
    assert_string_equal(r.status, "Post Production");
    assert_int_equal(r.revenue.v, 0);
    assert_true(r.revenue.set);
    assert_int_equal(r.budget.v, 200000000);
    assert_true(r.vote_average.set && r.vote_average.v == 0.0);
    assert_string_equal(r.imdb_id, "tt5537002");
    const char *genres[] = {"Crime", "Drama", "History"};
    assert_names(r.genres, r.n_genres, genres, 3);
    const char *companies[] = {"Apple Studios", "Imperative Entertainment", "Sikelia Productions",
                               "Appian Way"};
    assert_names(r.production_companies, r.n_production_companies, companies, 4);
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
}

/* Leo: a streaming release without origin_country, zeros as given. */
static void leo_streaming(void **state)
{
    (void)state;
    struct tmdb_row r;
    struct capture c;
    parse_fixture("tmdb/movie_1075794.json", 1075794, &r, &c);
    assert_string_equal(r.imdb_id, "tt5755238");
    assert_string_equal(r.title, "Leo");
    assert_int_equal(r.budget.v, 0);
    assert_int_equal(r.revenue.v, 0);
    assert_int_equal(r.release_date.v, rs_date_from_ymd(2023, 11, 17));
    assert_int_equal(r.runtime.v, 102);
    assert_true(r.vote_average.v == 7.609);
    assert_int_equal(r.vote_count.v, 598);
    assert_true(r.popularity.v == 780.064);
    const char *companies[] = {"Happy Madison Productions", "Animal Logic"};
    assert_names(r.production_companies, r.n_production_companies, companies, 2);
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
}

static void imdb_id_null(void **state)
{
    (void)state;
    struct tmdb_row r;
    struct capture c;
    parse_fixture("tmdb/movie_1443826.json", 1443826, &r, &c);
    assert_null(r.imdb_id);
    assert_string_equal(r.title, "The Lantern Keeper");
    assert_int_equal(r.runtime.v, 14);
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
}

/* The older shape: imdb_id "", runtime null, release_date "", companies with name+id only. */
static void old_shape_empty_imdb_id(void **state)
{
    (void)state;
    struct tmdb_row r;
    struct capture c;
    parse_fixture("tmdb/movie_76162.json", 76162, &r, &c);
    assert_null(r.imdb_id);
    assert_false(r.runtime.set);
    assert_false(r.release_date.set);
    const char *companies[] = {"Sprout Pictures"};
    assert_names(r.production_companies, r.n_production_companies, companies, 1);
    const char *genres[] = {"Documentary"};
    assert_names(r.genres, r.n_genres, genres, 1);
    assert_true(r.vote_average.set && r.vote_average.v == 0.0);
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
}

/* A movie body parsed with the wrong expected id is rejected and OUT stays untouched. */
static void id_mismatch(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture_read("tmdb/movie_27205.json", &len);
    struct tmdb_row r = {.tmdb_id = 77};
    struct rs_error err;
    assert_int_equal(tmdb_parse_movie(body, len, 27206, &r, NULL, &err), RS_ERR_BAD_RESPONSE);
    assert_int_equal(err.code, RS_ERR_BAD_RESPONSE);
    assert_non_null(strstr(err.msg, "27206"));
    assert_int_equal(r.tmdb_id, 77);
    assert_null(r.raw);
    /* expect_id 0 accepts any id */
    assert_int_equal(tmdb_parse_movie(body, len, 0, &r, NULL, &err), RS_OK);
    assert_int_equal(r.tmdb_id, 27205);
    norm_tmdb_row_release(&r);
    free(body);
}

#define LIT(s)                                                                                     \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }

/* Bodies that are not a movie: each is bad_response with OUT untouched. */
static void hostile_bodies(void **state)
{
    (void)state;
    size_t len;
    char *inception = fixture_read("tmdb/movie_27205.json", &len);
    const struct {
        const char *body;
        size_t len;
    } bad[] = {
        {inception, len / 2}, /* truncated */
        {inception, len - 2},
        LIT("[{\"id\": 5}]"), /* array top level */
        LIT("null"),
        LIT("5"),
        LIT("\"x\""),
        LIT(""),
        LIT("<html><body>502 Bad Gateway</body></html>"),
        LIT("{\"title\": \"no id\"}"),
        LIT("{\"id\": \"5\"}"),
        LIT("{\"id\": 5.0}"),
        LIT("{\"id\": 0}"),
        LIT("{\"id\": -5}"),
        LIT("{\"id\": null}"),
        LIT("{\"id\": 99999999999999999999}"),        /* beyond 64 bits */
        LIT("{\"id\": 5, \"title\": \"\xff\xfe\"}"),  /* invalid UTF-8 */
        LIT("{\"id\": 5, \"title\": \"a\\u0000b\"}"), /* NUL inside a string */
        LIT("{\"id\": 5}\0"),                         /* NUL after the object */
        LIT("{\"id\": 5\0, \"title\": \"x\"}"),       /* NUL after a number: jansson skips it */
        LIT("{\"id\": 5} {\"id\": 6}"),               /* two documents */
        LIT("{\"id\": 5, \"budget\": 1e400}"),
    };
    for (size_t i = 0; i < RS_ARRAY_LEN(bad); i++) {
        struct tmdb_row r = {.tmdb_id = 77};
        struct rs_error err = {0};
        enum rs_err rc = tmdb_parse_movie(bad[i].body, bad[i].len, 0, &r, NULL, &err);
        if (rc != RS_ERR_BAD_RESPONSE || r.tmdb_id != 77 || r.raw)
            fail_msg("case %zu: got %s (%s)", i, rs_errname(rc), err.msg);
        assert_int_equal(err.code, RS_ERR_BAD_RESPONSE);
    }
    free(inception);
}

/* Optional fields of the wrong type are NULL with a warning naming each; not a failure. */
static void wrong_types_are_null(void **state)
{
    (void)state;
    const char *body = "{\"id\": 5, \"title\": 7, \"runtime\": \"148\", \"budget\": \"x\","
                       " \"revenue\": 1.5, \"genres\": \"Action\", \"vote_average\": \"8\","
                       " \"adult\": \"no\", \"release_date\": 20100715, \"imdb_id\": false,"
                       " \"production_companies\": {\"name\": \"x\"}, \"popularity\": [1]}";
    struct tmdb_row r = {0};
    struct capture c;
    capture_init(&c);
    assert_int_equal(tmdb_parse_movie(body, strlen(body), 5, &r, &c.log, NULL), RS_OK);
    assert_int_equal(r.tmdb_id, 5);
    assert_null(r.title);
    assert_null(r.imdb_id);
    assert_false(r.runtime.set);
    assert_false(r.budget.set);
    assert_false(r.revenue.set);
    assert_false(r.vote_average.set);
    assert_false(r.adult.set);
    assert_false(r.release_date.set);
    assert_false(r.popularity.set);
    assert_int_equal(r.n_genres, 0);
    assert_non_null(r.genres);
    assert_int_equal(r.n_production_companies, 0);
    const char *fields[] = {
        "title",        "runtime", "budget",       "revenue", "genres",
        "vote_average", "adult",   "release_date", "imdb_id", "production_companies",
        "popularity"};
    for (size_t i = 0; i < RS_ARRAY_LEN(fields); i++) {
        char want[64];
        snprintf(want, sizeof(want), "tmdb: unexpected type for %s tmdb_id=5", fields[i]);
        assert_logged(&c, want);
    }
    assert_int_equal(c.warnings, (int)RS_ARRAY_LEN(fields));
    norm_tmdb_row_release(&r);
}

/* A minimal body: every optional field missing is NULL, lists empty, nothing warned. */
static void minimal_body(void **state)
{
    (void)state;
    const char *body = "{\"id\": 12, \"genres\": [], \"vote_average\": 8}";
    struct tmdb_row r = {0};
    struct capture c;
    capture_init(&c);
    assert_int_equal(tmdb_parse_movie(body, strlen(body), 12, &r, &c.log, NULL), RS_OK);
    assert_null(r.title);
    assert_false(r.budget.set);
    assert_false(r.runtime.set);
    assert_non_null(r.genres);
    assert_int_equal(r.n_genres, 0);
    assert_null(r.genres[0]);
    assert_non_null(r.production_companies);
    assert_int_equal(r.n_production_companies, 0);
    assert_true(r.vote_average.set && r.vote_average.v == 8.0); /* JSON integer */
    assert_string_equal(r.raw, body);
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
}

/* Bad list entries are skipped; invalid dates, negative and huge numbers warned. */
static void odd_values(void **state)
{
    (void)state;
    const char *body = "{\"id\": 3, \"genres\": [{\"id\": 1, \"name\": \"A\"}, 3, {\"id\": 2},"
                       " {\"name\": \"B\"}], \"release_date\": \"2010-02-30\", \"runtime\": -4,"
                       " \"budget\": 9223372036854775807, \"vote_count\": 3000000000,"
                       " \"vote_average\": 10.5, \"imdb_id\": \"\", \"tagline\": \"\"}";
    struct tmdb_row r = {0};
    struct capture c;
    capture_init(&c);
    assert_int_equal(tmdb_parse_movie(body, strlen(body), 3, &r, &c.log, NULL), RS_OK);
    const char *genres[] = {"A", "B"};
    assert_names(r.genres, r.n_genres, genres, 2);
    assert_false(r.release_date.set);
    assert_false(r.runtime.set);
    assert_int_equal(r.budget.v, INT64_MAX);
    assert_false(r.vote_count.set);
    assert_false(r.vote_average.set);
    assert_null(r.imdb_id);
    assert_null(r.tagline);
    assert_logged(&c, "unexpected type for genres tmdb_id=3");
    assert_logged(&c, "tmdb: unreadable release_date \"2010-02-30\" tmdb_id=3");
    assert_logged(&c, "runtime tmdb_id=3");
    assert_logged(&c, "vote_count tmdb_id=3");
    assert_logged(&c, "vote_average tmdb_id=3");
    assert_int_equal(c.warnings, 6); /* two genre entries, date, runtime, count, average */
    norm_tmdb_row_release(&r);
}

static void discover_fixture(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture_read("tmdb/discover_2010_page1.json", &len);
    struct tmdb_page p = {0};
    struct capture c;
    capture_init(&c);
    assert_int_equal(tmdb_parse_discover(body, len, &p, &c.log, NULL), RS_OK);
    assert_int_equal(p.page, 1);
    assert_int_equal(p.total_pages, 503); /* more than TMDB serves: the caller caps at 500 */
    assert_int_equal(p.total_results, 10050);
    assert_int_equal(p.n_results, 20);
    const struct discover_row *first = &p.results[0];
    assert_int_equal(first->tmdb_id, 27205);
    assert_string_equal(first->title, "Inception");
    assert_int_equal(first->release_date.v, rs_date_from_ymd(2010, 7, 14));
    assert_true(first->vote_average.v == 8.2);
    assert_int_equal(first->vote_count.v, 18608);
    assert_true(first->popularity.v == 30.161);
    /* Shutter Island's vote_average is the JSON integer 8, The Expendables' 6 */
    assert_int_equal(p.results[4].tmdb_id, 11324);
    assert_true(p.results[4].vote_average.set && p.results[4].vote_average.v == 8.0);
    assert_int_equal(p.results[7].tmdb_id, 27578);
    assert_true(p.results[7].vote_average.v == 6.0);
    /* Tangled keeps the date TMDB recorded, however wrong */
    assert_int_equal(p.results[12].tmdb_id, 38757);
    assert_int_equal(p.results[12].release_date.v, rs_date_from_ymd(2010, 2, 3));
    assert_int_equal(p.results[19].tmdb_id, 10192);
    assert_string_equal(p.results[19].title, "Shrek Forever After");
    for (size_t i = 0; i < p.n_results; i++) {
        assert_true(p.results[i].release_date.set);
        for (size_t j = 0; j < i; j++)
            assert_true(p.results[i].tmdb_id != p.results[j].tmdb_id);
    }
    assert_int_equal(c.lines, 0);
    tmdb_page_release(&p);
    assert_null(p.results);
    tmdb_page_release(&p);
    tmdb_page_release(NULL);
    free(body);
}

/* Entries without a usable id are skipped and logged; the others kept. */
static void discover_skips_bad_entries(void **state)
{
    (void)state;
    const char *body = "{\"page\": 2, \"results\": [{\"id\": \"x\"}, {\"title\": \"no id\"},"
                       " {\"id\": 7, \"title\": \"ok\", \"release_date\": \"\","
                       " \"vote_average\": 7}, 5, {\"id\": -1},"
                       " {\"id\": 8, \"release_date\": \"2010-02-30\", \"title\": \"\"}],"
                       " \"total_pages\": 3, \"total_results\": 41}";
    struct tmdb_page p = {0};
    struct capture c;
    capture_init(&c);
    assert_int_equal(tmdb_parse_discover(body, strlen(body), &p, &c.log, NULL), RS_OK);
    assert_int_equal(p.page, 2);
    assert_int_equal(p.total_pages, 3);
    assert_int_equal(p.total_results, 41);
    assert_int_equal(p.n_results, 2);
    assert_int_equal(p.results[0].tmdb_id, 7);
    assert_string_equal(p.results[0].title, "ok");
    assert_false(p.results[0].release_date.set);
    assert_true(p.results[0].vote_average.v == 7.0);
    assert_false(p.results[0].vote_count.set);
    assert_int_equal(p.results[1].tmdb_id, 8);
    assert_null(p.results[1].title);
    assert_false(p.results[1].release_date.set);
    assert_logged(&c, "tmdb: discover result 0 without a usable id skipped");
    assert_logged(&c, "tmdb: discover result 4 without a usable id skipped");
    assert_logged(&c, "unreadable release_date \"2010-02-30\" tmdb_id=8");
    assert_int_equal(c.warnings, 5);
    tmdb_page_release(&p);
}

static void discover_hostile(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"page\": 1, \"total_pages\": 1, \"total_results\": 1}",
        "{\"page\": 1, \"results\": {}, \"total_pages\": 1, \"total_results\": 1}",
        "{\"results\": [], \"total_pages\": 1, \"total_results\": 1}",
        "{\"page\": 0, \"results\": [], \"total_pages\": 1, \"total_results\": 1}",
        "{\"page\": \"1\", \"results\": [], \"total_pages\": 1, \"total_results\": 1}",
        "{\"page\": 1, \"results\": [], \"total_pages\": -1, \"total_results\": 1}",
        "{\"page\": 1, \"results\": [], \"total_pages\": 1}",
        "[{\"page\": 1}]",
        "{\"page\": 1, \"results\": [",
        "<html></html>",
        "",
    };
    for (size_t i = 0; i < RS_ARRAY_LEN(bad); i++) {
        struct tmdb_page p = {.page = 99};
        struct rs_error err = {0};
        enum rs_err rc = tmdb_parse_discover(bad[i], strlen(bad[i]), &p, NULL, &err);
        if (rc != RS_ERR_BAD_RESPONSE || p.page != 99)
            fail_msg("case %zu: got %s", i, rs_errname(rc));
    }
    /* an empty last page is a page */
    const char *empty = "{\"page\": 1, \"results\": [], \"total_pages\": 0, \"total_results\": 0}";
    struct tmdb_page p = {0};
    assert_int_equal(tmdb_parse_discover(empty, strlen(empty), &p, NULL, NULL), RS_OK);
    assert_int_equal(p.n_results, 0);
    assert_int_equal(p.total_pages, 0);
    tmdb_page_release(&p);
}

/* Each error fixture with the status TMDB sends it with. */
static void classify_error_fixtures(void **state)
{
    (void)state;
    const struct {
        const char *name;
        long status;
        enum rs_err want;
        bool page_cap;
    } cases[] = {
        {"tmdb/error_400_page.json", 400, RS_ERR_BAD_RESPONSE, true},
        {"tmdb/error_422_page.json", 422, RS_ERR_BAD_RESPONSE, true},
        {"tmdb/error_401.json", 401, RS_ERR_AUTH, false},
        {"tmdb/error_404.json", 404, RS_ERR_NOT_FOUND, false},
        {"tmdb/error_429.json", 429, RS_ERR_RATE_LIMITED, false},
        {"tmdb/movie_27205.json", 200, RS_OK, false},
        {"tmdb/discover_2010_page1.json", 200, RS_OK, false},
    };
    for (size_t i = 0; i < RS_ARRAY_LEN(cases); i++) {
        size_t len;
        char *body = fixture_read(cases[i].name, &len);
        assert_int_equal(tmdb_classify(cases[i].status, body, len), cases[i].want);
        assert_int_equal(tmdb_is_page_cap_error(cases[i].status, body, len), cases[i].page_cap);
        free(body);
    }
}

/* Status first: HTML pages, empty bodies and unknown statuses. */
static void classify_status_first(void **state)
{
    (void)state;
    const char *html = "<html><head><title>502 Bad Gateway</title></head></html>";
    const char *json = "{\"status_code\": 11, \"status_message\": \"Internal error\"}";
    assert_int_equal(tmdb_classify(502, html, strlen(html)), RS_ERR_SERVER_ERROR);
    assert_int_equal(tmdb_classify(504, html, strlen(html)), RS_ERR_SERVER_ERROR);
    assert_int_equal(tmdb_classify(500, json, strlen(json)), RS_ERR_SERVER_ERROR);
    assert_int_equal(tmdb_classify(503, NULL, 0), RS_ERR_SERVER_ERROR);
    assert_int_equal(tmdb_classify(200, html, strlen(html)), RS_ERR_BAD_RESPONSE);
    assert_int_equal(tmdb_classify(200, "", 0), RS_ERR_BAD_RESPONSE);
    assert_int_equal(tmdb_classify(200, NULL, 0), RS_ERR_BAD_RESPONSE);
    assert_int_equal(tmdb_classify(200, "[1]", 3), RS_ERR_BAD_RESPONSE);
    assert_int_equal(tmdb_classify(200, " \r\n\t{}", 6), RS_OK);
    assert_int_equal(tmdb_classify(200, " {}", 1), RS_ERR_BAD_RESPONSE); /* LEN bounds it */
    /* a 2xx body is parsed whole: cut short, malformed or bad UTF-8 is bad_response */
    assert_int_equal(tmdb_classify(200, "{\"id\":27205,\"ti", 15), RS_ERR_BAD_RESPONSE);
    assert_int_equal(tmdb_classify(200, "{\"id\":1,]}", 10), RS_ERR_BAD_RESPONSE);
    assert_int_equal(tmdb_classify(200, "{\"t\":\"\xff\"}", 8), RS_ERR_BAD_RESPONSE);
    assert_int_equal(tmdb_classify(200, "{\"id\":1}", 8), RS_OK);
    assert_int_equal(tmdb_classify(401, html, strlen(html)), RS_ERR_AUTH);
    assert_int_equal(tmdb_classify(404, NULL, 0), RS_ERR_NOT_FOUND);
    assert_int_equal(tmdb_classify(429, html, strlen(html)), RS_ERR_RATE_LIMITED);
    assert_int_equal(tmdb_classify(408, NULL, 0), RS_ERR_TIMEOUT);
    assert_int_equal(tmdb_classify(418, json, strlen(json)), RS_ERR_BAD_RESPONSE);
    assert_int_equal(tmdb_classify(302, html, strlen(html)), RS_ERR_BAD_RESPONSE);
    assert_int_equal(tmdb_classify(0, NULL, 0), RS_ERR_BAD_RESPONSE);
}

/* A JSON object's body adds nothing to the status: the engine's one mapping decides. */
static void classify_follows_status_class(void **state)
{
    (void)state;
    for (long status = 0; status < 700; status++)
        assert_int_equal(tmdb_classify(status, "{}", 2), http_status_class(status));
}

static void page_cap_shapes(void **state)
{
    (void)state;
    const char *code22 = "{\"success\":false,\"status_code\":22,\"status_message\":\"x\"}";
    const char *code5 = "{\"success\":false,\"status_code\":5,\"status_message\":\"Invalid\"}";
    const char *errors = "{\"errors\":[\"page must be less than or equal to 500\"]}";
    const char *other = "{\"errors\":[\"query must be provided\"]}";
    assert_true(tmdb_is_page_cap_error(400, code22, strlen(code22)));
    assert_false(tmdb_is_page_cap_error(400, code5, strlen(code5)));
    assert_true(tmdb_is_page_cap_error(422, errors, strlen(errors)));
    assert_false(tmdb_is_page_cap_error(422, other, strlen(other)));
    assert_false(tmdb_is_page_cap_error(404, code22, strlen(code22)));
    assert_false(tmdb_is_page_cap_error(200, code22, strlen(code22)));
    assert_false(tmdb_is_page_cap_error(400, "<html>", 6));
    assert_false(tmdb_is_page_cap_error(400, NULL, 0));
    assert_false(tmdb_is_page_cap_error(400, "[22]", 4));
}

static void suffixes(void **state)
{
    (void)state;
    char buf[512];
    assert_true(tmdb_discover_suffix(buf, sizeof(buf), rs_date_from_ymd(2010, 1, 1),
                                     rs_date_from_ymd(2010, 12, 31), 200, 3));
    assert_string_equal(buf, "/discover/movie?primary_release_date.gte=2010-01-01"
                             "&primary_release_date.lte=2010-12-31&vote_count.gte=200"
                             "&sort_by=primary_release_date.desc&include_adult=false"
                             "&include_video=false&page=3");
    size_t need = strlen(buf) + 1;
    assert_true(tmdb_discover_suffix(buf, need, rs_date_from_ymd(2010, 1, 1),
                                     rs_date_from_ymd(2010, 12, 31), 200, 3));
    assert_false(tmdb_discover_suffix(buf, need - 1, rs_date_from_ymd(2010, 1, 1),
                                      rs_date_from_ymd(2010, 12, 31), 200, 3));
    assert_false(tmdb_discover_suffix(buf, sizeof(buf), 0, 0, 200, 0));
    assert_false(tmdb_discover_suffix(buf, sizeof(buf), 0, 0, -1, 1));
    /* one request asks the details and the parts (README, "What is kept") */
    assert_true(tmdb_movie_suffix(buf, sizeof(buf), 27205));
    assert_string_equal(
        buf, "/movie/27205?append_to_response=credits,keywords,release_dates,external_ids");
    assert_true(tmdb_movie_suffix(buf, 76, 27205));
    assert_false(tmdb_movie_suffix(buf, 75, 27205));
    assert_false(tmdb_movie_suffix(buf, sizeof(buf), 0));
    assert_false(tmdb_movie_suffix(buf, sizeof(buf), -3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inception),
        cmocka_unit_test(parsed_once_same_row),
        cmocka_unit_test(toy_story_3_collection),
        cmocka_unit_test(avatar_revenue_64bit),
        cmocka_unit_test(short_1908_zeros),
        cmocka_unit_test(amelie_utf8),
        cmocka_unit_test(confessions_cjk),
        cmocka_unit_test(unreleased_empty_date_runtime_zero),
        cmocka_unit_test(leo_streaming),
        cmocka_unit_test(imdb_id_null),
        cmocka_unit_test(old_shape_empty_imdb_id),
        cmocka_unit_test(id_mismatch),
        cmocka_unit_test(hostile_bodies),
        cmocka_unit_test(wrong_types_are_null),
        cmocka_unit_test(minimal_body),
        cmocka_unit_test(odd_values),
        cmocka_unit_test(discover_fixture),
        cmocka_unit_test(discover_skips_bad_entries),
        cmocka_unit_test(discover_hostile),
        cmocka_unit_test(classify_error_fixtures),
        cmocka_unit_test(classify_status_first),
        cmocka_unit_test(classify_follows_status_class),
        cmocka_unit_test(page_cap_shapes),
        cmocka_unit_test(suffixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
