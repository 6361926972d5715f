/*
 * cpumap.h: libvirt's CPU map (the cpu_map/ XML data) as domcaps reads it.
 *
 * libvirt ships its CPU model definitions as data: an index.xml that lists,
 * per architecture family, the files holding vendors, features and models.
 * domcaps reads that data at run time from the installed libvirt (Debian's
 * libvirt0 package, /usr/share/libvirt/cpu_map/) instead of carrying a copy:
 * the model names and feature lists it prints must be the ones of the
 * libvirt whose output it reproduces, and that data is updated with libvirt.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "util/node.h"

G_BEGIN_DECLS

/* Architecture families of libvirt's CPU map (the <arch name=...> element). */
typedef enum {
    DC_CPU_FAMILY_NONE = 0, /* no CPU map for this arch (s390x, riscv64...) */
    DC_CPU_FAMILY_X86,      /* x86_64, i686 */
    DC_CPU_FAMILY_PPC64,    /* ppc64, ppc64le */
    DC_CPU_FAMILY_ARM,      /* aarch64, armv7l, armv6l */
} DcCpuFamily;

typedef struct _DcCpuMap DcCpuMap;

/**
 * dc_cpu_family_for_arch:
 * @arch: a libvirt architecture name ("x86_64", "ppc64le", ...)
 *
 * Returns: the CPU map family used for @arch, DC_CPU_FAMILY_NONE if libvirt
 * has no CPU map for it.
 */
DcCpuFamily dc_cpu_family_for_arch(const char *arch);

/**
 * dc_cpu_family_name:
 * Returns: the name of @family in index.xml ("x86", "ppc64", "arm"), or NULL.
 */
const char *dc_cpu_family_name(DcCpuFamily family);

/**
 * dc_cpu_map_load:
 * @dir: directory holding index.xml (absolute, already mapped to the host
 *       root by the caller)
 * @arch: libvirt architecture name; selects the family to load
 * @err: return location for a DC_CPU_ERROR
 *
 * Parses index.xml and every file it includes for the family of @arch, in
 * index order, without network access or entity expansion.
 *
 * The map is read once per process and directory (again when the
 * directory or its index.xml changes) and shared: it must not be changed.
 *
 * Returns: (transfer full): the map (a reference: dc_cpu_map_free() drops
 * it), or NULL with @err set (DC_CPU_ERROR_NO_MAP when @arch has no CPU
 * map family, DC_CPU_ERROR_MAP when the data cannot be read or is invalid).
 */
DcCpuMap *dc_cpu_map_load(const char *dir, const char *arch, GError **err);

void dc_cpu_map_free(DcCpuMap *map);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcCpuMap, dc_cpu_map_free)

DcCpuFamily dc_cpu_map_family(const DcCpuMap *map);

/** dc_cpu_map_n_models: number of models, in map (index.xml) order. */
guint dc_cpu_map_n_models(const DcCpuMap *map);

/** dc_cpu_map_model_name: name of model number @i (map order). */
const char *dc_cpu_map_model_name(const DcCpuMap *map, guint i);

/** dc_cpu_map_has_vendor: whether the map defines a vendor called @name. */
gboolean dc_cpu_map_has_vendor(const DcCpuMap *map, const char *name);

/** dc_cpu_map_has_model: whether the map defines a model called @name. */
gboolean dc_cpu_map_has_model(const DcCpuMap *map, const char *name);

/**
 * dc_cpu_map_model_vendor:
 * Returns: the vendor name of model @name ("Intel", "AMD", "IBM"...), or NULL
 * when the model is unknown or has no vendor (e.g. qemu64).
 */
const char *dc_cpu_map_model_vendor(const DcCpuMap *map, const char *name);

/* x86: the versioned model @name is an alias of ("Broadwell" -> "Broadwell-v1"),
 * NULL when none (maps before libvirt 10 have none). */
const char *dc_cpu_map_model_canonical(const DcCpuMap *map, const char *name);

/* ppc64: the first model whose processor version register value/mask pairs
 * match @pvr, NULL when none. */
const char *dc_cpu_map_ppc64_model_for_pvr(const DcCpuMap *map, guint32 pvr);

/* ---- Internal to src/cpu/: the x86 part of the map, implemented in x86.c.
 * The loader hands every vendor, feature and model element of the x86
 * family to these functions, in map order. */
typedef struct _DcX86Map DcX86Map;

DcX86Map *dc_x86_map_new(void);
void dc_x86_map_free(DcX86Map *map);
gboolean dc_x86_map_add_vendor(DcX86Map *map, const DcNode *node,
                               const char *name, GError **err);
gboolean dc_x86_map_add_feature(DcX86Map *map, const DcNode *node,
                                const char *name, GError **err);
gboolean dc_x86_map_add_model(DcX86Map *map, const DcNode *node,
                              const char *name, GError **err);

/** dc_cpu_map_x86: the x86 data of @map, NULL unless the family is x86. */
DcX86Map *dc_cpu_map_x86(const DcCpuMap *map);

G_END_DECLS
