/*
 * `make install` gives a working program: the build installed into a temporary prefix runs
 * from outside the source tree with an empty environment (no LD_LIBRARY_PATH: the rpath finds
 * libduckdb.so), creates a database, and the man page and the completion scripts are in
 * place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#include "reelsync/store.h"

static void installed_program_runs(void **state)
{
    (void)state;
    char *prefix = tmpdir_create();
    char *work = tmpdir_create();
    struct run_result r;
    run_program((const char *[]){RS_CMAKE, "--install", RS_BUILD_DIR, "--prefix", prefix, NULL},
                NULL, &r);
    if (r.status != 0)
        fail_msg("cmake --install: %s", r.err);
    run_result_free(&r);

    char *man = path_join(prefix, "share/man/man1/reelsync.1");
    assert_int_equal(access(man, R_OK), 0);
    /* the completion scripts, where bash-completion and zsh look */
    char *bash = path_join(prefix, "share/bash-completion/completions/reelsync");
    char *zsh = path_join(prefix, "share/zsh/site-functions/_reelsync");
    assert_int_equal(access(bash, R_OK), 0);
    assert_int_equal(access(zsh, R_OK), 0);
    free(bash);
    free(zsh);
    char *bin = path_join(prefix, "bin/reelsync");
    char *fake = path_join(prefix, "bin/reelsync-fakeapi");
    /* From another directory, with nothing in the environment, on a database made here
     * (issue 13: stats no longer creates one). */
    char *db = path_join(work, "x.duckdb");
    struct store *st = NULL;
    struct rs_error err = {0};
    assert_int_equal(store_open(db, STORE_READ_WRITE, &st, &err), RS_OK);
    store_close(st);
    static const char script[] = "cd \"$1\" && exec env -i \"$2\" --db x.duckdb stats";
    run_program((const char *[]){"/bin/sh", "-c", script, "sh", work, bin, NULL}, NULL, &r);
    if (r.status != 0)
        fail_msg("installed reelsync: exit %d: %s", r.status, r.err);
    assert_non_null(strstr(r.out, "Movies: 0"));
    run_result_free(&r);
    assert_int_equal(access(db, F_OK), 0);
    run_program((const char *[]){"/usr/bin/env", "-i", fake, "--help", NULL}, NULL, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: reelsync-fakeapi"));
    run_result_free(&r);

    free(db);
    free(fake);
    free(bin);
    free(man);
    tmpdir_remove(work);
    tmpdir_remove(prefix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(installed_program_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
