#include "probe/facts.h"

struct DcFacts {
    json_object *obj;
    GHashTable *types;   /* lookup sets built once from the arrays */
    GHashTable *schema;
    GHashTable *props;
    GHashTable *device_props;
    GHashTable *cmdline;
    GHashTable *tpm_models;
    GHashTable *tpm_types;
    GHashTable *asked;
};

/* The kinds of keys, the facts member each reads, and whether the probe
 * must have been asked for it (the rest are whole lists QEMU gives). */
typedef struct {
    const char *prefix;
    gsize set_offset;
    gboolean asked;
} DcFactKind;

static const DcFactKind kinds[] = {
    { "type:", G_STRUCT_OFFSET(DcFacts, types), FALSE },
    { "schema:", G_STRUCT_OFFSET(DcFacts, schema), TRUE },
    { "option:", G_STRUCT_OFFSET(DcFacts, cmdline), FALSE },
    { "object-prop:", G_STRUCT_OFFSET(DcFacts, props), TRUE },
    { "device-prop:", G_STRUCT_OFFSET(DcFacts, device_props), TRUE },
    { "tpm-model:", G_STRUCT_OFFSET(DcFacts, tpm_models), FALSE },
    { "tpm-type:", G_STRUCT_OFFSET(DcFacts, tpm_types), FALSE },
};

static const DcFactKind *kind_of(const char *key, const char **name)
{
    for (gsize i = 0; key && i < G_N_ELEMENTS(kinds); i++) {
        if (g_str_has_prefix(key, kinds[i].prefix) && key[strlen(kinds[i].prefix)]) {
            *name = key + strlen(kinds[i].prefix);
            return &kinds[i];
        }
    }
    return NULL;
}

gboolean dc_facts_key_is_valid(const char *key)
{
    const char *name = NULL;
    const DcFactKind *k = kind_of(key, &name);
    /* Property keys name a type and a property. */
    return k && (!g_str_has_suffix(k->prefix, "prop:") || (strchr(name, '.') && name[0] != '.'));
}

gboolean dc_facts_key_needs_asking(const char *key)
{
    const char *name = NULL;
    const DcFactKind *k = kind_of(key, &name);
    return k && k->asked;
}

static gint unasked_reads;
static GMutex unasked_lock;
static char *unasked_last;

guint dc_facts_unasked_reads(char **last_key)
{
    if (last_key) {
        g_mutex_lock(&unasked_lock);
        *last_key = g_strdup(unasked_last);
        g_mutex_unlock(&unasked_lock);
    }
    return (guint)g_atomic_int_get(&unasked_reads);
}

static void note_unasked(const char *key)
{
    g_atomic_int_inc(&unasked_reads);
    g_mutex_lock(&unasked_lock);
    g_free(unasked_last);
    unasked_last = g_strdup(key);
    g_mutex_unlock(&unasked_lock);
}

gboolean dc_facts_has(const DcFacts *f, const char *key)
{
    const char *name = NULL;
    const DcFactKind *k = kind_of(key, &name);
    if (!k || (k->asked && !g_hash_table_contains(f->asked, key))) {
        note_unasked(key);
        return FALSE;
    }
    GHashTable *set = G_STRUCT_MEMBER(GHashTable *, f, k->set_offset);
    return g_hash_table_contains(set, name);
}

const char *dc_json_str(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

gint64 dc_json_int(json_object *obj, const char *key, gint64 dflt)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_int))
        return dflt;
    return json_object_get_int64(v);
}

gboolean dc_json_bool(json_object *obj, const char *key, gboolean dflt)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_boolean))
        return dflt;
    return json_object_get_boolean(v);
}

static GHashTable *string_set(json_object *obj, const char *key)
{
    GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);
    json_object *arr = NULL;
    if (json_object_object_get_ex(obj, key, &arr) && json_object_is_type(arr, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
            json_object *e = json_object_array_get_idx(arr, i);
            if (json_object_is_type(e, json_type_string))
                g_hash_table_add(set, (gpointer)json_object_get_string(e));
        }
    }
    return set;
}

DcFacts *dc_facts_new_from_json(json_object *obj)
{
    DcFacts *f = g_new0(DcFacts, 1);
    f->obj = json_object_get(obj);
    f->types = string_set(obj, "types");
    f->schema = string_set(obj, "schema");
    f->props = string_set(obj, "props");
    f->device_props = string_set(obj, "device-props");
    f->cmdline = string_set(obj, "cmdline");
    f->tpm_models = string_set(obj, "tpm-models");
    f->tpm_types = string_set(obj, "tpm-types");
    /* What the probe was asked, per group of questions (facts.h). */
    f->asked = string_set(obj, "asked-schema");
    g_autoptr(GHashTable) asked_props = string_set(obj, "asked-props");
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, asked_props);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_hash_table_add(f->asked, key);
    return f;
}

void dc_facts_free(DcFacts *facts)
{
    if (!facts)
        return;
    GHashTable *sets[] = { facts->types, facts->schema, facts->props, facts->device_props,
                           facts->cmdline, facts->tpm_models, facts->tpm_types, facts->asked };
    for (gsize i = 0; i < G_N_ELEMENTS(sets); i++)
        g_hash_table_unref(sets[i]);
    json_object_put(facts->obj);
    g_free(facts);
}

json_object *dc_facts_json(const DcFacts *facts) { return facts->obj; }

const char *dc_facts_target(const DcFacts *f) { return dc_json_str(f->obj, "target"); }
const char *dc_facts_emulator(const DcFacts *f) { return dc_json_str(f->obj, "emulator"); }

int dc_facts_version(const DcFacts *f)
{
    json_object *q = dc_facts_member(f, "qemu");
    /* Clamped: a hostile query-version (or cache entry) must not overflow. */
    return (int)(CLAMP(dc_json_int(q, "major", 0), 0, 2000) * 1000000 + CLAMP(dc_json_int(q, "minor", 0), 0, 999) * 1000 +
                 CLAMP(dc_json_int(q, "micro", 0), 0, 999));
}

gboolean dc_facts_kvm_enabled(const DcFacts *f)
{
    json_object *kvm = dc_facts_member(f, "kvm");
    return dc_json_bool(kvm, "present", FALSE) && dc_json_bool(kvm, "enabled", FALSE);
}

json_object *dc_facts_member(const DcFacts *f, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(f->obj, key, &v))
        return NULL;
    return v;
}

gboolean dc_facts_json_has_accel(json_object *facts, const char *accel)
{
    json_object *a = NULL;
    return facts && json_object_object_get_ex(facts, "accel", &a) && json_object_object_get_ex(a, accel, NULL);
}

gboolean dc_facts_has_accel(const DcFacts *f, const char *accel) { return dc_facts_json_has_accel(f->obj, accel); }

json_object *dc_facts_accel(const DcFacts *f, const char *accel, const char *key)
{
    json_object *a = dc_facts_member(f, "accel"), *acc = NULL, *v = NULL;
    if (!a || !json_object_object_get_ex(a, accel, &acc) || !json_object_object_get_ex(acc, key, &v))
        return NULL;
    return v;
}
