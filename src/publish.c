/*
 * publish: the directory dance of collect --publish (include/reelsync/publish.h). The
 * Parquet files are the store's (store_export_tables, with DuckDB's COPY); this file
 * writes them into a directory of their own, then makes it current with one rename(2) of
 * a symbolic link, the step a reader can rely on, and removes what no reader needs any
 * more. Nothing here is a database concern, nor the program's.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "reelsync/publish.h"

#define PATH_BYTES 4096
#define TMP_PREFIX ".tmp-"

/* A path under DIR into BUF; false when it does not fit. */
static bool path_in(char *buf, const char *dir, const char *name)
{
    return (size_t)snprintf(buf, PATH_BYTES, "%s/%s", dir, name) < PATH_BYTES;
}

static enum rs_err io_fail(struct rs_error *err, const char *what, const char *path)
{
    return rs_fail(err, RS_ERR_IO, "cannot %s '%s': %s", what, path, strerror(errno));
}

/* mkdir that accepts a directory already there. */
static bool make_dir(const char *path)
{
    struct stat sb;
    return mkdir(path, 0777) == 0 ||
           (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
}

/* Removes a set: the files in PATH (a set holds nothing else), then PATH. Best effort. */
static void remove_set(const char *path)
{
    char file[PATH_BYTES];
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            path_in(file, path, e->d_name))
            unlink(file);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

/* In DIR, removes the sets whose names start with PREFIX ("" for all) but KEEP and KEEP2. */
static void remove_sets(const char *dir, const char *prefix, const char *keep, const char *keep2)
{
    char path[PATH_BYTES];
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
            continue;
        if (strncmp(n, prefix, strlen(prefix)) != 0 || strcmp(n, keep) == 0 ||
            strcmp(n, keep2) == 0 || !path_in(path, dir, n))
            continue;
        remove_set(path);
    }
    if (d)
        closedir(d);
}

/* A free name for the set of NOW in SNAPS: "20261125T020000Z", else with "-2", "-3"... */
static bool free_name(const char *snaps, rs_time_t now, char *name, size_t len)
{
    char iso[32], base[32], path[PATH_BYTES];
    size_t k = 0;
    struct stat sb;
    rs_time_format(now, iso, sizeof(iso));
    for (const char *p = iso; *p && k + 1 < sizeof(base); p++) {
        if (*p != '-' && *p != ':')
            base[k++] = *p;
    }
    base[k] = '\0';
    for (int i = 1; i < 1000; i++) {
        if (i == 1)
            snprintf(name, len, "%s", base);
        else
            snprintf(name, len, "%s-%d", base, i);
        if (path_in(path, snaps, name) && lstat(path, &sb) != 0 && errno == ENOENT)
            return true;
    }
    return false;
}

/* The set DIR/current points to now ("" when none), its name under snapshots/ into PREV. */
static void current_set(const char *dir, char *prev, size_t len)
{
    char link[PATH_BYTES], target[PATH_BYTES];
    prev[0] = '\0';
    if (!path_in(link, dir, "current"))
        return;
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0)
        return;
    target[n] = '\0';
    const char *slash = strrchr(target, '/');
    snprintf(prev, len, "%s", slash ? slash + 1 : target);
}

/*
 * Moves the written set TMP to SNAPS/NAME and points DIR/current at it: the link is made
 * at TMP's former path, then renamed over DIR/current, which replaces it atomically.
 */
static enum rs_err switch_to(const char *dir, const char *tmp, const char *snaps, const char *name,
                             struct rs_error *err)
{
    char set[PATH_BYTES], target[PATH_BYTES], link[PATH_BYTES];
    if (!path_in(set, snaps, name) || !path_in(target, "snapshots", name) ||
        !path_in(link, dir, "current"))
        return rs_fail(err, RS_ERR_IO, "cannot publish into '%s': path too long", dir);
    if (rename(tmp, set) != 0)
        return io_fail(err, "move the snapshot to", set);
    enum rs_err rc = RS_OK;
    if (symlink(target, tmp) != 0)
        rc = io_fail(err, "create the link", tmp);
    else if (rename(tmp, link) != 0)
        rc = io_fail(err, "replace", link);
    if (rc != RS_OK) { /* the set never became current: nobody reads it */
        unlink(tmp);
        remove_set(set);
    }
    return rc;
}

enum rs_err publish_snapshot(struct store *st, const char *dir, rs_time_t now, char **snapshot,
                             struct rs_error *err)
{
    char snaps[PATH_BYTES], tmp[PATH_BYTES], name[64], prev[PATH_BYTES];
    char tmp_name[32];
    snprintf(tmp_name, sizeof(tmp_name), TMP_PREFIX "%ld", (long)getpid());
    if (!path_in(snaps, dir, "snapshots") || !path_in(tmp, dir, tmp_name))
        return rs_fail(err, RS_ERR_IO, "cannot publish into '%s': path too long", dir);
    if (!make_dir(dir))
        return io_fail(err, "create the directory", dir);
    if (!make_dir(snaps))
        return io_fail(err, "create the directory", snaps);
    remove_sets(dir, TMP_PREFIX, "", ""); /* a publish that crashed: one publisher at a time */
    if (mkdir(tmp, 0777) != 0)            /* the umask's permissions, for readers of other users */
        return io_fail(err, "create the directory", tmp);
    current_set(dir, prev, sizeof(prev));
    enum rs_err rc = store_export_tables(st, tmp, err);
    if (rc == RS_OK && !free_name(snaps, now, name, sizeof(name)))
        rc = rs_fail(err, RS_ERR_IO, "cannot name a new snapshot in '%s'", snaps);
    if (rc == RS_OK)
        rc = switch_to(dir, tmp, snaps, name, err);
    if (rc != RS_OK) {
        remove_set(tmp);
        return rc;
    }
    remove_sets(snaps, "", name, prev);
    size_t len = strlen(snaps) + strlen(name) + 2;
    char *out = malloc(len);
    if (!out)
        return rs_fail(err, RS_ERR_NOMEM, "publish: out of memory");
    snprintf(out, len, "%s/%s", snaps, name);
    *snapshot = out;
    return RS_OK;
}
