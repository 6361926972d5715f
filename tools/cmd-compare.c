/* domcaps compare A.xml B.xml...: the capabilities that are not the same
 * on every given host, as a table (rows: capabilities, columns: the files).
 * Exit: 0 the documents agree, 2 they differ, 1 error. */
#include "cmd-util.h"
#include <stdio.h>
#include <string.h>

int dc_cmd_compare(int argc, char **argv);

static char *opt_html, *opt_format;
static gboolean opt_all_rows;

static GOptionEntry entries[] = {
    { "html", 0, 0, G_OPTION_ARG_FILENAME, &opt_html, "the table as a self-contained HTML page (-: stdout)",
      "FILE" },
    { "all-rows", 0, 0, G_OPTION_ARG_NONE, &opt_all_rows, "show the capabilities all documents share too", NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "output: text (default) or json", "FORMAT" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

/* Column names: the file names, or the paths less their common directory
 * when two files have the same name. */
static char **file_labels(char **files, int n)
{
    char **out = g_new0(char *, n + 1);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    gboolean unique = TRUE;
    for (int i = 0; i < n; i++)
        unique &= g_hash_table_add(seen, g_path_get_basename(files[i]));
    gsize common = 0;
    if (!unique) {
        common = strlen(files[0]);
        for (int i = 1; i < n; i++) {
            gsize k = 0;
            while (k < common && files[i][k] && files[i][k] == files[0][k])
                k++;
            common = k;
        }
        while (common > 0 && files[0][common - 1] != '/')
            common--;
    }
    for (int i = 0; i < n; i++)
        out[i] = unique ? g_path_get_basename(files[i]) : g_strdup(files[i] + common);
    return out;
}

int dc_cmd_compare(int argc, char **argv)
{
    g_set_prgname("domcaps compare");
    g_autoptr(GOptionContext) ctx = g_option_context_new("CAPS.xml CAPS.xml...");
    g_option_context_set_description(ctx, "Example: domcaps compare --html table.html host1.xml host2.xml host3.xml");
    g_option_context_set_summary(ctx,
        "Compare domain capabilities documents (from several hosts, or QEMU versions):\n"
        "one row per capability that is not the same in all of them, one column per\n"
        "file: 'yes' it is listed, '-' it is not, or its value. `domcaps intersect`\n"
        "prints what they share as a document.\n\n"
        "Exit status: 0 the documents agree, 2 they differ, 1 error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!dc_cli_parse(ctx, &argc, &argv))
        return 1;
    gboolean json = FALSE;
    if (!dc_cli_json_format(opt_format, opt_html, &json))
        return 1;
    if (argc < 3) {
        fprintf(stderr, "domcaps: compare needs at least two capabilities XML files\n");
        return 1;
    }
    g_autoptr(GPtrArray) docs = dc_cli_load_docs(argv + 1, argc - 1);
    if (!docs)
        return 1;
    guint flags = opt_html ? DOMCAPS_TABLE_HTML : json ? DOMCAPS_TABLE_JSON : DOMCAPS_TABLE_TEXT;
    guint n_rows = 0, n_differ = 0;
    /* the rows that differ, counted without the files' own names (which always do) */
    g_free(domcaps_table((const domcaps_doc *const *)docs->pdata, NULL, docs->len, DOMCAPS_TABLE_DIFFERENCES,
                         &n_differ));
    if (!opt_all_rows)
        flags |= DOMCAPS_TABLE_DIFFERENCES;
    g_auto(GStrv) labels = file_labels(argv + 1, argc - 1);
    g_autofree char *out = domcaps_table((const domcaps_doc *const *)docs->pdata, (const char *const *)labels,
                                         docs->len, flags, &n_rows);
    if (!dc_cli_write(opt_html ? opt_html : "-", out))
        return 1;
    if (!opt_html && !json && n_differ == 0)
        printf("the %u documents agree\n", docs->len);
    return n_differ ? 2 : 0;
}
