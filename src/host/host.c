#include "host/host.h"
#include <sys/utsname.h>
#include <unistd.h>

DcHost *dc_host_new(const char *root, gboolean privileged, const char *xdg_config_home)
{
    DcHost *host = g_new0(DcHost, 1);
    host->root = g_strdup(root && *root ? root : "/");
    host->privileged = privileged;
    host->xdg_config_home = privileged ? NULL : g_strdup(xdg_config_home);
    return host;
}

void dc_host_free(DcHost *host)
{
    if (!host)
        return;
    g_free(host->root);
    g_free(host->xdg_config_home);
    g_free(host->arch);
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
    return access(p, F_OK) == 0;
}

gboolean dc_host_read_file(const DcHost *host, const char *abs_path, char **contents, gsize *len, GError **err)
{
    g_autofree char *p = dc_host_path(host, abs_path);
    return g_file_get_contents(p, contents, len, err);
}

const char *dc_host_arch(const DcHost *host)
{
    if (host->arch)
        return host->arch;
    g_autofree char *text = NULL;
    g_autofree char *m = NULL;
    if (dc_host_read_file(host, "/proc/sys/kernel/arch", &text, NULL, NULL))
        m = g_strstrip(g_strdup(text));
    if (!m || !*m) {
        struct utsname u;
        g_free(m);
        m = g_strdup(uname(&u) == 0 ? u.machine : "unknown");
    }
    static const char *const aliases[][2] = {
        { "i386", "i686" }, { "i486", "i686" }, { "i586", "i686" }, { "arm64", "aarch64" }, { "armv8l", "armv7l" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(aliases); i++)
        if (strcmp(m, aliases[i][0]) == 0) {
            g_free(m);
            m = g_strdup(aliases[i][1]);
            break;
        }
    ((DcHost *)host)->arch = g_steal_pointer(&m);
    return host->arch;
}
