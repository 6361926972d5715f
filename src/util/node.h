/* The document model: a small ordered element tree (name, attributes, text,
 * children). Assembly builds it in libvirt's element order; the XML and JSON
 * writers walk it; check/compare work on it generically. */
#pragma once
#include <glib.h>

typedef struct DcNode DcNode;

/* A node's children: an array of its own rather than a GPtrArray, which
 * would be one more allocation (and atomic reference count) per element. */
typedef struct {
    DcNode **pdata;          /* owned */
    guint len;
    guint alloc;             /* private */
} DcNodes;

struct DcNode {
    char *name;
    char **attrs;            /* n_attrs name/value pairs (attrs[2i], attrs[2i + 1]),
                              * insertion order is output order; NULL when none */
    guint n_attrs;
    char *text;              /* element text, NULL when none */
    DcNodes children;
    gpointer strings;        /* private: the block of name, attrs and their strings
                              * once changed; NULL while in the node's own allocation
                              * (a fleet's documents are millions of small nodes) */
};

static inline const char *dc_node_attr_name(const DcNode *node, guint i)
{
    return node->attrs[2 * i];
}

static inline const char *dc_node_attr_value(const DcNode *node, guint i)
{
    return node->attrs[2 * i + 1];
}

DcNode *dc_node_new(const char *name);
/* The same with @n attributes, their values of @value_lens bytes each (not
 * NUL-terminated); a name given twice takes its last value. */
DcNode *dc_node_new_with_attrs_len(const char *name, guint n, const char *const *names, const char *const *values,
                                   const gsize *value_lens);
void dc_node_free(DcNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcNode, dc_node_free)

/* Children: @child (taken) appended, or inserted before @at. */
void dc_node_append(DcNode *parent, DcNode *child);
void dc_node_insert(DcNode *parent, guint at, DcNode *child);
/* The child at @at taken out and returned, or taken out and freed. */
DcNode *dc_node_steal(DcNode *parent, guint at);
void dc_node_remove(DcNode *parent, guint at);
/* @child (one of @parent's) taken out and freed. */
void dc_node_remove_child(DcNode *parent, DcNode *child);
/* The children from @len on freed. */
void dc_node_truncate(DcNode *parent, guint len);

/* Append a new child element and return it (owned by the parent). */
DcNode *dc_node_add(DcNode *parent, const char *name);
/* Append a child element holding text. */
DcNode *dc_node_add_text(DcNode *parent, const char *name, const char *text);
void dc_node_set_attr(DcNode *node, const char *name, const char *value);
/* The same for @n attributes at once (a name given twice: its last value). */
void dc_node_set_attrs(DcNode *node, guint n, const char *const *names, const char *const *values);
void dc_node_remove_attr(DcNode *node, const char *name);
void dc_node_rename(DcNode *node, const char *name);
void dc_node_set_attr_printf(DcNode *node, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* "supported='yes|no'" */
void dc_node_set_supported(DcNode *node, gboolean supported);
/* Whether @node (NULL: FALSE) says supported='yes'. */
gboolean dc_node_is_supported(const DcNode *node);
/* Whether @node (NULL: FALSE) has <enum name='@enum_name'> listing @value. */
gboolean dc_node_enum_has(const DcNode *node, const char *enum_name, const char *value);

const char *dc_node_get_attr(const DcNode *node, const char *name);
/* First child with that element name (and, if attr_value is set, name='attr_value'). */
DcNode *dc_node_child(const DcNode *node, const char *name, const char *name_attr);

/* <enum name='NAME'> with one <value> per element of the NULL-terminated list. */
DcNode *dc_node_add_enum(DcNode *parent, const char *enum_name);
void dc_node_enum_add_value(DcNode *enum_node, const char *value);

DcNode *dc_node_copy(const DcNode *node);
/* A new element with @node's name and attributes, no text or children. */
DcNode *dc_node_new_like(const DcNode *node);
/* Same name, text, attributes (in any order) and children (in order). */
gboolean dc_node_equal(const DcNode *a, const DcNode *b);

/* Lossless JSON form of a subtree, for memoizing computed sections:
 * {"n": name, "a": [[k, v], ...], "t": text, "c": [children]}. */
struct json_object;
struct json_object *dc_node_to_memo(const DcNode *node);
DcNode *dc_node_from_memo(struct json_object *memo);   /* NULL when malformed */

/* The same, as arrays only, for whole documents (json-c reads arrays several
 * times faster than objects): [name, text or null, N, k1, v1 ... kN, vN,
 * child...]. */
struct json_object *dc_node_to_compact(const DcNode *node);
DcNode *dc_node_from_compact(struct json_object *compact);   /* NULL when malformed */
/* The compact form as JSON text (g_free), and back (NULL when malformed). */
char *dc_node_to_compact_text(const DcNode *node);
DcNode *dc_node_from_compact_text(const char *text);
