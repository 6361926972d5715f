/* The JSON form of a document (json.c writes it) read back into a tree, so
 * that every command taking a document takes `domcaps --format json` too.
 *
 * The form is not self-describing: a plain member may be an attribute or a
 * text-only child (<vendor>Intel</vendor> of host-model, vendor='Intel' of a
 * custom model). The document type has a fixed set of attribute names, so
 * a plain member is an attribute exactly when its name is one of them for
 * that element; arrays are repeated children, objects children, and
 * "enum" and "mode" groups children keyed by their name attribute. */
#include "format/format.h"
#include "util/json.h"
#include <json-c/json.h>

/* Attributes of the document type; "vendor" and "model" are also element
 * names, attributes only of a custom <model> and of <blockers>. */
static const char *const attributes[] = {
    "supported", "max", "fallback", "usable", "deprecated", "canonical", "policy", "name", "mode",
    "limit", "unit", "node", "size", NULL,
};

/* Deeper than any real document: a hostile one is refused, not recursed. */
#define MAX_DEPTH 64

static gboolean is_attribute(const char *element, const char *member)
{
    if (g_strv_contains(attributes, member))
        return TRUE;
    return (strcmp(member, "vendor") == 0 && strcmp(element, "model") == 0) ||
           (strcmp(member, "model") == 0 && strcmp(element, "blockers") == 0);
}

/* A plain JSON value as XML text: booleans as yes/no. */
static char *plain_text(json_object *v)
{
    if (json_object_is_type(v, json_type_boolean))
        return g_strdup(json_object_get_boolean(v) ? "yes" : "no");
    return g_strdup(json_object_get_string(v));
}

static gboolean is_plain(json_object *v)
{
    return v && !json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array) &&
           !json_object_is_type(v, json_type_null);
}

static gboolean fill(DcNode *node, json_object *v, int depth, GError **err);

/* An element from a member; @key, when given, its name attribute (first,
 * as libvirt writes it). */
static DcNode *element(const char *name, const char *key, json_object *v, int depth, GError **err)
{
    g_autoptr(DcNode) n = dc_node_new(name);
    if (key)
        dc_node_set_attr(n, "name", key);
    if (is_plain(v)) {
        n->text = plain_text(v);
        return g_steal_pointer(&n);
    }
    return fill(n, v, depth + 1, err) ? g_steal_pointer(&n) : NULL;
}

/* "enum": {"bus": ["ide", ...]}, "mode": {"host-model": {...}} */
static gboolean add_keyed(DcNode *node, const char *group, json_object *members, int depth, GError **err)
{
    json_object_object_foreach(members, key, val) {
        DcNode *c;
        if (strcmp(group, "enum") == 0 && json_object_is_type(val, json_type_array)) {
            c = dc_node_add_enum(node, key);
            for (size_t i = 0; i < json_object_array_length(val); i++) {
                json_object *item = json_object_array_get_idx(val, i);
                if (!is_plain(item)) {
                    g_set_error(err, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "enum '%s' holds a non-value", key);
                    return FALSE;
                }
                g_autofree char *text = plain_text(item);
                dc_node_enum_add_value(c, text);
            }
            continue;
        }
        if (!(c = element(group, key, val, depth, err)))
            return FALSE;
        dc_node_append(node, c);
    }
    return TRUE;
}

static gboolean add_member(DcNode *node, const char *key, json_object *val, int depth, GError **err)
{
    if ((strcmp(key, "enum") == 0 || strcmp(key, "mode") == 0) && json_object_is_type(val, json_type_object))
        return add_keyed(node, key, val, depth, err);
    if (json_object_is_type(val, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(val); i++) {
            DcNode *c = element(key, NULL, json_object_array_get_idx(val, i), depth, err);
            if (!c)
                return FALSE;
            dc_node_append(node, c);
        }
        return TRUE;
    }
    if (is_plain(val) && strcmp(key, "value") == 0) {
        node->text = plain_text(val);
        return TRUE;
    }
    if (is_plain(val) && is_attribute(node->name, key)) {
        g_autofree char *text = plain_text(val);
        dc_node_set_attr(node, key, text);
        return TRUE;
    }
    DcNode *c = element(key, NULL, val, depth, err);
    if (c)
        dc_node_append(node, c);
    return c != NULL;
}

/* The JSON form lists a custom mode's models, then its blockers; libvirt
 * writes each <blockers model='M'> right after the <model>M</model>. */
static void interleave_blockers(DcNode *mode)
{
    g_autoptr(GPtrArray) blockers = g_ptr_array_new();
    for (guint i = 0; i < mode->children.len;) {
        DcNode *c = mode->children.pdata[i];
        if (strcmp(c->name, "blockers") == 0)
            g_ptr_array_add(blockers, dc_node_steal(mode, i));
        else
            i++;
    }
    g_autoptr(GHashTable) by_model = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < blockers->len; i++) {
        const char *m = dc_node_get_attr(blockers->pdata[i], "model");
        if (m && !g_hash_table_contains(by_model, m))
            g_hash_table_insert(by_model, (gpointer)m, blockers->pdata[i]);
    }
    for (guint i = 0; i < mode->children.len; i++) {
        DcNode *c = mode->children.pdata[i];
        DcNode *b = strcmp(c->name, "model") == 0 && c->text ? g_hash_table_lookup(by_model, c->text) : NULL;
        if (b && g_hash_table_remove(by_model, c->text)) {
            dc_node_insert(mode, ++i, b);
            g_ptr_array_remove_fast(blockers, b);
        }
    }
    for (guint i = 0; i < blockers->len; i++)  /* of no listed model: last */
        dc_node_append(mode, blockers->pdata[i]);
}

static gboolean fill(DcNode *node, json_object *v, int depth, GError **err)
{
    if (depth > MAX_DEPTH) {
        g_set_error(err, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "nested deeper than %d levels", MAX_DEPTH);
        return FALSE;
    }
    if (!json_object_is_type(v, json_type_object)) {
        g_set_error(err, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "<%s> is not an object", node->name);
        return FALSE;
    }
    json_object_object_foreach(v, key, val) {
        if (!add_member(node, key, val, depth, err))
            return FALSE;
    }
    if (strcmp(node->name, "mode") == 0)
        interleave_blockers(node);
    return TRUE;
}

DcNode *dc_json_read_document(const char *data, gsize len, const char *root_name, GError **err)
{
    g_autoptr(json_object) top = dc_json_parse_whole(data, len);
    json_object *body = NULL;
    /* beside the document, what dc_format_json_release() says of its release */
    json_object *release = NULL;
    int members = 1 + (top && json_object_is_type(top, json_type_object) &&
                       json_object_object_get_ex(top, "libvirt", &release) &&
                       json_object_is_type(release, json_type_object));
    if (!top || !json_object_is_type(top, json_type_object) || json_object_object_length(top) != members ||
        !json_object_object_get_ex(top, root_name, &body)) {
        g_set_error(err, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE, "not a JSON {\"%s\": ...} document", root_name);
        return NULL;
    }
    g_autoptr(DcNode) root = dc_node_new(root_name);
    return fill(root, body, 0, err) ? g_steal_pointer(&root) : NULL;
}
