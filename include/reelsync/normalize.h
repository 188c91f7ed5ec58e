/*
 * normalize: API structs to row structs, and the field normalizers for OMDB's strings.
 *
 * Rows are what the store writes: one struct per table, every nullable column a pointer
 * (NULL = SQL NULL) or an rs_i64/rs_f64 with set == false. The normalization rules are
 * SPEC's: "N/A", "" and null become NULL, runtime 0 becomes NULL, budget and revenue are
 * stored as given. Strings are UTF-8, byte-exact as the API sent them.
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
    char **genres; /* names; n_genres may be 0 (an empty list, not NULL) */
    size_t n_genres;
    char **production_companies; /* names */
    size_t n_production_companies;
    struct rs_f64 vote_average;
    struct rs_i64 vote_count;
    struct rs_f64 popularity;
    char *status;
    char *original_language;
    struct rs_i64 adult; /* 0/1 */
    char *raw;           /* the response body as received */
    size_t raw_len;
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

void norm_discover_row_release(struct discover_row *row);
void norm_tmdb_row_release(struct tmdb_row *row);
void norm_omdb_row_release(struct omdb_row *row);

#endif
