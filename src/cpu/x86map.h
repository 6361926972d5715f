/*
 * x86map.h: the x86 part of libvirt's CPU map as loaded by x86.c (internal
 * to src/cpu/): vendors, features and models, each with its CPUID/MSR data
 * (x86data.h), in map order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cpu/cpumap.h"
#include "cpu/x86data.h"
#include "cpu/cpudef.h"
#include "cpu/cpu.h"

G_BEGIN_DECLS

typedef struct {
    char *name;
    X86Item item;   /* CPUID leaf 0: ebx, edx, ecx hold the vendor string */
} X86Vendor;

typedef struct {
    char *name;
    GArray *data;
    gboolean migratable;   /* FALSE: migratable='no' (invtsc...) */
} X86Feature;

typedef struct {
    guint family;
    guint model;
    guint16 steppings;   /* bitmap of stepping values; 0 means any */
} X86Signature;

typedef struct {
    char *name;
    gboolean decode_host;
    gboolean decode_guest;
    const X86Vendor *vendor;
    GArray *signatures;  /* of X86Signature */
    GArray *data;
    GPtrArray *removed;  /* names of features dropped from the model */
} X86Model;

struct _DcX86Map {
    GPtrArray *vendors;
    GPtrArray *features;  /* map order matters: it is the output order */
    GPtrArray *models;
    GHashTable *feature_by_name;
    GHashTable *feature_by_alias;  /* QEMU spellings from <alias source='qemu'> */
    GHashTable *model_by_name;
};

const X86Feature *dc_x86_map_feature(const DcX86Map *map, const char *name);
const X86Model *dc_x86_map_model(const DcX86Map *map, const char *name);
const X86Vendor *dc_x86_map_vendor(const DcX86Map *map, const char *name);
/* The vendor whose string is in @d (leaf 0), removing its bits; NULL when none. */
const X86Vendor *dc_x86_data_take_vendor(const DcX86Map *map, GArray *d);
/* The host model libvirt decodes from the host CPU's @data (CPUID and MSR
 * items; its vendor bits are taken out): the best model among those of
 * @definitions, its features required or disabled, MSR features left out
 * unless @canonical, the model's fallback @fallback (x86host.c). */
DcHostModel *dc_x86_host_model_of_data(const DcX86Map *map, GArray *data, json_object *definitions,
                                       gboolean canonical, const char *fallback, GError **err);
/* Whether one of @m's family/model/stepping signatures is @signature. */
gboolean dc_x86_model_signature_matches(const X86Model *m, guint32 signature);

/* A feature policy of cpudef.h, or every feature applied as its policy says. */
#define ALL_POLICIES ((int)DC_CPU_POLICY_NONE)

/* libvirt's x86ModelFromCPU(): the data of @cpu's features of @policy
 * (with the model's data for ALL_POLICIES and REQUIRE), or, for
 * ALL_POLICIES, the whole CPU: model + required/forced - disabled/forbidden.
 * @model (optional) gets the map model used.  NULL with a DC_LV_ERROR for an
 * unknown model or feature. */
GArray *dc_x86_cpu_data(const DcX86Map *map, const DcCpuDef *cpu, int policy, const X86Model **model,
                        GError **err);

/* "a, b, c": the map features wholly in @d (libvirt's x86FeatureNames). */
char *dc_x86_feature_names(const DcX86Map *map, const GArray *d);

G_END_DECLS
