/* Host resources a domain names or needs, which libvirt or QEMU open at
 * start: device nodes and files, hugetlbfs, USB devices, QEMU's display
 * modules, and what KVM emulates (Hyper-V, paravirtual spinlocks). Against
 * a saved document (no host) none of these is asked. */
#include "analyze/rules.h"
#include "host/kvm-guest.h"
#include <string.h>

/* Paths a device names, which must exist on the host. */
static const struct {
    const char *element;
    const char *path;      /* where the path is: "backend/text()" or "backend/device/@path" */
    const char *why;
} named_paths[] = {
    { "rng", "backend", "the random number source" },
    { "tpm", "backend/device@path", "the host TPM" },
};

static char *named_path(const DcNode *dev, const char *spec)
{
    const char *at = strchr(spec, '@');
    if (at) {
        g_autofree char *el = g_strndup(spec, at - spec);
        return g_strdup(dc_dom_attr(dev, el, at + 1));
    }
    const DcNode *n = dc_dom_find(dev, spec);
    if (!n || (strcmp(dev->name, "rng") == 0 && g_strcmp0(dc_node_get_attr(n, "model"), "random") != 0))
        return NULL;
    return dc_dom_text(dev, spec);
}

static void device_paths(DcCheckCtx *ctx, const DcNode *dev)
{
    for (gsize i = 0; i < G_N_ELEMENTS(named_paths); i++) {
        if (strcmp(dev->name, named_paths[i].element) != 0)
            continue;
        g_autofree char *path = named_path(dev, named_paths[i].path);
        if (!path || !*path || dc_ctx_host_has(ctx, path))
            continue;
        g_autofree char *loc = g_strdup_printf("/domain/devices/%s/%s", dev->name, named_paths[i].path);
        dc_check_report(ctx, dev, loc, path, (const char *const[]){ "a path that exists here", NULL }, FALSE,
                        "%s '%s' is not on this host", named_paths[i].why, path);
    }
    if (strcmp(dev->name, "vsock") == 0 && !dc_ctx_host_has(ctx, "/dev/vhost-vsock"))
        dc_check_report(ctx, dev, "/domain/devices/vsock", "vsock", (const char *const[]){ "a host with "
                        "/dev/vhost-vsock (module vhost_vsock)", NULL }, FALSE,
                        "libvirt opens /dev/vhost-vsock, which this host lacks");
}

/* Where an interface's traffic goes must be there when libvirt starts the
 * domain: an active libvirt network (its status file), a host bridge or a
 * host interface. */
static void interface_source(DcCheckCtx *ctx, const DcNode *dev)
{
    if (strcmp(dev->name, "interface") != 0)
        return;
    const char *type = dc_node_get_attr(dev, "type");
    const char *network = dc_dom_attr(dev, "source", "network");
    const char *bridge = dc_dom_attr(dev, "source", "bridge");
    const char *direct = dc_dom_attr(dev, "source", "dev");
    g_autofree char *status = network ? g_strdup_printf("/run/libvirt/network/%s.xml", network) : NULL;
    g_autofree char *br = bridge ? g_strdup_printf("/sys/class/net/%s", bridge) : NULL;
    g_autofree char *nic = direct ? g_strdup_printf("/sys/class/net/%s", direct) : NULL;
    if (g_strcmp0(type, "network") == 0 && network && !dc_ctx_host_has(ctx, status))
        dc_check_report(ctx, dev, "/domain/devices/interface/source/@network", network, (const char *const[]){
                        "an active libvirt network (virsh net-start)", "type='user'", NULL }, FALSE,
                        "libvirt network '%s' is not active here", network);
    else if (g_strcmp0(type, "bridge") == 0 && bridge && !dc_ctx_host_has(ctx, br))
        dc_check_report(ctx, dev, "/domain/devices/interface/source/@bridge", bridge, (const char *const[]){
                        "a bridge of this host", "type='user'", NULL }, FALSE, "this host has no bridge '%s'",
                        bridge);
    else if (g_strcmp0(type, "direct") == 0 && direct && !dc_ctx_host_has(ctx, nic))
        dc_check_report(ctx, dev, "/domain/devices/interface/source/@dev", direct, (const char *const[]){
                        "an interface of this host", NULL }, FALSE, "this host has no interface '%s'", direct);
}

/* A USB device passed through by vendor and product: the host's USB devices. */
static void usb_hostdev(DcCheckCtx *ctx, const DcNode *dev)
{
    if (strcmp(dev->name, "hostdev") != 0 || g_strcmp0(dc_node_get_attr(dev, "type"), "usb") != 0)
        return;
    if (!dc_ctx_host_has(ctx, "/sys/bus/usb/devices"))
        dc_check_report(ctx, dev, "/domain/devices/hostdev/source", "usb", (const char *const[]){
                        "a host with USB", NULL }, FALSE,
                        "libvirt looks the device up in /sys/bus/usb/devices, which this host lacks");
}

static gboolean hugetlbfs_mounted(const DcHost *host)
{
    g_autofree char *mounts = NULL;
    if (!dc_host_read_file(host, "/proc/mounts", &mounts, NULL, NULL))
        return TRUE;
    return strstr(mounts, " hugetlbfs ") != NULL;
}

#define CAP_SYS_RESOURCE_BIT 24

/* May root processes here raise limits (CAP_SYS_RESOURCE in the bounding
 * set)? libvirt lifts QEMU's locked-memory limit for <locked/>. */
static gboolean can_raise_limits(const DcHost *host)
{
    g_autofree char *status = NULL;
    if (strcmp(host->root, "/") != 0 || !g_file_get_contents("/proc/self/status", &status, NULL, NULL))
        return TRUE;
    const char *bnd = strstr(status, "CapBnd:");
    return !bnd || (g_ascii_strtoull(bnd + 7, NULL, 16) >> CAP_SYS_RESOURCE_BIT) & 1;
}

static void memory(DcCheckCtx *ctx)
{
    const DcNode *locked = dc_dom_find(ctx->domain, "memoryBacking/locked");
    if (locked && !can_raise_limits(ctx->host))
        dc_check_report(ctx, locked, "/domain/memoryBacking/locked", "locked", (const char *const[]){
                        "no <locked/>", "a host whose root has CAP_SYS_RESOURCE", NULL }, FALSE,
                        "libvirt lifts QEMU's locked-memory limit, and root here lacks CAP_SYS_RESOURCE");
    const DcNode *huge = dc_dom_find(ctx->domain, "memoryBacking/hugepages");
    if (huge && !hugetlbfs_mounted(ctx->host))
        dc_check_report(ctx, huge, "/domain/memoryBacking/hugepages", "hugepages", (const char *const[]){
                        "a hugetlbfs mount", "no <hugepages/>", NULL }, FALSE,
                        "huge pages come from hugetlbfs, and none is mounted here");
}

/* QEMU displays built as loadable modules. */
static const struct {
    const char *type, *module;
} display_modules[] = {
    { "sdl", "ui-sdl.so" },
    { "egl-headless", "ui-egl-headless.so" },
    { "spice", "ui-spice-core.so" },
    { "dbus", "ui-dbus.so" },
};

static void display_module(DcCheckCtx *ctx, const DcNode *g)
{
    const char *type = dc_node_get_attr(g, "type");
    gboolean modular = FALSE;
    for (const char *const *d = dc_qemu_module_dirs; *d; d++)
        modular |= dc_host_exists(ctx->host, *d);
    for (gsize i = 0; modular && type && i < G_N_ELEMENTS(display_modules); i++) {
        if (strcmp(type, display_modules[i].type) != 0)
            continue;
        gboolean found = FALSE;
        for (const char *const *d = dc_qemu_module_dirs; *d && !found; d++) {
            g_autofree char *p = g_strdup_printf("%s/%s", *d, display_modules[i].module);
            found = dc_host_exists(ctx->host, p);
        }
        if (!found)
            dc_check_report(ctx, g, "/domain/devices/graphics/@type", type, (const char *const[]){ "vnc",
                            "installing QEMU's module", NULL }, FALSE,
                            "QEMU's '%s' display is a module (%s) not installed here", type,
                            display_modules[i].module);
    }
}

void dc_rule_host(DcCheckCtx *ctx)
{
    if (!ctx->host)
        return;
    const DcNode *devices = dc_dom_find(ctx->domain, "devices");
    for (guint i = 0; devices && i < devices->children.len; i++) {
        const DcNode *dev = devices->children.pdata[i];
        device_paths(ctx, dev);
        interface_source(ctx, dev);
        usb_hostdev(ctx, dev);
        if (strcmp(dev->name, "graphics") == 0)
            display_module(ctx, dev);
    }
    memory(ctx);
}
