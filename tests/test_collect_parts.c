/*
 * The appended TMDB parts end to end (README, "What is kept"): a collect against
 * reelsync-fakeapi asks each movie's details once, with
 * append_to_response=credits,keywords,release_dates,external_ids, and stores movie_credits,
 * movie_keywords and release_dates: the Inception fixture's exact values, and on the
 * synthetic catalog over two days exactly what the server answered each day (computed here
 * from its answers), a refresh replacing the rows of the day before.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "collect_env.h"

#define ALL "credits,keywords,release_dates,external_ids"

static void fixture_parts(void **state)
{
    (void)state;
    struct env e = {0};
    rs_time_t now = at("2026-11-25T10:00:00Z");
    fixtures_up(&e, NULL, now);
    struct orch_options o = opts(&e, now);
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e.db, &o, &s, &err), RS_OK);
    assert_int_equal(s.tmdb_updated, 10);
    /* one details request per movie (10 answered, 999999 not found), parts included */
    assert_int_equal(s.requests[RS_API_TMDB], N_FIXTURES);
    assert_int_equal(fake_stat(&e.fake, "endpoints", "/3/movie/{id}"), N_FIXTURES);
    json_t *st = fake_stats(&e.fake);
    size_t k, asked = 0;
    json_t *r;
    json_array_foreach(json_object_get(st, "recent"), k, r)
    {
        if (strncmp(json_string_value(json_object_get(r, "path")), "/3/movie/", 9) == 0) {
            assert_non_null(
                strstr(json_string_value(json_object_get(r, "query")), "append_to_response=" ALL));
            asked++;
        }
    }
    assert_int_equal(asked, N_FIXTURES);
    json_decref(st);

    /* Inception: the top 20 cast of 22, Nolan as director and writer */
    assert_int_equal(db_i64(e.db, "SELECT count(*) FROM movie_credits WHERE tmdb_id = 27205"), 22);
    char *got = db_str(e.db, "SELECT string_agg(person_id || ':' || name || ':' ||"
                             " coalesce(character, '-'), ', ' ORDER BY ord) FROM movie_credits"
                             " WHERE tmdb_id = 27205 AND role = 'cast' AND ord < 3");
    assert_string_equal(got, "6193:Leonardo DiCaprio:Dom Cobb, 24045:Joseph Gordon-Levitt:Arthur, "
                             "3899:Ken Watanabe:Saito");
    free(got);
    assert_int_equal(db_i64(e.db, "SELECT max(ord) FROM movie_credits WHERE tmdb_id = 27205"), 19);
    got = db_str(e.db, "SELECT string_agg(role || ':' || job || ':' || person_id, ', ' ORDER BY"
                       " role) FROM movie_credits WHERE tmdb_id = 27205 AND role <> 'cast'");
    assert_string_equal(got, "director:Director:525, writer:Writer:525");
    free(got);
    got = db_str(e.db, "SELECT string_agg(keyword_id || ':' || name, ', ' ORDER BY keyword_id)"
                       " FROM movie_keywords WHERE tmdb_id = 27205");
    assert_string_equal(got, "1014:loss of loved one, 1566:dream, 3011:subconscious, "
                             "4565:dystopia, 10051:heist");
    free(got);
    got = db_str(e.db, "SELECT string_agg(concat_ws('/', country, type, release_date,"
                       " coalesce(certification, '-'), coalesce(note, '-')), ', ' ORDER BY"
                       " country, release_date) FROM release_dates WHERE tmdb_id = 27205");
    assert_string_equal(got, "DE/3/2010-07-29/12/-, GB/3/2010-07-16/12A/-, JP/3/2010-07-23/G/-, "
                             "US/1/2010-07-13/-/Los Angeles, California, "
                             "US/3/2010-07-16/PG-13/-, US/5/2010-12-07/PG-13/Blu-ray");
    free(got);
    /* raw keeps the 20 cast and 2 crew entries, no more */
    assert_int_equal(db_i64(e.db, "SELECT json_array_length(raw, '$.credits.cast') FROM"
                                  " tmdb_movies WHERE tmdb_id = 27205"),
                     20);
    assert_int_equal(db_i64(e.db, "SELECT json_array_length(raw, '$.credits.crew') FROM"
                                  " tmdb_movies WHERE tmdb_id = 27205"),
                     2);
    /* the other fixtures carry no parts (1443826 empty ones): nothing stored for them */
    assert_int_equal(db_i64(e.db, "SELECT (SELECT count(*) FROM movie_credits) + (SELECT count(*)"
                                  " FROM movie_keywords) + (SELECT count(*) FROM release_dates)"),
                     22 + 5 + 6);
    env_down(&e);
}

static int by_int(const void *a, const void *b)
{
    json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;
    return (x > y) - (x < y);
}

/* Appends to the four lists what the store should hold of movie ID's answer M. */
static void expect_movie(long id, const json_t *m, char **lists, size_t len)
{
    size_t i, k;
    json_t *x, *y;
    json_t *credits = json_object_get(m, "credits");
    json_array_foreach(json_object_get(credits, "cast"), i, x)
    {
        json_int_t ord = json_integer_value(json_object_get(x, "order"));
        if (ord < 20)
            snprintf(lists[0] + strlen(lists[0]), len - strlen(lists[0]), "%ld/%lld/%lld,", id,
                     (long long)json_integer_value(json_object_get(x, "id")), (long long)ord);
    }
    json_array_foreach(json_object_get(credits, "crew"), i, x)
    {
        const char *job = json_string_value(json_object_get(x, "job"));
        const char *dept = json_string_value(json_object_get(x, "department"));
        bool dir = strcmp(job, "Director") == 0, wr = strcmp(dept, "Writing") == 0;
        if (dir || wr)
            snprintf(lists[1] + strlen(lists[1]), len - strlen(lists[1]), "%ld/%lld/%s/%s,", id,
                     (long long)json_integer_value(json_object_get(x, "id")),
                     dir ? "director" : "writer", job);
    }
    json_int_t kw[64];
    size_t n = 0;
    json_array_foreach(json_object_get(json_object_get(m, "keywords"), "keywords"), i, x)
    {
        kw[n++] = json_integer_value(json_object_get(x, "id"));
    }
    qsort(kw, n, sizeof(kw[0]), by_int);
    for (i = 0; i < n; i++)
        snprintf(lists[2] + strlen(lists[2]), len - strlen(lists[2]), "%ld/%lld,", id,
                 (long long)kw[i]);
    json_array_foreach(json_object_get(json_object_get(m, "release_dates"), "results"), i, x)
    {
        json_array_foreach(json_object_get(x, "release_dates"), k, y)
        {
            snprintf(lists[3] + strlen(lists[3]), len - strlen(lists[3]), "%ld/%s/%lld/%.10s,", id,
                     json_string_value(json_object_get(x, "iso_3166_1")),
                     (long long)json_integer_value(json_object_get(y, "type")),
                     json_string_value(json_object_get(y, "release_date")));
        }
    }
}

static const char *const stored_sql[4] = {
    "SELECT coalesce(string_agg(tmdb_id || '/' || person_id || '/' || ord, ',' ORDER BY tmdb_id,"
    " ord) || ',', '') FROM movie_credits WHERE role = 'cast'",
    "SELECT coalesce(string_agg(tmdb_id || '/' || person_id || '/' || role || '/' || job, ','"
    " ORDER BY tmdb_id, role, job) || ',', '') FROM movie_credits WHERE role <> 'cast'",
    "SELECT coalesce(string_agg(tmdb_id || '/' || keyword_id, ',' ORDER BY tmdb_id, keyword_id)"
    " || ',', '') FROM movie_keywords",
    "SELECT coalesce(string_agg(tmdb_id || '/' || country || '/' || type || '/' || release_date,"
    " ',' ORDER BY tmdb_id, country, release_date, type) || ',', '') FROM release_dates",
};

/*
 * The fake at DAY, a collect at DAY (discovery of 2026 when DISCOVER), then: one details
 * request per movie updated, and the four lists stored equal to what the server answers at
 * DAY, fetched here afterwards. Returns the number of release dates stored.
 */
static int64_t collect_day(struct env *e, const char *day, bool discover)
{
    const char *args[] = {"--movies", "3000", "--seed", "5", "--now", day, NULL};
    fake_start(&e->fake, args);
    struct orch_options o = opts(e, at(day));
    o.discover = discover;
    o.start_year = o.end_year = 2026;
    o.max_pages = 0;
    struct orch_stats s;
    struct rs_error err = {0};
    assert_int_equal(collect(e->db, &o, &s, &err), RS_OK);
    assert_true(s.tmdb_updated > 20);
    assert_int_equal(s.failed[RS_API_TMDB], 0);
    assert_int_equal(fake_stat(&e->fake, "endpoints", "/3/movie/{id}"), s.tmdb_updated);

    size_t len = 1 << 20;
    char *lists[4];
    for (int k = 0; k < 4; k++) {
        lists[k] = malloc(len);
        lists[k][0] = '\0';
    }
    char *ids = db_str(e->db, "SELECT string_agg(tmdb_id::VARCHAR, ',' ORDER BY tmdb_id)"
                              " FROM tmdb_movies");
    for (char *p = ids; p && *p;) {
        long id = strtol(p, &p, 10);
        p += *p == ',';
        char q[160];
        snprintf(q, sizeof(q), "/movie/%ld?append_to_response=" ALL, id);
        json_t *m = fake_tmdb(&e->fake, q, day, NULL);
        expect_movie(id, m, lists, len);
        json_decref(m);
    }
    for (int k = 0; k < 4; k++) {
        char *got = db_str(e->db, stored_sql[k]);
        assert_string_equal(got, lists[k]);
        free(got);
        free(lists[k]);
    }
    free(ids);
    fake_stop(&e->fake);
    return db_i64(e->db, "SELECT count(*) FROM release_dates");
}

/*
 * 2026's movies collected on 10 March and refreshed on 20 April: each day the tables hold
 * the server's answers of that day; release dates that came in between replaced the old
 * rows (no row twice).
 */
static void synthetic_parts_follow_the_server(void **state)
{
    (void)state;
    struct env e = {0};
    env_files(&e);
    int64_t first = collect_day(&e, "2026-03-10", true);
    int64_t second = collect_day(&e, "2026-04-20", false);
    assert_true(second > first);
    assert_int_equal(db_i64(e.db, "SELECT count(*) - count(DISTINCT (tmdb_id, country, type,"
                                  " release_date)) FROM release_dates"),
                     0);
    assert_int_equal(db_i64(e.db, "SELECT count(*) - count(DISTINCT (tmdb_id, person_id, role,"
                                  " job, ord)) FROM movie_credits"),
                     0);
    free(e.db);
    tmpdir_remove(e.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(fixture_parts, fake_stop_all),
        cmocka_unit_test_teardown(synthetic_parts_follow_the_server, fake_stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
