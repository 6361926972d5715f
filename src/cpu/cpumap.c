/*
 * cpumap.c: loading libvirt's CPU map, and the custom CPU model list.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib/gstdio.h>


#include "cpu/cpu.h"
#include "cpu/cpumap.h"
#include "util/xmlread.h"
#include "util/arch.h"
#include "probe/facts.h"

G_DEFINE_QUARK(dc-cpu-error-quark, dc_cpu_error)

typedef struct {
    char *name;
    char *vendor;   /* NULL when the model names none (nor does its ancestor) */
    char *canonical;/* x86: the versioned model that is this one unchanged (libvirt >= 10) */
    GArray *pvr;    /* ppc64: guint32 value/mask pairs of the processor version register */
} DcMapModel;

struct _DcCpuMap {
    gint refs;               /* the process-wide copy keeps one (map_cache) */
    DcCpuFamily family;
    GPtrArray *models;       /* of DcMapModel, in map order */
    GHashTable *by_name;     /* name -> DcMapModel (borrowed) */
    GHashTable *vendors;     /* vendor names, owned */
    DcX86Map *x86;           /* family-specific data, x86 only */
};

/* The map files an arch reads: those of libvirt's CPU driver for it
 * (util/arch.c), where the driver has a map. */
DcCpuFamily
dc_cpu_family_for_arch(const char *arch)
{
    switch (dc_arch_cpu_driver(arch, DC_ARCH_ANY_RELEASE)) {
    case DC_ARCH_CPU_X86:
        return DC_CPU_FAMILY_X86;
    case DC_ARCH_CPU_PPC64:
        return DC_CPU_FAMILY_PPC64;
    case DC_ARCH_CPU_ARM:
        return DC_CPU_FAMILY_ARM;
    default:
        return DC_CPU_FAMILY_NONE;
    }
}

const char *
dc_cpu_family_name(DcCpuFamily family)
{
    switch (family) {
    case DC_CPU_FAMILY_X86:
        return "x86";
    case DC_CPU_FAMILY_PPC64:
        return "ppc64";
    case DC_CPU_FAMILY_ARM:
        return "arm";
    case DC_CPU_FAMILY_NONE:
        break;
    }
    return NULL;
}

static void
map_model_free(gpointer p)
{
    DcMapModel *m = p;

    g_free(m->name);
    g_free(m->vendor);
    g_free(m->canonical);
    if (m->pvr)
        g_array_unref(m->pvr);
    g_free(m);
}

void
dc_cpu_map_free(DcCpuMap *map)
{
    if (!map || !g_atomic_int_dec_and_test(&map->refs))
        return;
    g_clear_pointer(&map->by_name, g_hash_table_unref);
    g_clear_pointer(&map->vendors, g_hash_table_unref);
    g_clear_pointer(&map->models, g_ptr_array_unref);
    g_clear_pointer(&map->x86, dc_x86_map_free);
    g_free(map);
}

static char *
node_prop(const DcNode *node, const char *name)
{
    return g_strdup(dc_node_get_attr(node, name));
}

static gboolean
node_is(const DcNode *node, const char *name)
{
    return g_str_equal(node->name, name);
}

/* First element child of @node called @name. */
static const DcNode *
node_child(const DcNode *node, const char *name)
{
    for (guint i = 0; i < node->children.len; i++) {
        const DcNode *c = node->children.pdata[i];
        if (node_is(c, name))
            return c;
    }
    return NULL;
}

/* The generic part of a model: its name and vendor.  A model may start from
 * another one (<model name='ancestor'/> inside it) and then inherits the
 * ancestor's vendor unless it names its own. */
static gboolean
map_add_model(DcCpuMap *map, const DcNode *node, const char *name,
              const char *file, GError **err)
{
    g_autofree char *vendor = NULL;
    const DcNode *child;
    DcMapModel *m;

    if (g_hash_table_contains(map->by_name, name)) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                    "%s: CPU model '%s' defined twice", file, name);
        return FALSE;
    }

    if ((child = node_child(node, "model"))) {
        g_autofree char *ancestor = node_prop(child, "name");
        DcMapModel *a = ancestor ? g_hash_table_lookup(map->by_name, ancestor)
                                 : NULL;

        if (!a) {
            g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                        "%s: ancestor of CPU model '%s' not found",
                        file, name);
            return FALSE;
        }
        vendor = g_strdup(a->vendor);
        /* A model that only names its ancestor (no signature, vendor or
         * feature of its own) is the ancestor's canonical name:
         * <model name='Broadwell-v1'><model name='Broadwell'/></model>. */
        if (map->family == DC_CPU_FAMILY_X86 && !node_child(node, "signature") &&
            !node_child(node, "vendor") && !node_child(node, "feature") && !a->canonical)
            a->canonical = g_strdup(name);
    }

    if ((child = node_child(node, "vendor"))) {
        g_free(vendor);
        if (!(vendor = node_prop(child, "name"))) {
            g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                        "%s: vendor of CPU model '%s' has no name",
                        file, name);
            return FALSE;
        }
    }

    m = g_new0(DcMapModel, 1);
    m->name = g_strdup(name);
    if (map->family == DC_CPU_FAMILY_PPC64) {
        m->pvr = g_array_new(FALSE, FALSE, sizeof(guint32));
        for (guint i = 0; i < node->children.len; i++) {
            const DcNode *c = node->children.pdata[i];
            if (!node_is(c, "pvr"))
                continue;
            g_autofree char *v = node_prop(c, "value");
            g_autofree char *mask = node_prop(c, "mask");
            guint32 pair[2] = { (guint32)g_ascii_strtoull(v ? v : "0", NULL, 0),
                                (guint32)g_ascii_strtoull(mask ? mask : "0xffffffff", NULL, 0) };
            g_array_append_vals(m->pvr, pair, 2);
        }
    }
    m->vendor = g_steal_pointer(&vendor);
    g_ptr_array_add(map->models, m);
    g_hash_table_insert(map->by_name, m->name, m);
    return TRUE;
}

typedef enum {
    ELEM_VENDOR,
    ELEM_FEATURE,
    ELEM_MODEL,
} ElemKind;

static const char *const elem_names[] = { "vendor", "feature", "model" };

static gboolean
map_add_element(DcCpuMap *map, ElemKind kind, const DcNode *node,
                const char *file, GError **err)
{
    g_autofree char *name = node_prop(node, "name");
    g_autoptr(GError) local = NULL;
    gboolean ok = TRUE;

    if (!name) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                    "%s: <%s> without a name", file, elem_names[kind]);
        return FALSE;
    }

    if (kind == ELEM_MODEL && !map_add_model(map, node, name, file, err))
        return FALSE;
    if (kind == ELEM_VENDOR)
        g_hash_table_add(map->vendors, g_strdup(name));

    if (map->x86) {
        switch (kind) {
        case ELEM_VENDOR:
            ok = dc_x86_map_add_vendor(map->x86, node, name, &local);
            break;
        case ELEM_FEATURE:
            ok = dc_x86_map_add_feature(map->x86, node, name, &local);
            break;
        case ELEM_MODEL:
            ok = dc_x86_map_add_model(map->x86, node, name, &local);
            break;
        }
    }

    if (!ok) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP, "%s: %s",
                    file, local->message);
        return FALSE;
    }
    return TRUE;
}

/* Hands the vendor, feature and model children of @parent to the map, all
 * vendors first, then features, then models, as libvirt does per file. */
static gboolean
map_add_elements(DcCpuMap *map, const DcNode *parent, const char *file,
                 GError **err)
{
    for (int kind = ELEM_VENDOR; kind <= ELEM_MODEL; kind++) {
        for (guint i = 0; i < parent->children.len; i++) {
            const DcNode *c = parent->children.pdata[i];
            if (node_is(c, elem_names[kind]) &&
                !map_add_element(map, kind, c, file, err))
                return FALSE;
        }
    }
    return TRUE;
}

static DcNode *
read_xml(const char *path, GError **err)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *text = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &text, &len, &local)) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP, "%s", local->message);
        return NULL;
    }
    DcNode *root = dc_xml_read(text, len, "cpus", path, &local);
    if (!root) {
        g_set_error_literal(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP, local->message);
        return NULL;
    }
    return root;
}

static gboolean
map_load_include(DcCpuMap *map, const char *dir, const DcNode *inc, GError **err)
{
    g_autofree char *file = node_prop(inc, "filename");
    g_autofree char *path = NULL;
    g_autoptr(DcNode) doc = NULL;

    /* Included files live next to index.xml; refuse to leave that dir. */
    if (!file || !*file || g_path_is_absolute(file) ||
        strstr(file, "..") || strchr(file, '/')) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                    "index.xml: invalid include '%s'", file ? file : "");
        return FALSE;
    }

    path = g_build_filename(dir, file, NULL);
    if (!(doc = read_xml(path, err)))
        return FALSE;
    return map_add_elements(map, doc, file, err);
}

/* Includes of an <arch> in document order; newer maps (libvirt >= 10.x)
 * put them in <group> elements, which only label them. */
static gboolean
map_load_includes(DcCpuMap *map, const char *dir, const DcNode *parent, GError **err)
{
    for (guint i = 0; i < parent->children.len; i++) {
        const DcNode *c = parent->children.pdata[i];
        if (node_is(c, "include") && !map_load_include(map, dir, c, err))
            return FALSE;
        if (node_is(c, "group") && !map_load_includes(map, dir, c, err))
            return FALSE;
    }
    return TRUE;
}

static DcCpuMap *map_parse(const char *dir, const char *arch, GError **err);

/* One map per directory and family is kept for the process, so a query
 * that reads the map several times (host-model, then a baseline, then its
 * features) parses its XML once. It is read again when the directory or
 * its index.xml changes (a package upgrade replaces files, which changes
 * the directory). */
typedef struct {
    DcCpuMap *map;
    gint64 dir_mtime, index_mtime;
    goffset index_size;
} CachedMap;

static GMutex map_cache_lock;
static GHashTable *map_cache;   /* "dir\nfamily" -> CachedMap */

static void
cached_map_free(gpointer p)
{
    CachedMap *c = p;

    dc_cpu_map_free(c->map);
    g_free(c);
}

static gboolean
map_stamp(const char *dir, gint64 *dir_mtime, gint64 *index_mtime, goffset *index_size)
{
    g_autofree char *index = g_build_filename(dir, "index.xml", NULL);
    GStatBuf d, i;

    if (g_stat(dir, &d) < 0 || g_stat(index, &i) < 0)
        return FALSE;
    *dir_mtime = (gint64)d.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + d.st_mtim.tv_nsec;
    *index_mtime = (gint64)i.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + i.st_mtim.tv_nsec;
    *index_size = i.st_size;
    return TRUE;
}

DcCpuMap *
dc_cpu_map_load(const char *dir, const char *arch, GError **err)
{
    CachedMap stamp = { 0 };
    g_autofree char *key = g_strdup_printf("%s\n%d", dir, dc_cpu_family_for_arch(arch));
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&map_cache_lock);
    gboolean stamped = dc_cpu_family_for_arch(arch) != DC_CPU_FAMILY_NONE &&
                       map_stamp(dir, &stamp.dir_mtime, &stamp.index_mtime, &stamp.index_size);
    CachedMap *c = map_cache && stamped ? g_hash_table_lookup(map_cache, key) : NULL;

    if (c && c->dir_mtime == stamp.dir_mtime && c->index_mtime == stamp.index_mtime &&
        c->index_size == stamp.index_size) {
        g_atomic_int_inc(&c->map->refs);
        return c->map;
    }
    DcCpuMap *map = map_parse(dir, arch, err);
    if (!map || !stamped)
        return map;
    if (!map_cache)
        map_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cached_map_free);
    c = g_new0(CachedMap, 1);
    *c = stamp;
    c->map = map;
    g_atomic_int_inc(&map->refs);
    g_hash_table_replace(map_cache, g_steal_pointer(&key), c);
    return map;
}

static DcCpuMap *
map_parse(const char *dir, const char *arch, GError **err)
{
    DcCpuFamily family = dc_cpu_family_for_arch(arch);
    const char *fname = dc_cpu_family_name(family);
    g_autoptr(DcCpuMap) map = NULL;
    g_autofree char *index = NULL;
    const DcNode *archnode = NULL;
    g_autoptr(DcNode) doc = NULL;
    gboolean ok;

    if (!fname) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_NO_MAP,
                    "no CPU map for architecture '%s'", arch ? arch : "");
        return NULL;
    }

    map = g_new0(DcCpuMap, 1);
    map->refs = 1;
    map->family = family;
    map->models = g_ptr_array_new_with_free_func(map_model_free);
    map->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    map->vendors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (family == DC_CPU_FAMILY_X86)
        map->x86 = dc_x86_map_new();

    index = g_build_filename(dir, "index.xml", NULL);
    if (!(doc = read_xml(index, err)))
        return NULL;

    for (guint i = 0; i < doc->children.len; i++) {
        const DcNode *c = doc->children.pdata[i];
        g_autofree char *name = NULL;

        if (!node_is(c, "arch"))
            continue;
        name = node_prop(c, "name");
        if (g_strcmp0(name, fname) == 0) {
            archnode = c;
            break;
        }
    }

    if (!archnode) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP,
                    "%s: no <arch name='%s'>", index, fname);
        return NULL;
    }

    /* Elements written in index.xml itself come before the included files. */
    ok = map_add_elements(map, archnode, "index.xml", err) &&
         map_load_includes(map, dir, archnode, err);

    if (!ok)
        return NULL;
    return g_steal_pointer(&map);
}

DcCpuFamily
dc_cpu_map_family(const DcCpuMap *map)
{
    return map ? map->family : DC_CPU_FAMILY_NONE;
}

guint
dc_cpu_map_n_models(const DcCpuMap *map)
{
    return map->models->len;
}

const char *
dc_cpu_map_model_name(const DcCpuMap *map, guint i)
{
    g_return_val_if_fail(i < map->models->len, NULL);
    return ((DcMapModel *) g_ptr_array_index(map->models, i))->name;
}

gboolean
dc_cpu_map_has_vendor(const DcCpuMap *map, const char *name)
{
    return g_hash_table_contains(map->vendors, name);
}

gboolean
dc_cpu_map_has_model(const DcCpuMap *map, const char *name)
{
    return g_hash_table_contains(map->by_name, name);
}

const char *
dc_cpu_map_model_vendor(const DcCpuMap *map, const char *name)
{
    DcMapModel *m = g_hash_table_lookup(map->by_name, name);

    return m ? m->vendor : NULL;
}

const char *
dc_cpu_map_model_canonical(const DcCpuMap *map, const char *name)
{
    DcMapModel *m = map ? g_hash_table_lookup(map->by_name, name) : NULL;

    return m ? m->canonical : NULL;
}

const char *
dc_cpu_map_ppc64_model_for_pvr(const DcCpuMap *map, guint32 pvr)
{
    for (guint i = 0; map && i < map->models->len; i++) {
        const DcMapModel *m = g_ptr_array_index(map->models, i);
        for (guint k = 0; m->pvr && k + 1 < m->pvr->len; k += 2)
            if ((pvr & g_array_index(m->pvr, guint32, k + 1)) == g_array_index(m->pvr, guint32, k))
                return m->name;
    }
    return NULL;
}

DcX86Map *
dc_cpu_map_x86(const DcCpuMap *map)
{
    return map ? map->x86 : NULL;
}

void
dc_custom_model_free(DcCustomModel *model)
{
    if (!model)
        return;
    g_free(model->name);
    g_free(model->usable);
    g_free(model->vendor);
    g_free(model->canonical);
    g_strfreev(model->blockers);
    g_free(model);
}

/* The map's spelling of @name for ppc64: QEMU >= 2.11 names POWER models in
 * lower case, libvirt renames every definition that matches a map model
 * ignoring case. */
static const char *
ppc64_map_name(const DcCpuMap *map, const char *name)
{
    for (guint i = 0; i < map->models->len; i++) {
        const char *m = dc_cpu_map_model_name(map, i);

        if (g_ascii_strcasecmp(m, name) == 0)
            return m;
    }
    return name;
}

GPtrArray *
dc_cpu_custom_models(const DcCpuMap *map, json_object *definitions,
                     GError **err)
{
    g_autoptr(GPtrArray) list = NULL;
    DcCpuFamily family = dc_cpu_map_family(map);
    /* libvirt filters by the map only where its CPU driver lists models
     * (x86, ppc64) and looks vendors up only there too; the arm driver of
     * 9.0 does neither, so every QEMU model stays, with vendor 'unknown'. */
    gboolean filter = family == DC_CPU_FAMILY_X86 ||
                      family == DC_CPU_FAMILY_PPC64;

    if (!json_object_is_type(definitions, json_type_array)) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_BAD_REPLY,
                    "query-cpu-definitions did not return an array");
        return NULL;
    }

    list = g_ptr_array_new_with_free_func((GDestroyNotify) dc_custom_model_free);

    for (size_t i = 0; i < json_object_array_length(definitions); i++) {
        json_object *def = json_object_array_get_idx(definitions, i);
        json_object *jname = NULL;
        json_object *unavail = NULL;
        const char *name;
        DcCustomModel *m;

        if (!json_object_object_get_ex(def, "name", &jname) ||
            !json_object_is_type(jname, json_type_string)) {
            g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_BAD_REPLY,
                        "query-cpu-definitions entry %zu has no name", i);
            return NULL;
        }
        name = json_object_get_string(jname);

        if (family == DC_CPU_FAMILY_PPC64)
            name = ppc64_map_name(map, name);

        if (g_str_equal(name, "host"))
            continue;
        if (filter && !dc_cpu_map_has_model(map, name))
            continue;

        m = g_new0(DcCustomModel, 1);
        m->name = g_strdup(name);
        if (json_object_object_get_ex(def, "unavailable-features", &unavail) &&
            json_object_is_type(unavail, json_type_array))
            m->usable = g_strdup(json_object_array_length(unavail) ? "no" : "yes");
        else
            m->usable = g_strdup("unknown");
        m->vendor = g_strdup(filter && dc_cpu_map_model_vendor(map, name) ?
                             dc_cpu_map_model_vendor(map, name) : "unknown");
        m->canonical = filter ? g_strdup(dc_cpu_map_model_canonical(map, name)) : NULL;
        m->deprecated = dc_json_bool(def, "deprecated", FALSE);
        if (unavail && json_object_is_type(unavail, json_type_array) &&
            json_object_array_length(unavail) > 0) {
            g_autoptr(GPtrArray) b = g_ptr_array_new();
            for (size_t k = 0; k < json_object_array_length(unavail); k++) {
                const char *f = json_object_get_string(json_object_array_get_idx(unavail, k));
                if (f)
                    g_ptr_array_add(b, g_strdup(family == DC_CPU_FAMILY_X86 ? dc_cpu_x86_feature_name(f) : f));
            }
            g_ptr_array_add(b, NULL);
            m->blockers = (char **)g_ptr_array_steal(b, NULL);
        }
        g_ptr_array_add(list, m);
    }

    return g_steal_pointer(&list);
}
