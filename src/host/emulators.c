#include "host/emulators.h"
#include "util/arch.h"
#include "domcaps.h"
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

/* $PATH (on "/" only: a root's PATH is not ours), then where distributions
 * put QEMU. */
static GStrv search_dirs(const DcHost *host)
{
    const char *env_path = strcmp(host->root, "/") == 0 ? g_getenv("PATH") : NULL;
    g_autofree char *dirs = g_strdup_printf("%s:/usr/local/bin:/usr/bin:/bin:/usr/libexec", env_path ? env_path : "");
    return g_strsplit(dirs, ":", -1);
}

static gboolean is_executable_file(const char *path)
{
    return g_file_test(path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test(path, G_FILE_TEST_IS_DIR);
}

static char *find_in_dirs(const DcHost *host, const char *name)
{
    g_auto(GStrv) dirs = search_dirs(host);
    for (char **d = dirs; *d; d++) {
        if (**d != '/')
            continue;
        g_autofree char *abs = g_build_filename(*d, name, NULL);
        g_autofree char *p = dc_host_path(host, abs);
        if (is_executable_file(p))
            return g_steal_pointer(&abs);
    }
    return NULL;
}

char *dc_emulator_find(const DcHost *host, const char *arch, GError **err)
{
    g_autoptr(GPtrArray) names = dc_arch_emulator_names(arch, dc_host_arch(host));
    for (guint i = 0; i < names->len; i++) {
        char *found = find_in_dirs(host, names->pdata[i]);
        if (found)
            return found;
    }
    /* libvirt's last resort for a native guest: the RHEL-style binary. */
    static const char qemu_kvm[] = "/usr/libexec/qemu-kvm";
    g_autofree char *kvm_path = dc_host_path(host, qemu_kvm);
    if (dc_arch_is_native(arch, dc_host_arch(host)) && is_executable_file(kvm_path))
        return g_strdup(qemu_kvm);
    g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NO_EMULATOR,
                "no QEMU emulator for architecture '%s' found (looked for %s)", arch,
                names->len ? (char *)names->pdata[0] : "qemu-system-*");
    return NULL;
}

gboolean dc_emulator_check(const DcHost *host, const char *emulator, GError **err)
{
    g_autofree char *p = dc_host_path(host, emulator);
    struct stat st;
    if (stat(p, &st) < 0) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NO_EMULATOR, "cannot use emulator '%s': %s", emulator,
                    g_strerror(errno));
        return FALSE;
    }
    if (!S_ISREG(st.st_mode) || access(p, X_OK) < 0) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NOT_EXECUTABLE, "emulator '%s' is not an executable file",
                    emulator);
        return FALSE;
    }
    return TRUE;
}

static gint by_path(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *dc_emulators_installed(const DcHost *host)
{
    GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_auto(GStrv) dirs = search_dirs(host);
    for (char **d = dirs; *d; d++) {
        if (**d != '/')
            continue;
        g_autofree char *under = dc_host_path(host, *d);
        g_autoptr(GDir) dir = g_dir_open(under, 0, NULL);
        const char *name;
        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *full = g_build_filename(under, name, NULL);
            if (!g_str_has_prefix(name, "qemu-system-") || g_hash_table_contains(seen, name) ||
                !is_executable_file(full))
                continue;
            g_hash_table_add(seen, g_strdup(name));
            g_ptr_array_add(found, g_build_filename(*d, name, NULL));
        }
    }
    g_ptr_array_sort(found, by_path);
    return found;
}
