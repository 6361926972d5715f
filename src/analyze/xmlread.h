/* A careful XML reader for the documents domcaps is given: domain
 * definitions and domain capabilities from other hosts. Both are small,
 * plain element trees, so anything else is refused before it can cost
 * anything: a DOCTYPE (hence every entity declaration, internal or
 * external), network access, input over DC_XML_MAX_BYTES, nesting deeper
 * than DC_XML_MAX_DEPTH, more than DC_XML_MAX_ELEMENTS elements, encodings
 * other than UTF-8. */
#pragma once
#include "util/node.h"

#define DC_XML_MAX_BYTES (8u << 20)
#define DC_XML_MAX_DEPTH 64
#define DC_XML_MAX_ELEMENTS 200000

/* Parse @data into a DcNode tree whose root element must be @root_name
 * (any root when NULL). Element and attribute names keep their namespace
 * prefix ("qemu:commandline"); an element's text is kept only when it has
 * no child elements and is not all white space. @what names the input in
 * error messages ("domain XML"). Errors are G_MARKUP_ERROR_INVALID_CONTENT
 * in G_MARKUP_ERROR; the caller maps them. */
DcNode *dc_xml_read(const char *data, gsize len, const char *root_name, const char *what, GError **err);
