/* domcaps: the command-line tool, built on the public API only.
 *
 *   domcaps [domcapabilities] [--emulatorbin PATH] [--arch A] [--machine M]
 *           [--virttype kvm|qemu] [--format xml|json] ...
 */
#include "domcaps.h"
#include "commands.h"
#include "cmd-util.h"
#include "reaper.h"
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
    { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "print the version and exit", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

/* --all: one job per installed emulator, run on a thread pool. */
typedef struct {
    char *emulator;
    char *output;   /* the document, or NULL */
    char *error;
    int error_code;
    char *arch;
} AllJob;

static domcaps_options base_opts;
static GMutex progress_lock;
static guint progress_done, progress_total;

static void run_job(gpointer data, gpointer user_data)
{
    AllJob *job = data;
    domcaps_options o = base_opts;
    o.emulator = job->emulator;
    GError *err = NULL;
    domcaps_doc *doc = domcaps_get(&o, &err);
    if (doc) {
        job->output = g_strcmp0(opt_format, "json") == 0 ? domcaps_doc_to_json(doc, TRUE) : domcaps_doc_to_xml(doc);
        job->arch = g_strdup(domcaps_doc_arch(doc));
        domcaps_doc_free(doc);
    } else {
        job->error = g_strdup(err->message);
        job->error_code = err->code;
        g_error_free(err);
    }
    g_mutex_lock(&progress_lock);
    progress_done++;
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\rdomcaps: %u/%u emulators probed", progress_done, progress_total);
    g_mutex_unlock(&progress_lock);
}

/* Whether a job's error means the emulator is not one the query is for:
 * a target domcaps (like libvirt) does not serve, or, for --virttype kvm,
 * one the host's KVM cannot run. Skipped with a note, not a failure. */
static gboolean job_skipped(const AllJob *job)
{
    return job->error_code == DOMCAPS_ERROR_NOT_QEMU || job->error_code == DOMCAPS_ERROR_INVALID_ARG ||
           job->error_code == DOMCAPS_ERROR_NO_KVM;
}

static int run_all(const domcaps_options *opts, char **emulators)
{
    base_opts = *opts;
    g_autoptr(GPtrArray) list = NULL;
    if (emulators && *emulators) {
        list = g_ptr_array_new_with_free_func(g_free);
        for (char **e = emulators; *e; e++)
            g_ptr_array_add(list, g_strdup(*e));
    } else {
        list = dc_installed_emulators(opts->root);
    }
    progress_total = list->len;
    AllJob *jobs = g_new0(AllJob, list->len);
    GThreadPool *pool = g_thread_pool_new(run_job, NULL, (gint)g_get_num_processors(), FALSE, NULL);
    for (guint i = 0; i < list->len; i++) {
        jobs[i].emulator = list->pdata[i];
        g_thread_pool_push(pool, &jobs[i], NULL);
    }
    g_thread_pool_free(pool, FALSE, TRUE);
    if (isatty(STDERR_FILENO) && list->len)
        fputc('\n', stderr);
    int rc = 0;
    if (opt_output_dir && g_mkdir_with_parents(opt_output_dir, 0755) < 0) {
        fprintf(stderr, "domcaps: cannot create %s: %s\n", opt_output_dir, g_strerror(errno));
        rc = 1;
    }
    for (guint i = 0; i < list->len && !(opt_output_dir && rc); i++) {
        if (jobs[i].error) {
            gboolean skipped = job_skipped(&jobs[i]);
            fprintf(stderr, "domcaps: %s %s: %s\n", skipped ? "skipped" : "failed", jobs[i].emulator,
                    jobs[i].error);
            if (!skipped)
                rc = 1;
            continue;
        }
        if (opt_output_dir) {
            g_autofree char *base = g_path_get_basename(jobs[i].emulator);
            g_autofree char *name = g_strdup_printf("%s.%s", base + strlen("qemu-system-"),
                                                    g_strcmp0(opt_format, "json") == 0 ? "json" : "xml");
            g_autofree char *file = g_build_filename(opt_output_dir, name, NULL);
            GError *err = NULL;
            if (!dc_cli_write_file(file, jobs[i].output, &err)) {
                fprintf(stderr, "domcaps: cannot write %s: %s\n", file, err->message);
                g_error_free(err);
                rc = 1;
            }
        } else {
            fputs(jobs[i].output, stdout);
        }
    }
    for (guint i = 0; i < list->len; i++) {
        g_free(jobs[i].output);
        g_free(jobs[i].error);
        g_free(jobs[i].arch);
    }
    g_free(jobs);
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
    }
    gint64 start = g_get_monotonic_time();
    g_autoptr(GOptionContext) ctx = g_option_context_new("[domcapabilities] [VIRTTYPE [EMULATORBIN [ARCH [MACHINE]]]] | --all [EMULATOR...]");
    g_autofree char *summary = dc_commands_summary(
        "Print the domain capabilities of a QEMU binary on this host, as libvirt's\n"
        "`virsh domcapabilities` does, without a daemon.");
    g_option_context_set_summary(ctx, summary);
    g_option_context_add_main_entries(ctx, dc_cli_probe_entries(), NULL);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!dc_cli_parse(ctx, &argc, &argv))
        return 1;
    if (opt_version) {
        printf("domcaps %s\noutput format %d\nmatches libvirt %s (--schema %s)\n", domcaps_version(),
               DOMCAPS_FORMAT_VERSION, DOMCAPS_LIBVIRT_VERSION, DOMCAPS_SCHEMAS);
        return 0;
    }
    /* `domcaps domcapabilities ...` is accepted so virsh command lines work unchanged. */
    int first = 1;
    if (argc > first && g_strcmp0(argv[first], "domcapabilities") == 0)
        first++;
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    if (!dc_cli_probe_options(&opts) || !check_option_combinations(&opts))
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
    g_autofree char *out = NULL;
    if (opt_explain_firmware) {
        g_auto(GStrv) lines = domcaps_explain_firmware(&opts, doc);
        g_autofree char *joined = g_strjoinv("\n", lines);
        out = g_strconcat(joined, *joined ? "\n" : "", NULL);
    } else {
        out = g_strcmp0(opt_format, "json") == 0 ? domcaps_doc_to_json(doc, TRUE) : domcaps_doc_to_xml(doc);
    }
    if (fputs(out, stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "domcaps: cannot write output\n");
        return 1;
    }
    if (opt_stats)
        print_stats(start);
    return 0;
}
