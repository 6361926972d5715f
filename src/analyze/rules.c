/* The table of libvirt's rules (analyze/rules.h) and the helpers they
 * share for reading a definition and the query it is checked for. */
#include "analyze/rules.h"
#include <string.h>

/* In the order libvirt meets them: define-time validation of the OS and
 * CPU, devices, then what start decides (firmware autoselection, the CPU
 * against the host, host resources). Order only sorts problems of one
 * element; every rule runs. */
static const DcRuleFn dc_rules[] = {
    dc_rule_firmware,
    dc_rule_loader,
    dc_rule_vcpus,
    dc_rule_features,
    dc_rule_hyperv,
    dc_rule_platform,
    dc_rule_qemu_devices,
    dc_rule_cpu,
    dc_rule_iommu,
    dc_rule_tpm,
    dc_rule_filesystems,
    dc_rule_graphics,
    dc_rule_host,
};

void dc_rules_run(DcCheckCtx *ctx)
{
    for (gsize i = 0; i < G_N_ELEMENTS(dc_rules); i++)
        dc_rules[i](ctx);
}

const DcNode *dc_dom_find(const DcNode *n, const char *path)
{
    if (!n || strcmp(path, ".") == 0)
        return n;
    const char *p = path;
    while (n && *p) {
        const char *slash = strchr(p, '/');
        gsize len = slash ? (gsize)(slash - p) : strlen(p);
        const DcNode *next = NULL;
        for (guint i = 0; !next && i < n->children.len; i++) {
            const DcNode *c = n->children.pdata[i];
            if (strlen(c->name) == len && strncmp(c->name, p, len) == 0)
                next = c;
        }
        n = next;
        p = slash ? slash + 1 : p + len;
    }
    return n;
}

const char *dc_dom_attr(const DcNode *n, const char *path, const char *attr)
{
    const DcNode *e = dc_dom_find(n, path);
    return e ? dc_node_get_attr(e, attr) : NULL;
}

char *dc_dom_text(const DcNode *n, const char *path)
{
    const DcNode *e = dc_dom_find(n, path);
    return e && e->text ? g_strstrip(g_strdup(e->text)) : NULL;
}

DcSwitch dc_switch_of(const char *value)
{
    if (g_strcmp0(value, "on") == 0 || g_strcmp0(value, "yes") == 0)
        return DC_SWITCH_ON;
    if (g_strcmp0(value, "off") == 0 || g_strcmp0(value, "no") == 0)
        return DC_SWITCH_OFF;
    return DC_SWITCH_ABSENT;
}

DcSwitch dc_dom_feature(const DcNode *domain, const char *name)
{
    const DcNode *f = dc_dom_find(dc_dom_find(domain, "features"), name);
    if (!f)
        return DC_SWITCH_ABSENT;
    const char *state = dc_node_get_attr(f, "state");
    return state ? dc_switch_of(state) : DC_SWITCH_ON;
}

static gboolean machine_is(const DcCheckCtx *ctx, const char *alias, const char *prefix)
{
    const char *m = ctx->machine;
    return m && (strcmp(m, alias) == 0 || g_str_has_prefix(m, prefix));
}

gboolean dc_ctx_is_q35(const DcCheckCtx *ctx)
{
    return machine_is(ctx, "q35", "pc-q35-");
}

gboolean dc_ctx_is_i440fx(const DcCheckCtx *ctx)
{
    return machine_is(ctx, "pc", "pc-i440fx-");
}

gboolean dc_ctx_is_arm_virt(const DcCheckCtx *ctx)
{
    return (g_strcmp0(ctx->arch, "aarch64") == 0 || g_strcmp0(ctx->arch, "armv7l") == 0) &&
           machine_is(ctx, "virt", "virt-");
}

gboolean dc_ctx_is_x86(const DcCheckCtx *ctx)
{
    return g_strcmp0(ctx->arch, "x86_64") == 0 || g_strcmp0(ctx->arch, "i686") == 0;
}

gboolean dc_ctx_is_kvm(const DcCheckCtx *ctx)
{
    return g_strcmp0(ctx->virttype, "kvm") == 0;
}

gboolean dc_ctx_host_has(const DcCheckCtx *ctx, const char *path)
{
    return !ctx->host || dc_host_exists(ctx->host, path);
}
