/* Firmware autoselection at start (libvirt 9.0's qemuFirmwareFillDomain and
 * qemuFirmwareMatchDomain): the descriptors in file-name order, the first
 * that matches wins; then the SMM the chosen firmware requires, which KVM
 * may not have. */
#include "analyze/rules-firmware.h"
#include "host/firmware.h"
#include "format/releases.h"
#include "host/kvm-guest.h"
#include <string.h>

static guint wanted_interface(const DcFwRequest *rq)
{
    if (rq->firmware)
        return strcmp(rq->firmware, "efi") == 0 ? DC_FW_IFACE_UEFI : DC_FW_IFACE_BIOS;
    if (g_strcmp0(rq->type, "pflash") == 0)
        return DC_FW_IFACE_UEFI;
    return g_strcmp0(rq->type, "rom") == 0 ? DC_FW_IFACE_BIOS : 0;
}

/* A switch the domain sets against a feature the firmware has. */
static gboolean switch_refuses(DcSwitch asked, gboolean has)
{
    return (asked == DC_SWITCH_ON && !has) || (asked == DC_SWITCH_OFF && has);
}

static gboolean desc_matches(const DcFwRequest *rq, const DcFirmwareDesc *d, const char *arch, const char *machine)
{
    if (!rq->firmware && (d->device != DC_FW_DEVICE_FLASH || g_strcmp0(rq->path, d->executable.filename) != 0))
        return FALSE;
    if (!(d->interfaces & wanted_interface(rq)) || !dc_firmware_desc_matches(d, arch, machine))
        return FALSE;
    guint f = d->features;
    if ((rq->s3 == DC_SWITCH_ON && !(f & DC_FW_FEATURE_ACPI_S3)) ||
        (rq->s4 == DC_SWITCH_ON && !(f & DC_FW_FEATURE_ACPI_S4)))
        return FALSE;
    if (switch_refuses(rq->secure_boot, f & DC_FW_FEATURE_SECURE_BOOT) ||
        switch_refuses(rq->enrolled_keys, f & DC_FW_FEATURE_ENROLLED_KEYS))
        return FALSE;
    if (rq->secure == DC_SWITCH_ON && !(f & DC_FW_FEATURE_REQUIRES_SMM))
        return FALSE;
    if (d->device == DC_FW_DEVICE_FLASH && d->mode != DC_FW_FLASH_SPLIT)
        return FALSE;
    return !rq->sev || (f & DC_FW_FEATURE_AMD_SEV);
}

/* libvirt's "old-style read-only UEFI": a read-only pflash image by path. */
static gboolean old_style_ro(const DcFwRequest *rq)
{
    return rq->loader && g_strcmp0(rq->type, "pflash") == 0 && rq->readonly == DC_SWITCH_ON;
}

/* Does libvirt select firmware for this domain at all, and must it find some? */
static gboolean needs_selection(const DcCheckCtx *ctx, const DcFwRequest *rq, gboolean *must_find)
{
    *must_find = rq->firmware != NULL;
    if (rq->firmware)
        return TRUE;
    /* a read-only pflash image by path, without a template or a varstore
     * that exists: libvirt looks for the template, and falls back quietly */
    if (!old_style_ro(rq) || rq->nvram_template)
        return FALSE;
    return !rq->nvram_path || !dc_ctx_host_has(ctx, rq->nvram_path);
}

/* What the descriptors for this arch offer, for the "would fit" list. */
static GPtrArray *offers(GPtrArray *descs, const DcFwRequest *rq, const char *arch)
{
    GPtrArray *fits = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < descs->len; i++) {
        const DcFirmwareFound *f = descs->pdata[i];
        const DcFirmwareTarget *t = NULL;
        for (guint k = 0; f->desc->targets && k < f->desc->targets->len && !t; k++)
            if (g_strcmp0(((DcFirmwareTarget *)f->desc->targets->pdata[k])->arch, arch) == 0)
                t = f->desc->targets->pdata[k];
        if (!t || !(f->desc->interfaces & wanted_interface(rq)))
            continue;
        guint feats = f->desc->features;
        g_autoptr(GString) machines = g_string_new(NULL);
        for (guint k = 0; k < t->machines->len; k++)
            g_string_append_printf(machines, "%s%s", k ? "|" : "", (const char *)t->machines->pdata[k]);
        g_ptr_array_add(fits, g_strdup_printf("machine %s with secure-boot %s, enrolled-keys %s%s",
                                              machines->len ? machines->str : "any",
                                              feats & DC_FW_FEATURE_SECURE_BOOT ? "on" : "off",
                                              feats & DC_FW_FEATURE_ENROLLED_KEYS ? "on" : "off",
                                              feats & DC_FW_FEATURE_REQUIRES_SMM ? " (needs SMM)" : ""));
    }
    g_ptr_array_add(fits, NULL);
    return fits;
}

/* The SMM the domain ends up with: KVM must have it. */
static void check_smm(DcCheckCtx *ctx, const DcNode *where, const char *loc, const char *why)
{
    if (!ctx->host || !dc_ctx_is_kvm(ctx) || !dc_ctx_is_x86(ctx))
        return;
    DcKvmGuest kvm;
    dc_kvm_guest_caps(ctx->host, &kvm);
    if (kvm.known && !kvm.smm)
        dc_check_report(ctx, where, loc, "smm", (const char *const[]){ "type='qemu' (TCG emulates SMM)",
                        "firmware that does not require SMM (secure-boot disabled)", NULL }, FALSE,
                        "%s, and KVM on this host has no System Management Mode (KVM_CAP_X86_SMM)", why);
}

/* The release whose way of reading descriptors the check follows: the
 * query's pinned format, else libvirt 9.0, whose verdicts check gives. */
static guint reading_release(const DcCheckCtx *ctx)
{
    guint release = ctx->opts && ctx->opts->schema ? dc_release_parse(ctx->opts->schema, NULL) : 0;
    return release ? release : DC_RELEASE_9_0;
}

void dc_fw_autoselect(DcCheckCtx *ctx, const DcFwRequest *rq)
{
    const DcNode *os = dc_dom_find(ctx->domain, "os");
    gboolean must_find = FALSE;
    const DcFirmwareFound *chosen = NULL;
    if (ctx->host && needs_selection(ctx, rq, &must_find) && ctx->arch && ctx->machine) {
        g_autoptr(GPtrArray) descs = dc_firmware_descriptors(ctx->host, reading_release(ctx));
        for (guint i = 0; !chosen && i < descs->len; i++)
            if (desc_matches(rq, ((DcFirmwareFound *)descs->pdata[i])->desc, ctx->arch, ctx->machine))
                chosen = descs->pdata[i];
        if (!chosen && must_find) {
            g_autoptr(GPtrArray) fits = offers(descs, rq, ctx->arch);
            dc_check_report(ctx, os, "/domain/os/@firmware", rq->firmware, (const char *const *)fits->pdata, FALSE,
                            "no firmware descriptor here satisfies '%s' with these features on %s %s",
                            rq->firmware, ctx->arch, ctx->machine);
            return;
        }
        if (chosen && (chosen->desc->features & DC_FW_FEATURE_REQUIRES_SMM)) {
            if (rq->smm == DC_SWITCH_OFF) {
                dc_check_report(ctx, os, "/domain/features/smm", "off", (const char *const[]){
                                "<smm state='on'/>", "<feature enabled='no' name='secure-boot'/>", NULL }, FALSE,
                                "the firmware chosen (%s) requires SMM, which the domain turns off", chosen->path);
                return;
            }
            if (rq->smm != DC_SWITCH_ON) {
                g_autofree char *why = g_strdup_printf("the firmware chosen (%s) requires SMM", chosen->path);
                check_smm(ctx, os, "/domain/os/@firmware", why);
                return;
            }
        }
    }
    if (rq->smm == DC_SWITCH_ON)
        check_smm(ctx, dc_dom_find(ctx->domain, "features/smm"), "/domain/features/smm", "the domain turns SMM on");
}
