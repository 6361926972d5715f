/* Assembly of the <domainCapabilities> tree. Each section has one function,
 * called in document order; values inside <devices> come from the table in
 * tables.c, the others from the sections' own small rules. */
#include "caps/caps.h"
#include "caps/sections.h"
#include "format/releases.h"
#include "host/kvm.h"
#include <sys/stat.h>

static const char *const device_elements[] = {
    "disk", "graphics", "video", "hostdev", "rng", "filesystem", "tpm", "redirdev", "channel",
    "crypto", "interface", "panic", "console", NULL,
};

/* Whether a <devices> child is supported at all (its enums are printed only
 * then): TPM and panic devices need at least one model, the others their
 * row of the support table, if they have one. */
static gboolean device_supported(const DcCapsCtx *ctx, const char *element, DcNode *dev)
{
    if (strcmp(element, "tpm") == 0 || strcmp(element, "panic") == 0) {
        DcNode *models = dc_node_child(dev, "enum", "model");
        return models && models->children.len > 0;
    }
    g_autofree char *path = g_strdup_printf("devices/%s", element);
    return !dc_support_cond(path, ctx->query->release) || dc_support_holds(path, ctx);
}

/* The <enum>s of @element from the value table, in its order. */
static void add_enums(const DcCapsCtx *ctx, DcNode *node, const char *element)
{
    DcNode *cur_enum = NULL;
    gboolean cur_omit_empty = FALSE;
    for (gsize i = 0; i < dc_device_enum_rows_len; i++) {
        const DcEnumRow *row = &dc_device_enum_rows[i];
        if (strcmp(row->element, element) != 0)
            continue;
        if (!cur_enum || strcmp(dc_node_get_attr(cur_enum, "name"), row->enum_name) != 0) {
            if (cur_enum && cur_omit_empty && cur_enum->children.len == 0)
                dc_node_remove_child(node, cur_enum);
            cur_enum = dc_node_add_enum(node, row->enum_name);
            cur_omit_empty = dc_enum_omit_empty(row->element, row->enum_name);
        }
        if (row->value && dc_cond_holds(&row->cond, ctx))
            dc_node_enum_add_value(cur_enum, row->value);
    }
    if (cur_enum && cur_omit_empty && cur_enum->children.len == 0)
        dc_node_remove_child(node, cur_enum);
}

static void assemble_devices(const DcCapsCtx *ctx, DcNode *root)
{
    DcNode *devices = dc_node_add(root, "devices");
    for (const char *const *el = device_elements; *el; el++) {
        DcNode *dev = dc_node_add(devices, *el);
        dc_node_set_supported(dev, TRUE);
        add_enums(ctx, dev, *el);
        if (!device_supported(ctx, *el, dev)) {
            dc_node_set_supported(dev, FALSE);
            dc_node_truncate(dev, 0);
        }
    }
}

static void assemble_memory_backing(const DcCapsCtx *ctx, DcNode *root)
{
    DcNode *mb = dc_node_add(root, "memoryBacking");
    dc_node_set_supported(mb, TRUE);
    add_enums(ctx, mb, "memoryBacking");
}

static void add_supported(DcNode *parent, const char *name, gboolean yes)
{
    dc_node_set_supported(dc_node_add(parent, name), yes);
}

static void assemble_features(const DcCapsCtx *ctx, DcNode *root)
{
    DcNode *features = dc_node_add(root, "features");
    dc_caps_add_gic(ctx, features);
    static const char *const plain[] = { "vmcoreinfo", "genid", "backingStoreInput", "backup", "async-teardown" };
    for (gsize i = 0; i < G_N_ELEMENTS(plain); i++) {
        g_autofree char *path = g_strdup_printf("features/%s", plain[i]);
        add_supported(features, plain[i], dc_support_holds(path, ctx));
    }
    dc_caps_add_s390_pv(ctx, features);
    dc_caps_add_ps2(ctx, features);
    dc_caps_add_tdx(ctx, features);
    dc_caps_add_sev(ctx, features);
    dc_caps_add_sgx(ctx, features);
    dc_caps_add_hyperv(ctx, features);
    dc_caps_add_launch_security(ctx, features);
}

static guint machine_max_cpus(const DcCapsCtx *ctx)
{
    json_object *machines = dc_facts_accel(ctx->facts, ctx->accel, "machines");
    for (size_t i = 0; machines && i < json_object_array_length(machines); i++) {
        json_object *m = json_object_array_get_idx(machines, i);
        if (g_strcmp0(dc_json_str(m, "name"), ctx->query->machine) == 0)
            return (guint)CLAMP(dc_json_int(m, "cpu-max", 0), 0, G_MAXINT);
    }
    return 0;
}

/* The <cpu> section costs most of a warm run (reading libvirt's CPU map), and
 * depends only on the QEMU facts, the CPU map, the host arch and the query's
 * accelerator and arch, so it is remembered under exactly those. */
static gboolean add_cpu_memoized(const DcCapsCtx *ctx, DcNode *root, json_object *memo, gboolean *changed,
                                 GError **err)
{
    if (!memo || !ctx->query->cpu_map_dir)
        return dc_caps_add_cpu(ctx, root, err);
    g_autofree char *dir = dc_host_path(ctx->host, ctx->query->cpu_map_dir);
    g_autofree char *index = g_build_filename(dir, "index.xml", NULL);
    dc_caps_depend_cpu_map(ctx);
    struct stat d, i;
    if (stat(dir, &d) < 0 || stat(index, &i) < 0)
        return dc_caps_add_cpu(ctx, root, err);
    g_autofree char *key = g_strdup_printf("cpu|%u|%u|%s|%s|%s|%s|%ld.%09ld|%ld.%09ld|%ld", ctx->query->release,
                                           ctx->query->flags,
                                           ctx->accel, ctx->query->arch,
                                           dc_host_arch(ctx->host), ctx->query->cpu_map_dir, (long)d.st_mtim.tv_sec,
                                           (long)d.st_mtim.tv_nsec, (long)i.st_mtim.tv_sec, (long)i.st_mtim.tv_nsec,
                                           (long)i.st_ino);
    json_object *hit = NULL;
    if (json_object_object_get_ex(memo, key, &hit)) {
        DcNode *cpu = dc_node_from_memo(hit);
        if (cpu) {
            dc_node_append(root, cpu);
            return TRUE;
        }
    }
    if (!dc_caps_add_cpu(ctx, root, err))
        return FALSE;
    DcNode *cpu = root->children.pdata[root->children.len - 1];
    json_object_object_add(memo, key, dc_node_to_memo(cpu));
    *changed = TRUE;
    return TRUE;
}

DcNode *dc_caps_assemble(const DcFacts *facts, const DcHost *host, const DcCapsQuery *query,
                         json_object *memo, gboolean *memo_changed, GError **err)
{
    DcCapsCtx ctx = {
        .facts = facts,
        .host = host,
        .query = query,
        .accel = strcmp(query->virttype, "kvm") == 0 ? "kvm" : "tcg",
    };
    g_autoptr(DcNode) root = dc_node_new("domainCapabilities");
    dc_node_add_text(root, "path", query->path);
    dc_node_add_text(root, "domain", query->virttype);
    if (query->machine)
        dc_node_add_text(root, "machine", query->machine);
    dc_node_add_text(root, "arch", query->arch);

    guint maxcpus = machine_max_cpus(&ctx);
    if (strcmp(ctx.accel, "kvm") == 0)
        maxcpus = MIN(maxcpus, dc_host_kvm_max_vcpus(host));
    if (maxcpus > 0)
        dc_node_set_attr_printf(dc_node_add(root, "vcpu"), "max", "%u", maxcpus);
    add_supported(root, "iothreads", dc_support_holds("iothreads", &ctx));

    if (!dc_caps_add_os(&ctx, root, err))
        return NULL;
    gboolean changed = FALSE;
    if (!add_cpu_memoized(&ctx, root, memo, &changed, err))
        return NULL;
    if (memo_changed)
        *memo_changed = changed;
    assemble_memory_backing(&ctx, root);
    assemble_devices(&ctx, root);
    assemble_features(&ctx, root);
    dc_release_prune(root, query->release);
    return g_steal_pointer(&root);
}
