/* The firmware explanation (domcaps --explain-firmware), and the release
 * a query prints by default. */
#include "config.h"
#include "domcaps.h"
#include "api-internal.h"
#include "caps/sections.h"
#include "format/releases.h"
#include "query/release.h"
#include <unistd.h>

/* ---- firmware ---------------------------------------------------------- */

char **domcaps_explain_firmware(const domcaps_options *opts, const domcaps_doc *doc)
{
    g_autoptr(DcHost) host = dc_host_new(opts ? opts->root : NULL, geteuid() == 0, g_get_user_config_dir());
    /* The release reads the descriptors: an unknown schema cannot have
     * given a document, so it cannot get here. */
    guint release = dc_release_choose(opts ? opts->schema : NULL, host, NULL, NULL);
    g_autoptr(GPtrArray) lines = dc_caps_explain_os(host, domcaps_doc_arch(doc), domcaps_doc_machine(doc),
                                                    release ? release : DC_RELEASE_NEWEST);
    GStrvBuilder *b = g_strv_builder_new();
    for (guint i = 0; i < lines->len; i++)
        g_strv_builder_add(b, lines->pdata[i]);
    char **out = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return out;
}


/* ---- the release ---------------------------------------------------------- */

char *domcaps_schema_chosen(const domcaps_options *opts, char **why, GError **err)
{
    g_autoptr(DcHost) host = dc_host_new(opts ? opts->root : NULL, geteuid() == 0, g_get_user_config_dir());
    g_autoptr(GError) inner = NULL;
    guint release = dc_release_choose(opts ? opts->schema : NULL, host, why, &inner);
    if (!release) {
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, inner->message);
        return NULL;
    }
    return dc_release_name(release);
}
