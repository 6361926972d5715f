/* --validate: a <cpu> against libvirt's cpu.rng, which allows a guest CPU
 * (mode, match, check, migratable; model, vendor, topology, features with a
 * policy each, numa, cache, maxphysaddr) or a host CPU (arch required;
 * model, vendor, microcode, signature, counter, topology, maxphysaddr,
 * features without policy, pages), children in any order.
 *
 * The rules are a table per element.  A CPU either form accepts is valid;
 * otherwise the error is libvirt's "Unable to validate doc against ..."
 * with what failed in the guest form, then what the host form lacks, the
 * way libxml2's RelaxNG validator lists them for the usual mistakes (its
 * wording for rarer ones differs).  <numa> content is not checked. */
#include "analyze/cpu.h"
#include "cpu/lverror.h"
#include <stdarg.h>
#include <string.h>

#define CPU_RNG "/usr/share/libvirt/schemas/cpu.rng"

typedef gboolean (*ValueOk)(const char *v);

typedef struct {
    const char *name;
    gboolean required;
    ValueOk ok;
} AttrRule;

typedef struct ElemRule ElemRule;
typedef struct {
    const char *name;
    gboolean required;
    gboolean many;
    const ElemRule *rule;   /* NULL: content not checked */
} ChildRule;

struct ElemRule {
    const AttrRule *attrs;     /* NULL-terminated by name */
    const ChildRule *children; /* NULL: no child elements */
    gboolean text;             /* text allowed */
};

static gboolean any(const char *v) { (void)v; return TRUE; }

static gboolean digits(const char *v)
{
    if (!*v)
        return FALSE;
    for (; *v; v++)
        if (!g_ascii_isdigit(*v))
            return FALSE;
    return TRUE;
}

static gboolean positive(const char *v)
{
    return digits(v) && g_ascii_strtoull(v, NULL, 10) > 0;
}

static gboolean unsigned_int(const char *v)
{
    return digits(v) && g_ascii_strtoull(v, NULL, 10) <= G_MAXUINT32;
}

static gboolean one_of(const char *v, const char *const *list)
{
    return g_strv_contains(list, v);
}

#define ENUM_CHECK(fn, ...) \
    static gboolean fn(const char *v) { static const char *const l[] = { __VA_ARGS__, NULL }; return one_of(v, l); }

ENUM_CHECK(mode_ok, "custom", "host-model", "host-passthrough", "maximum")
ENUM_CHECK(match_ok, "minimum", "exact", "strict")
ENUM_CHECK(check_ok, "none", "partial", "full")
ENUM_CHECK(on_off, "on", "off")
ENUM_CHECK(yes_no, "yes", "no")
ENUM_CHECK(fallback_ok, "allow", "forbid")
ENUM_CHECK(policy_ok, "force", "require", "optional", "disable", "forbid")
ENUM_CHECK(level_ok, "1", "2", "3")
ENUM_CHECK(cache_mode_ok, "emulate", "passthrough", "disable")
ENUM_CHECK(addr_mode_ok, "emulate", "passthrough")

static gboolean name_chars(const char *v, const char *extra)
{
    if (!*v)
        return FALSE;
    for (; *v; v++)
        if (!g_ascii_isalnum(*v) && !strchr(extra, *v))
            return FALSE;
    return TRUE;
}

static gboolean guest_feature_name(const char *v) { return name_chars(v, "-_."); }
static gboolean host_feature_name(const char *v) { return name_chars(v, "-_"); }
static gboolean vendor_id_ok(const char *v) { return g_utf8_strlen(v, -1) == 12 && !strchr(v, ','); }

static const AttrRule no_attrs[] = { { NULL, FALSE, NULL } };
static const ElemRule text_only = { no_attrs, NULL, TRUE };
static const ElemRule empty = { no_attrs, NULL, FALSE };

static const AttrRule topology_attrs[] = {
    { "sockets", TRUE, positive }, { "dies", FALSE, positive }, { "cores", TRUE, positive },
    { "threads", TRUE, positive }, { NULL, FALSE, NULL },
};
static const ElemRule topology = { topology_attrs, NULL, FALSE };
static const AttrRule addr_attrs[] = { { "mode", TRUE, addr_mode_ok }, { "bits", FALSE, unsigned_int },
                                       { NULL, FALSE, NULL } };
static const ElemRule maxphysaddr = { addr_attrs, NULL, FALSE };

static const AttrRule guest_attrs[] = {
    { "mode", FALSE, mode_ok }, { "match", FALSE, match_ok }, { "check", FALSE, check_ok },
    { "migratable", FALSE, on_off }, { NULL, FALSE, NULL },
};
static const AttrRule model_attrs[] = { { "fallback", FALSE, fallback_ok }, { "vendor_id", FALSE, vendor_id_ok },
                                        { NULL, FALSE, NULL } };
static const ElemRule guest_model = { model_attrs, NULL, TRUE };
static const AttrRule guest_feature_attrs[] = { { "policy", TRUE, policy_ok }, { "name", TRUE, guest_feature_name },
                                                { NULL, FALSE, NULL } };
static const ElemRule guest_feature = { guest_feature_attrs, NULL, FALSE };
static const AttrRule cache_attrs[] = { { "level", FALSE, level_ok }, { "mode", TRUE, cache_mode_ok },
                                        { NULL, FALSE, NULL } };
static const ElemRule cache = { cache_attrs, NULL, FALSE };
static const ChildRule guest_children[] = {
    { "model", FALSE, FALSE, &guest_model }, { "vendor", FALSE, FALSE, &text_only },
    { "topology", FALSE, FALSE, &topology }, { "feature", FALSE, TRUE, &guest_feature },
    { "numa", FALSE, FALSE, NULL }, { "cache", FALSE, FALSE, &cache },
    { "maxphysaddr", FALSE, FALSE, &maxphysaddr }, { NULL, FALSE, FALSE, NULL },
};
static const ElemRule guest_cpu = { guest_attrs, guest_children, FALSE };

static gboolean arch_ok(const char *v);
static const ElemRule host_arch = { no_attrs, NULL, TRUE };
static const AttrRule microcode_attrs[] = { { "version", TRUE, positive }, { NULL, FALSE, NULL } };
static const ElemRule microcode = { microcode_attrs, NULL, FALSE };
static const AttrRule signature_attrs[] = { { "family", TRUE, positive }, { "model", TRUE, unsigned_int },
                                            { "stepping", TRUE, unsigned_int }, { NULL, FALSE, NULL } };
static const ElemRule signature = { signature_attrs, NULL, FALSE };
static const AttrRule counter_attrs[] = { { "name", TRUE, any }, { "frequency", TRUE, positive },
                                          { "scaling", TRUE, yes_no }, { NULL, FALSE, NULL } };
static const ElemRule counter = { counter_attrs, NULL, FALSE };
static const AttrRule host_feature_attrs[] = { { "name", TRUE, host_feature_name }, { NULL, FALSE, NULL } };
static const ElemRule host_feature = { host_feature_attrs, NULL, FALSE };
static const AttrRule pages_attrs[] = { { "unit", FALSE, any }, { "size", TRUE, unsigned_int },
                                        { NULL, FALSE, NULL } };
static const ElemRule pages = { pages_attrs, NULL, FALSE };
static const ChildRule features_children[] = {
    { "pae", FALSE, FALSE, &empty }, { "nonpae", FALSE, FALSE, &empty }, { "vmx", FALSE, FALSE, &empty },
    { "svm", FALSE, FALSE, &empty }, { NULL, FALSE, FALSE, NULL },
};
static const ElemRule host_features = { no_attrs, features_children, FALSE };
static const ChildRule host_children[] = {
    { "arch", TRUE, FALSE, &host_arch }, { "features", FALSE, FALSE, &host_features },
    { "model", FALSE, FALSE, &text_only }, { "vendor", FALSE, FALSE, &text_only },
    { "microcode", FALSE, FALSE, &microcode }, { "signature", FALSE, FALSE, &signature },
    { "counter", FALSE, FALSE, &counter }, { "topology", FALSE, FALSE, &topology },
    { "maxphysaddr", FALSE, FALSE, &maxphysaddr }, { "feature", FALSE, TRUE, &host_feature },
    { "pages", FALSE, TRUE, &pages }, { NULL, FALSE, FALSE, NULL },
};
static const ElemRule host_cpu = { no_attrs, host_children, FALSE };

static gboolean arch_ok(const char *v)
{
    static const char *const arches[] = {
        "aarch64", "alpha", "armv6l", "armv7l", "cris", "i686", "ia64", "lm32", "m68k", "microblaze",
        "microblazeel", "mips", "mipsel", "mips64", "mips64el", "openrisc", "parisc", "parisc64", "ppc",
        "ppc64", "ppc64le", "ppcemb", "riscv32", "riscv64", "s390", "s390x", "sh4", "sh4eb", "sparc",
        "sparc64", "unicore32", "x86_64", "xtensa", "xtensaeb", NULL,
    };
    /* A RelaxNG value compares as a token: surrounding white space goes. */
    g_autofree char *token = g_strstrip(g_strdup(v));
    return one_of(token, arches);
}

/* Adds one line to @why unless it is there already: libxml2's RelaxNG
 * validator reports an error once. */
static void say(GString *why, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void say(GString *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autofree char *nl_line = g_strconcat("\n", line, NULL);
    if (g_str_has_prefix(why->str, line) || strstr(why->str, nl_line))
        return;
    g_string_append(why, line);
}

static const AttrRule *attr_rule(const AttrRule *rules, const char *name)
{
    for (; rules->name; rules++)
        if (strcmp(rules->name, name) == 0)
            return rules;
    return NULL;
}

static const ChildRule *child_rule(const ChildRule *rules, const char *name)
{
    for (; rules && rules->name; rules++)
        if (strcmp(rules->name, name) == 0)
            return rules;
    return NULL;
}

/* The first thing @node breaks in @rule, appended to @why; TRUE when none. */
static gboolean check_elem(const DcNode *node, const ElemRule *rule, GString *why);

static gboolean check_attrs(const DcNode *node, const ElemRule *rule, GString *why)
{
    for (guint i = 0; i < node->n_attrs; i++) {
        const char *name = dc_node_attr_name(node, i);
        const AttrRule *a = attr_rule(rule->attrs, name);
        if (strcmp(name, "xmlns") == 0 || g_str_has_prefix(name, "xmlns:"))
            continue;
        if (!a || !a->ok(dc_node_attr_value(node, i))) {
            /* libxml2 names an unknown attribute, and a bad value only on <cpu>. */
            if (!a || rule == &guest_cpu || rule == &host_cpu)
                say(why, "Invalid attribute %s for element %s\n", name, node->name);
            return FALSE;
        }
    }
    for (const AttrRule *a = rule->attrs; a->name; a++) {
        if (a->required && !dc_node_get_attr(node, a->name)) {
            say(why, "Element %s failed to validate attributes\n", node->name);
            return FALSE;
        }
    }
    return TRUE;
}

/* libxml2 reports a missing required child of an interleave first. */
static gboolean check_required(const DcNode *node, const ElemRule *rule, GString *why)
{
    for (const ChildRule *r = rule->children; r && r->name; r++) {
        gboolean found = FALSE;
        for (guint i = 0; i < node->children.len && !found; i++)
            found = strcmp(((const DcNode *)node->children.pdata[i])->name, r->name) == 0;
        if (r->required && !found) {
            say(why, "Expecting an element %s, got nothing\n", r->name);
            say(why, "Invalid sequence in interleave\n");
            say(why, "Element %s failed to validate content\n", node->name);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean check_children(const DcNode *node, const ElemRule *rule, GString *why)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < node->children.len; i++) {
        const DcNode *c = node->children.pdata[i];
        if (strcmp(c->name, DC_XML_TEXT_NODE) == 0) {
            /* white space between elements does not count */
            if (strspn(c->text, " \t\r\n") == strlen(c->text))
                continue;
            say(why, "Element %s has extra content: text\n", node->name);
            return FALSE;
        }
        const ChildRule *r = child_rule(rule->children, c->name);
        if (!r || (!r->many && g_hash_table_contains(seen, c->name))) {
            say(why, "Element %s has extra content: %s\n", node->name, c->name);
            return FALSE;
        }
        g_hash_table_add(seen, c->name);
        if (r->rule && !check_elem(c, r->rule, why)) {
            if (r->rule == &host_arch)
                say(why, "Invalid sequence in interleave\n");
            else
                say(why, "Extra element %s in interleave\n", c->name);
            say(why, "Element %s failed to validate content\n", node->name);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean check_elem(const DcNode *node, const ElemRule *rule, GString *why)
{
    if (!check_attrs(node, rule, why) || !check_required(node, rule, why) || !check_children(node, rule, why))
        return FALSE;
    if (node->text && !rule->text) {
        say(why, "Element %s has extra content: text\n", node->name);
        return FALSE;
    }
    if (rule == &host_arch && !arch_ok(node->text ? node->text : "")) {
        say(why, "Error validating value \nElement %s failed to validate content\n", node->name);
        return FALSE;
    }
    return TRUE;
}

gboolean dc_cpu_validate(const DcNode *cpu, GError **err)
{
    g_autoptr(GString) why = g_string_new(NULL);
    if (check_elem(cpu, &guest_cpu, why))
        return TRUE;
    if (check_required(cpu, &host_cpu, why) && check_elem(cpu, &host_cpu, why))
        return TRUE;
    dc_lv_error(err, DC_LV_XML_INVALID_SCHEMA, "Unable to validate doc against %s\n%s", CPU_RNG, why->str);
    return FALSE;
}
