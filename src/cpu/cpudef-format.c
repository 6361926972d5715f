/*
 * cpudef-format.c: a CPU definition as libvirt 9.0's virCPUDefFormat()
 * writes it: the element's attributes for guest CPUs, then one child per
 * line indented by two spaces, in libvirt's order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "cpu/cpudef.h"
#include "cpu/lverror.h"

static const char *const mode_names[] = { "custom", "host-model", "host-passthrough", "maximum" };
static const char *const match_names[] = { "exact", "minimum", "strict" };
static const char *const check_names[] = { "default", "none", "partial", "full" };
static const char *const fallback_names[] = { "allow", "forbid" };
static const char *const cache_mode_names[] = { "emulate", "passthrough", "disable" };
static const char *const addr_mode_names[] = { "emulate", "passthrough" };

/* libvirt's virBufferEscapeString: the five XML specials as entities,
 * control characters other than tab, newline and carriage return (up to
 * 0x19, as libvirt's table goes) left out. */
static void
append_escaped(GString *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        case '&': g_string_append(out, "&amp;"); break;
        case '"': g_string_append(out, "&quot;"); break;
        case '\'': g_string_append(out, "&apos;"); break;
        default:
            if ((guchar)*s >= 0x1a || *s == '\t' || *s == '\n' || *s == '\r')
                g_string_append_c(out, *s);
        }
    }
}

static void
append_attrs(GString *out, const DcCpuDef *def)
{
    if (def->type != DC_CPU_TYPE_GUEST || (def->mode == DC_CPU_MODE_CUSTOM && !def->model))
        return;
    g_string_append_printf(out, " mode='%s'", mode_names[def->mode]);
    if (def->mode == DC_CPU_MODE_CUSTOM)
        g_string_append_printf(out, " match='%s'", match_names[def->match]);
    if (def->check)
        g_string_append_printf(out, " check='%s'", check_names[def->check]);
    if ((def->mode == DC_CPU_MODE_HOST_PASSTHROUGH || def->mode == DC_CPU_MODE_MAXIMUM) && def->migratable)
        g_string_append_printf(out, " migratable='%s'", def->migratable == DC_TRISTATE_ON ? "on" : "off");
}

static void
append_model(GString *out, const DcCpuDef *def)
{
    gboolean guest = def->type == DC_CPU_TYPE_GUEST;

    if (!def->model && !def->vendor_id)
        return;
    g_string_append(out, "  <model");
    if (guest && def->model)
        g_string_append_printf(out, " fallback='%s'", fallback_names[def->fallback]);
    if (guest && def->vendor_id) {
        g_string_append(out, " vendor_id='");
        append_escaped(out, def->vendor_id);
        g_string_append_c(out, '\'');
    }
    if (def->model) {
        g_string_append_c(out, '>');
        append_escaped(out, def->model);
        g_string_append(out, "</model>\n");
    } else {
        g_string_append(out, "/>\n");
    }
}

/* The children a host CPU has besides its model: microcode, signature, TSC. */
static void
append_host_ids(GString *out, const DcCpuDef *def)
{
    if (def->type != DC_CPU_TYPE_HOST)
        return;
    if (def->microcode)
        g_string_append_printf(out, "  <microcode version='%u'/>\n", def->microcode);
    if (def->sig_family)
        g_string_append_printf(out, "  <signature family='%u' model='%u' stepping='%u'/>\n", def->sig_family,
                               def->sig_model, def->sig_stepping);
    if (def->has_tsc) {
        g_string_append_printf(out, "  <counter name='tsc' frequency='%" G_GUINT64_FORMAT "'", def->tsc_frequency);
        if (def->tsc_scaling)
            g_string_append_printf(out, " scaling='%s'", def->tsc_scaling == DC_TRISTATE_ON ? "yes" : "no");
        g_string_append(out, "/>\n");
    }
}

static void
append_layout(GString *out, const DcCpuDef *def)
{
    if (def->sockets && def->dies && def->cores && def->threads)
        g_string_append_printf(out, "  <topology sockets='%u' dies='%u' cores='%u' threads='%u'/>\n", def->sockets,
                               def->dies, def->cores, def->threads);
    if (def->has_cache) {
        g_string_append(out, "  <cache ");
        if (def->cache_level != -1)
            g_string_append_printf(out, "level='%d' ", def->cache_level);
        g_string_append_printf(out, "mode='%s'/>\n", cache_mode_names[def->cache_mode]);
    }
    if (def->has_addr) {
        g_string_append_printf(out, "  <maxphysaddr mode='%s'", addr_mode_names[def->addr_mode]);
        if (def->addr_bits != -1)
            g_string_append_printf(out, " bits='%d'", def->addr_bits);
        g_string_append(out, "/>\n");
    }
}

static void
append_children(GString *out, const DcCpuDef *def)
{
    gboolean with_model = def->mode == DC_CPU_MODE_CUSTOM || def->mode == DC_CPU_MODE_HOST_MODEL;

    if (def->type == DC_CPU_TYPE_HOST && def->arch)
        g_string_append_printf(out, "  <arch>%s</arch>\n", def->arch);
    if (with_model)
        append_model(out, def);
    if (with_model && def->vendor) {
        g_string_append(out, "  <vendor>");
        append_escaped(out, def->vendor);
        g_string_append(out, "</vendor>\n");
    }
    append_host_ids(out, def);
    append_layout(out, def);
    for (guint i = 0; i < def->features->len; i++) {
        const DcCpuDefFeature *f = dc_cpu_def_feature(def, i);

        /* libvirt prints feature names as they are, unescaped. */
        if (def->type == DC_CPU_TYPE_GUEST)
            g_string_append_printf(out, "  <feature policy='%s' name='%s'/>\n", dc_cpu_policy_name(f->policy),
                                   f->name);
        else
            g_string_append_printf(out, "  <feature name='%s'/>\n", f->name);
    }
}

char *
dc_cpu_def_format(const DcCpuDef *def, GError **err)
{
    g_autoptr(GString) attrs = g_string_new(NULL);
    g_autoptr(GString) children = g_string_new(NULL);

    if (!def->model && def->mode == DC_CPU_MODE_CUSTOM && def->features->len) {
        dc_lv_error(err, DC_LV_INTERNAL, "Non-empty feature list specified without CPU model");
        return NULL;
    }
    append_attrs(attrs, def);
    append_children(children, def);
    if (!attrs->len && !children->len)
        return g_strdup("");
    if (!children->len)
        return g_strdup_printf("<cpu%s/>\n", attrs->str);
    return g_strdup_printf("<cpu%s>\n%s</cpu>\n", attrs->str, children->str);
}
