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

const char *dc_qmp_executable(DcQmp *qmp)
{
    return qmp->executable;
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

char *dc_qmp_printable(const char *text, gsize max_chars)
{
    g_autofree char *valid = g_utf8_make_valid(text ? text : "", -1);
    GString *out = g_string_new(NULL);
    gsize n = 0;
    for (const char *p = valid; *p; p = g_utf8_next_char(p), n++) {
        if (n == max_chars) {
            g_string_append(out, "...");
            break;
        }
        gunichar c = g_utf8_get_char(p);
        if (c == '\n' || c == '\r' || c == '\t')
            g_string_append_c(out, ' ');
        else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
            g_string_append_c(out, '?');
        else
            g_string_append_unichar(out, c);
    }
    return g_string_free(out, FALSE);
}

json_object *dc_qmp_call(DcQmp *qmp, const char *command, json_object *args, GError **err)
{
    DcQmpRequest req = { .command = command, .args = args };
    if (!dc_qmp_run(qmp, &req, 1, err))
        return NULL;
    if (req.error_class) {
        g_autofree char *why = dc_qmp_printable(req.error_desc && *req.error_desc ? req.error_desc : req.error_class, 200);
        g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_COMMAND, "QEMU refused %s: %s", command, why);
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
    g_free(qmp->executable);
    qmp->ops->free(qmp);
}

void dc_qmp_reader_init(DcQmpReader *r, gsize max_message)
{
    r->buf = g_string_new(NULL);
    r->start = 0;
    r->scanned = 0;
    r->max_message = max_message;
}

void dc_qmp_reader_clear(DcQmpReader *r)
{
    if (r->buf)
        g_string_free(r->buf, TRUE);
    r->buf = NULL;
}

void dc_qmp_reader_push(DcQmpReader *r, const char *data, gsize len)
{
    /* Consumed messages are dropped here, once per read, rather than one
     * memmove per message. */
    if (r->start > 0) {
        g_string_erase(r->buf, 0, r->start);
        r->start = 0;
    }
    g_string_append_len(r->buf, data, len);
}

gboolean dc_qmp_reader_pending(const DcQmpReader *r)
{
    for (gsize i = r->start; i < r->buf->len; i++)
        if (!g_ascii_isspace(r->buf->str[i]))
            return TRUE;
    return FALSE;
}

DcQmpReadStatus dc_qmp_reader_next(DcQmpReader *r, json_object **msg)
{
    *msg = NULL;
    for (;;) {
        const char *line = r->buf->str + r->start;
        gsize avail = r->buf->len - r->start;
        /* Only new bytes are searched: a message arriving in many reads
         * must not be rescanned from its start each time. */
        const char *nl = memchr(line + r->scanned, '\n', avail - r->scanned);
        if (!nl) {
            r->scanned = avail;
            return avail > r->max_message ? DC_QMP_READ_TOO_LARGE : DC_QMP_READ_MORE;
        }
        gsize line_len = nl - line;
        if (line_len > r->max_message)
            return DC_QMP_READ_TOO_LARGE;
        r->start += line_len + 1;
        r->scanned = 0;
        gsize begin = 0, end = line_len;
        while (begin < end && g_ascii_isspace(line[begin]))
            begin++;
        while (end > begin && g_ascii_isspace(line[end - 1]))
            end--;
        if (begin == end)
            continue;
        /* A NUL inside the line, trailing text after the object or a
         * second object on the same line all make it malformed. */
        json_tokener *tok = json_tokener_new_ex(64);
        json_object *obj = json_tokener_parse_ex(tok, line + begin, (int)(end - begin));
        gboolean ok = json_tokener_get_error(tok) == json_tokener_success && obj &&
                      json_object_is_type(obj, json_type_object) &&
                      json_tokener_get_parse_end(tok) == end - begin;
        json_tokener_free(tok);
        if (!ok) {
            if (obj)
                json_object_put(obj);
            return DC_QMP_READ_MALFORMED;
        }
        *msg = obj;
        return DC_QMP_READ_MESSAGE;
    }
}

DcQmpMsgKind dc_qmp_dispatch(DcQmpRequest *reqs, gsize n, gint64 first_id, json_object *msg)
{
    json_object *id = NULL, *ret = NULL, *error = NULL;
    if (json_object_object_get_ex(msg, "event", NULL))
        return DC_QMP_MSG_EVENT;
    gint64 idx = -1;
    if (json_object_object_get_ex(msg, "id", &id) && json_object_is_type(id, json_type_int)) {
        gint64 v = json_object_get_int64(id);
        if (v >= first_id && v - first_id < (gint64)n)
            idx = v - first_id;
    }
    if (idx < 0 || reqs[idx].reply || reqs[idx].error_class)
        return DC_QMP_MSG_UNEXPECTED;
    if (json_object_object_get_ex(msg, "return", &ret)) {
        /* "return": null would read as "no reply"; store an empty object. */
        reqs[idx].reply = ret ? json_object_get(ret) : json_object_new_object();
    } else if (json_object_object_get_ex(msg, "error", &error) && json_object_is_type(error, json_type_object)) {
        json_object *cls = NULL, *desc = NULL;
        json_object_object_get_ex(error, "class", &cls);
        json_object_object_get_ex(error, "desc", &desc);
        const char *c = cls ? json_object_get_string(cls) : NULL;
        reqs[idx].error_class = g_strdup(c && *c ? c : "GenericError");
        reqs[idx].error_desc = g_strdup(desc ? json_object_get_string(desc) : "");
    } else {
        return DC_QMP_MSG_NO_RESULT;
    }
    return DC_QMP_MSG_ANSWER;
}
