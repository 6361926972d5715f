/* Fuzz the CPU commands' readers of outside input: a FILE as virsh reads
 * it (wrapped in <container>, every <cpu> found, libxml2's first error
 * when it is not well-formed), each CPU definition read as the daemon does,
 * and the baselines and feature expansion over libvirt's installed CPU map.
 * The first byte picks the flags. Invariants: a tree or an error, every
 * error with a message, every answer one <cpu> element. */
#include "domcaps.h"
#include "util/xmllibxml.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libxml2's reading gives a tree, or no tree and at most one caught error;
 * an error has libxml2's message shape and the line of text its cursor was
 * on, and libvirt's report of it ends with the caret. */
static void read_as_libxml(const char *text, gsize len)
{
    g_auto(DcXmlError) e = { 0 };
    DcNode *root = dc_xml_read_libxml(text, len, "fuzz.xml", &e);
    g_assert(!(root && e.message));
    if (!root && e.message) {
        g_assert(g_str_has_suffix(e.message, "\n") && e.line >= 1 && e.context);
        char *report = dc_xml_error_report(&e, "fuzz.xml");
        g_assert(g_str_has_suffix(report, "^"));
        g_free(report);
    }
    dc_node_free(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    unsigned int flags = data[0] & 3;
    const char *text = (const char *)data + 1;
    gsize len = strnlen(text, size - 1);
    g_autofree char *wrapped = g_strdup_printf("<container>%.*s</container>", (int)len, text);
    read_as_libxml(wrapped, strlen(wrapped));

    GError *err = NULL;
    char **cpus = domcaps_cpu_extract(text, (gssize)len, "fuzz.xml", &err);
    if (!cpus) {
        g_assert(err && err->message && *err->message);
        g_clear_error(&err);
        return 0;
    }
    guint n = g_strv_length(cpus);
    g_assert(n > 0);
    char *out = domcaps_cpu_baseline(NULL, (const char *const *)cpus, n, flags, &err);
    g_assert((out != NULL) != (err != NULL));
    if (out)
        g_assert(g_str_has_prefix(out, "<cpu") && g_str_has_suffix(out, "</cpu>\n"));
    g_free(out);
    g_clear_error(&err);
    g_strfreev(cpus);
    return 0;
}
