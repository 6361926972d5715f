/* domcaps: the command-line tool, built on the public API only.
 *
 *   domcaps [domcapabilities] [--emulatorbin PATH] [--arch A] [--machine M]
 *           [--virttype kvm|qemu] [--format xml|json] ...
 */
#include "domcaps.h"
#include "commands.h"
#include "cmd-util.h"
#include "reaper.h"
#include "probe-each.h"
#include <stdio.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *opt_format, *opt_record;
static gboolean opt_version, opt_all, opt_stats;
static char *opt_output_dir;
static gboolean opt_expand_cpu, opt_supported_cpu, opt_disable_deprecated, opt_explain_firmware;
static gboolean opt_help, opt_help_all;
static char *opt_xpath;
static gboolean opt_wrap;

static GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "output format: xml (default) or json", "FORMAT" },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &opt_record, "record the QMP exchange into a transcript", "FILE" },
    { "all", 0, 0, G_OPTION_ARG_NONE, &opt_all, "every installed qemu-system-* (in parallel), one document each", NULL },
    { "output-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_output_dir, "with --all: write ARCH.xml/.json files here instead of one stream", "DIR" },
    { "stats", 0, 0, G_OPTION_ARG_NONE, &opt_stats, "print wall time and peak memory on stderr", NULL },
    { "expand-cpu-features", 0, 0, G_OPTION_ARG_NONE, &opt_expand_cpu, "host-model CPU lists every required feature, including those its model implies (libvirt >= 12.2's meaning)", NULL },
    { "supported-cpu-features", 0, 0, G_OPTION_ARG_NONE, &opt_supported_cpu, "host-model CPU also lists features the host supports but host-model does not enable by default (libvirt >= 12.5)", NULL },
    { "disable-deprecated-features", 0, 0, G_OPTION_ARG_NONE, &opt_disable_deprecated, "host-model CPU disables the features QEMU flags as deprecated (libvirt >= 11.0)", NULL },
    { "explain-firmware", 0, 0, G_OPTION_ARG_NONE, &opt_explain_firmware, "print, instead of the document, every firmware descriptor considered for the query, in priority order, taken or skipped and why", NULL },
    { "xpath", 0, 0, G_OPTION_ARG_STRING, &opt_xpath, "print only the nodes the XPath expression selects, as virsh 12.9 does", "EXPR" },
    { "wrap", 0, 0, G_OPTION_ARG_NONE, &opt_wrap, "with --xpath: wrap the nodes in one <nodes> element", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "print the version and exit", NULL },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &opt_help, "the common options, an example and the commands", NULL },
    { "help-all", 0, 0, G_OPTION_ARG_NONE, &opt_help_all, "every option", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

/* The version, the releases held, and which one a query here prints and why. */
static int print_version(void)
{
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    if (!dc_cli_probe_options(&opts))
        return 1;
    g_autoptr(GError) err = NULL;
    g_autofree char *why = NULL;
    g_autofree char *release = domcaps_schema_chosen(&opts, &why, &err);
    if (!release) {
        g_printerr("domcaps: %s\n", err->message);
        return 1;
    }
    printf("domcaps %s\noutput format %d\nmatches libvirt %s (--schema %s)\nprints libvirt %s's format: %s\n",
           domcaps_version(), DOMCAPS_FORMAT_VERSION, DOMCAPS_LIBVIRT_VERSION, DOMCAPS_SCHEMAS, release, why);
    return 0;
}

/* --xpath: the nodes of the document that EXPR selects, as virsh prints
 * them; what libxml2 says of the expression goes to stderr, as in virsh,
 * and an expression that gives no nodes is virsh's error. */
static char *xpath_text(const domcaps_doc *doc)
{
    g_autofree char *xml = domcaps_doc_to_xml(doc);
    g_autofree char *diagnostics = NULL;
    g_autoptr(GError) err = NULL;
    char *out = domcaps_xpath(xml, -1, opt_xpath, opt_wrap ? DOMCAPS_XPATH_WRAP : 0, &diagnostics, &err);
    if (diagnostics)
        fputs(diagnostics, stderr);
    if (!out)
        fprintf(stderr, "error: %s\n", err->message);
    return out;
}

/* The document as asked (NULL after an --xpath error, printed). */
static char *document_text(const domcaps_doc *doc)
{
    if (opt_xpath)
        return xpath_text(doc);
    return g_strcmp0(opt_format, "json") == 0 ? domcaps_doc_to_json(doc, TRUE) : domcaps_doc_to_xml(doc);
}

/* --output-dir: the document of @emulator as DIR/TARGET.xml (or .json). */
static gboolean write_to_dir(const char *emulator, const domcaps_doc *doc)
{
    g_autofree char *base = g_path_get_basename(emulator);
    const char *target = g_str_has_prefix(base, "qemu-system-") ? base + strlen("qemu-system-") : base;
    g_autofree char *name = g_strconcat(target, g_strcmp0(opt_format, "json") == 0 ? ".json" : ".xml", NULL);
    g_autofree char *file = g_build_filename(opt_output_dir, name, NULL);
    g_autofree char *text = document_text(doc);
    GError *err = NULL;
    if (!text)
        return FALSE;
    if (dc_cli_write_file(file, text, &err))
        return TRUE;
    fprintf(stderr, "domcaps: cannot write %s: %s\n", file, err->message);
    g_error_free(err);
    return FALSE;
}

/* --all: every installed emulator (or those given), probed in parallel,
 * printed or written in order. */
static int run_all(const domcaps_options *opts, char **emulators)
{
    g_autoptr(GPtrArray) list = NULL;
    if (emulators && *emulators) {
        list = g_ptr_array_new_with_free_func(g_free);
        for (char **e = emulators; *e; e++)
            g_ptr_array_add(list, g_strdup(*e));
    } else {
        list = dc_installed_emulators(opts->root);
    }
    if (opt_output_dir && g_mkdir_with_parents(opt_output_dir, 0755) < 0) {
        fprintf(stderr, "domcaps: cannot create %s: %s\n", opt_output_dir, g_strerror(errno));
        return 1;
    }
    DcCliProbe *probes = dc_cli_probe_each(opts, list);
    const char *common = dc_cli_probes_common_error(probes, list->len);
    if (common) {
        fprintf(stderr, "domcaps: %s\n", common);
        dc_cli_probes_free(probes, list->len);
        return 1;
    }
    int rc = 0;
    for (guint i = 0; i < list->len; i++) {
        const DcCliProbe *p = &probes[i];
        if (p->doc)
            dc_cli_print_warnings(p->doc);
        if (!p->doc) {
            if (!dc_cli_probe_report(p, p->emulator))
                rc = 1;
        } else if (opt_output_dir) {
            if (!write_to_dir(p->emulator, p->doc))
                rc = 1;
        } else {
            g_autofree char *text = document_text(p->doc);
            if (text)
                fputs(text, stdout);
            else
                rc = 1;
        }
    }
    dc_cli_probes_free(probes, list->len);
    return rc;
}

static void print_stats(gint64 start)
{
    g_autofree char *status = NULL;
    long hwm = -1;
    if (g_file_get_contents("/proc/self/status", &status, NULL, NULL)) {
        const char *p = strstr(status, "VmHWM:");
        if (p)
            hwm = strtol(p + 6, NULL, 10);
    }
    fprintf(stderr, "domcaps: %.2f ms, peak RSS %ld KiB\n", (g_get_monotonic_time() - start) / 1000.0, hwm);
}

/* Options that do nothing in a mode are refused, not ignored (those of
 * the query itself: dc_cli_probe_options). */
static gboolean check_option_combinations(const domcaps_options *opts)
{
    const struct {
        gboolean bad;
        const char *why;
    } rules[] = {
        { opt_output_dir && !opt_all, "--output-dir writes the documents of --all; without --all there is one" },
        { opt_explain_firmware && g_strcmp0(opt_format, "json") == 0,
          "--explain-firmware prints lines of text, not a document: --format json does not apply" },
        { opt_explain_firmware && opt_all, "--explain-firmware explains one query, not --all" },
        { opt_xpath && g_strcmp0(opt_format, "json") == 0, "--xpath selects from the XML document: --format json does not apply" },
        { opt_xpath && opt_explain_firmware, "--xpath selects from the document; --explain-firmware prints no document" },
        { opt_all && (opts->emulator || opts->arch || opts->machine),
          "--all takes emulator paths as arguments, not --emulatorbin/--arch/--machine" },
    };
    if (opt_format && g_strcmp0(opt_format, "xml") != 0 && g_strcmp0(opt_format, "json") != 0) {
        fprintf(stderr, "domcaps: unknown format '%s' (xml or json)\n", opt_format);
        return FALSE;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(rules); i++) {
        if (rules[i].bad) {
            fprintf(stderr, "domcaps: %s\n", rules[i].why);
            return FALSE;
        }
    }
    return TRUE;
}

/* --help: one screen (80 columns) with an example; GLib's list of every
 * option is --help-all. The options KubeVirt's labeller greps for in
 * `domcapabilities --help` are among the common ones. */
static void print_short_help(void)
{
    g_autofree char *commands = dc_commands_summary(
        "Usage: domcaps [OPTION...]            this host's default QEMU\n"
        "       domcaps domcapabilities [VIRTTYPE [EMULATORBIN [ARCH [MACHINE]]]]\n"
        "       domcaps COMMAND [OPTION...]    (below)\n\n"
        "Print the domain capabilities of a QEMU binary on this host, as libvirt's\n"
        "`virsh domcapabilities` does, without a daemon.\n\n"
        "Example: domcaps --virttype qemu --machine q35 --format json\n\n"
        "Common options (every one, with what it does: domcaps --help-all):\n"
        "  --emulatorbin=PATH  --arch=ARCH  --machine=MACHINE  --virttype=kvm|qemu\n"
        "  --format=xml|json  --schema=RELEASE  --cache-dir=DIR  --all\n"
        "  --expand-cpu-features  --supported-cpu-features  --explain-firmware\n"
        "  --disable-deprecated-features  --xpath=EXPR [--wrap]  --version");
    printf("%s\n", commands);
}

/* GLib prints help (its [OPTION…]) and messages in the locale's charset:
 * the user's locale, UTF-8 where it names none. */
static void use_locale(void)
{
    setlocale(LC_ALL, "");
    if (g_ascii_strcasecmp(nl_langinfo(CODESET), "UTF-8") != 0)
        setlocale(LC_CTYPE, "C.UTF-8");
}

/* Subcommands other than domcapabilities live in tools/cmd-*.c, one file
 * each, and are listed in tools/commands.c. */
int main(int argc, char **argv)
{
    dc_cli_adopt_orphans();
    use_locale();
    if (argc > 1 && argv[1][0] != '-') {
        const DcCommand *cmd = dc_command_find(argv[1]);
        if (cmd)
            return cmd->run(argc - 1, argv + 1);
        /* a word that is no command is virsh's positional VIRTTYPE; one a
         * typo away from a command is taken for that command misspelt */
        const char *near = dc_command_nearest(argv[1]);
        if (near && strcmp(argv[1], "domcapabilities") != 0) {
            fprintf(stderr, "domcaps: unknown command '%s'; did you mean '%s'?\n", argv[1], near);
            return 1;
        }
    }
    gint64 start = g_get_monotonic_time();
    g_autoptr(GOptionContext) ctx = g_option_context_new("[domcapabilities] [VIRTTYPE [EMULATORBIN [ARCH [MACHINE]]]] | --all [EMULATOR...]");
    g_autofree char *summary = dc_commands_summary(
        "Print the domain capabilities of a QEMU binary on this host, as libvirt's\n"
        "`virsh domcapabilities` does, without a daemon.");
    g_option_context_set_summary(ctx, summary);
    g_option_context_add_main_entries(ctx, dc_cli_probe_entries(), NULL);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_help_enabled(ctx, FALSE);
    if (!dc_cli_parse(ctx, &argc, &argv))
        return 1;
    if (opt_help || opt_help_all) {
        g_autofree char *all = opt_help_all ? g_option_context_get_help(ctx, FALSE, NULL) : NULL;
        if (all)
            fputs(all, stdout);
        else
            print_short_help();
        return 0;
    }
    if (opt_version)
        return print_version();
    /* `domcaps domcapabilities ...` is accepted so virsh command lines work unchanged. */
    int first = 1;
    if (argc > first && g_strcmp0(argv[first], "domcapabilities") == 0)
        first++;
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    if (!dc_cli_probe_options(&opts) || !check_option_combinations(&opts))
        return 1;
    /* as virsh 12.9: an empty --xpath fails, before any query, silently */
    if (opt_xpath && !*opt_xpath)
        return 1;
    opts.record = opt_record;
    /* As virsh: positional arguments fill virttype, emulatorbin, arch and
     * machine, in that order, skipping those given as options. */
    const char **slots[] = { &opts.virttype, &opts.emulator, &opts.arch, &opts.machine };
    for (gsize i = 0; !opt_all && argc > first && i < G_N_ELEMENTS(slots); i++) {
        if (!*slots[i])
            *slots[i] = argv[first++];
    }
    if (argc > first && !opt_all) {
        fprintf(stderr, "domcaps: unexpected argument '%s'\n", argv[first]);
        return 1;
    }
    opts.flags = (opt_expand_cpu ? DOMCAPS_GET_EXPAND_CPU_FEATURES : 0) |
                 (opt_supported_cpu ? DOMCAPS_GET_SUPPORTED_CPU_FEATURES : 0) |
                 (opt_disable_deprecated ? DOMCAPS_GET_DISABLE_DEPRECATED_FEATURES : 0);

    if (opt_all) {
        int rc = run_all(&opts, argv + first);
        if (opt_stats)
            print_stats(start);
        return rc;
    }
    GError *err = NULL;
    g_autoptr(domcaps_doc) doc = domcaps_get(&opts, &err);
    if (!doc) {
        fprintf(stderr, "domcaps: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    dc_cli_print_warnings(doc);
    g_autofree char *out = NULL;
    if (opt_explain_firmware) {
        g_auto(GStrv) lines = domcaps_explain_firmware(&opts, doc);
        g_autofree char *joined = g_strjoinv("\n", lines);
        out = g_strconcat(joined, *joined ? "\n" : "", NULL);
    } else if (!(out = document_text(doc))) {
        return 1;
    }
    if (fputs(out, stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "domcaps: cannot write output\n");
        return 1;
    }
    if (opt_stats)
        print_stats(start);
    return 0;
}
