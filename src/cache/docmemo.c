#include "cache/docmemo.h"
#include "cache/cache.h"
#include "host/deps.h"
#include "probe/facts.h"
#include "util/json.h"
#include <errno.h>
#include <unistd.h>

static char *docs_dir(const char *cache_dir)
{
    return g_build_filename(cache_dir, "docs", NULL);
}

char *dc_docmemo_path(const char *cache_dir, const char *emulator, const char *query)
{
    g_autofree char *dir = docs_dir(cache_dir);
    g_autofree char *base = g_path_get_basename(emulator);
    g_autofree char *e = g_compute_checksum_for_string(G_CHECKSUM_SHA256, emulator, -1);
    g_autofree char *q = g_compute_checksum_for_string(G_CHECKSUM_SHA256, query, -1);
    g_autofree char *name = g_strdup_printf("%s-%.16s-%.16s.json", base, e, q);
    return g_build_filename(dir, name, NULL);
}

json_object *dc_docmemo_new(json_object *key, const char *query, json_object *deps, const char *xml,
                            const char *tree, const char *arch, const char *machine, const char *virttype)
{
    json_object *m = json_object_new_object();
    json_object_object_add(m, "domcaps-doc", json_object_new_int(DC_DOCMEMO_FORMAT));
    json_object_object_add(m, "key", json_object_get(key));
    json_object_object_add(m, "query", json_object_new_string(query));
    json_object_object_add(m, "deps", json_object_get(deps));
    json_object_object_add(m, "arch", json_object_new_string(arch));
    json_object_object_add(m, "machine", json_object_new_string(machine));
    json_object_object_add(m, "virttype", json_object_new_string(virttype));
    json_object_object_add(m, "xml", json_object_new_string(xml));
    json_object_object_add(m, "tree", json_object_new_string(tree));
    return m;
}

gboolean dc_docmemo_valid(json_object *memo, json_object *key, const char *query)
{
    json_object *k = NULL, *deps = NULL;
    return memo && json_object_is_type(memo, json_type_object) &&
           dc_json_int(memo, "domcaps-doc", -1) == DC_DOCMEMO_FORMAT &&
           g_strcmp0(dc_json_str(memo, "query"), query) == 0 &&
           dc_json_str(memo, "arch") && dc_json_str(memo, "machine") && dc_json_str(memo, "virttype") &&
           dc_json_str(memo, "xml") && dc_json_str(memo, "tree") &&
           json_object_object_get_ex(memo, "key", &k) && json_object_equal(k, key) &&
           json_object_object_get_ex(memo, "deps", &deps) && dc_deps_still_hold(deps);
}

json_object *dc_docmemo_load(const char *cache_dir, const char *emulator, json_object *key, const char *query)
{
    g_autofree char *path = dc_docmemo_path(cache_dir, emulator, query);
    g_autofree char *why = NULL;
    gsize len = 0;
    g_autofree char *data = dc_cache_read_entry(path, &len, &why);
    if (!data)
        return NULL;
    json_object *memo = dc_json_parse_whole(data, len);
    if (!dc_docmemo_valid(memo, key, query)) {
        if (memo)
            json_object_put(memo);
        return NULL;
    }
    return memo;
}

gboolean dc_docmemo_store(const char *cache_dir, const char *emulator, const char *query, json_object *memo)
{
    g_autofree char *dir = docs_dir(cache_dir);
    if (g_mkdir_with_parents(dir, 0755) < 0)
        return FALSE;
    g_autofree char *path = dc_docmemo_path(cache_dir, emulator, query);
    const char *text = json_object_to_json_string_ext(memo, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    return g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, NULL);
}

GPtrArray *dc_docmemo_clear(const char *cache_dir)
{
    GPtrArray *removed = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *dir = docs_dir(cache_dir);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *p = g_build_filename(dir, name, NULL);
        if (g_str_has_suffix(name, ".json") && unlink(p) == 0)
            g_ptr_array_add(removed, p);
        else
            g_free(p);
    }
    return removed;
}

/* The documents remembered for one emulator, by release. */
typedef struct {
    GHashTable *counts;  /* release -> how many */
    GHashTable *whys;    /* release -> the first reason seen */
} DcReleaseCount;

static DcReleaseCount *release_count_new(void)
{
    DcReleaseCount *c = g_new0(DcReleaseCount, 1);
    c->counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    c->whys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return c;
}

static void release_count_free(DcReleaseCount *c)
{
    g_hash_table_unref(c->counts);
    g_hash_table_unref(c->whys);
    g_free(c);
}

/* Adds one memo's release and its reason. */
static void count_release(const char *path, DcReleaseCount *c)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL))
        return;
    g_autoptr(json_object) memo = dc_json_parse_whole(data, len);
    const char *release = memo ? dc_json_str(memo, "release") : NULL;
    if (!release)
        release = "?";
    g_hash_table_insert(c->counts, g_strdup(release),
                        GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(c->counts, release)) + 1));
    const char *why = memo ? dc_json_str(memo, "release-why") : NULL;
    if (why && !g_hash_table_contains(c->whys, release))
        g_hash_table_insert(c->whys, g_strdup(release), g_strdup(why));
}

/* "remembered: 2 documents in libvirt 9.0's format (why), ..." */
static char *describe(const DcReleaseCount *c)
{
    g_autoptr(GList) releases = g_list_sort(g_hash_table_get_keys(c->counts), (GCompareFunc)g_strcmp0);
    GString *s = g_string_new("remembered:");
    for (GList *l = releases; l; l = l->next) {
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(c->counts, l->data));
        const char *why = g_hash_table_lookup(c->whys, l->data);
        g_string_append_printf(s, "%s %u document%s in libvirt %s's format%s%s%s", l == releases ? "" : ",", n,
                               n == 1 ? "" : "s", (const char *)l->data, why ? " (" : "", why ? why : "",
                               why ? ")" : "");
    }
    return g_string_free(s, FALSE);
}

/* A memo file's emulator part: "BASE-EMULATORHASH" of dc_docmemo_path()'s
 * "BASE-EMULATORHASH-QUERYHASH.json" (16 hex digits each hash). */
static char *emulator_part(const char *name)
{
    static const gsize tail = 1 + 16 + 5;   /* "-QUERYHASH.json" */
    gsize len = strlen(name);
    return g_str_has_suffix(name, ".json") && len > tail ? g_strndup(name, len - tail) : NULL;
}

GHashTable *dc_docmemo_describe_all(const char *cache_dir)
{
    g_autofree char *dir = docs_dir(cache_dir);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GHashTable) groups =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)release_count_free);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *part = emulator_part(name);
        if (!part)
            continue;
        DcReleaseCount *c = g_hash_table_lookup(groups, part);
        if (!c)
            g_hash_table_insert(groups, g_strdup(part), c = release_count_new());
        g_free(part);
        g_autofree char *path = g_build_filename(dir, name, NULL);
        count_release(path, c);
    }
    GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, groups);
    while (g_hash_table_iter_next(&it, &key, &value))
        g_hash_table_insert(out, g_strdup(key), describe(value));
    return out;
}

const char *dc_docmemo_description(GHashTable *all, const char *emulator)
{
    g_autofree char *base = g_path_get_basename(emulator);
    g_autofree char *e = g_compute_checksum_for_string(G_CHECKSUM_SHA256, emulator, -1);
    g_autofree char *part = g_strdup_printf("%s-%.16s", base, e);
    return g_hash_table_lookup(all, part);
}
