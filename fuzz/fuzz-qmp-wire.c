/* Fuzz the live QMP wire: the line framing (DcQmpReader) and the matching
 * of replies to requests (dc_qmp_dispatch), the exact code that reads a
 * running QEMU in src/qmp/qmp-live.c.
 *
 * Input: byte 0 picks the read size (how the stream is cut into reads),
 * byte 1 the message size limit; the rest is what "QEMU" sent. */
#include "qmp/qmp.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    gsize chunk = 1 + data[0];
    gsize max_message = 64 * (1 + (gsize)data[1]);
    const char *wire = (const char *)data + 2;
    gsize len = size - 2;

    DcQmpReader r;
    dc_qmp_reader_init(&r, max_message);
    DcQmpRequest reqs[3] = { { .command = "qmp_capabilities" }, { .command = "query-version" },
                             { .command = "query-machines" } };
    gsize answered = 0;
    gboolean done = FALSE;
    for (gsize pos = 0; pos < len && !done;) {
        gsize n = MIN(chunk, len - pos);
        dc_qmp_reader_push(&r, wire + pos, n);
        pos += n;
        for (;;) {
            json_object *msg = NULL;
            DcQmpReadStatus st = dc_qmp_reader_next(&r, &msg);
            if (st == DC_QMP_READ_MORE)
                break;
            if (st != DC_QMP_READ_MESSAGE) {
                done = TRUE;
                break;
            }
            g_assert(json_object_is_type(msg, json_type_object));
            DcQmpMsgKind kind = dc_qmp_dispatch(reqs, G_N_ELEMENTS(reqs), 7, msg);
            json_object_put(msg);
            if (kind == DC_QMP_MSG_ANSWER)
                answered++;
            else if (kind != DC_QMP_MSG_EVENT) {
                done = TRUE;
                break;
            }
        }
        /* The reader never holds more than one oversized line's worth. */
        g_assert(done || r.buf->len - r.start <= max_message + chunk);
    }
    (void)dc_qmp_reader_pending(&r);
    gsize have = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(reqs); i++) {
        /* Never both a reply and an error. */
        g_assert(!(reqs[i].reply && reqs[i].error_class));
        have += reqs[i].reply || reqs[i].error_class;
        dc_qmp_request_clear(&reqs[i]);
    }
    g_assert(have == answered);
    dc_qmp_reader_clear(&r);
    return 0;
}
