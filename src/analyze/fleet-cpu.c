/* The fleet's CPU: the baseline of the hosts' host-model CPUs among the
 * models every host can run, without what blocks migration. */
#include "analyze/fleet.h"
#include "cpu/cpuops.h"
#include "cpu/x86map.h"
#include "domcaps.h"

/* The children of host-model that make its CPU (maxphysaddr is the host's
 * address width, compared on its own). */
static const char *const cpu_children[] = { "model", "vendor", "feature" };

DcCpuDef *dc_fleet_mode_cpu(const DcNode *mode, GError **err)
{
    g_autoptr(DcNode) cpu = dc_node_new("cpu");
    for (guint i = 0; i < mode->children.len; i++) {
        const DcNode *c = mode->children.pdata[i];
        for (gsize k = 0; k < G_N_ELEMENTS(cpu_children); k++)
            if (strcmp(c->name, cpu_children[k]) == 0)
                dc_node_append(cpu, dc_node_copy(c));
    }
    g_autoptr(GError) lv = NULL;
    DcCpuDef *def = dc_cpu_def_parse(cpu, DC_CPU_TYPE_GUEST, &lv);
    if (!def) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_CPU, "%s", lv->message);
        return NULL;
    }
    if (!def->model) {
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_CPU, "its host-model CPU names no model");
        dc_cpu_def_free(def);
        return NULL;
    }
    def->fallback = DC_CPU_FALLBACK_FORBID;
    return def;
}

static gboolean known_feature(const char *name, DcCpuPolicy policy, gpointer map)
{
    return dc_x86_map_feature(map, name) != NULL;
}

DcCpuDef *dc_fleet_baseline(const char *arch, const char *cpu_map_dir, GPtrArray *cpus,
                            const char *const *models, GError **err)
{
    g_autoptr(GError) lv = NULL;
    g_autoptr(DcCpuMap) map = dc_cpu_map_load(cpu_map_dir, arch, &lv);
    if (map && dc_cpu_map_family(map) == DC_CPU_FAMILY_X86) {
        /* a feature newer than this CPU map: another host may lack it */
        for (guint i = 0; i < cpus->len; i++)
            dc_cpu_def_filter_features(cpus->pdata[i], known_feature, dc_cpu_map_x86(map));
    }
    g_clear_error(&lv);
    g_autoptr(GHashTable) usable = dc_hv_models_new();
    for (const char *const *m = models; m && *m; m++)
        dc_hv_models_add(usable, *m, NULL);
    DcCpuDef *base = dc_cpu_baseline(arch, cpu_map_dir, (DcCpuDef *const *)cpus->pdata, cpus->len, usable, NULL,
                                     TRUE, &lv);
    if (!base) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_CPU, "%s", lv->message);
        return NULL;
    }
    if (!g_strv_contains(models, base->model)) {   /* name-only baselines (ppc64, arm) ignore @models */
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_CPU,
                    "their common CPU model %s is not usable on every host", base->model);
        dc_cpu_def_free(base);
        return NULL;
    }
    base->type = DC_CPU_TYPE_GUEST;
    base->mode = DC_CPU_MODE_CUSTOM;
    base->match = DC_CPU_MATCH_EXACT;
    base->fallback = DC_CPU_FALLBACK_FORBID;
    return base;
}

DcNode *dc_fleet_mode_node(const DcCpuDef *cpu, guint phys_limit)
{
    DcNode *mode = dc_node_new("mode");
    dc_node_set_attr(mode, "name", "host-model");
    dc_node_set_supported(mode, TRUE);
    DcNode *model = dc_node_add_text(mode, "model", cpu->model);
    dc_node_set_attr(model, "fallback", "forbid");
    if (cpu->vendor)
        dc_node_add_text(mode, "vendor", cpu->vendor);
    if (phys_limit) {
        DcNode *addr = dc_node_add(mode, "maxphysaddr");
        dc_node_set_attr(addr, "mode", "passthrough");
        dc_node_set_attr_printf(addr, "limit", "%u", phys_limit);
    }
    for (guint i = 0; i < cpu->features->len; i++) {
        const DcCpuDefFeature *f = dc_cpu_def_feature(cpu, i);
        DcNode *feature = dc_node_add(mode, "feature");
        dc_node_set_attr(feature, "policy", dc_cpu_policy_name(f->policy));
        dc_node_set_attr(feature, "name", f->name);
    }
    return mode;
}
