/*
 * Shell completion and "did you mean": contrib/reelsync.bash and contrib/reelsync.zsh are
 * what `reelsync completion` prints (so they follow the tables); bash completes commands,
 * options, values and files for a few prefixes; a mistyped long option gets the nearest
 * one, of the command or the global options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static const char *const no_config[] = {
    "REELSYNC_CONFIG=", "XDG_CONFIG_HOME=/nonexistent/reelsync-test", NULL};

static void contrib_files_are_the_output(void **state)
{
    (void)state;
    static const char *const shells[][2] = {{"bash", RS_SOURCE_DIR "/contrib/reelsync.bash"},
                                            {"zsh", RS_SOURCE_DIR "/contrib/reelsync.zsh"}};
    for (size_t i = 0; i < 2; i++) {
        struct run_result r;
        size_t len = 0;
        run_program((const char *[]){RS_REELSYNC_BIN, "completion", shells[i][0], NULL}, no_config,
                    &r);
        assert_int_equal(r.status, 0);
        char *file = slurp_file(shells[i][1], &len);
        if (strcmp(file, r.out) != 0)
            fail_msg("%s differs from 'reelsync completion %s' (run make completion)", shells[i][1],
                     shells[i][0]);
        free(file);
        run_result_free(&r);
    }
}

/* COMPREPLY of the bash script for the words WORDS (the last one being completed). */
static char *complete(const char *words)
{
    char script[1024];
    struct run_result r;
    snprintf(script, sizeof(script),
             "source '%s/contrib/reelsync.bash'; COMP_WORDS=(%s); "
             "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _reelsync; echo \"${COMPREPLY[*]}\"",
             RS_SOURCE_DIR, words);
    run_program((const char *[]){"/bin/bash", "-c", script, NULL}, NULL, &r);
    assert_int_equal(r.status, 0);
    char *out = strdup(r.out);
    run_result_free(&r);
    return out;
}

static void assert_completes(const char *words, const char *want)
{
    char *got = complete(words);
    if (strcmp(got, want) != 0)
        fail_msg("completing [%s]: got '%s', want '%s'", words, got, want);
    free(got);
}

static void bash_completes_prefixes(void **state)
{
    (void)state;
    assert_completes("reelsync co", "collect config completion\n");
    assert_completes("reelsync q", "query\n");
    assert_completes("reelsync --db x.duckdb que", "query\n");
    assert_completes("reelsync collect --refresh-", "--refresh-limit --refresh-only\n");
    assert_completes("reelsync collect --i", "--include-frozen --id\n");
    assert_completes("reelsync query --f", "--format\n");
    assert_completes("reelsync stats --js", "--json\n");
    assert_completes("reelsync --log-level d", "debug\n");
    assert_completes("reelsync collect --refresh-limit ''", "\n");
    assert_completes("reelsync help fo", "forecast\n");
    /* a path after --db: the files of the directory */
    char words[512];
    snprintf(words, sizeof(words), "reelsync --db '%s/contrib/reelsync.b'", RS_SOURCE_DIR);
    char *got = complete(words);
    assert_non_null(strstr(got, "contrib/reelsync.bash"));
    free(got);
}

static void did_you_mean_long_options(void **state)
{
    (void)state;
    static const struct {
        const char *args[6];
        const char *line;
    } cases[] = {
        {{"collect", "--refresh-limt", "5"},
         "reelsync: collect: unknown option '--refresh-limt'; did you mean '--refresh-limit'? "
         "(see 'reelsync collect --help')\n"},
        {{"query", "--fromat=csv", "SELECT 1"},
         "reelsync: query: unknown option '--fromat'; did you mean '--format'? (see 'reelsync "
         "query --help')\n"},
        {{"stats", "--jsno"},
         "reelsync: stats: unknown option '--jsno'; did you mean '--json'? (see 'reelsync stats "
         "--help')\n"},
        {{"--lock-timout", "1", "stats"},
         "reelsync: unknown option '--lock-timout'; did you mean '--lock-timeout'? (see "
         "'reelsync --help')\n"},
        {{"plan", "--xyzzy"},
         "reelsync: plan: unknown option '--xyzzy' (see 'reelsync plan "
         "--help')\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *argv[10] = {RS_REELSYNC_BIN, "--db", "/nonexistent/x.duckdb"};
        size_t n = 3;
        for (size_t k = 0; k < 6 && cases[i].args[k]; k++)
            argv[n++] = cases[i].args[k];
        argv[n] = NULL;
        struct run_result r;
        run_program(argv, no_config, &r);
        assert_stderr_is(&r, 2, cases[i].line);
        run_result_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(contrib_files_are_the_output),
        cmocka_unit_test(bash_completes_prefixes),
        cmocka_unit_test(did_you_mean_long_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
