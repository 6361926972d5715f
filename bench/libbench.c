/* Library call cost: one cold-or-cached call, then N warm calls of
 * domcaps_get() + XML formatting in one process. Prints microseconds per
 * warm call. Usage: libbench CACHE_DIR [N] [domcaps options as key=value...] */
#include "domcaps.h"
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    domcaps_options o = DOMCAPS_OPTIONS_INIT;
    o.cache_dir = argc > 1 ? argv[1] : NULL;
    int n = argc > 2 ? atoi(argv[2]) : 1000;
    o.virttype = "qemu";
    GError *err = NULL;
    domcaps_doc *first = domcaps_get(&o, &err);
    if (!first) {
        fprintf(stderr, "libbench: %s\n", err->message);
        return 1;
    }
    g_autofree char *want = domcaps_doc_to_xml(first);
    domcaps_doc_free(first);
    gint64 start = g_get_monotonic_time();
    for (int i = 0; i < n; i++) {
        domcaps_doc *d = domcaps_get(&o, &err);
        if (!d) {
            fprintf(stderr, "libbench: %s\n", err->message);
            return 1;
        }
        char *x = domcaps_doc_to_xml(d);
        if (strcmp(x, want) != 0) {
            fprintf(stderr, "libbench: answers differ\n");
            return 1;
        }
        g_free(x);
        domcaps_doc_free(d);
    }
    printf("%.1f\n", (double)(g_get_monotonic_time() - start) / n);
    return 0;
}
