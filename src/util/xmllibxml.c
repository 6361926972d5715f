/* XML read by libxml2 the way libvirt reads it (see xmllibxml.h): one
 * parser context per call with libvirt's options, the first fatal error
 * caught as libvirt's handler catches it, and the document turned into the
 * DcNode tree the CPU readers walk.
 *
 * libxml2 is loaded when first needed, not linked: linked, it and the ICU
 * it brings add about 1.5 ms to every start of the CLI, which answers a
 * cached query in little more than that, and only the CPU commands read
 * XML with it. Its headers give the types; DC_LIBXML2_SONAME (meson.build)
 * is the library those headers belong to. */
#include "util/xmllibxml.h"
#include "config.h"
#include "cpu/cpudef.h"
#include <dlfcn.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

static DcLibxml lx;
static char *load_error;   /* why it could not be loaded */
static gboolean xpath_missing;   /* loaded, but without XPath */

static gboolean find(void *handle, const char *name, void *out)
{
    void *sym = dlsym(handle, name);
    memcpy(out, &sym, sizeof(sym));
    return sym != NULL;
}

static gpointer load_libxml(gpointer data G_GNUC_UNUSED)
{
    void *h = dlopen(DC_LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        load_error = g_strdup_printf("cannot load libxml2: %s", dlerror());
        return NULL;
    }
    /* kept loaded for the life of the process */
    if (!find(h, "xmlInitParser", &lx.init_parser) || !find(h, "xmlNewParserCtxt", &lx.new_parser_ctxt) ||
        !find(h, "xmlFreeParserCtxt", &lx.free_parser_ctxt) || !find(h, "xmlCtxtReadDoc", &lx.ctxt_read_doc) ||
        !find(h, "xmlFreeDoc", &lx.free_doc) || !find(h, "xmlDocGetRootElement", &lx.doc_get_root_element) ||
        !find(h, "xmlNodeGetContent", &lx.node_get_content) || !find(h, "xmlFree", &lx.free) ||
        !find(h, "xmlCreateMemoryParserCtxt", &lx.create_memory_parser_ctxt) ||
        !find(h, "xmlCtxtUseOptions", &lx.ctxt_use_options) || !find(h, "xmlParseDocument", &lx.parse_document) ||
        !find(h, "xmlStopParser", &lx.stop_parser)) {
        load_error = g_strdup_printf("cannot load libxml2: %s lacks a function domcaps uses", DC_LIBXML2_SONAME);
        return NULL;
    }
    /* XPath and the tree functions only --xpath needs: without them the
     * rest still works */
    if (!find(h, "xmlXPathNewContext", &lx.xpath_new_context) ||
        !find(h, "xmlXPathFreeContext", &lx.xpath_free_context) || !find(h, "xmlXPathEval", &lx.xpath_eval) ||
        !find(h, "xmlXPathFreeObject", &lx.xpath_free_object) || !find(h, "xmlBufferCreate", &lx.buffer_create) ||
        !find(h, "xmlBufferFree", &lx.buffer_free) || !find(h, "xmlBufferContent", &lx.buffer_content) ||
        !find(h, "xmlNodeDump", &lx.node_dump) || !find(h, "xmlNewDoc", &lx.new_doc) ||
        !find(h, "xmlNewNode", &lx.new_node) || !find(h, "xmlDocSetRootElement", &lx.doc_set_root_element) ||
        !find(h, "xmlDocCopyNode", &lx.doc_copy_node) || !find(h, "xmlAddChild", &lx.add_child) ||
        !find(h, "xmlUnlinkNode", &lx.unlink_node) || !find(h, "xmlFreeNode", &lx.free_node) ||
        !find(h, "xmlSetGenericErrorFunc", &lx.set_generic_error_func) ||
        !find(h, "xmlSetStructuredErrorFunc", &lx.set_structured_error_func) ||
        !find(h, "__xmlGenericError", &lx.generic_error) ||
        !find(h, "__xmlGenericErrorContext", &lx.generic_error_context) ||
        !find(h, "__xmlStructuredError", &lx.structured_error) ||
        !find(h, "__xmlStructuredErrorContext", &lx.structured_error_context))
        xpath_missing = TRUE;
    lx.init_parser();
    return &lx;
}

gboolean dc_xml_libxml_load(GError **err)
{
    static GOnce once = G_ONCE_INIT;
    if (g_once(&once, load_libxml, NULL))
        return TRUE;
    g_set_error_literal(err, G_FILE_ERROR, G_FILE_ERROR_NOENT, load_error);
    return FALSE;
}

const DcLibxml *dc_libxml(GError **err)
{
    return dc_xml_libxml_load(err) ? &lx : NULL;
}

const DcLibxml *dc_libxml_xpath(GError **err)
{
    if (!dc_xml_libxml_load(err))
        return NULL;
    if (xpath_missing) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT, "cannot load libxml2: %s lacks XPath", DC_LIBXML2_SONAME);
        return NULL;
    }
    return &lx;
}

void dc_xml_error_clear(DcXmlError *e)
{
    g_clear_pointer(&e->message, g_free);
    g_clear_pointer(&e->context, g_free);
}

static gboolean is_eol(xmlChar c)
{
    return c == '\n' || c == '\r';
}

/* The line of the input that libxml2's cursor is on, and the cursor's
 * column in it, as libvirt shows them under the message: a cursor on a
 * line end counts as on the line before it. */
static void note_context(const xmlParserInput *in, DcXmlError *out)
{
    const xmlChar *base = in->base, *cur = in->cur, *start = cur;
    while (start > base && is_eol(*start))
        start--;
    while (start > base && !is_eol(*start))
        start--;
    if (is_eol(*start))
        start++;
    const xmlChar *end = start;
    while (*end && !is_eol(*end))
        end++;
    out->context = g_strndup((const char *)start, (gsize)(end - start));
    out->column = cur > start ? (gsize)(cur - start) : 0;
}

/* libxml2's error callback (its SAX "error"): the first fatal error only,
 * as libvirt keeps only the first; errors libxml2 recovers from (an
 * undeclared namespace prefix, say) leave the document standing. */
static void on_error(void *ctx, const char *msg G_GNUC_UNUSED, ...)
{
    xmlParserCtxt *pctxt = ctx;
    DcXmlError *out = pctxt->_private;
    const xmlError *e = &pctxt->lastError;
    if (out->message || e->level != XML_ERR_FATAL || !e->message || !pctxt->input)
        return;
    out->line = e->line;
    out->message = g_strdup(e->message);
    note_context(pctxt->input, out);
}

static char *qualified(const xmlNs *ns, const xmlChar *name)
{
    if (ns && ns->prefix)
        return g_strdup_printf("%s:%s", (const char *)ns->prefix, (const char *)name);
    return g_strdup((const char *)name);
}

static void add_attributes(DcNode *node, const xmlNode *elem)
{
    for (const xmlNs *ns = elem->nsDef; ns; ns = ns->next) {
        g_autofree char *name = ns->prefix ? g_strdup_printf("xmlns:%s", (const char *)ns->prefix)
                                           : g_strdup("xmlns");
        dc_node_set_attr(node, name, ns->href ? (const char *)ns->href : "");
    }
    for (xmlAttr *a = elem->properties; a; a = a->next) {
        g_autofree char *name = qualified(a->ns, a->name);
        xmlChar *value = lx.node_get_content((xmlNode *)a);
        dc_node_set_attr(node, name, value ? (const char *)value : "");
        (*lx.free)(value);
    }
}

static void flush_text(DcNode *node, GString *text)
{
    if (!text->len)
        return;
    DcNode *t = dc_node_new(DC_XML_TEXT_NODE);
    t->text = g_strdup(text->str);
    dc_node_append(node, t);
    g_string_truncate(text, 0);
}

static DcNode *convert(const xmlNode *elem);

/* The content of @elem: child elements in order; text (CDATA included,
 * comments and PIs skipped over) as the element's own text when it has no
 * child element, else as "#text" children between them. */
static void add_content(DcNode *node, const xmlNode *elem)
{
    g_autoptr(GString) text = g_string_new(NULL);
    for (const xmlNode *c = elem->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            flush_text(node, text);
            dc_node_append(node, convert(c));
        } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            g_string_append(text, (const char *)c->content);
        } else if (c->type == XML_ENTITY_REF_NODE) {
            xmlChar *value = lx.node_get_content(c);
            g_string_append(text, value ? (const char *)value : "");
            (*lx.free)(value);
        }
    }
    if (node->children.len)
        flush_text(node, text);
    else if (text->len)
        node->text = g_strdup(text->str);
}

/* Recursion is bounded: libxml2 refuses more than 256 levels (no
 * XML_PARSE_HUGE). */
static DcNode *convert(const xmlNode *elem)
{
    g_autofree char *name = qualified(elem->ns, elem->name);
    DcNode *node = dc_node_new(name);
    add_attributes(node, elem);
    add_content(node, elem);
    return node;
}

DcNode *dc_xml_read_libxml(const char *text, gsize len, const char *name, DcXmlError *out)
{
    memset(out, 0, sizeof(*out));
    if (!dc_xml_libxml_load(NULL))
        return NULL;
    g_autofree char *doc_text = g_strndup(text, len);
    xmlParserCtxt *pctxt = lx.new_parser_ctxt();
    if (!pctxt || !pctxt->sax)
        g_error("libxml2 could not allocate a parser context");
    pctxt->_private = out;
    pctxt->sax->error = on_error;
    xmlDoc *doc = lx.ctxt_read_doc(pctxt, (const xmlChar *)doc_text, name, NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING);
    lx.free_parser_ctxt(pctxt);
    if (!doc)
        return NULL;
    /* a document libxml2 returns has its root element */
    DcNode *root = convert(lx.doc_get_root_element(doc));
    lx.free_doc(doc);
    dc_xml_error_clear(out);
    return root;
}

gboolean dc_xml_first_error(const char *text, gsize len, DcXmlError *out)
{
    DcNode *root = dc_xml_read_libxml(text, len, "[inline data]", out);
    dc_node_free(root);
    return root == NULL;
}

static char *report(const DcXmlError *e, const char *name)
{
    if (!e->message)
        return NULL;
    GString *out = g_string_new(NULL);
    if (name)
        g_string_append_printf(out, "%s:%d: ", name, e->line);
    else
        g_string_append_printf(out, "at line %d: ", e->line);
    g_string_append_printf(out, "%s%s\n", e->message, e->context ? e->context : "");
    /* the caret under the column: a tab kept as a tab so that it lines up */
    for (gsize i = 0; e->context && i < e->column && e->context[i]; i++)
        g_string_append_c(out, e->context[i] == '\t' ? '\t' : '-');
    g_string_append_c(out, '^');
    return g_string_free(out, FALSE);
}

char *dc_xml_error_report(const DcXmlError *e, const char *name)
{
    return report(e, name);
}

char *dc_xml_error_report_at_line(const DcXmlError *e)
{
    return report(e, NULL);
}
