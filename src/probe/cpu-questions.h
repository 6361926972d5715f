/* The CPU expansion questions of the probe (probe/cpu-questions.c). */
#pragma once
#include <glib.h>
#include <json-c/json.h>

/* A static expansion of "host" (KVM) or "max" (TCG); migratable=false on
 * the model unless @migratable. */
json_object *dc_probe_cpu_expansion_args(gboolean kvm, gboolean migratable);
/* A full expansion of "host" with hv-passthrough: the Hyper-V
 * enlightenments KVM offers. */
json_object *dc_probe_hyperv_expansion_args(void);
/* A full expansion of the model of a static expansion's answer. */
json_object *dc_probe_full_expansion_args(json_object *static_reply, GError **err);
