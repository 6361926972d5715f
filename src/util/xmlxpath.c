/* virsh's --xpath and --wrap (see xmlxpath.h), on libxml2 loaded by
 * util/xmllibxml.c: the same parse options, XPath evaluation and
 * serializer calls virsh makes, so the output is libxml2's own.
 *
 * What libxml2 would print on standard error while it evaluates (virsh
 * leaves its handlers at their defaults) is caught on this thread for the
 * call's duration and handed back as text, formatted as libxml2's default
 * handler formats it: the library never prints. */
#include "util/xmlxpath.h"
#include "util/xmllibxml.h"
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <string.h>

#define MAX_DOCUMENT (8u << 20)
/* Far above what any expression over a document of a few hundred elements
 * takes; an expression that nests node-set loops stops at it, with
 * libxml2's "Operation limit exceeded", instead of running for hours. */
#define OP_LIMIT 20000000ul

void dc_xpath_result_clear(DcXpathResult *r)
{
    g_clear_pointer(&r->output, g_free);
    g_clear_pointer(&r->diagnostics, g_free);
}

/* ---- libxml2's messages, caught ---- */

typedef struct {
    const DcLibxml *lx;
    GString *text;
    xmlGenericErrorFunc old_generic;
    void *old_generic_ctx;
    xmlStructuredErrorFunc old_structured;
    void *old_structured_ctx;
} Catch;

static void on_generic(void *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void on_generic(void *ctx, const char *fmt, ...)
{
    Catch *c = ctx;
    va_list ap;
    va_start(ap, fmt);
    g_string_append_vprintf(c->text, fmt, ap);
    va_end(ap);
}

/* libxml2's default report of a structured error (xmlReportError), for the
 * errors evaluation raises: no file, no parser context. */
static void on_structured(void *ctx, const xmlError *e)
{
    Catch *c = ctx;
    const char *domain = e->domain == XML_FROM_XPATH ? "XPath " : e->domain == XML_FROM_PARSER ? "parser " : "";
    const char *level = e->level == XML_ERR_WARNING ? "warning : " : e->level == XML_ERR_NONE ? ": " : "error : ";
    const char *msg = e->message ? e->message : "out of memory error";
    gsize len = strlen(msg);

    if (e->file)
        g_string_append_printf(c->text, "%s:%d: ", e->file, e->line);
    g_string_append_printf(c->text, "%s%s%s%s", domain, level, msg, len && msg[len - 1] == '\n' ? "" : "\n");
    /* the expression and a caret under the place it went wrong, when that
     * place is inside it and near its start */
    if (e->domain == XML_FROM_XPATH && e->str1 && e->int1 < 100 && e->int1 < (int)strlen(e->str1)) {
        g_string_append_printf(c->text, "%s\n", e->str1);
        for (int i = 0; i < e->int1; i++)
            g_string_append_c(c->text, ' ');
        g_string_append(c->text, "^\n");
    }
}

static void catch_start(Catch *c, const DcLibxml *lx)
{
    c->lx = lx;
    c->text = g_string_new(NULL);
    c->old_generic = *lx->generic_error();
    c->old_generic_ctx = *lx->generic_error_context();
    c->old_structured = *lx->structured_error();
    c->old_structured_ctx = *lx->structured_error_context();
    lx->set_generic_error_func(c, on_generic);
    lx->set_structured_error_func(c, (xmlStructuredErrorFunc)on_structured);
}

/* Puts the handlers back; the text caught, NULL when none. */
static char *catch_end(Catch *c)
{
    c->lx->set_structured_error_func(c->old_structured_ctx, c->old_structured);
    c->lx->set_generic_error_func(c->old_generic_ctx, c->old_generic);
    if (!c->text->len) {
        g_string_free(c->text, TRUE);
        return NULL;
    }
    return g_string_free(c->text, FALSE);
}

/* ---- printing ---- */

/* One node as virsh prints it (virXMLNodeToString): libxml2's dump,
 * indented; virsh prints "(null)" for a node libxml2 writes nothing of. */
static void print_node(const DcLibxml *lx, xmlDoc *doc, xmlNode *node, GString *out)
{
    if (node->type == XML_NAMESPACE_DECL) {
        /* libxml2 writes a namespace node as the declaration, nothing for
         * the implicit xml one; done here, as the dump reads an xmlNs as if
         * it were a larger xmlNode */
        const xmlNs *ns = (const xmlNs *)node;
        if (!ns->href || (ns->prefix && strcmp((const char *)ns->prefix, "xml") == 0))
            g_string_append(out, "(null)\n");
        else if (ns->prefix)
            g_string_append_printf(out, " xmlns:%s=\"%s\"\n", (const char *)ns->prefix, (const char *)ns->href);
        else
            g_string_append_printf(out, " xmlns=\"%s\"\n", (const char *)ns->href);
        return;
    }
    xmlBuffer *buf = lx->buffer_create();
    if (!buf)
        g_error("libxml2 could not allocate a buffer");
    int n = lx->node_dump(buf, doc, node, 0, 1);
    const xmlChar *text = lx->buffer_content(buf);
    g_string_append_printf(out, "%s\n", n == 0 || !text ? "(null)" : (const char *)text);
    lx->buffer_free(buf);
}

/* --wrap: copies of the nodes as children (attributes: as attributes) of
 * one <nodes> element of a new document, printed as one node. */
static DcXpathStatus print_wrapped(const DcLibxml *lx, xmlDoc *doc, const xmlNodeSet *set, GString *out,
                                   GError **err)
{
    for (int i = 0; set && i < set->nodeNr; i++) {
        if (set->nodeTab[i]->type == XML_NAMESPACE_DECL) {
            g_set_error_literal(err, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                                "the XPath result has a namespace node, which cannot be wrapped");
            return DC_XPATH_CANNOT_WRAP;
        }
    }
    xmlDoc *wrapper = lx->new_doc((const xmlChar *)"1.0");
    xmlNode *root = lx->new_node(NULL, (const xmlChar *)"nodes");
    if (!wrapper || !root)
        g_error("libxml2 could not allocate a document");
    lx->doc_set_root_element(wrapper, root);
    for (int i = 0; set && i < set->nodeNr; i++) {
        xmlNode *copy = lx->doc_copy_node(set->nodeTab[i], wrapper, 1);
        if (!copy)
            g_error("libxml2 could not copy a node");
        if (!lx->add_child(root, copy))
            lx->free_node(copy);
    }
    print_node(lx, doc, root, out);
    /* A copied document node is a child here, which freeing the wrapper
     * would not free whole: freed on its own. */
    for (xmlNode *c = root->children, *next; c; c = next) {
        next = c->next;
        if (c->type == XML_DOCUMENT_NODE || c->type == XML_HTML_DOCUMENT_NODE) {
            lx->unlink_node(c);
            lx->free_doc((xmlDoc *)c);
        }
    }
    lx->free_doc(wrapper);
    return DC_XPATH_OK;
}

/* ---- the whole ---- */

static xmlDoc *read_document(const DcLibxml *lx, const char *xml, gsize len, GError **err)
{
    if (len > MAX_DOCUMENT || memchr(xml, '\0', len)) {
        g_set_error(err, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE, len > MAX_DOCUMENT ? "the document is larger than 8 MiB"
                                                                                   : "the document has a NUL byte");
        return NULL;
    }
    g_autofree char *text = g_strndup(xml, len);
    xmlParserCtxt *pctxt = lx->new_parser_ctxt();
    if (!pctxt)
        g_error("libxml2 could not allocate a parser context");
    /* virsh reads the document with blank text dropped, so that the dump
     * indents it anew; no network, no entities expanded */
    xmlDoc *doc = lx->ctxt_read_doc(pctxt, (const xmlChar *)text, "domcapabilities", "UTF-8",
                                    XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
    gboolean ok = pctxt->wellFormed;
    lx->free_parser_ctxt(pctxt);
    if (doc && (!ok || doc->intSubset || !lx->doc_get_root_element(doc))) {
        lx->free_doc(doc);
        doc = NULL;
    }
    if (!doc)
        g_set_error_literal(err, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
                            "the document is not well-formed XML without a DOCTYPE");
    return doc;
}

DcXpathStatus dc_xpath_eval(const char *xml, gsize len, const char *expr, gboolean wrap, DcXpathResult *out,
                            GError **err)
{
    memset(out, 0, sizeof(*out));
    const DcLibxml *lx = dc_libxml_xpath(err);
    if (!lx)
        return DC_XPATH_NO_LIBXML;
    Catch c;
    catch_start(&c, lx);
    xmlDoc *doc = read_document(lx, xml, len, err);
    if (!doc) {
        g_free(catch_end(&c));
        return DC_XPATH_BAD_INPUT;
    }
    xmlXPathContext *xctxt = lx->xpath_new_context(doc);
    if (!xctxt)
        g_error("libxml2 could not allocate an XPath context");
    xctxt->node = lx->doc_get_root_element(doc);
    xctxt->opLimit = OP_LIMIT;
    xmlXPathObject *obj = lx->xpath_eval((const xmlChar *)expr, xctxt);
    out->diagnostics = catch_end(&c);

    DcXpathStatus status = DC_XPATH_OK;
    g_autoptr(GString) text = g_string_new(NULL);
    if (obj && obj->type != XPATH_NODESET) {
        status = DC_XPATH_NOT_NODESET;
    } else if (wrap) {
        status = print_wrapped(lx, doc, obj ? obj->nodesetval : NULL, text, err);
    } else {
        for (int i = 0; obj && obj->nodesetval && i < obj->nodesetval->nodeNr; i++)
            print_node(lx, doc, obj->nodesetval->nodeTab[i], text);
    }
    if (obj)
        lx->xpath_free_object(obj);
    lx->xpath_free_context(xctxt);
    lx->free_doc(doc);
    if (status == DC_XPATH_OK)
        out->output = g_string_free(g_steal_pointer(&text), FALSE);
    return status;
}
