/*
 * reelsync report --html, looked at in a real browser: a database made by three collect
 * runs against reelsync-fakeapi; the page is loaded by headless Chromium (Debian's
 * `chromium`; scripts/deps.sh installs it), whose rendered DOM must hold every section
 * and chart with numbers equal to those of `stats --json` and `forecast --json`, computed
 * by other code paths, and a movie's trajectories point for point those of `history --json`.
 * A screenshot is left at build/report.png for people to look at.
 * Where no Chromium is installed the browser tests are skipped, saying so.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#define NOW "2026-12-01"

struct world {
    struct fake fake;
    char *dir, *db, *html;
    json_t *stats, *forecast, *history; /* history --json of MOVIE */
    int64_t movie;                      /* the movie of --movie: the one observed most */
    char *dom;                          /* the rendered DOM; NULL without a browser */
    char *chromium;                     /* its path, or NULL */
};

static void run(struct world *w, const char *now, const char *const *args, struct run_result *r)
{
    run_reelsync(&w->fake, w->db, now, args, r);
}

/* $CHROMIUM, else chromium or chromium-browser on $PATH: a malloc'd path, or NULL. */
static char *find_chromium(void)
{
    const char *env = getenv("CHROMIUM");
    if (env && *env && access(env, X_OK) == 0)
        return strdup(env);
    const char *path = getenv("PATH");
    static const char *const names[] = {"chromium", "chromium-browser"};
    for (size_t k = 0; path && k < 2; k++) {
        char *copy = strdup(path), *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
            char *p = path_join(d, names[k]);
            if (access(p, X_OK) == 0) {
                free(copy);
                return p;
            }
            free(p);
        }
        free(copy);
    }
    return NULL;
}

static json_t *run_json(struct world *w, const char *const *args)
{
    struct run_result r;
    run(w, NOW, args, &r);
    if (r.status != 0)
        print_error("%s: status %d: %s\n", args[1], r.status, r.err);
    assert_int_equal(r.status, 0);
    json_t *doc = doc_parse(r.out);
    run_result_free(&r);
    return doc;
}

/* Chromium headless on the page: the DOM after loading (and a screenshot when SHOT). */
static char *browse(const struct world *w, const char *shot)
{
    char url[600], shot_arg[600];
    snprintf(url, sizeof(url), "file://%s", w->html);
    snprintf(shot_arg, sizeof(shot_arg), "--screenshot=%s", shot ? shot : "");
    const char *argv[] = {w->chromium,
                          "--headless=new",
                          "--no-sandbox",
                          "--disable-gpu",
                          "--disable-dev-shm-usage", /* containers give /dev/shm 64 MB */
                          "--hide-scrollbars",
                          "--no-first-run",
                          "--window-size=1100,3000",
                          shot ? shot_arg : "--dump-dom",
                          url,
                          NULL};
    char home[600];
    snprintf(home, sizeof(home), "HOME=%s", w->dir); /* its profile stays in the test's dir */
    struct run_result r;
    run_program(argv, (const char *[]){home, NULL}, &r);
    if (r.status != 0)
        print_error("chromium: status %d: %s\n", r.status, r.err);
    assert_int_equal(r.status, 0);
    char *out = r.out;
    r.out = NULL;
    run_result_free(&r);
    return out;
}

static int world_setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    *state = w;
    fake_start(&w->fake, (const char *[]){"--movies", "5000", NULL});
    w->dir = tmpdir_create();
    w->db = path_join(w->dir, "r.duckdb");
    w->html = path_join(w->dir, "report.html");
    static const char *const days[] = {"2026-11-10", "2026-11-20", NOW};
    for (size_t i = 0; i < 3; i++) {
        struct run_result r;
        run(w, days[i],
            (const char *[]){"--quiet", "collect", "--start-year", "2024", "--end-year", "2026",
                             "--max-pages", "2", "--min-vote-count", "0", "--refresh-limit", "60",
                             "--tmdb-rps", "200", "--omdb-rps", "200", NULL},
            &r);
        if (r.status != 0)
            print_error("collect: status %d: %s\n", r.status, r.err);
        assert_int_equal(r.status, 0);
        run_result_free(&r);
    }
    w->stats = run_json(w, (const char *[]){"--json", "stats", NULL});
    w->forecast = run_json(w, (const char *[]){"--json", "forecast", NULL});
    w->movie = db_i64(w->db, "SELECT tmdb_id FROM observations GROUP BY tmdb_id"
                             " ORDER BY count(*) DESC, tmdb_id LIMIT 1");
    char movie[32];
    snprintf(movie, sizeof(movie), "%lld", (long long)w->movie);
    w->history = run_json(w, (const char *[]){"--json", "history", movie, NULL});
    struct run_result r;
    run(w, NOW, (const char *[]){"--quiet", "report", "--html", w->html, "--movie", movie, NULL},
        &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    run_result_free(&r);
    w->chromium = find_chromium();
    if (w->chromium)
        w->dom = browse(w, NULL);
    return 0;
}

static int world_teardown(void **state)
{
    struct world *w = *state;
    fake_stop(&w->fake);
    json_decref(w->stats);
    json_decref(w->forecast);
    json_decref(w->history);
    if (w->dir)
        tmpdir_remove(w->dir);
    free(w->db);
    free(w->html);
    free(w->dom);
    free(w->chromium);
    free(w);
    return 0;
}

static void need_browser(const struct world *w)
{
    if (!w->dom) {
        fprintf(stderr, "test_report: no chromium on PATH (scripts/deps.sh installs Debian's "
                        "chromium): the browser checks are skipped\n");
        skip();
    }
}

/*
 * The integer in the first element after ANCHOR (an attribute text like data-api="tmdb")
 * that carries data-key="KEY"; fails the test when there is none.
 */
static int64_t dom_int(const char *dom, const char *anchor, const char *key)
{
    const char *at = anchor ? strstr(dom, anchor) : dom;
    if (!at)
        fail_msg("the DOM has no %s", anchor);
    char want[64];
    snprintf(want, sizeof(want), "data-key=\"%s\">", key);
    const char *v = strstr(at, want);
    if (!v)
        fail_msg("the DOM has no %s after %s", want, anchor ? anchor : "its start");
    return strtoll(v + strlen(want), NULL, 10);
}

/* How many times NEEDLE occurs in HAY. */
static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void every_section_and_chart(void **state)
{
    struct world *w = *state;
    need_browser(w);
    static const char *const ids[] = {"id=\"summary\"",
                                      "id=\"categories\"",
                                      "id=\"chart-categories\"",
                                      "id=\"requests\"",
                                      "id=\"chart-requests-tmdb\"",
                                      "id=\"chart-requests-omdb\"",
                                      "id=\"check-ages\"",
                                      "id=\"chart-ages-tmdb\"",
                                      "id=\"chart-ages-omdb\"",
                                      "id=\"runs\"",
                                      "id=\"chart-runs\"",
                                      "id=\"forecast\"",
                                      "id=\"chart-forecast-tmdb\"",
                                      "id=\"chart-forecast-omdb\""};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (!strstr(w->dom, ids[i]))
            fail_msg("the rendered page has no %s", ids[i]);
    /* nothing is fetched from elsewhere: no script, stylesheet, font or image by URL */
    char *page = slurp_file(w->html, NULL);
    assert_null(strstr(page, "<script"));
    assert_null(strstr(page, "http://"));
    assert_null(strstr(page, "https://"));
    assert_null(strstr(page, "<link"));
    free(page);
    /* 30 days of columns per API; three runs, one column each */
    assert_int_equal(count(strstr(w->dom, "id=\"chart-requests-tmdb\""), "class=\"column\""),
                     30 + 30 + 11 + 11 + 3 + 30 + 30);
}

static void numbers_equal_stats(void **state)
{
    struct world *w = *state;
    need_browser(w);
    assert_int_equal(dom_int(w->dom, "id=\"summary\"", "movies"), doc_int(w->stats, "movies"));
    assert_true(doc_int(w->stats, "movies") > 0);
    assert_int_equal(dom_int(w->dom, "id=\"summary\"", "frozen"), doc_int(w->stats, "frozen"));
    assert_int_equal(dom_int(w->dom, "id=\"summary\"", "missing_imdb"),
                     doc_int(w->stats, "missing_imdb_id"));
    assert_int_equal(dom_int(w->dom, "id=\"summary\"", "due_tmdb"),
                     doc_int(w->stats, "apis.tmdb.due_now"));
    static const char *const cats[] = {"recent", "established", "mature", "archived"};
    static const char *const keys[] = {"movies", "due", "not_due", "frozen"};
    for (size_t k = 0; k < 4; k++) {
        char anchor[64], path[64];
        snprintf(anchor, sizeof(anchor), "data-category=\"%s\"", cats[k]);
        for (size_t j = 0; j < 4; j++) {
            snprintf(path, sizeof(path), "coverage.%s.%s", cats[k], keys[j]);
            assert_int_equal(dom_int(w->dom, anchor, keys[j]), doc_int(w->stats, path));
        }
    }
    static const char *const apis[] = {"tmdb", "omdb"};
    for (size_t a = 0; a < 2; a++) {
        char anchor[64], path[64];
        snprintf(anchor, sizeof(anchor), "<h3 data-api=\"%s\">", apis[a]);
        snprintf(path, sizeof(path), "apis.%s.requests_30d", apis[a]);
        assert_true(doc_int(w->stats, path) > 0);
        assert_int_equal(dom_int(strstr(w->dom, "id=\"requests\""), anchor, "requests_30d"),
                         doc_int(w->stats, path));
        snprintf(path, sizeof(path), "apis.%s.daily_limit", apis[a]);
        assert_int_equal(dom_int(strstr(w->dom, "id=\"requests\""), anchor, "daily_limit"),
                         doc_int(w->stats, path));
        /* the histogram counts the movies stats checks against the interval, no more */
        snprintf(path, sizeof(path), "never_checked.%s", apis[a]);
        assert_int_equal(dom_int(strstr(w->dom, "id=\"check-ages\""), anchor, "never_checked"),
                         doc_int(w->stats, path));
    }
}

/* The bars of a chart add up: the sum of data-value of the rects of chart ID. */
static int64_t chart_sum(const char *dom, const char *id)
{
    const char *at = strstr(dom, id), *end = at ? strstr(at, "</svg>") : NULL;
    int64_t sum = 0;
    assert_non_null(end);
    for (const char *p = strstr(at, "<rect"); p && p < end; p = strstr(p + 1, "<rect")) {
        const char *v = strstr(p, "data-value=\"");
        assert_non_null(v);
        sum += strtoll(v + 12, NULL, 10);
    }
    return sum;
}

static void charts_draw_the_numbers(void **state)
{
    struct world *w = *state;
    need_browser(w);
    assert_int_equal(chart_sum(w->dom, "id=\"chart-requests-tmdb\""),
                     doc_int(w->stats, "apis.tmdb.requests_30d"));
    assert_int_equal(chart_sum(w->dom, "id=\"chart-requests-omdb\""),
                     doc_int(w->stats, "apis.omdb.requests_30d"));
    assert_int_equal(chart_sum(w->dom, "id=\"chart-ages-tmdb\"") +
                         doc_int(w->stats, "never_checked.tmdb"),
                     doc_int(w->stats, "within_interval.tmdb.all.movies"));
    assert_int_equal(chart_sum(w->dom, "id=\"chart-ages-omdb\"") +
                         doc_int(w->stats, "never_checked.omdb"),
                     doc_int(w->stats, "within_interval.omdb.all.movies"));
    assert_int_equal(chart_sum(w->dom, "id=\"chart-categories\""),
                     doc_int(w->stats, "movies") - doc_int(w->stats, "gone"));
    assert_int_equal(dom_int(w->dom, "id=\"forecast\"", "keep_up_limit"),
                     doc_int(w->forecast, "keep_up_limit"));
    assert_int_equal(dom_int(w->dom, "id=\"forecast\"", "movies"), doc_int(w->forecast, "movies"));
}

/* The values of one API's observations of COLUMN in history --json, in order. */
static size_t series(const json_t *history, const char *api, const char *column, double *out,
                     size_t max)
{
    size_t n = 0, i;
    json_t *o;
    json_array_foreach(json_object_get(history, "observations"), i, o)
    {
        json_t *v = json_object_get(o, column);
        if (strcmp(json_string_value(json_object_get(o, "api")), api) == 0 && json_is_number(v) &&
            n < max)
            out[n++] = json_number_value(v);
    }
    return n;
}

static void movie_trajectories(void **state)
{
    struct world *w = *state;
    need_browser(w);
    char anchor[64], id[96];
    snprintf(anchor, sizeof(anchor), "id=\"movie-%lld\"", (long long)w->movie);
    size_t n_obs = json_array_size(json_object_get(w->history, "observations"));
    assert_true(n_obs >= 4); /* three runs, both APIs, at least twice each */
    assert_int_equal(dom_int(w->dom, anchor, "observations"), (int64_t)n_obs);
    assert_int_equal(dom_int(w->dom, anchor, "changes"),
                     (int64_t)json_array_size(json_object_get(w->history, "changes")));
    static const char *const cols[][2] = {
        {"tmdb", "vote_count"}, {"tmdb", "popularity"}, {"omdb", "imdb_rating"}};
    for (size_t k = 0; k < 3; k++) {
        double want[64];
        size_t n = series(w->history, cols[k][0], cols[k][1], want, 64);
        snprintf(id, sizeof(id), "id=\"chart-movie-%lld-%s\"", (long long)w->movie, cols[k][1]);
        const char *chart = strstr(w->dom, id), *end = chart ? strstr(chart, "</svg>") : NULL;
        if (n == 0) {
            assert_null(chart);
            continue;
        }
        assert_non_null(end);
        /* one point per observation, in order, with the value history --json gives */
        size_t i = 0;
        for (const char *p = strstr(chart, "<circle"); p && p < end; p = strstr(p + 1, "<circle")) {
            const char *v = strstr(p, "data-value=\"");
            assert_true(i < n);
            assert_float_equal(strtod(v + 12, NULL), want[i], 1e-9 * (1 + want[i]));
            i++;
        }
        assert_int_equal(i, n);
    }
}

static void screenshot(void **state)
{
    struct world *w = *state;
    need_browser(w);
    char *shot = path_join(RS_BUILD_DIR, "report.png");
    unlink(shot);
    free(browse(w, shot));
    struct stat sb;
    assert_int_equal(stat(shot, &sb), 0);
    assert_true(sb.st_size > 10000); /* a blank page is a few kilobytes */
    char *png = slurp_file(shot, NULL);
    assert_memory_equal(png, "\x89PNG", 4);
    free(png);
    free(shot);
}

/* Without a browser: the command's own errors, and a page written whole or not at all. */
static void command_errors(void **state)
{
    struct world *w = *state;
    struct run_result r;
    run(w, NOW, (const char *[]){"report", NULL}, &r);
    assert_stderr_one_line(&r, 2, "--html FILE is required");
    run_result_free(&r);
    run(w, NOW, (const char *[]){"report", "--html", w->html, "--movie", "x", NULL}, &r);
    assert_stderr_one_line(&r, 2, "--movie");
    run_result_free(&r);
    /* a movie the database has not: nothing written, the page before is left as it was */
    size_t len;
    char *before = slurp_file(w->html, &len);
    run(w, NOW, (const char *[]){"report", "--html", w->html, "--movie", "999999999", NULL}, &r);
    assert_stderr_one_line(&r, 1, "no movie 999999999");
    run_result_free(&r);
    assert_file_holds(w->html, before, len);
    free(before);
    char *missing = path_join(w->dir, "no/such/dir/r.html");
    run(w, NOW, (const char *[]){"report", "--html", missing, NULL}, &r);
    assert_stderr_one_line(&r, 1, "cannot write");
    run_result_free(&r);
    free(missing);
    const char *argv[] = {RS_REELSYNC_BIN, "--db", "/nonexistent/r.duckdb", "report", "--html",
                          w->html,         NULL};
    run_program(argv, NULL, &r);
    assert_int_equal(r.status, 3);
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_section_and_chart),
        cmocka_unit_test(numbers_equal_stats),
        cmocka_unit_test(charts_draw_the_numbers),
        cmocka_unit_test(movie_trajectories),
        cmocka_unit_test(screenshot),
        cmocka_unit_test(command_errors),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
