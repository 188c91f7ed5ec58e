/* The fake API server as a child process (see fakeproc.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakeproc.h"

bool fakeproc_start(struct fake *f, const char *bin, const char *const *args, char *why,
                    size_t whylen)
{
    const char *argv[64];
    size_t n = 0;
    argv[n++] = bin;
    argv[n++] = "--port";
    argv[n++] = "0";
    for (size_t i = 0; args && args[i] && n < 62; i++)
        argv[n++] = args[i];
    argv[n] = NULL;

    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        return false;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /*
         * The server dies with its parent (a failed test longjmps past fake_stop), and holds
         * none of the parent's output pipes open: ctest would wait for them to close.
         */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(fds[1], 1);
        dup2(devnull, 2);
        close(devnull);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char line[256] = "";
    bool got = fgets(line, sizeof(line), in) != NULL;
    fclose(in); /* the server must print nothing after its first line */
    const char *p = strstr(line, "127.0.0.1:");
    int port = p ? (int)strtol(p + 10, NULL, 10) : 0;
    if (!got || strncmp(line, "listening on http://127.0.0.1:", 30) != 0 || port <= 0) {
        snprintf(why, whylen, "reelsync-fakeapi did not start (first line: '%.100s')", line);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return false;
    }
    f->pid = pid;
    f->port = port;
    snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", port);
    snprintf(f->tmdb_url, sizeof(f->tmdb_url), "%s/3", f->base);
    snprintf(f->omdb_url, sizeof(f->omdb_url), "%s/omdb/", f->base);
    return true;
}

void fakeproc_stop(struct fake *f)
{
    if (f->pid <= 0)
        return;
    kill(f->pid, SIGTERM);
    waitpid(f->pid, NULL, 0);
    f->pid = 0;
}
