#include "util/node.h"

#define FEW_PAIRS 8   /* most elements have a handful of attributes: no allocation for them */

/* The bytes @name and the @n pairs take laid out as lay_strings() lays
 * them; @lens (2 * @n) gets the pairs' lengths, or has them already when
 * @measured. */
static gsize strings_size(const char *name, guint n, const char *const *pairs, gsize *lens, gboolean measured)
{
    gsize bytes = 2 * n * sizeof(char *) + strlen(name) + 1;
    for (guint i = 0; i < 2 * n; i++) {
        if (!measured)
            lens[i] = strlen(pairs[i]);
        bytes += lens[i] + 1;
    }
    return bytes;
}

/* Lays out @name and the @n pairs (@lens bytes each, NUL added) in @block
 * (strings_size() bytes): the pointers first, then the bytes; points
 * @node at them. */
static void lay_strings(DcNode *node, gpointer block, const char *name, guint n, const char *const *pairs,
                        const gsize *lens)
{
    char **table = block;
    char *at = (char *)(table + 2 * n);
    gsize name_len = strlen(name) + 1;
    memcpy(at, name, name_len);
    node->name = at;
    at += name_len;
    for (guint i = 0; i < 2 * n; i++) {
        memcpy(at, pairs[i], lens[i]);
        at[lens[i]] = '\0';
        table[i] = at;
        at += lens[i] + 1;
    }
    node->attrs = n ? table : NULL;
    node->n_attrs = n;
}

/* A node's strings changed after it was made: a block of their own. The
 * old block is freed after, so the arguments may point into it. */
static void set_strings(DcNode *node, const char *name, guint n, const char *const *pairs)
{
    gsize few[2 * FEW_PAIRS];
    g_autofree gsize *many = n > FEW_PAIRS ? g_new(gsize, 2 * n) : NULL;
    gsize *lens = many ? many : few;
    gpointer block = g_malloc(strings_size(name, n, pairs, lens, FALSE));
    lay_strings(node, block, name, n, pairs, lens);
    g_free(node->strings);
    node->strings = block;
}

/* A node and its strings in one allocation: a document is mostly small
 * elements made once and never changed. @lens: the pairs' lengths, NULL
 * to measure them. */
static DcNode *node_new_sized(const char *name, guint n, const char *const *pairs, const gsize *lens,
                              guint n_children)
{
    gsize few[2 * FEW_PAIRS];
    g_autofree gsize *many = !lens && n > FEW_PAIRS ? g_new(gsize, 2 * n) : NULL;
    gsize *measured = lens ? (gsize *)lens : many ? many : few;
    DcNode *node = g_malloc(sizeof(DcNode) + strings_size(name, n, pairs, measured, lens != NULL));
    lay_strings(node, node + 1, name, n, pairs, measured);
    node->text = NULL;
    node->strings = NULL;
    node->children.len = 0;
    node->children.alloc = n_children;
    node->children.pdata = n_children ? g_new(DcNode *, n_children) : NULL;
    return node;
}

static DcNode *node_new(const char *name, guint n, const char *const *pairs, guint n_children)
{
    return node_new_sized(name, n, pairs, NULL, n_children);
}

DcNode *dc_node_new(const char *name)
{
    return node_new(name, 0, NULL, 0);
}

void dc_node_free(DcNode *node)
{
    if (!node)
        return;
    for (guint i = 0; i < node->children.len; i++)
        dc_node_free(node->children.pdata[i]);
    g_free(node->children.pdata);
    g_free(node->strings);
    g_free(node->text);
    g_free(node);
}

void dc_node_insert(DcNode *parent, guint at, DcNode *child)
{
    DcNodes *list = &parent->children;
    g_return_if_fail(at <= list->len);
    if (list->len == list->alloc) {
        list->alloc = list->alloc ? 2 * list->alloc : 4;
        list->pdata = g_renew(DcNode *, list->pdata, list->alloc);
    }
    memmove(list->pdata + at + 1, list->pdata + at, (list->len - at) * sizeof(DcNode *));
    list->pdata[at] = child;
    list->len++;
}

void dc_node_append(DcNode *parent, DcNode *child)
{
    dc_node_insert(parent, parent->children.len, child);
}

DcNode *dc_node_steal(DcNode *parent, guint at)
{
    DcNodes *list = &parent->children;
    g_return_val_if_fail(at < list->len, NULL);
    DcNode *child = list->pdata[at];
    memmove(list->pdata + at, list->pdata + at + 1, (list->len - at - 1) * sizeof(DcNode *));
    list->len--;
    return child;
}

void dc_node_remove(DcNode *parent, guint at)
{
    dc_node_free(dc_node_steal(parent, at));
}

void dc_node_remove_child(DcNode *parent, DcNode *child)
{
    for (guint i = 0; i < parent->children.len; i++)
        if (parent->children.pdata[i] == child) {
            dc_node_remove(parent, i);
            return;
        }
}

void dc_node_truncate(DcNode *parent, guint len)
{
    while (parent->children.len > len)
        dc_node_free(parent->children.pdata[--parent->children.len]);
}

DcNode *dc_node_add(DcNode *parent, const char *name)
{
    DcNode *child = dc_node_new(name);
    dc_node_append(parent, child);
    return child;
}

DcNode *dc_node_add_text(DcNode *parent, const char *name, const char *text)
{
    DcNode *child = dc_node_add(parent, name);
    child->text = g_strdup(text);
    return child;
}

static gint attr_index(const DcNode *node, const char *name)
{
    for (guint i = 0; i < node->n_attrs; i++)
        if (strcmp(node->attrs[2 * i], name) == 0)
            return (gint)i;
    return -1;
}

/* @pairs (room for 2 * (n_old + n) pointers) holding n_old pairs, with
 * the @n names and values set: a name already there keeps its place and
 * takes the value. Returns the number of pairs. */
static guint merge_pairs(const char **pairs, guint n_old, guint n, const char *const *names,
                         const char *const *values)
{
    guint len = 2 * n_old;
    for (guint k = 0; k < n; k++) {
        guint at = 0;
        while (at < len && strcmp(pairs[at], names[k]) != 0)
            at += 2;
        if (at == len) {
            pairs[len++] = names[k];
            len++;
        }
        pairs[at + 1] = values[k];
    }
    return len / 2;
}

void dc_node_set_attrs(DcNode *node, guint n, const char *const *names, const char *const *values)
{
    const char *few[2 * FEW_PAIRS] = { NULL };
    guint need = node->n_attrs + n;
    const char **pairs = need <= FEW_PAIRS ? few : g_new(const char *, 2 * need);
    if (node->n_attrs)
        memcpy(pairs, node->attrs, 2 * node->n_attrs * sizeof(char *));
    set_strings(node, node->name, merge_pairs(pairs, node->n_attrs, n, names, values), pairs);
    if (pairs != few)
        g_free(pairs);
}

static gboolean names_distinct(guint n, const char *const *names)
{
    if (n > 16) {   /* hostile input can have many: not each against all */
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < n; i++)
            if (!g_hash_table_add(seen, (gpointer)names[i]))
                return FALSE;
        return TRUE;
    }
    for (guint i = 0; i < n; i++)
        for (guint k = 0; k < i; k++)
            if (strcmp(names[i], names[k]) == 0)
                return FALSE;
    return TRUE;
}

DcNode *dc_node_new_with_attrs_len(const char *name, guint n, const char *const *names, const char *const *values,
                                   const gsize *value_lens)
{
    if (!names_distinct(n, names)) {   /* set one by one: a name's last value stays */
        g_autoptr(GPtrArray) copies = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < n; i++)
            g_ptr_array_add(copies, g_strndup(values[i], value_lens[i]));
        DcNode *node = dc_node_new(name);
        dc_node_set_attrs(node, n, names, (const char *const *)copies->pdata);
        return node;
    }
    const char *few[2 * FEW_PAIRS];
    gsize few_lens[2 * FEW_PAIRS];
    g_autofree const char **many = n > FEW_PAIRS ? g_new(const char *, 2 * n) : NULL;
    g_autofree gsize *many_lens = n > FEW_PAIRS ? g_new(gsize, 2 * n) : NULL;
    const char **pairs = many ? many : few;
    gsize *lens = many_lens ? many_lens : few_lens;
    for (guint i = 0; i < n; i++) {
        pairs[2 * i] = names[i];
        lens[2 * i] = strlen(names[i]);
        pairs[2 * i + 1] = values[i];
        lens[2 * i + 1] = value_lens[i];
    }
    return node_new_sized(name, n, pairs, lens, 0);
}

void dc_node_set_attr(DcNode *node, const char *name, const char *value)
{
    dc_node_set_attrs(node, 1, &name, &value);
}

void dc_node_remove_attr(DcNode *node, const char *name)
{
    gint at = attr_index(node, name);
    if (at < 0)
        return;
    const char **pairs = g_new(const char *, 2 * node->n_attrs);
    guint len = 0;
    for (guint i = 0; i < node->n_attrs; i++) {
        if ((gint)i == at)
            continue;
        pairs[len++] = node->attrs[2 * i];
        pairs[len++] = node->attrs[2 * i + 1];
    }
    set_strings(node, node->name, len / 2, pairs);
    g_free(pairs);
}

void dc_node_rename(DcNode *node, const char *name)
{
    set_strings(node, name, node->n_attrs, (const char *const *)node->attrs);
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
    for (guint i = 0; e && i < e->children.len; i++)
        if (g_strcmp0(((const DcNode *)e->children.pdata[i])->text, value) == 0)
            return TRUE;
    return FALSE;
}

const char *dc_node_get_attr(const DcNode *node, const char *name)
{
    gint at = attr_index(node, name);
    return at < 0 ? NULL : node->attrs[2 * at + 1];
}

DcNode *dc_node_child(const DcNode *node, const char *name, const char *name_attr)
{
    for (guint i = 0; i < node->children.len; i++) {
        DcNode *c = node->children.pdata[i];
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

DcNode *dc_node_new_like(const DcNode *node)
{
    return node_new(node->name, node->n_attrs, (const char *const *)node->attrs, 0);
}

DcNode *dc_node_copy(const DcNode *node)
{
    DcNode *c = node_new(node->name, node->n_attrs, (const char *const *)node->attrs, node->children.len);
    c->text = g_strdup(node->text);
    for (guint i = 0; i < node->children.len; i++)
        dc_node_append(c, dc_node_copy(node->children.pdata[i]));
    return c;
}

gboolean dc_node_equal(const DcNode *a, const DcNode *b)
{
    if (strcmp(a->name, b->name) != 0 || g_strcmp0(a->text, b->text) != 0 ||
        a->n_attrs != b->n_attrs || a->children.len != b->children.len)
        return FALSE;
    for (guint i = 0; i < a->n_attrs; i++)
        if (g_strcmp0(dc_node_get_attr(b, dc_node_attr_name(a, i)), dc_node_attr_value(a, i)) != 0)
            return FALSE;
    for (guint i = 0; i < a->children.len; i++)
        if (!dc_node_equal(a->children.pdata[i], b->children.pdata[i]))
            return FALSE;
    return TRUE;
}

#include "util/json.h"

json_object *dc_node_to_memo(const DcNode *node)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "n", json_object_new_string(node->name));
    if (node->n_attrs) {
        json_object *attrs = json_object_new_array();
        for (guint i = 0; i < node->n_attrs; i++) {
            json_object *pair = json_object_new_array();
            json_object_array_add(pair, json_object_new_string(dc_node_attr_name(node, i)));
            json_object_array_add(pair, json_object_new_string(dc_node_attr_value(node, i)));
            json_object_array_add(attrs, pair);
        }
        json_object_object_add(o, "a", attrs);
    }
    if (node->text)
        json_object_object_add(o, "t", json_object_new_string(node->text));
    if (node->children.len) {
        json_object *kids = json_object_new_array();
        for (guint i = 0; i < node->children.len; i++)
            json_object_array_add(kids, dc_node_to_memo(node->children.pdata[i]));
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
            dc_node_append(node, child);
        }
    }
    return g_steal_pointer(&node);
}

json_object *dc_node_to_compact(const DcNode *node)
{
    json_object *a = json_object_new_array_ext(3 + 2 * node->n_attrs + node->children.len);
    json_object_array_add(a, json_object_new_string(node->name));
    json_object_array_add(a, node->text ? json_object_new_string(node->text) : NULL);
    json_object_array_add(a, json_object_new_int((int)node->n_attrs));
    for (guint i = 0; i < node->n_attrs; i++) {
        json_object_array_add(a, json_object_new_string(dc_node_attr_name(node, i)));
        json_object_array_add(a, json_object_new_string(dc_node_attr_value(node, i)));
    }
    for (guint i = 0; i < node->children.len; i++)
        json_object_array_add(a, dc_node_to_compact(node->children.pdata[i]));
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
    const char *few[2][8];
    g_autofree const char **many = (size_t)n > G_N_ELEMENTS(few[0]) ? g_new(const char *, 2 * n) : NULL;
    const char **names = many ? many : few[0], **values = many ? many + n : few[1];
    for (size_t i = 0; i < (size_t)n; i++) {
        names[i] = memo_str(json_object_array_get_idx(c, 3 + 2 * i));
        values[i] = memo_str(json_object_array_get_idx(c, 4 + 2 * i));
        if (!names[i] || !values[i])
            return NULL;
    }
    dc_node_set_attrs(node, (guint)n, names, values);
    for (size_t i = 3 + 2 * (size_t)n; i < len; i++) {
        DcNode *child = dc_node_from_compact(json_object_array_get_idx(c, i));
        if (!child)
            return NULL;
        dc_node_append(node, child);
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
