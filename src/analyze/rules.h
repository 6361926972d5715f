/* libvirt's rules for a domain beyond what the capabilities document
 * lists (analyze/check.h). Each rule reads the definition through the
 * helpers below and reports through dc_check_report(); rules that need the
 * host (its firmware files, /dev/kvm, /dev/dri) or QEMU's facts skip what
 * they cannot ask when checking against a saved document. */
#pragma once
#include "analyze/check.h"

typedef void (*DcRuleFn)(DcCheckCtx *ctx);

/* ---- reading a definition ---- */

/* The first element at @path ("os/loader", "devices/iommu/driver") under @n, or NULL. */
const DcNode *dc_dom_find(const DcNode *n, const char *path);
/* An attribute of the element at @path ("." for @n itself), or NULL. */
const char *dc_dom_attr(const DcNode *n, const char *path, const char *attr);
/* Element text without surrounding white space (NULL when none); g_free. */
char *dc_dom_text(const DcNode *n, const char *path);

typedef enum { DC_SWITCH_ABSENT, DC_SWITCH_ON, DC_SWITCH_OFF } DcSwitch;
/* A <features> child as libvirt's tristate: present (state='on' or no
 * state) is on, state='off' off. */
DcSwitch dc_dom_feature(const DcNode *domain, const char *name);
/* yes/on -> ON, no/off -> OFF, anything else ABSENT. */
DcSwitch dc_switch_of(const char *value);

/* ---- what the document was made for ---- */
gboolean dc_ctx_is_q35(const DcCheckCtx *ctx);
gboolean dc_ctx_is_i440fx(const DcCheckCtx *ctx);
gboolean dc_ctx_is_arm_virt(const DcCheckCtx *ctx);
gboolean dc_ctx_is_x86(const DcCheckCtx *ctx);
gboolean dc_ctx_is_kvm(const DcCheckCtx *ctx);
/* Does the host have @path (under its root)? TRUE when there is no host to ask. */
gboolean dc_ctx_host_has(const DcCheckCtx *ctx, const char *path);

/* ---- the rules (rules-*.c), run in the order of dc_rules in rules.c ---- */
void dc_rule_firmware(DcCheckCtx *ctx);
void dc_rule_loader(DcCheckCtx *ctx);
void dc_rule_cpu(DcCheckCtx *ctx);
void dc_rule_vcpus(DcCheckCtx *ctx);
void dc_rule_iommu(DcCheckCtx *ctx);
void dc_rule_tpm(DcCheckCtx *ctx);
void dc_rule_filesystems(DcCheckCtx *ctx);
void dc_rule_graphics(DcCheckCtx *ctx);
void dc_rule_features(DcCheckCtx *ctx);
void dc_rule_qemu_devices(DcCheckCtx *ctx);
void dc_rule_platform(DcCheckCtx *ctx);
void dc_rule_host(DcCheckCtx *ctx);
void dc_rule_hyperv(DcCheckCtx *ctx);

/* Run every rule. */
void dc_rules_run(DcCheckCtx *ctx);
