/*
 * The response bodies of one synthetic movie: TMDB details, a TMDB discover item and the
 * OMDB record, in the real APIs' key order. Values come from the traits and the time model
 * of catalog.c; this file only decides how they read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_data.h"
#include "model.h"

struct view {
    struct fake_traits t;
    long idx;
    rs_date_t today;
    int64_t age;
    int rev;
    char title[160], orig[160], overview[320], tagline[64];
};

static void make_title(const struct fake_catalog *c, const struct fake_traits *t, char *out,
                       size_t len)
{
    uint64_t h = fake_h(c, t->id, 40);
    const char *a = ADJ[h % N_OF(ADJ)], *n = NOUN[(h >> 8) % N_OF(NOUN)];
    const char *n2 = NOUN[(h >> 16) % N_OF(NOUN)];
    const char *sequel = (h >> 24) % 15 == 0 ? " 2" : "";
    switch ((h >> 32) % 4) {
    case 0:
        snprintf(out, len, "The %s %s%s", a, n, sequel);
        break;
    case 1:
        snprintf(out, len, "%s %s%s", a, n, sequel);
        break;
    case 2:
        snprintf(out, len, "%s of the %s %s", n2, a, n);
        break;
    default:
        snprintf(out, len, "The %s%s", n, sequel);
        break;
    }
}

static void make_view(const struct fake_catalog *c, long i, rs_date_t today, struct view *v)
{
    fake_traits(c, i, &v->t);
    v->idx = i;
    v->today = today;
    v->age = v->t.dated ? (int64_t)today - v->t.day : -1000000;
    v->rev = fake_revision(c, i, today);
    make_title(c, &v->t, v->title, sizeof(v->title));
    const struct lang *l = &LANGS[v->t.lang];
    if (l->titles) {
        snprintf(v->orig, sizeof(v->orig), "%s",
                 l->titles[fake_h(c, v->t.id, 41) % (uint64_t)l->ntitles]);
        if (fake_h(c, v->t.id, 42) % 2 == 0 && v->t.lang != 2 && v->t.lang != 5)
            snprintf(v->title, sizeof(v->title), "%s", v->orig);
    } else {
        snprintf(v->orig, sizeof(v->orig), "%s", v->title);
    }
    const char *const *ov =
        OVERVIEWS[(fake_h(c, v->t.id, 30) + (uint64_t)v->rev) % N_OF(OVERVIEWS)];
    snprintf(v->overview, sizeof(v->overview), "%s%s%s", ov[0], v->title, ov[1]);
    if (fake_h(c, v->t.id, 31) % 5 == 0)
        v->tagline[0] = '\0';
    else
        snprintf(v->tagline, sizeof(v->tagline), "%s",
                 TAGLINES[(fake_h(c, v->t.id, 32) + (uint64_t)v->rev) % N_OF(TAGLINES)]);
}

static void image_path(const struct fake_catalog *c, int32_t id, uint64_t salt, const char *ext,
                       struct fake_buf *out)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char p[40];
    uint64_t h = 0;
    p[0] = '/';
    for (int k = 0; k < 27; k++) {
        if (k % 9 == 0)
            h = fake_h(c, id, salt * 16 + (uint64_t)k);
        p[1 + k] = A[h % 62];
        h /= 62;
    }
    snprintf(p + 28, sizeof(p) - 28, ".%s", ext);
    fake_buf_json_str(out, p);
}

void fake_model_image(const struct fake_catalog *c, int32_t id, uint64_t salt, struct fake_buf *out)
{
    image_path(c, id, salt, "jpg", out);
}

static void maybe_image(const struct fake_catalog *c, int32_t id, uint64_t salt, int null_in,
                        struct fake_buf *out)
{
    if (null_in && fake_h(c, id, salt + 7) % (uint64_t)null_in == 0)
        fake_buf_puts(out, "null");
    else
        image_path(c, id, salt, "jpg", out);
}

static int genre_list(const struct fake_catalog *c, int32_t id, int *g)
{
    uint64_t h = fake_h(c, id, 50);
    int n = 1 + (int)(h % 3), step = 1 + (int)((h >> 8) % 5), g0 = (int)((h >> 16) % N_OF(GENRES));
    for (int k = 0; k < n; k++)
        g[k] = (g0 + step * k) % N_OF(GENRES);
    return n;
}

static int company_list(const struct fake_catalog *c, int32_t id, int *g)
{
    uint64_t h = fake_h(c, id, 51);
    int n = (int)(h % 4), step = 1 + (int)((h >> 8) % 5), g0 = (int)((h >> 16) % N_OF(COMPANIES));
    for (int k = 0; k < n; k++)
        g[k] = (g0 + step * k) % N_OF(COMPANIES);
    return n;
}

/* Production countries: the language's country first, then maybe the US. */
int fake_country_list(const struct fake_catalog *c, const struct fake_traits *t, int *out)
{
    static const int by_lang[] = {0, 2, 3, 4, 5, 6, 0};
    int first = by_lang[t->lang];
    if (t->lang == 0 && fake_h(c, t->id, 52) % 5 == 0)
        first = 1;
    out[0] = first;
    if (first != 0 && fake_h(c, t->id, 53) % 3 == 0) {
        out[1] = 0;
        return 2;
    }
    return 1;
}

static int64_t revenue_at(const struct view *v)
{
    if (!v->t.dated || v->age < 0 || v->t.revenue == 0)
        return 0;
    int64_t w = v->age / 7 + 1;
    return v->t.revenue * (w > 17 ? 17 : w) / 17;
}

static int runtime_at(const struct view *v)
{
    if (!v->t.dated || v->age < -90 || v->t.runtime == 0)
        return 0;
    return v->t.runtime + v->rev % 2;
}

static const char *status_at(const struct view *v)
{
    if (!v->t.dated)
        return "Planned";
    return v->age < -90 ? "In Production" : v->age < 0 ? "Post Production" : "Released";
}

static void date_str(const struct view *v, char *buf)
{
    if (v->t.dated)
        rs_date_format(v->t.day, buf, 11);
    else
        buf[0] = '\0';
}

static void imdb_json(const struct view *v, struct fake_buf *out)
{
    if (v->t.imdb_kind == 1)
        fake_buf_puts(out, "null");
    else if (v->t.imdb_kind == 2)
        fake_buf_puts(out, "\"\"");
    else
        fake_buf_printf(out, "\"tt%07ld\"", v->t.imdb_num);
}

static void genres_json(const struct fake_catalog *c, const struct view *v, struct fake_buf *out)
{
    int g[3], n = genre_list(c, v->t.id, g);
    fake_buf_puts(out, "\"genres\":[");
    for (int k = 0; k < n; k++)
        fake_buf_printf(out, "%s{\"id\":%d,\"name\":\"%s\"}", k ? "," : "", GENRES[g[k]].id,
                        GENRES[g[k]].tmdb);
    fake_buf_puts(out, "],");
}

static void companies_json(const struct fake_catalog *c, const struct view *v, struct fake_buf *out)
{
    int g[3], n = company_list(c, v->t.id, g);
    fake_buf_puts(out, "\"production_companies\":[");
    for (int k = 0; k < n; k++) {
        const struct company *co = &COMPANIES[g[k]];
        fake_buf_printf(out, "%s{\"id\":%d,\"logo_path\":", k ? "," : "", co->id);
        if (co->logo)
            fake_buf_json_str(out, co->logo);
        else
            fake_buf_puts(out, "null");
        fake_buf_puts(out, ",\"name\":");
        fake_buf_json_str(out, co->name);
        fake_buf_printf(out, ",\"origin_country\":\"%s\"}", co->country);
    }
    fake_buf_puts(out, "],");
}

static void countries_json(const struct fake_catalog *c, const struct view *v, struct fake_buf *out)
{
    int cs[2], n = fake_country_list(c, &v->t, cs);
    fake_buf_puts(out, "\"production_countries\":[");
    for (int k = 0; k < n; k++)
        fake_buf_printf(out, "%s{\"iso_3166_1\":\"%s\",\"name\":\"%s\"}", k ? "," : "",
                        COUNTRIES[cs[k]].iso, COUNTRIES[cs[k]].tmdb);
    fake_buf_puts(out, "],");
}

static void languages_json(const struct fake_catalog *c, const struct view *v, struct fake_buf *out)
{
    const struct lang *l = &LANGS[v->t.lang];
    fake_buf_printf(out,
                    "\"spoken_languages\":[{\"english_name\":\"%s\",\"iso_639_1\":\"%s\",\"name\":",
                    l->english, l->code);
    fake_buf_json_str(out, l->native);
    fake_buf_puts(out, "}");
    if (v->t.lang != 0 && v->t.lang != 6 && fake_h(c, v->t.id, 54) % 3 == 0)
        fake_buf_puts(out,
                      ",{\"english_name\":\"English\",\"iso_639_1\":\"en\",\"name\":\"English\"}");
    fake_buf_puts(out, "],");
}

static void collection_json(const struct fake_catalog *c, const struct view *v,
                            struct fake_buf *out)
{
    if (fake_h(c, v->t.id, 34) % 10 != 0) {
        fake_buf_puts(out, "\"belongs_to_collection\":null,");
        return;
    }
    char name[200];
    snprintf(name, sizeof(name), "%s Collection", v->title);
    fake_buf_printf(out, "\"belongs_to_collection\":{\"id\":%ld,\"name\":", 100000L + v->t.id);
    fake_buf_json_str(out, name);
    fake_buf_puts(out, ",\"poster_path\":");
    image_path(c, v->t.id, 60, "jpg", out);
    fake_buf_puts(out, ",\"backdrop_path\":");
    image_path(c, v->t.id, 62, "jpg", out);
    fake_buf_puts(out, "},");
}

static void details_head(const struct fake_catalog *c, const struct view *v, struct fake_buf *out)
{
    fake_buf_printf(out, "{\"adult\":%s,\"backdrop_path\":", v->t.adult ? "true" : "false");
    maybe_image(c, v->t.id, 70, 20, out);
    fake_buf_puts(out, ",");
    collection_json(c, v, out);
    fake_buf_printf(out, "\"budget\":%lld,", (long long)v->t.budget);
    genres_json(c, v, out);
    if (fake_h(c, v->t.id, 33) % 10 < 3)
        fake_buf_printf(out, "\"homepage\":\"https://www.example.com/movies/%d\",", (int)v->t.id);
    else
        fake_buf_puts(out, "\"homepage\":\"\",");
    fake_buf_printf(out, "\"id\":%d,\"imdb_id\":", (int)v->t.id);
    imdb_json(v, out);
    int cs[2];
    fake_country_list(c, &v->t, cs);
    fake_buf_printf(out,
                    ",\"origin_country\":[\"%s\"],\"original_language\":\"%s\",\"original_title\":",
                    COUNTRIES[cs[0]].iso, LANGS[v->t.lang].code);
    fake_buf_json_str(out, v->orig);
    fake_buf_puts(out, ",\"overview\":");
    fake_buf_json_str(out, v->overview);
    fake_buf_puts(out, ",\"popularity\":");
    fake_buf_real(out, fake_popularity(c, v->idx, v->today), 3);
    fake_buf_puts(out, ",\"poster_path\":");
    maybe_image(c, v->t.id, 80, 50, out);
    fake_buf_puts(out, ",");
}

bool fake_catalog_movie_json(const struct fake_catalog *c, int64_t id, rs_date_t today,
                             const char *append, struct fake_buf *out)
{
    long i = fake_index_of(c, id);
    if (i < 0)
        return false;
    struct view v;
    char date[16];
    make_view(c, i, today, &v);
    details_head(c, &v, out);
    companies_json(c, &v, out);
    countries_json(c, &v, out);
    date_str(&v, date);
    fake_buf_printf(out, "\"release_date\":\"%s\",\"revenue\":%lld,\"runtime\":%d,", date,
                    (long long)revenue_at(&v), runtime_at(&v));
    languages_json(c, &v, out);
    fake_buf_printf(out, "\"status\":\"%s\",\"tagline\":", status_at(&v));
    fake_buf_json_str(out, v.tagline);
    fake_buf_puts(out, ",\"title\":");
    fake_buf_json_str(out, v.title);
    fake_buf_printf(out, ",\"video\":%s,\"vote_average\":", v.t.video ? "true" : "false");
    fake_buf_real(out, fake_vote_average(c, i, today), 3);
    fake_buf_printf(out, ",\"vote_count\":%ld", fake_vote_count(c, i, today));
    int n_parts;
    fake_parts_json(c, i, today, fake_parts_parse(append, &n_parts), out);
    fake_buf_puts(out, "}");
    return true;
}

void fake_model_discover_item(const struct fake_catalog *c, long i, rs_date_t today,
                              struct fake_buf *out)
{
    struct view v;
    char date[16];
    int g[3], n;
    make_view(c, i, today, &v);
    fake_buf_printf(out, "{\"adult\":%s,\"backdrop_path\":", v.t.adult ? "true" : "false");
    maybe_image(c, v.t.id, 70, 20, out);
    fake_buf_puts(out, ",\"genre_ids\":[");
    n = genre_list(c, v.t.id, g);
    for (int k = 0; k < n; k++)
        fake_buf_printf(out, "%s%d", k ? "," : "", GENRES[g[k]].id);
    fake_buf_printf(out,
                    "],\"id\":%d,\"original_language\":\"%s\",\"original_title\":", (int)v.t.id,
                    LANGS[v.t.lang].code);
    fake_buf_json_str(out, v.orig);
    fake_buf_puts(out, ",\"overview\":");
    fake_buf_json_str(out, v.overview);
    fake_buf_puts(out, ",\"popularity\":");
    fake_buf_real(out, fake_popularity(c, i, today), 3);
    fake_buf_puts(out, ",\"poster_path\":");
    maybe_image(c, v.t.id, 80, 50, out);
    date_str(&v, date);
    fake_buf_printf(out, ",\"release_date\":\"%s\",\"title\":", date);
    fake_buf_json_str(out, v.title);
    fake_buf_printf(out, ",\"video\":%s,\"vote_average\":", v.t.video ? "true" : "false");
    fake_buf_real(out, fake_vote_average(c, i, today), 3);
    fake_buf_printf(out, ",\"vote_count\":%ld}", fake_vote_count(c, i, today));
}

/* ---- OMDB ---- */

static void person(const struct fake_catalog *c, int32_t id, uint64_t salt, char *out, size_t len)
{
    uint64_t h = fake_h(c, id, salt);
    snprintf(out, len, "%s %s", FIRST[h % N_OF(FIRST)], LAST[(h >> 8) % N_OF(LAST)]);
}

static void commas(int64_t v, char *out, size_t len)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v), o = 0;
    for (int k = 0; k < n && (size_t)o + 2 < len; k++) {
        if (k > 0 && (n - k) % 3 == 0)
            out[o++] = ',';
        out[o++] = tmp[k];
    }
    out[o] = '\0';
}

static void omdb_str(struct fake_buf *out, const char *key, const char *val)
{
    fake_buf_printf(out, ",\"%s\":", key);
    fake_buf_json_str(out, val);
}

static void omdb_people(const struct fake_catalog *c, const struct view *v, struct fake_buf *out)
{
    char a[64], b[64], d[64], buf[200];
    person(c, v->t.id, 90, d, sizeof(d));
    omdb_str(out, "Director", d);
    person(c, v->t.id, 91, a, sizeof(a));
    person(c, v->t.id, 92, b, sizeof(b));
    uint64_t h = fake_h(c, v->t.id, 93);
    if (h % 10 == 0)
        snprintf(buf, sizeof(buf), "N/A");
    else if (h % 2)
        snprintf(buf, sizeof(buf), "%s, %s", a, b);
    else
        snprintf(buf, sizeof(buf), "%s", a);
    omdb_str(out, "Writer", buf);
    person(c, v->t.id, 94, a, sizeof(a));
    person(c, v->t.id, 95, b, sizeof(b));
    person(c, v->t.id, 96, d, sizeof(d));
    if (h % 20 == 1)
        snprintf(buf, sizeof(buf), "N/A");
    else
        snprintf(buf, sizeof(buf), "%s, %s, %s", a, b, d);
    omdb_str(out, "Actors", buf);
}

static void omdb_awards(const struct fake_catalog *c, const struct view *v, char *out, size_t len)
{
    if (!v->t.has_awards || !v->t.dated || v->today < v->t.award_day) {
        snprintf(out, len, "N/A");
        return;
    }
    uint64_t h = fake_h(c, v->t.id, 97);
    int wins = (int)(h % 30), noms = wins + 1 + (int)((h >> 8) % 40),
        osc = 1 + (int)((h >> 16) % 4);
    char pre[64] = "";
    if ((h >> 24) % 20 == 0)
        snprintf(pre, sizeof(pre), "Won %d Oscar%s. ", osc, osc > 1 ? "s" : "");
    else if ((h >> 24) % 20 == 1)
        snprintf(pre, sizeof(pre), "Nominated for %d Oscar%s. ", osc, osc > 1 ? "s" : "");
    if (wins == 0)
        snprintf(out, len, "%s%d nomination%s total", pre, noms, noms > 1 ? "s" : "");
    else
        snprintf(out, len, "%s%d win%s & %d nomination%s total", pre, wins, wins > 1 ? "s" : "",
                 noms, noms > 1 ? "s" : "");
}

/* The IMDb rating settles in steps over the first year: -1 means "N/A". */
static int imdb_rating_x10(const struct fake_catalog *c, const struct view *v)
{
    static const int steps[] = {0, 30, 90, 180, 365};
    static const int dev[] = {0, 4, -3, 2, -1, 0};
    int s = 0;
    for (int k = 0; k < 5; k++)
        if (v->t.dated && v->age >= steps[k])
            s++;
    if (s == 0)
        return -1;
    return 15 + (int)(fake_h(c, v->t.id, 24) % 80) + dev[s];
}

static void omdb_head(const struct fake_catalog *c, const struct view *v, struct fake_buf *out)
{
    char buf[256];
    fake_buf_puts(out, "{\"Title\":");
    fake_buf_json_str(out, v->title);
    if (v->t.dated)
        fake_buf_printf(out, ",\"Year\":\"%d\"", v->t.year);
    else
        fake_buf_puts(out, ",\"Year\":\"N/A\"");
    omdb_str(out, "Rated", RATED[fake_h(c, v->t.id, 98) % N_OF(RATED)]);
    if (v->t.dated) {
        int y, m, d;
        uint64_t h = fake_h(c, v->t.id, 25);
        rs_date_to_ymd(v->t.day + (h % 3 == 0 ? (int)((h >> 8) % 10) : 0), &y, &m, &d);
        fake_buf_printf(out, ",\"Released\":\"%02d %s %d\"", d, MONTHS[m - 1], y);
    } else {
        fake_buf_puts(out, ",\"Released\":\"N/A\"");
    }
    int rt = runtime_at(v);
    if (rt > 0)
        fake_buf_printf(out, ",\"Runtime\":\"%d min\"", rt);
    else
        fake_buf_puts(out, ",\"Runtime\":\"N/A\"");
    int g[3], n = genre_list(c, v->t.id, g);
    buf[0] = '\0';
    for (int k = 0; k < n; k++)
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", k ? ", " : "",
                 GENRES[g[k]].omdb);
    omdb_str(out, "Genre", buf);
    omdb_people(c, v, out);
    omdb_str(out, "Plot", fake_h(c, v->t.id, 99) % 25 == 0 ? "N/A" : v->overview);
}

static void omdb_places(const struct fake_catalog *c, const struct view *v, struct fake_buf *out)
{
    char buf[256];
    const struct lang *l = &LANGS[v->t.lang];
    if (v->t.lang != 0 && v->t.lang != 6 && fake_h(c, v->t.id, 54) % 3 == 0)
        snprintf(buf, sizeof(buf), "%s, English", l->omdb);
    else
        snprintf(buf, sizeof(buf), "%s", l->omdb);
    omdb_str(out, "Language", buf);
    int cs[2], n = fake_country_list(c, &v->t, cs);
    snprintf(buf, sizeof(buf), "%s%s%s", COUNTRIES[cs[0]].omdb, n > 1 ? ", " : "",
             n > 1 ? COUNTRIES[cs[1]].omdb : "");
    omdb_str(out, "Country", buf);
    omdb_awards(c, v, buf, sizeof(buf));
    omdb_str(out, "Awards", buf);
    if (fake_h(c, v->t.id, 100) % 10 == 0) {
        omdb_str(out, "Poster", "N/A");
    } else {
        fake_buf_puts(out, ",\"Poster\":\"https://m.media-amazon.com/images/M/MV5B");
        fake_buf_printf(out, "%016llx", (unsigned long long)fake_h(c, v->t.id, 101));
        fake_buf_puts(out, "@._V1_SX300.jpg\"");
    }
}

static void omdb_ratings(const struct fake_catalog *c, const struct view *v, struct fake_buf *out)
{
    int r10 = imdb_rating_x10(c, v);
    bool late = v->t.dated && v->age >= 7;
    int rt = (int)(fake_h(c, v->t.id, 102) % 101), meta = 20 + (int)(fake_h(c, v->t.id, 103) % 80);
    bool first = true;
    fake_buf_puts(out, ",\"Ratings\":[");
    if (r10 >= 0) {
        fake_buf_printf(out, "{\"Source\":\"Internet Movie Database\",\"Value\":\"%d.%d/10\"}",
                        r10 / 10, r10 % 10);
        first = false;
    }
    if (late && v->t.has_rt) {
        fake_buf_printf(out, "%s{\"Source\":\"Rotten Tomatoes\",\"Value\":\"%d%%\"}",
                        first ? "" : ",", rt);
        first = false;
    }
    if (late && v->t.has_meta)
        fake_buf_printf(out, "%s{\"Source\":\"Metacritic\",\"Value\":\"%d/100\"}", first ? "" : ",",
                        meta);
    fake_buf_puts(out, "]");
    if (late && v->t.has_meta)
        fake_buf_printf(out, ",\"Metascore\":\"%d\"", meta);
    else
        fake_buf_puts(out, ",\"Metascore\":\"N/A\"");
    if (r10 >= 0)
        fake_buf_printf(out, ",\"imdbRating\":\"%d.%d\"", r10 / 10, r10 % 10);
    else
        fake_buf_puts(out, ",\"imdbRating\":\"N/A\"");
    long votes = fake_vote_count(c, v->idx, v->today) * 5;
    char buf[32];
    commas(votes, buf, sizeof(buf));
    omdb_str(out, "imdbVotes", votes > 0 ? buf : "N/A");
}

static bool parse_imdb(const char *s, long *num)
{
    size_t n = strlen(s);
    if (n < 9 || n > 10 || s[0] != 't' || s[1] != 't')
        return false;
    long v = 0;
    for (size_t k = 2; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return false;
        v = v * 10 + (s[k] - '0');
    }
    *num = v;
    return true;
}

int fake_catalog_omdb_lookup(const struct fake_catalog *c, const char *imdb_id, long *index)
{
    long num;
    if (!parse_imdb(imdb_id, &num))
        return -1;
    long i = (num - 10000) / 7;
    if (num < 10000 || i >= fake_catalog_size(c) || fake_imdb_num(c, i) != num)
        return 0;
    struct fake_traits t;
    fake_traits(c, i, &t);
    if (t.imdb_kind != 0 || !t.omdb_exists)
        return 0;
    *index = i;
    return 1;
}

bool fake_catalog_omdb_json(const struct fake_catalog *c, const char *imdb_id, rs_date_t today,
                            struct fake_buf *out)
{
    long i;
    if (fake_catalog_omdb_lookup(c, imdb_id, &i) != 1)
        return false;
    struct view v;
    char buf[64];
    make_view(c, i, today, &v);
    omdb_head(c, &v, out);
    omdb_places(c, &v, out);
    omdb_ratings(c, &v, out);
    fake_buf_printf(out, ",\"imdbID\":\"tt%07ld\",\"Type\":\"movie\",\"DVD\":\"N/A\"",
                    v.t.imdb_num);
    int64_t rev = revenue_at(&v);
    if (rev > 0 && v.t.lang == 0) {
        commas(rev * 2 / 5, buf, sizeof(buf));
        fake_buf_printf(out, ",\"BoxOffice\":\"$%s\"", buf);
    } else {
        fake_buf_puts(out, ",\"BoxOffice\":\"N/A\"");
    }
    fake_buf_puts(out, ",\"Production\":\"N/A\",\"Website\":\"N/A\",\"Response\":\"True\"}");
    return true;
}
