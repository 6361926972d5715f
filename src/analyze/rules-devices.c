/* Devices libvirt 9.0 validates beyond the document's enums
 * (qemu_validate.c): the IOMMU per machine, the TPM model per version,
 * virtiofs and shared memory, and OpenGL displays that need a render node
 * of the host at start. */
#include "analyze/rules.h"
#include <string.h>

/* Each IOMMU model and the machines it exists on. */
static const struct {
    const char *model;
    gboolean q35, arm_virt;
    const char *machines;   /* for the message */
} iommu_machines[] = {
    { "intel", TRUE, FALSE, "q35" },
    { "smmuv3", FALSE, TRUE, "ARM virt" },
    { "virtio", TRUE, TRUE, "q35 and ARM virt" },
};

void dc_rule_iommu(DcCheckCtx *ctx)
{
    const DcNode *iommu = dc_dom_find(ctx->domain, "devices/iommu");
    if (!iommu)
        return;
    const char *model = dc_node_get_attr(iommu, "model");
    const char *loc = "/domain/devices/iommu/@model";
    for (gsize i = 0; model && i < G_N_ELEMENTS(iommu_machines); i++) {
        if (strcmp(model, iommu_machines[i].model) != 0)
            continue;
        if ((iommu_machines[i].q35 && dc_ctx_is_q35(ctx)) || (iommu_machines[i].arm_virt && dc_ctx_is_arm_virt(ctx)))
            break;
        dc_check_report(ctx, iommu, loc, model, (const char *const[]){ iommu_machines[i].machines, NULL }, FALSE,
                        "the '%s' IOMMU exists on %s machines only, not %s", model, iommu_machines[i].machines,
                        ctx->machine);
        return;
    }
    if (g_strcmp0(model, "virtio") == 0 && dc_dom_feature(ctx->domain, "acpi") != DC_SWITCH_ON)
        dc_check_report(ctx, iommu, loc, model, (const char *const[]){ "<features><acpi/></features>", NULL },
                        FALSE, "the virtio IOMMU is described to the guest by ACPI, which is off");
    const char *intremap = dc_dom_attr(iommu, "driver", "intremap");
    if (dc_switch_of(dc_dom_attr(iommu, "driver", "eim")) == DC_SWITCH_ON && dc_switch_of(intremap) != DC_SWITCH_ON)
        dc_check_report(ctx, iommu, "/domain/devices/iommu/driver/@eim", "on", (const char *const[]){
                        "intremap='on'", NULL }, FALSE, "extended interrupt mode needs interrupt remapping");
}

/* More than 255 vCPUs on x86: q35 with an IOMMU in extended interrupt mode. */
void dc_rule_vcpus(DcCheckCtx *ctx)
{
    const DcNode *vcpu = dc_dom_find(ctx->domain, "vcpu");
    g_autofree char *text = dc_dom_text(ctx->domain, "vcpu");
    if (!vcpu || !text || !g_ascii_isdigit(*text))
        return;
    guint64 n = g_ascii_strtoull(text, NULL, 10);
    if (n == 0) {
        dc_check_report(ctx, vcpu, "/domain/vcpu", text, (const char *const[]){ "1 or more", NULL }, FALSE,
                        "a domain needs at least one vCPU");
        return;
    }
    const char *max = dc_dom_attr(ctx->caps, "vcpu", "max");
    if (!dc_ctx_is_x86(ctx) || n <= 255 || (max && n > g_ascii_strtoull(max, NULL, 10)))
        return; /* the machine's own maximum is reported from the document */
    if (!dc_ctx_is_q35(ctx)) {
        dc_check_report(ctx, vcpu, "/domain/vcpu", text, (const char *const[]){ "255 vCPUs or fewer",
                        "machine q35", NULL }, FALSE, "more than 255 vCPUs need a q35 machine, not %s", ctx->machine);
        return;
    }
    const DcNode *iommu = dc_dom_find(ctx->domain, "devices/iommu");
    if (!iommu || dc_switch_of(dc_dom_attr(iommu, "driver", "eim")) != DC_SWITCH_ON) {
        dc_check_report(ctx, vcpu, "/domain/vcpu", text, (const char *const[]){ "255 vCPUs or fewer",
                        "<iommu model='intel'><driver intremap='on' eim='on'/></iommu>", NULL }, FALSE,
                        "more than 255 vCPUs need an IOMMU in extended interrupt mode (eim='on')");
        return;
    }
    /* QEMU's intel-iommu has EIM only with KVM's split irqchip */
    if (!dc_ctx_is_kvm(ctx))
        dc_check_report(ctx, iommu, "/domain/devices/iommu/driver/@eim", "on", (const char *const[]){
                        "type='kvm'", NULL }, FALSE, "QEMU offers extended interrupt mode only under KVM, not TCG");
    else if (g_strcmp0(dc_dom_attr(ctx->domain, "features/ioapic", "driver"), "qemu") != 0)
        dc_check_report(ctx, iommu, "/domain/devices/iommu/driver/@eim", "on", (const char *const[]){
                        "<features><ioapic driver='qemu'/></features>", NULL }, FALSE,
                        "extended interrupt mode needs the split I/O APIC (ioapic driver='qemu')");
}

/* TPM 1.2 exists as tpm-tis only (libvirt refuses it with CRB, SPAPR, on ARM). */
void dc_rule_tpm(DcCheckCtx *ctx)
{
    const DcNode *tpm = dc_dom_find(ctx->domain, "devices/tpm");
    if (!tpm || g_strcmp0(dc_dom_attr(tpm, "backend", "type"), "emulator") != 0 ||
        g_strcmp0(dc_dom_attr(tpm, "backend", "version"), "1.2") != 0)
        return;
    const char *model = dc_node_get_attr(tpm, "model");
    const char *why = g_strcmp0(model, "tpm-crb") == 0 ? "the CRB interface is TPM 2.0 only"
                      : g_strcmp0(model, "tpm-spapr") == 0 ? "the SPAPR device is TPM 2.0 only"
                      : dc_ctx_is_arm_virt(ctx) ? "ARM has no TPM 1.2" : NULL;
    if (why)
        dc_check_report(ctx, tpm, "/domain/devices/tpm/backend/@version", "1.2", (const char *const[]){
                        "version='2.0'", NULL }, FALSE, "TPM 1.2 with model '%s': %s", model ? model : "default", why);
}

/* virtiofs (vhost-user) needs the guest's memory shared with virtiofsd. */
void dc_rule_filesystems(DcCheckCtx *ctx)
{
    const DcNode *devices = dc_dom_find(ctx->domain, "devices");
    gboolean shared = g_strcmp0(dc_dom_attr(ctx->domain, "memoryBacking/access", "mode"), "shared") == 0;
    const DcNode *numa = dc_dom_find(ctx->domain, "cpu/numa");
    gboolean cells = FALSE, cells_shared = TRUE;
    for (guint i = 0; numa && i < numa->children.len; i++) {
        const DcNode *cell = numa->children.pdata[i];
        if (strcmp(cell->name, "cell") != 0)
            continue;
        cells = TRUE;
        const char *access = dc_node_get_attr(cell, "memAccess");
        if (g_strcmp0(access, "private") == 0 || (!access && !shared))
            cells_shared = FALSE;
    }
    gboolean ok = cells ? cells_shared : shared;
    for (guint i = 0; !ok && devices && i < devices->children.len; i++) {
        const DcNode *fs = devices->children.pdata[i];
        if (strcmp(fs->name, "filesystem") != 0 || g_strcmp0(dc_dom_attr(fs, "driver", "type"), "virtiofs") != 0)
            continue;
        dc_check_report(ctx, fs, "/domain/devices/filesystem/driver/@type", "virtiofs", (const char *const[]){
                        "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>", NULL },
                        FALSE, "virtiofs needs the guest's memory shared with virtiofsd, and it is not");
        return;
    }
}

/* OpenGL displays use a DRM render node of the host, picked at start when
 * the definition names none. */
static gboolean wants_render_node(const DcNode *g, const char **named)
{
    const char *type = dc_node_get_attr(g, "type");
    *named = dc_dom_attr(g, "gl", "rendernode");
    if (g_strcmp0(type, "egl-headless") == 0)
        return TRUE;
    return (g_strcmp0(type, "spice") == 0 || g_strcmp0(type, "dbus") == 0) &&
           dc_switch_of(dc_dom_attr(g, "gl", "enable")) == DC_SWITCH_ON;
}

static gboolean host_has_render_node(const DcHost *host)
{
    g_autofree char *dir = dc_host_path(host, "/dev/dri");
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    for (const char *name; d && (name = g_dir_read_name(d));)
        if (g_str_has_prefix(name, "renderD"))
            return TRUE;
    return FALSE;
}

void dc_rule_graphics(DcCheckCtx *ctx)
{
    const DcNode *devices = dc_dom_find(ctx->domain, "devices");
    if (!devices || !ctx->host)
        return;
    for (guint i = 0; i < devices->children.len; i++) {
        const DcNode *g = devices->children.pdata[i];
        const char *named = NULL;
        if (strcmp(g->name, "graphics") != 0 || !wants_render_node(g, &named))
            continue;
        const char *type = dc_node_get_attr(g, "type");
        if (named && !dc_ctx_host_has(ctx, named))
            dc_check_report(ctx, g, "/domain/devices/graphics/gl/@rendernode", named, (const char *const[]){
                            "a render node under /dev/dri", NULL }, FALSE, "'%s' is not on this host", named);
        else if (!named && !host_has_render_node(ctx->host))
            dc_check_report(ctx, g, "/domain/devices/graphics/@type", type, (const char *const[]){
                            "graphics without OpenGL (vnc, spice without gl)", NULL }, FALSE,
                            "'%s' with OpenGL renders on a DRM render node, and this host has none in /dev/dri",
                            type);
    }
}
