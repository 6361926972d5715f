/* Firmware: libvirt 9.0's validation of <os firmware> and <loader>, and
 * its autoselection at start (qemu_firmware.c): the first descriptor, by
 * file name, whose interface, machine, <firmware><feature>s, secure loader,
 * S3/S4 and SEV needs match; then the SMM it requires. */
#include "analyze/rules.h"
#include "analyze/rules-firmware.h"
#include "host/firmware.h"
#include "host/kvm-guest.h"
#include <string.h>
#include <sys/stat.h>

/* <firmware><feature name=N enabled=yes|no>, as libvirt's tristate. */
static DcSwitch fw_feature(const DcNode *domain, const char *name)
{
    const DcNode *fw = dc_dom_find(domain, "os/firmware");
    for (guint i = 0; fw && i < fw->children.len; i++) {
        const DcNode *f = fw->children.pdata[i];
        if (strcmp(f->name, "feature") == 0 && g_strcmp0(dc_node_get_attr(f, "name"), name) == 0)
            return dc_switch_of(dc_node_get_attr(f, "enabled"));
    }
    return DC_SWITCH_ABSENT;
}

void dc_fw_request_read(const DcNode *domain, DcFwRequest *rq)
{
    memset(rq, 0, sizeof(*rq));
    rq->firmware = dc_dom_attr(domain, "os", "firmware");
    rq->loader = dc_dom_find(domain, "os/loader");
    if (rq->loader) {
        rq->path = rq->loader->text ? g_strstrip(g_strdup(rq->loader->text)) : NULL;
        rq->type = dc_node_get_attr(rq->loader, "type");
        rq->readonly = dc_switch_of(dc_node_get_attr(rq->loader, "readonly"));
        rq->secure = dc_switch_of(dc_node_get_attr(rq->loader, "secure"));
    }
    const DcNode *nvram = dc_dom_find(domain, "os/nvram");
    rq->nvram = nvram != NULL;
    rq->nvram_template = nvram ? dc_node_get_attr(nvram, "template") : NULL;
    rq->nvram_path = nvram && nvram->text ? g_strstrip(g_strdup(nvram->text)) : NULL;
    rq->secure_boot = fw_feature(domain, "secure-boot");
    rq->enrolled_keys = fw_feature(domain, "enrolled-keys");
    rq->s3 = dc_switch_of(dc_dom_attr(domain, "pm/suspend-to-mem", "enabled"));
    rq->s4 = dc_switch_of(dc_dom_attr(domain, "pm/suspend-to-disk", "enabled"));
    rq->sev = g_strcmp0(dc_dom_attr(domain, "launchSecurity", "type"), "sev") == 0;
    rq->smm = dc_dom_feature(domain, "smm");
}

void dc_fw_request_clear(DcFwRequest *rq)
{
    g_free(rq->path);
    g_free(rq->nvram_path);
}

/* libvirt's "old-style UEFI": a pflash loader given by path. */
static gboolean old_style_uefi(const DcFwRequest *rq)
{
    return rq->loader && g_strcmp0(rq->type, "pflash") == 0;
}

typedef struct {
    const char *attr;       /* what the definition may not say with autoselection */
    gboolean (*said)(const DcFwRequest *rq);
} AutoselectConflict;

static gboolean said_readonly(const DcFwRequest *rq) { return rq->readonly != DC_SWITCH_ABSENT; }
static gboolean said_type(const DcFwRequest *rq) { return rq->type != NULL; }
static gboolean said_path(const DcFwRequest *rq) { return rq->path && *rq->path; }
static gboolean said_template(const DcFwRequest *rq) { return rq->nvram_template != NULL; }
static gboolean said_secure_no(const DcFwRequest *rq) { return rq->secure == DC_SWITCH_OFF; }

static const AutoselectConflict autoselect_conflicts[] = {
    { "readonly", said_readonly },
    { "type", said_type },
    { "text()", said_path },
    { "template", said_template },
    { "secure", said_secure_no },
};

static const char *const firmware_values[] = { "bios", "efi", NULL };

/* virDomainDefOSValidate(): what <os> may say with and without autoselection. */
static void validate_os(DcCheckCtx *ctx, const DcFwRequest *rq)
{
    const DcNode *os = dc_dom_find(ctx->domain, "os");
    if (rq->firmware && !g_strv_contains(firmware_values, rq->firmware)) {
        dc_check_report(ctx, os, "/domain/os/@firmware", rq->firmware, firmware_values, TRUE,
                        "'%s' is not a firmware type libvirt knows", rq->firmware);
        return;
    }
    if (rq->secure_boot == DC_SWITCH_OFF && rq->enrolled_keys == DC_SWITCH_ON)
        dc_check_report(ctx, os, "/domain/os/firmware/feature[@name='enrolled-keys']", "yes",
                        (const char *const[]){ "secure-boot enabled", "enrolled-keys disabled", NULL }, FALSE,
                        "enrolled keys asked with secure boot disabled: keys are only enrolled for secure boot");
    if (!rq->firmware) {
        if (dc_dom_find(ctx->domain, "os/firmware"))
            dc_check_report(ctx, os, "/domain/os/firmware", "feature",
                            (const char *const[]){ "<os firmware='efi'>", NULL }, FALSE,
                            "firmware features select firmware, but autoselection is off");
        else if (rq->loader && !said_path(rq))
            dc_check_report(ctx, rq->loader, "/domain/os/loader", "", (const char *const[]){
                            "a loader path", "<os firmware='efi'>", NULL }, FALSE,
                            "no loader path and no firmware autoselection");
        return;
    }
    for (gsize i = 0; rq->loader && i < G_N_ELEMENTS(autoselect_conflicts); i++) {
        if (!autoselect_conflicts[i].said(rq))
            continue;
        const char *a = autoselect_conflicts[i].attr;
        g_autofree char *loc = strcmp(a, "text()") == 0 ? g_strdup("/domain/os/loader")
                               : strcmp(a, "template") == 0 ? g_strdup("/domain/os/nvram/@template")
                               : g_strdup_printf("/domain/os/loader/@%s", a);
        dc_check_report(ctx, rq->loader, loc, a, (const char *const[]){ "leaving it out",
                        "a loader path without <os firmware>", NULL }, FALSE,
                        "firmware autoselection (<os firmware='%s'>) picks the loader, so it may not be given",
                        rq->firmware);
    }
    if (rq->nvram && strcmp(rq->firmware, "efi") != 0)
        dc_check_report(ctx, os, "/domain/os/nvram", rq->firmware, (const char *const[]){ "firmware='efi'",
                        NULL }, FALSE, "firmware '%s' has no NVRAM", rq->firmware);
}

/* UEFI needs ACPI on x86; ACPI needs UEFI on aarch64 (qemuValidateDomainDef). */
static void validate_acpi(DcCheckCtx *ctx, const DcFwRequest *rq)
{
    gboolean uefi = g_strcmp0(rq->firmware, "efi") == 0 || old_style_uefi(rq);
    DcSwitch acpi = dc_dom_feature(ctx->domain, "acpi");
    const DcNode *os = dc_dom_find(ctx->domain, "os");
    if (uefi && dc_ctx_is_x86(ctx) && acpi != DC_SWITCH_ON)
        dc_check_report(ctx, os, "/domain/features/acpi", acpi == DC_SWITCH_OFF ? "off" : "absent",
                        (const char *const[]){ "<features><acpi/></features>", NULL }, FALSE,
                        "UEFI firmware on x86 needs ACPI");
    if (!uefi && g_strcmp0(ctx->arch, "aarch64") == 0 && acpi == DC_SWITCH_ON)
        dc_check_report(ctx, os, "/domain/features/acpi", "on", (const char *const[]){
                        "<os firmware='efi'>", "no <acpi/>", NULL }, FALSE, "ACPI on aarch64 needs UEFI firmware");
}

/* Secure boot through the loader (qemuValidateDomainDefBoot). */
static void validate_secure(DcCheckCtx *ctx, const DcFwRequest *rq)
{
    if (rq->secure != DC_SWITCH_ON)
        return;
    const char *loc = "/domain/os/loader/@secure";
    if (!dc_ctx_is_q35(ctx))
        dc_check_report(ctx, rq->loader, loc, "yes", (const char *const[]){ "machine q35", NULL }, FALSE,
                        "secure boot (SMM-protected flash) needs a q35 machine, not %s", ctx->machine);
    else if (g_strcmp0(ctx->arch, "x86_64") != 0)
        dc_check_report(ctx, rq->loader, loc, "yes", (const char *const[]){ "arch x86_64", NULL }, FALSE,
                        "secure boot is built for x86_64 only, not %s", ctx->arch);
    else if (!rq->firmware && rq->smm != DC_SWITCH_ON)
        dc_check_report(ctx, rq->loader, loc, "yes", (const char *const[]){ "<smm state='on'/>", NULL }, FALSE,
                        "a secure loader needs SMM, which the domain does not turn on");
}

void dc_rule_firmware(DcCheckCtx *ctx)
{
    g_auto(DcFwRequest) rq;
    dc_fw_request_read(ctx->domain, &rq);
    validate_os(ctx, &rq);
    validate_acpi(ctx, &rq);
    validate_secure(ctx, &rq);
    dc_fw_autoselect(ctx, &rq);
}

/* ---- the loader image ---- */

/* What QEMU requires of an image: x86 ROM images come in 64 KiB units,
 * flash in 4 KiB sectors. */
static const struct {
    const char *type;
    goffset unit;
    const char *what;
} image_units[] = {
    { "rom", 64 * 1024, "a BIOS ROM is loaded in 64 KiB units" },
    { "pflash", 4 * 1024, "flash is made of 4 KiB sectors" },
};

/* The x86 machines map their flash below 4 GiB in 8 MiB. */
#define X86_FLASH_MAX (8 * 1024 * 1024)

/* The size of the variable store libvirt copies from the template. */
static goffset vars_size(const DcCheckCtx *ctx, const DcFwRequest *rq)
{
    if (!rq->nvram_template)
        return 0;
    g_autofree char *real = dc_host_path(ctx->host, rq->nvram_template);
    struct stat st;
    return stat(real, &st) == 0 ? st.st_size : 0;
}

void dc_rule_loader(DcCheckCtx *ctx)
{
    g_auto(DcFwRequest) rq;
    dc_fw_request_read(ctx->domain, &rq);
    if (rq.firmware || !rq.path || !*rq.path || !ctx->host)
        return;
    g_autofree char *real = dc_host_path(ctx->host, rq.path);
    struct stat st;
    if (stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
        dc_check_report(ctx, rq.loader, "/domain/os/loader", rq.path, (const char *const[]){
                        "an existing firmware image", NULL }, FALSE, "'%s' is not a file on this host", rq.path);
        return;
    }
    /* a fixture tree stands empty files in for firmware images */
    if (st.st_size == 0 && strcmp(ctx->host->root, "/") != 0)
        return;
    const char *type = rq.type ? rq.type : "rom";
    for (gsize i = 0; i < G_N_ELEMENTS(image_units); i++) {
        if (strcmp(type, image_units[i].type) != 0 || !dc_ctx_is_x86(ctx))
            continue;
        if (st.st_size == 0 || st.st_size % image_units[i].unit != 0)
            dc_check_report(ctx, rq.loader, "/domain/os/loader", rq.path, (const char *const[]){
                            strcmp(type, "rom") == 0 ? "type='pflash'" : "another image", NULL }, FALSE,
                            "QEMU cannot load '%s' as %s: %s, and it has %" G_GINT64_FORMAT " bytes", rq.path,
                            type, image_units[i].what, (gint64)st.st_size);
    }
    if (strcmp(type, "pflash") == 0 && dc_ctx_is_x86(ctx) && st.st_size + vars_size(ctx, &rq) > X86_FLASH_MAX)
        dc_check_report(ctx, rq.loader, "/domain/os/loader", rq.path, (const char *const[]){ "an x86 firmware "
                        "image (OVMF)", NULL }, FALSE, "x86 flash holds 8 MiB of firmware and variables, and '%s' "
                        "with its variables is larger", rq.path);
}
