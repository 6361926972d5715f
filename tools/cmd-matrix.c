/* domcaps matrix: one table of the capabilities of every installed QEMU
 * (or of the given emulators, or capability documents): rows are features
 * and enum values, columns are targets. Text for a terminal, or a
 * self-contained HTML page (--html FILE).
 * Exit: 0 printed, 1 error (an emulator that is no libvirt target is
 * skipped with a note, as with --all). */
#include "cmd-util.h"
#include "commands.h"
#include "probe-each.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int dc_cmd_matrix(int argc, char **argv);

static char *opt_html, *opt_format;
static char **opt_caps;
static gboolean opt_differences;

static GOptionEntry entries[] = {
    { "html", 0, 0, G_OPTION_ARG_FILENAME, &opt_html, "a self-contained HTML page instead of text (-: stdout)",
      "FILE" },
    { "caps", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_caps, "a column from a saved document (repeatable)",
      "[NAME=]FILE" },
    { "differences", 0, 0, G_OPTION_ARG_NONE, &opt_differences, "only the rows that are not the same for all", NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "output: text (default) or json", "FORMAT" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

/* Probe @emulators in parallel; the documents go to @docs in order. */
static int probe_all(const domcaps_options *base, GPtrArray *emulators, GPtrArray *docs)
{
    DcCliProbe *probes = dc_cli_probe_each(base, emulators);
    int rc = 0;
    for (guint i = 0; i < emulators->len; i++) {
        DcCliProbe *p = &probes[i];
        if (p->doc)
            g_ptr_array_add(docs, g_steal_pointer(&p->doc));
        else if (!dc_cli_probe_report(p, p->emulator ? p->emulator : base->arch ? base->arch : "the default emulator"))
            rc = 1;
    }
    dc_cli_probes_free(probes, emulators->len);
    return rc;
}

/* --caps [NAME=]FILE: the documents read and added to the table in turn,
 * so that a fleet's thousand documents need not all be in memory. */
static gboolean add_caps(domcaps_fleet *fleet, char **caps)
{
    guint n = g_strv_length(caps);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autofree const char **files = g_new0(const char *, n + 1);
    for (guint i = 0; i < n; i++) {
        const char *eq = strchr(caps[i], '=');
        gboolean named = eq && eq != caps[i] && !g_file_test(caps[i], G_FILE_TEST_EXISTS);
        g_ptr_array_add(names, named ? g_strndup(caps[i], (gsize)(eq - caps[i])) : NULL);
        files[i] = named ? eq + 1 : caps[i];
    }
    GError *err = NULL;
    if (!domcaps_fleet_add_files(fleet, (const char *const *)names->pdata, files, n, &err)) {
        fprintf(stderr, "domcaps: %s\n", err->message);
        g_error_free(err);
        return FALSE;
    }
    return TRUE;
}

/* The emulators to probe: the arguments and --emulatorbin, the one for
 * --arch (NULL, resolved by the probe), or every installed one when
 * neither these nor --caps name any. */
static GPtrArray *columns_to_probe(const domcaps_options *opts, int argc, char **argv)
{
    GPtrArray *emulators = g_ptr_array_new_with_free_func(g_free);
    for (int i = 1; i < argc; i++)
        g_ptr_array_add(emulators, g_strdup(argv[i]));
    if (opts->emulator)
        g_ptr_array_add(emulators, g_strdup(opts->emulator));
    if (!emulators->len && opts->arch)
        g_ptr_array_add(emulators, NULL);
    if (!emulators->len && !opt_caps) {
        g_ptr_array_unref(emulators);
        return dc_installed_emulators(opts->root);
    }
    return emulators;
}

int dc_cmd_matrix(int argc, char **argv)
{
    g_set_prgname("domcaps matrix");
    g_autoptr(GOptionContext) ctx = g_option_context_new("[EMULATOR...]");
    g_option_context_set_description(ctx, "Example: domcaps matrix --virttype qemu --differences --html matrix.html");
    g_option_context_set_summary(ctx,
        "One table of the domain capabilities of every installed qemu-system-*\n"
        "(or of the EMULATORs given, or of --caps documents): a row per value,\n"
        "a column per target with its default machine, kvm where usable. The\n"
        "probe options apply to every column (--machine, --virttype qemu...).\n\n"
        "Exit status: 0 printed, 1 error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_add_group(ctx, dc_cli_probe_group());
    if (!dc_cli_parse(ctx, &argc, &argv))
        return 1;
    gboolean json = FALSE;
    if (!dc_cli_json_format(opt_format, opt_html, &json))
        return 1;
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    if (!dc_cli_probe_options(&opts))
        return 1;
    g_autoptr(GPtrArray) docs = g_ptr_array_new_with_free_func((GDestroyNotify)domcaps_doc_free);
    g_autoptr(domcaps_fleet) columns = domcaps_fleet_new(NULL, DOMCAPS_FLEET_TABLE);
    int rc = 0;
    if (opt_caps && !add_caps(columns, opt_caps))
        return 1;
    g_autoptr(GPtrArray) emulators = columns_to_probe(&opts, argc, argv);
    if (opts.replay && emulators->len != 1) {
        fprintf(stderr, "domcaps: --replay answers one column: give one emulator (or --arch)\n");
        return 1;
    }
    if (emulators->len) {
        rc = probe_all(&opts, emulators, docs);
    }
    for (guint i = 0; i < docs->len; i++)
        domcaps_fleet_add(columns, NULL, docs->pdata[i], NULL);
    if (domcaps_fleet_size(columns) == 0) {
        fprintf(stderr, "domcaps: no emulator to show\n");
        return 1;
    }
    guint flags = (opt_html ? DOMCAPS_TABLE_HTML : json ? DOMCAPS_TABLE_JSON : DOMCAPS_TABLE_TEXT) |
                  (opt_differences ? DOMCAPS_TABLE_DIFFERENCES : 0);
    g_autofree char *out = domcaps_fleet_table(columns, flags, NULL);
    if (!dc_cli_write(opt_html ? opt_html : "-", out))
        return 1;
    return rc;
}
