/*
 * The table of collect's options (include/reelsync/options.h) and the three places that
 * must agree with it: the man page (docs/reelsync.1, "collect") documents every option with
 * its default, `reelsync collect --help` shows every option with its default, and the
 * program takes every value within the bounds and refuses one past them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reelsync/options.h"
#include "reelsync/refresh.h"
#include "test.h"

/* No config file of the machine's user may decide an outcome. */
static const char *const no_config[] = {
    "REELSYNC_CONFIG=", "XDG_CONFIG_HOME=/nonexistent/reelsync-test", NULL};

static const struct rs_option *opt(int id)
{
    return rs_option((enum rs_option_id)id);
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Whether WORD stands in TEXT on its own: not inside a longer number or name. */
static bool has_token(const char *text, const char *word)
{
    size_t len = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        char before = p > text ? p[-1] : ' ';
        const char *after = p + len;
        bool number_goes_on = is_digit(*after) || (*after == '.' && is_digit(after[1]));
        bool name_goes_on = (*after >= 'a' && *after <= 'z') || strncmp(after, "\\-", 2) == 0;
        if (!is_digit(before) && before != '.' && !number_goes_on && !name_goes_on)
            return true;
    }
    return false;
}

/* Names are unique and found by name; defaults lie within the bounds. */
static void table_is_consistent(void **state)
{
    (void)state;
    char buf[32];
    for (int i = 0; i < RS_OPT_COUNT; i++) {
        const struct rs_option *o = opt(i);
        assert_non_null(o->name);
        assert_non_null(o->help);
        assert_ptr_equal(rs_option_find(o->name), o);
        assert_true(rs_option_default((enum rs_option_id)i) == o->dflt);
        if (o->kind == RS_OPT_KIND_INT || o->kind == RS_OPT_KIND_SECONDS ||
            o->kind == RS_OPT_KIND_RATE) {
            assert_true(o->min <= o->dflt && o->dflt <= o->max);
        }
        if (o->zero)
            assert_true(o->min == 0);
    }
    assert_null(rs_option_find("bogus"));
    assert_string_equal(rs_option_format_default(opt(RS_OPT_TMDB_RPS), buf, sizeof(buf)), "4.0");
    assert_string_equal(rs_option_format_default(opt(RS_OPT_TIMEOUT), buf, sizeof(buf)), "30");
    assert_string_equal(rs_option_format_default(opt(RS_OPT_START_YEAR), buf, sizeof(buf)),
                        "this year");
    assert_string_equal(rs_option_format_default(opt(RS_OPT_DRY_RUN), buf, sizeof(buf)), "");
    assert_string_equal(rs_option_format_default(opt(RS_OPT_POLICY), buf, sizeof(buf)),
                        opt(RS_OPT_POLICY)->choices[(int)opt(RS_OPT_POLICY)->dflt]);
    double v = -1;
    assert_true(rs_option_choice(opt(RS_OPT_POLICY), "adaptive", &v));
    assert_true(v == REFRESH_POLICY_ADAPTIVE);
    assert_false(rs_option_choice(opt(RS_OPT_POLICY), "Adaptive", &v));
}

/* The ".TP" paragraph of SECTION whose tag line names --NAME in troff ("\-\-max\-pages"). */
static char *man_paragraph(const char *section, const char *name)
{
    char troff[96] = "\\-\\-";
    size_t n = 4;
    for (const char *p = name; *p && n + 3 < sizeof(troff); p++) {
        if (*p == '-')
            troff[n++] = '\\';
        troff[n++] = *p;
    }
    troff[n] = '\0';
    for (const char *tp = strstr(section, ".TP\n"); tp; tp = strstr(tp + 1, ".TP\n")) {
        const char *tag = tp + 4, *tag_end = strchr(tag, '\n');
        const char *end = strstr(tag, "\n.TP\n");
        if (!tag_end)
            break;
        if (!end)
            end = tag + strlen(tag);
        char *line = strndup(tag, (size_t)(tag_end - tag));
        bool named = has_token(line, troff);
        free(line);
        if (named)
            return strndup(tag, (size_t)(end - tag));
    }
    return NULL;
}

/* docs/reelsync.1 documents each option of collect with its default. */
static void man_page_documents_every_option(void **state)
{
    (void)state;
    size_t len;
    char *man = slurp_file(RS_SOURCE_DIR "/docs/reelsync.1", &len);
    char *section = strstr(man, "\n.SS collect\n");
    assert_non_null(section);
    char *next = strstr(section + 1, "\n.SS ");
    if (next)
        *next = '\0';
    for (int i = 0; i < RS_OPT_COUNT; i++) {
        const struct rs_option *o = opt(i);
        char dflt[32];
        char *para = man_paragraph(section, o->name);
        if (!para)
            fail_msg("docs/reelsync.1 does not document collect --%s", o->name);
        rs_option_format_default(o, dflt, sizeof(dflt));
        if (o->kind != RS_OPT_KIND_FLAG && o->kind != RS_OPT_KIND_IDS &&
            (!strstr(para, "default") || !has_token(para, dflt)))
            fail_msg("docs/reelsync.1 does not give --%s's default %s in: %s", o->name, dflt, para);
        free(para);
    }
    free(man);
}

/* The line of TEXT that names --NAME, or NULL (malloc'd). */
static char *help_line(const char *text, const char *name)
{
    char flag[96];
    snprintf(flag, sizeof(flag), "--%s", name);
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char *copy = strndup(line, n);
        if (has_token(copy, flag))
            return copy;
        free(copy);
        line += n + (end ? 1 : 0);
    }
    return NULL;
}

/* collect --help lists each option of the table with its default and what 0 means. */
static void help_shows_every_option(void **state)
{
    (void)state;
    struct run_result r;
    run_program((const char *[]){RS_REELSYNC_BIN, "collect", "--help", NULL}, no_config, &r);
    assert_int_equal(r.status, 0);
    for (int i = 0; i < RS_OPT_COUNT; i++) {
        const struct rs_option *o = opt(i);
        char dflt[32], want[64];
        char *line = help_line(r.out, o->name);
        if (!line)
            fail_msg("collect --help does not show --%s", o->name);
        assert_non_null(strstr(line, o->help));
        snprintf(want, sizeof(want), "(default %s%s", rs_option_format_default(o, dflt, 32),
                 o->zero ? "; 0 = " : ")");
        if (o->kind != RS_OPT_KIND_FLAG && o->kind != RS_OPT_KIND_IDS && !strstr(line, want))
            fail_msg("collect --help shows --%s without '%s': %s", o->name, want, line);
        if (o->zero)
            assert_non_null(strstr(line, o->zero));
        free(line);
    }
    run_result_free(&r);
}

/* Runs collect --dry-run with --NAME=VALUE (and the other year at its far bound); the status. */
static int try_value(const struct rs_option *o, const char *value)
{
    char arg[96];
    snprintf(arg, sizeof(arg), "--%s=%s", o->name, value);
    const char *other =
        strcmp(o->name, "start-year") == 0 ? "--end-year=2200" : "--start-year=1870";
    if (o->kind != RS_OPT_KIND_YEAR)
        other = "--refresh-only";
    struct run_result r;
    run_program((const char *[]){RS_REELSYNC_BIN, "--db", "/nonexistent/reelsync-test.duckdb",
                                 "collect", "--dry-run", other, arg, NULL},
                no_config, &r);
    int status = r.status;
    if (status == 2 && !strstr(r.err, o->name))
        fail_msg("collect %s: %s", arg, r.err);
    run_result_free(&r);
    return status;
}

/* Each option takes its bounds and refuses a value past either (exit status 2). */
static void program_keeps_the_bounds(void **state)
{
    (void)state;
    for (int i = 0; i < RS_OPT_COUNT; i++) {
        const struct rs_option *o = opt(i);
        char lo[32], hi[32], below[32], above[32];
        if (o->kind == RS_OPT_KIND_FLAG)
            continue;
        if (o->kind == RS_OPT_KIND_CHOICE) {
            for (int k = 0; k <= (int)o->max; k++)
                if (try_value(o, o->choices[k]) != 0)
                    fail_msg("collect --%s refuses '%s'", o->name, o->choices[k]);
            if (try_value(o, "bogus") != 2 || try_value(o, "0") != 2)
                fail_msg("collect --%s takes a name it does not have", o->name);
            continue;
        }
        bool rate = o->kind == RS_OPT_KIND_RATE;
        snprintf(lo, sizeof(lo), rate ? "%.1f" : "%.0f", o->min);
        snprintf(hi, sizeof(hi), rate ? "%.1f" : "%.0f", o->max);
        snprintf(below, sizeof(below), rate ? "%.1f" : "%.0f", o->min - (rate ? 0.5 : 1));
        snprintf(above, sizeof(above), rate ? "%.1f" : "%.0f", o->max + (rate ? 0.5 : 1));
        if (try_value(o, lo) != 0 || try_value(o, hi) != 0)
            fail_msg("collect --%s refuses a bound (%s or %s)", o->name, lo, hi);
        if (try_value(o, below) != 2 || try_value(o, above) != 2)
            fail_msg("collect --%s takes a value past its bounds (%s or %s)", o->name, below,
                     above);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_is_consistent),
        cmocka_unit_test(man_page_documents_every_option),
        cmocka_unit_test(help_shows_every_option),
        cmocka_unit_test(program_keeps_the_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
