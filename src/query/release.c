#include "query/release.h"
#include "format/releases.h"
#include "host/libvirt-lib.h"

/* "libvirt 11.10.0 is installed (PATH): the nearest release domcaps holds
 * below it, 11.3" (nothing after the path when it is a release held). */
static char *explain_installed(guint version, const char *lib, guint release)
{
    guint held = release * 1000, installed = version - version % 1000;
    g_autofree char *name = dc_release_name(release);
    g_autofree char *how = held == installed ? g_strdup("")
                           : held < installed ? g_strdup_printf(": the nearest release domcaps holds below it, %s", name)
                                              : g_strdup_printf(": older than any release domcaps holds, the oldest, %s",
                                                                name);
    return g_strdup_printf("libvirt %u.%u.%u is installed (%s)%s", version / 1000000, version / 1000 % 1000,
                           version % 1000, lib, how);
}

guint dc_release_choose(const char *schema, const DcHost *host, char **why, GError **err)
{
    if (schema && *schema) {
        guint release = dc_release_parse(schema, err);
        if (release && why)
            *why = g_strdup_printf("asked for (--schema or $DOMCAPS_SCHEMA: %s)", schema);
        return release;
    }
    g_autofree char *lib = NULL;
    guint version = host ? dc_host_libvirt_version(host, &lib) : 0;
    if (!version) {
        if (why)
            *why = g_strdup("no libvirt installed: the newest release domcaps holds");
        return DC_RELEASE_NEWEST;
    }
    guint release = dc_release_for_libvirt(version);
    if (why)
        *why = explain_installed(version, lib, release);
    return release;
}
