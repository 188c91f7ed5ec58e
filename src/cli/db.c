/*
 * db: --db as the commands open it. As docs/reelsync.1 says, the file is created with the
 * schema on first use, whatever the command; plan and collect --dry-run, which write
 * nothing, check db_exists first and do not get here without one. What the store does with
 * the file is the library's.
 */
#include <sys/stat.h>

#include "cli_int.h"

bool db_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

int db_open(const struct cli *c, enum store_mode mode, struct store **st)
{
    struct rs_error err = {0};
    if (!db_exists(c->db))
        mode = STORE_READ_WRITE;
    enum rs_err rc = store_open(c->db, mode, st, &err);
    if (rc != RS_OK)
        return msg_fail_rs(c->cmd, rc, &err);
    return EXIT_OK;
}
