#include "cache/session.h"
#include "format/releases.h"
#include "api-internal.h"
#include "cache/cache.h"
#include "cache/docmemo.h"
#include "caps/caps.h"
#include "host/deps.h"
#include "probe/passes.h"
#include <unistd.h>

/* In-process memory of the cache: a program that asks again (a daemon, the
 * Python binding) gets its answer without reading the entry file again. One
 * entry per emulator (keyed by the cache directory too); its lock is held
 * through the whole query, so concurrent callers for one emulator probe it
 * once, while different emulators proceed in parallel. */
struct DcProcEntry {
    GMutex lock;
    json_object *key;
    json_object *facts;
    DcFacts *view;    /* lookup sets over facts, built once */
    GHashTable *docs; /* query -> json_object memo: documents already answered (cache/docmemo.h) */
};

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
    g_clear_pointer(&e->key, json_object_put);
    g_clear_pointer(&e->facts, json_object_put);
    e->key = json_object_get(key);
    e->facts = json_object_get(facts);
}

void dc_session_forget_all(void)
{
    g_mutex_lock(&proc_lock);
    GHashTableIter it;
    gpointer value;
    if (proc_entries) {
        g_hash_table_iter_init(&it, proc_entries);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            DcProcEntry *e = value;
            g_mutex_lock(&e->lock);
            proc_entry_set(e, NULL, NULL);
            g_clear_pointer(&e->docs, g_hash_table_unref);
            g_mutex_unlock(&e->lock);
        }
    }
    g_mutex_unlock(&proc_lock);
}

static void memo_unref(gpointer memo)
{
    json_object_put(memo);
}

/* Keep a memo in this process's entry. */
static void proc_keep_doc(DcProcEntry *proc, const char *query, json_object *memo)
{
    if (!proc->docs || g_hash_table_size(proc->docs) >= DC_PROC_MAX_DOCS) {
        g_clear_pointer(&proc->docs, g_hash_table_unref);
        proc->docs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, memo_unref);
    }
    g_hash_table_replace(proc->docs, g_strdup(query), json_object_get(memo));
}

/* Everything that shapes a document besides the probe facts and the host
 * files its assembly read: a remembered document answers only this. */
static char *doc_query(const DcQuery *q)
{
    const domcaps_options *opts = q->opts;
    const DcHost *host = q->host;
    const char *path = strcmp(host->root, "/") == 0 ? g_getenv("PATH") : NULL;  /* swtpm lookup */
    return g_strdup_printf("emulator=%s\narch=%s\nmachine=%s\nvirttype=%s\nrelease=%u\nflags=%u\n"
                           "cpu_map=%s\nroot=%s\nprivileged=%d\nconfig=%s\nPATH=%s\n",
                           q->emulator, opts->arch ? opts->arch : "", opts->machine ? opts->machine : "",
                           q->virttype, q->release, (unsigned)opts->flags,
                           opts->cpu_map_dir ? opts->cpu_map_dir : DC_DEFAULT_CPU_MAP, host->root,
                           host->privileged, host->xdg_config_home ? host->xdg_config_home : "", path ? path : "");
}

/* Keep a line for the caller (taken over). */
static void warn(DcSession *s, char *line)
{
    if (!s->warnings)
        s->warnings = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(s->warnings, line);
}

GPtrArray *dc_session_take_warnings(DcSession *s)
{
    return g_steal_pointer(&s->warnings);
}

/* Release the entry's probe lock, if held. */
static void unlock(DcSession *s)
{
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    s->lock_fd = -1;
}

void dc_session_open(DcSession *s, DcQuery *q)
{
    memset(s, 0, sizeof(*s));
    s->lock_fd = -1;
    s->query = q;
    s->record = q->opts->record ? g_string_new(NULL) : NULL;
    /* Replays and recordings always talk QMP; everything else may be cached. */
    if (q->replay || s->record || q->opts->cache == DOMCAPS_CACHE_OFF)
        return;
    s->cache_dir = q->opts->cache_dir ? g_strdup(q->opts->cache_dir) : dc_cache_default_dir();
    g_autofree char *untrusted = dc_cache_dir_untrusted(s->cache_dir);
    if (untrusted) {
        /* neither read nor written: what another user can write is no answer */
        warn(s, g_strdup_printf("untrusted probe cache %s not used: %s", s->cache_dir, untrusted));
        g_clear_pointer(&s->cache_dir, g_free);
        return;
    }
    s->key = dc_cache_key_new(q->host, q->emulator, q->probe_path, q->creds.name ? &q->creds : NULL);
    if (!s->key)
        return;
    s->proc = proc_entry(s->cache_dir, q->emulator);
    s->locker = g_mutex_locker_new(&s->proc->lock);
    s->doc_query = doc_query(q);
    g_autofree char *docs = g_build_filename(s->cache_dir, "docs", NULL);
    g_autofree char *docs_untrusted = dc_cache_dir_untrusted(docs);
    if (docs_untrusted) {
        warn(s, g_strdup_printf("untrusted remembered documents not used: %s", docs_untrusted));
        g_clear_pointer(&s->doc_query, g_free);
    }
}

void dc_session_close(DcSession *s)
{
    if (s->facts_owned)
        dc_facts_free(s->facts);
    g_clear_pointer(&s->facts_json, json_object_put);
    unlock(s);
    g_clear_pointer(&s->locker, g_mutex_locker_free);
    g_clear_pointer(&s->key, json_object_put);
    g_clear_pointer(&s->cache_dir, g_free);
    g_clear_pointer(&s->doc_query, g_free);
    g_clear_pointer(&s->warnings, g_ptr_array_unref);
    if (s->record)
        g_string_free(s->record, TRUE);
    memset(s, 0, sizeof(*s));
    s->lock_fd = -1;
}

/* A document from a memo: its XML and its tree's text. */
static domcaps_doc *memo_doc(json_object *memo, const char *emulator)
{
    return dc_doc_new_from_text(dc_json_str(memo, "xml"), dc_json_str(memo, "tree"), emulator,
                                dc_json_str(memo, "arch"), dc_json_str(memo, "machine"),
                                dc_json_str(memo, "virttype"));
}

domcaps_doc *dc_session_remembered(DcSession *s)
{
    if (!s->doc_query || s->query->opts->cache == DOMCAPS_CACHE_REFRESH)
        return NULL;
    json_object *mem = s->proc->docs ? g_hash_table_lookup(s->proc->docs, s->doc_query) : NULL;
    if (mem && dc_docmemo_valid(mem, s->key, s->doc_query))
        return memo_doc(mem, s->query->emulator);
    g_autoptr(json_object) memo = dc_docmemo_load(s->cache_dir, s->query->emulator, s->key, s->doc_query);
    if (!memo)
        return NULL;
    proc_keep_doc(s->proc, s->doc_query, memo);
    return memo_doc(memo, s->query->emulator);
}

/* Layer 2: facts from this process's memory or the entry file. */
static json_object *cached_facts(DcSession *s)
{
    if (!s->key || s->query->opts->cache == DOMCAPS_CACHE_REFRESH)
        return NULL;
    if (s->proc->key && json_object_equal(s->proc->key, s->key))
        return json_object_get(s->proc->facts);
    g_autofree char *why = NULL;
    json_object *facts = dc_cache_load(s->cache_dir, s->query->emulator, s->key, &why);
    if (why && g_str_has_prefix(why, DC_CACHE_UNTRUSTED))
        warn(s, g_strdup_printf("untrusted probe cache entry not used: %s; probed again",
                                why + strlen(DC_CACHE_UNTRUSTED)));
    return facts;
}

static DcProbeRequest probe_request(DcSession *s)
{
    DcQuery *q = s->query;
    DcProbeRequest req = {
        .emulator = q->replay ? q->emulator : q->probe_path,
        .accel = dc_query_accel(q),
        .timeout_ms = q->opts->timeout_ms,
        .replay = q->replay,
        .record = s->record,
        .creds = q->creds.name ? &q->creds : NULL,
        .ask = DC_PROBE_ASK_ALL,
        .questions = dc_caps_questions(),
    };
    return req;
}

/* Layer 3: probe what the facts lack for the query's accelerator. */
static json_object *probe_missing(DcSession *s, json_object *have, GError **err)
{
    DcQuery *q = s->query;
    DcProbeRequest req = probe_request(s);
    /* swtpm's answer is wanted by the assembly unless the entry knows it. */
    GThread *swtpm = q->replay ? NULL : dc_host_swtpm_prefetch(q->host);
    GError *inner = NULL;
    json_object *fresh = dc_probe_passes(&req, have, dc_query_wants_kvm_probe(q), &inner);
    if (swtpm)
        g_thread_join(swtpm);
    if (!fresh && q->virttype_guessed && strcmp(req.accel, "kvm") == 0 &&
        g_error_matches(inner, DC_QMP_ERROR, DC_QMP_ERROR_EOF)) {
        /* KVM guessed and QEMU exited rather than fall back to TCG: ask
         * TCG. A hang or garbage would be the same with TCG, and must not
         * cost a second deadline. */
        g_clear_error(&inner);
        dc_query_use_tcg(q);
        req.accel = dc_query_accel(q);
        if (s->record)
            g_string_truncate(s->record, 0);
        fresh = dc_probe_passes(&req, have, FALSE, &inner);
    }
    if (!fresh)
        g_propagate_error(err, inner);
    return fresh;
}

static gboolean write_record(DcSession *s, GError **err)
{
    GError *inner = NULL;
    if (!s->record || g_file_set_contents(s->query->opts->record, s->record->str, s->record->len, &inner))
        return TRUE;
    /* GLib's message names its temporary file; the reason is its end. */
    const char *colon = strrchr(inner->message, ':');
    g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO, "cannot write transcript %s: %s", s->query->opts->record,
                colon && colon[1] == ' ' ? colon + 2 : inner->message);
    g_error_free(inner);
    return FALSE;
}

/* The lookup view: building it costs more than the rest of a warm call, so
 * the in-process entry keeps it with its facts. */
static void make_view(DcSession *s)
{
    if (s->proc && s->proc->facts == s->facts_json && s->proc->view) {
        s->facts = s->proc->view;
        return;
    }
    s->facts = dc_facts_new_from_json(s->facts_json);
    s->facts_owned = TRUE;
}

/* The facts at hand: a guessed KVM that this binary's probe ran as TCG
 * before turns the query to TCG. */
static void take_facts(DcSession *s, json_object *facts)
{
    DcQuery *q = s->query;
    g_clear_pointer(&s->facts_json, json_object_put);
    s->facts_json = facts;
    if (q->virttype_guessed && strcmp(q->virttype, "kvm") == 0 && s->facts_json &&
        dc_json_bool(s->facts_json, "kvm-refused", FALSE))
        dc_query_use_tcg(q);
}

static gboolean facts_answer(const DcSession *s)
{
    return s->facts_json && dc_facts_json_has_accel(s->facts_json, dc_query_accel(s->query));
}

/* Before probing, the entry's lock: a query of the same binary in another
 * process may be probing it now. Once the lock is ours, the entry is read
 * again, since whoever held it may have stored what we lack. */
static void wait_for_other_probes(DcSession *s)
{
    DcQuery *q = s->query;
    if (!s->key)
        return;
    s->lock_fd = dc_cache_lock(s->cache_dir, q->emulator, q->opts->timeout_ms > 0 ? q->opts->timeout_ms : 30000);
    if (s->lock_fd >= 0 && q->opts->cache != DOMCAPS_CACHE_REFRESH) {
        json_object *stored = dc_cache_load(s->cache_dir, q->emulator, s->key, NULL);
        if (stored)
            take_facts(s, stored);
    }
    if (facts_answer(s))
        unlock(s);  /* nothing to probe: the next waiter need not wait for our assembly */
}

gboolean dc_session_facts(DcSession *s, GError **err)
{
    DcQuery *q = s->query;
    take_facts(s, cached_facts(s));
    if (!facts_answer(s))
        wait_for_other_probes(s);
    if (!facts_answer(s)) {
        json_object *fresh = probe_missing(s, s->facts_json, err);
        if (!fresh)
            return FALSE;
        g_clear_pointer(&s->facts_json, json_object_put);
        s->facts_json = fresh;  /* the cached facts, completed, or new ones */
        s->dirty = TRUE;
    }
    if (q->virttype_guessed && strcmp(q->virttype, "kvm") == 0 && !dc_facts_json_has_accel(s->facts_json, "kvm") &&
        dc_facts_json_has_accel(s->facts_json, "tcg"))
        dc_query_use_tcg(q);  /* QEMU ran the guessed KVM probe as TCG */
    /* The path is reported as the caller named it, not as found under a root. */
    json_object_object_add(s->facts_json, "emulator", json_object_new_string(q->emulator));
    if (s->key && !json_object_object_get_ex(s->facts_json, "memo", &s->memo)) {
        s->memo = json_object_new_object();
        json_object_object_add(s->facts_json, "memo", s->memo);
    }
    make_view(s);
    return write_record(s, err);
}

void dc_session_keep_facts(DcSession *s, gboolean memo_changed)
{
    if (!s->key)
        return;
    if (s->dirty || memo_changed)
        dc_cache_store(s->cache_dir, s->query->emulator, s->key, s->facts_json, NULL); /* unwritable: still an answer */
    s->dirty = FALSE;
    unlock(s);  /* stored: the queries waiting read it while we assemble */
    if (s->proc->facts != s->facts_json)
        proc_entry_set(s->proc, s->key, s->facts_json);
    if (!s->proc->view && s->facts_owned) {
        s->proc->view = s->facts;  /* the entry keeps the view from now on */
        s->facts_owned = FALSE;
    }
}

void dc_session_remember(DcSession *s, domcaps_doc *doc, json_object *deps)
{
    if (!s->doc_query || !deps)
        return;
    /* The probe entry too: a document outlives no change to it, so an entry
     * that was corrupted or replaced is read (and repaired) on the next
     * query; and the binary a wrapper runs is one of its files. */
    g_autofree char *entry = dc_cache_entry_path(s->cache_dir, s->query->emulator);
    dc_deps_add_file(deps, entry);
    if (dc_json_str(s->facts_json, "executable"))
        dc_deps_add_file(deps, dc_json_str(s->facts_json, "executable"));
    const char *xml = dc_doc_keep_xml(doc);
    g_autofree char *tree = dc_node_to_compact_text(dc_doc_root(doc));
    g_autoptr(json_object) memo = dc_docmemo_new(s->key, s->doc_query, deps, xml, tree, domcaps_doc_arch(doc),
                                                 domcaps_doc_machine(doc), domcaps_doc_virttype(doc));
    /* for `cache list`: which release it follows, and why */
    g_autofree char *release = dc_release_name(s->query->release);
    json_object_object_add(memo, "release", json_object_new_string(release));
    if (s->query->release_why)
        json_object_object_add(memo, "release-why", json_object_new_string(s->query->release_why));
    dc_docmemo_store(s->cache_dir, s->query->emulator, s->doc_query, memo); /* unwritable: still an answer */
    proc_keep_doc(s->proc, s->doc_query, memo);
}
