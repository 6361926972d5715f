/* What a machine type or architecture has and lacks, as libvirt 9.0 and
 * QEMU enforce it: buses, per-arch device models, CPU topology, vCPU
 * limits of a machine's interrupt controller. */
#include "analyze/rules.h"
#include <string.h>

/* Device models that exist on one architecture family only. */
static const struct {
    const char *element, *model;
    const char *arch_prefix;   /* the arch must start with this; NULL: no QEMU arch has it */
    const char *machine_prefix; /* and the machine, when set */
    const char *where;
} arch_models[] = {
    { "panic", "pseries", "ppc64", "pseries", "pSeries guests" },
    { "panic", "s390", "s390", NULL, "s390 guests" },
    { "watchdog", "diag288", "s390", NULL, "s390 guests" },
    { "memballoon", "xen", NULL, NULL, "Xen guests" },
};

static void arch_only_models(DcCheckCtx *ctx, const DcNode *dev)
{
    for (gsize i = 0; i < G_N_ELEMENTS(arch_models); i++) {
        if (strcmp(dev->name, arch_models[i].element) != 0 ||
            g_strcmp0(dc_node_get_attr(dev, "model"), arch_models[i].model) != 0)
            continue;
        if (arch_models[i].arch_prefix && g_str_has_prefix(ctx->arch ? ctx->arch : "", arch_models[i].arch_prefix) &&
            (!arch_models[i].machine_prefix || g_str_has_prefix(ctx->machine ? ctx->machine : "",
                                                                arch_models[i].machine_prefix)))
            continue;
        g_autofree char *loc = g_strdup_printf("/domain/devices/%s/@model", dev->name);
        dc_check_report(ctx, dev, loc, arch_models[i].model, (const char *const[]){ arch_models[i].where, NULL },
                        FALSE, "the '%s' %s exists for %s only", arch_models[i].model, dev->name,
                        arch_models[i].where);
    }
}

static gboolean has_usb_controller(const DcNode *domain)
{
    const DcNode *devices = dc_dom_find(domain, "devices");
    for (guint i = 0; devices && i < devices->children.len; i++) {
        const DcNode *c = devices->children.pdata[i];
        if (strcmp(c->name, "controller") == 0 && g_strcmp0(dc_node_get_attr(c, "type"), "usb") == 0 &&
            g_strcmp0(dc_node_get_attr(c, "model"), "none") != 0)
            return TRUE;
    }
    return FALSE;
}

/* Disk buses a machine has no controller for. */
static void disk_bus(DcCheckCtx *ctx, const DcNode *disk)
{
    const char *bus = dc_dom_attr(disk, "target", "bus");
    const char *device = dc_node_get_attr(disk, "device");
    if (g_strcmp0(bus, "fdc") == 0 && g_strcmp0(device, "floppy") != 0)
        dc_check_report(ctx, disk, "/domain/devices/disk/target/@bus", bus, (const char *const[]){
                        "device='floppy'", "bus virtio, sata, scsi", NULL }, FALSE,
                        "the floppy controller takes floppies, not %s", device ? device : "disks");
    /* libvirt adds a USB controller by default on x86 only (and pSeries) */
    gboolean default_usb = dc_ctx_is_x86(ctx) || g_str_has_prefix(ctx->arch ? ctx->arch : "", "ppc64");
    if (g_strcmp0(bus, "usb") == 0 && !default_usb && !has_usb_controller(ctx->domain))
        dc_check_report(ctx, disk, "/domain/devices/disk/target/@bus", bus, (const char *const[]){
                        "<controller type='usb' model='qemu-xhci'/>", NULL }, FALSE,
                        "a USB disk needs a USB controller, which libvirt adds for %s only on request", ctx->arch);
}

/* Devices that sit on PCI unless given another address. */
static const char *const pci_devices[] = { "disk", "interface", "video", "controller", "rng", "memballoon",
                                           "filesystem", "sound", "hostdev", "tpm", NULL };

static gboolean needs_pci(const DcNode *dev)
{
    const char *addr = dc_dom_attr(dev, "address", "type");
    if (addr)
        return strcmp(addr, "pci") == 0;
    if (strcmp(dev->name, "disk") == 0)
        return g_strcmp0(dc_dom_attr(dev, "target", "bus"), "virtio") == 0;
    if (strcmp(dev->name, "memballoon") == 0 || strcmp(dev->name, "video") == 0)
        return g_strcmp0(dc_node_get_attr(dev, "model") ? dc_node_get_attr(dev, "model")
                                                        : dc_dom_attr(dev, "model", "type"), "none") != 0;
    return strcmp(dev->name, "tpm") != 0 && strcmp(dev->name, "controller") != 0;
}

/* x86 microvm has no PCI bus; libvirt adds a virtio balloon unless told not to. */
static void microvm(DcCheckCtx *ctx, const DcNode *devices)
{
    if (!dc_ctx_is_x86(ctx) || g_strcmp0(ctx->machine, "microvm") != 0)
        return;
    gboolean balloon = FALSE;
    for (guint i = 0; devices && i < devices->children.len; i++) {
        const DcNode *dev = devices->children.pdata[i];
        balloon |= strcmp(dev->name, "memballoon") == 0;
        if (!g_strv_contains(pci_devices, dev->name) || !needs_pci(dev))
            continue;
        g_autofree char *loc = g_strdup_printf("/domain/devices/%s", dev->name);
        dc_check_report(ctx, dev, loc, dev->name, (const char *const[]){ "<address type='virtio-mmio'/>", NULL },
                        FALSE, "microvm has no PCI bus for this %s", dev->name);
        return;
    }
    if (!balloon)
        dc_check_report(ctx, dc_dom_find(ctx->domain, "devices"), "/domain/devices/memballoon", "virtio",
                        (const char *const[]){ "<memballoon model='none'/>", NULL }, FALSE,
                        "libvirt adds a virtio memory balloon on PCI, and microvm has no PCI bus");
}

/* sockets x dies x cores x threads must be the vCPU count. */
static void topology(DcCheckCtx *ctx)
{
    const DcNode *topo = dc_dom_find(ctx->domain, "cpu/topology");
    g_autofree char *vcpus = dc_dom_text(ctx->domain, "vcpu");
    if (!topo || !vcpus)
        return;
    guint64 product = 1;
    static const char *const parts[] = { "sockets", "dies", "cores", "threads" };
    for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
        const char *v = dc_node_get_attr(topo, parts[i]);
        product *= v ? g_ascii_strtoull(v, NULL, 10) : 1;
    }
    if (product != g_ascii_strtoull(vcpus, NULL, 10)) {
        g_autofree char *want = g_strdup_printf("<vcpu>%" G_GUINT64_FORMAT "</vcpu>", product);
        dc_check_report(ctx, topo, "/domain/cpu/topology", vcpus, (const char *const[]){ want, NULL }, FALSE,
                        "the topology makes %" G_GUINT64_FORMAT " vCPUs, the domain has %s", product, vcpus);
    }
}

/* GICv2 (TCG's default on virt) routes interrupts to 8 CPUs at most. */
static void arm_gic(DcCheckCtx *ctx)
{
    g_autofree char *vcpus = dc_dom_text(ctx->domain, "vcpu");
    const char *gic = dc_dom_attr(ctx->domain, "features/gic", "version");
    if (!dc_ctx_is_arm_virt(ctx) || !vcpus || g_ascii_strtoull(vcpus, NULL, 10) <= 8)
        return;
    gboolean v2 = gic ? strcmp(gic, "2") == 0 : !dc_ctx_is_kvm(ctx);
    if (v2)
        dc_check_report(ctx, dc_dom_find(ctx->domain, "vcpu"), "/domain/vcpu", vcpus, (const char *const[]){
                        "8 vCPUs or fewer", "<gic version='3'/>", NULL }, FALSE,
                        "virt with GICv2 takes 8 vCPUs at most");
}

/* Intel IOMMU interrupt remapping needs the split I/O APIC. */
static void intremap(DcCheckCtx *ctx)
{
    const DcNode *iommu = dc_dom_find(ctx->domain, "devices/iommu");
    if (!iommu || g_strcmp0(dc_node_get_attr(iommu, "model"), "intel") != 0 || !dc_ctx_is_q35(ctx) ||
        dc_switch_of(dc_dom_attr(iommu, "driver", "intremap")) != DC_SWITCH_ON)
        return;
    if (g_strcmp0(dc_dom_attr(ctx->domain, "features/ioapic", "driver"), "qemu") != 0)
        dc_check_report(ctx, iommu, "/domain/devices/iommu/driver/@intremap", "on", (const char *const[]){
                        "<features><ioapic driver='qemu'/></features>", NULL }, FALSE,
                        "interrupt remapping needs the split I/O APIC (ioapic driver='qemu')");
}

/* Machines QEMU gives a minimum of RAM. */
static const struct {
    const char *prefix;
    guint64 min_mib;
} machine_ram[] = {
    { "powernv", 1024 },
};

static guint64 memory_mib(const DcNode *domain)
{
    g_autofree char *text = dc_dom_text(domain, "memory");
    const char *unit = dc_dom_attr(domain, "memory", "unit");
    guint64 v = text ? g_ascii_strtoull(text, NULL, 10) : 0;
    static const struct { const char *unit; guint64 per_mib_num, per_mib_den; } units[] = {
        { "KiB", 1, 1024 }, { "k", 1, 1024 }, { "MiB", 1, 1 }, { "M", 1, 1 }, { "GiB", 1024, 1 }, { "G", 1024, 1 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(units); i++)
        if (g_strcmp0(unit ? unit : "KiB", units[i].unit) == 0)
            return v * units[i].per_mib_num / units[i].per_mib_den;
    return v / 1024;
}

static void ram(DcCheckCtx *ctx)
{
    for (gsize i = 0; i < G_N_ELEMENTS(machine_ram); i++) {
        if (!ctx->machine || !g_str_has_prefix(ctx->machine, machine_ram[i].prefix) ||
            memory_mib(ctx->domain) >= machine_ram[i].min_mib)
            continue;
        g_autofree char *min = g_strdup_printf("%" G_GUINT64_FORMAT " MiB or more", machine_ram[i].min_mib);
        dc_check_report(ctx, dc_dom_find(ctx->domain, "memory"), "/domain/memory", "memory",
                        (const char *const[]){ min, NULL }, FALSE, "QEMU's %s needs at least %s of RAM",
                        ctx->machine, min);
    }
}

/* libvirt 9.0 assigns device addresses on ARM for the virt machine only. */
static void arm_addresses(DcCheckCtx *ctx, const DcNode *devices)
{
    if (g_strcmp0(ctx->arch, "aarch64") != 0 || dc_ctx_is_arm_virt(ctx) || !devices)
        return;
    for (guint i = 0; i < devices->children.len; i++) {
        const DcNode *dev = devices->children.pdata[i];
        if (!g_strv_contains(pci_devices, dev->name) || !needs_pci(dev))
            continue;
        dc_check_report(ctx, dev, "/domain/os/type/@machine", ctx->machine, (const char *const[]){ "virt", NULL },
                        FALSE, "libvirt gives %s devices no address on %s, only on virt", dev->name, ctx->machine);
        return;
    }
}

void dc_rule_platform(DcCheckCtx *ctx)
{
    const DcNode *devices = dc_dom_find(ctx->domain, "devices");
    for (guint i = 0; devices && i < devices->children.len; i++) {
        const DcNode *dev = devices->children.pdata[i];
        arch_only_models(ctx, dev);
        if (strcmp(dev->name, "disk") == 0)
            disk_bus(ctx, dev);
    }
    microvm(ctx, devices);
    arm_addresses(ctx, devices);
    ram(ctx);
    topology(ctx);
    arm_gic(ctx);
    intremap(ctx);
}
