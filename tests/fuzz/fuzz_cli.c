/*
 * libFuzzer target: the reelsync command line through cli_parse_only (src/cli/cli.h). The
 * first byte chooses the environment (bit 0 TMDB_API_KEY, bit 1 OMDB_API_KEY, bit 2
 * TMDB_ACCESS_TOKEN, bit 3 a REELSYNC_LOG_LEVEL that is no level, bit 4 a TMDB_BASE_URL that
 * is no URL); the rest, split on NUL, is argv after "reelsync".
 *
 * Invariants: the status is 0, 2 or 3 (1 is only for running out of memory); 3 only when
 * the environment lacks a key or holds a bad value; the same line gives the same status
 * twice; nothing is ever written on stdout. stdio's stderr (the one-line failures) goes
 * to /dev/null so the run stays readable; libFuzzer and the sanitizers write to fd 2.
 */
#include <stdbool.h>

#include "cli.h"
#include "fuzz.h"

#define MAX_ARGS 64

static FILE *out_file;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    out_file = tmpfile();
    FILE *null = fopen("/dev/null", "w");
    FUZZ_CHECK(out_file != NULL && null != NULL);
    stdout = out_file; /* glibc: stdout and stderr are assignable */
    stderr = null;
    unsetenv("REELSYNC_DB");
    /* no config file of the machine's user may decide the outcome */
    unsetenv("REELSYNC_CONFIG");
    setenv("XDG_CONFIG_HOME", "/nonexistent/reelsync-fuzz", 1);
    return 0;
}

static void set_env(unsigned flags)
{
    if (flags & 1)
        setenv("TMDB_API_KEY", "fuzz-tmdb-key", 1);
    else
        unsetenv("TMDB_API_KEY");
    if (flags & 2)
        setenv("OMDB_API_KEY", "fuzz-omdb-key", 1);
    else
        unsetenv("OMDB_API_KEY");
    if (flags & 4)
        setenv("TMDB_ACCESS_TOKEN", "fuzz-token", 1);
    else
        unsetenv("TMDB_ACCESS_TOKEN");
    if (flags & 8)
        setenv("REELSYNC_LOG_LEVEL", "loud", 1);
    else
        unsetenv("REELSYNC_LOG_LEVEL");
    if (flags & 16)
        setenv("TMDB_BASE_URL", "ftp://example", 1);
    else
        unsetenv("TMDB_BASE_URL");
}

/* argv = "reelsync" and the NUL-separated pieces of BUF (SIZE bytes, NUL-terminated). */
static int split(char *buf, size_t size, char **argv)
{
    int argc = 0;
    argv[argc++] = "reelsync";
    for (char *p = buf; argc < MAX_ARGS && p < buf + size; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;
    return argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned flags = data[0];
    set_env(flags);
    char *buf = fuzz_cstr(data + 1, size - 1);
    char *argv[MAX_ARGS + 1], *argv2[MAX_ARGS + 1];
    int argc = split(buf, size - 1, argv);
    memcpy(argv2, argv, sizeof(argv));

    int status = cli_parse_only(argc, argv);
    FUZZ_CHECK(status == 0 || status == 2 || status == 3);
    /* Exit 3 (configuration) needs a missing key, a bad environment value, or a --config
     * file that cannot be used (here: any --config, since the fuzzer names no real file). */
    bool config_arg = false;
    for (int i = 1; i < argc; i++)
        config_arg |= strncmp(argv2[i], "--config", 8) == 0;
    bool env_ok = (flags & 3) == 3 && !(flags & 8) && !(flags & 16) && !config_arg;
    FUZZ_CHECK(status != 3 || !env_ok);
    FUZZ_CHECK(cli_parse_only(argc, argv2) == status);
    fflush(out_file);
    FUZZ_CHECK(ftell(out_file) == 0);
    free(buf);
    return 0;
}
