/* Assembly: facts about QEMU + facts about the host + the query give the
 * domain capabilities document, in libvirt's element order. */
#pragma once
#include "util/node.h"
#include "probe/facts.h"
#include "host/host.h"

typedef struct {
    const char *path;       /* emulator path as printed */
    const char *arch;       /* libvirt arch name of the guest */
    const char *machine;    /* resolved (canonical) machine name */
    const char *virttype;   /* "kvm" or "qemu" */
    const char *cpu_map_dir;/* libvirt CPU map directory (host path), may be NULL */
    guint release;          /* the libvirt release whose format to print (format/releases.h) */
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

/* --- tables.c: one row per document value and the QEMU fact enabling it --- */
typedef enum {
    DC_COND_ALWAYS,
    DC_COND_TYPE,        /* QOM type exists */
    DC_COND_SCHEMA,      /* schema query holds */
    DC_COND_TPM_MODEL,   /* query-tpm-models lists it */
    DC_COND_TPM_TYPE,    /* query-tpm-types lists it */
    DC_COND_PRED,        /* a named predicate (machine or host dependent) */
} DcCondKind;

typedef gboolean (*DcCapsPred)(const DcCapsCtx *ctx);

typedef struct {
    DcCondKind kind;
    const char *arg;
    DcCapsPred pred;
} DcCond;

typedef struct {
    const char *element;   /* "disk", "video", ... */
    const char *enum_name; /* "bus" */
    const char *value;     /* "ide" */
    DcCond cond;
} DcEnumRow;

/* Enums libvirt prints only when some value holds (tpm backendVersion). */
gboolean dc_enum_omit_empty(const char *element, const char *enum_name);

extern const DcEnumRow dc_device_enum_rows[];
extern const gsize dc_device_enum_rows_len;

gboolean dc_cond_holds(const DcCond *cond, const DcCapsCtx *ctx);

/* Machine-family helpers (prefix rules over machine names). */
gboolean dc_machine_is_i440fx(const char *machine);
gboolean dc_machine_is_q35(const char *machine);
gboolean dc_machine_is_pseries(const char *machine);
gboolean dc_machine_is_virt(const char *machine);
gboolean dc_machine_is_s390_ccw(const char *machine);
gboolean dc_arch_is_x86(const char *arch);
gboolean dc_arch_is_ppc64(const char *arch);
gboolean dc_arch_is_arm(const char *arch);
gboolean dc_arch_is_s390(const char *arch);
