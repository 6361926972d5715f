/* Descriptor JSON through yajl (libvirt before 10.8) or json-c (from 10.8);
 * see firmware-json.h. */
#include "host/firmware-json.h"
#include "host/firmware.h"
#include "format/releases.h"

#include <string.h>
#include <yajl/yajl_parse.h>

/* ---- yajl, as libvirt 9.0's virJSONValueFromString drives it ----------- */

/* The structure checks read no deeper than doc.targets[i].machines[j]: a
 * container nested deeper is kept as an empty one of its type (so a
 * machine that is an array is still "not a string"), and its contents are
 * only checked, as libvirt checks them, for duplicate keys. So a hostile
 * file costs little memory and json_object_put() recurses at most this
 * deep, however deep the file nests (yajl itself keeps its nesting on the
 * heap and has no limit). */
#define KEPT_DEPTH 4

typedef struct {
    json_object *container;   /* kept container (borrowed from the tree); NULL: too deep */
    gboolean is_object;
    /* Objects: the keys so far, as C strings (libvirt compares so). Most
     * objects of a deeply nested file have one key: a set only from two. */
    char *first_key;
    GHashTable *keys;
    char *key;                /* objects: the key whose value comes next */
} YajlFrame;

typedef struct {
    GArray *frames;           /* YajlFrame, innermost last */
    json_object *root;
    char *refusal;            /* why a callback stopped yajl, when one did */
} YajlTree;

static void yajl_frame_clear(gpointer p)
{
    YajlFrame *f = p;
    if (f->keys)
        g_hash_table_destroy(f->keys);
    g_free(f->first_key);
    g_free(f->key);
}

/* Note a key of an object; FALSE when the object has it already. */
static gboolean note_key(YajlFrame *f, const char *key)
{
    if (!f->first_key && !f->keys) {
        f->first_key = g_strdup(key);
        return TRUE;
    }
    if (!f->keys) {
        f->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_hash_table_add(f->keys, g_steal_pointer(&f->first_key));
    }
    if (g_hash_table_contains(f->keys, key))
        return FALSE;
    g_hash_table_add(f->keys, g_strdup(key));
    return TRUE;
}

static YajlFrame *top_frame(YajlTree *t)
{
    return t->frames->len ? &g_array_index(t->frames, YajlFrame, t->frames->len - 1) : NULL;
}

/* Whether a new value is kept in the tree (its parent is). */
static gboolean keeps_values(YajlTree *t)
{
    YajlFrame *f = top_frame(t);
    return !f || f->container != NULL;
}

/* Put a value where it belongs: the root, the next array item or the
 * member named by the pending key. @v (owned; NULL for JSON null or a value
 * not kept) goes into the tree or is dropped. libvirt refuses a key an
 * object already has, whatever the depth. Returns 0 to stop yajl. */
static int add_value(YajlTree *t, json_object *v)
{
    YajlFrame *f = top_frame(t);
    if (!f) {
        t->root = v;
        return 1;
    }
    if (!f->is_object) {
        if (f->container)
            json_object_array_add(f->container, v);
        else
            json_object_put(v);
        return 1;
    }
    g_autofree char *key = g_steal_pointer(&f->key);
    if (f->container)
        json_object_object_add(f->container, key, v);   /* json-c copies the key */
    else
        json_object_put(v);
    if (!note_key(f, key)) {
        t->refusal = g_strdup_printf("duplicate key '%s'", key);
        return 0;
    }
    return 1;
}

static int on_null(void *ctx)
{
    return add_value(ctx, NULL);
}

static int on_boolean(void *ctx, int value)
{
    return add_value(ctx, keeps_values(ctx) ? json_object_new_boolean(value) : NULL);
}

/* libvirt takes numbers as their text, so yajl never converts them and a
 * number of any size is fine. The structure checks only ask whether a
 * value is a number, not which. */
static int on_number(void *ctx, const char *text, size_t len)
{
    if (!keeps_values(ctx))
        return add_value(ctx, NULL);
    g_autofree char *copy = g_strndup(text, len);
    return add_value(ctx, json_object_new_double_s(g_ascii_strtod(copy, NULL), copy));
}

/* libvirt copies strings and keys with g_strndup(): a \u0000 ends them. */
static int on_string(void *ctx, const unsigned char *text, size_t len)
{
    if (!keeps_values(ctx))
        return add_value(ctx, NULL);
    return add_value(ctx, json_object_new_string_len((const char *)text, (int)strnlen((const char *)text, len)));
}

static int on_map_key(void *ctx, const unsigned char *text, size_t len)
{
    YajlFrame *f = top_frame(ctx);
    g_free(f->key);
    f->key = g_strndup((const char *)text, len);
    return 1;
}

static int on_open(YajlTree *t, gboolean is_object)
{
    gboolean parent_kept = keeps_values(t);
    json_object *v = NULL;
    if (parent_kept)
        v = is_object ? json_object_new_object() : json_object_new_array();
    if (!add_value(t, v))
        return 0;
    YajlFrame f = { parent_kept && t->frames->len < KEPT_DEPTH ? v : NULL, is_object, NULL, NULL, NULL };
    g_array_append_val(t->frames, f);
    return 1;
}

static int on_start_map(void *ctx)
{
    return on_open(ctx, TRUE);
}

static int on_start_array(void *ctx)
{
    return on_open(ctx, FALSE);
}

static int on_close(void *ctx)
{
    YajlTree *t = ctx;
    g_array_set_size(t->frames, t->frames->len - 1);
    return 1;
}

static const yajl_callbacks tree_callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,      /* instead of yajl_integer/yajl_double, as libvirt */
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_close,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_close,
};

static gboolean read_with_yajl(const char *text, json_object **out, GError **err)
{
    gsize len = strlen(text);
    YajlTree tree = { g_array_new(FALSE, TRUE, sizeof(YajlFrame)), NULL, NULL };
    g_array_set_clear_func(tree.frames, yajl_frame_clear);
    /* No yajl_config(): libvirt keeps yajl 2's defaults (no comments, UTF-8
     * checked, nothing after the value, one value). */
    yajl_handle yajl = yajl_alloc(&tree_callbacks, NULL, &tree);
    if (!yajl) {
        g_array_unref(tree.frames);
        g_set_error_literal(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_PARSE, "unable to create a JSON parser");
        return FALSE;
    }
    gboolean ok = yajl_parse(yajl, (const unsigned char *)text, len) == yajl_status_ok;
    /* Where it stopped; the text ran out when only the completion fails. */
    gsize at = ok ? len : (gsize)yajl_get_bytes_consumed(yajl);
    ok = ok && yajl_complete_parse(yajl) == yajl_status_ok;
    if (!ok) {
        g_autofree char *why = tree.refusal ? g_strdup(tree.refusal) : NULL;
        if (!why) {
            unsigned char *msg = yajl_get_error(yajl, 0, (const unsigned char *)text, len);
            why = g_strstrip(g_strdup((const char *)msg));
            yajl_free_error(yajl, msg);
        }
        g_set_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_PARSE,
                    "unable to parse JSON (yajl): %s at byte %" G_GSIZE_FORMAT,
                    why, at);
    }
    yajl_free(yajl);
    g_array_unref(tree.frames);   /* frames borrow from the tree: drop them first */
    g_free(tree.refusal);
    if (!ok) {
        json_object_put(tree.root);
        return FALSE;
    }
    *out = tree.root;
    return TRUE;
}

/* ---- json-c, as libvirt 11.3's virJSONValueFromString drives it -------- */

static gboolean read_with_json_c(const char *text, json_object **out, GError **err)
{
    /* json_tokener_new(): json-c's default depth limit (32), as libvirt. */
    json_tokener *tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, text, (int)strlen(text));
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (jerr != json_tokener_success) {
        /* "continue": the text ended inside a value (libvirt gives the whole
         * file at once, so nothing more will come). */
        g_set_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_PARSE,
                    "unable to parse JSON (json-c): %s at byte %" G_GSIZE_FORMAT,
                    jerr == json_tokener_continue ? "unexpected end of data" : json_tokener_error_desc(jerr),
                    (gsize)json_tokener_get_parse_end(tok));
        json_tokener_free(tok);
        json_object_put(obj);
        return FALSE;
    }
    json_tokener_free(tok);
    /* libvirt's copy into its own tree refuses duplicate keys, but json-c
     * has already kept only the last value of a repeated key. */
    *out = obj;
    return TRUE;
}

gboolean dc_firmware_json_read(const char *text, guint release, json_object **out, GError **err)
{
    *out = NULL;
    if (dc_release_behaves(release, DC_BEHAVIOUR_JSON_C_READER))
        return read_with_json_c(text, out, err);
    return read_with_yajl(text, out, err);
}
