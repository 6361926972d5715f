#include "config.h"
#include "cache/cache.h"
#include "host/kvm.h"
#include "util/json.h"
#include <dlfcn.h>
#include "probe/facts.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>


/* Largest entry accepted; real ones are a few hundred KiB. */
#define DC_CACHE_MAX_ENTRY (16 * 1024 * 1024)

static json_object *stamp(gint64 a, gint64 b)
{
    g_autofree char *s = g_strdup_printf("%" G_GINT64_FORMAT ".%09" G_GINT64_FORMAT, a, b);
    return json_object_new_string(s);
}

static json_object *file_identity(const struct stat *st)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "size", json_object_new_int64(st->st_size));
    json_object_object_add(o, "mtime", stamp(st->st_mtim.tv_sec, st->st_mtim.tv_nsec));
    json_object_object_add(o, "ctime", stamp(st->st_ctim.tv_sec, st->st_ctim.tv_nsec));
    json_object_object_add(o, "inode", stamp((gint64)st->st_dev, (gint64)st->st_ino));
    return o;
}

/* vendor, family, model, stepping and microcode of the first CPU: a new CPU
 * or microcode changes what KVM offers. */
static char *cpu_signature_read(const DcHost *host)
{
    g_autofree char *text = NULL;
    if (!dc_host_read_file(host, "/proc/cpuinfo", &text, NULL, NULL))
        return g_strdup("");
    static const char *const keys[] = { "vendor_id", "cpu family", "model", "stepping", "microcode",
                                        "cpu", "revision", "processor 0", NULL };
    GString *sig = g_string_new(NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l && **l; l++) { /* first block only */
        char *colon = strchr(*l, ':');
        if (!colon)
            continue;
        g_autofree char *k = g_strstrip(g_strndup(*l, colon - *l));
        if (g_strv_contains(keys, k))
            g_string_append_printf(sig, "%s=%s;", k, g_strstrip(colon + 1));
    }
    return g_string_free(sig, FALSE);
}

/* /proc/cpuinfo is slow to read (the kernel formats every CPU), and a key
 * is computed on every query: a process reads it once per host root, and
 * again only when the microcode revision sysfs shows has changed (a late
 * microcode load is the one change a running host sees). */
static char *cpu_signature(const DcHost *host)
{
    static GMutex lock;
    static char *root, *ucode, *value;
    g_autofree char *now = NULL;
    if (!dc_host_read_file(host, "/sys/devices/system/cpu/cpu0/microcode/version", &now, NULL, NULL))
        now = g_strdup("");
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    if (value && g_strcmp0(root, host->root) == 0 && g_strcmp0(ucode, now) == 0)
        return g_strdup(value);
    g_free(root);
    g_free(ucode);
    g_free(value);
    root = g_strdup(host->root);
    ucode = g_strdup(now);
    value = cpu_signature_read(host);
    return g_strdup(value);
}

/* The domcaps build that answers: its version, plus the identity of the
 * file holding this code (the shared library or a statically linked
 * program), so an upgrade or rebuild never reuses what older code decided. */
static char *build_identity_text(void)
{
    Dl_info info;
    struct stat st;
    g_autofree char *id = NULL;
    if (dladdr((void *)build_identity_text, &info) && info.dli_fname && stat(info.dli_fname, &st) == 0)
        id = g_strdup_printf("%s %s %" G_GINT64_FORMAT " %ld.%09ld", DOMCAPS_VERSION, info.dli_fname,
                             (gint64)st.st_size, (long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    else
        id = g_strdup(DOMCAPS_VERSION);
    return g_steal_pointer(&id);
}

/* The code running is fixed for the life of the process (a replaced file on
 * disk does not change it), so it is identified once. */
static json_object *build_identity(void)
{
    static char *id;
    if (g_once_init_enter(&id))
        g_once_init_leave(&id, build_identity_text());
    return json_object_new_string(id);
}

/* /dev/kvm as the QEMU that probes sees it: "rw", "present" or "absent". */
static const char *kvm_access(const DcHost *host, const DcQmpCreds *as)
{
    struct stat st;
    if (!dc_host_kvm_stat(host, &st))
        return "absent";
    if (as)
        return dc_qmp_creds_may_rw(as, &st) ? "rw" : "present";
    return dc_host_kvm_usable(host) ? "rw" : "present";
}

json_object *dc_cache_key_new(const DcHost *host, const char *emulator, const char *emulator_path,
                              const DcQmpCreds *as)
{
    struct stat st;
    if (stat(emulator_path, &st) < 0)
        return NULL;
    json_object *key = json_object_new_object();
    json_object_object_add(key, "facts-format", json_object_new_int(DC_FACTS_FORMAT));
    json_object_object_add(key, "domcaps", build_identity());
    json_object_object_add(key, "emulator", json_object_new_string(emulator));
    json_object_object_add(key, "binary", file_identity(&st));

    json_object *mods = json_object_new_object();
    for (const char *const *d = dc_qemu_module_dirs; *d; d++) {
        g_autofree char *p = dc_host_path(host, *d);
        struct stat ms;
        if (stat(p, &ms) == 0)
            json_object_object_add(mods, *d, file_identity(&ms));
    }
    json_object_object_add(key, "modules", mods);

    /* Who QEMU ran as, so the entry can be judged for that user. */
    json_object_object_add(key, "user", json_object_new_int64(as ? (gint64)as->uid : (gint64)geteuid()));
    json_object_object_add(key, "kvm", json_object_new_string(kvm_access(host, as)));

    struct utsname u;
    json_object_object_add(key, "kernel", json_object_new_string(uname(&u) == 0 ? u.release : ""));
    g_autofree char *sig = cpu_signature(host);
    json_object_object_add(key, "cpu", json_object_new_string(sig));
    return key;
}

gboolean dc_cache_is_entry_name(const char *name)
{
    /* "<name>-<16 hex digits>.json": what dc_cache_entry_path() writes */
    gsize n = strlen(name);
    if (n < 23 || !g_str_has_suffix(name, ".json") || name[n - 22] != '-')
        return FALSE;
    for (gsize i = n - 21; i < n - 5; i++)
        if (!g_ascii_isxdigit(name[i]))
            return FALSE;
    return TRUE;
}

char *dc_cache_entry_path(const char *dir, const char *emulator)
{
    g_autofree char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, emulator, -1);
    g_autofree char *base = g_path_get_basename(emulator);
    g_autofree char *name = g_strdup_printf("%s-%.16s.json", base, digest);
    return g_build_filename(dir, name, NULL);
}

char *dc_cache_key_diff(json_object *stored, json_object *current)
{
    if (!stored || !json_object_is_type(stored, json_type_object))
        return g_strdup("entry has no key");
    json_object_object_foreach(current, k, v) {
        json_object *old = NULL;
        if (!json_object_object_get_ex(stored, k, &old))
            return g_strdup_printf("%s not recorded", k);
        if (!json_object_equal(old, v)) {
            if (json_object_is_type(v, json_type_object) && json_object_is_type(old, json_type_object)) {
                json_object_object_foreach(v, k2, v2) {
                    json_object *o2 = NULL;
                    if (!json_object_object_get_ex(old, k2, &o2) || !json_object_equal(o2, v2))
                        return g_strdup_printf("%s changed (%s)", k, k2);
                }
                return g_strdup_printf("%s changed", k);
            }
            return g_strdup_printf("%s changed", k);
        }
    }
    json_object_object_foreach(stored, k3, v3) {
        (void)v3;
        if (!json_object_object_get_ex(current, k3, NULL))
            return g_strdup_printf("%s no longer applies", k3);
    }
    return NULL;
}

/* The program that answered the probe (the file the emulator path exec'd:
 * Debian's qemu-system-i386 is a script running /usr/libexec's binary), as
 * the entry records it: its path and identity; NULL when unknown. */
static json_object *executable_record(json_object *facts)
{
    const char *exe = dc_json_str(facts, "executable");
    struct stat st;
    if (!exe || stat(exe, &st) < 0)
        return NULL;
    json_object *rec = json_object_new_object();
    json_object_object_add(rec, "path", json_object_new_string(exe));
    json_object_object_add(rec, "identity", file_identity(&st));
    return rec;
}

/* Why the recorded program no longer is what answered, NULL: it still is. */
static char *executable_changed(json_object *entry)
{
    json_object *rec = NULL, *identity = NULL;
    if (!json_object_object_get_ex(entry, "executable", &rec))
        return NULL;
    const char *path = dc_json_str(rec, "path");
    struct stat st;
    if (!path || !json_object_object_get_ex(rec, "identity", &identity) || stat(path, &st) < 0)
        return g_strdup_printf("binary changed (%s is gone)", path ? path : "the executable");
    g_autoptr(json_object) now = file_identity(&st);
    return json_object_equal(now, identity) ? NULL : g_strdup_printf("binary changed (%s)", path);
}

/* Read an entry without following a symlink planted in its place. */
char *dc_cache_read_entry(const char *path, gsize *len, char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        *why = g_strdup(errno == ENOENT ? "no entry" : errno == ELOOP ? "entry is a symlink" : "entry unreadable");
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > DC_CACHE_MAX_ENTRY || st.st_size == 0) {
        close(fd);
        *why = g_strdup(st.st_size == 0 ? "empty entry" : "entry is not a plausible file");
        return NULL;
    }
    g_autofree char *untrusted = dc_cache_file_untrusted(&st, path);
    if (untrusted) {
        close(fd);
        *why = g_strconcat(DC_CACHE_UNTRUSTED, untrusted, NULL);
        return NULL;
    }
    char *buf = g_malloc(st.st_size + 1);
    gsize got = 0;
    while (got < (gsize)st.st_size) {
        ssize_t r = read(fd, buf + got, st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += r;
    }
    close(fd);
    buf[got] = '\0';
    *len = got;
    return buf;
}

json_object *dc_cache_load(const char *dir, const char *emulator, json_object *key, char **why)
{
    g_autofree char *path = dc_cache_entry_path(dir, emulator);
    char *reason = NULL;
    gsize len = 0;
    g_autofree char *data = dc_cache_read_entry(path, &len, &reason);
    json_object *entry = NULL, *facts = NULL;
    if (data) {
        entry = dc_json_parse_whole(data, len);
        json_object *stored_key = NULL, *f = NULL;
        if (!entry || !json_object_is_type(entry, json_type_object)) {
            reason = g_strdup("corrupt entry");
        } else if (dc_json_int(entry, "domcaps-cache", -1) != DC_CACHE_FORMAT) {
            reason = g_strdup("entry from another domcaps version");
        } else if (!json_object_object_get_ex(entry, "key", &stored_key) ||
                   (reason = dc_cache_key_diff(stored_key, key)) != NULL) {
            if (!reason)
                reason = g_strdup("entry has no key");
        } else if ((reason = executable_changed(entry)) != NULL) {
            /* the binary behind a wrapper was replaced */
        } else if (!json_object_object_get_ex(entry, "facts", &f) || !json_object_is_type(f, json_type_object) ||
                   dc_json_int(f, "domcaps-facts", -1) != DC_FACTS_FORMAT ||
                   !dc_json_str(f, "target") || !json_object_object_get_ex(f, "accel", NULL)) {
            reason = g_strdup("entry holds no usable facts");
        } else {
            facts = json_object_get(f);
        }
    }
    if (entry)
        json_object_put(entry);
    if (why)
        *why = reason;
    else
        g_free(reason);
    return facts;
}

gboolean dc_cache_store(const char *dir, const char *emulator, json_object *key, json_object *facts, GError **err)
{
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create cache directory %s: %s", dir,
                    g_strerror(errno));
        return FALSE;
    }
    json_object *entry = json_object_new_object();
    json_object_object_add(entry, "domcaps-cache", json_object_new_int(DC_CACHE_FORMAT));
    json_object_object_add(entry, "key", json_object_get(key));
    json_object_object_add(entry, "facts", json_object_get(facts));
    json_object *exe = executable_record(facts);
    if (exe)
        json_object_object_add(entry, "executable", exe);
    const char *text = json_object_to_json_string_ext(entry, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    g_autofree char *path = dc_cache_entry_path(dir, emulator);
    /* g_file_set_contents writes a temporary file in dir and renames it over
     * the entry (replacing a symlink itself, never its target). */
    gboolean ok = g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, err);
    json_object_put(entry);
    return ok;
}

/* The lock beside an entry: the entry's name plus ".lock", which is not an
 * entry name, so listing and pruning never take it for one. */
static char *lock_path(const char *dir, const char *emulator)
{
    g_autofree char *entry = dc_cache_entry_path(dir, emulator);
    return g_strconcat(entry, ".lock", NULL);
}

int dc_cache_lock(const char *dir, const char *emulator, int timeout_ms)
{
    if (g_mkdir_with_parents(dir, 0755) < 0)
        return -1;
    g_autofree char *path = lock_path(dir, emulator);
    /* No symlink followed, nothing but a regular file locked: a planted
     * link or device costs the sharing, never a write elsewhere. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        return -1;
    }
    if (fd < 0)
        return -1;
    /* flock() has no timeout: try, then nap, up to the deadline. The naps
     * stay short (at most 20 ms), against probes of a few hundred. */
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    gulong nap = 1000;
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || g_get_monotonic_time() >= deadline) {
            close(fd);
            return -1;
        }
        g_usleep(nap);
        nap = MIN(nap * 2, 20000);
    }
    return fd;
}

char *dc_cache_default_dir(void)
{
    if (geteuid() == 0)
        return g_strdup("/var/cache/domcaps");
    return g_build_filename(g_get_user_cache_dir(), "domcaps", NULL);
}
