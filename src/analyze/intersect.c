/* domcaps intersect: what every one of several hosts offers. */
#include "analyze/compare.h"
#include "domcaps.h"

/* Sections that are only meaningful as a whole: kept when identical in
 * every document, supported='no' otherwise. */
static const struct {
    const char *parent, *name, *name_attr;
} whole_sections[] = {
    { "cpu", "mode", "host-model" },
    { "features", "sev", NULL },
    { "features", "sgx", NULL },
    { "features", "s390-pv", NULL },
};

static gboolean is_whole(const char *parent, const DcNode *n)
{
    for (gsize i = 0; i < G_N_ELEMENTS(whole_sections); i++)
        if (g_strcmp0(parent, whole_sections[i].parent) == 0 && strcmp(n->name, whole_sections[i].name) == 0 &&
            (!whole_sections[i].name_attr ||
             g_strcmp0(dc_node_get_attr(n, "name"), whole_sections[i].name_attr) == 0))
            return TRUE;
    return FALSE;
}

/* Members of a list are matched by their text (enum values, loader paths,
 * custom CPU models), named things by name, the rest by element name. */
static gboolean keyed_by_text(const DcNode *parent, const DcNode *n)
{
    return strcmp(n->name, "value") == 0 ||
           (strcmp(n->name, "model") == 0 && g_strcmp0(dc_node_get_attr(parent, "name"), "custom") == 0);
}

/* What identifies an element among its siblings, as a string: a <value>
 * or custom <model> by its text, others by name, @name and @model. */
static char *key_of(const DcNode *parent, const DcNode *n)
{
    if (keyed_by_text(parent, n))
        return g_strconcat(n->name, "\x1ft\x1f", n->text ? n->text : "", NULL);
    const char *name = dc_node_get_attr(n, "name"), *model = dc_node_get_attr(n, "model");
    return g_strconcat(n->name, "\x1f", name ? "+" : "-", name ? name : "", "\x1f", model ? "+" : "-",
                       model ? model : "", NULL);
}

/* key_of(pa, a) equals key_of(pb, b), without making either. */
static gboolean same_key(const DcNode *pa, const DcNode *a, const DcNode *pb, const DcNode *b)
{
    gboolean by_text = keyed_by_text(pa, a);
    if (by_text != keyed_by_text(pb, b) || strcmp(a->name, b->name) != 0)
        return FALSE;
    if (by_text)
        return strcmp(a->text ? a->text : "", b->text ? b->text : "") == 0;
    return g_strcmp0(dc_node_get_attr(a, "name"), dc_node_get_attr(b, "name")) == 0 &&
           g_strcmp0(dc_node_get_attr(a, "model"), dc_node_get_attr(b, "model")) == 0;
}

/* @parent's children by key, the first of equal keys kept (as a search
 * from the start would find); documents list thousands of CPU models, so
 * matching them one by one would be quadratic. */
static GHashTable *index_children(const DcNode *parent)
{
    GHashTable *by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; parent && i < parent->children.len; i++) {
        char *key = key_of(parent, parent->children.pdata[i]);
        if (g_hash_table_contains(by_key, key))
            g_free(key);
        else
            g_hash_table_insert(by_key, key, parent->children.pdata[i]);
    }
    return by_key;
}

static void index_free(gpointer index)
{
    if (index)
        g_hash_table_unref(index);
}

/* The child of @in keyed as @want is (a child of @parent), through @index
 * when @in has one (many children), else by search. */
static const DcNode *find_match(const DcNode *parent, const DcNode *in, GHashTable *index, const DcNode *want)
{
    if (index) {
        g_autofree char *key = key_of(parent, want);
        return g_hash_table_lookup(index, key);
    }
    for (guint i = 0; in && i < in->children.len; i++)
        if (same_key(parent, want, in, in->children.pdata[i]))
            return in->children.pdata[i];
    return NULL;
}

#define INDEX_FROM 32 /* children: fewer are searched, more indexed */

static DcNode *unsupported_copy(const DcNode *n)
{
    DcNode *out = dc_node_new_like(n);
    dc_node_set_supported(out, FALSE);
    return out;
}

/* Merge nodes[0..n) (all present, same key); NULL: leave the element out. */
static DcNode *merge(const char *parent_name, const DcNode *const *nodes, guint n)
{
    const DcNode *first = nodes[0];
    if (is_whole(parent_name, first)) {
        for (guint i = 1; i < n; i++)
            if (!dc_node_equal(first, nodes[i]))
                return unsupported_copy(first);
        return dc_node_copy(first);
    }
    for (guint i = 1; i < n; i++) {
        if (g_strcmp0(first->text, nodes[i]->text) != 0) {
            /* differing scalars: the emulator path is the first's, the rest is unknown */
            if (strcmp(first->name, "path") != 0)
                return NULL;
        }
    }
    g_autoptr(DcNode) out = dc_node_new_like(first);
    out->text = g_strdup(first->text);
    gboolean supported = TRUE;
    for (guint a = 0; a < first->n_attrs; a++) {
        const char *name = dc_node_attr_name(first, a);
        g_autofree char *merged = g_strdup(dc_node_attr_value(first, a));
        for (guint i = 1; i < n; i++) {
            const char *other = dc_node_get_attr(nodes[i], name);
            if (strcmp(name, "supported") == 0 || strcmp(name, "usable") == 0) {
                /* yes and yes is yes; any no is no; else unknown */
                if (g_strcmp0(merged, "no") == 0 || g_strcmp0(other, "no") == 0 || !other)
                    g_free(merged), merged = g_strdup("no");
                else if (g_strcmp0(merged, other) != 0)
                    g_free(merged), merged = g_strdup("unknown");
            } else if (strcmp(name, "max") == 0 && other) {
                if (g_ascii_strtoull(other, NULL, 10) < g_ascii_strtoull(merged, NULL, 10))
                    g_free(merged), merged = g_strdup(other);
            }
        }
        if (strcmp(name, "supported") == 0 && strcmp(merged, "yes") != 0)
            supported = FALSE;
        if (strcmp(merged, dc_node_attr_value(first, a)) != 0)
            dc_node_set_attr(out, name, merged);
    }
    if (!supported)
        return g_steal_pointer(&out); /* an unsupported section lists nothing */
    g_autofree const DcNode **matched = g_new0(const DcNode *, n);
    g_autoptr(GPtrArray) indexes = g_ptr_array_new_with_free_func(index_free);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(indexes, i && nodes[i]->children.len >= INDEX_FROM ? index_children(nodes[i]) : NULL);
    for (guint c = 0; c < first->children.len; c++) {
        const DcNode *child = first->children.pdata[c];
        gboolean everywhere = TRUE;
        matched[0] = child;
        for (guint i = 1; i < n; i++)
            everywhere &= (matched[i] = find_match(first, nodes[i], indexes->pdata[i], child)) != NULL;
        DcNode *m = NULL;
        if (everywhere)
            m = merge(first->name, matched, n);
        else if (dc_node_get_attr(child, "supported"))
            m = unsupported_copy(child);
        else if (strcmp(child->name, "enum") == 0 && dc_node_get_attr(child, "name")) {
            m = dc_node_new("enum"); /* empty: nothing shared */
            dc_node_set_attr(m, "name", dc_node_get_attr(child, "name"));
        }
        if (m)
            dc_node_append(out, m);
    }
    return g_steal_pointer(&out);
}

static const char *text_of(const DcNode *doc, const char *name)
{
    const DcNode *n = dc_node_child(doc, name, NULL);
    return n ? n->text : NULL;
}

DcNode *dc_intersect(const DcNode *const *docs, guint n, GError **err)
{
    if (n == 0) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, "no documents to intersect");
        return NULL;
    }
    static const char *const must_agree[] = { "arch", "domain" };
    for (gsize k = 0; k < G_N_ELEMENTS(must_agree); k++) {
        for (guint i = 1; i < n; i++) {
            const char *a = text_of(docs[0], must_agree[k]), *b = text_of(docs[i], must_agree[k]);
            if (g_strcmp0(a, b) != 0) {
                g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG,
                            "cannot intersect documents for different %s ('%s' and '%s')",
                            k == 0 ? "architectures" : "domain types", a ? a : "", b ? b : "");
                return NULL;
            }
        }
    }
    return merge(NULL, docs, n);
}
