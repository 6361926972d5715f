/* The statements a capability document makes (one value at a path, or one
 * member of a list), with a section and a label each, and the diff of two
 * documents as the statements that differ. The table of many documents
 * (table.c) is built from the same walk. */
#include "analyze/statements.h"
#include "domcaps.h"
#include <json-c/json.h>

void dc_append_one_line(GString *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p;
        while (*p >= 0x20 && *p != 0x7f)
            p++;
        g_string_append_len(out, (const char *)run, p - run);   /* a tabulated fleet is mostly plain runs */
        if (!*p)
            break;
        if (*p == '\n')
            g_string_append(out, "\\n");
        else if (*p == '\t')
            g_string_append(out, "\\t");
        else
            g_string_append_printf(out, "\\x%02x", *p);
        p++;
    }
}

void dc_statement_free(DcStatement *f)
{
    if (!f)
        return;
    g_free(f->path);
    g_free(f->member);
    g_free(f->value);
    g_free(f->key);
    g_free(f->section);
    g_free(f->label);
    g_free(f);
}

/* The top-level elements that say which emulator a document is about: in
 * the column headings rather than rows, unless the columns are named
 * otherwise (compare: file names). */
const char *const dc_identity_elements[DC_N_IDENTITY] = { "path", "domain", "machine", "arch" };
/* Other top-level elements that are one row each, grouped as "general". */
static const char *const general[] = { "path", "domain", "machine", "arch", "vcpu", "iothreads" };

static gboolean in_list(const char *const *list, gsize n, const char *s)
{
    for (gsize i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return TRUE;
    return FALSE;
}

/* Split a path at the slashes outside predicates. */
static GPtrArray *path_steps(const char *path)
{
    GPtrArray *steps = g_ptr_array_new_with_free_func(g_free);
    const char *start = path;
    char quote = 0;
    for (const char *p = path;; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            else if (!*p)
                break;
            continue;
        }
        if (*p == '\'')
            quote = *p;
        if (*p == '/' || !*p) {
            g_ptr_array_add(steps, g_strndup(start, p - start));
            if (!*p)
                break;
            start = p + 1;
        }
    }
    return steps;
}

/* Length of a predicate's value without its closing "']" (a path read from a
 * hostile document may lack it). */
static gsize without_close(const char *value)
{
    gsize n = strlen(value);
    return n >= 2 && g_str_has_suffix(value, "']") ? n - 2 : n;
}

/* "devices/disk/enum[@name='bus']" + "sata" -> section "devices", label "disk bus: sata". */
void dc_statement_describe(DcStatement *f)
{
    g_autoptr(GPtrArray) steps = path_steps(f->path);
    g_autofree char *first = g_strdup(steps->len ? (char *)steps->pdata[0] : "");
    char *br = strchr(first, '[');
    if (br)
        *br = '\0';
    gboolean is_general = in_list(general, G_N_ELEMENTS(general), first);
    f->section = g_strdup(is_general ? "general" : first);
    GString *label = g_string_new(NULL);
    for (guint i = is_general ? 0 : 1; i < steps->len; i++) {
        const char *s = steps->pdata[i];
        g_autofree char *piece = NULL;
        const char *named = strstr(s, "[@name='");
        const char *modeled = strstr(s, "[@model='");
        const char *texted = strstr(s, "[.='");
        if (strcmp(s, "@supported") == 0)
            continue;
        if (s[0] == '@')
            piece = g_strdup(s + 1);
        else if (named)
            piece = g_strndup(named + 8, without_close(named + 8));
        else if (modeled)
            piece = g_strdup_printf("%.*s %.*s", (int)(modeled - s), s, (int)without_close(modeled + 9), modeled + 9);
        else if (texted)
            piece = g_strdup_printf("%.*s %.*s", (int)(texted - s), s, (int)without_close(texted + 4), texted + 4);
        else
            piece = g_strdup(s);
        if (label->len)
            g_string_append_c(label, ' ');
        g_string_append(label, piece);
    }
    if (!label->len)
        g_string_append(label, f->section);
    if (f->member)
        g_string_append_printf(label, ": %s", f->member);
    f->label = g_string_free(label, FALSE);
}

DcStatement *dc_statement_new(const char *path, const char *member, const char *value, const char *key)
{
    DcStatement *f = g_new0(DcStatement, 1);
    f->path = g_strdup(path);
    f->member = g_strdup(member);
    f->value = g_strdup(value);
    f->key = g_strdup(key);
    f->detail = member == NULL && g_str_has_suffix(path, "/@vendor") && strstr(path, "mode[@name='custom']/model[");
    return f;
}

/* A document's statements as a list; a repeated member gets a key of its own. */
typedef struct {
    DcStatementSink sink;
    GPtrArray *out;
    GHashTable *seen;   /* keys so far */
} StatementList;

static void list_add(DcStatementSink *sink, const char *path, const char *member, const char *value)
{
    StatementList *l = (StatementList *)sink;
    g_autofree char *key = g_strconcat(path, "\n", member ? member : "", NULL);
    for (guint k = 2; g_hash_table_contains(l->seen, key); k++) {
        g_free(key);
        key = g_strdup_printf("%s\n%s\n%u", path, member ? member : "", k);
    }
    DcStatement *f = dc_statement_new(path, member, value, key);
    g_hash_table_add(l->seen, f->key);
    g_ptr_array_add(l->out, f);
}

static gboolean keyed_by_text(const DcNode *parent, const DcNode *n)
{
    return strcmp(n->name, "value") == 0 ||
           (strcmp(n->name, "model") == 0 && g_strcmp0(dc_node_get_attr(parent, "name"), "custom") == 0);
}

/* <blockers model='M'><feature name='F'/>...: keyed by the model, its
 * features the members (documents list them in any order of models). */
static gboolean is_blockers(const DcNode *n)
{
    return strcmp(n->name, "blockers") == 0 && dc_node_get_attr(n, "model");
}

/* @path extended by the strings given (NULL-terminated); returns its
 * length before, to truncate it back to. */
static gsize path_push(GString *path, ...)
{
    gsize before = path->len, len = 0;
    va_list ap;
    va_start(ap, path);
    for (const char *part; (part = va_arg(ap, const char *));)
        len += strlen(part);
    va_end(ap);
    g_string_set_size(path, before + len);   /* one resize, then the parts copied in */
    char *at = path->str + before;
    va_start(ap, path);
    for (const char *part; (part = va_arg(ap, const char *));) {
        gsize n = strlen(part);
        memcpy(at, part, n);
        at += n;
    }
    va_end(ap);
    return before;
}

static void add_blockers(DcStatementSink *sink, GString *path, const DcNode *b)
{
    gsize before = path_push(path, "/blockers[@model='", dc_node_get_attr(b, "model"), "']", NULL);
    for (guint i = 0; i < b->children.len; i++) {
        const char *feature = dc_node_get_attr(b->children.pdata[i], "name");
        if (feature)
            sink->add(sink, path->str, feature, NULL);
    }
    g_string_truncate(path, before);
}

/* <value>V</value>, <model>M</model>: the text is the member, the
 * attributes are statements of their own. */
static void add_keyed_by_text(DcStatementSink *sink, GString *path, const DcNode *c)
{
    sink->add(sink, path->str, c->text, NULL);
    for (guint a = 0; a < c->n_attrs; a++) {
        gsize before = path_push(path, "/", c->name, "[.='", c->text, "']/@", dc_node_attr_name(c, a), NULL);
        sink->add(sink, path->str, NULL, dc_node_attr_value(c, a));
        g_string_truncate(path, before);
    }
}

/* @path (the parent's) is extended by each child's step while the child
 * is walked, and set back after: no string is made per element. */
static void walk(const DcNode *n, GString *path, DcStatementSink *sink)
{
    g_autoptr(GHashTable) step_seen = NULL;   /* made for the first child that is a step */
    g_autoptr(GString) step = g_string_new(NULL);
    for (guint i = 0; i < n->children.len; i++) {
        const DcNode *c = n->children.pdata[i];
        if (keyed_by_text(n, c) && c->text) {
            add_keyed_by_text(sink, path, c);
            continue;
        }
        if (is_blockers(c)) {
            add_blockers(sink, path, c);
            continue;
        }
        const char *name_attr = dc_node_get_attr(c, "name");
        g_string_assign(step, c->name);
        if (name_attr) {
            g_string_append(step, "[@name='");
            g_string_append(step, name_attr);
            g_string_append(step, "']");
        }
        /* a repeated step gets its position */
        if (!step_seen)
            step_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        guint count = GPOINTER_TO_UINT(g_hash_table_lookup(step_seen, step->str)) + 1;
        g_hash_table_insert(step_seen, g_strdup(step->str), GUINT_TO_POINTER(count));
        /* an element whose only attribute names it, with no text or
         * children, states nothing of its own (blockers' features) */
        if (!c->text && !c->children.len && c->n_attrs == (name_attr ? 1u : 0u))
            continue;
        if (count > 1)
            g_string_append_printf(step, "[%u]", count);
        gsize before = path_push(path, path->len ? "/" : "", step->str, NULL);
        gsize cpath = path->len;
        for (guint a = 0; a < c->n_attrs; a++) {
            const char *an = dc_node_attr_name(c, a);
            if (name_attr && strcmp(an, "name") == 0)
                continue;
            path_push(path, "/@", an, NULL);
            sink->add(sink, path->str, NULL, dc_node_attr_value(c, a));
            g_string_truncate(path, cpath);
        }
        if (c->text)
            sink->add(sink, path->str, NULL, c->text);
        walk(c, path, sink);
        g_string_truncate(path, before);
    }
}

/* The statements of @doc without their section and label (describe() makes
 * them). */
static GPtrArray *statements_undescribed(const DcNode *doc)
{
    StatementList l = { { list_add }, g_ptr_array_new_with_free_func((GDestroyNotify)dc_statement_free),
                   g_hash_table_new(g_str_hash, g_str_equal) };
    g_autoptr(GString) path = g_string_sized_new(256);
    walk(doc, path, &l.sink);
    g_hash_table_unref(l.seen);
    return l.out;
}

GPtrArray *dc_statements_of(const DcNode *doc)
{
    GPtrArray *out = statements_undescribed(doc);
    for (guint i = 0; i < out->len; i++)
        dc_statement_describe(out->pdata[i]);
    return out;
}

/* Merge the keys of @statements into @order (const char * keys, @present the
 * set): a new key goes right after the key that precedes it in @statements. */
static void merge_order(GPtrArray *order, GHashTable *present, GPtrArray *statements)
{
    guint anchor = 0;
    for (guint i = 0; i < statements->len; i++) {
        const DcStatement *f = statements->pdata[i];
        if (g_hash_table_contains(present, f->key)) {
            for (guint k = 0; k < order->len; k++)
                if (strcmp(order->pdata[k], f->key) == 0) {
                    anchor = k + 1;
                    break;
                }
            continue;
        }
        g_ptr_array_insert(order, (gint)anchor++, f->key);
        g_hash_table_add(present, f->key);
    }
}

static GHashTable *index_statements(GPtrArray *statements)
{
    GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < statements->len; i++)
        g_hash_table_insert(h, ((DcStatement *)statements->pdata[i])->key, statements->pdata[i]);
    return h;
}

static void statement_line(GString *out, char sign, const DcStatement *f, const char *new_value)
{
    g_string_append_printf(out, "%c ", sign);
    dc_append_one_line(out, f->path);
    g_string_append(out, ": ");
    dc_append_one_line(out, f->member ? f->member : f->value);
    if (new_value) {
        g_string_append(out, " -> ");
        dc_append_one_line(out, new_value);
    }
    g_string_append_c(out, '\n');
}

/* One change of a diff: the statement in A (NULL: added), in B (NULL: removed). */
typedef struct {
    const DcStatement *a, *b;
} Change;

/* The changes from @fa to @fb, in the merged document order. */
static GArray *changes_of(GPtrArray *fa, GPtrArray *fb)
{
    g_autoptr(GHashTable) ha = index_statements(fa);
    g_autoptr(GHashTable) hb = index_statements(fb);
    g_autoptr(GPtrArray) order = g_ptr_array_new();
    g_autoptr(GHashTable) present = g_hash_table_new(g_str_hash, g_str_equal);
    merge_order(order, present, fa);
    merge_order(order, present, fb);
    GArray *changes = g_array_new(FALSE, FALSE, sizeof(Change));
    for (guint i = 0; i < order->len; i++) {
        Change c = { g_hash_table_lookup(ha, order->pdata[i]), g_hash_table_lookup(hb, order->pdata[i]) };
        if (!(c.a && c.b && g_strcmp0(c.a->value, c.b->value) == 0))
            g_array_append_val(changes, c);
    }
    return changes;
}

static void diff_text(GString *out, const Change *c)
{
    if (c->a && c->b)
        statement_line(out, '~', c->a, c->b->value);
    else
        statement_line(out, c->a ? '-' : '+', c->a ? c->a : c->b, NULL);
}

/* {"change": "removed"|"added"|"changed", "path", "member" or "value"/"old"/"new", "section", "label"} */
static json_object *diff_json(const Change *c)
{
    const DcStatement *f = c->a ? c->a : c->b;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "change", json_object_new_string(c->a && c->b ? "changed" : c->a ? "removed"
                                                                                                : "added"));
    json_object_object_add(o, "path", json_object_new_string(f->path));
    if (f->member)
        json_object_object_add(o, "member", json_object_new_string(f->member));
    else if (c->a && c->b) {
        json_object_object_add(o, "old", json_object_new_string(c->a->value ? c->a->value : ""));
        json_object_object_add(o, "new", json_object_new_string(c->b->value ? c->b->value : ""));
    } else {
        json_object_object_add(o, "value", json_object_new_string(f->value ? f->value : ""));
    }
    json_object_object_add(o, "section", json_object_new_string(f->section));
    json_object_object_add(o, "label", json_object_new_string(f->label));
    return o;
}

char *dc_diff_format(const DcNode *a, const DcNode *b, gboolean json, guint *n_changes)
{
    g_autoptr(GPtrArray) fa = dc_statements_of(a);
    g_autoptr(GPtrArray) fb = dc_statements_of(b);
    g_autoptr(GArray) changes = changes_of(fa, fb);
    if (n_changes)
        *n_changes = changes->len;
    if (json) {
        json_object *list = json_object_new_array();
        for (guint i = 0; i < changes->len; i++)
            json_object_array_add(list, diff_json(&g_array_index(changes, Change, i)));
        json_object *root = json_object_new_object();
        json_object_object_add(root, "changes", list);
        json_object_object_add(root, "count", json_object_new_int((int)changes->len));
        char *text = g_strdup_printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(root);
        return text;
    }
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < changes->len; i++)
        diff_text(out, &g_array_index(changes, Change, i));
    return g_string_free(out, FALSE);
}

char *dc_diff(const DcNode *a, const DcNode *b, guint *n_changes)
{
    return dc_diff_format(a, b, FALSE, n_changes);
}

void dc_statements_walk(const DcNode *doc, DcStatementSink *sink)
{
    g_autoptr(GString) path = g_string_sized_new(256);
    walk(doc, path, sink);
}

gboolean dc_statement_is_identity(const char *path)
{
    return in_list(dc_identity_elements, DC_N_IDENTITY, path);
}
