/* The public entry points of fleets (include/domcaps.h): many hosts'
 * documents, their intersection, CPU and table (analyze/fleet.h). */
#include "api-internal.h"
#include "analyze/fleet.h"
#include <unistd.h>

struct domcaps_fleet {
    DcFleet *fleet;
};

char *dc_api_cpu_map(const domcaps_options *opts)
{
    g_autoptr(DcHost) host = dc_host_new(opts ? opts->root : NULL, geteuid() == 0, NULL);
    return dc_host_path(host, opts && opts->cpu_map_dir ? opts->cpu_map_dir : DC_DEFAULT_CPU_MAP);
}

domcaps_fleet *domcaps_fleet_new(const domcaps_options *opts, unsigned int flags)
{
    g_autofree char *map = dc_api_cpu_map(opts);
    domcaps_fleet *f = g_new0(domcaps_fleet, 1);
    f->fleet = dc_fleet_new(map, ((flags & DOMCAPS_FLEET_INTERSECT) ? DC_FLEET_INTERSECT : 0) |
                                 ((flags & DOMCAPS_FLEET_TABLE) ? DC_FLEET_TABLE : 0));
    return f;
}

void domcaps_fleet_free(domcaps_fleet *f)
{
    if (!f)
        return;
    dc_fleet_free(f->fleet);
    g_free(f);
}

gboolean domcaps_fleet_add(domcaps_fleet *f, const char *name, const domcaps_doc *doc, GError **err)
{
    g_return_val_if_fail(f && doc, FALSE);
    return dc_fleet_add(f->fleet, name, dc_doc_root(doc), err);
}

gboolean domcaps_fleet_add_file(domcaps_fleet *f, const char *name, const char *path, GError **err)
{
    g_return_val_if_fail(f && path, FALSE);
    domcaps_doc *doc = domcaps_doc_new_from_file(path, err);
    if (!doc)
        return FALSE;
    if (dc_fleet_add_take(f->fleet, name, dc_doc_free_keep_root(doc), err))
        return TRUE;
    g_prefix_error(err, "%s: ", path);
    return FALSE;
}

/* Reading the files on other cores while the fleet takes them was tried
 * and made it slower: the trees are freed on another thread than the one
 * that made them, and the allocator's locking costs more than the reading
 * saves (two cores). */
gboolean domcaps_fleet_add_files(domcaps_fleet *f, const char *const *names, const char *const *paths, guint n,
                                 GError **err)
{
    g_return_val_if_fail(f && (paths || !n), FALSE);
    for (guint i = 0; i < n; i++)
        if (!domcaps_fleet_add_file(f, names ? names[i] : NULL, paths[i], err))
            return FALSE;
    return TRUE;
}

guint domcaps_fleet_size(const domcaps_fleet *f)
{
    return dc_fleet_size(f->fleet);
}

domcaps_doc *domcaps_fleet_intersection(domcaps_fleet *f, GError **err)
{
    DcNode *root = dc_fleet_intersection(f->fleet, err);
    return root ? dc_doc_new_take(root) : NULL;
}

char *domcaps_fleet_cpu(domcaps_fleet *f, GError **err)
{
    const DcCpuDef *cpu = dc_fleet_cpu(f->fleet, err);
    if (!cpu)
        return NULL;
    g_autoptr(GError) lv = NULL;
    char *xml = dc_cpu_def_format(cpu, &lv);
    if (!xml)
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_CPU, "%s", lv->message);
    return xml;
}

char *domcaps_fleet_table(domcaps_fleet *f, domcaps_table_flags flags, guint *n_rows)
{
    DcTable *t = dc_fleet_table(f->fleet);
    if (!t) {
        if (n_rows)
            *n_rows = 0;
        return g_strdup("");
    }
    return dc_table_render(t, dc_table_flags_of(flags), n_rows);
}

domcaps_doc *domcaps_intersect(const domcaps_doc *const *docs, guint n, GError **err)
{
    g_autoptr(domcaps_fleet) f = domcaps_fleet_new(NULL, DOMCAPS_FLEET_INTERSECT);
    for (guint i = 0; i < n; i++)
        if (!domcaps_fleet_add(f, NULL, docs[i], err))
            return NULL;
    return domcaps_fleet_intersection(f, err);
}
