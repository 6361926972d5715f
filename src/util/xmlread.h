/* A careful XML reader for the documents domcaps is given (domain
 * definitions, domain capabilities from other hosts) and for libvirt's CPU
 * map. All are small, plain element trees, so anything else is refused
 * before it can cost anything: a DOCTYPE (hence every entity declaration,
 * internal or external), entity references other than XML's five and
 * character references, input over DC_XML_MAX_BYTES, nesting deeper than
 * DC_XML_MAX_DEPTH, more than DC_XML_MAX_ELEMENTS elements, an element with
 * more than DC_XML_MAX_ATTRIBUTES attributes. It never
 * touches a file or the network.
 *
 * The parser is libxml2's (libvirt's own, so the same texts are
 * well-formed), driven through SAX: only the DcNode tree is built, which
 * for a fleet of documents reads in two thirds of the time GLib's GMarkup
 * took. libxml2 is loaded on first use (util/xmllibxml.h), so that a query
 * that reads no XML does not pay for loading it. */
#pragma once
#include "util/node.h"

#define DC_XML_MAX_BYTES (8u << 20)
#define DC_XML_MAX_DEPTH 64
#define DC_XML_MAX_ELEMENTS 200000
/* libxml2 (before 2.11) finds an element's duplicate attributes by
 * comparing each with all before it: 60,000 attributes took a second, the
 * most 8 MiB can hold minutes. These documents use a handful. */
#define DC_XML_MAX_ATTRIBUTES 256

/* Parse @data into a DcNode tree whose root element must be @root_name
 * (any root when NULL). Element and attribute names keep their namespace
 * prefix ("qemu:commandline"); an element's text is kept only when it has
 * no child elements and is not all white space (CDATA counts as text);
 * namespace declarations (xmlns) are not kept as attributes. @what names the
 * input in error messages ("domain XML"). Errors are
 * DOMCAPS_ERROR_INVALID_XML. */
DcNode *dc_xml_read(const char *data, gsize len, const char *root_name, const char *what, GError **err);
