/* Publishing a host's document for the schedulers that place guests:
 *
 *   labels.c   Kubernetes node labels as KubeVirt's node labeller makes
 *              them (usable CPU models, host-model CPU and its required
 *              features, vendor, machine types, SEV), each valid under
 *              Kubernetes' label syntax
 *   traits.c   OpenStack placement traits as nova's libvirt driver makes
 *              them (storage buses, video models, CPU features, SEV,
 *              secure boot, TPM)
 *   hostcpu.c  the host CPU's features both read: host-model's, with
 *              those its model implies (virsh hypervisor-cpu-baseline
 *              --features of the document, as KubeVirt runs it and as
 *              nova expands the host CPU) */
#pragma once
#include "util/node.h"

/* The features host-model requires, its model's included (x86, from
 * libvirt's CPU map at @cpu_map_dir), sorted; NULL with @err set when the
 * document has no host-model CPU or the map cannot expand it. */
GPtrArray *dc_host_cpu_features(const DcNode *doc, const char *cpu_map_dir, GError **err);

/* Kubernetes' label syntax: a name (at most 63 characters, alphanumerics
 * and '-', '_', '.' inside), a prefix (a DNS subdomain), a value (empty or
 * as a name). */
gboolean dc_k8s_label_name_valid(const char *s);
gboolean dc_k8s_label_prefix_valid(const char *s);
gboolean dc_k8s_label_key_valid(const char *key);
gboolean dc_k8s_label_value_valid(const char *value);

/* The labels, "key=value" each, sorted; those a document's names would
 * make invalid are left out and counted in *n_invalid. */
GPtrArray *dc_labels(const DcNode *doc, const char *cpu_map_dir, guint *n_invalid);

/* The traits, sorted. */
GPtrArray *dc_traits(const DcNode *doc, const char *cpu_map_dir);
