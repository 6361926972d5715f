/*
 * cpudef.h: a CPU definition, the <cpu> element of libvirt's domain and
 * capabilities XML, as libvirt 9.0 reads and writes it.
 *
 * The CPU commands take such definitions and answer with one, so reading
 * follows libvirt's rules and messages (an invalid value gets libvirt's
 * error, lverror.h) and writing is byte for byte libvirt's layout.
 *
 * A definition is a host CPU (capabilities: <arch>, features without
 * policy) or a guest CPU (a domain's: mode, match, check, fallback and a
 * policy per feature).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "util/node.h"

G_BEGIN_DECLS

typedef enum {
    DC_CPU_TYPE_HOST = 0,
    DC_CPU_TYPE_GUEST,
    DC_CPU_TYPE_AUTO,   /* reading only: host when it has <arch>, else guest */
} DcCpuType;

typedef enum {
    DC_CPU_MODE_NONE = -1,       /* a host CPU read from XML */
    DC_CPU_MODE_CUSTOM = 0,
    DC_CPU_MODE_HOST_MODEL,
    DC_CPU_MODE_HOST_PASSTHROUGH,
    DC_CPU_MODE_MAXIMUM,
} DcCpuMode;

typedef enum { DC_CPU_MATCH_EXACT = 0, DC_CPU_MATCH_MINIMUM, DC_CPU_MATCH_STRICT } DcCpuMatch;
typedef enum { DC_CPU_CHECK_DEFAULT = 0, DC_CPU_CHECK_NONE, DC_CPU_CHECK_PARTIAL, DC_CPU_CHECK_FULL } DcCpuCheck;
typedef enum { DC_CPU_FALLBACK_ALLOW = 0, DC_CPU_FALLBACK_FORBID } DcCpuFallback;

typedef enum {
    DC_CPU_POLICY_NONE = -1,     /* a host CPU's feature */
    DC_CPU_POLICY_FORCE = 0,
    DC_CPU_POLICY_REQUIRE,
    DC_CPU_POLICY_OPTIONAL,
    DC_CPU_POLICY_DISABLE,
    DC_CPU_POLICY_FORBID,
} DcCpuPolicy;

/* Absent, on/yes, off/no (libvirt's tristate attributes). */
typedef enum { DC_TRISTATE_ABSENT = 0, DC_TRISTATE_ON, DC_TRISTATE_OFF } DcTristate;

typedef struct {
    char *name;
    DcCpuPolicy policy;
} DcCpuDefFeature;

typedef struct {
    DcCpuType type;
    DcCpuMode mode;
    DcCpuMatch match;
    DcCpuCheck check;
    DcCpuFallback fallback;
    DcTristate migratable;
    char *arch;             /* host CPUs: libvirt's arch name */
    char *model;
    char *vendor;
    char *vendor_id;
    guint microcode;
    guint sig_family, sig_model, sig_stepping;
    guint sockets, dies, cores, threads;
    gboolean has_tsc;
    guint64 tsc_frequency;
    DcTristate tsc_scaling;
    gboolean has_cache;
    int cache_level;        /* -1: not given */
    int cache_mode;         /* emulate, passthrough, disable */
    gboolean has_addr;
    int addr_mode;          /* emulate, passthrough */
    int addr_bits;          /* -1: not given */
    GArray *features;       /* of DcCpuDefFeature, in order */
    GHashTable *feature_index;  /* name -> position + 1, for linear work */
} DcCpuDef;

DcCpuDef *dc_cpu_def_new(void);
void dc_cpu_def_free(DcCpuDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcCpuDef, dc_cpu_def_free)

/* Everything but the model, vendor and features. */
DcCpuDef *dc_cpu_def_copy_without_model(const DcCpuDef *def);
/* Replaces @dst's model, vendor, vendor_id, microcode and features by
 * @src's, keeping the features @keep accepts (NULL: all). */
typedef gboolean (*DcCpuFeatureFilter)(const char *name, DcCpuPolicy policy, gpointer data);
void dc_cpu_def_copy_model(DcCpuDef *dst, const DcCpuDef *src, DcCpuFeatureFilter keep, gpointer data);

/* How dc_cpu_def_add_feature() treats a feature already listed. */
typedef enum {
    DC_CPU_ADD_EXCLUSIVE,   /* an error */
    DC_CPU_ADD_UPDATE,      /* its policy changes */
    DC_CPU_ADD_IF_MISSING,  /* nothing happens */
} DcCpuAddMode;

/* Adds feature @name (a host CPU's features have no policy).  Only
 * DC_CPU_ADD_EXCLUSIVE can fail. */
gboolean dc_cpu_def_add_feature(DcCpuDef *def, const char *name, DcCpuPolicy policy, DcCpuAddMode mode,
                                GError **err);
const DcCpuDefFeature *dc_cpu_def_feature(const DcCpuDef *def, guint i);
/* Keeps the features @keep accepts, in order. */
void dc_cpu_def_filter_features(DcCpuDef *def, DcCpuFeatureFilter keep, gpointer data);
void dc_cpu_def_clear_features(DcCpuDef *def);
/* Sorts the features by name (as strcmp orders them). */
void dc_cpu_def_sort_features(DcCpuDef *def);

/**
 * dc_cpu_def_parse:
 * @node: a <cpu> element
 * @type: what to read it as (DC_CPU_TYPE_AUTO: decide from <arch>)
 *
 * Reads @node as libvirt 9.0's virCPUDefParseXML() does.
 * Returns: (transfer full): the definition, or NULL with a DC_LV_ERROR set.
 */
DcCpuDef *dc_cpu_def_parse(const DcNode *node, DcCpuType type, GError **err);

/* The definition as libvirt formats it ("<cpu ...>\n  ...\n</cpu>\n"), or
 * NULL with a DC_LV_ERROR set for a custom CPU with features but no model. */
char *dc_cpu_def_format(const DcCpuDef *def, GError **err);

/* libvirt's names of the enum values above. */
const char *dc_cpu_policy_name(DcCpuPolicy policy);

/* Text between the child elements of an element with mixed content is kept
 * (by util/xmllibxml.h) as children of this name, in order. */
#define DC_XML_TEXT_NODE "#text"

/* The first child element called @name that is in no namespace, and the
 * text of such a child as XPath's string() gives it, every text below it
 * in document order (NULL when there is no such child or its text is
 * empty, as libvirt's virXPathString). */
const DcNode *dc_cpu_xml_child(const DcNode *node, const char *name);
char *dc_cpu_xml_child_text(const DcNode *node, const char *name);

G_END_DECLS
