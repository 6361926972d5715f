/* A QEMU that misbehaves on purpose, for tests/misbehave/run.py.
 *
 * domcaps starts it like QEMU (monitor on fd 3, stderr a pipe). What it does
 * is chosen by FAKE_QEMU_MODE (see the table at the end); every process it
 * is or forks writes its pid into FAKE_QEMU_PIDDIR, so the test can check
 * that none survives the probe. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MON 3

static void note_pid(void)
{
    const char *dir = getenv("FAKE_QEMU_PIDDIR");
    if (!dir)
        return;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%d", dir, (int)getpid());
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
}

static void put(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(0); /* domcaps went away */
        s += w;
        len -= (size_t)w;
    }
}

static void line(const char *s)
{
    put(MON, s, strlen(s));
    put(MON, "\n", 1);
}

static void forever(void)
{
    for (;;)
        pause();
}

static void greet(void)
{
    line("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"\"}, "
         "\"capabilities\": [\"oob\"]}}");
}

/* Next command line from domcaps; NULL at EOF. */
static char *read_command(void)
{
    static char buf[1 << 16];
    static size_t have;
    for (;;) {
        char *nl = memchr(buf, '\n', have);
        if (nl) {
            size_t n = (size_t)(nl - buf) + 1;
            char *cmd = strndup(buf, n - 1);
            memmove(buf, buf + n, have - n);
            have -= n;
            return cmd;
        }
        if (have == sizeof(buf))
            return NULL;
        ssize_t r = read(MON, buf + have, sizeof(buf) - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return NULL;
        have += (size_t)r;
    }
}

static long command_id(const char *cmd)
{
    const char *p = strstr(cmd, "\"id\":");
    return p ? strtol(p + 5, NULL, 10) : -1;
}

static int is(const char *cmd, const char *name)
{
    char want[256];
    snprintf(want, sizeof(want), "\"execute\":\"%s\"", name);
    return strstr(cmd, want) != NULL;
}

/* A plausible answer for the commands a probe needs; {} for the rest. */
static void answer(const char *cmd, const char *broken)
{
    char out[1024];
    long id = command_id(cmd);
    const char *ret = "{}";
    if (broken && is(cmd, broken)) {
        /* With a line break and a terminal escape the error must not pass on. */
        snprintf(out, sizeof(out), "{\"id\": %ld, \"error\": {\"class\": \"GenericError\", "
                 "\"desc\": \"fake: %s is broken\\nsecond line \\u001b[31mred\"}}", id, broken);
        line(out);
        return;
    }
    if (is(cmd, "query-version"))
        ret = "{\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 0}, \"package\": \"fake\"}";
    else if (is(cmd, "query-target"))
        ret = "{\"arch\": \"x86_64\"}";
    else if (is(cmd, "query-machines"))
        ret = "[{\"name\": \"pc-q35-7.2\", \"alias\": \"q35\", \"is-default\": true, \"cpu-max\": 288}]";
    else if (is(cmd, "query-kvm"))
        ret = "{\"enabled\": false, \"present\": false}";
    else if (is(cmd, "query-qmp-schema") || is(cmd, "qom-list-types") || is(cmd, "query-cpu-definitions"))
        ret = "[]";
    snprintf(out, sizeof(out), "{\"return\": %s, \"id\": %ld}", ret, id);
    line(out);
}

/* Answer n commands normally. */
static void answer_n(int n)
{
    for (int i = 0; i < n; i++) {
        char *cmd = read_command();
        if (!cmd)
            _exit(0);
        answer(cmd, NULL);
        free(cmd);
    }
}

static void answer_all_but(const char *broken)
{
    char *cmd;
    while ((cmd = read_command())) {
        answer(cmd, broken);
        free(cmd);
    }
    _exit(0);
}

/* A child that keeps every descriptor open and sleeps. With `escape`, it
 * daemonizes first (setsid, then a second fork whose parent leaves), so no
 * process group or session of the fake's holds it. */
static void spawn_holder_as(int escape)
{
    int ready[2];
    if (pipe(ready) < 0)
        _exit(9);
    pid_t pid = fork();
    if (pid == 0) {
        if (escape) {
            setsid();
            if (fork() > 0)
                _exit(0);
        }
        note_pid();
        if (write(ready[1], "x", 1) < 0)
            _exit(9);
        forever();
    }
    char c;
    if (read(ready[0], &c, 1) < 0)
        _exit(9);
    close(ready[0]);
    close(ready[1]);
}

static void spawn_holder(void) { spawn_holder_as(0); }

static void mode_hang_greeting(void) { forever(); }
static void mode_hang_mid(void) { greet(); answer_n(2); forever(); }
static void mode_exit_mid(void) { greet(); answer_n(2); fputs("fake-qemu: giving up\n", stderr); exit(3); }
static void mode_close_after_greeting(void) { greet(); exit(0); }

static void mode_segv_mid(void)
{
    greet();
    answer_n(1);
    /* A real crash, not a sanitizer report: default action. */
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
    forever();
}

static void mode_garbage(void)
{
    greet();
    answer_n(1);
    line("\x01\x02\xff\xfe garbage {{{ \x7f");
    forever();
}

static void mode_garbage_greeting(void)
{
    line("Welcome to totally-not-QEMU 1.0");
    forever();
}

static void mode_wrong_greeting(void)
{
    line("{\"hello\": \"world\"}");
    forever();
}

static void mode_truncated(void)
{
    greet();
    answer_n(1);
    const char *cut = "{\"return\": {\"qemu\": {\"major\": 7, \"mi";
    put(MON, cut, strlen(cut));
    exit(0);
}

/* 100 MB of one reply, written as fast as domcaps reads it. */
static void mode_huge_reply(void)
{
    greet();
    static char chunk[1 << 16];
    memset(chunk, 'A', sizeof(chunk));
    put(MON, "{\"return\": \"", 12);
    for (int i = 0; i < 100 * 16; i++)
        put(MON, chunk, sizeof(chunk));
    put(MON, "\"}\n", 3);
    forever();
}

/* Deeper nesting than any JSON parser should follow. */
static void mode_deep_nesting(void)
{
    greet();
    put(MON, "{\"return\": ", 11);
    static char open[1 << 16];
    memset(open, '[', sizeof(open));
    for (int i = 0; i < 16; i++)
        put(MON, open, sizeof(open));
    put(MON, "\n", 1);
    forever();
}

static void mode_error_version(void) { greet(); answer_all_but("query-version"); }
static void mode_error_machines(void) { greet(); answer_all_but("query-machines"); }

static void mode_event_flood(void)
{
    greet();
    for (;;)
        line("{\"event\": \"RTC_CHANGE\", \"data\": {\"offset\": 0}, "
             "\"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}");
}

static void mode_wrong_id(void)
{
    greet();
    char *cmd = read_command();
    (void)cmd;
    line("{\"return\": {}, \"id\": 999999}");
    forever();
}

static void mode_stderr_flood(void)
{
    /* Close the monitor, then never stop talking on stderr. */
    greet();
    close(MON);
    static char chunk[4096];
    memset(chunk, 'E', sizeof(chunk) - 1);
    chunk[sizeof(chunk) - 1] = '\n';
    for (;;)
        put(2, chunk, sizeof(chunk));
}

static void mode_slow_drip(void)
{
    /* Always a little more, never a whole message: only the deadline ends it. */
    const char *g = "{\"QMP\": {\"version\": {}, \"capabilities\": []}}";
    for (size_t i = 0;; i = (i + 1) % strlen(g)) {
        put(MON, g + i, 1);
        usleep(50000);
    }
}

static void mode_fork_hang(void) { spawn_holder(); greet(); answer_n(2); forever(); }

static void mode_daemon_hang(void) { spawn_holder_as(1); greet(); answer_n(2); forever(); }

static void mode_fork_exit(void)
{
    /* The parent leaves; its child keeps the monitor open but says nothing. */
    spawn_holder();
    _exit(0);
}

static void mode_ignore_signals(void)
{
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    greet();
    answer_n(1);
    forever();
}

static const struct {
    const char *name;
    void (*run)(void);
} modes[] = {
    { "hang-greeting", mode_hang_greeting },
    { "hang-mid", mode_hang_mid },
    { "exit-mid", mode_exit_mid },
    { "close-after-greeting", mode_close_after_greeting },
    { "segv-mid", mode_segv_mid },
    { "garbage", mode_garbage },
    { "garbage-greeting", mode_garbage_greeting },
    { "wrong-greeting", mode_wrong_greeting },
    { "truncated", mode_truncated },
    { "huge-reply", mode_huge_reply },
    { "deep-nesting", mode_deep_nesting },
    { "error-version", mode_error_version },
    { "error-machines", mode_error_machines },
    { "event-flood", mode_event_flood },
    { "wrong-id", mode_wrong_id },
    { "stderr-flood", mode_stderr_flood },
    { "slow-drip", mode_slow_drip },
    { "fork-hang", mode_fork_hang },
    { "fork-exit", mode_fork_exit },
    { "daemon-hang", mode_daemon_hang },
    { "ignore-signals", mode_ignore_signals },
};

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    note_pid();
    signal(SIGPIPE, SIG_DFL);
    const char *mode = getenv("FAKE_QEMU_MODE");
    for (size_t i = 0; mode && i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(mode, modes[i].name) == 0) {
            modes[i].run();
            return 0;
        }
    }
    fprintf(stderr, "fake-qemu: unknown FAKE_QEMU_MODE '%s'\n", mode ? mode : "");
    return 2;
}
