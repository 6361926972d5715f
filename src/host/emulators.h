/* Where the emulators are, under the host's root: found for an arch as
 * libvirt searches, checked as executables, and every one installed. */
#pragma once
#include "host/host.h"

/* The emulator libvirt would pick for a guest @arch: qemu-system-* names
 * (util/arch.h) in $PATH (for "/") and the usual directories, then
 * /usr/libexec/qemu-kvm for a native guest. NULL with @err
 * (DOMCAPS_ERROR_NO_EMULATOR) when there is none. */
char *dc_emulator_find(const DcHost *host, const char *arch, GError **err);

/* An emulator the caller named: it exists and is an executable file. */
gboolean dc_emulator_check(const DcHost *host, const char *emulator, GError **err);

/* Every qemu-system-* found in those directories, once per name (the first
 * found wins), sorted by path; paths as the caller names them (not under
 * the root). */
GPtrArray *dc_emulators_installed(const DcHost *host);
