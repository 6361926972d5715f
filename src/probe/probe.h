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
    gboolean accel_only;      /* ask only what depends on the accelerator (see below) */
} DcProbeRequest;

/* Returns a new facts object (caller owns the reference) or NULL with err. */
json_object *dc_probe_run(const DcProbeRequest *req, GError **err);

/* The schema queries (see schema.h) whose answers become facts, NULL-terminated. */
extern const char *const dc_probe_schema_questions[];

/* Merge the "accel" members of `from` into `into` (same binary, other accelerator). */
void dc_probe_merge_accel(json_object *into, json_object *from);

/* A probe with accel_only set skips what is the binary's whatever the
 * accelerator (QMP schema, QOM types, command-line options, TPM models:
 * most of a probe's time and memory) and answers the rest: machines, CPU
 * definitions and expansions, and the accelerator's view of KVM, SEV, SGX
 * and GIC. Its facts complete those of a full probe of the same binary
 * under another accelerator: */
void dc_probe_merge_accel_only(json_object *into, json_object *accel_only);

#define DC_PROBE_ERROR (dc_probe_error_quark())
GQuark dc_probe_error_quark(void);
typedef enum {
    DC_PROBE_ERROR_NOT_QEMU,   /* answered, but not like a QEMU system emulator */
    DC_PROBE_ERROR_FAILED,     /* a required command failed */
} DcProbeErrorCode;
