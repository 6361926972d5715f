/*
 * x86compare.c: whether a host CPU can run a CPU definition, as libvirt
 * 9.0's x86 driver decides (x86Compute): the host's data against the
 * definition's data split by feature policy, with libvirt's verdict and
 * the message that says why a CPU is incompatible.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "cpu/cpuops.h"
#include "cpu/lverror.h"
#include "cpu/x86map.h"

/* The data of each feature policy of a CPU, and the host's. */
typedef struct {
    GArray *host;
    GArray *force, *require, *optional, *disable, *forbid;
} PolicyData;

static void
policy_data_clear(PolicyData *p)
{
    GArray **all[] = { &p->host, &p->force, &p->require, &p->optional, &p->disable, &p->forbid };

    for (gsize i = 0; i < G_N_ELEMENTS(all); i++)
        g_clear_pointer(all[i], g_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PolicyData, policy_data_clear)

/* In libvirt's order, which decides which unknown name is reported. */
static gboolean
policy_data_get(const DcX86Map *map, const DcCpuDef *host, const DcCpuDef *cpu, PolicyData *p, GError **err)
{
    return (p->host = dc_x86_cpu_data(map, host, ALL_POLICIES, NULL, err)) &&
           (p->force = dc_x86_cpu_data(map, cpu, DC_CPU_POLICY_FORCE, NULL, err)) &&
           (p->require = dc_x86_cpu_data(map, cpu, DC_CPU_POLICY_REQUIRE, NULL, err)) &&
           (p->optional = dc_x86_cpu_data(map, cpu, DC_CPU_POLICY_OPTIONAL, NULL, err)) &&
           (p->disable = dc_x86_cpu_data(map, cpu, DC_CPU_POLICY_DISABLE, NULL, err)) &&
           (p->forbid = dc_x86_cpu_data(map, cpu, DC_CPU_POLICY_FORBID, NULL, err));
}

/* An incompatible verdict, with its reason "WHY: feature, feature". */
static DcCpuCompareResult
incompatible(const DcX86Map *map, char **message, const char *why, const GArray *features)
{
    g_autofree char *names = features ? dc_x86_feature_names(map, features) : NULL;

    *message = names ? g_strdup_printf("%s: %s", why, names) : g_strdup(why);
    return DC_CPU_COMPARE_INCOMPATIBLE;
}

/* libvirt's x86Compute() with the host's model known. */
static DcCpuCompareResult
compute(const DcX86Map *map, const DcCpuDef *host, const DcCpuDef *cpu, char **message, GError **err)
{
    g_auto(PolicyData) p = { 0 };

    if (cpu->arch && g_strcmp0(dc_cpu_driver_for_arch(cpu->arch), "x86") != 0) {
        *message = g_strdup_printf("CPU arch %s does not match host arch", cpu->arch);
        return DC_CPU_COMPARE_INCOMPATIBLE;
    }
    if (cpu->vendor && (!host->vendor || strcmp(cpu->vendor, host->vendor) != 0)) {
        *message = g_strdup_printf("host CPU vendor does not match required CPU vendor %s", cpu->vendor);
        return DC_CPU_COMPARE_INCOMPATIBLE;
    }
    if (!policy_data_get(map, host, cpu, &p, err))
        return DC_CPU_COMPARE_ERROR;
    dc_x86_data_intersect(p.forbid, p.host);
    if (!dc_x86_data_is_empty(p.forbid))
        return incompatible(map, message, "Host CPU provides forbidden features", p.forbid);

    /* The model's features that were forced, made optional or disabled
     * explicitly are not required. */
    dc_x86_data_subtract(p.require, p.force);
    dc_x86_data_subtract(p.require, p.optional);
    dc_x86_data_subtract(p.require, p.disable);
    X86Relation rel = dc_x86_data_relation(p.host, p.require);
    if (rel == X86_SUBSET || rel == X86_UNRELATED) {
        dc_x86_data_subtract(p.require, p.host);
        return incompatible(map, message, "Host CPU does not provide required features", p.require);
    }

    g_autoptr(GArray) extra = dc_x86_data_dup(p.host);
    GArray *mentioned[] = { p.optional, p.require, p.disable, p.force };
    for (gsize i = 0; i < G_N_ELEMENTS(mentioned); i++)
        dc_x86_data_subtract(extra, mentioned[i]);
    if (dc_x86_data_is_empty(extra))
        return DC_CPU_COMPARE_IDENTICAL;
    if (cpu->type == DC_CPU_TYPE_GUEST && cpu->match == DC_CPU_MATCH_STRICT)
        return incompatible(map, message, "Host CPU does not strictly match guest CPU: Extra features", extra);
    return DC_CPU_COMPARE_SUPERSET;
}

DcCpuCompareResult
dc_x86_compare(const DcCpuMap *cpumap, const DcCpuDef *host, const DcCpuDef *cpu, gboolean fail_incompatible,
               GError **err)
{
    g_autofree char *message = NULL;
    DcCpuCompareResult r;

    if (!host || !host->model) {
        if (!fail_incompatible)
            return DC_CPU_COMPARE_INCOMPATIBLE;
        dc_lv_error(err, DC_LV_CPU_INCOMPATIBLE, "unknown host CPU");
        return DC_CPU_COMPARE_ERROR;
    }
    r = compute(dc_cpu_map_x86(cpumap), host, cpu, &message, err);
    if (r != DC_CPU_COMPARE_INCOMPATIBLE || !fail_incompatible)
        return r;
    if (message)
        dc_lv_error(err, DC_LV_CPU_INCOMPATIBLE, "%s", message);
    else
        dc_lv_error_bare(err, DC_LV_CPU_INCOMPATIBLE);
    return DC_CPU_COMPARE_ERROR;
}
