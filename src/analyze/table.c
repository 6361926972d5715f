/* The table of many capability documents (domcaps matrix, domcaps
 * compare): one row per statement (statements.c), one column per document,
 * as text, an HTML page or JSON. */
#include "analyze/statements.h"
#include "config.h"
#include "domcaps.h"
#include <json-c/json.h>

typedef struct {
    const DcStatement *statement;     /* the first document's with this key */
    const char **cells;     /* per document: value, "yes" for a member, NULL when absent */
    gboolean differs;
} Row;

static const char *doc_text(const DcNode *doc, const char *name)
{
    const DcNode *n = dc_node_child(doc, name, NULL);
    return n && n->text ? n->text : "";
}

/* "qemu-system-ppc64le" -> "ppc64le"; NULL for other names. */
static char *target_of(const DcNode *doc)
{
    g_autofree char *base = g_path_get_basename(doc_text(doc, "path"));
    return g_str_has_prefix(base, "qemu-system-") && base[12] ? g_strdup(base + 12) : NULL;
}

static char *column_label(const DcNode *doc, int scheme, guint index)
{
    g_autofree char *target = target_of(doc);
    const char *arch = doc_text(doc, "arch"), *machine = doc_text(doc, "machine"), *domain = doc_text(doc, "domain");
    switch (scheme) {
    case 0: return target ? g_steal_pointer(&target) : g_strdup(arch);
    case 1: return g_strdup(arch);
    case 2: return g_strdup_printf("%s %s", arch, machine);
    case 3: return g_strdup_printf("%s %s %s", arch, machine, domain);
    case 4: return g_strdup_printf("%s %s %s", target ? target : arch, machine, domain);
    default: return g_strdup_printf("%u %s", index + 1, arch);
    }
}

/* Given labels, or the first naming scheme that tells all columns apart:
 * the QEMU target ("ppc64le", "x86_64-microvm"), the arch, then with the
 * machine, the domain type, and at last the column number. */
static char **column_labels(const DcNode *const *docs, const char *const *labels, guint n)
{
    char **out = g_new0(char *, n + 1);
    for (int scheme = 0; scheme <= 5; scheme++) {
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        gboolean unique = TRUE;
        for (guint i = 0; i < n; i++) {
            g_free(out[i]);
            out[i] = labels && labels[i] ? g_strdup(labels[i]) : column_label(docs[i], scheme, i);
            unique &= g_hash_table_add(seen, out[i]);
        }
        if (unique)
            break;
    }
    return out;
}

/* The heading of a group of rows. */
static const char *section_title(const char *section)
{
    static const char *const titles[][2] = {
        { "general", "General" }, { "os", "OS and firmware" }, { "cpu", "CPU" },
        { "memoryBacking", "Memory backing" }, { "devices", "Devices" }, { "features", "Features" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(titles); i++)
        if (strcmp(titles[i][0], section) == 0)
            return titles[i][1];
    return section;
}

/* The length of @s when it is all printable ASCII (the usual cell), or
 * -1: then it needs escapes or counting as UTF-8. */
static gssize plain_ascii_len(const char *s)
{
    gsize len = 0;
    while ((unsigned char)s[len] >= 0x20 && (unsigned char)s[len] < 0x7f)
        len++;
    return s[len] ? -1 : (gssize)len;
}

static void pad(GString *out, const char *s, guint width)
{
    gssize plain = plain_ascii_len(s);
    gsize before = out->len;
    if (plain >= 0)
        g_string_append_len(out, s, plain);
    else
        dc_append_one_line(out, s);
    glong have = plain >= 0 ? plain : g_utf8_strlen(out->str + before, (gssize)(out->len - before));
    if (have < (glong)width) {
        gsize at = out->len;
        g_string_set_size(out, at + (gsize)(width - have));
        memset(out->str + at, ' ', (gsize)(width - have));
    }
}

static guint line_width(const char *s)
{
    gssize plain = plain_ascii_len(s);
    if (plain >= 0)   /* nothing to escape or count: the common case, without a copy */
        return (guint)plain;
    g_autoptr(GString) line = g_string_new(NULL);
    dc_append_one_line(line, s);
    return (guint)g_utf8_strlen(line->str, -1);
}

/* "  " and @cell padded to @width: a plain cell (the usual one, of a
 * million in a fleet's table) written with one resize. */
static void put_cell(GString *out, const char *cell, guint width)
{
    gssize plain = plain_ascii_len(cell);
    if (plain < 0) {
        g_string_append_len(out, "  ", 2);
        pad(out, cell, width);
        return;
    }
    gsize fill = width > (gsize)plain ? width - (gsize)plain : 0, at = out->len;
    g_string_set_size(out, at + 2 + (gsize)plain + fill);
    char *p = out->str + at;
    p[0] = p[1] = ' ';
    memcpy(p + 2, cell, (gsize)plain);
    memset(p + 2 + plain, ' ', fill);
}

static void render_text(GString *out, const DcNode *const *docs, char **cols, guint n, GPtrArray *rows)
{
    for (guint i = 0; i < n; i++) {
        g_autofree char *legend = g_strdup_printf("%s: %s, %s, %s", cols[i], doc_text(docs[i], "path"),
                                                  doc_text(docs[i], "machine"), doc_text(docs[i], "domain"));
        dc_append_one_line(out, legend);
        g_string_append_c(out, '\n');
    }
    guint label_w = 0;
    g_autofree guint *w = g_new0(guint, n);
    for (guint i = 0; i < n; i++)
        w[i] = line_width(cols[i]);
    for (guint r = 0; r < rows->len; r++) {
        const Row *row = rows->pdata[r];
        label_w = MAX(label_w, 2 + line_width(row->statement->label));
        const char *last = NULL;   /* cells are interned: the same cell again, the same width */
        guint last_w = 0;
        for (guint i = 0; i < n; i++) {
            if (!row->cells[i])
                continue;
            if (row->cells[i] != last)
                last_w = line_width(last = row->cells[i]);
            w[i] = MAX(w[i], last_w);
        }
    }
    g_string_append_c(out, '\n');
    pad(out, "", label_w);
    for (guint i = 0; i < n; i++) {
        g_string_append(out, "  ");
        pad(out, cols[i], i + 1 < n ? w[i] : 0);
    }
    g_string_append_c(out, '\n');
    const char *section = NULL;
    for (guint r = 0; r < rows->len; r++) {
        const Row *row = rows->pdata[r];
        if (g_strcmp0(section, row->statement->section) != 0) {
            section = row->statement->section;
            dc_append_one_line(out, section_title(section));
            g_string_append_c(out, '\n');
        }
        g_string_append(out, "  ");
        pad(out, row->statement->label, label_w - 2);
        for (guint i = 0; i < n; i++)
            put_cell(out, row->cells[i] ? row->cells[i] : "-", i + 1 < n ? w[i] : 0);
        g_string_append_c(out, '\n');
    }
}

static void html_escaped(GString *out, const char *s)
{
    g_autofree char *e = g_markup_escape_text(s, -1);
    g_string_append(out, e);
}

static const char html_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"generator\" content=\"domcaps %s\">\n"
    "<title>Domain capabilities</title>\n"
    "<style>\n"
    "body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1f23; background: #fff; }\n"
    "h1 { font-size: 1.4em; margin: 0 0 .3em; }\n"
    "p.summary { margin: 0 0 1em; color: #57606a; }\n"
    ".controls { margin: 0 0 1em; }\n"
    ".controls input[type=search] { width: 18em; padding: .2em .4em; }\n"
    "table { border-collapse: collapse; }\n"
    "th, td { border: 1px solid #d0d7de; padding: .15em .6em; }\n"
    "thead th { position: sticky; top: 0; background: #f6f8fa; vertical-align: bottom; }\n"
    "thead th small { display: block; font-weight: normal; color: #57606a; }\n"
    "tbody th { text-align: left; font-weight: normal; white-space: nowrap; }\n"
    /* the capability column stays in view when a wide table scrolls sideways */
    "thead th:first-child, tbody th[scope=row] { position: sticky; left: 0; z-index: 1; }\n"
    "thead th:first-child { z-index: 2; }\n"
    "tbody th[scope=row] { background: #fff; }\n"
    "tr.section th { background: #ddf4ff; font-weight: bold; }\n"
    "td { text-align: center; white-space: nowrap; }\n"
    "td.yes { background: #dafbe1; color: #116329; }\n"
    "td.no { background: #ffebe9; color: #a40e26; }\n"
    "td.absent { color: #8c959f; }\n"
    "td.value { font-family: ui-monospace, monospace; }\n"
    "tr.differs th { border-left: 3px solid #bf8700; }\n"
    "tr[hidden] { display: none; }\n"
    "</style>\n"
    "</head>\n"
    "<body>\n";

/* The page works without it; with it, rows can be filtered (also from the
 * address: page.html#filter=virtio&differs). */
static const char html_script[] =
    "<script>\n"
    "(function () {\n"
    "  var search = document.getElementById('filter'), only = document.getElementById('differs');\n"
    "  var rows = document.querySelectorAll('#matrix tbody tr');\n"
    "  function apply() {\n"
    "    var q = search.value.toLowerCase(), shown = 0, header = null, inSection = 0;\n"
    "    for (var i = 0; i < rows.length; i++) {\n"
    "      var r = rows[i];\n"
    "      if (r.classList.contains('section')) {\n"
    "        if (header) header.hidden = inSection === 0;\n"
    "        header = r; inSection = 0; continue;\n"
    "      }\n"
    "      var ok = (!only.checked || r.classList.contains('differs')) &&\n"
    "               r.textContent.toLowerCase().indexOf(q) >= 0;\n"
    "      r.hidden = !ok;\n"
    "      if (ok) { shown++; inSection++; }\n"
    "    }\n"
    "    if (header) header.hidden = inSection === 0;\n"
    "    document.getElementById('shown').textContent = shown;\n"
    "  }\n"
    "  var h = location.hash, m = /[#&]filter=([^&]*)/.exec(h);\n"
    "  if (m) search.value = decodeURIComponent(m[1]);\n"
    "  if (/[#&]differs(&|$)/.test(h)) only.checked = true;\n"
    "  search.addEventListener('input', apply);\n"
    "  only.addEventListener('change', apply);\n"
    "  apply();\n"
    "  document.body.setAttribute('data-ready', 'yes');\n"
    "})();\n"
    "</script>\n";

static void render_html(GString *out, const DcNode *const *docs, char **cols, guint n, GPtrArray *rows)
{
    g_string_append_printf(out, html_head, DOMCAPS_VERSION);
    guint differing = 0;
    for (guint r = 0; r < rows->len; r++)
        differing += ((const Row *)rows->pdata[r])->differs;
    g_string_append(out, "<h1>Domain capabilities</h1>\n");
    g_string_append_printf(out,
                           "<p class=\"summary\"><span id=\"targets\">%u</span> targets, "
                           "<span id=\"rows\">%u</span> capabilities, "
                           "<span id=\"differing\">%u</span> not shared by all; "
                           "<span id=\"shown\">%u</span> shown.</p>\n",
                           n, rows->len, differing, rows->len);
    g_string_append(out, "<div class=\"controls\"><input id=\"filter\" type=\"search\" "
                         "placeholder=\"filter rows (e.g. virtio)\"> <label><input id=\"differs\" "
                         "type=\"checkbox\"> only rows that differ</label></div>\n");
    g_string_append(out, "<table id=\"matrix\">\n<thead>\n<tr><th>capability</th>");
    for (guint i = 0; i < n; i++) {
        g_string_append(out, "<th scope=\"col\" title=\"");
        html_escaped(out, doc_text(docs[i], "path"));
        g_string_append(out, "\">");
        html_escaped(out, cols[i]);
        /* the machine and domain type, unless the heading says them already
         * (as a word: "microvm" is not said by "x86_64-microvm") */
        g_auto(GStrv) words = g_strsplit(cols[i], " ", -1);
        const char *more[] = { doc_text(docs[i], "machine"), doc_text(docs[i], "domain") };
        for (gsize k = 0; k < G_N_ELEMENTS(more); k++) {
            if (!*more[k] || g_strv_contains((const char *const *)words, more[k]))
                continue;
            g_string_append(out, "<small>");
            html_escaped(out, more[k]);
            g_string_append(out, "</small>");
        }
        g_string_append(out, "</th>");
    }
    g_string_append(out, "</tr>\n</thead>\n<tbody>\n");
    const char *section = NULL;
    for (guint r = 0; r < rows->len; r++) {
        const Row *row = rows->pdata[r];
        if (g_strcmp0(section, row->statement->section) != 0) {
            section = row->statement->section;
            g_string_append_printf(out, "<tr class=\"section\"><th colspan=\"%u\">", n + 1);
            html_escaped(out, section_title(section));
            g_string_append(out, "</th></tr>\n");
        }
        g_string_append_printf(out, "<tr%s><th scope=\"row\" title=\"", row->differs ? " class=\"differs\"" : "");
        html_escaped(out, row->statement->path);
        g_string_append(out, "\">");
        html_escaped(out, row->statement->label);
        g_string_append(out, "</th>");
        for (guint i = 0; i < n; i++) {
            const char *c = row->cells[i];
            if (!c)
                g_string_append(out, "<td class=\"absent\">&#183;</td>");
            else if (strcmp(c, "yes") == 0)
                g_string_append(out, "<td class=\"yes\">&#10003;</td>");
            else if (strcmp(c, "no") == 0)
                g_string_append(out, "<td class=\"no\">&#10007;</td>");
            else {
                g_string_append(out, "<td class=\"value\">");
                html_escaped(out, c);
                g_string_append(out, "</td>");
            }
        }
        g_string_append(out, "</tr>\n");
    }
    g_string_append(out, "</tbody>\n</table>\n");
    g_string_append(out, html_script);
    g_string_append(out, "</body>\n</html>\n");
}

/* {"columns": [{"label", "path", "arch", "machine", "domain"}],
 *  "rows": [{"section", "label", "path", "member"?, "differs", "cells": [value or null per column]}]} */
static void render_json(GString *out, const DcNode *const *docs, char **cols, guint n, GPtrArray *rows)
{
    json_object *root = json_object_new_object(), *columns = json_object_new_array(), *list = json_object_new_array();
    static const char *const identity_keys[] = { "path", "arch", "machine", "domain" };
    for (guint i = 0; i < n; i++) {
        json_object *c = json_object_new_object();
        json_object_object_add(c, "label", json_object_new_string(cols[i]));
        for (gsize k = 0; k < G_N_ELEMENTS(identity_keys); k++)
            json_object_object_add(c, identity_keys[k], json_object_new_string(doc_text(docs[i], identity_keys[k])));
        json_object_array_add(columns, c);
    }
    for (guint r = 0; r < rows->len; r++) {
        const Row *row = rows->pdata[r];
        json_object *o = json_object_new_object(), *cells = json_object_new_array();
        json_object_object_add(o, "section", json_object_new_string(row->statement->section));
        json_object_object_add(o, "label", json_object_new_string(row->statement->label));
        json_object_object_add(o, "path", json_object_new_string(row->statement->path));
        if (row->statement->member)
            json_object_object_add(o, "member", json_object_new_string(row->statement->member));
        json_object_object_add(o, "differs", json_object_new_boolean(row->differs));
        for (guint i = 0; i < n; i++)
            json_object_array_add(cells, row->cells[i] ? json_object_new_string(row->cells[i]) : NULL);
        json_object_object_add(o, "cells", cells);
        json_object_array_add(list, o);
    }
    json_object_object_add(root, "columns", columns);
    json_object_object_add(root, "rows", list);
    g_string_append(out, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    g_string_append_c(out, '\n');
    json_object_put(root);
}


/* A row of the table being built: the first document's statement with its key
 * (owned, described), a cell per column so far (interned values), and the
 * next row in document order. */
typedef struct BuiltRow BuiltRow;
struct BuiltRow {
    DcStatement *statement;
    GPtrArray *cells;
    BuiltRow *next;
};

struct DcTable {
    GHashTable *rows;       /* key -> BuiltRow */
    BuiltRow *head;
    GPtrArray *idents;      /* per column: the document's path, domain, machine and arch only */
    GPtrArray *labels;      /* per column: the name given, or NULL */
    gboolean named;         /* some column has a given name */
    GStringChunk *values;   /* every cell value, once */
    const char *yes;        /* its "yes", the cell of every member */
};

static void built_row_free(BuiltRow *r)
{
    dc_statement_free(r->statement);
    g_ptr_array_unref(r->cells);
    g_free(r);
}

DcTable *dc_table_new(void)
{
    DcTable *t = g_new0(DcTable, 1);
    t->rows = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)built_row_free);
    t->idents = g_ptr_array_new_with_free_func((GDestroyNotify)dc_node_free);
    t->labels = g_ptr_array_new_with_free_func(g_free);
    t->values = g_string_chunk_new(4096);
    t->yes = g_string_chunk_insert_const(t->values, "yes");
    return t;
}

void dc_table_free(DcTable *t)
{
    if (!t)
        return;
    g_hash_table_unref(t->rows);
    g_ptr_array_unref(t->idents);
    g_ptr_array_unref(t->labels);
    g_string_chunk_free(t->values);
    g_free(t);
}

guint dc_table_columns(const DcTable *t)
{
    return t->idents->len;
}

/* What names the column: the document's top-level identity elements. */
static DcNode *identity_of(const DcNode *doc)
{
    DcNode *id = dc_node_new(doc->name);
    for (gsize k = 0; k < DC_N_IDENTITY; k++) {
        const DcNode *n = dc_node_child(doc, dc_identity_elements[k], NULL);
        if (n && n->text)
            dc_node_add_text(id, dc_identity_elements[k], n->text);
    }
    return id;
}

/* A document's statements straight into the table's rows: a statement of a known row
 * only sets its cell (no statement is made of it); a new row goes right after
 * the row of the statement before it in this document (first when there is
 * none), so the order of every document is kept as far as they agree. */
typedef struct {
    DcStatementSink sink;
    DcTable *t;
    guint col;
    BuiltRow *prev;
    GString *key;
} TableSink;

/* Whether @key is "@path\n@member" (the key of a member's first row). */
static gboolean is_key_of(const char *key, const char *path, const char *member)
{
    gsize len = strlen(path);
    return strncmp(key, path, len) == 0 && key[len] == '\n' && strcmp(key + len + 1, member ? member : "") == 0;
}

static BuiltRow *row_of(TableSink *ts, const char *path, const char *member, const char *value)
{
    DcTable *t = ts->t;
    /* Documents of a fleet mostly list the same statements in the same
     * order: the rows after the last one are tried before the hash table
     * (a few, for the statements this document does not make). */
    BuiltRow *r = ts->prev ? ts->prev->next : t->head;
    for (guint ahead = 0; r && ahead < 4; ahead++, r = r->next) {
        if (!is_key_of(r->statement->key, path, member))
            continue;
        if (r->cells->len <= ts->col || !r->cells->pdata[ts->col])
            return r;
        break;   /* a member repeated: its next key, below */
    }
    g_string_assign(ts->key, path);
    g_string_append_c(ts->key, '\n');
    g_string_append(ts->key, member ? member : "");
    /* a member repeated in one document gets a key of its own, as in a list */
    for (guint k = 2; (r = g_hash_table_lookup(t->rows, ts->key->str)) && r->cells->len > ts->col &&
                      r->cells->pdata[ts->col]; k++)
        g_string_printf(ts->key, "%s\n%s\n%u", path, member ? member : "", k);
    if (r)
        return r;
    r = g_new0(BuiltRow, 1);
    r->statement = dc_statement_new(path, member, value, ts->key->str);
    dc_statement_describe(r->statement);
    r->cells = g_ptr_array_new();
    BuiltRow **link = ts->prev ? &ts->prev->next : &t->head;
    r->next = *link;
    *link = r;
    g_hash_table_insert(t->rows, r->statement->key, r);
    return r;
}

static void table_add(DcStatementSink *sink, const char *path, const char *member, const char *value)
{
    TableSink *ts = (TableSink *)sink;
    const char *cell = member ? "yes" : value;
    BuiltRow *r = row_of(ts, path, member, value);
    gpointer interned = member ? (gpointer)ts->t->yes : cell ? g_string_chunk_insert_const(ts->t->values, cell) : NULL;
    if (r->cells->len == ts->col) {   /* in the column before too: the usual row */
        g_ptr_array_add(r->cells, interned);
    } else {
        if (r->cells->len <= ts->col)
            g_ptr_array_set_size(r->cells, ts->col + 1);
        r->cells->pdata[ts->col] = interned;
    }
    ts->prev = r;
}

void dc_table_add(DcTable *t, const DcNode *doc, const char *label)
{
    TableSink ts = { { table_add }, t, t->idents->len, NULL, g_string_sized_new(256) };
    g_ptr_array_add(t->idents, identity_of(doc));
    g_ptr_array_add(t->labels, g_strdup(label));
    t->named |= label != NULL;
    dc_statements_walk(doc, &ts.sink);
    g_string_free(ts.key, TRUE);
}

/* The rows to show, as the renderers take them: cells borrowed from the
 * table, identity rows only when columns are named, and with
 * DC_TABLE_DIFFERENCES only the rows that are not the same everywhere. */
static GPtrArray *rows_to_show(DcTable *t, DcTableFlags flags)
{
    guint n = t->idents->len;
    GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
    for (BuiltRow *b = t->head; b; b = b->next) {
        g_ptr_array_set_size(b->cells, n);
        Row *row = g_new0(Row, 1);
        row->statement = b->statement;
        row->cells = (const char **)b->cells->pdata;
        for (guint i = 1; i < n && !row->differs; i++)
            row->differs = row->cells[i] != row->cells[0];   /* interned: same text, same pointer */
        gboolean is_identity = !strchr(row->statement->path, '/') &&
                               dc_statement_is_identity(row->statement->path);
        if ((is_identity && !t->named) || ((flags & DC_TABLE_DIFFERENCES) && !row->differs) || row->statement->detail) {
            g_free(row);
            continue;
        }
        g_ptr_array_add(rows, row);
    }
    return rows;
}

char *dc_table_render(DcTable *t, DcTableFlags flags, guint *n_rows)
{
    guint n = t->idents->len;
    const DcNode *const *docs = (const DcNode *const *)t->idents->pdata;
    g_autoptr(GPtrArray) rows = rows_to_show(t, flags);
    /* Group rows by section, keeping their order within it. */
    g_autoptr(GPtrArray) sections = g_ptr_array_new();
    for (guint r = 0; r < rows->len; r++) {
        const char *s = ((Row *)rows->pdata[r])->statement->section;
        if (!g_ptr_array_find_with_equal_func(sections, s, g_str_equal, NULL))
            g_ptr_array_add(sections, (gpointer)s);
    }
    g_autoptr(GPtrArray) grouped = g_ptr_array_new();
    for (guint s = 0; s < sections->len; s++)
        for (guint r = 0; r < rows->len; r++)
            if (strcmp(((Row *)rows->pdata[r])->statement->section, sections->pdata[s]) == 0)
                g_ptr_array_add(grouped, rows->pdata[r]);
    g_auto(GStrv) cols = column_labels(docs, t->named ? (const char *const *)t->labels->pdata : NULL, n);
    GString *out = g_string_new(NULL);
    if (flags & DC_TABLE_HTML)
        render_html(out, docs, cols, n, grouped);
    else if (flags & DC_TABLE_JSON)
        render_json(out, docs, cols, n, grouped);
    else
        render_text(out, docs, cols, n, grouped);
    if (n_rows)
        *n_rows = grouped->len;
    return g_string_free(out, FALSE);
}

DcTableFlags dc_table_flags_of(guint public_flags)
{
    static const struct { guint public_flag; DcTableFlags flag; } map[] = {
        { DOMCAPS_TABLE_HTML, DC_TABLE_HTML },
        { DOMCAPS_TABLE_DIFFERENCES, DC_TABLE_DIFFERENCES },
        { DOMCAPS_TABLE_JSON, DC_TABLE_JSON },
    };
    guint flags = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
        if (public_flags & map[i].public_flag)
            flags |= map[i].flag;
    return (DcTableFlags)flags;
}

char *dc_table(const DcNode *const *docs, const char *const *labels, guint n, DcTableFlags flags, guint *n_rows)
{
    DcTable *t = dc_table_new();
    for (guint i = 0; i < n; i++)
        dc_table_add(t, docs[i], labels ? labels[i] : NULL);
    /* an array of names, even of NULLs only, shows the identity rows */
    t->named |= labels != NULL;
    char *out = dc_table_render(t, flags, n_rows);
    dc_table_free(t);
    return out;
}
