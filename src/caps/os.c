/* <os>: firmware and loader, from the verdicts on the host's firmware
 * descriptors (host/firmware.h); and the explanation of those verdicts
 * that --explain-firmware prints. Both read the same verdicts, so the
 * explanation cannot tell a different story from the document. */
#include "caps/sections.h"
#include "host/firmware.h"
#include "format/releases.h"

static void add_enum(DcNode *parent, const char *name, const char *const *values)
{
    DcNode *e = dc_node_add_enum(parent, name);
    for (; *values; values++)
        dc_node_enum_add_value(e, *values);
}

/* The <value> paths: the loaders that exist. Test-only knob for fixture
 * trees that stand in for libvirt's test suite, which replaces the loader
 * values with fixed paths whatever the descriptors say:
 * <root>/.domcaps/loader-values, one path a line. Never read on "/". */
static GPtrArray *loader_values(const DcHost *host, const DcFirmwareVerdicts *v)
{
    GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *text = NULL;
    if (strcmp(host->root, "/") != 0 &&
        dc_host_read_file(host, DC_HOST_FIXTURE_DIR "/loader-values", &text, NULL, NULL)) {
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++)
            if (**l)
                g_ptr_array_add(values, g_strdup(*l));
        return values;
    }
    for (guint i = 0; i < v->loaders->len; i++) {
        const DcFirmwareLoader *l = v->loaders->pdata[i];
        if (l->exists)
            g_ptr_array_add(values, g_strdup(l->path));
    }
    return values;
}

/* An enum of the values seen among the taken descriptors, yes before no. */
static void add_seen_enum(DcNode *parent, const char *name, guint seen)
{
    DcNode *e = dc_node_add_enum(parent, name);
    if (seen & DC_FW_SEEN_YES)
        dc_node_enum_add_value(e, "yes");
    if (seen & DC_FW_SEEN_NO)
        dc_node_enum_add_value(e, "no");
}

/* <firmwareFeatures>: Secure Boot and enrolled keys, as the descriptors
 * matching the query offer them (empty enums when none matches). */
static void add_firmware_features(DcNode *os, const DcFirmwareVerdicts *v)
{
    DcNode *ff = dc_node_add(os, "firmwareFeatures");
    dc_node_set_supported(ff, TRUE);
    add_seen_enum(ff, "secureBoot", v->secure_boot);
    add_seen_enum(ff, "enrolledKeys", v->enrolled_keys);
}

gboolean dc_caps_add_os(const DcCapsCtx *ctx, DcNode *root, GError **err)
{
    g_autoptr(DcFirmwareVerdicts) v = dc_firmware_verdicts(ctx->host, ctx->query->arch, ctx->query->machine,
                                                           ctx->query->release, err);
    if (!v)
        return FALSE;
    if (v->fatal) {
        g_propagate_error(err, g_error_copy(v->fatal));
        return FALSE;
    }

    /* libvirt's order: bios before efi, rom before pflash, yes before no. */
    DcNode *os = dc_node_add(root, "os");
    dc_node_set_supported(os, TRUE);
    const char *firmware[3] = { NULL };
    gsize n = 0;
    if (v->interfaces & DC_FW_IFACE_BIOS)
        firmware[n++] = "bios";
    if (v->interfaces & DC_FW_IFACE_UEFI)
        firmware[n++] = "efi";
    add_enum(os, "firmware", firmware);
    add_firmware_features(os, v);

    DcNode *loader = dc_node_add(os, "loader");
    dc_node_set_supported(loader, TRUE);
    g_autoptr(GPtrArray) values = loader_values(ctx->host, v);
    for (guint i = 0; i < values->len; i++)
        dc_node_add_text(loader, "value", values->pdata[i]);
    add_enum(loader, "type", (const char *const[]){ "rom", "pflash", NULL });
    add_enum(loader, "readonly", (const char *const[]){ "yes", "no", NULL });
    /* secure='yes' is offered when a taken descriptor requires SMM */
    add_enum(loader, "secure", v->requires_smm ? (const char *const[]){ "yes", "no", NULL }
                                               : (const char *const[]){ "no", NULL });
    /* QEMU keeps the variables (uefi-vars) when a descriptor says it can and
     * the binary has the device (the value table's row). */
    dc_node_set_supported(dc_node_add(os, "varstore"), v->host_uefi_vars && dc_support_holds("os/varstore", ctx));
    return TRUE;
}

/* ---- --explain-firmware ------------------------------------------------- */

/* Why a parsed descriptor was not taken: no target for the arch, or none of
 * its machine patterns for that arch matches. */
static char *describe_mismatch(const DcFirmwareVerdict *v, const char *arch, const char *machine)
{
    g_autoptr(GString) archs = g_string_new(NULL);
    g_autoptr(GString) globs = g_string_new(NULL);
    for (guint i = 0; i < v->desc->targets->len; i++) {
        const DcFirmwareTarget *t = v->desc->targets->pdata[i];
        g_string_append_printf(archs, "%s%s", archs->len ? "," : "", t->arch);
        if (strcmp(t->arch, arch) != 0)
            continue;
        for (guint j = 0; j < t->machines->len; j++)
            g_string_append_printf(globs, "%s%s", globs->len ? "," : "", (const char *)t->machines->pdata[j]);
    }
    if (v->outcome == DC_FW_WRONG_MACHINE)
        return g_strdup_printf("machine %s matches none of the %s patterns [%s]", machine, arch, globs->str);
    return g_strdup_printf("wrong architecture: targets [%s], not %s", archs->len ? archs->str : "none", arch);
}

static char *describe_loader(const DcFirmwareVerdict *v)
{
    const char *path = dc_firmware_desc_loader_path(v->desc);
    switch (v->loader) {
    case DC_FW_LOADER_NONE:
        return g_strdup(v->desc->device == DC_FW_DEVICE_KERNEL ? "offers no loader (kernel mapping)"
                                                              : "offers no loader (memory mapping without filename)");
    case DC_FW_LOADER_REPEATED:
        return g_strdup_printf("loader %s already listed", path);
    case DC_FW_LOADER_MISSING:
        return g_strdup_printf("loader %s not listed: file does not exist", path);
    case DC_FW_LOADER_LISTED:
    default:
        return g_strdup_printf("loader %s listed", path);
    }
}

/* One line for one verdict: "PATH: taken: ..." or "PATH: skipped: why". */
static char *describe_verdict(const DcFirmwareVerdict *v, const char *arch, const char *machine,
                              const char *release)
{
    switch (v->outcome) {
    case DC_FW_TAKEN: {
        g_autofree char *ifaces = dc_firmware_interface_names(v->desc->interfaces);
        g_autofree char *features = dc_firmware_feature_names(v->desc->features);
        g_autofree char *loader = describe_loader(v);
        return g_strdup_printf("%s: taken: interfaces %s, features %s%s; %s", v->path, ifaces, features,
                               v->desc->features & DC_FW_FEATURE_REQUIRES_SMM ? " (requires-smm: secure=yes)" : "",
                               loader);
    }
    case DC_FW_WRONG_ARCH:
    case DC_FW_WRONG_MACHINE: {
        g_autofree char *why = describe_mismatch(v, arch, machine);
        return g_strdup_printf("%s: skipped: %s", v->path, why);
    }
    case DC_FW_BROKEN:
        if (v->fails_query)
            return g_strdup_printf("%s: skipped: %s (libvirt %s fails domcapabilities on this)",
                                   v->path, v->problem->message, release);
        return g_strdup_printf("%s: skipped: %s", v->path, v->problem->message);
    case DC_FW_EMPTY:
        return g_strdup_printf("%s: skipped: empty file%s", v->path,
                               v->masks_others ? ", masks the same name below" : "");
    case DC_FW_MASKED:
        return g_strdup_printf("%s: skipped: masked by empty file %s", v->path, v->hidden_by);
    case DC_FW_SHADOWED:
    default:
        return g_strdup_printf("%s: skipped: shadowed by same-named %s", v->path, v->hidden_by);
    }
}

/* The last line: where the loader values came from. */
static char *describe_loaders(const DcFirmwareVerdicts *v)
{
    if (!v->builtin_loaders) {
        guint listed = 0;
        for (guint i = 0; i < v->loaders->len; i++)
            listed += ((const DcFirmwareLoader *)v->loaders->pdata[i])->exists;
        return g_strdup_printf("loader values: %u from matching descriptors", listed);
    }
    GString *line = g_string_new("loader values: no matching descriptor offers a loader; libvirt's built-in list:");
    for (guint i = 0; i < v->loaders->len; i++) {
        const DcFirmwareLoader *l = v->loaders->pdata[i];
        g_string_append_printf(line, " %s (%s)", l->path, l->exists ? "listed" : "missing");
    }
    return g_string_free(line, FALSE);
}

GPtrArray *dc_caps_explain_os(const DcHost *host, const char *arch, const char *machine, guint release)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(DcFirmwareVerdicts) v = dc_firmware_verdicts(host, arch, machine, release, NULL);
    if (!v) {
        g_ptr_array_add(lines, g_strdup("no host, arch or machine given"));
        return lines;
    }
    g_autofree char *rel = dc_release_name(release);
    for (guint i = 0; i < v->unreadable->len; i++)
        g_ptr_array_add(lines, g_strdup_printf("problem: %s (libvirt %s fails domcapabilities on this)",
                                               (const char *)v->unreadable->pdata[i], rel));
    for (guint i = 0; i < v->verdicts->len; i++)
        g_ptr_array_add(lines, describe_verdict(v->verdicts->pdata[i], arch, machine, rel));
    g_ptr_array_add(lines, describe_loaders(v));
    return lines;
}
