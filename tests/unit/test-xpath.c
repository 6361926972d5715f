/* domcaps_xpath() against virsh 12.9 (tests/data/xpath-12.9): over the
 * document virsh printed, every expression's answer must be what virsh
 * printed for it: standard output, what libxml2 left on standard error,
 * and for an expression that fails, "error: " and the message, exit 1. */
#include "domcaps.h"
#include <json-c/json.h>
#include <string.h>

static char *document;
static json_object *cases;

static const char *str(json_object *o, const char *key)
{
    json_object *v = NULL;
    g_assert_true(json_object_object_get_ex(o, key, &v));
    return json_object_get_string(v);
}

static int num(json_object *o, const char *key)
{
    json_object *v = NULL;
    g_assert_true(json_object_object_get_ex(o, key, &v));
    return json_object_get_int(v);
}

/* One case as the CLI prints it: exit status, stdout, stderr. */
static void test_case(gconstpointer data)
{
    json_object *c = json_object_array_get_idx(cases, GPOINTER_TO_SIZE(data));
    json_object *wrap = NULL;
    json_object_object_get_ex(c, "wrap", &wrap);
    g_autofree char *diagnostics = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *out = domcaps_xpath(document, -1, str(c, "expr"),
                                         json_object_get_boolean(wrap) ? DOMCAPS_XPATH_WRAP : 0, &diagnostics, &err);
    g_autofree char *errors = g_strconcat(diagnostics ? diagnostics : "", err ? "error: " : "",
                                          err ? err->message : "", err ? "\n" : "", NULL);
    g_assert_cmpint(out ? 0 : 1, ==, num(c, "exit"));
    g_assert_cmpstr(out ? out : "", ==, str(c, "stdout"));
    g_assert_cmpstr(errors, ==, str(c, "stderr"));
}

/* What virsh cannot show: no crash where it crashes, and inputs refused. */
static void test_refusals(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *diagnostics = NULL;
    g_assert_null(domcaps_xpath(document, -1, "namespace::*", DOMCAPS_XPATH_WRAP, &diagnostics, &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_null(domcaps_xpath(document, -1, "", 0, NULL, &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_null(domcaps_xpath("<a><b></a>", -1, "//b", 0, NULL, &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML);
    g_clear_error(&err);
    g_assert_null(domcaps_xpath("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", -1, "//a", 0, NULL, &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML);
    g_clear_error(&err);
    /* nested loops over every node stop at the operation limit: nothing
     * selected, libxml2 says why */
    g_autofree char *slow = domcaps_xpath(document, -1, "//*[count(//*[count(//*) > 0]) > 0]", 0, &diagnostics, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(slow, ==, "");
    g_assert_nonnull(strstr(diagnostics, "Operation limit exceeded"));
}

/* Expressions made of random XPath tokens (a fixed seed): whatever libxml2
 * makes of them, an answer or an error comes back, never a crash, and in
 * bounded time (the operation limit). */
static void test_random_expressions(void)
{
    static const char *const tokens[] = {
        "/", "//", "..", ".", "*", "@*", "@name", "value", "enum", "os", "[", "]", "(", ")", "|", "=", "!=", "<",
        "and", "or", "not(", "count(", "string(", "text()", "node()", "namespace::*", "ancestor::*",
        "following::*", "preceding-sibling::*", "1", "'x'", "$v", ",", "position()", "last()", "id(", "-", "div",
        "concat(", "substring(", "sum(", "translate(", " ",
    };
    GRand *rand = g_rand_new_with_seed(129);
    for (int i = 0; i < 600; i++) {
        g_autoptr(GString) expr = g_string_new(NULL);
        int n = g_rand_int_range(rand, 1, 12);
        for (int k = 0; k < n; k++)
            g_string_append(expr, tokens[g_rand_int_range(rand, 0, G_N_ELEMENTS(tokens))]);
        g_autoptr(GError) err = NULL;
        g_autofree char *diagnostics = NULL;
        g_autofree char *out = domcaps_xpath(document, -1, expr->str, i % 2 ? DOMCAPS_XPATH_WRAP : 0, &diagnostics,
                                             &err);
        g_assert_true(out != NULL || err != NULL);
    }
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_autofree char *path = g_build_filename(DC_TEST_DATA_DIR, "xpath-12.9", "document.xml", NULL);
    g_autofree char *cases_path = g_build_filename(DC_TEST_DATA_DIR, "xpath-12.9", "cases.json", NULL);
    g_assert_true(g_file_get_contents(path, &document, NULL, NULL));
    cases = json_object_from_file(cases_path);
    g_assert_nonnull(cases);
    for (size_t i = 0; i < json_object_array_length(cases); i++) {
        json_object *c = json_object_array_get_idx(cases, i);
        json_object *wrap = NULL;
        json_object_object_get_ex(c, "wrap", &wrap);
        g_autofree char *name = g_strdup_printf("/xpath/virsh-12.9/%zu %s%s", i, str(c, "expr"),
                                                json_object_get_boolean(wrap) ? " --wrap" : "");
        g_strdelimit(name + strlen("/xpath/virsh-12.9/"), "/", '|');
        g_test_add_data_func(name, GSIZE_TO_POINTER(i), test_case);
    }
    g_test_add_func("/xpath/refusals", test_refusals);
    g_test_add_func("/xpath/random-expressions", test_random_expressions);
    int rc = g_test_run();
    json_object_put(cases);
    g_free(document);
    return rc;
}
