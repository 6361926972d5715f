/* Assembly: facts about QEMU + facts about the host + the query give the
 * domain capabilities document, in libvirt's element order. */
#pragma once
#include "util/node.h"
#include "probe/facts.h"
#include "host/host.h"
#include "util/arch.h"
#include "format/releases.h"

typedef struct {
    const char *path;       /* emulator path as printed */
    const char *arch;       /* libvirt arch name of the guest */
    const char *emu_arch;   /* the emulator's own arch (libvirt's qemuCaps->arch) */
    const char *machine;    /* resolved (canonical) machine name */
    const char *virttype;   /* "kvm" or "qemu" */
    const char *cpu_map_dir;/* libvirt CPU map directory (host path), may be NULL */
    guint release;          /* the libvirt release whose format to print (format/releases.h) */
    unsigned int flags;     /* domcaps_options.flags: libvirt's newer host-model options */
} DcCapsQuery;

/* Everything a table condition may look at. */
typedef struct {
    const DcFacts *facts;
    const DcHost *host;
    const DcCapsQuery *query;
    const char *accel;      /* "kvm" or "tcg" */
} DcCapsCtx;

/* memo: where computed sections may be remembered across runs (a member of
 * the cached facts), NULL for none; *memo_changed is set when it grew. */
DcNode *dc_caps_assemble(const DcFacts *facts, const DcHost *host, const DcCapsQuery *query,
                         json_object *memo, gboolean *memo_changed, GError **err);

/* --- tables.c: one row per document value and the QEMU answer enabling it ---
 *
 * A condition holds when QEMU gave one of the facts of `any` (keys of
 * probe/facts.h: "type:qxl", "option:spice", "schema:query-vnc"...; none
 * listed: no QEMU answer is needed), one of `and_any` too when listed, the
 * rule when there is one (what libvirt decides from the machine, the arch
 * or the host), and the query's release is in the row's window (`from`
 * the release of one behaviour of format/releases.h on, `before` that of
 * another; DC_BEHAVIOUR_NONE: no bound): rows of one value or path that
 * changed are alternatives by release. */
typedef gboolean (*DcCapsRule)(const DcCapsCtx *ctx);

typedef struct {
    const char *const *any;
    const char *const *and_any;
    DcCapsRule rule;
    const char *rule_name;
    DcBehaviour from;
    DcBehaviour before;
} DcCond;

typedef struct {
    const char *element;   /* "disk", "video", ... */
    const char *enum_name; /* "bus" */
    const char *value;     /* "ide" */
    DcCond cond;
} DcEnumRow;

/* A yes/no element (supported='yes|no') and its condition. Several rows
 * of one path are alternatives by release: the first whose release window
 * holds decides. */
typedef struct {
    const char *path;      /* "features/genid", "iothreads", "memoryBacking/enum[sourceType]/memfd" */
    DcCond cond;
} DcSupportRow;

/* Enums libvirt prints only when some value holds (tpm backendVersion). */
gboolean dc_enum_omit_empty(const char *element, const char *enum_name);

extern const DcEnumRow dc_device_enum_rows[];
extern const gsize dc_device_enum_rows_len;
extern const DcSupportRow dc_support_rows[];
extern const gsize dc_support_rows_len;

gboolean dc_cond_holds(const DcCond *cond, const DcCapsCtx *ctx);
/* The condition of the row for @path in @release (NULL: no row). */
const DcCond *dc_support_cond(const char *path, guint release);
gboolean dc_support_holds(const char *path, const DcCapsCtx *ctx);

/* Facts read by the sections with rules of their own (cpu.c, features.c):
 * declared here so the probe asks them. NULL-terminated. */
extern const char *const dc_section_facts[];

/* Every fact the document can read: the keys of every row and of the
 * sections, each once; what the probe is asked (NULL-terminated, static). */
const char *const *dc_caps_questions(void);

/* Machine-family helpers (prefix rules over machine names). */
gboolean dc_machine_is_i440fx(const char *machine);
gboolean dc_machine_is_q35(const char *machine);
gboolean dc_machine_is_pseries(const char *machine);
gboolean dc_machine_is_virt(const char *machine);
gboolean dc_machine_is_s390_ccw(const char *machine);
