#include "util/node.h"

DcNode *dc_node_new(const char *name)
{
    DcNode *n = g_new0(DcNode, 1);
    n->name = g_strdup(name);
    n->attr_names = g_ptr_array_new_with_free_func(g_free);
    n->attr_values = g_ptr_array_new_with_free_func(g_free);
    n->children = g_ptr_array_new_with_free_func((GDestroyNotify)dc_node_free);
    return n;
}

void dc_node_free(DcNode *node)
{
    if (!node)
        return;
    g_free(node->name);
    g_free(node->text);
    g_ptr_array_unref(node->attr_names);
    g_ptr_array_unref(node->attr_values);
    g_ptr_array_unref(node->children);
    g_free(node);
}

DcNode *dc_node_add(DcNode *parent, const char *name)
{
    DcNode *child = dc_node_new(name);
    g_ptr_array_add(parent->children, child);
    return child;
}

DcNode *dc_node_add_text(DcNode *parent, const char *name, const char *text)
{
    DcNode *child = dc_node_add(parent, name);
    child->text = g_strdup(text);
    return child;
}

void dc_node_set_attr(DcNode *node, const char *name, const char *value)
{
    for (guint i = 0; i < node->attr_names->len; i++) {
        if (strcmp(node->attr_names->pdata[i], name) == 0) {
            g_free(node->attr_values->pdata[i]);
            node->attr_values->pdata[i] = g_strdup(value);
            return;
        }
    }
    g_ptr_array_add(node->attr_names, g_strdup(name));
    g_ptr_array_add(node->attr_values, g_strdup(value));
}

void dc_node_set_attr_printf(DcNode *node, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *v = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    dc_node_set_attr(node, name, v);
}

void dc_node_set_supported(DcNode *node, gboolean supported)
{
    dc_node_set_attr(node, "supported", supported ? "yes" : "no");
}

gboolean dc_node_is_supported(const DcNode *node)
{
    return node && g_strcmp0(dc_node_get_attr(node, "supported"), "yes") == 0;
}

gboolean dc_node_enum_has(const DcNode *node, const char *enum_name, const char *value)
{
    const DcNode *e = node ? dc_node_child(node, "enum", enum_name) : NULL;
    for (guint i = 0; e && i < e->children->len; i++)
        if (g_strcmp0(((const DcNode *)e->children->pdata[i])->text, value) == 0)
            return TRUE;
    return FALSE;
}

const char *dc_node_get_attr(const DcNode *node, const char *name)
{
    for (guint i = 0; i < node->attr_names->len; i++)
        if (strcmp(node->attr_names->pdata[i], name) == 0)
            return node->attr_values->pdata[i];
    return NULL;
}

DcNode *dc_node_child(const DcNode *node, const char *name, const char *name_attr)
{
    for (guint i = 0; i < node->children->len; i++) {
        DcNode *c = node->children->pdata[i];
        if (strcmp(c->name, name) != 0)
            continue;
        if (name_attr && g_strcmp0(dc_node_get_attr(c, "name"), name_attr) != 0)
            continue;
        return c;
    }
    return NULL;
}

DcNode *dc_node_add_enum(DcNode *parent, const char *enum_name)
{
    DcNode *e = dc_node_add(parent, "enum");
    dc_node_set_attr(e, "name", enum_name);
    return e;
}

void dc_node_enum_add_value(DcNode *enum_node, const char *value)
{
    dc_node_add_text(enum_node, "value", value);
}

DcNode *dc_node_copy(const DcNode *node)
{
    DcNode *c = dc_node_new(node->name);
    c->text = g_strdup(node->text);
    for (guint i = 0; i < node->attr_names->len; i++)
        dc_node_set_attr(c, node->attr_names->pdata[i], node->attr_values->pdata[i]);
    for (guint i = 0; i < node->children->len; i++)
        g_ptr_array_add(c->children, dc_node_copy(node->children->pdata[i]));
    return c;
}

gboolean dc_node_equal(const DcNode *a, const DcNode *b)
{
    if (strcmp(a->name, b->name) != 0 || g_strcmp0(a->text, b->text) != 0 ||
        a->attr_names->len != b->attr_names->len || a->children->len != b->children->len)
        return FALSE;
    for (guint i = 0; i < a->attr_names->len; i++)
        if (g_strcmp0(dc_node_get_attr(b, a->attr_names->pdata[i]), a->attr_values->pdata[i]) != 0)
            return FALSE;
    for (guint i = 0; i < a->children->len; i++)
        if (!dc_node_equal(a->children->pdata[i], b->children->pdata[i]))
            return FALSE;
    return TRUE;
}

#include "util/json.h"

json_object *dc_node_to_memo(const DcNode *node)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "n", json_object_new_string(node->name));
    if (node->attr_names->len) {
        json_object *attrs = json_object_new_array();
        for (guint i = 0; i < node->attr_names->len; i++) {
            json_object *pair = json_object_new_array();
            json_object_array_add(pair, json_object_new_string(node->attr_names->pdata[i]));
            json_object_array_add(pair, json_object_new_string(node->attr_values->pdata[i]));
            json_object_array_add(attrs, pair);
        }
        json_object_object_add(o, "a", attrs);
    }
    if (node->text)
        json_object_object_add(o, "t", json_object_new_string(node->text));
    if (node->children->len) {
        json_object *kids = json_object_new_array();
        for (guint i = 0; i < node->children->len; i++)
            json_object_array_add(kids, dc_node_to_memo(node->children->pdata[i]));
        json_object_object_add(o, "c", kids);
    }
    return o;
}

static const char *memo_str(json_object *o)
{
    return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

DcNode *dc_node_from_memo(json_object *memo)
{
    json_object *n = NULL, *a = NULL, *t = NULL, *c = NULL;
    if (!memo || !json_object_is_type(memo, json_type_object) || !json_object_object_get_ex(memo, "n", &n) ||
        !memo_str(n))
        return NULL;
    g_autoptr(DcNode) node = dc_node_new(memo_str(n));
    if (json_object_object_get_ex(memo, "a", &a)) {
        if (!json_object_is_type(a, json_type_array))
            return NULL;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            json_object *pair = json_object_array_get_idx(a, i);
            if (!json_object_is_type(pair, json_type_array) || json_object_array_length(pair) != 2)
                return NULL;
            const char *k = memo_str(json_object_array_get_idx(pair, 0));
            const char *v = memo_str(json_object_array_get_idx(pair, 1));
            if (!k || !v)
                return NULL;
            dc_node_set_attr(node, k, v);
        }
    }
    if (json_object_object_get_ex(memo, "t", &t)) {
        if (!memo_str(t))
            return NULL;
        node->text = g_strdup(memo_str(t));
    }
    if (json_object_object_get_ex(memo, "c", &c)) {
        if (!json_object_is_type(c, json_type_array))
            return NULL;
        for (size_t i = 0; i < json_object_array_length(c); i++) {
            DcNode *child = dc_node_from_memo(json_object_array_get_idx(c, i));
            if (!child)
                return NULL;
            g_ptr_array_add(node->children, child);
        }
    }
    return g_steal_pointer(&node);
}

json_object *dc_node_to_compact(const DcNode *node)
{
    json_object *a = json_object_new_array_ext(3 + 2 * node->attr_names->len + node->children->len);
    json_object_array_add(a, json_object_new_string(node->name));
    json_object_array_add(a, node->text ? json_object_new_string(node->text) : NULL);
    json_object_array_add(a, json_object_new_int((int)node->attr_names->len));
    for (guint i = 0; i < node->attr_names->len; i++) {
        json_object_array_add(a, json_object_new_string(node->attr_names->pdata[i]));
        json_object_array_add(a, json_object_new_string(node->attr_values->pdata[i]));
    }
    for (guint i = 0; i < node->children->len; i++)
        json_object_array_add(a, dc_node_to_compact(node->children->pdata[i]));
    return a;
}

DcNode *dc_node_from_compact(json_object *c)
{
    if (!c || !json_object_is_type(c, json_type_array))
        return NULL;
    size_t len = json_object_array_length(c);
    json_object *text = len >= 3 ? json_object_array_get_idx(c, 1) : NULL;
    json_object *count = len >= 3 ? json_object_array_get_idx(c, 2) : NULL;
    if (len < 3 || !memo_str(json_object_array_get_idx(c, 0)) || (text && !memo_str(text)) ||
        !json_object_is_type(count, json_type_int))
        return NULL;
    int64_t n = json_object_get_int64(count);
    if (n < 0 || (size_t)n > (len - 3) / 2)
        return NULL;
    g_autoptr(DcNode) node = dc_node_new(memo_str(json_object_array_get_idx(c, 0)));
    if (text)
        node->text = g_strdup(memo_str(text));
    for (size_t i = 0; i < (size_t)n; i++) {
        const char *k = memo_str(json_object_array_get_idx(c, 3 + 2 * i));
        const char *v = memo_str(json_object_array_get_idx(c, 4 + 2 * i));
        if (!k || !v)
            return NULL;
        dc_node_set_attr(node, k, v);
    }
    for (size_t i = 3 + 2 * (size_t)n; i < len; i++) {
        DcNode *child = dc_node_from_compact(json_object_array_get_idx(c, i));
        if (!child)
            return NULL;
        g_ptr_array_add(node->children, child);
    }
    return g_steal_pointer(&node);
}

char *dc_node_to_compact_text(const DcNode *node)
{
    json_object *c = dc_node_to_compact(node);
    char *text = g_strdup(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(c);
    return text;
}

DcNode *dc_node_from_compact_text(const char *text)
{
    json_object *c = text ? dc_json_parse_whole(text, strlen(text)) : NULL;
    DcNode *node = dc_node_from_compact(c);
    if (c)
        json_object_put(c);
    return node;
}
