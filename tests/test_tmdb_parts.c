/*
 * The parts of a TMDB details answer asked with append_to_response (src/tmdb.c,
 * src/normalize_parts.c, src/raw_trim.c): the Inception fixture's credits, keywords and
 * release dates with their exact values, the raw JSON cut to what is kept (byte-exact
 * elsewhere, and parsed again it gives the same rows: the crash journal replays it), the
 * IMDb id from external_ids, unknown parts ignored, and odd entries.
 */
#include "test.h"

#include <jansson.h>
#include <stdlib.h>

#include "internal.h"
#include "log_capture.h"
#include "reelsync/refresh.h"
#include "reelsync/tmdb.h"

static void assert_credit(const struct credit_row *c, int64_t person, const char *name,
                          const char *role, const char *job, const char *character, int64_t ord)
{
    assert_int_equal(c->person_id, person);
    assert_string_equal(c->name, name);
    assert_string_equal(c->role, role);
    if (job)
        assert_string_equal(c->job, job);
    else
        assert_null(c->job);
    if (character)
        assert_string_equal(c->character, character);
    else
        assert_null(c->character);
    assert_int_equal(c->ord.set, ord >= 0);
    if (ord >= 0)
        assert_int_equal(c->ord.v, ord);
}

static void assert_release(const struct release_row *r, const char *country, int type, int y, int m,
                           int d, const char *cert, const char *note)
{
    assert_string_equal(r->country, country);
    assert_true(r->type.set);
    assert_int_equal(r->type.v, type);
    assert_true(r->release_date.set);
    assert_int_equal(r->release_date.v, rs_date_from_ymd(y, m, d));
    if (cert)
        assert_string_equal(r->certification, cert);
    else
        assert_null(r->certification);
    if (note)
        assert_string_equal(r->note, note);
    else
        assert_null(r->note);
}

static struct tmdb_row parse(const char *body, size_t len, int64_t id, struct capture *c)
{
    struct tmdb_row r = {0};
    struct rs_error err = {0};
    capture_init(c);
    enum rs_err rc = tmdb_parse_movie(body, len, id, &r, &c->log, &err);
    if (rc != RS_OK)
        fail_msg("%s: %s", rs_errname(rc), err.msg);
    return r;
}

/* The fixture's 22 cast entries: the 20 of lowest order are kept; Nolan twice in the crew. */
static void inception_parts(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture_read("tmdb/movie_27205.json", &len);
    struct capture c;
    struct tmdb_row r = parse(body, len, 27205, &c);
    const struct tmdb_parts *p = &r.parts;
    assert_true(p->has_credits && p->has_keywords && p->has_release_dates);
    assert_int_equal(p->n_credits, TMDB_CAST_MAX + 2);
    assert_credit(&p->credits[0], 6193, "Leonardo DiCaprio", "cast", NULL, "Dom Cobb", 0);
    assert_credit(&p->credits[8], 8293, "Marion Cotillard", "cast", NULL, "Mal", 8);
    assert_credit(&p->credits[17], 1270777, "Tohoru Masamune", "cast", NULL, NULL, 17);
    assert_credit(&p->credits[19], 1270778, "Nicolas Clerc", "cast", NULL, "Bridge Sub Con", 19);
    assert_credit(&p->credits[20], 525, "Christopher Nolan", "director", "Director", NULL, -1);
    assert_credit(&p->credits[21], 525, "Christopher Nolan", "writer", "Writer", NULL, -1);
    assert_int_equal(p->n_keywords, 5);
    static const struct {
        int64_t id;
        const char *name;
    } kw[] = {{1566, "dream"},
              {10051, "heist"},
              {1014, "loss of loved one"},
              {3011, "subconscious"},
              {4565, "dystopia"}};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(p->keywords[i].keyword_id, kw[i].id);
        assert_string_equal(p->keywords[i].name, kw[i].name);
    }
    assert_int_equal(p->n_release_dates, 6);
    assert_release(&p->release_dates[0], "DE", 3, 2010, 7, 29, "12", NULL);
    assert_release(&p->release_dates[1], "GB", 3, 2010, 7, 16, "12A", NULL);
    assert_release(&p->release_dates[2], "JP", 3, 2010, 7, 23, "G", NULL);
    assert_release(&p->release_dates[3], "US", 1, 2010, 7, 13, NULL, "Los Angeles, California");
    assert_release(&p->release_dates[4], "US", 3, 2010, 7, 16, "PG-13", NULL);
    assert_release(&p->release_dates[5], "US", 5, 2010, 12, 7, "PG-13", "Blu-ray");
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
    free(body);
}

/* E with only the members named in the NULL-terminated FIELDS. */
static json_t *only(json_t *e, const char *const *fields)
{
    json_t *o = json_object();
    for (size_t k = 0; fields[k]; k++)
        if (json_object_get(e, fields[k]))
            json_object_set(o, fields[k], json_object_get(e, fields[k]));
    return o;
}

/* The fixture with credits cut as the store keeps them, computed here with jansson. */
static json_t *expected_raw(void)
{
    static const char *const cast_fields[] = {"id", "name", "character", "order", NULL};
    static const char *const crew_fields[] = {"id", "name", "department", "job", NULL};
    json_t *doc = fixture_json("tmdb/movie_27205.json");
    json_t *credits = json_object_get(doc, "credits");
    json_t *cast = json_array(), *crew = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(credits, "cast"), i, e)
    {
        if (json_integer_value(json_object_get(e, "order")) < TMDB_CAST_MAX)
            json_array_append_new(cast, only(e, cast_fields));
    }
    json_array_foreach(json_object_get(credits, "crew"), i, e)
    {
        const char *job = json_string_value(json_object_get(e, "job"));
        const char *dept = json_string_value(json_object_get(e, "department"));
        if (strcmp(job, "Director") == 0 || strcmp(dept, "Writing") == 0)
            json_array_append_new(crew, only(e, crew_fields));
    }
    json_object_set_new(doc, "credits", json_pack("{s:o,s:o}", "cast", cast, "crew", crew));
    return doc;
}

/*
 * raw holds the fixture with its credits cut (20 cast, 2 crew) and is byte-exact outside
 * them; parsed again (as the crash journal does) it gives the same rows.
 */
static void raw_cut_and_replayable(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture_read("tmdb/movie_27205.json", &len);
    struct capture c;
    struct tmdb_row r = parse(body, len, 27205, &c);
    assert_true(r.raw_len < len);
    json_t *got = json_loadb(r.raw, r.raw_len, 0, NULL), *want = expected_raw();
    assert_non_null(got);
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    /* byte-exact before credits and from the next key on */
    const char *b0 = strstr(body, "\"credits\""), *r0 = strstr(r.raw, "\"credits\"");
    assert_int_equal(b0 - body, r0 - r.raw);
    assert_memory_equal(body, r.raw, (size_t)(b0 - body));
    const char *b1 = strstr(body, "\"keywords\""), *r1 = strstr(r.raw, "\"keywords\"");
    assert_int_equal(len - (size_t)(b1 - body), r.raw_len - (size_t)(r1 - r.raw));
    assert_memory_equal(b1, r1, len - (size_t)(b1 - body));

    struct tmdb_row again = parse(r.raw, r.raw_len, 27205, &c);
    assert_int_equal(again.raw_len, r.raw_len);
    assert_memory_equal(again.raw, r.raw, r.raw_len);
    assert_int_equal(again.parts.n_credits, r.parts.n_credits);
    assert_int_equal(again.parts.n_keywords, r.parts.n_keywords);
    assert_int_equal(again.parts.n_release_dates, r.parts.n_release_dates);
    for (size_t i = 0; i < r.parts.n_credits; i++) {
        const struct credit_row *x = &again.parts.credits[i], *y = &r.parts.credits[i];
        assert_int_equal(x->person_id, y->person_id);
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->role, y->role);
        assert_true(x->ord.set == y->ord.set && x->ord.v == y->ord.v);
        assert_true((x->character == NULL) == (y->character == NULL));
        if (x->character)
            assert_string_equal(x->character, y->character);
    }
    norm_tmdb_row_release(&again);
    norm_tmdb_row_release(&r);
    free(body);
}

/* Empty parts are parts: they clear what was stored. Absent parts are not. */
static void empty_and_absent_parts(void **state)
{
    (void)state;
    struct capture c;
    size_t len;
    char *body = fixture_read("tmdb/movie_1443826.json", &len);
    struct tmdb_row r = parse(body, len, 1443826, &c);
    assert_true(r.parts.has_credits && r.parts.has_keywords && r.parts.has_release_dates);
    assert_int_equal(r.parts.n_credits + r.parts.n_keywords + r.parts.n_release_dates, 0);
    assert_null(r.imdb_id); /* external_ids has none either */
    assert_int_equal(r.raw_len, len);
    norm_tmdb_row_release(&r);
    free(body);
    static const char bare[] = "{\"id\": 5, \"title\": \"x\"}";
    r = parse(bare, sizeof(bare) - 1, 5, &c);
    assert_false(r.parts.has_credits || r.parts.has_keywords || r.parts.has_release_dates);
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
}

/*
 * external_ids fills an empty or missing imdb_id, never a present one; an unknown part
 * (videos) is ignored; a part of the wrong type is absent, with a warning.
 */
static void external_ids_and_unknown_parts(void **state)
{
    (void)state;
    struct capture c;
    static const char empty[] = "{\"id\": 5, \"imdb_id\": \"\", \"videos\": {\"results\": [1]},"
                                " \"external_ids\": {\"imdb_id\": \"tt0000005\", \"id\": 5}}";
    struct tmdb_row r = parse(empty, sizeof(empty) - 1, 5, &c);
    assert_string_equal(r.imdb_id, "tt0000005");
    assert_int_equal(c.lines, 0);
    norm_tmdb_row_release(&r);
    static const char missing[] = "{\"id\": 5, \"external_ids\": {\"imdb_id\": \"tt0000006\"}}";
    r = parse(missing, sizeof(missing) - 1, 5, &c);
    assert_string_equal(r.imdb_id, "tt0000006");
    norm_tmdb_row_release(&r);
    static const char both[] = "{\"id\": 5, \"imdb_id\": \"tt0000001\","
                               " \"external_ids\": {\"imdb_id\": \"tt0000007\"}}";
    r = parse(both, sizeof(both) - 1, 5, &c);
    assert_string_equal(r.imdb_id, "tt0000001");
    norm_tmdb_row_release(&r);
    static const char wrong[] = "{\"id\": 5, \"credits\": [1], \"keywords\": \"x\"}";
    r = parse(wrong, sizeof(wrong) - 1, 5, &c);
    assert_false(r.parts.has_credits || r.parts.has_keywords);
    assert_int_equal(c.lines, 2);
    norm_tmdb_row_release(&r);
}

/*
 * Cast out of order and without order, ids that are no ids, crew of other jobs, release
 * entries with a bad type, a bad date or no country; escapes and "credits" inside strings
 * do not confuse the cut.
 */
static void odd_entries(void **state)
{
    (void)state;
    struct capture c;
    static const char body[] =
        "{\"id\": 9, \"overview\": \"say \\\"credits\\\": {\", \"popularity\": 70.980,\n"
        " \"credits\": {\"id\": 9, \"cast\": [\n"
        "  {\"id\": 3, \"name\": \"C\", \"character\": \"c\\u00e9\", \"order\": 2},\n"
        "  {\"id\": 4, \"name\": \"D\", \"character\": \"\"},\n"
        "  {\"id\": 0, \"name\": \"zero\", \"order\": 0},\n"
        "  {\"id\": 1, \"name\": \"A\", \"character\": \"a ]}\", \"order\": 0},\n"
        "  {\"id\": 99999999999, \"name\": \"big\", \"order\": 1}],\n"
        "  \"crew\": [{\"id\": 7, \"name\": \"P\", \"job\": \"Producer\", \"department\": "
        "\"Production\"},\n"
        "   {\"id\": 8, \"name\": \"W\", \"job\": \"Novel\", \"department\": \"Writing\"},\n"
        "   {\"id\": 9, \"name\": \"X\", \"job\": \"Director\", \"department\": \"Directing\"}]},\n"
        " \"release_dates\": {\"results\": [{\"iso_3166_1\": \"FR\", \"release_dates\": [\n"
        "  {\"certification\": \"\", \"release_date\": \"2020-01-02T00:00:00.000Z\", \"type\": "
        "9},\n"
        "  {\"certification\": \"12\", \"release_date\": \"soon\", \"type\": 4}]},\n"
        "  {\"release_dates\": [{\"type\": 3, \"release_date\": \"2020-01-01\"}]}]}}";
    struct tmdb_row r = parse(body, sizeof(body) - 1, 9, &c);
    const struct tmdb_parts *p = &r.parts;
    assert_int_equal(p->n_credits, 5);
    assert_credit(&p->credits[0], 1, "A", "cast", NULL, "a ]}", 0);
    assert_credit(&p->credits[1], 3, "C", "cast", NULL, "c\xc3\xa9", 2);
    assert_credit(&p->credits[2], 4, "D", "cast", NULL, NULL, -1);
    assert_credit(&p->credits[3], 9, "X", "director", "Director", NULL, -1);
    assert_credit(&p->credits[4], 8, "W", "writer", "Novel", NULL, -1);
    assert_int_equal(p->n_release_dates, 2);
    assert_string_equal(p->release_dates[0].country, "FR");
    assert_false(p->release_dates[0].type.set);
    assert_int_equal(p->release_dates[0].release_date.v, rs_date_from_ymd(2020, 1, 2));
    assert_null(p->release_dates[0].certification);
    assert_int_equal(p->release_dates[1].type.v, 4);
    assert_false(p->release_dates[1].release_date.set);
    /* warned: 2 cast ids, the type, the date, the entry without a country */
    assert_int_equal(c.lines, 5);
    /* the cut: the kept entries as sent, the rest of the body untouched */
    static const char want[] =
        "{\"id\": 9, \"overview\": \"say \\\"credits\\\": {\", \"popularity\": 70.980,\n"
        " \"credits\": {\"cast\":[{\"id\":3,\"name\":\"C\",\"character\":\"c\\u00e9\","
        "\"order\":2},{\"id\":4,\"name\":\"D\",\"character\":\"\"},"
        "{\"id\":1,\"name\":\"A\",\"character\":\"a ]}\",\"order\":0}],"
        "\"crew\":[{\"id\":8,\"name\":\"W\",\"job\":\"Novel\",\"department\":\"Writing\"},"
        "{\"id\":9,\"name\":\"X\",\"job\":\"Director\",\"department\":\"Directing\"}]},\n";
    assert_true(r.raw_len > sizeof(want) - 1);
    assert_memory_equal(r.raw, want, sizeof(want) - 1);
    assert_non_null(strstr(r.raw, "\"soon\""));
    norm_tmdb_row_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inception_parts),
        cmocka_unit_test(raw_cut_and_replayable),
        cmocka_unit_test(empty_and_absent_parts),
        cmocka_unit_test(external_ids_and_unknown_parts),
        cmocka_unit_test(odd_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
