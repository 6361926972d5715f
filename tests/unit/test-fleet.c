/*
 * test-fleet.c: fleets through the public API (domcaps_fleet_*,
 * domcaps_intersect): the fleet's CPU restricted to the models every host
 * can run, hosts without a common CPU, passthrough only for one CPU,
 * blockers of any host, the table of named hosts, documents of another
 * arch. The CPU map is the Debian 12 fixture host's copy of libvirt's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib.h>

#include "domcaps.h"

#ifndef DC_TEST_DATA_DIR
# define DC_TEST_DATA_DIR "tests/data"
#endif

/* A KVM x86_64 host: its host-model CPU and which custom models it runs
 * (usable ones listed as "M", others as "!M" followed by their blockers
 * as "-F"). */
static domcaps_doc *host(const char *model, const char *vendor, const char *const *custom)
{
    GString *x = g_string_new("<domainCapabilities><path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain>"
                              "<machine>pc-q35-7.2</machine><arch>x86_64</arch><vcpu max='288'/><cpu>"
                              "<mode name='host-passthrough' supported='yes'/>"
                              "<mode name='maximum' supported='yes'/>");
    g_string_append_printf(x, "<mode name='host-model' supported='yes'><model fallback='forbid'>%s</model>"
                              "<vendor>%s</vendor></mode><mode name='custom' supported='yes'>", model, vendor);
    const char *blocked = NULL;
    for (const char *const *c = custom; *c; c++) {
        if (**c == '-') {
            g_string_append_printf(x, "<feature name='%s'/>", *c + 1);
            continue;
        }
        if (blocked)
            g_string_append(x, "</blockers>");
        blocked = NULL;
        gboolean usable = **c != '!';
        g_string_append_printf(x, "<model usable='%s'>%s</model>", usable ? "yes" : "no", *c + !usable);
        if (!usable && c[1] && c[1][0] == '-') {
            g_string_append_printf(x, "<blockers model='%s'>", *c + 1);
            blocked = *c;
        }
    }
    if (blocked)
        g_string_append(x, "</blockers>");
    g_string_append(x, "</mode></cpu><devices><video supported='yes'><enum name='modelType'><value>vga</value>"
                       "</enum></video></devices></domainCapabilities>");
    GError *err = NULL;
    domcaps_doc *doc = domcaps_doc_new_from_xml(x->str, -1, &err);
    g_assert_no_error(err);
    g_string_free(x, TRUE);
    return doc;
}

static domcaps_fleet *fleet_of(domcaps_doc *a, domcaps_doc *b, unsigned int flags)
{
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    opts.root = DC_TEST_DATA_DIR "/hosts/debian12";
    domcaps_fleet *f = domcaps_fleet_new(&opts, flags);
    GError *err = NULL;
    g_assert_true(domcaps_fleet_add(f, "a", a, &err));
    g_assert_no_error(err);
    g_assert_true(domcaps_fleet_add(f, "b", b, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(domcaps_fleet_size(f), ==, 2);
    return f;
}

static char *intersection_xml(domcaps_fleet *f)
{
    GError *err = NULL;
    g_autoptr(domcaps_doc) doc = domcaps_fleet_intersection(f, &err);
    g_assert_no_error(err);
    return domcaps_doc_to_xml(doc);
}

/* Haswell-noTSX and SandyBridge hosts share SandyBridge; when one host
 * cannot run SandyBridge as a custom model, the fleet's CPU is an older
 * model both run. Neither keeps host-passthrough nor maximum. */
static void test_cpu_among_usable(void)
{
    static const char *const a_models[] = { "Haswell-noTSX", "SandyBridge", "Westmere", NULL };
    static const char *const b_models[] = { "!Haswell-noTSX", "-avx2", "SandyBridge", "Westmere", NULL };
    static const char *const c_models[] = { "!Haswell-noTSX", "-fma", "!SandyBridge", "-xsaveopt", "Westmere", NULL };
    g_autoptr(domcaps_doc) a = host("Haswell-noTSX", "Intel", a_models);
    g_autoptr(domcaps_doc) b = host("SandyBridge", "Intel", b_models);
    g_autoptr(domcaps_doc) c = host("SandyBridge", "Intel", c_models);

    g_autoptr(domcaps_fleet) ab = fleet_of(a, b, DOMCAPS_FLEET_INTERSECT);
    g_autofree char *xml = intersection_xml(ab);
    g_assert_null(strstr(xml, "<path>"));
    g_assert_nonnull(strstr(xml, "<mode name='host-passthrough' supported='no'/>"));
    g_assert_nonnull(strstr(xml, "<mode name='maximum' supported='no'/>"));
    g_assert_nonnull(strstr(xml, "<mode name='host-model' supported='yes'>\n      <model fallback='forbid'>"
                                 "SandyBridge</model>\n      <vendor>Intel</vendor>"));
    g_assert_nonnull(strstr(xml, "<model usable='no'>Haswell-noTSX</model>\n      <blockers model='Haswell-noTSX'>\n"
                                 "        <feature name='avx2'/>\n      </blockers>"));
    GError *err = NULL;
    g_autofree char *cpu = domcaps_fleet_cpu(ab, &err);
    g_assert_no_error(err);
    g_assert_true(g_str_has_prefix(cpu, "<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>SandyBridge"
                                        "</model>\n  <vendor>Intel</vendor>\n"));

    g_autoptr(domcaps_fleet) ac = fleet_of(a, c, DOMCAPS_FLEET_INTERSECT);
    g_autofree char *xml2 = intersection_xml(ac);
    g_autofree char *cpu2 = domcaps_fleet_cpu(ac, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(cpu2, "<model fallback='forbid'>Westmere</model>"));
    g_assert_nonnull(strstr(xml2, "<model fallback='forbid'>Westmere</model>"));
    /* what blocks SandyBridge on c, and Haswell-noTSX's blockers of c */
    g_assert_nonnull(strstr(xml2, "<blockers model='SandyBridge'>\n        <feature name='xsaveopt'/>"));
}

/* Hosts of different vendors: no CPU in common, as libvirt's baseline. */
static void test_no_common_cpu(void)
{
    static const char *const intel[] = { "Westmere", "qemu64", NULL };
    static const char *const amd[] = { "!Westmere", "-ssse3", "qemu64", NULL };
    g_autoptr(domcaps_doc) a = host("Westmere", "Intel", intel);
    g_autoptr(domcaps_doc) b = host("Opteron_G3", "AMD", amd);
    g_autoptr(domcaps_fleet) f = fleet_of(a, b, DOMCAPS_FLEET_INTERSECT);
    g_autofree char *xml = intersection_xml(f);
    g_assert_nonnull(strstr(xml, "<mode name='host-model' supported='no'/>"));
    g_assert_nonnull(strstr(xml, "<model usable='yes'>qemu64</model>"));
    GError *err = NULL;
    g_assert_null(domcaps_fleet_cpu(f, &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_CPU);
    g_assert_nonnull(strstr(err->message, "vendors"));
    g_clear_error(&err);
}

/* One CPU on every host: host-model, passthrough and maximum kept; the
 * documents' own order and a second copy change nothing. */
static void test_same_cpu(void)
{
    static const char *const models[] = { "Westmere", "!Haswell-noTSX", "-avx2", NULL };
    g_autoptr(domcaps_doc) a = host("Westmere", "Intel", models);
    g_autoptr(domcaps_doc) b = host("Westmere", "Intel", models);
    const domcaps_doc *both[] = { a, b };
    GError *err = NULL;
    g_autoptr(domcaps_doc) x = domcaps_intersect(both, 2, &err);
    g_assert_no_error(err);
    g_autofree char *xml = domcaps_doc_to_xml(x);
    g_autofree char *want = domcaps_doc_to_xml(a);
    g_autofree char *path = g_strdup("  <path>/usr/bin/qemu-system-x86_64</path>\n");
    g_auto(GStrv) halves = g_strsplit(want, path, 2);
    g_autofree char *want_fleet = g_strjoinv("", halves);
    g_assert_cmpstr(xml, ==, want_fleet);
}

/* A table of named hosts, of any arch; an intersection refuses another
 * arch and stays as it was. */
static void test_table_and_arches(void)
{
    static const char *const models[] = { "Westmere", NULL };
    g_autoptr(domcaps_doc) a = host("Westmere", "Intel", models);
    g_autoptr(domcaps_doc) b = host("Westmere", "Intel", models);
    g_autofree char *arm_path = g_build_filename(DC_TEST_DATA_DIR, "analyze", "caps", "aarch64-tcg-virt.xml", NULL);
    GError *err = NULL;
    g_autoptr(domcaps_doc) arm = domcaps_doc_new_from_file(arm_path, &err);
    g_assert_no_error(err);

    g_autoptr(domcaps_fleet) t = fleet_of(a, b, DOMCAPS_FLEET_TABLE);
    g_assert_true(domcaps_fleet_add(t, "arm", arm, &err));
    guint rows = 0;
    g_autofree char *table = domcaps_fleet_table(t, DOMCAPS_TABLE_DIFFERENCES, &rows);
    g_assert_cmpuint(rows, >, 10);
    g_assert_true(g_str_has_prefix(table, "a: /usr/bin/qemu-system-x86_64, pc-q35-7.2, kvm\nb: "));
    g_assert_nonnull(strstr(table, "\narm: /usr/bin/qemu-system-aarch64"));

    g_autoptr(domcaps_fleet) f = fleet_of(a, b, DOMCAPS_FLEET_INTERSECT);
    g_assert_false(domcaps_fleet_add(f, "arm", arm, &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_cmpuint(domcaps_fleet_size(f), ==, 2);
    g_autofree char *xml = intersection_xml(f);
    g_assert_nonnull(strstr(xml, "<arch>x86_64</arch>"));
    g_autoptr(domcaps_fleet) empty = domcaps_fleet_new(NULL, DOMCAPS_FLEET_INTERSECT);
    g_assert_null(domcaps_fleet_intersection(empty, &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG);
    g_clear_error(&err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fleet/cpu-among-usable", test_cpu_among_usable);
    g_test_add_func("/fleet/no-common-cpu", test_no_common_cpu);
    g_test_add_func("/fleet/same-cpu", test_same_cpu);
    g_test_add_func("/fleet/table-and-arches", test_table_and_arches);
    return g_test_run();
}
