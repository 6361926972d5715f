/* The device table: every <enum> value under <devices> and the QEMU or host
 * fact that enables it, in libvirt's order. Adding a value is adding a row.
 * "Where does <video><enum name='modelType'> come from?" - here. */
#include "caps/caps.h"

gboolean dc_arch_is_x86(const char *arch)
{
    return g_strcmp0(arch, "x86_64") == 0 || g_strcmp0(arch, "i686") == 0;
}

gboolean dc_arch_is_ppc64(const char *arch)
{
    return g_strcmp0(arch, "ppc64") == 0 || g_strcmp0(arch, "ppc64le") == 0;
}

gboolean dc_arch_is_arm(const char *arch)
{
    return g_strcmp0(arch, "aarch64") == 0 || g_strcmp0(arch, "armv7l") == 0 || g_strcmp0(arch, "armv6l") == 0;
}

gboolean dc_arch_is_s390(const char *arch)
{
    return g_strcmp0(arch, "s390x") == 0 || g_strcmp0(arch, "s390") == 0;
}

gboolean dc_machine_is_i440fx(const char *m)
{
    return m && (strcmp(m, "pc") == 0 || g_str_has_prefix(m, "pc-0.") || g_str_has_prefix(m, "pc-1.") ||
                 g_str_has_prefix(m, "pc-i440fx-") || g_str_has_prefix(m, "rhel"));
}

gboolean dc_machine_is_q35(const char *m)
{
    return m && (strcmp(m, "q35") == 0 || g_str_has_prefix(m, "pc-q35"));
}

gboolean dc_machine_is_pseries(const char *m)
{
    return m && (strcmp(m, "pseries") == 0 || g_str_has_prefix(m, "pseries-"));
}

gboolean dc_machine_is_virt(const char *m)
{
    return m && (strcmp(m, "virt") == 0 || g_str_has_prefix(m, "virt-"));
}

gboolean dc_machine_is_s390_ccw(const char *m)
{
    return m && (strcmp(m, "s390-ccw-virtio") == 0 || g_str_has_prefix(m, "s390-ccw-virtio-"));
}

/* Machines with an IDE controller built in. */
static gboolean pred_builtin_ide(const DcCapsCtx *c)
{
    const char *m = c->query->machine;
    return (dc_arch_is_x86(c->query->arch) && dc_machine_is_i440fx(m)) ||
           g_strcmp0(m, "malta") == 0 || g_strcmp0(m, "sun4u") == 0 || g_strcmp0(m, "g3beige") == 0;
}

/* pSeries guests have no floppy controller. */
static gboolean pred_has_floppy(const DcCapsCtx *c)
{
    return !(dc_arch_is_ppc64(c->query->arch) && dc_machine_is_pseries(c->query->machine));
}

/* VFIO needs a host IOMMU, the host's /dev/vfio/vfio and QEMU's vfio-pci. */
static gboolean pred_vfio(const DcCapsCtx *c)
{
    return dc_host_has_iommu(c->host) && dc_host_exists(c->host, "/dev/vfio/vfio") &&
           dc_facts_has_type(c->facts, "vfio-pci");
}

static gboolean pred_virtio_transitional(const DcCapsCtx *c)
{
    return dc_facts_has_type(c->facts, "virtio-blk-pci-transitional");
}

static gboolean pred_virtio_rng_transitional(const DcCapsCtx *c)
{
    return dc_facts_has_type(c->facts, "virtio-rng-pci") && pred_virtio_transitional(c);
}

static gboolean pred_virtio_rng(const DcCapsCtx *c)
{
    return dc_facts_has_type(c->facts, "virtio-rng-pci") || dc_facts_has_type(c->facts, "virtio-rng-ccw") ||
           dc_facts_has_type(c->facts, "virtio-rng-device");
}

static gboolean pred_virtio_gpu(const DcCapsCtx *c)
{
    return dc_facts_has_type(c->facts, "virtio-gpu-pci") || dc_facts_has_type(c->facts, "virtio-gpu-ccw") ||
           dc_facts_has_type(c->facts, "virtio-gpu-device");
}

/* swtpm on the host makes the emulator (and external) back ends usable. */
static gboolean pred_tpm_emulator(const DcCapsCtx *c)
{
    return dc_facts_in_list(c->facts, "tpm-types", "emulator") && dc_host_swtpm(c->host, NULL);
}

/* TPM versions swtpm_setup reports, whether or not QEMU has the emulator. */
static gboolean pred_swtpm_1_2(const DcCapsCtx *c)
{
    guint v = 0;
    return dc_host_swtpm(c->host, &v) && (v & 1);
}

static gboolean pred_swtpm_2_0(const DcCapsCtx *c)
{
    guint v = 0;
    return dc_host_swtpm(c->host, &v) && (v & 2);
}

/* RDP is D-Bus display plus the qemu-rdp helper on the host. */
static gboolean pred_rdp(const DcCapsCtx *c)
{
    g_autofree char *helper = dc_host_find_program(c->host, "qemu-rdp");
    return dc_facts_has_schema(c->facts, "query-display-options/ret-type/+dbus") && helper;
}

static gboolean pred_virtio_crypto(const DcCapsCtx *c)
{
    return dc_facts_has_type(c->facts, "virtio-crypto-pci") || dc_facts_has_type(c->facts, "virtio-crypto-device");
}

static gboolean pred_panic_s390(const DcCapsCtx *c)
{
    return dc_arch_is_s390(c->query->arch);
}

static gboolean pred_panic_hyperv(const DcCapsCtx *c)
{
    return dc_arch_is_x86(c->query->arch);
}

static gboolean pred_panic_pseries(const DcCapsCtx *c)
{
    return dc_arch_is_ppc64(c->query->arch) && dc_machine_is_pseries(c->query->machine);
}

#define ALWAYS { DC_COND_ALWAYS, NULL, NULL }
#define TYPE(t) { DC_COND_TYPE, t, NULL }
#define SCHEMA(q) { DC_COND_SCHEMA, q, NULL }
#define TPM_MODEL(m) { DC_COND_TPM_MODEL, m, NULL }
#define TPM_TYPE(m) { DC_COND_TPM_TYPE, m, NULL }
#define PRED(f) { DC_COND_PRED, #f, f }

const DcEnumRow dc_device_enum_rows[] = {
    { "disk", "diskDevice", "disk", ALWAYS },
    { "disk", "diskDevice", "cdrom", ALWAYS },
    { "disk", "diskDevice", "floppy", PRED(pred_has_floppy) },
    { "disk", "diskDevice", "lun", ALWAYS },
    { "disk", "bus", "ide", PRED(pred_builtin_ide) },
    { "disk", "bus", "fdc", PRED(pred_has_floppy) },
    { "disk", "bus", "scsi", ALWAYS },
    { "disk", "bus", "virtio", ALWAYS },
    { "disk", "bus", "usb", TYPE("usb-storage") },
    { "disk", "bus", "sata", TYPE("ich9-ahci") },
    { "disk", "model", "virtio", ALWAYS },
    { "disk", "model", "virtio-transitional", PRED(pred_virtio_transitional) },
    { "disk", "model", "virtio-non-transitional", PRED(pred_virtio_transitional) },

    { "graphics", "type", "sdl", SCHEMA("query-display-options/ret-type/+sdl") },
    { "graphics", "type", "vnc", SCHEMA("query-vnc") },
    { "graphics", "type", "rdp", PRED(pred_rdp) },
    { "graphics", "type", "spice", SCHEMA("query-spice") },
    { "graphics", "type", "egl-headless", SCHEMA("query-display-options/ret-type/+egl-headless") },
    { "graphics", "type", "dbus", SCHEMA("query-display-options/ret-type/+dbus") },

    { "video", "modelType", "vga", TYPE("VGA") },
    { "video", "modelType", "cirrus", TYPE("cirrus-vga") },
    { "video", "modelType", "vmvga", TYPE("vmware-svga") },
    { "video", "modelType", "qxl", TYPE("qxl") },
    { "video", "modelType", "virtio", PRED(pred_virtio_gpu) },
    { "video", "modelType", "none", ALWAYS },
    { "video", "modelType", "bochs", TYPE("bochs-display") },
    { "video", "modelType", "ramfb", TYPE("ramfb") },

    { "hostdev", "mode", "subsystem", ALWAYS },
    { "hostdev", "startupPolicy", "default", ALWAYS },
    { "hostdev", "startupPolicy", "mandatory", ALWAYS },
    { "hostdev", "startupPolicy", "requisite", ALWAYS },
    { "hostdev", "startupPolicy", "optional", ALWAYS },
    { "hostdev", "subsysType", "usb", TYPE("usb-host") },
    { "hostdev", "subsysType", "pci", ALWAYS },
    { "hostdev", "subsysType", "scsi", ALWAYS },
    { "hostdev", "capsType", NULL, ALWAYS },
    { "hostdev", "pciBackend", "default", PRED(pred_vfio) },
    { "hostdev", "pciBackend", "vfio", PRED(pred_vfio) },

    { "rng", "model", "virtio", PRED(pred_virtio_rng) },
    { "rng", "model", "virtio-transitional", PRED(pred_virtio_rng_transitional) },
    { "rng", "model", "virtio-non-transitional", PRED(pred_virtio_rng_transitional) },
    { "rng", "backendModel", "random", TYPE("rng-random") },
    { "rng", "backendModel", "egd", TYPE("rng-egd") },
    { "rng", "backendModel", "builtin", TYPE("rng-builtin") },

    { "filesystem", "driverType", "path", ALWAYS },
    { "filesystem", "driverType", "handle", ALWAYS },
    { "filesystem", "driverType", "virtiofs", TYPE("vhost-user-fs-device") },

    { "tpm", "model", "tpm-tis", TPM_MODEL("tpm-tis") },
    { "tpm", "model", "tpm-crb", TPM_MODEL("tpm-crb") },
    { "tpm", "model", "tpm-spapr", TYPE("tpm-spapr") },
    { "tpm", "model", "spapr-tpm-proxy", TYPE("spapr-tpm-proxy") },
    { "tpm", "backendModel", "passthrough", TPM_TYPE("passthrough") },
    { "tpm", "backendModel", "emulator", PRED(pred_tpm_emulator) },
    { "tpm", "backendModel", "external", PRED(pred_tpm_emulator) },
    { "tpm", "backendVersion", "1.2", PRED(pred_swtpm_1_2) },
    { "tpm", "backendVersion", "2.0", PRED(pred_swtpm_2_0) },

    { "redirdev", "bus", "usb", TYPE("usb-redir") },

    { "channel", "type", "pty", ALWAYS },
    { "channel", "type", "unix", ALWAYS },
    { "channel", "type", "spicevmc", SCHEMA("query-spice") },

    { "crypto", "model", "virtio", PRED(pred_virtio_crypto) },
    { "crypto", "type", "qemu", ALWAYS },
    { "crypto", "backendModel", "builtin", ALWAYS },
    { "crypto", "backendModel", "lkcf", TYPE("cryptodev-backend-lkcf") },

    { "interface", "backendType", "default", SCHEMA("netdev_add/arg-type/+user") },
    { "interface", "backendType", "passt", SCHEMA("netdev_add/arg-type/+stream") },

    { "panic", "model", "isa", TYPE("pvpanic") },
    { "panic", "model", "pseries", PRED(pred_panic_pseries) },
    { "panic", "model", "hyperv", PRED(pred_panic_hyperv) },
    { "panic", "model", "s390", PRED(pred_panic_s390) },
    { "panic", "model", "pvpanic", TYPE("pvpanic-pci") },
};
const gsize dc_device_enum_rows_len = G_N_ELEMENTS(dc_device_enum_rows);

gboolean dc_enum_omit_empty(const char *element, const char *enum_name)
{
    return strcmp(element, "tpm") == 0 && strcmp(enum_name, "backendVersion") == 0;
}

gboolean dc_cond_holds(const DcCond *cond, const DcCapsCtx *ctx)
{
    switch (cond->kind) {
    case DC_COND_ALWAYS: return TRUE;
    case DC_COND_TYPE: return dc_facts_has_type(ctx->facts, cond->arg);
    case DC_COND_SCHEMA: return dc_facts_has_schema(ctx->facts, cond->arg);
    case DC_COND_TPM_MODEL: return dc_facts_in_list(ctx->facts, "tpm-models", cond->arg);
    case DC_COND_TPM_TYPE: return dc_facts_in_list(ctx->facts, "tpm-types", cond->arg);
    case DC_COND_PRED: return cond->pred(ctx);
    }
    return FALSE;
}
