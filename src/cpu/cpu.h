/*
 * cpu.h: the model data of the <cpu> section of domain capabilities.
 *
 * Turns QEMU's raw QMP replies plus libvirt's CPU map into what libvirt 9.0
 * prints under <mode name='host-model'> and <mode name='custom'>.  Inputs are
 * the json-c objects of the replies as received (or as cached), so the probe
 * never has to interpret them.  Nothing here prints; errors use DC_CPU_ERROR.
 *
 * What the probe sends (x86, libvirt 9.0), see probe/cpu-questions.h:
 *
 *   {"execute":"query-cpu-definitions"}
 *       -> "return" array: dc_cpu_custom_models(), and the @definitions
 *          argument of dc_cpu_x86_host_model()
 *   {"execute":"query-cpu-model-expansion",
 *    "arguments":{"type":"static","model":{"name":"max"}}}         (TCG)
 *   {"execute":"query-cpu-model-expansion",
 *    "arguments":{"type":"static","model":{"name":"host"}}}        (KVM)
 *       -> "return" object: @expansion
 *   the same with "model":{"name":...,"props":{"migratable":false}}
 *       -> "return" object: @expansion_nonmigratable
 *
 * When QEMU lacks canonical CPU feature names (libvirt 9.0 decides this from
 * the "unavailable-features" property of the max-x86_64-cpu QOM type, which
 * qemu-system-i386 does not have, so i686 is always in this mode), each
 * static expansion is followed by a full one of its result:
 *   {"execute":"query-cpu-model-expansion",
 *    "arguments":{"type":"full","model":<"model" of the static reply>}}
 * and it is the full reply that is passed on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "cpu/cpumap.h"

G_BEGIN_DECLS

#define DC_CPU_ERROR (dc_cpu_error_quark())
GQuark dc_cpu_error_quark(void);

typedef enum {
    DC_CPU_ERROR_MAP,        /* CPU map unreadable or invalid */
    DC_CPU_ERROR_NO_MAP,     /* the architecture has no CPU map */
    DC_CPU_ERROR_BAD_REPLY,  /* a QMP reply does not have the expected shape */
    DC_CPU_ERROR_NO_MODEL,   /* no CPU model of the map fits the host CPU;
                              * libvirt then reports host-model unsupported */
} DcCpuError;

/* One <feature policy=... name=.../> of host-model. */
typedef struct {
    char *name;
    char *policy;   /* "require" or "disable" */
} DcCpuFeature;

void dc_cpu_feature_free(DcCpuFeature *feature);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcCpuFeature, dc_cpu_feature_free)

/* <mode name='host-model' supported='yes'> contents. */
typedef struct {
    char *model;          /* <model fallback=...>NAME</model> */
    char *vendor;         /* <vendor>, NULL when unknown (then not printed) */
    char *fallback;       /* "forbid" */
    GPtrArray *features;  /* of DcCpuFeature, in print order */
} DcHostModel;

void dc_host_model_free(DcHostModel *hm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcHostModel, dc_host_model_free)

/* One <model usable=... vendor=...>NAME</model> of the custom mode. */
typedef struct {
    char *name;
    char *usable;   /* "yes", "no" or "unknown" */
    char *vendor;   /* map vendor of the model, "unknown" when none */
    char *canonical;/* x86: the model it is an alias of, NULL when none */
    gboolean deprecated;
    char **blockers;/* QEMU's unavailable-features in the map's spelling, QEMU's
                     * order (NULL when usable or unknown) */
} DcCustomModel;

void dc_custom_model_free(DcCustomModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcCustomModel, dc_custom_model_free)

/**
 * dc_cpu_x86_host_model:
 * @map: x86 CPU map
 * @expansion: "return" object (or its "model" member) of the host CPU
 *     expansion; the full one when @canonical is FALSE
 * @expansion_nonmigratable: (nullable): the same for the expansion with
 *     "migratable":false; features only it enables count as host features
 * @definitions: (nullable): "return" array of query-cpu-definitions; only the
 *     models QEMU lists are candidates, and their unavailable-features are
 *     disabled explicitly
 * @canonical: QEMU reports canonical feature names (libvirt's
 *     canonical-cpu-features / cpu-unavailable-features): names such as
 *     "lahf-lm" are translated to the map's spelling; when FALSE, names are
 *     taken as they are and MSR-based features are left out of the result
 * @err: return location for a DC_CPU_ERROR
 *
 * Decodes the expanded host CPU against the map the way libvirt 9.0 does for
 * the host-model CPU it reports.
 *
 * Returns: (transfer full): the host model, or NULL with @err set
 * (DC_CPU_ERROR_NO_MODEL means libvirt shows host-model supported='no').
 */
DcHostModel *dc_cpu_x86_host_model(const DcCpuMap *map,
                                   json_object *expansion,
                                   json_object *expansion_nonmigratable,
                                   json_object *definitions,
                                   gboolean canonical,
                                   GError **err);

/* One CPUID leaf/sub-leaf of the host, or with @msr the MSR @in (in
 * regs[0] and regs[3]); FALSE when it cannot be read. */
typedef gboolean (*DcCpuidReader)(gpointer opaque, gboolean msr, guint32 in, guint32 sub, guint32 regs[4]);

/* host-model when QEMU cannot expand the host CPU (x86host-cpuid.c):
 * libvirt 9.0's decoding of the host's own CPUID, read through @read,
 * against @map among the models of @definitions; fallback 'allow'. NULL
 * with @err set as dc_cpu_x86_host_model() does. */
DcHostModel *dc_cpu_x86_host_model_from_cpuid(const DcCpuMap *map, DcCpuidReader read, gpointer opaque,
                                              json_object *definitions, gboolean canonical, GError **err);

/**
 * dc_cpu_custom_models:
 * @map: (nullable): CPU map of the guest arch, NULL when it has none
 * @definitions: "return" array of query-cpu-definitions
 * @err: return location for a DC_CPU_ERROR
 *
 * Lists the models of <mode name='custom'> in QEMU's order: "host" is never
 * listed; with an x86 or ppc64 map only models the map defines are kept
 * (ppc64 names are matched case-insensitively and printed in the map's
 * spelling); an arm map or no map keeps every model.  usable comes from
 * "unavailable-features" ("unknown" when QEMU does not report it).
 *
 * Returns: (transfer full) (element-type DcCustomModel): the list, possibly
 * empty, or NULL with @err set.
 */
GPtrArray *dc_cpu_custom_models(const DcCpuMap *map,
                                json_object *definitions,
                                GError **err);

/**
 * dc_cpu_x86_expand_features:
 * @map: x86 CPU map
 * @model: the host-model's model name
 * @features: (element-type DcCpuFeature): its explicit features
 *
 * The host-model CPU with every feature written out (libvirt's
 * VIR_CONNECT_GET_DOMAIN_CAPABILITIES_EXPAND_CPU_FEATURES): the features the
 * model implies and the explicit ones, named in map order with policy
 * "require", then each explicit feature keeps its own policy.
 *
 * Returns: (transfer full) (element-type DcCpuFeature): the list, or NULL
 * with @err set when @model is not in the map.
 */
GPtrArray *dc_cpu_x86_expand_features(const DcCpuMap *map, const char *model,
                                      GPtrArray *features, GError **err);

/**
 * dc_cpu_x86_arch_capabilities_features:
 *
 * Map names of the features of the IA32_ARCH_CAPABILITIES MSR that either
 * host expansion enables (the features QEMU 10.1 and newer hide from the
 * host CPU by default, which libvirt adds back for
 * VIR_CONNECT_GET_DOMAIN_CAPABILITIES_SUPPORTED_CPU_FEATURES).
 *
 * Returns: (transfer full) (element-type utf8): possibly empty.
 */
GPtrArray *dc_cpu_x86_arch_capabilities_features(const DcCpuMap *map,
                                                 json_object *expansion,
                                                 json_object *expansion_nonmigratable);

/* The map's spelling of a feature QEMU names canonically ("lahf-lm" -> "lahf_lm"). */
const char *dc_cpu_x86_feature_name(const char *qemu_name);

/**
 * dc_cpu_x86_msr_features:
 *
 * Map names of the features defined by bits of MSR @index that are all set
 * in @value (EDX:EAX), in map order.
 *
 * Returns: (transfer full) (element-type utf8): possibly empty.
 */
GPtrArray *dc_cpu_x86_msr_features(const DcCpuMap *map, guint32 index, guint64 value);

G_END_DECLS
