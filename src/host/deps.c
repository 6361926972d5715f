#include "host/deps.h"
#include <dirent.h>
#include <sys/stat.h>

/* Kinds are stored in the table as the first character of its value. */
static const char kind_char[] = { [DC_DEP_EXISTS] = 's', [DC_DEP_READ] = 'r', [DC_DEP_LIST] = 'l' };

static gboolean is_kernel_path(const char *abs_path)
{
    return g_str_has_prefix(abs_path, "/proc/") || g_str_has_prefix(abs_path, "/sys/");
}

void dc_host_depend(const DcHost *host, const char *abs_path, DcDepKind kind)
{
    GHashTable *deps = host->notes->deps;
    if (!deps || strcmp(abs_path, "/proc/cpuinfo") == 0)
        return;
    char k = kind_char[kind];
    if (!is_kernel_path(abs_path))
        k = 's';  /* an ordinary file or directory: its stat says it all */
    g_autofree char *real = dc_host_path(host, abs_path);
    const char *had = g_hash_table_lookup(deps, real);
    /* A path both stat'ed and read is known by the stronger of the two. */
    if (had && (had[0] == 'r' || had[0] == 'l' || k == 's'))
        return;
    char value[2] = { k, 0 };
    g_hash_table_insert(deps, g_steal_pointer(&real), g_strdup(value));
}

/* The identity of one path, computed the way its kind says. */
static char *identity(const char *real, char kind)
{
    if (kind == 'r') {
        g_autofree char *text = NULL;
        gsize len = 0;
        if (!g_file_get_contents(real, &text, &len, NULL))
            return g_strdup("r:unreadable");
        g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, len);
        return g_strdup_printf("r:%s", sum);
    }
    if (kind == 'l') {
        DIR *d = opendir(real);
        if (!d)
            return g_strdup("l:unreadable");
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        struct dirent *e;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                g_ptr_array_add(names, g_strdup(e->d_name));
        closedir(d);
        g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
        GString *all = g_string_new("l:");
        for (guint i = 0; i < names->len; i++)
            g_string_append_printf(all, "%s/", (char *)names->pdata[i]);
        return g_string_free(all, FALSE);
    }
    struct stat st;
    if (stat(real, &st) < 0)
        return g_strdup("s:absent");
    return g_strdup_printf("s:%o %lld %lld.%09ld %lld.%09ld %llu:%llu", (unsigned)st.st_mode, (long long)st.st_size,
                           (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
                           st.st_ctim.tv_nsec, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
}

void dc_host_deps_begin(const DcHost *host)
{
    g_clear_pointer(&host->notes->deps, g_hash_table_unref);
    host->notes->deps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

json_object *dc_host_deps_end(const DcHost *host)
{
    if (!host->notes->deps)
        return NULL;
    json_object *snap = json_object_new_object();
    GHashTableIter it;
    gpointer path, kind;
    g_hash_table_iter_init(&it, host->notes->deps);
    while (g_hash_table_iter_next(&it, &path, &kind)) {
        g_autofree char *id = identity(path, ((const char *)kind)[0]);
        json_object_object_add(snap, path, json_object_new_string(id));
    }
    g_clear_pointer(&host->notes->deps, g_hash_table_unref);
    return snap;
}

void dc_deps_add_file(json_object *snapshot, const char *real_path)
{
    g_autofree char *id = identity(real_path, 's');
    json_object_object_add(snapshot, real_path, json_object_new_string(id));
}

gboolean dc_deps_still_hold(json_object *snapshot)
{
    if (!snapshot || !json_object_is_type(snapshot, json_type_object))
        return FALSE;
    json_object_object_foreach(snapshot, path, want) {
        const char *w = json_object_get_string(want);
        if (!w || !w[0] || w[1] != ':')
            return FALSE;
        g_autofree char *now = identity(path, w[0]);
        if (strcmp(now, w) != 0)
            return FALSE;
    }
    return TRUE;
}
