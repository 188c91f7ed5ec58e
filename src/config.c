/*
 * config: reads the reelsync config file (KEY=value lines, see include/reelsync/config.h).
 * It refuses a file others may read, parses strictly (an unknown key is an error, so a typo
 * does not silently leave a key unset) and never puts a value into a message. Precedence
 * against the environment and the command line is the caller's (cli.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "reelsync/config.h"

#define MAX_CONFIG_BYTES (64 * 1024)

static const char *const key_names[CFG_KEY_COUNT] = {
    "TMDB_API_KEY",  "TMDB_ACCESS_TOKEN", "OMDB_API_KEY",
    "TMDB_BASE_URL", "OMDB_BASE_URL",     "REELSYNC_DB",
};

void cfg_init(struct cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
}

/* Overwrites S before it is freed: a value may be a key. */
static void wipe_free(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = '\0';
    free(s);
}

void cfg_release(struct cfg *cfg)
{
    if (!cfg)
        return;
    for (int k = 0; k < CFG_KEY_COUNT; k++)
        wipe_free(cfg->value[k]);
    for (int i = 0; i < CFG_SETTING_COUNT; i++)
        wipe_free(cfg->setting[i]);
    cfg_init(cfg);
}

const char *cfg_key_name(enum cfg_key key)
{
    return (int)key >= 0 && key < CFG_KEY_COUNT ? key_names[key] : NULL;
}

const char *cfg_get(const struct cfg *cfg, enum cfg_key key)
{
    return (int)key >= 0 && key < CFG_KEY_COUNT ? cfg->value[key] : NULL;
}

bool cfg_setting_key(int i, char *buf, size_t len)
{
    if (i == CFG_LOCK_TIMEOUT) {
        snprintf(buf, len, "LOCK_TIMEOUT");
        return true;
    }
    if (i < 0 || i >= (int)RS_OPT_COUNT)
        return false;
    const struct rs_option *o = rs_option((enum rs_option_id)i);
    if (o->kind == RS_OPT_KIND_FLAG || o->kind == RS_OPT_KIND_IDS)
        return false;
    size_t n = 0;
    for (const char *p = o->name; *p && n + 1 < len; p++)
        buf[n++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    buf[n] = '\0';
    return true;
}

const char *cfg_setting(const struct cfg *cfg, int i, int *line)
{
    if (i < 0 || i >= CFG_SETTING_COUNT || !cfg->setting[i])
        return NULL;
    if (line)
        *line = cfg->setting_line[i];
    return cfg->setting[i];
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Trims blanks off both ends of [*S, *E). */
static void trim(const char **s, const char **e)
{
    while (*s < *e && blank(**s))
        (*s)++;
    while (*e > *s && blank((*e)[-1]))
        (*e)--;
}

/* The slot of the key or setting whose name is [S, E) in CFG, and its line; false if none. */
static bool find_key(struct cfg *cfg, const char *s, const char *e, char ***slot, int **line)
{
    char name[64];
    for (int k = 0; k < CFG_KEY_COUNT; k++) {
        size_t n = strlen(key_names[k]);
        if ((size_t)(e - s) == n && memcmp(s, key_names[k], n) == 0) {
            *slot = &cfg->value[k];
            *line = &cfg->line[k];
            return true;
        }
    }
    for (int i = 0; i < CFG_SETTING_COUNT; i++) {
        if (cfg_setting_key(i, name, sizeof(name)) && (size_t)(e - s) == strlen(name) &&
            memcmp(s, name, strlen(name)) == 0) {
            *slot = &cfg->setting[i];
            *line = &cfg->setting_line[i];
            return true;
        }
    }
    return false;
}

/* True when [S, E) looks like a variable name, so a message may show it. */
static bool showable_name(const char *s, const char *e)
{
    if (e - s < 1 || e - s > 40)
        return false;
    for (const char *p = s; p < e; p++) {
        bool ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_' ||
                  (*p >= '0' && *p <= '9');
        if (!ok)
            return false;
    }
    return true;
}

/* One line [S, E), number NO, into OUT. */
static enum rs_err parse_line(struct cfg *out, const char *s, const char *e, const char *path,
                              int no, struct rs_error *err)
{
    trim(&s, &e);
    if (s == e || *s == '#')
        return RS_OK;
    if (e - s > 7 && memcmp(s, "export", 6) == 0 && blank(s[6]))
        s += 7;
    const char *eq = memchr(s, '=', (size_t)(e - s));
    if (!eq)
        return rs_fail(err, RS_ERR_CONFIG,
                       "config '%s' line %d: not a KEY=value line (see reelsync(1), FILES)", path,
                       no);
    const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
    trim(&ks, &ke);
    trim(&vs, &ve);
    char **slot = NULL;
    int *line = NULL;
    bool known = find_key(out, ks, ke, &slot, &line);
    if (!known && showable_name(ks, ke))
        return rs_fail(err, RS_ERR_CONFIG,
                       "config '%s' line %d: unknown key '%.*s' (known: TMDB_API_KEY, "
                       "TMDB_ACCESS_TOKEN, OMDB_API_KEY, TMDB_BASE_URL, OMDB_BASE_URL, "
                       "REELSYNC_DB and the settings 'reelsync config' lists)",
                       path, no, (int)(ke - ks), ks);
    if (!known)
        return rs_fail(err, RS_ERR_CONFIG, "config '%s' line %d: bad key (see reelsync(1), FILES)",
                       path, no);
    if (ve - vs >= 2 && (*vs == '"' || *vs == '\'') && ve[-1] == *vs) {
        vs++;
        ve--;
    }
    char *v = NULL;
    if (ve > vs) {
        v = malloc((size_t)(ve - vs) + 1);
        if (!v)
            return rs_fail(err, RS_ERR_NOMEM, "config '%s': out of memory", path);
        memcpy(v, vs, (size_t)(ve - vs));
        v[ve - vs] = '\0';
    }
    wipe_free(*slot);
    *slot = v; /* an empty value unsets the key */
    *line = no;
    return RS_OK;
}

enum rs_err cfg_parse(struct cfg *cfg, const char *text, size_t len, const char *path,
                      struct rs_error *err)
{
    struct cfg tmp;
    enum rs_err rc = RS_OK;
    cfg_init(&tmp);
    if (memchr(text, '\0', len))
        return rs_fail(err, RS_ERR_CONFIG, "config '%s': not a text file (NUL byte)", path);
    const char *p = text, *end = text + len;
    for (int no = 1; p < end && rc == RS_OK; no++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        rc = parse_line(&tmp, p, e, path, no, err);
        p = nl ? nl + 1 : end;
    }
    if (rc != RS_OK) {
        cfg_release(&tmp);
        return rc;
    }
    *cfg = tmp;
    return RS_OK;
}

/* Reads the whole open file FD (at most MAX_CONFIG_BYTES) into a malloc'd buffer. */
static enum rs_err read_all(int fd, size_t size, const char *path, char **out, size_t *len,
                            struct rs_error *err)
{
    char *buf = malloc(size + 1);
    size_t got = 0;
    if (!buf)
        return rs_fail(err, RS_ERR_NOMEM, "config '%s': out of memory", path);
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            return rs_fail(err, RS_ERR_CONFIG, "cannot read config '%s': %s", path, strerror(e));
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return RS_OK;
}

/* The checks on the open file: a regular file, private, not too big. */
static enum rs_err check_file(int fd, const char *path, size_t *size, struct rs_error *err)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return rs_fail(err, RS_ERR_CONFIG, "cannot read config '%s': %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return rs_fail(err, RS_ERR_CONFIG, "config '%s' is not a regular file (give a file)", path);
    if (sb.st_mode & 077)
        return rs_fail(err, RS_ERR_CONFIG, "config '%s' is readable by others (chmod 600 %s)", path,
                       path);
    if (sb.st_size > MAX_CONFIG_BYTES)
        return rs_fail(err, RS_ERR_CONFIG, "config '%s' is over 64 KiB (is it the right file?)",
                       path);
    *size = (size_t)sb.st_size;
    return RS_OK;
}

enum rs_err cfg_load(struct cfg *cfg, const char *path, bool must_exist, struct rs_error *err)
{
    char *text = NULL;
    size_t size = 0, len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ENOENT && !must_exist)
        return RS_OK;
    if (fd < 0 && errno == ENOENT)
        return rs_fail(err, RS_ERR_CONFIG,
                       "config '%s' does not exist (check --config and REELSYNC_CONFIG)", path);
    if (fd < 0)
        return rs_fail(err, RS_ERR_CONFIG, "cannot read config '%s': %s", path, strerror(errno));
    /* The checks are made on the open file, so the file checked is the file read. */
    enum rs_err rc = check_file(fd, path, &size, err);
    if (rc == RS_OK)
        rc = read_all(fd, size, path, &text, &len, err);
    close(fd);
    if (rc == RS_OK)
        rc = cfg_parse(cfg, text, len, path, err);
    if (text) {
        volatile char *p = text;
        for (size_t i = 0; i < len; i++)
            p[i] = '\0';
    }
    free(text);
    return rc;
}

bool cfg_default_path(const char *reelsync_config, const char *xdg_config_home, const char *home,
                      char *out, size_t len, bool *explicit_path)
{
    int n;
    bool expl = false;
    if (reelsync_config && *reelsync_config) {
        n = snprintf(out, len, "%s", reelsync_config);
        expl = true;
    } else if (xdg_config_home && xdg_config_home[0] == '/') {
        n = snprintf(out, len, "%s/reelsync/config", xdg_config_home);
    } else if (home && *home) {
        n = snprintf(out, len, "%s/.config/reelsync/config", home);
    } else {
        return false;
    }
    if (n < 0 || (size_t)n >= len)
        return false;
    if (explicit_path)
        *explicit_path = expl;
    return true;
}
