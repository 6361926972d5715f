/* Writers for the document tree: libvirt's XML layout and a JSON rendering
 * of the same content. */
#pragma once
#include "util/node.h"

/* libvirt's layout: two-space indent, single-quoted attributes, empty
 * elements self-closed, a trailing newline, no XML declaration. */
char *dc_format_xml(const DcNode *root);

/* JSON rendering: attributes become members ("supported" as a boolean,
 * all-digit values as numbers), <enum name=N> lists become "enum": {N: [...]},
 * <mode name=N> become "mode": {N: {...}}, repeated elements become arrays,
 * element text becomes "value" (or the member itself when the element has
 * nothing else). */
char *dc_format_json(const DcNode *root, gboolean pretty);
/* The same with a member "libvirt": {"release": RELEASE, "why": WHY} beside
 * the root's, saying which libvirt release the document follows and why
 * (none when @release is NULL). */
char *dc_format_json_release(const DcNode *root, gboolean pretty, const char *release, const char *why);

/* The JSON rendering read back into a tree whose root is @root_name
 * (json-read.c; a "libvirt" member beside it is allowed and left out);
 * NULL with @err (G_MARKUP_ERROR) when it is not one. */
DcNode *dc_json_read_document(const char *data, gsize len, const char *root_name, GError **err);
