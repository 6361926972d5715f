/* The JSON text of a firmware descriptor, read with the library the libvirt
 * release reads it with, so that a descriptor is refused exactly when that
 * release refuses it:
 *
 * - before 10.8, yajl 2 as util/virjson.c drives it: yajl's defaults (no
 *   comments, UTF-8 checked, no trailing garbage, one value), numbers taken
 *   as text, strings cut at their first NUL, a duplicate key an error;
 * - from 10.8, json-c's tokener with JSON_TOKENER_STRICT and
 *   JSON_TOKENER_VALIDATE_UTF8 at its default depth, as virjson.c sets it.
 *
 * Either way the result is a json-c tree, so the structure checks
 * (firmware-desc.c) read both the same way. */
#pragma once
#include <glib.h>
#include <json-c/json.h>

/* Parse @text, a C string (libvirt reads the file as one: nothing after a
 * NUL byte counts), as libvirt @release (format/releases.h) does. On
 * success *out is the tree (NULL for a JSON null; json_object_put it); on
 * failure FALSE with @err set in DC_FIRMWARE_ERROR (PARSE), saying which
 * library refused what and where. */
gboolean dc_firmware_json_read(const char *text, guint release, json_object **out, GError **err);
