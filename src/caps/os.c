/* <os>: firmware and loader, from the host's firmware descriptors. */
#include "caps/sections.h"
#include "host/firmware.h"
#include "format/releases.h"

static void add_static_enum(DcNode *parent, const char *name, const char *const *values)
{
    DcNode *e = dc_node_add_enum(parent, name);
    for (; *values; values++)
        dc_node_enum_add_value(e, *values);
}

/* Test-only knob for fixture trees that stand in for libvirt's test suite,
 * which replaces the loader values with fixed paths whatever the descriptors
 * say: <root>/.domcaps/loader-values, one path a line. Never read on "/". */
static void override_loader_values(const DcHost *host, DcOsCaps *caps)
{
    g_autofree char *text = NULL;
    if (strcmp(host->root, "/") == 0 || !caps->loader.supported ||
        !dc_host_read_file(host, DC_HOST_FIXTURE_DIR "/loader-values", &text, NULL, NULL))
        return;
    if (!caps->loader.values)
        caps->loader.values = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_set_size(caps->loader.values, 0);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++)
        if (**l)
            g_ptr_array_add(caps->loader.values, g_strdup(*l));
}

gboolean dc_caps_add_os(const DcCapsCtx *ctx, DcNode *root, GError **err)
{
    DcOsCaps caps;
    if (!dc_firmware_os_caps(ctx->host, ctx->query->arch, ctx->query->machine, ctx->query->release, &caps, err))
        return FALSE;
    /* libvirt 9.0 fails the whole query on a descriptor it cannot read;
     * later releases skip it. */
    if (caps.libvirt_error && !dc_release_behaves(ctx->query->release, DC_BEHAVIOUR_BROKEN_FIRMWARE_SKIPPED)) {
        g_set_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_PARSE, "unusable firmware descriptor %s",
                    caps.libvirt_error);
        dc_os_caps_clear(&caps);
        return FALSE;
    }
    override_loader_values(ctx->host, &caps);
    DcNode *os = dc_node_add(root, "os");
    dc_node_set_supported(os, caps.supported);
    if (caps.supported) {
        add_static_enum(os, "firmware", caps.firmware);
        DcNode *loader = dc_node_add(os, "loader");
        dc_node_set_supported(loader, caps.loader.supported);
        if (caps.loader.supported) {
            for (guint i = 0; caps.loader.values && i < caps.loader.values->len; i++)
                dc_node_add_text(loader, "value", caps.loader.values->pdata[i]);
            add_static_enum(loader, "type", caps.loader.type);
            add_static_enum(loader, "readonly", caps.loader.readonly);
            add_static_enum(loader, "secure", caps.loader.secure);
        }
    }
    dc_os_caps_clear(&caps);
    return TRUE;
}
