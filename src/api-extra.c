/* Public entry points beside domcaps_get(): the host-model changes of
 * libvirt's newer domcapabilities flags, the firmware explanation and the
 * cache directory listing. */
#include "config.h"
#include "domcaps.h"
#include "api-internal.h"
#include "cache/cache.h"
#include "cache/docmemo.h"
#include "cpu/cpu.h"
#include "caps/sections.h"
#include "format/releases.h"
#include "host/kvm.h"
#include "probe/facts.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* ---- domcaps_options.flags ---------------------------------------------- */

static GPtrArray *host_model_features(const DcNode *mode)
{
    GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)dc_cpu_feature_free);
    for (guint i = 0; i < mode->children->len; i++) {
        const DcNode *c = mode->children->pdata[i];
        if (strcmp(c->name, "feature") != 0)
            continue;
        DcCpuFeature *f = g_new0(DcCpuFeature, 1);
        f->name = g_strdup(dc_node_get_attr(c, "name"));
        f->policy = g_strdup(dc_node_get_attr(c, "policy"));
        g_ptr_array_add(list, f);
    }
    return list;
}

static DcCpuFeature *feature_find(GPtrArray *list, const char *name)
{
    for (guint i = 0; i < list->len; i++) {
        DcCpuFeature *f = list->pdata[i];
        if (g_strcmp0(f->name, name) == 0)
            return f;
    }
    return NULL;
}

static void feature_set(GPtrArray *list, const char *name, const char *policy)
{
    DcCpuFeature *f = feature_find(list, name);
    if (!f) {
        f = g_new0(DcCpuFeature, 1);
        f->name = g_strdup(name);
        g_ptr_array_add(list, f);
    } else {
        g_free(f->policy);
    }
    f->policy = g_strdup(policy);
}

/* QEMU (9.1 and newer, s390x) lists the features it deprecates for a model
 * in "deprecated-props" of the expansion reply. */
static void add_deprecated(GPtrArray *list, json_object *expansion)
{
    json_object *dep = NULL, *model = NULL;
    if (!expansion)
        return;
    if (!json_object_object_get_ex(expansion, "deprecated-props", &dep) &&
        json_object_object_get_ex(expansion, "model", &model))
        json_object_object_get_ex(model, "deprecated-props", &dep);
    for (size_t i = 0; dep && json_object_is_type(dep, json_type_array) && i < json_object_array_length(dep); i++) {
        json_object *n = json_object_array_get_idx(dep, i);
        if (json_object_is_type(n, json_type_string))
            feature_set(list, json_object_get_string(n), "disable");
    }
}

#define MSR_IA32_ARCH_CAPABILITIES 0x10a

void dc_api_apply_cpu_flags(DcNode *root, const DcFacts *facts, const DcHost *host, const char *accel,
                            const char *arch, const char *cpu_map_dir, unsigned int flags)
{
    DcNode *cpu = dc_node_child(root, "cpu", NULL);
    DcNode *mode = cpu ? dc_node_child(cpu, "mode", "host-model") : NULL;
    if (!flags || !mode || g_strcmp0(dc_node_get_attr(mode, "supported"), "yes") != 0)
        return;
    const DcNode *model = dc_node_child(mode, "model", NULL);
    json_object *expansion = dc_facts_accel(facts, accel, "cpu-expansion");
    json_object *expansion_nm = dc_facts_accel(facts, accel, "cpu-expansion-nonmigratable");
    g_autoptr(GPtrArray) features = host_model_features(mode);
    g_autoptr(DcCpuMap) map = NULL;
    if (cpu_map_dir && dc_cpu_family_for_arch(arch) == DC_CPU_FAMILY_X86) {
        g_autofree char *dir = dc_host_path(host, cpu_map_dir);
        map = dc_cpu_map_load(dir, arch, NULL);
    }

    /* What the host supports but host-model leaves out by default: the
     * IA32_ARCH_CAPABILITIES features (QEMU 10.1 and newer masks the MSR),
     * as KVM offers them, and as QEMU's expansions report them. */
    if ((flags & DOMCAPS_GET_SUPPORTED_CPU_FEATURES) && map) {
        g_autoptr(GPtrArray) extra = dc_cpu_x86_arch_capabilities_features(map, expansion, expansion_nm);
        guint64 msr = 0;
        if (strcmp(accel, "kvm") == 0 && dc_host_kvm_feature_msr(host, MSR_IA32_ARCH_CAPABILITIES, &msr)) {
            g_autoptr(GPtrArray) from_kvm = dc_cpu_x86_msr_features(map, MSR_IA32_ARCH_CAPABILITIES, msr);
            for (guint i = 0; i < from_kvm->len; i++)
                if (!g_ptr_array_find_with_equal_func(extra, from_kvm->pdata[i], g_str_equal, NULL))
                    g_ptr_array_add(extra, g_strdup(from_kvm->pdata[i]));
        }
        gboolean added = FALSE;
        for (guint i = 0; i < extra->len; i++) {
            if (!feature_find(features, extra->pdata[i])) {
                feature_set(features, extra->pdata[i], "require");
                added = TRUE;
            }
        }
        /* The MSR is only there for a guest whose CPUID says so. */
        if (added && !feature_find(features, "arch-capabilities"))
            feature_set(features, "arch-capabilities", "require");
    }
    if (flags & DOMCAPS_GET_DISABLE_DEPRECATED_FEATURES)
        add_deprecated(features, expansion);
    if ((flags & DOMCAPS_GET_EXPAND_CPU_FEATURES) && map && model) {
        GPtrArray *expanded = dc_cpu_x86_expand_features(map, model->text, features, NULL);
        if (expanded) {
            g_ptr_array_unref(features);
            features = expanded;
        }
    }

    /* Replace the <feature> children, keeping model and vendor first. */
    for (guint i = mode->children->len; i-- > 0;) {
        DcNode *c = mode->children->pdata[i];
        if (strcmp(c->name, "feature") == 0)
            g_ptr_array_remove_index(mode->children, i);
    }
    for (guint i = 0; i < features->len; i++) {
        const DcCpuFeature *f = features->pdata[i];
        DcNode *fn = dc_node_add(mode, "feature");
        dc_node_set_attr(fn, "policy", f->policy);
        dc_node_set_attr(fn, "name", f->name);
    }
}

/* ---- firmware ---------------------------------------------------------- */

char **domcaps_explain_firmware(const domcaps_options *opts, const domcaps_doc *doc)
{
    g_autoptr(DcHost) host = dc_host_new(opts ? opts->root : NULL, geteuid() == 0, g_get_user_config_dir());
    /* The release reads the descriptors: an unknown schema cannot have
     * given a document, so it cannot get here. */
    guint release = dc_release_parse(opts ? opts->schema : NULL, NULL);
    g_autoptr(GPtrArray) lines = dc_caps_explain_os(host, domcaps_doc_arch(doc), domcaps_doc_machine(doc),
                                                    release ? release : DC_RELEASE_NEWEST);
    GStrvBuilder *b = g_strv_builder_new();
    for (guint i = 0; i < lines->len; i++)
        g_strv_builder_add(b, lines->pdata[i]);
    char **out = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return out;
}

/* ---- cache directory --------------------------------------------------- */

void domcaps_cache_entry_free(domcaps_cache_entry *entry)
{
    if (!entry)
        return;
    g_free(entry->path);
    g_free(entry->emulator);
    g_free(entry->summary);
    g_free(entry->reason);
    g_free(entry);
}

/* "<name>-<16 hex digits>.json": what dc_cache_entry_path() writes. */
static gboolean looks_like_entry(const char *name)
{
    gsize n = strlen(name);
    if (n < 23 || !g_str_has_suffix(name, ".json") || name[n - 22] != '-')
        return FALSE;
    for (gsize i = n - 21; i < n - 5; i++)
        if (!g_ascii_isxdigit(name[i]))
            return FALSE;
    return TRUE;
}

static char *summarize(json_object *key, json_object *facts)
{
    g_autoptr(GString) s = g_string_new(NULL);
    json_object *q = NULL, *accel = NULL, *bin = NULL;
    if (facts && json_object_object_get_ex(facts, "qemu", &q))
        g_string_append_printf(s, "QEMU %" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                               dc_json_int(q, "major", 0), dc_json_int(q, "minor", 0), dc_json_int(q, "micro", 0));
    if (facts && dc_json_str(facts, "target"))
        g_string_append_printf(s, "%starget %s", s->len ? ", " : "", dc_json_str(facts, "target"));
    if (facts && json_object_object_get_ex(facts, "accel", &accel) && json_object_is_type(accel, json_type_object)) {
        g_string_append_printf(s, "%sprobed", s->len ? ", " : "");
        const char *sep = " ";
        json_object_object_foreach(accel, name, v) {
            (void)v;
            g_string_append_printf(s, "%s%s", sep, name);
            sep = "+";
        }
    }
    if (key && json_object_object_get_ex(key, "binary", &bin))
        g_string_append_printf(s, "%sbinary %" G_GINT64_FORMAT " bytes, mtime %s", s->len ? ", " : "",
                               dc_json_int(bin, "size", 0), dc_json_str(bin, "mtime") ? dc_json_str(bin, "mtime") : "?");
    if (key && dc_json_str(key, "kvm"))
        g_string_append_printf(s, ", /dev/kvm %s", dc_json_str(key, "kvm"));
    if (key && dc_json_str(key, "kernel"))
        g_string_append_printf(s, ", kernel %s", dc_json_str(key, "kernel"));
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static domcaps_cache_entry *examine(const DcHost *host, const char *dir, const char *name)
{
    domcaps_cache_entry *e = g_new0(domcaps_cache_entry, 1);
    e->path = g_build_filename(dir, name, NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    if (g_file_test(e->path, G_FILE_TEST_IS_SYMLINK) || !g_file_test(e->path, G_FILE_TEST_IS_REGULAR)) {
        e->reason = g_strdup("not a regular file");
        return e;
    }
    if (!g_file_get_contents(e->path, &data, &len, NULL)) {
        e->reason = g_strdup("entry unreadable");
        return e;
    }
    g_autoptr(json_object) entry = json_tokener_parse(data);
    json_object *key = NULL, *facts = NULL;
    if (!entry || !json_object_is_type(entry, json_type_object)) {
        e->reason = g_strdup("corrupt entry");
        return e;
    }
    json_object_object_get_ex(entry, "key", &key);
    json_object_object_get_ex(entry, "facts", &facts);
    e->emulator = g_strdup(key ? dc_json_str(key, "emulator") : NULL);
    e->summary = summarize(key, facts);
    if (dc_json_int(entry, "domcaps-cache", -1) != DC_CACHE_FORMAT) {
        e->reason = g_strdup("entry from another domcaps version");
        return e;
    }
    if (!e->emulator) {
        e->reason = g_strdup("entry has no key");
        return e;
    }
    /* An entry is found by the name its emulator hashes to; any other name
     * is never read. */
    g_autofree char *expected = dc_cache_entry_path(dir, e->emulator);
    if (strcmp(expected, e->path) != 0) {
        e->reason = g_strdup("file name does not match its emulator");
        return e;
    }
    g_autofree char *probe_path = dc_host_path(host, e->emulator);
    g_autoptr(json_object) current = dc_cache_key_new(host, e->emulator, probe_path, NULL);
    if (!current) {
        e->reason = g_strdup_printf("emulator %s is gone", e->emulator);
        return e;
    }
    char *why = NULL;
    g_autoptr(json_object) loaded = dc_cache_load(dir, e->emulator, current, &why);
    if (loaded)
        e->valid = TRUE;
    else
        e->reason = why ? why : g_strdup("unusable entry");
    return e;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *domcaps_cache_list(const char *cache_dir, const char *root, GError **err)
{
    g_autofree char *dir = cache_dir ? g_strdup(cache_dir) : dc_cache_default_dir();
    GError *inner = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &inner);
    if (!d) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO, "cannot read cache directory: %s", inner->message);
        g_error_free(inner);
        return NULL;
    }
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)))
        if (looks_like_entry(name))
            g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    g_autoptr(DcHost) host = dc_host_new(root, geteuid() == 0, g_get_user_config_dir());
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)domcaps_cache_entry_free);
    for (guint i = 0; i < names->len; i++)
        g_ptr_array_add(out, examine(host, dir, names->pdata[i]));
    return out;
}

int domcaps_cache_prune(const char *cache_dir, const char *root, GPtrArray **removed, GError **err)
{
    g_autoptr(GPtrArray) entries = domcaps_cache_list(cache_dir, root, err);
    if (!entries)
        return -1;
    if (removed)
        *removed = g_ptr_array_new_with_free_func(g_free);
    int n = 0;
    for (guint i = 0; i < entries->len; i++) {
        const domcaps_cache_entry *e = entries->pdata[i];
        if (e->valid)
            continue;
        if (unlink(e->path) < 0 && errno != ENOENT) {
            g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO, "cannot remove %s: %s", e->path, g_strerror(errno));
            return -1;
        }
        n++;
        if (removed)
            g_ptr_array_add(*removed, g_strdup(e->path));
    }
    /* Remembered documents are derived from the entries and rebuilt on
     * demand: prune drops them all rather than judge each. */
    g_autofree char *dir = cache_dir ? g_strdup(cache_dir) : dc_cache_default_dir();
    dc_docmemo_clear(dir);
    g_autofree char *docs = g_build_filename(dir, "docs", NULL);
    rmdir(docs);  /* when empty */
    return n;
}
