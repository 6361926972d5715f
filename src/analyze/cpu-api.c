/* The public entry points of the CPU commands (include/domcaps.h): each
 * follows the daemon's function of the same job (qemuConnectBaselineCPU,
 * qemuConnectBaselineHypervisorCPU, qemuConnectCompareHypervisorCPU,
 * qemuConnectGetCPUModelNames) step for step, so errors come in the same
 * order with the same words. */
#include "analyze/cpu.h"
#include "util/arch.h"
#include "format/releases.h"
#include "cpu/lverror.h"
#include "host/host.h"
#include <string.h>
#include <unistd.h>

#define DEFAULT_CPU_MAP "/usr/share/libvirt/cpu_map"

/* The public code of each libvirt error kind. */
static const domcaps_error_code public_codes[] = {
    [DC_LV_INTERNAL] = DOMCAPS_ERROR_INVALID_CPU,
    [DC_LV_NO_SUPPORT] = DOMCAPS_ERROR_UNSUPPORTED,
    [DC_LV_INVALID_ARG] = DOMCAPS_ERROR_INVALID_ARG,
    [DC_LV_OPERATION_FAILED] = DOMCAPS_ERROR_INVALID_CPU,
    [DC_LV_XML_ERROR] = DOMCAPS_ERROR_INVALID_XML,
    [DC_LV_CONFIG_UNSUPPORTED] = DOMCAPS_ERROR_INVALID_XML,
    [DC_LV_OPERATION_UNSUPPORTED] = DOMCAPS_ERROR_UNSUPPORTED,
    [DC_LV_CPU_INCOMPATIBLE] = DOMCAPS_ERROR_CPU_INCOMPATIBLE,
    [DC_LV_XML_DETAIL] = DOMCAPS_ERROR_INVALID_XML,
    [DC_LV_SYSTEM] = DOMCAPS_ERROR_IO,
    [DC_LV_XML_INVALID_SCHEMA] = DOMCAPS_ERROR_INVALID_XML,
    [DC_LV_NO_EMULATOR] = DOMCAPS_ERROR_NO_EMULATOR,
    [DC_LV_BAD_EMULATOR] = DOMCAPS_ERROR_NO_EMULATOR,
    [DC_LV_OPERATION_INVALID] = DOMCAPS_ERROR_INVALID_ARG,
};

/* Hands @lv on as a DOMCAPS_ERROR with the same text. */
static void publish(GError **err, GError *lv)
{
    int code = lv->domain == DC_LV_ERROR && lv->code >= 0 && (gsize)lv->code < G_N_ELEMENTS(public_codes)
                   ? (int)public_codes[lv->code] : DOMCAPS_ERROR_INVALID_CPU;
    g_set_error_literal(err, DOMCAPS_ERROR, code, lv->message);
    g_error_free(lv);
}

static char **strv_take(GPtrArray *list)
{
    g_ptr_array_set_free_func(list, NULL);
    g_ptr_array_add(list, NULL);
    return (char **)g_ptr_array_free(list, FALSE);
}

/* Whether the release of @opts words XML errors "at line N: ..." (11.3
 * and later) rather than after the document's name (9.0). */
static gboolean errors_at_line(const domcaps_options *opts)
{
    return dc_cpu_release(opts, NULL) >= DC_RELEASE_11_3;
}

static char **extract(const domcaps_options *opts, const char *data, gssize len, const char *name, GError **err)
{
    GError *lv = NULL;
    gsize n = data ? (len < 0 ? strlen(data) : strnlen(data, (gsize)len)) : 0;
    GPtrArray *cpus = dc_cpu_extract(data ? data : "", n, name ? name : "(CPU_definition)", errors_at_line(opts), &lv);
    if (!cpus) {
        publish(err, lv);
        return NULL;
    }
    return strv_take(cpus);
}

char **domcaps_cpu_extract(const char *data, gssize len, const char *name, GError **err)
{
    return extract(NULL, data, len, name, err);
}

char **domcaps_cpu_extract_file_for(const domcaps_options *opts, const char *path, GError **err)
{
    GError *lv = NULL;
    gsize len = 0;
    g_autofree char *data = dc_cpu_read_file(path, &len, &lv);
    if (!data) {
        publish(err, lv);
        return NULL;
    }
    return extract(opts, data, (gssize)len, path, err);
}

char **domcaps_cpu_extract_file(const char *path, GError **err)
{
    return domcaps_cpu_extract_file_for(NULL, path, err);
}

/* Whether @cpu has a <feature> without a policy: a host CPU definition. */
static gboolean is_host_definition(const char *cpu)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(DcNode) root = dc_cpu_parse_xml(cpu, strlen(cpu), "(CPU_definition)", &e);
    for (guint i = 0; root && i < root->children.len; i++) {
        const DcNode *c = root->children.pdata[i];
        if (g_strcmp0(c->name, "feature") == 0 && !dc_node_get_attr(c, "policy"))
            return TRUE;
    }
    return FALSE;
}

char **domcaps_cpu_warnings(const domcaps_options *opts, const char *const *cpus, guint n)
{
    GStrvBuilder *b = g_strv_builder_new();
    /* virsh, before it asks the daemon, once per CPU: 11.3's as an error
     * (that does not stop it), 12.9's as a warning; 9.0's says nothing */
    guint release = dc_cpu_release(opts, NULL);
    const char *prefix = release >= DC_RELEASE_12_9 ? "warning" : "error";
    for (guint i = 0; release >= DC_RELEASE_11_3 && i < n; i++) {
        if (cpus[i] && is_host_definition(cpus[i])) {
            g_autofree char *line = g_strdup_printf("%s: using host CPU definition as input may provide incorrect "
                                                    "results", prefix);
            g_strv_builder_add(b, line);
        }
    }
    char **out = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return out;
}

/* The CPU map directory of @opts, under its root. */
static char *map_dir(const domcaps_options *opts)
{
    g_autoptr(DcHost) host = dc_host_new(opts ? opts->root : NULL, geteuid() == 0, NULL);
    return dc_host_path(host, opts && opts->cpu_map_dir ? opts->cpu_map_dir : DEFAULT_CPU_MAP);
}

/* virCPUDefListParse(): every string read, as @type. */
static GPtrArray *read_cpus(const domcaps_options *opts, const char *const *cpus, guint n, DcCpuType type,
                            GError **err)
{
    if (!n) {
        dc_lv_error(err, DC_LV_INVALID_ARG, "no CPUs given");
        return NULL;
    }
    GPtrArray *defs = g_ptr_array_new_with_free_func((GDestroyNotify)dc_cpu_def_free);
    for (guint i = 0; i < n; i++) {
        DcCpuDef *def = dc_cpu_read(cpus[i], type, FALSE, errors_at_line(opts), err);
        if (!def) {
            g_ptr_array_unref(defs);
            return NULL;
        }
        g_ptr_array_add(defs, def);
    }
    return defs;
}

typedef struct {
    const char *arch;
    guint release;
} FilterData;

/* Features QEMU was never given, for x86 (virQEMUCapsCPUFilterFeatures);
 * libvirt 12.9 leaves out those QEMU sets from the topology too (seen
 * live: 11.3 not checked, so from 12.9 on). */
static gboolean qemu_feature(const char *name, DcCpuPolicy policy, gpointer data)
{
    static const char *const dropped[] = { "cmt", "mbm_total", "mbm_local", "osxsave", "ospke", NULL };
    static const char *const topology[] = { "ht", "cmp_legacy", NULL };
    const FilterData *f = data;
    if (g_strcmp0(dc_cpu_driver_for_arch(f->arch), "x86") != 0)
        return TRUE;
    return !g_strv_contains(dropped, name) && (f->release < DC_RELEASE_12_9 || !g_strv_contains(topology, name));
}

static char *finish(DcCpuDef *cpu, const char *arch, const char *dir, unsigned int flags, GError **err)
{
    if ((flags & DOMCAPS_CPU_BASELINE_EXPAND_FEATURES) && !dc_cpu_expand_features(arch, dir, cpu, err))
        return NULL;
    return dc_cpu_def_format(cpu, err);
}

static char *cpu_baseline(const domcaps_options *opts, const char *const *cpus, guint n, unsigned int flags,
                          GError **err)
{
    g_autoptr(GPtrArray) defs = read_cpus(opts, cpus, n, DC_CPU_TYPE_HOST, err);
    g_autofree char *dir = map_dir(opts);
    if (!defs)
        return NULL;
    FilterData filter = { ((DcCpuDef *)defs->pdata[0])->arch, dc_cpu_release(opts, err) };
    if (!filter.release)
        return NULL;
    g_autoptr(DcCpuDef) base = dc_cpu_baseline(NULL, dir, (DcCpuDef *const *)defs->pdata, n, NULL, NULL,
                                               (flags & DOMCAPS_CPU_BASELINE_MIGRATABLE) != 0, err);
    if (!base)
        return NULL;
    g_autoptr(DcCpuDef) cpu = dc_cpu_def_copy_without_model(base);
    dc_cpu_def_copy_model(cpu, base, qemu_feature, &filter);
    return finish(cpu, filter.arch, dir, flags, err);
}

char *domcaps_cpu_baseline(const domcaps_options *opts, const char *const *cpus, guint n, unsigned int flags,
                           GError **err)
{
    GError *lv = NULL;
    char *out = cpu_baseline(opts, cpus, n, flags, &lv);
    if (!out)
        publish(err, lv);
    return out;
}

/* x86: libvirt's own baseline among QEMU's models and features. */
static DcCpuDef *x86_hv_baseline(const DcHvQuery *q, GPtrArray *defs, unsigned int flags, GError **err)
{
    gboolean migratable = (flags & DOMCAPS_CPU_BASELINE_MIGRATABLE) != 0;
    if (flags & DOMCAPS_CPU_BASELINE_IGNORE_HOST) {
        /* libvirt 11.6: among the models QEMU knows, whatever this host
         * lacks for them, and with any feature of the map, not only those
         * QEMU can give a guest here */
        g_autoptr(GHashTable) models = dc_hv_query_model_names(q);
        return dc_cpu_baseline(q->arch, q->cpu_map_dir, (DcCpuDef *const *)defs->pdata, defs->len, models, NULL,
                               migratable, err);
    }
    gboolean migratability = FALSE;
    g_autoptr(GPtrArray) features = dc_hv_query_features(q, migratable, &migratability);
    g_autoptr(GHashTable) models = dc_hv_query_models(q);
    /* QEMU's list already leaves out what blocks migration. */
    if (features && (!migratable || migratability))
        migratable = FALSE;
    return dc_cpu_baseline(q->arch, q->cpu_map_dir, (DcCpuDef *const *)defs->pdata, defs->len, models,
                           features ? (const char *const *)features->pdata : NULL, migratable, err);
}

static char *hv_baseline(const domcaps_options *opts, const char *const *cpus, guint n, unsigned int flags,
                         GError **err)
{
    /* the first check, before the CPUs or the query are read */
    if ((flags & DOMCAPS_CPU_BASELINE_IGNORE_HOST) && n < 2) {
        dc_lv_error(err, DC_LV_OPERATION_INVALID,
                    "ignoring host is only allowed when computing baseline from multiple CPUs");
        return NULL;
    }
    g_autoptr(GPtrArray) defs = read_cpus(opts, cpus, n, DC_CPU_TYPE_AUTO, err);
    g_auto(DcHvQuery) q = { 0 };
    if (!defs || !dc_hv_query_resolve(opts, &q, err))
        return NULL;
    json_object *models = dc_hv_query_definitions(&q);
    if (!models || !json_object_array_length(models)) {
        dc_lv_error(err, DC_LV_OPERATION_UNSUPPORTED, "QEMU '%s' does not support any CPU models for virttype '%s'",
                    q.emulator, q.virttype);
        return NULL;
    }
    g_autoptr(DcCpuDef) cpu = NULL;
    const char *driver = dc_cpu_driver_for_arch(q.arch);
    if (g_strcmp0(driver, "x86") == 0)
        cpu = x86_hv_baseline(&q, defs, flags, err);
    else if (g_strcmp0(driver, "s390") == 0 && dc_hv_query_has_command(&q, "query-cpu-model-expansion"))
        cpu = dc_s390_baseline(&q, (DcCpuDef *const *)defs->pdata, n,
                               (flags & DOMCAPS_CPU_BASELINE_EXPAND_FEATURES) != 0, err);
    else
        dc_lv_error(err, DC_LV_OPERATION_UNSUPPORTED, "computing baseline hypervisor CPU is not supported for arch %s",
                    q.arch);
    if (!cpu)
        return NULL;
    cpu->fallback = DC_CPU_FALLBACK_FORBID;
    return finish(cpu, q.arch, q.cpu_map_dir, flags, err);
}

char *domcaps_hypervisor_cpu_baseline(const domcaps_options *opts, const char *const *cpus, guint n,
                                      unsigned int flags, GError **err)
{
    GError *lv = NULL;
    domcaps_options dflt = DOMCAPS_OPTIONS_INIT;
    char *out = hv_baseline(opts ? opts : &dflt, cpus, n, flags, &lv);
    if (!out)
        publish(err, lv);
    return out;
}

/* s390: QEMU compares; a CPU without a model is QEMU's host or max. */
static DcCpuCompareResult s390_compare(const DcHvQuery *q, const char *xml, unsigned int flags, gboolean at_line,
                                       GError **err)
{
    g_autoptr(DcCpuDef) cpu = dc_cpu_read(xml, DC_CPU_TYPE_AUTO, (flags & DOMCAPS_CPU_COMPARE_VALIDATE_XML) != 0,
                                          at_line, err);
    if (!cpu)
        return DC_CPU_COMPARE_ERROR;
    if (!cpu->model && cpu->mode != DC_CPU_MODE_HOST_PASSTHROUGH && cpu->mode != DC_CPU_MODE_MAXIMUM) {
        dc_lv_error(err, DC_LV_INVALID_ARG, "cpu parameter is missing a model name");
        return DC_CPU_COMPARE_ERROR;
    }
    if (!cpu->model)
        cpu->model = g_strdup(cpu->mode == DC_CPU_MODE_HOST_PASSTHROUGH ? "host" : "max");
    return dc_s390_compare(q, cpu, (flags & DOMCAPS_CPU_COMPARE_FAIL_INCOMPATIBLE) != 0, err);
}

static DcCpuCompareResult hv_compare(const domcaps_options *opts, const char *xml, unsigned int flags, GError **err)
{
    g_auto(DcHvQuery) q = { 0 };
    if (!dc_hv_query_resolve(opts, &q, err))
        return DC_CPU_COMPARE_ERROR;
    if (!q.host_model || q.host_model->fallback != DC_CPU_FALLBACK_FORBID) {
        dc_lv_error(err, DC_LV_OPERATION_UNSUPPORTED, "QEMU '%s' does not support reporting CPU model for virttype '%s'",
                    q.emulator, q.virttype);
        return DC_CPU_COMPARE_ERROR;
    }
    const char *driver = dc_cpu_driver_for_arch(q.arch);
    if (g_strcmp0(driver, "s390") == 0 && dc_hv_query_has_command(&q, "query-cpu-model-expansion"))
        return s390_compare(&q, xml, flags, errors_at_line(opts), err);
    if (g_strcmp0(driver, "x86") != 0) {
        dc_lv_error(err, DC_LV_OPERATION_UNSUPPORTED, "comparing with the hypervisor CPU is not supported for arch %s",
                    q.arch);
        return DC_CPU_COMPARE_ERROR;
    }
    g_autoptr(DcCpuDef) cpu = dc_cpu_read(xml, DC_CPU_TYPE_AUTO, (flags & DOMCAPS_CPU_COMPARE_VALIDATE_XML) != 0,
                                          errors_at_line(opts), err);
    g_autoptr(DcCpuMap) map = NULL;
    g_autoptr(GError) local = NULL;
    if (!cpu)
        return DC_CPU_COMPARE_ERROR;
    if (!(map = dc_cpu_map_load(q.cpu_map_dir, q.arch, &local))) {
        dc_lv_error(err, DC_LV_INTERNAL, "%s", local->message);
        return DC_CPU_COMPARE_ERROR;
    }
    return dc_x86_compare(map, q.host_model, cpu, (flags & DOMCAPS_CPU_COMPARE_FAIL_INCOMPATIBLE) != 0, err);
}

domcaps_cpu_compare_result domcaps_hypervisor_cpu_compare(const domcaps_options *opts, const char *cpu,
                                                          unsigned int flags, GError **err)
{
    GError *lv = NULL;
    domcaps_options dflt = DOMCAPS_OPTIONS_INIT;
    DcCpuCompareResult r = hv_compare(opts ? opts : &dflt, cpu, flags, &lv);
    if (r == DC_CPU_COMPARE_ERROR)
        publish(err, lv);
    return (domcaps_cpu_compare_result)r;
}

char **domcaps_cpu_models(const domcaps_options *opts, const char *arch, GError **err)
{
    GError *lv = NULL;
    if (!arch || !dc_arch_is_known(arch, DC_RELEASE_NEWEST)) {
        dc_lv_error(&lv, DC_LV_INVALID_ARG, "cannot find architecture %s", arch ? arch : "(null)");
        publish(err, lv);
        return NULL;
    }
    g_autofree char *dir = map_dir(opts);
    GPtrArray *names = dc_cpu_models(arch, dir, &lv);
    if (!names) {
        publish(err, lv);
        return NULL;
    }
    return strv_take(names);
}
