/* The firmware explanation (domcaps --explain-firmware). */
#include "config.h"
#include "domcaps.h"
#include "api-internal.h"
#include "host/firmware.h"
#include <unistd.h>

/* ---- firmware ---------------------------------------------------------- */

char **domcaps_explain_firmware(const domcaps_options *opts, const domcaps_doc *doc)
{
    g_autoptr(DcHost) host = dc_host_new(opts ? opts->root : NULL, geteuid() == 0, g_get_user_config_dir());
    g_autoptr(GPtrArray) lines = dc_firmware_explain(host, domcaps_doc_arch(doc), domcaps_doc_machine(doc));
    GStrvBuilder *b = g_strv_builder_new();
    for (guint i = 0; i < lines->len; i++)
        g_strv_builder_add(b, lines->pdata[i]);
    char **out = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return out;
}

