/* Probe: ask one QEMU binary what it can do, for one accelerator, and turn
 * the answers into facts (see facts.h). */
#pragma once
#include "qmp/qmp.h"
#include "probe/facts.h"

/* A query's facts are the binary's (QMP schema, QOM types, command-line
 * options, TPM models: most of a probe's time) and the accelerator's
 * (machines, CPU definitions and expansions, the accelerator's view of KVM,
 * SEV, SGX and GIC). One QEMU can answer both, or two QEMUs each one part at
 * the same time; dc_probe_merge() puts the parts together. */
typedef enum {
    DC_PROBE_SCOPE_ALL,     /* both parts, for req->accel */
    DC_PROBE_SCOPE_BINARY,  /* the binary's part only, with no "accel" member */
    DC_PROBE_SCOPE_ACCEL,   /* the accelerator's part only */
} DcProbeScope;

typedef struct {
    const char *emulator;     /* absolute path */
    const char *accel;        /* "tcg" or "kvm" */
    int timeout_ms;           /* whole probe, live only */
    DcQmp *replay;            /* answer from this transport instead of starting QEMU (borrowed) */
    const DcQmpCreds *creds;  /* run QEMU as this user (root only), NULL: as the caller */
    GString *record;          /* append the exchange here as a transcript, may be NULL */
    DcProbeScope scope;       /* what to ask (see above) */
} DcProbeRequest;

/* Returns a new facts object (caller owns the reference) or NULL with err. */
json_object *dc_probe_run(const DcProbeRequest *req, GError **err);

/* The schema queries (see schema.h) whose answers become facts, NULL-terminated. */
extern const char *const dc_probe_schema_questions[];

/* Merge the accelerator facts of `from` (a probe of the same binary under
 * some accelerator, any scope but BINARY) into `into`: its "accel" member,
 * and its view of KVM, SEV, SGX and GIC unless `into` already holds a KVM
 * probe's (libvirt reports the host's confidential-computing and GIC
 * support from its KVM probe, for TCG documents as well). */
void dc_probe_merge(json_object *into, json_object *from);

#define DC_PROBE_ERROR (dc_probe_error_quark())
GQuark dc_probe_error_quark(void);
typedef enum {
    DC_PROBE_ERROR_NOT_QEMU,   /* answered, but not like a QEMU system emulator */
    DC_PROBE_ERROR_FAILED,     /* a required command failed */
} DcProbeErrorCode;
