/* Live QMP transport: QEMU runs with its monitor on one end of a socketpair
 * passed as fd 3, so no socket file ever exists and nothing can go stale.
 * Every read and write is bounded by one session deadline; the process is
 * killed and reaped when the transport is freed, whatever happened. */
#include "qmp/qmp.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The largest single QMP message accepted. The biggest real reply
 * (query-qmp-schema) is about 200 KiB on the wire; anything 40 times that
 * is hostile, and refusing it early bounds the memory a probe can take. */
#define DC_QMP_MAX_MESSAGE (8 * 1024 * 1024)
#define DC_QMP_MAX_STDERR 4096
/* A probing QEMU (-S, -machine none) sends next to no events; a stream of
 * them is a broken or hostile emulator, refused before the deadline. */
#define DC_QMP_MAX_EVENTS 10000

typedef struct {
    DcQmp base;
    char *emulator;
    char *as_user;   /* QEMU runs as this user, NULL: as we do */
    pid_t pid;       /* 0 once reaped */
    pid_t pgid;      /* QEMU's process group: it and whatever it forked */
    int exit_status; /* waitpid() status once reaped */
    int fd;          /* our end of the monitor socketpair */
    int err_fd;      /* QEMU's stderr */
    gint64 deadline; /* monotonic, microseconds */
    int timeout_ms;
    DcQmpReader in;  /* bytes read but not yet parsed */
    GString *err_text;
    gint64 wire_next; /* next wire id */
    guint events;    /* events received so far */
} DcQmpLive;

static void live_free(DcQmp *qmp);
static gboolean live_run(DcQmp *qmp, DcQmpRequest *reqs, gsize n, GError **err);

static const DcQmpOps live_ops = { .run = live_run, .free = live_free };

static int move_high(int fd)
{
    /* Keep our descriptors away from 0..9 so the child's dup2() calls onto
     * 0,1,2,3 never clobber one of them. */
    int hi = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    return hi;
}

static void drain_stderr(DcQmpLive *q)
{
    char buf[1024];
    /* Bounded: an emulator writing stderr as fast as we read must not keep
     * us here past the deadline. */
    for (int i = 0; i < 64; i++) {
        ssize_t r = read(q->err_fd, buf, sizeof(buf));
        if (r <= 0)
            return;
        if (q->err_text->len < DC_QMP_MAX_STDERR)
            g_string_append_len(q->err_text, buf, MIN((gsize)r, DC_QMP_MAX_STDERR - q->err_text->len));
    }
}

/* First non-empty line QEMU wrote to stderr, for error messages. */
static char *stderr_summary(DcQmpLive *q)
{
    if (q->err_fd >= 0) {
        /* Give a dying QEMU a moment to finish its message. */
        struct pollfd p = { .fd = q->err_fd, .events = POLLIN };
        for (int i = 0; i < 20 && poll(&p, 1, 10) > 0; i++)
            drain_stderr(q);
    }
    g_auto(GStrv) lines = g_strsplit(q->err_text->str, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_strstrip(*l);
        if (**l)
            return dc_qmp_printable(*l, 200);
    }
    return NULL;
}

/* How QEMU ended, if it has (it closed the monitor, so it normally has
 * or is about to: give it a moment). Empty when it is still running. */
static char *exit_summary(DcQmpLive *q)
{
    for (int i = 0; q->pid > 0 && i < 50; i++) {
        int status;
        pid_t r = waitpid(q->pid, &status, WNOHANG);
        if (r == q->pid) {
            q->pid = 0;
            q->exit_status = status;
            break;
        }
        if (r < 0 && errno != EINTR)
            break;
        g_usleep(2000);
    }
    if (q->pid > 0)
        return g_strdup("");
    if (WIFSIGNALED(q->exit_status))
        return g_strdup_printf(" (killed by signal %d, %s)", WTERMSIG(q->exit_status),
                               g_strsignal(WTERMSIG(q->exit_status)));
    return g_strdup_printf(" (exit status %d)", WEXITSTATUS(q->exit_status));
}

/* The monitor closed: say when, how QEMU ended and what it said last. */
static void set_eof_error(DcQmpLive *q, GError **err, const char *when)
{
    g_autofree char *why = stderr_summary(q);
    g_autofree char *how = exit_summary(q);
    g_autofree char *as = q->as_user ? g_strdup_printf(" as user '%s'", q->as_user) : NULL;
    g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_EOF, "%s%s closed its monitor %s%s%s%s%s", q->emulator,
                as ? as : "", when, dc_qmp_reader_pending(&q->in) ? " in the middle of a message" : "", how,
                why ? ": " : "", why ? why : "");
}

static int remaining_ms(DcQmpLive *q)
{
    gint64 left = q->deadline - g_get_monotonic_time();
    return left <= 0 ? 0 : (int)MIN(left / 1000 + 1, G_MAXINT);
}

/* Read more bytes into q->in, waiting until the deadline. */
static gboolean read_more(DcQmpLive *q, const char *waiting_for, GError **err)
{
    for (;;) {
        struct pollfd p[2] = { { .fd = q->fd, .events = POLLIN }, { .fd = q->err_fd, .events = POLLIN } };
        int ms = remaining_ms(q);
        if (ms == 0) {
            g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_TIMEOUT, "%s did not answer %s within %d ms",
                        q->emulator, waiting_for, q->timeout_ms);
            return FALSE;
        }
        int r = poll(p, q->err_fd >= 0 ? 2 : 1, ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL, "poll failed: %s", g_strerror(errno));
            return FALSE;
        }
        if (q->err_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
            char buf[1024];
            ssize_t e = read(q->err_fd, buf, sizeof(buf));
            if (e > 0 && q->err_text->len < DC_QMP_MAX_STDERR)
                g_string_append_len(q->err_text, buf, MIN((gsize)e, DC_QMP_MAX_STDERR - q->err_text->len));
            if (e == 0) {
                close(q->err_fd);
                q->err_fd = -1;
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[65536];
            ssize_t got = read(q->fd, buf, sizeof(buf));
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (got <= 0) {
                g_autofree char *when = g_strdup_printf("while domcaps waited for %s", waiting_for);
                set_eof_error(q, err, when);
                return FALSE;
            }
            dc_qmp_reader_push(&q->in, buf, got);
            return TRUE;
        }
    }
}

/* Next complete JSON message (one per line), or NULL with err. */
static json_object *read_message(DcQmpLive *q, const char *waiting_for, GError **err)
{
    for (;;) {
        json_object *obj = NULL;
        switch (dc_qmp_reader_next(&q->in, &obj)) {
        case DC_QMP_READ_MESSAGE:
            return obj;
        case DC_QMP_READ_MALFORMED:
            g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
                        "%s sent a malformed QMP message while domcaps waited for %s", q->emulator, waiting_for);
            return NULL;
        case DC_QMP_READ_TOO_LARGE:
            g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
                        "%s sent a QMP message larger than %d MiB while domcaps waited for %s", q->emulator,
                        DC_QMP_MAX_MESSAGE / (1024 * 1024), waiting_for);
            return NULL;
        case DC_QMP_READ_MORE:
            break;
        }
        if (!read_more(q, waiting_for, err))
            return NULL;
    }
}

static gboolean write_all(DcQmpLive *q, const char *data, gsize len, GError **err)
{
    while (len > 0) {
        struct pollfd p = { .fd = q->fd, .events = POLLOUT };
        int ms = remaining_ms(q);
        if (ms == 0 || poll(&p, 1, ms) == 0) {
            g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_TIMEOUT, "%s stopped reading its monitor", q->emulator);
            return FALSE;
        }
        ssize_t w = send(q->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w < 0) {
            set_eof_error(q, err, "while domcaps was sending a command");
            return FALSE;
        }
        data += w;
        len -= w;
    }
    return TRUE;
}

static gboolean live_run(DcQmp *qmp, DcQmpRequest *reqs, gsize n, GError **err)
{
    DcQmpLive *q = (DcQmpLive *)qmp;
    g_autoptr(GString) out = g_string_new(NULL);
    /* Wire ids only need to be unique within this session. */
    gint64 first_id = q->wire_next;
    q->wire_next += n;
    for (gsize i = 0; i < n; i++) {
        json_object *cmd = json_object_new_object();
        json_object_object_add(cmd, "execute", json_object_new_string(reqs[i].command));
        if (reqs[i].args)
            json_object_object_add(cmd, "arguments", json_object_get(reqs[i].args));
        json_object_object_add(cmd, "id", json_object_new_int64((gint64)first_id + i));
        g_string_append(out, json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN));
        g_string_append_c(out, '\n');
        json_object_put(cmd);
    }
    if (!write_all(q, out->str, out->len, err))
        return FALSE;

    gsize answered = 0;
    while (answered < n) {
        const char *waiting = reqs[answered].command;
        json_object *msg = read_message(q, waiting, err);
        if (!msg)
            return FALSE;
        DcQmpMsgKind kind = dc_qmp_dispatch(reqs, n, first_id, msg);
        json_object_put(msg);
        switch (kind) {
        case DC_QMP_MSG_ANSWER:
            answered++;
            break;
        case DC_QMP_MSG_EVENT:
            if (++q->events > DC_QMP_MAX_EVENTS) {
                g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
                            "%s sent more than %d QMP events while domcaps waited for %s", q->emulator,
                            DC_QMP_MAX_EVENTS, waiting);
                return FALSE;
            }
            break;
        case DC_QMP_MSG_UNEXPECTED:
            g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
                        "%s sent an unexpected QMP message while domcaps waited for %s", q->emulator, waiting);
            return FALSE;
        case DC_QMP_MSG_NO_RESULT:
            g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_PROTOCOL,
                        "%s sent a QMP reply with neither return nor error for %s", q->emulator, waiting);
            return FALSE;
        }
    }
    return TRUE;
}

static void live_free(DcQmp *qmp)
{
    DcQmpLive *q = (DcQmpLive *)qmp;
    /* A probing QEMU (-S, -machine none) has no guest state to save, so it
     * is killed outright: a graceful "quit" costs time for nothing. Its
     * whole process group goes too, so a helper it forked (or a wrapper
     * script's child) cannot outlive the probe holding the monitor. */
    if (q->pgid > 0)
        kill(-q->pgid, SIGKILL);
    if (q->pid > 0) {
        kill(q->pid, SIGKILL);
        while (waitpid(q->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (q->fd >= 0)
        close(q->fd);
    if (q->err_fd >= 0)
        close(q->err_fd);
    dc_qmp_reader_clear(&q->in);
    g_string_free(q->err_text, TRUE);
    g_free(q->emulator);
    g_free(q->as_user);
    g_free(q);
}

void dc_qmp_creds_clear(DcQmpCreds *creds)
{
    g_clear_pointer(&creds->name, g_free);
    g_clear_pointer(&creds->home, g_free);
    g_clear_pointer(&creds->groups, g_free);
    creds->n_groups = 0;
}

/* A group by name or numeric gid. */
static gboolean group_lookup(const char *group, gid_t *gid, GError **err)
{
    struct group gr, *found = NULL;
    char buf[65536]; /* a group entry lists its members */
    int rc = getgrnam_r(group, &gr, buf, sizeof(buf), &found);
    char *end = NULL;
    unsigned long num = strtoul(group, &end, 10);
    if (!found && rc == 0 && *group && !*end && num <= G_MAXUINT32)
        rc = getgrgid_r((gid_t)num, &gr, buf, sizeof(buf), &found);
    if (!found) {
        g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_SPAWN, "unknown group '%s'%s%s", group, rc ? ": " : "",
                    rc ? g_strerror(rc) : "");
        return FALSE;
    }
    *gid = found->gr_gid;
    return TRUE;
}

gboolean dc_qmp_creds_lookup(const char *user, DcQmpCreds *out, GError **err)
{
    return dc_qmp_creds_lookup_group(user, NULL, out, err);
}

gboolean dc_qmp_creds_lookup_group(const char *user, const char *group, DcQmpCreds *out, GError **err)
{
    memset(out, 0, sizeof(*out));
    struct passwd pw, *found = NULL;
    char buf[16384]; /* far more than any passwd entry */
    int rc = getpwnam_r(user, &pw, buf, sizeof(buf), &found);
    char *end = NULL;
    unsigned long num = strtoul(user, &end, 10);
    if (!found && rc == 0 && *user && !*end && num <= G_MAXUINT32)
        rc = getpwuid_r((uid_t)num, &pw, buf, sizeof(buf), &found);
    if (found) {
        out->name = g_strdup(found->pw_name);
        out->home = g_strdup(found->pw_dir);
        out->uid = found->pw_uid;
        out->gid = found->pw_gid;
    }
    if (!found) {
        g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_SPAWN, "unknown user '%s'%s%s", user, rc ? ": " : "",
                    rc ? g_strerror(rc) : "");
        return FALSE;
    }
    if (geteuid() != 0 && out->uid != geteuid()) {
        g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_SPAWN,
                    "only root can run QEMU as another user ('%s')", out->name);
        dc_qmp_creds_clear(out);
        return FALSE;
    }
    if (group && !group_lookup(group, &out->gid, err)) {
        dc_qmp_creds_clear(out);
        return FALSE;
    }

    int n = 32;
    for (;;) {
        out->groups = g_renew(gid_t, out->groups, n + 1);
        int got = n;
        if (getgrouplist(out->name, out->gid, out->groups, &got) >= 0) {
            n = got;
            break;
        }
        if (got <= n) /* no growth asked for: give up on the extra groups */
            got = n * 2;
        if (got > 65536) {
            n = 0;
            break;
        }
        n = got;
    }
    /* /dev/kvm is usually root:kvm 0660; the probe of a KVM guest needs it.
     * This is the device the QEMU started here opens, so the real one:
     * --root (src/host/kvm.c) describes host facts, not where QEMU runs. */
    struct stat st;
    if (stat("/dev/kvm", &st) == 0 && (st.st_mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP)) {
        gboolean have = FALSE;
        for (int i = 0; i < n; i++)
            have |= out->groups[i] == st.st_gid;
        if (!have)
            out->groups[n++] = st.st_gid;
    }
    out->n_groups = n;
    return TRUE;
}

/* What failed in the child before exec, sent to the parent. */
typedef struct {
    int stage;
    int err;
} DcSpawnStatus;

enum { SPAWN_EXEC, SPAWN_SETGROUPS, SPAWN_SETGID, SPAWN_SETUID };

static G_GNUC_NORETURN void child_fail(int fd, int stage)
{
    DcSpawnStatus st = { stage, errno };
    ssize_t ignored = write(fd, &st, sizeof(st));
    (void)ignored;
    _exit(127);
}

DcQmp *dc_qmp_live_new(const char *emulator, const char *const *argv_extra, int timeout_ms, GError **err)
{
    return dc_qmp_live_new_as(emulator, argv_extra, timeout_ms, NULL, err);
}

/* The descriptors of one start: the monitor's socketpair, QEMU's stderr,
 * the pipe the child reports a failed exec on, and /dev/null. */
typedef struct {
    int sv[2], errp[2], statusp[2];
    int devnull;
} SpawnFds;

static void close_pair(int fds[2])
{
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    fds[0] = fds[1] = -1;
}

static gboolean spawn_fds_open(SpawnFds *f, GError **err)
{
    f->sv[0] = f->sv[1] = f->errp[0] = f->errp[1] = f->statusp[0] = f->statusp[1] = f->devnull = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->sv) < 0 || pipe2(f->errp, O_CLOEXEC) < 0 ||
        pipe2(f->statusp, O_CLOEXEC) < 0) {
        g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_SPAWN, "socketpair or pipe: %s", g_strerror(errno));
        close_pair(f->sv);
        close_pair(f->errp);
        close_pair(f->statusp);
        return FALSE;
    }
    for (int i = 0; i < 2; i++) {
        f->sv[i] = move_high(f->sv[i]);
        f->errp[i] = move_high(f->errp[i]);
        f->statusp[i] = move_high(f->statusp[i]);
    }
    f->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (f->devnull >= 0)
        f->devnull = move_high(f->devnull);
    return TRUE;
}

/* The child: become @creds' user (root asked for another), then QEMU with
 * its monitor on fd 3. Only async-signal-safe calls: never returns. */
static G_GNUC_NORETURN void child_run(const char *const *argv, char *const *envp, const SpawnFds *f,
                                      const DcQmpCreds *creds, pid_t parent)
{
    /* Groups first, then gid, then uid: each later step needs the privilege
     * the earlier one still had. */
    if (creds) {
        if (setgroups(creds->n_groups, creds->groups) < 0)
            child_fail(f->statusp[1], SPAWN_SETGROUPS);
        if (setresgid(creds->gid, creds->gid, creds->gid) < 0)
            child_fail(f->statusp[1], SPAWN_SETGID);
        if (setresuid(creds->uid, creds->uid, creds->uid) < 0)
            child_fail(f->statusp[1], SPAWN_SETUID);
        if (setuid(0) == 0) { /* the drop must be irreversible */
            errno = EPERM;
            child_fail(f->statusp[1], SPAWN_SETUID);
        }
    }
    /* After the credential change, which clears it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    setpgid(0, 0);
    if (f->devnull >= 0) {
        dup2(f->devnull, 0);
        dup2(f->devnull, 1);
    }
    dup2(f->errp[1], 2);
    dup2(f->sv[1], 3);
    /* Our own descriptors are close-on-exec, but another thread of the
     * process (a caller's, or GLib spawning swtpm_setup) may hold one that
     * is not at this instant: QEMU gets 0-3 and nothing else. The status
     * pipe stays until exec closes it. */
    close_range(4, (unsigned)f->statusp[1] - 1, 0);
    close_range((unsigned)f->statusp[1] + 1, ~0U, 0);
    execve(argv[0], (char *const *)argv, envp);
    child_fail(f->statusp[1], SPAWN_EXEC);
}

/* The status pipe closes on a successful exec; what failed arrives otherwise. */
static gboolean spawn_status(const DcQmpLive *q, int status_fd, const DcQmpCreds *creds, GError **err)
{
    DcSpawnStatus st = { 0 };
    ssize_t r;
    while ((r = read(status_fd, &st, sizeof(st))) < 0 && errno == EINTR)
        ;
    close(status_fd);
    if (r != sizeof(st))
        return TRUE;
    static const char *const stages[] = {
        [SPAWN_SETGROUPS] = "setgroups", [SPAWN_SETGID] = "setgid", [SPAWN_SETUID] = "setuid",
    };
    g_autofree char *as = creds ? g_strdup_printf(" as user '%s'", creds->name) : g_strdup("");
    if (st.stage == SPAWN_EXEC)
        g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_SPAWN, "cannot execute %s%s: %s", q->emulator, as,
                    g_strerror(st.err));
    else
        g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_SPAWN, "cannot switch to user '%s' (%s): %s",
                    creds ? creds->name : "?", st.stage >= 0 && st.stage <= SPAWN_SETUID ? stages[st.stage] : "?",
                    g_strerror(st.err));
    return FALSE;
}

/* QEMU's greeting, and the program it runs by now (the emulator path may
 * name a wrapper that exec'd the real QEMU). */
static gboolean read_greeting(DcQmpLive *q, GError **err)
{
    GError *inner = NULL;
    json_object *greeting = read_message(q, "the QMP greeting", &inner);
    json_object *body = NULL;
    if (!greeting) {
        /* A program that ends well without a word is no QEMU (/bin/true):
         * a QEMU that cannot start says why and fails. */
        if (g_error_matches(inner, DC_QMP_ERROR, DC_QMP_ERROR_EOF) && q->pid == 0 &&
            WIFEXITED(q->exit_status) && WEXITSTATUS(q->exit_status) == 0)
            inner->code = DC_QMP_ERROR_NOT_QMP;
        g_propagate_error(err, inner);
        return FALSE;
    }
    if (!json_object_object_get_ex(greeting, "QMP", &body) || !json_object_is_type(body, json_type_object)) {
        json_object_put(greeting);
        g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_NOT_QMP, "%s did not greet with QMP", q->emulator);
        return FALSE;
    }
    q->base.greeting = json_object_get(body);
    json_object_put(greeting);
    g_autofree char *exe_link = g_strdup_printf("/proc/%d/exe", (int)q->pid);
    q->base.executable = g_file_read_link(exe_link, NULL);
    return TRUE;
}

static DcQmpLive *live_new(const char *emulator, pid_t pid, int fd, int err_fd, int timeout_ms, const char *as_user)
{
    DcQmpLive *q = g_new0(DcQmpLive, 1);
    q->base.ops = &live_ops;
    q->emulator = g_strdup(emulator);
    q->as_user = g_strdup(as_user);
    q->pid = pid;
    /* Set here as well as in the child, so the group exists before either
     * side goes on (whichever runs first); EACCES once it has exec'd is fine. */
    setpgid(pid, pid);
    q->pgid = pid;
    q->fd = fd;
    q->err_fd = err_fd;
    dc_qmp_reader_init(&q->in, DC_QMP_MAX_MESSAGE);
    q->err_text = g_string_new(NULL);
    q->deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    q->timeout_ms = timeout_ms;
    return q;
}

DcQmp *dc_qmp_live_new_as(const char *emulator, const char *const *argv_extra, int timeout_ms,
                          const DcQmpCreds *creds, GError **err)
{
    /* On the stack: a child whose exec fails leaves through _exit() with
     * nothing of this call on its heap. */
    const char *argv[24] = {
        emulator, "-S", "-no-user-config", "-nodefaults", "-nographic",
        "-machine", "none",
        "-chardev", "socket,id=domcaps-qmp,fd=3",
        "-mon", "chardev=domcaps-qmp,mode=control",
    };
    gsize argc = 0;
    while (argv[argc])
        argc++;
    for (const char *const *a = argv_extra; a && *a; a++) {
        g_return_val_if_fail(argc + 1 < G_N_ELEMENTS(argv), NULL);
        argv[argc++] = *a;
    }
    /* Switch only when it changes something (root asked for another user). */
    const DcQmpCreds *as = creds && geteuid() == 0 && creds->uid != 0 ? creds : NULL;
    /* Built before fork, as the user lookups are. */
    g_auto(GStrv) envp = dc_qmp_env_new(creds);
    SpawnFds f;
    if (!spawn_fds_open(&f, err))
        return NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        child_run(argv, envp, &f, as, parent);
    int fork_errno = errno;
    close(f.sv[1]);
    close(f.errp[1]);
    close(f.statusp[1]);
    if (f.devnull >= 0)
        close(f.devnull);
    if (pid < 0) {
        close(f.sv[0]);
        close(f.errp[0]);
        close(f.statusp[0]);
        g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_SPAWN, "cannot start %s: %s", emulator, g_strerror(fork_errno));
        return NULL;
    }
    DcQmpLive *q = live_new(emulator, pid, f.sv[0], f.errp[0], timeout_ms, as ? as->name : NULL);
    if (!spawn_status(q, f.statusp[0], as, err)) {
        dc_qmp_free(&q->base);
        return NULL;
    }
    fcntl(q->err_fd, F_SETFL, O_NONBLOCK);
    if (!read_greeting(q, err)) {
        dc_qmp_free(&q->base);
        return NULL;
    }
    return &q->base;
}
