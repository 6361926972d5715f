#include "format/format.h"
#include <json-c/json.h>

/* Elements that may repeat and so always render as arrays. */
static const char *const list_elements[] = {
    "value", "model", "feature", "section", "blocker", "blockers", NULL,
};
/* Elements keyed by their name attribute. */
static const char *const keyed_elements[] = { "enum", "mode", NULL };

static gboolean in_list(const char *const *list, const char *name)
{
    return g_strv_contains(list, name);
}

static json_object *attr_value(const char *attr, const char *v)
{
    if (strcmp(attr, "supported") == 0 && (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0))
        return json_object_new_boolean(strcmp(v, "yes") == 0);
    gboolean digits = *v != '\0' && strlen(v) < 19;
    for (const char *p = v; *p && digits; p++)
        digits = g_ascii_isdigit(*p);
    if (digits && !(v[0] == '0' && v[1] != '\0'))
        return json_object_new_int64(g_ascii_strtoll(v, NULL, 10));
    return json_object_new_string(v);
}

static json_object *node_to_json(const DcNode *n);

static gboolean is_enum(const DcNode *n)
{
    return strcmp(n->name, "enum") == 0;
}

static json_object *enum_values(const DcNode *n)
{
    json_object *arr = json_object_new_array();
    for (guint i = 0; i < n->children.len; i++) {
        const DcNode *c = n->children.pdata[i];
        json_object_array_add(arr, json_object_new_string(c->text ? c->text : ""));
    }
    return arr;
}

static json_object *node_to_json(const DcNode *n)
{
    /* Text-only leaf: the member is the text itself. */
    if (n->text && n->n_attrs == 0 && n->children.len == 0)
        return json_object_new_string(n->text);

    json_object *obj = json_object_new_object();
    for (guint i = 0; i < n->n_attrs; i++) {
        const char *a = dc_node_attr_name(n, i);
        if (in_list(keyed_elements, n->name) && strcmp(a, "name") == 0)
            continue;
        json_object_object_add(obj, a, attr_value(a, dc_node_attr_value(n, i)));
    }
    if (n->text)
        json_object_object_add(obj, "value", json_object_new_string(n->text));

    for (guint i = 0; i < n->children.len; i++) {
        const DcNode *c = n->children.pdata[i];
        const char *key = c->name;
        if (in_list(keyed_elements, c->name)) {
            json_object *group = NULL;
            /* Real documents never name an attribute like a child; a
             * document from a cache file may, and the child wins. */
            if (!json_object_object_get_ex(obj, key, &group) || !json_object_is_type(group, json_type_object)) {
                group = json_object_new_object();
                json_object_object_add(obj, key, group);
            }
            const char *k = dc_node_get_attr(c, "name");
            json_object_object_add(group, k ? k : "", is_enum(c) ? enum_values(c) : node_to_json(c));
        } else if (in_list(list_elements, c->name)) {
            json_object *arr = NULL;
            if (!json_object_object_get_ex(obj, key, &arr) || !json_object_is_type(arr, json_type_array)) {
                arr = json_object_new_array();
                json_object_object_add(obj, key, arr);
            }
            json_object_array_add(arr, node_to_json(c));
        } else {
            json_object_object_add(obj, key, node_to_json(c));
        }
    }
    return obj;
}

char *dc_format_json(const DcNode *root, gboolean pretty)
{
    return dc_format_json_release(root, pretty, NULL, NULL);
}

char *dc_format_json_release(const DcNode *root, gboolean pretty, const char *release, const char *why)
{
    json_object *top = json_object_new_object();
    json_object_object_add(top, root->name, node_to_json(root));
    if (release) {
        json_object *lv = json_object_new_object();
        json_object_object_add(lv, "release", json_object_new_string(release));
        if (why)
            json_object_object_add(lv, "why", json_object_new_string(why));
        json_object_object_add(top, "libvirt", lv);
    }
    int flags = pretty ? (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED) : JSON_C_TO_STRING_PLAIN;
    flags |= JSON_C_TO_STRING_NOSLASHESCAPE;
    char *s = g_strdup_printf("%s\n", json_object_to_json_string_ext(top, flags));
    json_object_put(top);
    return s;
}
