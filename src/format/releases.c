/* The release table: what each libvirt release added to the domain
 * capabilities document, and the pruning that pins a document to a release.
 *
 * A path names elements from <domainCapabilities> down, '/'-separated. A
 * step "NAME[ARG]" matches an element NAME whose name attribute is ARG
 * (<enum name='type'>, <mode name='custom'>), a bare "NAME" matches any; the
 * last step may be "@ATTR" (an attribute) or, under an <enum>, the text of
 * one <value>. Behaviours without a path are the second table, by enum.
 *
 * Only the releases of dc_release_supported() are verified byte for byte
 * (9.0 live and with libvirt's test suite, 11.3 live and with libvirt's test
 * suite, 12.9 live in Debian 13's backports and with recorded QEMU 11.1);
 * "since" is the first release printing the item, as far as libvirt's news
 * and test data show, so a row moved into the window of a supported release
 * only matters once that release is supported. */
#include "format/releases.h"
#include <stdlib.h>

typedef struct {
    const char *path;
    guint since;       /* the first release printing it (0: always printed) */
    guint until;       /* the first release no longer printing it (0: still printed) */
    const char *what;
} DcReleaseRow;

static const DcReleaseRow rows[] = {
    /* <os> */
    { "os/firmwareFeatures", 12001, 0, "Secure Boot and enrolled keys of the firmware descriptors" },
    { "os/varstore", 12001, 0, "UEFI variables kept by QEMU (uefi-vars devices)" },
    /* <cpu> */
    { "cpu/mode/maxphysaddr", 9003, 0, "host-model physical address bits (passthrough limit)" },
    { "cpu/mode/blockers", 10009, 0, "features that make a custom model unusable" },
    { "cpu/mode/model/@canonical", 10010, 0, "the versioned model an alias stands for" },
    /* <devices> */
    { "devices/disk/enum[bus]/nvme", 11005, 0, "NVMe disks (nvme-ns)" },
    { "devices/hostdev/enum[iommufd]", 12001, 0, "VFIO through iommufd" },
    { "devices/filesystem/enum[driverType]/handle", 0, 12002, "the handle fsdriver, removed from QEMU" },
    { "devices/crypto", 9001, 0, "virtio-crypto models, types and back ends" },
    { "devices/interface", 9006, 0, "network back ends (default, passt)" },
    { "devices/panic", 10001, 0, "panic notifier models" },
    { "devices/graphics/enum[type]/rdp", 11002, 0, "RDP through qemu-rdp" },
    { "devices/console", 11005, 0, "console character device types" },
    /* <features> */
    { "features/tdx", 11006, 0, "Intel TDX" },
    { "features/sev/cpu0Id", 10000, 0, "the SEV host's first CPU identity (QEMU's cpu0-id)" },
    { "features/async-teardown", 9006, 0, "QEMU's -run-with async-teardown" },
    { "features/ps2", 10003, 0, "the i8042 machine option" },
    { "features/hyperv/enum[features]/emsr_bitmap", 9001, 0, "Hyper-V enlightenment" },
    { "features/hyperv/enum[features]/xmm_input", 9001, 0, "Hyper-V enlightenment" },
    { "features/hyperv/defaults", 11009, 0, "Hyper-V values libvirt sets for hv-passthrough" },
    { "features/launchSecurity", 10005, 0, "launch security types (sev, sev-snp, s390-pv)" },
    { "features/launchSecurity/enum[sectype]/tdx", 11006, 0, "Intel TDX launch security" },
};

/* When each behaviour came. The preferred machines and arches of each
 * release are columns of the arch table (util/arch.c). */
static const guint behaviour_since[DC_BEHAVIOUR_LAST] = {
    [DC_BEHAVIOUR_SORTED_CPU_MODELS] = 10009,
    [DC_BEHAVIOUR_S390_MODEL_VENDOR] = 10007,
    [DC_BEHAVIOUR_BACKUP_ALWAYS] = 10000,
    /* libvirt retired the iothread object check when it required a QEMU
     * that always has it; the release is a guess between 9.0 and 11.3. */
    [DC_BEHAVIOUR_IOTHREADS_ALWAYS] = 10000,
    [DC_BEHAVIOUR_BROKEN_FIRMWARE_SKIPPED] = 10000,
    /* 9.0 reports a kernel or memory mapping without filename and carries
     * on, 11.3 refuses the descriptor; the same rework of qemu_firmware.c's
     * error reporting as the skipping, so the same guess. */
    [DC_BEHAVIOUR_FIRMWARE_FILENAME_REQUIRED] = 10000,
    /* libvirt's NEWS: "Switch from YAJL to json-c" (10.8.0). */
    [DC_BEHAVIOUR_JSON_C_READER] = 10008,
    [DC_BEHAVIOUR_QEMU_6_2_REQUIRED] = 11002,
    [DC_BEHAVIOUR_SEV_SNP] = 10005,
    /* libvirt's NEWS (11.4): floppy offered where QEMU has a controller */
    [DC_BEHAVIOUR_FLOPPY_BY_BUS] = 11004,
    /* between 11.3 and 12.9, with <tdx> (a guess: the release is not in
     * libvirt's news) */
    [DC_BEHAVIOUR_S390_PV_EVERY_ARCH] = 11006,
    /* the host model's features sorted: between 12.1 and 12.5 in libvirt's
     * code history, most likely 12.2 with --expand-cpu-features */
    [DC_BEHAVIOUR_SORTED_HOST_MODEL] = 12002,
    /* seen in libvirt 12.9 with one QEMU answer taken away at a time
     * (tests/differential in the backports chroot), not in 9.0: the
     * releases between are guesses */
    [DC_BEHAVIOUR_TPM_FROM_TYPES] = 12000,
    [DC_BEHAVIOUR_USB_BOT_DISK] = 12000,
};

static const char *const supported[] = { "12.9", "11.3", "9.0", NULL };

const char *const *dc_release_supported(void)
{
    return supported;
}

guint dc_release_parse(const char *text, GError **err)
{
    if (!text || !*text || g_str_equal(text, "latest") || g_str_equal(text, "newest"))
        return DC_RELEASE_NEWEST;
    for (const char *const *s = supported; *s; s++) {
        g_autofree char *with_micro = g_strdup_printf("%s.0", *s);
        if (g_str_equal(text, *s) || g_str_equal(text, with_micro)) {
            g_auto(GStrv) parts = g_strsplit(*s, ".", 2);
            return (guint)(atoi(parts[0]) * 1000 + atoi(parts[1]));
        }
    }
    g_autofree char *list = g_strjoinv(", ", (char **)supported);
    g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "unknown schema '%s' (domcaps reproduces libvirt %s, or 'latest')", text, list);
    return 0;
}

char *dc_release_name(guint release)
{
    return g_strdup_printf("%u.%u", release / 1000, release % 1000);
}

gboolean dc_release_behaves(guint release, DcBehaviour behaviour)
{
    g_return_val_if_fail(behaviour < DC_BEHAVIOUR_LAST, FALSE);
    return release >= behaviour_since[behaviour];
}

/* Whether @release prints what @row names. */
static gboolean row_printed(const DcReleaseRow *row, guint release)
{
    return release >= row->since && (!row->until || release < row->until);
}

guint dc_release_path_since(const char *path)
{
    for (gsize i = 0; i < G_N_ELEMENTS(rows); i++)
        if (g_str_equal(rows[i].path, path))
            return rows[i].since;
    return 0;
}

const char *const *dc_release_paths(void)
{
    static const char *paths[G_N_ELEMENTS(rows) + 1];
    for (gsize i = 0; i < G_N_ELEMENTS(rows); i++)
        paths[i] = rows[i].path;
    return paths;
}

/* Whether one step of a row matches a node (element step) or a value. */
static gboolean step_matches(const char *step, const DcNode *node)
{
    if (g_str_equal(node->name, "value"))
        return g_strcmp0(node->text, step) == 0;
    const char *br = strchr(step, '[');
    if (!br)
        return g_str_equal(step, node->name);
    gsize n = (gsize)(br - step);
    if (strlen(node->name) != n || strncmp(step, node->name, n) != 0)
        return FALSE;
    g_autofree char *arg = g_strndup(br + 1, strlen(br + 1) - (g_str_has_suffix(br, "]") ? 1 : 0));
    return g_strcmp0(dc_node_get_attr(node, "name"), arg) == 0;
}

/* How many nodes (or attributes, values) below @node the steps match. */
static guint count_matches(const DcNode *node, char **steps)
{
    if (!steps[0])
        return 1;
    if (!steps[1] && steps[0][0] == '@') {
        return dc_node_get_attr(node, steps[0] + 1) ? 1 : 0;
    }
    guint n = 0;
    for (guint c = 0; c < node->children.len; c++) {
        const DcNode *child = node->children.pdata[c];
        if (step_matches(steps[0], child))
            n += count_matches(child, steps + 1);
    }
    return n;
}

guint dc_release_path_count(const DcNode *root, const char *path)
{
    g_auto(GStrv) steps = g_strsplit(path, "/", -1);
    return count_matches(root, steps);
}

/* The rows' paths split into steps, once per process. */
static gpointer split_rows(gpointer data)
{
    (void)data;
    char ***steps = g_new0(char **, G_N_ELEMENTS(rows));
    for (gsize r = 0; r < G_N_ELEMENTS(rows); r++)
        steps[r] = g_strsplit(rows[r].path, "/", -1);
    return steps;   /* kept for the process */
}

static char **row_steps(gsize r)
{
    static GOnce once = G_ONCE_INIT;
    char ***steps = g_once(&once, split_rows, NULL);
    return steps[r];
}

/* A set of rows, one bit each. */
typedef guint64 DcRowSet;
G_STATIC_ASSERT(G_N_ELEMENTS(rows) <= 64);

/* Prune below @node at @depth (the root's children are depth 0): @live
 * holds the rows not printed by the release whose first @depth steps name
 * the path down to @node, so a subtree no such row reaches is not walked. */
static void prune(DcNode *node, guint depth, DcRowSet live)
{
    for (gsize r = 0; r < G_N_ELEMENTS(rows); r++) {
        char **steps = row_steps(r);
        if ((live & ((DcRowSet)1 << r)) && steps[depth] && !steps[depth + 1] && steps[depth][0] == '@')
            dc_node_remove_attr(node, steps[depth] + 1);
    }
    for (guint c = 0; c < node->children.len;) {
        DcNode *child = node->children.pdata[c];
        DcRowSet below = 0;
        gboolean drop = FALSE;
        for (gsize r = 0; r < G_N_ELEMENTS(rows); r++) {
            char **steps = row_steps(r);
            if (!(live & ((DcRowSet)1 << r)) || !steps[depth] || steps[depth][0] == '@' ||
                !step_matches(steps[depth], child))
                continue;
            if (!steps[depth + 1])
                drop = TRUE;
            else
                below |= (DcRowSet)1 << r;
        }
        if (drop) {
            dc_node_remove(node, c);
            continue;
        }
        if (below)
            prune(child, depth + 1, below);
        c++;
    }
}

void dc_release_prune(DcNode *root, guint release)
{
    DcRowSet live = 0;
    for (gsize r = 0; r < G_N_ELEMENTS(rows); r++)
        if (!row_printed(&rows[r], release))
            live |= (DcRowSet)1 << r;
    if (live)
        prune(root, 0, live);
}

guint dc_release_for_libvirt(guint version)
{
    guint oldest = 0;
    for (const char *const *s = supported; *s; s++) {
        guint release = dc_release_parse(*s, NULL);
        if (release * 1000 <= version)
            return release;   /* supported[] is newest first */
        oldest = release;
    }
    return oldest;
}
