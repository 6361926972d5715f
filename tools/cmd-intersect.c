/* domcaps intersect A.xml B.xml...: the capabilities every given host
 * shares, as one domainCapabilities document (what is safe to use for a
 * domain that must run on, and migrate between, all of them), and the
 * fleet's CPU as a guest <cpu> (--cpu). Documents are read one at a time.
 * Exit: 0 printed, 1 error. */
#include "cmd-util.h"
#include <stdio.h>
#include <string.h>

int dc_cmd_intersect(int argc, char **argv);

static char *opt_format, *opt_output, *opt_cpu, *opt_cpu_map;

static GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "output format: xml (default) or json", "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output, "write the document to FILE", "FILE" },
    { "cpu", 0, 0, G_OPTION_ARG_FILENAME, &opt_cpu, "also the fleet's CPU, a <cpu> for domains (-: stdout)",
      "FILE" },
    { "cpu-map", 0, 0, G_OPTION_ARG_FILENAME, &opt_cpu_map, "libvirt CPU map directory", "DIR" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

/* Every file into @fleet, in turn. */
static gboolean add_files(domcaps_fleet *fleet, char **files, int n)
{
    GError *err = NULL;
    if (!domcaps_fleet_add_files(fleet, (const char *const *)files, (const char *const *)files, (guint)n, &err)) {
        fprintf(stderr, "domcaps: %s\n", err->message);
        g_error_free(err);
        return FALSE;
    }
    return TRUE;
}

static int write_cpu(domcaps_fleet *fleet)
{
    GError *err = NULL;
    g_autofree char *cpu = domcaps_fleet_cpu(fleet, &err);
    if (!cpu) {
        fprintf(stderr, "domcaps: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    return dc_cli_write(opt_cpu, cpu) ? 0 : 1;
}

int dc_cmd_intersect(int argc, char **argv)
{
    g_set_prgname("domcaps intersect");
    g_autoptr(GOptionContext) ctx = g_option_context_new("CAPS.xml...");
    g_option_context_set_description(ctx,
        "Example: domcaps intersect --cpu fleet-cpu.xml -o fleet.xml host1.xml host2.xml");
    g_option_context_set_summary(ctx,
        "Print what every given domain capabilities document allows, safe to\n"
        "migrate across those hosts, as one document: enums intersected, the\n"
        "smallest vcpu max, the CPU models usable everywhere, host-model the\n"
        "fleet's CPU (the baseline of the hosts' host-model CPUs). The documents\n"
        "must be for one arch and domain type.\n\n"
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
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    opts.cpu_map_dir = opt_cpu_map;
    g_autoptr(domcaps_fleet) fleet = domcaps_fleet_new(&opts, DOMCAPS_FLEET_INTERSECT);
    if (!add_files(fleet, argv + 1, argc - 1))
        return 1;
    GError *err = NULL;
    g_autoptr(domcaps_doc) shared = domcaps_fleet_intersection(fleet, &err);
    if (!shared) {
        fprintf(stderr, "domcaps: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    g_autofree char *out = json ? domcaps_doc_to_json(shared, TRUE) : domcaps_doc_to_xml(shared);
    if (!dc_cli_write(opt_output ? opt_output : "-", out))
        return 1;
    return opt_cpu ? write_cpu(fleet) : 0;
}
