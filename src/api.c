/* The public entry point: resolve the query (emulator, accelerator, arch,
 * machine), get the QEMU facts (probe or replay), assemble the document. */
#include "config.h"
#include "domcaps.h"
#include "api-internal.h"
#include "util/arch.h"
#include "caps/caps.h"
#include "cache/cache.h"
#include "cache/docmemo.h"
#include "host/deps.h"
#include "host/kvm.h"
#include "host/firmware.h"
#include "cpu/cpu.h"
#include "format/releases.h"
#include "format/format.h"
#include "probe/passes.h"
#include "util/xmlread.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(domcaps-error-quark, domcaps_error)

#define DC_DEFAULT_CPU_MAP "/usr/share/libvirt/cpu_map"

/* A remembered document comes as text: its XML, printed as it is, and its
 * tree as compact JSON, built only when something walks it (JSON output,
 * check, compare...). A CLI run that prints XML never builds it. */
struct domcaps_doc {
    gsize root;        /* DcNode *, set once: at creation or on first use */
    char *xml;         /* the XML text, NULL: formatted from the tree */
    char *tree_text;   /* dc_node_to_compact_text() form when root is not set yet */
    char *emulator;
    char *arch;
    char *machine;
    char *virttype;
};

const char *domcaps_version(void) { return DOMCAPS_VERSION; }

void domcaps_doc_free(domcaps_doc *doc)
{
    if (!doc)
        return;
    dc_node_free((DcNode *)doc->root);
    g_free(doc->xml);
    g_free(doc->tree_text);
    g_free(doc->emulator);
    g_free(doc->arch);
    g_free(doc->machine);
    g_free(doc->virttype);
    g_free(doc);
}

char *domcaps_doc_to_xml(const domcaps_doc *doc)
{
    return doc->xml ? g_strdup(doc->xml) : dc_format_xml(dc_doc_root(doc));
}

char *domcaps_doc_to_json(const domcaps_doc *doc, gboolean pretty) { return dc_format_json(dc_doc_root(doc), pretty); }
const char *domcaps_doc_emulator(const domcaps_doc *doc) { return doc->emulator; }
const char *domcaps_doc_arch(const domcaps_doc *doc) { return doc->arch; }
const char *domcaps_doc_machine(const domcaps_doc *doc) { return doc->machine; }
const char *domcaps_doc_virttype(const domcaps_doc *doc) { return doc->virttype; }

static char *find_in_dirs(const DcHost *host, const char *name)
{
    const char *env_path = g_getenv("PATH");
    g_autofree char *dirs = g_strdup_printf("%s:/usr/local/bin:/usr/bin:/bin:/usr/libexec",
                                            strcmp(host->root, "/") == 0 && env_path ? env_path : "");
    g_auto(GStrv) parts = g_strsplit(dirs, ":", -1);
    for (char **d = parts; *d; d++) {
        if (!**d || **d != '/')
            continue;
        g_autofree char *abs = g_build_filename(*d, name, NULL);
        g_autofree char *p = dc_host_path(host, abs);
        if (g_file_test(p, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test(p, G_FILE_TEST_IS_DIR))
            return g_steal_pointer(&abs);
    }
    return NULL;
}

static char *find_emulator(const DcHost *host, const char *arch, GError **err)
{
    g_autoptr(GPtrArray) names = dc_arch_emulator_names(arch, dc_host_arch(host));
    for (guint i = 0; i < names->len; i++) {
        char *found = find_in_dirs(host, names->pdata[i]);
        if (found)
            return found;
    }
    /* libvirt's last resort for a native guest: the RHEL-style binary. */
    static const char qemu_kvm[] = "/usr/libexec/qemu-kvm";
    g_autofree char *kvm_path = dc_host_path(host, qemu_kvm);
    if (dc_arch_is_native(arch, dc_host_arch(host)) && g_file_test(kvm_path, G_FILE_TEST_IS_EXECUTABLE) &&
        !g_file_test(kvm_path, G_FILE_TEST_IS_DIR))
        return g_strdup(qemu_kvm);
    g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NO_EMULATOR,
                "no QEMU emulator for architecture '%s' found (looked for %s)", arch,
                names->len ? (char *)names->pdata[0] : "qemu-system-*");
    return NULL;
}

static gboolean check_emulator(const DcHost *host, const char *emulator, GError **err)
{
    g_autofree char *p = dc_host_path(host, emulator);
    struct stat st;
    if (stat(p, &st) < 0) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NO_EMULATOR, "cannot use emulator '%s': %s", emulator,
                    g_strerror(errno));
        return FALSE;
    }
    if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode) || access(p, X_OK) < 0) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NOT_EXECUTABLE, "emulator '%s' is not an executable file",
                    emulator);
        return FALSE;
    }
    return TRUE;
}


/* Translate transport/probe errors into the public error domain. */
static void public_error(GError **err, GError *inner)
{
    int code = DOMCAPS_ERROR_PROBE_FAILED;
    if (inner->domain == DC_QMP_ERROR) {
        switch (inner->code) {
        case DC_QMP_ERROR_SPAWN: code = DOMCAPS_ERROR_NOT_EXECUTABLE; break;
        case DC_QMP_ERROR_TIMEOUT: code = DOMCAPS_ERROR_PROBE_TIMEOUT; break;
        case DC_QMP_ERROR_EOF: code = DOMCAPS_ERROR_PROBE_FAILED; break;
        case DC_QMP_ERROR_PROTOCOL: code = DOMCAPS_ERROR_BAD_REPLY; break;
        case DC_QMP_ERROR_REPLAY: code = DOMCAPS_ERROR_IO; break;
        default: break;
        }
    } else if (inner->domain == DC_PROBE_ERROR && inner->code == DC_PROBE_ERROR_NOT_QEMU) {
        code = DOMCAPS_ERROR_NOT_QEMU;
    } else if (inner->domain == G_FILE_ERROR || inner->domain == DC_FIRMWARE_ERROR ||
               inner->domain == DC_CPU_ERROR) {
        code = DOMCAPS_ERROR_IO;
    }
    g_set_error_literal(err, DOMCAPS_ERROR, code, inner->message);
}

/* Resolve the machine the way libvirt does: an alias becomes its canonical
 * name; no machine means the preferred one of the emulator's own arch (not
 * the guest's: libvirt keeps it with the binary), else QEMU's default, else
 * the first listed. libvirt leaves QEMU's "none" machine out. */
static char *resolve_machine(json_object *machines, const char *emu_arch, const char *wanted, const char *emulator,
                             guint release, GError **err)
{
    gsize n = machines && json_object_is_type(machines, json_type_array) ? json_object_array_length(machines) : 0;
    const char *want = wanted ? wanted : dc_arch_preferred_machine(emu_arch, release);
    for (int pass = 0; want && pass < 2; pass++) {
        for (gsize i = 0; i < n; i++) {
            json_object *m = json_object_array_get_idx(machines, i);
            const char *key = dc_json_str(m, pass == 0 ? "name" : "alias");
            if (g_strcmp0(key, want) == 0 && g_strcmp0(dc_json_str(m, "name"), "none") != 0)
                return g_strdup(dc_json_str(m, "name"));
        }
    }
    if (wanted) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_UNKNOWN_MACHINE,
                    "the machine '%s' is not supported by emulator '%s'", wanted, emulator);
        return NULL;
    }
    for (gsize i = 0; i < n; i++) {
        json_object *m = json_object_array_get_idx(machines, i);
        if (dc_json_bool(m, "is-default", FALSE) && g_strcmp0(dc_json_str(m, "name"), "none") != 0)
            return g_strdup(dc_json_str(m, "name"));
    }
    for (gsize i = 0; i < n; i++) {
        const char *name = dc_json_str(json_object_array_get_idx(machines, i), "name");
        if (name && strcmp(name, "none") != 0)
            return g_strdup(name);
    }
    return NULL;
}

/* libvirt's words when the accelerator cannot be had. */
static void set_no_kvm_error(GError **err, const char *emulator)
{
    g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NO_KVM, "the accel 'kvm' is not supported by '%s' on this host",
                emulator);
}

/* The oldest QEMU the release works with (libvirt refuses older ones). */
static gboolean check_qemu_version(const DcFacts *facts, guint release, GError **err)
{
    int need = dc_release_behaves(release, DC_BEHAVIOUR_QEMU_6_2_REQUIRED) ? 6002000 : 4002000;
    int have = dc_facts_version(facts);
    if (have >= need)
        return TRUE;
    g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NOT_QEMU,
                "QEMU version >= %d.%d.%d is required, but %d.%d.%d found", need / 1000000, need / 1000 % 1000,
                need % 1000, have / 1000000, have / 1000 % 1000, have % 1000);
    return FALSE;
}

/* The emulator's own arch, guessed before any probe: from a
 * qemu-system-TARGET name, else the asked arch, else the host's. */
static const char *guess_emulator_arch(const DcHost *host, const domcaps_options *opts, const char *emulator,
                                       guint release)
{
    g_autofree char *base = g_path_get_basename(emulator);
    const char *by_name = g_str_has_prefix(base, "qemu-system-")
                              ? dc_arch_from_qemu_target(base + strlen("qemu-system-"), release) : NULL;
    return by_name ? by_name : opts->arch ? opts->arch : dc_host_arch(host);
}

/* libvirt keeps what its first probe of a binary saw (with KVM wherever
 * QEMU can use it) with the binary: the Hyper-V list, SEV, SGX and GIC of
 * a TCG document are KVM's. So a TCG query of an emulator the host's KVM
 * can run probes KVM too, first, as libvirt does. */
static gboolean wants_kvm_probe_too(const DcHost *host, const domcaps_options *opts, const char *emulator,
                                    const char *accel, guint release)
{
    if (strcmp(accel, "tcg") != 0 || !dc_host_kvm_usable(host))
        return FALSE;
    return dc_arch_is_native(guess_emulator_arch(host, opts, emulator, release), dc_host_arch(host));
}

/* In-process memory of the cache: a program that asks again (a daemon, the
 * Python binding) gets its answer without reading the entry file again. One
 * entry per emulator (keyed by the cache directory too); its lock is held
 * through the whole query, so concurrent callers for one emulator probe it
 * once, while different emulators proceed in parallel. */
typedef struct {
    GMutex lock;
    json_object *key;
    json_object *facts;
    DcFacts *view;   /* lookup sets over facts, built once */
    GHashTable *docs; /* query -> DcProcDoc: documents already answered (cache/docmemo.h) */
} DcProcEntry;

/* A remembered document, in memory: the memo (its validity, XML and tree text). */
typedef struct {
    json_object *memo;
} DcProcDoc;

static void proc_doc_free(gpointer p)
{
    DcProcDoc *d = p;
    json_object_put(d->memo);
    g_free(d);
}

/* More queries of one emulator than this in one process: start afresh. */
#define DC_PROC_MAX_DOCS 64

static GMutex proc_lock;
static GHashTable *proc_entries;

static DcProcEntry *proc_entry(const char *cache_dir, const char *emulator)
{
    g_autofree char *id = g_strdup_printf("%s\n%s", cache_dir, emulator);
    g_mutex_lock(&proc_lock);
    if (!proc_entries)
        proc_entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    DcProcEntry *e = g_hash_table_lookup(proc_entries, id);
    if (!e) {
        e = g_new0(DcProcEntry, 1);
        g_mutex_init(&e->lock);
        g_hash_table_insert(proc_entries, g_steal_pointer(&id), e);
    }
    g_mutex_unlock(&proc_lock);
    return e;
}

static void proc_entry_set(DcProcEntry *e, json_object *key, json_object *facts)
{
    g_clear_pointer(&e->view, dc_facts_free);
    if (e->key)
        json_object_put(e->key);
    if (e->facts)
        json_object_put(e->facts);
    e->key = json_object_get(key);
    e->facts = json_object_get(facts);
}

void dc_api_forget_facts(void)
{
    g_mutex_lock(&proc_lock);
    GHashTableIter it;
    gpointer value;
    if (proc_entries) {
        g_hash_table_iter_init(&it, proc_entries);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            DcProcEntry *e = value;
            g_mutex_lock(&e->lock);
            g_clear_pointer(&e->key, json_object_put);
            g_clear_pointer(&e->facts, json_object_put);
            g_clear_pointer(&e->view, dc_facts_free);
            g_clear_pointer(&e->docs, g_hash_table_unref);
            g_mutex_unlock(&e->lock);
        }
    }
    g_mutex_unlock(&proc_lock);
}

/* Everything that shapes a document besides the probe facts and the host
 * files its assembly reads: a remembered document answers only this. */
static char *doc_query(const domcaps_options *opts, const DcHost *host, const char *emulator,
                       const char *virttype, guint release)
{
    const char *path = strcmp(host->root, "/") == 0 ? g_getenv("PATH") : NULL;  /* swtpm lookup */
    return g_strdup_printf("emulator=%s\narch=%s\nmachine=%s\nvirttype=%s\nrelease=%u\nflags=%u\n"
                           "cpu_map=%s\nroot=%s\nprivileged=%d\nconfig=%s\nPATH=%s\n",
                           emulator, opts->arch ? opts->arch : "", opts->machine ? opts->machine : "", virttype,
                           release, (unsigned)opts->flags, opts->cpu_map_dir ? opts->cpu_map_dir : DC_DEFAULT_CPU_MAP,
                           host->root, host->privileged, host->xdg_config_home ? host->xdg_config_home : "",
                           path ? path : "");
}

static domcaps_doc *doc_new(DcNode *root, const char *emulator, const char *arch, const char *machine,
                            const char *virttype)
{
    domcaps_doc *doc = g_new0(domcaps_doc, 1);
    doc->root = (gsize)root;
    doc->emulator = g_strdup(emulator);
    doc->arch = g_strdup(arch);
    doc->machine = g_strdup(machine);
    doc->virttype = g_strdup(virttype);
    return doc;
}

/* Keep a memo in this process's entry. */
static void proc_keep_doc(DcProcEntry *proc, const char *query, json_object *memo)
{
    if (!proc->docs || g_hash_table_size(proc->docs) >= DC_PROC_MAX_DOCS) {
        g_clear_pointer(&proc->docs, g_hash_table_unref);
        proc->docs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, proc_doc_free);
    }
    DcProcDoc *d = g_new0(DcProcDoc, 1);
    d->memo = json_object_get(memo);
    g_hash_table_replace(proc->docs, g_strdup(query), d);
}

/* A document from a memo: its XML and its tree's text, copied. */
static domcaps_doc *memo_doc(json_object *memo, const char *emulator)
{
    domcaps_doc *doc = doc_new(NULL, emulator, dc_json_str(memo, "arch"), dc_json_str(memo, "machine"),
                               dc_json_str(memo, "virttype"));
    doc->xml = g_strdup(dc_json_str(memo, "xml"));
    doc->tree_text = g_strdup(dc_json_str(memo, "tree"));
    return doc;
}

/* The remembered answer to `query`, from this process or the cache
 * directory, while it still holds; NULL otherwise. A memo read from disk
 * is kept in the process too. */
static domcaps_doc *remembered_doc(DcProcEntry *proc, const char *cache_dir, const char *emulator,
                                   json_object *key, const char *query)
{
    DcProcDoc *mem = proc && proc->docs ? g_hash_table_lookup(proc->docs, query) : NULL;
    if (mem && dc_docmemo_valid(mem->memo, key, query))
        return memo_doc(mem->memo, emulator);
    g_autoptr(json_object) memo = dc_docmemo_load(cache_dir, emulator, key, query);
    if (!memo)
        return NULL;
    if (proc)
        proc_keep_doc(proc, query, memo);
    return memo_doc(memo, emulator);
}

/* Remember a finished document, in this process and in the cache directory;
 * the document keeps the XML text made for it. */
static void remember_doc(DcProcEntry *proc, const char *cache_dir, const char *emulator, json_object *key,
                         const char *query, json_object *deps, domcaps_doc *doc)
{
    if (!deps)
        return;
    /* The probe entry too: a document outlives no change to it, so an entry
     * that was corrupted or replaced is read (and repaired) on the next query. */
    g_autofree char *entry = dc_cache_entry_path(cache_dir, emulator);
    dc_deps_add_file(deps, entry);
    doc->xml = dc_format_xml(dc_doc_root(doc));
    g_autofree char *tree = dc_node_to_compact_text(dc_doc_root(doc));
    g_autoptr(json_object) memo = dc_docmemo_new(key, query, deps, doc->xml, tree, doc->arch, doc->machine,
                                                 doc->virttype);
    dc_docmemo_store(cache_dir, emulator, query, memo); /* unwritable: still an answer */
    if (proc)
        proc_keep_doc(proc, query, memo);
}

static gboolean write_file_atomic(const char *path, const char *data, gsize len, GError **err)
{
    return g_file_set_contents(path, data, len, err);
}

domcaps_doc *domcaps_get(const domcaps_options *opts, GError **err)
{
    return dc_api_get_with_facts(opts, NULL, err);
}

domcaps_doc *dc_api_get_with_facts(const domcaps_options *opts, json_object **facts_out, GError **err)
{
    if (!opts || opts->version != DOMCAPS_OPTIONS_VERSION) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, "unsupported domcaps_options version");
        return NULL;
    }
    if (opts->virttype && strcmp(opts->virttype, "kvm") != 0 && strcmp(opts->virttype, "qemu") != 0) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG,
                    "unknown virttype '%s' (domcaps knows 'kvm' and 'qemu')", opts->virttype);
        return NULL;
    }
    g_autoptr(GError) schema_err = NULL;
    guint release = dc_release_parse(opts->schema, &schema_err);
    if (!release) {
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, schema_err->message);
        return NULL;
    }
    if (opts->arch && !dc_arch_is_known(opts->arch, release)) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, "unknown architecture '%s'", opts->arch);
        return NULL;
    }
    g_autoptr(DcHost) host = dc_host_new(opts->root, geteuid() == 0,
                                         g_get_user_config_dir());

    g_autofree char *emulator = NULL;
    if (opts->emulator) {
        emulator = g_strdup(opts->emulator);
        if (!opts->replay && !check_emulator(host, emulator, err))
            return NULL;
    } else if (opts->replay) {
        g_autoptr(GPtrArray) names = dc_arch_emulator_names(opts->arch ? opts->arch : dc_host_arch(host),
                                                            dc_host_arch(host));
        emulator = g_strdup_printf("/usr/bin/%s", names->len ? (char *)names->pdata[0] : "qemu-system-x86_64");
    } else if (!(emulator = find_emulator(host, opts->arch ? opts->arch : dc_host_arch(host), err))) {
        return NULL;
    }

    /* Accelerator: explicit, or KVM when the host offers it and the guess of
     * the emulator's arch runs natively; QEMU has the last word (a KVM
     * probe it cannot run answers as TCG). */
    const char *virttype = opts->virttype;
    if (!virttype) {
        /* A transcript says itself whether its QEMU ran KVM. */
        gboolean native = dc_arch_is_native(guess_emulator_arch(host, opts, emulator, release), dc_host_arch(host));
        virttype = opts->replay || (dc_host_kvm_usable(host) && native) ? "kvm" : "qemu";
    } else if (strcmp(virttype, "kvm") == 0 && !opts->replay && !dc_host_kvm_usable(host)) {
        /* Not even started: the host has no KVM for us. */
        set_no_kvm_error(err, emulator);
        return NULL;
    }
    const char *accel = strcmp(virttype, "kvm") == 0 ? "kvm" : "tcg";

    g_autoptr(DcQmp) replay = NULL;
    GError *inner = NULL;
    if (opts->replay && !(replay = dc_qmp_replay_new(opts->replay, &inner))) {
        public_error(err, inner);
        g_error_free(inner);
        return NULL;
    }
    g_auto(DcQmpCreds) creds = { 0 };
    if (opts->user && !replay && !dc_qmp_creds_lookup(opts->user, &creds, &inner)) {
        g_set_error_literal(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_ARG, inner->message);
        g_error_free(inner);
        return NULL;
    }
    g_autoptr(GString) record = opts->record ? g_string_new(NULL) : NULL;
    g_autofree char *probe_path = dc_host_path(host, emulator);
    DcProbeRequest preq = {
        .emulator = replay ? emulator : probe_path,
        .accel = accel,
        .timeout_ms = opts->timeout_ms,
        .replay = replay,
        .record = record,
        .creds = creds.name ? &creds : NULL,
        .ask = DC_PROBE_ASK_ALL,
        .questions = dc_caps_questions(),
    };
    /* Replays and recordings always talk QMP; everything else may be cached. */
    gboolean use_cache = !replay && !record && opts->cache != DOMCAPS_CACHE_OFF;
    g_autofree char *cache_dir = use_cache ? (opts->cache_dir ? g_strdup(opts->cache_dir) : dc_cache_default_dir()) : NULL;
    g_autoptr(json_object) cache_key = use_cache ? dc_cache_key_new(host, emulator, probe_path, preq.creds) : NULL;
    g_autoptr(json_object) facts_json = NULL;
    DcProcEntry *proc = cache_key ? proc_entry(cache_dir, emulator) : NULL;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) proc_locker = proc ? g_mutex_locker_new(&proc->lock) : NULL;
    g_autofree char *query = cache_key ? doc_query(opts, host, emulator, virttype, release) : NULL;
    if (query && opts->cache != DOMCAPS_CACHE_REFRESH && !facts_out) {
        domcaps_doc *doc = remembered_doc(proc, cache_dir, emulator, cache_key, query);
        if (doc)
            return doc;
    }
    if (proc && opts->cache != DOMCAPS_CACHE_REFRESH && proc->key && json_object_equal(proc->key, cache_key))
        facts_json = json_object_get(proc->facts);
    else if (cache_key && opts->cache != DOMCAPS_CACHE_REFRESH)
        facts_json = dc_cache_load(cache_dir, emulator, cache_key, NULL);
    gboolean dirty = FALSE;
    if (!opts->virttype && strcmp(accel, "kvm") == 0 && facts_json && dc_json_bool(facts_json, "kvm-refused", FALSE)) {
        virttype = "qemu";  /* this binary's KVM probe ran as TCG before */
        accel = preq.accel = "tcg";
    }
    if (!facts_json || !dc_facts_json_has_accel(facts_json, accel)) {
        /* swtpm's answer is wanted by the assembly unless the entry knows it. */
        GThread *swtpm = replay ? NULL : dc_host_swtpm_prefetch(host);
        json_object *fresh = dc_probe_passes(&preq, facts_json, wants_kvm_probe_too(host, opts, emulator, accel, release),
                                             &inner);
        if (swtpm)
            g_thread_join(swtpm);
        if (!fresh && !opts->virttype && strcmp(accel, "kvm") == 0 &&
            g_error_matches(inner, DC_QMP_ERROR, DC_QMP_ERROR_EOF)) {
            /* KVM guessed but this emulator cannot use it (QEMU exits when
             * KVM fails to start): fall back to TCG. A hang or garbage would
             * be the same with TCG, and must not cost a second deadline. */
            g_clear_error(&inner);
            virttype = "qemu";
            accel = "tcg";
            preq.accel = accel;
            if (record)
                g_string_truncate(record, 0);
            fresh = dc_probe_passes(&preq, facts_json, FALSE, &inner);
        }
        if (!fresh) {
            public_error(err, inner);
            g_error_free(inner);
            return NULL;
        }
        if (facts_json)
            json_object_put(facts_json);
        facts_json = fresh;  /* the cached facts, completed, or new ones */
        dirty = TRUE;
    }
    if (!opts->virttype && strcmp(accel, "kvm") == 0 && !dc_facts_json_has_accel(facts_json, "kvm") &&
        dc_facts_json_has_accel(facts_json, "tcg")) {
        /* KVM guessed, and QEMU ran its KVM probe as TCG: a TCG answer. */
        virttype = "qemu";
        accel = preq.accel = "tcg";
    }
    /* The path is reported as the caller named it, not as found under a root. */
    json_object_object_add(facts_json, "emulator", json_object_new_string(emulator));
    /* Building the lookup sets costs more than the rest of a warm call, so
     * the in-process entry keeps them with its facts. */
    g_autoptr(DcFacts) facts_owned = NULL;
    DcFacts *facts = proc && proc->facts == facts_json && proc->view ? proc->view
                                                                    : (facts_owned = dc_facts_new_from_json(facts_json));
    json_object *memo = NULL;
    if (cache_key && !json_object_object_get_ex(facts_json, "memo", &memo)) {
        memo = json_object_new_object();
        json_object_object_add(facts_json, "memo", memo);
    }
    if (record && !write_file_atomic(opts->record, record->str, record->len, &inner)) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO, "cannot write transcript: %s", inner->message);
        g_error_free(inner);
        return NULL;
    }

    const char *target = dc_facts_target(facts);
    const char *emu_arch = dc_arch_from_qemu_target(target, release);
    if (!emu_arch) {
        g_autofree char *rel = dc_release_name(release);
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_NOT_QEMU,
                    "emulator '%s' reports QEMU target '%s', which is no libvirt %s architecture", emulator,
                    target, rel);
        return NULL;
    }
    if (!check_qemu_version(facts, release, err))
        return NULL;
    const char *arch = opts->arch ? opts->arch : emu_arch;
    if (!dc_arch_same_family(arch, emu_arch)) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_ARCH_MISMATCH,
                    "architecture from emulator '%s' doesn't match given architecture '%s'", emu_arch, arch);
        return NULL;
    }
    if (!dc_arch_served_by(arch, emu_arch)) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_ARCH_MISMATCH, "Emulator '%s' does not support arch '%s'",
                    emulator, arch);
        return NULL;
    }
    if (strcmp(accel, "kvm") == 0 && !dc_facts_has_accel(facts, "kvm")) {
        set_no_kvm_error(err, emulator);
        return NULL;
    }

    /* Store what was probed once the binary is known to be the emulator the
     * query is about (a QEMU of another architecture is an error, and leaves
     * no entry); a later error in the query (an unknown machine) does not make
     * the facts wrong. */
    if (cache_key && dirty)
        dc_cache_store(cache_dir, emulator, cache_key, facts_json, NULL); /* no cache: still an answer */
    if (proc && proc->facts != facts_json)
        proc_entry_set(proc, cache_key, facts_json);
    if (proc && !proc->view && facts_owned)
        proc->view = g_steal_pointer(&facts_owned);

    g_autofree char *machine = resolve_machine(dc_facts_accel(facts, accel, "machines"), emu_arch, opts->machine,
                                               emulator, release, err);
    if (!machine && opts->machine)
        return NULL;

    DcCapsQuery q = {
        .path = emulator,
        .arch = arch,
        .emu_arch = emu_arch,
        .machine = machine,
        .virttype = virttype,
        .cpu_map_dir = opts->cpu_map_dir ? opts->cpu_map_dir : DC_DEFAULT_CPU_MAP,
        .release = release,
    };
    gboolean memo_changed = FALSE;
    host->memo = memo;
    if (query)
        dc_host_deps_begin(host);
    DcNode *root = dc_caps_assemble(facts, host, &q, memo, &memo_changed, &inner);
    memo_changed |= host->memo_changed;
    host->memo = NULL;
    if (root && cache_key && memo_changed)
        dc_cache_store(cache_dir, emulator, cache_key, facts_json, NULL);
    if (!root) {
        public_error(err, inner);
        g_error_free(inner);
        return NULL;
    }
    dc_api_apply_cpu_flags(root, facts, host, accel, arch, q.cpu_map_dir, opts->flags);
    g_autoptr(json_object) deps = dc_host_deps_end(host);
    domcaps_doc *doc = doc_new(root, emulator, arch, machine, virttype);
    /* The binary a wrapper runs is one of the document's files too. */
    if (deps && dc_json_str(facts_json, "executable"))
        dc_deps_add_file(deps, dc_json_str(facts_json, "executable"));
    if (query)
        remember_doc(proc, cache_dir, emulator, cache_key, query, deps, doc);
    if (facts_out)
        *facts_out = json_object_get(facts_json);
    return doc;
}

/* For the other public entry points (src/analyze/api.c): a document from a
 * tree read elsewhere, and the tree of a document. */
domcaps_doc *dc_doc_new_take(DcNode *root)
{
    domcaps_doc *doc = g_new0(domcaps_doc, 1);
    static const char *const fields[] = { "path", "arch", "machine", "domain" };
    char **slots[] = { &doc->emulator, &doc->arch, &doc->machine, &doc->virttype };
    for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
        const DcNode *n = dc_node_child(root, fields[i], NULL);
        *slots[i] = g_strdup(n ? n->text : NULL);
    }
    doc->root = (gsize)root;
    return doc;
}

const DcNode *dc_doc_root(const domcaps_doc *cdoc)
{
    domcaps_doc *doc = (domcaps_doc *)cdoc;  /* the tree is built once, on first use */
    if (g_once_init_enter(&doc->root)) {
        DcNode *root = dc_node_from_compact_text(doc->tree_text);
        /* Only a memo that was valid JSON gets here, so a tree that is not
         * one was damaged on disk: the XML is the same document, and
         * nothing at all reads as an empty one rather than a crash. */
        if (!root && doc->xml)
            root = dc_xml_read(doc->xml, strlen(doc->xml), "domainCapabilities", "remembered document", NULL);
        if (!root)
            root = dc_node_new("domainCapabilities");
        g_clear_pointer(&doc->tree_text, g_free);
        g_once_init_leave(&doc->root, (gsize)root);
    }
    return (const DcNode *)doc->root;
}
