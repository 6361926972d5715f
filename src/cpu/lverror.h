/*
 * lverror.h: errors worded as libvirt words them.
 *
 * The CPU commands answer as `virsh` does, error messages included, and a
 * libvirt error message is a fixed prefix per error kind ("operation
 * failed: ", "XML error: "...) followed by the detail.  Errors of the CPU
 * code carry the kind as their code in the DC_LV_ERROR domain and the whole
 * message, prefix included, as their text; the public API maps the kinds to
 * domcaps_error_code (src/analyze/cpu-api.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DC_LV_ERROR (dc_lv_error_quark())
GQuark dc_lv_error_quark(void);

/* libvirt's virErrorNumber values the CPU commands can report. */
typedef enum {
    DC_LV_INTERNAL,              /* "internal error: " */
    DC_LV_NO_SUPPORT,            /* "this function is not supported by the connection driver: " */
    DC_LV_INVALID_ARG,           /* "invalid argument: " */
    DC_LV_OPERATION_FAILED,      /* "operation failed: " */
    DC_LV_XML_ERROR,             /* "XML error: " */
    DC_LV_CONFIG_UNSUPPORTED,    /* "unsupported configuration: " */
    DC_LV_OPERATION_UNSUPPORTED, /* "Operation not supported: " */
    DC_LV_CPU_INCOMPATIBLE,      /* "the CPU is incompatible with host CPU: " */
    DC_LV_XML_DETAIL,            /* parser errors: no prefix */
    DC_LV_SYSTEM,                /* system call errors: no prefix */
    DC_LV_XML_INVALID_SCHEMA,    /* "XML document failed to validate against schema: " */
    /* Worded as CONFIG_UNSUPPORTED and SYSTEM, about the emulator, so the
     * public API can tell these apart. */
    DC_LV_NO_EMULATOR,           /* "unsupported configuration: " */
    DC_LV_BAD_EMULATOR,          /* no prefix */
    DC_LV_OPERATION_INVALID,     /* "Requested operation is not valid: " */
} DcLvError;

/* Sets @err to kind @kind with the message @fmt... behind the kind's prefix. */
void dc_lv_error(GError **err, DcLvError kind, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* The message libvirt gives kind @kind without detail ("the CPU is
 * incompatible with host CPU"). */
void dc_lv_error_bare(GError **err, DcLvError kind);

G_END_DECLS
