/* The probe asks QEMU in two pipelined rounds: round one needs nothing but
 * the binary; round two depends on the target and CPU models round one
 * reported (which CPU to expand, which QOM types to list properties of). */
#include "probe/probe.h"
#include "probe/schema.h"
#include "cpu/cpu.h"

G_DEFINE_QUARK(dc-probe-error-quark, dc_probe_error)

/* Schema facts the assembly looks at. A query that holds is stored in the
 * facts' "schema" list; see schema.h for the syntax. */
const char *const dc_probe_schema_questions[] = {
    "query-vnc",
    "query-spice",
    "query-display-options/ret-type/+sdl",
    "query-display-options/ret-type/+egl-headless",
    "query-display-options/ret-type/+dbus",
    "blockdev-add",
    "blockdev-backup",
    "block-dirty-bitmap-merge",
    "block-export-add",
    "query-sev-capabilities",
    "query-sev-attestation-report",
    "query-sgx-capabilities",
    "query-gic-capabilities",
    "query-cpu-model-expansion",
    "query-cpu-definitions",
    "query-hotpluggable-cpus",
    "object-add/arg-type/+sev-guest/kernel-hashes",
    "object-add/arg-type/+sev-snp-guest",
    "object-add/arg-type/+tdx-guest",
    "chardev-add/arg-type/backend/+qemu-vdagent",
    "chardev-add/arg-type/backend/+spicevmc",
    "netdev_add/arg-type/+stream",
    "netdev_add/arg-type/+vhost-vdpa",
    "netdev_add/arg-type/+passt",
    "netdev_add/arg-type/+user",
    "set-action",
    "blockdev-reopen",
    "migrate-set-parameters/arg-type/block-bitmap-mapping/bitmaps/transform",
    NULL,
};


static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_object *sorted_strings(GPtrArray *list)
{
    g_ptr_array_sort(list, cmp_str);
    json_object *arr = json_object_new_array();
    const char *prev = NULL;
    for (guint i = 0; i < list->len; i++) {
        if (prev && strcmp(prev, list->pdata[i]) == 0)
            continue;
        prev = list->pdata[i];
        json_object_array_add(arr, json_object_new_string(prev));
    }
    return arr;
}

/* Names from an array of {"name": ...} objects (qom-list-types, tpm...). */
static void collect_names(GPtrArray *out, json_object *reply, const char *key)
{
    if (!reply || !json_object_is_type(reply, json_type_array))
        return;
    for (size_t i = 0; i < json_object_array_length(reply); i++) {
        json_object *e = json_object_array_get_idx(reply, i);
        const char *n = key ? dc_json_str(e, key) : json_object_get_string(e);
        if (n)
            g_ptr_array_add(out, g_strdup(n));
    }
}

typedef enum {
    Q_CAPS, Q_VERSION, Q_TARGET, Q_KVM, Q_SCHEMA, Q_TYPES, Q_MACHINES, Q_CPUDEFS,
    Q_TPM_MODELS, Q_TPM_TYPES, Q_SEV, Q_SGX, Q_GIC, Q_CMDLINE, Q_ROUND1_LAST
} Round1;

static const char *const round1_commands[Q_ROUND1_LAST] = {
    [Q_CAPS] = "qmp_capabilities",
    [Q_VERSION] = "query-version",
    [Q_TARGET] = "query-target",
    [Q_KVM] = "query-kvm",
    [Q_SCHEMA] = "query-qmp-schema",
    [Q_TYPES] = "qom-list-types",
    [Q_MACHINES] = "query-machines",
    [Q_CPUDEFS] = "query-cpu-definitions",
    [Q_TPM_MODELS] = "query-tpm-models",
    [Q_TPM_TYPES] = "query-tpm-types",
    [Q_SEV] = "query-sev-capabilities",
    [Q_SGX] = "query-sgx-capabilities",
    [Q_GIC] = "query-gic-capabilities",
    [Q_CMDLINE] = "query-command-line-options",
};

/* The group each first-round question belongs to; 0: asked by every
 * request (version and target tell a QEMU from anything else). */
static const DcProbeAsk round1_group[Q_ROUND1_LAST] = {
    [Q_CAPS] = 0, [Q_VERSION] = 0, [Q_TARGET] = 0,
    [Q_SCHEMA] = DC_PROBE_ASK_SCHEMA,
    [Q_TYPES] = DC_PROBE_ASK_QOM, [Q_TPM_MODELS] = DC_PROBE_ASK_QOM,
    [Q_TPM_TYPES] = DC_PROBE_ASK_QOM, [Q_CMDLINE] = DC_PROBE_ASK_QOM,
    [Q_KVM] = DC_PROBE_ASK_ACCEL, [Q_MACHINES] = DC_PROBE_ASK_ACCEL, [Q_CPUDEFS] = DC_PROBE_ASK_ACCEL,
    [Q_SEV] = DC_PROBE_ASK_ACCEL, [Q_SGX] = DC_PROBE_ASK_ACCEL, [Q_GIC] = DC_PROBE_ASK_ACCEL,
};

/* Top-level facts that are the accelerator's view (see dc_probe_merge). */
static const char *const per_accel_facts[] = { "kvm", "sev", "sgx", "gic", NULL };

static gboolean is_x86_target(const char *target)
{
    return g_strcmp0(target, "x86_64") == 0 || g_strcmp0(target, "i386") == 0;
}

/* QOM types whose property lists matter, stored as "TYPE.PROP" facts.
 * libvirt decides "migratable" CPU modes and canonical CPU feature names
 * from the x86_64 max CPU type by that literal name, even in
 * qemu-system-i386 (which lacks it), so it is asked for by name. */
static const char *const prop_types_x86[] = { "max-x86_64-cpu", "none-machine", "generic-pc-machine", NULL };
static const char *const prop_types_x86_cpu[] = { "max-x86_64-cpu", NULL };
/* Elsewhere only the generic machine's (confidential-guest-support). */
static const char *const prop_types_other[] = { "none-machine", NULL };

/* Command-line option parameters the document depends on, as "OPTION.PARAM". */
static const char *const cmdline_questions[] = { "run-with.async-teardown", NULL };

static DcQmp *open_transport(const DcProbeRequest *req, GError **err)
{
    if (req->replay)
        return req->replay;
    const char *extra[] = { "-accel", req->accel, NULL };
    return dc_qmp_live_new_as(req->emulator, extra, req->timeout_ms > 0 ? req->timeout_ms : 30000, req->creds, err);
}

static void close_transport(const DcProbeRequest *req, DcQmp *qmp)
{
    if (qmp && qmp != req->replay)
        dc_qmp_free(qmp);
}

static void clear_requests(DcQmpRequest *reqs, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        dc_qmp_request_clear(&reqs[i]);
        if (reqs[i].args)
            json_object_put(reqs[i].args);
        reqs[i].args = NULL;
    }
}

/* The schema questions that hold. */
static void add_schema_facts(json_object *facts, json_object *reply)
{
    g_autoptr(GPtrArray) schema_true = g_ptr_array_new();
    if (reply) {
        g_autoptr(DcSchema) schema = dc_schema_new(reply);
        for (const char *const *sq = dc_probe_schema_questions; *sq; sq++)
            if (dc_schema_query(schema, *sq))
                g_ptr_array_add(schema_true, (gpointer)*sq);
    }
    json_object_object_add(facts, "schema", sorted_strings(schema_true));
}

/* QOM types and properties, command-line options, TPM models and types. */
static void add_qom_facts(json_object *facts, DcQmpRequest *r1, GPtrArray *props)
{
    g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func(g_free);
    collect_names(types, r1[Q_TYPES].reply, "name");
    json_object_object_add(facts, "types", sorted_strings(types));
    json_object_object_add(facts, "props", sorted_strings(props));

    g_autoptr(GPtrArray) cmdline = g_ptr_array_new_with_free_func(g_free);
    json_object *opts = r1[Q_CMDLINE].reply;
    for (size_t i = 0; opts && json_object_is_type(opts, json_type_array) && i < json_object_array_length(opts); i++) {
        json_object *o = json_object_array_get_idx(opts, i), *params = NULL;
        const char *option = dc_json_str(o, "option");
        if (!option || !json_object_object_get_ex(o, "parameters", &params) ||
            !json_object_is_type(params, json_type_array))
            continue;
        for (size_t k = 0; k < json_object_array_length(params); k++) {
            g_autofree char *q = g_strdup_printf("%s.%s", option,
                                                 dc_json_str(json_object_array_get_idx(params, k), "name") ?: "");
            if (g_strv_contains(cmdline_questions, q))
                g_ptr_array_add(cmdline, g_steal_pointer(&q));
        }
    }
    json_object_object_add(facts, "cmdline", sorted_strings(cmdline));

    g_autoptr(GPtrArray) tpm_models = g_ptr_array_new_with_free_func(g_free);
    collect_names(tpm_models, r1[Q_TPM_MODELS].reply, NULL);
    json_object_object_add(facts, "tpm-models", sorted_strings(tpm_models));
    g_autoptr(GPtrArray) tpm_types = g_ptr_array_new_with_free_func(g_free);
    collect_names(tpm_types, r1[Q_TPM_TYPES].reply, NULL);
    json_object_object_add(facts, "tpm-types", sorted_strings(tpm_types));
}

/* The accelerator's part: its view of KVM, SEV, SGX and GIC at the top, and
 * the returned object (to go under "accel") with machines and CPU models. */
static json_object *add_accel_facts(json_object *facts, DcQmpRequest *r1)
{
    json_object *kvm = json_object_new_object();
    json_object_object_add(kvm, "present", json_object_new_boolean(dc_json_bool(r1[Q_KVM].reply, "present", FALSE)));
    json_object_object_add(facts, "kvm", kvm);
    if (r1[Q_SEV].reply)
        json_object_object_add(facts, "sev", json_object_get(r1[Q_SEV].reply));
    if (r1[Q_SGX].reply)
        json_object_object_add(facts, "sgx", json_object_get(r1[Q_SGX].reply));
    if (r1[Q_GIC].reply)
        json_object_object_add(facts, "gic", json_object_get(r1[Q_GIC].reply));
    json_object *acc = json_object_new_object();
    json_object_object_add(acc, "machines", json_object_get(r1[Q_MACHINES].reply));
    if (r1[Q_CPUDEFS].reply)
        json_object_object_add(acc, "cpu-definitions", json_object_get(r1[Q_CPUDEFS].reply));
    return acc;
}

json_object *dc_probe_run(const DcProbeRequest *req, GError **err)
{
    DcQmp *qmp = open_transport(req, err);
    if (!qmp)
        return NULL;
    if (req->record)
        dc_qmp_set_recorder(qmp, req->record);
    DcProbeAsk groups = req->ask ? req->ask : DC_PROBE_ASK_ALL;

    /* Round one, all in one batch; what is not asked stays empty in r1. */
    DcQmpRequest r1[Q_ROUND1_LAST] = { 0 }, ask[Q_ROUND1_LAST] = { 0 };
    int asked[Q_ROUND1_LAST];
    gsize n1 = 0;
    for (int i = 0; i < Q_ROUND1_LAST; i++) {
        if (round1_group[i] && !(groups & round1_group[i]))
            continue;
        ask[n1].command = round1_commands[i];
        asked[n1++] = i;
    }
    if (!dc_qmp_run(qmp, ask, n1, err)) {
        clear_requests(ask, n1);
        close_transport(req, qmp);
        return NULL;
    }
    for (gsize k = 0; k < n1; k++)
        r1[asked[k]] = ask[k];  /* the replies move to r1 */

    const char *target = dc_json_str(r1[Q_TARGET].reply, "arch");
    json_object *qver = r1[Q_VERSION].reply;
    json_object *qemu_ver = NULL;
    if (qver)
        json_object_object_get_ex(qver, "qemu", &qemu_ver);
    gboolean want_accel = (groups & DC_PROBE_ASK_ACCEL) != 0, want_qom = (groups & DC_PROBE_ASK_QOM) != 0;
    if (!target || !qemu_ver || (want_accel && !r1[Q_MACHINES].reply)) {
        int bad = !qemu_ver ? Q_VERSION : !target ? Q_TARGET : Q_MACHINES;
        g_autofree char *why = r1[bad].error_class ?
            dc_qmp_printable(*r1[bad].error_desc ? r1[bad].error_desc : r1[bad].error_class, 200) : NULL;
        g_set_error(err, DC_PROBE_ERROR, DC_PROBE_ERROR_NOT_QEMU,
                    "%s does not answer like a QEMU system emulator (%s failed%s%s)", req->emulator,
                    round1_commands[bad], why ? ": " : "", why ? why : "");
        clear_requests(r1, Q_ROUND1_LAST);
        close_transport(req, qmp);
        return NULL;
    }

    /* Round two: CPU expansion and QOM properties. */
    gboolean x86 = is_x86_target(target);
    gboolean kvm_accel = strcmp(req->accel, "kvm") == 0;
    DcQmpRequest r2[10] = { 0 };
    gsize n2 = 0;
    int idx_expand = -1, idx_expand_nm = -1, idx_props0 = -1;
    if (want_accel && x86 && !r1[Q_CPUDEFS].error_class) {
        r2[n2].command = "query-cpu-model-expansion";
        r2[n2].args = dc_cpu_x86_expansion_args(kvm_accel, TRUE);
        idx_expand = n2++;
        r2[n2].command = "query-cpu-model-expansion";
        r2[n2].args = dc_cpu_x86_expansion_args(kvm_accel, FALSE);
        idx_expand_nm = n2++;
    }
    if (want_accel && g_strcmp0(target, "s390x") == 0 && !r1[Q_CPUDEFS].error_class) {
        /* s390 host-model is QEMU's static expansion as it is. */
        r2[n2].command = "query-cpu-model-expansion";
        r2[n2].args = dc_cpu_x86_expansion_args(kvm_accel, TRUE);
        idx_expand = n2++;
    }
    int idx_hv = -1;
    if (want_accel && x86 && kvm_accel && !r1[Q_CPUDEFS].error_class) {
        /* Which Hyper-V enlightenments KVM offers (libvirt >= 9.0). */
        r2[n2].command = "query-cpu-model-expansion";
        r2[n2].args = dc_cpu_x86_hyperv_expansion_args();
        idx_hv = n2++;
    }
    /* The accelerator's part needs only the CPU type's, for round three. */
    const char *const *prop_types = !want_qom ? (want_accel && x86 ? prop_types_x86_cpu : NULL)
                                    : x86 ? prop_types_x86 : prop_types_other;
    idx_props0 = n2;
    for (const char *const *t = prop_types; t && *t; t++) {
        json_object *args = json_object_new_object();
        json_object_object_add(args, "typename", json_object_new_string(*t));
        r2[n2].command = "qom-list-properties";
        r2[n2].args = args;
        n2++;
    }
    if (n2 > 0 && !dc_qmp_run(qmp, r2, n2, err)) {
        clear_requests(r1, Q_ROUND1_LAST);
        clear_requests(r2, n2);
        close_transport(req, qmp);
        return NULL;
    }

    g_autoptr(GPtrArray) props = g_ptr_array_new_with_free_func(g_free);
    for (gsize i = idx_props0; prop_types && i < idx_props0 + g_strv_length((char **)prop_types); i++) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        collect_names(names, r2[i].reply, "name");
        for (guint k = 0; k < names->len; k++)
            g_ptr_array_add(props, g_strdup_printf("%s.%s", prop_types[i - idx_props0], (char *)names->pdata[k]));
    }

    /* Round three: without canonical feature names, libvirt reads the host
     * CPU from a full expansion of each static result. */
    json_object *expansion = idx_expand >= 0 ? r2[idx_expand].reply : NULL;
    json_object *expansion_nm = idx_expand_nm >= 0 ? r2[idx_expand_nm].reply : NULL;
    DcQmpRequest r3[2] = { 0 };
    gsize n3 = 0;
    gboolean canonical = FALSE;
    for (guint k = 0; k < props->len; k++)
        canonical |= strcmp(props->pdata[k], "max-x86_64-cpu.unavailable-features") == 0;
    if (x86 && !canonical && expansion) {
        json_object *srcs[2] = { expansion, expansion_nm };
        for (int k = 0; k < 2; k++) {
            json_object *args = srcs[k] ? dc_cpu_x86_full_expansion_args(srcs[k], NULL) : NULL;
            if (!args)
                continue;
            r3[n3].command = "query-cpu-model-expansion";
            r3[n3].args = args;
            n3++;
        }
        if (n3 > 0 && !dc_qmp_run(qmp, r3, n3, err)) {
            clear_requests(r1, Q_ROUND1_LAST);
            clear_requests(r2, n2);
            clear_requests(r3, n3);
            close_transport(req, qmp);
            return NULL;
        }
        expansion = n3 > 0 ? r3[0].reply : NULL;
        expansion_nm = n3 > 1 ? r3[1].reply : NULL;
    }

    json_object *facts = json_object_new_object();
    json_object_object_add(facts, "domcaps-facts", json_object_new_int(DC_FACTS_FORMAT));
    json_object_object_add(facts, "emulator", json_object_new_string(req->emulator));
    json_object *q = json_object_new_object();
    json_object_object_add(q, "major", json_object_new_int64(dc_json_int(qemu_ver, "major", 0)));
    json_object_object_add(q, "minor", json_object_new_int64(dc_json_int(qemu_ver, "minor", 0)));
    json_object_object_add(q, "micro", json_object_new_int64(dc_json_int(qemu_ver, "micro", 0)));
    json_object_object_add(q, "package", json_object_new_string(dc_json_str(qver, "package") ? dc_json_str(qver, "package") : ""));
    json_object_object_add(facts, "qemu", q);
    json_object_object_add(facts, "target", json_object_new_string(target));
    if (groups & DC_PROBE_ASK_SCHEMA)
        add_schema_facts(facts, r1[Q_SCHEMA].reply);
    if (want_qom)
        add_qom_facts(facts, r1, props);
    if (want_accel) {
        json_object *acc = add_accel_facts(facts, r1);
        if (expansion)
            json_object_object_add(acc, "cpu-expansion", json_object_get(expansion));
        if (expansion_nm)
            json_object_object_add(acc, "cpu-expansion-nonmigratable", json_object_get(expansion_nm));
        if (idx_hv >= 0 && r2[idx_hv].reply)
            json_object_object_add(acc, "cpu-expansion-hyperv", json_object_get(r2[idx_hv].reply));
        json_object *accel = json_object_new_object();
        json_object_object_add(accel, req->accel, acc);
        json_object_object_add(facts, "accel", accel);
    }

    clear_requests(r1, Q_ROUND1_LAST);
    clear_requests(r2, n2);
    clear_requests(r3, n3);
    close_transport(req, qmp);
    return facts;
}

static gboolean is_per_accel(const char *key)
{
    return strcmp(key, "accel") == 0 || g_strv_contains(per_accel_facts, key);
}

void dc_probe_merge(json_object *into, json_object *from)
{
    json_object_object_foreach(from, key, val) {
        if (!is_per_accel(key) && !json_object_object_get_ex(into, key, NULL))
            json_object_object_add(into, key, json_object_get(val));
    }
    json_object *a_into = NULL, *a_from = NULL;
    if (!json_object_object_get_ex(from, "accel", &a_from))
        return;
    if (!json_object_object_get_ex(into, "accel", &a_into)) {
        a_into = json_object_new_object();
        json_object_object_add(into, "accel", a_into);
    }
    gboolean into_has_kvm = json_object_object_get_ex(a_into, "kvm", NULL);
    gboolean from_is_kvm = json_object_object_get_ex(a_from, "kvm", NULL);
    json_object_object_foreach(a_from, k, v)
        json_object_object_add(a_into, k, json_object_get(v));
    if (into_has_kvm && !from_is_kvm)
        return;
    for (const char *const *k = per_accel_facts; *k; k++) {
        json_object *v = NULL;
        if (json_object_object_get_ex(from, *k, &v))
            json_object_object_add(into, *k, json_object_get(v));
        else
            json_object_object_del(into, *k);
    }
}
