/* domcaps diff A.xml B.xml: what changed from one domain capabilities
 * document to another (before and after a QEMU or firmware upgrade, one
 * host against another), one line per change:
 *   - PATH: VALUE         A has it, B does not
 *   + PATH: VALUE         B has it, A does not
 *   ~ PATH: OLD -> NEW    the value changed
 * Exit: 0 no differences, 2 differences, 1 error. */
#include "cmd-util.h"
#include <stdio.h>

int dc_cmd_diff(int argc, char **argv);

static gboolean opt_quiet;
static char *opt_format;

static GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, "print nothing, only set the exit status", NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "output: text (default) or json", "FORMAT" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

int dc_cmd_diff(int argc, char **argv)
{
    g_set_prgname("domcaps diff");
    g_autoptr(GOptionContext) ctx = g_option_context_new("OLD.xml NEW.xml");
    g_option_context_set_description(ctx, "Example: domcaps diff before-upgrade.xml after-upgrade.xml");
    g_option_context_set_summary(ctx,
        "Show what changed between two domain capabilities documents, one line each:\n"
        "  - PATH: VALUE          only in OLD\n"
        "  + PATH: VALUE          only in NEW\n"
        "  ~ PATH: OLD -> NEW     changed\n"
        "PATH is XPath-like, relative to <domainCapabilities>. --format json gives\n"
        "the same changes as data.\n\n"
        "Exit status: 0 no differences, 2 differences, 1 error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!dc_cli_parse(ctx, &argc, &argv))
        return 1;
    gboolean json = FALSE;
    if (!dc_cli_json_format(opt_format, NULL, &json))
        return 1;
    if (argc != 3) {
        fprintf(stderr, "domcaps: diff takes two capabilities XML files\n");
        return 1;
    }
    g_autoptr(GPtrArray) docs = dc_cli_load_docs(argv + 1, 2);
    if (!docs)
        return 1;
    guint n = 0;
    g_autofree char *out = json ? domcaps_diff_json(docs->pdata[0], docs->pdata[1], &n)
                                : domcaps_diff(docs->pdata[0], docs->pdata[1], &n);
    if (!opt_quiet && !dc_cli_write("-", out))
        return 1;
    return n ? 2 : 0;
}
