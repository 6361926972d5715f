/* <features> entries whose content is more than a yes/no. */
#include "caps/sections.h"
#include "host/deps.h"
#include "format/releases.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* AMD SEV: QEMU's sev-guest and its query-sev-capabilities answer; the
 * guest limits come from the host CPU (CPUID 0x8000001F: ECX the highest
 * SEV ASID, EDX the lowest non-SEV-ES one). */
void dc_caps_add_sev(const DcCapsCtx *ctx, DcNode *features)
{
    DcNode *sev = dc_node_add(features, "sev");
    json_object *caps = dc_facts_member(ctx->facts, "sev");
    gboolean yes = caps && (dc_facts_has(ctx->facts, "type:sev-guest") ||
                            (dc_release_behaves(ctx->query->release, DC_BEHAVIOUR_SEV_SNP) &&
                             dc_facts_has(ctx->facts, "type:sev-snp-guest")));
    dc_node_set_supported(sev, yes);
    if (!yes)
        return;
    guint32 r[4] = { 0 };
    gint64 max_guests = 0, max_es_guests = 0;
    if (dc_host_cpuid(ctx->host, 0x8000001F, r) && r[2] != 0 && r[3] != 0) {
        max_guests = (gint64)r[2] - (gint64)r[3] + 1;
        max_es_guests = (gint64)r[3] - 1;
    }
    const struct { const char *el; gint64 v; } nums[] = {
        { "cbitpos", dc_json_int(caps, "cbitpos", 0) },
        { "reducedPhysBits", dc_json_int(caps, "reduced-phys-bits", 0) },
        { "maxGuests", max_guests },
        { "maxESGuests", max_es_guests },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(nums); i++) {
        g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, nums[i].v);
        dc_node_add_text(sev, nums[i].el, text);
    }
    if (dc_json_str(caps, "cpu0-id"))
        dc_node_add_text(sev, "cpu0Id", dc_json_str(caps, "cpu0-id"));
}

/* Intel SGX: query-sgx-capabilities, sizes in KiB; the section size is the
 * sum of the EPC sections unless QEMU still reports it. An answer without
 * EPC sections (QEMU before 7.0) is no SGX for libvirt. */
void dc_caps_add_sgx(const DcCapsCtx *ctx, DcNode *features)
{
    DcNode *sgx = dc_node_add(features, "sgx");
    json_object *caps = dc_facts_member(ctx->facts, "sgx"), *secs = NULL;
    gboolean yes = caps && dc_facts_has(ctx->facts, "type:sgx-epc") &&
                   json_object_object_get_ex(caps, "sections", &secs) && json_object_is_type(secs, json_type_array);
    dc_node_set_supported(sgx, yes);
    if (!yes)
        return;
    dc_node_add_text(sgx, "flc", dc_json_bool(caps, "flc", FALSE) ? "yes" : "no");
    dc_node_add_text(sgx, "sgx1", dc_json_bool(caps, "sgx1", FALSE) ? "yes" : "no");
    dc_node_add_text(sgx, "sgx2", dc_json_bool(caps, "sgx2", FALSE) ? "yes" : "no");
    json_object *sections = NULL;
    guint64 sum = 0;
    gboolean has_sections = json_object_object_get_ex(caps, "sections", &sections) &&
                            json_object_is_type(sections, json_type_array);
    for (size_t i = 0; has_sections && i < json_object_array_length(sections); i++)
        sum += (guint64)dc_json_int(json_object_array_get_idx(sections, i), "size", 0) / 1024;
    guint64 size = json_object_object_get_ex(caps, "section-size", NULL)
                       ? (guint64)dc_json_int(caps, "section-size", 0) / 1024 : sum;
    g_autofree char *size_text = g_strdup_printf("%" G_GUINT64_FORMAT, size);
    dc_node_set_attr(dc_node_add_text(sgx, "section_size", size_text), "unit", "KiB");
    if (!has_sections || json_object_array_length(sections) == 0)
        return;
    DcNode *list = dc_node_add(sgx, "sections");
    for (size_t i = 0; i < json_object_array_length(sections); i++) {
        json_object *sec = json_object_array_get_idx(sections, i);
        DcNode *n = dc_node_add(list, "section");
        dc_node_set_attr_printf(n, "node", "%" G_GINT64_FORMAT, dc_json_int(sec, "node", 0));
        dc_node_set_attr_printf(n, "size", "%" G_GUINT64_FORMAT, (guint64)dc_json_int(sec, "size", 0) / 1024);
        dc_node_set_attr(n, "unit", "KiB");
    }
}

/* The i8042 (PS/2) controller can be switched off on PC machines whose QEMU
 * has the generic-pc machine's i8042 property. */
void dc_caps_add_ps2(const DcCapsCtx *ctx, DcNode *features)
{
    const char *m = ctx->query->machine;
    gboolean pc = dc_arch_is_x86(ctx->query->emu_arch) &&
                  (dc_machine_is_i440fx(m) || dc_machine_is_q35(m) || g_strcmp0(m, "isapc") == 0 ||
                   g_strcmp0(m, "xenfv") == 0 || g_str_has_prefix(m ? m : "", "xenfv-"));
    dc_node_set_supported(dc_node_add(features, "ps2"),
                          pc && dc_facts_has(ctx->facts, "object-prop:generic-pc-machine.i8042"));
}

/* Intel TDX on this host: KVM's kvm_intel module has it on (libvirt asks
 * the same parameter before it believes QEMU's tdx-guest). */
static gboolean host_tdx(const DcCapsCtx *ctx)
{
    g_autofree char *value = NULL;
    return dc_host_read_file(ctx->host, "/sys/module/kvm_intel/parameters/tdx", &value, NULL, NULL) &&
           (value[0] == 'Y' || value[0] == 'y' || value[0] == '1');
}

static gboolean qemu_and_host_tdx(const DcCapsCtx *ctx)
{
    return dc_facts_has(ctx->facts, "type:tdx-guest") && host_tdx(ctx);
}

/* <tdx>: a KVM guest of an x86 emulator that has tdx-guest, on a TDX host. */
void dc_caps_add_tdx(const DcCapsCtx *ctx, DcNode *features)
{
    gboolean yes = dc_arch_is_x86(ctx->query->emu_arch) && strcmp(ctx->accel, "kvm") == 0 &&
                   qemu_and_host_tdx(ctx);
    dc_node_set_supported(dc_node_add(features, "tdx"), yes);
}

/* Launch security types QEMU offers: SEV, SEV-SNP, s390 protected
 * virtualization (which needs confidential-guest-support on machines),
 * TDX (on a TDX host). */
void dc_caps_add_launch_security(const DcCapsCtx *ctx, DcNode *features)
{
    const DcFacts *f = ctx->facts;
    DcNode *ls = dc_node_add(features, "launchSecurity");
    g_autoptr(DcNode) e = dc_node_new("enum");
    dc_node_set_attr(e, "name", "sectype");
    if (dc_facts_has(f, "type:sev-guest") && dc_facts_member(f, "sev"))
        dc_node_enum_add_value(e, "sev");
    if (dc_facts_has(f, "type:sev-snp-guest") && dc_facts_member(f, "sev"))
        dc_node_enum_add_value(e, "sev-snp");
    if (dc_facts_has(f, "type:s390-pv-guest") && dc_facts_has(f, "object-prop:none-machine.confidential-guest-support"))
        dc_node_enum_add_value(e, "s390-pv");
    if (qemu_and_host_tdx(ctx))
        dc_node_enum_add_value(e, "tdx");
    dc_node_set_supported(ls, e->children.len > 0);
    if (e->children.len > 0)
        dc_node_append(ls, g_steal_pointer(&e));
}

/* Whether the kernel command line turns protected virtualization on: the
 * first prot_virt= whose value starts like a yes (the kernel reads
 * "prot_virt=yFOO" as on, so a prefix is enough). */
static gboolean cmdline_prot_virt(const char *cmdline)
{
    static const char *const yes[] = { "y", "Y", "on", "ON", "oN", "On", "1" };
    g_auto(GStrv) words = g_strsplit_set(cmdline, " \t\n", -1);
    for (char **w = words; *w; w++) {
        g_autofree char *name = g_strndup(*w, strcspn(*w, "="));
        g_strdelimit(name, "-", '_');
        if (strcmp(name, "prot_virt") != 0)
            continue;
        const char *eq = strchr(*w, '=');
        for (gsize i = 0; eq && i < G_N_ELEMENTS(yes); i++)
            if (g_str_has_prefix(eq + 1, yes[i]))
                return TRUE;
        return FALSE;
    }
    return FALSE;
}

/* Protected virtualization: s390 emulators only (others get no element,
 * or 'no' in later releases). It takes QEMU's s390-pv-guest object and
 * machines' confidential-guest-support, and a host that can run secure
 * guests, which libvirt asks only of a binary that has KVM (/sys/firmware/uv
 * and prot_virt= on the kernel command line); then for either domain type. */
void dc_caps_add_s390_pv(const DcCapsCtx *ctx, DcNode *features)
{
    if (!dc_arch_is_s390(ctx->query->emu_arch)) {
        if (dc_release_behaves(ctx->query->release, DC_BEHAVIOUR_S390_PV_EVERY_ARCH))
            dc_node_set_supported(dc_node_add(features, "s390-pv"), FALSE);
        return;
    }
    gboolean yes = dc_facts_has(ctx->facts, "object-prop:none-machine.confidential-guest-support") &&
                   dc_facts_has(ctx->facts, "type:s390-pv-guest") && dc_facts_kvm_enabled(ctx->facts);
    if (yes) {
        g_autofree char *cmdline = NULL;
        g_autofree char *uv = dc_host_path(ctx->host, "/sys/firmware/uv");
        dc_host_depend(ctx->host, "/sys/firmware/uv", DC_DEP_EXISTS);
        yes = g_file_test(uv, G_FILE_TEST_IS_DIR) &&
              dc_host_read_file(ctx->host, "/proc/cmdline", &cmdline, NULL, NULL) && cmdline_prot_virt(cmdline);
    }
    dc_node_set_supported(dc_node_add(features, "s390-pv"), yes);
}

/* Hyper-V enlightenments: the hv-* properties KVM turns on in QEMU's full
 * expansion of "host" with hv-passthrough, in libvirt's order. libvirt keeps
 * them with the emulator, not the accelerator, so a TCG document shows what
 * the KVM probe found; without a KVM probe there is no <hyperv>. */
static const char *const hyperv_names[] = {
    "relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer", "reset", "vendor_id",
    "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs", "avic", "emsr_bitmap", "xmm_input", NULL,
};

/* <defaults>: the values KVM's hv-passthrough expansion sets, which a
 * domain asking for the enlightenment gets: a spinlock retry count other
 * than "never" (0xffffffff), the direct and extended modes that are on, a
 * vendor id that is not empty. None of them: no element. */
static void add_hyperv_defaults(DcNode *hv, json_object *props)
{
    static const struct { const char *prop, *element; } modes[] = {
        { "hv-stimer-direct", "stimer_direct" },
        { "hv-tlbflush-direct", "tlbflush_direct" },
        { "hv-tlbflush-ext", "tlbflush_extended" },
    };
    g_autoptr(DcNode) defaults = dc_node_new("defaults");
    json_object *v = NULL;
    if (json_object_object_get_ex(props, "hv-spinlocks", &v) && json_object_is_type(v, json_type_int)) {
        gint64 retries = json_object_get_int64(v);
        if (retries > 0 && retries < 0xffffffffLL) {
            g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, retries);
            dc_node_add_text(defaults, "spinlocks", text);
        }
    }
    for (gsize i = 0; i < G_N_ELEMENTS(modes); i++)
        if (json_object_object_get_ex(props, modes[i].prop, &v) && json_object_is_type(v, json_type_boolean) &&
            json_object_get_boolean(v))
            dc_node_add_text(defaults, modes[i].element, "on");
    if (json_object_object_get_ex(props, "hv-vendor-id", &v) && json_object_is_type(v, json_type_string) &&
        json_object_get_string_len(v) > 0)
        dc_node_add_text(defaults, "vendor_id", json_object_get_string(v));
    if (defaults->children.len > 0)
        dc_node_append(hv, g_steal_pointer(&defaults));
}

void dc_caps_add_hyperv(const DcCapsCtx *ctx, DcNode *features)
{
    json_object *exp = dc_facts_accel(ctx->facts, "kvm", "cpu-expansion-hyperv");
    json_object *model = NULL, *props = NULL;
    if (!exp || !json_object_object_get_ex(exp, "model", &model) ||
        !json_object_object_get_ex(model, "props", &props) || !json_object_is_type(props, json_type_object))
        return;
    gboolean on[G_N_ELEMENTS(hyperv_names)] = { FALSE };
    gboolean any = FALSE;
    json_object_object_foreach(props, key, val) {
        if (!g_str_has_prefix(key, "hv-"))
            continue;
        g_autofree char *name = g_strdup(key + 3);
        g_strdelimit(name, "-", '_');
        gboolean set = json_object_is_type(val, json_type_boolean) ? json_object_get_boolean(val)
                       : json_object_is_type(val, json_type_int) ? json_object_get_int64(val) > 0
                       : json_object_is_type(val, json_type_string);
        for (gsize i = 0; hyperv_names[i]; i++)
            if (set && strcmp(hyperv_names[i], name) == 0)
                on[i] = any = TRUE;
    }
    if (!any)
        return;
    DcNode *hv = dc_node_add(features, "hyperv");
    dc_node_set_supported(hv, TRUE);
    DcNode *e = dc_node_add_enum(hv, "features");
    for (gsize i = 0; hyperv_names[i]; i++)
        if (on[i])
            dc_node_enum_add_value(e, hyperv_names[i]);
    add_hyperv_defaults(hv, props);
}
