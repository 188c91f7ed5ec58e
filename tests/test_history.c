/*
 * History (docs/schema.md, "History") end to end: daily collects of the 2026 movies against
 * reelsync-fakeapi over simulated weeks, then the database read against the server's own
 * answers, fetched again by this test at each observation's time: the observations hold
 * what the server answered, fetch for fetch; the change log holds exactly the stored fields
 * that differ between a movie's consecutive answers (none for a first fetch or an unchanged
 * refresh); `history` and `runs` (human and --json) show those rows; a run whose requests
 * all fail lists its movies with their error class; export --table observations.
 */
#include <duckdb.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reelsync/orchestrator.h"
#include "test.h"

#define DAYS 8 /* daily collects, 4 days apart */
static const char *const DAY[DAYS] = {"2026-11-01", "2026-11-05", "2026-11-09", "2026-11-13",
                                      "2026-11-17", "2026-11-21", "2026-11-25", "2026-11-29"};

struct world {
    struct fake fake;
    char *dir, *db;
    int64_t requests[2], updated[2]; /* summed over the collects' --json */
};

static void run(struct world *w, const char *now, const char *const *args, struct run_result *r)
{
    run_reelsync(&w->fake, w->db, now, args, r);
}

static int world_setup(void **state)
{
    static const char *const collect[] = {
        "collect",     "--json", "--quiet",    "--start-year", "2026",       "--end-year", "2026",
        "--max-pages", "1",      "--tmdb-rps", "200",          "--omdb-rps", "200",        NULL};
    struct world *w = calloc(1, sizeof(*w));
    *state = w;
    w->dir = tmpdir_create();
    w->db = path_join(w->dir, "h.duckdb");
    /* the server's clock stands still at its --now: one server a day, the last one kept */
    for (int d = 0; d < DAYS; d++) {
        struct run_result r;
        if (d > 0)
            fake_stop(&w->fake);
        fake_start(&w->fake, (const char *[]){"--movies", "3000", "--now", DAY[d], NULL});
        run(w, DAY[d], collect, &r);
        if (r.status != 0)
            print_error("collect %s: status %d: %s\n", DAY[d], r.status, r.err);
        assert_int_equal(r.status, 0);
        json_t *doc = doc_parse(r.out);
        w->requests[0] += doc_int(doc, "requests.tmdb");
        w->requests[1] += doc_int(doc, "requests.omdb");
        w->updated[0] += doc_int(doc, "tmdb_updated");
        w->updated[1] += doc_int(doc, "omdb_updated");
        json_decref(doc);
        run_result_free(&r);
    }
    return 0;
}

static int world_teardown(void **state)
{
    struct world *w = *state;
    if (!w)
        return 0;
    if (w->fake.pid > 0)
        fake_stop(&w->fake);
    if (w->dir)
        tmpdir_remove(w->dir);
    free(w->db);
    free(w);
    return 0;
}

/* ---- the database's rows, as text ---------------------------------------------------- */

struct rows {
    duckdb_database db;
    duckdb_connection con;
    duckdb_result res;
    idx_t n, cols;
};

static void rows_open(struct rows *r, const char *path, const char *sql)
{
    duckdb_config cfg;
    assert_int_equal(duckdb_create_config(&cfg), DuckDBSuccess);
    duckdb_set_config(cfg, "access_mode", "READ_ONLY");
    assert_int_equal(duckdb_open_ext(path, &r->db, cfg, NULL), DuckDBSuccess);
    duckdb_destroy_config(&cfg);
    assert_int_equal(duckdb_connect(r->db, &r->con), DuckDBSuccess);
    if (duckdb_query(r->con, sql, &r->res) != DuckDBSuccess)
        fail_msg("%s: %s", sql, duckdb_result_error(&r->res));
    r->n = duckdb_row_count(&r->res);
    r->cols = duckdb_column_count(&r->res);
}

/* Row I column J as a malloc'd string, NULL for SQL NULL. */
static char *cell(struct rows *r, idx_t i, idx_t j)
{
    if (duckdb_value_is_null(&r->res, j, i))
        return NULL;
    char *s = duckdb_value_varchar(&r->res, j, i);
    char *out = strdup(s);
    duckdb_free(s);
    return out;
}

static void rows_close(struct rows *r)
{
    duckdb_destroy_result(&r->res);
    duckdb_disconnect(&r->con);
    duckdb_close(&r->db);
}

/* ---- the server's answers, normalized as docs/schema.md says, as text ------------------ */

/* A JSON string as stored: "", "N/A" and null are NULL. Malloc'd. */
static char *text_of(const json_t *v)
{
    const char *s = json_string_value(v);
    return s && *s && strcmp(s, "N/A") != 0 ? strdup(s) : NULL;
}

static char *int_text(int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)v);
    return strdup(buf);
}

/* The digits of S ("1,234", "$5,000", "87%", "148 min") as a number; NULL when none. */
static char *digits_of(const json_t *v)
{
    const char *s = json_string_value(v);
    if (!s || strcmp(s, "N/A") == 0)
        return NULL;
    int64_t n = 0;
    bool any = false;
    for (; *s && *s != ' ' && *s != '.'; s++) {
        if (*s >= '0' && *s <= '9') {
            n = n * 10 + (*s - '0');
            any = true;
        }
    }
    return any ? int_text(n) : NULL;
}

/* A list of the "name" members of an array of objects, as DuckDB writes a VARCHAR[]. */
static char *names_of(const json_t *arr)
{
    char buf[2048] = "[";
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        strncat(buf, i ? ", " : "", sizeof(buf) - strlen(buf) - 1);
        strncat(buf, json_string_value(json_object_get(o, "name")), sizeof(buf) - strlen(buf) - 1);
    }
    strncat(buf, "]", sizeof(buf) - strlen(buf) - 1);
    return strdup(buf);
}

#define N_TMDB 14
static const char *const TMDB_FIELDS[N_TMDB] = {"imdb_id",
                                                "title",
                                                "original_title",
                                                "overview",
                                                "tagline",
                                                "release_date",
                                                "runtime",
                                                "budget",
                                                "revenue",
                                                "genres",
                                                "production_companies",
                                                "status",
                                                "original_language",
                                                "adult"};
#define N_OMDB 16
static const char *const OMDB_FIELDS[N_OMDB][2] = {{"title", "Title"},
                                                   {"year", "Year"},
                                                   {"rated", "Rated"},
                                                   {"released", "Released"},
                                                   {"runtime_minutes", "Runtime"},
                                                   {"genre", "Genre"},
                                                   {"director", "Director"},
                                                   {"writer", "Writer"},
                                                   {"actors", "Actors"},
                                                   {"language", "Language"},
                                                   {"country", "Country"},
                                                   {"awards", "Awards"},
                                                   {"imdb_rating", "imdbRating"},
                                                   {"rotten_tomatoes", NULL},
                                                   {"metacritic", "Metascore"},
                                                   {"box_office", "BoxOffice"}};

/* The TMDB answer's logged field I, as the store compares it. */
static char *tmdb_field(const json_t *doc, int i)
{
    const json_t *v = json_object_get(doc, TMDB_FIELDS[i]);
    switch (i) {
    case 6: /* runtime: 0 is NULL */
        return json_integer_value(v) > 0 ? int_text(json_integer_value(v)) : NULL;
    case 7:
    case 8:
        return json_is_integer(v) ? int_text(json_integer_value(v)) : NULL;
    case 9:
    case 10:
        return names_of(v);
    case 13:
        return json_is_boolean(v) ? strdup(json_is_true(v) ? "true" : "false") : NULL;
    default:
        return text_of(v);
    }
}

/* The Rotten Tomatoes percent of an OMDB answer's Ratings. */
static char *rotten_of(const json_t *doc)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "Ratings"), i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "Source")), "Rotten Tomatoes") == 0)
            return digits_of(json_object_get(r, "Value"));
    }
    return NULL;
}

/* The OMDB answer's logged field I, compared as the store would: raw text, or the number. */
static char *omdb_field(const json_t *doc, int i)
{
    const json_t *v = OMDB_FIELDS[i][1] ? json_object_get(doc, OMDB_FIELDS[i][1]) : NULL;
    switch (i) {
    case 4:  /* runtime_minutes */
    case 14: /* metacritic */
    case 15: /* box_office */
        return digits_of(v);
    case 13:
        return rotten_of(doc);
    default:
        return text_of(v);
    }
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The server's answer for movie ID (TMDB) or IMDB (OMDB) as of DAY; fails unless a 200. */
static json_t *answer(struct world *w, bool omdb, const char *id, const char *day)
{
    long status = 0;
    char path[64];
    snprintf(path, sizeof(path), "/movie/%s?append_to_response=credits,keywords,release_dates", id);
    json_t *doc =
        omdb ? fake_omdb(&w->fake, id, day, &status) : fake_tmdb(&w->fake, path, day, &status);
    if (status != 200 || !doc)
        fail_msg("%s %s as of %s: status %ld", omdb ? "omdb" : "tmdb", id, day, status);
    return doc;
}

/* ---- the tests --------------------------------------------------------------------------- */

/* Fails unless the stored text GOT and the server's WANT are one value (numbers: NUMERIC). */
static void expect(const char *what, const char *got, const char *want, bool numeric)
{
    bool ok = numeric && got && want ? fabs(atof(got) - atof(want)) < 1e-9 : same(got, want);
    if (!ok)
        fail_msg("%s: stored %s, server %s", what, got ? got : "NULL", want ? want : "NULL");
}

static char *number_text(const json_t *v)
{
    char buf[64];
    if (!json_is_number(v))
        return NULL;
    snprintf(buf, sizeof(buf), "%.17g", json_number_value(v));
    return strdup(buf);
}

/* One observation per fetch, each holding the values the server answered at its time. */
static void observations_match_server(void **state)
{
    struct world *w = *state;
    struct rows r;
    rows_open(&r, w->db,
              "SELECT o.tmdb_id::VARCHAR, o.api, strftime(o.observed_at, '%Y-%m-%d'),"
              " strftime(o.observed_at, '%H:%M:%S'), m.imdb_id, o.vote_count, o.vote_average,"
              " o.popularity, o.revenue, o.budget, o.imdb_rating, o.imdb_votes, o.metacritic,"
              " o.rotten_tomatoes, o.box_office"
              " FROM observations o JOIN movies m USING (tmdb_id) ORDER BY 1, 2, 3");
    int64_t per_api[2] = {0, 0};
    for (idx_t i = 0; i < r.n; i++) {
        char *id = cell(&r, i, 0), *api = cell(&r, i, 1), *day = cell(&r, i, 2);
        char *clock = cell(&r, i, 3), *imdb = cell(&r, i, 4);
        bool omdb = strcmp(api, "omdb") == 0;
        assert_string_equal(clock, "00:00:00"); /* the run's --now */
        per_api[omdb]++;
        json_t *doc = answer(w, omdb, omdb ? imdb : id, day);
        char *want[10] = {0};
        if (!omdb) {
            want[0] = number_text(json_object_get(doc, "vote_count"));
            want[1] = number_text(json_object_get(doc, "vote_average"));
            want[2] = number_text(json_object_get(doc, "popularity"));
            want[3] = tmdb_field(doc, 8);
            want[4] = tmdb_field(doc, 7);
        } else {
            want[5] = text_of(json_object_get(doc, "imdbRating"));
            want[6] = digits_of(json_object_get(doc, "imdbVotes"));
            want[7] = digits_of(json_object_get(doc, "Metascore"));
            want[8] = rotten_of(doc);
            want[9] = digits_of(json_object_get(doc, "BoxOffice"));
        }
        for (int k = 0; k < 10; k++) {
            char what[128], *got = cell(&r, i, (idx_t)(5 + k));
            snprintf(what, sizeof(what), "%s %s as of %s, observation column %d", api, id, day, k);
            expect(what, got, want[k], k == 1 || k == 2 || k == 5);
            free(got);
            free(want[k]);
        }
        json_decref(doc);
        free(id), free(api), free(day), free(imdb), free(clock);
    }
    rows_close(&r);
    /* fetch for fetch: every stored answer, no more */
    assert_int_equal(per_api[0], w->updated[0]);
    assert_int_equal(per_api[1], w->updated[1]);
    assert_true(per_api[0] > 0 && per_api[1] > 0);
}

/* OMDB's "16 Jul 2010" as the DATE's text "2010-07-16"; NULL for N/A. */
static char *released_of(const json_t *v)
{
    const char *s = json_string_value(v);
    struct tm tm = {0};
    char buf[16];
    if (!s || !strptime(s, "%d %b %Y", &tm))
        return NULL;
    strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
    return strdup(buf);
}

/* Field I of API's answer DOC as change_log writes it (the stored column's text). */
static char *logged(bool omdb, const json_t *doc, int i)
{
    if (!omdb)
        return tmdb_field(doc, i);
    return i == 3 ? released_of(json_object_get(doc, "Released")) : omdb_field(doc, i);
}

/* Appends "id|api|field|old|new|day\n" lines for the fields that differ between A and B. */
static size_t diff_lines(bool omdb, const char *id, const json_t *a, const json_t *b,
                         const char *day, char **out, size_t *len)
{
    size_t n = 0;
    for (int i = 0; i < (omdb ? N_OMDB : N_TMDB); i++) {
        char *x = logged(omdb, a, i), *y = logged(omdb, b, i);
        if (!same(x, y)) {
            char line[4096];
            int k = snprintf(line, sizeof(line), "%s|%s|%s|%s|%s|%s\n", id, omdb ? "omdb" : "tmdb",
                             omdb ? OMDB_FIELDS[i][0] : TMDB_FIELDS[i], x ? x : "NULL",
                             y ? y : "NULL", day);
            *out = realloc(*out, *len + (size_t)k + 1);
            memcpy(*out + *len, line, (size_t)k + 1);
            *len += (size_t)k;
            n++;
        }
        free(x);
        free(y);
    }
    return n;
}

static int cmp_strs(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A part of a TMDB answer (credits, keywords, release_dates) as a set: its entries as JSON
 * text, sorted and joined, so two answers carry the same set exactly when these are equal.
 */
static char *part_set(const json_t *answer, const char *part)
{
    const json_t *p = json_object_get(answer, part);
    json_t *flat = json_array();
    size_t i, j;
    json_t *v, *e;
    if (strcmp(part, "credits") == 0) {
        json_array_foreach(json_object_get(p, "cast"), i, v) json_array_append(flat, v);
        json_array_foreach(json_object_get(p, "crew"), i, v) json_array_append(flat, v);
    } else if (strcmp(part, "keywords") == 0) {
        json_array_foreach(json_object_get(p, "keywords"), i, v) json_array_append(flat, v);
    } else {
        json_array_foreach(json_object_get(p, "results"), i, v)
        {
            json_array_foreach(json_object_get(v, "release_dates"), j, e)
            {
                json_t *entry = json_deep_copy(e);
                json_object_set(entry, "iso_3166_1", json_object_get(v, "iso_3166_1"));
                json_array_append_new(flat, entry);
            }
        }
    }
    size_t n = json_array_size(flat), len = 1;
    char **texts = calloc(n + 1, sizeof(*texts));
    for (i = 0; i < n; i++) {
        texts[i] = json_dumps(json_array_get(flat, i), JSON_SORT_KEYS | JSON_COMPACT);
        len += strlen(texts[i]) + 1;
    }
    qsort(texts, n, sizeof(*texts), cmp_strs);
    char *out = calloc(len, 1);
    for (i = 0; i < n; i++) {
        strcat(out, texts[i]);
        strcat(out, "\n");
        free(texts[i]);
    }
    free(texts);
    json_decref(flat);
    return out;
}

/* "ID|tmdb|PART|DAY" for each appended part whose set differs between answers A and B. */
static void part_lines(const char *id, const json_t *a, const json_t *b, const char *day,
                       char **out, size_t *len)
{
    static const char *const parts[] = {"credits", "keywords", "release_dates"};
    for (size_t k = 0; k < 3; k++) {
        char *x = part_set(a, parts[k]), *y = part_set(b, parts[k]);
        if (strcmp(x, y) != 0) {
            char line[256];
            int n = snprintf(line, sizeof(line), "%s|tmdb|%s|%s\n", id, parts[k], day);
            *out = realloc(*out, *len + (size_t)n + 1);
            memcpy(*out + *len, line, (size_t)n + 1);
            *len += (size_t)n;
        }
        free(x);
        free(y);
    }
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* TEXT's lines sorted, as one malloc'd string. */
static char *sorted(char *text)
{
    size_t n = 0, k = 0;
    for (char *p = text; p && *p; p++)
        n += *p == '\n';
    char **v = calloc(n + 1, sizeof(*v)), *save = NULL;
    for (char *t = text ? strtok_r(text, "\n", &save) : NULL; t; t = strtok_r(NULL, "\n", &save))
        v[k++] = t;
    qsort(v, k, sizeof(*v), cmp_lines);
    size_t len = 0;
    for (size_t i = 0; i < k; i++)
        len += strlen(v[i]) + 1;
    char *out = calloc(len + 1, 1);
    for (size_t i = 0; i < k; i++) {
        strcat(out, v[i]);
        strcat(out, "\n");
    }
    free(v);
    return out;
}

/*
 * The change log is exactly the logged fields that differ between a movie's consecutive
 * answers (the server's, fetched again at both times), with old and new values: nothing
 * for a first fetch, nothing for a refresh that found the same data.
 */
static void change_log_exact(void **state)
{
    struct world *w = *state;
    struct rows r;
    rows_open(&r, w->db,
              "SELECT o.tmdb_id::VARCHAR, o.api, strftime(o.observed_at, '%Y-%m-%d'), m.imdb_id"
              " FROM observations o JOIN movies m USING (tmdb_id) ORDER BY 1, 2, 3");
    char *want = NULL, *want_parts = NULL;
    size_t len = 0, len_parts = 0, changed = 0, unchanged = 0;
    for (idx_t i = 1; i < r.n; i++) {
        char *id0 = cell(&r, i - 1, 0), *api0 = cell(&r, i - 1, 1), *day0 = cell(&r, i - 1, 2);
        char *id = cell(&r, i, 0), *api = cell(&r, i, 1), *day = cell(&r, i, 2);
        char *imdb = cell(&r, i, 3);
        if (strcmp(id0, id) == 0 && strcmp(api0, api) == 0) {
            bool omdb = strcmp(api, "omdb") == 0;
            json_t *a = answer(w, omdb, omdb ? imdb : id, day0);
            json_t *b = answer(w, omdb, omdb ? imdb : id, day);
            if (diff_lines(omdb, id, a, b, day, &want, &len) > 0)
                changed++;
            else
                unchanged++;
            if (!omdb)
                part_lines(id, a, b, day, &want_parts, &len_parts);
            json_decref(a);
            json_decref(b);
        }
        free(id0), free(api0), free(day0), free(id), free(api), free(day), free(imdb);
    }
    rows_close(&r);
    char *got = db_str(w->db, "SELECT string_agg(concat_ws('|', tmdb_id, api, field,"
                              " coalesce(old_value, 'NULL'), coalesce(new_value, 'NULL'),"
                              " strftime(changed_at, '%Y-%m-%d')) || chr(10), '') FROM change_log"
                              " WHERE field NOT IN ('credits', 'keywords', 'release_dates')");
    char *a = sorted(want), *b = sorted(got);
    assert_string_equal(b, a);
    /* the appended parts: a row exactly when the set the server gave changed */
    char *got_parts = db_str(w->db, "SELECT string_agg(concat_ws('|', tmdb_id, api, field,"
                                    " strftime(changed_at, '%Y-%m-%d')) || chr(10), '')"
                                    " FROM change_log WHERE field IN ('credits', 'keywords',"
                                    " 'release_dates')");
    char *pa = sorted(want_parts), *pb = sorted(got_parts);
    assert_string_equal(pb, pa);
    assert_true(len_parts > 0); /* release dates came during the days */
    free(pa), free(pb), free(want_parts), free(got_parts);
    /* both kinds of refresh happened, so the comparison could fail either way */
    assert_true(changed > 0);
    assert_true(unchanged > 0);
    assert_int_equal(db_i64(w->db, "SELECT count(*) FROM change_log WHERE run_id IS NULL"), 0);
    free(a), free(b), free(want), free(got);
}

/* The movie with the most changes (the lowest id among equals). */
static int64_t busiest(const struct world *w)
{
    return db_i64(w->db, "SELECT tmdb_id FROM change_log GROUP BY tmdb_id"
                         " ORDER BY count(*) DESC, tmdb_id LIMIT 1");
}

/* history TMDB_ID: --json and the table, with exact values from the database's rows. */
static void history_command(void **state)
{
    struct world *w = *state;
    int64_t id = busiest(w);
    char ids[24], sql[512];
    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    /* one event: frozen by hand, then unfrozen by the command */
    snprintf(sql, sizeof(sql), "UPDATE movies SET data_frozen = TRUE WHERE tmdb_id = %s", ids);
    db_exec(w->db, sql);
    struct run_result r;
    run(w, DAY[DAYS - 1], (const char *[]){"unfreeze", ids, NULL}, &r);
    assert_int_equal(r.status, 0);
    run_result_free(&r);

    run(w, DAY[DAYS - 1], (const char *[]){"--json", "history", ids, NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    run_result_free(&r);
    assert_int_equal(doc_int(doc, "tmdb_id"), id);
    snprintf(sql, sizeof(sql), "SELECT title FROM tmdb_movies WHERE tmdb_id = %s", ids);
    char *title = db_str(w->db, sql);
    assert_string_equal(json_string_value(json_object_get(doc, "title")), title);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM observations WHERE tmdb_id = %s", ids);
    json_t *obs = json_object_get(doc, "observations");
    assert_int_equal((int64_t)json_array_size(obs), db_i64(w->db, sql));
    /* the first TMDB observation is the first day's, with its TMDB values only */
    json_t *o0 = json_array_get(obs, 0);
    for (size_t k = 1; strcmp(json_string_value(json_object_get(o0, "api")), "tmdb") != 0; k++)
        o0 = json_array_get(obs, k);
    assert_string_equal(json_string_value(json_object_get(o0, "observed_at")),
                        "2026-11-01T00:00:00Z");
    assert_string_equal(json_string_value(json_object_get(o0, "api")), "tmdb");
    assert_int_equal(json_object_size(o0), 7);
    snprintf(sql, sizeof(sql),
             "SELECT vote_count FROM observations WHERE tmdb_id = %s AND api = 'tmdb'"
             " ORDER BY observed_at LIMIT 1",
             ids);
    assert_int_equal(json_integer_value(json_object_get(o0, "vote_count")), db_i64(w->db, sql));
    /* the changes, in order, as the log holds them */
    snprintf(sql, sizeof(sql),
             "SELECT string_agg(concat_ws('|', strftime(changed_at, '%%Y-%%m-%%dT%%H:%%M:%%SZ'),"
             " api, field, coalesce(old_value, 'null'), coalesce(new_value, 'null'), run_id),"
             " ';' ORDER BY changed_at, api, field) FROM change_log WHERE tmdb_id = %s",
             ids);
    char *want = db_str(w->db, sql), got[8192] = "";
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "changes"), i, c)
    {
        const char *o = json_string_value(json_object_get(c, "old_value"));
        const char *n = json_string_value(json_object_get(c, "new_value"));
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s|%s|%s|%s|%s|%lld",
                 i ? ";" : "", json_string_value(json_object_get(c, "changed_at")),
                 json_string_value(json_object_get(c, "api")),
                 json_string_value(json_object_get(c, "field")), o ? o : "null", n ? n : "null",
                 (long long)json_integer_value(json_object_get(c, "run_id")));
    }
    assert_string_equal(got, want);
    json_t *ev = json_object_get(doc, "events");
    assert_int_equal(json_array_size(ev), 1);
    json_t *e0 = json_array_get(ev, 0);
    assert_string_equal(json_string_value(json_object_get(e0, "event")), "unfrozen");
    assert_string_equal(json_string_value(json_object_get(e0, "event_at")), "2026-11-29T00:00:00Z");
    assert_true(json_is_null(json_object_get(e0, "run_id")));
    assert_string_equal(json_string_value(json_object_get(e0, "reason")), "reelsync unfreeze");
    json_decref(doc);

    /* the table: its title line, a change line and the event line, exactly */
    run(w, DAY[DAYS - 1], (const char *[]){"history", ids, NULL}, &r);
    assert_int_equal(r.status, 0);
    char line[512];
    snprintf(line, sizeof(line), "History of %s %s\n", ids, title);
    assert_memory_equal(r.out, line, strlen(line));
    snprintf(sql, sizeof(sql),
             "SELECT concat('  ', strftime(changed_at, '%%Y-%%m-%%dT%%H:%%M:%%SZ'), ' ', api, ' ',"
             " field, ': ', coalesce(old_value, 'NULL'), ' -> ', coalesce(new_value, 'NULL'),"
             " ' (run ', run_id, ')', chr(10)) FROM change_log WHERE tmdb_id = %s"
             " ORDER BY changed_at, api, field LIMIT 1",
             ids);
    char *change_line = db_str(w->db, sql);
    assert_non_null(strstr(r.out, change_line));
    assert_non_null(strstr(r.out, "\nEvents (1)\n  2026-11-29T00:00:00Z unfrozen: reelsync "
                                  "unfreeze\n"));
    run_result_free(&r);

    /* one series: --field revenue */
    run(w, DAY[DAYS - 1], (const char *[]){"--json", "history", ids, "--field", "revenue", NULL},
        &r);
    assert_int_equal(r.status, 0);
    doc = doc_parse(r.out);
    json_array_foreach(json_object_get(doc, "observations"), i, c)
    {
        assert_int_equal(json_object_size(c), 3);
        assert_string_equal(json_string_value(json_object_get(c, "api")), "tmdb");
        assert_non_null(json_object_get(c, "revenue"));
    }
    json_array_foreach(json_object_get(doc, "changes"), i, c)
        assert_string_equal(json_string_value(json_object_get(c, "field")), "revenue");
    assert_int_equal(json_array_size(json_object_get(doc, "events")), 0);
    json_decref(doc);
    run_result_free(&r);

    /* an unknown movie, an unknown field */
    run(w, DAY[DAYS - 1], (const char *[]){"history", "99999999", NULL}, &r);
    snprintf(line, sizeof(line), "reelsync: history: no movie with tmdb_id 99999999 in '%s'\n",
             w->db);
    assert_stderr_is(&r, 1, line);
    run_result_free(&r);
    run(w, DAY[DAYS - 1], (const char *[]){"history", ids, "--field", "nope", NULL}, &r);
    assert_stderr_is(&r, 2,
                     "reelsync: history: no field 'nope' (give a column of observations, "
                     "tmdb_movies or omdb_movies)\n");
    run_result_free(&r);
    free(title), free(want), free(change_line);
}

/* runs: the collects with their numbers; runs RUN_ID with its changes. */
static void runs_command(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w, DAY[DAYS - 1], (const char *[]){"--json", "runs", NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    run_result_free(&r);
    json_t *runs = json_object_get(doc, "runs");
    assert_int_equal(json_array_size(runs), DAYS);
    int64_t req[2] = {0, 0}, upd[2] = {0, 0};
    for (size_t i = 0; i < DAYS; i++) {
        json_t *x = json_array_get(runs, i);
        int day = DAYS - 1 - (int)i; /* newest first */
        char sql[256], when[32];
        assert_int_equal(doc_int(x, "run_id"), day + 1);
        snprintf(when, sizeof(when), "%sT00:00:00Z", DAY[day]);
        assert_string_equal(json_string_value(json_object_get(x, "started_at")), when);
        assert_string_equal(json_string_value(json_object_get(x, "result")), "ok");
        req[0] += doc_int(x, "requests.tmdb");
        req[1] += doc_int(x, "requests.omdb");
        upd[0] += doc_int(x, "tmdb_updated");
        upd[1] += doc_int(x, "omdb_updated");
        snprintf(sql, sizeof(sql),
                 "SELECT count(DISTINCT tmdb_id) FROM change_log WHERE changed_at = '%s'",
                 DAY[day]);
        assert_int_equal(doc_int(x, "changed"), db_i64(w->db, sql));
        assert_int_equal(doc_int(x, "failed.tmdb") + doc_int(x, "failed.omdb"), 0);
    }
    assert_int_equal(req[0], w->requests[0]);
    assert_int_equal(req[1], w->requests[1]);
    assert_int_equal(upd[0], w->updated[0]);
    assert_int_equal(upd[1], w->updated[1]);
    json_decref(doc);

    /* the table: a header and one line per run */
    run(w, DAY[DAYS - 1], (const char *[]){"runs", "--limit", "3", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(line_count(r.out), 4);
    assert_non_null(strstr(r.out, "\n     8  2026-11-29T00:00:00Z  2026-11-29T00:00:"));
    run_result_free(&r);

    /* one run: the movies whose data changed, with their fields */
    int64_t busy = db_i64(w->db, "SELECT run_id FROM change_log GROUP BY run_id"
                                 " ORDER BY count(*) DESC, run_id LIMIT 1");
    char id[24], sql[256];
    snprintf(id, sizeof(id), "%lld", (long long)busy);
    run(w, DAY[DAYS - 1], (const char *[]){"--json", "runs", id, NULL}, &r);
    assert_int_equal(r.status, 0);
    doc = doc_parse(r.out);
    run_result_free(&r);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM change_log WHERE run_id = %s", id);
    assert_int_equal((int64_t)json_array_size(json_object_get(doc, "changes")), db_i64(w->db, sql));
    assert_int_equal(json_array_size(json_object_get(doc, "failures")), 0);
    json_t *c0 = json_array_get(json_object_get(doc, "changes"), 0);
    snprintf(sql, sizeof(sql),
             "SELECT concat_ws('|', tmdb_id, api, field) FROM change_log WHERE run_id = %s"
             " ORDER BY tmdb_id, api DESC, field LIMIT 1",
             id);
    char *want = db_str(w->db, sql), got[256];
    snprintf(got, sizeof(got), "%lld|%s|%s", (long long)doc_int(c0, "tmdb_id"),
             json_string_value(json_object_get(c0, "api")),
             json_string_value(json_object_get(c0, "field")));
    assert_string_equal(got, want);
    free(want);
    json_decref(doc);
    run(w, DAY[DAYS - 1], (const char *[]){"runs", "424242", NULL}, &r);
    char line[512];
    snprintf(line, sizeof(line), "reelsync: runs: no run with id 424242 in '%s'\n", w->db);
    assert_stderr_is(&r, 1, line);
    run_result_free(&r);
}

/* export --table observations: every observation, with the header of its columns. */
static void export_observations(void **state)
{
    struct world *w = *state;
    struct run_result r;
    char *out = path_join(w->dir, "obs.csv");
    run(w, DAY[DAYS - 1], (const char *[]){"export", "--table", "observations", "--out", out, NULL},
        &r);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
    size_t len = 0;
    char *csv = read_file(out, &len);
    const char *header = "tmdb_id,api,observed_at,vote_count,vote_average,popularity,revenue,"
                         "budget,imdb_rating,imdb_votes,metacritic,rotten_tomatoes,box_office\n";
    assert_memory_equal(csv, header, strlen(header));
    assert_int_equal((int64_t)line_count(csv),
                     db_i64(w->db, "SELECT count(*) FROM observations") + 1);
    free(csv);
    /* the appended parts' tables, by the same option */
    static const char *const parts[][3] = {
        {"credits", "tmdb_id,person_id,name,role,job,character,ord\n", "movie_credits"},
        {"keywords", "tmdb_id,keyword_id,name\n", "movie_keywords"},
        {"release_dates", "tmdb_id,country,type,release_date,certification,note\n",
         "release_dates"}};
    for (size_t k = 0; k < 3; k++) {
        run(w, DAY[DAYS - 1],
            (const char *[]){"export", "--table", parts[k][0], "--out", out, NULL}, &r);
        assert_int_equal(r.status, 0);
        run_result_free(&r);
        csv = read_file(out, &len);
        assert_memory_equal(csv, parts[k][1], strlen(parts[k][1]));
        char sql[96];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", parts[k][2]);
        int64_t rows = db_i64(w->db, sql);
        assert_true(rows > 0);
        assert_int_equal((int64_t)line_count(csv), rows + 1);
        free(csv);
    }
    free(out);
}

/* A run whose every request fails records each movie it failed with the error class. */
static void failed_run(void **state)
{
    struct world *w = *state;
    struct fake bad;
    fake_start(&bad,
               (const char *[]){"--movies", "3000", "--fault-rate", "1", "--faults", "500", NULL});
    struct orch_options o = fake_collect_options(&bad, at("2027-01-15"));
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_not_equal(collect(w->db, &o, &s, &err), RS_OK);
    fake_stop(&bad);
    int64_t failed = s.failed[RS_API_TMDB] + s.failed[RS_API_OMDB];
    assert_true(s.failed[RS_API_TMDB] > 0);
    struct run_result r;
    run(w, DAY[DAYS - 1], (const char *[]){"--json", "runs", "9", NULL}, &r);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    run_result_free(&r);
    json_t *f = json_object_get(doc, "failures");
    assert_int_equal((int64_t)json_array_size(f), failed);
    assert_int_equal(doc_int(doc, "failed.tmdb"), s.failed[RS_API_TMDB]);
    size_t i;
    json_t *x;
    json_array_foreach(f, i, x)
        assert_string_equal(json_string_value(json_object_get(x, "error_class")), "server_error");
    assert_int_equal(db_i64(w->db, "SELECT count(DISTINCT tmdb_id) FROM run_failures"
                                   " WHERE run_id = 9 AND api = 'tmdb'"),
                     s.failed[RS_API_TMDB]);
    assert_int_equal(db_i64(w->db, "SELECT count(*) FROM movies"),
                     db_i64(w->db, "SELECT count(*) FROM run_failures WHERE api = 'tmdb'"));
    json_decref(doc);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(observations_match_server), cmocka_unit_test(change_log_exact),
        cmocka_unit_test(history_command),           cmocka_unit_test(runs_command),
        cmocka_unit_test(export_observations),       cmocka_unit_test(failed_run),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
