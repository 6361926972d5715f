/* The host CPU's features as the schedulers' labellers read them: the
 * host-model CPU of the document with every feature its model implies
 * (what `virsh hypervisor-cpu-baseline --features` prints for the
 * document, and how nova expands the host CPU). */
#include "analyze/publish.h"
#include "analyze/fleet.h"
#include "cpu/cpuops.h"
#include "domcaps.h"

static const DcNode *host_model_of(const DcNode *doc)
{
    const DcNode *cpu = dc_node_child(doc, "cpu", NULL);
    const DcNode *mode = cpu ? dc_node_child(cpu, "mode", "host-model") : NULL;
    return dc_node_is_supported(mode) ? mode : NULL;
}

GPtrArray *dc_host_cpu_features(const DcNode *doc, const char *cpu_map_dir, GError **err)
{
    const DcNode *arch = dc_node_child(doc, "arch", NULL);
    const DcNode *mode = host_model_of(doc);
    if (!mode || !arch || !arch->text) {
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_CPU, "the document has no host-model CPU");
        return NULL;
    }
    g_autoptr(DcCpuDef) cpu = dc_fleet_mode_cpu(mode, err);
    if (!cpu)
        return NULL;
    g_autoptr(GError) lv = NULL;
    if (dc_cpu_family_for_arch(arch->text) == DC_CPU_FAMILY_X86 &&
        !dc_cpu_expand_features(arch->text, cpu_map_dir, cpu, &lv)) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_CPU, "%s", lv->message);
        return NULL;
    }
    dc_cpu_def_sort_features(cpu);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < cpu->features->len; i++) {
        const DcCpuDefFeature *f = dc_cpu_def_feature(cpu, i);
        if (f->policy == DC_CPU_POLICY_REQUIRE || f->policy == DC_CPU_POLICY_FORCE)
            g_ptr_array_add(names, g_strdup(f->name));
    }
    return names;
}
