/*
 * db: --db as the commands open it. As docs/reelsync.1 says, collect creates the file with
 * the schema on first use; every other command needs an existing database (exit status 3,
 * nothing created). A file another process holds is waited for up to --lock-timeout: the
 * library waits and calls back once, and this file says so on stderr; past the timeout it
 * is exit status 4, with the holder named (and one JSON object on stdout under --json).
 * What the store does with the file is the library's.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "cli_int.h"

bool db_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* struct store_open_options.waiting: one line on stderr, the first time only. */
static void on_wait(void *ctx, const char *path, const struct store_holder *h, double timeout_s)
{
    struct db_wait *w = ctx;
    if (w->told)
        return;
    w->told = true;
    progress_clear(w->progress);
    if (h->pid > 0)
        fprintf(stderr,
                "reelsync: '%s' is held by %s (PID %ld); waiting up to %.0f s (--lock-timeout)\n",
                path, h->program[0] ? h->program : "a program", h->pid, timeout_s);
    else
        fprintf(
            stderr,
            "reelsync: '%s' is held by another process; waiting up to %.0f s (--lock-timeout)\n",
            path, timeout_s);
}

/* The --json object of a command that found the file held past the timeout. */
static void locked_json(const struct cli *c, const struct store_holder *h)
{
    struct jw w;
    jw_init(&w);
    jw_object_begin(&w);
    jw_kstring(&w, "result", "locked");
    jw_kstring(&w, "db", c->db);
    jw_key(&w, "holder");
    jw_object_begin(&w);
    if (h->pid > 0) {
        jw_kint(&w, "pid", h->pid);
        jw_kstring(&w, "program", h->program);
    }
    jw_object_end(&w);
    jw_kint(&w, "waited_s", (int64_t)c->lock_timeout_s);
    jw_object_end(&w);
    msg_emit_json(c->cmd, &w);
    fflush(stdout);
}

int db_open(const struct cli *c, enum store_mode mode, struct store **st)
{
    struct rs_error err = {0};
    struct store_holder holder = {0};
    if (!db_exists(c->db) && !c->db_creates)
        return msg_fail(EXIT_CONFIG,
                        "%s: cannot open '%s': no such file (give the path of an existing "
                        "database with --db; collect creates one)",
                        c->cmd, c->db);
    const struct store_open_options opts = {
        .mode = mode,
        .lock_timeout_s = c->lock_timeout_s,
        .cancel = progress_cancel_flag(),
        .waiting = on_wait,
        .ctx = c->wait,
    };
    enum rs_err rc = store_open_ext(c->db, &opts, st, &holder, &err);
    if (rc == RS_ERR_DB_LOCKED && c->json)
        locked_json(c, &holder);
    if (rc != RS_OK)
        return msg_fail_rs(c->cmd, rc, &err);
    return EXIT_OK;
}
