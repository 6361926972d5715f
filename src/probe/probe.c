/* The probe asks QEMU in up to three pipelined rounds: round one needs
 * nothing but the binary; round two depends on the target and on round one
 * (which CPU to expand, whether KVM really runs); round three expands the
 * host CPU fully where QEMU cannot name its features canonically. What it
 * asks beyond the fixed commands comes from the request's questions: the
 * facts the document's tables read (caps/tables.c). */
#include "probe/probe.h"
#include "probe/schema.h"
#include "probe/cpu-questions.h"
#include "cpu/cpu.h"
#include "util/arch.h"

G_DEFINE_QUARK(dc-probe-error-quark, dc_probe_error)

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

/* Round one. The order matters: qom-list-types loads every QEMU module
 * (a modular build lists a module's command-line options only once it is
 * loaded), and libvirt asks query-command-line-options after it. */
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
 * request (version and target tell a QEMU from anything else, query-kvm
 * whether a KVM probe runs KVM). */
static const DcProbeAsk round1_group[Q_ROUND1_LAST] = {
    [Q_CAPS] = 0, [Q_VERSION] = 0, [Q_TARGET] = 0, [Q_KVM] = 0,
    [Q_SCHEMA] = DC_PROBE_ASK_SCHEMA,
    [Q_TYPES] = DC_PROBE_ASK_QOM, [Q_TPM_MODELS] = DC_PROBE_ASK_QOM,
    [Q_TPM_TYPES] = DC_PROBE_ASK_QOM, [Q_CMDLINE] = DC_PROBE_ASK_QOM,
    [Q_MACHINES] = DC_PROBE_ASK_ACCEL, [Q_CPUDEFS] = DC_PROBE_ASK_ACCEL,
    [Q_SEV] = DC_PROBE_ASK_ACCEL, [Q_SGX] = DC_PROBE_ASK_ACCEL, [Q_GIC] = DC_PROBE_ASK_ACCEL,
};

/* Top-level facts that are the accelerator's view (see dc_probe_merge). */
static const char *const per_accel_facts[] = { "kvm", "sev", "sgx", "gic", NULL };

/* libvirt decides the x86 host CPU's expansion (and canonical feature
 * names) from the x86_64 max CPU type by that literal name, even in
 * qemu-system-i386 (which lacks it): the accelerator's part asks it. */
static const char cpu_props_type[] = "max-x86_64-cpu";

/* One probe: the request, the QEMU it talks to, and the answers so far. */
typedef struct {
    const DcProbeRequest *req;
    DcQmp *qmp;
    DcProbeAsk groups;
    DcQmpRequest r1[Q_ROUND1_LAST];
    GArray *r2;                 /* of DcQmpRequest: expansions, properties */
    GArray *r3;                 /* of DcQmpRequest: full expansions */
    const char *target;
    const char *accel;          /* the accelerator QEMU really runs */
    int idx_expand, idx_expand_nm, idx_hv;
    GPtrArray *prop_types;      /* qom-list-properties asked, in r2 order */
    GPtrArray *device_types;    /* device-list-properties asked */
    gsize idx_props0, idx_devices0;
} DcProbe;

static void clear_requests(GArray *reqs)
{
    for (guint i = 0; reqs && i < reqs->len; i++) {
        DcQmpRequest *r = &g_array_index(reqs, DcQmpRequest, i);
        dc_qmp_request_clear(r);
        if (r->args)
            json_object_put(r->args);
        r->args = NULL;
    }
}

static void probe_clear(DcProbe *p)
{
    for (int i = 0; i < Q_ROUND1_LAST; i++)
        dc_qmp_request_clear(&p->r1[i]);
    clear_requests(p->r2);
    clear_requests(p->r3);
    g_clear_pointer(&p->r2, g_array_unref);
    g_clear_pointer(&p->r3, g_array_unref);
    g_clear_pointer(&p->prop_types, g_ptr_array_unref);
    g_clear_pointer(&p->device_types, g_ptr_array_unref);
    if (p->qmp && p->qmp != p->req->replay)
        dc_qmp_free(p->qmp);
    p->qmp = NULL;
}

/* A KVM probe starts QEMU as libvirt does (accel=kvm:tcg): where KVM cannot
 * run this target, QEMU falls back to TCG and query-kvm says so, rather
 * than exiting; the probe then files what it saw under TCG. */
static DcQmp *open_transport(const DcProbeRequest *req, GError **err)
{
    if (req->replay)
        return req->replay;
    gboolean kvm = strcmp(req->accel, "kvm") == 0;
    const char *extra[] = { "-accel", req->accel, kvm ? "-accel" : NULL, "tcg", NULL };
    return dc_qmp_live_new_as(req->emulator, extra, req->timeout_ms > 0 ? req->timeout_ms : 30000, req->creds, err);
}

static int add_request(GArray *reqs, const char *command, json_object *args)
{
    DcQmpRequest r = { .command = command, .args = args };
    g_array_append_val(reqs, r);
    return (int)reqs->len - 1;
}

static gboolean ask_round1(DcProbe *p, GError **err)
{
    DcQmpRequest ask[Q_ROUND1_LAST] = { 0 };
    int asked[Q_ROUND1_LAST];
    gsize n = 0;
    for (int i = 0; i < Q_ROUND1_LAST; i++) {
        if (round1_group[i] && !(p->groups & round1_group[i]))
            continue;
        ask[n].command = round1_commands[i];
        asked[n++] = i;
    }
    gboolean ok = dc_qmp_run(p->qmp, ask, n, err);
    for (gsize k = 0; k < n; k++)
        p->r1[asked[k]] = ask[k];  /* the replies move to r1 */
    return ok;
}

/* Does it answer like a QEMU system emulator? */
static gboolean check_round1(DcProbe *p, GError **err)
{
    DcQmpRequest *r1 = p->r1;
    json_object *qemu_ver = NULL;
    if (r1[Q_VERSION].reply)
        json_object_object_get_ex(r1[Q_VERSION].reply, "qemu", &qemu_ver);
    p->target = dc_json_str(r1[Q_TARGET].reply, "arch");
    gboolean want_accel = (p->groups & DC_PROBE_ASK_ACCEL) != 0;
    if (p->target && qemu_ver && (!want_accel || r1[Q_MACHINES].reply))
        return TRUE;
    int bad = !qemu_ver ? Q_VERSION : !p->target ? Q_TARGET : Q_MACHINES;
    g_autofree char *why = r1[bad].error_class ?
        dc_qmp_printable(*r1[bad].error_desc ? r1[bad].error_desc : r1[bad].error_class, 200) : NULL;
    g_set_error(err, DC_PROBE_ERROR, DC_PROBE_ERROR_NOT_QEMU,
                "%s does not answer like a QEMU system emulator (%s failed%s%s)", p->req->emulator,
                round1_commands[bad], why ? ": " : "", why ? why : "");
    return FALSE;
}

/* The distinct TYPEs of the questions "PREFIX" "TYPE.PROP". */
static GPtrArray *question_types(const char *const *questions, const char *prefix)
{
    GPtrArray *types = g_ptr_array_new_with_free_func(g_free);
    for (const char *const *q = questions; q && *q; q++) {
        if (!g_str_has_prefix(*q, prefix) || !strchr(*q + strlen(prefix), '.'))
            continue;
        g_autofree char *type = g_strndup(*q + strlen(prefix), strcspn(*q + strlen(prefix), "."));
        if (!g_ptr_array_find_with_equal_func(types, type, g_str_equal, NULL))
            g_ptr_array_add(types, g_steal_pointer(&type));
    }
    return types;
}

static void add_type_requests(DcProbe *p, GPtrArray *types, const char *command, gsize *first)
{
    *first = p->r2->len;
    for (guint i = 0; i < types->len; i++) {
        json_object *args = json_object_new_object();
        json_object_object_add(args, "typename", json_object_new_string(types->pdata[i]));
        add_request(p->r2, command, args);
    }
}

/* Round two: the host CPU's expansions, Hyper-V, and the properties the
 * questions name (the accelerator's part: the CPU type's alone). */
static void plan_round2(DcProbe *p)
{
    gboolean want_accel = (p->groups & DC_PROBE_ASK_ACCEL) != 0, want_qom = (p->groups & DC_PROBE_ASK_QOM) != 0;
    gboolean x86 = dc_arch_is_x86(dc_arch_from_qemu_target(p->target, DC_ARCH_ANY_RELEASE));
    gboolean kvm = strcmp(p->accel, "kvm") == 0;
    gboolean cpus = want_accel && !p->r1[Q_CPUDEFS].error_class;
    p->idx_expand = p->idx_expand_nm = p->idx_hv = -1;
    if (cpus && (x86 || g_strcmp0(p->target, "s390x") == 0))
        p->idx_expand = add_request(p->r2, "query-cpu-model-expansion", dc_probe_cpu_expansion_args(kvm, TRUE));
    if (cpus && x86)
        p->idx_expand_nm = add_request(p->r2, "query-cpu-model-expansion", dc_probe_cpu_expansion_args(kvm, FALSE));
    if (cpus && x86 && kvm)  /* which Hyper-V enlightenments KVM offers */
        p->idx_hv = add_request(p->r2, "query-cpu-model-expansion", dc_probe_hyperv_expansion_args());
    p->prop_types = want_qom ? question_types(p->req->questions, "object-prop:")
                             : g_ptr_array_new_with_free_func(g_free);
    if (want_accel && x86 && !g_ptr_array_find_with_equal_func(p->prop_types, cpu_props_type, g_str_equal, NULL))
        g_ptr_array_add(p->prop_types, g_strdup(cpu_props_type));
    add_type_requests(p, p->prop_types, "qom-list-properties", &p->idx_props0);
    p->device_types = want_qom ? question_types(p->req->questions, "device-prop:")
                               : g_ptr_array_new_with_free_func(g_free);
    add_type_requests(p, p->device_types, "device-list-properties", &p->idx_devices0);
}

/* "TYPE.PROP" of every property the replies from @first on list. */
static void collect_props(GPtrArray *out, DcProbe *p, GPtrArray *types, gsize first)
{
    for (guint i = 0; i < types->len; i++) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        collect_names(names, g_array_index(p->r2, DcQmpRequest, first + i).reply, "name");
        for (guint k = 0; k < names->len; k++)
            g_ptr_array_add(out, g_strdup_printf("%s.%s", (char *)types->pdata[i], (char *)names->pdata[k]));
    }
}

static json_object *r2_reply(DcProbe *p, int idx)
{
    return idx >= 0 ? g_array_index(p->r2, DcQmpRequest, idx).reply : NULL;
}

/* Round three: without canonical feature names, libvirt reads the host
 * CPU from a full expansion of each static result. */
static gboolean ask_round3(DcProbe *p, GPtrArray *props, GError **err)
{
    gboolean x86 = dc_arch_is_x86(dc_arch_from_qemu_target(p->target, DC_ARCH_ANY_RELEASE));
    g_autofree char *canonical_key = g_strdup_printf("%s.unavailable-features", cpu_props_type);
    gboolean canonical = g_ptr_array_find_with_equal_func(props, canonical_key, g_str_equal, NULL);
    if (!x86 || canonical || !r2_reply(p, p->idx_expand))
        return TRUE;
    json_object *srcs[2] = { r2_reply(p, p->idx_expand), r2_reply(p, p->idx_expand_nm) };
    for (int k = 0; k < 2; k++) {
        json_object *args = srcs[k] ? dc_probe_full_expansion_args(srcs[k], NULL) : NULL;
        if (args)
            add_request(p->r3, "query-cpu-model-expansion", args);
    }
    return p->r3->len == 0 || dc_qmp_run(p->qmp, (DcQmpRequest *)(void *)p->r3->data, p->r3->len, err);
}

/* The schema questions that hold, and the ones asked. */
static void add_schema_facts(json_object *facts, const DcProbeRequest *req, json_object *reply)
{
    g_autoptr(GPtrArray) holds = g_ptr_array_new();
    g_autoptr(GPtrArray) asked = g_ptr_array_new();
    g_autoptr(DcSchema) schema = reply ? dc_schema_new(reply) : NULL;
    for (const char *const *q = req->questions; q && *q; q++) {
        if (!g_str_has_prefix(*q, "schema:"))
            continue;
        g_ptr_array_add(asked, (gpointer)*q);
        if (schema && dc_schema_query(schema, *q + strlen("schema:")))
            g_ptr_array_add(holds, (gpointer)(*q + strlen("schema:")));
    }
    json_object_object_add(facts, "schema", sorted_strings(holds));
    json_object_object_add(facts, "asked-schema", sorted_strings(asked));
}

/* Every option of query-command-line-options, and OPTION.PARAM of each of
 * its parameters. */
static json_object *cmdline_facts(json_object *opts)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; opts && json_object_is_type(opts, json_type_array) && i < json_object_array_length(opts); i++) {
        json_object *o = json_object_array_get_idx(opts, i), *params = NULL;
        const char *option = dc_json_str(o, "option");
        if (!option)
            continue;
        g_ptr_array_add(out, g_strdup(option));
        if (!json_object_object_get_ex(o, "parameters", &params) || !json_object_is_type(params, json_type_array))
            continue;
        for (size_t k = 0; k < json_object_array_length(params); k++) {
            const char *name = dc_json_str(json_object_array_get_idx(params, k), "name");
            if (name)
                g_ptr_array_add(out, g_strdup_printf("%s.%s", option, name));
        }
    }
    return sorted_strings(out);
}

/* QOM types and properties, command-line options, TPM models and types. */
static void add_qom_facts(json_object *facts, DcProbe *p, GPtrArray *props)
{
    g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func(g_free);
    collect_names(types, p->r1[Q_TYPES].reply, "name");
    json_object_object_add(facts, "types", sorted_strings(types));
    json_object_object_add(facts, "props", sorted_strings(props));
    g_autoptr(GPtrArray) device_props = g_ptr_array_new_with_free_func(g_free);
    collect_props(device_props, p, p->device_types, p->idx_devices0);
    json_object_object_add(facts, "device-props", sorted_strings(device_props));
    g_autoptr(GPtrArray) asked = g_ptr_array_new();
    for (const char *const *q = p->req->questions; q && *q; q++)
        if (g_str_has_prefix(*q, "object-prop:") || g_str_has_prefix(*q, "device-prop:"))
            g_ptr_array_add(asked, (gpointer)*q);
    json_object_object_add(facts, "asked-props", sorted_strings(asked));
    json_object_object_add(facts, "cmdline", cmdline_facts(p->r1[Q_CMDLINE].reply));

    g_autoptr(GPtrArray) tpm_models = g_ptr_array_new_with_free_func(g_free);
    collect_names(tpm_models, p->r1[Q_TPM_MODELS].reply, NULL);
    json_object_object_add(facts, "tpm-models", sorted_strings(tpm_models));
    g_autoptr(GPtrArray) tpm_types = g_ptr_array_new_with_free_func(g_free);
    collect_names(tpm_types, p->r1[Q_TPM_TYPES].reply, NULL);
    json_object_object_add(facts, "tpm-types", sorted_strings(tpm_types));
}

/* The accelerator's part: its view of KVM, SEV, SGX and GIC at the top,
 * machines, CPU models and expansions under "accel", as what QEMU runs. */
static void add_accel_facts(json_object *facts, DcProbe *p)
{
    DcQmpRequest *r1 = p->r1;
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
    gboolean full = p->r3->len > 0;
    json_object *expansion = full ? g_array_index(p->r3, DcQmpRequest, 0).reply : r2_reply(p, p->idx_expand);
    json_object *expansion_nm = full ? (p->r3->len > 1 ? g_array_index(p->r3, DcQmpRequest, 1).reply : NULL)
                                     : r2_reply(p, p->idx_expand_nm);
    if (expansion)
        json_object_object_add(acc, "cpu-expansion", json_object_get(expansion));
    if (expansion_nm)
        json_object_object_add(acc, "cpu-expansion-nonmigratable", json_object_get(expansion_nm));
    if (r2_reply(p, p->idx_hv))
        json_object_object_add(acc, "cpu-expansion-hyperv", json_object_get(r2_reply(p, p->idx_hv)));
    json_object *accel = json_object_new_object();
    json_object_object_add(accel, p->accel, acc);
    json_object_object_add(facts, "accel", accel);
}

static json_object *build_facts(DcProbe *p, GPtrArray *props)
{
    json_object *qver = p->r1[Q_VERSION].reply, *qemu_ver = NULL;
    json_object_object_get_ex(qver, "qemu", &qemu_ver);
    json_object *facts = json_object_new_object();
    json_object_object_add(facts, "domcaps-facts", json_object_new_int(DC_FACTS_FORMAT));
    json_object_object_add(facts, "emulator", json_object_new_string(p->req->emulator));
    json_object *q = json_object_new_object();
    json_object_object_add(q, "major", json_object_new_int64(dc_json_int(qemu_ver, "major", 0)));
    json_object_object_add(q, "minor", json_object_new_int64(dc_json_int(qemu_ver, "minor", 0)));
    json_object_object_add(q, "micro", json_object_new_int64(dc_json_int(qemu_ver, "micro", 0)));
    const char *package = dc_json_str(qver, "package");
    json_object_object_add(q, "package", json_object_new_string(package ? package : ""));
    json_object_object_add(facts, "qemu", q);
    json_object_object_add(facts, "target", json_object_new_string(p->target));
    if (dc_qmp_executable(p->qmp))
        json_object_object_add(facts, "executable", json_object_new_string(dc_qmp_executable(p->qmp)));
    json_object *kvm = json_object_new_object();
    json_object_object_add(kvm, "present", json_object_new_boolean(dc_json_bool(p->r1[Q_KVM].reply, "present", FALSE)));
    json_object_object_add(kvm, "enabled", json_object_new_boolean(strcmp(p->accel, "kvm") == 0));
    json_object_object_add(facts, "kvm", kvm);
    if (strcmp(p->req->accel, "kvm") == 0 && strcmp(p->accel, "kvm") != 0)
        json_object_object_add(facts, "kvm-refused", json_object_new_boolean(TRUE));
    if (p->groups & DC_PROBE_ASK_SCHEMA)
        add_schema_facts(facts, p->req, p->r1[Q_SCHEMA].reply);
    if (p->groups & DC_PROBE_ASK_QOM)
        add_qom_facts(facts, p, props);
    if (p->groups & DC_PROBE_ASK_ACCEL)
        add_accel_facts(facts, p);
    return facts;
}

json_object *dc_probe_run(const DcProbeRequest *req, GError **err)
{
    DcProbe p = { .req = req, .groups = req->ask ? req->ask : DC_PROBE_ASK_ALL };
    p.r2 = g_array_new(FALSE, TRUE, sizeof(DcQmpRequest));
    p.r3 = g_array_new(FALSE, TRUE, sizeof(DcQmpRequest));
    if (!(p.qmp = open_transport(req, err))) {
        probe_clear(&p);
        return NULL;
    }
    if (req->record)
        dc_qmp_set_recorder(p.qmp, req->record);
    /* A KVM probe whose QEMU fell back to TCG is a TCG probe. */
    if (!ask_round1(&p, err) || !check_round1(&p, err)) {
        probe_clear(&p);
        return NULL;
    }
    gboolean kvm_runs = dc_json_bool(p.r1[Q_KVM].reply, "present", FALSE) &&
                        dc_json_bool(p.r1[Q_KVM].reply, "enabled", FALSE);
    p.accel = strcmp(req->accel, "kvm") == 0 && !kvm_runs ? "tcg" : req->accel;
    plan_round2(&p);
    if (p.r2->len > 0 && !dc_qmp_run(p.qmp, (DcQmpRequest *)(void *)p.r2->data, p.r2->len, err)) {
        probe_clear(&p);
        return NULL;
    }
    g_autoptr(GPtrArray) props = g_ptr_array_new_with_free_func(g_free);
    collect_props(props, &p, p.prop_types, p.idx_props0);
    if (!ask_round3(&p, props, err)) {
        probe_clear(&p);
        return NULL;
    }
    json_object *facts = build_facts(&p, props);
    probe_clear(&p);
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
