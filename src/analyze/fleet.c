/* A fleet's documents taken one at a time (fleet.h): the running
 * intersection (intersect.c) and the host-model CPUs while they come, the
 * rules that make the intersection safe to migrate at the end. */
#include "analyze/fleet.h"
#include "domcaps.h"

/* The reasons a model cannot run on some host (<blockers model=M>), of
 * every host: a model is blocked in a fleet where any host blocks it. */
typedef struct {
    GPtrArray *features;   /* in the order first seen */
    GHashTable *seen;
} Blockers;

/* Documents taken are folded this many at a time: a batch makes one new
 * intersection tree instead of one per host, and holds at most this many
 * documents in memory. */
#define FOLD_BATCH 32

struct DcFleet {
    DcFleetFlags flags;
    GPtrArray *pending;        /* DcNode: documents taken, not folded yet */
    char *domain;              /* the first document's domain type */
    char *cpu_map_dir;
    guint n;
    DcNode *acc;               /* what every document so far allows, blockers left out */
    char *arch;
    DcNode *host_model;        /* the first document's host-model <mode>, NULL when it has none */
    DcCpuDef *first_cpu;       /* its CPU, NULL when it has none */
    guint first_limit;         /* its maxphysaddr limit, 0 when none */
    gboolean same_host_model;  /* every document's host-model CPU is the first's */
    DcNode *cpu_section;       /* the first document's <cpu>, while every one's is the same */
    gboolean tcg;              /* the documents are TCG's (domain type qemu) */
    GPtrArray *cpus;           /* DcCpuDef: every host's host-model CPU, while all have one */
    char *no_cpu;              /* why some host has none */
    guint phys_limit;          /* the smallest maxphysaddr limit, 0: not every host states one */
    GHashTable *blockers;      /* model -> Blockers */
    gboolean any_blockers;
    DcTable *table;
    DcCpuDef *cpu;             /* the fleet's CPU, once made */
    GError *cpu_error;
    DcFleetDispose dispose;    /* frees the documents taken, NULL: dc_node_free() */
    gpointer dispose_data;
};

void dc_fleet_set_dispose(DcFleet *f, DcFleetDispose dispose, gpointer data)
{
    f->dispose = dispose;
    f->dispose_data = data;
}

/* @node, of a document taken (@f NULL: one of the fleet's own), freed. */
static void dispose(DcFleet *f, DcNode *node)
{
    if (f && f->dispose)
        f->dispose(node, f->dispose_data);
    else
        dc_node_free(node);
}

static void blockers_free(Blockers *b)
{
    g_ptr_array_unref(b->features);
    g_hash_table_unref(b->seen);
    g_free(b);
}

DcFleet *dc_fleet_new(const char *cpu_map_dir, DcFleetFlags flags)
{
    DcFleet *f = g_new0(DcFleet, 1);
    f->flags = flags;
    f->cpu_map_dir = g_strdup(cpu_map_dir);
    f->same_host_model = TRUE;
    f->pending = g_ptr_array_new();
    f->cpus = g_ptr_array_new_with_free_func((GDestroyNotify)dc_cpu_def_free);
    f->blockers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)blockers_free);
    if (flags & DC_FLEET_TABLE)
        f->table = dc_table_new();
    return f;
}

void dc_fleet_free(DcFleet *f)
{
    if (!f)
        return;
    g_free(f->cpu_map_dir);
    for (guint i = 0; i < f->pending->len; i++)
        dispose(f, f->pending->pdata[i]);
    g_ptr_array_unref(f->pending);
    dc_node_free(f->acc);
    g_free(f->arch);
    g_free(f->domain);
    dc_node_free(f->host_model);
    dc_cpu_def_free(f->first_cpu);
    dc_node_free(f->cpu_section);
    g_ptr_array_unref(f->cpus);
    g_free(f->no_cpu);
    g_hash_table_unref(f->blockers);
    dc_table_free(f->table);
    dc_cpu_def_free(f->cpu);
    g_clear_error(&f->cpu_error);
    g_free(f);
}

guint dc_fleet_size(const DcFleet *f)
{
    return f->n;
}

DcTable *dc_fleet_table(DcFleet *f)
{
    return f->table;
}

static DcNode *cpu_mode(const DcNode *doc, const char *name)
{
    const DcNode *cpu = dc_node_child(doc, "cpu", NULL);
    return cpu ? dc_node_child(cpu, "mode", name) : NULL;
}

static void add_blockers(DcFleet *f, const DcNode *doc)
{
    const DcNode *custom = cpu_mode(doc, "custom");
    for (guint i = 0; custom && i < custom->children.len; i++) {
        const DcNode *b = custom->children.pdata[i];
        const char *model = dc_node_get_attr(b, "model");
        if (strcmp(b->name, "blockers") != 0 || !model)
            continue;
        f->any_blockers = TRUE;
        Blockers *set = g_hash_table_lookup(f->blockers, model);
        if (!set) {
            set = g_new0(Blockers, 1);
            set->features = g_ptr_array_new_with_free_func(g_free);
            set->seen = g_hash_table_new(g_str_hash, g_str_equal);
            g_hash_table_insert(f->blockers, g_strdup(model), set);
        }
        for (guint k = 0; k < b->children.len; k++) {
            const char *name = dc_node_get_attr(b->children.pdata[k], "name");
            if (!name || g_hash_table_contains(set->seen, name))
                continue;
            char *copy = g_strdup(name);
            g_ptr_array_add(set->features, copy);
            g_hash_table_add(set->seen, copy);
        }
    }
}

/* Blockers are kept apart (a fleet's are the union), so the running
 * intersection does not carry them. */
static void drop_blockers(DcFleet *f, DcNode *doc)
{
    DcNode *custom = cpu_mode(doc, "custom");
    if (!custom)
        return;
    /* in one pass: removing them one by one moves the rest each time */
    guint kept = 0;
    for (guint i = 0; i < custom->children.len; i++) {
        DcNode *c = custom->children.pdata[i];
        if (strcmp(c->name, "blockers") == 0)
            dispose(f, c);
        else
            custom->children.pdata[kept++] = c;
    }
    custom->children.len = kept;
}

static guint phys_limit_of(const DcNode *host_model)
{
    const DcNode *addr = host_model ? dc_node_child(host_model, "maxphysaddr", NULL) : NULL;
    if (!addr || g_strcmp0(dc_node_get_attr(addr, "mode"), "passthrough") != 0)
        return 0;
    guint64 v = g_ascii_strtoull(dc_node_get_attr(addr, "limit") ? dc_node_get_attr(addr, "limit") : "", NULL, 10);
    return v > 0 && v < 4096 ? (guint)v : 0;
}

/* Whether two host-model CPUs are the same CPU: model, vendor and the
 * features with their policies, in any order (libvirt lists them sorted
 * since 10.x, in CPUID order before). */
static gboolean same_cpu_def(const DcCpuDef *a, const DcCpuDef *b)
{
    if (!a || !b)
        return a == b;
    if (g_strcmp0(a->model, b->model) != 0 || g_strcmp0(a->vendor, b->vendor) != 0 ||
        a->features->len != b->features->len)
        return FALSE;
    for (guint i = 0; i < a->features->len; i++) {
        const DcCpuDefFeature *fa = dc_cpu_def_feature(a, i);
        gpointer pos = g_hash_table_lookup(b->feature_index, fa->name);
        if (!pos || dc_cpu_def_feature(b, GPOINTER_TO_UINT(pos) - 1)->policy != fa->policy)
            return FALSE;
    }
    return TRUE;
}

static void first_host(DcFleet *f, const DcNode *doc, const DcNode *hm)
{
    const DcNode *section = dc_node_child(doc, "cpu", NULL);
    const DcNode *domain = dc_node_child(doc, "domain", NULL);
    f->host_model = hm ? dc_node_copy(hm) : NULL;
    f->first_cpu = dc_node_is_supported(hm) ? dc_fleet_mode_cpu(hm, NULL) : NULL;
    f->phys_limit = f->first_limit = phys_limit_of(hm);
    f->cpu_section = section ? dc_node_copy(section) : NULL;
    f->tcg = domain && g_strcmp0(domain->text, "qemu") == 0;
}

/* The host's host-model CPU into the fleet's list, or why there is none. */
static void add_cpu(DcFleet *f, const char *name, const DcNode *doc)
{
    const DcNode *hm = cpu_mode(doc, "host-model");
    g_autoptr(GError) err = NULL;
    DcCpuDef *cpu = dc_node_is_supported(hm) ? dc_fleet_mode_cpu(hm, &err) : NULL;
    if (f->n == 1) {
        first_host(f, doc, hm);
    } else {
        const DcNode *section = dc_node_child(doc, "cpu", NULL);
        guint limit = phys_limit_of(hm);
        /* a format without maxphysaddr (libvirt < 9.3) does not say it differs */
        f->same_host_model &= same_cpu_def(cpu, f->first_cpu) &&
                              (!limit || !f->first_limit || limit == f->first_limit) &&
                              (cpu || !err) && (dc_node_is_supported(hm) == dc_node_is_supported(f->host_model));
        f->phys_limit = limit && f->phys_limit ? MIN(limit, f->phys_limit) : 0;
        if (f->cpu_section && (!section || !dc_node_equal(section, f->cpu_section)))
            g_clear_pointer(&f->cpu_section, dc_node_free);
    }
    if (f->no_cpu || !cpu) {
        if (!f->no_cpu) {
            g_autofree char *who = name ? g_strdup_printf("host %s", name) : g_strdup_printf("host %u", f->n);
            f->no_cpu = err ? g_strdup_printf("%s: %s", who, err->message)
                            : g_strdup_printf("%s has no host-model CPU", who);
            g_ptr_array_set_size(f->cpus, 0);
        }
        dc_cpu_def_free(cpu);
        return;
    }
    g_ptr_array_add(f->cpus, cpu);
}

/* Folds the documents waiting, and @doc (may be NULL), into the running
 * intersection at once. */
static gboolean fold(DcFleet *f, const DcNode *doc, GError **err)
{
    g_autoptr(GPtrArray) docs = g_ptr_array_new();
    if (f->acc)
        g_ptr_array_add(docs, f->acc);
    g_ptr_array_extend(docs, f->pending, NULL, NULL);
    if (doc)
        g_ptr_array_add(docs, (gpointer)doc);
    if (docs->len < 2 && (docs->len == 0 || f->acc))
        return TRUE;
    DcNode *next = dc_intersect((const DcNode *const *)docs->pdata, docs->len, err);
    if (!next)
        return FALSE;
    drop_blockers(NULL, next);
    dc_node_free(f->acc);
    f->acc = next;
    for (guint i = 0; i < f->pending->len; i++)
        dispose(f, f->pending->pdata[i]);
    g_ptr_array_set_size(f->pending, 0);
    return TRUE;
}

static const char *text_of(const DcNode *doc, const char *name)
{
    const DcNode *n = dc_node_child(doc, name, NULL);
    return n ? n->text : NULL;
}

/* Documents folded later are checked now, so that the error names the one
 * that cannot join (in dc_intersect()'s words). */
static gboolean joins(DcFleet *f, const DcNode *doc, GError **err)
{
    static const struct { const char *name, *what; } must_agree[] = {
        { "arch", "architectures" }, { "domain", "domain types" },
    };
    if (!f->n)
        return TRUE;
    for (gsize k = 0; k < G_N_ELEMENTS(must_agree); k++) {
        const char *first = k == 0 ? f->arch : f->domain, *mine = text_of(doc, must_agree[k].name);
        if (g_strcmp0(first, mine) != 0) {
            g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG,
                        "cannot intersect documents for different %s ('%s' and '%s')", must_agree[k].what,
                        first ? first : "", mine ? mine : "");
            return FALSE;
        }
    }
    return TRUE;
}

/* What the fleet keeps of @doc besides the intersection. */
static void keep(DcFleet *f, const char *name, const DcNode *doc)
{
    f->n++;
    if (f->flags & DC_FLEET_INTERSECT) {
        if (f->n == 1) {
            f->arch = g_strdup(text_of(doc, "arch"));
            f->domain = g_strdup(text_of(doc, "domain"));
        }
        add_cpu(f, name, doc);
        add_blockers(f, doc);
    }
    if (f->table)
        dc_table_add(f->table, doc, name);
}

gboolean dc_fleet_add(DcFleet *f, const char *name, const DcNode *doc, GError **err)
{
    if ((f->flags & DC_FLEET_INTERSECT) && (!joins(f, doc, err) || !fold(f, doc, err)))
        return FALSE;
    keep(f, name, doc);
    return TRUE;
}

gboolean dc_fleet_add_take(DcFleet *f, const char *name, DcNode *doc, GError **err)
{
    if (!(f->flags & DC_FLEET_INTERSECT)) {
        keep(f, name, doc);
        dispose(f, doc);
        return TRUE;
    }
    if (!joins(f, doc, err)) {
        dispose(f, doc);
        return FALSE;
    }
    keep(f, name, doc);
    drop_blockers(f, doc);   /* kept apart already: intersecting them would be wasted */
    g_ptr_array_add(f->pending, doc);
    return f->pending->len < FOLD_BATCH || fold(f, NULL, err);
}

/* The custom models every host can run. */
static GPtrArray *usable_models(const DcNode *doc)
{
    GPtrArray *names = g_ptr_array_new();
    const DcNode *custom = cpu_mode(doc, "custom");
    for (guint i = 0; custom && i < custom->children.len; i++) {
        const DcNode *m = custom->children.pdata[i];
        if (strcmp(m->name, "model") == 0 && m->text && g_strcmp0(dc_node_get_attr(m, "usable"), "yes") == 0)
            g_ptr_array_add(names, m->text);
    }
    g_ptr_array_add(names, NULL);
    return names;
}

const DcCpuDef *dc_fleet_cpu(DcFleet *f, GError **err)
{
    if (!fold(f, NULL, err))
        return NULL;
    if (!f->cpu && !f->cpu_error) {
        if (!f->n || f->no_cpu) {
            g_set_error(&f->cpu_error, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_CPU, "no CPU every host can run: %s",
                        f->no_cpu ? f->no_cpu : "no hosts");
        } else if (f->same_host_model) {
            f->cpu = dc_fleet_mode_cpu(f->host_model, &f->cpu_error);
        } else {
            g_autoptr(GPtrArray) models = usable_models(f->acc);
            g_autoptr(GError) why = NULL;
            f->cpu = dc_fleet_baseline(f->arch, f->cpu_map_dir, f->cpus, (const char *const *)models->pdata, &why);
            if (!f->cpu)
                g_set_error(&f->cpu_error, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_CPU, "no CPU every host can run: %s",
                            why->message);
        }
    }
    if (!f->cpu)
        g_propagate_error(err, g_error_copy(f->cpu_error));
    return f->cpu;
}

/* Turns @mode (a <mode> in @cpu) into supported='no' with no content. */
static void unsupport(DcNode *mode)
{
    dc_node_truncate(mode, 0);
    dc_node_set_supported(mode, FALSE);
}

/* Whether every host gives a guest the same CPU: their host-model CPUs
 * are the same; or, under TCG (where the CPU is QEMU's, not the host's),
 * their whole CPU sections are. */
static gboolean same_cpu(const DcFleet *f)
{
    return f->n == 1 || (f->same_host_model && dc_node_is_supported(f->host_model)) || (f->tcg && f->cpu_section);
}

/* host-passthrough and maximum give a guest the host's own CPU (or all
 * QEMU can do on it): safe to migrate only when that is the same. */
static void cpu_modes(DcFleet *f, DcNode *out)
{
    gboolean same = same_cpu(f);
    static const char *const host_cpu_modes[] = { "host-passthrough", "maximum" };
    for (gsize k = 0; k < G_N_ELEMENTS(host_cpu_modes) && !same; k++) {
        DcNode *mode = cpu_mode(out, host_cpu_modes[k]);
        if (mode)
            unsupport(mode);
    }
    DcNode *cpu = dc_node_child(out, "cpu", NULL);
    DcNode *hm = cpu_mode(out, "host-model");
    if (!hm || f->n == 1)
        return;
    const DcCpuDef *fleet_cpu = f->same_host_model ? NULL : dc_fleet_cpu(f, NULL);
    if (!f->same_host_model && !fleet_cpu) {
        unsupport(hm);
        return;
    }
    for (guint i = 0; i < cpu->children.len; i++)
        if (cpu->children.pdata[i] == hm) {
            /* the same CPU, however each host's libvirt listed it: the first's */
            cpu->children.pdata[i] = fleet_cpu ? dc_fleet_mode_node(fleet_cpu, f->phys_limit)
                                               : dc_node_copy(f->host_model);
            dc_node_free(hm);
        }
}

static DcNode *blockers_node(const char *model, const Blockers *b)
{
    DcNode *n = dc_node_new("blockers");
    dc_node_set_attr(n, "model", model);
    for (guint i = 0; i < b->features->len; i++)
        dc_node_set_attr(dc_node_add(n, "feature"), "name", b->features->pdata[i]);
    return n;
}

/* Each model no longer usable everywhere is followed by what blocks it on
 * any host, as libvirt lists a host's blockers. */
static void put_blockers(DcFleet *f, DcNode *out)
{
    DcNode *custom = cpu_mode(out, "custom");
    if (!custom || !f->any_blockers)
        return;
    DcNodes kids = custom->children;
    custom->children = (DcNodes){ NULL, 0, 0 };
    for (guint i = 0; i < kids.len; i++) {
        DcNode *m = kids.pdata[i];
        dc_node_append(custom, m);
        const Blockers *b = m->text ? g_hash_table_lookup(f->blockers, m->text) : NULL;
        if (strcmp(m->name, "model") == 0 && b && g_strcmp0(dc_node_get_attr(m, "usable"), "no") == 0)
            dc_node_append(custom, blockers_node(m->text, b));
    }
    g_free(kids.pdata);
}

DcNode *dc_fleet_intersection(DcFleet *f, GError **err)
{
    if (!fold(f, NULL, err))
        return NULL;
    if (!(f->flags & DC_FLEET_INTERSECT) || !f->acc) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, "no documents to intersect");
        return NULL;
    }
    DcNode *out = dc_node_copy(f->acc);
    /* the emulator's path is a host's, not a capability of the fleet */
    for (guint i = out->children.len; i-- > 0;)
        if (strcmp(((DcNode *)out->children.pdata[i])->name, "path") == 0)
            dc_node_remove(out, i);
    if (dc_node_child(out, "cpu", NULL))
        cpu_modes(f, out);
    put_blockers(f, out);
    return out;
}
