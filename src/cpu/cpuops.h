/*
 * cpuops.h: the operations of libvirt's CPU drivers on CPU definitions
 * (baseline, compare, expanding features, listing models), per
 * architecture family, with libvirt 9.0's results and messages.
 *
 *   x86 (x86cpu.c, x86compare.c): decoding against the CPU map's CPUID/MSR data
 *   ppc64, arm (cpuops.c): baseline by model name only, as libvirt does
 *   s390: none in libvirt (QEMU answers, src/analyze/cpu-s390.c)
 *
 * Errors are DC_LV_ERROR (lverror.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "cpu/cpudef.h"
#include "cpu/cpumap.h"

G_BEGIN_DECLS

/* libvirt's virCPUCompareResult. */
typedef enum {
    DC_CPU_COMPARE_ERROR = -1,
    DC_CPU_COMPARE_INCOMPATIBLE = 0,
    DC_CPU_COMPARE_IDENTICAL = 1,
    DC_CPU_COMPARE_SUPERSET = 2,
} DcCpuCompareResult;

/* The CPU models a hypervisor offers: name -> NULL-terminated list of the
 * features that keep it from running here (the map's spelling; empty when
 * usable), as domain capabilities' custom mode lists them. */
typedef GHashTable DcHvModels;
DcHvModels *dc_hv_models_new(void);
void dc_hv_models_add(DcHvModels *models, const char *name, const char *const *blockers);

/* ---- x86 ---------------------------------------------------------------- */

/**
 * dc_x86_baseline:
 * @cpus: host or guest CPUs, each with a model
 * @models: (nullable): only these models may be the answer (NULL: any of the map)
 * @features: (nullable): only these features may be in it (NULL-terminated, map names)
 * @migratable: leave out features that block migration
 *
 * The newest CPU model, with features, that every CPU of @cpus can run
 * (virCPUx86Baseline): a guest CPU, fallback 'forbid' when it is the one
 * model all of @cpus named.
 */
DcCpuDef *dc_x86_baseline(const DcCpuMap *map, DcCpuDef *const *cpus, guint n, DcHvModels *models,
                          const char *const *features, gboolean migratable, GError **err);

/* How @cpu relates to @host (virCPUx86Compare); with @fail_incompatible an
 * incompatible CPU is an error (DC_LV_CPU_INCOMPATIBLE) saying why. */
DcCpuCompareResult dc_x86_compare(const DcCpuMap *map, const DcCpuDef *host, const DcCpuDef *cpu,
                                  gboolean fail_incompatible, GError **err);

/* Writes out every feature @cpu's model implies (virCPUx86ExpandFeatures);
 * the caller sorts them. */
gboolean dc_x86_expand_features(const DcCpuMap *map, DcCpuDef *cpu, GError **err);

/* Whether the map lets feature @name migrate (unknown names do). */
gboolean dc_x86_feature_is_migratable(const DcCpuMap *map, const char *name);

/* ---- every architecture ------------------------------------------------- */

/* libvirt's CPU driver of @arch ("x86", "ppc64", "s390", "arm"), NULL when
 * none (then every operation fails with libvirt's message). */
const char *dc_cpu_driver_for_arch(const char *arch);

/* virCPUBaseline(): @arch NULL means @cpus[0]'s.  Checks that every CPU
 * has a model, then hands over to the architecture's baseline. */
DcCpuDef *dc_cpu_baseline(const char *arch, const char *cpu_map_dir, DcCpuDef *const *cpus, guint n,
                          DcHvModels *models, const char *const *features, gboolean migratable, GError **err);

/* virCPUExpandFeatures(): the implied features (x86), then sorted by name. */
gboolean dc_cpu_expand_features(const char *arch, const char *cpu_map_dir, DcCpuDef *cpu, GError **err);

/* virCPUGetModels(): the model names of @arch's map; an empty list when
 * any model is accepted (arm, s390). */
GPtrArray *dc_cpu_models(const char *arch, const char *cpu_map_dir, GError **err);

G_END_DECLS
