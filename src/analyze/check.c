/* domcaps check: a domain definition against a capabilities document. */
#include "analyze/check.h"
#include "analyze/rules.h"
#include "analyze/compare.h"
#include <stdlib.h>

typedef enum {
    CHECK_SUPPORTED,  /* the domain element needs the capability element to say supported='yes' */
    CHECK_ENUM,       /* the value is one of the capability element's <enum name=ARG> values */
    CHECK_MAX,        /* a number no greater than the capability element's attribute ARG */
    CHECK_EQUAL,      /* the value is the capability element's text */
    CHECK_MACHINE,    /* like EQUAL, but a machine alias names its versioned type */
    CHECK_CPU_MODE,   /* the capability element has <mode name=VALUE supported='yes'> */
} DcCheckKind;

/* One row: which domain element, which of its values, and the capability
 * that allows it.
 *   element  path from <domain>; "*" matches any element, [@a=v] and
 *            [@a!=v] test an attribute (implied values count), "." is <domain>
 *   value    "@attr", "text()" or "name()", optionally behind one child
 *            element ("driver/@name"); an element that leaves it out asks
 *            for nothing, unless the format implies a value (implied[])
 *   caps     path from <domainCapabilities>, [@name=v] selects
 *   arg      ENUM: the enum's name; MAX: the attribute holding the maximum
 * An element whose @state is 'off' (or @enabled 'no') asks for nothing.
 * A capability element (or enum) the document lacks is not checked: older
 * and newer documents describe less or more. */
typedef struct {
    DcCheckKind kind;
    const char *element;
    const char *value;
    const char *caps;
    const char *arg;
    gboolean saved_only;  /* only against a saved document: on the host a rule of rules-*.c decides */
} DcCheckRule;

static const DcCheckRule dc_check_rules[] = {
    /* what the capabilities were asked for */
    { CHECK_EQUAL,     ".",                                   "@type",         "domain", NULL, FALSE },
    { CHECK_EQUAL,     "os/type",                             "@arch",         "arch", NULL, FALSE },
    { CHECK_MACHINE,   "os/type",                             "@machine",      "machine", NULL, FALSE },
    { CHECK_EQUAL,     "devices/emulator",                    "text()",        "path", NULL, FALSE },
    { CHECK_MAX,       "vcpu",                                "text()",        "vcpu", "max", FALSE },
    { CHECK_SUPPORTED, "iothreads",                           NULL,            "iothreads", NULL, FALSE },
    /* firmware */
    { CHECK_ENUM,      "os",                                  "@firmware",     "os", "firmware", TRUE },
    { CHECK_SUPPORTED, "os/loader",                           NULL,            "os/loader", NULL, FALSE },
    { CHECK_ENUM,      "os/loader",                           "@type",         "os/loader", "type", FALSE },
    { CHECK_ENUM,      "os/loader",                           "@readonly",     "os/loader", "readonly", FALSE },
    /* CPU */
    { CHECK_CPU_MODE,  "cpu",                                 "@mode",         "cpu", NULL, FALSE },
    { CHECK_ENUM,      "cpu[@mode=host-passthrough]",         "@migratable",   "cpu/mode[@name=host-passthrough]",
                                                                             "hostPassthroughMigratable", FALSE },
    { CHECK_ENUM,      "cpu[@mode=maximum]",                  "@migratable",   "cpu/mode[@name=maximum]",
                                                                             "maximumMigratable", FALSE },
    /* memory */
    { CHECK_SUPPORTED, "memoryBacking/source",                NULL,            "memoryBacking", NULL, FALSE },
    { CHECK_ENUM,      "memoryBacking/source",                "@type",         "memoryBacking", "sourceType", FALSE },
    /* devices */
    { CHECK_SUPPORTED, "devices/disk",                        NULL,            "devices/disk", NULL, FALSE },
    { CHECK_ENUM,      "devices/disk",                        "@device",       "devices/disk", "diskDevice", FALSE },
    { CHECK_ENUM,      "devices/disk/target",                 "@bus",          "devices/disk", "bus", FALSE },
    { CHECK_ENUM,      "devices/disk",                        "@model",        "devices/disk", "model", FALSE },
    { CHECK_SUPPORTED, "devices/graphics",                    NULL,            "devices/graphics", NULL, FALSE },
    { CHECK_ENUM,      "devices/graphics",                    "@type",         "devices/graphics", "type", FALSE },
    { CHECK_SUPPORTED, "devices/video",                       NULL,            "devices/video", NULL, FALSE },
    { CHECK_ENUM,      "devices/video/model",                 "@type",         "devices/video", "modelType", FALSE },
    { CHECK_SUPPORTED, "devices/hostdev",                     NULL,            "devices/hostdev", NULL, FALSE },
    { CHECK_ENUM,      "devices/hostdev",                     "@mode",         "devices/hostdev", "mode", FALSE },
    { CHECK_ENUM,      "devices/hostdev/source",              "@startupPolicy", "devices/hostdev", "startupPolicy", FALSE },
    { CHECK_ENUM,      "devices/hostdev[@mode=subsystem]",    "@type",         "devices/hostdev", "subsysType", FALSE },
    { CHECK_ENUM,      "devices/hostdev[@mode=capabilities]", "@type",         "devices/hostdev", "capsType", FALSE },
    { CHECK_ENUM,      "devices/hostdev[@type=pci]",          "driver/@name",  "devices/hostdev", "pciBackend", FALSE },
    { CHECK_SUPPORTED, "devices/rng",                         NULL,            "devices/rng", NULL, FALSE },
    { CHECK_ENUM,      "devices/rng",                         "@model",        "devices/rng", "model", FALSE },
    { CHECK_ENUM,      "devices/rng/backend",                 "@model",        "devices/rng", "backendModel", FALSE },
    { CHECK_SUPPORTED, "devices/filesystem",                  NULL,            "devices/filesystem", NULL, FALSE },
    { CHECK_ENUM,      "devices/filesystem/driver",           "@type",         "devices/filesystem", "driverType", FALSE },
    { CHECK_SUPPORTED, "devices/tpm",                         NULL,            "devices/tpm", NULL, FALSE },
    { CHECK_ENUM,      "devices/tpm",                         "@model",        "devices/tpm", "model", FALSE },
    { CHECK_ENUM,      "devices/tpm/backend",                 "@type",         "devices/tpm", "backendModel", FALSE },
    { CHECK_ENUM,      "devices/tpm/backend",                 "@version",      "devices/tpm", "backendVersion", FALSE },
    { CHECK_SUPPORTED, "devices/redirdev",                    NULL,            "devices/redirdev", NULL, FALSE },
    { CHECK_ENUM,      "devices/redirdev",                    "@bus",          "devices/redirdev", "bus", FALSE },
    { CHECK_SUPPORTED, "devices/channel",                     NULL,            "devices/channel", NULL, FALSE },
    { CHECK_ENUM,      "devices/channel",                     "@type",         "devices/channel", "type", FALSE },
    { CHECK_SUPPORTED, "devices/console",                     NULL,            "devices/console", NULL, FALSE },
    { CHECK_ENUM,      "devices/console",                     "@type",         "devices/console", "type", FALSE },
    { CHECK_SUPPORTED, "devices/crypto",                      NULL,            "devices/crypto", NULL, FALSE },
    { CHECK_ENUM,      "devices/crypto",                      "@model",        "devices/crypto", "model", FALSE },
    { CHECK_ENUM,      "devices/crypto",                      "@type",         "devices/crypto", "type", FALSE },
    { CHECK_ENUM,      "devices/interface/backend",           "@type",         "devices/interface", "backendType", FALSE },
    /* features */
    { CHECK_SUPPORTED, "features/gic",                        NULL,            "features/gic", NULL, FALSE },
    { CHECK_ENUM,      "features/gic",                        "@version",      "features/gic", "version", FALSE },
    { CHECK_SUPPORTED, "features/vmcoreinfo",                 NULL,            "features/vmcoreinfo", NULL, FALSE },
    { CHECK_SUPPORTED, "genid",                               NULL,            "features/genid", NULL, FALSE },
    { CHECK_SUPPORTED, "devices/memory[@model=sgx-epc]",      NULL,            "features/sgx", NULL, FALSE },
    { CHECK_SUPPORTED, "features/hyperv",                     NULL,            "features/hyperv", NULL, FALSE },
    { CHECK_SUPPORTED, "features/async-teardown",             NULL,            "features/async-teardown", NULL, FALSE },
};

/* Values the domain format implies when an element (of that parent, when
 * one is named) leaves them out, or is left out itself. */
static const struct {
    const char *parent, *element, *attr, *value;
} implied[] = {
    { NULL, "disk", "device", "disk" },
    { NULL, "hostdev", "mode", "subsystem" },
    { NULL, "cpu", "mode", "custom" },
    { "hostdev", "driver", "name", "vfio" },
};

static const char *implied_value(const char *parent, const char *element, const char *attr)
{
    for (gsize i = 0; i < G_N_ELEMENTS(implied); i++)
        if ((!implied[i].parent || g_strcmp0(implied[i].parent, parent) == 0) &&
            strcmp(implied[i].element, element) == 0 && strcmp(implied[i].attr, attr) == 0)
            return implied[i].value;
    return NULL;
}

static const char *dom_attr(const DcNode *parent, const DcNode *n, const char *attr)
{
    const char *v = dc_node_get_attr(n, attr);
    return v ? v : implied_value(parent ? parent->name : NULL, n->name, attr);
}

/* One step of a path: a name ("*" for any) and an optional attribute test. */
typedef struct {
    char *name;
    char *attr;
    char *value;
    gboolean negate;
} Step;

static void step_clear(Step *s)
{
    g_free(s->name);
    g_free(s->attr);
    g_free(s->value);
}

static GArray *parse_path(const char *path)
{
    GArray *steps = g_array_new(FALSE, TRUE, sizeof(Step));
    g_array_set_clear_func(steps, (GDestroyNotify)step_clear);
    if (strcmp(path, ".") == 0)
        return steps;
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    for (char **p = parts; *p; p++) {
        Step s = { 0 };
        char *br = strchr(*p, '[');
        if (br) {
            s.name = g_strndup(*p, br - *p);
            g_autofree char *pred = g_strndup(br + 2, strlen(br + 2) - 1); /* "[@" ... "]" */
            char *eq = strchr(pred, '=');
            s.negate = eq > pred && eq[-1] == '!';
            s.attr = g_strndup(pred, eq - pred - (s.negate ? 1 : 0));
            s.value = g_strdup(eq + 1);
        } else {
            s.name = g_strdup(*p);
        }
        g_array_append_val(steps, s);
    }
    return steps;
}

/* @parent is set for domain elements, whose implied values count. */
static gboolean step_matches(const Step *s, const DcNode *parent, const DcNode *n)
{
    if (strcmp(s->name, "*") != 0 && strcmp(s->name, n->name) != 0)
        return FALSE;
    if (!s->attr)
        return TRUE;
    const char *v = parent ? dom_attr(parent, n, s->attr) : dc_node_get_attr(n, s->attr);
    return (g_strcmp0(v, s->value) == 0) != s->negate;
}

/* A domain element matched by a rule; its location is written only when
 * a problem is reported (check_loc). */
typedef struct {
    const DcNode *parent;
    const DcNode *node;
} Match;

/* Every element's XPath position among its same-named siblings and their
 * number (packed: position << 32 | count), counted once per check so that
 * a domain of many devices costs linear time. */
static void index_positions(const DcNode *n, GHashTable *positions, GHashTable *parents)
{
    guint len = n->children.len;
    /* few children (the usual case) are counted in place, many through tables */
    g_autoptr(GHashTable) count = len > 16 ? g_hash_table_new(g_str_hash, g_str_equal) : NULL;
    g_autoptr(GHashTable) seen = len > 16 ? g_hash_table_new(g_str_hash, g_str_equal) : NULL;
    for (guint c = 0; count && c < len; c++) {
        const char *name = ((const DcNode *)n->children.pdata[c])->name;
        g_hash_table_insert(count, (gpointer)name,
                            GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(count, name)) + 1));
    }
    for (guint c = 0; c < len; c++) {
        const DcNode *child = n->children.pdata[c];
        guint pos = 0, total = 0;
        if (count) {
            pos = GPOINTER_TO_UINT(g_hash_table_lookup(seen, child->name)) + 1;
            g_hash_table_insert(seen, child->name, GUINT_TO_POINTER(pos));
            total = GPOINTER_TO_UINT(g_hash_table_lookup(count, child->name));
        } else {
            for (guint k = 0; k < len; k++) {
                if (strcmp(((const DcNode *)n->children.pdata[k])->name, child->name) != 0)
                    continue;
                total++;
                pos += k <= c;
            }
        }
        g_hash_table_insert(positions, (gpointer)child, GSIZE_TO_POINTER(((guint64)pos << 32) | total));
        g_hash_table_insert(parents, (gpointer)child, (gpointer)n);
        if (child->children.len)
            index_positions(child, positions, parents);
    }
}

/* Matches of @steps[i..] under @node. */
static void collect(const DcNode *parent, const DcNode *node, GArray *steps, guint i, GArray *out)
{
    if (i == steps->len) {
        Match m = { parent, node };
        g_array_append_val(out, m);
        return;
    }
    const Step *s = &g_array_index(steps, Step, i);
    for (guint c = 0; c < node->children.len; c++) {
        const DcNode *child = node->children.pdata[c];
        if (step_matches(s, node, child))
            collect(node, child, steps, i + 1, out);
    }
}

/* Where @node is, as XPath says it ("/domain/devices/disk[2]"; a position
 * is shown when same-named siblings are several), then "/" @tail. */
static char *check_loc(const DcCheckCtx *ctx, const DcNode *node, const char *tail)
{
    g_autoptr(GPtrArray) up = g_ptr_array_new_with_free_func(g_free);
    for (const DcNode *n = node; n && n != ctx->domain; n = g_hash_table_lookup(ctx->parents, n)) {
        guint64 packed = GPOINTER_TO_SIZE(g_hash_table_lookup(ctx->positions, n));
        guint pos = (guint)(packed >> 32), total = (guint)(packed & 0xffffffffu);
        g_ptr_array_add(up, total > 1 ? g_strdup_printf("/%s[%u]", n->name, pos) : g_strdup_printf("/%s", n->name));
    }
    GString *loc = g_string_new("/domain");
    for (guint i = up->len; i > 0; i--)
        g_string_append(loc, up->pdata[i - 1]);
    if (tail && *tail)
        g_string_append_printf(loc, "/%s", tail);
    return g_string_free(loc, FALSE);
}

static const DcNode *caps_find(const DcNode *caps, const char *path)
{
    g_autoptr(GArray) steps = parse_path(path);
    const DcNode *n = caps;
    for (guint i = 0; n && i < steps->len; i++) {
        const Step *s = &g_array_index(steps, Step, i);
        const DcNode *next = NULL;
        for (guint c = 0; !next && c < n->children.len; c++)
            if (step_matches(s, NULL, n->children.pdata[c]))
                next = n->children.pdata[c];
        n = next;
    }
    return n;
}

static gboolean caps_supported(const DcNode *n)
{
    return g_strcmp0(dc_node_get_attr(n, "supported"), "no") != 0;
}

/* The texts of @n's <value> children. */
static GPtrArray *child_values(const DcNode *n, const char *child_name)
{
    GPtrArray *v = g_ptr_array_new();
    for (guint i = 0; n && i < n->children.len; i++) {
        const DcNode *c = n->children.pdata[i];
        if (strcmp(c->name, child_name) == 0 && c->text)
            g_ptr_array_add(v, c->text);
    }
    return v;
}

static gboolean contains(GPtrArray *list, const char *v)
{
    for (guint i = 0; i < list->len; i++)
        if (strcmp(list->pdata[i], v) == 0)
            return TRUE;
    return FALSE;
}

typedef struct {
    domcaps_problem pub;
    guint order;  /* document position of the element, then report order */
    guint seq;
} Problem;

void dc_check_report(DcCheckCtx *ctx, const DcNode *where, const char *loc, const char *value,
                     const char *const *fits, gboolean enum_list, const char *fmt, ...)
{
    Problem *p = g_new0(Problem, 1);
    p->pub.location = g_strdup(loc);
    p->pub.value = g_strdup(value);
    p->pub.allowed = fits ? g_strdupv((char **)fits) : g_new0(char *, 1);
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* one line, whatever the documents hold */
    GString *msg = g_string_new(NULL);
    dc_append_one_line(msg, loc);
    g_string_append(msg, ": ");
    dc_append_one_line(msg, reason);
    if (fits) {
        g_autofree char *list = g_strjoinv(", ", p->pub.allowed);
        g_string_append(msg, enum_list ? " (allowed: " : " (would fit: ");
        dc_append_one_line(msg, *fits ? list : "nothing");
        g_string_append_c(msg, ')');
    }
    p->pub.message = g_string_free(msg, FALSE);
    p->order = GPOINTER_TO_UINT(g_hash_table_lookup(ctx->order, where));
    p->seq = ctx->out->len;
    g_ptr_array_add(ctx->out, p);
}

/* A list of values as a NULL-terminated vector for dc_check_report(). */
static const char *const *as_strv(GPtrArray *list)
{
    if (!list->len || list->pdata[list->len - 1] != NULL)
        g_ptr_array_add(list, NULL);
    return (const char *const *)list->pdata;
}

static void number_nodes(const DcNode *n, GHashTable *order)
{
    g_hash_table_insert(order, (gpointer)n, GUINT_TO_POINTER(g_hash_table_size(order) + 1));
    for (guint i = 0; i < n->children.len; i++)
        number_nodes(n->children.pdata[i], order);
}

/* The value a rule reads from a matched element, and whether the domain
 * leaves it out (*implied_out: the format's default). Its location is the
 * element's, then the rule's value spec when that names an attribute. */
static const char *rule_value(const DcCheckRule *r, const Match *m, gboolean *implied_out)
{
    const char *spec = r->value;
    const char *slash = strchr(spec, '/');
    const DcNode *parent = m->parent, *src = m->node;
    g_autofree char *child = slash ? g_strndup(spec, slash - spec) : NULL;
    *implied_out = FALSE;
    if (child) {
        parent = m->node;
        src = dc_node_child(m->node, child, NULL);
        spec = slash + 1;
    }
    if (spec[0] == '@') {
        const char *given = src ? dc_node_get_attr(src, spec + 1) : NULL;
        if (given)
            return given;
        /* what the format implies counts, even for an element left out */
        const char *v = implied_value(parent ? parent->name : NULL, src ? src->name : child, spec + 1);
        *implied_out = v != NULL;
        return v;
    }
    if (strcmp(spec, "text()") == 0)
        return src ? src->text : NULL;
    return m->node->name; /* name() */
}

/* The part of a rule's value spec a location names ("driver/@name", "@type"; not text() or name()). */
static const char *value_tail(const DcCheckRule *r)
{
    return strchr(r->value, '@') ? r->value : NULL;
}

/* Element text as the domain means it: without the white space around it
 * (a pretty-printed <emulator>, <vcpu>, <model>). */
static char *trimmed(const char *v)
{
    return v ? g_strstrip(g_strdup(v)) : NULL;
}

static gboolean is_off(const DcNode *n)
{
    return g_strcmp0(dc_node_get_attr(n, "state"), "off") == 0 ||
           g_strcmp0(dc_node_get_attr(n, "enabled"), "no") == 0;
}

static gboolean machine_version(const char *s)
{
    if (!g_ascii_isdigit(*s))
        return FALSE;
    for (; *s; s++)
        if (!g_ascii_isdigit(*s) && *s != '.')
            return FALSE;
    return TRUE;
}

gboolean dc_check_machine_matches(const char *asked, const char *offered)
{
    if (!asked || !offered)
        return FALSE;
    if (strcmp(asked, offered) == 0)
        return TRUE;
    /* An alias names a versioned machine type: pc -> pc-i440fx-7.2,
     * q35 -> pc-q35-7.2, virt -> virt-7.2, pseries -> pseries-7.2. */
    const char *base = strcmp(asked, "pc") == 0 ? "pc-i440fx" : strcmp(asked, "q35") == 0 ? "pc-q35" : asked;
    gsize n = strlen(base);
    return strncmp(offered, base, n) == 0 && offered[n] == '-' && machine_version(offered + n + 1);
}

static void report_value(DcCheckCtx *ctx, const DcCheckRule *r, const Match *m, const char *v, GPtrArray *allowed,
                         const char *fmt, ...) G_GNUC_PRINTF(6, 7);

/* A value a table row refuses, located where the row reads it. */
static void report_value(DcCheckCtx *ctx, const DcCheckRule *r, const Match *m, const char *v, GPtrArray *allowed,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autofree char *loc = check_loc(ctx, m->node, value_tail(r));
    dc_check_report(ctx, m->node, loc, v, as_strv(allowed), TRUE, "%s", reason);
}

/* One value a table row reads (@v, from the matched element @m) against
 * the capability element @cap. */
static void check_value(DcCheckCtx *ctx, const DcCheckRule *r, const DcNode *cap, const Match *m, const char *v,
                        const char *note)
{
    switch (r->kind) {
    case CHECK_ENUM: {
        const DcNode *e = caps_supported(cap) ? dc_node_child(cap, "enum", r->arg) : NULL;
        if (!e)
            break;
        g_autoptr(GPtrArray) allowed = child_values(e, "value");
        if (!contains(allowed, v))
            report_value(ctx, r, m, v, allowed, "'%s'%s is not supported", v, note);
        break;
    }
    case CHECK_MAX: {
        const char *max = dc_node_get_attr(cap, r->arg);
        if (!max)
            break;
        char *end = NULL;
        guint64 n = g_ascii_strtoull(v, &end, 10);
        guint64 limit = g_ascii_strtoull(max, NULL, 10);
        g_autoptr(GPtrArray) allowed = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(allowed, g_strdup_printf("1-%s", max));
        if (!g_ascii_isdigit(*v) || *end)
            report_value(ctx, r, m, v, allowed, "'%s' is not a number", v);
        else if (n > limit)
            report_value(ctx, r, m, v, allowed, "'%s' is more than the maximum", v);
        break;
    }
    case CHECK_EQUAL:
    case CHECK_MACHINE: {
        if (!cap->text)
            break;
        gboolean ok = r->kind == CHECK_EQUAL ? strcmp(v, cap->text) == 0
                                             : dc_check_machine_matches(v, cap->text);
        g_autoptr(GPtrArray) allowed = g_ptr_array_new();
        g_ptr_array_add(allowed, cap->text);
        if (!ok)
            report_value(ctx, r, m, v, allowed, "'%s' is not what the capabilities describe", v);
        break;
    }
    case CHECK_CPU_MODE: {
        /* custom mode without a model asks for no CPU in particular */
        if (strcmp(v, "custom") == 0 && !dc_node_child(m->node, "model", NULL))
            break;
        const DcNode *mode = NULL;
        g_autoptr(GPtrArray) allowed = g_ptr_array_new();
        for (guint k = 0; k < cap->children.len; k++) {
            const DcNode *c = cap->children.pdata[k];
            const char *name = dc_node_get_attr(c, "name");
            if (strcmp(c->name, "mode") != 0 || !name)
                continue;
            if (caps_supported(c))
                g_ptr_array_add(allowed, (gpointer)name);
            if (strcmp(name, v) == 0)
                mode = c;
        }
        if (!mode || !caps_supported(mode))
            report_value(ctx, r, m, v, allowed, "'%s'%s is not supported", v, note);
        break;
    }
    case CHECK_SUPPORTED:
        break;
    }
}

static void check_rule(const DcCheckRule *r, DcCheckCtx *ctx)
{
    const DcNode *caps = ctx->caps, *domain = ctx->domain;
    const DcNode *cap = caps_find(caps, r->caps);
    if (!cap || (r->saved_only && ctx->host))
        return; /* the document does not describe it */
    g_autoptr(GArray) steps = parse_path(r->element);
    g_autoptr(GArray) matches = g_array_new(FALSE, TRUE, sizeof(Match));
    collect(NULL, domain, steps, 0, matches);
    for (guint i = 0; i < matches->len; i++) {
        const Match *m = &g_array_index(matches, Match, i);
        if (is_off(m->node))
            continue;
        if (r->kind == CHECK_SUPPORTED) {
            if (!caps_supported(cap)) {
                g_autofree char *loc = check_loc(ctx, m->node, NULL);
                dc_check_report(ctx, m->node, loc, m->node->name, NULL, FALSE,
                                "not supported (%s supported='no')", r->caps);
            }
            continue;
        }
        gboolean implied = FALSE;
        const char *raw = rule_value(r, m, &implied);
        g_autofree char *v = g_str_has_suffix(r->value, "text()") ? trimmed(raw) : g_strdup(raw);
        if (!v)
            continue;
        const char *note = implied ? " (the default)" : "";
        check_value(ctx, r, cap, m, v, note);
    }
}

static gint problem_cmp(gconstpointer a, gconstpointer b)
{
    const Problem *pa = *(Problem *const *)a, *pb = *(Problem *const *)b;
    if (pa->order != pb->order)
        return pa->order < pb->order ? -1 : 1;
    return pa->seq < pb->seq ? -1 : pa->seq > pb->seq;
}

GPtrArray *dc_check_ctx(DcCheckCtx *ctx)
{
    g_autoptr(GHashTable) order = g_hash_table_new(NULL, NULL);
    number_nodes(ctx->domain, order);
    ctx->order = order;
    g_autoptr(GHashTable) positions = g_hash_table_new(NULL, NULL);
    g_autoptr(GHashTable) parents = g_hash_table_new(NULL, NULL);
    index_positions(ctx->domain, positions, parents);
    ctx->positions = positions;
    ctx->parents = parents;
    ctx->out = g_ptr_array_new_with_free_func((GDestroyNotify)domcaps_problem_free);
    const DcNode *n;
    ctx->arch = (n = dc_node_child(ctx->caps, "arch", NULL)) ? n->text : NULL;
    ctx->machine = (n = dc_node_child(ctx->caps, "machine", NULL)) ? n->text : NULL;
    ctx->virttype = (n = dc_node_child(ctx->caps, "domain", NULL)) ? n->text : NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(dc_check_rules); i++)
        check_rule(&dc_check_rules[i], ctx);
    dc_rules_run(ctx);
    g_ptr_array_sort(ctx->out, problem_cmp);
    ctx->order = ctx->positions = ctx->parents = NULL;
    return g_steal_pointer(&ctx->out);
}

GPtrArray *dc_check(const DcNode *caps, const DcNode *domain)
{
    DcCheckCtx ctx = { .caps = caps, .domain = domain };
    return dc_check_ctx(&ctx);
}

void dc_check_domain_query(const DcNode *domain, const char **virttype, const char **arch, const char **machine,
                           const char **emulator)
{
    const DcNode *os = dc_node_child(domain, "os", NULL);
    const DcNode *type = os ? dc_node_child(os, "type", NULL) : NULL;
    const DcNode *devices = dc_node_child(domain, "devices", NULL);
    const DcNode *emu = devices ? dc_node_child(devices, "emulator", NULL) : NULL;
    *virttype = dc_node_get_attr(domain, "type");
    *arch = type ? dc_node_get_attr(type, "arch") : NULL;
    *machine = type ? dc_node_get_attr(type, "machine") : NULL;
    *emulator = emu ? emu->text : NULL;
}

domcaps_problem *dc_problem_new(const char *location, const char *value, const char *reason)
{
    domcaps_problem *p = g_new0(domcaps_problem, 1);
    p->location = g_strdup(location);
    p->value = g_strdup(value);
    p->allowed = g_new0(char *, 1);
    g_autofree char *line = g_strdup_printf("%s: '%s' is not supported (%s)", location, value, reason);
    GString *msg = g_string_new(NULL);
    dc_append_one_line(msg, line);
    p->message = g_string_free(msg, FALSE);
    return p;
}

/* The element at @path under @n, made when missing. */
static DcNode *dom_ensure(DcNode *n, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    for (char **p = parts; *p; p++) {
        DcNode *c = dc_node_child(n, *p, NULL);
        n = c ? c : dc_node_add(n, *p);
    }
    return n;
}

void dc_check_domain_override(DcNode *domain, const char *virttype, const char *arch, const char *machine,
                              const char *emulator)
{
    if (virttype)
        dc_node_set_attr(domain, "type", virttype);
    if (arch)
        dc_node_set_attr(dom_ensure(domain, "os/type"), "arch", arch);
    if (machine)
        dc_node_set_attr(dom_ensure(domain, "os/type"), "machine", machine);
    if (emulator) {
        DcNode *e = dom_ensure(domain, "devices/emulator");
        g_free(e->text);
        e->text = g_strdup(emulator);
    }
}
