/* Passes: which QEMUs a query starts, and how their facts come together. */
#pragma once
#include "probe/probe.h"

/* Facts that answer a query for base->accel, and for KVM too when kvm_too
 * (a TCG query on a host whose KVM runs the guest: libvirt's documents take
 * some facts from its KVM probe). `have` (borrowed, may be NULL) holds facts
 * already known for the binary, from a cache; only what it lacks is asked.
 *
 * Live, one QEMU per accelerator the query needs (and, for a KVM query
 * with a core free, a TCG one beside it) answer at once, each on its own
 * thread, with the binary's questions spread between them, so a cold query
 * costs about its slowest QEMU rather than the sum.
 * A replay or a recording keeps libvirt's transcript shape instead: whole
 * passes, KVM first.
 *
 * Returns a new reference (to `have`, completed, or to new facts) or NULL
 * with err. A failed KVM pass that only kvm_too asked for costs its facts,
 * not the answer. */
json_object *dc_probe_passes(const DcProbeRequest *base, json_object *have, gboolean kvm_too, GError **err);
