/* Kubernetes node labels from a host's document, with the names and rules
 * of KubeVirt's node labeller (virt-handler's node-labeller: the
 * cpu-model, cpu-model-migration, cpu-feature, cpu-vendor,
 * host-model-cpu, host-model-required-features, machine-type and SEV
 * labels), for Node Feature Discovery's local feature files. Labels
 * KubeVirt takes from elsewhere than the document (TSC frequency,
 * Hyper-V from KVM, realtime, KSM) are not made. */
#include "analyze/publish.h"
#include <stdlib.h>

#define NS ".node.kubevirt.io/"
static const char CPU_MODEL[] = "cpu-model" NS;
static const char CPU_MODEL_MIGRATION[] = "cpu-model-migration" NS;
static const char CPU_FEATURE[] = "cpu-feature" NS;
static const char CPU_VENDOR[] = "cpu-vendor" NS;
static const char HOST_MODEL_CPU[] = "host-model-cpu" NS;
static const char HOST_MODEL_FEATURES[] = "host-model-required-features" NS;
static const char MACHINE_TYPE[] = "machine-type" NS;
static const char OBSOLETE_HOST_MODEL[] = "node-labeller.kubevirt.io/obsolete-host-model";
static const char SEV[] = "kubevirt.io/sev";
static const char SEV_ES[] = "kubevirt.io/sev-es";
static const char SEV_SNP[] = "kubevirt.io/sev-snp";

/* KubeVirt's default obsoleteCPUModels: no model labels for these. */
static const char *const obsolete_models[] = {
    "486", "486-v1", "pentium", "pentium-v1", "pentium2", "pentium2-v1", "pentium3", "pentium3-v1",
    "pentiumpro", "pentiumpro-v1", "coreduo", "coreduo-v1", "n270", "n270-v1", "core2duo", "core2duo-v1",
    "Conroe", "Conroe-v1", "athlon", "athlon-v1", "phenom", "phenom-v1", "qemu64", "qemu64-v1",
    "qemu32", "qemu32-v1", "kvm64", "kvm64-v1", "kvm32", "kvm32-v1", "Opteron_G1", "Opteron_G1-v1",
    "Opteron_G2", "Opteron_G2-v1", NULL,
};

/* What KubeVirt's labeller does per architecture (its arch labellers);
 * other arches get machine type and SEV labels only. */
static const struct {
    const char *arch;
    const char *default_vendor;   /* when host-model names none */
    gboolean empty_policy;        /* a feature without policy is required */
} cpu_arches[] = {
    { "x86_64", NULL, FALSE },
    { "s390x", "IBM", TRUE },
};

typedef struct {
    GHashTable *labels;   /* key -> value */
    guint invalid;
} Labels;

/* A label named from the document: one its names would make invalid is
 * left out (and counted), never written. */
static void add(Labels *l, const char *prefix, const char *name, const char *value)
{
    char *key = g_strconcat(prefix, name ? name : "", NULL);
    if (!name || !dc_k8s_label_key_valid(key) || !dc_k8s_label_value_valid(value)) {
        l->invalid++;
        g_free(key);
        return;
    }
    g_hash_table_replace(l->labels, key, g_strdup(value));
}

static const DcNode *child_path(const DcNode *n, const char *const *steps)
{
    for (; n && *steps; steps++)
        n = dc_node_child(n, *steps, NULL);
    return n;
}

/* SEV, SEV-ES when it has ES guests, SEV-SNP when launchSecurity offers it too. */
static void sev_labels(Labels *l, const DcNode *doc)
{
    static const char *const sev_path[] = { "features", "sev", NULL };
    static const char *const ls_path[] = { "features", "launchSecurity", NULL };
    const DcNode *sev = child_path(doc, sev_path);
    if (!dc_node_is_supported(sev))
        return;
    g_hash_table_replace(l->labels, g_strdup(SEV), g_strdup("true"));
    const DcNode *es = dc_node_child(sev, "maxESGuests", NULL);
    if (!es || !es->text || g_ascii_strtoull(es->text, NULL, 10) == 0)
        return;
    g_hash_table_replace(l->labels, g_strdup(SEV_ES), g_strdup("true"));
    const DcNode *ls = child_path(doc, ls_path);
    if (dc_node_is_supported(ls) && dc_node_enum_has(ls, "sectype", "sev-snp"))
        g_hash_table_replace(l->labels, g_strdup(SEV_SNP), g_strdup(""));
}

/* The models every <mode> lists as usable (KubeVirt reads them all). */
static void model_labels(Labels *l, const DcNode *cpu)
{
    for (guint i = 0; cpu && i < cpu->children.len; i++) {
        const DcNode *mode = cpu->children.pdata[i];
        for (guint k = 0; strcmp(mode->name, "mode") == 0 && k < mode->children.len; k++) {
            const DcNode *m = mode->children.pdata[k];
            const char *usable = dc_node_get_attr(m, "usable");
            if (strcmp(m->name, "model") != 0 || !usable || !*usable || strcmp(usable, "no") == 0 ||
                g_strv_contains(obsolete_models, m->text ? m->text : ""))
                continue;
            add(l, CPU_MODEL, m->text, "true");
            add(l, CPU_MODEL_MIGRATION, m->text, "true");
        }
    }
}

static void host_model_labels(Labels *l, const DcNode *mode, gsize rules)
{
    const DcNode *model = mode ? dc_node_child(mode, "model", NULL) : NULL;
    if (!model || !model->text)
        return;
    if (g_strv_contains(obsolete_models, model->text))
        g_hash_table_replace(l->labels, g_strdup(OBSOLETE_HOST_MODEL), g_strdup("true"));
    else
        add(l, CPU_MODEL_MIGRATION, model->text, "true");
    add(l, HOST_MODEL_CPU, model->text, "true");
    const DcNode *vendor = dc_node_child(mode, "vendor", NULL);
    add(l, CPU_VENDOR, vendor && vendor->text ? vendor->text : cpu_arches[rules].default_vendor, "true");
    for (guint i = 0; i < mode->children.len; i++) {
        const DcNode *f = mode->children.pdata[i];
        const char *policy = dc_node_get_attr(f, "policy");
        if (strcmp(f->name, "feature") == 0 &&
            (g_strcmp0(policy, "require") == 0 || (!policy && cpu_arches[rules].empty_policy)))
            add(l, HOST_MODEL_FEATURES, dc_node_get_attr(f, "name"), "true");
    }
}

static void cpu_labels(Labels *l, const DcNode *doc, gsize rules, const char *cpu_map_dir)
{
    const DcNode *cpu = dc_node_child(doc, "cpu", NULL);
    model_labels(l, cpu);
    host_model_labels(l, cpu ? dc_node_child(cpu, "mode", "host-model") : NULL, rules);
    g_autoptr(GPtrArray) features = dc_host_cpu_features(doc, cpu_map_dir, NULL);
    for (guint i = 0; features && i < features->len; i++)
        add(l, CPU_FEATURE, features->pdata[i], "true");
}

static int by_key(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *dc_labels(const DcNode *doc, const char *cpu_map_dir, guint *n_invalid)
{
    Labels l = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free), 0 };
    const DcNode *arch = dc_node_child(doc, "arch", NULL);
    for (gsize r = 0; r < G_N_ELEMENTS(cpu_arches); r++)
        if (arch && g_strcmp0(arch->text, cpu_arches[r].arch) == 0)
            cpu_labels(&l, doc, r, cpu_map_dir);
    const DcNode *machine = dc_node_child(doc, "machine", NULL);
    if (machine)
        add(&l, MACHINE_TYPE, machine->text, "true");
    sev_labels(&l, doc);
    g_autofree gpointer *keys = g_hash_table_get_keys_as_array(l.labels, NULL);
    guint n = g_hash_table_size(l.labels);
    qsort(keys, n, sizeof(gpointer), by_key);
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(out, g_strdup_printf("%s=%s", (char *)keys[i], (char *)g_hash_table_lookup(l.labels,
                                                                                                   keys[i])));
    g_hash_table_unref(l.labels);
    if (n_invalid)
        *n_invalid = l.invalid;
    return out;
}
