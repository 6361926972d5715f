/* Probe: ask one QEMU binary what it can do, for one accelerator, and turn
 * the answers into facts (see facts.h). */
#pragma once
#include "qmp/qmp.h"
#include "probe/facts.h"

/* A query's facts are the binary's (the QMP schema; QOM types and
 * properties, command-line options and TPM models) and the accelerator's
 * (machines, CPU definitions and expansions, the accelerator's view of KVM,
 * SEV, SGX and GIC). Any QEMU of the binary answers the binary's part, so
 * the parts can be asked of several QEMUs at once; dc_probe_merge() puts
 * them together. A request names the groups it asks: */
typedef enum {
    DC_PROBE_ASK_SCHEMA = 1 << 0,  /* the QMP schema: the longest answer */
    DC_PROBE_ASK_QOM = 1 << 1,     /* QOM types and properties, options, TPM */
    DC_PROBE_ASK_ACCEL = 1 << 2,   /* the accelerator's part, under req->accel */
    DC_PROBE_ASK_ALL = DC_PROBE_ASK_SCHEMA | DC_PROBE_ASK_QOM | DC_PROBE_ASK_ACCEL,
} DcProbeAsk;

typedef struct {
    const char *emulator;     /* absolute path */
    const char *accel;        /* "tcg" or "kvm" */
    int timeout_ms;           /* whole probe, live only */
    DcQmp *replay;            /* answer from this transport instead of starting QEMU (borrowed) */
    const DcQmpCreds *creds;  /* run QEMU as this user (root only), NULL: as the caller */
    GString *record;          /* append the exchange here as a transcript, may be NULL */
    DcProbeAsk ask;           /* what to ask (see above); 0: everything */
    const char *const *questions; /* the facts to learn beyond the fixed commands,
                                   * as keys (facts.h: "schema:...", "object-prop:T.P",
                                   * "device-prop:T.P"; other kinds need no asking),
                                   * NULL-terminated, NULL: none */
} DcProbeRequest;

/* Returns a new facts object (caller owns the reference) or NULL with err. */
json_object *dc_probe_run(const DcProbeRequest *req, GError **err);

/* Merge the facts of `from` (a probe of the same binary) into `into`: the
 * binary's groups `into` lacks, the accelerators of its "accel" member, and
 * its accelerator's view of KVM, SEV, SGX and GIC unless `into` already
 * holds a KVM probe's (libvirt reports the host's confidential-computing
 * and GIC support from its KVM probe, for TCG documents as well). */
void dc_probe_merge(json_object *into, json_object *from);

#define DC_PROBE_ERROR (dc_probe_error_quark())
GQuark dc_probe_error_quark(void);
typedef enum {
    DC_PROBE_ERROR_NOT_QEMU,   /* answered, but not like a QEMU system emulator */
    DC_PROBE_ERROR_FAILED,     /* a required command failed */
} DcProbeErrorCode;
