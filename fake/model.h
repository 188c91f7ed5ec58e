/*
 * Internal interface between catalog.c (rows, time model, discover, changes) and model.c
 * (the response bodies of one movie). Not used outside the catalog.
 */
#ifndef FAKE_MODEL_H
#define FAKE_MODEL_H

#include "fake.h"

/* The fixed traits of one movie: a pure function of (seed, id). */
struct fake_traits {
    int32_t id;
    int32_t day; /* release day; meaningless unless dated */
    bool dated;
    int imdb_kind; /* 0 an id, 1 null, 2 "" */
    long imdb_num;
    bool omdb_exists, adult, video;
    int lang;
    int64_t budget, revenue; /* revenue: the final figure */
    int runtime;
    bool has_rt, has_meta, has_awards;
    int year;
    rs_date_t award_day;
};

uint64_t fake_h(const struct fake_catalog *c, int64_t id, uint64_t salt);
void fake_traits(const struct fake_catalog *c, long i, struct fake_traits *t);
long fake_index_of(const struct fake_catalog *c, int64_t id);
long fake_imdb_num(const struct fake_catalog *c, long i);
long fake_catalog_size(const struct fake_catalog *c);
int32_t fake_row_id(const struct fake_catalog *c, long i);
long fake_vote_count(const struct fake_catalog *c, long i, rs_date_t today);
double fake_popularity(const struct fake_catalog *c, long i, rs_date_t today);
double fake_vote_average(const struct fake_catalog *c, long i, rs_date_t today);
int fake_revision(const struct fake_catalog *c, long i, rs_date_t today);
bool fake_tmdb_changed_in(const struct fake_catalog *c, long i, rs_date_t s, rs_date_t e);
/* The production countries of a movie (COUNTRIES indexes, the origin first); returns 1 or 2. */
int fake_country_list(const struct fake_catalog *c, const struct fake_traits *t, int *out);
/* Appends a TMDB-style image path ("/<27 chars>.jpg") drawn from (ID, SALT), quoted. */
void fake_model_image(const struct fake_catalog *c, int32_t id, uint64_t salt,
                      struct fake_buf *out);
/* Appends the parts PARTS (FAKE_PART_* bits) of movie I as of TODAY, each as ",\"key\":{...}". */
void fake_parts_json(const struct fake_catalog *c, long i, rs_date_t today, unsigned parts,
                     struct fake_buf *out);
void fake_model_discover_item(const struct fake_catalog *c, long i, rs_date_t today,
                              struct fake_buf *out);

#endif
