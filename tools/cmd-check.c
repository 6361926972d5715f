/* domcaps check DOMAIN.xml: does this host (or a capabilities document)
 * offer everything a libvirt domain definition asks for?
 * Exit: 0 everything is supported, 2 something is not, 1 error. */
#include "cmd-util.h"
#include <stdio.h>
#include <string.h>

int dc_cmd_check(int argc, char **argv);

static char *opt_caps, *opt_format;
static gboolean opt_quiet;

static GOptionEntry entries[] = {
    { "caps", 0, 0, G_OPTION_ARG_FILENAME, &opt_caps,
      "check against this domainCapabilities XML instead of probing", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "output: text (default) or json", "FORMAT" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, "print nothing, only set the exit status", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

static void print_json(const char *file, const domcaps_doc *doc, GPtrArray *problems)
{
    GString *out = g_string_new("{\n  \"domain\": ");
    dc_cli_json_string(out, file);
    g_string_append_printf(out, ",\n  \"supported\": %s,\n", problems->len ? "false" : "true");
    if (doc) {
        g_string_append(out, "  \"capabilities\": {\"path\": ");
        dc_cli_json_string(out, domcaps_doc_emulator(doc));
        g_string_append(out, ", \"arch\": ");
        dc_cli_json_string(out, domcaps_doc_arch(doc));
        g_string_append(out, ", \"machine\": ");
        dc_cli_json_string(out, domcaps_doc_machine(doc));
        g_string_append(out, ", \"domain\": ");
        dc_cli_json_string(out, domcaps_doc_virttype(doc));
        g_string_append(out, "},\n");
    }
    g_string_append(out, "  \"problems\": [");
    for (guint i = 0; i < problems->len; i++) {
        const domcaps_problem *p = problems->pdata[i];
        g_string_append(out, i ? ",\n    {" : "\n    {");
        g_string_append(out, "\"location\": ");
        dc_cli_json_string(out, p->location);
        g_string_append(out, ", \"value\": ");
        dc_cli_json_string(out, p->value);
        g_string_append(out, ", \"allowed\": [");
        for (char **a = p->allowed; *a; a++) {
            if (a != p->allowed)
                g_string_append(out, ", ");
            dc_cli_json_string(out, *a);
        }
        g_string_append(out, "], \"message\": ");
        dc_cli_json_string(out, p->message);
        g_string_append(out, "}");
    }
    g_string_append(out, problems->len ? "\n  ]\n}\n" : "]\n}\n");
    fputs(out->str, stdout);
    g_string_free(out, TRUE);
}

int dc_cmd_check(int argc, char **argv)
{
    g_set_prgname("domcaps check");
    g_autoptr(GOptionContext) ctx = g_option_context_new("DOMAIN.xml|-");
    g_option_context_set_summary(ctx,
        "Check a libvirt domain definition against the domain capabilities: every\n"
        "value it asks for that they do not offer is one line, with where it is\n"
        "(an XPath-like location) and what is allowed instead.\n\n"
        "The capabilities are probed for the domain's own emulator, arch, machine\n"
        "and type (the probe options override them), or read with --caps.\n\n"
        "Exit status: 0 everything is supported, 2 something is not, 1 error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_add_group(ctx, dc_cli_probe_group());
    if (!dc_cli_parse(ctx, &argc, &argv))
        return 1;
    if (argc != 2) {
        fprintf(stderr, "domcaps: check takes one domain XML file (see domcaps check --help)\n");
        return 1;
    }
    gboolean json = g_strcmp0(opt_format, "json") == 0;
    if (opt_format && !json && strcmp(opt_format, "text") != 0) {
        fprintf(stderr, "domcaps: unknown format '%s' (text or json)\n", opt_format);
        return 1;
    }
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    dc_cli_probe_options(&opts);
    if (opt_caps && (opts.emulator || opts.arch || opts.machine || opts.virttype || opts.replay)) {
        fprintf(stderr, "domcaps: --caps gives the capabilities; it takes no probe options\n");
        return 1;
    }
    g_autoptr(GBytes) input = dc_cli_read(argv[1]);
    if (!input)
        return 1;
    gsize size = 0;
    const char *xml = g_bytes_get_data(input, &size);
    gssize len = (gssize)size;

    g_autoptr(domcaps_doc) doc = NULL;
    g_autoptr(GPtrArray) problems = NULL;
    GError *err = NULL;
    gboolean ok;
    if (opt_caps) {
        g_autoptr(GPtrArray) docs = dc_cli_load_docs(&opt_caps, 1);
        if (!docs)
            return 1;
        doc = g_ptr_array_steal_index(docs, 0);
        ok = domcaps_check_domain(doc, xml ? xml : "", len, &problems, &err);
    } else {
        ok = domcaps_check_domain_probe(&opts, xml ? xml : "", len, &doc, &problems, &err);
    }
    if (!ok) {
        fprintf(stderr, "domcaps: %s: %s\n", argv[1], err->message);
        g_error_free(err);
        return 1;
    }
    if (json) {
        print_json(argv[1], doc, problems);
    } else if (!opt_quiet) {
        for (guint i = 0; i < problems->len; i++)
            printf("%s\n", ((domcaps_problem *)problems->pdata[i])->message);
        if (!problems->len)
            printf("%s: supported by %s (%s, %s, %s)\n", argv[1], domcaps_doc_emulator(doc),
                   domcaps_doc_arch(doc), domcaps_doc_machine(doc) ? domcaps_doc_machine(doc) : "any machine",
                   domcaps_doc_virttype(doc));
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "domcaps: cannot write output\n");
        return 1;
    }
    return problems->len ? 2 : 0;
}
