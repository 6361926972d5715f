/* x86 CPUs as sets of feature names, for the start-time CPU rules
 * (rules-cpu.c): what a definition requires, and what libvirt 9.0 takes
 * the host to have when it compares (qemuProcessUpdateGuestCPU's "full"
 * host CPU: under KVM the host's own CPUID, and the IA32_ARCH_CAPABILITIES
 * KVM offers, plus host-model's required features; under TCG host-model). */
#include "analyze/cpu-features.h"
#include "cpu/x86map.h"
#include <string.h>
#include "host/kvm-guest.h"
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define DC_HAVE_X86 1
#endif

GHashTable *dc_feature_set_new(void)
{
    return g_hash_table_new(g_str_hash, g_str_equal);
}

/* The map's features wholly in @data (map-owned names). */
static void add_features_of(const DcX86Map *map, const GArray *data, GHashTable *set)
{
    for (guint i = 0; i < map->features->len; i++) {
        const X86Feature *f = map->features->pdata[i];
        if (dc_x86_data_contains(data, f->data))
            g_hash_table_add(set, f->name);
    }
}

gboolean dc_model_features(const DcX86Map *map, const char *model, GHashTable *set)
{
    const X86Model *m = dc_x86_map_model(map, model);
    if (!m)
        return FALSE;
    add_features_of(map, m->data, set);
    return TRUE;
}

#ifdef DC_HAVE_X86
/* The host's value of one CPUID item or, for IA32_ARCH_CAPABILITIES, what
 * KVM reports (libvirt reads /dev/cpu/0/msr or KVM the same way). */
static gboolean host_item(const DcHost *host, const X86Item *want, X86Item *got)
{
    *got = *want;
    if (want->type == ITEM_CPUID) {
        unsigned int r[4];
        if (!__get_cpuid_count(want->in, want->sub, &r[0], &r[1], &r[2], &r[3]))
            return FALSE;
        memcpy(got->r, r, sizeof(r));
        return TRUE;
    }
    guint64 v = 0;
    gboolean ok = dc_kvm_feature_msr(host, want->in, &v);
    got->r[EAX] = (guint32)v;
    got->r[EDX] = (guint32)(v >> 32);
    got->r[EBX] = got->r[ECX] = 0;
    return ok;
}

static gboolean host_has(const DcHost *host, const GArray *data)
{
    for (guint i = 0; i < data->len; i++) {
        const X86Item *want = &g_array_index(data, X86Item, i);
        X86Item got;
        if (!host_item(host, want, &got) || !dc_x86_item_has_bits(&got, want))
            return FALSE;
    }
    return data->len > 0;
}
#endif

void dc_host_cpuid_features(const DcX86Map *map, const DcHost *host, GHashTable *set)
{
#ifdef DC_HAVE_X86
    if (strcmp(host->root, "/") != 0)
        return; /* a fixture host states no CPUID for this */
    for (guint i = 0; i < map->features->len; i++) {
        const X86Feature *f = map->features->pdata[i];
        if (host_has(host, f->data))
            g_hash_table_add(set, f->name);
    }
#else
    (void)map;
    (void)host;
    (void)set;
#endif
}

void dc_mode_features(const DcX86Map *map, const DcNode *mode, GHashTable *set, gboolean with_model)
{
    const DcNode *model = dc_node_child(mode, "model", NULL);
    if (with_model && model && model->text)
        dc_model_features(map, model->text, set);
    for (guint i = 0; i < mode->children.len; i++) {
        const DcNode *f = mode->children.pdata[i];
        const char *name = dc_node_get_attr(f, "name");
        const X86Feature *known = name ? dc_x86_map_feature(map, name) : NULL;
        if (strcmp(f->name, "feature") != 0 || !known)
            continue;
        gboolean disabled = g_strcmp0(dc_node_get_attr(f, "policy"), "disable") == 0;
        if (!disabled)
            g_hash_table_add(set, known->name);
        else if (with_model)
            g_hash_table_remove(set, known->name);
    }
}

static int name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The members of @want that are (@in_have) or are not in @have, sorted, joined. */
static char *join_members(GHashTable *want, GHashTable *have, gboolean in_have)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, want);
    while (g_hash_table_iter_next(&it, &k, NULL))
        if (g_hash_table_contains(have, k) == in_have)
            g_ptr_array_add(names, k);
    if (!names->len)
        return NULL;
    g_ptr_array_sort(names, name_cmp);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(", ", (char **)names->pdata);
}

char *dc_feature_set_missing(GHashTable *want, GHashTable *have)
{
    return join_members(want, have, FALSE);
}

char *dc_feature_set_common(GHashTable *want, GHashTable *have)
{
    return join_members(want, have, TRUE);
}
