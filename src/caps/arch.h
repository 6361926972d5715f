/* Architectures: libvirt's names, QEMU's target names, which binary serves
 * which arch and which machine libvirt prefers for it. */
#pragma once
#include <glib.h>

/* libvirt arch name for a QEMU query-target "arch" value; NULL if unknown. */
const char *dc_arch_from_qemu_target(const char *target);
/* Binary names (qemu-system-*) that can serve a libvirt arch, best first. */
GPtrArray *dc_arch_emulator_names(const char *arch);
/* Does an emulator whose native arch is emu_arch serve guests of arch? */
gboolean dc_arch_served_by(const char *arch, const char *emu_arch);
/* The machine alias libvirt prefers for an arch, NULL when none. */
const char *dc_arch_preferred_machine(const char *arch);
/* Is this a libvirt arch name at all? */
gboolean dc_arch_is_known(const char *arch);
