/* Fuzz a fleet of documents from elsewhere: two hosts' <domainCapabilities>
 * (the input split at its first NUL byte; without one, the input twice)
 * intersected, baselined and tabulated, and the labels and traits of each.
 * What must hold: every label is valid under Kubernetes' syntax, every
 * intersection prints and reads back, the fleet's CPU is a <cpu> or a
 * reason. The CPU map is the Debian 12 fixture host's. */
#include "domcaps.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static domcaps_doc *read_doc(const char *data, size_t len)
{
    GError *err = NULL;
    domcaps_doc *doc = domcaps_doc_new_from_xml(data, (gssize)len, &err);
    if (!doc) {
        g_assert(err && err->message);
        g_error_free(err);
    }
    return doc;
}

static gboolean label_char(char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == '=';
}

static void publish(const domcaps_options *opts, const domcaps_doc *doc)
{
    g_auto(GStrv) labels = domcaps_labels(opts, doc, NULL);
    for (char **l = labels; *l; l++) {
        g_assert(strchr(*l, '=') && strlen(strchr(*l, '=') + 1) <= 63);
        for (const char *p = *l; *p; p++)
            g_assert(label_char(*p));
    }
    g_auto(GStrv) traits = domcaps_traits(opts, doc);
    for (char **t = traits; *t; t++)
        g_assert(g_str_has_prefix(*t, "COMPUTE_") || g_str_has_prefix(*t, "HW_CPU_"));
}

static void fleet(const domcaps_options *opts, domcaps_doc *a, domcaps_doc *b)
{
    g_autoptr(domcaps_fleet) f = domcaps_fleet_new(opts, DOMCAPS_FLEET_INTERSECT | DOMCAPS_FLEET_TABLE);
    GError *err = NULL;
    if (!domcaps_fleet_add(f, "a", a, &err) || !domcaps_fleet_add(f, "b", b, &err)) {
        g_assert(err && err->message);
        g_clear_error(&err);
        return;
    }
    domcaps_doc *shared = domcaps_fleet_intersection(f, &err);
    g_assert(shared);
    g_autofree char *xml = domcaps_doc_to_xml(shared);
    domcaps_doc *again = domcaps_doc_new_from_xml(xml, -1, &err);
    if (!again)
        g_error("an intersection does not read back: %s", err->message);
    publish(opts, again);
    domcaps_doc_free(again);
    domcaps_doc_free(shared);
    char *cpu = domcaps_fleet_cpu(f, &err);
    g_assert((cpu && g_str_has_prefix(cpu, "<cpu")) || (!cpu && err && err->message));
    g_free(cpu);
    g_clear_error(&err);
    g_free(domcaps_fleet_table(f, DOMCAPS_TABLE_DIFFERENCES, NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > G_MAXSSIZE)
        return 0;
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t first = nul ? (size_t)(nul - text) : size;
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    opts.root = DC_FUZZ_HOST_DIR;
    domcaps_doc *a = read_doc(text, first);
    domcaps_doc *b = nul ? read_doc(nul + 1, size - first - 1) : read_doc(text, first);
    if (a)
        publish(&opts, a);
    if (a && b)
        fleet(&opts, a, b);
    domcaps_doc_free(a);
    domcaps_doc_free(b);
    return 0;
}
