/*
 * x86.c: x86 CPU map data and the host-model decode of libvirt 9.0.
 *
 * libvirt describes the host CPU it reports as host-model by decoding the
 * CPUID bits of QEMU's expanded host CPU against its CPU map: every known
 * model is a candidate, each candidate yields the list of features to add
 * ("require") and to remove ("disable") to get from the model to the host,
 * and the candidate with the shortest list wins, with a preference for models
 * whose family/model/stepping signature matches the host.  This file
 * reimplements that decode on the map data read by cpumap.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/cpumap.h"
#include "cpu/x86map.h"

static void
vendor_free(gpointer p)
{
    X86Vendor *v = p;

    g_free(v->name);
    g_free(v);
}

static void
feature_free(gpointer p)
{
    X86Feature *f = p;

    g_free(f->name);
    g_array_unref(f->data);
    g_free(f);
}

static void
model_free(gpointer p)
{
    X86Model *m = p;

    g_free(m->name);
    g_array_unref(m->signatures);
    g_array_unref(m->data);
    g_ptr_array_unref(m->removed);
    g_free(m);
}

DcX86Map *
dc_x86_map_new(void)
{
    DcX86Map *map = g_new0(DcX86Map, 1);

    map->vendors = g_ptr_array_new_with_free_func(vendor_free);
    map->features = g_ptr_array_new_with_free_func(feature_free);
    map->models = g_ptr_array_new_with_free_func(model_free);
    map->feature_by_name = g_hash_table_new(g_str_hash, g_str_equal);
    map->feature_by_alias = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                  g_free, NULL);
    map->model_by_name = g_hash_table_new(g_str_hash, g_str_equal);
    return map;
}

void
dc_x86_map_free(DcX86Map *map)
{
    if (!map)
        return;
    g_hash_table_unref(map->feature_by_name);
    g_hash_table_unref(map->feature_by_alias);
    g_hash_table_unref(map->model_by_name);
    g_ptr_array_unref(map->models);
    g_ptr_array_unref(map->features);
    g_ptr_array_unref(map->vendors);
    g_free(map);
}

const X86Feature *
dc_x86_map_feature(const DcX86Map *map, const char *name)
{
    return g_hash_table_lookup(map->feature_by_name, name);
}

const X86Model *
dc_x86_map_model(const DcX86Map *map, const char *name)
{
    return g_hash_table_lookup(map->model_by_name, name);
}

static char *
xml_prop(const DcNode *node, const char *name)
{
    return g_strdup(dc_node_get_attr(node, name));
}

/* Reads attribute @name as an unsigned number in @base (16 accepts an
 * optional 0x prefix).  A missing attribute leaves @out alone and is an
 * error only when @required. */
static gboolean
xml_prop_uint(const DcNode *node, const char *name, guint base, gboolean required,
              guint32 *out, GError **err)
{
    g_autofree char *s = xml_prop(node, name);
    const char *p = s;
    char *end = NULL;
    guint64 v;

    if (!s) {
        if (required)
            g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                        "<%s> lacks attribute '%s'", node->name, name);
        return !required;
    }
    if (base == 16 && (g_str_has_prefix(p, "0x") || g_str_has_prefix(p, "0X")))
        p += 2;
    v = g_ascii_strtoull(p, &end, base);
    if (!*p || *end || v > G_MAXUINT32) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                    "<%s> has invalid %s='%s'", node->name, name, s);
        return FALSE;
    }
    *out = (guint32) v;
    return TRUE;
}

static gboolean
xml_is(const DcNode *node, const char *name)
{
    return g_str_equal(node->name, name);
}

gboolean
dc_x86_map_add_vendor(DcX86Map *map, const DcNode *node, const char *name,
                      GError **err)
{
    g_autofree char *str = xml_prop(node, "string");
    X86Vendor *v;

    if (!str || strlen(str) != 12) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                    "vendor %s: missing or invalid string", name);
        return FALSE;
    }

    v = g_new0(X86Vendor, 1);
    v->name = g_strdup(name);
    v->item.type = ITEM_CPUID;
    /* The 12 characters are returned in ebx, edx, ecx, little endian. */
    memcpy(&v->item.r[EBX], str, 4);
    memcpy(&v->item.r[EDX], str + 4, 4);
    memcpy(&v->item.r[ECX], str + 8, 4);
    for (int i = 0; i < 4; i++)
        v->item.r[i] = GUINT32_FROM_LE(v->item.r[i]);
    g_ptr_array_add(map->vendors, v);
    return TRUE;
}

static gboolean
parse_data_item(const DcNode *node, X86Item *it, GError **err)
{
    memset(it, 0, sizeof(*it));

    if (xml_is(node, "cpuid")) {
        it->type = ITEM_CPUID;
        return xml_prop_uint(node, "eax_in", 16, TRUE, &it->in, err) &&
               xml_prop_uint(node, "ecx_in", 16, FALSE, &it->sub, err) &&
               xml_prop_uint(node, "eax", 16, FALSE, &it->r[EAX], err) &&
               xml_prop_uint(node, "ebx", 16, FALSE, &it->r[EBX], err) &&
               xml_prop_uint(node, "ecx", 16, FALSE, &it->r[ECX], err) &&
               xml_prop_uint(node, "edx", 16, FALSE, &it->r[EDX], err);
    }

    it->type = ITEM_MSR;
    return xml_prop_uint(node, "index", 16, TRUE, &it->in, err) &&
           xml_prop_uint(node, "eax", 16, TRUE, &it->r[EAX], err) &&
           xml_prop_uint(node, "edx", 16, TRUE, &it->r[EDX], err);
}

gboolean
dc_x86_map_add_feature(DcX86Map *map, const DcNode *node, const char *name,
                       GError **err)
{
    g_autoptr(GArray) data = dc_x86_data_new();
    g_autoptr(GPtrArray) aliases = g_ptr_array_new_with_free_func(g_free);
    X86Feature *f;

    if (dc_x86_map_feature(map, name)) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                    "feature %s defined twice", name);
        return FALSE;
    }

    for (guint ci = 0; ci < node->children->len; ci++) {
        const DcNode *c = node->children->pdata[ci];
        X86Item it;

        /* Other spellings of the feature; only QEMU's matter here. */
        if (xml_is(c, "alias")) {
            g_autofree char *src = xml_prop(c, "source");
            char *alias = xml_prop(c, "name");

            if (alias && g_strcmp0(src, "qemu") == 0)
                g_ptr_array_add(aliases, alias);
            else
                g_free(alias);
            continue;
        }
        if (!xml_is(c, "cpuid") && !xml_is(c, "msr"))
            continue;
        if (!parse_data_item(c, &it, err)) {
            g_prefix_error(err, "feature %s: ", name);
            return FALSE;
        }
        dc_x86_data_add_item(data, &it);
    }

    if (data->len == 0) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                    "feature %s has no cpuid or msr", name);
        return FALSE;
    }

    g_autofree char *migratable = xml_prop(node, "migratable");
    f = g_new0(X86Feature, 1);
    f->name = g_strdup(name);
    f->data = g_steal_pointer(&data);
    f->migratable = g_strcmp0(migratable, "no") != 0;
    g_ptr_array_add(map->features, f);
    g_hash_table_insert(map->feature_by_name, f->name, f);
    for (guint i = 0; i < aliases->len; i++) {
        const char *alias = g_ptr_array_index(aliases, i);

        if (!g_hash_table_contains(map->feature_by_alias, alias))
            g_hash_table_insert(map->feature_by_alias, g_strdup(alias), f);
    }
    return TRUE;
}

/* Parses a stepping list such as "0-4" or "1,3,5-7" into a bitmap. */
static gboolean
parse_steppings(const char *s, guint16 *out)
{
    g_auto(GStrv) parts = g_strsplit(s, ",", -1);
    guint16 bits = 0;

    for (char **p = parts; *p; p++) {
        char *dash = strchr(*p, '-');
        guint64 lo, hi;

        if (!g_ascii_string_to_unsigned(g_strstrip(dash ? (*dash = 0, *p) : *p),
                                        10, 0, 15, &lo, NULL))
            return FALSE;
        hi = lo;
        if (dash && !g_ascii_string_to_unsigned(g_strstrip(dash + 1), 10,
                                                lo, 15, &hi, NULL))
            return FALSE;
        for (guint64 i = lo; i <= hi; i++)
            bits |= 1u << i;
    }
    *out = bits;
    return bits != 0;
}

static gboolean
decode_switch(const DcNode *node, const char *attr, gboolean *out, GError **err)
{
    g_autofree char *v = xml_prop(node, attr);

    if (g_strcmp0(v, "on") == 0)
        *out = TRUE;
    else if (g_strcmp0(v, "off") == 0)
        *out = FALSE;
    else {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                    "<decode> has invalid %s='%s'", attr, v ? v : "");
        return FALSE;
    }
    return TRUE;
}

const X86Vendor *
dc_x86_map_vendor(const DcX86Map *map, const char *name)
{
    for (guint i = 0; i < map->vendors->len; i++) {
        const X86Vendor *v = g_ptr_array_index(map->vendors, i);

        if (g_str_equal(v->name, name))
            return v;
    }
    return NULL;
}

gboolean
dc_x86_map_add_model(DcX86Map *map, const DcNode *node, const char *name,
                     GError **err)
{
    X86Model *m = g_new0(X86Model, 1);
    gboolean have_sigs = FALSE;

    m->name = g_strdup(name);
    m->signatures = g_array_new(FALSE, TRUE, sizeof(X86Signature));
    m->data = dc_x86_data_new();
    m->removed = g_ptr_array_new_with_free_func(g_free);
    /* Maps older than the <decode> element let every model be used. */
    m->decode_host = m->decode_guest = TRUE;

    for (guint ci = 0; ci < node->children->len; ci++) {
        const DcNode *c = node->children->pdata[ci];
        if (xml_is(c, "decode")) {
            if (!decode_switch(c, "host", &m->decode_host, err) ||
                !decode_switch(c, "guest", &m->decode_guest, err))
                goto error;
        } else if (xml_is(c, "model")) {
            /* Ancestor: start from its vendor, signatures and data. */
            g_autofree char *an = xml_prop(c, "name");
            const X86Model *a = an ? g_hash_table_lookup(map->model_by_name, an)
                                   : NULL;

            if (!a) {
                g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                            "ancestor of model %s not found", name);
                goto error;
            }
            m->vendor = a->vendor;
            g_array_append_vals(m->signatures, a->signatures->data,
                                a->signatures->len);
            dc_x86_data_add(m->data, a->data);
        }
    }

    for (guint ci = 0; ci < node->children->len; ci++) {
        const DcNode *c = node->children->pdata[ci];
        X86Signature sig = { 0 };
        g_autofree char *steps = NULL;

        if (!xml_is(c, "signature"))
            continue;
        /* Own signatures replace inherited ones. */
        if (!have_sigs)
            g_array_set_size(m->signatures, 0);
        have_sigs = TRUE;

        if (!xml_prop_uint(c, "family", 10, TRUE, &sig.family, err) ||
            !xml_prop_uint(c, "model", 10, TRUE, &sig.model, err))
            goto error;
        steps = xml_prop(c, "stepping");
        if (steps && !parse_steppings(steps, &sig.steppings)) {
            g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                        "model %s: invalid stepping '%s'", name, steps);
            goto error;
        }
        g_array_append_val(m->signatures, sig);
    }

    for (guint ci = 0; ci < node->children->len; ci++) {
        const DcNode *c = node->children->pdata[ci];
        g_autofree char *vn = NULL;

        if (!xml_is(c, "vendor"))
            continue;
        vn = xml_prop(c, "name");
        if (!vn || !(m->vendor = dc_x86_map_vendor(map, vn))) {
            g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                        "model %s: unknown vendor '%s'", name, vn ? vn : "");
            goto error;
        }
    }

    for (guint ci = 0; ci < node->children->len; ci++) {
        const DcNode *c = node->children->pdata[ci];
        g_autofree char *fn = NULL;
        g_autofree char *removed = NULL;
        const X86Feature *f;

        if (!xml_is(c, "feature"))
            continue;
        fn = xml_prop(c, "name");
        if (!fn || !(f = dc_x86_map_feature(map, fn))) {
            g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                        "model %s: unknown feature '%s'", name, fn ? fn : "");
            goto error;
        }
        /* A removed feature is no longer part of the model, but a guest CPU
         * decoded to this model lists it explicitly (see cpu_to_features). */
        removed = xml_prop(c, "removed");
        if (g_strcmp0(removed, "yes") == 0) {
            g_ptr_array_add(m->removed, g_steal_pointer(&fn));
            continue;
        }
        /* A feature added to the model after its first version (libvirt
         * 11's map marks them) is not part of the model: QEMU always had
         * it in, libvirt only lets a guest CPU have it unchecked. */
        g_autofree char *added = xml_prop(c, "added");
        if (g_strcmp0(added, "yes") == 0)
            continue;
        dc_x86_data_add(m->data, f->data);
    }

    g_ptr_array_add(map->models, m);
    g_hash_table_insert(map->model_by_name, m->name, m);
    return TRUE;

 error:
    model_free(m);
    return FALSE;
}

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
    g_autoptr(GPtrArray) best_list = NULL;
    const X86Model *best = NULL;
    const X86Vendor *vendor;
    DcHostModel *hm;
    guint32 signature;

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

    vendor = dc_x86_data_take_vendor(map, data);
    signature = dc_x86_data_signature(data);
    data_drop_broken_tsx(map, data, vendor, signature);

    /* Newest models come last in the map; try them first. */
    for (guint i = map->models->len; i-- > 0;) {
        const X86Model *cand = g_ptr_array_index(map->models, i);
        json_object *def;
        json_object *blockers = NULL;
        gboolean known;
        GPtrArray *list;

        /* Only models QEMU knows can be used. */
        def = definition_find(definitions, cand->name, &known);
        if (!known)
            continue;
        if (vendor && cand->vendor && vendor != cand->vendor)
            continue;
        if (def)
            json_object_object_get_ex(def, "unavailable-features", &blockers);
        if (blockers && !json_object_is_type(blockers, json_type_array))
            blockers = NULL;

        list = cpu_to_features(map, data, cand, blockers);
        if (candidate_is_better(best, best_list, cand, list, signature)) {
            g_clear_pointer(&best_list, g_ptr_array_unref);
            best_list = list;
            best = cand;
        } else {
            g_ptr_array_unref(list);
        }
    }

    if (!best) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_NO_MODEL,
                    "no CPU model fits the host CPU");
        return NULL;
    }

    /* Without canonical names QEMU lacks the "unavailable-features" CPU
     * property, and libvirt then keeps MSR-based features out of the CPU
     * definitions it reports since it could not check them. */
    if (!canonical) {
        for (guint i = 0; i < best_list->len;) {
            DcCpuFeature *f = g_ptr_array_index(best_list, i);
            const X86Feature *mf = dc_x86_map_feature(map, f->name);

            if (mf && dc_x86_data_has_msr(mf->data))
                g_ptr_array_remove_index(best_list, i);
            else
                i++;
        }
    }

    hm = g_new0(DcHostModel, 1);
    hm->model = g_strdup(best->name);
    hm->vendor = vendor ? g_strdup(vendor->name) : NULL;
    hm->fallback = g_strdup("forbid");
    hm->features = g_steal_pointer(&best_list);
    return hm;
}

json_object *
dc_cpu_x86_expansion_args(gboolean kvm, gboolean migratable)
{
    json_object *args = json_object_new_object();
    json_object *model = json_object_new_object();

    json_object_object_add(model, "name",
                           json_object_new_string(kvm ? "host" : "max"));
    if (!migratable) {
        json_object *props = json_object_new_object();

        json_object_object_add(props, "migratable",
                               json_object_new_boolean(FALSE));
        json_object_object_add(model, "props", props);
    }
    json_object_object_add(args, "type", json_object_new_string("static"));
    json_object_object_add(args, "model", model);
    return args;
}

json_object *
dc_cpu_x86_hyperv_expansion_args(void)
{
    json_object *args = json_object_new_object();
    json_object *model = json_object_new_object();
    json_object *props = json_object_new_object();

    json_object_object_add(props, "migratable", json_object_new_boolean(FALSE));
    json_object_object_add(props, "hv-passthrough", json_object_new_boolean(TRUE));
    json_object_object_add(model, "name", json_object_new_string("host"));
    json_object_object_add(model, "props", props);
    json_object_object_add(args, "type", json_object_new_string("full"));
    json_object_object_add(args, "model", model);
    return args;
}

json_object *
dc_cpu_x86_full_expansion_args(json_object *static_reply, GError **err)
{
    json_object *model = NULL;
    json_object *copy = NULL;
    json_object *args;

    if (!json_object_is_type(static_reply, json_type_object) ||
        !json_object_object_get_ex(static_reply, "model", &model) ||
        !json_object_is_type(model, json_type_object) ||
        json_object_deep_copy(model, &copy, NULL) != 0) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_BAD_REPLY,
                    "static query-cpu-model-expansion reply has no model");
        return NULL;
    }

    args = json_object_new_object();
    json_object_object_add(args, "type", json_object_new_string("full"));
    json_object_object_add(args, "model", copy);
    return args;
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
