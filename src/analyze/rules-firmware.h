/* What a definition asks of its firmware, read once for the firmware
 * rules (rules-firmware.c) and autoselection (rules-autoselect.c). */
#pragma once
#include "analyze/rules.h"

typedef struct {
    const char *firmware;         /* <os firmware>, NULL when not autoselected */
    const DcNode *loader;         /* <os><loader>, may be NULL */
    char *path;                   /* its text, trimmed */
    const char *type;             /* rom, pflash or NULL */
    DcSwitch readonly, secure;
    gboolean nvram;               /* <os><nvram> is there */
    const char *nvram_template;
    char *nvram_path;
    DcSwitch secure_boot, enrolled_keys; /* <os><firmware><feature> */
    DcSwitch s3, s4;              /* <pm> */
    gboolean sev;                 /* <launchSecurity type='sev'> */
    DcSwitch smm;                 /* <features><smm> */
} DcFwRequest;

void dc_fw_request_read(const DcNode *domain, DcFwRequest *rq);
void dc_fw_request_clear(DcFwRequest *rq);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DcFwRequest, dc_fw_request_clear)

/* Autoselection as libvirt does it at start, and what the chosen firmware
 * then needs (SMM, from the domain and from KVM). */
void dc_fw_autoselect(DcCheckCtx *ctx, const DcFwRequest *rq);
