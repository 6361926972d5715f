#include "qmp/qmp.h"

G_DEFINE_QUARK(dc-qmp-error-quark, dc_qmp_error)

void dc_qmp_request_clear(DcQmpRequest *req)
{
    if (req->reply)
        json_object_put(req->reply);
    req->reply = NULL;
    g_clear_pointer(&req->error_class, g_free);
    g_clear_pointer(&req->error_desc, g_free);
}

json_object *dc_qmp_greeting(DcQmp *qmp)
{
    return qmp->greeting;
}

void dc_qmp_set_recorder(DcQmp *qmp, GString *out)
{
    qmp->recorder = out;
}

static void append_pretty(GString *out, json_object *obj)
{
    g_string_append(out, json_object_to_json_string_ext(obj,
        JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
    g_string_append(out, "\n\n");
}

void dc_qmp_transcript_append(GString *out, const char *command, json_object *args, const char *id,
                              json_object *reply, const char *error_class, const char *error_desc)
{
    json_object *cmd = json_object_new_object();
    json_object_object_add(cmd, "execute", json_object_new_string(command));
    if (args)
        json_object_object_add(cmd, "arguments", json_object_get(args));
    json_object_object_add(cmd, "id", json_object_new_string(id));
    append_pretty(out, cmd);
    json_object_put(cmd);

    json_object *rep = json_object_new_object();
    if (error_class) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "class", json_object_new_string(error_class));
        json_object_object_add(e, "desc", json_object_new_string(error_desc ? error_desc : ""));
        json_object_object_add(rep, "error", e);
    } else {
        json_object_object_add(rep, "return", reply ? json_object_get(reply) : json_object_new_object());
    }
    json_object_object_add(rep, "id", json_object_new_string(id));
    append_pretty(out, rep);
    json_object_put(rep);
}

gboolean dc_qmp_run(DcQmp *qmp, DcQmpRequest *reqs, gsize n, GError **err)
{
    if (!qmp->ops->run(qmp, reqs, n, err))
        return FALSE;
    if (qmp->recorder) {
        for (gsize i = 0; i < n; i++) {
            g_autofree char *id = g_strdup_printf("domcaps-%u", ++qmp->next_id);
            dc_qmp_transcript_append(qmp->recorder, reqs[i].command, reqs[i].args, id,
                                     reqs[i].reply, reqs[i].error_class, reqs[i].error_desc);
        }
    }
    return TRUE;
}

json_object *dc_qmp_call(DcQmp *qmp, const char *command, json_object *args, GError **err)
{
    DcQmpRequest req = { .command = command, .args = args };
    if (!dc_qmp_run(qmp, &req, 1, err))
        return NULL;
    if (req.error_class) {
        g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_COMMAND, "QEMU refused %s: %s", command,
                    req.error_desc ? req.error_desc : req.error_class);
        dc_qmp_request_clear(&req);
        return NULL;
    }
    json_object *r = req.reply;
    req.reply = NULL;
    dc_qmp_request_clear(&req);
    return r;
}

void dc_qmp_free(DcQmp *qmp)
{
    if (!qmp)
        return;
    if (qmp->greeting)
        json_object_put(qmp->greeting);
    qmp->ops->free(qmp);
}
