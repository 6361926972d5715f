/* Where and why XML is not well-formed, said as libxml2 (2.9, Debian 12)
 * says it through libvirt: the first fatal error's line, message and
 * position, and libvirt's report of it (file:line: message, the line, a
 * caret under the position).
 *
 * domcaps reads XML with GMarkup (util/xmlread.h), whose messages are its
 * own; the CPU commands answer as `virsh` does, errors included, so when
 * their input is not well-formed this scanner finds the error libxml2
 * would report.  It knows the XML libvirt's inputs are made of (elements,
 * attributes, text, references, comments, CDATA, processing instructions,
 * no DTD: a DOCTYPE inside content is an invalid element name) and is
 * linear in the input. */
#pragma once
#include <glib.h>

typedef struct {
    int line;          /* 1-based */
    gsize offset;      /* byte position libxml2's cursor is at */
    char *message;     /* libxml2's text, ending in a newline */
} DcXmlError;

void dc_xml_error_clear(DcXmlError *e);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DcXmlError, dc_xml_error_clear)

/* The first error libxml2 would stop at in @text (@len bytes, no NUL
 * inside), FALSE when it finds none. */
gboolean dc_xml_first_error(const char *text, gsize len, DcXmlError *out);

/* libvirt's report of @e in @text read as @name ("FILE:LINE: MESSAGE" then
 * the line of the error and a caret under its position, no newline at the
 * end). */
char *dc_xml_error_report(const char *text, gsize len, const DcXmlError *e, const char *name);
