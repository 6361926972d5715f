/* Fuzz the libvirt <domain> reader of domcaps_check_domain(): a fuzzed
 * domain definition checked against fixed capabilities (a replay case's
 * expected output for x86_64 q35, read once). */
#include "domcaps.h"
#include <stdint.h>

#ifndef DC_FUZZ_CAPS_XML
#error "DC_FUZZ_CAPS_XML: a domainCapabilities document"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static domcaps_doc *caps;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GError *err = NULL;
    if (!caps && !(caps = domcaps_doc_new_from_file(DC_FUZZ_CAPS_XML, &err)))
        g_error("%s: %s", DC_FUZZ_CAPS_XML, err->message);
    if (size > G_MAXSSIZE)
        return 0;
    GPtrArray *problems = NULL;
    if (!domcaps_check_domain(caps, (const char *)data, (gssize)size, &problems, &err)) {
        g_assert(err && err->message);
        g_clear_error(&err);
        return 0;
    }
    g_assert(problems);
    for (guint i = 0; i < problems->len; i++) {
        const domcaps_problem *p = problems->pdata[i];
        g_assert(p->message && !strchr(p->message, '\n'));
    }
    g_ptr_array_unref(problems);
    return 0;
}
