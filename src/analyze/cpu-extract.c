/* virsh's side of the CPU commands: reading FILE and finding its CPU
 * definitions.  virsh wraps the file in one <container> element (so a file
 * may hold several <cpu> elements one after another) and takes each <cpu>
 * at the top, in a <domain>, in host capabilities' <host>, and domain
 * capabilities' supported host-model <mode> renamed <cpu>.  Errors read as
 * virsh's: libxml2's for XML that is not well-formed (util/xmllibxml.h). */
#include "analyze/cpu.h"
#include "cpu/lverror.h"
#include "util/xmllibxml.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* virsh's VSH_MAX_XML_FILE */
#define MAX_FILE (10 * 1024 * 1024)

char *dc_cpu_read_file(const char *path, gsize *len, GError **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        dc_lv_error(err, DC_LV_SYSTEM, "Failed to open file '%s': %s", path, g_strerror(errno));
        return NULL;
    }
    GString *buf = g_string_sized_new(4096);
    int saved = 0;
    for (;;) {
        char chunk[65536];
        ssize_t n = read(fd, chunk, MIN(sizeof(chunk), MAX_FILE + 1 - buf->len));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            saved = errno;
        if (n <= 0)
            break;
        g_string_append_len(buf, chunk, n);
        if (buf->len > MAX_FILE) {
            saved = EOVERFLOW;
            break;
        }
    }
    close(fd);
    if (saved) {
        dc_lv_error(err, DC_LV_SYSTEM, "Failed to read file '%s': %s", path, g_strerror(saved));
        g_string_free(buf, TRUE);
        return NULL;
    }
    *len = strnlen(buf->str, buf->len);   /* virsh keeps a C string */
    return g_string_free(buf, FALSE);
}

static void append_escaped(GString *out, const char *s, gboolean attr)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        case '&': g_string_append(out, "&amp;"); break;
        case '\'': g_string_append(out, attr ? "&apos;" : "'"); break;
        default: g_string_append_c(out, *s);
        }
    }
}

static void node_to_xml(GString *out, const DcNode *node)
{
    if (strcmp(node->name, DC_XML_TEXT_NODE) == 0) {
        append_escaped(out, node->text, FALSE);
        return;
    }
    g_string_append_printf(out, "<%s", node->name);
    for (guint i = 0; i < node->n_attrs; i++) {
        g_string_append_printf(out, " %s='", dc_node_attr_name(node, i));
        append_escaped(out, dc_node_attr_value(node, i), TRUE);
        g_string_append_c(out, '\'');
    }
    if (!node->children.len && !node->text) {
        g_string_append(out, "/>");
        return;
    }
    g_string_append_c(out, '>');
    if (node->text)
        append_escaped(out, node->text, FALSE);
    for (guint i = 0; i < node->children.len; i++)
        node_to_xml(out, node->children.pdata[i]);
    g_string_append_printf(out, "</%s>", node->name);
}

char *dc_cpu_node_to_xml(const DcNode *node)
{
    GString *out = g_string_new(NULL);
    node_to_xml(out, node);
    return g_string_free(out, FALSE);
}

/* XPath's name test without a prefix: the element's name, in no namespace. */
static gboolean is_elem(const DcNode *n, const char *name)
{
    const char *ns = dc_node_get_attr(n, "xmlns");
    return strcmp(n->name, name) == 0 && (!ns || !*ns);
}

/* domain capabilities' host-model: the <mode> renamed <cpu>, its
 * attributes dropped (namespace declarations are not attributes). */
static char *host_model_cpu(const DcNode *mode)
{
    g_autoptr(DcNode) cpu = dc_node_copy(mode);
    dc_node_rename(cpu, "cpu");
    for (guint i = cpu->n_attrs; i-- > 0;) {
        const char *name = dc_node_attr_name(cpu, i);
        if (strcmp(name, "xmlns") != 0 && !g_str_has_prefix(name, "xmlns:"))
            dc_node_remove_attr(cpu, name);
    }
    return dc_cpu_node_to_xml(cpu);
}

/* The CPUs of one child of the container, in document order. */
static void collect(const DcNode *top, GPtrArray *out)
{
    if (is_elem(top, "cpu")) {
        g_ptr_array_add(out, dc_cpu_node_to_xml(top));
        return;
    }
    gboolean domain = is_elem(top, "domain"), caps = is_elem(top, "capabilities");
    gboolean dcaps = is_elem(top, "domainCapabilities");
    for (guint i = 0; i < top->children.len; i++) {
        const DcNode *c = top->children.pdata[i];
        if (domain && is_elem(c, "cpu"))
            g_ptr_array_add(out, dc_cpu_node_to_xml(c));
        for (guint j = 0; (caps || dcaps) && j < c->children.len; j++) {
            const DcNode *g = c->children.pdata[j];
            if (caps && is_elem(c, "host") && is_elem(g, "cpu"))
                g_ptr_array_add(out, dc_cpu_node_to_xml(g));
            if (dcaps && is_elem(c, "cpu") && is_elem(g, "mode") &&
                g_strcmp0(dc_node_get_attr(g, "name"), "host-model") == 0 &&
                dc_node_is_supported(g))
                g_ptr_array_add(out, host_model_cpu(g));
        }
    }
}

DcNode *dc_cpu_parse_xml(const char *text, gsize len, const char *name, GError **err)
{
    return dc_cpu_parse_xml_as(text, len, name, FALSE, err);
}

DcNode *dc_cpu_parse_xml_as(const char *text, gsize len, const char *name, gboolean at_line, GError **err)
{
    g_auto(DcXmlError) xe = { 0 };
    g_autoptr(GError) load_err = NULL;
    if (!dc_xml_libxml_load(&load_err)) {
        dc_lv_error(err, DC_LV_INTERNAL, "%s", load_err->message);
        return NULL;
    }
    DcNode *root = dc_xml_read_libxml(text, len, name, &xe);
    if (!root) {
        g_autofree char *report = at_line ? dc_xml_error_report_at_line(&xe) : dc_xml_error_report(&xe, name);
        if (report)
            dc_lv_error(err, DC_LV_XML_DETAIL, "%s", report);
        else
            dc_lv_error(err, DC_LV_XML_ERROR, "failed to parse xml document '%s'", name);
    }
    return root;
}

GPtrArray *dc_cpu_extract(const char *data, gsize len, const char *name, gboolean at_line, GError **err)
{
    const char *doc = data;
    gsize doc_len = len;
    /* virsh drops an XML declaration: inside the wrapper it would be an error. */
    if (len >= 5 && strncmp(data, "<?xml", 5) == 0) {
        const char *end = g_strstr_len(data, (gssize)len, "?>");
        if (end) {
            doc = end + 2;
            doc_len = len - (gsize)(doc - data);
        }
    }
    g_autoptr(GString) wrapped = g_string_new("<container>");
    g_string_append_len(wrapped, doc, (gssize)doc_len);
    g_string_append(wrapped, "</container>");
    g_autoptr(DcNode) root = dc_cpu_parse_xml_as(wrapped->str, wrapped->len, name, at_line, err);
    if (!root)
        return NULL;
    GPtrArray *cpus = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < root->children.len; i++)
        collect(root->children.pdata[i], cpus);
    if (!cpus->len) {
        dc_lv_error(err, DC_LV_XML_DETAIL, "File '%s' does not contain any <cpu> element or valid domain XML, host "
                    "capabilities XML, or domain capabilities XML", name);
        g_ptr_array_unref(cpus);
        return NULL;
    }
    return cpus;
}
