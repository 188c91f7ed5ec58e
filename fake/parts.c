/*
 * The parts `/3/movie/{id}` appends when asked with append_to_response, shaped like TMDB's:
 * credits (cast and crew), keywords, release_dates and external_ids, and the reading of
 * the parameter itself (known parts, unknown ones ignored, the count for TMDB's limit of 20).
 *
 * Time model (fake/README.md): cast, crew and keywords are fixed per movie; release dates
 * per country appear on their own day, and every such day is one of the movie's TMDB change
 * days (R-90, R, and the weekly revenue steps R+7k of a movie with a revenue), so
 * /3/movie/changes stays exact. People agree with the OMDB record: its Director, Writer and
 * first three Actors are TMDB's director, writers and top three cast.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_data.h"
#include "model.h"

static const struct {
    int id;
    const char *name;
} KEYWORDS[] = {
    {818, "based on novel or book"},
    {9672, "based on true story"},
    {9715, "superhero"},
    {4344, "musical"},
    {10183, "independent film"},
    {9748, "revenge"},
    {6054, "friendship"},
    {9663, "sequel"},
    {14544, "robbery"},
    {1299, "monster"},
    {10349, "survival"},
    {3799, "ship"},
    {2343, "magic"},
    {212, "london, england"},
    {5565, "biography"},
    {179431, "duringcreditsstinger"},
    {10051, "heist"},
};

static const char *const CHARACTERS[] = {
    "Narrator (voice)", "Detective Hale", "The Stranger", "Mayor Quinn", "Captain Reyes",
    "Dr. Anya Voss",    "Young Marie",    "Bartender",    "Herself",     "Mother",
    "Officer Brandt",   "Kenji",          "Old Man",      "Lucía",       "Radio Host",
};

/* Age ratings per COUNTRIES entry (US, GB, FR, JP, DE, ES, KR), mildest first. */
static const char *const CERTS[][4] = {
    {"G", "PG", "PG-13", "R"},  {"U", "PG", "12A", "15"}, {"TP", "TP", "12", "16"},
    {"G", "G", "PG12", "R15+"}, {"0", "6", "12", "16"},   {"A", "7", "12", "16"},
    {"All", "12", "15", "18"},
};

unsigned fake_parts_parse(const char *list, int *count)
{
    static const char *const names[] = {"credits", "keywords", "release_dates", "external_ids"};
    unsigned mask = 0;
    *count = 0;
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        if (n > 0)
            (*count)++;
        for (unsigned k = 0; k < 4; k++)
            if (strlen(names[k]) == n && strncmp(p, names[k], n) == 0)
                mask |= 1u << k;
        p += n + (p[n] == ',');
    }
    return mask;
}

/* A person of movie ID drawn with SALT: the OMDB record's naming, and an id per name. */
static void person(const struct fake_catalog *c, int32_t id, uint64_t salt, char *name, size_t len,
                   long *person_id)
{
    uint64_t h = fake_h(c, id, salt);
    int f = (int)(h % N_OF(FIRST)), l = (int)((h >> 8) % N_OF(LAST));
    snprintf(name, len, "%s %s", FIRST[f], LAST[l]);
    *person_id = 1000 + (long)f * N_OF(LAST) + l; /* the same person in every movie */
}

/* The keys every credit entry starts with, up to "profile_path". */
static void credit_head(const struct fake_catalog *c, int32_t id, uint64_t salt, const char *dept,
                        struct fake_buf *out)
{
    char name[64];
    long pid;
    person(c, id, salt, name, sizeof(name), &pid);
    uint64_t h = fake_h(c, (int64_t)pid, 7);
    fake_buf_printf(out,
                    "{\"adult\":false,\"gender\":%d,\"id\":%ld,\"known_for_department\":\"%s\","
                    "\"name\":",
                    (int)(h % 3), pid, dept);
    fake_buf_json_str(out, name);
    fake_buf_puts(out, ",\"original_name\":");
    fake_buf_json_str(out, name);
    fake_buf_puts(out, ",\"popularity\":");
    fake_buf_real(out, (double)(h % 40000) / 1000.0, 3);
    fake_buf_puts(out, ",\"profile_path\":");
    if ((h >> 16) % 10 < 3)
        fake_buf_puts(out, "null");
    else
        fake_model_image(c, (int32_t)pid, 9, out);
}

static void credit_id(const struct fake_catalog *c, int32_t id, uint64_t salt, struct fake_buf *out)
{
    fake_buf_printf(out, ",\"credit_id\":\"%016llx%08llx\"",
                    (unsigned long long)fake_h(c, id, 600 + salt),
                    (unsigned long long)(fake_h(c, id, 700 + salt) & 0xffffffffULL));
}

static void cast_json(const struct fake_catalog *c, int32_t id, struct fake_buf *out)
{
    int n = 3 + (int)(fake_h(c, id, 300) % 38); /* 3..40: long casts get trimmed by clients */
    fake_buf_puts(out, "\"cast\":[");
    for (int k = 0; k < n; k++) {
        uint64_t salt = k < 3 ? 94 + (uint64_t)k : 310 + (uint64_t)k; /* OMDB's Actors first */
        uint64_t h = fake_h(c, id, 400 + (uint64_t)k);
        if (k)
            fake_buf_puts(out, ",");
        credit_head(c, id, salt, "Acting", out);
        fake_buf_printf(out, ",\"cast_id\":%d,\"character\":", k + 1);
        fake_buf_json_str(out, h % 20 == 0 ? "" : CHARACTERS[(h >> 8) % N_OF(CHARACTERS)]);
        credit_id(c, id, (uint64_t)k, out);
        fake_buf_printf(out, ",\"order\":%d}", k);
    }
    fake_buf_puts(out, "]");
}

static void crew_json(const struct fake_catalog *c, int32_t id, struct fake_buf *out)
{
    static const struct {
        uint64_t salt;
        const char *job, *dept, *known;
    } crew[] = {
        {90, "Director", "Directing", "Directing"},
        {91, "Screenplay", "Writing", "Writing"},
        {92, "Story", "Writing", "Writing"},
        {110, "Producer", "Production", "Production"},
        {111, "Original Music Composer", "Sound", "Sound"},
        {112, "Director of Photography", "Camera", "Camera"},
        {113, "Editor", "Editing", "Editing"},
        {114, "Casting", "Production", "Production"},
    };
    /* the writers of the OMDB record: none, the first, or both (fake_catalog_omdb_json) */
    uint64_t w = fake_h(c, id, 93);
    int writers = w % 10 == 0 ? 0 : (w % 2 ? 2 : 1);
    bool first = true;
    fake_buf_puts(out, ",\"crew\":[");
    for (int k = 0; k < N_OF(crew); k++) {
        if ((k == 1 && writers < 1) || (k == 2 && writers < 2))
            continue;
        if (!first)
            fake_buf_puts(out, ",");
        first = false;
        credit_head(c, id, crew[k].salt, crew[k].known, out);
        credit_id(c, id, 100 + (uint64_t)k, out);
        fake_buf_printf(out, ",\"department\":\"%s\",\"job\":\"%s\"}", crew[k].dept, crew[k].job);
    }
    fake_buf_puts(out, "]");
}

static void keywords_json(const struct fake_catalog *c, int32_t id, struct fake_buf *out)
{
    uint64_t h = fake_h(c, id, 320);
    int n = (int)(h % 9), step = 1 + (int)((h >> 8) % 5), k0 = (int)((h >> 16) % N_OF(KEYWORDS));
    fake_buf_puts(out, ",\"keywords\":{\"keywords\":[");
    for (int k = 0; k < n; k++) {
        int j = (k0 + step * k) % N_OF(KEYWORDS); /* 17 entries: distinct for any step */
        fake_buf_printf(out, "%s{\"id\":%d,\"name\":\"%s\"}", k ? "," : "", KEYWORDS[j].id,
                        KEYWORDS[j].name);
    }
    fake_buf_puts(out, "]}");
}

struct release {
    int country; /* COUNTRIES index */
    int type;
    int64_t day;
    const char *cert, *note;
};

static int by_country_day(const void *pa, const void *pb)
{
    const struct release *a = pa, *b = pb;
    int c = strcmp(COUNTRIES[a->country].iso, COUNTRIES[b->country].iso);
    if (c)
        return c;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return a->type - b->type;
}

static const char *cert(const struct fake_catalog *c, int32_t id, int country)
{
    return CERTS[country][fake_h(c, id, 337) % 4];
}

/*
 * Every release of the movie, visible or not yet: the origin country's theatrical release
 * on R (and a festival premiere on R-90 for some); with a revenue, the other countries'
 * theatrical releases and the digital and physical ones on weekly steps R+7k; without one,
 * maybe a digital release on R. Each day is a TMDB change day of fake_tmdb_changed_in.
 */
static int releases(const struct fake_catalog *c, const struct fake_traits *t, struct release *r)
{
    int cs[2], nc = fake_country_list(c, t, cs), n = 0, o = cs[0];
    bool rev = t->revenue > 0;
    int64_t R = t->day;
    r[n++] = (struct release){o, 3, R, cert(c, t->id, o), ""};
    if (fake_h(c, t->id, 330) % 5 == 0)
        r[n++] = (struct release){o, 1, R - 90, "", "Festival premiere"};
    int second = nc > 1 ? cs[1] : (o != 0 && fake_h(c, t->id, 331) % 3 == 0 ? 0 : -1);
    if (second >= 0)
        r[n++] = (struct release){second, 3, rev ? R + 7 : R, cert(c, t->id, second), ""};
    if (!rev) {
        if (fake_h(c, t->id, 336) % 3 == 0)
            r[n++] = (struct release){o, 4, R, "", ""};
        return n;
    }
    int extra = (int)(fake_h(c, t->id, 332) % 3), k = (int)(fake_h(c, t->id, 333) % 7);
    for (int j = 0; j < extra; j++, k++) {
        while (k % 7 == o || k % 7 == second)
            k++;
        r[n++] = (struct release){k % 7, 3, R + 7 * (2 + j), cert(c, t->id, k % 7), ""};
    }
    r[n++] = (struct release){o, 4, R + 7 * (6 + (int64_t)(fake_h(c, t->id, 334) % 11)), "", ""};
    if (fake_h(c, t->id, 335) % 2)
        r[n++] = (struct release){o, 5, R + 7 * 16, cert(c, t->id, o), "Blu-ray"};
    return n;
}

static void releases_json(const struct fake_catalog *c, long i, rs_date_t today,
                          struct fake_buf *out)
{
    struct fake_traits t;
    struct release all[8], seen[8];
    int n = 0;
    fake_traits(c, i, &t);
    if (t.dated) {
        int m = releases(c, &t, all);
        for (int k = 0; k < m; k++)
            if (all[k].day <= today)
                seen[n++] = all[k];
    }
    qsort(seen, (size_t)n, sizeof(seen[0]), by_country_day);
    fake_buf_puts(out, ",\"release_dates\":{\"results\":[");
    for (int k = 0; k < n; k++) {
        char day[16];
        bool first = k == 0 || seen[k].country != seen[k - 1].country;
        if (first)
            fake_buf_printf(out, "%s{\"iso_3166_1\":\"%s\",\"release_dates\":[", k ? "]}," : "",
                            COUNTRIES[seen[k].country].iso);
        else
            fake_buf_puts(out, ",");
        rs_date_format((rs_date_t)seen[k].day, day, sizeof(day));
        fake_buf_printf(out,
                        "{\"certification\":\"%s\",\"descriptors\":[],\"iso_639_1\":\"\","
                        "\"note\":\"%s\",\"release_date\":\"%sT00:00:00.000Z\",\"type\":%d}",
                        seen[k].cert, seen[k].note, day, seen[k].type);
    }
    fake_buf_puts(out, n ? "]}]}" : "]}");
}

static void external_ids_json(const struct fake_catalog *c, long i, struct fake_buf *out)
{
    struct fake_traits t;
    fake_traits(c, i, &t);
    fake_buf_puts(out, ",\"external_ids\":{\"imdb_id\":");
    if (t.imdb_kind == 1)
        fake_buf_puts(out, "null");
    else if (t.imdb_kind == 2)
        fake_buf_puts(out, "\"\"");
    else
        fake_buf_printf(out, "\"tt%07ld\"", t.imdb_num);
    fake_buf_printf(out,
                    ",\"wikidata_id\":null,\"facebook_id\":null,\"instagram_id\":null,"
                    "\"twitter_id\":null,\"id\":%d}",
                    (int)t.id);
}

void fake_parts_json(const struct fake_catalog *c, long i, rs_date_t today, unsigned parts,
                     struct fake_buf *out)
{
    int32_t id = fake_row_id(c, i);
    if (parts & FAKE_PART_CREDITS) {
        fake_buf_puts(out, ",\"credits\":{");
        cast_json(c, id, out);
        crew_json(c, id, out);
        fake_buf_puts(out, "}");
    }
    if (parts & FAKE_PART_KEYWORDS)
        keywords_json(c, id, out);
    if (parts & FAKE_PART_RELEASE_DATES)
        releases_json(c, i, today, out);
    if (parts & FAKE_PART_EXTERNAL_IDS)
        external_ids_json(c, i, out);
}
