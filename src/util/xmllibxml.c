/* XML read as libxml2 reads it (see xmllibxml.h).  One pass over the text
 * with a stack of open elements; each construct is read and checked the way
 * libxml2's parser does, and the first failure ends the pass with
 * libxml2's message and the position its cursor would be at. */
#include "util/xmllibxml.h"
#include "cpu/cpudef.h"
#include <stdarg.h>
#include <string.h>

/* libxml2's limit on open elements without XML_PARSE_HUGE. */
#define MAX_DEPTH 256

typedef struct {
    DcNode *node;
    GString *text;     /* its text so far */
    int line;          /* where it was opened */
} Open;

typedef struct {
    const char *s;
    gsize n;
    gsize p;               /* the cursor */
    GArray *open;          /* of Open, root first */
    DcNode *root;
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

/* libxml2 sometimes reports its cursor with a later line (it counts lines
 * ahead of the cursor while scanning text): the error at @off, on the line
 * of @line_off. */
static gboolean fail_ahead(Scan *sc, gsize off, gsize line_off, const char *msg)
{
    fail(sc, off, "%s", msg);
    sc->err->line = line_of(sc, line_off);
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

/* A byte of a multi-byte sequence. */
static gboolean continues(int b)
{
    return (b & 0xc0) == 0x80;
}

/* libxml2's decoding of the character at @off (xmlCurrentChar): its value
 * and length, or 0 after the error: bytes that are not UTF-8 (an overlong
 * form counts), or a decoded value that is no XML character. CR LF reads
 * as one LF, a CR alone as LF. ASCII control characters pass: the caller
 * decides. */
static gsize char_at(Scan *sc, gsize off, gunichar *out)
{
    int c = peek(sc, off);
    if (c < 0x80) {
        *out = c == '\r' ? '\n' : (gunichar)c;
        return c == '\r' && peek(sc, off + 1) == '\n' ? 2 : 1;
    }
    gsize len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
    gboolean ok = (c & 0x40) && c != 0xC0 && continues(peek(sc, off + 1)) &&
                  (len < 3 || continues(peek(sc, off + 2))) &&
                  (len < 4 || ((c & 0xf8) == 0xf0 && continues(peek(sc, off + 3))));
    gunichar v = 0;
    if (ok) {
        static const int lead_mask[] = { 0, 0, 0x1f, 0x0f, 0x07 };
        v = (gunichar)(c & lead_mask[len]);
        for (gsize i = 1; i < len; i++)
            v = (v << 6) | (gunichar)(peek(sc, off + i) & 0x3f);
        static const gunichar least[] = { 0, 0, 0x80, 0x800, 0x10000 };
        ok = v >= least[len];
    }
    if (!ok) {
        fail(sc, off, "Input is not proper UTF-8, indicate encoding !\nBytes: 0x%02X 0x%02X 0x%02X 0x%02X\n",
             peek(sc, off), peek(sc, off + 1), peek(sc, off + 2), peek(sc, off + 3));
        return 0;
    }
    if (!is_xml_char(v)) {
        fail(sc, off, "Char 0x%X out of allowed range\n", v);
        return 0;
    }
    *out = v;
    return len;
}

/* XML 1.0 fifth edition's NameStartChar and NameChar, which libxml2 uses. */
static const gunichar name_start_ranges[][2] = {
    { ':', ':' }, { 'A', 'Z' }, { '_', '_' }, { 'a', 'z' }, { 0xC0, 0xD6 }, { 0xD8, 0xF6 }, { 0xF8, 0x2FF },
    { 0x370, 0x37D }, { 0x37F, 0x1FFF }, { 0x200C, 0x200D }, { 0x2070, 0x218F }, { 0x2C00, 0x2FEF },
    { 0x3001, 0xD7FF }, { 0xF900, 0xFDCF }, { 0xFDF0, 0xFFFD }, { 0x10000, 0xEFFFF },
};
static const gunichar name_more_ranges[][2] = {
    { '-', '-' }, { '.', '.' }, { '0', '9' }, { 0xB7, 0xB7 }, { 0x300, 0x36F }, { 0x203F, 0x2040 },
};

static gboolean in_ranges(gunichar c, const gunichar (*r)[2], gsize n)
{
    for (gsize i = 0; i < n; i++)
        if (c >= r[i][0] && c <= r[i][1])
            return TRUE;
    return FALSE;
}

static gboolean is_name_char(gunichar c, gboolean first)
{
    return in_ranges(c, name_start_ranges, G_N_ELEMENTS(name_start_ranges)) ||
           (!first && in_ranges(c, name_more_ranges, G_N_ELEMENTS(name_more_ranges)));
}

/* A name at the cursor, moved past; its length (0: none there, or *bad
 * after an encoding error). */
static gsize take_name(Scan *sc, gboolean *bad)
{
    gsize start = sc->p;
    *bad = FALSE;
    for (;;) {
        gunichar u = 0;
        gsize l = sc->p < sc->n ? char_at(sc, sc->p, &u) : 1;
        if (!l) {
            *bad = TRUE;
            return 0;
        }
        if (sc->p >= sc->n || !is_name_char(u, sc->p == start))
            return sc->p - start;
        sc->p += l;
    }
}

/* &#...; at the cursor (past "&#"): its character appended to @out.
 * libxml2 counts two per hex digit and stops taking letters after ten. */
static gboolean char_ref(Scan *sc, GString *out)
{
    gboolean hex = peek(sc, sc->p) == 'x';
    guint64 val = 0;
    int count = 0;
    if (hex)
        sc->p++;
    for (int c; (c = peek(sc, sc->p)) != ';'; sc->p++, count++) {
        if (count++ > 20)
            count = 0;
        gboolean digit = g_ascii_isdigit(c) || (hex && g_ascii_isxdigit(c) && count < 20);
        if (!digit)
            return fail(sc, sc->p, hex ? "CharRef: invalid hexadecimal value\n" : "CharRef: invalid decimal value\n");
        val = val * (hex ? 16 : 10) + (guint64)g_ascii_xdigit_value(c);
        if (val > 0x110000)
            val = 0x110000;
    }
    sc->p++;
    if (val >= 0x110000)
        return fail(sc, sc->p, "xmlParseCharRef: character reference out of bounds\n");
    if (!is_xml_char((gunichar)val))
        return fail(sc, sc->p, "xmlParseCharRef: invalid xmlChar value %d\n", (int)val);
    g_string_append_unichar(out, (gunichar)val);
    return TRUE;
}

/* A reference at the cursor ('&'): a character reference or one of XML's
 * five entities (appended to @out); with no DTD any other is undeclared. */
static gboolean reference(Scan *sc, GString *out)
{
    static const struct { const char *name; char c; } known[] = {
        { "lt", '<' }, { "gt", '>' }, { "amp", '&' }, { "apos", '\'' }, { "quot", '"' },
    };
    gboolean bad;
    sc->p++;
    if (peek(sc, sc->p) == '#') {
        sc->p++;
        return char_ref(sc, out);
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
    for (gsize i = 0; i < G_N_ELEMENTS(known); i++) {
        if (strlen(known[i].name) == len && memcmp(sc->s + start, known[i].name, len) == 0) {
            g_string_append_c(out, known[i].c);
            return TRUE;
        }
    }
    return fail(sc, sc->p, "Entity '%.*s' not defined\n", (int)len, sc->s + start);
}

/* One character of text at the cursor, moved past and appended to @out
 * with line ends normalized (CR LF and CR alone are LF), white space made a
 * space in attribute values (@attr). FALSE after an error. */
static gboolean take_char(Scan *sc, GString *out, gboolean attr)
{
    gunichar u;
    gsize l = char_at(sc, sc->p, &u);
    if (!l)
        return FALSE;
    if (!is_xml_char(u) && attr)
        return fail(sc, sc->p, "invalid character in attribute value\n");
    if (!is_xml_char(u))
        return fail(sc, sc->p, "PCDATA invalid Char value %d\n", (int)u);
    if (attr && is_blank((int)u))
        u = ' ';
    g_string_append_unichar(out, u);
    sc->p += l;
    return TRUE;
}

/* An attribute value at the cursor, quotes included, into @out. */
static gboolean att_value(Scan *sc, GString *out)
{
    int quote = peek(sc, sc->p);
    if (quote != '"' && quote != '\'')
        return fail(sc, sc->p, "AttValue: \" or ' expected\n");
    sc->p++;
    for (;;) {
        int c = peek(sc, sc->p);
        if (sc->p >= sc->n)
            return fail(sc, sc->p, "AttValue: ' expected\n");
        if (c == quote)
            break;
        if (c == '<')
            return fail(sc, sc->p, "Unescaped '<' not allowed in attributes values\n");
        if (!(c == '&' ? reference(sc, out) : take_char(sc, out, TRUE)))
            return FALSE;
    }
    sc->p++;
    return TRUE;
}

/* One attribute at the cursor, added to @node.  A repeated namespace
 * declaration is an error at once; libxml2 looks for other repeated
 * attributes once the tag is read: the first one is noted in *@dup. */
static gboolean attribute(Scan *sc, DcNode *node, char **dup)
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
    g_autoptr(GString) value = g_string_new(NULL);
    if (!att_value(sc, value))
        return FALSE;
    if (dc_node_get_attr(node, name)) {
        if (strcmp(name, "xmlns") == 0 || g_str_has_prefix(name, "xmlns:"))
            return fail(sc, sc->p, "Attribute %s redefined\n", name);
        if (!*dup)
            *dup = g_steal_pointer(&name);
        return TRUE;
    }
    dc_node_set_attr(node, name, value->str);
    return TRUE;
}

/* libxml2's IS_BYTE_CHAR: what may go on inside a tag. */
static gboolean tag_byte(int c)
{
    return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
}

/* The text an open element gathered so far, as a text child: its content
 * is mixed (a leaf keeps its text as its text). */
static void flush_text(Open *o)
{
    if (!o->text->len)
        return;
    DcNode *t = dc_node_new(DC_XML_TEXT_NODE);
    t->text = g_strdup(o->text->str);
    g_ptr_array_add(o->node->children, t);
    g_string_truncate(o->text, 0);
}

/* Puts @node where it belongs: the root, or the last child of the element
 * open last; an element that is not empty is opened. */
static void place(Scan *sc, DcNode *node, gboolean empty, int line)
{
    if (sc->open->len) {
        Open *parent = &g_array_index(sc->open, Open, sc->open->len - 1);
        flush_text(parent);
        g_ptr_array_add(parent->node->children, node);
    } else {
        sc->root = node;
    }
    if (!empty) {
        Open o = { node, g_string_new(NULL), line };
        g_array_append_val(sc->open, o);
    }
}

/* A start tag at the cursor ('<'). */
static gboolean start_tag(Scan *sc)
{
    gboolean bad;
    if (sc->open->len > MAX_DEPTH)
        return fail(sc, sc->p, "Excessive depth in document: %d use XML_PARSE_HUGE option\n", MAX_DEPTH);
    gsize name = ++sc->p;
    gsize name_len = take_name(sc, &bad);
    if (bad)
        return FALSE;
    if (!name_len)
        return fail(sc, sc->p, "StartTag: invalid element name\n");
    int line = line_of(sc, name);
    g_autofree char *tag = g_strndup(sc->s + name, name_len);
    g_autoptr(DcNode) node = dc_node_new(tag);
    g_autofree char *dup = NULL;
    skip_blanks(sc);
    while (sc->p < sc->n && peek(sc, sc->p) != '>' && !at(sc, "/>") && tag_byte(peek(sc, sc->p))) {
        if (!attribute(sc, node, &dup))
            return FALSE;
        if (peek(sc, sc->p) == '>' || at(sc, "/>"))
            break;
        if (!skip_blanks(sc))
            return fail(sc, sc->p, "attributes construct error\n");
    }
    if (dup)
        return fail(sc, sc->p, "Attribute %s redefined\n", dup);
    gboolean empty = at(sc, "/>");
    if (!empty && peek(sc, sc->p) != '>')
        return fail(sc, sc->p, "Couldn't find end of Start Tag %s line %d\n", tag, line);
    sc->p += empty ? 2 : 1;
    place(sc, g_steal_pointer(&node), empty, line);
    return TRUE;
}

/* An end tag at the cursor ("</"): it closes the element open last, which
 * keeps its text when it has no child element. */
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
    if (len != strlen(o->node->name) || memcmp(sc->s + start, o->node->name, len) != 0)
        return fail(sc, sc->p, "Opening and ending tag mismatch: %s line %d and %.*s\n", o->node->name, o->line,
                    len ? (int)len : 10, len ? sc->s + start : "unparsable");
    if (o->node->children->len)
        flush_text(o);
    if (o->text->len)
        o->node->text = g_string_free(o->text, FALSE);
    else
        g_string_free(o->text, TRUE);
    g_array_set_size(sc->open, sc->open->len - 1);
    return TRUE;
}

/* The text from @from to @to as libxml2 keeps it in its buffers (line ends
 * normalized), cut to its first 50 bytes, as its messages quote it. */
static char *quoted(const Scan *sc, gsize from, gsize to)
{
    GString *out = g_string_new(NULL);
    for (gsize i = from; i < to && out->len < 50; i++) {
        if (sc->s[i] == '\r' && i + 1 < to && sc->s[i + 1] == '\n')
            continue;
        g_string_append_c(out, sc->s[i] == '\r' ? '\n' : sc->s[i]);
    }
    g_string_truncate(out, MIN(out->len, 50));
    return g_string_free(out, FALSE);
}

/* The rest of a comment after libxml2's fast path stopped at @sc->p on a
 * character it does not take (xmlParseCommentComplex): three characters
 * looked at once, until "-->". @body: where the comment's text began. */
static gboolean comment_slow(Scan *sc, gsize body)
{
    gunichar q, r, c;
    gsize lq, lr, lc, at_q = sc->p, at_r;
    if (sc->p >= sc->n)
        return fail(sc, sc->p, "Comment not terminated\n");
    if (!(lq = char_at(sc, sc->p, &q)))
        return FALSE;
    if (!is_xml_char(q))
        return fail(sc, sc->p, "xmlParseComment: invalid xmlChar value %d\n", (int)q);
    at_r = sc->p + lq;
    if (at_r >= sc->n)
        return fail(sc, at_r, "Comment not terminated\n");
    if (!(lr = char_at(sc, at_r, &r)))
        return FALSE;
    if (!is_xml_char(r))
        return fail(sc, at_r, "xmlParseComment: invalid xmlChar value %d\n", (int)q);
    sc->p = at_r + lr;
    for (;;) {
        if (sc->p >= sc->n) {
            g_autofree char *text = quoted(sc, body, at_q);
            return fail(sc, sc->p, "Comment not terminated \n<!--%s\n", text);
        }
        if (!(lc = char_at(sc, sc->p, &c)))
            return FALSE;
        if (!is_xml_char(c))
            return fail(sc, sc->p, "xmlParseComment: invalid xmlChar value %d\n", (int)c);
        if (q == '-' && r == '-' && c == '>')
            break;
        if (q == '-' && r == '-')
            return fail(sc, sc->p, "Comment must not contain '--' (double-hyphen)\n");
        q = r;
        r = c;
        at_q = at_r;
        at_r = sc->p;
        sc->p += lc;
    }
    sc->p += lc;
    return TRUE;
}

/* "<!--" at the cursor.  libxml2 reads plain ASCII first, its cursor
 * resting at the last stop, and takes the slow way from the first other
 * character. */
static gboolean comment(Scan *sc)
{
    gsize body = sc->p + 4;
    for (sc->p = body; sc->p < sc->n;) {
        int c = peek(sc, sc->p);
        if (c == '-' && peek(sc, sc->p + 1) == '-') {
            if (peek(sc, sc->p + 2) == '>') {
                sc->p += 3;
                return TRUE;
            }
            if (sc->p == body)
                return fail(sc, sc->p, "Double hyphen within comment\n");
            g_autofree char *text = quoted(sc, body, sc->p);
            return fail(sc, sc->p, "Double hyphen within comment: <!--%s\n", text);
        }
        if ((c >= 0x20 && c <= 0x7F) || c == '\t' || c == '\n')
            sc->p++;
        else if (c == '\r' && peek(sc, sc->p + 1) == '\n')
            sc->p += 2;
        else
            break;
    }
    return comment_slow(sc, body);
}

/* "<![CDATA[" at the cursor: its text appended to @out.  libxml2 looks at
 * three characters at once; one that is no XML character (or the end) ends
 * the section unfinished. */
static gboolean cdata(Scan *sc, GString *out)
{
    gsize body = sc->p + 9;
    gsize at[3];        /* where the last three characters began */
    gunichar ch[3];
    guint seen = 0;
    for (sc->p = body;; seen++) {
        gunichar c = 0;
        gsize l = sc->p < sc->n ? char_at(sc, sc->p, &c) : 1;
        if (!l)
            return FALSE;
        if (sc->p >= sc->n || !is_xml_char(c)) {
            if (seen < 2)
                return fail(sc, sc->p, "Unregistered error message\n");
            g_autofree char *text = quoted(sc, body, at[(seen - 2) % 3]);
            return fail(sc, sc->p, "CData section not finished\n%s\n", text);
        }
        at[seen % 3] = sc->p;
        ch[seen % 3] = c;
        sc->p += l;
        if (seen >= 2 && c == '>' && ch[(seen - 1) % 3] == ']' && ch[(seen - 2) % 3] == ']')
            break;
    }
    for (gsize i = body; i < at[(seen - 2) % 3];) {
        gunichar c;
        gsize l = char_at(sc, i, &c);
        g_string_append_unichar(out, c);
        i += l;
    }
    return TRUE;
}

/* "<?" at the cursor: a processing instruction, never the XML declaration
 * (libxml2's xmlParsePI and xmlParsePITarget). */
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
    if (at(sc, "?>")) {
        sc->p += 2;
        return TRUE;
    }
    if (!skip_blanks(sc))
        return fail(sc, sc->p, "ParsePI: PI %.*s space expected\n", (int)len, sc->s + start);
    while (sc->p < sc->n && !at(sc, "?>")) {
        gunichar c;
        gsize l = char_at(sc, sc->p, &c);
        if (!l)
            return FALSE;
        if (!is_xml_char(c))
            break;
        sc->p += l;
    }
    if (!at(sc, "?>"))
        return fail(sc, sc->p, "ParsePI: PI %.*s never end ...\n", (int)len, sc->s + start);
    sc->p += 2;
    return TRUE;
}

/* The ASCII characters libxml2's fast path takes in text (test_char_data). */
static gboolean plain_text_byte(int c)
{
    return c == '\t' || (c >= 0x20 && c <= 0x7F && c != '<' && c != '&' && c != ']');
}

/* Character data at the cursor, up to the next markup, into @out.
 * libxml2 reads plain ASCII text without moving its cursor (only past a
 * CR LF), so ']]>' there is reported at the start of the run; from the
 * first other character on it moves character by character. */
static gboolean char_data(Scan *sc, GString *out)
{
    gsize mark = sc->p;
    gboolean fast = TRUE;
    while (sc->p < sc->n && peek(sc, sc->p) != '<' && peek(sc, sc->p) != '&') {
        int c = peek(sc, sc->p);
        if (at(sc, "]]>"))
            return fast ? fail_ahead(sc, mark, sc->p, "Sequence ']]>' not allowed in content\n")
                        : fail(sc, sc->p, "Sequence ']]>' not allowed in content\n");
        if (fast && (plain_text_byte(c) || c == '\n' || c == ']')) {
            g_string_append_c(out, (char)c);
            sc->p++;
            continue;
        }
        if (fast && c == '\r' && peek(sc, sc->p + 1) == '\n') {
            mark = sc->p + 1;
            g_string_append_c(out, '\n');
            sc->p += 2;
            continue;
        }
        fast = FALSE;
        if (!take_char(sc, out, FALSE))
            return FALSE;
    }
    return TRUE;
}

/* One construct of an element's content at the cursor. */
static gboolean content(Scan *sc)
{
    GString *text = g_array_index(sc->open, Open, sc->open->len - 1).text;
    if (at(sc, "</"))
        return end_tag(sc);
    if (at(sc, "<?"))
        return pi(sc);
    if (at(sc, "<!--"))
        return comment(sc);
    if (at(sc, "<![CDATA["))
        return cdata(sc, text);
    if (peek(sc, sc->p) == '<')
        return start_tag(sc);
    if (peek(sc, sc->p) == '&')
        return reference(sc, text);
    return char_data(sc, text);
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

static gboolean document(Scan *sc)
{
    skip_blanks(sc);
    if (peek(sc, sc->p) != '<')
        return fail(sc, sc->p, "Start tag expected, '<' not found\n");
    if (!start_tag(sc))
        return FALSE;
    while (sc->open->len) {
        if (sc->p >= sc->n) {
            Open *o = &g_array_index(sc->open, Open, sc->open->len - 1);
            return fail(sc, sc->p, "Premature end of data in tag %s line %d\n", o->node->name, o->line);
        }
        if (!content(sc))
            return FALSE;
    }
    return epilog(sc);
}

DcNode *dc_xml_read_libxml(const char *text, gsize len, DcXmlError *out)
{
    Scan sc = { .s = text, .n = len, .line = 1, .err = out };
    memset(out, 0, sizeof(*out));
    sc.open = g_array_new(FALSE, FALSE, sizeof(Open));
    gboolean ok = document(&sc);
    for (guint i = 0; i < sc.open->len; i++)
        g_string_free(g_array_index(sc.open, Open, i).text, TRUE);
    g_array_unref(sc.open);
    if (ok)
        return sc.root;
    dc_node_free(sc.root);
    return NULL;
}

gboolean dc_xml_first_error(const char *text, gsize len, DcXmlError *out)
{
    DcNode *root = dc_xml_read_libxml(text, len, out);
    dc_node_free(root);
    return root == NULL;
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
