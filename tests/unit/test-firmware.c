/* Tests for src/host/firmware.c: descriptor collection and the <os>
 * section, against fixture host trees whose expected <os> blocks were
 * produced by libvirt 9.0 itself, plus the real host against saved oracle
 * output. One descriptor's reading: test-firmware-desc.c. */
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
