/* The verdicts of a query: each descriptor file taken or skipped as
 * libvirt's qemuFirmwareGetSupported does, and the loader images they give
 * (see firmware.h). Documents and explanations are written from these by
 * src/caps/os.c.
 *
 * Behaviour follows libvirt 9.0 as shipped by Debian 12 (checked against the
 * live daemon) and 11.3 (its test suite, and Debian 13 live). */
#include "host/firmware.h"
#include "host/firmware-scan.h"
#include "format/releases.h"

#include <string.h>

/* Debian builds libvirt with this CODE:VARS list; libvirt shows its CODE
 * halves (the ones present on the host) when no descriptor offers a loader. */
const DcFirmwarePair dc_firmware_default_loaders[] = {
    { "/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd" },
    { "/usr/share/OVMF/OVMF_CODE.secboot.fd", "/usr/share/OVMF/OVMF_VARS.fd" },
    { "/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF_VARS.fd" },
    { "/usr/share/AAVMF/AAVMF32_CODE.fd", "/usr/share/AAVMF/AAVMF32_VARS.fd" },
};
const gsize dc_firmware_n_default_loaders = G_N_ELEMENTS(dc_firmware_default_loaders);

static void verdict_free(gpointer p)
{
    DcFirmwareVerdict *v = p;
    g_free(v->path);
    dc_firmware_desc_free(v->desc);
    g_clear_error(&v->problem);
    g_free(v->hidden_by);
    g_free(v);
}

static void loader_free(gpointer p)
{
    DcFirmwareLoader *l = p;
    g_free(l->path);
    g_free(l);
}

void dc_firmware_verdicts_free(DcFirmwareVerdicts *v)
{
    if (!v)
        return;
    g_ptr_array_unref(v->verdicts);
    g_ptr_array_unref(v->unreadable);
    g_ptr_array_unref(v->loaders);
    g_clear_error(&v->fatal);
    g_free(v);
}

static DcFirmwareVerdict *verdict_new(const char *path, DcFirmwareOutcome outcome)
{
    DcFirmwareVerdict *v = g_new0(DcFirmwareVerdict, 1);
    v->path = g_strdup(path);
    v->outcome = outcome;
    return v;
}

/* The winning copy of a name, read and parsed as @release does. */
static DcFirmwareVerdict *judge_winner(const DcHost *host, const DcFirmwareName *name, guint release,
                                       const char *arch, const char *machine)
{
    const DcFirmwareFile *top = name->copies->pdata[0];
    if (top->size == 0) {
        DcFirmwareVerdict *v = verdict_new(top->path, DC_FW_EMPTY);
        v->masks_others = name->copies->len > 1;
        return v;
    }
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) err = NULL;
    g_autoptr(DcFirmwareDesc) desc = NULL;
    if (!dc_firmware_read_file(host, top->path, &data, &len, &err) ||
        !(desc = dc_firmware_desc_parse(data, len, release, &err))) {
        DcFirmwareVerdict *v = verdict_new(top->path, DC_FW_BROKEN);
        v->problem = g_steal_pointer(&err);
        v->fails_query = !dc_release_behaves(release, DC_BEHAVIOUR_BROKEN_FIRMWARE_SKIPPED);
        return v;
    }

    DcFirmwareOutcome outcome = DC_FW_TAKEN;
    if (!dc_firmware_desc_matches(desc, arch, machine)) {
        outcome = DC_FW_WRONG_ARCH;
        for (guint i = 0; i < desc->targets->len; i++)
            if (strcmp(((const DcFirmwareTarget *)desc->targets->pdata[i])->arch, arch) == 0)
                outcome = DC_FW_WRONG_MACHINE;
    }
    DcFirmwareVerdict *v = verdict_new(top->path, outcome);
    v->desc = g_steal_pointer(&desc);
    return v;
}

static guint seen(guint features, guint feature)
{
    return features & feature ? DC_FW_SEEN_YES : DC_FW_SEEN_NO;
}

/* A taken descriptor counts: its interfaces, its features, and its loader
 * image once (libvirt lists an image once, and only when it exists). */
static void take(const DcHost *host, DcFirmwareVerdicts *all, DcFirmwareVerdict *v)
{
    guint features = v->desc->features;
    all->interfaces |= v->desc->interfaces;
    if (features & DC_FW_FEATURE_REQUIRES_SMM)
        all->requires_smm = TRUE;
    if (features & DC_FW_FEATURE_HOST_UEFI_VARS)
        all->host_uefi_vars = TRUE;
    all->secure_boot |= seen(features, DC_FW_FEATURE_SECURE_BOOT);
    all->enrolled_keys |= seen(features, DC_FW_FEATURE_ENROLLED_KEYS);
    const char *path = dc_firmware_desc_loader_path(v->desc);
    if (!path) {
        v->loader = DC_FW_LOADER_NONE;
        return;
    }
    for (guint i = 0; i < all->loaders->len; i++) {
        if (strcmp(((const DcFirmwareLoader *)all->loaders->pdata[i])->path, path) == 0) {
            v->loader = DC_FW_LOADER_REPEATED;
            return;
        }
    }
    DcFirmwareLoader *l = g_new0(DcFirmwareLoader, 1);
    l->path = g_strdup(path);
    l->exists = dc_host_exists(host, path);
    g_ptr_array_add(all->loaders, l);
    v->loader = l->exists ? DC_FW_LOADER_LISTED : DC_FW_LOADER_MISSING;
}

/* When no taken descriptor offers an image, libvirt falls back on the list
 * it was built with (its CODE halves that exist). */
static void use_builtin_loaders(const DcHost *host, DcFirmwareVerdicts *all)
{
    all->builtin_loaders = TRUE;
    for (gsize i = 0; i < dc_firmware_n_default_loaders; i++) {
        DcFirmwareLoader *l = g_new0(DcFirmwareLoader, 1);
        l->path = g_strdup(dc_firmware_default_loaders[i].code);
        l->exists = dc_host_exists(host, l->path);
        g_ptr_array_add(all->loaders, l);
    }
}

/* The error libvirt @release fails the whole query with, NULL when it
 * carries on. Listing the directories comes first and fails in every
 * release; a descriptor that cannot be read or parsed fails 9.0 only. */
static GError *fatal_problem(const DcFirmwareVerdicts *all)
{
    if (all->unreadable->len)
        return g_error_new(DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_UNREADABLE, "unreadable firmware descriptors: %s",
                           (const char *)all->unreadable->pdata[0]);
    for (guint i = 0; i < all->verdicts->len; i++) {
        const DcFirmwareVerdict *v = all->verdicts->pdata[i];
        if (v->outcome == DC_FW_BROKEN && v->fails_query)
            return g_error_new(v->problem->domain, v->problem->code, "unusable firmware descriptor %s: %s",
                               v->path, v->problem->message);
    }
    return NULL;
}

DcFirmwareVerdicts *dc_firmware_verdicts(const DcHost *host, const char *arch, const char *machine,
                                         guint release, GError **err)
{
    if (!host || !arch || !*arch || !machine) {
        g_set_error_literal(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_INVALID_ARGUMENT,
                            "dc_firmware_verdicts: host, arch and machine are required");
        return NULL;
    }
    g_autoptr(DcFirmwareFiles) files = dc_firmware_scan(host);
    DcFirmwareVerdicts *all = g_new0(DcFirmwareVerdicts, 1);
    all->release = release;
    all->verdicts = g_ptr_array_new_with_free_func(verdict_free);
    all->unreadable = g_ptr_array_ref(files->unreadable);
    all->loaders = g_ptr_array_new_with_free_func(loader_free);

    for (guint i = 0; i < files->names->len; i++) {
        const DcFirmwareName *name = files->names->pdata[i];
        DcFirmwareVerdict *v = judge_winner(host, name, release, arch, machine);
        g_ptr_array_add(all->verdicts, v);
        if (v->outcome == DC_FW_TAKEN)
            take(host, all, v);
        /* The copies it hides follow it, as the explanation lists them. */
        for (guint c = 1; c < name->copies->len; c++) {
            const DcFirmwareFile *low = name->copies->pdata[c];
            DcFirmwareVerdict *hidden = verdict_new(low->path, v->outcome == DC_FW_EMPTY ? DC_FW_MASKED : DC_FW_SHADOWED);
            hidden->hidden_by = g_strdup(v->path);
            g_ptr_array_add(all->verdicts, hidden);
        }
    }
    if (!all->loaders->len)
        use_builtin_loaders(host, all);
    all->fatal = fatal_problem(all);
    return all;
}

static void fw_found_free(gpointer p)
{
    DcFirmwareFound *f = p;
    g_free(f->path);
    dc_firmware_desc_free(f->desc);
    g_free(f);
}

GPtrArray *dc_firmware_descriptors(const DcHost *host, guint release)
{
    g_autoptr(DcFirmwareFiles) files = dc_firmware_scan(host);
    GPtrArray *out = g_ptr_array_new_with_free_func(fw_found_free);
    for (guint i = 0; i < files->names->len; i++) {
        const DcFirmwareName *n = files->names->pdata[i];
        const DcFirmwareFile *winner = n->copies->pdata[0];
        g_autofree char *data = NULL;
        gsize len = 0;
        DcFirmwareDesc *desc = NULL;
        if (winner->size == 0 || !dc_firmware_read_file(host, winner->path, &data, &len, NULL) ||
            !(desc = dc_firmware_desc_parse(data, len, release, NULL)))
            continue;  /* masking, unreadable or broken: never chosen */
        DcFirmwareFound *f = g_new0(DcFirmwareFound, 1);
        f->path = g_strdup(winner->path);
        f->desc = desc;
        g_ptr_array_add(out, f);
    }
    return out;
}
