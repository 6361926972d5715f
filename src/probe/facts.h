/* QEMU facts: everything domcaps learned from one emulator binary, as a
 * JSON object. It is the probe's output, the cache's payload and the
 * assembly's input, so a fact is stored once in one shape:
 *
 * { "domcaps-facts": N, "emulator": PATH,
 *   "qemu": {"major":7,"minor":2,"micro":0,"package":"..."},
 *   "target": "x86_64",                 (query-target arch)
 *   "kvm": {"present": true},
 *   "types": ["VGA", ...],              (qom-list-types, sorted)
 *   "schema": ["query-vnc", ...],       (schema queries that hold)
 *   "props": ["max-x86_64-cpu.migratable", ...],
 *   "tpm-models": [...], "tpm-types": [...],
 *   "sev": {...}, "sgx": {...}, "gic": [...]   (only when QEMU answered)
 *   "accel": { "tcg"|"kvm": { "machines": [...], "cpu-definitions": [...],
 *              "cpu-expansion": {...}, "cpu-expansion-full": {...} } } }
 */
#pragma once
#include <glib.h>
#include <json-c/json.h>

#define DC_FACTS_FORMAT 1

/* json_object_put() as an autoptr cleanup. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

typedef struct DcFacts DcFacts;

DcFacts *dc_facts_new_from_json(json_object *obj);   /* takes a reference */
void dc_facts_free(DcFacts *facts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcFacts, dc_facts_free)

json_object *dc_facts_json(const DcFacts *facts);     /* borrowed */

gboolean dc_facts_has_type(const DcFacts *facts, const char *qom_type);
gboolean dc_facts_has_schema(const DcFacts *facts, const char *query);
gboolean dc_facts_has_prop(const DcFacts *facts, const char *type_dot_prop);
gboolean dc_facts_in_list(const DcFacts *facts, const char *list_member, const char *value);
const char *dc_facts_target(const DcFacts *facts);
const char *dc_facts_emulator(const DcFacts *facts);
int dc_facts_version(const DcFacts *facts);          /* major*1000000 + minor*1000 + micro */
gboolean dc_facts_kvm_present(const DcFacts *facts);
json_object *dc_facts_member(const DcFacts *facts, const char *key);       /* borrowed, may be NULL */
json_object *dc_facts_accel(const DcFacts *facts, const char *accel, const char *key); /* borrowed */
gboolean dc_facts_has_accel(const DcFacts *facts, const char *accel);
/* The same, on facts still in JSON form (NULL: no). */
gboolean dc_facts_json_has_accel(json_object *facts, const char *accel);

/* Small json-c helpers used across stages. */
const char *dc_json_str(json_object *obj, const char *key);
gint64 dc_json_int(json_object *obj, const char *key, gint64 dflt);
gboolean dc_json_bool(json_object *obj, const char *key, gboolean dflt);
