/*
 * Issue 8: the inputs libFuzzer found (docs/hardening.md, "Fuzzing": tests/fuzz/,
 * fake/fuzz_query.c, `make fuzz`), each fed byte for byte to the function it broke, with the
 * exact result it must give now.
 */
#include "test.h"

#include <stdlib.h>

#include "internal.h"
#include "reelsync/omdb.h"
#include "reelsync/tmdb.h"

/* True when MSG is one printable line (no byte below 0x20, no DEL). */
static bool one_line(const char *msg)
{
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
    }
    return true;
}

/*
 * fuzz_omdb: a body whose bad JSON jansson quotes back with its newline ("near '...'") put
 * that newline into err.msg, and from there into the orchestrator's warning: a hostile
 * server could forge a log line. rs_fail now keeps every message on one printable line.
 */
static void issue_8_omdb_bad_json_message_is_one_line(void **state)
{
    (void)state;
    static const char body[] = "\n\"False\\\n\xd2\n\n";
    struct omdb_row row = {0};
    struct rs_error err = {0};
    assert_int_equal(omdb_parse_movie(body, sizeof(body) - 1, &row, NULL, &err),
                     RS_ERR_BAD_RESPONSE);
    assert_true(one_line(err.msg));
    assert_string_equal(err.msg, "omdb: bad JSON at line 3: invalid escape near '\"False\\ '");
    assert_int_equal(err.code, RS_ERR_BAD_RESPONSE);
}

/* The same body at TMDB's parsers (same jansson message, same path through rs_fail). */
static void issue_8_tmdb_bad_json_message_is_one_line(void **state)
{
    (void)state;
    static const char body[] = "\n\"False\\\n\xd2\n\n";
    struct tmdb_row row = {0};
    struct tmdb_page page = {0};
    struct rs_error err = {0};
    assert_int_equal(tmdb_parse_movie(body, sizeof(body) - 1, 0, &row, NULL, &err),
                     RS_ERR_BAD_RESPONSE);
    assert_true(one_line(err.msg));
    assert_string_equal(err.msg,
                        "tmdb: movie: bad JSON at line 3: invalid escape near '\"False\\ '");
    assert_int_equal(tmdb_parse_discover(body, sizeof(body) - 1, &page, NULL, &err),
                     RS_ERR_BAD_RESPONSE);
    assert_true(one_line(err.msg));
    assert_string_equal(
        err.msg, "tmdb: discover page: bad JSON at line 3: invalid escape near '\"False\\ '");
}

/* rs_fail itself: line breaks and tabs become spaces, other control bytes '?'. */
static void issue_8_rs_fail_keeps_one_line(void **state)
{
    (void)state;
    struct rs_error err = {0};
    assert_int_equal(rs_fail(&err, RS_ERR_DB, "a\nb\r\nc\td%se", "\x01\x7f"), RS_ERR_DB);
    assert_string_equal(err.msg, "a b  c d??e");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(issue_8_omdb_bad_json_message_is_one_line),
        cmocka_unit_test(issue_8_tmdb_bad_json_message_is_one_line),
        cmocka_unit_test(issue_8_rs_fail_keeps_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
