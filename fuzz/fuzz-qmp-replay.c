/* Fuzz the QMP transcript parser (dc_qmp_replay_new_from_data) and, through
 * it, the whole probe: a transcript that parses answers dc_probe_run(), so
 * every reply shape a hostile or broken QEMU could send reaches the code
 * that turns replies into facts. The recording of the exchange must parse
 * back (the recorder and the parser agree). */
#include "qmp/qmp.h"
#include "probe/probe.h"
#include "caps/caps.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GError *err = NULL;
    DcQmp *qmp = dc_qmp_replay_new_from_data((const char *)data, size, &err);
    if (!qmp) {
        g_assert(err);
        g_clear_error(&err);
        return 0;
    }
    (void)dc_qmp_greeting(qmp);
    static const char *const accels[] = { "tcg", "kvm" };
    for (gsize i = 0; i < G_N_ELEMENTS(accels); i++) {
        g_autoptr(GString) record = g_string_new(NULL);
        DcProbeRequest req = {
            .emulator = "/usr/bin/qemu-system-x86_64",
            .accel = accels[i],
            .replay = qmp,
            .record = record,
            .questions = dc_caps_questions(),
        };
        json_object *facts = dc_probe_run(&req, &err);
        if (!facts) {
            g_assert(err);
            g_clear_error(&err);
            continue;
        }
        DcFacts *f = dc_facts_new_from_json(facts);
        (void)dc_facts_target(f);
        (void)dc_facts_version(f);
        (void)dc_facts_kvm_enabled(f);
        (void)dc_facts_has(f, "schema:query-vnc");
        (void)dc_facts_accel(f, accels[i], "machines");
        (void)json_object_to_json_string_ext(facts, JSON_C_TO_STRING_PLAIN);
        dc_facts_free(f);
        json_object_put(facts);

        DcQmp *again = dc_qmp_replay_new_from_data(record->str, record->len, &err);
        if (!again)
            g_error("recorded transcript does not parse back: %s", err->message);
        dc_qmp_free(again);
    }
    dc_qmp_free(qmp);
    return 0;
}
