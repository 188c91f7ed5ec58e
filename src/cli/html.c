/*
 * html: the pieces `reelsync report --html` is made of (cmd_report.c): the page's frame
 * with its inline style, escaped text, and two kinds of chart drawn as inline SVG at
 * generation time, so the file needs no script, font or server (docs/reelsync.1, "report").
 * Every mark carries its number in a data-value attribute and a <title> tooltip, so a
 * reader (or a test in a browser) can read exactly what is drawn.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "html.h"

void html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static const char STYLE[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222;"
    "padding:0 16px}"
    "h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin:28px 0 6px;"
    "border-bottom:1px solid #ddd;padding-bottom:3px}"
    ".meta{color:#666}.note{color:#666;font-size:12px}"
    "table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}"
    "th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}"
    "th:first-child,td:first-child{text-align:left}"
    "svg{display:block;margin:6px 0;overflow:visible}"
    "svg text{font:11px system-ui,sans-serif;fill:#555}"
    ".s0{fill:#4a7fb5}.s1{fill:#e0a43a}.s2{fill:#9aa5b1}.s3{fill:#c0504d}"
    ".line{fill:none;stroke:#4a7fb5;stroke-width:2}.dot{fill:#4a7fb5}"
    ".limit{stroke:#c0504d;stroke-dasharray:5 4;stroke-width:1.5}.axis{stroke:#bbb}"
    ".legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}"
    ".c0{background:#4a7fb5}.c1{background:#e0a43a}.c2{background:#9aa5b1}"
    ".c3{background:#c0504d}";

void html_begin(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    html_text(f, title);
    fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n", STYLE);
}

void html_end(FILE *f)
{
    fputs("</body></html>\n", f);
}

/* A round number of at least V for the top of an axis (1, 2 or 5 times a power of ten). */
static double nice_max(double v)
{
    if (v <= 0)
        return 1;
    double p = pow(10, floor(log10(v)));
    for (int i = 0; i < 3; i++) {
        static const double steps[] = {1, 2, 5};
        if (steps[i] * p >= v)
            return steps[i] * p;
    }
    return 10 * p;
}

static void legend(FILE *f, const char *const *names, size_t k)
{
    if (k < 2)
        return;
    fputs("<div class=\"legend\">", f);
    for (size_t s = 0; s < k; s++) {
        fprintf(f, "<span class=\"c%zu\"></span>", s % 4);
        html_text(f, names[s]);
    }
    fputs("</div>\n", f);
}

#define W 900.0
#define H 180.0
#define LEFT 56.0

void html_columns(FILE *f, const struct html_columns *c)
{
    double top = 0;
    for (size_t i = 0; i < c->n; i++) {
        double sum = 0;
        for (size_t s = 0; s < c->k; s++)
            sum += (double)c->values[i * c->k + s];
        top = sum > top ? sum : top;
    }
    /* A limit far above the data would flatten it: then the limit is named, not drawn. */
    bool draw_limit = c->limit > 0 && (double)c->limit <= 4 * top;
    if (draw_limit && (double)c->limit > top)
        top = (double)c->limit;
    top = nice_max(top);
    legend(f, c->series, c->k);
    fprintf(f,
            "<svg id=\"%s\" class=\"chart columns\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" role=\"img\">",
            c->id, W, H + 30, W, H + 30);
    fprintf(f, "<line class=\"axis\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>", LEFT, H, W,
            H);
    fprintf(f, "<text x=\"%.0f\" y=\"10\" text-anchor=\"end\">%.0f</text>", LEFT - 6, top);
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">0</text>", LEFT - 6, H);
    double slot = (W - LEFT) / (double)(c->n ? c->n : 1), bar = slot * 0.78;
    size_t every = c->n > 16 ? (c->n + 7) / 8 : 1;
    for (size_t i = 0; i < c->n; i++) {
        double x = LEFT + slot * (double)i + (slot - bar) / 2, y = H;
        fprintf(f, "<g class=\"column\" data-label=\"");
        html_text(f, c->labels[i]);
        fputs("\">", f);
        for (size_t s = 0; s < c->k; s++) {
            int64_t v = c->values[i * c->k + s];
            double h = (double)v / top * H;
            y -= h;
            fprintf(f, "<rect class=\"s%zu\" data-series=\"", s % 4);
            html_text(f, c->series[s]);
            fprintf(f,
                    "\" data-value=\"%lld\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    "height=\"%.1f\"><title>",
                    (long long)v, x, y, bar, h);
            html_text(f, c->labels[i]);
            fputs(" ", f);
            html_text(f, c->series[s]);
            fprintf(f, ": %lld</title></rect>", (long long)v);
        }
        if (i % every == 0) {
            fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">", x + bar / 2, H + 14);
            html_text(f, c->labels[i]);
            fputs("</text>", f);
        }
        fputs("</g>", f);
    }
    if (c->limit > 0 && !draw_limit)
        fprintf(f,
                "<text class=\"limit-note\" data-value=\"%lld\" x=\"%.0f\" y=\"10\" "
                "text-anchor=\"end\">daily limit %lld, above the scale</text>",
                (long long)c->limit, W, (long long)c->limit);
    if (draw_limit) {
        double y = H - (double)c->limit / top * H;
        fprintf(f,
                "<line class=\"limit\" data-value=\"%lld\" x1=\"%.0f\" y1=\"%.1f\" "
                "x2=\"%.0f\" y2=\"%.1f\"><title>daily limit %lld</title></line>",
                (long long)c->limit, LEFT, y, W, y, (long long)c->limit);
        fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">limit %lld</text>", W, y - 4,
                (long long)c->limit);
    }
    fputs("</svg>\n", f);
}

void html_line(FILE *f, const struct html_line *l)
{
    double x0 = l->n ? l->x[0] : 0, x1 = l->n ? l->x[l->n - 1] : 1;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < l->n; i++) {
        lo = l->y[i] < lo ? l->y[i] : lo;
        hi = l->y[i] > hi ? l->y[i] : hi;
    }
    if (l->n == 0) {
        lo = 0;
        hi = 1;
    }
    if (hi - lo < 1e-9) {
        lo -= 1;
        hi += 1;
    }
    if (x1 - x0 < 1)
        x1 = x0 + 1;
    fprintf(f,
            "<svg id=\"%s\" class=\"chart line-chart\" data-points=\"%zu\" width=\"%.0f\" "
            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">",
            l->id, l->n, W, H + 30, W, H + 30);
    fprintf(f, "<line class=\"axis\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>", LEFT, H, W,
            H);
    fprintf(f, "<text x=\"%.0f\" y=\"10\" text-anchor=\"end\">%.4g</text>", LEFT - 6, hi);
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.4g</text>", LEFT - 6, H, lo);
    if (l->n > 0) {
        fprintf(f, "<text x=\"%.0f\" y=\"%.0f\">", LEFT, H + 14);
        html_text(f, l->first_label);
        fprintf(f, "</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", W, H + 14);
        html_text(f, l->last_label);
        fputs("</text>", f);
    }
    fputs("<polyline class=\"line\" points=\"", f);
    for (size_t i = 0; i < l->n; i++)
        fprintf(f, "%s%.1f,%.1f", i ? " " : "", LEFT + (l->x[i] - x0) / (x1 - x0) * (W - LEFT),
                H - (l->y[i] - lo) / (hi - lo) * H);
    fputs("\"/>", f);
    for (size_t i = 0; i < l->n; i++)
        fprintf(f,
                "<circle class=\"dot\" data-value=\"%.10g\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\">"
                "<title>%.10g</title></circle>",
                l->y[i], LEFT + (l->x[i] - x0) / (x1 - x0) * (W - LEFT),
                H - (l->y[i] - lo) / (hi - lo) * H, l->y[i]);
    fputs("</svg>\n", f);
}
