/*
 * normalize: API structs to row structs, and the field normalizers for OMDB's strings.
 *
 * Rows are what the store writes: one struct per table, every nullable column a pointer
 * (NULL = SQL NULL) or an rs_i64/rs_f64 with set == false. The normalization rules are
 * the storage rules of docs/schema.md: "N/A", "" and null become NULL, runtime 0 becomes NULL,
 * budget and revenue are stored as given. Strings are UTF-8, byte-exact as the API sent them.
 *
 * Ownership: a row owns every string and array it points to; release it with the
 * matching _release function (which accepts a zeroed row and leaves the row zeroed).
 */
#ifndef REELSYNC_NORMALIZE_H
#define REELSYNC_NORMALIZE_H

#include "reelsync/reelsync.h"

/* One movie as discovery reports it: the columns of `movies` it fills. */
struct discover_row {
    int64_t tmdb_id;
    char *title;                /* may be NULL */
    struct rs_i64 release_date; /* rs_date_t; NULL when TMDB sent "" or null */
    struct rs_f64 vote_average; /* TMDB may send an integer (8) or a double (8.2) */
    struct rs_i64 vote_count;
    struct rs_f64 popularity;
};

/*
 * The parts of a TMDB details answer asked with append_to_response (credits, keywords,
 * release_dates), as rows of movie_credits, movie_keywords and release_dates. Only the
 * top-billed cast is kept: the TMDB_CAST_MAX entries of lowest `order`; of the crew, the
 * directors (job "Director") and the writers (department "Writing": Screenplay, Writer,
 * Story, Novel, Characters, ...). The raw column keeps the same entries, each with only
 * the members its row is made of.
 */
#define TMDB_CAST_MAX 20

struct credit_row {
    int64_t person_id;
    char *name;
    const char *role;  /* "cast", "director" or "writer": static text, not owned */
    char *job;         /* crew: TMDB's job ("Director", "Screenplay", "Story"...); NULL for cast */
    char *character;   /* cast: NULL when "" or null */
    struct rs_i64 ord; /* cast: TMDB's billing `order`; NULL for crew */
};

struct keyword_row {
    int64_t keyword_id;
    char *name;
};

struct release_row {
    char *country;      /* ISO 3166-1, "US" */
    struct rs_i64 type; /* 1 premiere, 2 limited, 3 theatrical, 4 digital, 5 physical, 6 TV */
    struct rs_i64 release_date; /* rs_date_t, the day of TMDB's "2010-07-16T00:00:00.000Z" */
    char *certification;        /* NULL when "" */
    char *note;                 /* NULL when "" */
};

/*
 * has_*: the part was in the answer, so its rows (maybe none) replace the movie's stored
 * ones; a part the answer lacks leaves the stored rows as they are.
 */
struct tmdb_parts {
    bool has_credits, has_keywords, has_release_dates;
    struct credit_row *credits; /* cast by `order`, then directors, then writers */
    size_t n_credits;
    struct keyword_row *keywords;
    size_t n_keywords;
    struct release_row *release_dates;
    size_t n_release_dates;
};

/* The `tmdb_movies` row. */
struct tmdb_row {
    int64_t tmdb_id;
    char *imdb_id; /* NULL for null or "" */
    char *title;
    char *original_title;
    char *overview;
    char *tagline;
    struct rs_i64 release_date; /* rs_date_t */
    struct rs_i64 runtime;      /* minutes; NULL for 0 or null */
    struct rs_i64 budget;       /* whole dollars, as given (0 stays 0) */
    struct rs_i64 revenue;
    /*
     * Names. After a successful parse both arrays are non-NULL and NULL-terminated
     * (genres[n_genres] == NULL), so an empty list is {NULL} with n 0, never a NULL pointer:
     * a missing, null or empty list from TMDB is stored as an empty list.
     */
    char **genres;
    size_t n_genres;
    char **production_companies;
    size_t n_production_companies;
    struct rs_f64 vote_average;
    struct rs_i64 vote_count;
    struct rs_f64 popularity;
    char *status;
    char *original_language;
    struct rs_i64 adult; /* 0/1 */
    char *raw;           /* the response body as received, credits trimmed (TMDB_CAST_MAX) */
    size_t raw_len;
    struct tmdb_parts parts; /* the appended parts, released with the row */
};

/* The `omdb_movies` row. */
struct omdb_row {
    char *imdb_id;
    char *title;
    char *year; /* as OMDB gives it: "2010", "2011–2019" */
    char *rated;
    struct rs_i64 released;        /* rs_date_t, from "16 Jul 2010" */
    struct rs_i64 runtime_minutes; /* from "148 min" */
    char *genre;
    char *director;
    char *writer;
    char *actors;
    char *language;
    char *country;
    char *awards;
    struct rs_f64 imdb_rating;     /* from "8.8" or Ratings "8.8/10" */
    struct rs_i64 imdb_votes;      /* from "2,345,678" */
    struct rs_i64 rotten_tomatoes; /* percent, from "87%" */
    struct rs_i64 metacritic;      /* from "74/100", or Metascore "74" */
    struct rs_i64 box_office;      /* whole dollars, from "$292,587,330" */
    char *raw;
    size_t raw_len;
};

/*
 * A TMDB /movie/{id} body as parsed (tmdb.c), before normalization. Strings are borrowed
 * from the parsed document (valid while it lives) and NULL when the key is missing, null
 * or of the wrong type (the parser has warned about the latter); numbers are unset
 * likewise. The arrays hold borrowed names.
 */
struct tmdb_movie {
    int64_t id;
    const char *imdb_id;
    const char *title;
    const char *original_title;
    const char *overview;
    const char *tagline;
    const char *release_date; /* "YYYY-MM-DD", "" or anything TMDB sent */
    const char *status;
    const char *original_language;
    struct rs_i64 runtime;
    struct rs_i64 budget;
    struct rs_i64 revenue;
    struct rs_i64 vote_count;
    struct rs_i64 adult; /* 0/1 */
    struct rs_f64 vote_average;
    struct rs_f64 popularity;
    const char *const *genres;
    size_t n_genres;
    const char *const *production_companies;
    size_t n_production_companies;
    const char *raw; /* the body as received, RAW_LEN bytes */
    size_t raw_len;
};

/*
 * Normalizes M into OUT (a zeroed or released row): imdb_id null or "" -> NULL; text ""
 * -> NULL (titles, overview, tagline, status, language); release_date "" -> NULL, an
 * unreadable date -> NULL with a warning naming the field; runtime 0 -> NULL; runtime,
 * vote_count, budget or revenue below 0, runtime or vote_count above INT32_MAX,
 * vote_average outside 0..10 or a negative popularity -> NULL with a warning; budget and
 * revenue otherwise as given (0 stays 0). Copies every string (raw included) into OUT.
 * Returns RS_OK, or RS_ERR_NOMEM with OUT left zeroed.
 */
enum rs_err norm_tmdb_movie(const struct tmdb_movie *m, struct tmdb_row *out,
                            const struct rs_log *log, struct rs_error *err);

/*
 * Normalizes one discover result (only id, title, release_date, vote_average, vote_count
 * and popularity of M are read) into OUT with the rules of norm_tmdb_movie. Returns RS_OK,
 * or RS_ERR_NOMEM with OUT untouched.
 */
enum rs_err norm_discover_entry(const struct tmdb_movie *m, struct discover_row *out,
                                const struct rs_log *log, struct rs_error *err);

/*
 * The appended parts as parsed (tmdb.c), borrowed like struct tmdb_movie. An entry's id is
 * 0 when missing or not a positive integer; its strings NULL when missing or not strings.
 */
struct tmdb_credit {
    int64_t id;
    const char *name;
    const char *character;  /* cast */
    struct rs_i64 order;    /* cast */
    const char *job;        /* crew */
    const char *department; /* crew */
};
struct tmdb_keyword {
    int64_t id;
    const char *name;
};
struct tmdb_release {
    const char *country; /* the iso_3166_1 of its results entry */
    struct rs_i64 type;
    const char *release_date; /* "2010-07-16T00:00:00.000Z" */
    const char *certification;
    const char *note;
};
struct tmdb_parts_in {
    bool has_credits, has_keywords, has_release_dates;
    const struct tmdb_credit *cast;
    size_t n_cast;
    const struct tmdb_credit *crew;
    size_t n_crew;
    const struct tmdb_keyword *keywords;
    size_t n_keywords;
    const struct tmdb_release *releases;
    size_t n_releases;
};

/*
 * Normalizes the parts of movie TMDB_ID into OUT (zeroed): the top TMDB_CAST_MAX cast by
 * `order` (ties and a missing order by position), directors and writers of the crew, every
 * keyword, every release date. Entries without a person/keyword id in 1..INT32_MAX, or
 * without a country, are skipped with a warning; an unreadable date or a type outside 1..6
 * is NULL with a warning; "" text is NULL. KEEP_CAST[i] and KEEP_CREW[i] (N_CAST and N_CREW
 * entries, may be NULL when those are 0) say which entries became rows, for trimming raw.
 * Returns RS_OK, or RS_ERR_NOMEM with OUT left zeroed.
 */
enum rs_err norm_tmdb_parts(const struct tmdb_parts_in *in, int64_t tmdb_id, struct tmdb_parts *out,
                            bool *keep_cast, bool *keep_crew, const struct rs_log *log,
                            struct rs_error *err);
/* Releases the rows of PARTS; accepts a zeroed one and leaves it zeroed. */
void norm_tmdb_parts_release(struct tmdb_parts *parts);

/*
 * An OMDB answer as parsed (omdb.c): every field the string OMDB sent, borrowed from the
 * parsed document; NULL when missing, null or not a string. rating_* are the Value of the
 * Ratings entry of that Source ("8.8/10", "87%", "74/100"), NULL without one.
 */
struct omdb_movie {
    const char *imdb_id;
    const char *title;
    const char *year;
    const char *rated;
    const char *released;
    const char *runtime;
    const char *genre;
    const char *director;
    const char *writer;
    const char *actors;
    const char *language;
    const char *country;
    const char *awards;
    const char *imdb_rating; /* "imdbRating": "8.8" */
    const char *imdb_votes;  /* "2,767,518" */
    const char *metascore;   /* "74" */
    const char *box_office;  /* "$292,587,330" */
    const char *rating_imdb; /* Ratings "Internet Movie Database" */
    const char *rating_rotten_tomatoes;
    const char *rating_metacritic;
    const char *raw;
    size_t raw_len;
};

/*
 * Normalizes M into OUT (a zeroed or released row) with the field normalizers below:
 * text "N/A" or "" -> NULL (any other word, "None" or "Not Rated", is kept);
 * imdb_rating from Ratings, else imdbRating; metacritic from Ratings, else Metascore.
 * A value in an unknown format becomes NULL and logs a warning
 * `omdb: unreadable FIELD "VALUE" imdb_id=ID`. Returns RS_OK, or RS_ERR_NOMEM with OUT
 * left zeroed.
 */
enum rs_err norm_omdb_movie(const struct omdb_movie *m, struct omdb_row *out,
                            const struct rs_log *log, struct rs_error *err);

/*
 * OMDB field normalizers: pure, total functions over any NUL-terminated string (S may be
 * NULL). Each returns the value, or NULL (set == false) when S is NULL, "", "N/A" or
 * unreadable; *BAD (BAD may be NULL) is set to true only when S was present but in an
 * unknown format, false otherwise. Numbers are read digit by digit: no sign, no spaces,
 * no exponent, no trailing text; a value that overflows or is out of range is unreadable.
 * None of them depends on the locale.
 */

/* S unless it is NULL, "" or "N/A" (then NULL). Returns a pointer into S, not a copy. */
const char *norm_omdb_text(const char *s);
/* "$292,587,330" or "292587330" -> 292587330; commas must group by three. */
struct rs_i64 norm_money(const char *s, bool *bad);
/* "2,767,518" or "31" -> count, at most INT32_MAX (the column is INTEGER). */
struct rs_i64 norm_votes(const char *s, bool *bad);
/* "148 min", "2 h 15 min" or "2 h" -> minutes (at most INT32_MAX); "0 min" -> NULL, not bad. */
struct rs_i64 norm_runtime(const char *s, bool *bad);
/* "16 Jul 2010" (day of 1 or 2 digits, English month abbreviation, 4-digit year) -> rs_date_t. */
struct rs_i64 norm_omdb_date(const char *s, bool *bad);
/* "8.8" or "8.8/10" -> 8.8, within 0..10. */
struct rs_f64 norm_imdb_rating(const char *s, bool *bad);
/* "87%" or "87" -> 87, within 0..100. */
struct rs_i64 norm_percent(const char *s, bool *bad);
/* "74/100" or "74" -> 74, within 0..100. */
struct rs_i64 norm_metacritic(const char *s, bool *bad);

/* TMDB's "2010-07-16" -> rs_date_t; NULL or "" -> NULL (not bad); anything else bad. */
struct rs_i64 norm_tmdb_date(const char *s, bool *bad);

/* Release a row's strings and arrays; accept a zeroed row and leave the row zeroed. */
void norm_discover_row_release(struct discover_row *row);
void norm_tmdb_row_release(struct tmdb_row *row);
void norm_omdb_row_release(struct omdb_row *row);

#endif
