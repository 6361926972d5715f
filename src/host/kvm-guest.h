/* What KVM on this host lets a guest have, learned only when QEMU starts
 * one: libvirt's document offers SMM-requiring firmware and host CPUs whose
 * IA32_ARCH_CAPABILITIES QEMU then fails to set. Asked of /dev/kvm with a
 * throw-away VM and vCPU (no guest runs), or read from a fixture root's
 * <root>/.domcaps/kvm-guest ("smm 0", "max-vcpus 1024",
 * "arch-capabilities-settable 0", "hyperv 0", "pv-unhalt 1", one per line). */
#pragma once
#include <glib.h>
#include "host/host.h"

typedef struct {
    gboolean known;                 /* /dev/kvm answered (or the fixture said) */
    gboolean smm;                   /* KVM_CAP_X86_SMM: System Management Mode */
    guint max_vcpus;                /* KVM_CAP_MAX_VCPUS, 0 when unknown */
    gboolean arch_caps_settable;    /* a vCPU takes the IA32_ARCH_CAPABILITIES value KVM offers */
    gboolean hyperv;                /* KVM_CAP_HYPERV: KVM emulates Hyper-V's MSRs */
    gboolean pv_unhalt;             /* KVM_FEATURE_PV_UNHALT: paravirtual spinlocks */
} DcKvmGuest;

/* Fill @out; out->known is FALSE when KVM cannot be asked (no /dev/kvm,
 * not x86). Asked once per process and root. */
void dc_kvm_guest_caps(const DcHost *host, DcKvmGuest *out);

/* A feature MSR as KVM offers it to guests (KVM_GET_MSRS on /dev/kvm:
 * IA32_ARCH_CAPABILITIES...). FALSE when KVM cannot say. */
gboolean dc_kvm_feature_msr(const DcHost *host, guint32 index, guint64 *value);
