/* domcaps labels / domcaps traits: a host's capabilities as the schedulers
 * read them: Kubernetes node labels (KubeVirt's node labeller's names, as
 * a Node Feature Discovery local feature file) and OpenStack placement
 * traits (nova's). From a probe of this host, or from saved documents
 * (--caps, repeatable: one per machine type; their labels or traits are
 * merged, as KubeVirt and nova merge every machine type's).
 * Exit: 0 printed, 1 error. */
#include "cmd-util.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int dc_cmd_labels(int argc, char **argv);
int dc_cmd_traits(int argc, char **argv);

static char **opt_caps;
static char *opt_output, *opt_format;

static GOptionEntry entries[] = {
    { "caps", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_caps, "a saved document instead of a probe (repeatable)",
      "FILE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output, "write to FILE (replaced whole, never half-written)",
      "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "text (default) or json", "FORMAT" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

typedef char **(*Publish)(const domcaps_options *opts, const domcaps_doc *doc, guint *n_invalid);

static char **traits_of(const domcaps_options *opts, const domcaps_doc *doc, guint *n_invalid)
{
    *n_invalid = 0;
    return domcaps_traits(opts, doc);
}

static gint by_text(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every line @publish makes of the documents, once each, sorted. */
static GPtrArray *collect(const domcaps_options *opts, Publish publish, guint *n_invalid)
{
    GPtrArray *docs = NULL;
    if (opt_caps) {
        docs = dc_cli_load_docs(opt_caps, (int)g_strv_length(opt_caps));
    } else {
        GError *err = NULL;
        domcaps_doc *doc = domcaps_get(opts, &err);
        if (!doc) {
            fprintf(stderr, "domcaps: %s\n", err->message);
            g_error_free(err);
            return NULL;
        }
        docs = g_ptr_array_new_with_free_func((GDestroyNotify)domcaps_doc_free);
        g_ptr_array_add(docs, doc);
    }
    if (!docs)
        return NULL;
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < docs->len; i++) {
        guint invalid = 0;
        g_auto(GStrv) got = publish(opts, docs->pdata[i], &invalid);
        *n_invalid += invalid;
        for (char **l = got; *l; l++)
            if (g_hash_table_add(seen, *l))
                g_ptr_array_add(lines, g_strdup(*l));
    }
    g_ptr_array_unref(docs);
    g_ptr_array_sort(lines, by_text);
    return lines;
}

/* Write @text to @path through a hidden file in its directory, renamed
 * over it: NFD ignores files whose name starts with a dot, and never reads
 * half a file. */
static gboolean write_replacing(const char *path, const char *text)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode)))
        return dc_cli_write(path, text);
    g_autofree char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
    g_autofree char *tmp = g_strdup_printf("%s/.%s.domcaps", dir, base);
    if (!dc_cli_write(tmp, text))
        return FALSE;
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "domcaps: cannot replace %s: %s\n", path, g_strerror(errno));
        unlink(tmp);
        return FALSE;
    }
    return TRUE;
}

static char *as_json(GPtrArray *lines, gboolean labels, guint n_invalid)
{
    GString *out = g_string_new(labels ? "{\n  \"labels\": {" : "{\n  \"traits\": [");
    for (guint i = 0; i < lines->len; i++) {
        const char *l = lines->pdata[i], *eq = labels ? strchr(l, '=') : NULL;
        g_string_append(out, i ? ",\n    " : "\n    ");
        g_autofree char *key = eq ? g_strndup(l, (gsize)(eq - l)) : g_strdup(l);
        dc_cli_json_string(out, key);
        if (eq) {
            g_string_append(out, ": ");
            dc_cli_json_string(out, eq + 1);
        }
    }
    g_string_append_printf(out, "%s%s", lines->len ? "\n  " : "", labels ? "}" : "]");
    if (labels)
        g_string_append_printf(out, ",\n  \"left_out\": %u", n_invalid);
    g_string_append(out, "\n}\n");
    return g_string_free(out, FALSE);
}

static char *as_text(GPtrArray *lines, gboolean labels)
{
    GString *out = g_string_new(labels ? "# Node labels of this host's domain capabilities (domcaps labels): "
                                         "KubeVirt's node labeller's names,\n# a Node Feature Discovery "
                                         "local feature file (features.d).\n" : "");
    for (guint i = 0; i < lines->len; i++)
        g_string_append_printf(out, "%s\n", (const char *)lines->pdata[i]);
    return g_string_free(out, FALSE);
}

static int run(int argc, char **argv, gboolean labels)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_option_context_set_description(ctx, labels ?
        "Example: domcaps labels --machine q35 --virttype kvm -o domcaps.features" :
        "Example: domcaps traits --caps host1.xml --format json");
    g_option_context_set_summary(ctx, labels ?
        "Print the Kubernetes node labels KubeVirt's node labeller makes of this\n"
        "host's domain capabilities (CPU models and features, machine type, SEV)\n"
        "as a Node Feature Discovery feature file. Probe as KubeVirt does\n"
        "(--machine q35 --virttype kvm) or give saved documents with --caps.\n\n"
        "Exit status: 0 printed, 1 error." :
        "Print the OpenStack placement traits nova's libvirt driver derives from\n"
        "this host's domain capabilities (storage buses, video models, CPU\n"
        "features, SEV, UEFI secure boot, TPM), one per line. Probe, or give\n"
        "saved documents with --caps.\n\nExit status: 0 printed, 1 error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_add_group(ctx, dc_cli_probe_group());
    if (!dc_cli_parse(ctx, &argc, &argv))
        return 1;
    gboolean json = g_strcmp0(opt_format, "json") == 0;
    if ((opt_format && !json && strcmp(opt_format, "text") != 0) || argc > 1) {
        fprintf(stderr, "domcaps: %s\n", argc > 1 ? "unexpected argument" : "unknown format (text or json)");
        return 1;
    }
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    if (!dc_cli_probe_options(&opts))
        return 1;
    guint n_invalid = 0;
    g_autoptr(GPtrArray) lines = collect(&opts, labels ? domcaps_labels : traits_of, &n_invalid);
    if (!lines)
        return 1;
    if (n_invalid)
        fprintf(stderr, "domcaps: %u labels left out: the document's names are not valid label names\n", n_invalid);
    g_autofree char *out = json ? as_json(lines, labels, n_invalid) : as_text(lines, labels);
    return write_replacing(opt_output ? opt_output : "-", out) ? 0 : 1;
}

int dc_cmd_labels(int argc, char **argv)
{
    g_set_prgname("domcaps labels");
    return run(argc, argv, TRUE);
}

int dc_cmd_traits(int argc, char **argv)
{
    g_set_prgname("domcaps traits");
    return run(argc, argv, FALSE);
}
