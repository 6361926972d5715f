/*
 * x86data.c: sets of x86 CPUID leaves and MSRs (see x86data.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cpu/x86data.h"

GArray *
dc_x86_data_new(void)
{
    return g_array_new(FALSE, TRUE, sizeof(X86Item));
}

GArray *
dc_x86_data_dup(const GArray *src)
{
    GArray *d = dc_x86_data_new();

    g_array_append_vals(d, src->data, src->len);
    return d;
}

static gboolean
item_same_key(const X86Item *a, const X86Item *b)
{
    return a->type == b->type && a->in == b->in && a->sub == b->sub;
}

static gboolean
item_equal(const X86Item *a, const X86Item *b)
{
    for (int i = 0; i < 4; i++) {
        if (a->r[i] != b->r[i])
            return FALSE;
    }
    return TRUE;
}

gboolean
dc_x86_item_is_zero(const X86Item *it)
{
    return !(it->r[EAX] | it->r[EBX] | it->r[ECX] | it->r[EDX]);
}

gboolean
dc_x86_item_has_bits(const X86Item *it, const X86Item *mask)
{
    for (int i = 0; i < 4; i++) {
        if ((it->r[i] & mask->r[i]) != mask->r[i])
            return FALSE;
    }
    return TRUE;
}

X86Item *
dc_x86_data_get(const GArray *d, const X86Item *key)
{
    for (guint i = 0; i < d->len; i++) {
        X86Item *it = &g_array_index(d, X86Item, i);

        if (item_same_key(it, key))
            return it;
    }
    return NULL;
}

void
dc_x86_data_add_item(GArray *d, const X86Item *item)
{
    X86Item *it = dc_x86_data_get(d, item);

    if (!it) {
        g_array_append_val(d, *item);
        return;
    }
    for (int i = 0; i < 4; i++)
        it->r[i] |= item->r[i];
}

void
dc_x86_data_add(GArray *d, const GArray *add)
{
    for (guint i = 0; i < add->len; i++) {
        const X86Item *it = &g_array_index(add, X86Item, i);

        if (!dc_x86_item_is_zero(it))
            dc_x86_data_add_item(d, it);
    }
}

void
dc_x86_data_subtract(GArray *d, const GArray *sub)
{
    for (guint i = 0; i < d->len; i++) {
        X86Item *it = &g_array_index(d, X86Item, i);
        const X86Item *s = dc_x86_data_get(sub, it);

        if (!s)
            continue;
        for (int j = 0; j < 4; j++)
            it->r[j] &= ~s->r[j];
    }
}

void
dc_x86_data_intersect(GArray *d, const GArray *mask)
{
    for (guint i = 0; i < d->len; i++) {
        X86Item *it = &g_array_index(d, X86Item, i);
        const X86Item *m = dc_x86_data_get(mask, it);

        for (int j = 0; j < 4; j++)
            it->r[j] &= m ? m->r[j] : 0;
    }
}

gboolean
dc_x86_data_contains(const GArray *d, const GArray *subset)
{
    for (guint i = 0; i < subset->len; i++) {
        const X86Item *s = &g_array_index(subset, X86Item, i);
        const X86Item *it;

        if (dc_x86_item_is_zero(s))
            continue;
        if (!(it = dc_x86_data_get(d, s)) || !dc_x86_item_has_bits(it, s))
            return FALSE;
    }
    return TRUE;
}

gboolean
dc_x86_data_is_empty(const GArray *d)
{
    for (guint i = 0; i < d->len; i++) {
        if (!dc_x86_item_is_zero(&g_array_index(d, X86Item, i)))
            return FALSE;
    }
    return TRUE;
}

gboolean
dc_x86_data_has_msr(const GArray *d)
{
    for (guint i = 0; i < d->len; i++) {
        if (g_array_index(d, X86Item, i).type == ITEM_MSR)
            return TRUE;
    }
    return FALSE;
}

/* How the non-zero leaves of @a stand against @b: @more is the relation
 * when @a has bits @b lacks in a leaf, @less when @b has bits of that
 * leaf that @a lacks.  Folds the leaf verdicts into @result. */
static gboolean
fold_relation(const GArray *a, const GArray *b, X86Relation more,
              X86Relation less, X86Relation *result)
{
    for (guint i = 0; i < a->len; i++) {
        const X86Item *ia = &g_array_index(a, X86Item, i);
        const X86Item *ib;
        X86Relation leaf = more;

        if (dc_x86_item_is_zero(ia))
            continue;
        if ((ib = dc_x86_data_get(b, ia))) {
            if (item_equal(ia, ib))
                continue;
            if (!dc_x86_item_has_bits(ia, ib))
                leaf = less;
        }
        if (*result == X86_EQUAL)
            *result = leaf;
        else if (*result != leaf)
            return FALSE;
    }
    return TRUE;
}

X86Relation
dc_x86_data_relation(const GArray *a, const GArray *b)
{
    X86Relation result = X86_EQUAL;

    if (!fold_relation(a, b, X86_SUPERSET, X86_SUBSET, &result) ||
        !fold_relation(b, a, X86_SUBSET, X86_SUPERSET, &result))
        return X86_UNRELATED;
    return result;
}

guint32
dc_x86_signature_make(guint family, guint model, guint stepping)
{
    guint32 sig = 0;

    /* extended family counts on top of family 0xf */
    if (family > 0xf) {
        sig |= (family - 0xf) << 20;
        family = 0xf;
    }
    sig |= (model >> 4) << 16;      /* extended model */
    sig |= family << 8;
    sig |= (model & 0xf) << 4;
    sig |= stepping & 0xf;
    return sig;
}

void
dc_x86_signature_split(guint32 sig, guint *family, guint *model, guint *stepping)
{
    *family = ((sig >> 20) & 0xff) + ((sig >> 8) & 0xf);
    *model = ((sig >> 12) & 0xf0) + ((sig >> 4) & 0xf);
    *stepping = sig & 0xf;
}

/* Reserved and processor type bits are not part of the signature. */
#define SIGNATURE_MASK 0x0fff3fff

guint32
dc_x86_data_signature(const GArray *d)
{
    X86Item key = { .type = ITEM_CPUID, .in = 1 };
    const X86Item *it = dc_x86_data_get(d, &key);

    return it ? it->r[EAX] & SIGNATURE_MASK : 0;
}
