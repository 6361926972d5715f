/* The first well-formedness error of an XML text, as libxml2 reports it
 * (see xmlerror.h).  One pass over the text with a stack of open
 * elements; each construct is checked the way libxml2's parser checks it,
 * and the first failure ends the scan with libxml2's message and the
 * position libxml2's cursor would be at. */
#include "util/xmlerror.h"
#include <stdarg.h>
#include <string.h>

typedef struct {
    gsize name;        /* offset of the element name */
    gsize name_len;
    int line;          /* where it was opened */
} Open;

typedef struct {
    const char *s;
    gsize n;
    gsize p;               /* the cursor */
    GArray *open;          /* of Open, root first */
    gsize line_off;        /* newlines are counted up to here... */
    int line;              /* ...giving this line */
    DcXmlError *err;
} Scan;

void dc_xml_error_clear(DcXmlError *e)
{
    g_clear_pointer(&e->message, g_free);
}

/* The line of @off; offsets asked grow, so counting is linear overall. */
static int line_of(Scan *sc, gsize off)
{
    if (off < sc->line_off) {
        sc->line_off = 0;
        sc->line = 1;
    }
    for (; sc->line_off < off && sc->line_off < sc->n; sc->line_off++)
        sc->line += sc->s[sc->line_off] == '\n';
    return sc->line;
}

static gboolean fail(Scan *sc, gsize off, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Records the error at @off; always FALSE, so a check can return fail(). */
static gboolean fail(Scan *sc, gsize off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sc->err->message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    sc->err->offset = off;
    sc->err->line = line_of(sc, off);
    return FALSE;
}

static int peek(const Scan *sc, gsize off)
{
    return off < sc->n ? (guchar)sc->s[off] : 0;
}

static gboolean at(const Scan *sc, const char *lit)
{
    gsize l = strlen(lit);
    return sc->p + l <= sc->n && memcmp(sc->s + sc->p, lit, l) == 0;
}

static gboolean is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gsize skip_blanks(Scan *sc)
{
    gsize start = sc->p;
    while (is_blank(peek(sc, sc->p)))
        sc->p++;
    return sc->p - start;
}

/* XML's Char production. */
static gboolean is_xml_char(gunichar c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

/* The character at the cursor: its length, or 0 after reporting bytes
 * that are not UTF-8. */
static gsize char_at(Scan *sc, gunichar *out)
{
    int c = peek(sc, sc->p);
    if (c < 0x80) {
        *out = (gunichar)c;
        return 1;
    }
    gunichar u = g_utf8_get_char_validated(sc->s + sc->p, (gssize)(sc->n - sc->p));
    if (u == (gunichar)-1 || u == (gunichar)-2) {
        fail(sc, sc->p, "Input is not proper UTF-8, indicate encoding !\nBytes: 0x%02X 0x%02X 0x%02X 0x%02X\n",
             peek(sc, sc->p), peek(sc, sc->p + 1), peek(sc, sc->p + 2), peek(sc, sc->p + 3));
        return 0;
    }
    *out = u;
    return (gsize)(g_utf8_next_char(sc->s + sc->p) - (sc->s + sc->p));
}

static gboolean is_name_start(int c)
{
    return g_ascii_isalpha(c) || c == '_' || c == ':' || c >= 0x80;
}

static gboolean is_name_char(int c)
{
    return is_name_start(c) || g_ascii_isdigit(c) || c == '-' || c == '.';
}

/* A name at the cursor, moved past; its length (0: none there). */
static gsize take_name(Scan *sc, gboolean *bad)
{
    gsize start = sc->p;
    *bad = FALSE;
    if (!is_name_start(peek(sc, sc->p)))
        return 0;
    while (sc->p < sc->n && is_name_char(peek(sc, sc->p))) {
        gunichar u;
        gsize l = char_at(sc, &u);
        if (!l) {
            *bad = TRUE;
            return 0;
        }
        sc->p += l;
    }
    return sc->p - start;
}

/* &#...; at the cursor (past "&#"). */
static gboolean char_ref(Scan *sc)
{
    gboolean hex = peek(sc, sc->p) == 'x';
    guint64 val = 0;
    if (hex)
        sc->p++;
    for (int c; (c = peek(sc, sc->p)) != ';'; sc->p++) {
        if (hex ? !g_ascii_isxdigit(c) : !g_ascii_isdigit(c))
            return fail(sc, sc->p, hex ? "CharRef: invalid hexadecimal value\n" : "CharRef: invalid decimal value\n");
        val = val * (hex ? 16 : 10) + (guint64)(hex ? g_ascii_xdigit_value(c) : c - '0');
        if (val > 0x110000)
            val = 0x110000;
    }
    sc->p++;
    if (val >= 0x110000)
        return fail(sc, sc->p, "xmlParseCharRef: character reference out of bounds\n");
    if (!is_xml_char((gunichar)val))
        return fail(sc, sc->p, "xmlParseCharRef: invalid xmlChar value %d\n", (int)val);
    return TRUE;
}

/* A reference at the cursor ('&'): a character reference or one of XML's
 * five entities; with no DTD every other entity is undeclared. */
static gboolean reference(Scan *sc)
{
    static const char *const known[] = { "lt", "gt", "amp", "apos", "quot" };
    gboolean bad;
    sc->p++;
    if (peek(sc, sc->p) == '#') {
        sc->p++;
        return char_ref(sc);
    }
    gsize start = sc->p;
    gsize len = take_name(sc, &bad);
    if (bad)
        return FALSE;
    if (!len)
        return fail(sc, sc->p, "xmlParseEntityRef: no name\n");
    if (peek(sc, sc->p) != ';')
        return fail(sc, sc->p, "EntityRef: expecting ';'\n");
    sc->p++;
    for (gsize i = 0; i < G_N_ELEMENTS(known); i++)
        if (strlen(known[i]) == len && memcmp(sc->s + start, known[i], len) == 0)
            return TRUE;
    return fail(sc, sc->p, "Entity '%.*s' not defined\n", (int)len, sc->s + start);
}

/* An attribute value at the cursor, quotes included. */
static gboolean att_value(Scan *sc)
{
    int quote = peek(sc, sc->p);
    if (quote != '"' && quote != '\'')
        return fail(sc, sc->p, "AttValue: \" or ' expected\n");
    sc->p++;
    for (;;) {
        int c = peek(sc, sc->p);
        gunichar u;
        if (sc->p >= sc->n)
            return fail(sc, sc->p, "AttValue: ' expected\n");
        if (c == quote)
            break;
        if (c == '<')
            return fail(sc, sc->p, "Unescaped '<' not allowed in attributes values\n");
        if (c == '&') {
            if (!reference(sc))
                return FALSE;
            continue;
        }
        gsize l = char_at(sc, &u);
        if (!l)
            return FALSE;
        if (!is_xml_char(u))
            return fail(sc, sc->p, "invalid character in attribute value\n");
        sc->p += l;
    }
    sc->p++;
    return TRUE;
}

/* One attribute at the cursor; @seen holds the element's attribute names. */
static gboolean attribute(Scan *sc, GHashTable *seen)
{
    gboolean bad;
    gsize start = sc->p;
    gsize len = take_name(sc, &bad);
    if (bad)
        return FALSE;
    if (!len)
        return fail(sc, sc->p, "error parsing attribute name\n");
    g_autofree char *name = g_strndup(sc->s + start, len);
    skip_blanks(sc);
    if (peek(sc, sc->p) != '=')
        return fail(sc, sc->p, "Specification mandates value for attribute %s\n", name);
    sc->p++;
    skip_blanks(sc);
    if (!att_value(sc))
        return FALSE;
    if (!g_hash_table_add(seen, g_steal_pointer(&name)))
        return fail(sc, sc->p, "Attribute %.*s redefined\n", (int)len, sc->s + start);
    return TRUE;
}

/* A start tag at the cursor ('<'); an element that is not empty is opened. */
static gboolean start_tag(Scan *sc)
{
    gboolean bad;
    Open o = { .name = ++sc->p };
    o.name_len = take_name(sc, &bad);
    if (bad)
        return FALSE;
    if (!o.name_len)
        return fail(sc, sc->p, "StartTag: invalid element name\n");
    o.line = line_of(sc, o.name);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    skip_blanks(sc);
    while (sc->p < sc->n && peek(sc, sc->p) != '>' && !at(sc, "/>")) {
        if (!attribute(sc, seen))
            return FALSE;
        if (peek(sc, sc->p) == '>' || at(sc, "/>"))
            break;
        if (!skip_blanks(sc))
            return fail(sc, sc->p, "attributes construct error\n");
    }
    if (at(sc, "/>")) {
        sc->p += 2;
        return TRUE;
    }
    if (peek(sc, sc->p) != '>')
        return fail(sc, sc->p, "Couldn't find end of Start Tag %.*s line %d\n", (int)o.name_len, sc->s + o.name,
                    o.line);
    sc->p++;
    g_array_append_val(sc->open, o);
    return TRUE;
}

/* An end tag at the cursor ("</"): it closes the element open last. */
static gboolean end_tag(Scan *sc)
{
    gboolean bad;
    sc->p += 2;
    gsize start = sc->p;
    gsize len = take_name(sc, &bad);
    if (bad)
        return FALSE;
    skip_blanks(sc);
    if (peek(sc, sc->p) != '>')
        return fail(sc, sc->p, "expected '>'\n");
    sc->p++;
    Open *o = &g_array_index(sc->open, Open, sc->open->len - 1);
    if (len != o->name_len || memcmp(sc->s + start, sc->s + o->name, len) != 0)
        return fail(sc, sc->p, "Opening and ending tag mismatch: %.*s line %d and %.*s\n", (int)o->name_len,
                    sc->s + o->name, o->line, len ? (int)len : 10, len ? sc->s + start : "unparsable");
    g_array_set_size(sc->open, sc->open->len - 1);
    return TRUE;
}

/* "<!--" at the cursor. */
static gboolean comment(Scan *sc)
{
    gsize body = sc->p + 4;
    for (sc->p = body; sc->p < sc->n; sc->p++) {
        if (!at(sc, "--"))
            continue;
        if (peek(sc, sc->p + 2) != '>')
            return fail(sc, sc->p, "Double hyphen within comment: <!--%.*s\n", (int)MIN(sc->p - body, 50),
                        sc->s + body);
        sc->p += 3;
        return TRUE;
    }
    return fail(sc, sc->n, "Comment not terminated\n");
}

/* "<![CDATA[" at the cursor. */
static gboolean cdata(Scan *sc)
{
    gsize body = sc->p + 9;
    const char *end = g_strstr_len(sc->s + body, (gssize)(sc->n - body), "]]>");
    if (!end) {
        gsize kept = sc->n - body >= 2 ? sc->n - body - 2 : 0;
        return fail(sc, sc->n, "CData section not finished\n%.*s\n", (int)MIN(kept, 50), sc->s + body);
    }
    sc->p = (gsize)(end - sc->s) + 3;
    return TRUE;
}

/* "<?" at the cursor: a processing instruction, never the XML declaration. */
static gboolean pi(Scan *sc)
{
    gboolean bad;
    sc->p += 2;
    gsize start = sc->p;
    gsize len = take_name(sc, &bad);
    if (bad)
        return FALSE;
    if (!len)
        return fail(sc, sc->p, "xmlParsePI : no target name\n");
    if (len == 3 && memcmp(sc->s + start, "xml", 3) == 0)
        return fail(sc, sc->p, "XML declaration allowed only at the start of the document\n");
    if (len == 3 && g_ascii_strncasecmp(sc->s + start, "xml", 3) == 0)
        return fail(sc, sc->p, "Invalid PI name\n");
    const char *end = g_strstr_len(sc->s + sc->p, (gssize)(sc->n - sc->p), "?>");
    if (!end)
        return fail(sc, sc->n, "ParsePI: PI %.*s never end ...\n", (int)len, sc->s + start);
    if (sc->s + sc->p != end && !is_blank(peek(sc, sc->p)))
        return fail(sc, sc->p, "ParsePI: PI %.*s space expected\n", (int)len, sc->s + start);
    sc->p = (gsize)(end - sc->s) + 2;
    return TRUE;
}

/* Character data at the cursor, up to the next markup. */
static gboolean char_data(Scan *sc)
{
    while (sc->p < sc->n && peek(sc, sc->p) != '<' && peek(sc, sc->p) != '&') {
        gunichar u;
        if (at(sc, "]]>"))
            return fail(sc, sc->p, "Sequence ']]>' not allowed in content\n");
        gsize l = char_at(sc, &u);
        if (!l)
            return FALSE;
        if (!is_xml_char(u))
            return fail(sc, sc->p, "PCDATA invalid Char value %d\n", (int)u);
        sc->p += l;
    }
    return TRUE;
}

/* One construct of an element's content at the cursor. */
static gboolean content(Scan *sc)
{
    if (at(sc, "</"))
        return end_tag(sc);
    if (at(sc, "<?"))
        return pi(sc);
    if (at(sc, "<!--"))
        return comment(sc);
    if (at(sc, "<![CDATA["))
        return cdata(sc);
    if (peek(sc, sc->p) == '<')
        return start_tag(sc);
    if (peek(sc, sc->p) == '&')
        return reference(sc);
    return char_data(sc);
}

/* After the root element: white space, comments and PIs only. */
static gboolean epilog(Scan *sc)
{
    for (;;) {
        skip_blanks(sc);
        if (sc->p >= sc->n)
            return TRUE;
        if (at(sc, "<!--")) {
            if (!comment(sc))
                return FALSE;
        } else if (at(sc, "<?")) {
            if (!pi(sc))
                return FALSE;
        } else {
            return fail(sc, sc->p, "Extra content at the end of the document\n");
        }
    }
}

gboolean dc_xml_first_error(const char *text, gsize len, DcXmlError *out)
{
    Scan sc = { .s = text, .n = len, .line = 1, .err = out };
    gboolean ok;
    memset(out, 0, sizeof(*out));
    sc.open = g_array_new(FALSE, FALSE, sizeof(Open));
    skip_blanks(&sc);
    ok = peek(&sc, sc.p) == '<' ? start_tag(&sc) : fail(&sc, sc.p, "Start tag expected, '<' not found\n");
    while (ok && sc.open->len) {
        if (sc.p >= sc.n) {
            Open *o = &g_array_index(sc.open, Open, sc.open->len - 1);
            ok = fail(&sc, sc.p, "Premature end of data in tag %.*s line %d\n", (int)o->name_len, text + o->name,
                      o->line);
            break;
        }
        ok = content(&sc);
    }
    if (ok)
        ok = epilog(&sc);
    g_array_unref(sc.open);
    return !ok;
}

/* The byte at @i, NUL past the end (as libxml2's buffer has one). */
static char byte_at(const char *text, gsize len, gsize i)
{
    return i < len ? text[i] : '\0';
}

static gboolean is_eol(char c)
{
    return c == '\n' || c == '\r';
}

char *dc_xml_error_report(const char *text, gsize len, const DcXmlError *e, const char *name)
{
    /* libvirt's catchXMLError(): back over line ends to the start of the
     * line, the line as it is, and a caret under the position (a tab kept
     * as a tab so the caret lines up). */
    gsize cur = MIN(e->offset, len);
    gsize start = cur;
    while (start > 0 && is_eol(byte_at(text, len, start)))
        start--;
    while (start > 0 && !is_eol(byte_at(text, len, start)))
        start--;
    if (is_eol(byte_at(text, len, start)))
        start++;
    gsize col = cur - MIN(cur, start);
    gsize end = start;
    while (end < len && !is_eol(text[end]))
        end++;
    GString *out = g_string_new(NULL);
    g_string_append_printf(out, "%s:%d: %s", name, e->line, e->message);
    g_string_append_len(out, text + start, (gssize)(end - start));
    g_string_append_c(out, '\n');
    for (gsize i = 0; i < col && start + i < end; i++)
        g_string_append_c(out, text[start + i] == '\t' ? '\t' : '-');
    g_string_append_c(out, '^');
    return g_string_free(out, FALSE);
}
