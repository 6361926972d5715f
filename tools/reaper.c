/* The CLI adopts whatever a probed emulator leaves behind. The library kills
 * QEMU's whole process group, but a process that daemonizes (setsid, double
 * fork) leaves the group and would be re-parented to init, out of reach. As
 * a child subreaper, domcaps becomes the parent of such orphans instead, and
 * kills and reaps them before it exits. A library caller that wants the same
 * guarantee sets PR_SET_CHILD_SUBREAPER itself (libdomcaps(3)); the library
 * cannot, since it must not adopt or kill its caller's other children. */
#include "reaper.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Kill every child listed in /proc/self/task/TID/children; returns how many. */
static int kill_children(void)
{
    int n = 0;
    DIR *tasks = opendir("/proc/self/task");
    if (!tasks)
        return 0;
    struct dirent *t;
    while ((t = readdir(tasks))) {
        if (t->d_name[0] == '.')
            continue;
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/task/%.20s/children", t->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        long pid;
        while (fscanf(f, "%ld", &pid) == 1) {
            if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
                n++;
        }
        fclose(f);
    }
    closedir(tasks);
    return n;
}

static void reap_orphans(void)
{
    /* A killed orphan's own children are adopted in turn: repeat until none. */
    for (int round = 0; round < 64; round++) {
        int killed = kill_children();
        pid_t pid;
        while ((pid = waitpid(-1, NULL, killed ? 0 : WNOHANG)) > 0 || (pid < 0 && errno == EINTR))
            ;
        if (!killed)
            break;
    }
}

void dc_cli_adopt_orphans(void)
{
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) == 0)
        atexit(reap_orphans);
}
