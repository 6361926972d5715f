/* Which release a query prints (query/release.c): asked, else the host's
 * own libvirt found by its library's file name, else the newest; and the
 * release table's windows (format/releases.c). Host roots are made here. */
#include "query/release.h"
#include "format/releases.h"
#include "host/libvirt-lib.h"
#include <glib/gstdio.h>
#include <unistd.h>

/* A host root whose @dir holds libvirt.so.0 -> @file (NULL: no libvirt). */
static char *make_root(const char *dir, const char *file)
{
    g_autoptr(GError) err = NULL;
    char *root = g_dir_make_tmp("domcaps-release-XXXXXX", &err);
    g_assert_no_error(err);
    if (!file)
        return root;
    g_autofree char *libdir = g_build_filename(root, dir, NULL);
    g_assert_cmpint(g_mkdir_with_parents(libdir, 0755), ==, 0);
    g_autofree char *target = g_build_filename(libdir, file, NULL);
    g_assert_true(g_file_set_contents(target, "", 0, NULL));
    g_autofree char *link = g_build_filename(libdir, "libvirt.so.0", NULL);
    g_assert_cmpint(symlink(file, link), ==, 0);
    return root;
}

static void remove_root(const char *root)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);
    g_assert_cmpint(system(cmd), ==, 0);
}

static guint choose_on(const char *dir, const char *file, const char *schema, char **why)
{
    g_autofree char *root = make_root(dir, file);
    g_autoptr(DcHost) host = dc_host_new(root, FALSE, NULL);
    g_autoptr(GError) err = NULL;
    guint release = dc_release_choose(schema, host, why, &err);
    g_assert_no_error(err);
    remove_root(root);
    return release;
}

static void test_host_decides(void)
{
    static const struct {
        const char *dir, *file;
        guint want;
        const char *why;
    } rows[] = {
        { "usr/lib/x86_64-linux-gnu", "libvirt.so.0.9000.0", DC_RELEASE_9_0, "libvirt 9.0.0 is installed" },
        { "usr/lib/x86_64-linux-gnu", "libvirt.so.0.11003.0", DC_RELEASE_11_3, "libvirt 11.3.0 is installed" },
        { "usr/lib/aarch64-linux-gnu", "libvirt.so.0.12009.0", DC_RELEASE_12_9, "libvirt 12.9.0 is installed" },
        /* between held releases: the one below, said so */
        { "usr/lib64", "libvirt.so.0.11010.0", DC_RELEASE_11_3, "the nearest release domcaps holds below it, 11.3" },
        { "usr/lib/x86_64-linux-gnu", "libvirt.so.0.10000.0", DC_RELEASE_9_0, "below it, 9.0" },
        /* newer than any held: the newest held */
        { "usr/local/lib", "libvirt.so.0.13000.0", DC_RELEASE_NEWEST, "below it, 12.9" },
        /* older than any held: the oldest */
        { "usr/lib/x86_64-linux-gnu", "libvirt.so.0.8000.0", DC_RELEASE_9_0, "older than any release" },
        /* no libvirt, or a name that says no release */
        { "usr/lib/x86_64-linux-gnu", NULL, DC_RELEASE_NEWEST, "no libvirt installed" },
        { "usr/lib/x86_64-linux-gnu", "libvirt.so.0.x.0", DC_RELEASE_NEWEST, "no libvirt installed" },
        { "usr/lib/x86_64-linux-gnu", "libvirt.so.0.9000", DC_RELEASE_NEWEST, "no libvirt installed" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autofree char *why = NULL;
        guint got = choose_on(rows[i].dir, rows[i].file, NULL, &why);
        if (got != rows[i].want || !strstr(why, rows[i].why))
            g_error("%s: release %u, why '%s'; expected %u, '%s'", rows[i].file ? rows[i].file : "(none)", got,
                    why, rows[i].want, rows[i].why);
    }
}

static void test_schema_overrides(void)
{
    g_autofree char *why = NULL;
    g_assert_cmpuint(choose_on("usr/lib/x86_64-linux-gnu", "libvirt.so.0.9000.0", "12.9", &why), ==,
                     DC_RELEASE_12_9);
    g_assert_nonnull(strstr(why, "asked for"));
    g_assert_cmpuint(choose_on("usr/lib/x86_64-linux-gnu", "libvirt.so.0.12009.0", "latest", NULL), ==,
                     DC_RELEASE_NEWEST);
    g_autofree char *root = make_root("usr/lib", NULL);
    g_autoptr(DcHost) host = dc_host_new(root, FALSE, NULL);
    g_autoptr(GError) err = NULL;
    g_assert_cmpuint(dc_release_choose("10.0", host, NULL, &err), ==, 0);
    g_assert_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
    remove_root(root);
}

static void test_library_version(void)
{
    g_autofree char *root = make_root("usr/lib/x86_64-linux-gnu", "libvirt.so.0.12009.3");
    g_autoptr(DcHost) host = dc_host_new(root, FALSE, NULL);
    g_autofree char *path = NULL;
    g_assert_cmpuint(dc_host_libvirt_version(host, &path), ==, 12009003);
    g_assert_cmpstr(path, ==, "/usr/lib/x86_64-linux-gnu/libvirt.so.0.12009.3");
    remove_root(root);
}

/* A row with an end: printed from its start up to, not including, its end. */
static void test_release_windows(void)
{
    g_autoptr(DcNode) root = dc_node_new("domainCapabilities");
    DcNode *fs = dc_node_add(dc_node_add(root, "devices"), "filesystem");
    DcNode *e = dc_node_add_enum(fs, "driverType");
    dc_node_enum_add_value(e, "path");
    dc_node_enum_add_value(e, "handle");
    const char *handle = "devices/filesystem/enum[driverType]/handle";
    g_autoptr(DcNode) old = dc_node_copy(root);
    dc_release_prune(old, DC_RELEASE_11_3);
    g_assert_cmpuint(dc_release_path_count(old, handle), ==, 1);
    dc_release_prune(root, DC_RELEASE_12_9);
    g_assert_cmpuint(dc_release_path_count(root, handle), ==, 0);
    g_assert_cmpuint(dc_release_path_count(root, "devices/filesystem/enum[driverType]/path"), ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/release/host-decides", test_host_decides);
    g_test_add_func("/release/schema-overrides", test_schema_overrides);
    g_test_add_func("/release/library-version", test_library_version);
    g_test_add_func("/release/windows", test_release_windows);
    return g_test_run();
}
