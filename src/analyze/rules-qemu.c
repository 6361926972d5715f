/* Devices libvirt hands to QEMU by name: QEMU must have the device type
 * (qom-list-types, in the probe's facts), or libvirt itself knows the
 * model only for some machines. One table: element, attribute value, the
 * QEMU type it becomes. */
#include "analyze/rules.h"
#include "probe/facts.h"
#include <string.h>

typedef struct {
    const char *element;     /* child of <devices> */
    const char *match_attr;  /* attribute that must be present with match_value to apply (NULL: any) */
    const char *match_value;
    const char *attr;        /* the model attribute ("model/@type" for a <model> child) */
    const char *value;       /* its value; NULL: the value itself is the QEMU type */
    const char *qemu_type;
} DeviceType;

static const DeviceType device_types[] = {
    { "interface", NULL, NULL, "model/@type", "virtio", "virtio-net-pci" },
    { "interface", NULL, NULL, "model/@type", NULL, NULL },  /* others: QEMU's own name */
    { "watchdog", NULL, NULL, "@model", "i6300esb", "i6300esb" },
    { "watchdog", NULL, NULL, "@model", "ib700", "ib700" },
    { "watchdog", NULL, NULL, "@model", "diag288", "diag288" },
    { "panic", NULL, NULL, "@model", "isa", "pvpanic" },
    { "controller", "type", "scsi", "@model", "ibmvscsi", "spapr-vscsi" },
    { "controller", "type", "scsi", "@model", "lsilogic", "lsi53c895a" },
    { "controller", "type", "scsi", "@model", "virtio-scsi", "virtio-scsi-pci" },
    { "sound", NULL, NULL, "@model", "ich6", "intel-hda" },
    { "sound", NULL, NULL, "@model", "ich9", "ich9-intel-hda" },
    { "sound", NULL, NULL, "@model", "ac97", "AC97" },
    { "sound", NULL, NULL, "@model", "es1370", "ES1370" },
    { "sound", NULL, NULL, "@model", "sb16", "sb16" },
    { "sound", NULL, NULL, "@model", "usb", "usb-audio" },
};

/* Values libvirt 9.0 accepts at all (its XML enums); others fail to define. */
static const struct {
    const char *element, *type, *attr;   /* type: the element's @type must be this (NULL: any) */
    const char *const values[16];
} known_values[] = {
    { "watchdog", NULL, "@model", { "i6300esb", "ib700", "diag288", NULL } },
    { "iommu", NULL, "@model", { "intel", "smmuv3", "virtio", NULL } },
    { "controller", "scsi", "@model", { "auto", "buslogic", "lsilogic", "lsisas1068", "vmpvscsi", "ibmvscsi",
                                     "virtio-scsi", "lsisas1078", "virtio-transitional", "virtio-non-transitional",
                                     "ncr53c90", "am53c974", "dc390", NULL } },
};

static const char *dev_value(const DcNode *dev, const char *spec)
{
    const char *slash = strchr(spec, '/');
    if (!slash)
        return dc_node_get_attr(dev, spec + 1);
    g_autofree char *child = g_strndup(spec, slash - spec);
    return dc_dom_attr(dev, child, slash + 2);
}

static void check_known(DcCheckCtx *ctx, const DcNode *dev)
{
    for (gsize i = 0; i < G_N_ELEMENTS(known_values); i++) {
        if (strcmp(dev->name, known_values[i].element) != 0 ||
            (known_values[i].type && g_strcmp0(dc_node_get_attr(dev, "type"), known_values[i].type) != 0))
            continue;
        const char *v = dev_value(dev, known_values[i].attr);
        if (!v || g_strv_contains(known_values[i].values, v))
            continue;
        g_autofree char *loc = g_strdup_printf("/domain/devices/%s/%s", dev->name, known_values[i].attr);
        dc_check_report(ctx, dev, loc, v, known_values[i].values, TRUE, "'%s' is not a %s model libvirt knows",
                        v, dev->name);
    }
}

static void check_type(DcCheckCtx *ctx, const DcNode *dev)
{
    for (gsize i = 0; i < G_N_ELEMENTS(device_types); i++) {
        const DeviceType *t = &device_types[i];
        if (strcmp(dev->name, t->element) != 0 ||
            (t->match_attr && g_strcmp0(dc_node_get_attr(dev, t->match_attr), t->match_value) != 0))
            continue;
        const char *v = dev_value(dev, t->attr);
        if (!v || (t->value && strcmp(v, t->value) != 0))
            continue;
        const char *qtype = t->qemu_type ? t->qemu_type : v;
        g_autofree char *key = g_strconcat("type:", qtype, NULL);
        if (!dc_facts_has(ctx->facts, key)) {
            g_autofree char *loc = g_strdup_printf("/domain/devices/%s/%s", dev->name, t->attr);
            dc_check_report(ctx, dev, loc, v, (const char *const[]){ "a model this emulator has", NULL }, FALSE,
                            "'%s' becomes QEMU's '%s' device, which %s does not have", v, qtype,
                            dc_facts_emulator(ctx->facts));
        }
        return; /* the first row that applies decides */
    }
}

/* A 3D virtio GPU needs QEMU's GL device (a module some installs lack). */
static void check_video_gl(DcCheckCtx *ctx, const DcNode *video)
{
    if (g_strcmp0(dc_dom_attr(video, "model", "type"), "virtio") != 0 ||
        dc_switch_of(dc_dom_attr(video, "model/acceleration", "accel3d")) != DC_SWITCH_ON)
        return;
    if (!dc_facts_has(ctx->facts, "type:virtio-gpu-gl-device"))
        dc_check_report(ctx, video, "/domain/devices/video/model/acceleration/@accel3d", "yes",
                        (const char *const[]){ "accel3d='no'", NULL }, FALSE,
                        "a 3D virtio GPU needs QEMU's 'virtio-gpu-gl-device', which %s does not have",
                        dc_facts_emulator(ctx->facts));
}

void dc_rule_qemu_devices(DcCheckCtx *ctx)
{
    const DcNode *devices = dc_dom_find(ctx->domain, "devices");
    for (guint i = 0; devices && i < devices->children.len; i++) {
        const DcNode *dev = devices->children.pdata[i];
        check_known(ctx, dev);
        if (!ctx->facts)
            continue;
        check_type(ctx, dev);
        if (strcmp(dev->name, "video") == 0)
            check_video_gl(ctx, dev);
    }
}
