/*
 * cmd_query: `reelsync query SQL` (docs/reelsync.1, "query"; README.md, "Commands"): the
 * user's read-only SQL on --db, opened read-only, printed as it streams out of the store
 * (store_query): memory does not grow with the rows, except for the table's first
 * TABLE_SAMPLE rows, which set its column widths. Formats: an aligned table (NULL shown as
 * NULL, long values cut at MAX_CELL characters with "..."), CSV (RFC 4180; NULL an empty
 * field, an empty string ""), or JSON lines (one object a row, NULL as null).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"

/* Rows the table reads before it prints, to size its columns; later rows are cut to fit. */
#define TABLE_SAMPLE 1000
/* The widest a table column gets, in characters. */
#define MAX_CELL 40
/* The most SQL `query -` reads from stdin. */
#define MAX_SQL_BYTES ((size_t)1 << 20)

enum format { F_TABLE, F_CSV, F_JSON };

static void query_usage(void)
{
    fputs("usage: reelsync [global options] query [--format table|csv|json] SQL|-\n"
          "\n"
          "Runs one read-only SQL statement (a SELECT, WITH, SHOW, DESCRIBE, ...) on the\n"
          "database and prints its result as it comes. The database is opened read-only: a\n"
          "statement that would write is refused (\"query is read-only\", exit status 2), as\n"
          "is reading any other file. The tables and views: docs/schema.md, or\n"
          "'reelsync query \"SHOW TABLES\"'.\n"
          "\n"
          "Options:\n"
          "  --format F   table (the default when stdout is a terminal): aligned columns,\n"
          "               NULL shown as NULL, values over 40 characters cut with '...';\n"
          "               csv (the default otherwise): a header line, NULL an empty field;\n"
          "               json: JSON lines, one object a row, NULL as null (also --json)\n"
          "  SQL          the statement; '-' reads it from stdin\n"
          "\n"
          "Example:\n"
          "  reelsync --db movies.duckdb query \"SELECT title, release_date FROM movies\n"
          "      ORDER BY release_date DESC LIMIT 5\"\n",
          stdout);
}

/* The table: the sample rows, then the widths they set. */
struct table {
    size_t ncols;
    char **names;
    enum store_col_kind *kinds;
    size_t *width;
    char **sample; /* TABLE_SAMPLE * ncols values (NULL for SQL NULL) */
    size_t n_sample;
    bool printed; /* the header and the sample are out */
    int64_t rows;
};

struct out {
    enum format format;
    struct table t;
    bool oom;
};

/* Characters (UTF-8 code points) of S. */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/*
 * Prints S as a cell W characters wide: cut with "..." when longer, control characters as
 * blanks, numbers (RIGHT) aligned right; PAD: filled up to W on the right.
 */
static void cell(const char *s, size_t w, bool right, bool pad)
{
    size_t n = chars(s), shown = n > w ? w - 3 : n, k = 0;
    if (right && n < w)
        printf("%*s", (int)(w - n), "");
    for (const char *p = s; *p; p++) {
        bool lead = ((unsigned char)*p & 0xC0) != 0x80;
        if (lead && k++ == shown)
            break;
        putchar((unsigned char)*p < 0x20 ? ' ' : *p);
    }
    if (n > w)
        fputs("...", stdout);
    else if (!right && pad)
        printf("%*s", (int)(w - n), "");
}

static void table_row(const struct table *t, const char *const *v)
{
    for (size_t c = 0; c < t->ncols; c++) {
        fputs(c ? "  " : "", stdout);
        cell(v[c] ? v[c] : "NULL", t->width[c], t->kinds[c] != STORE_COL_TEXT, c + 1 < t->ncols);
    }
    putchar('\n');
}

/* The header, a rule and the sample, with the widths the sample sets. */
static void table_flush(struct table *t)
{
    for (size_t c = 0; c < t->ncols; c++) {
        size_t w = chars(t->names[c]);
        for (size_t r = 0; r < t->n_sample; r++) {
            const char *v = t->sample[r * t->ncols + c];
            size_t n = v ? chars(v) : 4;
            w = n > w ? n : w;
        }
        t->width[c] = w > MAX_CELL ? MAX_CELL : w < 4 ? 4 : w;
    }
    table_row(t, (const char *const *)t->names);
    for (size_t c = 0; c < t->ncols; c++) {
        fputs(c ? "  " : "", stdout);
        for (size_t i = 0; i < t->width[c]; i++)
            putchar('-');
    }
    putchar('\n');
    for (size_t r = 0; r < t->n_sample; r++)
        table_row(t, (const char *const *)&t->sample[r * t->ncols]);
    t->printed = true;
}

static void table_release(struct table *t)
{
    for (size_t i = 0; t->sample && i < t->n_sample * t->ncols; i++)
        free(t->sample[i]);
    for (size_t c = 0; t->names && c < t->ncols; c++)
        free(t->names[c]);
    free(t->sample);
    free(t->names);
    free(t->kinds);
    free(t->width);
}

/* A CSV field: quoted when it holds a comma, a quote, a line break, or is empty (not NULL). */
static void csv_field(const char *s)
{
    if (!s)
        return;
    if (*s && !strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            putchar('"');
        putchar(*p);
    }
    putchar('"');
}

/* Whether S is a JSON number as it stands ("inf", "nan" and "1e5" aside, DuckDB's digits). */
static bool json_number(const char *s)
{
    const char *p = s + (*s == '-');
    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
        return false;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p += 1 + (p[1] == '+' || p[1] == '-');
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

static void json_row(struct out *o, const char *const *v)
{
    struct jw w;
    jw_init(&w);
    jw_object_begin(&w);
    for (size_t c = 0; c < o->t.ncols; c++) {
        jw_key(&w, o->t.names[c]);
        if (!v[c])
            jw_null(&w);
        else if (o->t.kinds[c] == STORE_COL_BOOL)
            jw_bool(&w, strcmp(v[c], "true") == 0);
        else if (o->t.kinds[c] == STORE_COL_NUMBER && json_number(v[c]))
            jw_raw(&w, v[c]);
        else
            jw_string(&w, v[c]);
    }
    jw_object_end(&w);
    if (jw_status(&w) != RS_OK)
        o->oom = true;
    else
        printf("%s\n", jw_text(&w));
    jw_release(&w);
}

/* store_query_sink.columns: keeps the names and kinds; CSV prints its header. */
static bool on_columns(void *ctx, size_t n, const char *const *names,
                       const enum store_col_kind *kinds)
{
    struct out *o = ctx;
    struct table *t = &o->t;
    t->ncols = n;
    t->names = calloc(n, sizeof(char *));
    t->kinds = calloc(n, sizeof(*t->kinds));
    t->width = calloc(n, sizeof(size_t));
    t->sample = o->format == F_TABLE ? calloc(TABLE_SAMPLE * n, sizeof(char *)) : NULL;
    o->oom = !t->names || !t->kinds || !t->width || (o->format == F_TABLE && !t->sample);
    for (size_t c = 0; !o->oom && c < n; c++) {
        t->names[c] = strdup(names[c] ? names[c] : "");
        t->kinds[c] = kinds[c];
        o->oom = !t->names[c];
    }
    for (size_t c = 0; !o->oom && o->format == F_CSV && c < n; c++) {
        fputs(c ? "," : "", stdout);
        csv_field(t->names[c]);
    }
    if (!o->oom && o->format == F_CSV)
        putchar('\n');
    return !o->oom;
}

/* store_query_sink.row: the row in the format; the table keeps its first rows. */
static bool on_row(void *ctx, const char *const *v)
{
    struct out *o = ctx;
    struct table *t = &o->t;
    t->rows++;
    if (o->format == F_JSON) {
        json_row(o, v);
    } else if (o->format == F_CSV) {
        for (size_t c = 0; c < t->ncols; c++) {
            fputs(c ? "," : "", stdout);
            csv_field(v[c]);
        }
        putchar('\n');
    } else if (t->printed) {
        table_row(t, v);
    } else {
        for (size_t c = 0; c < t->ncols && !o->oom; c++) {
            char **slot = &t->sample[t->n_sample * t->ncols + c];
            *slot = v[c] ? strdup(v[c]) : NULL;
            o->oom = v[c] && !*slot;
        }
        if (++t->n_sample == TABLE_SAMPLE)
            table_flush(t);
    }
    return !o->oom && !ferror(stdout);
}

/* The SQL of the operand: itself, or stdin for "-" (malloc'd into *OWNED). */
static int read_sql(const char *arg, const char **sql, char **owned)
{
    if (strcmp(arg, "-") != 0) {
        *sql = arg;
        return EXIT_OK;
    }
    char *buf = malloc(MAX_SQL_BYTES + 1);
    if (!buf)
        return msg_fail(EXIT_FAILED, "query: out of memory (free some memory and run again)");
    size_t n = fread(buf, 1, MAX_SQL_BYTES + 1, stdin);
    if (n > MAX_SQL_BYTES || ferror(stdin)) {
        free(buf);
        return msg_fail(EXIT_USAGE, "query: %s (give one statement of at most 1 MiB on stdin)",
                        ferror(stdin) ? "cannot read stdin" : "the SQL on stdin is over 1 MiB");
    }
    buf[n] = '\0';
    *sql = *owned = buf;
    return EXIT_OK;
}

/* The long options of query (struct cli_cmd.longopts). */
static const struct option query_longopts[] = {{"format", required_argument, NULL, 'f'},
                                               {NULL, 0, NULL, 0}};

static const struct option *query_options(void)
{
    return query_longopts;
}

/* Parses query's line: --format and the one operand. */
static int query_parse(const struct cli *c, int argc, char **argv, enum format *f, const char **arg)
{
    int ch;
    *f = c->json ? F_JSON : isatty(STDOUT_FILENO) ? F_TABLE : F_CSV;
    while ((ch = getopt_long(argc, argv, ":", query_longopts, NULL)) != -1) {
        if (ch != 'f')
            return args_getopt_error(c->cmd, ch, argv);
        if (strcmp(optarg, "table") == 0)
            *f = F_TABLE;
        else if (strcmp(optarg, "csv") == 0)
            *f = F_CSV;
        else if (strcmp(optarg, "json") == 0)
            *f = F_JSON;
        else
            return args_bad_value(c->cmd, "format", optarg, "table, csv or json");
    }
    if (optind >= argc)
        return msg_fail(EXIT_USAGE,
                        "query: no SQL given (give a statement, or '-' to read it from stdin; see "
                        "'reelsync query --help')");
    *arg = argv[optind++];
    return args_no_operands(c->cmd, argc, argv);
}

/* Runs SQL on --db in format F. */
static int query_db(const struct cli *c, const char *sql, enum format f)
{
    struct store *st = NULL;
    struct rs_error err = {0};
    struct out o = {.format = f};
    int status = db_open(c, STORE_READ_ONLY, &st);
    if (status != EXIT_OK)
        return status;
    const struct store_query_sink sink = {.columns = on_columns, .row = on_row, .ctx = &o};
    enum rs_err rc = store_query(st, sql, &sink, &err);
    store_close(st);
    if (rc == RS_OK && f == F_TABLE && !o.t.printed && !o.oom)
        table_flush(&o.t);
    if (rc == RS_OK && f == F_TABLE && !o.oom)
        printf("(%lld row%s)\n", (long long)o.t.rows, o.t.rows == 1 ? "" : "s");
    table_release(&o.t);
    if (rc != RS_OK)
        return msg_fail_rs(c->cmd, rc, &err);
    if (o.oom)
        return msg_fail(EXIT_FAILED, "query: out of memory (free some memory and run again)");
    if (fflush(stdout) != 0 || ferror(stdout))
        return msg_fail(EXIT_FAILED, "query: cannot write the result (is stdout writable?)");
    return EXIT_OK;
}

static int query_command(struct cli *c, int argc, char **argv)
{
    enum format f;
    const char *arg = NULL, *sql = NULL;
    char *owned = NULL;
    int status = query_parse(c, argc, argv, &f, &arg);
    if (status != EXIT_OK || c->parse_only)
        return status;
    status = read_sql(arg, &sql, &owned);
    if (status == EXIT_OK)
        status = query_db(c, sql, f);
    free(owned);
    return status;
}

const struct cli_cmd cmd_query = {"query", query_usage, query_command, query_options};
