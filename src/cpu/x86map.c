/*
 * x86map.c: the x86 part of libvirt's CPU map (x86_*.xml), as libvirt 9.0
 * reads it: vendors, features (their CPUID/MSR bits and QEMU's spellings)
 * and models (their data, signatures and removed features).
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

    for (guint ci = 0; ci < node->children.len; ci++) {
        const DcNode *c = node->children.pdata[ci];
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

/* A model's <decode> switches and its ancestor (<model name=...>): the
 * ancestor's vendor, signatures and data are where the model starts. */
static gboolean
model_read_base(DcX86Map *map, X86Model *m, const DcNode *node, GError **err)
{
    for (guint ci = 0; ci < node->children.len; ci++) {
        const DcNode *c = node->children.pdata[ci];
        if (xml_is(c, "decode")) {
            if (!decode_switch(c, "host", &m->decode_host, err) ||
                !decode_switch(c, "guest", &m->decode_guest, err))
                return FALSE;
        } else if (xml_is(c, "model")) {
            g_autofree char *an = xml_prop(c, "name");
            const X86Model *a = an ? g_hash_table_lookup(map->model_by_name, an)
                                   : NULL;

            if (!a) {
                g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                            "ancestor of model %s not found", m->name);
                return FALSE;
            }
            m->vendor = a->vendor;
            g_array_append_vals(m->signatures, a->signatures->data,
                                a->signatures->len);
            dc_x86_data_add(m->data, a->data);
        }
    }
    return TRUE;
}

/* The model's own <signature>s, which replace inherited ones. */
static gboolean
model_read_signatures(X86Model *m, const DcNode *node, GError **err)
{
    gboolean have_sigs = FALSE;

    for (guint ci = 0; ci < node->children.len; ci++) {
        const DcNode *c = node->children.pdata[ci];
        X86Signature sig = { 0 };
        g_autofree char *steps = NULL;

        if (!xml_is(c, "signature"))
            continue;
        if (!have_sigs)
            g_array_set_size(m->signatures, 0);
        have_sigs = TRUE;

        if (!xml_prop_uint(c, "family", 10, TRUE, &sig.family, err) ||
            !xml_prop_uint(c, "model", 10, TRUE, &sig.model, err))
            return FALSE;
        steps = xml_prop(c, "stepping");
        if (steps && !parse_steppings(steps, &sig.steppings)) {
            g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                        "model %s: invalid stepping '%s'", m->name, steps);
            return FALSE;
        }
        g_array_append_val(m->signatures, sig);
    }
    return TRUE;
}

/* The model's own <vendor>, which replaces the ancestor's. */
static gboolean
model_read_vendor(const DcX86Map *map, X86Model *m, const DcNode *node, GError **err)
{
    for (guint ci = 0; ci < node->children.len; ci++) {
        const DcNode *c = node->children.pdata[ci];
        g_autofree char *vn = NULL;

        if (!xml_is(c, "vendor"))
            continue;
        vn = xml_prop(c, "name");
        if (!vn || !(m->vendor = dc_x86_map_vendor(map, vn))) {
            g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                        "model %s: unknown vendor '%s'", m->name, vn ? vn : "");
            return FALSE;
        }
    }
    return TRUE;
}

/* The model's <feature>s, added to its data (removed and added ones apart). */
static gboolean
model_read_features(DcX86Map *map, X86Model *m, const DcNode *node, GError **err)
{
    for (guint ci = 0; ci < node->children.len; ci++) {
        const DcNode *c = node->children.pdata[ci];
        g_autofree char *fn = NULL;
        g_autofree char *removed = NULL;
        const X86Feature *f;

        if (!xml_is(c, "feature"))
            continue;
        fn = xml_prop(c, "name");
        if (!fn || !(f = dc_x86_map_feature(map, fn))) {
            g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                        "model %s: unknown feature '%s'", m->name, fn ? fn : "");
            return FALSE;
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
    return TRUE;
}

gboolean
dc_x86_map_add_model(DcX86Map *map, const DcNode *node, const char *name,
                     GError **err)
{
    X86Model *m = g_new0(X86Model, 1);

    m->name = g_strdup(name);
    m->signatures = g_array_new(FALSE, TRUE, sizeof(X86Signature));
    m->data = dc_x86_data_new();
    m->removed = g_ptr_array_new_with_free_func(g_free);
    /* Maps older than the <decode> element let every model be used. */
    m->decode_host = m->decode_guest = TRUE;

    /* in libvirt's order: the ancestor first, then what the model says
     * itself (so its own signatures and vendor win) */
    if (!model_read_base(map, m, node, err) || !model_read_signatures(m, node, err) ||
        !model_read_vendor(map, m, node, err) || !model_read_features(map, m, node, err)) {
        model_free(m);
        return FALSE;
    }
    g_ptr_array_add(map->models, m);
    g_hash_table_insert(map->model_by_name, m->name, m);
    return TRUE;
}
