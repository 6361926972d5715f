/* The JSON form of a document reads back as the same document: for every
 * expected document of the replay cases (libvirt 9.0's and 11.3's layouts,
 * every arch, SEV, SGX, blockers...), XML -> tree -> JSON -> tree -> XML
 * gives the XML back byte for byte. And what is not the JSON form is
 * refused. */
#include "format/format.h"
#include "util/xmlread.h"
#include <string.h>

#define CASES_DIR DC_TEST_DATA_DIR "/../cases"

static guint roundtrip_dir(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "expected.xml", NULL);
    g_autofree char *xml = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &xml, &len, NULL))
        return 0;
    g_autoptr(GError) err = NULL;
    g_autoptr(DcNode) tree = dc_xml_read(xml, len, "domainCapabilities", "expected", &err);
    g_assert_no_error(err);
    /* with what the CLI writes beside it: the release and why */
    g_autofree char *json = dc_format_json_release(tree, TRUE, "12.9", "asked for");
    g_autoptr(DcNode) back = dc_json_read_document(json, strlen(json), "domainCapabilities", &err);
    g_assert_no_error(err);
    g_autofree char *again = dc_format_xml(back);
    if (strcmp(again, xml) != 0) {
        gsize at = 0;
        while (again[at] && again[at] == xml[at])
            at++;
        g_error("%s does not read back from its JSON form (from byte %" G_GSIZE_FORMAT ": '%.60s' for '%.60s')",
                path, at, again + at, xml + at);
    }
    return 1;
}

static void test_roundtrip(void)
{
    g_autoptr(GDir) d = g_dir_open(CASES_DIR, 0, NULL);
    g_assert_nonnull(d);
    guint n = 0;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *dir = g_build_filename(CASES_DIR, name, NULL);
        n += roundtrip_dir(dir);
    }
    g_assert_cmpuint(n, >, 100);
}

static void test_refused(void)
{
    static const char *const bad[] = {
        "", "[]", "{}", "{\"domain\": {}}", "{\"domainCapabilities\": []}",
        "{\"domainCapabilities\": {\"enum\": {\"x\": [{}]}}}", "{\"domainCapabilities\": {} } x",
        "{\"domainCapabilities\": {}, \"other\": 1}",
        /* the release member is an object, and only one other member */
        "{\"domainCapabilities\": {}, \"libvirt\": \"12.9\"}",
        "{\"domainCapabilities\": {}, \"libvirt\": {}, \"other\": 1}",
        "{\"libvirt\": {}}",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(DcNode) n = dc_json_read_document(bad[i], strlen(bad[i]), "domainCapabilities", &err);
        g_assert_null(n);
        g_assert_nonnull(err);
    }
    /* a hostile depth is refused, not recursed */
    GString *deep = g_string_new("{\"domainCapabilities\": ");
    for (int i = 0; i < 1000; i++)
        g_string_append(deep, "{\"a\": ");
    g_string_append(deep, "1");
    for (int i = 0; i < 1001; i++)
        g_string_append(deep, "}");
    g_autoptr(GError) err = NULL;
    g_autoptr(DcNode) n = dc_json_read_document(deep->str, deep->len, "domainCapabilities", &err);
    g_assert_null(n);
    g_string_free(deep, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json-read/roundtrip", test_roundtrip);
    g_test_add_func("/json-read/refused", test_refused);
    return g_test_run();
}
