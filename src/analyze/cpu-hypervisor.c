/* What the daemon knows of a hypervisor for the hypervisor-cpu-* commands:
 * the query resolved as libvirt's virQEMUCapsCacheLookupDefault() does
 * (with its messages), then, from domcaps' probe of the emulator, QEMU's
 * CPU models with their blockers, the features of its host CPU expansion,
 * and the host-model CPU the domain capabilities report. */
#include "analyze/cpu.h"
#include "api-internal.h"
#include "util/arch.h"
#include "format/releases.h"
#include "cpu/cpu.h"
#include "cpu/lverror.h"
#include "host/host.h"
#include "probe/facts.h"
#include "query/release.h"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_CPU_MAP "/usr/share/libvirt/cpu_map"

/* libvirt 9.0's domain types: what each asks of QEMU. Every type but
 * "qemu" counts as accelerated and needs an emulator that has KVM; only
 * "kvm" gets KVM's answers, "hvf" gets none here, the rest TCG's. */
typedef struct {
    const char *name;
    const char *query;   /* domcaps' virttype to ask, NULL: the default */
    const char *accel;   /* facts to use: "kvm", "tcg", NULL: none */
    const char *accel_name;  /* libvirt's name of the accelerator in messages */
} VirtType;

static const VirtType virt_types[] = {
    { "none", NULL, NULL, NULL },
    { "qemu", "qemu", "tcg", "tcg" },
    { "kqemu", "qemu", "tcg", "tcg" },
    { "kvm", "kvm", "kvm", "kvm" },
    { "xen", "qemu", "tcg", "tcg" },
    { "lxc", "qemu", "tcg", "tcg" },
    { "uml", "qemu", "tcg", "tcg" },
    { "openvz", "qemu", "tcg", "tcg" },
    { "test", "qemu", "tcg", "tcg" },
    { "vmware", "qemu", "tcg", "tcg" },
    { "hyperv", "qemu", "tcg", "tcg" },
    { "vbox", "qemu", "tcg", "tcg" },
    { "phyp", "qemu", "tcg", "tcg" },
    { "parallels", "qemu", "tcg", "tcg" },
    { "bhyve", "qemu", "tcg", "tcg" },
    { "vz", "qemu", "tcg", "tcg" },
    { "hvf", "qemu", NULL, "hvf" },
};

static const VirtType *virt_type(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(virt_types); i++)
        if (strcmp(virt_types[i].name, name) == 0)
            return &virt_types[i];
    return NULL;
}

void dc_hv_query_clear(DcHvQuery *q)
{
    g_clear_pointer(&q->emulator, g_free);
    g_clear_pointer(&q->arch, g_free);
    g_clear_pointer(&q->virttype, g_free);
    g_clear_pointer(&q->cpu_map_dir, g_free);
    g_clear_pointer(&q->facts, json_object_put);
    g_clear_pointer(&q->host_model, dc_cpu_def_free);
}

/* libvirt's checks of an emulator named by the caller. */
static gboolean check_emulator(const DcHost *host, const char *emulator, GError **err)
{
    g_autofree char *path = dc_host_path(host, emulator);
    struct stat st;
    if (stat(path, &st) < 0) {
        dc_lv_error(err, DC_LV_BAD_EMULATOR, "Cannot check QEMU binary %s: %s", emulator, g_strerror(errno));
        return FALSE;
    }
    if (!S_ISREG(st.st_mode) || !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
        dc_lv_error(err, DC_LV_BAD_EMULATOR, "QEMU binary %s is not executable: %s", emulator,
                    g_strerror(S_ISDIR(st.st_mode) ? EISDIR : EACCES));
        return FALSE;
    }
    return TRUE;
}

/* The emulator a domcaps message names ('...'), when the query did not. */
static char *named_emulator(const char *message)
{
    /* the last '...' of the message: "the accel 'kvm' is not supported by '/usr/bin/...'" */
    const char *end = strrchr(message, '\'');
    const char *start = end && end > message ? g_strrstr_len(message, end - message, "'") : NULL;
    return start ? g_strndup(start + 1, (gsize)(end - start - 1)) : g_strdup("(null)");
}

guint dc_cpu_release(const domcaps_options *opts, GError **err)
{
    g_autoptr(DcHost) host = dc_host_new(opts ? opts->root : NULL, geteuid() == 0, NULL);
    g_autoptr(GError) e = NULL;
    guint release = dc_release_choose(opts ? opts->schema : NULL, host, NULL, &e);
    if (!release)
        dc_lv_error(err, DC_LV_INVALID_ARG, "%s", e->message);
    return release;
}

/* domcaps_get()'s errors in libvirt's words. */
static void lookup_error(GError **err, const GError *e, const domcaps_options *opts, const char *emulator,
                         const char *accel_name)
{
    g_autofree char *named = emulator ? g_strdup(emulator) : named_emulator(e->message);
    g_autofree char *exec_prefix = g_strdup_printf("cannot execute %s: ", named);

    switch (e->code) {
    case DOMCAPS_ERROR_NO_EMULATOR:
        dc_lv_error(err, DC_LV_NO_EMULATOR, "unable to find any emulator to serve '%s' architecture",
                    opts->arch ? opts->arch : "(null)");
        break;
    case DOMCAPS_ERROR_NO_KVM:
        dc_lv_error(err, DC_LV_INVALID_ARG, "the accel '%s' is not supported by '%s' on this host",
                    accel_name ? accel_name : "kvm", named);
        break;
    case DOMCAPS_ERROR_NOT_EXECUTABLE:
        /* libvirt passes on what its child said when exec failed. */
        if (g_str_has_prefix(e->message, exec_prefix)) {
            /* libvirt 12.9 says which probe failed first */
            g_autofree char *outer = dc_cpu_release(opts, NULL) >= DC_RELEASE_12_9
                ? g_strdup_printf("Failed to probe capabilities for %s: internal error: ", named) : g_strdup("");
            dc_lv_error(err, DC_LV_INTERNAL, "%sFailed to start QEMU binary %s for probing: libvirt:  error : "
                        "cannot execute binary %s: %s\n", outer, named, named, e->message + strlen(exec_prefix));
            break;
        }
        dc_lv_error(err, DC_LV_INTERNAL, "%s", e->message);
        break;
    case DOMCAPS_ERROR_ARCH_MISMATCH:
    case DOMCAPS_ERROR_UNKNOWN_MACHINE:
    case DOMCAPS_ERROR_INVALID_ARG:
        dc_lv_error(err, DC_LV_INVALID_ARG, "%s", e->message);
        break;
    default:
        dc_lv_error(err, DC_LV_INTERNAL, "%s", e->message);
    }
}

/* The host-model CPU of a document, as libvirt's reported host CPU. */
static DcCpuDef *host_model_of(const domcaps_doc *doc)
{
    const DcNode *cpu = dc_node_child(dc_doc_root(doc), "cpu", NULL);
    const DcNode *mode = cpu ? dc_node_child(cpu, "mode", "host-model") : NULL;
    if (!dc_node_is_supported(mode))
        return NULL;
    DcCpuDef *def = dc_cpu_def_new();
    def->type = DC_CPU_TYPE_GUEST;
    for (guint i = 0; i < mode->children.len; i++) {
        const DcNode *c = mode->children.pdata[i];
        if (strcmp(c->name, "model") == 0) {
            def->model = g_strdup(c->text);
            def->fallback = g_strcmp0(dc_node_get_attr(c, "fallback"), "forbid") == 0 ? DC_CPU_FALLBACK_FORBID
                                                                                      : DC_CPU_FALLBACK_ALLOW;
        } else if (strcmp(c->name, "vendor") == 0) {
            def->vendor = g_strdup(c->text);
        } else if (strcmp(c->name, "feature") == 0) {
            gboolean off = g_strcmp0(dc_node_get_attr(c, "policy"), "disable") == 0;
            dc_cpu_def_add_feature(def, dc_node_get_attr(c, "name"),
                                   off ? DC_CPU_POLICY_DISABLE : DC_CPU_POLICY_REQUIRE, DC_CPU_ADD_UPDATE, NULL);
        }
    }
    return def;
}

/* One domcaps query of @opts with virttype @virttype, keeping its facts. */
static domcaps_doc *probe(const domcaps_options *opts, const char *virttype, json_object **facts, GError **err,
                          const char *emulator_label, const char *accel_name)
{
    domcaps_options o = *opts;
    g_autoptr(GError) local = NULL;
    o.virttype = virttype;
    o.schema = "9.0";   /* the host-model CPU as libvirt 9.0 reports it */
    o.flags = 0;
    domcaps_doc *doc = dc_api_get_with_facts(&o, facts, &local);
    if (!doc)
        lookup_error(err, local, opts, emulator_label, accel_name);
    return doc;
}

/* For types other than qemu and kvm: an emulator without KVM cannot serve
 * them (libvirt's capsType); otherwise they get TCG's (or no) answers. */
static gboolean accelerated_ok(const domcaps_options *opts, const VirtType *vt, GError **err)
{
    g_autoptr(json_object) facts = NULL;
    g_autoptr(domcaps_doc) doc = probe(opts, NULL, &facts, err, opts->emulator, vt->accel_name);
    if (!doc)
        return FALSE;
    if (strcmp(domcaps_doc_virttype(doc), "kvm") != 0) {
        dc_lv_error(err, DC_LV_INVALID_ARG, "the accel '%s' is not supported by '%s' on this host", vt->accel_name,
                    domcaps_doc_emulator(doc));
        return FALSE;
    }
    return TRUE;
}

gboolean dc_hv_query_resolve(const domcaps_options *opts, DcHvQuery *q, GError **err)
{
    const VirtType *vt = virt_type(opts->virttype ? opts->virttype : "none");
    if (!vt) {
        dc_lv_error(err, DC_LV_INVALID_ARG, "unknown virttype: %s", opts->virttype);
        return FALSE;
    }
    if (opts->arch && !dc_arch_is_known(opts->arch, DC_RELEASE_NEWEST)) {
        dc_lv_error(err, DC_LV_INVALID_ARG, "unknown architecture: %s", opts->arch);
        return FALSE;
    }
    g_autoptr(DcHost) host = dc_host_new(opts->root, geteuid() == 0, g_get_user_config_dir());
    if (opts->emulator && !opts->replay && !check_emulator(host, opts->emulator, err))
        return FALSE;
    gboolean other = strcmp(vt->name, "qemu") != 0 && strcmp(vt->name, "kvm") != 0 && strcmp(vt->name, "none") != 0;
    if (other && !accelerated_ok(opts, vt, err))
        return FALSE;
    g_autoptr(domcaps_doc) doc = probe(opts, vt->query, &q->facts, err, opts->emulator, vt->accel_name);
    if (!doc)
        return FALSE;
    q->emulator = g_strdup(domcaps_doc_emulator(doc));
    q->arch = g_strdup(domcaps_doc_arch(doc));
    q->virttype = g_strdup(strcmp(vt->name, "none") == 0 ? domcaps_doc_virttype(doc) : vt->name);
    q->accel = vt->query ? vt->accel : strcmp(domcaps_doc_virttype(doc), "kvm") == 0 ? "kvm" : "tcg";
    q->cpu_map_dir = dc_host_path(host, opts->cpu_map_dir ? opts->cpu_map_dir : DEFAULT_CPU_MAP);
    q->host_model = q->accel ? host_model_of(doc) : NULL;
    q->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
    return TRUE;
}

/* Member @key of the facts of the query's accelerator (probe/facts.h). */
static json_object *accel_member(const DcHvQuery *q, const char *key)
{
    json_object *accels = NULL, *accel = NULL, *member = NULL;
    if (!q->accel || !json_object_object_get_ex(q->facts, "accel", &accels) ||
        !json_object_object_get_ex(accels, q->accel, &accel) || !json_object_object_get_ex(accel, key, &member))
        return NULL;
    return member;
}

json_object *dc_hv_query_definitions(const DcHvQuery *q)
{
    json_object *defs = accel_member(q, "cpu-definitions");
    return defs && json_object_is_type(defs, json_type_array) ? defs : NULL;
}

/* x86 feature names come from QEMU in its spelling; the map's is used. */
static const char *map_name(const DcHvQuery *q, const char *name)
{
    return dc_cpu_family_for_arch(q->arch) == DC_CPU_FAMILY_X86 ? dc_cpu_x86_feature_name(name) : name;
}

DcHvModels *dc_hv_query_models(const DcHvQuery *q)
{
    json_object *defs = dc_hv_query_definitions(q);
    DcHvModels *models = dc_hv_models_new();
    for (size_t i = 0; defs && i < json_object_array_length(defs); i++) {
        json_object *def = json_object_array_get_idx(defs, i);
        json_object *unavail = NULL;
        const char *name = dc_json_str(def, "name");
        g_autoptr(GPtrArray) blockers = g_ptr_array_new();
        if (!name)
            continue;
        json_object_object_get_ex(def, "unavailable-features", &unavail);
        for (size_t k = 0; unavail && json_object_is_type(unavail, json_type_array) &&
                           k < json_object_array_length(unavail); k++) {
            const char *f = json_object_get_string(json_object_array_get_idx(unavail, k));
            if (f)
                g_ptr_array_add(blockers, (gpointer)map_name(q, f));
        }
        g_ptr_array_add(blockers, NULL);
        dc_hv_models_add(models, name, (const char *const *)blockers->pdata);
    }
    return models;
}

DcHvModels *dc_hv_query_model_names(const DcHvQuery *q)
{
    json_object *defs = dc_hv_query_definitions(q);
    DcHvModels *models = dc_hv_models_new();
    for (size_t i = 0; defs && i < json_object_array_length(defs); i++) {
        const char *name = dc_json_str(json_object_array_get_idx(defs, i), "name");
        if (name)
            dc_hv_models_add(models, name, NULL);
    }
    return models;
}

static json_object *expansion_props(json_object *expansion)
{
    json_object *model = NULL, *props = NULL;
    if (!expansion || !json_object_object_get_ex(expansion, "model", &model) ||
        !json_object_object_get_ex(model, "props", &props) || !json_object_is_type(props, json_type_object))
        return NULL;
    return props;
}

GPtrArray *dc_hv_query_features(const DcHvQuery *q, gboolean migratable, gboolean *migratability)
{
    json_object *props = expansion_props(accel_member(q, "cpu-expansion"));
    json_object *nm = expansion_props(accel_member(q, "cpu-expansion-nonmigratable"));
    *migratability = nm != NULL;
    if (!props)
        return NULL;
    GPtrArray *names = g_ptr_array_new();
    json_object_object_foreach(props, key, val) {
        json_object *nmval = NULL;
        /* Enabled only when migration need not be possible: blocks it. */
        gboolean blocks = nm && json_object_is_type(val, json_type_boolean) && !json_object_get_boolean(val) &&
                          json_object_object_get_ex(nm, key, &nmval) &&
                          json_object_is_type(nmval, json_type_boolean) && json_object_get_boolean(nmval);
        if (!(migratable && blocks))
            g_ptr_array_add(names, (gpointer)map_name(q, key));
    }
    g_ptr_array_add(names, NULL);
    return names;
}

gboolean dc_hv_query_has_command(const DcHvQuery *q, const char *command)
{
    /* A schema fact like any other: the value table declares the commands
     * read here (dc_section_facts), so the probe asks them. */
    g_autoptr(DcFacts) facts = dc_facts_new_from_json(q->facts);
    g_autofree char *key = g_strdup_printf("schema:%s", command);
    return dc_facts_has(facts, key);
}
