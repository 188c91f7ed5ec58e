/*
 * libFuzzer target: every field normalizer of normalize.h on each NUL-separated piece of the
 * input, then norm_omdb_movie and norm_tmdb_movie on structs whose fields are the pieces.
 *
 * Invariants, per normalizer: a missing value ("", "N/A", NULL) is NULL and not bad; a set
 * value is never bad and lies in the documented range (money and counts non-negative,
 * ratings 0..10, scores 0..100, runtime 1..INT32_MAX); the value is the number written in
 * the text (its digits without '$' and commas, or strtod's value of the decimal), and a date
 * formats back to the text it came from.
 */
#include <math.h>
#include <stdbool.h>

#include "fuzz.h"
#include "reelsync/normalize.h"

#define MAX_PIECES 24

static bool missing(const char *s)
{
    return s[0] == '\0' || strcmp(s, "N/A") == 0;
}

/* The digits of S (after an optional '$', commas dropped, leading zeros dropped) equal V. */
static bool digits_are(const char *s, int64_t v)
{
    char want[32], got[32];
    size_t n = 0;
    bool zero = false;
    if (*s == '$')
        s++;
    for (; *s; s++) {
        if (*s == ',')
            continue;
        if (n == 0 && *s == '0') {
            zero = true; /* a leading zero */
            continue;
        }
        if (n + 1 >= sizeof(got))
            return false;
        got[n++] = *s;
    }
    if (n == 0 && zero)
        got[n++] = '0';
    got[n] = '\0';
    snprintf(want, sizeof(want), "%lld", (long long)v);
    return strcmp(want, got) == 0;
}

/* A set integer result: not bad, in [LO, HI]. */
static void check_int(const char *s, struct rs_i64 r, bool bad, int64_t lo, int64_t hi)
{
    if (missing(s))
        FUZZ_CHECK(!r.set && !bad);
    if (r.set)
        FUZZ_CHECK(!bad && r.v >= lo && r.v <= hi);
    else if (!missing(s) && !bad)
        FUZZ_CHECK(false); /* a present value is either read or reported bad ... */
}

static void check_money_votes(const char *s)
{
    bool bad = true;
    struct rs_i64 r = norm_money(s, &bad);
    check_int(s, r, bad, 0, INT64_MAX);
    if (r.set)
        FUZZ_CHECK(digits_are(s, r.v));
    r = norm_votes(s, &bad);
    check_int(s, r, bad, 0, INT32_MAX);
    if (r.set)
        FUZZ_CHECK(s[0] != '$' && digits_are(s, r.v));
}

static void check_runtime(const char *s)
{
    bool bad = true;
    struct rs_i64 r = norm_runtime(s, &bad);
    if (missing(s))
        FUZZ_CHECK(!r.set && !bad);
    /* "0 min" is NULL and not bad: the one present value that is neither read nor bad. */
    if (r.set)
        FUZZ_CHECK(!bad && r.v >= 1 && r.v <= INT32_MAX);
}

static void check_dates(const char *s)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    bool bad = true;
    struct rs_i64 r = norm_omdb_date(s, &bad);
    check_int(s, r, bad, INT32_MIN, INT32_MAX);
    if (r.set) {
        int y, m, d;
        char a[40], b[40];
        rs_date_to_ymd((rs_date_t)r.v, &y, &m, &d);
        FUZZ_CHECK(y >= 1800 && y <= 9999);
        snprintf(a, sizeof(a), "%d %s %04d", d, mon[m - 1], y);
        snprintf(b, sizeof(b), "%02d %s %04d", d, mon[m - 1], y);
        FUZZ_CHECK(strcmp(s, a) == 0 || strcmp(s, b) == 0);
    }
    r = norm_tmdb_date(s, &bad);
    if (s[0] == '\0')
        FUZZ_CHECK(!r.set && !bad);
    else
        FUZZ_CHECK(r.set != bad);
    if (r.set) {
        char buf[16];
        FUZZ_CHECK(strcmp(rs_date_format((rs_date_t)r.v, buf, sizeof(buf)), s) == 0);
    }
}

static void check_scores(const char *s)
{
    bool bad = true;
    struct rs_f64 f = norm_imdb_rating(s, &bad);
    if (missing(s))
        FUZZ_CHECK(!f.set && !bad);
    FUZZ_CHECK(f.set || missing(s) || bad);
    if (f.set) {
        FUZZ_CHECK(!bad && isfinite(f.v) && f.v >= 0 && f.v <= 10);
        FUZZ_CHECK(f.v == strtod(s, NULL)); /* the nearest double, as strtod reads it */
    }
    struct rs_i64 r = norm_percent(s, &bad);
    check_int(s, r, bad, 0, 100);
    if (r.set)
        FUZZ_CHECK(r.v == strtol(s, NULL, 10));
    r = norm_metacritic(s, &bad);
    check_int(s, r, bad, 0, 100);
    if (r.set)
        FUZZ_CHECK(r.v == strtol(s, NULL, 10));
    const char *t = norm_omdb_text(s);
    FUZZ_CHECK(t == (missing(s) ? NULL : s));
}

/* The whole-row normalizers, fed the pieces field by field. */
static void check_rows(const char *const *p, size_t n)
{
#define PIECE(i) (n ? p[(i) % n] : NULL)
    struct omdb_movie om = {.imdb_id = PIECE(0),
                            .title = PIECE(1),
                            .year = PIECE(2),
                            .rated = PIECE(3),
                            .released = PIECE(4),
                            .runtime = PIECE(5),
                            .genre = PIECE(6),
                            .director = PIECE(7),
                            .writer = PIECE(8),
                            .actors = PIECE(9),
                            .language = PIECE(10),
                            .country = PIECE(11),
                            .awards = PIECE(12),
                            .imdb_rating = PIECE(13),
                            .imdb_votes = PIECE(14),
                            .metascore = PIECE(15),
                            .box_office = PIECE(16),
                            .rating_imdb = PIECE(17),
                            .rating_rotten_tomatoes = PIECE(18),
                            .rating_metacritic = PIECE(19),
                            .raw = "{}",
                            .raw_len = 2};
    struct omdb_row orow;
    struct rs_error err = {0};
    memset(&orow, 0, sizeof(orow));
    if (norm_omdb_movie(&om, &orow, &fuzz_log, &err) == RS_OK) {
        FUZZ_CHECK(!orow.box_office.set || orow.box_office.v >= 0);
        FUZZ_CHECK(!orow.imdb_rating.set || (orow.imdb_rating.v >= 0 && orow.imdb_rating.v <= 10));
        norm_omdb_row_release(&orow);
    }
    const char *names[3] = {PIECE(0), PIECE(1), PIECE(2)};
    struct tmdb_movie tm = {.id = 1,
                            .imdb_id = PIECE(0),
                            .title = PIECE(1),
                            .original_title = PIECE(2),
                            .overview = PIECE(3),
                            .tagline = PIECE(4),
                            .release_date = PIECE(5),
                            .status = PIECE(6),
                            .original_language = PIECE(7),
                            .genres = names,
                            .n_genres = n ? 3 : 0,
                            .raw = "{}",
                            .raw_len = 2};
    struct tmdb_row trow;
    memset(&trow, 0, sizeof(trow));
    if (norm_tmdb_movie(&tm, &trow, &fuzz_log, &err) == RS_OK) {
        FUZZ_CHECK(trow.genres != NULL && trow.genres[trow.n_genres] == NULL);
        norm_tmdb_row_release(&trow);
    }
#undef PIECE
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_cstr(data, size);
    const char *pieces[MAX_PIECES];
    size_t n = 0;
    for (const char *p = buf; n < MAX_PIECES && p <= buf + size; p += strlen(p) + 1)
        pieces[n++] = p;
    for (size_t i = 0; i < n; i++) {
        check_money_votes(pieces[i]);
        check_runtime(pieces[i]);
        check_dates(pieces[i]);
        check_scores(pieces[i]);
    }
    check_rows(pieces, n);
    free(buf);
    return 0;
}
