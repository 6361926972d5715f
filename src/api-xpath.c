/* domcaps_xpath(): virsh's --xpath and --wrap over a document
 * (util/xmlxpath.c), with virsh 12.9's answers and messages. */
#include "config.h"
#include "domcaps.h"
#include "util/xmlxpath.h"
#include <string.h>

char *domcaps_xpath(const char *xml, gssize len, const char *expr, unsigned int flags, char **diagnostics,
                    GError **err)
{
    if (diagnostics)
        *diagnostics = NULL;
    if (!xml || !expr || !*expr) {
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, "the XPath expression is empty");
        return NULL;
    }
    g_auto(DcXpathResult) r = { 0 };
    g_autoptr(GError) inner = NULL;
    gsize n = len < 0 ? strlen(xml) : (gsize)len;
    DcXpathStatus status = dc_xpath_eval(xml, n, expr, (flags & DOMCAPS_XPATH_WRAP) != 0, &r, &inner);
    if (diagnostics)
        *diagnostics = g_steal_pointer(&r.diagnostics);
    switch (status) {
    case DC_XPATH_OK:
        return g_steal_pointer(&r.output);
    case DC_XPATH_NOT_NODESET:
        /* libvirt's words (virXPathNodeSet) as virsh prints them */
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, "internal error: Incorrect xpath '%s'", expr);
        break;
    case DC_XPATH_CANNOT_WRAP:
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, inner->message);
        break;
    case DC_XPATH_BAD_INPUT:
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, inner->message);
        break;
    case DC_XPATH_NO_LIBXML:
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO, inner->message);
        break;
    }
    if (diagnostics)
        g_clear_pointer(diagnostics, g_free);
    return NULL;
}
