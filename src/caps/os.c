/* <os>: firmware and loader, from the host's firmware descriptors. */
#include "caps/sections.h"
#include "host/firmware.h"

static void add_static_enum(DcNode *parent, const char *name, const char *const *values)
{
    DcNode *e = dc_node_add_enum(parent, name);
    for (; *values; values++)
        dc_node_enum_add_value(e, *values);
}

gboolean dc_caps_add_os(const DcCapsCtx *ctx, DcNode *root, GError **err)
{
    DcOsCaps caps;
    if (!dc_firmware_os_caps(ctx->host, ctx->query->arch, ctx->query->machine, &caps, err))
        return FALSE;
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
