/* Passes: which QEMUs a query starts, at once, and how their facts merge. */
#include "probe/passes.h"

typedef struct {
    DcProbeRequest req;
    json_object *facts;
    GError *err;
    GThread *thread;
} Pass;

/* QEMUs this process is running for probes, across threads. */
static gint qemus_running;

static gpointer pass_run(gpointer data)
{
    Pass *p = data;
    p->facts = dc_probe_run(&p->req, &p->err);
    return NULL;
}

static void pass_clear(Pass *p)
{
    if (p->facts)
        json_object_put(p->facts);
    g_clear_error(&p->err);
}

/* The first pass runs on the calling thread, the others each on their own
 * (or after it, if no thread can be had). */
static void passes_run(Pass *passes, guint n)
{
    for (guint i = 1; i < n; i++)
        passes[i].thread = g_thread_try_new("domcaps-probe", pass_run, &passes[i], NULL);
    if (n > 0)
        pass_run(&passes[0]);
    for (guint i = 1; i < n; i++) {
        if (passes[i].thread)
            g_thread_join(passes[i].thread);
        else
            pass_run(&passes[i]);
        passes[i].thread = NULL;
    }
}

static Pass *pass_add(Pass *passes, guint *n, const DcProbeRequest *base, const char *accel, DcProbeScope scope)
{
    Pass *p = &passes[(*n)++];
    p->req = *base;
    p->req.accel = accel;
    p->req.scope = scope;
    return p;
}

static gboolean has_accel(json_object *facts, const char *accel)
{
    json_object *a = NULL;
    return facts && json_object_object_get_ex(facts, "accel", &a) && json_object_object_get_ex(a, accel, NULL);
}

/* A replay or a recording: whole passes, KVM first, as libvirt's own
 * transcripts hold them (a recording runs the two QEMUs at once all the
 * same, and writes the KVM exchange first). */
static json_object *transcript_passes(const DcProbeRequest *base, gboolean kvm_too, GError **err)
{
    DcQmp *replay = base->replay;
    if (!(replay && dc_qmp_replay_n_passes(replay) >= 2) && !kvm_too)
        return dc_probe_run(base, err);

    Pass tcg = { .req = *base }, kvm = { .req = *base };
    tcg.req.accel = "tcg";
    kvm.req.accel = "kvm";
    tcg.req.scope = kvm.req.scope = DC_PROBE_SCOPE_ALL;
    g_autoptr(GString) tcg_record = base->record ? g_string_new(NULL) : NULL;
    g_autoptr(GString) kvm_record = base->record ? g_string_new(NULL) : NULL;
    tcg.req.record = tcg_record;
    kvm.req.record = kvm_record;
    if (replay) {
        dc_qmp_replay_use_pass(replay, 0);
        pass_run(&kvm);
        dc_qmp_replay_use_pass(replay, 1);
        pass_run(&tcg);
        if (base->record)
            dc_qmp_set_recorder(replay, base->record);  /* not the pass buffers freed here */
    } else {
        Pass both[2] = { tcg, kvm };
        passes_run(both, 2);
        tcg = both[0];
        kvm = both[1];
    }
    if (base->record) {
        if (kvm.facts)
            g_string_append_len(base->record, kvm_record->str, kvm_record->len);
        g_string_append_len(base->record, tcg_record->str, tcg_record->len);
    }
    if (!tcg.facts) {
        g_propagate_error(err, g_steal_pointer(&tcg.err));
        pass_clear(&kvm);
        return NULL;
    }
    json_object *facts = g_steal_pointer(&tcg.facts);
    if (kvm.facts) {
        dc_probe_merge(kvm.facts, facts);  /* KVM's view of the host wins */
        json_object_put(facts);
        facts = g_steal_pointer(&kvm.facts);
    }
    pass_clear(&tcg);
    pass_clear(&kvm);
    return facts;
}

json_object *dc_probe_passes(const DcProbeRequest *base, json_object *have, gboolean kvm_too, GError **err)
{
    if (base->replay || base->record)
        return transcript_passes(base, kvm_too, err);

    kvm_too = kvm_too && strcmp(base->accel, "kvm") != 0;
    gboolean need_query = !has_accel(have, base->accel);
    gboolean need_kvm = kvm_too && !has_accel(have, "kvm");
    Pass passes[3] = { 0 };
    guint n = 0;
    Pass *binary = NULL, *query = NULL, *kvm = NULL;
    /* A KVM query's two parts weigh about the same (KVM starts slower, and
     * its CPU expansions are the longest answers after the schema), so two
     * QEMUs, one per part, answer it in little more than half the time;
     * under TCG the binary's part is most of the work and a second QEMU
     * buys nothing. Split only when a core is free for the extra QEMU:
     * `domcaps --all` keeps every core busy already. */
    guint wanted = (!have ? 1 : 0) + (need_query ? 1 : 0) + (need_kvm ? 1 : 0);
    gboolean split = !have && need_query && strcmp(base->accel, "tcg") != 0 &&
                     (guint)g_atomic_int_get(&qemus_running) + wanted <= g_get_num_processors();
    if (!have && !split) {
        binary = query = pass_add(passes, &n, base, base->accel, DC_PROBE_SCOPE_ALL);
    } else {
        /* The binary's part under TCG: it starts faster than KVM, and
         * leaves the KVM pass the host's KVM to itself. */
        if (!have)
            binary = pass_add(passes, &n, base, "tcg", DC_PROBE_SCOPE_BINARY);
        if (need_query)
            query = pass_add(passes, &n, base, base->accel, DC_PROBE_SCOPE_ACCEL);
    }
    if (need_kvm)
        kvm = pass_add(passes, &n, base, "kvm", DC_PROBE_SCOPE_ACCEL);
    g_atomic_int_add(&qemus_running, (gint)n);
    passes_run(passes, n);
    g_atomic_int_add(&qemus_running, -(gint)n);

    /* A QEMU built without TCG exits at once when asked for it: its
     * binary's part comes from the query's own accelerator then. */
    if (binary && binary != query && !binary->facts && query && query->facts &&
        strcmp(query->req.accel, "tcg") != 0 && g_error_matches(binary->err, DC_QMP_ERROR, DC_QMP_ERROR_EOF)) {
        g_clear_error(&binary->err);
        binary->req.accel = query->req.accel;
        pass_run(binary);
    }

    json_object *facts = NULL;
    Pass *failed = query && !query->facts ? query : binary && !binary->facts ? binary : NULL;
    if (failed) {
        g_propagate_error(err, g_steal_pointer(&failed->err));
    } else {
        facts = binary ? json_object_get(binary->facts) : json_object_get(have);
        if (query && query != binary)
            dc_probe_merge(facts, query->facts);
        if (kvm && kvm->facts)
            dc_probe_merge(facts, kvm->facts);
    }
    for (guint i = 0; i < n; i++)
        pass_clear(&passes[i]);
    return facts;
}
