/* Probe: ask one QEMU binary what it can do, for one accelerator, and turn
 * the answers into facts (see facts.h). */
#pragma once
#include "qmp/qmp.h"
#include "probe/facts.h"

typedef struct {
    const char *emulator;     /* absolute path */
    const char *accel;        /* "tcg" or "kvm" */
    int timeout_ms;           /* whole probe, live only */
    DcQmp *replay;            /* answer from this transport instead of starting QEMU (borrowed) */
    const DcQmpCreds *creds;  /* run QEMU as this user (root only), NULL: as the caller */
    GString *record;          /* append the exchange here as a transcript, may be NULL */
} DcProbeRequest;

/* Returns a new facts object (caller owns the reference) or NULL with err. */
json_object *dc_probe_run(const DcProbeRequest *req, GError **err);

/* The schema queries (see schema.h) whose answers become facts, NULL-terminated. */
extern const char *const dc_probe_schema_questions[];

/* Merge the "accel" members of `from` into `into` (same binary, other accelerator). */
void dc_probe_merge_accel(json_object *into, json_object *from);

#define DC_PROBE_ERROR (dc_probe_error_quark())
GQuark dc_probe_error_quark(void);
typedef enum {
    DC_PROBE_ERROR_NOT_QEMU,   /* answered, but not like a QEMU system emulator */
    DC_PROBE_ERROR_FAILED,     /* a required command failed */
} DcProbeErrorCode;
