/* <features> entries whose content is more than a yes/no. */
#include "caps/sections.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define DC_KVM_CHECK_EXTENSION 0xAE03  /* _IO(KVMIO, 0x03) */
#define DC_KVM_CAP_NR_VCPUS 9
#define DC_KVM_CAP_MAX_VCPUS 66

/* KVM's own vCPU limit. A fixture tree may hold a regular file at
 * /dev/kvm whose content is the limit; without a limit, none applies. */
guint dc_caps_host_kvm_max_vcpus(const DcCapsCtx *ctx)
{
    g_autofree char *path = dc_host_path(ctx->host, "/dev/kvm");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return G_MAXINT;
    int r = ioctl(fd, DC_KVM_CHECK_EXTENSION, DC_KVM_CAP_MAX_VCPUS);
    if (r <= 0)
        r = ioctl(fd, DC_KVM_CHECK_EXTENSION, DC_KVM_CAP_NR_VCPUS);
    close(fd);
    if (r > 0)
        return (guint)r;
    g_autofree char *text = NULL;
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        gint64 v = g_ascii_strtoll(text, NULL, 10);
        if (v > 0 && v <= G_MAXINT)
            return (guint)v;
    }
    return G_MAXINT;
}

void dc_caps_add_gic(const DcCapsCtx *ctx, DcNode *features)
{
    DcNode *gic = dc_node_add(features, "gic");
    json_object *caps = dc_facts_member(ctx->facts, "gic");
    gboolean applies = dc_arch_is_arm(ctx->query->arch) && dc_machine_is_virt(ctx->query->machine);
    if (!applies || !caps || !json_object_is_type(caps, json_type_array)) {
        dc_node_set_supported(gic, FALSE);
        return;
    }
    /* KVM guests get what the kernel offers, TCG guests what QEMU emulates. */
    const char *which = strcmp(ctx->accel, "kvm") == 0 ? "kernel" : "emulated";
    gboolean versions[4] = { FALSE };
    for (size_t i = 0; i < json_object_array_length(caps); i++) {
        json_object *c = json_object_array_get_idx(caps, i);
        gint64 v = dc_json_int(c, "version", 0);
        if (v >= 2 && v <= 3 && dc_json_bool(c, which, FALSE))
            versions[v] = TRUE;
    }
    dc_node_set_supported(gic, versions[2] || versions[3]);
    if (!versions[2] && !versions[3])
        return;
    DcNode *e = dc_node_add_enum(gic, "version");
    if (versions[2])
        dc_node_enum_add_value(e, "2");
    if (versions[3])
        dc_node_enum_add_value(e, "3");
}

void dc_caps_add_sev(const DcCapsCtx *ctx, DcNode *features)
{
    DcNode *sev = dc_node_add(features, "sev");
    json_object *caps = dc_facts_member(ctx->facts, "sev");
    gboolean yes = caps && dc_facts_has_type(ctx->facts, "sev-guest") && strcmp(ctx->accel, "kvm") == 0;
    dc_node_set_supported(sev, yes);
    if (!yes)
        return;
    g_autofree char *cbitpos = g_strdup_printf("%" G_GINT64_FORMAT, dc_json_int(caps, "cbitpos", 0));
    g_autofree char *rpb = g_strdup_printf("%" G_GINT64_FORMAT, dc_json_int(caps, "reduced-phys-bits", 0));
    dc_node_add_text(sev, "cbitpos", cbitpos);
    dc_node_add_text(sev, "reducedPhysBits", rpb);
}

void dc_caps_add_sgx(const DcCapsCtx *ctx, DcNode *features)
{
    DcNode *sgx = dc_node_add(features, "sgx");
    json_object *caps = dc_facts_member(ctx->facts, "sgx");
    gboolean yes = caps && dc_facts_has_type(ctx->facts, "sgx-epc") && strcmp(ctx->accel, "kvm") == 0;
    dc_node_set_supported(sgx, yes);
    if (!yes)
        return;
    dc_node_add_text(sgx, "flc", dc_json_bool(caps, "flc", FALSE) ? "yes" : "no");
    dc_node_add_text(sgx, "sgx1", dc_json_bool(caps, "sgx1", FALSE) ? "yes" : "no");
    dc_node_add_text(sgx, "sgx2", dc_json_bool(caps, "sgx2", FALSE) ? "yes" : "no");
}

/* Protected virtualization: s390 guests only (other arches get no element).
 * It takes QEMU's s390-pv-guest object, KVM, and a host kernel that says it
 * can host secure guests. */
void dc_caps_add_s390_pv(const DcCapsCtx *ctx, DcNode *features)
{
    if (!dc_arch_is_s390(ctx->query->arch))
        return;
    gboolean yes = strcmp(ctx->accel, "kvm") == 0 && dc_facts_has_type(ctx->facts, "s390-pv-guest");
    if (yes) {
        g_autofree char *text = NULL;
        yes = dc_host_read_file(ctx->host, "/sys/firmware/uv/prot_virt_host", &text, NULL, NULL) &&
              g_ascii_strtoll(text, NULL, 10) == 1;
    }
    dc_node_set_supported(dc_node_add(features, "s390-pv"), yes);
}

/* libvirt 9.0 offers the two Hyper-V settings it handles itself on x86;
 * other arches get no <hyperv> element at all. */
void dc_caps_add_hyperv(const DcCapsCtx *ctx, DcNode *features)
{
    if (!dc_arch_is_x86(ctx->query->arch))
        return;
    DcNode *hv = dc_node_add(features, "hyperv");
    dc_node_set_supported(hv, TRUE);
    DcNode *e = dc_node_add_enum(hv, "features");
    dc_node_enum_add_value(e, "spinlocks");
    dc_node_enum_add_value(e, "vendor_id");
}
