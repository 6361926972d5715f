/* The first stage of domcaps_get(): the query resolved, as libvirt's
 * virQEMUCapsCacheLookupDefault() does it. Before any probe: the options
 * checked, the release, the host, the emulator and the domain type (a
 * guess of KVM that QEMU may overrule). After the probe (query_target):
 * the emulator's arch and the guest's, the machine. */
#pragma once
#include "domcaps.h"
#include "host/host.h"
#include "probe/facts.h"
#include "qmp/qmp.h"

typedef struct {
    const domcaps_options *opts;
    guint release;            /* format/releases.h */
    char *release_why;        /* why that release (query/release.h) */
    DcHost *host;
    char *emulator;           /* as the caller names it */
    char *probe_path;         /* the same under the host's root */
    const char *virttype;     /* "kvm" or "qemu" */
    gboolean virttype_guessed;/* not asked: QEMU may turn a KVM guess into TCG */
    DcQmp *replay;            /* the transcript answering, NULL: a live QEMU */
    DcQmpCreds creds;         /* who QEMU runs as (--user), empty: the caller */
} DcQuery;

/* The first stage; on failure @err is set (DOMCAPS_ERROR) and @q cleared. */
gboolean dc_query_init(DcQuery *q, const domcaps_options *opts, GError **err);
void dc_query_clear(DcQuery *q);

/* "kvm" or "tcg", for the virttype. */
const char *dc_query_accel(const DcQuery *q);

/* The query's domain type is TCG after all (a guessed KVM QEMU could not run). */
void dc_query_use_tcg(DcQuery *q);

/* A TCG query of an emulator the host's KVM can run probes KVM too: libvirt
 * keeps what its first probe of a binary saw (with KVM where QEMU can) with
 * the binary (the Hyper-V list, SEV, SGX, GIC). */
gboolean dc_query_wants_kvm_probe(const DcQuery *q);

/* What the facts decide of the query. */
typedef struct {
    const char *arch;         /* the guest's (asked, else the emulator's) */
    const char *emu_arch;     /* the emulator's own (libvirt's qemuCaps->arch) */
    char *machine;            /* canonical; NULL when the emulator has none */
} DcQueryTarget;

/* The arches, checked as libvirt does, and KVM where asked. */
gboolean dc_query_target(const DcQuery *q, const DcFacts *facts, DcQueryTarget *t, GError **err);
/* Then the machine: asked (by name or alias), else the preferred one. */
gboolean dc_query_machine(const DcQuery *q, const DcFacts *facts, DcQueryTarget *t, GError **err);
void dc_query_target_clear(DcQueryTarget *t);
