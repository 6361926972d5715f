/* The host-model CPU changed by libvirt's newer domcapabilities flags
 * (domcaps_options.flags, DOMCAPS_GET_*): part of the host-model assembly,
 * on the CPU map the <cpu> section loaded. */
#include "domcaps.h"
#include "caps/sections.h"
#include "cpu/cpu.h"
#include "host/kvm.h"
#include <string.h>

#define MSR_IA32_ARCH_CAPABILITIES 0x10a

static GPtrArray *host_model_features(const DcNode *mode)
{
    GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)dc_cpu_feature_free);
    for (guint i = 0; i < mode->children.len; i++) {
        const DcNode *c = mode->children.pdata[i];
        if (strcmp(c->name, "feature") != 0)
            continue;
        DcCpuFeature *f = g_new0(DcCpuFeature, 1);
        f->name = g_strdup(dc_node_get_attr(c, "name"));
        f->policy = g_strdup(dc_node_get_attr(c, "policy"));
        g_ptr_array_add(list, f);
    }
    return list;
}

static DcCpuFeature *feature_find(GPtrArray *list, const char *name)
{
    for (guint i = 0; i < list->len; i++) {
        DcCpuFeature *f = list->pdata[i];
        if (g_strcmp0(f->name, name) == 0)
            return f;
    }
    return NULL;
}

static void feature_set(GPtrArray *list, const char *name, const char *policy)
{
    DcCpuFeature *f = feature_find(list, name);
    if (!f) {
        f = g_new0(DcCpuFeature, 1);
        f->name = g_strdup(name);
        g_ptr_array_add(list, f);
    } else {
        g_free(f->policy);
    }
    f->policy = g_strdup(policy);
}

/* QEMU (9.1 and newer, s390x) lists the features it deprecates for a model
 * in "deprecated-props" of the expansion reply. */
static void add_deprecated(GPtrArray *list, json_object *expansion)
{
    json_object *dep = NULL, *model = NULL;
    if (!expansion)
        return;
    if (!json_object_object_get_ex(expansion, "deprecated-props", &dep) &&
        json_object_object_get_ex(expansion, "model", &model))
        json_object_object_get_ex(model, "deprecated-props", &dep);
    for (size_t i = 0; dep && json_object_is_type(dep, json_type_array) && i < json_object_array_length(dep); i++) {
        json_object *n = json_object_array_get_idx(dep, i);
        if (json_object_is_type(n, json_type_string))
            feature_set(list, json_object_get_string(n), "disable");
    }
}

/* What the host supports but host-model leaves out by default (libvirt
 * 12.5's --supported-cpu-features): the IA32_ARCH_CAPABILITIES features
 * (QEMU 10.1 and newer masks the MSR) as KVM offers them, and as QEMU's
 * expansions report them. */
static void add_supported_features(const DcCapsCtx *ctx, const DcCpuMap *map, GPtrArray *features)
{
    json_object *expansion = dc_facts_accel(ctx->facts, ctx->accel, "cpu-expansion");
    json_object *expansion_nm = dc_facts_accel(ctx->facts, ctx->accel, "cpu-expansion-nonmigratable");
    g_autoptr(GPtrArray) extra = dc_cpu_x86_arch_capabilities_features(map, expansion, expansion_nm);
    guint64 msr = 0;
    if (strcmp(ctx->accel, "kvm") == 0 && dc_host_kvm_feature_msr(ctx->host, MSR_IA32_ARCH_CAPABILITIES, &msr)) {
        g_autoptr(GPtrArray) from_kvm = dc_cpu_x86_msr_features(map, MSR_IA32_ARCH_CAPABILITIES, msr);
        for (guint i = 0; i < from_kvm->len; i++)
            if (!g_ptr_array_find_with_equal_func(extra, from_kvm->pdata[i], g_str_equal, NULL))
                g_ptr_array_add(extra, g_strdup(from_kvm->pdata[i]));
    }
    gboolean added = FALSE;
    for (guint i = 0; i < extra->len; i++) {
        if (!feature_find(features, extra->pdata[i])) {
            feature_set(features, extra->pdata[i], "require");
            added = TRUE;
        }
    }
    /* The MSR is only there for a guest whose CPUID says so. */
    if (added && !feature_find(features, "arch-capabilities"))
        feature_set(features, "arch-capabilities", "require");
}

void dc_caps_host_model_flags(const DcCapsCtx *ctx, const DcCpuMap *map, DcNode *mode)
{
    unsigned int flags = ctx->query->flags;
    if (!flags || !dc_node_is_supported(mode))
        return;
    gboolean x86 = map && dc_cpu_map_family(map) == DC_CPU_FAMILY_X86;
    const DcNode *model = dc_node_child(mode, "model", NULL);
    json_object *expansion = dc_facts_accel(ctx->facts, ctx->accel, "cpu-expansion");
    g_autoptr(GPtrArray) features = host_model_features(mode);

    if ((flags & DOMCAPS_GET_SUPPORTED_CPU_FEATURES) && x86)
        add_supported_features(ctx, map, features);
    if (flags & DOMCAPS_GET_DISABLE_DEPRECATED_FEATURES)
        add_deprecated(features, expansion);
    if ((flags & DOMCAPS_GET_EXPAND_CPU_FEATURES) && x86 && model) {
        GPtrArray *expanded = dc_cpu_x86_expand_features(map, model->text, features, NULL);
        if (expanded) {
            g_ptr_array_unref(features);
            features = expanded;
        }
    }

    /* Replace the <feature> children, keeping model and vendor first. */
    for (guint i = mode->children.len; i-- > 0;) {
        DcNode *c = mode->children.pdata[i];
        if (strcmp(c->name, "feature") == 0)
            dc_node_remove(mode, i);
    }
    for (guint i = 0; i < features->len; i++) {
        const DcCpuFeature *f = features->pdata[i];
        DcNode *fn = dc_node_add(mode, "feature");
        dc_node_set_attr(fn, "policy", f->policy);
        dc_node_set_attr(fn, "name", f->name);
    }
}
