/* A fleet: many hosts' capability documents, taken one at a time.
 *
 * What every host allows is the intersection of their documents
 * (intersect.c: enums and lists intersected, supported and-ed...), made
 * safe to migrate by the rules of fleet.c: no emulator <path>; under
 * custom, the models usable everywhere; as the fleet's CPU (host-model),
 * the baseline of the hosts' host-model CPUs among those models
 * (fleet-cpu.c); host-passthrough and maximum only when every host's
 * host-model CPU is the same; a model's blockers, those of any host.
 *
 * A document added is folded into the running intersection and (for a
 * table) into its column, then no longer needed: time and memory grow
 * linearly with the hosts. */
#pragma once
#include "analyze/compare.h"
#include "cpu/cpudef.h"

typedef enum {
    DC_FLEET_INTERSECT = 1 << 0,  /* keep what every host allows, and their CPUs */
    DC_FLEET_TABLE = 1 << 1,      /* keep each host's column of the table */
} DcFleetFlags;

typedef struct DcFleet DcFleet;

/* @cpu_map_dir: libvirt's CPU map, for the baseline (a host path). */
DcFleet *dc_fleet_new(const char *cpu_map_dir, DcFleetFlags flags);
void dc_fleet_free(DcFleet *fleet);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcFleet, dc_fleet_free)

/* Add one host's document; @name (may be NULL) names its table column.
 * FALSE with DOMCAPS_ERROR_INVALID_ARG when it cannot be intersected with
 * the others (another arch or domain type); the fleet is then unchanged. */
gboolean dc_fleet_add(DcFleet *fleet, const char *name, const DcNode *doc, GError **err);
/* The same, the fleet taking @doc: documents taken are folded into the
 * intersection several at a time (one new tree per batch, not per host);
 * @doc is freed on errors too. */
gboolean dc_fleet_add_take(DcFleet *fleet, const char *name, DcNode *doc, GError **err);
guint dc_fleet_size(const DcFleet *fleet);
/* How the documents taken (and parts of them) are freed, dc_node_free()
 * by default: a reader on another thread has them back, to free them on
 * the thread that made them. */
typedef void (*DcFleetDispose)(DcNode *node, gpointer data);
void dc_fleet_set_dispose(DcFleet *fleet, DcFleetDispose dispose, gpointer data);

/* What every host allows, migration-safe (a new tree). */
DcNode *dc_fleet_intersection(DcFleet *fleet, GError **err);

/* The fleet's CPU, as a guest CPU (owned by the fleet), or NULL with
 * DOMCAPS_ERROR_INVALID_CPU saying why there is none (a host without a
 * host-model CPU, vendors that differ...). */
const DcCpuDef *dc_fleet_cpu(DcFleet *fleet, GError **err);

/* The table of the hosts (DC_FLEET_TABLE), owned by the fleet. */
DcTable *dc_fleet_table(DcFleet *fleet);

/* ---- fleet-cpu.c ---- */

/* The CPU of a host-model <mode> of a document, as a guest CPU. */
DcCpuDef *dc_fleet_mode_cpu(const DcNode *mode, GError **err);

/* The baseline of @cpus among @models (usable custom model names, a
 * NULL-terminated list): libvirt's baseline of the hosts' CPUs without the
 * features that block migration; features the CPU map does not know are
 * left out first (no baseline can have them: another host may lack them). */
DcCpuDef *dc_fleet_baseline(const char *arch, const char *cpu_map_dir, GPtrArray *cpus,
                            const char *const *models, GError **err);

/* A host-model <mode> stating @cpu, with <maxphysaddr mode='passthrough'
 * limit=@phys_limit> when @phys_limit > 0. */
DcNode *dc_fleet_mode_node(const DcCpuDef *cpu, guint phys_limit);
