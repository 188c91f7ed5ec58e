/*
 * normalize: API structs (as tmdb.c and omdb.c parse them) to the rows the store writes,
 * and the field normalizers for OMDB's strings ("$292,587,330", "148 min", "16 Jul 2010").
 *
 * The field normalizers are total and pure: they read any string digit by digit (no
 * strtod, so no locale, no "inf", no exponent, no hex), reject overflow, trailing text and
 * out-of-range values, and report an unknown format through *bad so the caller can warn
 * with the field's name. A value that cannot be read for sure is NULL, never a guess.
 * No JSON here: jansson stays in tmdb.c and omdb.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "reelsync/normalize.h"

#define QUOTE_MAX 80 /* at most this many bytes of a bad value are quoted in a warning */

static bool missing(const char *s)
{
    return !s || s[0] == '\0' || strcmp(s, "N/A") == 0;
}

static void set_bad(bool *bad, bool value)
{
    if (bad)
        *bad = value;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * Reads decimal digits at *P, with thousands commas when COMMAS (then every group after
 * the first has exactly three digits), into a value of at most MAX. Advances *P past them.
 */
static bool read_count(const char **p, int64_t max, bool commas, int64_t *out)
{
    const char *s = *p;
    int64_t v = 0;
    int group = 0, ndigits = 0;
    bool grouped = false;

    for (;; s++) {
        if (is_digit(*s)) {
            int d = *s - '0';
            if (v > (max - d) / 10)
                return false; /* overflow */
            v = v * 10 + d;
            group++;
            ndigits++;
            if (grouped && group > 3)
                return false;
        } else if (commas && *s == ',') {
            if (group == 0 || (grouped ? group != 3 : group > 3))
                return false;
            grouped = true;
            group = 0;
        } else {
            break;
        }
    }
    if (ndigits == 0 || (grouped && group != 3))
        return false;
    *p = s;
    *out = v;
    return true;
}

/*
 * Reads "D[.D]" (at most 15 digits) at *P. The value is MANTISSA / 10^FRACTION digits,
 * both exact in a double, so the one rounding of the division gives the double nearest the
 * decimal text, exactly what strtod would give, without strtod's locale and extra syntax.
 */
static bool read_decimal(const char **p, double *out)
{
    static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const char *s = *p;
    int64_t mantissa = 0;
    int ndigits = 0, before = 0, after = 0;
    bool dot = false;

    for (;; s++) {
        if (is_digit(*s)) {
            if (++ndigits > 15)
                return false;
            mantissa = mantissa * 10 + (*s - '0');
            if (dot)
                after++;
            else
                before++;
        } else if (*s == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (before == 0 || (dot && after == 0))
        return false;
    *p = s;
    *out = (double)mantissa / pow10[after];
    return true;
}

/* Skips LIT at *P if it is there. */
static bool skip(const char **p, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n) != 0)
        return false;
    *p += n;
    return true;
}

const char *norm_omdb_text(const char *s)
{
    return missing(s) ? NULL : s;
}

struct rs_i64 norm_money(const char *s, bool *bad)
{
    int64_t v;
    set_bad(bad, false);
    if (missing(s))
        return RS_NULL_I64;
    const char *p = s;
    skip(&p, "$");
    if (!read_count(&p, INT64_MAX, true, &v) || *p != '\0') {
        set_bad(bad, true);
        return RS_NULL_I64;
    }
    return RS_I64(v);
}

struct rs_i64 norm_votes(const char *s, bool *bad)
{
    int64_t v;
    set_bad(bad, false);
    if (missing(s))
        return RS_NULL_I64;
    const char *p = s;
    if (!read_count(&p, INT32_MAX, true, &v) || *p != '\0') {
        set_bad(bad, true);
        return RS_NULL_I64;
    }
    return RS_I64(v);
}

/* "N min", "N h" or "N h M min" (M < 60) into minutes; false for anything else. */
static bool runtime_minutes(const char *p, int64_t *out)
{
    int64_t n, m = 0;
    if (!read_count(&p, INT32_MAX, true, &n))
        return false;
    if (skip(&p, " min")) {
        *out = n;
        return *p == '\0';
    }
    if (!skip(&p, " h"))
        return false;
    if (*p != '\0' && (!skip(&p, " ") || !read_count(&p, 59, false, &m) || !skip(&p, " min")))
        return false;
    if (*p != '\0' || n > (INT32_MAX - m) / 60)
        return false;
    *out = n * 60 + m;
    return true;
}

struct rs_i64 norm_runtime(const char *s, bool *bad)
{
    int64_t v;
    set_bad(bad, false);
    if (missing(s))
        return RS_NULL_I64;
    if (!runtime_minutes(s, &v)) {
        set_bad(bad, true);
        return RS_NULL_I64;
    }
    /* docs/schema.md: a runtime of 0 is "unknown", stored as NULL; it is a known format, not bad.
     */
    return v == 0 ? RS_NULL_I64 : RS_I64(v);
}

/* "DD Mon YYYY" into days; false for anything else, impossible dates included. */
static bool omdb_date(const char *p, rs_date_t *out)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t day, year;
    int month = 0;
    const char *start = p;

    if (!read_count(&p, 31, false, &day) || p - start > 2 || !skip(&p, " "))
        return false;
    for (int i = 0; i < 12 && month == 0; i++) {
        if (strncmp(p, months[i], 3) == 0)
            month = i + 1;
    }
    if (month == 0 || p[3] != ' ')
        return false;
    p += 4;
    for (int i = 0; i < 4; i++) {
        if (!is_digit(p[i]))
            return false;
    }
    start = p;
    if (!read_count(&p, 9999, false, &year) || p - start != 4 || *p != '\0' || day < 1 ||
        year < 1800)
        return false; /* no film is older than 1800: such a year is junk, not a date */
    rs_date_t d = rs_date_from_ymd((int)year, month, (int)day);
    int y2, m2, d2;
    rs_date_to_ymd(d, &y2, &m2, &d2);
    if (y2 != year || m2 != month || d2 != day)
        return false; /* 31 Feb and friends */
    *out = d;
    return true;
}

struct rs_i64 norm_omdb_date(const char *s, bool *bad)
{
    rs_date_t d;
    set_bad(bad, false);
    if (missing(s))
        return RS_NULL_I64;
    if (!omdb_date(s, &d)) {
        set_bad(bad, true);
        return RS_NULL_I64;
    }
    return RS_I64(d);
}

struct rs_f64 norm_imdb_rating(const char *s, bool *bad)
{
    double v;
    set_bad(bad, false);
    if (missing(s))
        return RS_NULL_F64;
    const char *p = s;
    if (!read_decimal(&p, &v) || (*p != '\0' && !skip(&p, "/10")) || *p != '\0' || v > 10.0) {
        set_bad(bad, true);
        return RS_NULL_F64;
    }
    return RS_F64(v);
}

/* Reads a whole number in 0..100 followed by SUFFIX (optional) and the end of S. */
static struct rs_i64 score(const char *s, const char *suffix, bool *bad)
{
    int64_t v;
    set_bad(bad, false);
    if (missing(s))
        return RS_NULL_I64;
    const char *p = s;
    if (!read_count(&p, INT32_MAX, false, &v) || (*p != '\0' && !skip(&p, suffix)) || *p != '\0' ||
        v > 100) {
        set_bad(bad, true);
        return RS_NULL_I64;
    }
    return RS_I64(v);
}

struct rs_i64 norm_percent(const char *s, bool *bad)
{
    return score(s, "%", bad);
}

struct rs_i64 norm_metacritic(const char *s, bool *bad)
{
    return score(s, "/100", bad);
}

struct rs_i64 norm_tmdb_date(const char *s, bool *bad)
{
    rs_date_t d;
    set_bad(bad, false);
    if (!s || s[0] == '\0')
        return RS_NULL_I64;
    if (!rs_date_parse(s, &d)) {
        set_bad(bad, true);
        return RS_NULL_I64;
    }
    return RS_I64(d);
}

/*
 * Copies at most QUOTE_MAX bytes of S into BUF for a log line, with control characters,
 * quotes and backslashes replaced by '?', so a hostile value cannot forge log lines.
 */
static const char *quote(char *buf, size_t len, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len && i < QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
    }
    buf[i] = '\0';
    return buf;
}

/* Duplicates S into *OUT; "" and NULL become NULL. False only when out of memory. */
static bool dup_text(const char *s, char **out)
{
    *out = NULL;
    if (!s || s[0] == '\0')
        return true;
    *out = strdup(s);
    return *out != NULL;
}

/* Copies N names into a NULL-terminated array (never NULL itself, even for N == 0). */
static bool dup_names(const char *const *names, size_t n, char ***out)
{
    char **a = calloc(n + 1, sizeof(*a));
    if (!a)
        return false;
    for (size_t i = 0; i < n; i++) {
        a[i] = strdup(names[i] ? names[i] : "");
        if (!a[i]) {
            for (size_t j = 0; j < i; j++)
                free(a[j]);
            free(a);
            return false;
        }
    }
    *out = a;
    return true;
}

static void free_names(char **a, size_t n)
{
    if (!a)
        return;
    for (size_t i = 0; i < n; i++)
        free(a[i]);
    free(a);
}

static void tmdb_warn(const struct rs_log *log, int64_t id, const char *field, const char *why)
{
    rs_logf(log, RS_LOG_WARN, "tmdb: %s %s tmdb_id=%lld", why, field, (long long)id);
}

/* An integer column that must lie in LO..HI; anything else is NULL with a warning. */
static struct rs_i64 tmdb_range(struct rs_i64 v, int64_t lo, int64_t hi, const char *field,
                                int64_t id, const struct rs_log *log)
{
    if (v.set && (v.v < lo || v.v > hi)) {
        tmdb_warn(log, id, field, "out-of-range");
        return RS_NULL_I64;
    }
    return v;
}

static struct rs_f64 tmdb_frange(struct rs_f64 v, double lo, double hi, const char *field,
                                 int64_t id, const struct rs_log *log)
{
    if (v.set && !(isfinite(v.v) && v.v >= lo && v.v <= hi)) {
        tmdb_warn(log, id, field, "out-of-range");
        return RS_NULL_F64;
    }
    return v;
}

/* The numeric and date columns of the tmdb row: no allocation. */
static void tmdb_values(const struct tmdb_movie *m, struct tmdb_row *r, const struct rs_log *log)
{
    char q[QUOTE_MAX + 1];
    bool bad;

    r->tmdb_id = m->id;
    r->release_date = norm_tmdb_date(m->release_date, &bad);
    if (bad)
        rs_logf(log, RS_LOG_WARN, "tmdb: unreadable release_date \"%s\" tmdb_id=%lld",
                quote(q, sizeof(q), m->release_date), (long long)m->id);
    r->runtime = tmdb_range(m->runtime, 0, INT32_MAX, "runtime", m->id, log);
    if (r->runtime.set && r->runtime.v == 0)
        r->runtime = RS_NULL_I64; /* TMDB's 0 means unknown */
    r->budget = tmdb_range(m->budget, 0, INT64_MAX, "budget", m->id, log);
    r->revenue = tmdb_range(m->revenue, 0, INT64_MAX, "revenue", m->id, log);
    r->vote_count = tmdb_range(m->vote_count, 0, INT32_MAX, "vote_count", m->id, log);
    r->vote_average = tmdb_frange(m->vote_average, 0.0, 10.0, "vote_average", m->id, log);
    r->popularity = tmdb_frange(m->popularity, 0.0, HUGE_VAL, "popularity", m->id, log);
    r->adult = tmdb_range(m->adult, 0, 1, "adult", m->id, log);
}

enum rs_err norm_tmdb_movie(const struct tmdb_movie *m, struct tmdb_row *out,
                            const struct rs_log *log, struct rs_error *err)
{
    struct tmdb_row r = {0};

    tmdb_values(m, &r, log);
    r.raw = rs_strndup(m->raw ? m->raw : "", m->raw ? m->raw_len : 0);
    r.raw_len = m->raw ? m->raw_len : 0;
    r.n_genres = m->n_genres;
    r.n_production_companies = m->n_production_companies;
    if (!r.raw || !dup_text(m->imdb_id, &r.imdb_id) || !dup_text(m->title, &r.title) ||
        !dup_text(m->original_title, &r.original_title) || !dup_text(m->overview, &r.overview) ||
        !dup_text(m->tagline, &r.tagline) || !dup_text(m->status, &r.status) ||
        !dup_text(m->original_language, &r.original_language) ||
        !dup_names(m->genres, m->n_genres, &r.genres) ||
        !dup_names(m->production_companies, m->n_production_companies, &r.production_companies)) {
        norm_tmdb_row_release(&r);
        return rs_fail(err, RS_ERR_NOMEM, "tmdb: out of memory normalizing movie %lld",
                       (long long)m->id);
    }
    *out = r;
    return RS_OK;
}

static void omdb_warn(const struct rs_log *log, const char *field, const char *s,
                      const char *imdb_id)
{
    char q[QUOTE_MAX + 1];
    char id[QUOTE_MAX + 1];
    rs_logf(log, RS_LOG_WARN, "omdb: unreadable %s \"%s\" imdb_id=%s", field,
            quote(q, sizeof(q), s), quote(id, sizeof(id), imdb_id ? imdb_id : "?"));
}

typedef struct rs_i64 (*i64_norm)(const char *, bool *);

/* Runs FN over S, warning with FIELD when S is in an unknown format. */
static struct rs_i64 omdb_i64(i64_norm fn, const char *field, const char *s,
                              const struct omdb_movie *m, const struct rs_log *log)
{
    bool bad;
    struct rs_i64 v = fn(s, &bad);
    if (bad)
        omdb_warn(log, field, s, m->imdb_id);
    return v;
}

static struct rs_f64 omdb_rating(const char *field, const char *s, const struct omdb_movie *m,
                                 const struct rs_log *log)
{
    bool bad;
    struct rs_f64 v = norm_imdb_rating(s, &bad);
    if (bad)
        omdb_warn(log, field, s, m->imdb_id);
    return v;
}

/* The numeric and date columns of the omdb row: no allocation. */
static void omdb_values(const struct omdb_movie *m, struct omdb_row *r, const struct rs_log *log)
{
    r->released = omdb_i64(norm_omdb_date, "Released", m->released, m, log);
    r->runtime_minutes = omdb_i64(norm_runtime, "Runtime", m->runtime, m, log);
    r->imdb_votes = omdb_i64(norm_votes, "imdbVotes", m->imdb_votes, m, log);
    r->box_office = omdb_i64(norm_money, "BoxOffice", m->box_office, m, log);
    r->rotten_tomatoes =
        omdb_i64(norm_percent, "Ratings[Rotten Tomatoes]", m->rating_rotten_tomatoes, m, log);
    /* Ratings first; the flat field when Ratings lacks the source or holds junk. */
    r->metacritic = omdb_i64(norm_metacritic, "Ratings[Metacritic]", m->rating_metacritic, m, log);
    if (!r->metacritic.set)
        r->metacritic = omdb_i64(norm_metacritic, "Metascore", m->metascore, m, log);
    r->imdb_rating = omdb_rating("Ratings[Internet Movie Database]", m->rating_imdb, m, log);
    if (!r->imdb_rating.set)
        r->imdb_rating = omdb_rating("imdbRating", m->imdb_rating, m, log);
}

static bool omdb_dup(const char *s, char **out)
{
    return dup_text(norm_omdb_text(s), out);
}

enum rs_err norm_omdb_movie(const struct omdb_movie *m, struct omdb_row *out,
                            const struct rs_log *log, struct rs_error *err)
{
    struct omdb_row r = {0};

    omdb_values(m, &r, log);
    r.raw = rs_strndup(m->raw ? m->raw : "", m->raw ? m->raw_len : 0);
    r.raw_len = m->raw ? m->raw_len : 0;
    if (!r.raw || !omdb_dup(m->imdb_id, &r.imdb_id) || !omdb_dup(m->title, &r.title) ||
        !omdb_dup(m->year, &r.year) || !omdb_dup(m->rated, &r.rated) ||
        !omdb_dup(m->genre, &r.genre) || !omdb_dup(m->director, &r.director) ||
        !omdb_dup(m->writer, &r.writer) || !omdb_dup(m->actors, &r.actors) ||
        !omdb_dup(m->language, &r.language) || !omdb_dup(m->country, &r.country) ||
        !omdb_dup(m->awards, &r.awards)) {
        norm_omdb_row_release(&r);
        return rs_fail(err, RS_ERR_NOMEM, "omdb: out of memory normalizing a movie");
    }
    *out = r;
    return RS_OK;
}

enum rs_err norm_discover_entry(const struct tmdb_movie *m, struct discover_row *out,
                                const struct rs_log *log, struct rs_error *err)
{
    char q[QUOTE_MAX + 1];
    struct discover_row r = {.tmdb_id = m->id};
    bool bad;

    r.release_date = norm_tmdb_date(m->release_date, &bad);
    if (bad)
        rs_logf(log, RS_LOG_WARN, "tmdb: unreadable release_date \"%s\" tmdb_id=%lld",
                quote(q, sizeof(q), m->release_date), (long long)m->id);
    r.vote_average = tmdb_frange(m->vote_average, 0.0, 10.0, "vote_average", m->id, log);
    r.vote_count = tmdb_range(m->vote_count, 0, INT32_MAX, "vote_count", m->id, log);
    r.popularity = tmdb_frange(m->popularity, 0.0, HUGE_VAL, "popularity", m->id, log);
    if (!dup_text(m->title, &r.title))
        return rs_fail(err, RS_ERR_NOMEM, "tmdb: out of memory normalizing movie %lld",
                       (long long)m->id);
    *out = r;
    return RS_OK;
}

void norm_discover_row_release(struct discover_row *row)
{
    if (!row)
        return;
    free(row->title);
    memset(row, 0, sizeof(*row));
}

void norm_tmdb_row_release(struct tmdb_row *row)
{
    if (!row)
        return;
    free(row->imdb_id);
    free(row->title);
    free(row->original_title);
    free(row->overview);
    free(row->tagline);
    free_names(row->genres, row->n_genres);
    free_names(row->production_companies, row->n_production_companies);
    free(row->status);
    free(row->original_language);
    free(row->raw);
    norm_tmdb_parts_release(&row->parts);
    memset(row, 0, sizeof(*row));
}

void norm_omdb_row_release(struct omdb_row *row)
{
    if (!row)
        return;
    free(row->imdb_id);
    free(row->title);
    free(row->year);
    free(row->rated);
    free(row->genre);
    free(row->director);
    free(row->writer);
    free(row->actors);
    free(row->language);
    free(row->country);
    free(row->awards);
    free(row->raw);
    memset(row, 0, sizeof(*row));
}
