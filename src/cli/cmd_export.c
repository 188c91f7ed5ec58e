/*
 * cmd_export: `reelsync export` (docs/reelsync.1, "export"), one row per movie with its
 * TMDB and OMDB columns joined, written as csv, parquet or json. The writing is the
 * store's (store_export, with DuckDB's COPY); this file picks the format and says what
 * was written.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_int.h"

static void export_usage(void)
{
    fputs("usage: reelsync [global options] export --out PATH [--format csv|parquet|json]\n"
          "\n"
          "Writes one row per movie with its TMDB and OMDB columns joined, with DuckDB's COPY.\n"
          "\n"
          "Options:\n"
          "  --out PATH        the file to write (replaced if it exists)\n"
          "  --format F        csv, parquet or json (default: from PATH's extension, else csv)\n"
          "\n"
          "Example:\n"
          "  reelsync --db movies.duckdb export --format parquet --out movies.parquet\n",
          stdout);
}

/* The format named by PATH's extension, or "csv". */
static const char *format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && (strcmp(dot, ".parquet") == 0 || strcmp(dot, ".json") == 0))
        return dot + 1;
    return "csv";
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

/* Parses export's options into *OUT and *FORMAT. EXIT_OK or the printed EXIT_USAGE. */
static int export_parse(const struct cli *c, int argc, char **argv, const char **out,
                        const char **format)
{
    static const struct option longopts[] = {{"out", required_argument, NULL, 'o'},
                                             {"format", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        if (ch == 'o')
            *out = optarg;
        else if (ch == 'f')
            *format = optarg;
        else
            return args_getopt_error(c->cmd, ch, argv);
    }
    if (args_no_operands(c->cmd, argc, argv) != EXIT_OK)
        return EXIT_USAGE;
    if (!*out || !**out)
        return msg_fail(
            EXIT_USAGE,
            "export: no output file given (add --out PATH; see 'reelsync export --help')");
    if (!*format)
        *format = format_of(*out);
    if (strcmp(*format, "csv") != 0 && strcmp(*format, "parquet") != 0 &&
        strcmp(*format, "json") != 0)
        return args_bad_value(c->cmd, "format", *format, "csv, parquet or json");
    return EXIT_OK;
}

static int export_command(struct cli *c, int argc, char **argv)
{
    const char *out = NULL, *format = NULL;
    if (export_parse(c, argc, argv, &out, &format) != EXIT_OK)
        return EXIT_USAGE;
    if (c->parse_only)
        return EXIT_OK;

    struct store *st = NULL;
    struct rs_error err = {0};
    int status = db_open(c, STORE_READ_ONLY, &st);
    if (status != EXIT_OK)
        return status;
    enum rs_err rc = store_export(st, format, out, &err);
    store_close(st);
    if (rc != RS_OK)
        return msg_fail_rs(c->cmd, rc, &err);
    return export_done(c, format, out);
}

const struct cli_cmd cmd_export = {"export", export_usage, export_command};
