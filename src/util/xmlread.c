/* The XML reader: libxml2's parser (libvirt's), driven through SAX so that
 * nothing is built but the DcNode tree, and stopped at the first thing
 * these documents never hold (xmlread.h). No DOCTYPE gets past its first
 * callback, so no entity is ever declared, and nothing is fetched. */
#include "util/xmlread.h"
#include "util/xmllibxml.h"
#include "domcaps.h"

/* libxml2 2.12 made the structured error const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError DcLibxmlError;
#else
typedef xmlError DcLibxmlError;
#endif

typedef struct {
    const DcLibxml *lx;
    xmlParserCtxt *ctxt;
    GPtrArray *stack;     /* open elements, root first */
    GString *text;        /* the open elements' text, innermost last */
    GArray *text_start;   /* per open element: where its text starts in @text */
    GString *names;       /* the prefixed attribute names of the element starting, each ending in NUL */
    DcNode *root;
    guint elements;
    const char *refused;  /* why the input was refused, or NULL */
    gboolean too_deep;
    char *error;          /* libxml2's first fatal error, and its line */
    int error_line;
} Reader;

static void stop(Reader *r, const char *refused)
{
    r->refused = refused;
    r->lx->stop_parser(r->ctxt);
}

/* "prefix:local", or @local alone; @scratch (g_free) holds the joined name. */
static const char *qualified(const xmlChar *prefix, const xmlChar *local, char **scratch)
{
    if (!prefix)
        return (const char *)local;
    *scratch = g_strconcat((const char *)prefix, ":", (const char *)local, NULL);
    return *scratch;
}

/* libxml2's attributes are five pointers each: local name, prefix, URI,
 * value start and end (not NUL-terminated). Namespace declarations come
 * apart and are not attributes of the element. Prefixed names (rare) are
 * joined in @r->names. */
static DcNode *element(Reader *r, const char *name, int n, const xmlChar **attrs)
{
    enum { FEW = 8 };
    const char *few[2][FEW];
    gsize few_lens[FEW];
    g_autofree const char **many = n > FEW ? g_new(const char *, 2 * (gsize)n) : NULL;
    g_autofree gsize *many_lens = n > FEW ? g_new(gsize, (gsize)n) : NULL;
    const char **names = many ? many : few[0], **values = many ? many + n : few[1];
    gsize *lens = many_lens ? many_lens : few_lens;
    gboolean prefixed = FALSE;
    for (int i = 0; i < n; i++) {
        const xmlChar *const *a = attrs + 5 * i;
        names[i] = (const char *)a[0];
        values[i] = (const char *)a[3];
        lens[i] = (gsize)(a[4] - a[3]);
        prefixed |= a[1] != NULL;
    }
    if (prefixed) {
        g_string_truncate(r->names, 0);
        g_autofree gsize *at = g_new(gsize, (gsize)n);
        for (int i = 0; i < n; i++) {
            at[i] = r->names->len;
            if (attrs[5 * i + 1])
                g_string_append_printf(r->names, "%s:", (const char *)attrs[5 * i + 1]);
            g_string_append(r->names, (const char *)attrs[5 * i]);
            g_string_append_c(r->names, '\0');
        }
        for (int i = 0; i < n; i++)
            names[i] = r->names->str + at[i];
    }
    return dc_node_new_with_attrs_len(name, (guint)n, names, values, lens);
}

static void on_start(void *data, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri G_GNUC_UNUSED,
                     int nb_namespaces G_GNUC_UNUSED, const xmlChar **namespaces G_GNUC_UNUSED, int nb_attributes,
                     int nb_defaulted G_GNUC_UNUSED, const xmlChar **attributes)
{
    Reader *r = data;
    if (++r->elements > DC_XML_MAX_ELEMENTS) {
        stop(r, "more than " G_STRINGIFY(DC_XML_MAX_ELEMENTS) " elements");
        return;
    }
    if (r->stack->len >= DC_XML_MAX_DEPTH) {
        r->too_deep = TRUE;
        stop(r, NULL);
        return;
    }
    g_autofree char *joined = NULL;
    DcNode *node = element(r, qualified(prefix, local, &joined), nb_attributes, attributes);
    if (r->stack->len)
        dc_node_append(r->stack->pdata[r->stack->len - 1], node);
    else
        r->root = node;
    g_ptr_array_add(r->stack, node);
    gsize start = r->text->len;
    g_array_append_val(r->text_start, start);
}

static void on_end(void *data, const xmlChar *local G_GNUC_UNUSED, const xmlChar *prefix G_GNUC_UNUSED,
                   const xmlChar *uri G_GNUC_UNUSED)
{
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
}

/* Text, CDATA included. */
static void on_text(void *data, const xmlChar *text, int len)
{
    Reader *r = data;
    /* an element's text is kept only when it has no child elements: once
     * it has one, what comes (the indentation before the next) is not */
    if (r->stack->len && !((DcNode *)r->stack->pdata[r->stack->len - 1])->children.len)
        g_string_append_len(r->text, (const char *)text, len);
}

static void on_doctype(void *data, const xmlChar *name G_GNUC_UNUSED, const xmlChar *external_id G_GNUC_UNUSED,
                       const xmlChar *system_id G_GNUC_UNUSED)
{
    stop(data, "a DOCTYPE (DTDs and entity declarations are not accepted)");
}

static void on_error(void *data, DcLibxmlError *e)
{
    Reader *r = data;
    if (r->error || e->level != XML_ERR_FATAL || !e->message)
        return;
    r->error = g_strchomp(g_strdup(e->message));
    r->error_line = e->line;
}

/* Where the markup construct at @p (just after its '<') ends: after its
 * closing "-->", "]]>", "?>" or '>'; a start tag's attributes counted on
 * the way (an '=' outside quotes is one), FALSE when they are too many.
 * Only a guard before libxml2 reads the text: it decides what is
 * well-formed. */
static const char *skip_markup(const char *p, const char *end, gboolean *too_many)
{
    static const struct { const char *open, *close; } skipped[] = {
        { "!--", "-->" }, { "![CDATA[", "]]>" }, { "?", "?>" },
    };
    for (gsize k = 0; k < G_N_ELEMENTS(skipped); k++) {
        gsize n = strlen(skipped[k].open);
        if ((gsize)(end - p) >= n && memcmp(p, skipped[k].open, n) == 0) {
            const char *close = g_strstr_len(p + n, end - p - (gssize)n, skipped[k].close);
            return close ? close + strlen(skipped[k].close) : end;
        }
    }
    guint attributes = 0;
    char quote = 0;
    for (; p < end; p++) {
        if (quote) {
            quote = *p == quote ? 0 : quote;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '=' && ++attributes > DC_XML_MAX_ATTRIBUTES) {
            *too_many = TRUE;
            return end;
        } else if (*p == '>') {
            return p + 1;
        }
    }
    return end;
}

static gboolean attributes_bounded(const char *data, gsize len)
{
    const char *end = data + len;
    gboolean too_many = FALSE;
    for (const char *p = memchr(data, '<', len); p && !too_many; p = memchr(p, '<', (gsize)(end - p)))
        p = skip_markup(p + 1, end, &too_many);
    return !too_many;
}

static void reader_clear(Reader *r)
{
    if (r->ctxt)
        r->lx->free_parser_ctxt(r->ctxt);
    g_ptr_array_free(r->stack, TRUE);
    g_string_free(r->text, TRUE);
    g_array_free(r->text_start, TRUE);
    g_string_free(r->names, TRUE);
    g_free(r->error);
}

/* Runs libxml2 over @data with the reader's callbacks: TRUE when the text
 * is well-formed and nothing was refused. */
static gboolean parse(Reader *r, const char *data, gsize len)
{
    r->ctxt = r->lx->create_memory_parser_ctxt(data, (int)len);
    if (!r->ctxt || !r->ctxt->sax)
        g_error("libxml2 could not allocate a parser context");
    xmlSAXHandler *sax = r->ctxt->sax;
    memset(sax, 0, sizeof(*sax));
    sax->initialized = XML_SAX2_MAGIC;
    sax->startElementNs = on_start;
    sax->endElementNs = on_end;
    sax->characters = sax->cdataBlock = sax->ignorableWhitespace = on_text;
    sax->internalSubset = sax->externalSubset = on_doctype;
    sax->serror = on_error;
    r->ctxt->userData = r;
    /* NOENT decodes character references in attributes too; there is no
     * entity of the document's to substitute, none can be declared */
    r->lx->ctxt_use_options(r->ctxt, XML_PARSE_NONET | XML_PARSE_NOENT);
    r->lx->parse_document(r->ctxt);
    return r->ctxt->wellFormed && !r->refused && !r->too_deep && r->root;
}

static DcNode *result(Reader *r, gboolean ok, const char *root_name, const char *what, GError **err)
{
    g_autoptr(DcNode) root = r->root;
    if (r->refused) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s refused: it contains %s", what, r->refused);
    } else if (r->too_deep) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s is nested more than %d levels deep", what,
                    DC_XML_MAX_DEPTH);
    } else if (!ok) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s is not well-formed XML (line %d: %s)", what,
                    r->error ? r->error_line : 1, r->error ? r->error : "no root element");
    } else if (root_name && strcmp(root->name, root_name) != 0) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML, "%s has root element <%s>, expected <%s>", what,
                    root->name, root_name);
    } else {
        return g_steal_pointer(&root);
    }
    return NULL;
}

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
    if (!attributes_bounded(data, len)) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_INVALID_XML,
                    "%s refused: it contains an element with more than %d attributes", what, DC_XML_MAX_ATTRIBUTES);
        return NULL;
    }
    g_autoptr(GError) load_err = NULL;
    Reader r = { .lx = dc_libxml(&load_err) };
    if (!r.lx) {
        g_set_error(err, DOMCAPS_ERROR, DOMCAPS_ERROR_IO, "%s cannot be read: %s", what, load_err->message);
        return NULL;
    }
    r.stack = g_ptr_array_new();
    r.text = g_string_sized_new(256);
    r.text_start = g_array_new(FALSE, FALSE, sizeof(gsize));
    r.names = g_string_sized_new(64);
    gboolean ok = parse(&r, data, len);
    DcNode *root = result(&r, ok, root_name, what, err);
    reader_clear(&r);
    return root;
}
