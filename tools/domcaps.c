/* domcaps: the command-line tool, built on the public API only.
 *
 *   domcaps [domcapabilities] [--emulatorbin PATH] [--arch A] [--machine M]
 *           [--virttype kvm|qemu] [--format xml|json] ...
 */
#include "domcaps.h"
#include <stdio.h>
#include <stdlib.h>

static char *opt_emulator, *opt_arch, *opt_machine, *opt_virttype, *opt_format, *opt_root, *opt_replay,
    *opt_record, *opt_cpu_map;
static int opt_timeout_ms;
static gboolean opt_version, opt_no_cache, opt_refresh;
static char *opt_cache_dir;

static GOptionEntry entries[] = {
    { "emulatorbin", 0, 0, G_OPTION_ARG_FILENAME, &opt_emulator, "QEMU binary to probe", "PATH" },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &opt_arch, "guest architecture (libvirt name: x86_64, i686, aarch64...)", "ARCH" },
    { "machine", 0, 0, G_OPTION_ARG_STRING, &opt_machine, "machine type or alias (pc, q35, virt...)", "MACHINE" },
    { "virttype", 0, 0, G_OPTION_ARG_STRING, &opt_virttype, "virtualization type: kvm or qemu (TCG)", "TYPE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "output format: xml (default) or json", "FORMAT" },
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &opt_root, "read every host fact under this directory (default /)", "DIR" },
    { "replay", 0, 0, G_OPTION_ARG_FILENAME, &opt_replay, "answer QMP from a recorded transcript instead of running QEMU", "FILE" },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &opt_record, "record the QMP exchange into a transcript", "FILE" },
    { "cpu-map", 0, 0, G_OPTION_ARG_FILENAME, &opt_cpu_map, "libvirt CPU map directory (default /usr/share/libvirt/cpu_map)", "DIR" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout_ms, "probe deadline in milliseconds (default 30000)", "MS" },
    { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_cache_dir, "probe cache directory (default $XDG_CACHE_HOME/domcaps, /var/cache/domcaps for root)", "DIR" },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &opt_no_cache, "neither read nor write the probe cache", NULL },
    { "refresh", 0, 0, G_OPTION_ARG_NONE, &opt_refresh, "probe again and replace the cache entry", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "print the version and exit", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("[domcapabilities]");
    g_option_context_set_summary(ctx,
        "Print the domain capabilities of a QEMU binary on this host, as libvirt's\n"
        "`virsh domcapabilities` does, without a daemon.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "domcaps: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    if (opt_version) {
        printf("domcaps %s\n", domcaps_version());
        return 0;
    }
    /* `domcaps domcapabilities ...` is accepted so virsh command lines work unchanged. */
    int first = 1;
    if (argc > first && g_strcmp0(argv[first], "domcapabilities") == 0)
        first++;
    if (argc > first) {
        fprintf(stderr, "domcaps: unexpected argument '%s'\n", argv[first]);
        return 1;
    }
    if (opt_format && g_strcmp0(opt_format, "xml") != 0 && g_strcmp0(opt_format, "json") != 0) {
        fprintf(stderr, "domcaps: unknown format '%s' (xml or json)\n", opt_format);
        return 1;
    }

    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    opts.emulator = opt_emulator;
    opts.arch = opt_arch;
    opts.machine = opt_machine;
    opts.virttype = opt_virttype;
    opts.root = opt_root;
    opts.replay = opt_replay;
    opts.record = opt_record;
    opts.cpu_map_dir = opt_cpu_map;
    opts.timeout_ms = opt_timeout_ms;
    opts.cache_dir = opt_cache_dir;
    opts.cache = opt_no_cache ? DOMCAPS_CACHE_OFF : opt_refresh ? DOMCAPS_CACHE_REFRESH : DOMCAPS_CACHE_USE;

    g_autoptr(domcaps_doc) doc = domcaps_get(&opts, &err);
    if (!doc) {
        fprintf(stderr, "domcaps: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    g_autofree char *out = g_strcmp0(opt_format, "json") == 0 ? domcaps_doc_to_json(doc, TRUE)
                                                                : domcaps_doc_to_xml(doc);
    if (fputs(out, stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "domcaps: cannot write output\n");
        return 1;
    }
    return 0;
}
