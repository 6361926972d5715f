/*
 * lverror.c: errors worded as libvirt words them (see lverror.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cpu/lverror.h"

G_DEFINE_QUARK(dc-lv-error-quark, dc_lv_error)

/* Per kind: the message alone, and the prefix put before a detail. */
static const struct {
    const char *bare;
    const char *prefix;
} kinds[] = {
    [DC_LV_INTERNAL] = { "internal error", "internal error: " },
    [DC_LV_NO_SUPPORT] = { "this function is not supported by the connection driver",
                           "this function is not supported by the connection driver: " },
    [DC_LV_INVALID_ARG] = { "invalid argument", "invalid argument: " },
    [DC_LV_OPERATION_FAILED] = { "operation failed", "operation failed: " },
    [DC_LV_XML_ERROR] = { "XML description is invalid or not well formed", "XML error: " },
    [DC_LV_CONFIG_UNSUPPORTED] = { "unsupported configuration", "unsupported configuration: " },
    [DC_LV_OPERATION_UNSUPPORTED] = { "Operation not supported", "Operation not supported: " },
    [DC_LV_CPU_INCOMPATIBLE] = { "the CPU is incompatible with host CPU",
                                 "the CPU is incompatible with host CPU: " },
    [DC_LV_XML_DETAIL] = { "parser error", "" },
    [DC_LV_SYSTEM] = { "system call error", "" },
    [DC_LV_XML_INVALID_SCHEMA] = { "XML document failed to validate against schema",
                                   "XML document failed to validate against schema: " },
    [DC_LV_NO_EMULATOR] = { "unsupported configuration", "unsupported configuration: " },
    [DC_LV_BAD_EMULATOR] = { "system call error", "" },
    [DC_LV_OPERATION_INVALID] = { "Requested operation is not valid", "Requested operation is not valid: " },
};

void
dc_lv_error(GError **err, DcLvError kind, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *detail = NULL;

    va_start(ap, fmt);
    detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, DC_LV_ERROR, kind, "%s%s", kinds[kind].prefix, detail);
}

void
dc_lv_error_bare(GError **err, DcLvError kind)
{
    g_set_error_literal(err, DC_LV_ERROR, kind, kinds[kind].bare);
}
