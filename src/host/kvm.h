/* The host's KVM: /dev/kvm (under the host's root) and what the kernel
 * answers on it. One place for every question domcaps asks of KVM. */
#pragma once
#include "host/host.h"
#include <sys/stat.h>

/* Can this process open /dev/kvm for reading and writing? */
gboolean dc_host_kvm_usable(const DcHost *host);

/* stat() of /dev/kvm; FALSE when there is none. */
gboolean dc_host_kvm_stat(const DcHost *host, struct stat *st);

/* KVM's vCPU limit (KVM_CAP_MAX_VCPUS, else KVM_CAP_NR_VCPUS, else 4 as
 * libvirt guesses). No /dev/kvm: no limit (G_MAXINT), as libvirt's test
 * suite mocks it; a fixture tree may hold a regular file at /dev/kvm whose
 * content is the limit. */
guint dc_host_kvm_max_vcpus(const DcHost *host);

/* A feature MSR KVM offers guests (KVM_GET_MSRS on the system descriptor,
 * Linux 4.17 and newer); under a fixture root, the line "INDEX VALUE"
 * (hex) of <root>/.domcaps/kvm-msr. */
gboolean dc_host_kvm_feature_msr(const DcHost *host, guint32 index, guint64 *value);
