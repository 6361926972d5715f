#include "host/libvirt-lib.h"
#include <stdlib.h>

/* Where Debian, Fedora and a source build put libvirt.so.0, in the order
 * the dynamic linker's default search would find them. */
static const char *const lib_dirs[] = {
    "/usr/local/lib", "/usr/local/lib64",
    "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib/i386-linux-gnu",
    "/usr/lib/arm-linux-gnueabihf", "/usr/lib/powerpc64le-linux-gnu", "/usr/lib/s390x-linux-gnu",
    "/usr/lib/riscv64-linux-gnu", "/usr/lib/loongarch64-linux-gnu",
    "/lib64", "/usr/lib64", "/lib", "/usr/lib", NULL,
};

/* "libvirt.so.0.9000.0" -> 9000000; 0 for any other name. */
static guint version_of_name(const char *name)
{
    const char *prefix = "libvirt.so.0.";
    if (!g_str_has_prefix(name, prefix))
        return 0;
    const char *p = name + strlen(prefix);
    char *end = NULL;
    guint64 combined = g_ascii_strtoull(p, &end, 10);
    if (end == p || *end != '.' || combined == 0 || combined > 999999)
        return 0;
    p = end + 1;
    guint64 micro = g_ascii_strtoull(p, &end, 10);
    if (end == p || *end != '\0' || micro > 999)
        return 0;
    return (guint)(combined / 1000 * 1000000 + combined % 1000 * 1000 + micro);
}

guint dc_host_libvirt_version(const DcHost *host, char **path)
{
    for (const char *const *dir = lib_dirs; *dir; dir++) {
        g_autofree char *link = g_build_filename(*dir, "libvirt.so.0", NULL);
        g_autofree char *where = dc_host_path(host, link);
        g_autofree char *target = g_file_read_link(where, NULL);
        if (!target)
            continue;
        g_autofree char *name = g_path_get_basename(target);
        guint version = version_of_name(name);
        if (!version)
            continue;
        if (path)
            *path = g_build_filename(*dir, name, NULL);
        return version;
    }
    return 0;
}
