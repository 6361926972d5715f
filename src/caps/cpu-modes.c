/* <cpu>: the four modes. host-model and custom come from QEMU's CPU model
 * answers read against libvirt's CPU map (src/cpu/); passthrough and maximum
 * from the accelerator and the host. */
#include "caps/sections.h"
#include "host/deps.h"
#include "host/kvm-guest.h"
#include "util/arch.h"
#include "cpu/cpu.h"
#include "format/releases.h"

static gboolean defs_have(json_object *defs, const char *name)
{
    for (size_t i = 0; defs && json_object_is_type(defs, json_type_array) && i < json_object_array_length(defs); i++)
        if (g_strcmp0(dc_json_str(json_object_array_get_idx(defs, i), "name"), name) == 0)
            return TRUE;
    return FALSE;
}

/* QEMU_CAPS_CPU_MAX: libvirt sets it from whichever probe of the binary
 * lists a "max" CPU, and keeps it with the binary. */
static gboolean binary_has_max_cpu(const DcCapsCtx *ctx)
{
    return defs_have(dc_facts_accel(ctx->facts, "kvm", "cpu-definitions"), "max") ||
           defs_have(dc_facts_accel(ctx->facts, "tcg", "cpu-definitions"), "max");
}

/* The guest can run on this host's CPU (virQEMUCapsGuestIsNative, with the
 * emulator's own arch, as libvirt asks it). */
static gboolean native(const DcCapsCtx *ctx)
{
    return dc_arch_is_native(ctx->query->emu_arch, dc_host_arch(ctx->host));
}

/* On s390 KVM, machines 2.4 to 2.7 know host-passthrough only. */
static gboolean passthrough_only(const DcCapsCtx *ctx)
{
    static const char *const machines[] = {
        "s390-ccw-virtio-2.4", "s390-ccw-virtio-2.5", "s390-ccw-virtio-2.6", "s390-ccw-virtio-2.7", NULL,
    };
    return dc_arch_is_s390(ctx->query->emu_arch) && strcmp(ctx->accel, "kvm") == 0 &&
           g_strv_contains(machines, ctx->query->machine ? ctx->query->machine : "");
}

/* "on" needs QEMU's migratable CPU property (libvirt looks for it on the
 * x86_64 and ARM max CPU types); maximum mode offers both regardless. */
static void add_migratable_enum(DcNode *mode, const char *enum_name, gboolean on)
{
    DcNode *e = dc_node_add_enum(mode, enum_name);
    if (on)
        dc_node_enum_add_value(e, "on");
    dc_node_enum_add_value(e, "off");
}

/* libvirt >= 9.3: KVM guests see the host's physical address bits. */
static void add_maxphysaddr(const DcCapsCtx *ctx, DcNode *mode)
{
    guint bits = strcmp(ctx->accel, "kvm") == 0 ? dc_host_phys_addr_bits(ctx->host) : 0;
    if (bits > 0) {
        DcNode *pa = dc_node_add(mode, "maxphysaddr");
        dc_node_set_attr(pa, "mode", "passthrough");
        dc_node_set_attr_printf(pa, "limit", "%u", bits);
    }
}

/* s390: QEMU's static expansion of the host CPU is the host model, each
 * boolean property a required (true) or disabled (false) feature; only a
 * native guest has one. */
static void add_host_model_s390(const DcCapsCtx *ctx, DcNode *mode, json_object *expansion)
{
    json_object *model = NULL, *props = NULL;
    const char *name = NULL;
    if (expansion && json_object_object_get_ex(expansion, "model", &model))
        name = dc_json_str(model, "name");
    gboolean ok = name && native(ctx);
    dc_node_set_supported(mode, ok);
    if (!ok)
        return;
    dc_node_set_attr(dc_node_add_text(mode, "model", name), "fallback", "forbid");
    if (!json_object_object_get_ex(model, "props", &props) || !json_object_is_type(props, json_type_object))
        return;
    json_object_object_foreach(props, key, val) {
        if (!json_object_is_type(val, json_type_boolean))
            continue;
        DcNode *fn = dc_node_add(mode, "feature");
        dc_node_set_attr(fn, "policy", json_object_get_boolean(val) ? "require" : "disable");
        dc_node_set_attr(fn, "name", key);
    }
}

/* virCPUModelIsAllowed: the model among QEMU's CPU definitions, whose
 * ppc64 names are the map's in lower case ("power8" for POWER8). */
static gboolean ppc64_qemu_knows(json_object *defs, const char *name)
{
    for (size_t i = 0; defs && json_object_is_type(defs, json_type_array) && i < json_object_array_length(defs); i++) {
        const char *def = dc_json_str(json_object_array_get_idx(defs, i), "name");
        if (def && g_ascii_strcasecmp(def, name) == 0)
            return TRUE;
    }
    return FALSE;
}

/* The host's CPUID, and a feature MSR as libvirt reads it (KVM's answer). */
static gboolean read_host_cpu(gpointer opaque, gboolean msr, guint32 in, guint32 sub, guint32 regs[4])
{
    const DcHost *host = opaque;
    guint64 value;
    if (!msr)
        return dc_host_cpuid_count(host, in, sub, regs);
    if (!dc_kvm_feature_msr(host, in, &value))
        return FALSE;
    regs[0] = (guint32)value;
    regs[3] = (guint32)(value >> 32);
    return TRUE;
}

static int compare_feature_names(const void *a, const void *b)
{
    const DcNode *fa = *(const DcNode *const *)a, *fb = *(const DcNode *const *)b;
    return g_strcmp0(dc_node_get_attr(fa, "name"), dc_node_get_attr(fb, "name"));
}

/* Releases that sort the host model's features print them by name, the
 * <feature> elements being the last children of the mode. */
static void sort_host_model_features(const DcCapsCtx *ctx, DcNode *mode)
{
    if (!mode || !dc_release_behaves(ctx->query->release, DC_BEHAVIOUR_SORTED_HOST_MODEL))
        return;
    guint first = mode->children.len;
    while (first > 0 && strcmp(((DcNode *)mode->children.pdata[first - 1])->name, "feature") == 0)
        first--;
    if (mode->children.len - first > 1)   /* (a mode without children has no array) */
        qsort(mode->children.pdata + first, mode->children.len - first, sizeof(gpointer), compare_feature_names);
}

static void add_host_model(const DcCapsCtx *ctx, const DcCpuMap *map, DcNode *cpu)
{
    DcNode *mode = dc_node_add(cpu, "mode");
    dc_node_set_attr(mode, "name", "host-model");
    json_object *expansion = dc_facts_accel(ctx->facts, ctx->accel, "cpu-expansion");
    json_object *expansion_nm = dc_facts_accel(ctx->facts, ctx->accel, "cpu-expansion-nonmigratable");
    json_object *defs = dc_facts_accel(ctx->facts, ctx->accel, "cpu-definitions");
    if (passthrough_only(ctx)) {
        dc_node_set_supported(mode, FALSE);
        return;
    }
    if (dc_arch_is_s390(ctx->query->arch)) {
        add_host_model_s390(ctx, mode, expansion);
        return;
    }
    if (dc_arch_is_ppc64(ctx->query->arch)) {
        /* ppc64: QEMU does not expand the host CPU; libvirt names the map
         * model of the host's processor version register, fallback allowed,
         * when QEMU knows that model. */
        guint32 pvr = native(ctx) ? dc_host_ppc64_pvr(ctx->host) : 0;
        const char *name = pvr ? dc_cpu_map_ppc64_model_for_pvr(map, pvr) : NULL;
        if (name && !ppc64_qemu_knows(defs, name))
            name = NULL;
        dc_node_set_supported(mode, name != NULL);
        if (name) {
            dc_node_set_attr(dc_node_add_text(mode, "model", name), "fallback", "allow");
            add_maxphysaddr(ctx, mode);
        }
        return;
    }
    g_autoptr(DcHostModel) hm = NULL;
    gboolean canonical = dc_facts_has(ctx->facts, "object-prop:max-x86_64-cpu.unavailable-features");
    /* Only x86 decodes QEMU's expansion against the CPU map here; ARM,
     * LoongArch and the rest have no host model in libvirt. A QEMU that
     * cannot expand CPU models at all gets the host's own CPUID decoded. */
    if (map && dc_arch_is_x86(ctx->query->arch) && native(ctx)) {
        if (expansion)
            hm = dc_cpu_x86_host_model(map, expansion, expansion_nm, defs, canonical, NULL);
        else if (!dc_facts_has(ctx->facts, "schema:query-cpu-model-expansion"))
            hm = dc_cpu_x86_host_model_from_cpuid(map, read_host_cpu, (gpointer)ctx->host, defs, canonical, NULL);
    }
    dc_node_set_supported(mode, hm != NULL);
    if (!hm)
        return;
    DcNode *model = dc_node_add_text(mode, "model", hm->model);
    dc_node_set_attr(model, "fallback", hm->fallback ? hm->fallback : "forbid");
    if (hm->vendor)
        dc_node_add_text(mode, "vendor", hm->vendor);
    add_maxphysaddr(ctx, mode);
    for (guint i = 0; i < hm->features->len; i++) {
        const DcCpuFeature *f = hm->features->pdata[i];
        DcNode *fn = dc_node_add(mode, "feature");
        dc_node_set_attr(fn, "policy", f->policy);
        dc_node_set_attr(fn, "name", f->name);
    }
}

/* libvirt lists named CPU models only for arches its CPU drivers handle
 * (in the release); elsewhere (32-bit ppc, for one) QEMU's models are not
 * offered. */
static gboolean has_cpu_driver(const DcCapsCtx *ctx)
{
    return dc_arch_cpu_driver(ctx->query->arch, ctx->query->release) != DC_ARCH_CPU_NONE;
}

static gint cmp_model_names(gconstpointer a, gconstpointer b)
{
    return strcmp((*(const DcCustomModel *const *)a)->name, (*(const DcCustomModel *const *)b)->name);
}

static gint cmp_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* <blockers model='M'>: the features QEMU lacks for M, sorted, once each. */
static void add_blockers(DcNode *mode, const DcCustomModel *m)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    for (char **b = m->blockers; *b; b++)
        g_ptr_array_add(names, *b);
    g_ptr_array_sort(names, cmp_strings);
    DcNode *bl = dc_node_add(mode, "blockers");
    dc_node_set_attr(bl, "model", m->name);
    for (guint i = 0; i < names->len; i++) {
        if (i > 0 && strcmp(names->pdata[i], names->pdata[i - 1]) == 0)
            continue;
        dc_node_set_attr(dc_node_add(bl, "feature"), "name", names->pdata[i]);
    }
}

static void add_custom(const DcCapsCtx *ctx, const DcCpuMap *map, DcNode *cpu)
{
    DcNode *mode = dc_node_add(cpu, "mode");
    dc_node_set_attr(mode, "name", "custom");
    json_object *defs = dc_facts_accel(ctx->facts, ctx->accel, "cpu-definitions");
    g_autoptr(GPtrArray) models = NULL;
    if (defs && has_cpu_driver(ctx) && !passthrough_only(ctx))
        models = dc_cpu_custom_models(map, defs, NULL);
    dc_node_set_supported(mode, models && models->len > 0);
    if (models && dc_release_behaves(ctx->query->release, DC_BEHAVIOUR_SORTED_CPU_MODELS))
        g_ptr_array_sort(models, cmp_model_names);
    for (guint i = 0; models && i < models->len; i++) {
        const DcCustomModel *m = models->pdata[i];
        DcNode *mn = dc_node_add_text(mode, "model", m->name);
        dc_node_set_attr(mn, "usable", m->usable);
        if (m->deprecated)
            dc_node_set_attr(mn, "deprecated", "yes");
        if (dc_arch_is_s390(ctx->query->arch) && dc_release_behaves(ctx->query->release, DC_BEHAVIOUR_S390_MODEL_VENDOR) &&
            (g_str_has_prefix(m->name, "z") || g_str_has_prefix(m->name, "gen")))
            dc_node_set_attr(mn, "vendor", "IBM");
        else if (m->vendor)
            dc_node_set_attr(mn, "vendor", m->vendor);
        if (m->canonical)
            dc_node_set_attr(mn, "canonical", m->canonical);
        if (m->blockers && g_strcmp0(m->usable, "no") == 0)
            add_blockers(mode, m);
    }
}

/* A document with CPU models depends on the CPU map, known by its directory
 * (files added or removed) and its index (which names the model files). */
void dc_caps_depend_cpu_map(const DcCapsCtx *ctx)
{
    g_autofree char *index = g_build_filename(ctx->query->cpu_map_dir, "index.xml", NULL);
    dc_host_depend(ctx->host, ctx->query->cpu_map_dir, DC_DEP_LIST);
    dc_host_depend(ctx->host, index, DC_DEP_READ);
}

gboolean dc_caps_add_cpu(const DcCapsCtx *ctx, DcNode *root, GError **err)
{
    DcNode *cpu = dc_node_add(root, "cpu");
    gboolean kvm = strcmp(ctx->accel, "kvm") == 0;

    DcNode *pt = dc_node_add(cpu, "mode");
    dc_node_set_attr(pt, "name", "host-passthrough");
    gboolean pt_ok = kvm && native(ctx);
    dc_node_set_supported(pt, pt_ok);
    if (pt_ok)
        add_migratable_enum(pt, "hostPassthroughMigratable",
                            dc_facts_has(ctx->facts, "object-prop:max-x86_64-cpu.migratable") ||
                                dc_facts_has(ctx->facts, "object-prop:max-arm-cpu.migratable"));

    DcNode *max = dc_node_add(cpu, "mode");
    dc_node_set_attr(max, "name", "maximum");
    gboolean max_ok = binary_has_max_cpu(ctx) && !passthrough_only(ctx);
    dc_node_set_supported(max, max_ok);
    if (max_ok)
        add_migratable_enum(max, "maximumMigratable", TRUE);

    g_autoptr(DcCpuMap) map = NULL;
    if (ctx->query->cpu_map_dir && dc_cpu_family_for_arch(ctx->query->arch) != DC_CPU_FAMILY_NONE) {
        /* An arch whose models libvirt reads from its map: without the map
         * the answer would be a different one, not a smaller one. */
        g_autofree char *dir = dc_host_path(ctx->host, ctx->query->cpu_map_dir);
        g_autoptr(GError) map_err = NULL;
        dc_caps_depend_cpu_map(ctx);
        if (!(map = dc_cpu_map_load(dir, ctx->query->arch, &map_err))) {
            g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_NO_MAP, "cannot read libvirt's CPU map %s: %s",
                        ctx->query->cpu_map_dir, map_err->message);
            return FALSE;
        }
    }
    add_host_model(ctx, map, cpu);
    DcNode *host_model = dc_node_child(cpu, "mode", "host-model");
    dc_caps_host_model_flags(ctx, map, host_model);
    sort_host_model_features(ctx, host_model);
    add_custom(ctx, map, cpu);
    return TRUE;
}
