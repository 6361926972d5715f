/* The public entry points for documents from elsewhere: reading, checking
 * a domain, intersecting, diffs and tables (include/domcaps.h). */
#include "api-internal.h"
#include "analyze/check.h"
#include "analyze/compare.h"
#include "util/xmlread.h"
#include "format/format.h"
#include <glib/gstdio.h>

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
    g_return_val_if_fail(doc && problems, FALSE);
    *problems = NULL;
    g_autoptr(DcNode) domain = read_domain(domain_xml, len, err);
    if (!domain)
        return FALSE;
    *problems = dc_check(dc_doc_root(doc), domain);
    return TRUE;
}

char *domcaps_diff(const domcaps_doc *a, const domcaps_doc *b, guint *n_changes)
{
    return dc_diff(dc_doc_root(a), dc_doc_root(b), n_changes);
}

char *domcaps_table(const domcaps_doc *const *docs, const char *const *labels, guint n,
                    domcaps_table_flags flags, guint *n_rows)
{
    g_autofree const DcNode **roots = g_new0(const DcNode *, n + 1);
    for (guint i = 0; i < n; i++)
        roots[i] = dc_doc_root(docs[i]);
    DcTableFlags f = ((flags & DOMCAPS_TABLE_HTML) ? DC_TABLE_HTML : 0) |
                     ((flags & DOMCAPS_TABLE_DIFFERENCES) ? DC_TABLE_DIFFERENCES : 0);
    return dc_table(roots, labels, n, f, n_rows);
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
    const char *virttype, *arch, *machine, *emulator;
    dc_check_domain_query(domain, &virttype, &arch, &machine, &emulator);
    domcaps_options o = *opts;
    /* Where each query value comes from, and where a refusal of it points. */
    struct {
        const char **slot;
        const char *domain_value;
        const char *location;
        gboolean from_domain;
    } q[] = {
        { &o.virttype, virttype, "/domain/@type", FALSE },
        { &o.arch, arch, "/domain/os/type/@arch", FALSE },
        { &o.machine, machine, "/domain/os/type/@machine", FALSE },
        { &o.emulator, emulator, "/domain/devices/emulator", FALSE },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(q); i++) {
        if (!*q[i].slot && q[i].domain_value) {
            *q[i].slot = q[i].domain_value;
            q[i].from_domain = TRUE;
        }
    }
    *problems = g_ptr_array_new_with_free_func((GDestroyNotify)domcaps_problem_free);
    if (q[0].from_domain && strcmp(virttype, "kvm") != 0 && strcmp(virttype, "qemu") != 0) {
        g_ptr_array_add(*problems, dc_problem_new(q[0].location, virttype, "domcaps knows kvm and qemu"));
        return TRUE;
    }
    GError *inner = NULL;
    domcaps_doc *doc = domcaps_get(&o, &inner);
    if (!doc) {
        int which = -1;
        switch (inner->code) {
        case DOMCAPS_ERROR_NO_KVM: which = 0; break;
        case DOMCAPS_ERROR_INVALID_ARG: /* the one invalid value a domain can bring is its arch */
            which = q[1].from_domain && strstr(inner->message, "architecture") ? 1 : -1;
            break;
        case DOMCAPS_ERROR_ARCH_MISMATCH: which = 1; break;
        case DOMCAPS_ERROR_UNKNOWN_MACHINE: which = 2; break;
        case DOMCAPS_ERROR_NO_EMULATOR:
        case DOMCAPS_ERROR_NOT_EXECUTABLE: which = 3; break;
        default: break;
        }
        if (which < 0 || !q[which].from_domain) {
            g_propagate_error(err, inner);
            g_clear_pointer(problems, g_ptr_array_unref);
            return FALSE;
        }
        g_ptr_array_add(*problems, dc_problem_new(q[which].location, *q[which].slot, inner->message));
        g_error_free(inner);
        return TRUE;
    }
    g_ptr_array_unref(*problems);
    *problems = dc_check(dc_doc_root(doc), domain);
    if (doc_out)
        *doc_out = doc;
    else
        domcaps_doc_free(doc);
    return TRUE;
}
