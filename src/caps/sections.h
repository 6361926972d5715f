/* Sections with rules of their own (not plain table rows). */
#pragma once
#include "caps/caps.h"

gboolean dc_caps_add_os(const DcCapsCtx *ctx, DcNode *root, GError **err);         /* os.c */
/* --explain-firmware: one line per descriptor file, in libvirt's order, taken
 * or skipped and why, then where the loader values came from (os.c). */
GPtrArray *dc_caps_explain_os(const DcHost *host, const char *arch, const char *machine, guint release);
gboolean dc_caps_add_cpu(const DcCapsCtx *ctx, DcNode *root, GError **err);        /* cpu.c */
struct _DcCpuMap;
/* cpu-flags.c: the host-model <mode> changed for ctx->query->flags. */
void dc_caps_host_model_flags(const DcCapsCtx *ctx, const struct _DcCpuMap *map, DcNode *mode);
void dc_caps_depend_cpu_map(const DcCapsCtx *ctx);  /* note the CPU map among the document's host files */
void dc_caps_add_gic(const DcCapsCtx *ctx, DcNode *features);                      /* features.c */
void dc_caps_add_s390_pv(const DcCapsCtx *ctx, DcNode *features);
void dc_caps_add_sev(const DcCapsCtx *ctx, DcNode *features);
void dc_caps_add_sgx(const DcCapsCtx *ctx, DcNode *features);
void dc_caps_add_hyperv(const DcCapsCtx *ctx, DcNode *features);
void dc_caps_add_ps2(const DcCapsCtx *ctx, DcNode *features);
void dc_caps_add_tdx(const DcCapsCtx *ctx, DcNode *features);
void dc_caps_add_launch_security(const DcCapsCtx *ctx, DcNode *features);
