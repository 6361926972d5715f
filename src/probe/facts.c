#include "probe/facts.h"

struct DcFacts {
    json_object *obj;
    GHashTable *types;   /* lookup sets built once from the arrays */
    GHashTable *schema;
    GHashTable *props;
};

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
    return f;
}

void dc_facts_free(DcFacts *facts)
{
    if (!facts)
        return;
    g_hash_table_unref(facts->types);
    g_hash_table_unref(facts->schema);
    g_hash_table_unref(facts->props);
    json_object_put(facts->obj);
    g_free(facts);
}

json_object *dc_facts_json(const DcFacts *facts) { return facts->obj; }

gboolean dc_facts_has_type(const DcFacts *f, const char *t) { return g_hash_table_contains(f->types, t); }
gboolean dc_facts_has_schema(const DcFacts *f, const char *q) { return g_hash_table_contains(f->schema, q); }
gboolean dc_facts_has_prop(const DcFacts *f, const char *p) { return g_hash_table_contains(f->props, p); }

gboolean dc_facts_in_list(const DcFacts *f, const char *list_member, const char *value)
{
    json_object *arr = dc_facts_member(f, list_member);
    if (!arr || !json_object_is_type(arr, json_type_array))
        return FALSE;
    for (size_t i = 0; i < json_object_array_length(arr); i++)
        if (g_strcmp0(json_object_get_string(json_object_array_get_idx(arr, i)), value) == 0)
            return TRUE;
    return FALSE;
}

const char *dc_facts_target(const DcFacts *f) { return dc_json_str(f->obj, "target"); }
const char *dc_facts_emulator(const DcFacts *f) { return dc_json_str(f->obj, "emulator"); }

int dc_facts_version(const DcFacts *f)
{
    json_object *q = dc_facts_member(f, "qemu");
    /* Clamped: a hostile query-version (or cache entry) must not overflow. */
    return (int)(CLAMP(dc_json_int(q, "major", 0), 0, 2000) * 1000000 + CLAMP(dc_json_int(q, "minor", 0), 0, 999) * 1000 +
                 CLAMP(dc_json_int(q, "micro", 0), 0, 999));
}

gboolean dc_facts_kvm_present(const DcFacts *f)
{
    return dc_json_bool(dc_facts_member(f, "kvm"), "present", FALSE);
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
