#include "probe/schema.h"

struct DcSchema {
    json_object *reply;      /* the schema array, referenced */
    GHashTable *by_name;     /* name -> json_object entry (borrowed) */
};

DcSchema *dc_schema_new(json_object *schema_reply)
{
    DcSchema *s = g_new0(DcSchema, 1);
    s->reply = json_object_get(schema_reply);
    s->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    if (!json_object_is_type(schema_reply, json_type_array))
        return s;
    for (size_t i = 0; i < json_object_array_length(schema_reply); i++) {
        json_object *e = json_object_array_get_idx(schema_reply, i), *name = NULL;
        if (json_object_is_type(e, json_type_object) && json_object_object_get_ex(e, "name", &name) &&
            json_object_is_type(name, json_type_string))
            g_hash_table_insert(s->by_name, (gpointer)json_object_get_string(name), e);
    }
    return s;
}

void dc_schema_free(DcSchema *schema)
{
    if (!schema)
        return;
    g_hash_table_unref(schema->by_name);
    json_object_put(schema->reply);
    g_free(schema);
}

static const char *str_member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static json_object *lookup(const DcSchema *s, const char *name)
{
    return name ? g_hash_table_lookup(s->by_name, name) : NULL;
}

static gboolean has_feature(json_object *entry, const char *feature)
{
    json_object *feats = NULL;
    if (!json_object_object_get_ex(entry, "features", &feats) || !json_object_is_type(feats, json_type_array))
        return FALSE;
    for (size_t i = 0; i < json_object_array_length(feats); i++)
        if (g_strcmp0(json_object_get_string(json_object_array_get_idx(feats, i)), feature) == 0)
            return TRUE;
    return FALSE;
}

/* Find a member of an object type by name; returns the member entry. */
static json_object *object_member(json_object *type, const char *name)
{
    json_object *members = NULL;
    if (!json_object_object_get_ex(type, "members", &members) || !json_object_is_type(members, json_type_array))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(members); i++) {
        json_object *m = json_object_array_get_idx(members, i);
        if (g_strcmp0(str_member(m, "name"), name) == 0)
            return m;
    }
    return NULL;
}

/* Resolve array types to their element type. */
static json_object *deref(const DcSchema *s, json_object *type)
{
    for (int guard = 0; type && guard < 8; guard++) {
        if (g_strcmp0(str_member(type, "meta-type"), "array") != 0)
            return type;
        type = lookup(s, str_member(type, "element-type"));
    }
    return type;
}

static gboolean query_steps(const DcSchema *s, json_object *cur, char **steps)
{
    for (; *steps; steps++) {
        const char *step = *steps;
        cur = deref(s, cur);
        if (!cur)
            return FALSE;
        const char *meta = str_member(cur, "meta-type");
        if (step[0] == '$') {
            if (!has_feature(cur, step + 1))
                return FALSE;
            continue;
        }
        if (step[0] == '^') {
            if (g_strcmp0(meta, "enum") != 0)
                return FALSE;
            json_object *values = NULL, *members = NULL;
            gboolean found = FALSE;
            if (json_object_object_get_ex(cur, "members", &members) && json_object_is_type(members, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(members) && !found; i++)
                    found = g_strcmp0(str_member(json_object_array_get_idx(members, i), "name"), step + 1) == 0;
            }
            if (!found && json_object_object_get_ex(cur, "values", &values) && json_object_is_type(values, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(values) && !found; i++)
                    found = g_strcmp0(json_object_get_string(json_object_array_get_idx(values, i)), step + 1) == 0;
            }
            if (!found)
                return FALSE;
            continue;
        }
        if (step[0] == '+') {
            /* Union variant: follow the case's type; alternates: any branch type named so. */
            json_object *variants = NULL, *next = NULL;
            if (json_object_object_get_ex(cur, "variants", &variants) && json_object_is_type(variants, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(variants); i++) {
                    json_object *v = json_object_array_get_idx(variants, i);
                    if (g_strcmp0(str_member(v, "case"), step + 1) == 0) {
                        next = lookup(s, str_member(v, "type"));
                        break;
                    }
                }
            }
            if (!next && g_strcmp0(meta, "alternate") == 0) {
                json_object *members = NULL;
                json_object_object_get_ex(cur, "members", &members);
                for (size_t i = 0; members && i < json_object_array_length(members); i++) {
                    json_object *alt = lookup(s, str_member(json_object_array_get_idx(members, i), "type"));
                    if (g_strcmp0(str_member(alt, "meta-type"), step + 1) == 0) {
                        next = alt;
                        break;
                    }
                }
            }
            if (!next)
                return FALSE;
            cur = next;
            continue;
        }
        if (g_strcmp0(meta, "command") == 0 || g_strcmp0(meta, "event") == 0) {
            if (strcmp(step, "arg-type") != 0 && strcmp(step, "ret-type") != 0)
                return FALSE;
            cur = lookup(s, str_member(cur, step));
            continue;
        }
        json_object *m = object_member(cur, step);
        if (!m)
            return FALSE;
        /* "name/$feature" checks features of the member itself. */
        if (steps[1] && steps[1][0] == '$') {
            if (!has_feature(m, steps[1] + 1))
                return FALSE;
            steps++;
            cur = lookup(s, str_member(m, "type"));
            continue;
        }
        cur = lookup(s, str_member(m, "type"));
    }
    return cur != NULL;
}

gboolean dc_schema_query(const DcSchema *schema, const char *query)
{
    g_auto(GStrv) steps = g_strsplit(query, "/", -1);
    if (!steps[0])
        return FALSE;
    json_object *entry = lookup(schema, steps[0]);
    if (!entry)
        return FALSE;
    const char *meta = str_member(entry, "meta-type");
    if (g_strcmp0(meta, "command") != 0 && g_strcmp0(meta, "event") != 0)
        return FALSE;
    return query_steps(schema, entry, steps + 1);
}
