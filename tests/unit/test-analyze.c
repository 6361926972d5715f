/*
 * test-analyze.c: the XML readers (capabilities and domain definitions),
 * hostile input, domcaps_check_domain, domcaps_intersect, domcaps_diff and
 * domcaps_table, through the public API.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib.h>

#include "domcaps.h"
#include "analyze/check.h"

#ifndef DC_TEST_DATA_DIR
# define DC_TEST_DATA_DIR "tests/data"
#endif

static char *data_path(const char *rel)
{
    return g_build_filename(DC_TEST_DATA_DIR, rel, NULL);
}

static char *read_data(const char *rel)
{
    g_autofree char *path = data_path(rel);
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static domcaps_doc *load_doc(const char *rel)
{
    g_autofree char *path = data_path(rel);
    GError *err = NULL;
    domcaps_doc *doc = domcaps_doc_new_from_file(path, &err);
    g_assert_no_error(err);
    g_assert_nonnull(doc);
    return doc;
}

/* Every capabilities document of the replay cases reads back and prints
 * byte for byte; intersected with itself, it is itself. */
static void test_roundtrip(void)
{
    g_autofree char *cases = data_path("../cases");
    g_autoptr(GDir) dir = g_dir_open(cases, 0, NULL);
    g_assert_nonnull(dir);
    const char *name;
    guint n = 0;
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *file = g_build_filename(cases, name, "expected.xml", NULL);
        g_autofree char *want = NULL;
        if (!g_file_get_contents(file, &want, NULL, NULL))
            continue;
        GError *err = NULL;
        g_autoptr(domcaps_doc) doc = domcaps_doc_new_from_xml(want, -1, &err);
        g_assert_no_error(err);
        g_autofree char *again = domcaps_doc_to_xml(doc);
        g_assert_cmpstr(again, ==, want);

        /* a fleet of one host twice is that host, its emulator path aside */
        const domcaps_doc *two[] = { doc, doc };
        g_autoptr(domcaps_doc) same = domcaps_intersect(two, 2, &err);
        g_assert_no_error(err);
        g_autofree char *same_xml = domcaps_doc_to_xml(same);
        g_autofree char *path = g_strdup_printf("  <path>%s</path>\n", domcaps_doc_emulator(doc));
        g_auto(GStrv) halves = g_strsplit(want, path, 2);
        g_autofree char *want_fleet = g_strjoinv("", halves);
        g_assert_cmpuint(g_strv_length(halves), ==, 2);
        g_assert_null(domcaps_doc_emulator(same));
        guint changes = 99;
        g_autofree char *diff = domcaps_diff(doc, same, &changes);
        g_assert_true(g_str_has_prefix(diff, "- path: "));
        /* KVM without host-model (aarch64): the host CPU behind
         * host-passthrough and maximum cannot be known the same */
        if (strstr(want, "<domain>kvm</domain>") && !strstr(want, "<mode name='host-model' supported='yes'>")) {
            g_assert_nonnull(strstr(same_xml, "<mode name='host-passthrough' supported='no'/>"));
            g_assert_nonnull(strstr(same_xml, "<mode name='maximum' supported='no'/>"));
            g_auto(GStrv) lines = g_strsplit(diff, "\n", -1);
            for (guint k = 1; lines[k] && *lines[k]; k++)
                g_assert_true(strstr(lines[k], "mode[@name='host-passthrough']") ||
                              strstr(lines[k], "mode[@name='maximum']"));
        } else {
            g_assert_cmpstr(same_xml, ==, want_fleet);
            g_assert_cmpuint(changes, ==, 1);
        }

        g_autofree char *json = domcaps_doc_to_json(doc, FALSE);
        g_assert_true(json[0] == '{');
        n++;
    }
    g_assert_cmpuint(n, >=, 5);
}

static void test_doc_fields(void)
{
    g_autoptr(domcaps_doc) doc = load_doc("analyze/caps/x86_64-tcg-q35.xml");
    g_assert_cmpstr(domcaps_doc_emulator(doc), ==, "/usr/bin/qemu-system-x86_64");
    g_assert_cmpstr(domcaps_doc_arch(doc), ==, "x86_64");
    g_assert_cmpstr(domcaps_doc_machine(doc), ==, "pc-q35-7.2");
    g_assert_cmpstr(domcaps_doc_virttype(doc), ==, "qemu");
}

/* ---- hostile and broken input ---- */

typedef struct {
    const char *name;
    char *(*make)(void);
    const char *message;  /* a substring of the error */
} Hostile;

static char *billion_laughs(void)
{
    GString *s = g_string_new("<?xml version='1.0'?>\n<!DOCTYPE domain [\n <!ENTITY lol 'lol'>\n");
    for (int i = 1; i < 10; i++) {
        g_string_append_printf(s, " <!ENTITY lol%d '", i);
        for (int k = 0; k < 10; k++)
            g_string_append_printf(s, i == 1 ? "&lol;" : "&lol%d;", i - 1);
        g_string_append(s, "'>\n");
    }
    g_string_append(s, "]>\n<domain type='kvm'><name>&lol9;</name></domain>\n");
    return g_string_free(s, FALSE);
}

static char *external_entity(void)
{
    return g_strdup("<?xml version='1.0'?>\n<!DOCTYPE domain [ <!ENTITY xxe SYSTEM 'file:///etc/passwd'> ]>\n"
                    "<domain type='kvm'><name>&xxe;</name></domain>\n");
}

static char *external_dtd(void)
{
    return g_strdup("<?xml version='1.0'?>\n<!DOCTYPE domain SYSTEM 'http://127.0.0.1:9/evil.dtd'>\n"
                    "<domain type='kvm'/>\n");
}

static char *parameter_entity(void)
{
    return g_strdup("<!DOCTYPE domain [ <!ENTITY % p SYSTEM 'file:///etc/shadow'> %p; ]><domain/>");
}

static char *undeclared_entity(void)
{
    return g_strdup("<domain type='kvm'><name>&nothere;</name></domain>");
}

static char *nested(int depth)
{
    GString *s = g_string_new("<domain>");
    for (int i = 0; i < depth; i++)
        g_string_append(s, "<a>");
    for (int i = 0; i < depth; i++)
        g_string_append(s, "</a>");
    g_string_append(s, "</domain>");
    return g_string_free(s, FALSE);
}

static char *nested_65(void) { return nested(65); }
static char *nested_100k(void) { return nested(100000); }

static char *huge(void)
{
    gsize n = (8u << 20) + 100;
    GString *s = g_string_sized_new(n + 64);
    g_string_append(s, "<domain><description>");
    while (s->len < n)
        g_string_append(s, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    g_string_append(s, "</description></domain>");
    return g_string_free(s, FALSE);
}

static char *many_elements(void)
{
    GString *s = g_string_new("<domain>");
    for (int i = 0; i < 200001; i++)
        g_string_append(s, "<a/>");
    g_string_append(s, "</domain>");
    return g_string_free(s, FALSE);
}

/* libxml2 before 2.11 checks an element's attributes each against all
 * before it: 300,000 would take minutes. */
static char *many_attributes(void)
{
    GString *s = g_string_new("<domain type='kvm'");
    for (int i = 0; i < 300000; i++)
        g_string_append_printf(s, " a%d='1'", i);
    g_string_append(s, "><name>x</name></domain>");
    return g_string_free(s, FALSE);
}

static char *not_xml(void) { return g_strdup("this is not XML at all {\"domain\": 1}"); }
static char *binary(void) { return g_strdup("\x7f" "ELF\x02\x01\x01\xff\xfe<domain>"); }
static char *unclosed(void) { return g_strdup("<domain type='kvm'><devices><disk></devices></domain>"); }
static char *empty(void) { return g_strdup(""); }
static char *wrong_root(void) { return g_strdup("<domainCapabilities><path>/x</path></domainCapabilities>"); }
static char *two_roots(void) { return g_strdup("<domain/><domain/>"); }

static const Hostile hostile[] = {
    { "billion-laughs", billion_laughs, "DOCTYPE" },
    { "external-entity", external_entity, "DOCTYPE" },
    { "external-dtd", external_dtd, "DOCTYPE" },
    { "parameter-entity", parameter_entity, "DOCTYPE" },
    { "undeclared-entity", undeclared_entity, "not well-formed" },
    { "nested-65", nested_65, "nested more than 64" },
    { "nested-100k", nested_100k, "nested more than 64" },
    { "huge", huge, "too large" },
    { "many-elements", many_elements, "200000 elements" },
    { "many-attributes", many_attributes, "more than 256 attributes" },
    { "not-xml", not_xml, "not well-formed" },
    { "binary", binary, "not well-formed" },
    { "unclosed", unclosed, "not well-formed" },
    { "empty", empty, "empty" },
    { "wrong-root", wrong_root, "expected <domain>" },
    { "two-roots", two_roots, "not well-formed" },
};

static void test_hostile(gconstpointer data)
{
    const Hostile *h = data;
    g_autofree char *xml = h->make();
    g_autoptr(domcaps_doc) caps = load_doc("analyze/caps/x86_64-tcg-q35.xml");
    GPtrArray *problems = NULL;
    GError *err = NULL;
    g_assert_false(domcaps_check_domain(caps, xml, (gssize)strlen(xml), &problems, &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML);
    g_assert_null(problems);
    g_assert_nonnull(strstr(err->message, h->message));
    g_assert_null(strchr(err->message, '\n'));
    g_clear_error(&err);
    /* the capabilities reader refuses the same */
    g_autoptr(domcaps_doc) doc = domcaps_doc_new_from_xml(xml, (gssize)strlen(xml), &err);
    g_assert_null(doc);
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML);
    g_clear_error(&err);
}

/* DC_XML_MAX_ATTRIBUTES on one element is read, one more refused, and
 * attribute-like text in quotes, comments and CDATA does not count. */
static void test_attribute_limit(void)
{
    for (int n = 255; n <= 257; n++) {
        GString *s = g_string_new("<domainCapabilities><path>/x</path><domain>kvm</domain><arch>x86_64</arch>"
                                  "<!-- a=1 b=2 --><machine note='x=y'");
        for (int i = 1; i < n; i++)
            g_string_append_printf(s, " a%d='%d'", i, i);
        g_string_append(s, ">pc<![CDATA[c=d]]></machine></domainCapabilities>");
        g_autofree char *xml = g_string_free(s, FALSE);
        GError *err = NULL;
        g_autoptr(domcaps_doc) doc = domcaps_doc_new_from_xml(xml, -1, &err);
        if (n <= 256) {
            g_assert_no_error(err);
            g_assert_nonnull(doc);
        } else {
            g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML);
            g_assert_nonnull(strstr(err->message, "more than 256 attributes"));
            g_clear_error(&err);
        }
    }
}

static void test_caps_reader_errors(void)
{
    static const char *const bad[] = {
        "<domainCapabilities/>",                                       /* no path, domain, arch */
        "<domainCapabilities><path>/x</path><domain>kvm</domain></domainCapabilities>",
        "<domain><path>/x</path><domain>kvm</domain><arch>x86_64</arch></domain>",
        "<x:domainCapabilities xmlns:x='urn:x'/>",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;
        domcaps_doc *doc = domcaps_doc_new_from_xml(bad[i], -1, &err);
        g_assert_null(doc);
        g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML);
        g_clear_error(&err);
    }
    GError *err = NULL;
    g_assert_null(domcaps_doc_new_from_file("/nonexistent/caps.xml", &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO);
    g_clear_error(&err);
}

/* ---- check ---- */

static const char small_caps[] =
    "<domainCapabilities>\n"
    "  <path>/usr/bin/qemu-system-x86_64</path>\n"
    "  <domain>kvm</domain>\n"
    "  <machine>pc-q35-7.2</machine>\n"
    "  <arch>x86_64</arch>\n"
    "  <vcpu max='16'/>\n"
    "  <cpu>\n"
    "    <mode name='host-passthrough' supported='yes'/>\n"
    "    <mode name='host-model' supported='no'/>\n"
    "    <mode name='custom' supported='yes'>\n"
    "      <model usable='yes'>qemu64</model>\n"
    "      <model usable='no'>Haswell</model>\n"
    "      <model usable='unknown'>Penryn</model>\n"
    "    </mode>\n"
    "  </cpu>\n"
    "  <devices>\n"
    "    <disk supported='yes'>\n"
    "      <enum name='diskDevice'><value>disk</value><value>cdrom</value></enum>\n"
    "      <enum name='bus'><value>virtio</value><value>sata</value></enum>\n"
    "    </disk>\n"
    "    <video supported='yes'><enum name='modelType'><value>virtio</value></enum></video>\n"
    "    <tpm supported='no'/>\n"
    "    <hostdev supported='yes'>\n"
    "      <enum name='mode'><value>subsystem</value></enum>\n"
    "      <enum name='subsysType'><value>usb</value><value>pci</value></enum>\n"
    "      <enum name='pciBackend'><value>vfio</value></enum>\n"
    "    </hostdev>\n"
    "  </devices>\n"
    "  <features>\n"
    "    <hyperv supported='yes'><enum name='features'><value>relaxed</value></enum></hyperv>\n"
    "  </features>\n"
    "</domainCapabilities>\n";

static GPtrArray *check(const char *caps_xml, const char *domain_xml)
{
    GError *err = NULL;
    g_autoptr(domcaps_doc) caps = domcaps_doc_new_from_xml(caps_xml, -1, &err);
    g_assert_no_error(err);
    GPtrArray *problems = NULL;
    g_assert_true(domcaps_check_domain(caps, domain_xml, -1, &problems, &err));
    g_assert_no_error(err);
    g_assert_nonnull(problems);
    return problems;
}

static void assert_problem(GPtrArray *problems, guint i, const char *location, const char *value,
                           const char *allowed)
{
    g_assert_cmpuint(i, <, problems->len);
    const domcaps_problem *p = problems->pdata[i];
    g_assert_cmpstr(p->location, ==, location);
    g_assert_cmpstr(p->value, ==, value);
    g_autofree char *list = g_strjoinv(",", p->allowed);
    if (allowed)
        g_assert_cmpstr(list, ==, allowed);
    g_assert_true(g_str_has_prefix(p->message, location));
    g_assert_null(strchr(p->message, '\n'));
}

static void test_check_supported(void)
{
    g_autoptr(GPtrArray) p = check(small_caps,
        "<domain type='kvm'><vcpu>\n  16\n</vcpu>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
        "<cpu mode='custom'><model>Penryn</model></cpu>"
        "<features><hyperv><relaxed state='on'/><vapic state='off'/></hyperv></features>"
        "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
        "<disk device='cdrom'><target bus='sata'/></disk><disk><target bus='virtio'/></disk>"
        "<video><model type='virtio'/></video>"
        "<hostdev type='pci'/><hostdev mode='subsystem' type='usb'/>"
        "<interface type='user'/></devices></domain>");
    g_assert_cmpuint(p->len, ==, 0);
}

static void test_check_unsupported(void)
{
    g_autoptr(GPtrArray) p = check(small_caps,
        "<domain type='qemu'><vcpu>17</vcpu>"
        "<os><type arch='i686' machine='pc'>hvm</type></os>"
        "<cpu><model>Haswell</model></cpu>"
        "<features><hyperv><stimer state='on'/><spinlocks state='on' retries='100'/></hyperv></features>"
        "<devices><emulator>/usr/libexec/qemu-kvm</emulator>"
        "<disk device='floppy'><target bus='fdc'/></disk>"
        "<video><model type='virtio'/></video><video><model type='qxl'/></video>"
        "<tpm model='tpm-crb'><backend type='emulator'/></tpm>"
        "<hostdev mode='capabilities' type='misc'/></devices></domain>");
    guint i = 0;
    assert_problem(p, i++, "/domain/@type", "qemu", "kvm");
    assert_problem(p, i++, "/domain/vcpu", "17", "1-16");
    assert_problem(p, i++, "/domain/os/type/@arch", "i686", "x86_64");
    assert_problem(p, i++, "/domain/os/type/@machine", "pc", "pc-q35-7.2");
    assert_problem(p, i++, "/domain/cpu/model", "Haswell", "qemu64,Penryn");
    /* libvirt takes any enlightenment it knows (the document's list is what
     * KVM's Hyper-V passthrough would give), but not too few spinlock retries */
    assert_problem(p, i++, "/domain/features/hyperv/spinlocks/@retries", "100", "4095 or more");
    assert_problem(p, i++, "/domain/devices/emulator", "/usr/libexec/qemu-kvm", "/usr/bin/qemu-system-x86_64");
    assert_problem(p, i++, "/domain/devices/disk/@device", "floppy", "disk,cdrom");
    assert_problem(p, i++, "/domain/devices/disk/target/@bus", "fdc", "virtio,sata");
    assert_problem(p, i++, "/domain/devices/video[2]/model/@type", "qxl", "virtio");
    assert_problem(p, i++, "/domain/devices/tpm", "tpm", "");
    assert_problem(p, i++, "/domain/devices/hostdev/@mode", "capabilities", "subsystem");
    g_assert_cmpuint(p->len, ==, i);
    /* the tpm's model and backend are not reported again under an unsupported <tpm> */
}

static void test_check_cpu_modes(void)
{
    g_autoptr(GPtrArray) a = check(small_caps, "<domain><cpu mode='host-model'/></domain>");
    assert_problem(a, 0, "/domain/cpu/@mode", "host-model", "host-passthrough,custom");
    g_assert_cmpuint(a->len, ==, 1);
    g_autoptr(GPtrArray) b = check(small_caps, "<domain><cpu><topology sockets='1'/></cpu></domain>");
    g_assert_cmpuint(b->len, ==, 0); /* custom without a model asks for no model */
    g_autoptr(GPtrArray) c = check(small_caps, "<domain><cpu mode='custom'><model>Zen9</model></cpu></domain>");
    assert_problem(c, 0, "/domain/cpu/model", "Zen9", NULL);
    g_assert_nonnull(strstr(((domcaps_problem *)c->pdata[0])->message, "not a CPU model of this emulator"));
    g_autoptr(GPtrArray) d = check(small_caps,
                                   "<domain><cpu mode='host-passthrough'><model>Haswell</model></cpu></domain>");
    g_assert_cmpuint(d->len, ==, 0); /* a model under host-passthrough is not a custom model */
}

static void test_machine_alias(void)
{
    g_assert_true(dc_check_machine_matches("q35", "pc-q35-7.2"));
    g_assert_true(dc_check_machine_matches("pc", "pc-i440fx-7.2"));
    g_assert_true(dc_check_machine_matches("virt", "virt-7.2"));
    g_assert_true(dc_check_machine_matches("s390-ccw-virtio", "s390-ccw-virtio-7.2"));
    g_assert_true(dc_check_machine_matches("pc-q35-7.2", "pc-q35-7.2"));
    g_assert_false(dc_check_machine_matches("pc", "pc-q35-7.2"));
    g_assert_false(dc_check_machine_matches("q35", "pc-i440fx-7.2"));
    g_assert_false(dc_check_machine_matches("virt", "virtex-ml507"));
    g_assert_false(dc_check_machine_matches("pc-q35-6.2", "pc-q35-7.2"));
}

/* The domains of tests/data/domains against capabilities probed from the
 * recorded transcripts on the fixture host: the good one passes, the
 * others report each refused value. */
typedef struct {
    const char *domain;
    const char *transcript;
    guint problems;
} DomainCase;

static const DomainCase domain_cases[] = {
    { "x86_64-q35-secureboot.xml", "qemu-7.2-x86_64-kvm-epyc.replies", 0 },
    { "x86_64-pc-unsupported.xml", "qemu-7.2-x86_64-kvm-epyc.replies", 22 },
    { "aarch64-virt.xml", "qemu-7.2-aarch64-tcg.replies", 2 },
    { "s390x.xml", "qemu-7.2-s390x-tcg.replies", 6 },
};

static void test_domain_probe(gconstpointer data)
{
    const DomainCase *c = data;
    g_autofree char *rel = g_build_filename("domains", c->domain, NULL);
    g_autofree char *xml = read_data(rel);
    g_autofree char *qmp_rel = g_build_filename("qmp", c->transcript, NULL);
    g_autofree char *replay = data_path(qmp_rel);
    g_autofree char *root = data_path("hosts/debian12");
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    opts.replay = replay;
    opts.root = root;
    opts.cache = DOMCAPS_CACHE_OFF;
    GPtrArray *problems = NULL;
    domcaps_doc *doc = NULL;
    GError *err = NULL;
    g_assert_true(domcaps_check_domain_probe(&opts, xml, -1, &doc, &problems, &err));
    g_assert_no_error(err);
    g_assert_nonnull(doc);
    for (guint i = 0; i < problems->len; i++)
        g_test_message("%s", ((domcaps_problem *)problems->pdata[i])->message);
    g_assert_cmpuint(problems->len, ==, c->problems);
    g_ptr_array_unref(problems);
    domcaps_doc_free(doc);
}

static void test_domain_query_refused(void)
{
    g_autofree char *root = data_path("hosts/debian12");
    g_autofree char *replay = data_path("qmp/qemu-7.2-x86_64-tcg.replies");
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    opts.replay = replay;
    opts.root = root;
    opts.cache = DOMCAPS_CACHE_OFF;
    GPtrArray *problems = NULL;
    domcaps_doc *doc = NULL;
    GError *err = NULL;
    /* a machine the emulator does not have is the domain's problem */
    g_assert_true(domcaps_check_domain_probe(&opts,
        "<domain type='qemu'><os><type arch='x86_64' machine='nosuch-1.0'>hvm</type></os></domain>", -1,
        &doc, &problems, &err));
    g_assert_null(doc);
    assert_problem(problems, 0, "/domain/os/type/@machine", "nosuch-1.0", "");
    g_ptr_array_unref(problems);
    /* so is a domain type domcaps does not serve */
    g_assert_true(domcaps_check_domain_probe(&opts, "<domain type='xen'/>", -1, &doc, &problems, &err));
    assert_problem(problems, 0, "/domain/@type", "xen", "");
    g_ptr_array_unref(problems);
    /* the same machine given as an option is an error of the query */
    opts.machine = "nosuch-1.0";
    g_assert_false(domcaps_check_domain_probe(&opts, "<domain type='qemu'/>", -1, &doc, &problems, &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_UNKNOWN_MACHINE);
    g_clear_error(&err);
}

/* ---- intersect, diff, table ---- */

static void test_intersect_pc_q35(void)
{
    g_autoptr(domcaps_doc) pc = load_doc("analyze/caps/x86_64-tcg-pc.xml");
    g_autoptr(domcaps_doc) q35 = load_doc("analyze/caps/x86_64-tcg-q35.xml");
    g_autofree char *want = read_data("analyze/intersect-x86_64-pc-q35.xml");
    const domcaps_doc *ab[] = { pc, q35 }, *ba[] = { q35, pc };
    GError *err = NULL;
    g_autoptr(domcaps_doc) x = domcaps_intersect(ab, 2, &err);
    g_assert_no_error(err);
    g_autofree char *xml = domcaps_doc_to_xml(x);
    g_assert_cmpstr(xml, ==, want);
    g_autoptr(domcaps_doc) y = domcaps_intersect(ba, 2, &err);
    g_assert_no_error(err);
    g_autofree char *yxml = domcaps_doc_to_xml(y);
    g_assert_cmpstr(yxml, ==, want);
    g_assert_null(domcaps_doc_machine(x));
}

static void test_intersect_rules(void)
{
    GError *err = NULL;
    g_autoptr(domcaps_doc) a = domcaps_doc_new_from_xml(
        "<domainCapabilities><path>/a</path><domain>kvm</domain><arch>x86_64</arch><vcpu max='8'/>"
        "<cpu><mode name='host-model' supported='yes'><model>EPYC</model></mode>"
        "<mode name='custom' supported='yes'><model usable='yes'>A</model><model usable='yes'>B</model>"
        "<model usable='no'>C</model></mode></cpu>"
        "<devices><tpm supported='yes'><enum name='model'><value>x</value></enum></tpm>"
        "<video supported='yes'><enum name='modelType'><value>vga</value><value>virtio</value></enum></video>"
        "</devices></domainCapabilities>", -1, &err);
    g_assert_no_error(err);
    g_autoptr(domcaps_doc) b = domcaps_doc_new_from_xml(
        "<domainCapabilities><path>/b</path><domain>kvm</domain><arch>x86_64</arch><vcpu max='4'/>"
        "<cpu><mode name='host-model' supported='yes'><model>Skylake</model></mode>"
        "<mode name='custom' supported='yes'><model usable='no'>A</model><model usable='yes'>B</model>"
        "<model usable='yes'>C</model><model usable='yes'>D</model></mode></cpu>"
        "<devices><tpm supported='no'/>"
        "<video supported='yes'><enum name='modelType'><value>virtio</value><value>qxl</value></enum></video>"
        "</devices></domainCapabilities>", -1, &err);
    g_assert_no_error(err);
    const domcaps_doc *both[] = { a, b };
    g_autoptr(domcaps_doc) x = domcaps_intersect(both, 2, &err);
    g_assert_no_error(err);
    g_autofree char *xml = domcaps_doc_to_xml(x);
    g_assert_cmpstr(xml, ==,
        "<domainCapabilities>\n"
        "  <domain>kvm</domain>\n"
        "  <arch>x86_64</arch>\n"
        "  <vcpu max='4'/>\n"
        "  <cpu>\n"
        "    <mode name='host-model' supported='no'/>\n"
        "    <mode name='custom' supported='yes'>\n"
        "      <model usable='no'>A</model>\n"
        "      <model usable='yes'>B</model>\n"
        "      <model usable='no'>C</model>\n"
        "    </mode>\n"
        "  </cpu>\n"
        "  <devices>\n"
        "    <tpm supported='no'/>\n"
        "    <video supported='yes'>\n"
        "      <enum name='modelType'>\n"
        "        <value>virtio</value>\n"
        "      </enum>\n"
        "    </video>\n"
        "  </devices>\n"
        "</domainCapabilities>\n");

    g_autoptr(domcaps_doc) arm = load_doc("analyze/caps/aarch64-tcg-default.xml");
    const domcaps_doc *mixed[] = { a, arm };
    g_assert_null(domcaps_intersect(mixed, 2, &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG);
    g_assert_nonnull(strstr(err->message, "architectures"));
    g_clear_error(&err);
    g_assert_null(domcaps_intersect(NULL, 0, &err));
    g_assert_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG);
    g_clear_error(&err);
}

static void test_diff(void)
{
    g_autoptr(domcaps_doc) pc = load_doc("analyze/caps/x86_64-tcg-pc.xml");
    g_autoptr(domcaps_doc) q35 = load_doc("analyze/caps/x86_64-tcg-q35.xml");
    guint n = 0;
    g_autofree char *d = domcaps_diff(pc, q35, &n);
    g_assert_cmpstr(d, ==,
        "~ machine: pc-i440fx-7.2 -> pc-q35-7.2\n"
        "~ vcpu/@max: 255 -> 288\n"
        "+ os/loader: /usr/share/OVMF/OVMF_CODE_4M.ms.fd\n"
        "+ os/loader: /usr/share/OVMF/OVMF_CODE_4M.secboot.fd\n"
        "+ os/loader/enum[@name='secure']: yes\n"
        "- devices/disk/enum[@name='bus']: ide\n");
    g_assert_cmpuint(n, ==, 6);
    g_autofree char *back = domcaps_diff(q35, pc, &n);
    g_assert_cmpuint(n, ==, 6);
    g_assert_nonnull(strstr(back, "+ devices/disk/enum[@name='bus']: ide\n"));
    /* the same changes as data */
    g_autofree char *json = domcaps_diff_json(pc, q35, &n);
    g_assert_cmpuint(n, ==, 6);
    g_assert_nonnull(strstr(json, "\"count\":6"));
    g_assert_nonnull(strstr(json, "\"change\":\"removed\",\n      \"path\":\"devices/disk/enum[@name='bus']\",\n"
                                  "      \"member\":\"ide\""));
}

/* Blockers are keyed by their model: the order documents list them in
 * does not matter, and each blocking feature is a member. */
static void test_diff_blockers(void)
{
    const char *head = "<domainCapabilities><path>/q</path><domain>kvm</domain><arch>x86_64</arch>"
                       "<cpu><mode name='custom' supported='yes'>"
                       "<model usable='no'>Conroe</model><model usable='no'>Cooperlake</model>";
    g_autofree char *a_xml = g_strconcat(head, "<blockers model='Conroe'><feature name='pni'/></blockers>"
        "<blockers model='Cooperlake'><feature name='avx512f'/><feature name='hle'/></blockers>"
        "</mode></cpu></domainCapabilities>", NULL);
    g_autofree char *b_xml = g_strconcat(head, "<blockers model='Cooperlake'><feature name='avx512f'/></blockers>"
        "<blockers model='Conroe'><feature name='pni'/><feature name='ssse3'/></blockers>"
        "</mode></cpu></domainCapabilities>", NULL);
    GError *err = NULL;
    g_autoptr(domcaps_doc) a = domcaps_doc_new_from_xml(a_xml, -1, &err);
    g_assert_no_error(err);
    g_autoptr(domcaps_doc) b = domcaps_doc_new_from_xml(b_xml, -1, &err);
    g_assert_no_error(err);
    guint n = 0;
    g_autofree char *d = domcaps_diff(a, b, &n);
    g_assert_cmpstr(d, ==,
        "+ cpu/mode[@name='custom']/blockers[@model='Conroe']: ssse3\n"
        "- cpu/mode[@name='custom']/blockers[@model='Cooperlake']: hle\n");
    g_assert_cmpuint(n, ==, 2);
}

static void test_table(void)
{
    g_autoptr(domcaps_doc) pc = load_doc("analyze/caps/x86_64-tcg-pc.xml");
    g_autoptr(domcaps_doc) q35 = load_doc("analyze/caps/x86_64-tcg-q35.xml");
    g_autoptr(domcaps_doc) arm = load_doc("analyze/caps/aarch64-tcg-virt.xml");
    const domcaps_doc *docs[] = { pc, q35, arm };
    guint rows = 0, all = 0;
    g_autofree char *diff = domcaps_table(docs, NULL, 3, DOMCAPS_TABLE_DIFFERENCES, &rows);
    g_autofree char *text = domcaps_table(docs, NULL, 3, DOMCAPS_TABLE_TEXT, &all);
    g_assert_cmpuint(rows, >, 0);
    g_assert_cmpuint(rows, <, all);
    g_assert_cmpuint(strlen(diff), <, strlen(text));
    /* columns told apart by machine, as the arch is shared */
    g_assert_nonnull(strstr(text, "x86_64 pc-i440fx-7.2"));
    g_assert_nonnull(strstr(text, "\n  disk bus: ide "));
    g_autofree char *html = domcaps_table(docs, NULL, 3, DOMCAPS_TABLE_HTML, NULL);
    g_assert_true(g_str_has_prefix(html, "<!DOCTYPE html>"));
    g_assert_nonnull(strstr(html, "<table id=\"matrix\">"));
    g_assert_null(strstr(html, "http"));  /* self-contained: nothing to fetch */
    g_assert_true(g_str_has_suffix(html, "</html>\n"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/analyze/read/roundtrip", test_roundtrip);
    g_test_add_func("/analyze/read/fields", test_doc_fields);
    g_test_add_func("/analyze/read/caps-errors", test_caps_reader_errors);
    for (gsize i = 0; i < G_N_ELEMENTS(hostile); i++) {
        g_autofree char *name = g_strdup_printf("/analyze/hostile/%s", hostile[i].name);
        g_test_add_data_func(name, &hostile[i], test_hostile);
    }
    g_test_add_func("/analyze/check/supported", test_check_supported);
    g_test_add_func("/analyze/check/unsupported", test_check_unsupported);
    g_test_add_func("/analyze/check/cpu-modes", test_check_cpu_modes);
    g_test_add_func("/analyze/check/machine-alias", test_machine_alias);
    for (gsize i = 0; i < G_N_ELEMENTS(domain_cases); i++) {
        g_autofree char *name = g_strdup_printf("/analyze/check/domain/%s", domain_cases[i].domain);
        g_test_add_data_func(name, &domain_cases[i], test_domain_probe);
    }
    g_test_add_func("/analyze/check/query-refused", test_domain_query_refused);
    g_test_add_func("/analyze/reader/attribute-limit", test_attribute_limit);
    g_test_add_func("/analyze/intersect/pc-q35", test_intersect_pc_q35);
    g_test_add_func("/analyze/intersect/rules", test_intersect_rules);
    g_test_add_func("/analyze/diff", test_diff);
    g_test_add_func("/analyze/diff/blockers", test_diff_blockers);
    g_test_add_func("/analyze/table", test_table);
    return g_test_run();
}
