/* Kubernetes' syntax of label keys and values (apimachinery's
 * IsQualifiedName and IsValidLabelValue): a label that breaks it is
 * refused by the API server, and a feature file holding one by NFD. */
#include "analyze/publish.h"

#define NAME_MAX_LEN 63
#define PREFIX_MAX_LEN 253

static gboolean name_char(char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
}

/* [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63 characters */
gboolean dc_k8s_label_name_valid(const char *s)
{
    gsize n = s ? strlen(s) : 0;
    if (n == 0 || n > NAME_MAX_LEN || !g_ascii_isalnum(s[0]) || !g_ascii_isalnum(s[n - 1]))
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!name_char(s[i]))
            return FALSE;
    return TRUE;
}

gboolean dc_k8s_label_value_valid(const char *value)
{
    return value && (!*value || dc_k8s_label_name_valid(value));
}

/* An RFC 1123 subdomain: lower-case labels of [a-z0-9-], each starting
 * and ending alphanumeric, joined by dots; at most 253 characters. */
gboolean dc_k8s_label_prefix_valid(const char *s)
{
    gsize n = s ? strlen(s) : 0;
    if (n == 0 || n > PREFIX_MAX_LEN)
        return FALSE;
    g_auto(GStrv) parts = g_strsplit(s, ".", -1);
    for (char **p = parts; *p; p++) {
        gsize len = strlen(*p);
        if (!len || !g_ascii_isalnum((*p)[0]) || !g_ascii_isalnum((*p)[len - 1]))
            return FALSE;
        for (gsize i = 0; i < len; i++)
            if (!(g_ascii_islower((*p)[i]) || g_ascii_isdigit((*p)[i]) || (*p)[i] == '-'))
                return FALSE;
    }
    return TRUE;
}

gboolean dc_k8s_label_key_valid(const char *key)
{
    const char *slash = key ? strchr(key, '/') : NULL;
    if (!slash)
        return dc_k8s_label_name_valid(key);
    g_autofree char *prefix = g_strndup(key, (gsize)(slash - key));
    return dc_k8s_label_prefix_valid(prefix) && dc_k8s_label_name_valid(slash + 1);
}
