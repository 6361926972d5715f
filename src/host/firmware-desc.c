/* One firmware descriptor: the members qemu_firmware.c's qemuFirmwareParse
 * requires, read from the JSON tree of firmware-json.c. The error texts are
 * libvirt's (it only logs most of them from 10.0 on). */
#include "host/firmware.h"
#include "host/firmware-json.h"
#include "format/releases.h"
#include "util/arch.h"

#include <string.h>

G_DEFINE_QUARK(dc-firmware-error-quark, dc_firmware_error)

typedef struct {
    const char *name;
    guint bit;
} NamedBit;

/* libvirt's enums, in their order (which the explanation keeps). */
static const NamedBit interface_names[] = {
    { "bios", DC_FW_IFACE_BIOS },
    { "openfirmware", DC_FW_IFACE_OPENFIRMWARE },
    { "uboot", DC_FW_IFACE_UBOOT },
    { "uefi", DC_FW_IFACE_UEFI },
};

static const NamedBit feature_names[] = {
    { "acpi-s3", DC_FW_FEATURE_ACPI_S3 },
    { "acpi-s4", DC_FW_FEATURE_ACPI_S4 },
    { "amd-sev", DC_FW_FEATURE_AMD_SEV },
    { "amd-sev-es", DC_FW_FEATURE_AMD_SEV_ES },
    { "enrolled-keys", DC_FW_FEATURE_ENROLLED_KEYS },
    { "host-uefi-vars", DC_FW_FEATURE_HOST_UEFI_VARS },
    { "requires-smm", DC_FW_FEATURE_REQUIRES_SMM },
    { "secure-boot", DC_FW_FEATURE_SECURE_BOOT },
    { "verbose-dynamic", DC_FW_FEATURE_VERBOSE_DYNAMIC },
    { "verbose-static", DC_FW_FEATURE_VERBOSE_STATIC },
};

#define NAME_BIT(table, name) name_bit(table, G_N_ELEMENTS(table), name)
#define BIT_NAMES(table, bits) bit_names(table, G_N_ELEMENTS(table), bits)

static guint name_bit(const NamedBit *t, gsize n, const char *name)
{
    for (gsize i = 0; name && i < n; i++)
        if (strcmp(name, t[i].name) == 0)
            return t[i].bit;
    return 0;
}

static char *bit_names(const NamedBit *t, gsize n, guint bits)
{
    g_autoptr(GString) s = g_string_new(NULL);
    for (gsize i = 0; i < n; i++)
        if (bits & t[i].bit)
            g_string_append_printf(s, "%s%s", s->len ? "," : "", t[i].name);
    return g_strdup(s->len ? s->str : "none");
}

char *dc_firmware_interface_names(guint interfaces)
{
    return BIT_NAMES(interface_names, interfaces);
}

char *dc_firmware_feature_names(guint features)
{
    return BIT_NAMES(feature_names, features);
}

/* ---- libvirt's accessors (util/virjson.c) on a json-c tree -------------- */

/* virJSONValueObjectGet: a member, present even when its value is null
 * (json-c's NULL). FALSE when @obj is no object or lacks @key. */
static gboolean member(json_object *obj, const char *key, json_object **value)
{
    *value = NULL;
    return json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, key, value);
}

/* virJSONValueGetString: a C string, so a string holding a NUL ends there. */
static const char *as_string(json_object *v)
{
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* virJSONValueObjectGetString, virJSONValueObjectGetArray */
static const char *member_string(json_object *obj, const char *key)
{
    json_object *v;
    return member(obj, key, &v) ? as_string(v) : NULL;
}

static json_object *member_array(json_object *obj, const char *key)
{
    json_object *v;
    return member(obj, key, &v) && json_object_is_type(v, json_type_array) ? v : NULL;
}

/* ---- the descriptor ----------------------------------------------------- */

static void target_free(gpointer p)
{
    DcFirmwareTarget *t = p;
    if (!t)
        return;
    g_free(t->arch);
    if (t->machines)
        g_ptr_array_unref(t->machines);
    g_free(t);
}

void dc_firmware_desc_free(DcFirmwareDesc *desc)
{
    if (!desc)
        return;
    g_free(desc->executable.filename);
    g_free(desc->executable.format);
    g_free(desc->nvram_template.filename);
    g_free(desc->nvram_template.format);
    g_free(desc->filename);
    if (desc->targets)
        g_ptr_array_unref(desc->targets);
    g_free(desc);
}

static gboolean refuse(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean refuse(GError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_PARSE, msg);
    return FALSE;
}

/* qemuFirmwareInterfaceParse: every entry a known interface name. */
static gboolean parse_interfaces(json_object *doc, DcFirmwareDesc *desc, GError **err)
{
    json_object *list = member_array(doc, "interface-types");
    if (!list)
        return refuse(err, "missing 'interface-types' array");
    for (gsize i = 0; i < json_object_array_length(list); i++) {
        const char *name = as_string(json_object_array_get_idx(list, i));
        guint bit = NAME_BIT(interface_names, name);
        if (!bit)
            return refuse(err, "unknown interface type '%s'", name ? name : "(not a string)");
        desc->interfaces |= bit;
    }
    return TRUE;
}

/* qemuFirmwareFlashFileParse */
static gboolean parse_flash_file(json_object *obj, DcFirmwareFlashFile *file, GError **err)
{
    const char *filename = member_string(obj, "filename");
    if (!filename)
        return refuse(err, "missing 'filename'");
    const char *format = member_string(obj, "format");
    if (!format)
        return refuse(err, "missing 'format'");
    file->filename = g_strdup(filename);
    file->format = g_strdup(format);
    return TRUE;
}

/* qemuFirmwareMappingFlashParse: a "mode" that is present must be a known
 * string (null is present); split mode needs an NVRAM template. */
static gboolean parse_flash(json_object *mapping, DcFirmwareDesc *desc, GError **err)
{
    json_object *mode;
    desc->mode = DC_FW_FLASH_SPLIT;
    if (member(mapping, "mode", &mode)) {
        const char *m = as_string(mode);
        if (!m)
            return refuse(err, "flash mode is not a string");
        if (strcmp(m, "split") == 0)
            desc->mode = DC_FW_FLASH_SPLIT;
        else if (strcmp(m, "combined") == 0)
            desc->mode = DC_FW_FLASH_COMBINED;
        else if (strcmp(m, "stateless") == 0)
            desc->mode = DC_FW_FLASH_STATELESS;
        else
            return refuse(err, "unknown flash mode '%s'", m);
    }

    json_object *exe;
    if (!member(mapping, "executable", &exe))
        return refuse(err, "missing 'executable'");
    if (!parse_flash_file(exe, &desc->executable, err))
        return FALSE;

    if (desc->mode == DC_FW_FLASH_SPLIT) {
        json_object *nvram;
        if (!member(mapping, "nvram-template", &nvram))
            return refuse(err, "missing 'nvram-template'");
        if (!parse_flash_file(nvram, &desc->nvram_template, err))
            return FALSE;
    }
    return TRUE;
}

/* qemuFirmwareMappingParse */
static gboolean parse_mapping(json_object *doc, guint release, DcFirmwareDesc *desc, GError **err)
{
    json_object *mapping;
    if (!member(doc, "mapping", &mapping))
        return refuse(err, "missing mapping");
    const char *device = member_string(mapping, "device");
    if (!device)
        return refuse(err, "missing device type");
    if (strcmp(device, "flash") == 0)
        desc->device = DC_FW_DEVICE_FLASH;
    else if (strcmp(device, "kernel") == 0)
        desc->device = DC_FW_DEVICE_KERNEL;
    else if (strcmp(device, "memory") == 0)
        desc->device = DC_FW_DEVICE_MEMORY;
    else
        return refuse(err, "unknown device type '%s'", device);

    if (desc->device == DC_FW_DEVICE_FLASH)
        return parse_flash(mapping, desc, err);

    /* A kernel or memory mapping names its image; libvirt 9.0 only
     * complains when it does not, later releases refuse the file. */
    desc->filename = g_strdup(member_string(mapping, "filename"));
    if (!desc->filename && dc_release_behaves(release, DC_BEHAVIOUR_FIRMWARE_FILENAME_REQUIRED))
        return refuse(err, "missing 'filename'");
    return TRUE;
}

/* qemuFirmwareTargetParse: each target an arch the release knows (QEMU's
 * spellings too) and a machines array. */
static gboolean parse_targets(json_object *doc, guint release, DcFirmwareDesc *desc, GError **err)
{
    json_object *targets = member_array(doc, "targets");
    if (!targets)
        return refuse(err, "missing 'targets' array");
    desc->targets = g_ptr_array_new_with_free_func(target_free);
    for (gsize i = 0; i < json_object_array_length(targets); i++) {
        json_object *item = json_object_array_get_idx(targets, i);
        const char *archname = member_string(item, "architecture");
        if (!archname)
            return refuse(err, "missing 'architecture'");
        /* An arch the release does not know breaks the descriptor, even
         * when the query is for another arch (9.0 and loongarch64). */
        const char *arch = dc_arch_from_qemu_name(archname, release);
        if (!arch)
            return refuse(err, "unknown architecture '%s'", archname);
        json_object *machines = member_array(item, "machines");
        if (!machines)
            return refuse(err, "missing 'machines'");
        DcFirmwareTarget *t = g_new0(DcFirmwareTarget, 1);
        t->arch = g_strdup(arch);
        t->machines = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(desc->targets, t);
        for (gsize j = 0; j < json_object_array_length(machines); j++) {
            /* libvirt keeps a non-string entry as NULL, which never matches. */
            const char *m = as_string(json_object_array_get_idx(machines, j));
            if (m)
                g_ptr_array_add(t->machines, g_strdup(m));
        }
    }
    return TRUE;
}

/* qemuFirmwareFeatureParse: unknown names (and non-strings) are ignored. */
static gboolean parse_features(json_object *doc, DcFirmwareDesc *desc, GError **err)
{
    json_object *features = member_array(doc, "features");
    if (!features)
        return refuse(err, "missing 'features' array");
    for (gsize i = 0; i < json_object_array_length(features); i++)
        desc->features |= NAME_BIT(feature_names, as_string(json_object_array_get_idx(features, i)));
    return TRUE;
}

DcFirmwareDesc *dc_firmware_desc_parse(const char *data, gsize len, guint release, GError **err)
{
    g_return_val_if_fail(data != NULL || len == 0, NULL);

    if (len > DC_FIRMWARE_DESC_MAX_SIZE) {
        g_set_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_TOO_LARGE,
                    "descriptor is larger than %d bytes", DC_FIRMWARE_DESC_MAX_SIZE);
        return NULL;
    }
    /* libvirt hands the file to its JSON reader as a C string. */
    g_autofree char *text = g_strndup(data ? data : "", len);

    json_object *doc = NULL;
    if (!dc_firmware_json_read(text, release, &doc, err))
        return NULL;

    /* The same order as libvirt, so the same complaint comes first. */
    g_autoptr(DcFirmwareDesc) desc = g_new0(DcFirmwareDesc, 1);
    gboolean ok = parse_interfaces(doc, desc, err) && parse_mapping(doc, release, desc, err) &&
                  parse_targets(doc, release, desc, err) && parse_features(doc, desc, err);
    json_object_put(doc);
    return ok ? g_steal_pointer(&desc) : NULL;
}

const char *dc_firmware_desc_loader_path(const DcFirmwareDesc *desc)
{
    switch (desc->device) {
    case DC_FW_DEVICE_FLASH:
        return desc->executable.filename;
    case DC_FW_DEVICE_MEMORY:
        return desc->filename;
    case DC_FW_DEVICE_KERNEL:
    default:
        return NULL;
    }
}

gboolean dc_firmware_desc_matches(const DcFirmwareDesc *desc, const char *arch, const char *machine)
{
    for (guint i = 0; desc->targets && i < desc->targets->len; i++) {
        const DcFirmwareTarget *t = desc->targets->pdata[i];
        if (strcmp(t->arch, arch) != 0)
            continue;
        for (guint j = 0; j < t->machines->len; j++)
            if (g_pattern_match_simple(t->machines->pdata[j], machine))
                return TRUE;
    }
    return FALSE;
}
