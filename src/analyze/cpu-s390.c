/* s390x: libvirt has no CPU model data of its own there and asks QEMU
 * (query-cpu-model-baseline, -expansion and -comparison on a QEMU started
 * for the purpose), so domcaps does the same, with the models and props
 * libvirt sends and its reading of the answers. */
#include "analyze/cpu.h"
#include "cpu/lverror.h"
#include "qmp/qmp.h"
#include "probe/facts.h"
#include <string.h>

/* A CPU definition as the model QEMU's commands take: its name and, when
 * it has features, each one on (required, forced, a host CPU's) or off. */
static json_object *qemu_model(const DcCpuDef *cpu)
{
    json_object *model = json_object_new_object();
    json_object_object_add(model, "name", json_object_new_string(cpu->model ? cpu->model : ""));
    if (!cpu->features->len)
        return model;
    json_object *props = json_object_new_object();
    for (guint i = 0; i < cpu->features->len; i++) {
        const DcCpuDefFeature *f = dc_cpu_def_feature(cpu, i);
        gboolean on = f->policy == DC_CPU_POLICY_REQUIRE || f->policy == DC_CPU_POLICY_FORCE ||
                      f->policy == DC_CPU_POLICY_NONE;
        json_object_object_add(props, f->name, json_object_new_boolean(on));
    }
    json_object_object_add(model, "props", props);
    return model;
}

/* Runs @command on @qmp, libvirt's error when QEMU refuses it. */
static json_object *call(DcQmp *qmp, const char *command, json_object *args, GError **err)
{
    g_autoptr(GError) local = NULL;
    DcQmpRequest req = { .command = command, .args = args };
    if (!dc_qmp_run(qmp, &req, 1, &local)) {
        dc_lv_error(err, DC_LV_INTERNAL, "%s", local->message);
        return NULL;
    }
    if (req.error_class) {
        dc_lv_error(err, DC_LV_INTERNAL, "unable to execute QEMU command '%s': %s", command,
                    req.error_desc ? req.error_desc : req.error_class);
        dc_qmp_request_clear(&req);
        return NULL;
    }
    json_object *reply = g_steal_pointer(&req.reply);
    dc_qmp_request_clear(&req);
    return reply;
}

/* @cpu becomes QEMU's answer: its model name, every true property a
 * required feature, in QEMU's order. */
static gboolean take_model(DcCpuDef *cpu, json_object *reply, const char *command, GError **err)
{
    json_object *model = NULL, *props = NULL;
    const char *name = NULL;
    if (!json_object_object_get_ex(reply, "model", &model) || !(name = dc_json_str(model, "name"))) {
        dc_lv_error(err, DC_LV_INTERNAL, "%s reply data was missing 'model'", command);
        return FALSE;
    }
    g_free(cpu->model);
    cpu->model = g_strdup(name);
    dc_cpu_def_clear_features(cpu);
    if (!json_object_object_get_ex(model, "props", &props) || !json_object_is_type(props, json_type_object))
        return TRUE;
    json_object_object_foreach(props, key, val) {
        if (json_object_is_type(val, json_type_boolean) && json_object_get_boolean(val))
            dc_cpu_def_add_feature(cpu, key, DC_CPU_POLICY_REQUIRE, DC_CPU_ADD_UPDATE, NULL);
    }
    return TRUE;
}

static DcQmp *start_qemu(const DcHvQuery *q, GError **err)
{
    g_autoptr(GError) local = NULL;
    const char *extra[] = { "-accel", q->accel && strcmp(q->accel, "kvm") == 0 ? "kvm" : "tcg", NULL };
    DcQmp *qmp = dc_qmp_live_new(q->emulator, extra, q->timeout_ms, &local);
    json_object *caps = qmp ? dc_qmp_call(qmp, "qmp_capabilities", NULL, &local) : NULL;
    if (!caps) {
        dc_lv_error(err, DC_LV_INTERNAL, "%s", local->message);
        dc_qmp_free(qmp);
        return NULL;
    }
    json_object_put(caps);
    return qmp;
}

/* libvirt checks each CPU names a model QEMU has before starting it. */
static gboolean models_known(const DcHvQuery *q, DcCpuDef *const *cpus, guint n, GError **err)
{
    g_autoptr(GHashTable) models = dc_hv_query_models(q);
    for (guint i = 0; i < n; i++) {
        if (!cpus[i]->model) {
            dc_lv_error(err, DC_LV_INVALID_ARG, "no CPU model specified at index %u", i);
            return FALSE;
        }
        if (!g_hash_table_contains(models, cpus[i]->model)) {
            dc_lv_error(err, DC_LV_INVALID_ARG, "CPU model '%s' not supported by hypervisor", cpus[i]->model);
            return FALSE;
        }
    }
    return TRUE;
}

DcCpuDef *dc_s390_baseline(const DcHvQuery *q, DcCpuDef *const *cpus, guint n, gboolean expand, GError **err)
{
    if (!models_known(q, cpus, n, err))
        return NULL;
    g_autoptr(DcQmp) qmp = start_qemu(q, err);
    if (!qmp)
        return NULL;
    /* A host CPU definition (libvirt starts from an empty one). */
    g_autoptr(DcCpuDef) base = dc_cpu_def_new();
    dc_cpu_def_copy_model(base, cpus[0], NULL, NULL);
    for (guint i = 1; i < n; i++) {
        json_object *args = json_object_new_object();
        json_object_object_add(args, "modela", qemu_model(base));
        json_object_object_add(args, "modelb", qemu_model(cpus[i]));
        g_autoptr(json_object) reply = call(qmp, "query-cpu-model-baseline", args, err);
        json_object_put(args);
        if (!reply || !take_model(base, reply, "query-cpu-model-baseline", err))
            return NULL;
    }
    if (expand || n == 1) {
        json_object *args = json_object_new_object();
        json_object_object_add(args, "type", json_object_new_string(expand ? "full" : "static"));
        json_object_object_add(args, "model", qemu_model(base));
        g_autoptr(json_object) reply = call(qmp, "query-cpu-model-expansion", args, err);
        json_object_put(args);
        if (!reply || !take_model(base, reply, "query-cpu-model-expansion", err))
            return NULL;
    }
    return g_steal_pointer(&base);
}

DcCpuCompareResult dc_s390_compare(const DcHvQuery *q, const DcCpuDef *cpu, gboolean fail_incompatible,
                                   GError **err)
{
    g_autoptr(DcQmp) qmp = start_qemu(q, err);
    if (!qmp)
        return DC_CPU_COMPARE_ERROR;
    json_object *args = json_object_new_object();
    json_object_object_add(args, "modela", qemu_model(q->host_model));
    json_object_object_add(args, "modelb", qemu_model(cpu));
    g_autoptr(json_object) reply = call(qmp, "query-cpu-model-comparison", args, err);
    json_object_put(args);
    const char *result = reply ? dc_json_str(reply, "result") : NULL;
    if (reply && !result)
        dc_lv_error(err, DC_LV_INTERNAL, "query-cpu-model-comparison reply data was missing 'result'");
    if (!result)
        return DC_CPU_COMPARE_ERROR;
    if (strcmp(result, "identical") == 0)
        return DC_CPU_COMPARE_IDENTICAL;
    if (strcmp(result, "superset") == 0)
        return DC_CPU_COMPARE_SUPERSET;
    if (!fail_incompatible)
        return DC_CPU_COMPARE_INCOMPATIBLE;
    dc_lv_error_bare(err, DC_LV_CPU_INCOMPATIBLE);
    return DC_CPU_COMPARE_ERROR;
}
