/* Fuzz the QMP schema query evaluator (src/probe/schema.c) over a fuzzed
 * query-qmp-schema reply. Input: the first line is one extra query path,
 * the rest the schema JSON; every schema query the tables read is evaluated too. */
#include "probe/probe.h"
#include "probe/schema.h"
#include "caps/caps.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    if (!nl)
        return 0;
    g_autofree char *query = g_strndup(text, nl - text);
    gsize json_len = size - (nl + 1 - text);
    if (json_len > G_MAXINT)
        return 0;
    json_tokener *tok = json_tokener_new();
    json_object *reply = json_tokener_parse_ex(tok, nl + 1, (int)json_len);
    json_tokener_free(tok);
    /* The prober hands over whatever "return" held: any JSON type. */
    DcSchema *schema = dc_schema_new(reply);
    (void)dc_schema_query(schema, query);
    for (const char *const *q = dc_caps_questions(); *q; q++)
        if (g_str_has_prefix(*q, "schema:"))
            (void)dc_schema_query(schema, *q + strlen("schema:"));
    dc_schema_free(schema);
    json_object_put(reply);
    return 0;
}
