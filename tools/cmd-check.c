/* domcaps check DOMAIN.xml: would libvirt define and start this domain on
 * this host (or on the hosts saved capabilities documents describe)?
 * Exit: 0 it fits (everywhere), 2 it does not (somewhere), 1 error. */
#include "cmd-util.h"
#include <stdio.h>
#include <string.h>

int dc_cmd_check(int argc, char **argv);

static char **opt_caps, *opt_format;
static gboolean opt_quiet;

static GOptionEntry entries[] = {
    { "caps", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_caps,
      "a saved document, not a probe (repeatable; -: stdin)", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "output: text (default) or json", "FORMAT" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, "print nothing, only set the exit status", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

/* One domain against one document: what was checked and what it found. */
typedef struct {
    const char *name;        /* the --caps file, NULL for a probe */
    domcaps_doc *doc;        /* NULL when the query could not be served */
    GPtrArray *problems;
} Verdict;

static void verdict_clear(Verdict *v)
{
    g_clear_pointer(&v->doc, domcaps_doc_free);
    g_clear_pointer(&v->problems, g_ptr_array_unref);
}

static void json_problems(GString *out, GPtrArray *problems, const char *indent)
{
    g_string_append(out, "[");
    for (guint i = 0; i < problems->len; i++) {
        const domcaps_problem *p = problems->pdata[i];
        g_string_append_printf(out, "%s\n%s  {\"location\": ", i ? "," : "", indent);
        dc_cli_json_string(out, p->location);
        g_string_append(out, ", \"value\": ");
        dc_cli_json_string(out, p->value ? p->value : "");
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
    g_string_append_printf(out, problems->len ? "\n%s]" : "]", indent);
}

static void json_caps(GString *out, const domcaps_doc *doc)
{
    const char *keys[] = { "path", "arch", "machine", "domain" };
    const char *vals[] = { domcaps_doc_emulator(doc), domcaps_doc_arch(doc), domcaps_doc_machine(doc),
                           domcaps_doc_virttype(doc) };
    g_string_append(out, "{");
    for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_string_append_printf(out, "%s\"%s\": ", i ? ", " : "", keys[i]);
        dc_cli_json_string(out, vals[i] ? vals[i] : "");
    }
    g_string_append(out, "}");
}

/* One document: the format of a single check, as before. */
static void print_json_one(const char *file, const Verdict *v)
{
    GString *out = g_string_new("{\n  \"domain\": ");
    dc_cli_json_string(out, file);
    g_string_append_printf(out, ",\n  \"supported\": %s,\n", v->problems->len ? "false" : "true");
    if (v->doc) {
        g_string_append(out, "  \"capabilities\": ");
        json_caps(out, v->doc);
        g_string_append(out, ",\n");
    }
    g_string_append(out, "  \"problems\": ");
    json_problems(out, v->problems, "  ");
    g_string_append(out, "\n}\n");
    fputs(out->str, stdout);
    g_string_free(out, TRUE);
}

/* Several documents: one result per document. */
static void print_json_many(const char *file, GArray *verdicts)
{
    GString *out = g_string_new("{\n  \"domain\": ");
    dc_cli_json_string(out, file);
    g_string_append(out, ",\n  \"hosts\": [");
    for (guint i = 0; i < verdicts->len; i++) {
        const Verdict *v = &g_array_index(verdicts, Verdict, i);
        g_string_append(out, i ? ",\n    {\"caps\": " : "\n    {\"caps\": ");
        dc_cli_json_string(out, v->name);
        g_string_append_printf(out, ", \"supported\": %s, \"capabilities\": ", v->problems->len ? "false" : "true");
        json_caps(out, v->doc);
        g_string_append(out, ",\n     \"problems\": ");
        json_problems(out, v->problems, "     ");
        g_string_append(out, "}");
    }
    g_string_append(out, "\n  ]\n}\n");
    fputs(out->str, stdout);
    g_string_free(out, TRUE);
}

static void print_text(const char *file, GArray *verdicts)
{
    if (verdicts->len == 1) {
        const Verdict *v = &g_array_index(verdicts, Verdict, 0);
        for (guint i = 0; i < v->problems->len; i++)
            printf("%s\n", ((domcaps_problem *)v->problems->pdata[i])->message);
        if (!v->problems->len)
            printf("%s: fits %s (%s, %s, %s)\n", file, domcaps_doc_emulator(v->doc), domcaps_doc_arch(v->doc),
                   domcaps_doc_machine(v->doc) ? domcaps_doc_machine(v->doc) : "any machine",
                   domcaps_doc_virttype(v->doc));
        return;
    }
    /* one line per host: the verdict and, when it does not fit, the first reason */
    for (guint i = 0; i < verdicts->len; i++) {
        const Verdict *v = &g_array_index(verdicts, Verdict, i);
        if (!v->problems->len) {
            printf("%s: fits (%s, %s, %s)\n", v->name, domcaps_doc_arch(v->doc),
                   domcaps_doc_machine(v->doc) ? domcaps_doc_machine(v->doc) : "any machine",
                   domcaps_doc_virttype(v->doc));
            continue;
        }
        const domcaps_problem *p = v->problems->pdata[0];
        if (v->problems->len > 1)
            printf("%s: does not fit: %s (and %u more)\n", v->name, p->message, v->problems->len - 1);
        else
            printf("%s: does not fit: %s\n", v->name, p->message);
    }
}

/* Check against each --caps document, the probe options standing for the domain's values. */
static gboolean check_saved(const domcaps_options *opts, const char *xml, gssize len, GArray *verdicts,
                            GError **err)
{
    int n = (int)g_strv_length(opt_caps);
    g_autoptr(GPtrArray) docs = dc_cli_load_docs(opt_caps, n);
    if (!docs)
        return FALSE;
    for (int i = 0; i < n; i++) {
        Verdict v = { opt_caps[i], g_ptr_array_steal_index(docs, 0), NULL };
        g_array_append_val(verdicts, v);
        Verdict *added = &g_array_index(verdicts, Verdict, verdicts->len - 1);
        if (!domcaps_check_domain_as(added->doc, opts, xml, len, &added->problems, err))
            return FALSE;
    }
    return TRUE;
}

static gboolean parse_args(int *argc, char ***argv, gboolean *json)
{
    g_set_prgname("domcaps check");
    g_autoptr(GOptionContext) ctx = g_option_context_new("DOMAIN.xml|-");
    g_option_context_set_description(ctx, "Example: domcaps check web01.xml    (saved documents: --caps host1.xml)");
    g_option_context_set_summary(ctx,
        "Would libvirt define and start this domain here? Every reason it would\n"
        "not is one line: where, what it asks, why not, and what would fit\n"
        "(libvirt's own rules, and the host asked what it decides at start).\n"
        "The capabilities are probed for the domain's emulator, arch, machine\n"
        "and type (the probe options stand for those), or read with --caps.\n\n"
        "Exit status: 0 it fits (everywhere), 2 it does not (somewhere), 1 error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_add_group(ctx, dc_cli_probe_group());
    if (!dc_cli_parse(ctx, argc, argv))
        return FALSE;
    if (*argc != 2) {
        fprintf(stderr, "domcaps: check takes one domain XML file (see domcaps check --help)\n");
        return FALSE;
    }
    if (!dc_cli_json_format(opt_format, NULL, json))
        return FALSE;
    if (strcmp((*argv)[1], "-") == 0 && opt_caps && g_strv_contains((const char *const *)opt_caps, "-")) {
        fprintf(stderr, "domcaps: the domain and a --caps document cannot both be standard input\n");
        return FALSE;
    }
    return TRUE;
}

int dc_cmd_check(int argc, char **argv)
{
    gboolean json = FALSE;
    if (!parse_args(&argc, &argv, &json))
        return 1;
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    if (!dc_cli_probe_options(&opts))
        return 1;
    g_autoptr(GBytes) input = dc_cli_read(argv[1]);
    if (!input)
        return 1;
    gsize size = 0;
    const char *xml = g_bytes_get_data(input, &size);
    g_autoptr(GArray) verdicts = g_array_new(FALSE, TRUE, sizeof(Verdict));
    g_array_set_clear_func(verdicts, (GDestroyNotify)verdict_clear);
    GError *err = NULL;
    gboolean ok;
    if (opt_caps) {
        ok = check_saved(&opts, xml ? xml : "", (gssize)size, verdicts, &err);
    } else {
        Verdict v = { NULL, NULL, NULL };
        ok = domcaps_check_domain_probe(&opts, xml ? xml : "", (gssize)size, &v.doc, &v.problems, &err);
        g_array_append_val(verdicts, v);
    }
    if (!ok) {
        if (err)
            fprintf(stderr, "domcaps: %s: %s\n", argv[1], err->message);
        g_clear_error(&err);
        return 1;
    }
    gboolean fits = TRUE;
    for (guint i = 0; i < verdicts->len; i++)
        fits &= g_array_index(verdicts, Verdict, i).problems->len == 0;
    if (json && verdicts->len > 1)
        print_json_many(argv[1], verdicts);
    else if (json)
        print_json_one(argv[1], &g_array_index(verdicts, Verdict, 0));
    else if (!opt_quiet)
        print_text(argv[1], verdicts);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "domcaps: cannot write output\n");
        return 1;
    }
    return fits ? 0 : 2;
}
