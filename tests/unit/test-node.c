/*
 * test-node.c: the document tree (util/node.h) on its own: attributes kept
 * in order, replaced in place, removed and renamed around; values given by
 * length, with a name given twice (its last value, as setting them one by
 * one); many attributes; children inserted, taken out, freed; copies equal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib.h>

#include "util/node.h"

static void test_attributes(void)
{
    g_autoptr(DcNode) n = dc_node_new("model");
    dc_node_set_attr(n, "name", "Haswell");
    dc_node_set_attr(n, "usable", "no");
    dc_node_set_attr(n, "name", "Skylake");   /* replaced, keeps its place */
    g_assert_cmpuint(n->n_attrs, ==, 2);
    g_assert_cmpstr(dc_node_attr_name(n, 0), ==, "name");
    g_assert_cmpstr(dc_node_attr_value(n, 0), ==, "Skylake");
    g_assert_cmpstr(dc_node_get_attr(n, "usable"), ==, "no");
    dc_node_rename(n, "cpu");
    g_assert_cmpstr(n->name, ==, "cpu");
    g_assert_cmpstr(dc_node_get_attr(n, "name"), ==, "Skylake");
    dc_node_remove_attr(n, "name");
    dc_node_remove_attr(n, "absent");
    g_assert_cmpuint(n->n_attrs, ==, 1);
    g_assert_cmpstr(dc_node_attr_name(n, 0), ==, "usable");
    g_assert_null(dc_node_get_attr(n, "name"));
}

/* Values by length, not NUL-terminated: the reader's; a repeated name
 * keeps its first place and takes its last value. */
static void test_attributes_by_length(void)
{
    const char *names[] = { "a", "b", "a" };
    const char *text = "1xx2yy3zz";
    const char *values[] = { text, text + 3, text + 6 };
    const gsize lens[] = { 1, 1, 1 };
    g_autoptr(DcNode) distinct = dc_node_new_with_attrs_len("e", 2, names, values, lens);
    g_assert_cmpuint(distinct->n_attrs, ==, 2);
    g_assert_cmpstr(dc_node_get_attr(distinct, "a"), ==, "1");
    g_assert_cmpstr(dc_node_get_attr(distinct, "b"), ==, "2");
    g_autoptr(DcNode) twice = dc_node_new_with_attrs_len("e", 3, names, values, lens);
    g_assert_cmpuint(twice->n_attrs, ==, 2);
    g_assert_cmpstr(dc_node_attr_name(twice, 0), ==, "a");
    g_assert_cmpstr(dc_node_attr_value(twice, 0), ==, "3");
    g_assert_cmpstr(dc_node_attr_value(twice, 1), ==, "2");
}

/* More than fit on the stack, with a name repeated at the end. */
static void test_many_attributes(void)
{
    enum { N = 300 };
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autofree const char **values = g_new(const char *, N);
    g_autofree gsize *lens = g_new(gsize, N);
    for (guint i = 0; i < N; i++) {
        g_ptr_array_add(names, g_strdup_printf("a%u", i < N - 1 ? i : 7));
        values[i] = i < N - 1 ? "v" : "last";
        lens[i] = strlen(values[i]);
    }
    g_autoptr(DcNode) n = dc_node_new_with_attrs_len("e", N, (const char *const *)names->pdata, values, lens);
    g_assert_cmpuint(n->n_attrs, ==, N - 1);
    g_assert_cmpstr(dc_node_get_attr(n, "a7"), ==, "last");
    g_assert_cmpstr(dc_node_get_attr(n, "a298"), ==, "v");
}

static void test_children(void)
{
    g_autoptr(DcNode) root = dc_node_new("root");
    for (guint i = 0; i < 10; i++)
        dc_node_set_attr(dc_node_add(root, "c"), "i", (char[]){ (char)('0' + i), 0 });
    dc_node_insert(root, 0, dc_node_new("first"));
    g_assert_cmpuint(root->children.len, ==, 11);
    g_assert_cmpstr(root->children.pdata[0]->name, ==, "first");
    g_autoptr(DcNode) taken = dc_node_steal(root, 1);
    g_assert_cmpstr(dc_node_get_attr(taken, "i"), ==, "0");
    dc_node_remove(root, 0);
    dc_node_remove_child(root, root->children.pdata[2]);   /* i=3 */
    g_assert_cmpuint(root->children.len, ==, 8);
    g_assert_cmpstr(dc_node_get_attr(root->children.pdata[2], "i"), ==, "4");
    g_autoptr(DcNode) copy = dc_node_copy(root);
    g_assert_true(dc_node_equal(root, copy));
    dc_node_truncate(copy, 3);
    g_assert_cmpuint(copy->children.len, ==, 3);
    g_assert_false(dc_node_equal(root, copy));
    g_autoptr(DcNode) like = dc_node_new_like(root->children.pdata[0]);
    g_assert_cmpstr(dc_node_get_attr(like, "i"), ==, "1");
    g_assert_cmpuint(like->children.len, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/node/attributes", test_attributes);
    g_test_add_func("/node/attributes-by-length", test_attributes_by_length);
    g_test_add_func("/node/many-attributes", test_many_attributes);
    g_test_add_func("/node/children", test_children);
    return g_test_run();
}
