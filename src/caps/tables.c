/* The value table: every yes/no and every <enum> value of the document
 * that is decided by QEMU's answers, with the answer libvirt derives it
 * from (the same QOM type, command-line option, schema query or property
 * its qemu_capabilities.c reads: the virQEMUCapsObjectTypes,
 * virQEMUCapsCommandLine, virQEMUCapsQMPSchemaQueries... rows behind each
 * QEMU_CAPS_* flag), in libvirt's order. Adding a value is adding a row;
 * the probe asks exactly what the rows read (dc_caps_questions()).
 * "Where does <video><enum name='modelType'> come from?" - here. */
#include "caps/caps.h"
#include "format/releases.h"

gboolean dc_machine_is_i440fx(const char *m)
{
    return m && (strcmp(m, "pc") == 0 || g_str_has_prefix(m, "pc-0.") || g_str_has_prefix(m, "pc-1.") ||
                 g_str_has_prefix(m, "pc-i440fx-") || g_str_has_prefix(m, "rhel"));
}

gboolean dc_machine_is_q35(const char *m)
{
    return m && (strcmp(m, "q35") == 0 || g_str_has_prefix(m, "pc-q35-"));
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

/* --- Rules: what libvirt decides from the machine, the arch or the host.
 * The arch is the emulator's (libvirt's qemuCaps->arch). --- */

/* qemuDomainMachineHasBuiltinIDE */
static gboolean rule_builtin_ide(const DcCapsCtx *c)
{
    const char *m = c->query->machine;
    return (dc_arch_is_x86(c->query->emu_arch) && dc_machine_is_i440fx(m)) ||
           g_strcmp0(m, "malta") == 0 || g_strcmp0(m, "sun4u") == 0 || g_strcmp0(m, "g3beige") == 0;
}

static gboolean rule_pseries(const DcCapsCtx *c)
{
    return dc_arch_is_ppc64(c->query->emu_arch) && dc_machine_is_pseries(c->query->machine);
}

/* pSeries guests have no floppy controller. */
static gboolean rule_not_pseries(const DcCapsCtx *c)
{
    return !rule_pseries(c);
}

static gboolean rule_x86(const DcCapsCtx *c)
{
    return dc_arch_is_x86(c->query->emu_arch);
}

static gboolean rule_s390(const DcCapsCtx *c)
{
    return dc_arch_is_s390(c->query->emu_arch);
}

/* qemuHostdevHostSupportsPassthroughVFIO: an IOMMU group and /dev/vfio/vfio. */
static gboolean rule_host_vfio(const DcCapsCtx *c)
{
    return dc_host_has_iommu(c->host) && dc_host_exists(c->host, "/dev/vfio/vfio");
}

/* VFIO through iommufd: the host's VFIO and its /dev/iommu. */
static gboolean rule_host_iommufd(const DcCapsCtx *c)
{
    return rule_host_vfio(c) && dc_host_exists(c->host, "/dev/iommu");
}

/* virTPMHasSwtpm: swtpm, swtpm_setup and swtpm_ioctl on the host. */
static gboolean rule_swtpm(const DcCapsCtx *c)
{
    return dc_host_swtpm(c->host, NULL);
}

/* The TPM versions swtpm_setup reports. */
static gboolean rule_swtpm_1_2(const DcCapsCtx *c)
{
    guint v = 0;
    return dc_host_swtpm(c->host, &v) && (v & 1);
}

static gboolean rule_swtpm_2_0(const DcCapsCtx *c)
{
    guint v = 0;
    return dc_host_swtpm(c->host, &v) && (v & 2);
}

/* qemuRdpAvailable: the qemu-rdp helper on the host. */
static gboolean rule_qemu_rdp(const DcCapsCtx *c)
{
    g_autofree char *helper = dc_host_find_program(c->host, "qemu-rdp");
    return helper != NULL;
}

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define ALWAYS { NULL, NULL, NULL, NULL, DC_BEHAVIOUR_NONE, DC_BEHAVIOUR_NONE }
#define ANY(...) { LIST(__VA_ARGS__), NULL, NULL, NULL, DC_BEHAVIOUR_NONE, DC_BEHAVIOUR_NONE }
#define RULE(f) { NULL, NULL, f, #f, DC_BEHAVIOUR_NONE, DC_BEHAVIOUR_NONE }
#define ANY_RULE(f, ...) { LIST(__VA_ARGS__), NULL, f, #f, DC_BEHAVIOUR_NONE, DC_BEHAVIOUR_NONE }
#define ANY_OF(keys) { keys, NULL, NULL, NULL, DC_BEHAVIOUR_NONE, DC_BEHAVIOUR_NONE }
#define ANY_OF_AND(keys, more) { keys, more, NULL, NULL, DC_BEHAVIOUR_NONE, DC_BEHAVIOUR_NONE }
/* The same for the releases before a behaviour's, or from it on. */
#define ALWAYS_FROM(b) { NULL, NULL, NULL, NULL, DC_BEHAVIOUR_##b, DC_BEHAVIOUR_NONE }
#define ANY_BEFORE(b, ...) { LIST(__VA_ARGS__), NULL, NULL, NULL, DC_BEHAVIOUR_NONE, DC_BEHAVIOUR_##b }
#define ANY_FROM(b, ...) { LIST(__VA_ARGS__), NULL, NULL, NULL, DC_BEHAVIOUR_##b, DC_BEHAVIOUR_NONE }
#define RULE_BEFORE(b, f) { NULL, NULL, f, #f, DC_BEHAVIOUR_NONE, DC_BEHAVIOUR_##b }
#define ANY_RULE_BEFORE(b, f, ...) { LIST(__VA_ARGS__), NULL, f, #f, DC_BEHAVIOUR_NONE, DC_BEHAVIOUR_##b }
#define ANY_RULE_FROM(b, f, ...) { LIST(__VA_ARGS__), NULL, f, #f, DC_BEHAVIOUR_##b, DC_BEHAVIOUR_NONE }

/* QEMU_CAPS_VIRTIO_PCI_TRANSITIONAL: any one of these types. */
static const char *const virtio_transitional[] = {
    "type:virtio-blk-pci-transitional", "type:virtio-blk-pci-non-transitional",
    "type:virtio-net-pci-transitional", "type:virtio-net-pci-non-transitional",
    "type:vhost-scsi-pci-transitional", "type:vhost-scsi-pci-non-transitional",
    "type:virtio-rng-pci-transitional", "type:virtio-rng-pci-non-transitional",
    "type:virtio-9p-pci-transitional", "type:virtio-9p-pci-non-transitional",
    "type:virtio-balloon-pci-transitional", "type:virtio-balloon-pci-non-transitional",
    "type:vhost-vsock-pci-transitional", "type:vhost-vsock-pci-non-transitional",
    "type:virtio-scsi-pci-transitional", "type:virtio-scsi-pci-non-transitional",
    "type:virtio-serial-pci-transitional", "type:virtio-serial-pci-non-transitional", NULL,
};

/* QEMU_CAPS_DEVICE_VIRTIO_RNG */
static const char *const virtio_rng[] = {
    "type:virtio-rng-pci", "type:virtio-rng-ccw", "type:virtio-rng-device", NULL,
};

/* The USB host controllers libvirt looks for before it offers USB host devices. */
static const char *const usb_controllers[] = {
    "type:piix3-usb-uhci", "type:piix4-usb-uhci", "type:usb-ehci", "type:ich9-usb-ehci1",
    "type:vt82c686b-usb-uhci", "type:pci-ohci", "type:nec-usb-xhci", "type:qemu-xhci", NULL,
};

#define VIRTIO_TRANSITIONAL ANY_OF(virtio_transitional)
/* Floppy disks: every machine but pSeries, then where QEMU has a floppy
 * controller (QEMU_CAPS_BUS_FLOPPY: an ISA or sysbus one), pSeries still
 * without. */
#define FLOPPY_BY_MACHINE RULE_BEFORE(FLOPPY_BY_BUS, rule_not_pseries)
#define FLOPPY_BUS ANY_RULE_FROM(FLOPPY_BY_BUS, rule_not_pseries, "type:isa-fdc", "type:sysbus-fdc")

const DcEnumRow dc_device_enum_rows[] = {
    { "disk", "diskDevice", "disk", ALWAYS },
    { "disk", "diskDevice", "cdrom", ALWAYS },
    { "disk", "diskDevice", "floppy", FLOPPY_BY_MACHINE },
    { "disk", "diskDevice", "floppy", FLOPPY_BUS },
    { "disk", "diskDevice", "lun", ALWAYS },
    { "disk", "bus", "ide", RULE(rule_builtin_ide) },
    { "disk", "bus", "fdc", FLOPPY_BY_MACHINE },
    { "disk", "bus", "fdc", FLOPPY_BUS },
    { "disk", "bus", "scsi", ALWAYS },
    { "disk", "bus", "virtio", ALWAYS },
    { "disk", "bus", "usb", ANY_BEFORE(USB_BOT_DISK, "type:usb-storage") },
    { "disk", "bus", "usb", ANY_FROM(USB_BOT_DISK, "type:usb-storage", "type:usb-bot") },
    { "disk", "bus", "sata", ANY("type:ich9-ahci") },
    { "disk", "bus", "nvme", ANY("type:nvme-ns") },
    { "disk", "model", "virtio", ALWAYS },
    { "disk", "model", "virtio-transitional", VIRTIO_TRANSITIONAL },
    { "disk", "model", "virtio-non-transitional", VIRTIO_TRANSITIONAL },

    { "graphics", "type", "sdl", ANY("schema:query-display-options/ret-type/+sdl") },
    { "graphics", "type", "vnc", ANY("schema:query-vnc") },
    { "graphics", "type", "rdp", ANY_RULE(rule_qemu_rdp, "schema:query-display-options/ret-type/+dbus") },
    /* The option, not the query-spice command: a modular QEMU keeps the
     * command without its spice module, and lists the option only with it. */
    { "graphics", "type", "spice", ANY("option:spice") },
    { "graphics", "type", "egl-headless", ANY("schema:query-display-options/ret-type/+egl-headless") },
    { "graphics", "type", "dbus", ANY("schema:query-display-options/ret-type/+dbus") },

    { "video", "modelType", "vga", ANY("type:VGA") },
    { "video", "modelType", "cirrus", ANY("type:cirrus-vga") },
    { "video", "modelType", "vmvga", ANY("type:vmware-svga") },
    { "video", "modelType", "qxl", ANY("type:qxl") },
    { "video", "modelType", "virtio", ANY("type:virtio-gpu-pci", "type:virtio-gpu-device") },
    { "video", "modelType", "none", ALWAYS },
    { "video", "modelType", "bochs", ANY("type:bochs-display") },
    { "video", "modelType", "ramfb", ANY("type:ramfb") },

    { "hostdev", "mode", "subsystem", ALWAYS },
    { "hostdev", "startupPolicy", "default", ALWAYS },
    { "hostdev", "startupPolicy", "mandatory", ALWAYS },
    { "hostdev", "startupPolicy", "requisite", ALWAYS },
    { "hostdev", "startupPolicy", "optional", ALWAYS },
    { "hostdev", "subsysType", "usb", ANY_OF(usb_controllers) },
    { "hostdev", "subsysType", "pci", ALWAYS },
    { "hostdev", "subsysType", "scsi", ALWAYS },
    { "hostdev", "capsType", NULL, ALWAYS },
    { "hostdev", "pciBackend", "default", ANY_RULE(rule_host_vfio, "type:vfio-pci") },
    { "hostdev", "pciBackend", "vfio", ANY_RULE(rule_host_vfio, "type:vfio-pci") },
    { "hostdev", "iommufd", "yes", ANY_RULE(rule_host_iommufd, "type:iommufd") },
    { "hostdev", "iommufd", "no", ALWAYS },

    { "rng", "model", "virtio", ANY_OF(virtio_rng) },
    { "rng", "model", "virtio-transitional", ANY_OF_AND(virtio_rng, virtio_transitional) },
    { "rng", "model", "virtio-non-transitional", ANY_OF_AND(virtio_rng, virtio_transitional) },
    { "rng", "backendModel", "random", ANY("type:rng-random") },
    { "rng", "backendModel", "egd", ANY("type:rng-egd") },
    { "rng", "backendModel", "builtin", ANY("type:rng-builtin") },

    { "filesystem", "driverType", "path", ALWAYS },
    { "filesystem", "driverType", "handle", ALWAYS },
    { "filesystem", "driverType", "virtiofs", ANY("type:vhost-user-fs-device") },

    /* query-tpm-models and query-tpm-types, then the QOM types themselves */
    { "tpm", "model", "tpm-tis", ANY_BEFORE(TPM_FROM_TYPES, "tpm-model:tpm-tis") },
    { "tpm", "model", "tpm-tis", ANY_FROM(TPM_FROM_TYPES, "type:tpm-tis", "type:tpm-tis-device") },
    { "tpm", "model", "tpm-crb", ANY_BEFORE(TPM_FROM_TYPES, "tpm-model:tpm-crb") },
    { "tpm", "model", "tpm-crb", ANY_FROM(TPM_FROM_TYPES, "type:tpm-crb") },
    { "tpm", "model", "tpm-spapr", ANY_BEFORE(TPM_FROM_TYPES, "type:tpm-spapr", "tpm-model:tpm-spapr") },
    { "tpm", "model", "tpm-spapr", ANY_FROM(TPM_FROM_TYPES, "type:tpm-spapr") },
    { "tpm", "model", "spapr-tpm-proxy", ANY("type:spapr-tpm-proxy") },
    { "tpm", "backendModel", "passthrough", ANY_BEFORE(TPM_FROM_TYPES, "tpm-type:passthrough") },
    { "tpm", "backendModel", "passthrough", ANY_FROM(TPM_FROM_TYPES, "type:tpm-passthrough") },
    { "tpm", "backendModel", "emulator", ANY_RULE_BEFORE(TPM_FROM_TYPES, rule_swtpm, "tpm-type:emulator") },
    { "tpm", "backendModel", "emulator", ANY_RULE_FROM(TPM_FROM_TYPES, rule_swtpm, "type:tpm-emulator") },
    { "tpm", "backendModel", "external", ANY_RULE_BEFORE(TPM_FROM_TYPES, rule_swtpm, "tpm-type:emulator") },
    { "tpm", "backendModel", "external", ANY_RULE_FROM(TPM_FROM_TYPES, rule_swtpm, "type:tpm-emulator") },
    /* swtpm's own answer, whether or not QEMU has the emulator back end. */
    { "tpm", "backendVersion", "1.2", RULE(rule_swtpm_1_2) },
    { "tpm", "backendVersion", "2.0", RULE(rule_swtpm_2_0) },

    { "redirdev", "bus", "usb", ANY("type:usb-redir") },

    { "channel", "type", "pty", ALWAYS },
    { "channel", "type", "unix", ALWAYS },
    { "channel", "type", "spicevmc", ANY("option:spice") },

    { "crypto", "model", "virtio", ANY("type:virtio-crypto-pci", "type:virtio-crypto-device") },
    { "crypto", "type", "qemu", ALWAYS },
    { "crypto", "backendModel", "builtin", ALWAYS },
    { "crypto", "backendModel", "lkcf", ANY("type:cryptodev-backend-lkcf") },

    { "interface", "backendType", "default", ANY("schema:netdev_add/arg-type/+user") },
    { "interface", "backendType", "passt", ANY("schema:netdev_add/arg-type/+stream") },

    { "panic", "model", "isa", ANY("type:pvpanic") },
    { "panic", "model", "pseries", RULE(rule_pseries) },
    { "panic", "model", "hyperv", RULE(rule_x86) },
    { "panic", "model", "s390", RULE(rule_s390) },
    { "panic", "model", "pvpanic", ANY("type:pvpanic-pci") },

    /* character device back ends a console can use */
    { "console", "type", "null", ALWAYS },
    { "console", "type", "vc", ALWAYS },
    { "console", "type", "pty", ALWAYS },
    { "console", "type", "dev", ALWAYS },
    { "console", "type", "file", ALWAYS },
    { "console", "type", "pipe", ALWAYS },
    { "console", "type", "stdio", ALWAYS },
    { "console", "type", "udp", ALWAYS },
    { "console", "type", "tcp", ALWAYS },
    { "console", "type", "unix", ALWAYS },
    { "console", "type", "spicevmc", ANY("option:spice") },
    { "console", "type", "spiceport", ANY("option:spice") },
    { "console", "type", "qemu-vdagent", ANY("schema:chardev-add/arg-type/backend/+qemu-vdagent") },
    { "console", "type", "dbus", ALWAYS },

    /* <memoryBacking><enum name='sourceType'> */
    { "memoryBacking", "sourceType", "file", ALWAYS },
    { "memoryBacking", "sourceType", "anonymous", ALWAYS },
    { "memoryBacking", "sourceType", "memfd", ANY("type:memory-backend-memfd") },
};
const gsize dc_device_enum_rows_len = G_N_ELEMENTS(dc_device_enum_rows);

const DcSupportRow dc_support_rows[] = {
    { "iothreads", ANY_BEFORE(IOTHREADS_ALWAYS, "type:iothread") },
    { "iothreads", ALWAYS_FROM(IOTHREADS_ALWAYS) },
    { "devices/redirdev", ANY("type:usb-redir") },
    { "features/vmcoreinfo", ANY("type:vmcoreinfo") },
    { "features/genid", ANY("type:vmgenid") },
    { "features/backingStoreInput", ALWAYS },
    /* 9.0: QEMU_CAPS_INCREMENTAL_BACKUP, blockdev-reopen and bitmap
     * mapping on migration; later releases need no more than their QEMU. */
    { "features/backup",
      { LIST("schema:blockdev-reopen"),
        LIST("schema:migrate-set-parameters/arg-type/block-bitmap-mapping/bitmaps/transform"), NULL, NULL,
        DC_BEHAVIOUR_NONE, DC_BEHAVIOUR_BACKUP_ALWAYS } },
    { "features/backup", ALWAYS_FROM(BACKUP_ALWAYS) },
    { "features/async-teardown", ANY("option:run-with.async-teardown") },
    /* and a firmware descriptor with host-uefi-vars (caps/os.c) */
    { "os/varstore", ANY("type:uefi-vars-x64", "type:uefi-vars-sysbus") },
};
const gsize dc_support_rows_len = G_N_ELEMENTS(dc_support_rows);

/* Read by the sections with rules of their own. */
const char *const dc_section_facts[] = {
    /* cpu.c: canonical CPU feature names decide how the host CPU is read;
     * host-passthrough is migratable with either max CPU's property */
    "object-prop:max-x86_64-cpu.unavailable-features",
    "object-prop:max-x86_64-cpu.migratable",
    "object-prop:max-arm-cpu.migratable",
    /* features.c: s390-pv and launchSecurity; ps2; SEV; SGX */
    "object-prop:none-machine.confidential-guest-support",
    "object-prop:generic-pc-machine.i8042",
    "type:s390-pv-guest",
    "type:sev-guest",
    "type:sev-snp-guest",
    "type:sgx-epc",
    "type:tdx-guest",
    /* analyze/cpu-api.c: QEMU expands (and so baselines and compares) s390 CPUs */
    "schema:query-cpu-model-expansion",
    NULL,
};

gboolean dc_enum_omit_empty(const char *element, const char *enum_name)
{
    return strcmp(element, "tpm") == 0 && strcmp(enum_name, "backendVersion") == 0;
}

static gboolean any_holds(const char *const *keys, const DcFacts *facts)
{
    for (const char *const *k = keys; *k; k++)
        if (dc_facts_has(facts, *k))
            return TRUE;
    return FALSE;
}

/* Whether @release is in the condition's window. */
static gboolean cond_in_release(const DcCond *cond, guint release)
{
    return dc_release_behaves(release, cond->from) &&
           (cond->before == DC_BEHAVIOUR_NONE || !dc_release_behaves(release, cond->before));
}

gboolean dc_cond_holds(const DcCond *cond, const DcCapsCtx *ctx)
{
    return cond_in_release(cond, ctx->query->release) && (!cond->any || any_holds(cond->any, ctx->facts)) &&
           (!cond->and_any || any_holds(cond->and_any, ctx->facts)) && (!cond->rule || cond->rule(ctx));
}

const DcCond *dc_support_cond(const char *path, guint release)
{
    for (gsize i = 0; i < G_N_ELEMENTS(dc_support_rows); i++)
        if (strcmp(dc_support_rows[i].path, path) == 0 && cond_in_release(&dc_support_rows[i].cond, release))
            return &dc_support_rows[i].cond;
    return NULL;
}

gboolean dc_support_holds(const char *path, const DcCapsCtx *ctx)
{
    const DcCond *cond = dc_support_cond(path, ctx->query->release);
    g_return_val_if_fail(cond != NULL, FALSE);
    return dc_cond_holds(cond, ctx);
}

static void add_keys(GPtrArray *out, GHashTable *seen, const char *const *keys)
{
    for (const char *const *k = keys; k && *k; k++)
        if (g_hash_table_add(seen, (gpointer)*k))
            g_ptr_array_add(out, (gpointer)*k);
}

static gpointer build_questions(gpointer data)
{
    (void)data;
    GPtrArray *out = g_ptr_array_new();
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (gsize i = 0; i < G_N_ELEMENTS(dc_device_enum_rows); i++) {
        add_keys(out, seen, dc_device_enum_rows[i].cond.any);
        add_keys(out, seen, dc_device_enum_rows[i].cond.and_any);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(dc_support_rows); i++) {
        add_keys(out, seen, dc_support_rows[i].cond.any);
        add_keys(out, seen, dc_support_rows[i].cond.and_any);
    }
    add_keys(out, seen, dc_section_facts);
    g_ptr_array_add(out, NULL);
    return g_ptr_array_free(out, FALSE);  /* kept for the process */
}

const char *const *dc_caps_questions(void)
{
    static GOnce once = G_ONCE_INIT;
    return g_once(&once, build_questions, NULL);
}
