/* The query-cpu-model-expansion questions of the probe, as libvirt 9.0
 * asks them (virQEMUCapsProbeQMPHostCPU): a static expansion of "host"
 * (KVM) or "max" (TCG), migratable and not; a full one of each static
 * answer where QEMU lacks canonical feature names; and KVM's Hyper-V
 * enlightenments (hv-passthrough). */
#include "probe/cpu-questions.h"
#include "probe/probe.h"

json_object *
dc_probe_cpu_expansion_args(gboolean kvm, gboolean migratable)
{
    json_object *args = json_object_new_object();
    json_object *model = json_object_new_object();

    json_object_object_add(model, "name",
                           json_object_new_string(kvm ? "host" : "max"));
    if (!migratable) {
        json_object *props = json_object_new_object();

        json_object_object_add(props, "migratable",
                               json_object_new_boolean(FALSE));
        json_object_object_add(model, "props", props);
    }
    json_object_object_add(args, "type", json_object_new_string("static"));
    json_object_object_add(args, "model", model);
    return args;
}

json_object *
dc_probe_hyperv_expansion_args(void)
{
    json_object *args = json_object_new_object();
    json_object *model = json_object_new_object();
    json_object *props = json_object_new_object();

    json_object_object_add(props, "migratable", json_object_new_boolean(FALSE));
    json_object_object_add(props, "hv-passthrough", json_object_new_boolean(TRUE));
    json_object_object_add(model, "name", json_object_new_string("host"));
    json_object_object_add(model, "props", props);
    json_object_object_add(args, "type", json_object_new_string("full"));
    json_object_object_add(args, "model", model);
    return args;
}

json_object *
dc_probe_full_expansion_args(json_object *static_reply, GError **err)
{
    json_object *model = NULL;
    json_object *copy = NULL;
    json_object *args;

    if (!json_object_is_type(static_reply, json_type_object) ||
        !json_object_object_get_ex(static_reply, "model", &model) ||
        !json_object_is_type(model, json_type_object) ||
        json_object_deep_copy(model, &copy, NULL) != 0) {
        g_set_error(err, DC_PROBE_ERROR, DC_PROBE_ERROR_FAILED,
                    "static query-cpu-model-expansion reply has no model");
        return NULL;
    }

    args = json_object_new_object();
    json_object_object_add(args, "type", json_object_new_string("full"));
    json_object_object_add(args, "model", copy);
    return args;
}
