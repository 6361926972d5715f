#include "host/host.h"
#include "host/deps.h"
#include "util/arch.h"
#include <sys/stat.h>
#include <sys/utsname.h>
#include <json-c/json.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <unistd.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

struct DcHostLazy {
    GMutex lock;
    int swtpm;               /* dc_host_swtpm(): -1 unknown, 0 no, 1 yes */
    guint swtpm_versions;
};

static char *read_arch(const DcHost *host);

const char *const dc_qemu_module_dirs[] = {
    "/usr/lib/x86_64-linux-gnu/qemu", "/usr/lib/aarch64-linux-gnu/qemu", "/usr/lib/powerpc64le-linux-gnu/qemu",
    "/usr/lib/s390x-linux-gnu/qemu", "/usr/lib/riscv64-linux-gnu/qemu", "/usr/lib64/qemu", "/usr/lib/qemu", NULL,
};

DcHost *dc_host_new(const char *root, gboolean privileged, const char *xdg_config_home)
{
    DcHost *host = g_new0(DcHost, 1);
    host->root = g_strdup(root && *root ? root : "/");
    host->privileged = privileged;
    host->xdg_config_home = privileged ? NULL : g_strdup(xdg_config_home);
    host->notes = g_new0(DcHostNotes, 1);
    host->lazy = g_new0(DcHostLazy, 1);
    g_mutex_init(&host->lazy->lock);
    host->lazy->swtpm = -1;
    host->arch = read_arch(host);
    return host;
}

void dc_host_free(DcHost *host)
{
    if (!host)
        return;
    g_free(host->root);
    g_free(host->xdg_config_home);
    g_free(host->arch);
    if (host->notes->deps)
        g_hash_table_unref(host->notes->deps);
    g_free(host->notes);
    g_mutex_clear(&host->lazy->lock);
    g_free(host->lazy);
    g_free(host);
}

char *dc_host_path(const DcHost *host, const char *abs_path)
{
    if (strcmp(host->root, "/") == 0)
        return g_strdup(abs_path);
    return g_build_filename(host->root, abs_path, NULL);
}

gboolean dc_host_exists(const DcHost *host, const char *abs_path)
{
    g_autofree char *p = dc_host_path(host, abs_path);
    dc_host_depend(host, abs_path, DC_DEP_EXISTS);
    return access(p, F_OK) == 0;
}

gboolean dc_host_read_file(const DcHost *host, const char *abs_path, char **contents, gsize *len, GError **err)
{
    g_autofree char *p = dc_host_path(host, abs_path);
    dc_host_depend(host, abs_path, DC_DEP_READ);
    return g_file_get_contents(p, contents, len, err);
}

/* libvirt's name for the host's arch: <root>/proc/sys/kernel/arch when
 * readable (a fixture tree says it there), else uname. */
static char *read_arch(const DcHost *host)
{
    g_autofree char *text = NULL;
    g_autofree char *m = NULL;
    g_autofree char *p = dc_host_path(host, "/proc/sys/kernel/arch");
    if (g_file_get_contents(p, &text, NULL, NULL))
        m = g_strstrip(g_strdup(text));
    if (!m || !*m) {
        struct utsname u;
        g_free(m);
        m = g_strdup(uname(&u) == 0 ? u.machine : "unknown");
    }
    return g_strdup(dc_arch_from_uname(m));
}

const char *dc_host_arch(const DcHost *host)
{
    return host->arch;
}

GPtrArray *dc_host_fixture_rows(const DcHost *host, const char *name, guint n_fields)
{
    g_autofree char *text = NULL;
    g_autofree char *path = g_build_filename(DC_HOST_FIXTURE_DIR, name, NULL);
    if (!dc_host_read_file(host, path, &text, NULL, NULL))
        return NULL;
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        char **f = g_strsplit_set(g_strstrip(*l), " \t", -1);
        if (g_strv_length(f) == n_fields)
            g_ptr_array_add(rows, f);
        else
            g_strfreev(f);
    }
    return rows;
}

gboolean dc_host_cpuid_count(const DcHost *host, guint32 leaf, guint32 sub, guint32 regs[4])
{
    if (strcmp(host->root, "/") == 0) {
#if defined(__x86_64__) || defined(__i386__)
        unsigned int a, b, c, d;
        if (!__get_cpuid_count(leaf, sub, &a, &b, &c, &d))
            return FALSE;
        regs[0] = a, regs[1] = b, regs[2] = c, regs[3] = d;
        return TRUE;
#else
        return FALSE;
#endif
    }
    /* a fixture's cpuid file: "LEAF EAX EBX ECX EDX" in hex, one a line;
     * "LEAF:SUB" for a sub-leaf other than 0 */
    g_autoptr(GPtrArray) rows = dc_host_fixture_rows(host, "cpuid", 5);
    for (guint r = 0; rows && r < rows->len; r++) {
        char **f = rows->pdata[r];
        char *colon = strchr(f[0], ':');
        guint32 have_sub = colon ? (guint32)g_ascii_strtoull(colon + 1, NULL, 16) : 0;
        if ((guint32)g_ascii_strtoull(f[0], NULL, 16) != leaf || have_sub != sub)
            continue;
        for (int i = 0; i < 4; i++)
            regs[i] = (guint32)g_ascii_strtoull(f[i + 1], NULL, 16);
        return TRUE;
    }
    return FALSE;
}

gboolean dc_host_cpuid(const DcHost *host, guint32 leaf, guint32 regs[4])
{
    return dc_host_cpuid_count(host, leaf, 0, regs);
}

guint dc_host_phys_addr_bits(const DcHost *host)
{
    g_autofree char *text = NULL;
    if (!dc_host_read_file(host, "/proc/cpuinfo", &text, NULL, NULL))
        return 0;
    const char *p = strstr(text, "address sizes");
    if (!p || !(p = strchr(p, ':')))
        return 0;
    return (guint)g_ascii_strtoull(p + 1, NULL, 10);
}

guint32 dc_host_ppc64_pvr(const DcHost *host)
{
    g_autofree char *text = NULL;
    if (!dc_host_read_file(host, "/proc/cpuinfo", &text, NULL, NULL))
        return 0;
    const char *p = strstr(text, "(pvr ");
    if (!p)
        return 0;
    char *end = NULL;
    guint64 hi = g_ascii_strtoull(p + 5, &end, 16);
    guint64 lo = end ? g_ascii_strtoull(end, NULL, 16) : 0;
    return (guint32)((hi << 16) | (lo & 0xffff));
}

char *dc_host_find_program(const DcHost *host, const char *name)
{
    const char *env_path = strcmp(host->root, "/") == 0 ? g_getenv("PATH") : NULL;
    g_autofree char *dirs = g_strdup_printf("%s:/usr/local/bin:/usr/bin:/bin:/usr/sbin", env_path ? env_path : "");
    g_auto(GStrv) parts = g_strsplit(dirs, ":", -1);
    for (char **d = parts; *d; d++) {
        if (**d != '/')
            continue;
        g_autofree char *abs = g_build_filename(*d, name, NULL);
        g_autofree char *p = dc_host_path(host, abs);
        dc_host_depend(host, abs, DC_DEP_EXISTS);  /* one appearing earlier in the path would win */
        if (g_file_test(p, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test(p, G_FILE_TEST_IS_DIR))
            return g_steal_pointer(&p);
    }
    return NULL;
}

static gboolean dir_has_entry(const DcHost *host, const char *abs)
{
    g_autofree char *p = dc_host_path(host, abs);
    dc_host_depend(host, abs, DC_DEP_LIST);
    g_autoptr(GDir) d = g_dir_open(p, 0, NULL);
    return d && g_dir_read_name(d) != NULL;
}

gboolean dc_host_has_iommu(const DcHost *host)
{
    return dir_has_entry(host, "/sys/kernel/iommu_groups");
}

/* "path size mtime inode" of each program: what the remembered answer is valid for. */
static char *programs_identity(char *const *paths, gsize n)
{
    GString *id = g_string_new("swtpm");
    for (gsize i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) < 0) {
            g_string_free(id, TRUE);
            return NULL;
        }
        g_string_append_printf(id, "|%s %lld %lld.%09ld %llu", paths[i], (long long)st.st_size,
                               (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
    }
    return g_string_free(id, FALSE);
}

static GMutex swtpm_lock;
static GHashTable *swtpm_answers; /* identity -> versions + 1 */

/* swtpm_setup's answer, or NULL; it gets DC_SWTPM_TIMEOUT_MS at most (a
 * hung or slow program is killed and counts as no answer), and at most
 * 64 KiB of output are read. */
#define DC_SWTPM_TIMEOUT_MS 5000
static char *swtpm_capabilities(const char *setup)
{
    const char *argv[] = { setup, "--print-capabilities", NULL };
    GPid pid;
    int out_fd = -1;
    if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                  NULL, NULL, &pid, NULL, &out_fd, NULL, NULL))
        return NULL;
    GString *out = g_string_new(NULL);
    gint64 deadline = g_get_monotonic_time() + DC_SWTPM_TIMEOUT_MS * 1000;
    gboolean eof = FALSE;
    while (!eof && out->len < 65536) {
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd pfd = { out_fd, POLLIN, 0 };
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        char buf[4096];
        ssize_t r = read(out_fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            eof = TRUE;
        else
            g_string_append_len(out, buf, r);
    }
    close(out_fd);
    if (!eof)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    g_spawn_close_pid(pid);
    if (!eof || !WIFEXITED(status)) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

static guint swtpm_ask_versions(const char *setup)
{
    guint versions = 0;
    /* A fixture's swtpm_setup is a script printing what the real one would. */
    g_autofree char *out = swtpm_capabilities(setup);
    if (out) {
        json_object *caps = json_tokener_parse(out), *features = NULL;
        if (caps && json_object_object_get_ex(caps, "features", &features) &&
            json_object_is_type(features, json_type_array)) {
            for (size_t i = 0; i < json_object_array_length(features); i++) {
                const char *f = json_object_get_string(json_object_array_get_idx(features, i));
                if (g_strcmp0(f, "tpm-1.2") == 0)
                    versions |= 1;
                if (g_strcmp0(f, "tpm-2.0") == 0)
                    versions |= 2;
            }
        }
        if (caps)
            json_object_put(caps);
    }
    return versions;
}

static gpointer swtpm_prefetch_thread(gpointer data)
{
    DcHost *host = data;
    dc_host_swtpm(host, NULL);
    dc_host_free(host);
    return NULL;
}

GThread *dc_host_swtpm_prefetch(const DcHost *host)
{
    /* Once per process: `--all` probes many binaries at once, and later
     * queries find the answer (or, if swtpm changed, ask it themselves). */
    static gint started;
    if (!g_atomic_int_compare_and_exchange(&started, 0, 1))
        return NULL;
    DcHost *copy = dc_host_new(host->root, host->privileged, host->xdg_config_home);
    GThread *t = g_thread_try_new("domcaps-swtpm", swtpm_prefetch_thread, copy, NULL);
    if (!t)
        dc_host_free(copy);
    return t;
}

/* Remember an answer in the query's notes (the cache entry's memo). */
static void note_answer(const DcHost *host, const char *id, guint versions)
{
    DcHostNotes *n = host->notes;
    if (!n->memo || json_object_object_get_ex(n->memo, id, NULL))
        return;
    json_object_object_add(n->memo, id, json_object_new_int((int)versions));
    n->memo_changed = TRUE;
}

/* The versions swtpm_setup reports, from this process's memory, the
 * query's memo, or swtpm_setup itself (@id names the three programs). */
static guint swtpm_versions(const DcHost *host, const char *id, const char *setup)
{
    g_mutex_lock(&swtpm_lock);
    gpointer v = swtpm_answers ? g_hash_table_lookup(swtpm_answers, id) : NULL;
    g_mutex_unlock(&swtpm_lock);
    json_object *m = NULL;
    guint versions;
    if (v)
        versions = GPOINTER_TO_UINT(v) - 1;  /* asked in this process (dc_host_swtpm_prefetch) */
    else if (host->notes->memo && json_object_object_get_ex(host->notes->memo, id, &m) &&
             json_object_is_type(m, json_type_int))
        versions = (guint)json_object_get_int(m) & 3;
    else
        versions = swtpm_ask_versions(setup);
    note_answer(host, id, versions);
    g_mutex_lock(&swtpm_lock);
    if (!swtpm_answers)
        swtpm_answers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_replace(swtpm_answers, g_strdup(id), GUINT_TO_POINTER(versions + 1));
    g_mutex_unlock(&swtpm_lock);
    return versions;
}

gboolean dc_host_swtpm(const DcHost *host, guint *versions)
{
    DcHostLazy *lazy = host->lazy;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lazy->lock);
    if (lazy->swtpm < 0) {
        char *progs[3] = {
            dc_host_find_program(host, "swtpm"),
            dc_host_find_program(host, "swtpm_setup"),
            dc_host_find_program(host, "swtpm_ioctl"),
        };
        lazy->swtpm = progs[0] && progs[1] && progs[2];
        g_autofree char *id = lazy->swtpm ? programs_identity(progs, 3) : NULL;
        lazy->swtpm_versions = id ? swtpm_versions(host, id, progs[1]) : lazy->swtpm ? swtpm_ask_versions(progs[1]) : 0;
        for (int i = 0; i < 3; i++)
            g_free(progs[i]);
    }
    if (versions)
        *versions = lazy->swtpm_versions;
    return lazy->swtpm == 1;
}
