/*
 * cpudef-parse.c: reading a <cpu> element the way libvirt 9.0 reads it,
 * with its checks in its order and its messages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/arch.h"
#include "format/releases.h"
#include "cpu/cpudef.h"
#include "cpu/lverror.h"

/* Enum names as libvirt spells them, by value. */
static const char *const mode_names[] = { "custom", "host-model", "host-passthrough", "maximum", NULL };
static const char *const match_names[] = { "exact", "minimum", "strict", NULL };
static const char *const check_names[] = { "default", "none", "partial", "full", NULL };
static const char *const fallback_names[] = { "allow", "forbid", NULL };
static const char *const policy_names[] = { "force", "require", "optional", "disable", "forbid", NULL };
static const char *const switch_names[] = { "absent", "on", "off", NULL };
static const char *const bool_names[] = { "absent", "yes", "no", NULL };
static const char *const cache_mode_names[] = { "emulate", "passthrough", "disable", NULL };
static const char *const addr_mode_names[] = { "emulate", "passthrough", NULL };

static int
enum_value(const char *const *names, const char *s)
{
    for (int i = 0; s && names[i]; i++) {
        if (strcmp(names[i], s) == 0)
            return i;
    }
    return -1;
}

/* How an attribute is read (libvirt's virXMLPropFlags). */
enum {
    PROP_REQUIRED = 1 << 0,
    PROP_NONZERO = 1 << 1,
    PROP_NONNEGATIVE = 1 << 2,
};

static gboolean
prop_missing(const DcNode *node, const char *name, int flags, gboolean *absent, GError **err)
{
    *absent = dc_node_get_attr(node, name) == NULL;
    if (*absent && (flags & PROP_REQUIRED)) {
        dc_lv_error(err, DC_LV_XML_ERROR, "Missing required attribute '%s' in element '%s'", name, node->name);
        return TRUE;
    }
    return FALSE;
}

/* An enum attribute: FALSE on error; *out untouched when absent. */
static gboolean
prop_enum(const DcNode *node, const char *name, const char *const *names, int flags, int *out, GError **err)
{
    const char *s = dc_node_get_attr(node, name);
    gboolean absent;
    int v;

    if (prop_missing(node, name, flags, &absent, err))
        return FALSE;
    if (absent)
        return TRUE;
    v = enum_value(names, s);
    if (v < 0 || ((flags & PROP_NONZERO) && v == 0)) {
        dc_lv_error(err, DC_LV_XML_ERROR, "Invalid value for attribute '%s' in element '%s': '%s'.", name,
                    node->name, s);
        return FALSE;
    }
    *out = v;
    return TRUE;
}

/* C's strtoull as libvirt's virStrToLong_*p use it: white space and a sign
 * may lead, nothing may trail, and a '-' anywhere in it is refused. */
static gboolean
parse_unsigned(const char *s, guint64 max, guint64 *out)
{
    char *end = NULL;
    guint64 v;

    errno = 0;
    v = g_ascii_strtoull(s, &end, 10);
    if (errno || end == s || *end || memchr(s, '-', end - s) || v > max)
        return FALSE;
    *out = v;
    return TRUE;
}

/* An unsigned attribute (virXMLPropUInt, virXMLPropULongLong). */
static gboolean
prop_unsigned(const DcNode *node, const char *name, guint64 max, int flags, guint64 *out, GError **err)
{
    const char *s = dc_node_get_attr(node, name);
    gboolean absent;

    *out = 0;
    if (prop_missing(node, name, flags, &absent, err))
        return FALSE;
    if (absent)
        return TRUE;
    if (!parse_unsigned(s, max, out)) {
        dc_lv_error(err, DC_LV_XML_ERROR,
                    "Invalid value for attribute '%s' in element '%s': '%s'. Expected non-negative integer value",
                    name, node->name, s);
        return FALSE;
    }
    if ((flags & PROP_NONZERO) && *out == 0) {
        dc_lv_error(err, DC_LV_XML_ERROR, "Invalid value for attribute '%s' in element '%s': Zero is not permitted",
                    name, node->name);
        return FALSE;
    }
    return TRUE;
}

static gboolean
prop_uint(const DcNode *node, const char *name, int flags, guint *out, GError **err)
{
    guint64 v = 0;
    gboolean ok = prop_unsigned(node, name, G_MAXUINT, flags, &v, err);

    *out = (guint)v;
    return ok;
}

/* A signed attribute (virXMLPropInt): *out keeps @dflt when absent. */
static gboolean
prop_int(const DcNode *node, const char *name, int flags, int *out, GError **err)
{
    const char *s = dc_node_get_attr(node, name);
    gboolean absent;
    char *end = NULL;
    gint64 v;

    if (prop_missing(node, name, flags, &absent, err))
        return FALSE;
    if (absent)
        return TRUE;
    errno = 0;
    v = g_ascii_strtoll(s, &end, 10);
    if (errno || end == s || *end || v < G_MININT || v > G_MAXINT) {
        dc_lv_error(err, DC_LV_XML_ERROR,
                    "Invalid value for attribute '%s' in element '%s': '%s'. Expected integer value",
                    name, node->name, s);
        return FALSE;
    }
    if ((flags & PROP_NONNEGATIVE) && v < 0) {
        dc_lv_error(err, DC_LV_XML_ERROR,
                    "Invalid value for attribute '%s' in element '%s': '%s'. Expected non-negative value",
                    name, node->name, s);
        return FALSE;
    }
    *out = (int)v;
    return TRUE;
}

/* type, mode and migratable: what kind of CPU this is. */
static gboolean
parse_kind(const DcNode *node, DcCpuType type, DcCpuDef *def, GError **err)
{
    const char *mode = dc_node_get_attr(node, "mode");
    int migratable = 0;

    if (type == DC_CPU_TYPE_AUTO) {
        if (dc_cpu_xml_child(node, "arch") && dc_node_get_attr(node, "match")) {
            dc_lv_error(err, DC_LV_XML_ERROR, "'arch' element cannot be used inside 'cpu' element with 'match' attribute'");
            return FALSE;
        }
        type = dc_cpu_xml_child(node, "arch") ? DC_CPU_TYPE_HOST : DC_CPU_TYPE_GUEST;
    }
    def->type = type;
    if (mode && type == DC_CPU_TYPE_HOST) {
        dc_lv_error(err, DC_LV_CONFIG_UNSUPPORTED, "Attribute mode is only allowed for guest CPU");
        return FALSE;
    }
    if (mode && enum_value(mode_names, mode) < 0) {
        dc_lv_error(err, DC_LV_CONFIG_UNSUPPORTED, "Invalid mode attribute '%s'", mode);
        return FALSE;
    }
    if (mode)
        def->mode = enum_value(mode_names, mode);
    else
        def->mode = type == DC_CPU_TYPE_HOST ? DC_CPU_MODE_NONE : DC_CPU_MODE_CUSTOM;
    if (!prop_enum(node, "migratable", switch_names, PROP_NONZERO, &migratable, err))
        return FALSE;
    def->migratable = migratable;
    if (migratable && def->mode != DC_CPU_MODE_HOST_PASSTHROUGH && def->mode != DC_CPU_MODE_MAXIMUM) {
        dc_lv_error(err, DC_LV_CONFIG_UNSUPPORTED,
                    "Attribute migratable is only allowed for 'host-passthrough' / 'maximum' CPU mode");
        return FALSE;
    }
    if (type == DC_CPU_TYPE_GUEST) {
        int match = 0, check = 0;
        if (!prop_enum(node, "match", match_names, 0, &match, err) ||
            !prop_enum(node, "check", check_names, 0, &check, err))
            return FALSE;
        def->match = match;
        def->check = check;
    }
    return TRUE;
}

/* The first <signature> and <counter name='tsc'> of a host CPU. */
static gboolean
parse_host_ids(const DcNode *node, DcCpuDef *def, GError **err)
{
    const DcNode *sig = dc_cpu_xml_child(node, "signature");
    const DcNode *tsc = NULL;

    if (sig && (!prop_uint(sig, "family", PROP_REQUIRED | PROP_NONZERO, &def->sig_family, err) ||
                !prop_uint(sig, "model", PROP_REQUIRED, &def->sig_model, err) ||
                !prop_uint(sig, "stepping", PROP_REQUIRED, &def->sig_stepping, err)))
        return FALSE;
    for (guint i = 0; i < node->children.len && !tsc; i++) {
        const DcNode *c = node->children.pdata[i];
        if (strcmp(c->name, "counter") == 0 && g_strcmp0(dc_node_get_attr(c, "name"), "tsc") == 0 &&
            !dc_node_get_attr(c, "xmlns"))
            tsc = c;
    }
    if (tsc) {
        int scaling = 0;
        if (!prop_unsigned(tsc, "frequency", G_MAXUINT64, PROP_REQUIRED, &def->tsc_frequency, err) ||
            !prop_enum(tsc, "scaling", bool_names, PROP_NONZERO, &scaling, err))
            return FALSE;
        def->has_tsc = TRUE;
        def->tsc_scaling = scaling;
    }
    return TRUE;
}

/* <arch>, <microcode>, <signature>, <counter>: host CPUs only. */
static gboolean
parse_host(const DcNode *node, DcCpuDef *def, GError **err)
{
    g_autofree char *arch = dc_cpu_xml_child_text(node, "arch");
    const DcNode *mc = dc_cpu_xml_child(node, "microcode");
    const char *version = mc ? dc_node_get_attr(mc, "version") : NULL;
    guint64 v;

    if (!arch) {
        dc_lv_error(err, DC_LV_XML_ERROR, "Missing CPU architecture");
        return FALSE;
    }
    if (!dc_arch_is_known(arch, DC_RELEASE_NEWEST)) {
        dc_lv_error(err, DC_LV_CONFIG_UNSUPPORTED, "Unknown architecture %s", arch);
        return FALSE;
    }
    def->arch = g_steal_pointer(&arch);
    if (version) {
        if (!*version || !parse_unsigned(version, G_MAXUINT, &v)) {
            dc_lv_error(err, DC_LV_CONFIG_UNSUPPORTED, "invalid microcode version");
            return FALSE;
        }
        def->microcode = (guint)v;
    }
    return parse_host_ids(node, def, err);
}

/* <model> (fallback, vendor_id) and <vendor>. */
static gboolean
parse_model(const DcNode *node, DcCpuDef *def, GError **err)
{
    const DcNode *model = dc_cpu_xml_child(node, "model");

    def->model = dc_cpu_xml_child_text(node, "model");
    if (!def->model && def->type == DC_CPU_TYPE_HOST) {
        dc_lv_error(err, DC_LV_XML_ERROR, "Missing CPU model name");
        return FALSE;
    }
    if (model && def->type == DC_CPU_TYPE_GUEST && def->mode != DC_CPU_MODE_HOST_PASSTHROUGH &&
        def->mode != DC_CPU_MODE_MAXIMUM) {
        const char *fallback = dc_node_get_attr(model, "fallback");
        const char *vendor_id = dc_node_get_attr(model, "vendor_id");
        int fb = fallback && *fallback ? enum_value(fallback_names, fallback) : DC_CPU_FALLBACK_ALLOW;

        if (fb < 0) {
            dc_lv_error(err, DC_LV_CONFIG_UNSUPPORTED, "Invalid fallback attribute");
            return FALSE;
        }
        def->fallback = fb;
        if (vendor_id && *vendor_id && strlen(vendor_id) != 12) {
            dc_lv_error(err, DC_LV_XML_ERROR, "vendor_id must be exactly %d characters long", 12);
            return FALSE;
        }
        if (vendor_id && *vendor_id && strchr(vendor_id, ',')) {
            dc_lv_error(err, DC_LV_XML_ERROR, "vendor id is invalid");
            return FALSE;
        }
        if (vendor_id && *vendor_id)
            def->vendor_id = g_strdup(vendor_id);
    }
    def->vendor = dc_cpu_xml_child_text(node, "vendor");
    if (def->vendor && !def->model) {
        dc_lv_error(err, DC_LV_XML_ERROR, "CPU vendor specified without CPU model");
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_topology(const DcNode *node, DcCpuDef *def, GError **err)
{
    const DcNode *t = dc_cpu_xml_child(node, "topology");

    if (!t)
        return TRUE;
    if (!prop_uint(t, "sockets", PROP_REQUIRED | PROP_NONZERO, &def->sockets, err) ||
        !prop_uint(t, "dies", PROP_NONZERO, &def->dies, err))
        return FALSE;
    if (!dc_node_get_attr(t, "dies"))
        def->dies = 1;
    return prop_uint(t, "cores", PROP_REQUIRED | PROP_NONZERO, &def->cores, err) &&
           prop_uint(t, "threads", PROP_REQUIRED | PROP_NONZERO, &def->threads, err);
}

static gboolean
parse_feature(const DcNode *f, DcCpuDef *def, GError **err)
{
    const char *name = dc_node_get_attr(f, "name");
    DcCpuPolicy policy = DC_CPU_POLICY_NONE;

    if (def->type == DC_CPU_TYPE_GUEST) {
        const char *p = dc_node_get_attr(f, "policy");
        int v = p ? enum_value(policy_names, p) : DC_CPU_POLICY_REQUIRE;
        if (v < 0) {
            dc_lv_error(err, DC_LV_CONFIG_UNSUPPORTED, "Invalid CPU feature policy");
            return FALSE;
        }
        policy = v;
    }
    if (!name || !*name) {
        dc_lv_error(err, DC_LV_XML_ERROR, "Invalid CPU feature name");
        return FALSE;
    }
    if (g_hash_table_contains(def->feature_index, name)) {
        dc_lv_error(err, DC_LV_XML_ERROR, "CPU feature '%s' specified more than once", name);
        return FALSE;
    }
    return dc_cpu_def_add_feature(def, name, policy, DC_CPU_ADD_EXCLUSIVE, err);
}

static gboolean
is_child(const DcNode *c, const char *name)
{
    const char *ns = dc_node_get_attr(c, "xmlns");
    return strcmp(c->name, name) == 0 && (!ns || !*ns);
}

static gboolean
parse_features(const DcNode *node, DcCpuDef *def, GError **err)
{
    gboolean any = FALSE;

    for (guint i = 0; i < node->children.len && !any; i++)
        any = is_child(node->children.pdata[i], "feature");
    if (any && !def->model && def->mode == DC_CPU_MODE_CUSTOM) {
        dc_lv_error(err, DC_LV_XML_ERROR, "Non-empty feature list specified without CPU model");
        return FALSE;
    }
    for (guint i = 0; i < node->children.len; i++) {
        const DcNode *c = node->children.pdata[i];
        if (is_child(c, "feature") && !parse_feature(c, def, err))
            return FALSE;
    }
    return TRUE;
}

/* <cache> (at most one) and the first <maxphysaddr>. */
static gboolean
parse_cache_addr(const DcNode *node, DcCpuDef *def, GError **err)
{
    const DcNode *cache = NULL;
    const DcNode *addr = dc_cpu_xml_child(node, "maxphysaddr");

    for (guint i = 0; i < node->children.len; i++) {
        const DcNode *c = node->children.pdata[i];
        if (!is_child(c, "cache"))
            continue;
        if (cache) {
            dc_lv_error(err, DC_LV_XML_ERROR, "at most one CPU cache element may be specified");
            return FALSE;
        }
        cache = c;
    }
    if (cache) {
        def->has_cache = TRUE;
        if (!prop_int(cache, "level", PROP_NONNEGATIVE, &def->cache_level, err))
            return FALSE;
        if (dc_node_get_attr(cache, "level") && (def->cache_level < 1 || def->cache_level > 3)) {
            dc_lv_error(err, DC_LV_XML_ERROR, "invalid CPU cache level, must be in range [1,3]");
            return FALSE;
        }
        if (!prop_enum(cache, "mode", cache_mode_names, PROP_REQUIRED, &def->cache_mode, err))
            return FALSE;
    }
    if (addr) {
        def->has_addr = TRUE;
        if (!prop_enum(addr, "mode", addr_mode_names, PROP_REQUIRED, &def->addr_mode, err) ||
            !prop_int(addr, "bits", PROP_NONNEGATIVE, &def->addr_bits, err))
            return FALSE;
    }
    return TRUE;
}

DcCpuDef *
dc_cpu_def_parse(const DcNode *node, DcCpuType type, GError **err)
{
    g_autoptr(DcCpuDef) def = dc_cpu_def_new();

    if (strcmp(node->name, "cpu") != 0) {
        dc_lv_error(err, DC_LV_XML_ERROR, "XML does not contain expected 'cpu' element");
        return NULL;
    }
    if (!parse_kind(node, type, def, err))
        return NULL;
    if (def->type == DC_CPU_TYPE_HOST && !parse_host(node, def, err))
        return NULL;
    if (!parse_model(node, def, err) || !parse_topology(node, def, err) ||
        !parse_features(node, def, err) || !parse_cache_addr(node, def, err))
        return NULL;
    return g_steal_pointer(&def);
}
