/* The document object of the public API (domcaps_doc): a tree, or the text
 * of a remembered document whose tree is built only when something walks
 * it (JSON output, check, compare...). A CLI run that prints XML never
 * builds it. */
#include "config.h"
#include "api-internal.h"
#include "format/format.h"
#include "util/xmlread.h"

struct domcaps_doc {
    gsize root;        /* DcNode *, set once: at creation or on first use */
    char *xml;         /* the XML text, NULL: formatted from the tree */
    char *tree_text;   /* dc_node_to_compact_text() form when root is not set yet */
    char *emulator;
    char *arch;
    char *machine;
    char *virttype;
    GPtrArray *warnings; /* NULL-terminated lines, NULL: none */
    char *release;     /* the libvirt release it follows ("12.9"), NULL: not known */
    char *release_why; /* why that release, NULL: not known */
};

const char *domcaps_version(void) { return DOMCAPS_VERSION; }

void domcaps_doc_free(domcaps_doc *doc)
{
    if (!doc)
        return;
    dc_node_free((DcNode *)doc->root);
    g_free(doc->xml);
    g_free(doc->tree_text);
    g_free(doc->emulator);
    g_free(doc->arch);
    g_free(doc->machine);
    g_free(doc->virttype);
    g_free(doc->release);
    g_free(doc->release_why);
    if (doc->warnings)
        g_ptr_array_unref(doc->warnings);
    g_free(doc);
}

DcNode *dc_doc_free_keep_root(domcaps_doc *doc)
{
    DcNode *root = (DcNode *)dc_doc_root(doc);
    doc->root = 0;
    domcaps_doc_free(doc);
    return root;
}

char *domcaps_doc_to_xml(const domcaps_doc *doc)
{
    return doc->xml ? g_strdup(doc->xml) : dc_format_xml(dc_doc_root(doc));
}

char *domcaps_doc_to_json(const domcaps_doc *doc, gboolean pretty)
{
    return dc_format_json_release(dc_doc_root(doc), pretty, doc->release, doc->release_why);
}

const char *domcaps_doc_schema(const domcaps_doc *doc) { return doc->release; }
const char *domcaps_doc_schema_reason(const domcaps_doc *doc) { return doc->release_why; }

void dc_doc_set_release(domcaps_doc *doc, const char *release, const char *why)
{
    g_free(doc->release);
    g_free(doc->release_why);
    doc->release = g_strdup(release);
    doc->release_why = g_strdup(why);
}
const char *domcaps_doc_emulator(const domcaps_doc *doc) { return doc->emulator; }
const char *domcaps_doc_arch(const domcaps_doc *doc) { return doc->arch; }
const char *domcaps_doc_machine(const domcaps_doc *doc) { return doc->machine; }
const char *domcaps_doc_virttype(const domcaps_doc *doc) { return doc->virttype; }

const char *const *domcaps_doc_warnings(const domcaps_doc *doc)
{
    static const char *const none[] = { NULL };
    return doc->warnings ? (const char *const *)doc->warnings->pdata : none;
}

void dc_doc_take_warnings(domcaps_doc *doc, GPtrArray *warnings)
{
    if (!warnings)
        return;
    if (doc->warnings)
        g_ptr_array_unref(doc->warnings);
    g_ptr_array_add(warnings, NULL);
    doc->warnings = warnings;
}

domcaps_doc *dc_doc_new(DcNode *root, const char *emulator, const char *arch, const char *machine,
                        const char *virttype)
{
    domcaps_doc *doc = g_new0(domcaps_doc, 1);
    doc->root = (gsize)root;
    doc->emulator = g_strdup(emulator);
    doc->arch = g_strdup(arch);
    doc->machine = g_strdup(machine);
    doc->virttype = g_strdup(virttype);
    return doc;
}

domcaps_doc *dc_doc_new_from_text(const char *xml, const char *tree_text, const char *emulator, const char *arch,
                                  const char *machine, const char *virttype)
{
    domcaps_doc *doc = dc_doc_new(NULL, emulator, arch, machine, virttype);
    doc->xml = g_strdup(xml);
    doc->tree_text = g_strdup(tree_text);
    return doc;
}

const char *dc_doc_keep_xml(domcaps_doc *doc)
{
    if (!doc->xml)
        doc->xml = dc_format_xml(dc_doc_root(doc));
    return doc->xml;
}

domcaps_doc *dc_doc_new_take(DcNode *root)
{
    static const char *const fields[] = { "path", "arch", "machine", "domain" };
    const char *values[G_N_ELEMENTS(fields)];
    for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
        const DcNode *n = dc_node_child(root, fields[i], NULL);
        values[i] = n ? n->text : NULL;
    }
    return dc_doc_new(root, values[0], values[1], values[2], values[3]);
}

const DcNode *dc_doc_root(const domcaps_doc *cdoc)
{
    domcaps_doc *doc = (domcaps_doc *)cdoc;  /* the tree is built once, on first use */
    if (g_once_init_enter(&doc->root)) {
        DcNode *root = dc_node_from_compact_text(doc->tree_text);
        /* Only a memo that was valid JSON gets here, so a tree that is not
         * one was damaged on disk: the XML is the same document, and
         * nothing at all reads as an empty one rather than a crash. */
        if (!root && doc->xml)
            root = dc_xml_read(doc->xml, strlen(doc->xml), "domainCapabilities", "remembered document", NULL);
        if (!root)
            root = dc_node_new("domainCapabilities");
        g_clear_pointer(&doc->tree_text, g_free);
        g_once_init_leave(&doc->root, (gsize)root);
    }
    return (const DcNode *)doc->root;
}
