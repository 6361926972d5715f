/* Tests for the verdicts on a host's firmware descriptors (src/host/
 * firmware.c, firmware-scan.c) and what src/caps/os.c writes from them:
 * the <os> block, against fixture host trees whose expected blocks were
 * produced by libvirt 9.0 itself, plus the real host against saved oracle
 * output; and the --explain-firmware lines. One descriptor's reading:
 * test-firmware-desc.c. */
#include "host/firmware.h"
#include "caps/sections.h"
#include "format/format.h"
#include "format/releases.h"
#include "util/xmlread.h"

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

static const guint releases[] = { DC_RELEASE_9_0, DC_RELEASE_11_3 };

/* The <os> block the assembly writes (caps/os.c) as libvirt prints it inside
 * <domainCapabilities>; NULL with @err set when the release fails the query. */
static char *os_block(const char *root, gboolean privileged, const char *xdg,
                      const char *arch, const char *machine, guint release, GError **err)
{
    g_autoptr(DcHost) host = dc_host_new(root, privileged, xdg);
    DcCapsQuery query = { .arch = arch, .machine = machine, .release = release };
    DcCapsCtx ctx = { .host = host, .query = &query };
    g_autoptr(DcNode) doc = dc_node_new("domainCapabilities");
    if (!dc_caps_add_os(&ctx, doc, err))
        return NULL;
    dc_release_prune(doc, release);   /* as the assembly does */
    g_autofree char *xml = dc_format_xml(doc);
    const char *start = strchr(xml, '\n') + 1;
    const char *end = g_strrstr(xml, "</domainCapabilities>");
    return g_strndup(start, (gsize)(end - start));
}

static char *os_for(const char *root, gboolean privileged, const char *xdg, const char *arch, const char *machine)
{
    g_autoptr(GError) err = NULL;
    char *xml = os_block(root, privileged, xdg, arch, machine, DC_RELEASE_9_0, &err);
    g_assert_no_error(err);
    return xml;
}

static DcFirmwareVerdicts *verdicts_for(const DcHost *host, const char *arch, const char *machine, guint release)
{
    g_autoptr(GError) err = NULL;
    DcFirmwareVerdicts *v = dc_firmware_verdicts(host, arch, machine, release, &err);
    g_assert_no_error(err);
    g_assert_nonnull(v);
    return v;
}

/* The loader images that become <value>s, in order. */
static GPtrArray *listed_loaders(const DcFirmwareVerdicts *v)
{
    GPtrArray *paths = g_ptr_array_new();
    for (guint i = 0; i < v->loaders->len; i++) {
        const DcFirmwareLoader *l = v->loaders->pdata[i];
        if (l->exists)
            g_ptr_array_add(paths, l->path);
    }
    return paths;
}

/* The verdicts with this outcome, in order. */
static GPtrArray *with_outcome(const DcFirmwareVerdicts *v, DcFirmwareOutcome outcome)
{
    GPtrArray *found = g_ptr_array_new();
    for (guint i = 0; i < v->verdicts->len; i++) {
        const DcFirmwareVerdict *one = v->verdicts->pdata[i];
        if (one->outcome == outcome)
            g_ptr_array_add(found, (gpointer)one);
    }
    return found;
}

static GPtrArray *explain(const DcHost *host, const char *arch, const char *machine, guint release)
{
    GPtrArray *lines = dc_caps_explain_os(host, arch, machine, release);
    for (guint i = 0; i < lines->len; i++)
        g_test_message("  %s", (const char *)lines->pdata[i]);
    return lines;
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
        /* libvirt 9.0 fails on the malformed tree; its block is what the
         * releases that skip broken descriptors print (11.3 among them) */
        gboolean broken = strcmp(f[0], "malformed") == 0;
        for (gsize r = 0; r < G_N_ELEMENTS(releases); r++) {
            g_autoptr(GError) err = NULL;
            g_autofree char *got = os_block(root, TRUE, NULL, f[1], f[2], releases[r], &err);
            if (broken && releases[r] == DC_RELEASE_9_0) {
                g_assert_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_PARSE);
                continue;
            }
            g_assert_no_error(err);
            if (strcmp(got, expected) != 0) {
                g_error("%s %s %s (release %u):\n--- expected\n%s--- got\n%s", f[0], f[1], f[2], releases[r],
                        expected, got);
            }
        }
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
    g_autofree char *got1 = os_for(root, TRUE, "/home/user/.config", "x86_64", "pc-q35-7.2");
    g_assert_cmpstr(got1, ==, sys);
    /* unprivileged: $XDG_CONFIG_HOME/qemu/firmware/50-a.json beats /usr/share's */
    g_autofree char *got2 = os_for(root, FALSE, "/home/user/.config", "x86_64", "pc-q35-7.2");
    g_assert_cmpstr(got2, ==, user);

    g_autoptr(DcHost) host = dc_host_new(root, FALSE, "/home/user/.config");
    g_autoptr(GPtrArray) ex = explain(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
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

    /* the verdicts say the same: each shadowed copy names the winner */
    g_autoptr(DcFirmwareVerdicts) v = verdicts_for(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    g_autoptr(GPtrArray) shadowed = with_outcome(v, DC_FW_SHADOWED);
    g_assert_cmpuint(shadowed->len, >=, 2);
    for (guint i = 0; i < shadowed->len; i++) {
        const DcFirmwareVerdict *one = shadowed->pdata[i];
        g_assert_nonnull(one->hidden_by);
        g_assert_cmpstr(strrchr(one->path, '/'), ==, strrchr(one->hidden_by, '/'));
    }
}

static void test_mask(void)
{
    g_autofree char *root = data_path("mask/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    g_autoptr(GPtrArray) ex = explain(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    g_assert_true(lines_contain(ex, "/usr/share/qemu/firmware/50-a.json: skipped: masked by empty file",
                                "/etc/qemu/firmware/50-a.json"));
    g_assert_true(lines_contain(ex, "/etc/qemu/firmware/50-a.json: skipped: empty file", "masks"));
    g_assert_true(lines_contain(ex, "/etc/qemu/firmware/70-lonely.json: skipped: empty file", NULL));

    g_autoptr(DcFirmwareVerdicts) v = verdicts_for(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    g_autoptr(GPtrArray) loaders = listed_loaders(v);
    g_assert_cmpuint(loaders->len, ==, 1);
    g_assert_cmpstr(loaders->pdata[0], ==, "/usr/share/fw/b.fd");
    g_autoptr(GPtrArray) broken = with_outcome(v, DC_FW_BROKEN);
    g_assert_cmpuint(broken->len, ==, 0);
    g_autoptr(GPtrArray) masked = with_outcome(v, DC_FW_MASKED);
    g_assert_cmpuint(masked->len, ==, 1);
    g_assert_cmpstr(((const DcFirmwareVerdict *)masked->pdata[0])->hidden_by, ==, "/etc/qemu/firmware/50-a.json");
    g_assert_null(v->fatal);
}

static void test_filter_explain(void)
{
    g_autofree char *root = data_path("filter/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    g_autoptr(GPtrArray) ex = explain(host, "x86_64", "isapc", DC_RELEASE_9_0);
    g_assert_true(lines_contain(ex, "60-aarch64.json: skipped: wrong architecture", "aarch64"));
    g_assert_true(lines_contain(ex, "40-q35.json: skipped: machine isapc matches none", "pc-q35-*"));
    g_assert_true(lines_contain(ex, "loader values: no matching descriptor", "/usr/share/OVMF/OVMF_CODE.fd (listed)"));

    g_autoptr(DcFirmwareVerdicts) isapc = verdicts_for(host, "x86_64", "isapc", DC_RELEASE_9_0);
    g_assert_true(isapc->builtin_loaders);
    g_assert_cmpuint(isapc->interfaces, ==, 0);
    g_autoptr(GPtrArray) wrong_arch = with_outcome(isapc, DC_FW_WRONG_ARCH);
    g_autoptr(GPtrArray) wrong_machine = with_outcome(isapc, DC_FW_WRONG_MACHINE);
    g_assert_cmpuint(wrong_arch->len, >=, 1);
    g_assert_cmpuint(wrong_machine->len, >=, 1);
    g_autoptr(DcFirmwareVerdicts) q35 = verdicts_for(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    g_assert_false(q35->builtin_loaders);
    g_assert_cmpuint(q35->interfaces, ==, DC_FW_IFACE_BIOS | DC_FW_IFACE_UEFI);
    g_assert_true(q35->requires_smm);
}

static void test_missing(void)
{
    g_autofree char *root = data_path("missing/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    /* the only aarch64 descriptor points at a missing file: efi is still
     * offered, the loader list is empty and the built-in list is not used */
    g_autoptr(DcFirmwareVerdicts) v = verdicts_for(host, "aarch64", "virt-7.2", DC_RELEASE_9_0);
    g_assert_cmpuint(v->interfaces, ==, DC_FW_IFACE_UEFI);
    g_autoptr(GPtrArray) loaders = listed_loaders(v);
    g_assert_cmpuint(loaders->len, ==, 0);
    g_assert_false(v->builtin_loaders);
    g_autoptr(GPtrArray) taken = with_outcome(v, DC_FW_TAKEN);
    g_assert_cmpuint(taken->len, ==, 1);
    g_assert_cmpint(((const DcFirmwareVerdict *)taken->pdata[0])->loader, ==, DC_FW_LOADER_MISSING);

    g_autoptr(GPtrArray) ex = explain(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    g_assert_true(lines_contain(ex, "50-gone.json: taken", "loader /usr/share/fw/gone.fd not listed: file does not exist"));
    g_assert_true(lines_contain(ex, "60-here.json: taken", "loader /usr/share/fw/here.fd listed"));
}

static void test_secure(void)
{
    g_autofree char *root = data_path("secure/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    /* secure-boot without requires-smm does not make libvirt offer secure=yes */
    g_autoptr(DcFirmwareVerdicts) i440fx = verdicts_for(host, "x86_64", "pc-i440fx-7.2", DC_RELEASE_9_0);
    g_assert_false(i440fx->requires_smm);
    g_autoptr(DcFirmwareVerdicts) q35 = verdicts_for(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    g_assert_true(q35->requires_smm);
}

static void test_fallback(void)
{
    g_autofree char *root = data_path("fallback/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    g_autoptr(DcFirmwareVerdicts) v = verdicts_for(host, "riscv64", "virt", DC_RELEASE_9_0);
    g_assert_true(v->builtin_loaders);
    g_assert_cmpuint(v->interfaces, ==, 0);
    g_autoptr(GPtrArray) loaders = listed_loaders(v);
    g_assert_cmpuint(loaders->len, ==, 3);
    g_assert_cmpstr(loaders->pdata[0], ==, "/usr/share/OVMF/OVMF_CODE.fd");
    g_assert_cmpstr(loaders->pdata[1], ==, "/usr/share/OVMF/OVMF_CODE.secboot.fd");
    g_assert_cmpstr(loaders->pdata[2], ==, "/usr/share/AAVMF/AAVMF32_CODE.fd");

    /* the built-in table is Debian's CODE:VARS list */
    g_assert_cmpuint(dc_firmware_n_default_loaders, ==, 4);
    g_assert_cmpstr(dc_firmware_default_loaders[0].code, ==, "/usr/share/OVMF/OVMF_CODE.fd");
    g_assert_cmpstr(dc_firmware_default_loaders[3].vars, ==, "/usr/share/AAVMF/AAVMF32_VARS.fd");

    /* a matching kernel mapping: efi and secure=yes, but the built-in list */
    g_autofree char *root2 = data_path("fallback-kernel/root");
    g_autoptr(DcHost) host2 = dc_host_new(root2, TRUE, NULL);
    g_autoptr(DcFirmwareVerdicts) k = verdicts_for(host2, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    g_assert_true(k->builtin_loaders);
    g_assert_cmpuint(k->interfaces, ==, DC_FW_IFACE_UEFI);
    g_assert_true(k->requires_smm);
}

static void test_malformed(void)
{
    g_autofree char *root = data_path("malformed/root");
    g_autoptr(DcHost) host = dc_host_new(root, TRUE, NULL);
    g_autoptr(DcFirmwareVerdicts) v = verdicts_for(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    g_autoptr(GPtrArray) broken = with_outcome(v, DC_FW_BROKEN);
    g_assert_cmpuint(broken->len, ==, 4);
    g_assert_nonnull(v->fatal);
    g_assert_nonnull(strstr(v->fatal->message, "unusable firmware descriptor /usr/share/qemu/firmware/10-truncated.json"));
    g_assert_nonnull(strstr(((const DcFirmwareVerdict *)broken->pdata[1])->problem->message, "duplicate"));
    g_assert_nonnull(strstr(((const DcFirmwareVerdict *)broken->pdata[2])->problem->message, "unknown architecture 'amd64'"));
    g_assert_nonnull(strstr(((const DcFirmwareVerdict *)broken->pdata[3])->problem->message, "trailing"));
    g_autoptr(GPtrArray) loaders = listed_loaders(v);
    g_assert_cmpuint(loaders->len, ==, 1);
    g_assert_cmpstr(loaders->pdata[0], ==, "/usr/share/fw/good.fd");

    g_autoptr(GPtrArray) ex = explain(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    g_assert_true(lines_contain(ex, "10-truncated.json: skipped: unable to parse JSON", "libvirt 9.0 fails"));
    g_assert_true(lines_contain(ex, "50-good.json: taken", NULL));

    /* 11.3 skips what it cannot read, and json-c takes the repeated key */
    g_autoptr(DcFirmwareVerdicts) v11 = verdicts_for(host, "x86_64", "pc-q35-7.2", DC_RELEASE_11_3);
    g_autoptr(GPtrArray) broken11 = with_outcome(v11, DC_FW_BROKEN);
    g_assert_cmpuint(broken11->len, ==, 3);
    g_assert_null(v11->fatal);
    g_autoptr(GPtrArray) ex11 = explain(host, "x86_64", "pc-q35-7.2", DC_RELEASE_11_3);
    g_assert_true(lines_contain(ex11, "10-truncated.json: skipped: unable to parse JSON (json-c)", NULL));
    g_assert_false(lines_contain(ex11, "fails domcapabilities", NULL));
    g_assert_true(lines_contain(ex11, "20-dupkey.json: taken", "loader /usr/share/fw/good.fd listed"));
    g_assert_true(lines_contain(ex11, "50-good.json: taken", "already listed"));
}

static void test_dangling(void)
{
    /* a dangling symlink makes libvirt fail the whole query */
    g_autofree char *tmp = g_dir_make_tmp("dc-fw-XXXXXX", NULL);
    g_assert_nonnull(tmp);
    g_autofree char *dir = g_build_filename(tmp, "usr/share/qemu/firmware", NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_autofree char *link = g_build_filename(dir, "50-link.json", NULL);
    g_assert_cmpint(symlink("/nonexistent/target.json", link), ==, 0);
    g_autofree char *sub = g_build_filename(dir, "60-dir.json", NULL);
    g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);

    g_autoptr(DcHost) host = dc_host_new(tmp, TRUE, NULL);
    g_autoptr(DcFirmwareVerdicts) v = verdicts_for(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    g_assert_cmpuint(v->unreadable->len, ==, 1);
    g_assert_nonnull(strstr(v->unreadable->pdata[0], "50-link.json"));
    g_assert_error(v->fatal, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_UNREADABLE);
    g_assert_nonnull(strstr(v->fatal->message, "50-link.json"));
    g_assert_true(v->builtin_loaders);
    /* libvirt 11.3 skips a broken descriptor but still fails on an entry it
     * cannot stat (checked live on Debian 13) */
    g_autoptr(DcFirmwareVerdicts) v11 = verdicts_for(host, "x86_64", "pc-q35-7.2", DC_RELEASE_11_3);
    g_assert_error(v11->fatal, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_UNREADABLE);
    g_autoptr(GError) err = NULL;
    g_autofree char *os = os_block(tmp, TRUE, NULL, "x86_64", "pc-q35-7.2", DC_RELEASE_11_3, &err);
    g_assert_null(os);
    g_assert_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_UNREADABLE);
    g_autoptr(GPtrArray) ex = explain(host, "x86_64", "pc-q35-7.2", DC_RELEASE_11_3);
    g_assert_true(lines_contain(ex, "problem: Unable to access /usr/share/qemu/firmware/50-link.json",
                                "libvirt 11.3 fails domcapabilities"));

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
    g_autoptr(DcFirmwareVerdicts) v = verdicts_for(host, "x86_64", "pc-q35-7.2", DC_RELEASE_9_0);
    g_autoptr(GPtrArray) loaders = listed_loaders(v);
    g_assert_cmpuint(loaders->len, ==, 1);
    g_assert_cmpstr(loaders->pdata[0], ==, "/fw.fd");
    g_autoptr(GPtrArray) broken = with_outcome(v, DC_FW_BROKEN);
    g_assert_cmpuint(broken->len, ==, 1);
    g_assert_nonnull(strstr(((const DcFirmwareVerdict *)broken->pdata[0])->path, "60-over.json"));
    g_assert_error(v->fatal, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_TOO_LARGE);
    g_autoptr(DcFirmwareVerdicts) v11 = verdicts_for(host, "x86_64", "pc-q35-7.2", DC_RELEASE_11_3);
    g_assert_null(v11->fatal);

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
        g_autofree char *got = os_for("/", TRUE, NULL, f[1], f[2]);
        if (strcmp(got, expected) != 0)
            g_error("%s (%s %s):\n--- libvirt 9.0\n%s--- got\n%s", f[0], f[1], f[2], expected, got);
        n++;
    }
    g_assert_cmpuint(n, >=, 13);
}

/* <firmwareFeatures> (12.1 on): each feature's yes when a matching
 * descriptor has it, no when one lacks it; Debian 12's OVMF and AAVMF
 * descriptors on the debian12 fixture. Older releases print none. */
static void test_firmware_features(void)
{
    g_autofree char *root = g_build_filename(DC_TEST_DATA_DIR, "hosts", "debian12", NULL);
    static const struct {
        const char *arch, *machine, *secure_boot, *enrolled_keys;
    } rows[] = {
        /* the secure-boot builds are for q35 (requires-smm) */
        { "x86_64", "pc-q35-7.2", "yes no", "yes no" },
        { "x86_64", "pc-i440fx-7.2", "no", "no" },
        { "aarch64", "virt-7.2", "yes no", "yes no" },
        /* no descriptor for the machine: empty enums, still supported */
        { "aarch64", "sbsa-ref", "", "" },
        { "s390x", "s390-ccw-virtio-7.2", "", "" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *xml = os_block(root, TRUE, NULL, rows[i].arch, rows[i].machine, DC_RELEASE_12_9, &err);
        g_assert_no_error(err);
        g_autofree char *whole = g_strdup_printf("<d>%s</d>", xml);
        g_autoptr(DcNode) top = dc_xml_read(whole, strlen(whole), "d", "os block", &err);
        DcNode *doc = top ? dc_node_child(top, "os", NULL) : NULL;
        g_assert_no_error(err);
        DcNode *ff = dc_node_child(doc, "firmwareFeatures", NULL);
        g_assert_nonnull(ff);
        g_assert_cmpstr(dc_node_get_attr(ff, "supported"), ==, "yes");
        const char *names[] = { "secureBoot", "enrolledKeys" };
        const char *want[] = { rows[i].secure_boot, rows[i].enrolled_keys };
        for (gsize k = 0; k < 2; k++) {
            DcNode *e = dc_node_child(ff, "enum", names[k]);
            g_assert_nonnull(e);
            g_autoptr(GString) got = g_string_new(NULL);
            for (guint c = 0; c < e->children.len; c++)
                g_string_append_printf(got, "%s%s", c ? " " : "", ((DcNode *)e->children.pdata[c])->text);
            if (strcmp(got->str, want[k]) != 0)
                g_error("%s %s %s: '%s', expected '%s'", rows[i].arch, rows[i].machine, names[k], got->str, want[k]);
        }
        /* no descriptor here keeps its variables in QEMU */
        DcNode *vs = dc_node_child(doc, "varstore", NULL);
        g_assert_nonnull(vs);
        g_assert_cmpstr(dc_node_get_attr(vs, "supported"), ==, "no");
        g_autofree char *old = os_block(root, TRUE, NULL, rows[i].arch, rows[i].machine, DC_RELEASE_11_3, &err);
        g_assert_null(strstr(old, "firmwareFeatures"));
        g_assert_null(strstr(old, "varstore"));
    }
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
    g_test_add_func("/firmware/features", test_firmware_features);
    return g_test_run();
}
