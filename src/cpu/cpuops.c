/*
 * cpuops.c: libvirt's CPU driver dispatch (virCPUBaseline,
 * virCPUExpandFeatures, virCPUGetModels) and the name-only baselines of
 * its ppc64 and arm drivers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "cpu/cpuops.h"
#include "cpu/lverror.h"

/* libvirt 9.0's CPU drivers: which arches each serves, and what it can do. */
typedef struct {
    const char *name;
    const char *const arches[5];
    gboolean has_baseline;
    gboolean has_model_list;   /* the map's models; otherwise any model goes */
} CpuDriver;

static const CpuDriver drivers[] = {
    { "x86", { "i686", "x86_64" }, TRUE, TRUE },
    { "ppc64", { "ppc64", "ppc64le" }, TRUE, TRUE },
    { "s390", { "s390", "s390x" }, FALSE, FALSE },
    { "arm", { "armv6l", "armv7b", "armv7l", "aarch64" }, TRUE, FALSE },
};

static const CpuDriver *
driver_find(const char *arch)
{
    for (gsize i = 0; arch && i < G_N_ELEMENTS(drivers); i++) {
        for (const char *const *a = drivers[i].arches; *a; a++) {
            if (strcmp(*a, arch) == 0)
                return &drivers[i];
        }
    }
    return NULL;
}

const char *
dc_cpu_driver_for_arch(const char *arch)
{
    const CpuDriver *d = driver_find(arch);

    return d ? d->name : NULL;
}

static const CpuDriver *
driver_get(const char *arch, GError **err)
{
    const CpuDriver *d = driver_find(arch);

    if (!d)
        dc_lv_error(err, DC_LV_NO_SUPPORT, "'%s' architecture is not supported by CPU driver", arch);
    return d;
}

static DcCpuMap *
map_load(const char *dir, const char *arch, GError **err)
{
    g_autoptr(GError) local = NULL;
    DcCpuMap *map = dc_cpu_map_load(dir, arch, &local);

    if (!map)
        dc_lv_error(err, DC_LV_INTERNAL, "%s", local->message);
    return map;
}

DcHvModels *
dc_hv_models_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
}

void
dc_hv_models_add(DcHvModels *models, const char *name, const char *const *blockers)
{
    g_hash_table_replace(models, g_strdup(name), blockers ? g_strdupv((char **)blockers) : g_new0(char *, 1));
}

/* libvirt's ppc64 baseline: the CPUs must name the same model; vendors,
 * where given, must agree with it and with each other. */
static DcCpuDef *
ppc64_baseline(const DcCpuMap *map, DcCpuDef *const *cpus, guint n, GError **err)
{
    const char *model = cpus[0]->model;
    const char *model_vendor = dc_cpu_map_model_vendor(map, model);
    const char *vendor = NULL;

    if (!dc_cpu_map_has_model(map, model)) {
        dc_lv_error(err, DC_LV_INTERNAL, "Unknown CPU model %s", model);
        return NULL;
    }
    for (guint i = 0; i < n; i++) {
        const char *v = cpus[i]->vendor;

        if (strcmp(cpus[i]->model, model) != 0) {
            dc_lv_error(err, DC_LV_OPERATION_FAILED, "CPUs are incompatible");
            return NULL;
        }
        if (!v)
            continue;
        if (!dc_cpu_map_has_vendor(map, v)) {
            dc_lv_error(err, DC_LV_OPERATION_FAILED, "Unknown CPU vendor %s", v);
            return NULL;
        }
        if (model_vendor && strcmp(model_vendor, v) != 0) {
            dc_lv_error(err, DC_LV_OPERATION_FAILED, "CPU vendor %s of model %s differs from vendor %s",
                        model_vendor, model, v);
            return NULL;
        }
        if (!model_vendor && vendor && strcmp(vendor, v) != 0) {
            dc_lv_error(err, DC_LV_OPERATION_FAILED, "CPU vendors do not match");
            return NULL;
        }
        if (!model_vendor && !vendor)
            vendor = v;
    }
    DcCpuDef *cpu = dc_cpu_def_new();
    cpu->type = DC_CPU_TYPE_GUEST;
    cpu->model = g_strdup(model);
    cpu->vendor = g_strdup(vendor);
    cpu->fallback = DC_CPU_FALLBACK_FORBID;
    return cpu;
}

/* libvirt's arm baseline: the first CPU's model, nothing checked. */
static DcCpuDef *
arm_baseline(DcCpuDef *const *cpus)
{
    DcCpuDef *cpu = dc_cpu_def_new();

    cpu->type = DC_CPU_TYPE_GUEST;
    cpu->model = g_strdup(cpus[0]->model);
    return cpu;
}

DcCpuDef *
dc_cpu_baseline(const char *arch, const char *cpu_map_dir, DcCpuDef *const *cpus, guint n, DcHvModels *models,
                const char *const *features, gboolean migratable, GError **err)
{
    const CpuDriver *d;

    if (n < 1) {
        dc_lv_error(err, DC_LV_INVALID_ARG, "no CPUs given");
        return NULL;
    }
    for (guint i = 0; i < n; i++) {
        if (!cpus[i]->model) {
            dc_lv_error(err, DC_LV_INVALID_ARG, "no CPU model specified at index %u", i);
            return NULL;
        }
    }
    if (!arch)
        arch = cpus[0]->arch;
    if (!arch) {
        dc_lv_error(err, DC_LV_INTERNAL, "undefined hardware architecture");
        return NULL;
    }
    if (!(d = driver_get(arch, err)))
        return NULL;
    if (!d->has_baseline) {
        dc_lv_error(err, DC_LV_NO_SUPPORT, "cannot compute baseline CPU of %s architecture", arch);
        return NULL;
    }
    if (strcmp(d->name, "arm") == 0)
        return arm_baseline(cpus);
    g_autoptr(DcCpuMap) map = map_load(cpu_map_dir, arch, err);
    if (!map)
        return NULL;
    if (strcmp(d->name, "ppc64") == 0)
        return ppc64_baseline(map, cpus, n, err);
    return dc_x86_baseline(map, cpus, n, models, features, migratable, err);
}

gboolean
dc_cpu_expand_features(const char *arch, const char *cpu_map_dir, DcCpuDef *cpu, GError **err)
{
    const CpuDriver *d = driver_get(arch, err);

    if (!d)
        return FALSE;
    if (strcmp(d->name, "x86") == 0) {
        g_autoptr(DcCpuMap) map = map_load(cpu_map_dir, arch, err);
        if (!map || !dc_x86_expand_features(map, cpu, err))
            return FALSE;
    }
    dc_cpu_def_sort_features(cpu);
    return TRUE;
}

GPtrArray *
dc_cpu_models(const char *arch, const char *cpu_map_dir, GError **err)
{
    const CpuDriver *d = driver_get(arch, err);
    GPtrArray *names;

    if (!d)
        return NULL;
    names = g_ptr_array_new_with_free_func(g_free);
    if (!d->has_model_list)
        return names;
    g_autoptr(DcCpuMap) map = map_load(cpu_map_dir, arch, err);
    if (!map) {
        g_ptr_array_unref(names);
        return NULL;
    }
    for (guint i = 0; i < dc_cpu_map_n_models(map); i++)
        g_ptr_array_add(names, g_strdup(dc_cpu_map_model_name(map, i)));
    return names;
}
