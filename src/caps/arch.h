/* Architectures: libvirt's names, QEMU's target names, which binary serves
 * which arch and which machine libvirt prefers for it. */
#pragma once
#include <glib.h>

/* libvirt arch name for a QEMU query-target "arch" value; NULL if unknown. */
const char *dc_arch_from_qemu_target(const char *target);
/* Binary names (qemu-system-*) libvirt tries for a guest arch on a host, best first. */
GPtrArray *dc_arch_emulator_names(const char *arch, const char *host_arch);
/* Does an emulator whose native arch is emu_arch serve guests of arch? */
gboolean dc_arch_served_by(const char *arch, const char *emu_arch);
/* Same family (x86, arm, ppc, s390) or equal: an emulator of one may be
 * asked about the other (then dc_arch_served_by decides). */
gboolean dc_arch_same_family(const char *a, const char *b);
/* Can the host run this guest arch natively (KVM)? */
gboolean dc_arch_is_native(const char *arch, const char *host_arch);
/* The machine alias libvirt prefers for an arch, NULL when none. */
const char *dc_arch_preferred_machine(const char *arch);
/* Is this a libvirt arch name at all? */
gboolean dc_arch_is_known(const char *arch);
