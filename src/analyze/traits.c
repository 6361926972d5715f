/* OpenStack placement traits from a host's document, as nova's libvirt
 * driver derives them from domain capabilities (its static traits:
 * storage buses, video models, CPU features and SEV, UEFI secure boot,
 * TPM), names from os_traits. The CPU features are the host-model CPU's
 * with those its model implies, where nova expands the host CPU of the
 * host's capabilities the same way. Not from the document, so not made:
 * hyperthreading (the host's topology), VIF models (a fixed list per virt
 * type), vIOMMU models (the arches nova probed and libvirt's version). */
#include "analyze/publish.h"
#include <stdlib.h>

/* nova's buses of every virt type (blockinfo's SUPPORTED_DEVICE_BUSES) */
static const char *const storage_buses[] = { "virtio", "scsi", "ide", "usb", "fdc", "sata", "lxc", "xen", "uml" };
/* nova's VideoModel.ALL */
static const char *const video_models[] = { "cirrus", "qxl", "vga", "vmvga", "xen", "virtio", "gop", "none",
                                            "bochs" };

/* nova's mapping of libvirt's CPU feature names to traits */
static const struct {
    const char *feature;
    const char *traits[2];
} cpu_traits[] = {
    { "3dnow", { "HW_CPU_X86_3DNOW" } },       { "abm", { "HW_CPU_X86_ABM" } },
    { "aes", { "HW_CPU_X86_AESNI" } },         { "avx", { "HW_CPU_X86_AVX" } },
    { "avx2", { "HW_CPU_X86_AVX2" } },         { "avx512bw", { "HW_CPU_X86_AVX512BW" } },
    { "avx512cd", { "HW_CPU_X86_AVX512CD" } }, { "avx512dq", { "HW_CPU_X86_AVX512DQ" } },
    { "avx512er", { "HW_CPU_X86_AVX512ER" } }, { "avx512f", { "HW_CPU_X86_AVX512F" } },
    { "avx512pf", { "HW_CPU_X86_AVX512PF" } }, { "avx512vl", { "HW_CPU_X86_AVX512VL" } },
    { "avx512vnni", { "HW_CPU_X86_AVX512VNNI" } }, { "avx512vbmi", { "HW_CPU_X86_AVX512VBMI" } },
    { "avx512ifma", { "HW_CPU_X86_AVX512IFMA" } }, { "avx512vbmi2", { "HW_CPU_X86_AVX512VBMI2" } },
    { "avx512bitalg", { "HW_CPU_X86_AVX512BITALG" } }, { "vaes", { "HW_CPU_X86_AVX512VAES" } },
    { "gfni", { "HW_CPU_X86_AVX512GFNI" } },   { "vpclmulqdq", { "HW_CPU_X86_AVX512VPCLMULQDQ" } },
    { "avx512-vpopcntdq", { "HW_CPU_X86_AVX512VPOPCNTDQ" } },
    { "bmi1", { "HW_CPU_X86_BMI" } },          { "bmi2", { "HW_CPU_X86_BMI2" } },
    { "pclmuldq", { "HW_CPU_X86_CLMUL" } },    { "f16c", { "HW_CPU_X86_F16C" } },
    { "fma", { "HW_CPU_X86_FMA3" } },          { "fma4", { "HW_CPU_X86_FMA4" } },
    { "mmx", { "HW_CPU_X86_MMX" } },           { "mpx", { "HW_CPU_X86_MPX" } },
    { "sha-ni", { "HW_CPU_X86_SHA" } },        { "sse", { "HW_CPU_X86_SSE" } },
    { "sse2", { "HW_CPU_X86_SSE2" } },         { "sse3", { "HW_CPU_X86_SSE3" } },
    { "sse4.1", { "HW_CPU_X86_SSE41" } },      { "sse4.2", { "HW_CPU_X86_SSE42" } },
    { "sse4a", { "HW_CPU_X86_SSE4A" } },       { "ssse3", { "HW_CPU_X86_SSSE3" } },
    { "svm", { "HW_CPU_X86_SVM", "HW_CPU_X86_AMD_SVM" } },
    { "tbm", { "HW_CPU_X86_TBM" } },
    { "vmx", { "HW_CPU_X86_VMX", "HW_CPU_X86_INTEL_VMX" } },
    { "xop", { "HW_CPU_X86_XOP" } },
};

static const DcNode *child_path(const DcNode *n, const char *a, const char *b)
{
    n = n ? dc_node_child(n, a, NULL) : NULL;
    return n && b ? dc_node_child(n, b, NULL) : n;
}

/* PREFIX + the value upper-cased, '-' as '_' (nova's spelling of a trait). */
static char *trait_of(const char *prefix, const char *value)
{
    char *t = g_strconcat(prefix, value, NULL);
    for (char *p = t + strlen(prefix); *p; p++)
        *p = *p == '-' ? '_' : g_ascii_toupper(*p);
    return t;
}

/* A trait per value of @list the document's enum holds (nova reads the
 * enum whatever the device's supported says). */
static void enum_traits(GHashTable *out, const DcNode *dev, const char *enum_name, const char *const *list, gsize n,
                        const char *prefix)
{
    for (gsize i = 0; i < n; i++)
        if (dc_node_enum_has(dev, enum_name, list[i]))
            g_hash_table_add(out, trait_of(prefix, list[i]));
}

static void collect_enum(const DcNode *n, const char *enum_name, GHashTable *values)
{
    gboolean match = strcmp(n->name, "enum") == 0 && g_strcmp0(dc_node_get_attr(n, "name"), enum_name) == 0;
    for (guint i = 0; i < n->children.len; i++) {
        const DcNode *c = n->children.pdata[i];
        if (match && strcmp(c->name, "value") == 0 && c->text)
            g_hash_table_add(values, c->text);
        collect_enum(c, enum_name, values);
    }
}

/* nova reads the disk's buses as every <enum name='bus'> of the document
 * (its parser's XPath starts at the root), so redirdev's usb counts too. */
static void storage_bus_traits(GHashTable *out, const DcNode *doc)
{
    if (!child_path(doc, "devices", "disk"))
        return;
    g_autoptr(GHashTable) buses = g_hash_table_new(g_str_hash, g_str_equal);
    collect_enum(doc, "bus", buses);
    for (gsize i = 0; i < G_N_ELEMENTS(storage_buses); i++)
        if (g_hash_table_contains(buses, storage_buses[i]))
            g_hash_table_add(out, trait_of("COMPUTE_STORAGE_BUS_", storage_buses[i]));
}

static void cpu_feature_traits(GHashTable *out, const DcNode *doc, const char *cpu_map_dir)
{
    g_autoptr(GPtrArray) features = dc_host_cpu_features(doc, cpu_map_dir, NULL);
    if (!features)
        return;
    g_autoptr(GHashTable) have = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < features->len; i++)
        g_hash_table_add(have, features->pdata[i]);
    for (gsize i = 0; i < G_N_ELEMENTS(cpu_traits); i++)
        for (gsize k = 0; k < 2 && cpu_traits[i].traits[k] && g_hash_table_contains(have, cpu_traits[i].feature); k++)
            g_hash_table_add(out, g_strdup(cpu_traits[i].traits[k]));
}

static void security_traits(GHashTable *out, const DcNode *doc)
{
    const DcNode *arch = dc_node_child(doc, "arch", NULL);
    if (arch && g_strcmp0(arch->text, "x86_64") == 0 && dc_node_is_supported(child_path(doc, "features", "sev")))
        g_hash_table_add(out, g_strdup("HW_CPU_X86_AMD_SEV"));
    if (dc_node_enum_has(child_path(doc, "os", "loader"), "secure", "yes"))
        g_hash_table_add(out, g_strdup("COMPUTE_SECURITY_UEFI_SECURE_BOOT"));
    /* nova offers both TPM versions where swtpm works, as the emulator
     * backend says it does */
    const DcNode *tpm = child_path(doc, "devices", "tpm");
    if (dc_node_is_supported(tpm) && dc_node_enum_has(tpm, "backendModel", "emulator")) {
        g_hash_table_add(out, g_strdup("COMPUTE_SECURITY_TPM_1_2"));
        g_hash_table_add(out, g_strdup("COMPUTE_SECURITY_TPM_2_0"));
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *dc_traits(const DcNode *doc, const char *cpu_map_dir)
{
    g_autoptr(GHashTable) out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    storage_bus_traits(out, doc);
    enum_traits(out, child_path(doc, "devices", "video"), "modelType", video_models, G_N_ELEMENTS(video_models),
                "COMPUTE_GRAPHICS_MODEL_");
    cpu_feature_traits(out, doc, cpu_map_dir);
    security_traits(out, doc);
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, out);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        g_hash_table_iter_steal(&it);
        g_ptr_array_add(list, key);
    }
    qsort(list->pdata, list->len, sizeof(gpointer), by_name);
    return list;
}
