/* QEMU facts: everything domcaps learned from one emulator binary, as a
 * JSON object. It is the probe's output, the cache's payload and the
 * assembly's input, so a fact is stored once in one shape:
 *
 * { "domcaps-facts": N, "emulator": PATH,
 *   "qemu": {"major":7,"minor":2,"micro":0,"package":"..."},
 *   "target": "x86_64",                 (query-target arch)
 *   "kvm": {"present": true, "enabled": true},   (query-kvm of the KVM probe)
 *   "types": ["VGA", ...],              (qom-list-types, sorted)
 *   "cmdline": ["spice", "spice.gl", ...],  (query-command-line-options:
 *                                        every option, and OPTION.PARAM)
 *   "schema": ["query-vnc", ...],       (the asked schema queries that hold)
 *   "props": ["max-x86_64-cpu.migratable", ...],  (qom-list-properties of
 *                                        the asked types)
 *   "device-props": [...],              (device-list-properties, likewise)
 *   "asked-schema": ["schema:query-vnc", ...],  (the questions of kinds that
 *   "asked-props": ["object-prop:...", ...],     must be asked, per group)
 *   "tpm-models": [...], "tpm-types": [...],
 *   "sev": {...}, "sgx": {...}, "gic": [...]   (only when QEMU answered)
 *   "accel": { "tcg"|"kvm": { "machines": [...], "cpu-definitions": [...],
 *              "cpu-expansion": {...}, ... } } }
 *
 * A fact is read by its key, the same key the tables of the document name
 * (caps/tables.c) and the probe asks from:
 *   type:NAME              QOM type (qom-list-types)
 *   schema:QUERY           QMP schema query (probe/schema.h; a bare command name too)
 *   option:OPT[.PARAM]     command-line option, or one parameter of it
 *   object-prop:TYPE.PROP  property of a QOM type (qom-list-properties)
 *   device-prop:TYPE.PROP  property of a device (device-list-properties)
 *   tpm-model:NAME, tpm-type:NAME   query-tpm-models, query-tpm-types
 */
#pragma once
#include <glib.h>
#include <json-c/json.h>

#define DC_FACTS_FORMAT 2

#include "util/json.h"  /* json_object as an autoptr */

typedef struct DcFacts DcFacts;

DcFacts *dc_facts_new_from_json(json_object *obj);   /* takes a reference */
void dc_facts_free(DcFacts *facts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcFacts, dc_facts_free)

json_object *dc_facts_json(const DcFacts *facts);     /* borrowed */

/* Whether the fact named by @key (see above) holds. A schema or property
 * key the probe was not asked for holds never, and is counted (below): the
 * document must read only what the probe asks. */
gboolean dc_facts_has(const DcFacts *facts, const char *key);
/* Does @key need asking (schema and property kinds), and is it well formed? */
gboolean dc_facts_key_needs_asking(const char *key);
gboolean dc_facts_key_is_valid(const char *key);
/* Reads of keys not asked, in this process, and the last such key (for
 * the unit test of the tables; a copy, may be NULL). */
guint dc_facts_unasked_reads(char **last_key);
const char *dc_facts_target(const DcFacts *facts);
const char *dc_facts_emulator(const DcFacts *facts);
int dc_facts_version(const DcFacts *facts);          /* major*1000000 + minor*1000 + micro */
/* query-kvm of the KVM probe said present and enabled (libvirt's test). */
gboolean dc_facts_kvm_enabled(const DcFacts *facts);
json_object *dc_facts_member(const DcFacts *facts, const char *key);       /* borrowed, may be NULL */
json_object *dc_facts_accel(const DcFacts *facts, const char *accel, const char *key); /* borrowed */
gboolean dc_facts_has_accel(const DcFacts *facts, const char *accel);
/* The same, on facts still in JSON form (NULL: no). */
gboolean dc_facts_json_has_accel(json_object *facts, const char *accel);

/* Small json-c helpers used across stages. */
const char *dc_json_str(json_object *obj, const char *key);
gint64 dc_json_int(json_object *obj, const char *key, gint64 dflt);
gboolean dc_json_bool(json_object *obj, const char *key, gboolean dflt);
