/* The public entry points of publishing (include/domcaps.h): node labels
 * and placement traits of a host's document (analyze/publish.h). */
#include "api-internal.h"
#include "analyze/publish.h"

static char **strv_take(GPtrArray *list)
{
    g_ptr_array_set_free_func(list, NULL);
    g_ptr_array_add(list, NULL);
    return (char **)g_ptr_array_free(list, FALSE);
}

char **domcaps_labels(const domcaps_options *opts, const domcaps_doc *doc, guint *n_invalid)
{
    g_return_val_if_fail(doc, NULL);
    g_autofree char *map = dc_api_cpu_map(opts);
    return strv_take(dc_labels(dc_doc_root(doc), map, n_invalid));
}

char **domcaps_traits(const domcaps_options *opts, const domcaps_doc *doc)
{
    g_return_val_if_fail(doc, NULL);
    g_autofree char *map = dc_api_cpu_map(opts);
    return strv_take(dc_traits(dc_doc_root(doc), map));
}
