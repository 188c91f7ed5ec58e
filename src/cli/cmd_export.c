/*
 * cmd_export: `reelsync export` (docs/reelsync.1, "export"), one row per movie with its
 * TMDB and OMDB columns joined, or a history table (--table), written as csv, parquet or
 * json, to a file or stdout ("--out -"). The writing is the store's (store_export, with DuckDB's
 * COPY); this file picks the format (--format, else the extension) and says what was written.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_int.h"

static void export_usage(void)
{
    fputs("usage: reelsync [global options] export --out PATH [--format csv|parquet|json]\n"
          "                                       [--table TABLE]\n"
          "\n"
          "Writes one row per movie with its TMDB and OMDB columns joined, or a history table,\n"
          "with DuckDB's COPY.\n"
          "\n"
          "Options:\n"
          "  --table TABLE     movies (default), observations (the values each fetch saw),\n"
          "                    changes (the change log) or events (frozen, thawed, unfrozen)\n"
          "  --out PATH        the file to write (replaced if it exists); - for stdout (csv,\n"
          "                    json)\n"
          "  --format F        csv, parquet or json (one object per line); default: from PATH's\n"
          "                    extension: .csv, .parquet, .json, .jsonl or .ndjson\n"
          "\n"
          "Examples:\n"
          "  reelsync --db movies.duckdb export --out movies.parquet\n"
          "  reelsync --db movies.duckdb export --format csv --out - | head\n"
          "  reelsync --db movies.duckdb export --table observations --out series.parquet\n",
          stdout);
}

/* The format PATH's extension names, or NULL. */
static const char *format_of(const char *path)
{
    static const char *const ext[][2] = {{".csv", "csv"},
                                         {".parquet", "parquet"},
                                         {".json", "json"},
                                         {".jsonl", "json"},
                                         {".ndjson", "json"}};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && !strchr(dot, '/') && i < sizeof(ext) / sizeof(ext[0]); i++) {
        if (strcasecmp(dot, ext[i][0]) == 0)
            return ext[i][1];
    }
    return NULL;
}

/* What export wrote: the file, its format and size. */
static int export_done(const struct cli *c, const char *format, const char *out)
{
    struct stat sb;
    long long bytes = stat(out, &sb) == 0 ? (long long)sb.st_size : 0;
    if (c->json) {
        struct jw w;
        jw_init(&w);
        jw_object_begin(&w);
        jw_kstring(&w, "format", format);
        jw_kstring(&w, "out", out);
        jw_kint(&w, "bytes", bytes);
        jw_object_end(&w);
        return msg_emit_json(c->cmd, &w);
    }
    printf("wrote %s (%s, %lld bytes)\n", out, format, bytes);
    return EXIT_OK;
}

/* The format and --out checked together: EXIT_OK, or the printed EXIT_USAGE. */
static int check_format(const struct cli *c, const char *out, const char **format)
{
    bool to_stdout = strcmp(out, "-") == 0;
    if (!*format && !(*format = format_of(out)))
        return msg_fail(EXIT_USAGE,
                        "export: cannot tell the format of '%s' (give --format "
                        "csv|parquet|json)",
                        out);
    if (strcmp(*format, "csv") != 0 && strcmp(*format, "parquet") != 0 &&
        strcmp(*format, "json") != 0)
        return args_bad_value(c->cmd, "format", *format, "csv, parquet or json");
    if (to_stdout && strcmp(*format, "parquet") == 0)
        return msg_fail(EXIT_USAGE, "export: parquet cannot be written to stdout (give --out "
                                    "FILE.parquet, or --format csv or json)");
    if (to_stdout && c->json)
        return msg_fail(EXIT_USAGE, "export: --json and --out - both write stdout (give --out "
                                    "FILE for the --json report)");
    return EXIT_OK;
}

/* Parses export's options into *OUT, *FORMAT and *TABLE. EXIT_OK or the printed EXIT_USAGE. */
static int export_parse(const struct cli *c, int argc, char **argv, const char **out,
                        const char **format, const char **table)
{
    static const struct option longopts[] = {{"out", required_argument, NULL, 'o'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"table", required_argument, NULL, 't'},
                                             {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        if (ch == 'o')
            *out = optarg;
        else if (ch == 'f')
            *format = optarg;
        else if (ch == 't')
            *table = optarg;
        else
            return args_getopt_error(c->cmd, ch, argv);
    }
    if (!store_export_table_known(*table))
        return args_bad_value(c->cmd, "table", *table, "movies, observations, changes or events");
    if (args_no_operands(c->cmd, argc, argv) != EXIT_OK)
        return EXIT_USAGE;
    if (!*out || !**out)
        return msg_fail(
            EXIT_USAGE,
            "export: no output file given (add --out PATH; see 'reelsync export --help')");
    return check_format(c, *out, format);
}

/*
 * The child of export_stdout: copies the pipe FD to stdout, with only async-signal-safe
 * calls (its parent has threads). Exits 0, or with the errno of the failed write; a reader
 * that left kills it with SIGPIPE, as any filter.
 */
static void copy_to_stdout(int fd)
{
    char buf[65536];
    ssize_t n;
    signal(SIGPIPE, SIG_DFL);
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t off = 0, w; off < n; off += w) {
            if ((w = write(STDOUT_FILENO, buf + off, (size_t)(n - off))) <= 0)
                _exit(w < 0 && errno > 0 && errno < 128 ? errno : EIO);
        }
    }
    _exit(n == 0 ? 0 : EIO);
}

/*
 * store_export to stdout. DuckDB opens its path anew and truncates it, which would empty
 * a file that stdout appends to (>>) and overwrite what came before it: so DuckDB writes
 * into a pipe, and a child copies the pipe to stdout where it stands. The exit status.
 */
static int export_stdout(const struct cli *c, struct store *st, const char *table,
                         const char *format)
{
    int fd[2], status = 0;
    char path[32];
    struct rs_error err = {0};
    fflush(stdout);
    if (pipe(fd) != 0)
        return msg_fail(EXIT_FAILED, "export: cannot write to stdout: %s", strerror(errno));
    signal(SIGPIPE, SIG_IGN); /* DuckDB's write fails instead; the child's status tells why */
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[1]);
        copy_to_stdout(fd[0]);
    }
    close(fd[0]);
    snprintf(path, sizeof(path), "/dev/fd/%d", fd[1]);
    enum rs_err rc = pid > 0 ? store_export(st, table, format, path, &err) : RS_ERR_IO;
    close(fd[1]);
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return rc == RS_OK ? EXIT_OK : msg_fail_rs(c->cmd, rc, &err);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE)
        return 128 + SIGPIPE; /* the reader left (| head): quietly, as any filter */
    return msg_fail(EXIT_FAILED, "export: cannot write to stdout: %s",
                    strerror(pid < 0             ? errno
                             : WIFEXITED(status) ? WEXITSTATUS(status)
                                                 : EIO));
}

static int export_command(struct cli *c, int argc, char **argv)
{
    const char *out = NULL, *format = NULL, *table = "movies";
    if (export_parse(c, argc, argv, &out, &format, &table) != EXIT_OK)
        return EXIT_USAGE;
    if (c->parse_only)
        return EXIT_OK;

    struct store *st = NULL;
    struct rs_error err = {0};
    int status = db_open(c, STORE_READ_ONLY, &st);
    if (status != EXIT_OK)
        return status;
    if (strcmp(out, "-") == 0) {
        status = export_stdout(c, st, table, format);
        store_close(st);
        return status;
    }
    enum rs_err rc = store_export(st, table, format, out, &err);
    store_close(st);
    if (rc != RS_OK)
        return msg_fail_rs(c->cmd, rc, &err);
    return export_done(c, format, out);
}

const struct cli_cmd cmd_export = {"export", export_usage, export_command};
