/*
 * test-cpu.c: CPU model data against libvirt 9.0's own output.
 *
 * Each case replays recorded QMP replies (tests/data/cpu/CASE.json, written
 * by tests/data/cpu/record.py) through the CPU code, renders host-model and
 * custom the way libvirt prints them and compares with the <mode> blocks of
 * `virsh domcapabilities` from libvirt 9.0 (tests/data/cpu/CASE.expected.xml).
 * The CPU map is libvirt's installed one (DC_TEST_CPU_MAP_DIR, or the
 * environment variable of the same name); the test is skipped without it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>

#include "cpu/cpu.h"
#include "probe/cpu-questions.h"
#include "probe/probe.h"
#include "cpu/cpumap.h"

#ifndef DC_TEST_DATA_DIR
# define DC_TEST_DATA_DIR "tests/data"
#endif
#ifndef DC_TEST_CPU_MAP_DIR
# define DC_TEST_CPU_MAP_DIR "/usr/share/libvirt/cpu_map"
#endif

typedef struct {
    const char *name;   /* file stem under tests/data/cpu */
    const char *arch;
} Case;

static const Case cases[] = {
    /* This machine (AMD EPYC host), against `virsh domcapabilities`. */
    { "x86_64-tcg", "x86_64" },
    { "i686-tcg", "i686" },
    { "x86_64-kvm", "x86_64" },
    { "i686-kvm", "i686" },
    { "ppc64-tcg", "ppc64" },
    { "aarch64-tcg", "aarch64" },
    /* Synthetic hosts: a QEMU named model expanded as if it were the host
     * CPU, answered by libvirt 9.0 itself (tests/data/cpu/oracle-synth.py).
     * They cover what this machine cannot: Intel signatures with stepping
     * ranges, broken TSX, models not meant for guests, other vendors. */
    { "synth-x86_64-Haswell", "x86_64" },
    { "synth-x86_64-Cascadelake-Server", "x86_64" },
    { "synth-x86_64-Icelake-Server", "x86_64" },
    { "synth-x86_64-Dhyana", "x86_64" },
    { "synth-x86_64-centaur", "x86_64" },
    { "synth-i686-EPYC-Milan", "i686" },
};

static const char *
map_dir(void)
{
    const char *env = g_getenv("DC_TEST_CPU_MAP_DIR");

    return env && *env ? env : DC_TEST_CPU_MAP_DIR;
}

static gboolean
have_map(void)
{
    g_autofree char *index = g_build_filename(map_dir(), "index.xml", NULL);

    if (g_file_test(index, G_FILE_TEST_EXISTS))
        return TRUE;
    g_test_skip("libvirt's CPU map is not installed");
    return FALSE;
}

static char *
data_path(const char *file)
{
    return g_build_filename(DC_TEST_DATA_DIR, "cpu", file, NULL);
}

static json_object *
load_case(const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.json", name);
    g_autofree char *path = data_path(file);
    json_object *obj = json_object_from_file(path);

    g_assert_nonnull(obj);
    return obj;
}

/* "return" of the last reply in the exchange list @key (command, reply,
 * command, reply...): the one libvirt interprets. */
static json_object *
last_return(json_object *rec, const char *key)
{
    json_object *list = NULL;
    json_object *ret = NULL;
    size_t n;

    if (!json_object_object_get_ex(rec, key, &list))
        return NULL;
    n = json_object_array_length(list);
    g_assert_cmpuint(n, >=, 2);
    g_assert_true(json_object_object_get_ex(
        json_object_array_get_idx(list, n - 1), "return", &ret));
    return ret;
}

/* The lines of the <mode name='NAME' ...> block of libvirt's output. */
static char *
expected_mode(const char *name, const char *mode)
{
    g_autofree char *file = g_strdup_printf("%s.expected.xml", name);
    g_autofree char *path = data_path(file);
    g_autofree char *text = NULL;
    g_autofree char *start_tag = g_strdup_printf("    <mode name='%s'", mode);
    const char *start;
    const char *end;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    start = strstr(text, start_tag);
    g_assert_nonnull(start);
    end = strchr(start, '\n');
    if (end[-2] != '/')    /* not a one-line <mode .../> */
        end = strstr(start, "    </mode>\n") + strlen("    </mode>");
    return g_strndup(start, end - start + 1);
}

static char *
render_host_model(const DcHostModel *hm)
{
    GString *s = g_string_new(NULL);

    if (!hm) {
        g_string_append(s, "    <mode name='host-model' supported='no'/>\n");
        return g_string_free(s, FALSE);
    }
    g_string_append(s, "    <mode name='host-model' supported='yes'>\n");
    g_string_append_printf(s, "      <model fallback='%s'>%s</model>\n",
                           hm->fallback, hm->model);
    if (hm->vendor)
        g_string_append_printf(s, "      <vendor>%s</vendor>\n", hm->vendor);
    for (guint i = 0; i < hm->features->len; i++) {
        DcCpuFeature *f = g_ptr_array_index(hm->features, i);

        g_string_append_printf(s, "      <feature policy='%s' name='%s'/>\n",
                               f->policy, f->name);
    }
    g_string_append(s, "    </mode>\n");
    return g_string_free(s, FALSE);
}

static char *
render_custom(GPtrArray *models)
{
    GString *s = g_string_new(NULL);

    if (models->len == 0) {
        g_string_append(s, "    <mode name='custom' supported='no'/>\n");
        return g_string_free(s, FALSE);
    }
    g_string_append(s, "    <mode name='custom' supported='yes'>\n");
    for (guint i = 0; i < models->len; i++) {
        DcCustomModel *m = g_ptr_array_index(models, i);

        g_string_append_printf(s, "      <model usable='%s' vendor='%s'>%s</model>\n",
                               m->usable, m->vendor, m->name);
    }
    g_string_append(s, "    </mode>\n");
    return g_string_free(s, FALSE);
}

static void
test_host_model(gconstpointer opaque)
{
    const Case *c = opaque;
    g_autoptr(GError) err = NULL;
    g_autoptr(DcCpuMap) map = NULL;
    g_autoptr(DcHostModel) hm = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *actual = NULL;
    json_object *rec;
    json_object *canonical = NULL;

    if (!have_map())
        return;

    rec = load_case(c->name);
    map = dc_cpu_map_load(map_dir(), c->arch, &err);
    g_assert_no_error(err);

    g_assert_true(json_object_object_get_ex(rec, "canonical", &canonical));
    hm = dc_cpu_x86_host_model(map,
                               last_return(rec, "expansion"),
                               last_return(rec, "expansion-nonmigratable"),
                               last_return(rec, "query-cpu-definitions"),
                               json_object_get_boolean(canonical), &err);
    g_assert_no_error(err);

    expected = expected_mode(c->name, "host-model");
    actual = render_host_model(hm);
    g_assert_cmpstr(actual, ==, expected);
    json_object_put(rec);
}

static void
test_custom(gconstpointer opaque)
{
    const Case *c = opaque;
    g_autoptr(GError) err = NULL;
    g_autoptr(DcCpuMap) map = NULL;
    g_autoptr(GPtrArray) models = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *actual = NULL;
    json_object *rec;

    if (!have_map())
        return;

    rec = load_case(c->name);
    map = dc_cpu_map_load(map_dir(), c->arch, &err);
    g_assert_no_error(err);

    models = dc_cpu_custom_models(map, last_return(rec, "query-cpu-definitions"),
                                  &err);
    g_assert_no_error(err);

    expected = expected_mode(c->name, "custom");
    actual = render_custom(models);
    g_assert_cmpstr(actual, ==, expected);
    json_object_put(rec);
}

static void
test_map_accessors(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(DcCpuMap) map = NULL;

    if (!have_map())
        return;

    map = dc_cpu_map_load(map_dir(), "x86_64", &err);
    g_assert_no_error(err);
    g_assert_cmpint(dc_cpu_map_family(map), ==, DC_CPU_FAMILY_X86);
    g_assert_cmpuint(dc_cpu_map_n_models(map), >, 10);
    g_assert_cmpstr(dc_cpu_map_model_name(map, 0), ==, "486");
    g_assert_true(dc_cpu_map_has_model(map, "EPYC"));
    g_assert_false(dc_cpu_map_has_model(map, "EPYC-v1"));
    g_assert_cmpstr(dc_cpu_map_model_vendor(map, "EPYC"), ==, "AMD");
    g_assert_cmpstr(dc_cpu_map_model_vendor(map, "Broadwell-IBRS"), ==, "Intel");
    g_assert_null(dc_cpu_map_model_vendor(map, "qemu64"));
    g_assert_null(dc_cpu_map_model_vendor(map, "no-such-model"));
    g_assert_nonnull(dc_cpu_map_x86(map));
    g_clear_pointer(&map, dc_cpu_map_free);

    map = dc_cpu_map_load(map_dir(), "ppc64le", &err);
    g_assert_no_error(err);
    g_assert_cmpint(dc_cpu_map_family(map), ==, DC_CPU_FAMILY_PPC64);
    g_assert_cmpstr(dc_cpu_map_model_vendor(map, "POWER9"), ==, "IBM");
    g_assert_null(dc_cpu_map_x86(map));
    g_clear_pointer(&map, dc_cpu_map_free);

    map = dc_cpu_map_load(map_dir(), "aarch64", &err);
    g_assert_no_error(err);
    g_assert_cmpint(dc_cpu_map_family(map), ==, DC_CPU_FAMILY_ARM);
    g_assert_true(dc_cpu_map_has_model(map, "cortex-a57"));
}

static void
test_map_errors(void)
{
    g_autoptr(GError) err = NULL;
    DcCpuMap *map;

    g_assert_cmpint(dc_cpu_family_for_arch("i686"), ==, DC_CPU_FAMILY_X86);
    g_assert_cmpint(dc_cpu_family_for_arch("armv7l"), ==, DC_CPU_FAMILY_ARM);
    g_assert_cmpint(dc_cpu_family_for_arch("s390x"), ==, DC_CPU_FAMILY_NONE);
    g_assert_cmpint(dc_cpu_family_for_arch(NULL), ==, DC_CPU_FAMILY_NONE);

    map = dc_cpu_map_load(map_dir(), "s390x", &err);
    g_assert_null(map);
    g_assert_error(err, DC_CPU_ERROR, DC_CPU_ERROR_NO_MAP);
    g_clear_error(&err);

    map = dc_cpu_map_load("/nonexistent/cpu_map", "x86_64", &err);
    g_assert_null(map);
    g_assert_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP);
}

/* A malformed map must fail cleanly, never expand entities or go online. */
static void
test_map_invalid(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("dc-cpumap-XXXXXX", NULL);
    g_autofree char *index = g_build_filename(dir, "index.xml", NULL);
    g_autofree char *feat = g_build_filename(dir, "x86_f.xml", NULL);
    DcCpuMap *map;

    g_assert_nonnull(dir);
    g_assert_true(g_file_set_contents(index,
        "<cpus><arch name='x86'><include filename='x86_f.xml'/></arch></cpus>",
        -1, NULL));

    g_assert_true(g_file_set_contents(feat,
        "<!DOCTYPE cpus [<!ENTITY e SYSTEM 'http://example.invalid/e'>]>"
        "<cpus><feature name='&e;'><cpuid eax_in='0x01' edx='0x1'/></feature>"
        "<model name='m'><feature name='nope'/></model></cpus>", -1, NULL));
    map = dc_cpu_map_load(dir, "x86_64", &err);
    g_assert_null(map);
    g_assert_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP);
    g_clear_error(&err);

    g_assert_true(g_file_set_contents(feat, "<cpus><feature", -1, NULL));
    map = dc_cpu_map_load(dir, "x86_64", &err);
    g_assert_null(map);
    g_assert_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP);
    g_clear_error(&err);

    g_assert_true(g_file_set_contents(index,
        "<cpus><arch name='x86'><include filename='../x'/></arch></cpus>",
        -1, NULL));
    map = dc_cpu_map_load(dir, "x86_64", &err);
    g_assert_null(map);
    g_assert_error(err, DC_CPU_ERROR, DC_CPU_ERROR_MAP);

    g_unlink(feat);
    g_unlink(index);
    g_rmdir(dir);
}

static void
test_bad_replies(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(DcCpuMap) map = NULL;
    json_object *bad = json_tokener_parse("{\"model\":{\"name\":\"base\"}}");
    json_object *notarray = json_object_new_object();
    DcHostModel *hm;
    GPtrArray *models;

    if (!have_map())
        goto out;

    map = dc_cpu_map_load(map_dir(), "x86_64", &err);
    g_assert_no_error(err);

    hm = dc_cpu_x86_host_model(map, bad, NULL, NULL, TRUE, &err);
    g_assert_null(hm);
    g_assert_error(err, DC_CPU_ERROR, DC_CPU_ERROR_BAD_REPLY);
    g_clear_error(&err);

    models = dc_cpu_custom_models(map, notarray, &err);
    g_assert_null(models);
    g_assert_error(err, DC_CPU_ERROR, DC_CPU_ERROR_BAD_REPLY);
    g_clear_error(&err);

    /* No custom models without a map: everything but "host" is listed. */
    {
        json_object *defs = json_tokener_parse(
            "[{\"name\":\"host\"},{\"name\":\"z14\",\"unavailable-features\":[]},"
            "{\"name\":\"gen16a\",\"unavailable-features\":[\"x\"]}]");
        g_autoptr(GPtrArray) list = dc_cpu_custom_models(NULL, defs, &err);
        DcCustomModel *m;

        g_assert_no_error(err);
        g_assert_cmpuint(list->len, ==, 2);
        m = g_ptr_array_index(list, 0);
        g_assert_cmpstr(m->name, ==, "z14");
        g_assert_cmpstr(m->usable, ==, "yes");
        g_assert_cmpstr(m->vendor, ==, "unknown");
        m = g_ptr_array_index(list, 1);
        g_assert_cmpstr(m->usable, ==, "no");
        json_object_put(defs);
    }

    /* An x86 map is needed for host-model. */
    {
        g_autoptr(DcCpuMap) ppc = dc_cpu_map_load(map_dir(), "ppc64", &err);

        g_assert_no_error(err);
        hm = dc_cpu_x86_host_model(ppc, bad, NULL, NULL, TRUE, &err);
        g_assert_null(hm);
        g_assert_error(err, DC_CPU_ERROR, DC_CPU_ERROR_NO_MAP);
        g_clear_error(&err);
    }

 out:
    json_object_put(bad);
    json_object_put(notarray);
}

static void
test_expansion_args(void)
{
    g_autoptr(GError) err = NULL;
    json_object *a;
    json_object *reply;

    a = dc_probe_cpu_expansion_args(FALSE, TRUE);
    g_assert_cmpstr(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), ==,
                    "{\"type\":\"static\",\"model\":{\"name\":\"max\"}}");
    json_object_put(a);

    a = dc_probe_cpu_expansion_args(TRUE, FALSE);
    g_assert_cmpstr(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), ==,
                    "{\"type\":\"static\",\"model\":{\"name\":\"host\","
                    "\"props\":{\"migratable\":false}}}");
    json_object_put(a);

    reply = json_tokener_parse(
        "{\"model\":{\"name\":\"base\",\"props\":{\"lm\":true}}}");
    a = dc_probe_full_expansion_args(reply, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), ==,
                    "{\"type\":\"full\",\"model\":{\"name\":\"base\","
                    "\"props\":{\"lm\":true}}}");
    json_object_put(a);
    json_object_put(reply);

    a = dc_probe_full_expansion_args(NULL, &err);
    g_assert_null(a);
    g_assert_error(err, DC_PROBE_ERROR, DC_PROBE_ERROR_FAILED);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/cpu/map/accessors", test_map_accessors);
    g_test_add_func("/cpu/map/errors", test_map_errors);
    g_test_add_func("/cpu/map/invalid", test_map_invalid);
    g_test_add_func("/cpu/bad-replies", test_bad_replies);
    g_test_add_func("/cpu/expansion-args", test_expansion_args);

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *custom = g_strdup_printf("/cpu/custom/%s", cases[i].name);

        if (dc_cpu_family_for_arch(cases[i].arch) == DC_CPU_FAMILY_X86) {
            g_autofree char *host = g_strdup_printf("/cpu/host-model/%s",
                                                    cases[i].name);
            g_test_add_data_func(host, &cases[i], test_host_model);
        }
        g_test_add_data_func(custom, &cases[i], test_custom);
    }

    return g_test_run();
}
