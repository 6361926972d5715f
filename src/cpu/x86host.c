/*
 * x86host.c: the host-model decode of libvirt 9.0, and the feature lists
 * of libvirt's newer host-model options.
 *
 * libvirt describes the host CPU it reports as host-model by decoding the
 * CPUID bits of QEMU's expanded host CPU against its CPU map: every known
 * model is a candidate, each candidate yields the list of features to add
 * ("require") and to remove ("disable") to get from the model to the host,
 * and the candidate with the shortest list wins, with a preference for models
 * whose family/model/stepping signature matches the host.  This file
 * reimplements that decode on the map data read by x86map.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/cpumap.h"
#include "cpu/x86map.h"


/* ---- QEMU's view of the host CPU ------------------------------------- */

/* QEMU's canonical spelling -> the map's, where they differ (libvirt 9.0
 * translates exactly these when QEMU uses canonical names). */
static const struct {
    const char *qemu;
    const char *libvirt;
} feature_names[] = {
    { "cmp-legacy", "cmp_legacy" },
    { "ds-cpl", "ds_cpl" },
    { "fxsr-opt", "fxsr_opt" },
    { "kvm-pv-eoi", "kvm_pv_eoi" },
    { "kvm-pv-unhalt", "kvm_pv_unhalt" },
    { "lahf-lm", "lahf_lm" },
    { "nodeid-msr", "nodeid_msr" },
    { "pclmulqdq", "pclmuldq" },
    { "perfctr-core", "perfctr_core" },
    { "perfctr-nb", "perfctr_nb" },
    { "tsc-adjust", "tsc_adjust" },
};

static const char *
feature_from_qemu(const char *name, gboolean canonical)
{
    if (!canonical)
        return name;
    for (gsize i = 0; i < G_N_ELEMENTS(feature_names); i++) {
        if (g_str_equal(name, feature_names[i].qemu))
            return feature_names[i].libvirt;
    }
    return name;
}

const char *
dc_cpu_x86_feature_name(const char *qemu_name)
{
    return feature_from_qemu(qemu_name, TRUE);
}

/* The map feature QEMU calls @name in any of its spellings. */
static const X86Feature *
feature_find_qemu(const DcX86Map *map, const char *name)
{
    const X86Feature *f;

    if ((f = dc_x86_map_feature(map, name)) ||
        (f = dc_x86_map_feature(map, feature_from_qemu(name, TRUE))))
        return f;
    return g_hash_table_lookup(map->feature_by_alias, name);
}

/* The props object of an expansion reply given either as the "return"
 * object ({"model":{...}}) or as the model itself. */
static json_object *
expansion_props(json_object *obj, const char *what, GError **err)
{
    json_object *model = NULL;
    json_object *props = NULL;

    if (json_object_is_type(obj, json_type_object) &&
        !json_object_object_get_ex(obj, "props", NULL) &&
        json_object_object_get_ex(obj, "model", &model))
        obj = model;

    if (!json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, "props", &props) ||
        !json_object_is_type(props, json_type_object)) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_BAD_REPLY,
                    "%s: query-cpu-model-expansion reply has no model props",
                    what);
        return NULL;
    }
    return props;
}

/* The CPUID/MSR data of the host CPU as libvirt builds it from the expanded
 * props: every enabled feature the map knows (unknown ones are ignored), the
 * vendor string in leaf 0 and the family/model/stepping signature in leaf 1.
 * A feature counts as enabled when either expansion enables it, i.e. the
 * reported host CPU includes features that block migration (invtsc...). */
static GArray *
host_data(const DcX86Map *map, json_object *props, json_object *nm_props,
          gboolean canonical, GError **err)
{
    g_autoptr(GArray) data = dc_x86_data_new();
    gint64 family = 0, model = 0, stepping = 0;
    X86Item sig = { .type = ITEM_CPUID, .in = 1 };

    json_object_object_foreach(props, key, val) {
        const char *name = feature_from_qemu(key, canonical);

        if (json_object_is_type(val, json_type_boolean)) {
            gboolean on = json_object_get_boolean(val);
            json_object *nm = NULL;
            const X86Feature *f;

            if (!on && nm_props &&
                json_object_object_get_ex(nm_props, key, &nm) &&
                json_object_is_type(nm, json_type_boolean))
                on = json_object_get_boolean(nm);

            if (on && (f = dc_x86_map_feature(map, name)))
                dc_x86_data_add(data, f->data);
        } else if (json_object_is_type(val, json_type_string)) {
            const char *s = json_object_get_string(val);
            X86Item v = { .type = ITEM_CPUID };

            if (!g_str_equal(name, "vendor"))
                continue;
            if (strlen(s) != 12) {
                g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_BAD_REPLY,
                            "invalid CPU vendor string '%s'", s);
                return NULL;
            }
            memcpy(&v.r[EBX], s, 4);
            memcpy(&v.r[EDX], s + 4, 4);
            memcpy(&v.r[ECX], s + 8, 4);
            for (int i = 0; i < 4; i++)
                v.r[i] = GUINT32_FROM_LE(v.r[i]);
            dc_x86_data_add_item(data, &v);
        } else if (json_object_is_type(val, json_type_int)) {
            if (g_str_equal(name, "family"))
                family = json_object_get_int64(val);
            else if (g_str_equal(name, "model"))
                model = json_object_get_int64(val);
            else if (g_str_equal(name, "stepping"))
                stepping = json_object_get_int64(val);
        }
    }

    sig.r[EAX] = dc_x86_signature_make((guint) family, (guint) model, (guint) stepping);
    dc_x86_data_add_item(data, &sig);
    return g_steal_pointer(&data);
}

/* ---- the decode --------------------------------------------------------- */

const X86Vendor *
dc_x86_data_take_vendor(const DcX86Map *map, GArray *d)
{
    for (guint i = 0; i < map->vendors->len; i++) {
        const X86Vendor *v = g_ptr_array_index(map->vendors, i);
        X86Item *it = dc_x86_data_get(d, &v->item);

        if (it && dc_x86_item_has_bits(it, &v->item)) {
            for (int j = 0; j < 4; j++)
                it->r[j] &= ~v->item.r[j];
            return v;
        }
    }
    return NULL;
}

gboolean
dc_x86_model_signature_matches(const X86Model *m, guint32 signature)
{
    guint family, model, stepping;

    dc_x86_signature_split(signature, &family, &model, &stepping);
    for (guint i = 0; i < m->signatures->len; i++) {
        const X86Signature *s = &g_array_index(m->signatures, X86Signature, i);

        if (s->family == family && s->model == model &&
            (!s->steppings || (s->steppings & (1u << stepping))))
            return TRUE;
    }
    return FALSE;
}

/* Early TSX implementations are broken and disabled by microcode; never let
 * hle/rtm of such Intel CPUs into the decode. */
static void
data_drop_broken_tsx(const DcX86Map *map, GArray *d, const X86Vendor *vendor,
                     guint32 signature)
{
    guint family, model, stepping;
    const X86Feature *f;

    if (!vendor || !g_str_equal(vendor->name, "Intel"))
        return;
    dc_x86_signature_split(signature, &family, &model, &stepping);
    if (family != 6 ||
        !((model == 63 && stepping < 4) ||
          model == 60 || model == 69 || model == 70))
        return;
    if ((f = dc_x86_map_feature(map, "hle")))
        dc_x86_data_subtract(d, f->data);
    if ((f = dc_x86_map_feature(map, "rtm")))
        dc_x86_data_subtract(d, f->data);
}

static void
feature_list_add(GPtrArray *list, const char *name, const char *policy)
{
    DcCpuFeature *f = g_new0(DcCpuFeature, 1);

    f->name = g_strdup(name);
    f->policy = g_strdup(policy);
    g_ptr_array_add(list, f);
}

/* Names the features whose bits are all in @d, in map order, removing each
 * one's bits as it goes so overlapping features are named once. */
static void
data_to_features(const DcX86Map *map, GArray *d, const char *policy,
                 GPtrArray *list)
{
    for (guint i = 0; i < map->features->len; i++) {
        const X86Feature *f = g_ptr_array_index(map->features, i);

        if (dc_x86_data_contains(d, f->data)) {
            dc_x86_data_subtract(d, f->data);
            feature_list_add(list, f->name, policy);
        }
    }
}

static gboolean
feature_list_has(GPtrArray *list, const char *name)
{
    for (guint i = 0; i < list->len; i++) {
        if (g_str_equal(((DcCpuFeature *) g_ptr_array_index(list, i))->name, name))
            return TRUE;
    }
    return FALSE;
}

/* The features to require and to disable to turn @model into the CPU
 * described by @data (vendor already removed).  @blockers are the features
 * QEMU's version of the model lacks on this host, in QEMU's spelling
 * whatever the naming mode: those not required on top of the model are
 * disabled as well. */
static GPtrArray *
cpu_to_features(const DcX86Map *map, const GArray *data,
                const X86Model *model, json_object *blockers)
{
    GPtrArray *list = g_ptr_array_new_with_free_func(
        (GDestroyNotify) dc_cpu_feature_free);
    g_autoptr(GArray) extra = dc_x86_data_dup(data);
    g_autoptr(GArray) missing = dc_x86_data_dup(model->data);

    dc_x86_data_subtract(extra, model->data);
    dc_x86_data_subtract(missing, data);

    for (size_t i = 0; blockers && i < json_object_array_length(blockers); i++) {
        json_object *b = json_object_array_get_idx(blockers, i);
        const X86Feature *f;

        if (json_object_is_type(b, json_type_string) &&
            (f = feature_find_qemu(map, json_object_get_string(b))) &&
            !dc_x86_data_contains(extra, f->data))
            dc_x86_data_add(missing, f->data);
    }

    data_to_features(map, extra, "require", list);
    data_to_features(map, missing, "disable", list);

    /* The decoded CPU is a guest CPU: features removed from the model are
     * listed explicitly unless already mentioned. */
    for (guint i = 0; i < model->removed->len; i++) {
        const char *name = g_ptr_array_index(model->removed, i);

        if (!feature_list_has(list, name))
            feature_list_add(list, name, "disable");
    }
    return list;
}

/* The weight of a candidate's feature list: each required feature counts 1,
 * disabled features cost more and more (2, 3, 4...) since every one of them
 * makes the model a worse description of the CPU.
 *
 * libvirt 9.0 walks the list with an upper bound that shrinks by one with
 * every disabled feature it meets, so the last disabled features of a list
 * are neither penalized nor counted at all.  That walk decides which model
 * libvirt picks, so it is reproduced as is. */
static void
list_weight(GPtrArray *list, gsize *total, gsize *penalty)
{
    gsize enabled = list->len;
    gsize disabled = 0;
    gsize step = 2;

    for (gsize i = 0; i < enabled; i++) {
        DcCpuFeature *f = g_ptr_array_index(list, i);

        if (g_str_equal(f->policy, "disable")) {
            enabled--;
            disabled += step++;
        }
    }
    *total = enabled + disabled;
    *penalty = disabled;
}

/* Whether @cand (with feature list @cand_list) describes the CPU better than
 * the current choice.  A model with the host's signature beats one without;
 * otherwise the lighter feature list wins, ties going to fewer disabled
 * features. */
static gboolean
candidate_is_better(const X86Model *cur, GPtrArray *cur_list,
                    const X86Model *cand, GPtrArray *cand_list,
                    guint32 signature)
{
    gsize cur_total, cur_penalty, cand_total, cand_penalty;

    /* The reported host-model CPU is a guest CPU definition. */
    if (!cand->decode_guest)
        return FALSE;
    if (!cur)
        return TRUE;
    if (signature) {
        gboolean cur_match = dc_x86_model_signature_matches(cur, signature);
        gboolean cand_match = dc_x86_model_signature_matches(cand, signature);

        if (cur_match != cand_match)
            return cand_match;
    }

    list_weight(cur_list, &cur_total, &cur_penalty);
    list_weight(cand_list, &cand_total, &cand_penalty);
    return cand_total < cur_total ||
           (cand_total == cur_total && cand_penalty < cur_penalty);
}

/* QEMU's definition of @name: NULL when @definitions is NULL or lacks it. */
static json_object *
definition_find(json_object *definitions, const char *name, gboolean *found)
{
    *found = definitions == NULL;
    if (!definitions)
        return NULL;
    for (size_t i = 0; i < json_object_array_length(definitions); i++) {
        json_object *def = json_object_array_get_idx(definitions, i);
        json_object *n = NULL;

        if (json_object_object_get_ex(def, "name", &n) &&
            g_strcmp0(json_object_get_string(n), name) == 0) {
            *found = TRUE;
            return def;
        }
    }
    return NULL;
}

void
dc_cpu_feature_free(DcCpuFeature *feature)
{
    if (!feature)
        return;
    g_free(feature->name);
    g_free(feature->policy);
    g_free(feature);
}

void
dc_host_model_free(DcHostModel *hm)
{
    if (!hm)
        return;
    g_free(hm->model);
    g_free(hm->vendor);
    g_free(hm->fallback);
    if (hm->features)
        g_ptr_array_unref(hm->features);
    g_free(hm);
}

/* The model of the map that describes the host's @data best, with its
 * feature list in *@list (libvirt's choice: see candidate_is_better);
 * NULL when none fits. Only models QEMU knows (@definitions) and of the
 * host's vendor are candidates. */
static const X86Model *
best_model(const DcX86Map *map, const GArray *data, const X86Vendor *vendor,
           json_object *definitions, GPtrArray **list)
{
    const X86Model *best = NULL;
    guint32 signature = dc_x86_data_signature(data);

    /* Newest models come last in the map; try them first. */
    for (guint i = map->models->len; i-- > 0;) {
        const X86Model *cand = g_ptr_array_index(map->models, i);
        json_object *blockers = NULL;
        gboolean known;
        json_object *def = definition_find(definitions, cand->name, &known);

        if (!known || (vendor && cand->vendor && vendor != cand->vendor))
            continue;
        if (def)
            json_object_object_get_ex(def, "unavailable-features", &blockers);
        if (blockers && !json_object_is_type(blockers, json_type_array))
            blockers = NULL;

        GPtrArray *features = cpu_to_features(map, data, cand, blockers);
        if (candidate_is_better(best, *list, cand, features, signature)) {
            g_clear_pointer(list, g_ptr_array_unref);
            *list = features;
            best = cand;
        } else {
            g_ptr_array_unref(features);
        }
    }
    return best;
}

static void
drop_msr_features(const DcX86Map *map, GPtrArray *features)
{
    for (guint i = 0; i < features->len;) {
        DcCpuFeature *f = g_ptr_array_index(features, i);
        const X86Feature *mf = dc_x86_map_feature(map, f->name);

        if (mf && dc_x86_data_has_msr(mf->data))
            g_ptr_array_remove_index(features, i);
        else
            i++;
    }
}

DcHostModel *
dc_cpu_x86_host_model(const DcCpuMap *cpumap,
                      json_object *expansion,
                      json_object *expansion_nonmigratable,
                      json_object *definitions,
                      gboolean canonical,
                      GError **err)
{
    const DcX86Map *map = dc_cpu_map_x86(cpumap);
    json_object *props;
    json_object *nm_props = NULL;
    g_autoptr(GArray) data = NULL;

    if (!map) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_NO_MAP,
                    "host-model needs the x86 CPU map");
        return NULL;
    }
    if (definitions && !json_object_is_type(definitions, json_type_array)) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_BAD_REPLY,
                    "query-cpu-definitions did not return an array");
        return NULL;
    }
    if (!(props = expansion_props(expansion, "expansion", err)))
        return NULL;
    if (expansion_nonmigratable &&
        !(nm_props = expansion_props(expansion_nonmigratable,
                                     "non-migratable expansion", err)))
        return NULL;
    if (!(data = host_data(map, props, nm_props, canonical, err)))
        return NULL;

    return dc_x86_host_model_of_data(map, data, definitions, canonical, "forbid", err);
}

DcHostModel *
dc_x86_host_model_of_data(const DcX86Map *map, GArray *data, json_object *definitions,
                          gboolean canonical, const char *fallback, GError **err)
{
    g_autoptr(GPtrArray) best_list = NULL;
    const X86Model *best;
    const X86Vendor *vendor;
    DcHostModel *hm;

    vendor = dc_x86_data_take_vendor(map, data);
    data_drop_broken_tsx(map, data, vendor, dc_x86_data_signature(data));

    if (!(best = best_model(map, data, vendor, definitions, &best_list))) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_NO_MODEL,
                    "no CPU model fits the host CPU");
        return NULL;
    }
    /* Without canonical names QEMU lacks the "unavailable-features" CPU
     * property, and libvirt then keeps MSR-based features out of the CPU
     * definitions it reports since it could not check them. */
    if (!canonical)
        drop_msr_features(map, best_list);

    hm = g_new0(DcHostModel, 1);
    hm->model = g_strdup(best->name);
    hm->vendor = vendor ? g_strdup(vendor->name) : NULL;
    hm->fallback = g_strdup(fallback);
    hm->features = g_steal_pointer(&best_list);
    return hm;
}

/* ---- expanded host-model (virsh domcapabilities --expand-cpu-features) -- */

GPtrArray *
dc_cpu_x86_expand_features(const DcCpuMap *cpumap, const char *model_name,
                           GPtrArray *features, GError **err)
{
    const DcX86Map *map = dc_cpu_map_x86(cpumap);
    const X86Model *model = map && model_name
        ? g_hash_table_lookup(map->model_by_name, model_name) : NULL;

    if (!model) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_NO_MODEL,
                    "CPU model '%s' is not in the x86 CPU map",
                    model_name ? model_name : "(none)");
        return NULL;
    }

    /* The model's own data plus every feature named on top of it, written
     * out feature by feature in map order; then each explicit feature keeps
     * its own policy (a disabled one stays disabled where it is listed). */
    g_autoptr(GArray) data = dc_x86_data_dup(model->data);
    for (guint i = 0; features && i < features->len; i++) {
        const DcCpuFeature *f = g_ptr_array_index(features, i);
        const X86Feature *mf = dc_x86_map_feature(map, f->name);

        if (mf)
            dc_x86_data_add(data, mf->data);
    }
    GPtrArray *list = g_ptr_array_new_with_free_func(
        (GDestroyNotify) dc_cpu_feature_free);
    data_to_features(map, data, "require", list);

    for (guint i = 0; features && i < features->len; i++) {
        const DcCpuFeature *f = g_ptr_array_index(features, i);
        gboolean found = FALSE;

        for (guint j = 0; j < list->len && !found; j++) {
            DcCpuFeature *have = g_ptr_array_index(list, j);

            if (g_str_equal(have->name, f->name)) {
                g_free(have->policy);
                have->policy = g_strdup(f->policy);
                found = TRUE;
            }
        }
        if (!found)
            feature_list_add(list, f->name, f->policy);
    }
    return list;
}

#define X86_MSR_ARCH_CAPABILITIES 0x10a

GPtrArray *
dc_cpu_x86_arch_capabilities_features(const DcCpuMap *cpumap,
                                      json_object *expansion,
                                      json_object *expansion_nonmigratable)
{
    const DcX86Map *map = dc_cpu_map_x86(cpumap);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    json_object *sources[] = { expansion, expansion_nonmigratable };

    if (!map)
        return names;
    for (gsize s = 0; s < G_N_ELEMENTS(sources); s++) {
        json_object *props = sources[s] ? expansion_props(sources[s], "host", NULL)
                                        : NULL;

        if (!props)
            continue;
        json_object_object_foreach(props, key, val) {
            const X86Feature *f;
            gboolean msr = FALSE;

            if (!json_object_is_type(val, json_type_boolean) ||
                !json_object_get_boolean(val) ||
                !(f = feature_find_qemu(map, key)))
                continue;
            for (guint i = 0; i < f->data->len; i++) {
                const X86Item *it = &g_array_index(f->data, X86Item, i);

                if (it->type == ITEM_MSR && it->in == X86_MSR_ARCH_CAPABILITIES)
                    msr = TRUE;
            }
            if (msr && !g_ptr_array_find_with_equal_func(names, f->name, g_str_equal, NULL))
                g_ptr_array_add(names, g_strdup(f->name));
        }
    }
    return names;
}

GPtrArray *
dc_cpu_x86_msr_features(const DcCpuMap *cpumap, guint32 index, guint64 value)
{
    const DcX86Map *map = dc_cpu_map_x86(cpumap);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    guint32 eax = (guint32) value, edx = (guint32) (value >> 32);

    for (guint i = 0; map && i < map->features->len; i++) {
        const X86Feature *f = g_ptr_array_index(map->features, i);
        gboolean msr = FALSE, set = TRUE;

        for (guint j = 0; j < f->data->len; j++) {
            const X86Item *it = &g_array_index(f->data, X86Item, j);

            if (it->type != ITEM_MSR || it->in != index) {
                set = FALSE;
                break;
            }
            msr = TRUE;
            if ((it->r[EAX] & eax) != it->r[EAX] || (it->r[EDX] & edx) != it->r[EDX])
                set = FALSE;
        }
        if (msr && set)
            g_ptr_array_add(names, g_strdup(f->name));
    }
    return names;
}
