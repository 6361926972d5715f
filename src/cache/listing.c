/* `domcaps cache list|prune`: every entry of a cache directory, judged as
 * a query would judge it. The entry's name and schema are cache.c's; this
 * file only reads them through it. */
#include "domcaps.h"
#include "cache/cache.h"
#include "cache/docmemo.h"
#include "probe/facts.h"
#include "util/json.h"
#include <errno.h>
#include <unistd.h>

void domcaps_cache_entry_free(domcaps_cache_entry *entry)
{
    if (!entry)
        return;
    g_free(entry->path);
    g_free(entry->emulator);
    g_free(entry->summary);
    g_free(entry->reason);
    g_free(entry);
}

/* The key and facts in short: QEMU, target, accelerators, binary, KVM, kernel. */
static char *summarize(json_object *key, json_object *facts)
{
    g_autoptr(GString) s = g_string_new(NULL);
    json_object *q = NULL, *accel = NULL, *bin = NULL;
    if (facts && json_object_object_get_ex(facts, "qemu", &q))
        g_string_append_printf(s, "QEMU %" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                               dc_json_int(q, "major", 0), dc_json_int(q, "minor", 0), dc_json_int(q, "micro", 0));
    if (facts && dc_json_str(facts, "target"))
        g_string_append_printf(s, "%starget %s", s->len ? ", " : "", dc_json_str(facts, "target"));
    if (facts && json_object_object_get_ex(facts, "accel", &accel) && json_object_is_type(accel, json_type_object)) {
        g_string_append_printf(s, "%sprobed", s->len ? ", " : "");
        const char *sep = " ";
        json_object_object_foreach(accel, name, v) {
            (void)v;
            g_string_append_printf(s, "%s%s", sep, name);
            sep = "+";
        }
    }
    if (key && json_object_object_get_ex(key, "binary", &bin))
        g_string_append_printf(s, "%sbinary %" G_GINT64_FORMAT " bytes, mtime %s", s->len ? ", " : "",
                               dc_json_int(bin, "size", 0), dc_json_str(bin, "mtime") ? dc_json_str(bin, "mtime") : "?");
    if (facts && dc_json_str(facts, "executable"))
        g_string_append_printf(s, ", runs %s", dc_json_str(facts, "executable"));
    if (key && dc_json_str(key, "kvm"))
        g_string_append_printf(s, ", /dev/kvm %s", dc_json_str(key, "kvm"));
    if (key && dc_json_str(key, "kernel"))
        g_string_append_printf(s, ", kernel %s", dc_json_str(key, "kernel"));
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* The key the entry would need now, for the user its QEMU ran as (its
 * /dev/kvm access is in the key: judged as the caller, another user's
 * entries would all look stale). */
static json_object *current_key(const DcHost *host, const char *emulator, json_object *stored_key)
{
    g_autofree char *probe_path = dc_host_path(host, emulator);
    gint64 uid = dc_json_int(stored_key, "user", -1);
    g_auto(DcQmpCreds) creds = { 0 };
    g_autofree char *uid_text = g_strdup_printf("%" G_GINT64_FORMAT, uid);
    gboolean other = uid >= 0 && (uid_t)uid != geteuid() && dc_qmp_creds_lookup(uid_text, &creds, NULL);
    return dc_cache_key_new(host, emulator, probe_path, other ? &creds : NULL);
}

/* An entry another user can write (or in a directory one can, @dir_untrusted):
 * not read, listed as such with who can. */
static domcaps_cache_entry *untrusted(domcaps_cache_entry *e, const char *why)
{
    e->trusted = FALSE;
    e->reason = g_strdup(why);
    return e;
}

/* One entry: readable, trusted, named for its emulator, and valid now? */
static domcaps_cache_entry *examine(const DcHost *host, const char *dir, const char *name, const char *dir_untrusted,
                                    GHashTable *remembered)
{
    domcaps_cache_entry *e = g_new0(domcaps_cache_entry, 1);
    e->path = g_build_filename(dir, name, NULL);
    e->trusted = TRUE;
    if (dir_untrusted)
        return untrusted(e, dir_untrusted);
    g_autofree char *why = NULL;
    gsize len = 0;
    g_autofree char *data = dc_cache_read_entry(e->path, &len, &why);
    if (!data && g_str_has_prefix(why, DC_CACHE_UNTRUSTED))
        return untrusted(e, why + strlen(DC_CACHE_UNTRUSTED));
    if (!data) {
        e->reason = g_steal_pointer(&why);
        return e;
    }
    g_autoptr(json_object) entry = dc_json_parse_whole(data, len);
    json_object *key = NULL, *facts = NULL;
    if (!entry || !json_object_is_type(entry, json_type_object)) {
        e->reason = g_strdup("corrupt entry");
        return e;
    }
    json_object_object_get_ex(entry, "key", &key);
    json_object_object_get_ex(entry, "facts", &facts);
    e->emulator = g_strdup(key ? dc_json_str(key, "emulator") : NULL);
    e->summary = summarize(key, facts);
    const char *docs = e->emulator ? dc_docmemo_description(remembered, e->emulator) : NULL;
    if (docs) {
        char *longer = g_strdup_printf("%s; %s", e->summary, docs);
        g_free(e->summary);
        e->summary = longer;
    }
    if (dc_json_int(entry, "domcaps-cache", -1) != DC_CACHE_FORMAT) {
        e->reason = g_strdup("entry from another domcaps version");
        return e;
    }
    if (!e->emulator) {
        e->reason = g_strdup("entry has no key");
        return e;
    }
    /* An entry is found by the name its emulator hashes to; any other name
     * is never read. */
    g_autofree char *expected = dc_cache_entry_path(dir, e->emulator);
    if (strcmp(expected, e->path) != 0) {
        e->reason = g_strdup("file name does not match its emulator");
        return e;
    }
    g_autoptr(json_object) current = current_key(host, e->emulator, key);
    if (!current) {
        e->reason = g_strdup_printf("emulator %s is gone", e->emulator);
        return e;
    }
    g_autoptr(json_object) loaded = dc_cache_load(dir, e->emulator, current, &why);
    e->valid = loaded != NULL;
    if (!e->valid)
        e->reason = why ? g_steal_pointer(&why) : g_strdup("unusable entry");
    return e;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *domcaps_cache_list(const char *cache_dir, const char *root, GError **err)
{
    g_autofree char *dir = cache_dir ? g_strdup(cache_dir) : dc_cache_default_dir();
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)domcaps_cache_entry_free);
    GError *inner = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &inner);
    if (!d && g_error_matches(inner, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
        g_error_free(inner);
        return out;  /* no query has stored anything yet: an empty cache */
    }
    if (!d) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO, "cannot read cache directory: %s", inner->message);
        g_error_free(inner);
        g_ptr_array_unref(out);
        return NULL;
    }
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)))
        if (dc_cache_is_entry_name(name))
            g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    g_autoptr(DcHost) host = dc_host_new(root, geteuid() == 0, g_get_user_config_dir());
    g_autofree char *dir_untrusted = dc_cache_dir_untrusted(dir);
    g_autoptr(GHashTable) remembered = dc_docmemo_describe_all(dir);
    for (guint i = 0; i < names->len; i++)
        g_ptr_array_add(out, examine(host, dir, names->pdata[i], dir_untrusted, remembered));
    return out;
}

int domcaps_cache_prune(const char *cache_dir, const char *root, GPtrArray **removed, GError **err)
{
    g_autofree char *dir = cache_dir ? g_strdup(cache_dir) : dc_cache_default_dir();
    g_autofree char *dir_untrusted = dc_cache_dir_untrusted(dir);
    if (dir_untrusted) {
        /* not ours to clean: whoever else can write there put what is in it */
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO, "not pruning: %s", dir_untrusted);
        return -1;
    }
    g_autoptr(GPtrArray) entries = domcaps_cache_list(dir, root, err);
    if (!entries)
        return -1;
    if (removed)
        *removed = g_ptr_array_new_with_free_func(g_free);
    int n = 0;
    for (guint i = 0; i < entries->len; i++) {
        const domcaps_cache_entry *e = entries->pdata[i];
        if (e->valid)
            continue;
        if (unlink(e->path) < 0 && errno != ENOENT) {
            g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO, "cannot remove %s: %s", e->path, g_strerror(errno));
            return -1;
        }
        n++;
        if (removed)
            g_ptr_array_add(*removed, g_strdup(e->path));
    }
    /* Remembered documents are derived from the entries and rebuilt on
     * demand: prune drops them all rather than judge each. */
    g_autoptr(GPtrArray) docs = dc_docmemo_clear(dir);
    for (guint i = 0; removed && i < docs->len; i++)
        g_ptr_array_add(*removed, g_strdup(docs->pdata[i]));
    g_autofree char *docs_dir = g_build_filename(dir, "docs", NULL);
    rmdir(docs_dir);  /* when empty */
    return n;
}
