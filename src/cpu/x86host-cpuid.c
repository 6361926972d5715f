/*
 * x86host-cpuid.c: the host-model CPU when QEMU cannot expand the host CPU
 * (no query-cpu-model-expansion): libvirt 9.0 then decodes the host's own
 * CPUID, and the IA32_ARCH_CAPABILITIES MSR, against the map among the
 * models QEMU knows (virCPUx86GetHost), keeps only features QEMU can be
 * asked for and lets QEMU fall back to another model (fallback='allow').
 * The document shows this CPU as it is, features that block migration
 * (invtsc, xsaves) included.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/x86map.h"

#define MSR_ARCH_CAPABILITIES 0x10a

/* Features the host reports but QEMU has no property for (libvirt's
 * virQEMUCapsCPUFilterFeatures). */
static const char *const not_for_qemu[] = { "cmt", "mbm_total", "mbm_local", "osxsave", "ospke" };

typedef struct {
    DcCpuidReader read;
    gpointer opaque;
    guint32 max_basic, max_extended;
    guint32 max_sub7, max_sub14;
} HostCpuid;

static gboolean read_leaf(const HostCpuid *h, guint32 leaf, guint32 sub, guint32 regs[4])
{
    memset(regs, 0, 4 * sizeof(guint32));
    return h->read(h->opaque, FALSE, leaf, sub, regs);
}

/* Whether libvirt's walk over the host's CPUID (the basic and extended
 * ranges, with the sub-leaves it follows) reads @leaf/@sub: hypervisor
 * leaves (0x40000000...) and sub-leaves past the count a leaf gives are
 * not part of the host CPU. */
static gboolean walked(const HostCpuid *h, guint32 leaf, guint32 sub)
{
    gboolean basic = leaf <= h->max_basic;
    gboolean extended = leaf >= 0x80000000 && leaf <= h->max_extended;
    if (!basic && !extended)
        return FALSE;
    switch (leaf) {
    case 0x7: return sub <= h->max_sub7;
    case 0x14: return sub <= h->max_sub14;
    case 0xd: case 0x12: return sub <= 1;
    default: return sub == 0;
    }
}

/* The host's item @key, added to @data when libvirt's walk reads it. */
static void add_item(const HostCpuid *h, GArray *data, const X86Item *key)
{
    X86Item item = { .type = key->type, .in = key->in, .sub = key->sub };
    if (key->type == ITEM_CPUID) {
        if (walked(h, key->in, key->sub) && read_leaf(h, key->in, key->sub, item.r))
            dc_x86_data_add_item(data, &item);
    } else if (h->read(h->opaque, TRUE, key->in, 0, item.r)) {
        dc_x86_data_add_item(data, &item);
    }
}

/* The host's CPUID items any feature or vendor of the map is made of,
 * and IA32_ARCH_CAPABILITIES when the CPUID says the MSR is there. */
static GArray *host_data(const DcX86Map *map, const HostCpuid *h)
{
    GArray *data = dc_x86_data_new();
    X86Item leaf0 = { .type = ITEM_CPUID, .in = 0 }, leaf1 = { .type = ITEM_CPUID, .in = 1 };
    add_item(h, data, &leaf0);
    add_item(h, data, &leaf1);
    for (guint i = 0; i < map->features->len; i++) {
        const X86Feature *f = map->features->pdata[i];
        for (guint j = 0; j < f->data->len; j++) {
            const X86Item *key = &g_array_index(f->data, X86Item, j);
            if (key->type == ITEM_CPUID)
                add_item(h, data, key);
        }
    }
    const X86Feature *arch_caps = dc_x86_map_feature(map, "arch-capabilities");
    if (arch_caps && dc_x86_data_contains(data, arch_caps->data)) {
        X86Item msr = { .type = ITEM_MSR, .in = MSR_ARCH_CAPABILITIES };
        add_item(h, data, &msr);
    }
    return data;
}

static gboolean for_qemu(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(not_for_qemu); i++)
        if (strcmp(name, not_for_qemu[i]) == 0)
            return FALSE;
    return TRUE;
}

DcHostModel *
dc_cpu_x86_host_model_from_cpuid(const DcCpuMap *cpumap, DcCpuidReader read, gpointer opaque,
                                 json_object *definitions, gboolean canonical, GError **err)
{
    const DcX86Map *map = dc_cpu_map_x86(cpumap);
    HostCpuid h = { read, opaque, 0, 0, 0, 0 };
    guint32 r[4];

    if (!map) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_NO_MAP, "host-model needs the x86 CPU map");
        return NULL;
    }
    if (!read(opaque, FALSE, 0, 0, r)) {
        g_set_error(err, DC_CPU_ERROR, DC_CPU_ERROR_NO_MODEL, "the host's CPUID cannot be read");
        return NULL;
    }
    h.max_basic = r[0];
    h.max_extended = read(opaque, FALSE, 0x80000000, 0, r) ? r[0] : 0;
    h.max_sub7 = h.max_basic >= 7 && read(opaque, FALSE, 7, 0, r) ? r[0] : 0;
    h.max_sub14 = h.max_basic >= 0x14 && read(opaque, FALSE, 0x14, 0, r) ? r[0] : 0;

    g_autoptr(GArray) data = host_data(map, &h);
    DcHostModel *hm = dc_x86_host_model_of_data(map, data, definitions, canonical, "allow", err);
    for (guint i = 0; hm && i < hm->features->len;) {
        const DcCpuFeature *f = hm->features->pdata[i];
        if (for_qemu(f->name))
            i++;
        else
            g_ptr_array_remove_index(hm->features, i);
    }
    return hm;
}
