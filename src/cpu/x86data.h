/*
 * x86data.h: sets of x86 CPUID leaves and MSRs, the currency of the x86 CPU
 * code (internal to src/cpu/).
 *
 * A feature, a model and a whole CPU are each such a set: a list of items,
 * one per CPUID leaf (eax_in, ecx_in) or MSR index, each holding register
 * bits.  Features are compared, added and removed as bit masks over these
 * sets.  An item whose registers are all zero counts as absent.
 *
 * The sets are short (a CPU touches a few dozen leaves), so they are plain
 * arrays searched linearly; every operation is linear in the size of its
 * operands.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    ITEM_CPUID = 1,
    ITEM_MSR = 2,
} X86ItemType;

/* One CPUID leaf or MSR. */
typedef struct {
    X86ItemType type;
    guint32 in;      /* CPUID eax_in, or MSR index */
    guint32 sub;     /* CPUID ecx_in; 0 for MSR */
    guint32 r[4];    /* eax, ebx, ecx, edx; an MSR uses eax and edx */
} X86Item;

enum { EAX, EBX, ECX, EDX };

/* A set of items: a GArray of X86Item. */
GArray *dc_x86_data_new(void);
GArray *dc_x86_data_dup(const GArray *src);

gboolean dc_x86_item_is_zero(const X86Item *it);
/* Every bit set in @mask is set in @it. */
gboolean dc_x86_item_has_bits(const X86Item *it, const X86Item *mask);
/* The item of @d for the leaf (or MSR) of @key, NULL when none. */
X86Item *dc_x86_data_get(const GArray *d, const X86Item *key);

/* @d |= @item, @d |= @add, @d &= ~@sub, @d &= @mask (leaves @mask lacks
 * are cleared). */
void dc_x86_data_add_item(GArray *d, const X86Item *item);
void dc_x86_data_add(GArray *d, const GArray *add);
void dc_x86_data_subtract(GArray *d, const GArray *sub);
void dc_x86_data_intersect(GArray *d, const GArray *mask);

/* Whether every bit of @subset is in @d. */
gboolean dc_x86_data_contains(const GArray *d, const GArray *subset);
/* Whether no bit is set at all. */
gboolean dc_x86_data_is_empty(const GArray *d);
/* Whether @d holds an MSR item. */
gboolean dc_x86_data_has_msr(const GArray *d);

/* How two sets relate, bit for bit: equal, @a a subset of @b, @a a superset
 * of @b, or neither.  Decided leaf by leaf: a leaf that has bits the other
 * lacks, and another lacking bits the other has, make them unrelated. */
typedef enum {
    X86_SUBSET,
    X86_EQUAL,
    X86_SUPERSET,
    X86_UNRELATED,
} X86Relation;

X86Relation dc_x86_data_relation(const GArray *a, const GArray *b);

/* ---- the family/model/stepping signature (eax of CPUID leaf 1) ---------- */

guint32 dc_x86_signature_make(guint family, guint model, guint stepping);
void dc_x86_signature_split(guint32 sig, guint *family, guint *model, guint *stepping);
/* The signature held in @d (reserved and processor type bits masked), 0 when none. */
guint32 dc_x86_data_signature(const GArray *d);

G_END_DECLS
