/* The XML reader, on GLib's GMarkup: a strict parser of the XML subset
 * these documents use, with no DTD support at all (so no entity can be
 * declared, expanded or fetched) and no file or network access. */
#include "util/xmlread.h"
#include "domcaps.h"

typedef struct {
    GPtrArray *stack;     /* open elements, root first */
    GString *text;        /* the open elements' text, innermost last */
    GArray *text_start;   /* per open element: where its text starts in @text */
    DcNode *root;
    guint elements;
    gboolean root_done;
    const char *refused;  /* why the input was refused, or NULL */
    gboolean too_deep;
} Reader;

static void stop(GMarkupParseContext *ctx, GError **err, const char *why)
{
    (void)ctx;
    g_set_error_literal(err, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, why);
}

static void on_start(GMarkupParseContext *ctx, const char *name, const char **attr_names,
                     const char **attr_values, gpointer data, GError **err)
{
    Reader *r = data;
    if (r->root_done) {
        stop(ctx, err, "content after the root element");
        return;
    }
    if (++r->elements > DC_XML_MAX_ELEMENTS) {
        r->refused = "more than " G_STRINGIFY(DC_XML_MAX_ELEMENTS) " elements";
        stop(ctx, err, r->refused);
        return;
    }
    if (r->stack->len >= DC_XML_MAX_DEPTH) {
        r->too_deep = TRUE;
        stop(ctx, err, "too deep");
        return;
    }
    gsize given = g_strv_length((char **)attr_names);
    const char *few[2][8];
    g_autofree const char **many = given > G_N_ELEMENTS(few[0]) ? g_new(const char *, 2 * given) : NULL;
    const char **names = many ? many : few[0], **values = many ? many + given : few[1];
    guint n = 0;
    for (gsize i = 0; i < given; i++) {
        /* Namespace declarations are not attributes of the element. */
        if (strcmp(attr_names[i], "xmlns") == 0 || g_str_has_prefix(attr_names[i], "xmlns:"))
            continue;
        names[n] = attr_names[i];
        values[n++] = attr_values[i];
    }
    DcNode *node = dc_node_new_with_attrs(name, n, names, values);   /* one allocation */
    if (r->stack->len)
        dc_node_append(r->stack->pdata[r->stack->len - 1], node);
    else
        r->root = node;
    g_ptr_array_add(r->stack, node);
    gsize start = r->text->len;
    g_array_append_val(r->text_start, start);
}

static void on_end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **err)
{
    (void)ctx;
    (void)name;
    (void)err;
    Reader *r = data;
    DcNode *node = g_ptr_array_steal_index(r->stack, r->stack->len - 1);
    gsize start = g_array_index(r->text_start, gsize, r->text_start->len - 1);
    g_array_set_size(r->text_start, r->text_start->len - 1);
    /* this element's own text: its children's was taken off as they ended */
    const char *text = r->text->str + start;
    gsize len = r->text->len - start;
    gboolean blank = TRUE;
    for (gsize i = 0; i < len && blank; i++)
        blank = g_ascii_isspace(text[i]);
    if (!node->children.len && !blank)
        node->text = g_strndup(text, len);
    g_string_truncate(r->text, start);
    if (!r->stack->len)
        r->root_done = TRUE;
}

static void on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data, GError **err)
{
    (void)ctx;
    (void)err;
    Reader *r = data;
    if (r->stack->len)
        g_string_append_len(r->text, text, len);
}

/* Comments, processing instructions (the XML declaration) and DOCTYPEs. */
static void on_passthrough(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data, GError **err)
{
    Reader *r = data;
    if (len >= 9 && g_ascii_strncasecmp(text, "<!DOCTYPE", 9) == 0) {
        r->refused = "a DOCTYPE (DTDs and entity declarations are not accepted)";
        stop(ctx, err, r->refused);
    }
}

static const GMarkupParser parser = { on_start, on_end, on_text, on_passthrough, NULL };

DcNode *dc_xml_read(const char *data, gsize len, const char *root_name, const char *what, GError **err)
{
    if (len == 0 || !data) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s is empty", what);
        return NULL;
    }
    if (len > DC_XML_MAX_BYTES) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s is too large (%" G_GSIZE_FORMAT
                    " bytes, the limit is %u)", what, len, DC_XML_MAX_BYTES);
        return NULL;
    }
    Reader r = { 0 };
    r.stack = g_ptr_array_new();
    r.text = g_string_sized_new(256);
    r.text_start = g_array_new(FALSE, FALSE, sizeof(gsize));
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, G_MARKUP_TREAT_CDATA_AS_TEXT, &r, NULL);
    GError *perr = NULL;
    gboolean ok = g_markup_parse_context_parse(ctx, data, (gssize)len, &perr) &&
                  g_markup_parse_context_end_parse(ctx, &perr);
    int line = 0;
    g_markup_parse_context_get_position(ctx, &line, NULL);
    g_markup_parse_context_free(ctx);
    g_string_free(r.text, TRUE);
    g_array_free(r.text_start, TRUE);
    g_ptr_array_free(r.stack, TRUE);
    g_autoptr(DcNode) root = r.root;
    if (r.refused) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s refused: it contains %s", what, r.refused);
    } else if (r.too_deep) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s is nested more than %d levels deep", what,
                    DC_XML_MAX_DEPTH);
    } else if (!ok || !root) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s is not well-formed XML (line %d: %s)", what,
                    line, perr ? perr->message : "no root element");
    } else if (root_name && strcmp(root->name, root_name) != 0) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s has root element <%s>, expected <%s>", what,
                    root->name, root_name);
    } else {
        g_clear_error(&perr);
        return g_steal_pointer(&root);
    }
    g_clear_error(&perr);
    return NULL;
}
