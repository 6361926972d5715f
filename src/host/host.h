/* Host facts: every host path domcaps reads goes through one root directory,
 * so a fixture tree can stand in for a whole host in tests. */
#pragma once
#include <glib.h>

typedef struct {
    char *root;              /* "/" on a real host, a fixture dir in tests */
    char *xdg_config_home;   /* user config dir (e.g. ~/.config), NULL when privileged */
    gboolean privileged;     /* root: read /etc and /usr only, like libvirt's system daemon */
    char *arch;              /* cached dc_host_arch() */
} DcHost;

DcHost *dc_host_new(const char *root, gboolean privileged, const char *xdg_config_home);
void dc_host_free(DcHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcHost, dc_host_free)

/* Map an absolute host path ("/usr/share/qemu/firmware") to where it lives under the root. */
char *dc_host_path(const DcHost *host, const char *abs_path);

/* libvirt's name for the host CPU architecture ("x86_64", "i686", "aarch64"...):
 * <root>/proc/sys/kernel/arch when readable (so fixture trees can say), else uname. */
const char *dc_host_arch(const DcHost *host);

/* Small helpers that all go through dc_host_path(). */
gboolean dc_host_exists(const DcHost *host, const char *abs_path);
gboolean dc_host_read_file(const DcHost *host, const char *abs_path, char **contents, gsize *len, GError **err);
