/* A careful XML reader for the documents domcaps is given (domain
 * definitions, domain capabilities from other hosts) and for libvirt's CPU
 * map. All are small, plain element trees, so anything else is refused
 * before it can cost anything: a DOCTYPE (hence every entity declaration,
 * internal or external), entity references other than XML's five and
 * character references, input over DC_XML_MAX_BYTES, nesting deeper than
 * DC_XML_MAX_DEPTH, more than DC_XML_MAX_ELEMENTS elements, encodings other
 * than UTF-8. It never touches a file or the network.
 *
 * Built on GLib's GMarkup rather than libxml2: loading libxml2 (and the ICU
 * and libstdc++ it pulls in) cost 1.1 ms at every start of the CLI, a third
 * of a warm query, for a query that reads no XML at all. */
#pragma once
#include "util/node.h"

#define DC_XML_MAX_BYTES (8u << 20)
#define DC_XML_MAX_DEPTH 64
#define DC_XML_MAX_ELEMENTS 200000

/* Parse @data into a DcNode tree whose root element must be @root_name
 * (any root when NULL). Element and attribute names keep their namespace
 * prefix ("qemu:commandline"); an element's text is kept only when it has
 * no child elements and is not all white space (CDATA counts as text);
 * namespace declarations (xmlns) are not kept as attributes. @what names the
 * input in error messages ("domain XML"). Errors are
 * DOMCAPS_ERROR_INVALID_XML. */
DcNode *dc_xml_read(const char *data, gsize len, const char *root_name, const char *what, GError **err);
