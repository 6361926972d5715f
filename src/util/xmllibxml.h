/* XML read as libxml2 (2.9, Debian 12) reads it for libvirt: the element
 * tree when the text is well-formed, otherwise the first fatal error's
 * line, message and position, and libvirt's report of it (file:line:
 * message, the line, a caret under the position).
 *
 * domcaps reads its other XML with GMarkup (util/xmlread.h), whose rules
 * and messages are its own; the CPU commands answer as `virsh` does, errors
 * included, so they read their input with this reader, which follows
 * libxml2's rules: XML 1.0 fifth edition names, line ends and attribute
 * white space normalized, XML's five entities and character references
 * (no DTD, so a DOCTYPE inside content is an invalid element name and every
 * other entity is undeclared), comments, CDATA and processing instructions,
 * at most 256 levels of nesting, bytes that are not UTF-8 an error. It
 * never touches a file or the network and is linear in the input. */
#pragma once
#include <glib.h>
#include "util/node.h"

typedef struct {
    int line;          /* 1-based */
    gsize offset;      /* byte position libxml2's cursor is at */
    char *message;     /* libxml2's text, ending in a newline */
} DcXmlError;

void dc_xml_error_clear(DcXmlError *e);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DcXmlError, dc_xml_error_clear)

/* The tree of @text (@len bytes, no NUL inside): names keep their prefix,
 * attributes include namespace declarations (xmlns), a leaf element's text
 * is kept as its text (white space too, entities decoded), and the text of
 * an element with child elements as "#text" children between them
 * (XPath's string() of an element is all text below it); or NULL with @out
 * set to the first error libxml2 would stop at. */
DcNode *dc_xml_read_libxml(const char *text, gsize len, DcXmlError *out);

/* The same, only whether there is an error: TRUE and @out set when so. */
gboolean dc_xml_first_error(const char *text, gsize len, DcXmlError *out);

/* libvirt's report of @e in @text read as @name ("FILE:LINE: MESSAGE" then
 * the line of the error and a caret under its position, no newline at the
 * end). */
char *dc_xml_error_report(const char *text, gsize len, const DcXmlError *e, const char *name);
