/*
 * Starting and stopping build/reelsync-fakeapi as a child process, without cmocka: shared by
 * the tests (through fake_start in test.h) and the benchmarks.
 */
#ifndef RS_FAKEPROC_H
#define RS_FAKEPROC_H

#include <stdbool.h>

struct fake {
    int pid;
    int port;
    char base[64];     /* "http://127.0.0.1:PORT" */
    char tmdb_url[96]; /* base "/3" */
    char omdb_url[96]; /* base "/omdb/" */
};

/*
 * Starts BIN with "--port 0" and ARGS (NULL-terminated) and waits for its first line,
 * "listening on http://127.0.0.1:PORT". On failure returns false with WHY filled.
 */
bool fakeproc_start(struct fake *f, const char *bin, const char *const *args, char *why,
                    size_t whylen);
/* SIGTERM, then wait. Accepts a never-started (zeroed) struct. */
void fakeproc_stop(struct fake *f);

#endif
