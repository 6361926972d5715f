/*
 * cpudef.c: CPU definitions: lifetime, copies and the feature list
 * (reading in cpudef-parse.c, writing in cpudef-format.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "cpu/cpudef.h"
#include "cpu/lverror.h"

static const char *const policy_names[] = { "force", "require", "optional", "disable", "forbid" };

const char *
dc_cpu_policy_name(DcCpuPolicy policy)
{
    if (policy < 0 || (gsize)policy >= G_N_ELEMENTS(policy_names))
        return NULL;
    return policy_names[policy];
}

static void
feature_clear(gpointer p)
{
    g_free(((DcCpuDefFeature *)p)->name);
}

DcCpuDef *
dc_cpu_def_new(void)
{
    DcCpuDef *def = g_new0(DcCpuDef, 1);

    def->features = g_array_new(FALSE, TRUE, sizeof(DcCpuDefFeature));
    g_array_set_clear_func(def->features, feature_clear);
    def->feature_index = g_hash_table_new(g_str_hash, g_str_equal);
    def->cache_level = -1;
    def->addr_bits = -1;
    return def;
}

void
dc_cpu_def_free(DcCpuDef *def)
{
    if (!def)
        return;
    g_hash_table_unref(def->feature_index);
    g_array_unref(def->features);
    g_free(def->arch);
    g_free(def->model);
    g_free(def->vendor);
    g_free(def->vendor_id);
    g_free(def);
}

DcCpuDef *
dc_cpu_def_copy_without_model(const DcCpuDef *def)
{
    DcCpuDef *copy = dc_cpu_def_new();
    GArray *features = copy->features;
    GHashTable *index = copy->feature_index;

    *copy = *def;
    copy->features = features;
    copy->feature_index = index;
    copy->arch = g_strdup(def->arch);
    copy->model = NULL;
    copy->vendor = NULL;
    copy->vendor_id = NULL;
    copy->microcode = 0;
    return copy;
}

void
dc_cpu_def_clear_features(DcCpuDef *def)
{
    g_hash_table_remove_all(def->feature_index);
    g_array_set_size(def->features, 0);
}

/* The index of every feature, after the list changed shape. */
static void
reindex(DcCpuDef *def)
{
    g_hash_table_remove_all(def->feature_index);
    for (guint i = 0; i < def->features->len; i++)
        g_hash_table_insert(def->feature_index, g_array_index(def->features, DcCpuDefFeature, i).name,
                            GUINT_TO_POINTER(i + 1));
}

static void
append_feature(DcCpuDef *def, const char *name, DcCpuPolicy policy)
{
    DcCpuDefFeature f = { g_strdup(name), policy };

    g_array_append_val(def->features, f);
    g_hash_table_insert(def->feature_index, f.name, GUINT_TO_POINTER(def->features->len));
}

void
dc_cpu_def_copy_model(DcCpuDef *dst, const DcCpuDef *src, DcCpuFeatureFilter keep, gpointer data)
{
    g_free(dst->model);
    g_free(dst->vendor);
    g_free(dst->vendor_id);
    dst->model = g_strdup(src->model);
    dst->vendor = g_strdup(src->vendor);
    dst->vendor_id = g_strdup(src->vendor_id);
    dst->microcode = src->microcode;
    dc_cpu_def_clear_features(dst);
    for (guint i = 0; i < src->features->len; i++) {
        const DcCpuDefFeature *f = &g_array_index(src->features, DcCpuDefFeature, i);

        if (!keep || keep(f->name, f->policy, data))
            append_feature(dst, f->name, f->policy);
    }
}

gboolean
dc_cpu_def_add_feature(DcCpuDef *def, const char *name, DcCpuPolicy policy, DcCpuAddMode mode,
                       GError **err)
{
    guint pos = GPOINTER_TO_UINT(g_hash_table_lookup(def->feature_index, name));

    if (def->type == DC_CPU_TYPE_HOST)
        policy = DC_CPU_POLICY_NONE;
    if (!pos) {
        append_feature(def, name, policy);
        return TRUE;
    }
    switch (mode) {
    case DC_CPU_ADD_UPDATE:
        g_array_index(def->features, DcCpuDefFeature, pos - 1).policy = policy;
        return TRUE;
    case DC_CPU_ADD_IF_MISSING:
        return TRUE;
    case DC_CPU_ADD_EXCLUSIVE:
        break;
    }
    dc_lv_error(err, DC_LV_INTERNAL, "CPU feature '%s' specified more than once", name);
    return FALSE;
}

const DcCpuDefFeature *
dc_cpu_def_feature(const DcCpuDef *def, guint i)
{
    return &g_array_index(def->features, DcCpuDefFeature, i);
}

void
dc_cpu_def_filter_features(DcCpuDef *def, DcCpuFeatureFilter keep, gpointer data)
{
    guint kept = 0;

    for (guint i = 0; i < def->features->len; i++) {
        DcCpuDefFeature *f = &g_array_index(def->features, DcCpuDefFeature, i);

        if (keep(f->name, f->policy, data)) {
            g_array_index(def->features, DcCpuDefFeature, kept++) = *f;
        } else {
            g_free(f->name);
        }
    }
    /* The dropped names are freed already; shrink without the clear func. */
    g_array_set_clear_func(def->features, NULL);
    g_array_set_size(def->features, kept);
    g_array_set_clear_func(def->features, feature_clear);
    reindex(def);
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(((const DcCpuDefFeature *)a)->name, ((const DcCpuDefFeature *)b)->name);
}

void
dc_cpu_def_sort_features(DcCpuDef *def)
{
    g_array_sort(def->features, by_name);
    reindex(def);
}

/* XPath's "./NAME" without a prefix selects children in no namespace: a
 * prefixed name never equals NAME, a default namespace is told by xmlns
 * (which util/xmllibxml.h keeps as an attribute). */
const DcNode *
dc_cpu_xml_child(const DcNode *node, const char *name)
{
    for (guint i = 0; i < node->children.len; i++) {
        const DcNode *c = node->children.pdata[i];
        const char *ns = dc_node_get_attr(c, "xmlns");

        if (strcmp(c->name, name) == 0 && (!ns || !*ns))
            return c;
    }
    return NULL;
}

static void
append_string_value(GString *out, const DcNode *node)
{
    if (node->text)
        g_string_append(out, node->text);
    for (guint i = 0; i < node->children.len; i++)
        append_string_value(out, node->children.pdata[i]);
}

char *
dc_cpu_xml_child_text(const DcNode *node, const char *name)
{
    const DcNode *c = dc_cpu_xml_child(node, name);
    GString *value = g_string_new(NULL);

    if (c)
        append_string_value(value, c);
    if (!value->len) {
        g_string_free(value, TRUE);
        return NULL;
    }
    return g_string_free(value, FALSE);
}
