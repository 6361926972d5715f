/* Architectures: one table of libvirt's arch names and what each stage
 * needs to know of them (QEMU's target name, the binary that runs it, its
 * family, libvirt's preferred machine and CPU driver, the release that
 * knows it). Low in the house: host/, probe/, cpu/ and caps/ all read it. */
#pragma once
#include <glib.h>

/* The families libvirt compares an emulator's arch within (ARCH_IS_X86,
 * ARCH_IS_ARM, ARCH_IS_PPC, ARCH_IS_S390); others are their own. */
typedef enum {
    DC_ARCH_FAMILY_OTHER,
    DC_ARCH_FAMILY_X86,
    DC_ARCH_FAMILY_ARM,
    DC_ARCH_FAMILY_PPC,
    DC_ARCH_FAMILY_S390,
} DcArchFamily;

/* libvirt's CPU driver for an arch (src/cpu/cpu.c's drivers): whether it
 * lists custom models, and how host-model is found. */
typedef enum {
    DC_ARCH_CPU_NONE,
    DC_ARCH_CPU_X86,
    DC_ARCH_CPU_PPC64,
    DC_ARCH_CPU_S390,
    DC_ARCH_CPU_ARM,
    DC_ARCH_CPU_RISCV64,
    DC_ARCH_CPU_LOONGARCH,
} DcArchCpuDriver;

/* A release for the functions below that knows every arch of the table
 * (for what is the same in every release, such as an arch's family). */
#define DC_ARCH_ANY_RELEASE G_MAXUINT

/* Is this a libvirt arch name in @release (major * 1000 + minor)? */
gboolean dc_arch_is_known(const char *arch, guint release);
/* The libvirt arch a QEMU query-target "arch" means in @release; NULL: none. */
const char *dc_arch_from_qemu_target(const char *target, guint release);
/* virQEMUCapsArchFromString: QEMU's spellings (i386, arm, or32) and
 * libvirt's own names, as firmware descriptors give them; NULL: unknown. */
const char *dc_arch_from_qemu_name(const char *name, guint release);
/* libvirt's name for a kernel's machine name (uname -m), e.g. i586 -> i686. */
const char *dc_arch_from_uname(const char *machine);

DcArchFamily dc_arch_family(const char *arch);
gboolean dc_arch_is_x86(const char *arch);
gboolean dc_arch_is_ppc64(const char *arch);   /* ppc64, ppc64le */
gboolean dc_arch_is_arm(const char *arch);     /* armv6l, armv7l, armv7b, aarch64 */
gboolean dc_arch_is_s390(const char *arch);

/* libvirt's CPU driver for @arch in @release. */
DcArchCpuDriver dc_arch_cpu_driver(const char *arch, guint release);

/* Same family or equal: an emulator of one may be asked about the other
 * (then dc_arch_served_by decides). */
gboolean dc_arch_same_family(const char *a, const char *b);
/* Does an emulator whose native arch is emu_arch serve guests of arch? */
gboolean dc_arch_served_by(const char *arch, const char *emu_arch);
/* Can a guest of this arch run natively on the host (libvirt's
 * virQEMUCapsGuestIsNative)? Not a KVM rule: QEMU says whether KVM works. */
gboolean dc_arch_is_native(const char *arch, const char *host_arch);
/* Binary names (qemu-system-*) libvirt tries for a guest arch on a host,
 * best first (then /usr/libexec/qemu-kvm for a native guest). */
GPtrArray *dc_arch_emulator_names(const char *arch, const char *host_arch);
/* The machine libvirt @release prefers for an emulator of @emu_arch (the
 * binary's arch, not the guest's), NULL when none. */
const char *dc_arch_preferred_machine(const char *emu_arch, guint release);
