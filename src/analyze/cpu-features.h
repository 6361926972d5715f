/* x86 CPUs as sets of feature names (map-owned strings in a GHashTable
 * used as a set), for the CPU rules of `check` (cpu-features.c). */
#pragma once
#include <glib.h>
#include "cpu/cpumap.h"
#include "host/host.h"
#include "util/node.h"

GHashTable *dc_feature_set_new(void);

/* Every map feature of @model (its ancestors' included); FALSE when the
 * map has no such model. */
gboolean dc_model_features(const DcX86Map *map, const char *model, GHashTable *set);

/* The map features the host CPU has (CPUID, and IA32_ARCH_CAPABILITIES as
 * KVM offers it): libvirt's own probe of the host CPU. Nothing under a
 * fixture root. */
void dc_host_cpuid_features(const DcX86Map *map, const DcHost *host, GHashTable *set);

/* A CPU described as in domain capabilities' host-model <mode>: with
 * @with_model, its model's features plus the listed ones less those
 * disabled; without, only the listed required features are added (what
 * libvirt adds to the host's own CPUID). */
void dc_mode_features(const DcX86Map *map, const DcNode *mode, GHashTable *set, gboolean with_model);

/* "a, b, c": the members of @want not in @have, sorted; NULL when none. */
char *dc_feature_set_missing(GHashTable *want, GHashTable *have);
/* The same of the members of @want in @have. */
char *dc_feature_set_common(GHashTable *want, GHashTable *have);
