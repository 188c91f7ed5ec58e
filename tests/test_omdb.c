/*
 * OMDB parsing, normalization and classification (src/omdb.c): every OMDB fixture file with
 * its exact values, the error bodies with the statuses OMDB really sends them with, hostile
 * bodies, and the request suffix.
 */
#include "test.h"

#include <stdlib.h>

#include "internal.h"
#include "log_capture.h"
#include "reelsync/http.h"
#include "reelsync/omdb.h"

/* Parses fixture NAME into ROW; asserts RS_OK, raw as received and no log line at all. */
static void parse_fixture(const char *name, struct omdb_row *row)
{
    size_t len;
    char *body = fixture_read(name, &len);
    struct rs_error err = {0};
    struct capture c;
    capture_init(&c);
    enum rs_err rc = omdb_parse_movie(body, len, row, &c.log, &err);
    if (rc != RS_OK)
        fail_msg("%s: %s: %s", name, rs_errname(rc), err.msg);
    assert_int_equal(row->raw_len, len);
    assert_memory_equal(row->raw, body, len);
    if (c.lines != 0)
        fail_msg("%s logged:\n%s", name, c.text);
    assert_int_equal(omdb_classify(200, body, len), RS_OK);
    free(body);
}

/* The numbers of a row; -1 stands for NULL (no fixture holds a negative value). */
struct numbers {
    int released_y, released_m, released_d;
    int64_t runtime, votes, rotten, metacritic, box_office;
    double imdb; /* -1 for NULL */
};

static void assert_i64(struct rs_i64 v, int64_t want, const char *what)
{
    if (want < 0 ? v.set : (!v.set || v.v != want))
        fail_msg("%s: got set=%d v=%lld, want %lld", what, v.set, (long long)v.v, (long long)want);
}

static void assert_numbers(const struct omdb_row *r, struct numbers n)
{
    assert_true(r->released.set);
    assert_int_equal(r->released.v, rs_date_from_ymd(n.released_y, n.released_m, n.released_d));
    assert_i64(r->runtime_minutes, n.runtime, "runtime_minutes");
    assert_i64(r->imdb_votes, n.votes, "imdb_votes");
    assert_i64(r->rotten_tomatoes, n.rotten, "rotten_tomatoes");
    assert_i64(r->metacritic, n.metacritic, "metacritic");
    assert_i64(r->box_office, n.box_office, "box_office");
    if (n.imdb < 0)
        assert_false(r->imdb_rating.set);
    else
        assert_true(r->imdb_rating.set && r->imdb_rating.v == n.imdb);
}

/*
 * The engine's hook keeps its parse of a record for the parser (omdb_classify_doc,
 * omdb_parse_movie_doc): the same row as a parse of the body alone; a Response False answer
 * keeps nothing.
 */
static void parsed_once_same_row(void **state)
{
    (void)state;
    static const char *const names[] = {"omdb/tt1375666.json", "omdb/tt0435761.json",
                                        "omdb/tt0499549.json", "omdb/tt0211915.json"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t len;
        char *body = fixture_read(names[i], &len);
        void *doc = NULL;
        struct omdb_row a = {0}, b = {0};
        struct rs_error err = {0};
        assert_int_equal(omdb_classify_doc(200, body, len, &doc), RS_OK);
        assert_non_null(doc);
        assert_int_equal(omdb_parse_movie(body, len, &a, NULL, &err), RS_OK);
        assert_int_equal(omdb_parse_movie_doc(doc, body, len, &b, NULL, &err), RS_OK);
        omdb_free_doc(doc);
        assert_string_equal(a.imdb_id, b.imdb_id);
        assert_string_equal(a.title, b.title);
        assert_true(a.imdb_rating.set == b.imdb_rating.set && a.imdb_rating.v == b.imdb_rating.v);
        assert_true(a.box_office.set == b.box_office.set && a.box_office.v == b.box_office.v);
        assert_int_equal(a.raw_len, b.raw_len);
        assert_memory_equal(a.raw, b.raw, a.raw_len);
        norm_omdb_row_release(&a);
        norm_omdb_row_release(&b);
        free(body);
    }
    size_t len;
    char *body = fixture_read("omdb/error_not_found.json", &len);
    void *doc = NULL;
    assert_int_equal(omdb_classify_doc(200, body, len, &doc), RS_ERR_NOT_FOUND);
    assert_null(doc);
    free(body);
}

/* Inception: all three Ratings, commas and dollars, every text field. */
static void inception(void **state)
{
    (void)state;
    struct omdb_row r;
    parse_fixture("omdb/tt1375666.json", &r);
    assert_string_equal(r.imdb_id, "tt1375666");
    assert_string_equal(r.title, "Inception");
    assert_string_equal(r.year, "2010");
    assert_string_equal(r.rated, "PG-13");
    assert_string_equal(r.genre, "Action, Adventure, Sci-Fi");
    assert_string_equal(r.director, "Christopher Nolan");
    assert_string_equal(r.writer, "Christopher Nolan");
    assert_string_equal(r.actors, "Leonardo DiCaprio, Joseph Gordon-Levitt, Elliot Page");
    assert_string_equal(r.language, "English, Japanese, French");
    assert_string_equal(r.country, "United States, United Kingdom");
    assert_string_equal(r.awards, "Won 4 Oscars. 159 wins & 220 nominations total");
    assert_numbers(&r, (struct numbers){2010, 7, 16, 148, 2767518, 87, 74, 292587330, 8.8});
    norm_omdb_row_release(&r);
}

static void toy_story_3(void **state)
{
    (void)state;
    struct omdb_row r;
    parse_fixture("omdb/tt0435761.json", &r);
    assert_string_equal(r.rated, "G");
    assert_string_equal(r.title, "Toy Story 3");
    assert_numbers(&r, (struct numbers){2010, 6, 18, 103, 921533, 98, 92, 415004880, 8.3});
    norm_omdb_row_release(&r);
}

static void avatar(void **state)
{
    (void)state;
    struct omdb_row r;
    parse_fixture("omdb/tt0499549.json", &r);
    assert_string_equal(r.year, "2009");
    assert_string_equal(r.country, "United States, United Kingdom");
    assert_numbers(&r, (struct numbers){2009, 12, 18, 162, 1426073, 81, 83, 785221649, 7.9});
    norm_omdb_row_release(&r);
}

/* The 1908 short: N/A everywhere, Language "None" kept, votes without a comma. */
static void short_1908(void **state)
{
    (void)state;
    struct omdb_row r;
    parse_fixture("omdb/tt0233749.json", &r);
    assert_null(r.rated);
    assert_null(r.writer);
    assert_null(r.actors);
    assert_null(r.awards);
    assert_string_equal(r.language, "None");
    assert_string_equal(r.country, "United States");
    assert_string_equal(r.director, "William V. Ranous");
    assert_numbers(&r, (struct numbers){1908, 2, 8, -1, 31, -1, -1, -1, 5.0});
    norm_omdb_row_release(&r);
}

static void amelie(void **state)
{
    (void)state;
    struct omdb_row r;
    parse_fixture("omdb/tt0211915.json", &r);
    assert_string_equal(r.title, "Am\xc3\xa9lie");
    assert_numbers(&r, (struct numbers){2002, 2, 8, 122, 797312, 89, 69, 33225499, 8.3});
    norm_omdb_row_release(&r);
}

/* Confessions: two sources only, "Not Rated" is a rating, Metascore N/A. */
static void confessions(void **state)
{
    (void)state;
    struct omdb_row r;
    parse_fixture("omdb/tt1590089.json", &r);
    assert_string_equal(r.rated, "Not Rated");
    assert_string_equal(r.title, "Confessions");
    assert_string_equal(r.language, "Japanese");
    assert_numbers(&r, (struct numbers){2010, 6, 5, 106, 45118, 83, -1, -1, 7.7});
    norm_omdb_row_release(&r);
}

static void killers_of_the_flower_moon(void **state)
{
    (void)state;
    struct omdb_row r;
    parse_fixture("omdb/tt5537002.json", &r);
    assert_string_equal(r.year, "2023");
    assert_numbers(&r, (struct numbers){2023, 10, 20, 206, 236412, 93, 89, 67999853, 7.6});
    norm_omdb_row_release(&r);
}

/* Leo: N/A runtime, box office, metascore and awards; votes with a comma; rating "7.0". */
static void leo_na_everywhere(void **state)
{
    (void)state;
    struct omdb_row r;
    parse_fixture("omdb/tt5755238.json", &r);
    assert_string_equal(r.rated, "PG");
    assert_null(r.awards);
    assert_numbers(&r, (struct numbers){2023, 11, 21, -1, 31543, -1, -1, -1, 7.0});
    norm_omdb_row_release(&r);
}

/* Each error body with the status OMDB sends it with, and with the other one. */
static void error_fixtures(void **state)
{
    (void)state;
    const struct {
        const char *name;
        long status;
        enum rs_err want;
    } cases[] = {
        {"omdb/error_not_found.json", 200, RS_ERR_NOT_FOUND},
        {"omdb/error_getting_data.json", 200, RS_ERR_NOT_FOUND},
        {"omdb/error_incorrect_id.json", 200, RS_ERR_NOT_FOUND},
        {"omdb/error_invalid_key.json", 401, RS_ERR_AUTH},
        {"omdb/error_limit.json", 401, RS_ERR_QUOTA_EXHAUSTED},
        /* the body decides whatever the status */
        {"omdb/error_invalid_key.json", 200, RS_ERR_AUTH},
        {"omdb/error_limit.json", 200, RS_ERR_QUOTA_EXHAUSTED},
        {"omdb/error_getting_data.json", 401, RS_ERR_NOT_FOUND},
        {"omdb/error_limit.json", 503, RS_ERR_QUOTA_EXHAUSTED},
    };
    for (size_t i = 0; i < RS_ARRAY_LEN(cases); i++) {
        size_t len;
        char *body = fixture_read(cases[i].name, &len);
        enum rs_err got = omdb_classify(cases[i].status, body, len);
        if (got != cases[i].want)
            fail_msg("%s %ld: classify %s", cases[i].name, cases[i].status, rs_errname(got));
        struct omdb_row r = {.runtime_minutes = RS_I64(77)};
        struct rs_error err = {0};
        assert_int_equal(omdb_parse_movie(body, len, &r, NULL, &err), cases[i].want);
        assert_int_equal(err.code, cases[i].want);
        assert_non_null(strstr(err.msg, "omdb: answered"));
        assert_int_equal(r.runtime_minutes.v, 77); /* untouched */
        assert_null(r.raw);
        free(body);
    }
}

#define LIT(s) s, sizeof(s) - 1

static void classify_bodies_and_statuses(void **state)
{
    (void)state;
    const char *html = "<html><head><title>503 Service Unavailable</title></head></html>";
    assert_int_equal(omdb_classify(401, LIT("{\"Response\":\"False\",\"Error\":\"No API key "
                                            "provided.\"}")),
                     RS_ERR_AUTH);
    /* an unknown Error: bad_response under 2xx, the status otherwise */
    const char *odd = "{\"Response\":\"False\",\"Error\":\"Something new!\"}";
    assert_int_equal(omdb_classify(200, odd, strlen(odd)), RS_ERR_BAD_RESPONSE);
    assert_int_equal(omdb_classify(401, odd, strlen(odd)), RS_ERR_AUTH);
    assert_int_equal(omdb_classify(503, odd, strlen(odd)), RS_ERR_SERVER_ERROR);
    assert_int_equal(omdb_classify(200, LIT("{\"Response\":\"False\"}")), RS_ERR_BAD_RESPONSE);
    /* then the status */
    assert_int_equal(omdb_classify(401, NULL, 0), RS_ERR_AUTH);
    assert_int_equal(omdb_classify(401, html, strlen(html)), RS_ERR_AUTH);
    assert_int_equal(omdb_classify(429, NULL, 0), RS_ERR_RATE_LIMITED);
    assert_int_equal(omdb_classify(408, NULL, 0), RS_ERR_TIMEOUT);
    assert_int_equal(omdb_classify(502, html, strlen(html)), RS_ERR_SERVER_ERROR);
    assert_int_equal(omdb_classify(500, LIT("{}")), RS_ERR_SERVER_ERROR);
    assert_int_equal(omdb_classify(200, html, strlen(html)), RS_ERR_BAD_RESPONSE);
    assert_int_equal(omdb_classify(200, NULL, 0), RS_ERR_BAD_RESPONSE);
    assert_int_equal(omdb_classify(404, LIT("{}")), RS_ERR_BAD_RESPONSE);
    assert_int_equal(omdb_classify(200, LIT("\n{\"Response\":\"True\"}")), RS_OK);
    /* a record whose title is "False" is still a record */
    assert_int_equal(omdb_classify(200, LIT("{\"Title\":\"False\",\"Response\":\"True\"}")), RS_OK);
    /* a 2xx body is parsed whole: one cut short is bad_response (retried like a 5xx) */
    assert_int_equal(omdb_classify(200, LIT("{\"Response\":\"False\",\"Err")), RS_ERR_BAD_RESPONSE);
    assert_int_equal(omdb_classify(200, LIT("{\"Response\":\"True\",\"Title\":\"Inc")),
                     RS_ERR_BAD_RESPONSE);
    assert_int_equal(omdb_classify(200, LIT("[{\"Response\":\"True\"}]")), RS_ERR_BAD_RESPONSE);
    assert_int_equal(
        omdb_parse_movie(LIT("{\"Response\":\"False\",\"Err"), &(struct omdb_row){0}, NULL, NULL),
        RS_ERR_BAD_RESPONSE);
    /* a NUL byte (none in JSON; jansson skips one after a number) */
    assert_int_equal(omdb_classify(200, LIT("{\"Metascore\":74\0,\"Response\":\"True\"}")),
                     RS_ERR_BAD_RESPONSE);
    struct rs_error err = {0};
    assert_int_equal(omdb_parse_movie(LIT("{\"Metascore\":74\0,\"Response\":\"True\"}"),
                                      &(struct omdb_row){0}, NULL, &err),
                     RS_ERR_BAD_RESPONSE);
    assert_non_null(strstr(err.msg, "a NUL byte at offset 15"));
}

/*
 * A body without a Response False adds nothing to the status: the engine's one mapping
 * decides, but for 404, a wrong URL to OMDB (a movie it lacks comes as a 200).
 */
static void classify_follows_status_class(void **state)
{
    (void)state;
    for (long status = 0; status < 700; status++) {
        enum rs_err want = status == 404 ? RS_ERR_BAD_RESPONSE : http_status_class(status);
        assert_int_equal(omdb_classify(status, LIT("{\"Response\":\"True\"}")), want);
    }
}

/* "False" written with an escape: a 2xx body is parsed whole, so classify sees it too. */
static void escaped_false(void **state)
{
    (void)state;
    const char *body = "{\"Response\":\"\\u0046alse\",\"Error\":\"Error getting data.\"}";
    assert_int_equal(omdb_classify(200, body, strlen(body)), RS_ERR_NOT_FOUND);
    struct omdb_row r = {0};
    assert_int_equal(omdb_parse_movie(body, strlen(body), &r, NULL, NULL), RS_ERR_NOT_FOUND);
    assert_null(r.raw);
}

static void hostile_bodies(void **state)
{
    (void)state;
    size_t len;
    char *inception = fixture_read("omdb/tt1375666.json", &len);
    const struct {
        const char *body;
        size_t len;
    } bad[] = {
        {inception, len / 2},
        {inception, len - 3},
        {LIT("[{\"Response\":\"True\",\"imdbID\":\"tt1\"}]")},
        {LIT("null")},
        {LIT("")},
        {LIT("<html></html>")},
        {LIT("{\"imdbID\":\"tt1\"}")},                   /* no Response */
        {LIT("{\"Response\":\"True\"}")},                /* no imdbID */
        {LIT("{\"Response\":true,\"imdbID\":\"tt1\"}")}, /* Response not a string */
        {LIT("{\"Response\":\"Maybe\",\"imdbID\":\"tt1\"}")},
        {LIT("{\"Response\":\"True\",\"imdbID\":\"\"}")},
        {LIT("{\"Response\":\"True\",\"imdbID\":\"tt1/../x\"}")},
        {LIT("{\"Response\":\"True\",\"imdbID\":17}")},
        {LIT("{\"Response\":\"True\",\"imdbID\":\"tt1\",\"Title\":\"\xc3\x28\"}")}, /* bad UTF-8 */
        {LIT("{\"Response\":\"False\",\"Error\":\"Who knows\"}")},
    };
    for (size_t i = 0; i < RS_ARRAY_LEN(bad); i++) {
        struct omdb_row r = {.runtime_minutes = RS_I64(77)};
        struct rs_error err = {0};
        enum rs_err rc = omdb_parse_movie(bad[i].body, bad[i].len, &r, NULL, &err);
        if (rc != RS_ERR_BAD_RESPONSE || r.runtime_minutes.v != 77 || r.raw)
            fail_msg("case %zu: got %s (%s)", i, rs_errname(rc), err.msg);
    }
    free(inception);
}

/* Wrong types and unknown formats: NULL plus a warning naming the field, never a failure. */
static void wrong_types_and_formats(void **state)
{
    (void)state;
    const char *body =
        "{\"Title\":5,\"Year\":2010,\"Rated\":null,\"Released\":\"Jul 16, 2010\","
        "\"Runtime\":\"148 minutes\",\"BoxOffice\":\"$12,34\",\"imdbVotes\":\"-31\","
        "\"imdbRating\":\"88\",\"Metascore\":\"74\",\"Language\":[\"English\"],"
        "\"Ratings\":[{\"Source\":\"Rotten Tomatoes\",\"Value\":\"187%\"},7,"
        "{\"Source\":\"Letterboxd\",\"Value\":\"4.1/5\"},{\"Source\":\"Metacritic\"}],"
        "\"imdbID\":\"tt1\",\"Response\":\"True\"}";
    struct omdb_row r = {0};
    struct capture c;
    capture_init(&c);
    assert_int_equal(omdb_parse_movie(body, strlen(body), &r, &c.log, NULL), RS_OK);
    assert_string_equal(r.imdb_id, "tt1");
    assert_null(r.title);
    assert_null(r.year);
    assert_null(r.rated);
    assert_null(r.language);
    assert_false(r.released.set);
    assert_false(r.runtime_minutes.set);
    assert_false(r.box_office.set);
    assert_false(r.imdb_votes.set);
    assert_false(r.imdb_rating.set);
    assert_false(r.rotten_tomatoes.set);
    assert_int_equal(r.metacritic.v, 74); /* Ratings lacks a Metacritic Value: Metascore */
    assert_logged(&c, "omdb: unexpected type for Title imdb_id=tt1");
    assert_logged(&c, "omdb: unexpected type for Year imdb_id=tt1");
    assert_logged(&c, "omdb: unexpected type for Language imdb_id=tt1");
    assert_logged(&c, "omdb: unreadable Released \"Jul 16, 2010\" imdb_id=tt1");
    assert_logged(&c, "omdb: unreadable Runtime \"148 minutes\" imdb_id=tt1");
    assert_logged(&c, "omdb: unreadable BoxOffice \"$12,34\" imdb_id=tt1");
    assert_logged(&c, "omdb: unreadable imdbVotes \"-31\" imdb_id=tt1");
    assert_logged(&c, "omdb: unreadable imdbRating \"88\" imdb_id=tt1");
    assert_logged(&c, "omdb: unreadable Ratings[Rotten Tomatoes] \"187%\" imdb_id=tt1");
    assert_int_equal(c.warnings, 9);
    norm_omdb_row_release(&r);
}

/* An empty Ratings list and a Ratings of the wrong type. */
static void ratings_shapes(void **state)
{
    (void)state;
    const char *empty = "{\"Ratings\":[],\"imdbRating\":\"6.1\",\"Metascore\":\"N/A\","
                        "\"imdbID\":\"tt2\",\"Response\":\"True\"}";
    struct omdb_row r = {0};
    struct capture c;
    capture_init(&c);
    assert_int_equal(omdb_parse_movie(empty, strlen(empty), &r, &c.log, NULL), RS_OK);
    assert_true(r.imdb_rating.set && r.imdb_rating.v == 6.1);
    assert_false(r.metacritic.set);
    assert_false(r.rotten_tomatoes.set);
    assert_int_equal(c.lines, 0);
    norm_omdb_row_release(&r);

    const char *odd = "{\"Ratings\":\"8.8/10\",\"imdbID\":\"tt3\",\"Response\":\"True\"}";
    capture_init(&c);
    assert_int_equal(omdb_parse_movie(odd, strlen(odd), &r, &c.log, NULL), RS_OK);
    assert_false(r.imdb_rating.set);
    assert_logged(&c, "omdb: unexpected type for Ratings imdb_id=tt3");
    norm_omdb_row_release(&r);
}

static void suffix(void **state)
{
    (void)state;
    char buf[64];
    assert_true(omdb_suffix(buf, sizeof(buf), "tt1375666"));
    assert_string_equal(buf, "?i=tt1375666&plot=short&r=json");
    assert_true(omdb_suffix(buf, strlen("?i=tt1375666&plot=short&r=json") + 1, "tt1375666"));
    assert_false(omdb_suffix(buf, strlen("?i=tt1375666&plot=short&r=json"), "tt1375666"));
    assert_true(omdb_suffix(buf, sizeof(buf), "tt12345678"));
    assert_string_equal(buf, "?i=tt12345678&plot=short&r=json");
    const char *bad[] = {"",     "tt 1",       "tt1&apikey=x", "tt1%20",
                         "tt1/", "tt\xc3\xa9", "tt1\n",        "123456789012345678901234567890123"};
    for (size_t i = 0; i < RS_ARRAY_LEN(bad); i++)
        assert_false(omdb_suffix(buf, sizeof(buf), bad[i]));
    assert_false(omdb_suffix(buf, sizeof(buf), NULL));
    assert_true(omdb_suffix(buf, sizeof(buf), "12345678901234567890123456789012"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inception),
        cmocka_unit_test(parsed_once_same_row),
        cmocka_unit_test(toy_story_3),
        cmocka_unit_test(avatar),
        cmocka_unit_test(short_1908),
        cmocka_unit_test(amelie),
        cmocka_unit_test(confessions),
        cmocka_unit_test(killers_of_the_flower_moon),
        cmocka_unit_test(leo_na_everywhere),
        cmocka_unit_test(error_fixtures),
        cmocka_unit_test(classify_bodies_and_statuses),
        cmocka_unit_test(classify_follows_status_class),
        cmocka_unit_test(escaped_false),
        cmocka_unit_test(hostile_bodies),
        cmocka_unit_test(wrong_types_and_formats),
        cmocka_unit_test(ratings_shapes),
        cmocka_unit_test(suffix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
