/* Reading JSON that domcaps wrote itself (cache entries, remembered
 * documents): all of it or nothing. */
#pragma once
#include <json-c/json.h>
#include <glib.h>

/* json_object_put() as an autoptr cleanup. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

/* @data (@len bytes) as one JSON value with nothing after it; NULL
 * otherwise, as for a truncated or padded file. The caller owns the
 * reference. */
json_object *dc_json_parse_whole(const char *data, gsize len);
