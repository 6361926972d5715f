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

static Pass *pass_add(Pass *passes, guint *n, const DcProbeRequest *base, const char *accel, DcProbeAsk ask)
{
    Pass *p = &passes[(*n)++];
    p->req = *base;
    p->req.accel = accel;
    p->req.ask = ask;
    return p;
}

/* A replay or a recording: whole passes, KVM first, as libvirt's own
 * transcripts hold them (a recording runs the two QEMUs at once all the
 * same, and writes the KVM exchange first). */
static json_object *transcript_passes(const DcProbeRequest *base, gboolean kvm_too, GError **err)
{
    DcQmp *replay = base->replay;
    DcProbeRequest whole = *base;
    whole.ask = DC_PROBE_ASK_ALL;
    if (!(replay && dc_qmp_replay_n_passes(replay) >= 2) && !kvm_too)
        return dc_probe_run(&whole, err);

    Pass both[2] = { { .req = whole }, { .req = whole } };
    Pass *tcg = &both[0], *kvm = &both[1];
    tcg->req.accel = "tcg";
    kvm->req.accel = "kvm";
    g_autoptr(GString) tcg_record = base->record ? g_string_new(NULL) : NULL;
    g_autoptr(GString) kvm_record = base->record ? g_string_new(NULL) : NULL;
    tcg->req.record = tcg_record;
    kvm->req.record = kvm_record;
    if (replay) {
        dc_qmp_replay_use_pass(replay, 0);
        pass_run(kvm);
        dc_qmp_replay_use_pass(replay, 1);
        pass_run(tcg);
        if (base->record)
            dc_qmp_set_recorder(replay, base->record);  /* not the pass buffers freed here */
    } else {
        passes_run(both, 2);
    }
    if (base->record) {
        if (kvm->facts)
            g_string_append_len(base->record, kvm_record->str, kvm_record->len);
        g_string_append_len(base->record, tcg_record->str, tcg_record->len);
    }
    json_object *facts = NULL;
    if (!tcg->facts) {
        g_propagate_error(err, g_steal_pointer(&tcg->err));
    } else if (kvm->facts) {
        dc_probe_merge(kvm->facts, tcg->facts);  /* KVM's view of the host wins */
        facts = json_object_get(kvm->facts);
    } else {
        facts = json_object_get(tcg->facts);
    }
    pass_clear(tcg);
    pass_clear(kvm);
    return facts;
}

/* Plan the QEMUs of a live query: one per accelerator the query needs; a
 * KVM query gets a TCG QEMU beside its own when a core is free for it (its
 * two parts weigh about the same; under TCG the binary's part is most of
 * the work, and a second QEMU buys nothing). `domcaps --all` keeps every
 * core busy already, and there an extra start per binary would cost more
 * than it saves. With two QEMUs, the binary's part (which any of them
 * answers) is spread between them: the schema to TCG, which starts faster;
 * the QOM questions to KVM, which has more to answer besides but gets the
 * host's KVM to itself. */
static guint plan(Pass *passes, const DcProbeRequest *base, DcProbeAsk binary, gboolean need_query,
                  gboolean need_kvm)
{
    guint n = 0;
    gboolean kvm_query = strcmp(base->accel, "kvm") == 0;
    gboolean two = need_kvm || (kvm_query && binary && need_query &&
                                (guint)g_atomic_int_get(&qemus_running) + 2 <= g_get_num_processors());
    if (two) {
        DcProbeAsk on_tcg = (binary & DC_PROBE_ASK_SCHEMA) | (!kvm_query && need_query ? DC_PROBE_ASK_ACCEL : 0);
        if (on_tcg)
            pass_add(passes, &n, base, "tcg", on_tcg);
        pass_add(passes, &n, base, "kvm", DC_PROBE_ASK_ACCEL | (binary & DC_PROBE_ASK_QOM));
    } else if (binary || need_query) {
        pass_add(passes, &n, base, base->accel, binary | (need_query ? DC_PROBE_ASK_ACCEL : 0));
    }
    return n;
}

json_object *dc_probe_passes(const DcProbeRequest *base, json_object *have, gboolean kvm_too, GError **err)
{
    if (base->replay || base->record)
        return transcript_passes(base, kvm_too, err);

    const char *accel = base->accel;
    DcProbeAsk binary = have ? 0 : DC_PROBE_ASK_SCHEMA | DC_PROBE_ASK_QOM;
    gboolean need_query = !dc_facts_json_has_accel(have, accel);
    gboolean need_kvm = kvm_too && strcmp(accel, "kvm") != 0 && !dc_facts_json_has_accel(have, "kvm");
    Pass passes[4] = { 0 };
    guint n = plan(passes, base, binary, need_query, need_kvm);
    g_atomic_int_add(&qemus_running, (gint)n);
    passes_run(passes, n);
    g_atomic_int_add(&qemus_running, -(gint)n);

    /* The query's own accelerator decides the answer; a KVM pass beside a
     * TCG query costs only its facts when it fails. */
    Pass *query = NULL;
    DcProbeAsk lost = 0;
    for (guint i = 0; i < n; i++) {
        gboolean is_query = strcmp(passes[i].req.accel, accel) == 0 && (passes[i].req.ask & DC_PROBE_ASK_ACCEL);
        if (is_query)
            query = &passes[i];
        if (!passes[i].facts)
            lost |= passes[i].req.ask & binary;
    }
    Pass *failed = query && !query->facts ? query : NULL;
    /* The binary's part lost with another QEMU is asked again under the
     * query's accelerator, which has just answered: a QEMU built without
     * TCG exits when asked for it, and a host's KVM can fail, or hang, in
     * a TCG query's KVM pass. */
    if (!failed && lost) {
        Pass *again = pass_add(passes, &n, base, accel, lost);
        pass_run(again);
        if (!again->facts)
            failed = again;
    }

    json_object *facts = NULL;
    if (failed) {
        g_propagate_error(err, g_steal_pointer(&failed->err));
    } else {
        facts = have ? json_object_get(have) : NULL;
        for (guint i = 0; i < n; i++) {
            if (!passes[i].facts)
                continue;
            if (!facts)
                facts = json_object_get(passes[i].facts);
            else
                dc_probe_merge(facts, passes[i].facts);
        }
    }
    for (guint i = 0; i < n; i++)
        pass_clear(&passes[i]);
    return facts;
}
