/*
 * html: the frame, text and inline-SVG charts of `reelsync report --html` (html.c). Charts
 * are drawn when the file is written; each mark carries its number (data-value).
 */
#ifndef RS_CLI_HTML_H
#define RS_CLI_HTML_H

#include <stdint.h>
#include <stdio.h>

/* TEXT with &, <, >, " and ' escaped (safe in an element and in a quoted attribute). */
void html_text(FILE *f, const char *text);
/* The document's head (TITLE, the inline style) and the opening <body>. */
void html_begin(FILE *f, const char *title);
void html_end(FILE *f);

/*
 * Stacked columns: N columns labelled LABELS[i], K series (names SERIES[s]) whose values are
 * VALUES[i * K + s]; a dashed line at LIMIT when > 0 (a daily limit).
 */
struct html_columns {
    const char *id;
    size_t n, k;
    const char *const *labels;
    const char *const *series;
    const int64_t *values;
    int64_t limit;
};
void html_columns(FILE *f, const struct html_columns *c);

/* A line through N points (X[i] seconds, Y[i]), the ends labelled FIRST_LABEL, LAST_LABEL. */
struct html_line {
    const char *id;
    size_t n;
    const double *x, *y;
    const char *first_label, *last_label;
};
void html_line(FILE *f, const struct html_line *l);

#endif
