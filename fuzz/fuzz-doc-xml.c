/* Fuzz the <domainCapabilities> XML reader (domcaps_doc_new_from_xml), the
 * way documents from other hosts come in, and what is done with one: print
 * it (XML must read back and print the same), JSON, diff, intersect, table. */
#include "domcaps.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > G_MAXSSIZE)
        return 0;
    GError *err = NULL;
    domcaps_doc *doc = domcaps_doc_new_from_xml((const char *)data, (gssize)size, &err);
    if (!doc) {
        g_assert(err && err->message);
        g_clear_error(&err);
        return 0;
    }
    g_autofree char *xml = domcaps_doc_to_xml(doc);
    domcaps_doc *again = domcaps_doc_new_from_xml(xml, -1, &err);
    if (!again)
        g_error("printed document does not read back: %s", err->message);
    g_autofree char *xml2 = domcaps_doc_to_xml(again);
    g_assert(g_str_equal(xml, xml2));
    g_free(domcaps_doc_to_json(doc, TRUE));

    guint n = 1;
    g_autofree char *diff = domcaps_diff(doc, again, &n);
    g_assert(n == 0 && diff && !*diff);

    const domcaps_doc *pair[2] = { doc, again };
    domcaps_doc *both = domcaps_intersect(pair, 2, &err);
    if (both)
        g_free(domcaps_doc_to_xml(both));
    g_clear_error(&err);
    domcaps_doc_free(both);
    g_free(domcaps_table(pair, NULL, 2, DOMCAPS_TABLE_TEXT, NULL));
    g_free(domcaps_table(pair, NULL, 2, DOMCAPS_TABLE_HTML | DOMCAPS_TABLE_DIFFERENCES, NULL));

    domcaps_doc_free(again);
    domcaps_doc_free(doc);
    return 0;
}
