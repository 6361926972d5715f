/*
 * test-flags.c: the host-model changes of libvirt's newer domcapabilities
 * flags (domcaps_options.flags), on the CPU map of the Debian 12 fixture
 * host (libvirt 9.0's): the expansion of a model's features, the
 * IA32_ARCH_CAPABILITIES features as QEMU >= 10.1 masks them, QEMU's
 * deprecated-props.
 */
#include <string.h>

#include <glib.h>
#include <json-c/json.h>

#include "api-internal.h"
#include "caps/sections.h"
#include "format/releases.h"
#include "cpu/cpu.h"
#include "cpu/cpumap.h"
#include "probe/facts.h"

#define CPU_MAP DC_TEST_DATA_DIR "/hosts/debian12/usr/share/libvirt/cpu_map"

static DcCpuMap *load_map(void)
{
    g_autoptr(GError) err = NULL;
    DcCpuMap *map = dc_cpu_map_load(CPU_MAP, "x86_64", &err);
    g_assert_no_error(err);
    return map;
}

static GPtrArray *features(const char *const *pairs)
{
    GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)dc_cpu_feature_free);
    for (; pairs && pairs[0]; pairs += 2) {
        DcCpuFeature *f = g_new0(DcCpuFeature, 1);
        f->name = g_strdup(pairs[0]);
        f->policy = g_strdup(pairs[1]);
        g_ptr_array_add(list, f);
    }
    return list;
}

static const char *policy_of(GPtrArray *list, const char *name)
{
    for (guint i = 0; i < list->len; i++) {
        const DcCpuFeature *f = list->pdata[i];
        if (strcmp(f->name, name) == 0)
            return f->policy;
    }
    return NULL;
}

static void test_msr_features(void)
{
    g_autoptr(DcCpuMap) map = load_map();
    /* bits 0, 3, 5, 6: what KVM offers on an AMD host */
    g_autoptr(GPtrArray) names = dc_cpu_x86_msr_features(map, 0x10a, 0x400000000c000069ULL);
    g_assert_cmpuint(names->len, ==, 4);
    g_assert_cmpstr(names->pdata[0], ==, "rdctl-no");
    g_assert_cmpstr(names->pdata[1], ==, "skip-l1dfl-vmentry");
    g_assert_cmpstr(names->pdata[2], ==, "mds-no");
    g_assert_cmpstr(names->pdata[3], ==, "pschange-mc-no");
    g_autoptr(GPtrArray) none = dc_cpu_x86_msr_features(map, 0x10a, 0);
    g_assert_cmpuint(none->len, ==, 0);
}

static void test_expand(void)
{
    g_autoptr(DcCpuMap) map = load_map();
    static const char *const given[] = { "x2apic", "require", "sse2", "disable", "not-in-map", "require", NULL };
    g_autoptr(GPtrArray) in = features(given);
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) out = dc_cpu_x86_expand_features(map, "qemu64", in, &err);
    g_assert_no_error(err);
    /* qemu64's own features, the required one, the disabled one kept. */
    g_assert_cmpstr(policy_of(out, "fpu"), ==, "require");
    g_assert_cmpstr(policy_of(out, "lm"), ==, "require");
    g_assert_cmpstr(policy_of(out, "x2apic"), ==, "require");
    g_assert_cmpstr(policy_of(out, "sse2"), ==, "disable");
    g_assert_cmpstr(policy_of(out, "not-in-map"), ==, "require");
    g_assert_null(policy_of(out, "avx512f"));
    /* each once; an unknown feature comes last */
    for (guint i = 0; i < out->len; i++)
        for (guint j = i + 1; j < out->len; j++)
            g_assert_cmpstr(((DcCpuFeature *)out->pdata[i])->name, !=, ((DcCpuFeature *)out->pdata[j])->name);
    g_assert_cmpstr(((DcCpuFeature *)out->pdata[out->len - 1])->name, ==, "not-in-map");

    g_assert_null(dc_cpu_x86_expand_features(map, "no-such-model", in, &err));
    g_assert_error(err, DC_CPU_ERROR, DC_CPU_ERROR_NO_MODEL);
}

/* A document with a host-model of @model and one required feature, and
 * facts whose TCG expansion is @expansion (JSON). */
static DcNode *document(const char *model)
{
    DcNode *root = dc_node_new("domainCapabilities");
    DcNode *cpu = dc_node_add(root, "cpu");
    DcNode *mode = dc_node_add(cpu, "mode");
    dc_node_set_attr(mode, "name", "host-model");
    dc_node_set_supported(mode, TRUE);
    dc_node_set_attr(dc_node_add_text(mode, "model", model), "fallback", "forbid");
    dc_node_add_text(mode, "vendor", "AMD");
    DcNode *f = dc_node_add(mode, "feature");
    dc_node_set_attr(f, "policy", "require");
    dc_node_set_attr(f, "name", "x2apic");
    return root;
}

static DcFacts *facts(const char *expansion)
{
    g_autofree char *text = g_strdup_printf("{\"accel\": {\"tcg\": {\"cpu-expansion\": %s}}}", expansion);
    json_object *obj = json_tokener_parse(text);
    g_assert_nonnull(obj);
    DcFacts *f = dc_facts_new_from_json(obj);
    json_object_put(obj);
    return f;
}

static const char *doc_policy(DcNode *root, const char *name)
{
    DcNode *mode = dc_node_child(dc_node_child(root, "cpu", NULL), "mode", "host-model");
    for (guint i = 0; i < mode->children.len; i++) {
        DcNode *c = mode->children.pdata[i];
        if (strcmp(c->name, "feature") == 0 && g_strcmp0(dc_node_get_attr(c, "name"), name) == 0)
            return dc_node_get_attr(c, "policy");
    }
    return NULL;
}

static guint n_features(DcNode *root)
{
    DcNode *mode = dc_node_child(dc_node_child(root, "cpu", NULL), "mode", "host-model");
    guint n = 0;
    for (guint i = 0; i < mode->children.len; i++)
        n += strcmp(((DcNode *)mode->children.pdata[i])->name, "feature") == 0;
    return n;
}

/* The flags applied to the host-model mode of @root, as the <cpu> section does. */
static void apply(DcNode *root, const DcFacts *f, const DcHost *host, unsigned int flags)
{
    DcCapsQuery q = { .arch = "x86_64", .emu_arch = "x86_64", .virttype = "qemu",
                      .release = DC_RELEASE_NEWEST, .flags = flags };
    DcCapsCtx ctx = { .facts = f, .host = host, .query = &q, .accel = "tcg" };
    g_autoptr(DcCpuMap) map = load_map();
    dc_caps_host_model_flags(&ctx, map, dc_node_child(dc_node_child(root, "cpu", NULL), "mode", "host-model"));
}

static void test_apply(void)
{
    g_autoptr(DcHost) host = dc_host_new("/", FALSE, NULL);
    /* The host expansion reports two arch-capabilities features that the
     * host-model (as QEMU >= 10.1 masks them) does not list. */
    g_autoptr(DcFacts) f = facts("{\"model\": {\"name\": \"max\", \"props\": {\"mds-no\": true, "
                                 "\"rdctl-no\": true, \"ssb-no\": false, \"x2apic\": true}}, "
                                 "\"deprecated-props\": [\"bpb\", \"te\"]}");

    g_autoptr(DcNode) none = document("qemu64");
    apply(none, f, host, 0);
    g_assert_cmpuint(n_features(none), ==, 1);

    g_autoptr(DcNode) sup = document("qemu64");
    apply(sup, f, host, DOMCAPS_GET_SUPPORTED_CPU_FEATURES);
    g_assert_cmpstr(doc_policy(sup, "mds-no"), ==, "require");
    g_assert_cmpstr(doc_policy(sup, "rdctl-no"), ==, "require");
    g_assert_cmpstr(doc_policy(sup, "arch-capabilities"), ==, "require");
    g_assert_null(doc_policy(sup, "ssb-no"));
    g_assert_cmpuint(n_features(sup), ==, 4);

    g_autoptr(DcNode) dep = document("qemu64");
    apply(dep, f, host, DOMCAPS_GET_DISABLE_DEPRECATED_FEATURES);
    g_assert_cmpstr(doc_policy(dep, "bpb"), ==, "disable");
    g_assert_cmpstr(doc_policy(dep, "te"), ==, "disable");
    g_assert_cmpuint(n_features(dep), ==, 3);

    g_autoptr(DcNode) exp = document("qemu64");
    apply(exp, f, host, DOMCAPS_GET_EXPAND_CPU_FEATURES);
    g_assert_cmpstr(doc_policy(exp, "fpu"), ==, "require");
    g_assert_cmpstr(doc_policy(exp, "x2apic"), ==, "require");
    g_assert_cmpuint(n_features(exp), >, 20);
    /* model and vendor stay first */
    DcNode *mode = dc_node_child(dc_node_child(exp, "cpu", NULL), "mode", "host-model");
    g_assert_cmpstr(((DcNode *)mode->children.pdata[0])->name, ==, "model");
    g_assert_cmpstr(((DcNode *)mode->children.pdata[1])->name, ==, "vendor");

    /* host-model not supported: nothing to change */
    g_autoptr(DcNode) unsup = document("qemu64");
    dc_node_set_supported(dc_node_child(dc_node_child(unsup, "cpu", NULL), "mode", "host-model"), FALSE);
    apply(unsup, f, host, DOMCAPS_GET_EXPAND_CPU_FEATURES);
    g_assert_cmpuint(n_features(unsup), ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/flags/msr-features", test_msr_features);
    g_test_add_func("/flags/expand", test_expand);
    g_test_add_func("/flags/apply", test_apply);
    return g_test_run();
}
