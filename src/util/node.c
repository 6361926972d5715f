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
