/* domcaps_get(): the query in three stages, each in its own place:
 *   1. resolve the query: options, emulator, domain type (query/query.c);
 *   2. the cache session: a remembered document, else the facts from
 *      memory, the entry file or the probe (cache/session.c);
 *   3. build the document: the target the facts decide (arch, machine),
 *      the assembly (caps/), remembered for the next query. */
#include "api-internal.h"
#include "format/releases.h"
#include "cache/session.h"
#include "caps/caps.h"
#include "cpu/cpu.h"
#include "host/deps.h"
#include "host/emulators.h"
#include "host/firmware.h"
#include "probe/probe.h"

G_DEFINE_QUARK(domcaps-error-quark, domcaps_error)

/* Errors of the stages in the public error domain. */
static void public_error(GError **err, GError *inner)
{
    static const struct {
        GQuark (*domain)(void);
        int code;              /* -1: any */
        domcaps_error_code public_code;
    } map[] = {
        { dc_qmp_error_quark, DC_QMP_ERROR_SPAWN, DOMCAPS_ERROR_NOT_EXECUTABLE },
        { dc_qmp_error_quark, DC_QMP_ERROR_TIMEOUT, DOMCAPS_ERROR_PROBE_TIMEOUT },
        { dc_qmp_error_quark, DC_QMP_ERROR_EOF, DOMCAPS_ERROR_PROBE_FAILED },
        { dc_qmp_error_quark, DC_QMP_ERROR_PROTOCOL, DOMCAPS_ERROR_BAD_REPLY },
        { dc_qmp_error_quark, DC_QMP_ERROR_REPLAY, DOMCAPS_ERROR_IO },
        { dc_qmp_error_quark, DC_QMP_ERROR_NOT_QMP, DOMCAPS_ERROR_NOT_QEMU },
        { dc_probe_error_quark, DC_PROBE_ERROR_NOT_QEMU, DOMCAPS_ERROR_NOT_QEMU },
        { g_file_error_quark, -1, DOMCAPS_ERROR_IO },
        { dc_firmware_error_quark, -1, DOMCAPS_ERROR_IO },
        { dc_cpu_error_quark, -1, DOMCAPS_ERROR_IO },
    };
    if (inner->domain == DOMCAPS_ERROR) {
        g_propagate_error(err, inner);
        return;
    }
    int code = DOMCAPS_ERROR_PROBE_FAILED;
    for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
        if (inner->domain == map[i].domain() && (map[i].code < 0 || inner->code == map[i].code)) {
            code = map[i].public_code;
            break;
        }
    g_set_error_literal(err, DOMCAPS_ERROR, code, inner->message);
    g_error_free(inner);
}

void dc_api_forget_facts(void)
{
    dc_session_forget_all();
}

/* Stage 3: the document of the query from the session's facts. */
static domcaps_doc *build(DcSession *s, GError **err)
{
    DcQuery *q = s->query;
    DcQueryTarget t;
    GError *inner = NULL;
    if (!dc_query_target(q, s->facts, &t, err))
        return NULL;
    /* The facts are the emulator's: kept, even if the machine is unknown. */
    dc_session_keep_facts(s, FALSE);
    if (!dc_query_machine(q, s->facts, &t, err))
        return NULL;
    DcCapsQuery cq = {
        .path = q->emulator, .arch = t.arch, .emu_arch = t.emu_arch, .machine = t.machine,
        .virttype = q->virttype,
        .cpu_map_dir = q->opts->cpu_map_dir ? q->opts->cpu_map_dir : DC_DEFAULT_CPU_MAP,
        .release = q->release,
        .flags = q->opts->flags,
    };
    gboolean memo_changed = FALSE;
    q->host->notes->memo = s->memo;
    if (s->doc_query)
        dc_host_deps_begin(q->host);
    DcNode *root = dc_caps_assemble(s->facts, q->host, &cq, s->memo, &memo_changed, &inner);
    memo_changed |= q->host->notes->memo_changed;
    q->host->notes->memo = NULL;
    g_autoptr(json_object) deps = dc_host_deps_end(q->host);
    domcaps_doc *doc = NULL;
    if (root) {
        dc_session_keep_facts(s, memo_changed);
        doc = dc_doc_new(root, q->emulator, t.arch, t.machine, q->virttype);
        dc_session_remember(s, doc, deps);
    } else {
        public_error(err, inner);
    }
    dc_query_target_clear(&t);
    return doc;
}

domcaps_doc *dc_api_get_with_facts(const domcaps_options *opts, json_object **facts_out, GError **err)
{
    DcQuery q;
    if (!dc_query_init(&q, opts, err))
        return NULL;
    DcSession s;
    dc_session_open(&s, &q);
    domcaps_doc *doc = facts_out ? NULL : dc_session_remembered(&s);
    GError *inner = NULL;
    if (!doc && dc_session_facts(&s, &inner))
        doc = build(&s, err);
    else if (!doc)
        public_error(err, inner);
    if (doc) {
        g_autofree char *release = dc_release_name(q.release);
        dc_doc_take_warnings(doc, dc_session_take_warnings(&s));
        dc_doc_set_release(doc, release, q.release_why);
    }
    if (doc && facts_out)
        *facts_out = json_object_get(s.facts_json);
    dc_session_close(&s);
    dc_query_clear(&q);
    return doc;
}

char **domcaps_emulators(const char *root)
{
    g_autoptr(DcHost) host = dc_host_new(root, FALSE, NULL);
    g_autoptr(GPtrArray) found = dc_emulators_installed(host);
    g_ptr_array_add(found, NULL);
    return (char **)g_ptr_array_steal(found, NULL);
}

domcaps_doc *domcaps_get(const domcaps_options *opts, GError **err)
{
    return dc_api_get_with_facts(opts, NULL, err);
}
