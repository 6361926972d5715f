/* An XPath expression over an XML document, printed as virsh prints the
 * result of its --xpath option (virsh 12.9's domcapabilities and the
 * other dump commands): the document read with its blank text dropped,
 * the expression evaluated by libxml2 with the root element as context
 * node, and every node of the result serialized by libxml2 (indented),
 * one after another; or, wrapped, copies of them under one <nodes>
 * element. libxml2 does every step (util/xmllibxml.h loads it). */
#pragma once
#include <glib.h>

typedef struct {
    char *output;        /* what virsh prints on standard output ("" for no node) */
    char *diagnostics;   /* what libxml2 printed on standard error while it
                            evaluated the expression (an expression it could not
                            compile: "XPath error : Invalid expression" and so
                            on), NULL when nothing */
} DcXpathResult;

void dc_xpath_result_clear(DcXpathResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DcXpathResult, dc_xpath_result_clear)

typedef enum {
    DC_XPATH_OK,
    DC_XPATH_NOT_NODESET,   /* the expression gives a number, string or boolean */
    DC_XPATH_BAD_INPUT,     /* the document cannot be read (message in @err) */
    DC_XPATH_NO_LIBXML,     /* libxml2 (with XPath) cannot be loaded (@err) */
    DC_XPATH_CANNOT_WRAP,   /* a namespace node asked to be wrapped (virsh crashes) */
} DcXpathStatus;

/* Evaluates @expr over @xml (@len bytes; a document at most 8 MiB, without
 * a DOCTYPE) into @out; @wrap: under <nodes>. An expression libxml2
 * refuses is no error: it matches nothing and @out->diagnostics says why,
 * as virsh. Evaluation is bounded (libxml2's operation limit). */
DcXpathStatus dc_xpath_eval(const char *xml, gsize len, const char *expr, gboolean wrap, DcXpathResult *out,
                            GError **err);
