#include "format/format.h"

static void append_escaped(GString *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        case '&': g_string_append(out, "&amp;"); break;
        case '\'': g_string_append(out, "&apos;"); break;
        case '"': g_string_append(out, "&quot;"); break;
        default: g_string_append_c(out, *s);
        }
    }
}

static void write_node(GString *out, const DcNode *n, int depth)
{
    for (int i = 0; i < depth; i++)
        g_string_append(out, "  ");
    g_string_append_c(out, '<');
    g_string_append(out, n->name);
    for (guint i = 0; i < n->n_attrs; i++) {
        g_string_append_printf(out, " %s='", dc_node_attr_name(n, i));
        append_escaped(out, dc_node_attr_value(n, i));
        g_string_append_c(out, '\'');
    }
    if (n->text) {
        g_string_append_c(out, '>');
        append_escaped(out, n->text);
        g_string_append_printf(out, "</%s>\n", n->name);
        return;
    }
    if (n->children.len == 0) {
        g_string_append(out, "/>\n");
        return;
    }
    g_string_append(out, ">\n");
    for (guint i = 0; i < n->children.len; i++)
        write_node(out, n->children.pdata[i], depth + 1);
    for (int i = 0; i < depth; i++)
        g_string_append(out, "  ");
    g_string_append_printf(out, "</%s>\n", n->name);
}

char *dc_format_xml(const DcNode *root)
{
    GString *out = g_string_sized_new(8192);
    write_node(out, root, 0);
    return g_string_free(out, FALSE);
}
