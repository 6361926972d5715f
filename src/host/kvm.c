#include "host/kvm.h"
#include "host/deps.h"
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_kvm(const DcHost *host)
{
    g_autofree char *p = dc_host_path(host, "/dev/kvm");
    return open(p, O_RDWR | O_CLOEXEC);
}

gboolean dc_host_kvm_usable(const DcHost *host)
{
    int fd = open_kvm(host);
    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

gboolean dc_host_kvm_stat(const DcHost *host, struct stat *st)
{
    g_autofree char *p = dc_host_path(host, "/dev/kvm");
    return stat(p, st) == 0;
}

/* A fixture's stated limit: the content of its regular /dev/kvm file. */
static guint fixture_limit(const DcHost *host)
{
    g_autofree char *text = NULL;
    g_autofree char *p = dc_host_path(host, "/dev/kvm");
    if (g_file_get_contents(p, &text, NULL, NULL)) {
        gint64 v = g_ascii_strtoll(text, NULL, 10);
        if (v > 0 && v <= G_MAXINT)
            return (guint)v;
    }
    return G_MAXINT;
}

guint dc_host_kvm_max_vcpus(const DcHost *host)
{
    dc_host_depend(host, "/dev/kvm", DC_DEP_READ);
    g_autofree char *p = dc_host_path(host, "/dev/kvm");
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return G_MAXINT;
    struct stat st;
    gboolean device = fstat(fd, &st) == 0 && S_ISCHR(st.st_mode);
    int r = device ? ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS) : -1;
    if (device && r <= 0)
        r = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
    close(fd);
    if (r > 0)
        return (guint)r;
    /* libvirt's own guess when KVM answers neither (the kernel's old
     * recommendation). */
    return device ? 4 : fixture_limit(host);
}

/* A fixture's feature MSRs, which a regular /dev/kvm file cannot answer:
 * "INDEX VALUE" in hex, one a line, in <root>/.domcaps/kvm-msr. */
static gboolean fixture_msr(const DcHost *host, guint32 index, guint64 *value)
{
    g_autoptr(GPtrArray) rows = dc_host_fixture_rows(host, "kvm-msr", 2);
    for (guint r = 0; rows && r < rows->len; r++) {
        char **f = rows->pdata[r];
        if ((guint32)g_ascii_strtoull(f[0], NULL, 16) != index)
            continue;
        *value = g_ascii_strtoull(f[1], NULL, 16);
        return TRUE;
    }
    return FALSE;
}

gboolean dc_host_kvm_feature_msr(const DcHost *host, guint32 index, guint64 *value)
{
    if (strcmp(host->root, "/") != 0)
        return fixture_msr(host, index, value);
    int fd = open_kvm(host);
    if (fd < 0)
        return FALSE;
    g_autofree struct kvm_msrs *msrs = g_malloc0(sizeof(*msrs) + sizeof(struct kvm_msr_entry));
    msrs->nmsrs = 1;
    msrs->entries[0].index = index;
    int n = ioctl(fd, KVM_GET_MSRS, msrs);
    close(fd);
    if (n != 1)
        return FALSE;
    *value = msrs->entries[0].data;
    return TRUE;
}
