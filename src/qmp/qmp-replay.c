/* Replay QMP transport. A transcript is a stream of JSON objects: commands
 * ({"execute": ...}) each followed by its reply, optionally a greeting
 * ({"QMP": ...}) and events, which are ignored. This reads libvirt's
 * tests/qemucapabilitiesdata .replies files as well as domcaps' recordings.
 *
 * A probe may run several passes (one per accelerator), each starting with
 * qmp_capabilities; answers are looked up within the current pass by command
 * and arguments, so the prober's question order does not matter. A question
 * the transcript never saw is answered with a CommandNotFound error, as an
 * older QEMU would. */
#include "qmp/qmp.h"

typedef struct {
    DcQmp base;
    GPtrArray *passes;   /* GHashTable*: key -> GQueue* of json_object* (reply message) */
    int pass;            /* current pass, -1 before the first qmp_capabilities */
} DcQmpReplay;

/* Canonical text of a JSON value with object keys sorted, for lookups. */
static gint cmp_key(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void canon(GString *out, json_object *v)
{
    if (!v || json_object_is_type(v, json_type_null)) {
        g_string_append(out, "null");
        return;
    }
    if (json_object_is_type(v, json_type_object)) {
        g_autoptr(GPtrArray) keys = g_ptr_array_new();
        json_object_object_foreach(v, k, val) {
            (void)val;
            g_ptr_array_add(keys, k);
        }
        g_ptr_array_sort(keys, cmp_key);
        g_string_append_c(out, '{');
        for (guint i = 0; i < keys->len; i++) {
            const char *k = keys->pdata[i];
            json_object *val = NULL;
            json_object_object_get_ex(v, k, &val);
            g_string_append_printf(out, "%s\"%s\":", i ? "," : "", k);
            canon(out, val);
        }
        g_string_append_c(out, '}');
    } else if (json_object_is_type(v, json_type_array)) {
        g_string_append_c(out, '[');
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            if (i)
                g_string_append_c(out, ',');
            canon(out, json_object_array_get_idx(v, i));
        }
        g_string_append_c(out, ']');
    } else {
        g_string_append(out, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
    }
}

static char *request_key(const char *command, json_object *args)
{
    GString *k = g_string_new(command);
    g_string_append_c(k, ' ');
    if (args && !(json_object_is_type(args, json_type_object) && json_object_object_length(args) == 0))
        canon(k, args);
    return g_string_free(k, FALSE);
}

static void put_json(gpointer obj)
{
    json_object_put(obj);
}

static void queue_free(gpointer q)
{
    g_queue_free_full(q, put_json);
}

static GHashTable *new_pass(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, queue_free);
}

static gboolean replay_run(DcQmp *qmp, DcQmpRequest *reqs, gsize n, GError **err)
{
    DcQmpReplay *r = (DcQmpReplay *)qmp;
    for (gsize i = 0; i < n; i++) {
        if (strcmp(reqs[i].command, "qmp_capabilities") == 0)
            r->pass++;
        if (r->pass < 0 || (guint)r->pass >= r->passes->len) {
            if (strcmp(reqs[i].command, "qmp_capabilities") == 0) {
                reqs[i].reply = json_object_new_object();
                continue;
            }
            g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_REPLAY,
                        "transcript has no probe pass for %s", reqs[i].command);
            return FALSE;
        }
        GHashTable *pass = r->passes->pdata[r->pass];
        g_autofree char *key = request_key(reqs[i].command, reqs[i].args);
        GQueue *q = g_hash_table_lookup(pass, key);
        /* A later pass holds only what differs per accelerator (libvirt
         * asks the rest once, in the first): the first pass answers the rest. */
        if (!q && r->pass > 0)
            q = g_hash_table_lookup(r->passes->pdata[0], key);
        json_object *msg = q ? g_queue_peek_head(q) : NULL;
        if (q && g_queue_get_length(q) > 1)
            msg = g_queue_pop_head(q); /* later repeats get later answers */
        else if (msg)
            msg = json_object_get(msg);
        if (!msg) {
            reqs[i].error_class = g_strdup("CommandNotFound");
            reqs[i].error_desc = g_strdup_printf("The command %s has not been found", reqs[i].command);
            continue;
        }
        json_object *ret = NULL, *error = NULL;
        if (json_object_object_get_ex(msg, "return", &ret)) {
            reqs[i].reply = json_object_get(ret);
        } else if (json_object_object_get_ex(msg, "error", &error)) {
            json_object *cls = NULL, *desc = NULL;
            json_object_object_get_ex(error, "class", &cls);
            json_object_object_get_ex(error, "desc", &desc);
            reqs[i].error_class = g_strdup(cls ? json_object_get_string(cls) : "GenericError");
            reqs[i].error_desc = g_strdup(desc ? json_object_get_string(desc) : "");
        } else {
            json_object_put(msg);
            g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_REPLAY, "transcript reply for %s is malformed",
                        reqs[i].command);
            return FALSE;
        }
        json_object_put(msg);
    }
    return TRUE;
}

static void replay_free(DcQmp *qmp)
{
    DcQmpReplay *r = (DcQmpReplay *)qmp;
    g_ptr_array_unref(r->passes);
    g_free(r);
}

static const DcQmpOps replay_ops = { .run = replay_run, .free = replay_free };

DcQmp *dc_qmp_replay_new_from_data(const char *data, gsize len, GError **err)
{
    DcQmpReplay *r = g_new0(DcQmpReplay, 1);
    r->base.ops = &replay_ops;
    r->passes = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
    r->pass = -1;

    json_tokener *tok = json_tokener_new();
    gsize pos = 0;
    char *pending_key = NULL;
    GHashTable *current = NULL;
    gboolean ok = TRUE;
    while (pos < len) {
        while (pos < len && g_ascii_isspace(data[pos]))
            pos++;
        if (pos >= len)
            break;
        json_tokener_reset(tok);
        json_object *obj = json_tokener_parse_ex(tok, data + pos, (int)MIN(len - pos, (gsize)G_MAXINT));
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        if (jerr != json_tokener_success || !obj || !json_object_is_type(obj, json_type_object)) {
            if (obj)
                json_object_put(obj);
            g_set_error(err, DC_QMP_ERROR, DC_QMP_ERROR_REPLAY, "transcript is not valid JSON near byte %zu", pos);
            ok = FALSE;
            break;
        }
        size_t used = json_tokener_get_parse_end(tok);
        pos += used ? used : 1;

        json_object *exec = NULL, *greet = NULL;
        if (json_object_object_get_ex(obj, "QMP", &greet)) {
            if (!r->base.greeting)
                r->base.greeting = json_object_get(greet);
            json_object_put(obj);
        } else if (json_object_object_get_ex(obj, "execute", &exec)) {
            const char *cmd = json_object_get_string(exec);
            json_object *args = NULL;
            json_object_object_get_ex(obj, "arguments", &args);
            if (strcmp(cmd ? cmd : "", "qmp_capabilities") == 0 || !current) {
                current = new_pass();
                g_ptr_array_add(r->passes, current);
            }
            g_free(pending_key);
            pending_key = request_key(cmd ? cmd : "", args);
            json_object_put(obj);
        } else if (json_object_object_get_ex(obj, "event", NULL)) {
            json_object_put(obj);
        } else if (pending_key) {
            GQueue *q = g_hash_table_lookup(current, pending_key);
            if (!q) {
                q = g_queue_new();
                g_hash_table_insert(current, g_strdup(pending_key), q);
            }
            g_queue_push_tail(q, obj);
            g_clear_pointer(&pending_key, g_free);
        } else {
            json_object_put(obj);
        }
    }
    g_free(pending_key);
    json_tokener_free(tok);
    if (!ok) {
        dc_qmp_free(&r->base);
        return NULL;
    }
    if (!r->base.greeting) {
        /* libvirt's recordings drop the greeting; a neutral one stands in. */
        r->base.greeting = json_tokener_parse("{\"version\": {}, \"capabilities\": []}");
    }
    return &r->base;
}

guint dc_qmp_replay_n_passes(DcQmp *qmp)
{
    return qmp && qmp->ops == &replay_ops ? ((DcQmpReplay *)qmp)->passes->len : 0;
}

void dc_qmp_replay_use_pass(DcQmp *qmp, guint pass)
{
    if (qmp && qmp->ops == &replay_ops)
        ((DcQmpReplay *)qmp)->pass = (int)pass - 1;
}

DcQmp *dc_qmp_replay_new(const char *transcript_path, GError **err)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(transcript_path, &data, &len, err))
        return NULL;
    return dc_qmp_replay_new_from_data(data, len, err);
}
