#include "analyze/xmlread.h"
#include "domcaps.h"
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>

/* What the SAX hooks saw; the parse is stopped at the first refusal. */
typedef struct {
    const char *refused;   /* why, or NULL */
    guint elements;
} Guard;

static void refuse(void *ctx, const char *why)
{
    xmlParserCtxtPtr ctxt = ctx;
    Guard *g = ctxt->_private;
    if (!g->refused)
        g->refused = why;
    xmlStopParser(ctxt);
}

/* Called when "<!DOCTYPE name" has been read, before any declaration in it. */
static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    refuse(ctx, "a DOCTYPE (DTDs and entity declarations are not accepted)");
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pub, const xmlChar *sys,
                           xmlChar *content)
{
    refuse(ctx, "an entity declaration");
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri, int nb_ns,
                     const xmlChar **namespaces, int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    Guard *g = ctxt->_private;
    if (++g->elements > DC_XML_MAX_ELEMENTS) {
        refuse(ctx, "more than " G_STRINGIFY(DC_XML_MAX_ELEMENTS) " elements");
        return;
    }
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_ns, namespaces, nb_attributes, nb_defaulted, attributes);
}

static char *qualified(const xmlNs *ns, const xmlChar *name)
{
    if (ns && ns->prefix)
        return g_strdup_printf("%s:%s", (const char *)ns->prefix, (const char *)name);
    return g_strdup((const char *)name);
}

static DcNode *convert(const xmlNode *x, int depth, const char *what, GError **err)
{
    if (depth > DC_XML_MAX_DEPTH) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s is nested more than %d levels deep", what,
                    DC_XML_MAX_DEPTH);
        return NULL;
    }
    g_autofree char *name = qualified(x->ns, x->name);
    g_autoptr(DcNode) node = dc_node_new(name);
    for (const xmlAttr *a = x->properties; a; a = a->next) {
        g_autofree char *aname = qualified(a->ns, a->name);
        xmlChar *v = xmlNodeListGetString(x->doc, a->children, 1);
        dc_node_set_attr(node, aname, v ? (const char *)v : "");
        xmlFree(v);
    }
    g_autoptr(GString) text = g_string_new(NULL);
    gboolean has_elements = FALSE;
    for (const xmlNode *c = x->children; c; c = c->next) {
        switch (c->type) {
        case XML_ELEMENT_NODE: {
            DcNode *child = convert(c, depth + 1, what, err);
            if (!child)
                return NULL;
            g_ptr_array_add(node->children, child);
            has_elements = TRUE;
            break;
        }
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (c->content)
                g_string_append(text, (const char *)c->content);
            break;
        case XML_ENTITY_REF_NODE:
            g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s uses an entity reference", what);
            return NULL;
        default: /* comments, processing instructions */
            break;
        }
    }
    gboolean blank = TRUE;
    for (gsize i = 0; i < text->len && blank; i++)
        blank = g_ascii_isspace(text->str[i]);
    if (!has_elements && !blank)
        node->text = g_string_free(g_steal_pointer(&text), FALSE);
    return g_steal_pointer(&node);
}

DcNode *dc_xml_read(const char *data, gsize len, const char *root_name, const char *what, GError **err)
{
    if (len == 0 || !data) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s is empty", what);
        return NULL;
    }
    if (len > DC_XML_MAX_BYTES) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s is too large (%" G_GSIZE_FORMAT
                    " bytes, the limit is %u)", what, len, DC_XML_MAX_BYTES);
        return NULL;
    }
    xmlInitParser();
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "cannot create an XML parser");
        return NULL;
    }
    Guard guard = { NULL, 0 };
    ctxt->_private = &guard;
    ctxt->sax->internalSubset = on_internal_subset;
    ctxt->sax->externalSubset = on_internal_subset;
    ctxt->sax->entityDecl = on_entity_decl;
    ctxt->sax->startElementNs = on_start;
    /* No NOENT (entities are never substituted), no DTDLOAD/DTDATTR/XINCLUDE,
     * no HUGE (libxml2's own depth and text-size limits stay on), no network. */
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, "UTF-8", options);
    DcNode *root = NULL;
    if (guard.refused) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s refused: it contains %s", what,
                    guard.refused);
    } else if (!doc || !ctxt->wellFormed) {
        const xmlError *xe = xmlCtxtGetLastError(ctxt);
        g_autofree char *msg = g_strdup(xe && xe->message ? xe->message : "parse error");
        g_strstrip(msg);
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s is not well-formed XML (line %d: %s)", what,
                    xe ? xe->line : 0, msg);
    } else if (doc->intSubset || doc->extSubset) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s refused: it contains a DOCTYPE", what);
    } else {
        xmlNodePtr top = xmlDocGetRootElement(doc);
        if (!top) {
            g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s has no root element", what);
        } else if (root_name && (top->ns || strcmp((const char *)top->name, root_name) != 0)) {
            g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s has root element <%s>, expected <%s>",
                        what, (const char *)top->name, root_name);
        } else {
            root = convert(top, 1, what, err);
        }
    }
    if (doc)
        xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return root;
}
