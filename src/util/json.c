#include "util/json.h"

json_object *dc_json_parse_whole(const char *data, gsize len)
{
    if (!data || len > (gsize)G_MAXINT)
        return NULL;
    json_tokener *tok = json_tokener_new();
    json_object *obj = json_tokener_parse_ex(tok, data, (int)len);
    gboolean whole = json_tokener_get_error(tok) == json_tokener_success && json_tokener_get_parse_end(tok) == len;
    json_tokener_free(tok);
    if (!whole && obj) {
        json_object_put(obj);
        obj = NULL;
    }
    return obj;
}
