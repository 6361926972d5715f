/* Hyper-V enlightenments and KVM's paravirtual features: the names libvirt
 * 9.0 knows, and what the accelerator emulates (QEMU fails to write a
 * Hyper-V MSR that KVM does not emulate, and a TCG guest has no KVM
 * features at all). */
#include "analyze/rules.h"
#include "host/kvm-guest.h"
#include <string.h>

static const char *const hyperv_names[] = { "relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic",
                                            "stimer", "reset", "vendor_id", "frequencies", "reenlightenment",
                                            "tlbflush", "ipi", "evmcs", "avic", NULL };

/* Enlightenments QEMU implements with KVM's Hyper-V emulation (MSRs or
 * capabilities KVM_CAP_HYPERV brings), and those TCG cannot give. */
static const char *const need_kvm_hyperv[] = { "vapic", "vpindex", "runtime", "synic", "stimer", "reset",
                                               "reenlightenment", "ipi", NULL };
static const char *const not_under_tcg[] = { "vpindex", NULL };

#define MIN_SPINLOCK_RETRIES 4095

static void hyperv_feature(DcCheckCtx *ctx, const DcNode *f, const DcKvmGuest *kvm)
{
    g_autofree char *loc = g_strdup_printf("/domain/features/hyperv/%s", f->name);
    if (!g_strv_contains(hyperv_names, f->name)) {
        dc_check_report(ctx, f, loc, f->name, hyperv_names, TRUE, "'%s' is not a Hyper-V enlightenment libvirt "
                        "knows", f->name);
        return;
    }
    if (dc_switch_of(dc_node_get_attr(f, "state")) != DC_SWITCH_ON)
        return;
    const char *retries = dc_node_get_attr(f, "retries");
    if (strcmp(f->name, "spinlocks") == 0 && retries && g_ascii_strtoull(retries, NULL, 10) < MIN_SPINLOCK_RETRIES)
        dc_check_report(ctx, f, "/domain/features/hyperv/spinlocks/@retries", retries, (const char *const[]){
                        "4095 or more", NULL }, FALSE, "Hyper-V spinlock retries must be at least %d",
                        MIN_SPINLOCK_RETRIES);
    if (dc_ctx_is_kvm(ctx) && kvm->known && !kvm->hyperv && g_strv_contains(need_kvm_hyperv, f->name))
        dc_check_report(ctx, f, loc, f->name, (const char *const[]){ "relaxed, spinlocks, vendor_id, "
                        "frequencies, tlbflush", "a kernel with KVM's Hyper-V emulation", NULL }, FALSE,
                        "'%s' needs KVM's Hyper-V emulation, which this host's KVM lacks (KVM_CAP_HYPERV)",
                        f->name);
    if (!dc_ctx_is_kvm(ctx) && g_strv_contains(not_under_tcg, f->name))
        dc_check_report(ctx, f, loc, f->name, (const char *const[]){ "type='kvm'", NULL }, FALSE,
                        "'%s' is set through KVM, and this domain runs under TCG", f->name);
}

void dc_rule_hyperv(DcCheckCtx *ctx)
{
    DcKvmGuest kvm = { 0 };
    if (ctx->host)
        dc_kvm_guest_caps(ctx->host, &kvm);
    const DcNode *hv = dc_dom_find(ctx->domain, "features/hyperv");
    if (hv && g_strcmp0(dc_node_get_attr(hv, "mode"), "passthrough") != 0)
        for (guint i = 0; i < hv->children.len; i++)
            hyperv_feature(ctx, hv->children.pdata[i], &kvm);
    /* the Hyper-V clock is a Hyper-V MSR too */
    const DcNode *clock = dc_dom_find(ctx->domain, "clock");
    for (guint i = 0; clock && i < clock->children.len; i++) {
        const DcNode *t = clock->children.pdata[i];
        if (strcmp(t->name, "timer") == 0 && g_strcmp0(dc_node_get_attr(t, "name"), "hypervclock") == 0 &&
            dc_switch_of(dc_node_get_attr(t, "present")) == DC_SWITCH_ON && dc_ctx_is_kvm(ctx) && kvm.known &&
            !kvm.hyperv)
            dc_check_report(ctx, t, "/domain/clock/timer[@name='hypervclock']", "hypervclock",
                            (const char *const[]){ "present='no'", NULL }, FALSE,
                            "the Hyper-V clock needs KVM's Hyper-V emulation, which this host's KVM lacks");
    }
    const DcNode *pvs = dc_dom_find(ctx->domain, "features/pvspinlock");
    if (!pvs || dc_dom_feature(ctx->domain, "pvspinlock") != DC_SWITCH_ON || !ctx->host)
        return;
    /* hidden KVM leaves the guest without KVM's CPUID leaves, these included */
    gboolean hidden = dc_switch_of(dc_dom_attr(ctx->domain, "features/kvm/hidden", "state")) == DC_SWITCH_ON;
    const char *why = !dc_ctx_is_kvm(ctx) ? "this domain runs under TCG"
                      : hidden ? "<kvm><hidden state='on'/></kvm> hides them"
                      : kvm.known && !kvm.pv_unhalt ? "this host's KVM lacks them" : NULL;
    if (why)
        dc_check_report(ctx, pvs, "/domain/features/pvspinlock", "on", (const char *const[]){ "state='off'",
                        NULL }, FALSE, "paravirtual spinlocks are KVM's (KVM_FEATURE_PV_UNHALT), and %s", why);
}
