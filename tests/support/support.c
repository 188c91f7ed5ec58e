/*
 * Test support: temporary directories and files, HTTP with libcurl, and running the built
 * programs with what their stderr must say. Failures here fail the calling test (cmocka's
 * fail_msg). The fake server is fakeapi.c's, JSON json.c's, fixtures fixtures.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "test.h"

char *tmpdir_create(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof(tmpl), "%s/reelsync-test-XXXXXX", base && *base ? base : "/tmp");
    char *dir = mkdtemp(tmpl);
    if (!dir)
        fail_msg("mkdtemp: %s", strerror(errno));
    return strdup(dir);
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tmpdir_remove(char *dir)
{
    if (!dir)
        return;
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

char *path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

struct buf {
    char *p;
    size_t len;
};

static size_t collect_bytes(char *data, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    size_t add = size * n;
    char *p = realloc(b->p, b->len + add + 1);
    if (!p)
        return 0;
    memcpy(p + b->len, data, add);
    b->p = p;
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

void http_fetch(const char *method, const char *url, const char *header, struct http_reply *out)
{
    struct buf body = {calloc(1, 1), 0}, head = {calloc(1, 1), 0};
    CURL *c = curl_easy_init();
    struct curl_slist *hl = header ? curl_slist_append(NULL, header) : NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_bytes);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (hl)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (method && strcmp(method, "POST") == 0)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    CURLcode rc = curl_easy_perform(c);
    out->status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = body.p;
    out->len = body.len;
    out->headers = head.p;
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
}

void http_reply_free(struct http_reply *r)
{
    free(r->body);
    free(r->headers);
    r->body = r->headers = NULL;
}

void assert_http_body(const char *url, const char *header, long status, const char *body)
{
    struct http_reply r;
    http_fetch("GET", url, header, &r);
    assert_int_equal(r.status, status);
    assert_string_equal(r.body, body);
    http_reply_free(&r);
}

static char *drain(int fd)
{
    struct buf b = {calloc(1, 1), 0};
    char chunk[4096];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        collect_bytes(chunk, 1, (size_t)n, &b);
    return b.p;
}

void run_program(const char *const *argv, const char *const *env, struct run_result *out)
{
    char outpath[] = "/tmp/rs-run-out-XXXXXX", errpath[] = "/tmp/rs-run-err-XXXXXX";
    int ofd = mkstemp(outpath), efd = mkstemp(errpath);
    if (ofd < 0 || efd < 0)
        fail_msg("mkstemp: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(ofd, 1);
        dup2(efd, 2);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    lseek(ofd, 0, SEEK_SET);
    lseek(efd, 0, SEEK_SET);
    out->out = drain(ofd);
    out->err = drain(efd);
    close(ofd);
    close(efd);
    unlink(outpath);
    unlink(errpath);
    out->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void run_result_free(struct run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

size_t line_count(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

void assert_stderr_is(const struct run_result *r, int status, const char *line)
{
    if (r->status != status || strcmp(r->err, line) != 0)
        print_error("status %d, stderr: %s\n", r->status, r->err);
    assert_int_equal(r->status, status);
    assert_string_equal(r->err, line);
    assert_int_equal(line_count(r->err), 1);
    assert_string_equal(r->out, "");
}

void assert_stderr_one_line(const struct run_result *r, int status, const char *needle)
{
    if (r->status != status || line_count(r->err) != 1 || !strstr(r->err, needle))
        print_error("status %d, stderr: %s\n", r->status, r->err);
    assert_int_equal(r->status, status);
    assert_non_null(strstr(r->err, needle));
    assert_int_equal(line_count(r->err), 1);
    assert_string_equal(strchr(r->err, '\n'), "\n"); /* the line ends the output */
    assert_string_equal(r->out, "");
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b = {calloc(1, 1), 0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        collect_bytes(chunk, 1, n, &b);
    fclose(f);
    if (len)
        *len = b.len;
    return b.p;
}

char *slurp_file(const char *path, size_t *len)
{
    char *b = read_file(path, len);
    if (!b)
        fail_msg("cannot read %s", path);
    return b;
}

void file_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot write %s: %s", path, strerror(errno));
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

void assert_file_holds(const char *path, const void *data, size_t len)
{
    size_t got = 0;
    char *b = read_file(path, &got);
    if (!b)
        fail_msg("cannot read %s", path);
    assert_int_equal(got, len);
    assert_memory_equal(b, data, len);
    free(b);
}
