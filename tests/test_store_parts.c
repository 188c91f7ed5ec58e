/*
 * The appended TMDB parts in the store (src/store/parts.c): movie_credits, movie_keywords
 * and release_dates written with the TMDB details batch, a movie's rows replaced (not
 * appended again) when its credits shrink or grow, a part the answer lacked left alone,
 * other movies untouched, an unchanged set left unread and unwritten (its digest), and a
 * failure rolling the details back with the parts.
 */
#include "test_store.h"

static struct credit_row credits[] = {
    {.person_id = 6193,
     .name = "Leonardo DiCaprio",
     .role = "cast",
     .character = "Dom Cobb",
     .ord = RS_I64(0)},
    {.person_id = 24045, .name = "Joseph Gordon-Levitt", .role = "cast", .ord = RS_I64(1)},
    {.person_id = 525, .name = "Christopher Nolan", .role = "director", .job = "Director"},
};
static struct keyword_row keywords[] = {{1566, "dream"}, {10051, "heist"}, {3011, "subconscious"}};
static struct release_row releases[] = {
    {.country = "US", .type = RS_I64(3), .release_date = RS_I64(14806), .certification = "PG-13"},
    {.country = "US", .type = RS_I64(1), .release_date = RS_I64(14803), .note = "Los Angeles"},
};

/* Movie ID's TMDB row carrying N_C credits, N_K keywords and N_R release dates. */
static struct tmdb_row with_parts(int64_t id, size_t n_c, size_t n_k, size_t n_r)
{
    struct tmdb_row t = tmdb_row(id, NULL, 14806);
    /* the raw an answer with the parts has: a later answer's parts are compared with these */
    t.raw = "{\"id\":1,\"credits\":{},\"keywords\":{},\"release_dates\":{}}";
    t.raw_len = strlen(t.raw);
    t.parts = (struct tmdb_parts){.has_credits = true,
                                  .has_keywords = true,
                                  .has_release_dates = true,
                                  .credits = credits,
                                  .n_credits = n_c,
                                  .keywords = keywords,
                                  .n_keywords = n_k,
                                  .release_dates = releases,
                                  .n_release_dates = n_r};
    return t;
}

static void counts(const char *path, int64_t id, const char *want)
{
    char sql[400];
    snprintf(sql, sizeof(sql),
             "SELECT (SELECT count(*) FROM movie_credits WHERE tmdb_id = %lld) || ',' ||"
             " (SELECT count(*) FROM movie_keywords WHERE tmdb_id = %lld) || ',' ||"
             " (SELECT count(*) FROM release_dates WHERE tmdb_id = %lld)",
             (long long)id, (long long)id, (long long)id);
    assert_peek(path, sql, want);
}

static void written_with_the_details(void **state)
{
    struct fx *f = *state;
    struct tmdb_row t = with_parts(27205, 3, 2, 2);
    bool changed;
    OK(put_tmdb(f->st, &t, NOW, &changed, E));
    store_close(f->st);
    f->st = NULL;
    counts(f->path, 27205, "3,2,2");
    assert_peek(f->path,
                "SELECT string_agg(concat_ws('|', person_id, name, role, coalesce(job, '-'),"
                " coalesce(character, '-'), coalesce(ord::VARCHAR, '-')), '; ' ORDER BY"
                " person_id) FROM movie_credits",
                "525|Christopher Nolan|director|Director|-|-; "
                "6193|Leonardo DiCaprio|cast|-|Dom Cobb|0; "
                "24045|Joseph Gordon-Levitt|cast|-|-|1");
    assert_peek(f->path,
                "SELECT string_agg(keyword_id || ':' || name, ',' ORDER BY keyword_id)"
                " FROM movie_keywords",
                "1566:dream,10051:heist");
    assert_peek(f->path,
                "SELECT string_agg(concat_ws('|', country, type, release_date,"
                " coalesce(certification, '-'), coalesce(note, '-')), '; ' ORDER BY type)"
                " FROM release_dates",
                "US|1|2010-07-13|-|Los Angeles; US|3|2010-07-16|PG-13|-");
}

/*
 * Each fetch replaces the movie's rows: credits shrink, keywords grow, release dates empty;
 * an answer without parts leaves them; another movie in the same batch is its own.
 */
static void replaced_not_appended(void **state)
{
    struct fx *f = *state;
    struct tmdb_row t = with_parts(5, 3, 2, 2);
    bool changed;
    OK(put_tmdb(f->st, &t, NOW - 20, &changed, E));
    OK(put_tmdb(f->st, &t, NOW - 15, &changed, E)); /* the same again: no second copy */
    assert_false(changed);                          /* ... and no change */
    struct tmdb_row two[2] = {with_parts(5, 1, 3, 0), with_parts(6, 2, 1, 1)};
    bool two_changed[2];
    OK(store_put_tmdb_batch(f->st, two, 2, NOW - 10, two_changed, E));
    assert_true(two_changed[0]); /* its parts changed */
    assert_true(two_changed[1]); /* a first fetch */
    store_close(f->st);
    f->st = NULL;
    /* each changed part of movie 5 is one change_log row, its sets as text; movie 6 none */
    assert_peek(f->path,
                "SELECT string_agg(tmdb_id || ' ' || field, ', ' ORDER BY field) FROM change_log",
                "5 credits, 5 keywords, 5 release_dates");
    assert_peek(f->path, "SELECT new_value FROM change_log WHERE field = 'keywords'",
                "dream [1566]; heist [10051]; subconscious [3011]");
    assert_peek(
        f->path, "SELECT old_value FROM change_log WHERE field = 'credits'",
        "cast 000 Leonardo DiCaprio (Dom Cobb) [6193]; cast 001 Joseph Gordon-Levitt [24045]; "
        "director Christopher Nolan (Director) [525]");
    assert_peek(f->path,
                "SELECT coalesce(new_value, 'NULL') FROM change_log WHERE field = "
                "'release_dates'",
                "NULL");
    counts(f->path, 5, "1,3,0");
    counts(f->path, 6, "2,1,1");
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    struct tmdb_row bare = tmdb_row(5, NULL, 14806);
    OK(put_tmdb(f->st, &bare, NOW, &changed, E));
    store_close(f->st);
    f->st = NULL;
    counts(f->path, 5, "1,3,0");
    assert_peek(f->path, "SELECT count(*) FROM movie_credits", "3");
}

/*
 * A batch with nothing stored (a first collect's) compares nothing: each movie changed, no
 * change_log row, its parts and observations written. Fetched again with one part changed,
 * beside a movie fetched for the first time, that part is the one change_log row.
 */
static void first_fetch_logs_nothing(void **state)
{
    struct fx *f = *state;
    struct tmdb_row first[2] = {with_parts(11, 3, 2, 2), with_parts(12, 1, 1, 1)};
    bool changed[2] = {false, false};
    OK(store_put_tmdb_batch(f->st, first, 2, NOW - 10, changed, E));
    assert_true(changed[0]);
    assert_true(changed[1]);
    struct tmdb_row again[2] = {with_parts(11, 3, 3, 2), with_parts(13, 2, 2, 2)};
    OK(store_put_tmdb_batch(f->st, again, 2, NOW, changed, E));
    assert_true(changed[0]); /* its keywords changed */
    assert_true(changed[1]); /* a first fetch */
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT string_agg(tmdb_id || ' ' || field, ', ') FROM change_log",
                "11 keywords");
    assert_peek(f->path, "SELECT count(*) FROM observations", "4");
    counts(f->path, 11, "3,3,2");
    counts(f->path, 12, "1,1,1");
    counts(f->path, 13, "2,2,2");
}

/* Where movie ID's credits rows are in the table (a rewritten row gets a new rowid). */
static char *credit_rowids(const char *path, int64_t id)
{
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT string_agg(rowid::VARCHAR, ',' ORDER BY rowid) FROM movie_credits"
             " WHERE tmdb_id = %lld",
             (long long)id);
    return peek(path, sql);
}

/*
 * Each tmdb_movies row keeps its parts' digests: a refetch whose set is the stored one (in
 * another order) leaves the stored rows as they are, where a changed part beside it is
 * replaced and logged; an answer without the part keeps the digest; a digest not known (a
 * row stored before schema 7) has the rows read and replaced as before, and known again.
 */
static void unchanged_parts_left_unread(void **state)
{
    struct fx *f = *state;
    struct tmdb_row first[2] = {with_parts(21, 3, 2, 2), with_parts(22, 1, 1, 1)};
    bool changed[2];
    OK(store_put_tmdb_batch(f->st, first, 2, NOW - 30, changed, E));
    store_close(f->st);
    f->st = NULL;
    char *before = credit_rowids(f->path, 21);
    assert_peek(f->path,
                "SELECT count(*) FROM tmdb_movies WHERE credits_digest IS NOT NULL AND"
                " keywords_digest IS NOT NULL AND release_dates_digest IS NOT NULL",
                "2");
    struct credit_row reversed[3] = {credits[2], credits[1], credits[0]};
    /* 22's new rows go first: rewritten, 21's would follow them */
    struct tmdb_row again[2] = {with_parts(22, 2, 2, 1), with_parts(21, 3, 2, 2)};
    again[1].parts.credits = reversed;
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    OK(store_put_tmdb_batch(f->st, again, 2, NOW - 20, changed, E));
    assert_true(changed[0]); /* its credits and keywords */
    assert_false(changed[1]);
    struct tmdb_row bare = tmdb_row(22, NULL, 14806);
    OK(put_tmdb(f->st, &bare, NOW - 15, &changed[1], E));
    store_close(f->st);
    f->st = NULL;
    char *after = credit_rowids(f->path, 21);
    assert_string_equal(before, after);
    free(after);
    assert_peek(f->path,
                "SELECT string_agg(tmdb_id || ' ' || field, ', ' ORDER BY field) FROM change_log",
                "22 credits, 22 keywords");
    counts(f->path, 21, "3,2,2");
    counts(f->path, 22, "2,2,1");
    assert_peek(f->path,
                "SELECT count(*) FROM tmdb_movies WHERE tmdb_id = 22 AND credits_digest IS NOT"
                " NULL AND keywords_digest IS NOT NULL",
                "1");
    /* not known: read and replaced (new rowids), nothing logged (the same set) */
    free(peek(f->path, "UPDATE tmdb_movies SET credits_digest = NULL WHERE tmdb_id = 21"));
    OK(store_open(f->path, STORE_READ_WRITE, &f->st, E));
    struct tmdb_row third = with_parts(21, 3, 2, 2);
    OK(put_tmdb(f->st, &third, NOW - 10, &changed[0], E));
    assert_false(changed[0]);
    store_close(f->st);
    f->st = NULL;
    after = credit_rowids(f->path, 21);
    assert_string_not_equal(before, after);
    free(after);
    free(before);
    counts(f->path, 21, "3,2,2");
    assert_peek(f->path, "SELECT count(*) FROM change_log", "2");
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies WHERE credits_digest IS NULL", "0");
}

/* A part that cannot be stored fails the whole batch: no details without their parts. */
static void one_transaction(void **state)
{
    struct fx *f = *state;
    struct release_row bad = {.country = NULL, .type = RS_I64(3)}; /* country is NOT NULL */
    struct tmdb_row t = with_parts(7, 3, 2, 0);
    t.parts.release_dates = &bad;
    t.parts.n_release_dates = 1;
    bool changed;
    struct rs_error err = {0};
    assert_int_equal(put_tmdb(f->st, &t, NOW, &changed, &err), RS_ERR_DB);
    /* the stages were emptied: the next batch goes through */
    struct tmdb_row ok = with_parts(8, 1, 1, 1);
    OK(put_tmdb(f->st, &ok, NOW, &changed, E));
    store_close(f->st);
    f->st = NULL;
    assert_peek(f->path, "SELECT count(*) FROM tmdb_movies WHERE tmdb_id = 7", "0");
    counts(f->path, 7, "0,0,0");
    counts(f->path, 8, "1,1,1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(written_with_the_details, setup, teardown),
        cmocka_unit_test_setup_teardown(replaced_not_appended, setup, teardown),
        cmocka_unit_test_setup_teardown(first_fetch_logs_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(unchanged_parts_left_unread, setup, teardown),
        cmocka_unit_test_setup_teardown(one_transaction, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
