/* Public entry points beside domcaps_get(): the host-model changes of
 * libvirt's newer domcapabilities flags and the firmware explanation. */
#include "config.h"
#include "domcaps.h"
#include "api-internal.h"
#include "cache/cache.h"
#include "cache/docmemo.h"
#include "cpu/cpu.h"
#include "host/firmware.h"
#include "host/kvm.h"
#include "probe/facts.h"
#include <string.h>
#include <unistd.h>

/* ---- domcaps_options.flags ---------------------------------------------- */

static GPtrArray *host_model_features(const DcNode *mode)
{
    GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)dc_cpu_feature_free);
    for (guint i = 0; i < mode->children->len; i++) {
        const DcNode *c = mode->children->pdata[i];
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

#define MSR_IA32_ARCH_CAPABILITIES 0x10a

void dc_api_apply_cpu_flags(DcNode *root, const DcFacts *facts, const DcHost *host, const char *accel,
                            const char *arch, const char *cpu_map_dir, unsigned int flags)
{
    DcNode *cpu = dc_node_child(root, "cpu", NULL);
    DcNode *mode = cpu ? dc_node_child(cpu, "mode", "host-model") : NULL;
    if (!flags || !mode || g_strcmp0(dc_node_get_attr(mode, "supported"), "yes") != 0)
        return;
    const DcNode *model = dc_node_child(mode, "model", NULL);
    json_object *expansion = dc_facts_accel(facts, accel, "cpu-expansion");
    json_object *expansion_nm = dc_facts_accel(facts, accel, "cpu-expansion-nonmigratable");
    g_autoptr(GPtrArray) features = host_model_features(mode);
    g_autoptr(DcCpuMap) map = NULL;
    if (cpu_map_dir && dc_cpu_family_for_arch(arch) == DC_CPU_FAMILY_X86) {
        g_autofree char *dir = dc_host_path(host, cpu_map_dir);
        map = dc_cpu_map_load(dir, arch, NULL);
    }

    /* What the host supports but host-model leaves out by default: the
     * IA32_ARCH_CAPABILITIES features (QEMU 10.1 and newer masks the MSR),
     * as KVM offers them, and as QEMU's expansions report them. */
    if ((flags & DOMCAPS_GET_SUPPORTED_CPU_FEATURES) && map) {
        g_autoptr(GPtrArray) extra = dc_cpu_x86_arch_capabilities_features(map, expansion, expansion_nm);
        guint64 msr = 0;
        if (strcmp(accel, "kvm") == 0 && dc_host_kvm_feature_msr(host, MSR_IA32_ARCH_CAPABILITIES, &msr)) {
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
    if (flags & DOMCAPS_GET_DISABLE_DEPRECATED_FEATURES)
        add_deprecated(features, expansion);
    if ((flags & DOMCAPS_GET_EXPAND_CPU_FEATURES) && map && model) {
        GPtrArray *expanded = dc_cpu_x86_expand_features(map, model->text, features, NULL);
        if (expanded) {
            g_ptr_array_unref(features);
            features = expanded;
        }
    }

    /* Replace the <feature> children, keeping model and vendor first. */
    for (guint i = mode->children->len; i-- > 0;) {
        DcNode *c = mode->children->pdata[i];
        if (strcmp(c->name, "feature") == 0)
            g_ptr_array_remove_index(mode->children, i);
    }
    for (guint i = 0; i < features->len; i++) {
        const DcCpuFeature *f = features->pdata[i];
        DcNode *fn = dc_node_add(mode, "feature");
        dc_node_set_attr(fn, "policy", f->policy);
        dc_node_set_attr(fn, "name", f->name);
    }
}

/* ---- firmware ---------------------------------------------------------- */

char **domcaps_explain_firmware(const domcaps_options *opts, const domcaps_doc *doc)
{
    g_autoptr(DcHost) host = dc_host_new(opts ? opts->root : NULL, geteuid() == 0, g_get_user_config_dir());
    g_autoptr(GPtrArray) lines = dc_firmware_explain(host, domcaps_doc_arch(doc), domcaps_doc_machine(doc));
    GStrvBuilder *b = g_strv_builder_new();
    for (guint i = 0; i < lines->len; i++)
        g_strv_builder_add(b, lines->pdata[i]);
    char **out = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return out;
}

