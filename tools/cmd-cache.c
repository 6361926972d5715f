/* domcaps cache list|prune [--cache-dir DIR] [--root DIR]: the persistent
 * probe cache. `list` prints one entry per line with its key in short and
 * whether a query would use it, and if not, which part of the key changed;
 * `prune` removes the entries that are not valid. Pre-building a cache for a
 * machine image is `domcaps --all --cache-dir DIR` (README).
 * Exit: 0 done (list: every entry valid), 2 list found invalid entries, 1 error. */
#include "domcaps.h"
#include "cmd-util.h"
#include <stdio.h>
#include <string.h>

int dc_cmd_cache(int argc, char **argv);

static char *opt_cache_dir, *opt_root, *opt_format;

static GOptionEntry entries[] = {
    { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_cache_dir,
      "default $XDG_CACHE_HOME/domcaps (root: /var/cache/domcaps)", "DIR" },
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &opt_root, "check entries against the host under DIR (default /)", "DIR" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "list: text (default) or json", "FORMAT" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

static int list(void)
{
    GError *err = NULL;
    g_autoptr(GPtrArray) entries_ = domcaps_cache_list(opt_cache_dir, opt_root, &err);
    if (!entries_) {
        fprintf(stderr, "domcaps: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    gboolean json = g_strcmp0(opt_format, "json") == 0;
    g_autoptr(GString) out = g_string_new(json ? "[" : "");
    guint invalid = 0, untrusted = 0;
    for (guint i = 0; i < entries_->len; i++) {
        const domcaps_cache_entry *e = entries_->pdata[i];
        invalid += !e->valid;
        untrusted += !e->trusted;
        if (json) {
            g_string_append(out, i ? ",\n  {\"path\": " : "\n  {\"path\": ");
            dc_cli_json_string(out, e->path);
            g_string_append(out, ", \"emulator\": ");
            dc_cli_json_string(out, e->emulator);
            g_string_append(out, ", \"summary\": ");
            dc_cli_json_string(out, e->summary);
            g_string_append_printf(out, ", \"valid\": %s, \"trusted\": %s, \"reason\": ", e->valid ? "true" : "false",
                                   e->trusted ? "true" : "false");
            dc_cli_json_string(out, e->reason);
            g_string_append(out, "}");
        } else {
            g_autofree char *base = g_path_get_basename(e->path);
            g_string_append_printf(out, "%s  %s\n  %s\n  %s\n", e->valid ? "valid  " : e->trusted ? "INVALID" : "UNTRUSTED", base,
                                   e->emulator ? e->emulator : "(unknown emulator)",
                                   e->summary && *e->summary ? e->summary : "(no key)");
            if (!e->valid)
                g_string_append_printf(out, "  why: %s\n", e->reason);
        }
    }
    g_autofree char *note = untrusted ? g_strdup_printf(" (%u untrusted: not read)", untrusted) : g_strdup("");
    if (json)
        g_string_append(out, entries_->len ? "\n]\n" : "]\n");
    else
        g_string_append_printf(out, "%u entries, %u valid, %u invalid%s\n", entries_->len, entries_->len - invalid,
                               invalid, note);
    fputs(out->str, stdout);
    return invalid ? 2 : 0;
}

static int prune(void)
{
    GError *err = NULL;
    g_autoptr(GPtrArray) removed = NULL;
    int n = domcaps_cache_prune(opt_cache_dir, opt_root, &removed, &err);
    if (n < 0) {
        fprintf(stderr, "domcaps: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    guint docs = 0;
    for (guint i = 0; i < removed->len; i++) {
        const char *path = removed->pdata[i];
        g_autofree char *parent = g_path_get_dirname(path);
        g_autofree char *dir_name = g_path_get_basename(parent);
        if (strcmp(dir_name, "docs") == 0)
            docs++;  /* remembered documents go without a line each */
        else
            printf("removed %s\n", path);
    }
    printf("%d entries removed, %u remembered documents dropped\n", n, docs);
    return 0;
}

int dc_cmd_cache(int argc, char **argv)
{
    g_set_prgname("domcaps cache");
    g_autoptr(GOptionContext) ctx = g_option_context_new("list|prune");
    g_option_context_set_description(ctx, "Example: domcaps cache list --cache-dir /var/lib/domcaps-image");
    g_option_context_set_summary(ctx,
        "The persistent probe cache: one entry per emulator binary, keyed on the\n"
        "binary, QEMU's modules, /dev/kvm, the kernel, the host CPU and domcaps.\n\n"
        "  list    every entry, its key in short, and whether a query would use it;\n"
        "          when not, which part of the key changed\n"
        "  prune   remove the entries that are not valid (stale, corrupt, foreign,\n"
        "          for a binary that is gone)\n\n"
        "Pre-building a cache (machine image): domcaps --all --cache-dir DIR.\n\n"
        "Exit status: 0 done (list: all valid), 2 invalid entries listed, 1 error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!dc_cli_parse(ctx, &argc, &argv))
        return 1;
    if (opt_format && strcmp(opt_format, "text") != 0 && strcmp(opt_format, "json") != 0) {
        fprintf(stderr, "domcaps: unknown format '%s' (text or json)\n", opt_format);
        return 1;
    }
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return list();
    if (argc == 2 && strcmp(argv[1], "prune") == 0)
        return prune();
    fprintf(stderr, "domcaps: cache takes one action: list or prune\n");
    return 1;
}
