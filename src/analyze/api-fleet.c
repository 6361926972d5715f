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

/* Reading the files (reading and parsing are half of a fleet's work) runs
 * on another thread while this one takes the documents in their order:
 * the results are the same as one by one, and the first file that fails
 * in that order is the error. At most READ_AHEAD documents wait. The
 * documents go back to the reader to be freed: freeing on another thread
 * than the one that allocated costs the allocator's locks, more than
 * reading on another core saves. */
#define READ_AHEAD 8

typedef struct {
    GMutex lock;
    GCond ready;
    const char *const *paths;
    DcNode **roots;       /* per file, once read */
    GError **errors;      /* per file, when it failed */
    gboolean *done;
    GPtrArray *garbage;   /* DcNode: given back by the fleet, to free */
} Reading;

static void give_back(DcNode *node, gpointer data)
{
    Reading *r = data;
    g_mutex_lock(&r->lock);
    g_ptr_array_add(r->garbage, node);
    g_mutex_unlock(&r->lock);
}

static void free_garbage(Reading *r)
{
    g_mutex_lock(&r->lock);
    GPtrArray *old = r->garbage;
    r->garbage = g_ptr_array_new_with_free_func((GDestroyNotify)dc_node_free);
    g_mutex_unlock(&r->lock);
    g_ptr_array_unref(old);
}

static void read_one(gpointer index, gpointer data)
{
    Reading *r = data;
    guint i = GPOINTER_TO_UINT(index) - 1;
    free_garbage(r);
    GError *err = NULL;
    domcaps_doc *doc = domcaps_doc_new_from_file(r->paths[i], &err);
    DcNode *root = doc ? dc_doc_free_keep_root(doc) : NULL;
    g_mutex_lock(&r->lock);
    r->roots[i] = root;
    r->errors[i] = err;
    r->done[i] = TRUE;
    g_cond_broadcast(&r->ready);
    g_mutex_unlock(&r->lock);
}

static void reading_init(Reading *r, const char *const *paths, guint n)
{
    g_mutex_init(&r->lock);
    g_cond_init(&r->ready);
    r->paths = paths;
    r->roots = g_new0(DcNode *, n);
    r->errors = g_new0(GError *, n);
    r->done = g_new0(gboolean, n);
    r->garbage = g_ptr_array_new_with_free_func((GDestroyNotify)dc_node_free);
}

/* Once the reader has stopped: what it read and nobody took. */
static void reading_clear(Reading *r, guint n)
{
    g_ptr_array_unref(r->garbage);
    for (guint k = 0; k < n; k++) {
        dc_node_free(r->roots[k]);
        g_clear_error(&r->errors[k]);
    }
    g_free(r->roots);
    g_free(r->errors);
    g_free(r->done);
    g_mutex_clear(&r->lock);
    g_cond_clear(&r->ready);
}

/* File @i's document once read (NULL and @err when it could not be). */
static DcNode *wait_for(Reading *r, guint i, GError **err)
{
    g_mutex_lock(&r->lock);
    while (!r->done[i])
        g_cond_wait(&r->ready, &r->lock);
    DcNode *root = g_steal_pointer(&r->roots[i]);
    if (r->errors[i])
        g_propagate_error(err, g_steal_pointer(&r->errors[i]));
    g_mutex_unlock(&r->lock);
    return root;
}

gboolean domcaps_fleet_add_files(domcaps_fleet *f, const char *const *names, const char *const *paths, guint n,
                                 GError **err)
{
    g_return_val_if_fail(f && (paths || !n), FALSE);
    if (n < 2 || g_get_num_processors() < 2) {
        for (guint i = 0; i < n; i++)
            if (!domcaps_fleet_add_file(f, names ? names[i] : NULL, paths[i], err))
                return FALSE;
        return TRUE;
    }
    Reading r;
    reading_init(&r, paths, n);
    dc_fleet_set_dispose(f->fleet, give_back, &r);
    GThreadPool *pool = g_thread_pool_new(read_one, &r, 1, FALSE, NULL);
    gboolean ok = TRUE;
    for (guint i = 0, queued = 0; i < n && ok; i++) {
        while (queued < n && queued < i + READ_AHEAD)
            g_thread_pool_push(pool, GUINT_TO_POINTER(++queued), NULL);
        DcNode *root = wait_for(&r, i, err);
        ok = root && dc_fleet_add_take(f->fleet, names ? names[i] : NULL, root, err);
        if (root && !ok)
            g_prefix_error(err, "%s: ", paths[i]);
    }
    g_thread_pool_free(pool, TRUE, TRUE);   /* what was queued and not started is dropped */
    dc_fleet_set_dispose(f->fleet, NULL, NULL);
    reading_clear(&r, n);
    return ok;
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
