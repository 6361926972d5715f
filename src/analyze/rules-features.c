/* <features> libvirt 9.0 allows per architecture and machine
 * (qemuValidateDomainDefFeatures): what exists only on x86, only on
 * pSeries, only on ARM virt. */
#include "analyze/rules.h"
#include <string.h>

typedef enum {
    ON_X86 = 1 << 0,
    ON_PSERIES = 1 << 1,
    ON_ARM_VIRT = 1 << 2,
} Platforms;

/* A feature (any state) and the platforms it exists on. */
static const struct {
    const char *feature;
    Platforms where;
    const char *attr;        /* only when this attribute is given (NULL: any use) */
} feature_platforms[] = {
    { "ioapic", ON_X86, NULL },
    { "pvspinlock", ON_X86, NULL },
    { "hyperv", ON_X86 | ON_ARM_VIRT, NULL },
    { "htm", ON_PSERIES, NULL },
    { "hpt", ON_PSERIES, NULL },
    { "nested-hv", ON_PSERIES, NULL },
    { "ccf-assist", ON_PSERIES, NULL },
    { "cfpc", ON_PSERIES, NULL },
    { "sbbc", ON_PSERIES, NULL },
    { "ibs", ON_PSERIES, NULL },
    { "apic", ON_X86, "eoi" },
};

static Platforms platform_of(const DcCheckCtx *ctx)
{
    Platforms p = 0;
    if (dc_ctx_is_x86(ctx))
        p |= ON_X86;
    if (dc_ctx_is_arm_virt(ctx))
        p |= ON_ARM_VIRT;
    if (g_str_has_prefix(ctx->arch ? ctx->arch : "", "ppc64") && ctx->machine &&
        g_str_has_prefix(ctx->machine, "pseries"))
        p |= ON_PSERIES;
    return p;
}

/* Launch security the document must offer (an older or other-arch
 * document that leaves the element out offers none). */
static void launch_security(DcCheckCtx *ctx)
{
    const DcNode *ls = dc_dom_find(ctx->domain, "launchSecurity");
    const char *type = ls ? dc_node_get_attr(ls, "type") : NULL;
    if (!type)
        return;
    const char *feature = strcmp(type, "s390-pv") == 0 ? "s390-pv" : type;
    const DcNode *cap = dc_dom_find(dc_dom_find(ctx->caps, "features"), feature);
    if (!dc_node_is_supported(cap))
        dc_check_report(ctx, ls, "/domain/launchSecurity/@type", type, (const char *const[]){ "no launch security",
                        NULL }, FALSE, "%s launch security is not offered for %s %s here", type, ctx->arch,
                        ctx->virttype);
}

/* Transactional memory is a POWER hardware feature TCG does not emulate. */
static void htm(DcCheckCtx *ctx)
{
    const DcNode *f = dc_dom_find(ctx->domain, "features/htm");
    if (f && dc_switch_of(dc_node_get_attr(f, "state")) == DC_SWITCH_ON && !dc_ctx_is_kvm(ctx) &&
        g_str_has_prefix(ctx->arch ? ctx->arch : "", "ppc64"))
        dc_check_report(ctx, f, "/domain/features/htm/@state", "on", (const char *const[]){ "state='off'",
                        "type='kvm' on POWER", NULL }, FALSE, "TCG has no transactional memory");
}

void dc_rule_features(DcCheckCtx *ctx)
{
    launch_security(ctx);
    htm(ctx);
    const DcNode *features = dc_dom_find(ctx->domain, "features");
    Platforms here = platform_of(ctx);
    for (guint i = 0; features && i < features->children.len; i++) {
        const DcNode *f = features->children.pdata[i];
        for (gsize k = 0; k < G_N_ELEMENTS(feature_platforms); k++) {
            if (strcmp(f->name, feature_platforms[k].feature) != 0 || (feature_platforms[k].where & here) ||
                (feature_platforms[k].attr && !dc_node_get_attr(f, feature_platforms[k].attr)))
                continue;
            g_autofree char *loc = g_strdup_printf("/domain/features/%s", f->name);
            dc_check_report(ctx, f, loc, f->name, (const char *const[]){ "leaving it out", NULL }, FALSE,
                            "'%s' does not exist for %s %s", f->name, ctx->arch, ctx->machine);
        }
        if (strcmp(f->name, "pmu") == 0 && (here & ON_PSERIES) &&
            dc_switch_of(dc_node_get_attr(f, "state")) == DC_SWITCH_OFF)
            dc_check_report(ctx, f, "/domain/features/pmu/@state", "off", (const char *const[]){ "leaving it out",
                            NULL }, FALSE, "the PMU of %s is always on", ctx->arch);
    }
}
