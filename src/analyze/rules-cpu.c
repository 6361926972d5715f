/* The guest CPU at start (libvirt 9.0's qemuProcessUpdateGuestCPU and the
 * check after QEMU started): feature and model names from the CPU map,
 * the check= modes against the host CPU, and what KVM then refuses (the
 * IA32_ARCH_CAPABILITIES value of host-like CPUs). */
#include "analyze/rules.h"
#include "analyze/cpu-features.h"
#include "cpu/x86map.h"
#include "host/kvm-guest.h"
#include <string.h>

typedef struct {
    const DcNode *cpu;
    const char *mode;       /* custom, host-model, host-passthrough, maximum */
    const char *check;      /* none, partial, full (libvirt's default filled in) */
    char *model;            /* custom model, trimmed */
    const DcX86Map *map;    /* NULL when the arch has no map or it is not at hand */
} CpuAsk;

/* The check libvirt assumes when the definition says none. */
static const struct {
    const char *mode;
    const char *check;
} default_checks[] = {
    { "custom", "partial" },
    { "host-model", "partial" },
    { "host-passthrough", "none" },
    { "maximum", "none" },
};

static const char *default_check(const char *mode, gboolean tcg)
{
    /* custom CPUs under TCG are not compared with the host by default */
    if (tcg && strcmp(mode, "custom") == 0)
        return "none";
    for (gsize i = 0; i < G_N_ELEMENTS(default_checks); i++)
        if (strcmp(default_checks[i].mode, mode) == 0)
            return default_checks[i].check;
    return "none";
}

/* QEMU models without a local APIC (libvirt's map cannot tell: it lists
 * no APIC for the Pentiums either, whose QEMU models have one). */
static const char *const models_without_apic[] = { "486", NULL };

static void feature_names(DcCheckCtx *ctx, const CpuAsk *a)
{
    for (guint i = 0; i < a->cpu->children.len; i++) {
        const DcNode *f = a->cpu->children.pdata[i];
        const char *name = dc_node_get_attr(f, "name");
        if (strcmp(f->name, "feature") != 0 || !name || dc_x86_map_feature(a->map, name))
            continue;
        g_autofree char *loc = g_strdup_printf("/domain/cpu/feature[@name='%s']", name);
        dc_check_report(ctx, f, loc, name, (const char *const[]){ "a feature name of libvirt's CPU map "
                        "(x86_features.xml)", NULL }, FALSE, "'%s' is not a CPU feature libvirt knows", name);
    }
}

/* The definition's features of @policy ("require" also takes optional
 * ones the host has; forced features are given, never compared). */
static void asked_features(const CpuAsk *a, const char *policy, GHashTable *host, GHashTable *set)
{
    for (guint i = 0; i < a->cpu->children.len; i++) {
        const DcNode *f = a->cpu->children.pdata[i];
        const char *p = dc_node_get_attr(f, "policy");
        const X86Feature *known = dc_x86_map_feature(a->map, dc_node_get_attr(f, "name") ?: "");
        if (strcmp(f->name, "feature") != 0 || !known)
            continue;
        p = p ? p : "require";
        gboolean take = strcmp(p, policy) == 0 || (strcmp(policy, "require") == 0 && strcmp(p, "optional") == 0 &&
                                                   host && g_hash_table_contains(host, known->name));
        if (take)
            g_hash_table_add(set, known->name);
    }
}

/* What libvirt compares against: under KVM the host's CPUID with
 * host-model's required features, under TCG host-model itself. */
static GHashTable *host_full(DcCheckCtx *ctx, const CpuAsk *a)
{
    GHashTable *set = dc_feature_set_new();
    const DcNode *hm = dc_dom_find(ctx->caps, "cpu");
    for (guint i = 0; hm && i < hm->children.len; i++) {
        const DcNode *m = hm->children.pdata[i];
        if (g_strcmp0(dc_node_get_attr(m, "name"), "host-model") == 0)
            hm = m;
    }
    /* a fixture host states no CPUID: its host-model stands for it */
    gboolean cpuid = dc_ctx_is_kvm(ctx) && ctx->host && strcmp(ctx->host->root, "/") == 0;
    if (cpuid)
        dc_host_cpuid_features(a->map, ctx->host, set);
    if (hm && strcmp(hm->name, "mode") == 0)
        dc_mode_features(a->map, hm, set, !cpuid);
    return set;
}

/* The CPU the guest asks for: model, required features, less disabled. */
static GHashTable *guest_wants(const CpuAsk *a, GHashTable *host, const DcNode *host_model)
{
    GHashTable *set = dc_feature_set_new();
    if (a->model)
        dc_model_features(a->map, a->model, set);
    if (host_model)
        dc_mode_features(a->map, host_model, set, TRUE);
    asked_features(a, "require", host, set);
    g_autoptr(GHashTable) off = dc_feature_set_new();
    asked_features(a, "disable", NULL, off);
    asked_features(a, "forbid", NULL, off);
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, off);
    while (g_hash_table_iter_next(&it, &k, NULL))
        g_hash_table_remove(set, k);
    return set;
}

static void compare(DcCheckCtx *ctx, const CpuAsk *a, GHashTable *host, GHashTable *want)
{
    if (strcmp(a->check, "none") != 0) {
        g_autoptr(GHashTable) forbidden = dc_feature_set_new();
        asked_features(a, "forbid", NULL, forbidden);
        g_autofree char *present = dc_feature_set_common(forbidden, host);
        if (present)
            dc_check_report(ctx, a->cpu, "/domain/cpu/feature/@policy", "forbid", (const char *const[]){
                            "policy='disable'", "check='none'", NULL }, FALSE,
                            "the host CPU has the forbidden features %s", present);
    }
    if (strcmp(a->mode, "custom") != 0 || !a->model || strcmp(a->check, "none") == 0)
        return;
    g_autofree char *missing = dc_feature_set_missing(want, host);
    if (missing) {
        dc_check_report(ctx, a->cpu, "/domain/cpu/model", a->model, (const char *const[]){ "check='none' (QEMU drops them)",
                        "a model the host runs", NULL }, FALSE,
                        "'%s' with check='%s': the host CPU lacks %s", a->model, a->check, missing);
        return;
    }
    /* after start, check='full' holds QEMU's CPU to the definition, and
     * QEMU adds the hypervisor bit to every x86 CPU */
    if (strcmp(a->check, "full") == 0 && !g_hash_table_contains(want, "hypervisor"))
        dc_check_report(ctx, a->cpu, "/domain/cpu/@check", "full", (const char *const[]){ "check='partial'",
                        "<feature policy='require' name='hypervisor'/>", NULL }, FALSE,
                        "QEMU adds the 'hypervisor' feature the definition leaves out, which check='full' refuses");
}

/* Does the guest CPU carry a nonzero IA32_ARCH_CAPABILITIES? */
static gboolean arch_caps_bits(const CpuAsk *a, GHashTable *guest)
{
    if (!g_hash_table_contains(guest, "arch-capabilities"))
        return FALSE;
    const X86Feature *ac = dc_x86_map_feature(a->map, "rdctl-no");
    for (guint i = 0; ac && i < a->map->features->len; i++) {
        const X86Feature *f = a->map->features->pdata[i];
        const X86Item *it = f->data->len ? &g_array_index(f->data, X86Item, 0) : NULL;
        if (it && it->type == ITEM_MSR && it->in == 0x10a && g_hash_table_contains(guest, f->name))
            return TRUE;
    }
    return FALSE;
}

/* What QEMU will give the guest: the host's features for host-passthrough
 * and maximum (less those disabled), the asked CPU otherwise. */
static GHashTable *guest_gets(const CpuAsk *a, GHashTable *host, GHashTable *want)
{
    gboolean hostlike = strcmp(a->mode, "host-passthrough") == 0 || strcmp(a->mode, "maximum") == 0;
    GHashTable *guest = dc_feature_set_new();
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, hostlike ? host : want);
    while (g_hash_table_iter_next(&it, &k, NULL))
        g_hash_table_add(guest, k);
    if (hostlike) {
        g_autoptr(GHashTable) off = dc_feature_set_new();
        asked_features(a, "disable", NULL, off);
        asked_features(a, "forbid", NULL, off);
        g_hash_table_iter_init(&it, off);
        while (g_hash_table_iter_next(&it, &k, NULL))
            g_hash_table_remove(guest, k);
    }
    return guest;
}

static void kvm_refusals(DcCheckCtx *ctx, const CpuAsk *a, GHashTable *host, GHashTable *want)
{
    if (!ctx->host || !dc_ctx_is_kvm(ctx))
        return;
    DcKvmGuest kvm;
    dc_kvm_guest_caps(ctx->host, &kvm);
    g_autoptr(GHashTable) guest = guest_gets(a, host, want);
    if (kvm.known && !kvm.arch_caps_settable && arch_caps_bits(a, guest))
        dc_check_report(ctx, a->cpu, "/domain/cpu/@mode", a->mode, (const char *const[]){
                        "<feature policy='disable' name='arch-capabilities'/>", "type='qemu'", NULL }, FALSE,
                        "this CPU has IA32_ARCH_CAPABILITIES bits, and KVM on this host refuses QEMU's write "
                        "of that MSR (0x10a)");
}

/* The custom models the document lists, and @name among them. */
static const DcNode *doc_model(const DcCheckCtx *ctx, const char *name, GPtrArray *names)
{
    const DcNode *cpu = dc_dom_find(ctx->caps, "cpu"), *found = NULL;
    for (guint i = 0; cpu && i < cpu->children.len; i++) {
        const DcNode *mode = cpu->children.pdata[i];
        if (g_strcmp0(dc_node_get_attr(mode, "name"), "custom") != 0)
            continue;
        for (guint k = 0; k < mode->children.len; k++) {
            const DcNode *m = mode->children.pdata[k];
            if (strcmp(m->name, "model") != 0 || !m->text)
                continue;
            if (names && g_strcmp0(dc_node_get_attr(m, "usable"), "no") != 0)
                g_ptr_array_add(names, m->text);
            if (strcmp(m->text, name) == 0)
                found = m;
        }
    }
    return found;
}

/* A custom model QEMU does not have; or one without the APIC q35 needs. */
static gboolean model_known(DcCheckCtx *ctx, const CpuAsk *a, GHashTable *want)
{
    g_autoptr(GPtrArray) usable = g_ptr_array_new();
    if (!doc_model(ctx, a->model, usable)) {
        g_ptr_array_add(usable, NULL);
        dc_check_report(ctx, a->cpu, "/domain/cpu/model", a->model, (const char *const *)usable->pdata, TRUE,
                        "'%s' is not a CPU model of this emulator", a->model);
        return FALSE;
    }
    if (a->map && g_strv_contains(models_without_apic, a->model) && dc_ctx_is_q35(ctx) &&
        !g_hash_table_contains(want, "apic"))
        dc_check_report(ctx, a->cpu, "/domain/cpu/model", a->model, (const char *const[]){ "machine pc",
                        "<feature policy='require' name='apic'/>", NULL }, FALSE,
                        "QEMU's '%s' has no local APIC, and q35's PCIe ports need MSI-X from one", a->model);
    return TRUE;
}

/* A message stays readable: s390 models have a hundred blockers. */
#define MAX_BLOCKERS_SHOWN 12

/* The features <blockers model=M> lists for @model, "a, b" (NULL when none). */
static char *doc_blockers(const DcCheckCtx *ctx, const char *model)
{
    const DcNode *custom = dc_node_child(dc_dom_find(ctx->caps, "cpu"), "mode", "custom");
    g_autoptr(GString) out = g_string_new(NULL);
    for (guint i = 0; custom && i < custom->children.len; i++) {
        const DcNode *b = custom->children.pdata[i];
        if (strcmp(b->name, "blockers") != 0 || g_strcmp0(dc_node_get_attr(b, "model"), model) != 0)
            continue;
        guint shown = 0;
        for (guint k = 0; k < b->children.len; k++) {
            const char *f = dc_node_get_attr(b->children.pdata[k], "name");
            if (f && shown++ < MAX_BLOCKERS_SHOWN)
                g_string_append_printf(out, "%s%s", out->len ? ", " : "", f);
        }
        if (shown > MAX_BLOCKERS_SHOWN)
            g_string_append_printf(out, " and %u more", shown - MAX_BLOCKERS_SHOWN);
    }
    return out->len ? g_string_free(g_steal_pointer(&out), FALSE) : NULL;
}

/* Without the host's CPU (a saved document, or an arch without a CPU map)
 * the document's usable='no' is the comparison: s390x QEMU refuses such a
 * model itself, and x86 libvirt compares unless check='none'. */
static void doc_usable(DcCheckCtx *ctx, const CpuAsk *a)
{
    const DcNode *m = doc_model(ctx, a->model, NULL);
    gboolean checked = g_str_has_prefix(ctx->arch, "s390") || (dc_ctx_is_x86(ctx) && strcmp(a->check, "none") != 0);
    if (!checked || !m || g_strcmp0(dc_node_get_attr(m, "usable"), "no") != 0)
        return;
    g_autoptr(GPtrArray) usable = g_ptr_array_new();
    doc_model(ctx, a->model, usable);
    g_ptr_array_add(usable, NULL);
    g_autofree char *blockers = doc_blockers(ctx, a->model);
    dc_check_report(ctx, a->cpu, "/domain/cpu/model", a->model, (const char *const *)usable->pdata, TRUE,
                    "'%s' is not usable on this host%s%s%s", a->model, blockers ? " (blocked by " : "",
                    blockers ? blockers : "", blockers ? ")" : "");
}

static const DcX86Map *load_map(DcCheckCtx *ctx, DcCpuMap **owner)
{
    *owner = NULL;
    if (!ctx->cpu_map_dir || !dc_ctx_is_x86(ctx))
        return NULL;
    *owner = dc_cpu_map_load(ctx->cpu_map_dir, ctx->arch, NULL);
    return *owner ? dc_cpu_map_x86(*owner) : NULL;
}

void dc_rule_cpu(DcCheckCtx *ctx)
{
    CpuAsk a = { .cpu = dc_dom_find(ctx->domain, "cpu") };
    if (!a.cpu)
        return;
    const char *mode = dc_node_get_attr(a.cpu, "mode");
    a.mode = mode ? mode : "custom";
    a.check = dc_node_get_attr(a.cpu, "check");
    a.check = a.check ? a.check : default_check(a.mode, !dc_ctx_is_kvm(ctx));
    g_autofree char *model = dc_dom_text(a.cpu, "model");
    a.model = strcmp(a.mode, "custom") == 0 ? model : NULL;
    g_autoptr(DcCpuMap) owner = NULL;
    a.map = load_map(ctx, &owner);
    if (!a.map) {
        if (a.model && ctx->arch && model_known(ctx, &a, NULL))
            doc_usable(ctx, &a);
        return;
    }
    feature_names(ctx, &a);
    g_autoptr(GHashTable) host = host_full(ctx, &a);
    const DcNode *hm = strcmp(a.mode, "host-model") == 0
                           ? dc_node_child(dc_dom_find(ctx->caps, "cpu"), "mode", "host-model") : NULL;
    g_autoptr(GHashTable) want = guest_wants(&a, host, hm);
    if (a.model && !model_known(ctx, &a, want))
        return;
    compare(ctx, &a, host, want);
    kvm_refusals(ctx, &a, host, want);
}
