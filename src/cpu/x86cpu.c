/*
 * x86cpu.c: libvirt 9.0's x86 CPU driver operations on CPU definitions:
 * baseline, compare and feature expansion, on the CPU map's CPUID/MSR data.
 *
 * A CPU definition is turned into data (its model's, plus and minus its
 * features), the data of several CPUs is intersected, and data is turned
 * back into a definition by trying every map model, newest first, and
 * keeping the one that needs the shortest list of features on top
 * ("decoding").  The weights, tie breaks and messages are libvirt's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "cpu/cpuops.h"
#include "cpu/lverror.h"
#include "cpu/x86map.h"

GArray *
dc_x86_cpu_data(const DcX86Map *map, const DcCpuDef *cpu, int policy, const X86Model **model, GError **err)
{
    g_autoptr(GArray) data = NULL;
    const X86Model *m = NULL;

    /* A host CPU has required features only. */
    if (cpu->type == DC_CPU_TYPE_HOST && policy != DC_CPU_POLICY_REQUIRE && policy != ALL_POLICIES)
        return dc_x86_data_new();
    if (cpu->model && (policy == DC_CPU_POLICY_REQUIRE || policy == ALL_POLICIES)) {
        if (!(m = dc_x86_map_model(map, cpu->model))) {
            dc_lv_error(err, DC_LV_INTERNAL, "Unknown CPU model %s", cpu->model);
            return NULL;
        }
        data = dc_x86_data_dup(m->data);
    } else {
        data = dc_x86_data_new();
    }
    for (guint i = 0; i < cpu->features->len; i++) {
        const DcCpuDefFeature *f = dc_cpu_def_feature(cpu, i);
        int fpol = f->policy == DC_CPU_POLICY_NONE ? DC_CPU_POLICY_REQUIRE : (int)f->policy;
        const X86Feature *mf;

        if ((policy == ALL_POLICIES && fpol == DC_CPU_POLICY_OPTIONAL) ||
            (policy != ALL_POLICIES && fpol != policy))
            continue;
        if (!(mf = dc_x86_map_feature(map, f->name))) {
            dc_lv_error(err, DC_LV_INTERNAL, "Unknown CPU feature %s", f->name);
            return NULL;
        }
        if (policy == ALL_POLICIES && (fpol == DC_CPU_POLICY_DISABLE || fpol == DC_CPU_POLICY_FORBID))
            dc_x86_data_subtract(data, mf->data);
        else
            dc_x86_data_add(data, mf->data);
    }
    if (model)
        *model = m;
    return g_steal_pointer(&data);
}

/* Adds the map features wholly in @d to @cpu, in map order, removing each
 * one's bits as it goes (libvirt's x86DataToCPUFeatures). */
static void
data_to_features(const DcX86Map *map, GArray *d, DcCpuPolicy policy, DcCpuDef *cpu)
{
    for (guint i = 0; i < map->features->len; i++) {
        const X86Feature *f = g_ptr_array_index(map->features, i);

        if (dc_x86_data_contains(d, f->data)) {
            dc_x86_data_subtract(d, f->data);
            dc_cpu_def_add_feature(cpu, f->name, policy, DC_CPU_ADD_IF_MISSING, NULL);
        }
    }
}

char *
dc_x86_feature_names(const DcX86Map *map, const GArray *d)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < map->features->len; i++) {
        const X86Feature *f = g_ptr_array_index(map->features, i);

        if (dc_x86_data_contains(d, f->data))
            g_string_append_printf(s, "%s%s", s->len ? ", " : "", f->name);
    }
    return g_string_free(s, FALSE);
}

static void
disable_removed(const X86Model *model, DcCpuDef *cpu)
{
    for (guint i = 0; i < model->removed->len; i++)
        dc_cpu_def_add_feature(cpu, g_ptr_array_index(model->removed, i), DC_CPU_POLICY_DISABLE,
                               DC_CPU_ADD_IF_MISSING, NULL);
}

/* libvirt's x86DataToCPU(): @data described as @model plus the features to
 * require and to disable; the hypervisor's @blockers of the model not in
 * the extra data are disabled too. */
static DcCpuDef *
candidate_cpu(const DcX86Map *map, const GArray *data, const X86Model *model, const char *const *blockers)
{
    DcCpuDef *cpu = dc_cpu_def_new();
    g_autoptr(GArray) extra = dc_x86_data_dup(data);
    g_autoptr(GArray) missing = dc_x86_data_dup(model->data);
    const X86Vendor *vendor;

    cpu->type = DC_CPU_TYPE_GUEST;
    cpu->model = g_strdup(model->name);
    if ((vendor = dc_x86_data_take_vendor(map, extra)))
        cpu->vendor = g_strdup(vendor->name);
    dc_x86_data_subtract(extra, model->data);
    dc_x86_data_subtract(missing, data);
    for (const char *const *b = blockers; b && *b; b++) {
        const X86Feature *f = dc_x86_map_feature(map, *b);

        if (f && !dc_x86_data_contains(extra, f->data))
            dc_x86_data_add(missing, f->data);
    }
    data_to_features(map, extra, DC_CPU_POLICY_REQUIRE, cpu);
    data_to_features(map, missing, DC_CPU_POLICY_DISABLE, cpu);
    disable_removed(model, cpu);
    return cpu;
}

/* The weight of a feature list: a required feature counts 1, disabled ones
 * 2, 3, 4...  libvirt walks the list with a bound that shrinks with each
 * disabled feature it meets, so the last ones go uncounted; that walk
 * decides the model, so it is kept as it is. */
static void
list_weight(const DcCpuDef *cpu, gsize *total, gsize *disabled)
{
    gsize enabled = cpu->features->len;
    gsize step = 2;

    *disabled = 0;
    for (gsize i = 0; i < enabled; i++) {
        if (dc_cpu_def_feature(cpu, i)->policy == DC_CPU_POLICY_DISABLE) {
            enabled--;
            *disabled += step++;
        }
    }
    *total = enabled + *disabled;
}

typedef enum { KEEP_CURRENT, TAKE_CANDIDATE, TAKE_AND_STOP } Verdict;

/* libvirt's x86DecodeUseCandidate() for guest CPUs. */
static Verdict
judge_candidate(const X86Model *cur, const DcCpuDef *cur_cpu, const X86Model *cand, const DcCpuDef *cand_cpu,
                guint32 signature, const char *const *preferred)
{
    gboolean is_preferred = preferred && g_strv_contains(preferred, cand->name);
    gsize cur_total, cur_disabled, cand_total, cand_disabled;

    if (!cand->decode_guest)
        return KEEP_CURRENT;
    if (is_preferred && !preferred[1])
        return TAKE_AND_STOP;
    if (!cur_cpu)
        return TAKE_CANDIDATE;
    if (signature) {
        gboolean cur_match = dc_x86_model_signature_matches(cur, signature);
        gboolean cand_match = dc_x86_model_signature_matches(cand, signature);

        if (cur_match != cand_match)
            return cand_match ? TAKE_CANDIDATE : KEEP_CURRENT;
    }
    list_weight(cur_cpu, &cur_total, &cur_disabled);
    list_weight(cand_cpu, &cand_total, &cand_disabled);
    if (cand_total < cur_total || (cand_total == cur_total && cand_disabled < cur_disabled))
        return TAKE_CANDIDATE;
    return is_preferred && cand_disabled < cur_disabled ? TAKE_CANDIDATE : KEEP_CURRENT;
}

static gboolean
keep_migratable(const char *name, DcCpuPolicy policy, gpointer map)
{
    const X86Feature *f = dc_x86_map_feature(map, name);

    return !f || f->migratable;
}

/* libvirt's x86Decode() for a guest CPU: the map model (among @models when
 * given) closest to @data.  Broken TSX is not dropped here: baseline data
 * has no signature. */
static DcCpuDef *
decode(const DcX86Map *map, const GArray *data, DcHvModels *models, const char *const *preferred,
       gboolean migratable, GError **err)
{
    g_autoptr(GArray) work = dc_x86_data_dup(data);
    const X86Vendor *vendor = dc_x86_data_take_vendor(map, work);
    guint32 signature = dc_x86_data_signature(work);
    g_autoptr(DcCpuDef) best = NULL;
    const X86Model *best_model = NULL;

    if (preferred && !preferred[0])
        preferred = NULL;
    for (guint i = map->models->len; i-- > 0;) {
        const X86Model *cand = g_ptr_array_index(map->models, i);
        gpointer blockers = NULL;
        Verdict v;

        /* A model the hypervisor lacks is skipped; even when it is the
         * one preferred, the new CPU's fallback ('allow') lets that pass. */
        if (models && !g_hash_table_lookup_extended(models, cand->name, NULL, &blockers))
            continue;
        if (vendor && cand->vendor && vendor != cand->vendor)
            continue;
        g_autoptr(DcCpuDef) cpu = candidate_cpu(map, work, cand, blockers);
        v = judge_candidate(best_model, best, cand, cpu, signature, preferred);
        if (v == KEEP_CURRENT)
            continue;
        g_clear_pointer(&best, dc_cpu_def_free);
        best = g_steal_pointer(&cpu);
        best_model = cand;
        if (v == TAKE_AND_STOP)
            break;
    }
    if (!best) {
        dc_lv_error(err, DC_LV_INTERNAL, "Cannot find suitable CPU model for given data");
        return NULL;
    }
    if (migratable)
        dc_cpu_def_filter_features(best, keep_migratable, (gpointer)map);
    g_free(best->vendor);
    best->vendor = vendor ? g_strdup(vendor->name) : NULL;
    return g_steal_pointer(&best);
}

/* The vendor the baseline of CPU number @i agrees on: its own, else its
 * model's; libvirt's checks and messages. */
static gboolean
baseline_vendor(const DcX86Map *map, const DcCpuDef *cpu, const X86Model *model, const X86Vendor **vendor,
                gboolean *output_vendor, GError **err)
{
    const char *vn = cpu->vendor;

    if (cpu->vendor && model && model->vendor && strcmp(cpu->vendor, model->vendor->name) != 0) {
        dc_lv_error(err, DC_LV_OPERATION_FAILED, "CPU vendor %s of model %s differs from vendor %s",
                    model->vendor->name, model->name, cpu->vendor);
        return FALSE;
    }
    if (!vn) {
        *output_vendor = FALSE;
        vn = model && model->vendor ? model->vendor->name : NULL;
    }
    if (!vn)
        return TRUE;
    if (!*vendor && !(*vendor = dc_x86_map_vendor(map, vn))) {
        dc_lv_error(err, DC_LV_OPERATION_FAILED, "Unknown CPU vendor %s", vn);
        return FALSE;
    }
    if (strcmp((*vendor)->name, vn) != 0) {
        dc_lv_error(err, DC_LV_OPERATION_FAILED, "CPU vendors do not match");
        return FALSE;
    }
    return TRUE;
}

/* Keeps in @data only the map features named in @features: map names,
 * or QEMU's names the map gives as aliases (libvirt 12.9's map names
 * vmx-invvpid-single-context-noglobals what QEMU calls
 * vmx-invept-single-context-noglobals). */
static void
restrict_to_features(const DcX86Map *map, GArray *data, const char *const *features)
{
    g_autoptr(GArray) allowed = dc_x86_data_new();

    for (const char *const *f = features; *f; f++) {
        const X86Feature *mf = dc_x86_map_feature(map, *f);

        if (!mf)
            mf = g_hash_table_lookup(map->feature_by_alias, *f);

        if (mf)
            dc_x86_data_add(allowed, mf->data);
    }
    dc_x86_data_intersect(data, allowed);
}

/* The intersected data of @cpus, with the vendor they agree on. */
static GArray *
baseline_data(const DcX86Map *map, DcCpuDef *const *cpus, guint n, const X86Vendor **vendor,
              gboolean *output_vendor, GError **err)
{
    g_autoptr(GArray) base = dc_x86_cpu_data(map, cpus[0], ALL_POLICIES, NULL, err);

    if (!base)
        return NULL;
    *output_vendor = cpus[0]->vendor != NULL;
    if (cpus[0]->vendor && !(*vendor = dc_x86_map_vendor(map, cpus[0]->vendor))) {
        dc_lv_error(err, DC_LV_OPERATION_FAILED, "Unknown CPU vendor %s", cpus[0]->vendor);
        return NULL;
    }
    for (guint i = 1; i < n; i++) {
        const X86Model *model = NULL;
        g_autoptr(GArray) d = dc_x86_cpu_data(map, cpus[i], ALL_POLICIES, &model, err);

        if (!d || !baseline_vendor(map, cpus[i], model, vendor, output_vendor, err))
            return NULL;
        dc_x86_data_intersect(base, d);
    }
    return g_steal_pointer(&base);
}

DcCpuDef *
dc_x86_baseline(const DcCpuMap *cpumap, DcCpuDef *const *cpus, guint n, DcHvModels *models,
                const char *const *features, gboolean migratable, GError **err)
{
    const DcX86Map *map = dc_cpu_map_x86(cpumap);
    const X86Vendor *vendor = NULL;
    gboolean output_vendor = TRUE;
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    g_autoptr(GHashTable) named = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GArray) base = baseline_data(map, cpus, n, &vendor, &output_vendor, err);
    DcCpuDef *cpu;

    if (!base)
        return NULL;
    /* The models the CPUs name, once each, in order: decoding prefers them. */
    for (guint i = 0; i < n; i++) {
        if (cpus[i]->model && g_hash_table_add(named, cpus[i]->model))
            g_ptr_array_add(names, cpus[i]->model);
    }
    g_ptr_array_add(names, NULL);
    if (features)
        restrict_to_features(map, base, features);
    if (dc_x86_data_is_empty(base)) {
        dc_lv_error(err, DC_LV_OPERATION_FAILED, "CPUs are incompatible");
        return NULL;
    }
    if (vendor)
        dc_x86_data_add_item(base, &vendor->item);
    if (!(cpu = decode(map, base, models, (const char *const *)names->pdata, migratable, err)))
        return NULL;
    cpu->type = DC_CPU_TYPE_GUEST;
    cpu->mode = DC_CPU_MODE_CUSTOM;
    cpu->match = DC_CPU_MATCH_EXACT;
    if (names->len == 2 && strcmp(cpu->model, names->pdata[0]) == 0)
        cpu->fallback = DC_CPU_FALLBACK_FORBID;
    if (!output_vendor)
        g_clear_pointer(&cpu->vendor, g_free);
    return cpu;
}

gboolean
dc_x86_expand_features(const DcCpuMap *cpumap, DcCpuDef *cpu, GError **err)
{
    const DcX86Map *map = dc_cpu_map_x86(cpumap);
    const X86Model *model = cpu->model ? dc_x86_map_model(map, cpu->model) : NULL;
    gboolean host = cpu->type == DC_CPU_TYPE_HOST;
    g_autoptr(DcCpuDef) expanded = dc_cpu_def_copy_without_model(cpu);

    if (!model) {
        dc_lv_error(err, DC_LV_INTERNAL, "unknown CPU model %s", cpu->model ? cpu->model : "(null)");
        return FALSE;
    }
    g_autoptr(GArray) data = dc_x86_data_dup(model->data);
    data_to_features(map, data, host ? DC_CPU_POLICY_NONE : DC_CPU_POLICY_REQUIRE, expanded);
    for (guint i = 0; i < cpu->features->len; i++) {
        const DcCpuDefFeature *f = dc_cpu_def_feature(cpu, i);

        if (host || f->policy == DC_CPU_POLICY_REQUIRE || f->policy == DC_CPU_POLICY_DISABLE)
            dc_cpu_def_add_feature(expanded, f->name, f->policy, DC_CPU_ADD_UPDATE, NULL);
    }
    if (!host)
        disable_removed(model, expanded);
    expanded->model = g_strdup(cpu->model);
    expanded->vendor = g_strdup(cpu->vendor);
    expanded->vendor_id = g_strdup(cpu->vendor_id);
    expanded->microcode = cpu->microcode;
    dc_cpu_def_copy_model(cpu, expanded, NULL, NULL);
    return TRUE;
}

gboolean
dc_x86_feature_is_migratable(const DcCpuMap *cpumap, const char *name)
{
    return keep_migratable(name, DC_CPU_POLICY_NONE, dc_cpu_map_x86(cpumap));
}
