/* The JSON writer (src/jsonw.c): exact output, escaping, nesting, and that jansson reads it. */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "reelsync/jsonw.h"
#include "test.h"

static void nested_exact(void **state)
{
    (void)state;
    struct jw w;
    jw_init(&w);
    assert_string_equal(jw_text(&w), "");
    jw_object_begin(&w);
    jw_kint(&w, "a", 1);
    jw_key(&w, "b");
    jw_array_begin(&w);
    jw_int(&w, -2);
    jw_bool(&w, true);
    jw_null(&w);
    jw_object_begin(&w);
    jw_object_end(&w);
    jw_array_begin(&w);
    jw_array_end(&w);
    jw_array_end(&w);
    jw_kdouble(&w, "c", 0.0);
    jw_kdouble(&w, "d", 2.5);
    jw_kbool(&w, "e", false);
    jw_kstring(&w, "f", NULL);
    jw_key(&w, "g");
    jw_raw(&w, "{\"x\":[1,2]}");
    jw_object_end(&w);
    assert_int_equal(jw_status(&w), RS_OK);
    assert_string_equal(jw_text(&w), "{\"a\":1,\"b\":[-2,true,null,{},[]],\"c\":0.0,\"d\":2.5,"
                                     "\"e\":false,\"f\":null,\"g\":{\"x\":[1,2]}}");
    assert_int_equal(jw_len(&w), strlen(jw_text(&w)));
    jw_release(&w);
    jw_release(NULL);
}

static void escaping(void **state)
{
    (void)state;
    struct jw w;
    jw_init(&w);
    jw_array_begin(&w);
    jw_string(&w, "q\"b\\s/\n\r\t\b\f\x01\x1f\x7f é");
    jw_string_n(&w, "a\0b", 3);
    jw_array_end(&w);
    assert_string_equal(jw_text(&w),
                        "[\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f é\",\"a\\u0000b\"]");
    json_error_t jerr;
    json_t *doc = json_loads(jw_text(&w), JSON_ALLOW_NUL, &jerr);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_array_get(doc, 0)),
                        "q\"b\\s/\n\r\t\b\f\x01\x1f\x7f é");
    assert_int_equal(json_string_length(json_array_get(doc, 1)), 3);
    json_decref(doc);
    jw_release(&w);
}

static void numbers(void **state)
{
    (void)state;
    struct jw w;
    jw_init(&w);
    jw_array_begin(&w);
    jw_int(&w, INT64_MAX);
    jw_int(&w, INT64_MIN);
    jw_double(&w, 0.1);
    jw_double(&w, 1e300);
    jw_double(&w, NAN);
    jw_double(&w, INFINITY);
    jw_double(&w, 3.0);
    jw_array_end(&w);
    assert_string_equal(jw_text(&w), "[9223372036854775807,-9223372036854775808,0.1,1e+300,null,"
                                     "null,3.0]");
    jw_release(&w);
}

/* A large document grows the buffer many times and stays well-formed. */
static void grows(void **state)
{
    (void)state;
    struct jw w;
    jw_init(&w);
    jw_array_begin(&w);
    for (int i = 0; i < 20000; i++) {
        jw_object_begin(&w);
        jw_kint(&w, "i", i);
        jw_kstring(&w, "s", "some text \"quoted\"");
        jw_object_end(&w);
    }
    jw_array_end(&w);
    assert_int_equal(jw_status(&w), RS_OK);
    json_error_t jerr;
    json_t *doc = json_loads(jw_text(&w), 0, &jerr);
    assert_non_null(doc);
    assert_int_equal(json_array_size(doc), 20000);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(doc, 19999), "i")), 19999);
    json_decref(doc);
    jw_release(&w);
}

static void too_deep_is_an_error(void **state)
{
    (void)state;
    struct jw w;
    jw_init(&w);
    for (int i = 0; i < JW_MAX_DEPTH; i++)
        jw_array_begin(&w);
    assert_int_equal(jw_status(&w), RS_OK);
    jw_array_begin(&w);
    assert_int_equal(jw_status(&w), RS_ERR_NOMEM);
    jw_release(&w);
}

/* Drained as it goes, the document comes out as one written whole, commas and all. */
static void drained_is_whole(void **state)
{
    (void)state;
    struct jw whole, part;
    FILE *f = tmpfile();
    assert_non_null(f);
    jw_init(&whole);
    jw_init(&part);
    struct jw *ws[] = {&whole, &part};
    for (int k = 0; k < 2; k++) {
        jw_object_begin(ws[k]);
        jw_kint(ws[k], "count", 3);
        jw_key(ws[k], "movies");
        jw_array_begin(ws[k]);
    }
    assert_int_equal(jw_drain(&part, f), RS_OK);
    assert_string_equal(jw_text(&part), "");
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 2; k++) {
            jw_object_begin(ws[k]);
            jw_kint(ws[k], "i", i);
            jw_object_end(ws[k]);
        }
        assert_int_equal(jw_drain(&part, f), RS_OK);
    }
    for (int k = 0; k < 2; k++) {
        jw_array_end(ws[k]);
        jw_object_end(ws[k]);
    }
    assert_int_equal(jw_drain(&part, f), RS_OK);
    char got[256] = "";
    rewind(f);
    size_t n = fread(got, 1, sizeof(got) - 1, f);
    got[n] = '\0';
    assert_string_equal(got, jw_text(&whole));
    assert_string_equal(got, "{\"count\":3,\"movies\":[{\"i\":0},{\"i\":1},{\"i\":2}]}");
    fclose(f);
    jw_release(&whole);
    jw_release(&part);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nested_exact),
        cmocka_unit_test(escaping),
        cmocka_unit_test(numbers),
        cmocka_unit_test(grows),
        cmocka_unit_test(too_deep_is_an_error),
        cmocka_unit_test(drained_is_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
