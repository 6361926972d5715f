/* The public entry points for documents from elsewhere: reading, checking
 * a domain, intersecting, diffs and tables (include/domcaps.h). */
#include "api-internal.h"
#include "analyze/check.h"
#include "analyze/compare.h"
#include "util/xmlread.h"
#include "format/format.h"
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <unistd.h>
#include "probe/facts.h"
#include "host/host.h"

static gsize input_len(const char *data, gssize len)
{
    return len < 0 ? (data ? strlen(data) : 0) : (gsize)len;
}

/* A document as domcaps prints it: libvirt's XML, or its JSON form
 * (`--format json`), told apart by the first character. */
static DcNode *read_document(const char *data, gsize len, GError **err)
{
    gsize i = 0;
    while (i < len && g_ascii_isspace(data[i]))
        i++;
    if (i == len || data[i] != '{')
        return dc_xml_read(data, len, "domainCapabilities", "capabilities XML", err);
    if (len > DC_XML_MAX_BYTES) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "capabilities JSON is too large (%" G_GSIZE_FORMAT
                    " bytes, the limit is %u)", len, DC_XML_MAX_BYTES);
        return NULL;
    }
    GError *inner = NULL;
    DcNode *root = dc_json_read_document(data, len, "domainCapabilities", &inner);
    if (!root) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "capabilities JSON: %s", inner->message);
        g_error_free(inner);
    }
    return root;
}

domcaps_doc *domcaps_doc_new_from_xml(const char *data, gssize len, GError **err)
{
    DcNode *root = read_document(data, input_len(data, len), err);
    if (!root)
        return NULL;
    /* no <path>: a fleet's document (domcaps intersect) names no emulator */
    static const char *const required[] = { "domain", "arch" };
    for (gsize i = 0; i < G_N_ELEMENTS(required); i++) {
        const DcNode *n = dc_node_child(root, required[i], NULL);
        if (!n || !n->text) {
            g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "capabilities XML has no <%s>", required[i]);
            dc_node_free(root);
            return NULL;
        }
    }
    return dc_doc_new_take(root);
}

domcaps_doc *domcaps_doc_new_from_file(const char *path, GError **err)
{
    GStatBuf st;
    if (g_stat(path, &st) == 0 && S_ISREG(st.st_mode) && (guint64)st.st_size > DC_XML_MAX_BYTES) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s is too large (%" G_GUINT64_FORMAT
                    " bytes, the limit is %u)", path, (guint64)st.st_size, DC_XML_MAX_BYTES);
        return NULL;
    }
    g_autofree char *data = NULL;
    gsize len = 0;
    GError *inner = NULL;
    if (!g_file_get_contents(path, &data, &len, &inner)) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO, "%s", inner->message);
        g_error_free(inner);
        return NULL;
    }
    domcaps_doc *doc = domcaps_doc_new_from_xml(data, (gssize)len, &inner);
    if (!doc) {
        g_set_error(err, DOMCAPS_ERROR, inner->code, "%s: %s", path, inner->message);
        g_error_free(inner);
    }
    return doc;
}

static DcNode *read_domain(const char *xml, gssize len, GError **err)
{
    return dc_xml_read(xml, input_len(xml, len), "domain", "domain XML", err);
}

/* The document a domain is checked against: the newest unless a release is
 * asked for, whatever libvirt the host has. The rules read elements an
 * older release's document leaves out (9.0's has no <async-teardown>, and
 * would let a domain asking for it pass); the newest is the one
 * check-vs-libvirt holds them to, against libvirt 9.0 and 12.9. */
static const char *check_schema(const domcaps_options *opts)
{
    return opts->schema && *opts->schema ? opts->schema : "latest";
}

domcaps_doc *domcaps_get_for_domain(const domcaps_options *opts, const char *domain_xml, gssize len,
                                    GError **err)
{
    if (!opts) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, "no options");
        return NULL;
    }
    g_autoptr(DcNode) domain = read_domain(domain_xml, len, err);
    if (!domain)
        return NULL;
    const char *virttype, *arch, *machine, *emulator;
    dc_check_domain_query(domain, &virttype, &arch, &machine, &emulator);
    domcaps_options o = *opts;
    o.schema = check_schema(opts);
    if (!o.emulator)
        o.emulator = emulator;
    if (!o.arch)
        o.arch = arch;
    if (!o.machine)
        o.machine = machine;
    if (!o.virttype)
        o.virttype = virttype;
    return domcaps_get(&o, err);
}

void domcaps_problem_free(domcaps_problem *problem)
{
    if (!problem)
        return;
    g_free(problem->location);
    g_free(problem->value);
    g_strfreev(problem->allowed);
    g_free(problem->message);
    g_free(problem);
}

gboolean domcaps_check_domain(const domcaps_doc *doc, const char *domain_xml, gssize len, GPtrArray **problems,
                              GError **err)
{
    return domcaps_check_domain_as(doc, NULL, domain_xml, len, problems, err);
}

gboolean domcaps_check_domain_as(const domcaps_doc *doc, const domcaps_options *opts, const char *domain_xml,
                                 gssize len, GPtrArray **problems, GError **err)
{
    g_return_val_if_fail(doc && problems, FALSE);
    *problems = NULL;
    g_autoptr(DcNode) domain = read_domain(domain_xml, len, err);
    if (!domain)
        return FALSE;
    if (opts)
        dc_check_domain_override(domain, opts->virttype, opts->arch, opts->machine, opts->emulator);
    *problems = dc_check(dc_doc_root(doc), domain);
    return TRUE;
}

char *domcaps_diff(const domcaps_doc *a, const domcaps_doc *b, guint *n_changes)
{
    return dc_diff(dc_doc_root(a), dc_doc_root(b), n_changes);
}

char *domcaps_diff_json(const domcaps_doc *a, const domcaps_doc *b, guint *n_changes)
{
    return dc_diff_format(dc_doc_root(a), dc_doc_root(b), TRUE, n_changes);
}

char *domcaps_table(const domcaps_doc *const *docs, const char *const *labels, guint n,
                    domcaps_table_flags flags, guint *n_rows)
{
    g_autofree const DcNode **roots = g_new0(const DcNode *, n + 1);
    for (guint i = 0; i < n; i++)
        roots[i] = dc_doc_root(docs[i]);
    return dc_table(roots, labels, n, dc_table_flags_of(flags), n_rows);
}

/* Which query value a probe error is about: 0 type, 1 arch, 2 machine, 3 emulator, -1 none. */
static int query_error_slot(const GError *e)
{
    switch (e->code) {
    case DOMCAPS_ERROR_NO_KVM: return 0;
    case DOMCAPS_ERROR_INVALID_ARG:
        return strstr(e->message, "virttype") ? 0 : strstr(e->message, "machine") ? 2 : 1;
    case DOMCAPS_ERROR_ARCH_MISMATCH: return 1;
    case DOMCAPS_ERROR_UNKNOWN_MACHINE: return 2;
    case DOMCAPS_ERROR_NO_EMULATOR:
        return strstr(e->message, "architecture") || strstr(e->message, "arch ") ? 1 : 3;
    case DOMCAPS_ERROR_NOT_EXECUTABLE:
    case DOMCAPS_ERROR_NOT_QEMU:
    case DOMCAPS_ERROR_UNSUPPORTED:
    case DOMCAPS_ERROR_PROBE_FAILED: return 3; /* the emulator named cannot serve this query */
    default: return -1;
    }
}

/* The check of @domain against @doc with everything the host can tell:
 * its firmware files, KVM, the CPU map, the probe's facts. */
static GPtrArray *check_on_host(const domcaps_options *o, const domcaps_doc *doc, json_object *facts,
                                const DcNode *domain)
{
    g_autoptr(DcHost) host = dc_host_new(o->root, geteuid() == 0, g_get_user_config_dir());
    g_autofree char *map = dc_host_path(host, o->cpu_map_dir ? o->cpu_map_dir : "/usr/share/libvirt/cpu_map");
    g_autoptr(DcFacts) f = facts ? dc_facts_new_from_json(facts) : NULL;
    DcCheckCtx ctx = { .caps = dc_doc_root(doc), .domain = domain, .facts = f, .host = host,
                       .cpu_map_dir = map, .opts = o };
    return dc_check_ctx(&ctx);
}

gboolean domcaps_check_domain_probe(const domcaps_options *opts, const char *domain_xml, gssize len,
                                    domcaps_doc **doc_out, GPtrArray **problems, GError **err)
{
    g_return_val_if_fail(opts && problems, FALSE);
    *problems = NULL;
    if (doc_out)
        *doc_out = NULL;
    g_autoptr(DcNode) domain = read_domain(domain_xml, len, err);
    if (!domain)
        return FALSE;
    /* the probe options speak for the domain where given */
    dc_check_domain_override(domain, opts->virttype, opts->arch, opts->machine, opts->emulator);
    const char *virttype, *arch, *machine, *emulator;
    dc_check_domain_query(domain, &virttype, &arch, &machine, &emulator);
    domcaps_options o = *opts;
    o.virttype = virttype, o.arch = arch, o.machine = machine, o.emulator = emulator;
    o.schema = check_schema(opts);
    static const char *const where[] = { "/domain/@type", "/domain/os/type/@arch", "/domain/os/type/@machine",
                                         "/domain/devices/emulator" };
    const char *const *values[] = { &o.virttype, &o.arch, &o.machine, &o.emulator };
    *problems = g_ptr_array_new_with_free_func((GDestroyNotify)domcaps_problem_free);
    if (virttype && strcmp(virttype, "kvm") != 0 && strcmp(virttype, "qemu") != 0) {
        g_ptr_array_add(*problems, dc_problem_new(where[0], virttype, "libvirt's QEMU driver runs kvm and qemu"));
        return TRUE;
    }
    GError *inner = NULL;
    json_object *facts = NULL;
    domcaps_doc *doc = dc_api_get_with_facts(&o, &facts, &inner);
    if (!doc) {
        int which = query_error_slot(inner);
        const char *const given[] = { opts->virttype, opts->arch, opts->machine, opts->emulator };
        /* what the options asked is the query's error, not the domain's problem */
        if (which < 0 || !*values[which] || given[which]) {
            g_propagate_error(err, inner);
            g_clear_pointer(problems, g_ptr_array_unref);
            return FALSE;
        }
        g_ptr_array_add(*problems, dc_problem_new(where[which], *values[which], inner->message));
        g_error_free(inner);
        return TRUE;
    }
    g_ptr_array_unref(*problems);
    *problems = check_on_host(&o, doc, facts, domain);
    if (facts)
        json_object_put(facts);
    if (doc_out)
        *doc_out = doc;
    else
        domcaps_doc_free(doc);
    return TRUE;
}
