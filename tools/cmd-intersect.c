/* domcaps intersect A.xml B.xml...: the capabilities every given host
 * shares, as one domainCapabilities document (what is safe to use for a
 * domain that must run, or migrate, on all of them).
 * Exit: 0 printed, 1 error. */
#include "cmd-util.h"
#include <stdio.h>
#include <string.h>

int dc_cmd_intersect(int argc, char **argv);

static char *opt_format, *opt_output;

static GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "output format: xml (default) or json", "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output, "write the document to FILE", "FILE" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

int dc_cmd_intersect(int argc, char **argv)
{
    g_set_prgname("domcaps intersect");
    g_autoptr(GOptionContext) ctx = g_option_context_new("CAPS.xml...");
    g_option_context_set_summary(ctx,
        "Print what every given domain capabilities document allows, as one document:\n"
        "enums intersected, supported only where all say so, the smallest vcpu max,\n"
        "the custom CPU models all list (usable only where usable everywhere),\n"
        "host-model only if identical everywhere. <machine> is left out when the\n"
        "machines differ. The documents must be for one arch and domain type.\n\n"
        "Exit status: 0 printed, 1 error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!dc_cli_parse(ctx, &argc, &argv))
        return 1;
    gboolean json = g_strcmp0(opt_format, "json") == 0;
    if (opt_format && !json && strcmp(opt_format, "xml") != 0) {
        fprintf(stderr, "domcaps: unknown format '%s' (xml or json)\n", opt_format);
        return 1;
    }
    if (argc < 2) {
        fprintf(stderr, "domcaps: intersect needs at least one capabilities XML file\n");
        return 1;
    }
    g_autoptr(GPtrArray) docs = dc_cli_load_docs(argv + 1, argc - 1);
    if (!docs)
        return 1;
    GError *err = NULL;
    g_autoptr(domcaps_doc) shared = domcaps_intersect((const domcaps_doc *const *)docs->pdata, docs->len, &err);
    if (!shared) {
        fprintf(stderr, "domcaps: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    g_autofree char *out = json ? domcaps_doc_to_json(shared, TRUE) : domcaps_doc_to_xml(shared);
    return dc_cli_write(opt_output ? opt_output : "-", out) ? 0 : 1;
}
