/* The value table and the probe agree: every fact a row or a section reads
 * is a well-formed key, the probe asks every key that needs asking (none
 * is read unasked, over every recorded transcript, machine, accelerator
 * and release), and the release table names only paths that documents
 * have. */
#include "caps/caps.h"
#include "format/releases.h"
#include "probe/probe.h"
#include "domcaps.h"
#include <string.h>

#define QMP_DIR DC_TEST_DATA_DIR "/qmp"
/* libvirt 11.3 suite host: its CPU map has versioned models, qemu-rdp is
 * there, /proc/cpuinfo gives physical address bits. */
#define HOST_ROOT DC_TEST_DATA_DIR "/hosts/libvirt-11.3-x86_64"
/* a host with TDX, for what only such hosts print */
#define TDX_ROOT DC_TEST_DATA_DIR "/hosts/tdx-x86_64"
#define CPU_MAP "/usr/share/libvirt/cpu_map"

static void test_keys_are_well_formed(void)
{
    guint n = 0;
    for (const char *const *q = dc_caps_questions(); *q; q++, n++) {
        if (!dc_facts_key_is_valid(*q))
            g_error("table key '%s' is not a fact key (probe/facts.h)", *q);
    }
    g_assert_cmpuint(n, >, 50);
    /* and the check itself tells a bad key */
    g_assert_false(dc_facts_key_is_valid("typ:qxl"));
    g_assert_false(dc_facts_key_is_valid("object-prop:no-property"));
    g_assert_true(dc_facts_key_is_valid("option:spice"));
}

/* Every transcript file under @dir (libvirt's and domcaps' recordings). */
static void add_transcripts(GPtrArray *out, const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR))
            add_transcripts(out, path);
        else if (g_str_has_suffix(name, ".replies"))
            g_ptr_array_add(out, g_steal_pointer(&path));
    }
}

static json_object *probe_transcript(const char *path, const char *accel)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(DcQmp) qmp = dc_qmp_replay_new(path, &err);
    g_assert_no_error(err);
    if (dc_qmp_replay_n_passes(qmp) >= 2)
        dc_qmp_replay_use_pass(qmp, strcmp(accel, "kvm") == 0 ? 0 : 1);
    DcProbeRequest req = {
        .emulator = "/usr/bin/qemu-system-test", .accel = accel, .replay = qmp,
        .questions = dc_caps_questions(),
    };
    return dc_probe_run(&req, NULL);
}

/* The machines worth assembling: QEMU's default and every aliased one
 * (pc, q35, virt, pseries, s390-ccw-virtio...), and the first and last
 * listed; every machine rule is among them, at a fraction of the time. */
static gboolean worth_assembling(json_object *machines, size_t i)
{
    json_object *m = json_object_array_get_idx(machines, i);
    return i == 0 || i + 1 == json_object_array_length(machines) || dc_json_str(m, "alias") ||
           dc_json_bool(m, "is-default", FALSE);
}

/* Assemble the machines of the facts' accelerator in each release, on
 * each host; the documents are counted per release-table path in @seen (a
 * path the newest prints in the newest, one a later release dropped in an
 * older one). */
static guint assemble_all(json_object *facts_json, const char *accel, guint *seen)
{
    g_autoptr(DcFacts) facts = dc_facts_new_from_json(facts_json);
    const char *arch = dc_arch_from_qemu_target(dc_facts_target(facts), DC_RELEASE_NEWEST);
    json_object *machines = dc_facts_accel(facts, accel, "machines");
    /* (9.0 refuses the first host's loongarch64 descriptor: 11.3 shows
     * what later releases dropped) */
    const guint releases[] = { DC_RELEASE_9_0, DC_RELEASE_11_3, DC_RELEASE_NEWEST };
    const char *const roots[] = { HOST_ROOT, TDX_ROOT };
    guint n = 0;
    for (gsize h = 0; h < G_N_ELEMENTS(roots); h++) {
        g_autoptr(DcHost) host = dc_host_new(roots[h], TRUE, NULL);
        for (size_t i = 0; arch && machines && i < json_object_array_length(machines); i++) {
            const char *machine = dc_json_str(json_object_array_get_idx(machines, i), "name");
            for (gsize r = 0; machine && worth_assembling(machines, i) && r < G_N_ELEMENTS(releases); r++) {
                DcCapsQuery q = {
                    .path = "/usr/bin/qemu-system-test", .arch = arch, .emu_arch = arch, .machine = machine,
                    .virttype = strcmp(accel, "kvm") == 0 ? "kvm" : "qemu", .cpu_map_dir = CPU_MAP,
                    .release = releases[r],
                };
                g_autoptr(DcNode) root = dc_caps_assemble(facts, host, &q, NULL, NULL, NULL);
                for (guint p = 0; root && dc_release_paths()[p]; p++)
                    seen[p] += dc_release_path_count(root, dc_release_paths()[p]);
                n += root != NULL;
            }
        }
    }
    return n;
}

static void test_nothing_read_unasked(void)
{
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    add_transcripts(files, QMP_DIR);
    g_assert_cmpuint(files->len, >, 10);
    g_autofree guint *seen = g_new0(guint, g_strv_length((char **)dc_release_paths()));
    guint before = dc_facts_unasked_reads(NULL), documents = 0;
    for (guint i = 0; i < files->len; i++) {
        static const char *const accels[] = { "kvm", "tcg" };
        for (gsize a = 0; a < G_N_ELEMENTS(accels); a++) {
            g_autoptr(json_object) facts = probe_transcript(files->pdata[i], accels[a]);
            if (facts && dc_facts_json_has_accel(facts, accels[a]))
                documents += assemble_all(facts, accels[a], seen);
        }
    }
    g_autofree char *last = NULL;
    guint unasked = dc_facts_unasked_reads(&last) - before;
    if (unasked)
        g_error("%u reads of facts the probe was not asked for, the last '%s'", unasked, last);
    g_assert_cmpuint(documents, >, 100);

    /* Every path of the release table is one these documents have. */
    for (guint p = 0; dc_release_paths()[p]; p++)
        if (!seen[p])
            g_error("release table path '%s' is in no assembled document", dc_release_paths()[p]);
}

/* The audit notices a read the probe was not asked for. */
static void test_unasked_read_is_counted(void)
{
    g_autoptr(json_object) obj = json_tokener_parse("{\"schema\": [\"query-vnc\"], \"asked-schema\": []}");
    g_autoptr(DcFacts) facts = dc_facts_new_from_json(obj);
    guint before = dc_facts_unasked_reads(NULL);
    g_assert_false(dc_facts_has(facts, "schema:query-vnc"));
    g_assert_cmpuint(dc_facts_unasked_reads(NULL), ==, before + 1);
}

/* The public header names the releases releases.c supports, in its order. */
static void test_release_lists_agree(void)
{
    g_autofree char *joined = g_strjoinv(", ", (char **)dc_release_supported());
    g_assert_cmpstr(joined, ==, DOMCAPS_SCHEMAS);
    g_autofree char *newest = g_strdup_printf("%s.0", dc_release_supported()[0]);
    g_assert_cmpstr(newest, ==, DOMCAPS_LIBVIRT_VERSION);
    g_autofree char *name = dc_release_name(DC_RELEASE_NEWEST);
    g_assert_cmpstr(name, ==, dc_release_supported()[0]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tables/keys-well-formed", test_keys_are_well_formed);
    g_test_add_func("/tables/unasked-read-counted", test_unasked_read_is_counted);
    g_test_add_func("/tables/nothing-read-unasked", test_nothing_read_unasked);
    g_test_add_func("/tables/release-lists-agree", test_release_lists_agree);
    return g_test_run();
}
