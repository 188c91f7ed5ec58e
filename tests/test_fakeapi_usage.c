/*
 * reelsync-fakeapi's command line (fake/README.md): a bad option or value is exit 2 with one
 * stderr line naming it; fixtures it cannot serve are exit 1, also one line.
 */
#include "test.h"

/* A bad command line: exit 2 and exactly one stderr line that names the culprit. */
static void bad_command_line(void **state)
{
    (void)state;
    static const struct {
        const char *args[3];
        const char *says;
    } bad[] = {
        {{"--faults", "explode"}, "bad value 'explode' for --faults (kinds: 429,500,502html,"},
        {{"--bogus"}, "unknown option '--bogus'"},
        {{"--port"}, "missing value for option '--port'"},
        {{"--port", "http"}, "bad value 'http' for --port"},
        {{"--movies", "-5"}, "bad value '-5' for --movies"},
        {{"--now", "yesterday"}, "bad value 'yesterday' for --now"},
        {{"--fault-rate", "1.5"}, "bad value '1.5' for --fault-rate"},
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        const char *argv[] = {RS_FAKEAPI_BIN, bad[k].args[0], bad[k].args[1], NULL};
        struct run_result r;
        run_program(argv, NULL, &r);
        assert_stderr_one_line(&r, 2, bad[k].says);
        run_result_free(&r);
    }
    /* Not a usage error, yet one line too: exit 1. */
    const char *argv[] = {RS_FAKEAPI_BIN, "--fixtures", "/nonexistent/fixtures", NULL};
    struct run_result r;
    run_program(argv, NULL, &r);
    assert_stderr_one_line(&r, 1, "/nonexistent/fixtures");
    run_result_free(&r);
    /* A directory without fixtures in it is refused rather than served as 404s. */
    char *empty = tmpdir_create();
    const char *argv2[] = {RS_FAKEAPI_BIN, "--fixtures", empty, NULL};
    run_program(argv2, NULL, &r);
    assert_stderr_one_line(&r, 1, "no fixtures in");
    run_result_free(&r);
    tmpdir_remove(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_command_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
