/* Tests for src/host/firmware.c: descriptor parsing, descriptor collection
 * and the <os> section, against fixture host trees whose expected <os>
 * blocks were produced by libvirt 9.0 itself, plus the real host against
 * saved oracle output. */
#include "host/firmware.h"
#include "format/releases.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DC_TEST_DATA_DIR
#define DC_TEST_DATA_DIR "tests/data"
#endif

static char *data_path(const char *rel)
{
    return g_build_filename(DC_TEST_DATA_DIR, "firmware", rel, NULL);
}

/* ---- <os> formatting as libvirt prints it (two-space indent inside
 * <domainCapabilities>); the real formatter lives in the assembly stage. */

static void fmt_enum(GString *s, const char *ind, const char *name, const char *const *vals)
{
    if (!vals[0]) {
        g_string_append_printf(s, "%s<enum name='%s'/>\n", ind, name);
        return;
    }
    g_string_append_printf(s, "%s<enum name='%s'>\n", ind, name);
    for (gsize i = 0; vals[i]; i++)
        g_string_append_printf(s, "%s  <value>%s</value>\n", ind, vals[i]);
    g_string_append_printf(s, "%s</enum>\n", ind);
}

static char *fmt_os(const DcOsCaps *c)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "  <os supported='%s'>\n", c->supported ? "yes" : "no");
    fmt_enum(s, "    ", "firmware", c->firmware);
    g_string_append_printf(s, "    <loader supported='%s'>\n", c->loader.supported ? "yes" : "no");
    for (guint i = 0; i < c->loader.values->len; i++) {
        g_autofree char *esc = g_markup_escape_text(c->loader.values->pdata[i], -1);
        g_string_append_printf(s, "      <value>%s</value>\n", esc);
    }
    fmt_enum(s, "      ", "type", c->loader.type);
    fmt_enum(s, "      ", "readonly", c->loader.readonly);
    fmt_enum(s, "      ", "secure", c->loader.secure);
    g_string_append(s, "    </loader>\n  </os>\n");
    return g_string_free(s, FALSE);
}

static char *os_for(const char *root, gboolean privileged, const char *xdg,
                    const char *arch, const char *machine, DcOsCaps *keep)
{
    g_autoptr(DcHost) host = dc_host_new(root, privileged, xdg);
    g_autoptr(GError) err = NULL;
    DcOsCaps caps;
    g_assert_true(dc_firmware_os_caps(host, arch, machine, DC_RELEASE_9_0, &caps, &err));
    g_assert_no_error(err);
    char *xml = fmt_os(&caps);
    if (keep)
        *keep = caps;
    else
        dc_os_caps_clear(&caps);
    return xml;
}

static char *read_text(const char *path)
{
    char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, &err));
    g_assert_no_error(err);
    return text;
}

static gboolean lines_contain(GPtrArray *lines, const char *a, const char *b)
{
    for (guint i = 0; i < lines->len; i++) {
        const char *l = lines->pdata[i];
        if (strstr(l, a) && (!b || strstr(l, b)))
            return TRUE;
    }
    return FALSE;
}

static void dump_lines(GPtrArray *lines)
{
    for (guint i = 0; i < lines->len; i++)
        g_test_message("  %s", (const char *)lines->pdata[i]);
}

/* ======================================================================
 * Parser
 * ====================================================================== */

static const char *good_desc =
    "{\n"
    "  \"description\": \"x\",\n"
    "  \"interface-types\": [\"uefi\", \"bios\"],\n"
    "  \"mapping\": {\n"
    "    \"device\": \"flash\",\n"
    "    \"executable\": {\"filename\": \"/fw/CODE.fd\", \"format\": \"raw\"},\n"
    "    \"nvram-template\": {\"filename\": \"/fw/VARS.fd\", \"format\": \"raw\"}\n"
    "  },\n"
    "  \"targets\": [\n"
    "    {\"architecture\": \"i386\", \"machines\": [\"pc-q35-*\", 7, \"pc-i440fx-?.?\"]},\n"
    "    {\"architecture\": \"x86_64\", \"machines\": [\"pc-q35-*\"]}\n"
    "  ],\n"
    "  \"features\": [\"requires-smm\", \"secure-boot\", \"no-such-feature\", 3],\n"
    "  \"tags\": [1, 2.5e-3, -0, true, false, null, {\"a\": {\"b\": []}}]\n"
    "}\n";

static DcFirmwareDesc *parse_str(const char *s, GError **err)
{
    return dc_firmware_desc_parse(s, strlen(s), DC_RELEASE_9_0, err);
}

static void test_parse_good(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(DcFirmwareDesc) d = parse_str(good_desc, &err);
    g_assert_no_error(err);
    g_assert_nonnull(d);
    g_assert_cmpuint(d->interfaces, ==, DC_FW_IFACE_UEFI | DC_FW_IFACE_BIOS);
    g_assert_cmpint(d->device, ==, DC_FW_DEVICE_FLASH);
    g_assert_cmpint(d->mode, ==, DC_FW_FLASH_SPLIT);
    g_assert_cmpstr(d->executable.filename, ==, "/fw/CODE.fd");
    g_assert_cmpstr(d->executable.format, ==, "raw");
    g_assert_cmpstr(d->nvram_template.filename, ==, "/fw/VARS.fd");
    g_assert_cmpstr(dc_firmware_desc_loader_path(d), ==, "/fw/CODE.fd");
    g_assert_cmpuint(d->targets->len, ==, 2);
    const DcFirmwareTarget *t = d->targets->pdata[0];
    g_assert_cmpstr(t->arch, ==, "i686");              /* QEMU's i386 */
    g_assert_cmpuint(t->machines->len, ==, 2);         /* the number is dropped */
    g_assert_cmpuint(d->features, ==, DC_FW_FEATURE_REQUIRES_SMM | DC_FW_FEATURE_SECURE_BOOT);

    g_assert_true(dc_firmware_desc_matches(d, "i686", "pc-q35-7.2"));
    g_assert_true(dc_firmware_desc_matches(d, "i686", "pc-i440fx-7.2"));
    g_assert_false(dc_firmware_desc_matches(d, "i686", "pc-i440fx-7.10"));
    g_assert_true(dc_firmware_desc_matches(d, "x86_64", "pc-q35-2.0"));
    g_assert_false(dc_firmware_desc_matches(d, "x86_64", "pc-i440fx-7.2"));
    g_assert_false(dc_firmware_desc_matches(d, "aarch64", "pc-q35-7.2"));
}

static void test_parse_shapes(void)
{
    g_autoptr(GError) err = NULL;
    const char *mem =
        "{\"interface-types\":[\"bios\"],\"mapping\":{\"device\":\"memory\",\"filename\":\"/b.bin\"},"
        "\"targets\":[{\"architecture\":\"arm\",\"machines\":[\"virt-*\"]},"
        "{\"architecture\":\"or32\",\"machines\":[]}],\"features\":[]}";
    g_autoptr(DcFirmwareDesc) d1 = parse_str(mem, &err);
    g_assert_no_error(err);
    g_assert_cmpint(d1->device, ==, DC_FW_DEVICE_MEMORY);
    g_assert_cmpstr(dc_firmware_desc_loader_path(d1), ==, "/b.bin");
    g_assert_cmpstr(((DcFirmwareTarget *)d1->targets->pdata[0])->arch, ==, "armv7l");
    g_assert_cmpstr(((DcFirmwareTarget *)d1->targets->pdata[1])->arch, ==, "openrisc");

    /* libvirt tolerates a memory/kernel mapping without filename */
    const char *kern =
        "{\"interface-types\":[],\"mapping\":{\"device\":\"kernel\"},\"targets\":[],\"features\":[]}";
    g_autoptr(DcFirmwareDesc) d2 = parse_str(kern, &err);
    g_assert_no_error(err);
    g_assert_cmpint(d2->device, ==, DC_FW_DEVICE_KERNEL);
    g_assert_null(dc_firmware_desc_loader_path(d2));

    /* stateless/combined need no nvram-template; qcow2 is taken as is */
    const char *stateless =
        "{\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"flash\",\"mode\":\"stateless\","
        "\"executable\":{\"filename\":\"/s.qcow2\",\"format\":\"qcow2\"}},"
        "\"targets\":[],\"features\":[]}";
    g_autoptr(DcFirmwareDesc) d3 = parse_str(stateless, &err);
    g_assert_no_error(err);
    g_assert_cmpint(d3->mode, ==, DC_FW_FLASH_STATELESS);
    g_assert_cmpstr(d3->executable.format, ==, "qcow2");
    g_assert_null(d3->nvram_template.filename);

    /* JSON details libvirt 9.0 (yajl) accepts */
    const char *quirks =
        "\v\f {\"interface-types\":[\"\\u0075efi\"],\"mapping\":{\"device\":\"flash\",\"mode\":\"combined\","
        "\"executable\":{\"filename\":\"\\/fw\\/caf\\u00e9.fd\\u0000ignored\",\"format\":\"raw\"}},"
        "\"targets\":[],\"features\":[],\"n\":[1e5,-0.5E-2,123456789012345678901234567890]} \r\n\t";
    g_autoptr(DcFirmwareDesc) d4 = parse_str(quirks, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(d4->interfaces, ==, DC_FW_IFACE_UEFI);
    g_assert_cmpstr(d4->executable.filename, ==, "/fw/caf\xc3\xa9.fd");

    /* containers where a machine name belongs never match; deep junk is fine */
    const char *nested =
        "{\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"memory\",\"filename\":\"/m\"},"
        "\"targets\":[{\"architecture\":\"x86_64\",\"machines\":[[\"pc-*\"],{\"a\":[]},\"virt-*\"]}],"
        "\"features\":[],\"deep\":[[[[[{\"a\":1,\"b\":[{\"a\":{}}]}]]]]]}";
    g_autoptr(DcFirmwareDesc) d6 = parse_str(nested, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(((DcFirmwareTarget *)d6->targets->pdata[0])->machines->len, ==, 1);
    g_assert_false(dc_firmware_desc_matches(d6, "x86_64", "pc-q35-7.2"));
    g_assert_true(dc_firmware_desc_matches(d6, "x86_64", "virt-7.2"));

    /* text after a NUL byte is ignored, as libvirt reads a C string */
    g_autofree char *withnul = g_strdup_printf("%s_GARBAGE", good_desc);
    withnul[strlen(good_desc)] = '\0';
    g_autoptr(DcFirmwareDesc) d5 = dc_firmware_desc_parse(withnul, strlen(good_desc) + 8, DC_RELEASE_9_0, &err);
    g_assert_no_error(err);
    g_assert_nonnull(d5);
}

static void test_parse_errors(void)
{
    static const char *bad[] = {
        "",
        " \n",
        "[1]",
        "\"str\"",
        "{",
        "{\"interface-types\": [\"uefi\"]",
        /* JSON that libvirt 9.0's reader refuses */
        "{\"a\":1,}",
        "{\"a\":1} x",
        "{\"a\":1}{}",
        "/* c */ {}",
        "{'a':1}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":NaN}",
        "{\"a\":tru}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12G4\"}",
        "{\"a\":\"\xff\"}",
        "{\"a\":\"\xc3\"}",
        "\xef\xbb\xbf{}",
        "{\"a\":1,\"a\":2}",
        "{\"a\":1,\"\\u0061\":2}",
        "{\"a\":1,\"a\\u0000b\":2}",
        /* structure libvirt requires */
        "{}",
        "{\"interface-types\":\"uefi\"}",
        "{\"interface-types\":[\"uefi\",\"efi\"]}",
        "{\"interface-types\":[1]}",
        "{\"interface-types\":[\"\"]}",
        "{\"interface-types\":[]}",
        "{\"interface-types\":[],\"mapping\":1}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"rom\"}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\"}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\",\"mode\":1,"
        "\"executable\":{\"filename\":\"/c\",\"format\":\"raw\"}}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\",\"mode\":\"bogus\","
        "\"executable\":{\"filename\":\"/c\",\"format\":\"raw\"}}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\",\"executable\":\"/c\"}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\",\"executable\":{\"filename\":\"/c\"}}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\","
        "\"executable\":{\"filename\":\"/c\",\"format\":\"raw\"}}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\"}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\"},\"targets\":[1],\"features\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\"},"
        "\"targets\":[{\"architecture\":\"amd64\",\"machines\":[]}],\"features\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\"},"
        "\"targets\":[{\"architecture\":\"none\",\"machines\":[]}],\"features\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\"},"
        "\"targets\":[{\"architecture\":\"x86_64\"}],\"features\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\"},\"targets\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\"},\"targets\":[],\"features\":{}}",
        /* duplicate keys are refused at any depth, kept or not */
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\"},\"targets\":[],\"features\":[],"
        "\"deep\":[[[[[{\"a\":1,\"a\":2}]]]]]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\"},"
        "\"targets\":[{\"architecture\":\"x86_64\",\"machines\":[{\"x\":1,\"x\":2}]}],\"features\":[]}",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(DcFirmwareDesc) d = parse_str(bad[i], &err);
        if (d || !err)
            g_error("accepted bad descriptor #%" G_GSIZE_FORMAT ": %s", i, bad[i]);
        g_assert_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_PARSE);
    }

    /* 1 MiB is the limit */
    gsize n = DC_FIRMWARE_DESC_MAX_SIZE + 1;
    g_autofree char *big = g_malloc(n);
    memset(big, ' ', n);
    g_autoptr(GError) err = NULL;
    g_assert_null(dc_firmware_desc_parse(big, n, DC_RELEASE_9_0, &err));
    g_assert_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_TOO_LARGE);
}

static void test_parse_hostile(void)
{
    /* deep nesting costs heap, not stack, and is accepted like yajl does */
    gsize depth = 200000;
    GString *s = g_string_new("{\"interface-types\":[],\"mapping\":{\"device\":\"kernel\"},"
                              "\"targets\":[],\"features\":[],\"deep\":");
    for (gsize i = 0; i < depth; i++)
        g_string_append_c(s, '[');
    for (gsize i = 0; i < depth; i++)
        g_string_append_c(s, ']');
    g_string_append_c(s, '}');
    g_autoptr(GError) err = NULL;
    g_autoptr(DcFirmwareDesc) d = dc_firmware_desc_parse(s->str, s->len, DC_RELEASE_9_0, &err);
    g_assert_no_error(err);
    g_assert_nonnull(d);
    /* unbalanced deep nesting fails cleanly */
    g_string_truncate(s, s->len - 2);
    g_autoptr(GError) err2 = NULL;
    g_assert_null(dc_firmware_desc_parse(s->str, s->len, DC_RELEASE_9_0, &err2));
    g_assert_nonnull(err2);
    g_string_free(s, TRUE);

    /* every truncation of a valid descriptor is refused without harm */
    gsize len = strlen(good_desc);
    for (gsize i = 0; i < len - 2; i++) {
        g_autofree char *cut = g_strndup(good_desc, i);
        g_autoptr(GError) e = NULL;
        g_autoptr(DcFirmwareDesc) x = dc_firmware_desc_parse(cut, i, DC_RELEASE_9_0, &e);
        g_assert_null(x);
        g_assert_nonnull(e);
    }

    /* random byte flips: must not crash or leak (run under ASan) */
    GRand *rng = g_rand_new_with_seed(20230101);
    for (int round = 0; round < 20000; round++) {
        g_autofree char *buf = g_strdup(good_desc);
        int flips = g_rand_int_range(rng, 1, 4);
        for (int f = 0; f < flips; f++)
            buf[g_rand_int_range(rng, 0, (gint32)len)] = (char)g_rand_int_range(rng, 0, 256);
        g_autoptr(GError) e = NULL;
        g_autoptr(DcFirmwareDesc) x = dc_firmware_desc_parse(buf, len, DC_RELEASE_9_0, &e);
        g_assert_true((x == NULL) == (e != NULL));
    }
    g_rand_free(rng);

    /* NULL data with zero length is just an empty document */
    g_autoptr(GError) e = NULL;
    g_assert_null(dc_firmware_desc_parse(NULL, 0, DC_RELEASE_9_0, &e));
    g_assert_nonnull(e);
}

/* ======================================================================
 * Fixture host trees (expected <os> blocks printed by libvirt 9.0 for the
 * same tree, see tests/data/firmware/expected.txt)
 * ====================================================================== */

static void test_fixtures(void)
{
    g_autofree char *list = data_path("expected.txt");
    g_autofree char *text = read_text(list);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint n = 0;
    for (gsize i = 0; lines[i]; i++) {
        if (!*lines[i] || lines[i][0] == '#')
            continue;
        g_auto(GStrv) f = g_strsplit(lines[i], " ", 3);
        g_assert_cmpuint(g_strv_length(f), ==, 3);
        g_autofree char *root = g_build_filename(DC_TEST_DATA_DIR, "firmware", f[0], "root", NULL);
        g_autofree char *fname = g_strdup_printf("%s-%s.xml", f[1], f[2]);
        g_autofree char *exp_path = g_build_filename(DC_TEST_DATA_DIR, "firmware", f[0], fname, NULL);
        g_autofree char *expected = read_text(exp_path);
        DcOsCaps caps;
        g_autofree char *got = os_for(root, TRUE, NULL, f[1], f[2], &caps);
        if (strcmp(got, expected) != 0) {
            g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
            g_autoptr(GPtrArray) ex = dc_firmware_explain(host, f[1], f[2], DC_RELEASE_9_0);
            dump_lines(ex);
            g_error("%s %s %s:\n--- expected\n%s--- got\n%s", f[0], f[1], f[2], expected, got);
        }
        gboolean broken = strcmp(f[0], "malformed") == 0;
        g_assert_true((caps.libvirt_error != NULL) == broken);
        dc_os_caps_clear(&caps);
        n++;
    }
    g_assert_cmpuint(n, >=, 20);
}

static void test_override(void)
{
    g_autofree char *root = data_path("override/root");
    g_autofree char *exp_sys = data_path("override/x86_64-pc-q35-7.2.xml");
    g_autofree char *exp_user = data_path("override/x86_64-pc-q35-7.2.user.xml");
    g_autofree char *sys = read_text(exp_sys);
    g_autofree char *user = read_text(exp_user);

    /* privileged: the user's config dir is never read */
    g_autofree char *got1 = os_for(root, TRUE, "/home/user/.config", "x86_64", "pc-q35-7.2", NULL);
    g_assert_cmpstr(got1, ==, sys);
    /* unprivileged: $XDG_CONFIG_HOME/qemu/firmware/50-a.json beats /usr/share's */
    g_autofree char *got2 = os_for(root, FALSE, "/home/user/.config", "x86_64", "pc-q35-7.2", NULL);
    g_assert_cmpstr(got2, ==, user);

    g_autoptr(DcHost) host = dc_host_new(root, FALSE, "/home/user/.config");
    g_autoptr(GPtrArray) ex = dc_firmware_explain(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    dump_lines(ex);
    g_assert_true(lines_contain(ex, "/usr/share/qemu/firmware/50-a.json: skipped: shadowed by same-named",
                                "/home/user/.config/qemu/firmware/50-a.json"));
    g_assert_true(lines_contain(ex, "/usr/share/qemu/firmware/60-b.json: skipped: shadowed", "/etc/qemu/firmware/60-b.json"));
    g_assert_true(lines_contain(ex, "/etc/qemu/firmware/60-b.json: taken", "b-etc.fd"));
    /* strcmp order: "10-y" < "50-a" < "55-c" < "60-b" < "9-z" */
    guint first = G_MAXUINT, last = 0;
    for (guint i = 0; i < ex->len; i++) {
        if (strstr(ex->pdata[i], "10-y.json"))
            first = i;
        if (strstr(ex->pdata[i], "9-z.json"))
            last = i;
    }
    g_assert_cmpuint(first, <, last);
}

static void test_mask(void)
{
    g_autofree char *root = data_path("mask/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    g_autoptr(GPtrArray) ex = dc_firmware_explain(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    dump_lines(ex);
    g_assert_true(lines_contain(ex, "/usr/share/qemu/firmware/50-a.json: skipped: masked by empty file",
                                "/etc/qemu/firmware/50-a.json"));
    g_assert_true(lines_contain(ex, "/etc/qemu/firmware/50-a.json: skipped: empty file", "masks"));
    g_assert_true(lines_contain(ex, "/etc/qemu/firmware/70-lonely.json: skipped: empty file", NULL));

    DcOsCaps caps;
    g_assert_true(dc_firmware_os_caps(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0, &caps, NULL));
    g_assert_cmpuint(caps.loader.values->len, ==, 1);
    g_assert_cmpstr(caps.loader.values->pdata[0], ==, "/usr/share/fw/b.fd");
    g_assert_cmpuint(caps.problems->len, ==, 0);
    g_assert_null(caps.libvirt_error);
    dc_os_caps_clear(&caps);
}

static void test_filter_explain(void)
{
    g_autofree char *root = data_path("filter/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    g_autoptr(GPtrArray) ex = dc_firmware_explain(host, "x86_64", "isapc", DC_RELEASE_9_0);
    dump_lines(ex);
    g_assert_true(lines_contain(ex, "60-aarch64.json: skipped: wrong architecture", "aarch64"));
    g_assert_true(lines_contain(ex, "40-q35.json: skipped: machine isapc matches none", "pc-q35-*"));
    g_assert_true(lines_contain(ex, "loader values: no matching descriptor", "/usr/share/OVMF/OVMF_CODE.fd (listed)"));

    DcOsCaps caps;
    g_assert_true(dc_firmware_os_caps(host, "x86_64", "isapc", DC_RELEASE_9_0, &caps, NULL));
    g_assert_true(caps.used_default_loaders);
    g_assert_null(caps.firmware[0]);
    dc_os_caps_clear(&caps);
    g_assert_true(dc_firmware_os_caps(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0, &caps, NULL));
    g_assert_false(caps.used_default_loaders);
    g_assert_cmpstr(caps.firmware[0], ==, "bios");
    g_assert_cmpstr(caps.firmware[1], ==, "efi");
    g_assert_cmpstr(caps.loader.secure[0], ==, "yes");
    g_assert_cmpstr(caps.loader.secure[1], ==, "no");
    dc_os_caps_clear(&caps);
}

static void test_missing(void)
{
    g_autofree char *root = data_path("missing/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    /* the only aarch64 descriptor points at a missing file: efi is still
     * offered, the loader list is empty and the built-in list is not used */
    DcOsCaps caps;
    g_assert_true(dc_firmware_os_caps(host, "aarch64", "virt-7.2", DC_RELEASE_9_0, &caps, NULL));
    g_assert_cmpstr(caps.firmware[0], ==, "efi");
    g_assert_cmpuint(caps.loader.values->len, ==, 0);
    g_assert_false(caps.used_default_loaders);
    dc_os_caps_clear(&caps);

    g_autoptr(GPtrArray) ex = dc_firmware_explain(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    dump_lines(ex);
    g_assert_true(lines_contain(ex, "50-gone.json: taken", "loader /usr/share/fw/gone.fd not listed: file does not exist"));
    g_assert_true(lines_contain(ex, "60-here.json: taken", "loader /usr/share/fw/here.fd listed"));
}

static void test_secure(void)
{
    g_autofree char *root = data_path("secure/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    DcOsCaps caps;
    /* secure-boot without requires-smm does not make libvirt offer secure=yes */
    g_assert_true(dc_firmware_os_caps(host, "x86_64", "pc-i440fx-7.2", DC_RELEASE_9_0, &caps, NULL));
    g_assert_cmpstr(caps.loader.secure[0], ==, "no");
    g_assert_null(caps.loader.secure[1]);
    dc_os_caps_clear(&caps);
    g_assert_true(dc_firmware_os_caps(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0, &caps, NULL));
    g_assert_cmpstr(caps.loader.secure[0], ==, "yes");
    g_assert_cmpstr(caps.loader.secure[1], ==, "no");
    dc_os_caps_clear(&caps);
}

static void test_fallback(void)
{
    g_autofree char *root = data_path("fallback/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    DcOsCaps caps;
    g_assert_true(dc_firmware_os_caps(host, "riscv64", "virt", DC_RELEASE_9_0, &caps, NULL));
    g_assert_true(caps.used_default_loaders);
    g_assert_null(caps.firmware[0]);
    g_assert_cmpuint(caps.loader.values->len, ==, 3);
    g_assert_cmpstr(caps.loader.values->pdata[0], ==, "/usr/share/OVMF/OVMF_CODE.fd");
    g_assert_cmpstr(caps.loader.values->pdata[1], ==, "/usr/share/OVMF/OVMF_CODE.secboot.fd");
    g_assert_cmpstr(caps.loader.values->pdata[2], ==, "/usr/share/AAVMF/AAVMF32_CODE.fd");
    dc_os_caps_clear(&caps);

    /* the built-in table is Debian's CODE:VARS list */
    g_assert_cmpuint(dc_firmware_n_default_loaders, ==, 4);
    g_assert_cmpstr(dc_firmware_default_loaders[0].code, ==, "/usr/share/OVMF/OVMF_CODE.fd");
    g_assert_cmpstr(dc_firmware_default_loaders[3].vars, ==, "/usr/share/AAVMF/AAVMF32_VARS.fd");

    /* a matching kernel mapping: efi and secure=yes, but the built-in list */
    g_autofree char *root2 = data_path("fallback-kernel/root");
    g_autoptr(DcHost) host2 = dc_host_new(root2, TRUE, NULL);
    g_assert_true(dc_firmware_os_caps(host2, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0, &caps, NULL));
    g_assert_true(caps.used_default_loaders);
    g_assert_cmpstr(caps.firmware[0], ==, "efi");
    g_assert_cmpstr(caps.loader.secure[0], ==, "yes");
    dc_os_caps_clear(&caps);
}

static void test_malformed(void)
{
    g_autofree char *root = data_path("malformed/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    DcOsCaps caps;
    g_assert_true(dc_firmware_os_caps(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0, &caps, NULL));
    g_assert_cmpuint(caps.problems->len, ==, 4);
    g_assert_nonnull(caps.libvirt_error);
    g_assert_nonnull(strstr(caps.libvirt_error, "/usr/share/qemu/firmware/10-truncated.json"));
    g_assert_nonnull(strstr(caps.problems->pdata[1], "duplicate"));
    g_assert_nonnull(strstr(caps.problems->pdata[2], "unknown architecture 'amd64'"));
    g_assert_nonnull(strstr(caps.problems->pdata[3], "trailing"));
    g_assert_cmpuint(caps.loader.values->len, ==, 1);
    g_assert_cmpstr(caps.loader.values->pdata[0], ==, "/usr/share/fw/good.fd");
    dc_os_caps_clear(&caps);

    g_autoptr(GPtrArray) ex = dc_firmware_explain(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    dump_lines(ex);
    g_assert_true(lines_contain(ex, "10-truncated.json: skipped: unable to parse JSON", "libvirt 9.0 fails"));
    g_assert_true(lines_contain(ex, "50-good.json: taken", NULL));
}

static void test_dangling(void)
{
    /* a dangling symlink makes libvirt 9.0 fail; here it is only recorded */
    g_autofree char *tmp = g_dir_make_tmp("dc-fw-XXXXXX", NULL);
    g_assert_nonnull(tmp);
    g_autofree char *dir = g_build_filename(tmp, "usr/share/qemu/firmware", NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_autofree char *link = g_build_filename(dir, "50-link.json", NULL);
    g_assert_cmpint(symlink("/nonexistent/target.json", link), ==, 0);
    g_autofree char *sub = g_build_filename(dir, "60-dir.json", NULL);
    g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);

    g_autoptr(DcHost) host = dc_host_new(tmp, TRUE, NULL);
    DcOsCaps caps;
    g_assert_true(dc_firmware_os_caps(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0, &caps, NULL));
    g_assert_cmpuint(caps.problems->len, ==, 1);
    g_assert_nonnull(strstr(caps.libvirt_error, "50-link.json"));
    g_assert_true(caps.used_default_loaders);
    dc_os_caps_clear(&caps);

    g_assert_cmpint(g_remove(link), ==, 0);
    g_assert_cmpint(g_rmdir(sub), ==, 0);
    while (strcmp(dir, tmp) != 0) {
        g_autofree char *d = g_path_get_dirname(dir);
        g_assert_cmpint(g_rmdir(dir), ==, 0);
        g_free(dir);
        dir = g_steal_pointer(&d);
    }
    g_assert_cmpint(g_rmdir(tmp), ==, 0);
}

static void test_size_limit(void)
{
    /* libvirt reads descriptors of up to exactly 1 MiB */
    g_autofree char *tmp = g_dir_make_tmp("dc-fw-XXXXXX", NULL);
    g_assert_nonnull(tmp);
    g_autofree char *dir = g_build_filename(tmp, "usr/share/qemu/firmware", NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    static const char *names[] = { "50-exact.json", "60-over.json" };
    g_autofree char *img = g_build_filename(tmp, "fw.fd", NULL);
    g_assert_true(g_file_set_contents(img, "", 0, NULL));
    for (gsize i = 0; i < 2; i++) {
        g_autofree char *json = g_strdup_printf(
            "{\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"memory\",\"filename\":\"/fw%s.fd\"},"
            "\"targets\":[{\"architecture\":\"x86_64\",\"machines\":[\"*\"]}],\"features\":[]}",
            i ? "-over" : "");
        gsize size = DC_FIRMWARE_DESC_MAX_SIZE + i;
        g_autofree char *buf = g_malloc(size);
        memset(buf, '\n', size);
        memcpy(buf, json, strlen(json));
        g_autofree char *path = g_build_filename(dir, names[i], NULL);
        g_assert_true(g_file_set_contents(path, buf, (gssize)size, NULL));
    }
    g_autoptr(DcHost) host = dc_host_new(tmp, TRUE, NULL);
    DcOsCaps caps;
    g_assert_true(dc_firmware_os_caps(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0, &caps, NULL));
    g_assert_cmpuint(caps.loader.values->len, ==, 1);
    g_assert_cmpstr(caps.loader.values->pdata[0], ==, "/fw.fd");
    g_assert_cmpuint(caps.problems->len, ==, 1);
    g_assert_nonnull(strstr(caps.problems->pdata[0], "60-over.json"));
    g_assert_nonnull(caps.libvirt_error);
    dc_os_caps_clear(&caps);

    for (gsize i = 0; i < 2; i++) {
        g_autofree char *path = g_build_filename(dir, names[i], NULL);
        g_assert_cmpint(g_remove(path), ==, 0);
    }
    g_assert_cmpint(g_remove(img), ==, 0);
    while (strcmp(dir, tmp) != 0) {
        g_autofree char *d = g_path_get_dirname(dir);
        g_assert_cmpint(g_rmdir(dir), ==, 0);
        g_free(dir);
        dir = g_steal_pointer(&d);
    }
    g_assert_cmpint(g_rmdir(tmp), ==, 0);
}

/* ======================================================================
 * The real host against <os> blocks saved from libvirt 9.0 on it
 * ====================================================================== */

static int cmp_strp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What the saved oracle output depends on: descriptor files and images. */
static char *host_fingerprint(void)
{
    static const char *dirs[] = {
        "/usr/share/qemu/firmware", "/etc/qemu/firmware", "/usr/share/OVMF", "/usr/share/AAVMF",
    };
    GString *s = g_string_new(NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
        GDir *d = g_dir_open(dirs[i], 0, NULL);
        if (!d)
            continue;
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *n;
        while ((n = g_dir_read_name(d)))
            g_ptr_array_add(names, g_strdup(n));
        g_dir_close(d);
        g_ptr_array_sort(names, cmp_strp);
        for (guint j = 0; j < names->len; j++) {
            g_autofree char *p = g_build_filename(dirs[i], names->pdata[j], NULL);
            struct stat sb;
            if (stat(p, &sb) == 0)
                g_string_append_printf(s, "%s %lld\n", p, (long long)sb.st_size);
        }
    }
    return g_string_free(s, FALSE);
}

static void test_oracle_host(void)
{
    g_autofree char *fp_path = data_path("oracle/host-fingerprint.txt");
    g_autofree char *want_fp = read_text(fp_path);
    g_autofree char *have_fp = host_fingerprint();
    if (strcmp(want_fp, have_fp) != 0) {
        g_test_skip("this host's firmware files differ from the host the oracle ran on");
        return;
    }
    g_autofree char *list = data_path("oracle/cases.txt");
    g_autofree char *text = read_text(list);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint n = 0;
    for (gsize i = 0; lines[i]; i++) {
        if (!*lines[i])
            continue;
        g_auto(GStrv) f = g_strsplit(lines[i], " ", 3);
        g_assert_cmpuint(g_strv_length(f), ==, 3);
        g_autofree char *fname = g_strdup_printf("oracle/%s.xml", f[0]);
        g_autofree char *exp_path = data_path(fname);
        g_autofree char *expected = read_text(exp_path);
        g_autofree char *got = os_for("/", TRUE, NULL, f[1], f[2], NULL);
        if (strcmp(got, expected) != 0)
            g_error("%s (%s %s):\n--- libvirt 9.0\n%s--- got\n%s", f[0], f[1], f[2], expected, got);
        n++;
    }
    g_assert_cmpuint(n, >=, 13);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/firmware/parse/good", test_parse_good);
    g_test_add_func("/firmware/parse/shapes", test_parse_shapes);
    g_test_add_func("/firmware/parse/errors", test_parse_errors);
    g_test_add_func("/firmware/parse/hostile", test_parse_hostile);
    g_test_add_func("/firmware/fixtures", test_fixtures);
    g_test_add_func("/firmware/override", test_override);
    g_test_add_func("/firmware/mask", test_mask);
    g_test_add_func("/firmware/filter", test_filter_explain);
    g_test_add_func("/firmware/missing", test_missing);
    g_test_add_func("/firmware/secure", test_secure);
    g_test_add_func("/firmware/fallback", test_fallback);
    g_test_add_func("/firmware/malformed", test_malformed);
    g_test_add_func("/firmware/dangling", test_dangling);
    g_test_add_func("/firmware/size-limit", test_size_limit);
    g_test_add_func("/firmware/oracle-host", test_oracle_host);
    return g_test_run();
}
