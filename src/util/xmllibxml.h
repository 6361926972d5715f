/* XML read by libxml2 as libvirt reads it for virsh: the element tree when
 * libxml2 accepts the text, otherwise its first fatal error (line, message,
 * the line of text its cursor was on and the column there), and libvirt's
 * report of it (file:line: message, the line, a caret under the position).
 *
 * domcaps reads its other XML through libxml2's SAX interface with rules
 * and messages of its own (util/xmlread.h); the CPU commands answer as
 * `virsh` does, errors included, so they read their input as libvirt
 * does, into libxml2's tree with libvirt's options (no network, no
 * warnings). */
#pragma once
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>   /* xmlCreateMemoryParserCtxt */
#include <libxml/xpath.h>
#include "util/node.h"

/* The libxml2 functions domcaps calls, once loaded. */
typedef struct {
    __typeof__(xmlInitParser) *init_parser;
    __typeof__(xmlNewParserCtxt) *new_parser_ctxt;
    __typeof__(xmlCreateMemoryParserCtxt) *create_memory_parser_ctxt;
    __typeof__(xmlCtxtUseOptions) *ctxt_use_options;
    __typeof__(xmlParseDocument) *parse_document;
    __typeof__(xmlStopParser) *stop_parser;
    __typeof__(xmlFreeParserCtxt) *free_parser_ctxt;
    __typeof__(xmlCtxtReadDoc) *ctxt_read_doc;
    __typeof__(xmlFreeDoc) *free_doc;
    __typeof__(xmlDocGetRootElement) *doc_get_root_element;
    __typeof__(xmlNodeGetContent) *node_get_content;
    xmlFreeFunc *free;        /* the address of libxml2's variable xmlFree */
    /* XPath and the serializer, for virsh's --xpath (util/xmlxpath.c) */
    __typeof__(xmlXPathNewContext) *xpath_new_context;
    __typeof__(xmlXPathFreeContext) *xpath_free_context;
    __typeof__(xmlXPathEval) *xpath_eval;
    __typeof__(xmlXPathFreeObject) *xpath_free_object;
    __typeof__(xmlBufferCreate) *buffer_create;
    __typeof__(xmlBufferFree) *buffer_free;
    __typeof__(xmlBufferContent) *buffer_content;
    __typeof__(xmlNodeDump) *node_dump;
    __typeof__(xmlNewDoc) *new_doc;
    __typeof__(xmlNewNode) *new_node;
    __typeof__(xmlDocSetRootElement) *doc_set_root_element;
    __typeof__(xmlDocCopyNode) *doc_copy_node;
    __typeof__(xmlAddChild) *add_child;
    __typeof__(xmlUnlinkNode) *unlink_node;
    __typeof__(xmlFreeNode) *free_node;
    __typeof__(xmlSetGenericErrorFunc) *set_generic_error_func;
    __typeof__(xmlSetStructuredErrorFunc) *set_structured_error_func;
    __typeof__(__xmlGenericError) *generic_error;
    __typeof__(__xmlGenericErrorContext) *generic_error_context;
    __typeof__(__xmlStructuredError) *structured_error;
    __typeof__(__xmlStructuredErrorContext) *structured_error_context;
} DcLibxml;

typedef struct {
    int line;          /* 1-based, as libxml2 reports it */
    char *message;     /* libxml2's text, ending in a newline; NULL: it
                        * refused the text without a fatal error */
    char *context;     /* the line libxml2's cursor was on */
    gsize column;      /* the cursor's byte column in it */
} DcXmlError;

/* Loads libxml2 (once per process; it is not linked, see xmllibxml.c):
 * FALSE, with the reason, when it cannot be. */
gboolean dc_xml_libxml_load(GError **err);
/* The same, and its functions. */
const DcLibxml *dc_libxml(GError **err);
/* The same, when its XPath functions are there too (the members below
 * xpath_new_context); an error otherwise. */
const DcLibxml *dc_libxml_xpath(GError **err);

void dc_xml_error_clear(DcXmlError *e);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DcXmlError, dc_xml_error_clear)

/* The tree of @text (@len bytes, no NUL inside), read as @name: names keep
 * their prefix, attributes include namespace declarations (xmlns, first,
 * as libxml2 writes them), a leaf element's text is kept as its text (white
 * space too, entities decoded), and the text of an element with child
 * elements as "#text" children between them (XPath's string() of an
 * element is all text below it); or NULL with @out set (with no message
 * when libxml2 cannot be loaded: dc_xml_libxml_load() says why). */
DcNode *dc_xml_read_libxml(const char *text, gsize len, const char *name, DcXmlError *out);

/* The same, only whether there is an error: TRUE and @out set when so. */
gboolean dc_xml_first_error(const char *text, gsize len, DcXmlError *out);

/* libvirt's report of @e for the text read as @name ("NAME:LINE: MESSAGE"
 * then the line of the error and a caret under its position, no newline
 * at the end); NULL when @e has no message (libvirt then says only that it
 * failed to parse the document). */
char *dc_xml_error_report(const DcXmlError *e, const char *name);
/* The same as libvirt 11.3 and later word it: "at line LINE: MESSAGE". */
char *dc_xml_error_report_at_line(const DcXmlError *e);
