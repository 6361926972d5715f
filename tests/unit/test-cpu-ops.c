/*
 * test-cpu-ops.c: the CPU commands' internals without QEMU or libvirtd.
 *
 *  - libvirt 9.0's own baseline tests (tests/cputestdata, copied under
 *    tests/data/cpu-commands): every baseline input with a result file
 *    (-result: plain, -expanded: features expanded, -migratable) gives
 *    exactly that file; inputs without one fail, as in libvirt's cputest;
 *  - every baseline of a group of real host CPUs (groups.txt) is one each
 *    member can run (compare: identical or superset), as cputest checks;
 *  - reading and writing a guest CPU definition is stable (write, read, write);
 *  - the CPU commands' reader (libxml2's tree, libvirt's options) and the
 *    reader of everything else (libxml2's SAX, domcaps' rules) agree on
 *    which texts are well-formed, for every data file and every truncation
 *    of a few of them, and the first reports positions inside the text.
 *
 * The CPU map is libvirt's installed one (DC_TEST_CPU_MAP_DIR); the test is
 * skipped without it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib.h>

#include "analyze/cpu.h"
#include "cpu/cpuops.h"
#include "cpu/lverror.h"
#include "util/xmllibxml.h"
#include "util/xmlread.h"

#ifndef DC_TEST_DATA_DIR
# define DC_TEST_DATA_DIR "tests/data"
#endif
#define CPU_MAP "/usr/share/libvirt/cpu_map"

static char *
data_path(const char *sub, const char *name)
{
    return g_build_filename(DC_TEST_DATA_DIR, "cpu-commands", sub, name, NULL);
}

static char *
read_text(const char *path)
{
    g_autoptr(GError) err = NULL;
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err))
        g_error("%s", err->message);
    return text;
}

/* The <cpu> elements of @text (libvirt's baseline inputs wrap them in
 * <cpuTest>), read as host CPUs. */
static GPtrArray *
read_cpus(const char *text)
{
    GPtrArray *cpus = g_ptr_array_new_with_free_func((GDestroyNotify)dc_cpu_def_free);
    g_autoptr(GError) err = NULL;
    g_autoptr(DcNode) root = NULL;
    g_autofree char *wrapped = g_strdup_printf("<container>%s</container>", text);

    root = dc_xml_read(wrapped, strlen(wrapped), NULL, "test", &err);
    g_assert_no_error(err);
    const DcNode *holder = root;
    if (root->children.len && strcmp(((DcNode *)root->children.pdata[0])->name, "cpuTest") == 0)
        holder = root->children.pdata[0];
    for (guint i = 0; i < holder->children.len; i++) {
        DcCpuDef *def = dc_cpu_def_parse(holder->children.pdata[i], DC_CPU_TYPE_HOST, &err);
        g_assert_no_error(err);
        g_ptr_array_add(cpus, def);
    }
    return cpus;
}

/* libvirt's cputest baseline: baseline, expanded if asked, formatted. */
static char *
baseline(GPtrArray *cpus, gboolean expand, gboolean migratable, GError **err)
{
    DcCpuDef *const *defs = (DcCpuDef *const *)cpus->pdata;
    g_autoptr(DcCpuDef) cpu = dc_cpu_baseline(NULL, CPU_MAP, defs, cpus->len, NULL, NULL, migratable, err);

    if (!cpu || (expand && !dc_cpu_expand_features(defs[0]->arch, CPU_MAP, cpu, err)))
        return NULL;
    return dc_cpu_def_format(cpu, err);
}

static void
test_libvirt_baselines(void)
{
    g_autofree char *dir = g_build_filename(DC_TEST_DATA_DIR, "cpu-commands", "guests", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    static const struct { const char *suffix; gboolean expand, migratable; } kinds[] = {
        { "result", FALSE, FALSE }, { "expanded", TRUE, FALSE }, { "migratable", FALSE, TRUE },
    };
    const char *name;
    guint checked = 0;

    while ((name = g_dir_read_name(d))) {
        if (!strstr(name, "-baseline-"))
            continue;
        g_autofree char *stem = g_strndup(name, strlen(name) - 4);
        g_autofree char *input = data_path("guests", name);
        g_autofree char *text = read_text(input);
        g_autoptr(GPtrArray) cpus = read_cpus(text);
        gboolean any = FALSE;

        for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
            g_autofree char *file = g_strdup_printf("%s-%s.xml", stem, kinds[k].suffix);
            g_autofree char *path = data_path("results", file);
            g_autoptr(GError) err = NULL;
            if (!g_file_test(path, G_FILE_TEST_EXISTS))
                continue;
            any = TRUE;
            g_autofree char *want = read_text(path);
            g_autofree char *got = baseline(cpus, kinds[k].expand, kinds[k].migratable, &err);
            g_assert_no_error(err);
            g_assert_cmpstr(got, ==, want);
            checked++;
        }
        if (!any) {
            /* libvirt expects these to fail (incompatible vendors, models) */
            g_autoptr(GError) err = NULL;
            g_autofree char *got = baseline(cpus, FALSE, FALSE, &err);
            g_assert_null(got);
            g_assert_error(err, DC_LV_ERROR, DC_LV_OPERATION_FAILED);
            checked++;
        }
    }
    g_assert_cmpuint(checked, >=, 10);
}

/* Each member of a group can run the group's baseline. */
static void
test_baseline_runs_everywhere(void)
{
    g_autofree char *path = g_build_filename(DC_TEST_DATA_DIR, "cpu-commands", "groups.txt", NULL);
    g_autofree char *groups = read_text(path);
    g_auto(GStrv) lines = g_strsplit(groups, "\n", -1);
    g_autoptr(GError) err = NULL;
    g_autoptr(DcCpuMap) map = dc_cpu_map_load(CPU_MAP, "x86_64", &err);
    guint compared = 0;

    g_assert_no_error(err);
    for (char **l = lines; *l; l++) {
        char *colon = strchr(*l, ':');
        if (**l == '#' || !colon)
            continue;
        g_auto(GStrv) members = g_strsplit_set(g_strstrip(colon + 1), " ", -1);
        GString *text = g_string_new(NULL);
        for (char **m = members; *m; m++) {
            g_autofree char *p = data_path("hosts", *m);
            g_autofree char *t = read_text(p);
            g_string_append(text, t);
        }
        g_autoptr(GPtrArray) cpus = read_cpus(text->str);
        g_string_free(text, TRUE);
        g_autoptr(GError) berr = NULL;
        g_autoptr(DcCpuDef) base = dc_cpu_baseline(NULL, CPU_MAP, (DcCpuDef *const *)cpus->pdata, cpus->len,
                                                   NULL, NULL, FALSE, &berr);
        if (!base) {
            g_assert_error(berr, DC_LV_ERROR, DC_LV_OPERATION_FAILED);  /* vendors differ */
            continue;
        }
        for (guint i = 0; i < cpus->len; i++) {
            DcCpuCompareResult r = dc_x86_compare(map, cpus->pdata[i], base, FALSE, &err);
            g_assert_no_error(err);
            g_assert_true(r == DC_CPU_COMPARE_SUPERSET || r == DC_CPU_COMPARE_IDENTICAL);
            compared++;
        }
    }
    g_assert_cmpuint(compared, >=, 40);
}

/* Every file of libvirt's host and guest CPU data (paths). */
static GPtrArray *
host_and_guest_files(void)
{
    static const char *const subs[] = { "hosts", "guests" };
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);

    for (gsize s = 0; s < G_N_ELEMENTS(subs); s++) {
        g_autofree char *dir = g_build_filename(DC_TEST_DATA_DIR, "cpu-commands", subs[s], NULL);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d)))
            g_ptr_array_add(files, data_path(subs[s], name));
    }
    return files;
}

/* Formatting what was read, reading that and formatting again gives the
 * same text: the writer writes what the reader reads. */
static void
test_round_trip(void)
{
    g_autoptr(GPtrArray) files = host_and_guest_files();
    guint n = 0;

    for (guint f = 0; f < files->len; f++) {
        g_autofree char *text = read_text(files->pdata[f]);
        g_autoptr(GError) err = NULL;
        g_autoptr(GPtrArray) xmls = dc_cpu_extract(text, strlen(text), files->pdata[f], FALSE, &err);
        for (guint i = 0; xmls && i < xmls->len; i++) {
            g_autoptr(DcCpuDef) a = dc_cpu_read(xmls->pdata[i], DC_CPU_TYPE_AUTO, FALSE, FALSE, NULL);
            /* libvirt writes a host CPU it read without its model
             * (its mode is none): only guest CPUs come back whole. */
            if (!a || a->type != DC_CPU_TYPE_GUEST)
                continue;
            g_autofree char *once = dc_cpu_def_format(a, NULL);
            if (!once || !*once)
                continue;
            g_autoptr(DcCpuDef) b = dc_cpu_read(once, DC_CPU_TYPE_AUTO, FALSE, FALSE, &err);
            g_assert_no_error(err);
            g_autofree char *twice = dc_cpu_def_format(b, NULL);
            g_assert_cmpstr(once, ==, twice);
            n++;
        }
    }
    g_assert_cmpuint(n, >=, 40);
}

/* The CPU commands' reader (libxml2's tree, as virsh) and the reader of
 * everything else (libxml2's SAX, util/xmlread.h) agree on @text being
 * well-formed, and the first one's error is caught whole. */
static void
assert_readers_agree(const char *text, gsize len)
{
    g_auto(DcXmlError) e = { 0 };
    g_autoptr(GError) err = NULL;
    gboolean scanner_ok = !dc_xml_first_error(text, len, &e);
    g_autoptr(DcNode) root = dc_xml_read(text, len, NULL, "test", &err);

    if (!scanner_ok) {
        g_assert_nonnull(e.context);
        g_assert_cmpint(e.line, >=, 1);
        g_assert_true(g_str_has_suffix(e.message, "\n"));
        g_autofree char *report = dc_xml_error_report(&e, "f.xml");
        g_assert_true(g_str_has_prefix(report, "f.xml:"));
        g_assert_true(g_str_has_suffix(report, "^"));
    }
    if (scanner_ok != (root != NULL))
        g_error("scanner says %s, dc_xml_read says %s, for: %.*s", scanner_ok ? "well-formed" : e.message,
                err ? err->message : "well-formed", (int)len, text);
}

static void
test_libxml2_agrees(void)
{
    g_autoptr(GPtrArray) files = host_and_guest_files();
    guint truncated = 0;

    for (guint f = 0; f < files->len; f++) {
        g_autofree char *text = read_text(files->pdata[f]);
        g_autofree char *wrapped = g_strdup_printf("<container>%s</container>", text);
        assert_readers_agree(wrapped, strlen(wrapped));
        /* every cut of the small ones, wrapped as virsh wraps a file */
        for (gsize cut = 0; strlen(text) < 600 && cut < strlen(text); cut++) {
            g_autofree char *w = g_strdup_printf("<container>%.*s</container>", (int)cut, text);
            assert_readers_agree(w, strlen(w));
            truncated++;
        }
    }
    g_assert_cmpuint(truncated, >=, 1000);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!g_file_test(CPU_MAP "/index.xml", G_FILE_TEST_EXISTS)) {
        g_test_skip("libvirt's CPU map is not installed");
        return 77;
    }
    g_test_add_func("/cpu-ops/libvirt-baselines", test_libvirt_baselines);
    g_test_add_func("/cpu-ops/baseline-runs-everywhere", test_baseline_runs_everywhere);
    g_test_add_func("/cpu-ops/round-trip", test_round_trip);
    g_test_add_func("/cpu-ops/readers-agree", test_libxml2_agrees);
    return g_test_run();
}
