/* Queries over QEMU's QMP schema (query-qmp-schema), in the path form
 * libvirt uses: "COMMAND/arg-type/MEMBER/..." where a step may be
 * "arg-type"/"ret-type" (follow the command's type), a member name,
 * "+CASE" (a union variant / alternate branch), "^VALUE" (an enum value) or
 * "$FEATURE" (a feature flag of the current entity). A bare "NAME" asks
 * whether a command or event of that name exists. */
#pragma once
#include <glib.h>
#include <json-c/json.h>

typedef struct DcSchema DcSchema;

DcSchema *dc_schema_new(json_object *schema_reply);
void dc_schema_free(DcSchema *schema);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcSchema, dc_schema_free)

gboolean dc_schema_query(const DcSchema *schema, const char *query);
