/* Tests for reading one firmware descriptor (src/host/firmware-json.c,
 * firmware-desc.c) as each release does: libvirt 9.0 through yajl, 11.3
 * through json-c.
 *
 * The syntax rows are whole, otherwise valid descriptors that differ from
 * one only in their JSON, so the JSON reader alone decides: a reader that
 * accepted one more or one fewer text than the library libvirt uses fails
 * here. The expectations were learnt from yajl 2.1.0 and json-c 0.16
 * (Debian 12) and json-c 0.18 (Debian 13, where libvirt 11.3 ships), driven
 * as libvirt drives them. */
#include "host/firmware.h"
#include "format/releases.h"

#include <json-c/json.h>
#include <string.h>

static const guint releases[] = { DC_RELEASE_9_0, DC_RELEASE_11_3 };

static DcFirmwareDesc *parse_str(const char *s, guint release, GError **err)
{
    return dc_firmware_desc_parse(s, strlen(s), release, err);
}

/* ======================================================================
 * JSON syntax, release by release
 * ====================================================================== */

/* What a release makes of a text. */
typedef enum {
    TAKEN,        /* a descriptor */
    BAD_JSON,     /* its JSON reader refuses the text */
    BAD_SHAPE,    /* the JSON is read, the descriptor structure is refused */
} Outcome;

/* Everything a descriptor needs, and nothing after "features" yet: rows add
 * members (DESC_WITH) or text around it. */
#define FW_HEAD "{\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"memory\",\"filename\":\"/fw.bin\"}," \
                "\"targets\":[{\"architecture\":\"x86_64\",\"machines\":[\"pc-q35-*\"]}],\"features\":[]"
#define DESC_WITH(members) FW_HEAD members "}"
#define DESC DESC_WITH("")

typedef struct {
    const char *what;
    const char *text;
    Outcome v9;            /* libvirt 9.0: yajl 2 */
    Outcome v11;           /* libvirt 11.3: json-c 0.16 (Debian 12's) */
    Outcome v11_018;       /* libvirt 11.3: json-c 0.18 (Debian 13's) */
} SyntaxRow;

static const SyntaxRow syntax_rows[] = {
    /* the text around the value */
    { "a whole descriptor", DESC, TAKEN, TAKEN, TAKEN },
    { "white space after it", DESC " \r\n\t", TAKEN, TAKEN, TAKEN },
    { "\\v and \\f before it (yajl's white space)", "\v\f" DESC, TAKEN, BAD_JSON, BAD_JSON },
    { "\\v between tokens", DESC_WITH(",\"n\":\v1"), TAKEN, BAD_JSON, BAD_JSON },
    { "a byte order mark", "\xef\xbb\xbf" DESC, BAD_JSON, BAD_JSON, BAD_JSON },
    { "trailing garbage", DESC " x", BAD_JSON, BAD_JSON, BAD_JSON },
    { "a second value", DESC "{}", BAD_JSON, BAD_JSON, BAD_JSON },
    { "cut short", FW_HEAD, BAD_JSON, BAD_JSON, BAD_JSON },
    { "an empty text", "", BAD_JSON, BAD_JSON, BAD_JSON },
    { "white space only", " \n", BAD_JSON, BAD_JSON, BAD_JSON },
    /* comments: neither library is told to allow them */
    { "a block comment before", "/* c */" DESC, BAD_JSON, BAD_JSON, BAD_JSON },
    { "a line comment before", "// c\n" DESC, BAD_JSON, BAD_JSON, BAD_JSON },
    { "a comment inside", DESC_WITH(",\"n\":/* c */1"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a comment after", DESC "/* c */", BAD_JSON, BAD_JSON, BAD_JSON },
    { "a # comment", "# c\n" DESC, BAD_JSON, BAD_JSON, BAD_JSON },
    /* not an object: yajl reads any value, json-c cannot tell where a bare
     * word or number ends at the end of the text */
    { "a top-level array", "[" DESC "]", BAD_SHAPE, BAD_SHAPE, BAD_SHAPE },
    { "a top-level string", "\"x\"", BAD_SHAPE, BAD_SHAPE, BAD_SHAPE },
    { "a top-level number", "1", BAD_SHAPE, BAD_JSON, BAD_JSON },
    { "a top-level number, then a space", "1 ", BAD_SHAPE, BAD_SHAPE, BAD_SHAPE },
    { "a top-level true", "true", BAD_SHAPE, BAD_JSON, BAD_JSON },
    { "a top-level null", "null", BAD_SHAPE, BAD_JSON, BAD_JSON },
    { "a top-level null, then a space", "null ", BAD_SHAPE, BAD_SHAPE, BAD_SHAPE },
    /* commas and quotes */
    { "a trailing comma in an array", DESC_WITH(",\"n\":[1,]"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a trailing comma in an object", DESC_WITH(",\"o\":{\"a\":1,}"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a trailing comma after the last member", FW_HEAD ",}", BAD_JSON, BAD_JSON, BAD_JSON },
    { "an empty array slot", DESC_WITH(",\"n\":[1,,2]"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a single-quoted key", DESC_WITH(",\"o\":{'a':1}"), BAD_JSON, TAKEN, TAKEN },
    { "a single-quoted value", DESC_WITH(",\"o\":'a'"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "an unquoted key", DESC_WITH(",\"o\":{a:1}"), BAD_JSON, BAD_JSON, BAD_JSON },
    /* numbers */
    { "JSON's number forms", DESC_WITH(",\"n\":[0,-0,7,-7,0.5,1e5,1E+5,2.5e-3,-1.0E-2]"), TAKEN, TAKEN, TAKEN },
    { "a leading zero", DESC_WITH(",\"n\":01"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a negative leading zero", DESC_WITH(",\"n\":-01"), BAD_JSON, TAKEN, TAKEN },
    { "00", DESC_WITH(",\"n\":00"), BAD_JSON, TAKEN, TAKEN },
    { "no digit after the point", DESC_WITH(",\"n\":1."), BAD_JSON, TAKEN, TAKEN },
    { "no digit after the point, an exponent", DESC_WITH(",\"n\":1.e5"), BAD_JSON, TAKEN, TAKEN },
    { "no digit before the point, negative", DESC_WITH(",\"n\":-.5"), BAD_JSON, TAKEN, TAKEN },
    { "no digit before the point", DESC_WITH(",\"n\":.5"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a plus sign", DESC_WITH(",\"n\":+1"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "an empty exponent", DESC_WITH(",\"n\":1e"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "hexadecimal", DESC_WITH(",\"n\":0x10"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "NaN", DESC_WITH(",\"n\":NaN"), BAD_JSON, TAKEN, TAKEN },
    { "Infinity", DESC_WITH(",\"n\":Infinity"), BAD_JSON, TAKEN, TAKEN },
    { "-Infinity", DESC_WITH(",\"n\":-Infinity"), BAD_JSON, TAKEN, TAKEN },
    { "nan", DESC_WITH(",\"n\":nan"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a 30-digit integer", DESC_WITH(",\"n\":123456789012345678901234567890"), TAKEN, TAKEN, BAD_JSON },
    { "a 30-digit negative integer", DESC_WITH(",\"n\":-123456789012345678901234567890"), TAKEN, TAKEN, BAD_JSON },
    { "2^64-1", DESC_WITH(",\"n\":18446744073709551615"), TAKEN, TAKEN, TAKEN },
    { "2^64", DESC_WITH(",\"n\":18446744073709551616"), TAKEN, TAKEN, BAD_JSON },
    { "1e400", DESC_WITH(",\"n\":1e400"), TAKEN, TAKEN, TAKEN },
    /* literals */
    { "true, false, null", DESC_WITH(",\"n\":[true,false,null]"), TAKEN, TAKEN, TAKEN },
    { "True", DESC_WITH(",\"n\":True"), BAD_JSON, BAD_JSON, BAD_JSON },
    { "tru", DESC_WITH(",\"n\":tru"), BAD_JSON, BAD_JSON, BAD_JSON },
    /* strings */
    { "a raw tab in a string", DESC_WITH(",\"d\":\"a\tb\""), BAD_JSON, TAKEN, BAD_JSON },
    { "a raw newline in a string", DESC_WITH(",\"d\":\"a\nb\""), BAD_JSON, TAKEN, BAD_JSON },
    { "a raw \\x01 in a string", DESC_WITH(",\"d\":\"a\x01z\""), BAD_JSON, TAKEN, BAD_JSON },
    { "a raw \\x1f in a string", DESC_WITH(",\"d\":\"a\x1fz\""), BAD_JSON, TAKEN, BAD_JSON },
    { "a raw tab in a key", DESC_WITH(",\"a\tb\":1"), BAD_JSON, TAKEN, TAKEN },
    { "a raw DEL in a string", DESC_WITH(",\"d\":\"a\x7fz\""), TAKEN, TAKEN, TAKEN },
    { "JSON's escapes", DESC_WITH(",\"d\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\""), TAKEN, TAKEN, TAKEN },
    { "a \\x escape", DESC_WITH(",\"d\":\"\\x41\""), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a \\' escape", DESC_WITH(",\"d\":\"\\'\""), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a \\U escape", DESC_WITH(",\"d\":\"\\U00e9\""), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a non-hex \\u escape", DESC_WITH(",\"d\":\"\\u12G4\""), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a short \\u escape", DESC_WITH(",\"d\":\"\\u12\""), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a lone high surrogate", DESC_WITH(",\"d\":\"\\ud800\""), TAKEN, TAKEN, TAKEN },
    { "a lone low surrogate", DESC_WITH(",\"d\":\"\\udc00\""), TAKEN, TAKEN, TAKEN },
    { "an escaped NUL", DESC_WITH(",\"d\":\"a\\u0000b\""), TAKEN, TAKEN, TAKEN },
    /* UTF-8: both check its shape, not overlong forms or ranges; json-c
     * 0.18 in strict mode refuses every byte over 0x7f in a string value
     * (json-c issues #875, #892), though not in a key */
    { "UTF-8 in a string", DESC_WITH(",\"d\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""), TAKEN, TAKEN, BAD_JSON },
    { "UTF-8 in a key", DESC_WITH(",\"caf\xc3\xa9\":1"), TAKEN, TAKEN, TAKEN },
    { "a \\xff byte", DESC_WITH(",\"d\":\"\xff\""), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a truncated sequence", DESC_WITH(",\"d\":\"\xc3\""), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a stray continuation byte", DESC_WITH(",\"d\":\"\x80\""), BAD_JSON, BAD_JSON, BAD_JSON },
    { "an overlong NUL", DESC_WITH(",\"d\":\"\xc0\x80\""), TAKEN, TAKEN, BAD_JSON },
    { "a UTF-8 surrogate", DESC_WITH(",\"d\":\"\xed\xa0\x80\""), TAKEN, TAKEN, BAD_JSON },
    { "beyond U+10FFFF", DESC_WITH(",\"d\":\"\xf4\x90\x80\x80\""), TAKEN, TAKEN, BAD_JSON },
    { "a five-byte sequence", DESC_WITH(",\"d\":\"\xf8\x88\x80\x80\x80\""), BAD_JSON, BAD_JSON, BAD_JSON },
    { "a bad byte in a key", DESC_WITH(",\"\xff\":1"), BAD_JSON, BAD_JSON, BAD_JSON },
    /* duplicate keys: libvirt 9.0 refuses them at any depth, json-c keeps
     * the last value and libvirt 11.3 never sees the first */
    { "a repeated key", DESC_WITH(",\"x\":1,\"x\":2"), BAD_JSON, TAKEN, TAKEN },
    { "a key repeated through an escape", DESC_WITH(",\"x\":1,\"\\u0078\":2"), BAD_JSON, TAKEN, TAKEN },
    { "a key repeated up to a NUL", DESC_WITH(",\"x\":1,\"x\\u0000y\":2"), BAD_JSON, TAKEN, TAKEN },
    { "a key repeated deep down", DESC_WITH(",\"deep\":[[[[[{\"a\":1,\"a\":2}]]]]]"), BAD_JSON, TAKEN, TAKEN },
    { "a key repeated in a machine entry",
      "{\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"memory\",\"filename\":\"/fw.bin\"},"
      "\"targets\":[{\"architecture\":\"x86_64\",\"machines\":[{\"x\":1,\"x\":2},\"pc-q35-*\"]}],\"features\":[]}",
      BAD_JSON, TAKEN, TAKEN },
};

/* json-c's version, for the rows whose answer changed with it. */
static const char *json_c_behaviour(void)
{
    int v = json_c_version_num();
    if (v >> 8 == 16)
        return "0.16";
    if (v >> 8 == 18)
        return "0.18";
    return NULL;
}

static const char *outcome_name(Outcome o)
{
    return o == TAKEN ? "taken" : o == BAD_JSON ? "refused by the JSON reader" : "refused by the structure check";
}

static Outcome outcome_of(const char *text, gsize len, guint release, char **why)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(DcFirmwareDesc) d = dc_firmware_desc_parse(text, len, release, &err);
    g_assert_true((d == NULL) == (err != NULL));
    if (d) {
        /* "Otherwise valid": what the descriptor says came through. */
        g_assert_cmpuint(d->interfaces, ==, DC_FW_IFACE_UEFI);
        g_assert_cmpstr(dc_firmware_desc_loader_path(d), ==, "/fw.bin");
        g_assert_true(dc_firmware_desc_matches(d, "x86_64", "pc-q35-7.2"));
        *why = NULL;
        return TAKEN;
    }
    g_assert_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_PARSE);
    *why = g_strdup(err->message);
    return g_str_has_prefix(err->message, "unable to parse JSON") ? BAD_JSON : BAD_SHAPE;
}

static void check_outcome(const char *what, const char *text, gsize len, guint release, Outcome want)
{
    g_autofree char *why = NULL;
    Outcome got = outcome_of(text, len, release, &why);
    g_autofree char *rel = dc_release_name(release);
    if (got != want)
        g_error("libvirt %s, %s: %s (%s), expected %s", rel, what, outcome_name(got), why ? why : "",
                outcome_name(want));
    g_test_message("libvirt %s, %s: %s%s%s%s", rel, what, outcome_name(got), why ? " (" : "", why ? why : "",
                   why ? ")" : "");
}

static void test_syntax(void)
{
    const char *json_c = json_c_behaviour();
    if (!json_c)
        g_test_message("json-c %s: the rows that differ between 0.16 and 0.18 are not checked",
                       json_c_version());
    for (gsize i = 0; i < G_N_ELEMENTS(syntax_rows); i++) {
        const SyntaxRow *r = &syntax_rows[i];
        check_outcome(r->what, r->text, strlen(r->text), DC_RELEASE_9_0, r->v9);
        if (r->v11 == r->v11_018 || json_c)
            check_outcome(r->what, r->text, strlen(r->text), DC_RELEASE_11_3,
                          json_c && g_str_equal(json_c, "0.18") ? r->v11_018 : r->v11);
    }
}

/* Nesting: yajl has no limit, json-c's tokener (json_tokener_new(), as
 * libvirt) stops at 32 levels, the descriptor's own object included. */
static void check_nesting(guint levels, gboolean objects, Outcome v11)
{
    g_autoptr(GString) s = g_string_new(FW_HEAD ",\"deep\":");
    for (guint i = 1; i < levels; i++)
        g_string_append(s, objects ? "{\"a\":" : "[");
    if (objects)
        g_string_append(s, "1");
    for (guint i = 1; i < levels; i++)
        g_string_append_c(s, objects ? '}' : ']');
    g_string_append_c(s, '}');
    g_autofree char *what = g_strdup_printf("%u levels of %s", levels, objects ? "objects" : "arrays");
    check_outcome(what, s->str, s->len, DC_RELEASE_9_0, TAKEN);
    check_outcome(what, s->str, s->len, DC_RELEASE_11_3, v11);
}

static void test_nesting(void)
{
    check_nesting(32, FALSE, TAKEN);
    check_nesting(33, FALSE, BAD_JSON);
    check_nesting(31, TRUE, TAKEN);
    check_nesting(32, TRUE, BAD_JSON);
    /* deep nesting costs yajl (and the tree kept of it) heap, not stack */
    check_nesting(200000, FALSE, BAD_JSON);
    check_nesting(150000, TRUE, BAD_JSON);
}

/* The same text can give each release a different descriptor. */
static void test_decoded_values(void)
{
    g_autoptr(GError) err = NULL;
    /* a NUL ends a string (libvirt copies C strings) and the text */
    const char *nul = "{\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"memory\","
                      "\"filename\":\"/fw.bin\\u0000.old\"},\"targets\":[],\"features\":[]}";
    g_autofree char *withnul = g_strdup_printf("%s_GARBAGE", nul);
    withnul[strlen(nul)] = '\0';
    for (gsize i = 0; i < G_N_ELEMENTS(releases); i++) {
        g_autoptr(DcFirmwareDesc) d = dc_firmware_desc_parse(withnul, strlen(nul) + 9, releases[i], &err);
        g_assert_no_error(err);
        g_assert_cmpstr(d->filename, ==, "/fw.bin");
    }

    /* a lone surrogate: yajl writes '?', json-c U+FFFD */
    const char *lone = "{\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"memory\","
                       "\"filename\":\"/fw\\ud800.bin\"},\"targets\":[],\"features\":[]}";
    g_autoptr(DcFirmwareDesc) d9 = parse_str(lone, DC_RELEASE_9_0, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(d9->filename, ==, "/fw?.bin");
    g_autoptr(DcFirmwareDesc) d11 = parse_str(lone, DC_RELEASE_11_3, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(d11->filename, ==, "/fw\xef\xbf\xbd.bin");

    /* a repeated member: 9.0 refuses the file, 11.3 reads the last one */
    const char *twice = "{\"interface-types\":[\"bios\"],\"mapping\":{\"device\":\"rom\"},"
                        "\"mapping\":{\"device\":\"memory\",\"filename\":\"/second.bin\"},"
                        "\"targets\":[],\"features\":[],\"interface-types\":[\"uefi\"]}";
    g_autoptr(DcFirmwareDesc) t9 = parse_str(twice, DC_RELEASE_9_0, &err);
    g_assert_null(t9);
    g_assert_nonnull(strstr(err->message, "duplicate key 'mapping'"));
    g_clear_error(&err);
    g_autoptr(DcFirmwareDesc) t11 = parse_str(twice, DC_RELEASE_11_3, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(t11->filename, ==, "/second.bin");
    g_assert_cmpuint(t11->interfaces, ==, DC_FW_IFACE_UEFI);
}

/* ======================================================================
 * The descriptor structure (the same in both releases here)
 * ====================================================================== */

static const char *good_desc =
    "{\n"
    "  \"description\": \"x\",\n"
    "  \"interface-types\": [\"uefi\", \"bios\"],\n"
    "  \"mapping\": {\n"
    "    \"device\": \"flash\",\n"
    "    \"executable\": {\"filename\": \"/fw/CODE.fd\", \"format\": \"raw\"},\n"
    "    \"nvram-template\": {\"filename\": \"/fw/VARS.fd\", \"format\": \"raw\"}\n"
    "  },\n"
    "  \"targets\": [\n"
    "    {\"architecture\": \"i386\", \"machines\": [\"pc-q35-*\", 7, \"pc-i440fx-?.?\"]},\n"
    "    {\"architecture\": \"x86_64\", \"machines\": [\"pc-q35-*\"]}\n"
    "  ],\n"
    "  \"features\": [\"requires-smm\", \"secure-boot\", \"no-such-feature\", 3],\n"
    "  \"tags\": [1, 2.5e-3, -0, true, false, null, {\"a\": {\"b\": []}}]\n"
    "}\n";

static void test_parse_good(void)
{
    for (gsize r = 0; r < G_N_ELEMENTS(releases); r++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(DcFirmwareDesc) d = parse_str(good_desc, releases[r], &err);
        g_assert_no_error(err);
        g_assert_nonnull(d);
        g_assert_cmpuint(d->interfaces, ==, DC_FW_IFACE_UEFI | DC_FW_IFACE_BIOS);
        g_assert_cmpint(d->device, ==, DC_FW_DEVICE_FLASH);
        g_assert_cmpint(d->mode, ==, DC_FW_FLASH_SPLIT);
        g_assert_cmpstr(d->executable.filename, ==, "/fw/CODE.fd");
        g_assert_cmpstr(d->executable.format, ==, "raw");
        g_assert_cmpstr(d->nvram_template.filename, ==, "/fw/VARS.fd");
        g_assert_cmpstr(dc_firmware_desc_loader_path(d), ==, "/fw/CODE.fd");
        g_assert_cmpuint(d->targets->len, ==, 2);
        const DcFirmwareTarget *t = d->targets->pdata[0];
        g_assert_cmpstr(t->arch, ==, "i686");              /* QEMU's i386 */
        g_assert_cmpuint(t->machines->len, ==, 2);         /* the number is dropped */
        g_assert_cmpuint(d->features, ==, DC_FW_FEATURE_REQUIRES_SMM | DC_FW_FEATURE_SECURE_BOOT);

        g_assert_true(dc_firmware_desc_matches(d, "i686", "pc-q35-7.2"));
        g_assert_true(dc_firmware_desc_matches(d, "i686", "pc-i440fx-7.2"));
        g_assert_false(dc_firmware_desc_matches(d, "i686", "pc-i440fx-7.10"));
        g_assert_true(dc_firmware_desc_matches(d, "x86_64", "pc-q35-2.0"));
        g_assert_false(dc_firmware_desc_matches(d, "x86_64", "pc-i440fx-7.2"));
        g_assert_false(dc_firmware_desc_matches(d, "aarch64", "pc-q35-7.2"));
    }
    g_autofree char *ifaces = dc_firmware_interface_names(DC_FW_IFACE_UEFI | DC_FW_IFACE_BIOS);
    g_assert_cmpstr(ifaces, ==, "bios,uefi");
    g_autofree char *none = dc_firmware_feature_names(0);
    g_assert_cmpstr(none, ==, "none");
}

static void test_parse_shapes(void)
{
    for (gsize r = 0; r < G_N_ELEMENTS(releases); r++) {
        guint rel = releases[r];
        g_autoptr(GError) err = NULL;
        const char *mem =
            "{\"interface-types\":[\"bios\"],\"mapping\":{\"device\":\"memory\",\"filename\":\"/b.bin\"},"
            "\"targets\":[{\"architecture\":\"arm\",\"machines\":[\"virt-*\"]},"
            "{\"architecture\":\"or32\",\"machines\":[]}],\"features\":[]}";
        g_autoptr(DcFirmwareDesc) d1 = parse_str(mem, rel, &err);
        g_assert_no_error(err);
        g_assert_cmpint(d1->device, ==, DC_FW_DEVICE_MEMORY);
        g_assert_cmpstr(dc_firmware_desc_loader_path(d1), ==, "/b.bin");
        g_assert_cmpstr(((DcFirmwareTarget *)d1->targets->pdata[0])->arch, ==, "armv7l");
        g_assert_cmpstr(((DcFirmwareTarget *)d1->targets->pdata[1])->arch, ==, "openrisc");

        const char *kern =
            "{\"interface-types\":[],\"mapping\":{\"device\":\"kernel\",\"filename\":\"/k\"},"
            "\"targets\":[],\"features\":[]}";
        g_autoptr(DcFirmwareDesc) d2 = parse_str(kern, rel, &err);
        g_assert_no_error(err);
        g_assert_cmpint(d2->device, ==, DC_FW_DEVICE_KERNEL);
        g_assert_null(dc_firmware_desc_loader_path(d2));

        /* stateless/combined need no nvram-template; qcow2 is taken as is */
        const char *stateless =
            "{\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"flash\",\"mode\":\"stateless\","
            "\"executable\":{\"filename\":\"/s.qcow2\",\"format\":\"qcow2\"}},"
            "\"targets\":[],\"features\":[]}";
        g_autoptr(DcFirmwareDesc) d3 = parse_str(stateless, rel, &err);
        g_assert_no_error(err);
        g_assert_cmpint(d3->mode, ==, DC_FW_FLASH_STATELESS);
        g_assert_cmpstr(d3->executable.format, ==, "qcow2");
        g_assert_null(d3->nvram_template.filename);

        /* escapes are decoded before the structure is read */
        const char *escaped =
            "{\"interface-types\":[\"\\u0075efi\"],\"mapping\":{\"device\":\"flash\",\"mode\":\"combined\","
            "\"executable\":{\"filename\":\"\\/fw\\/caf\\u00e9.fd\",\"format\":\"raw\"}},"
            "\"targets\":[],\"features\":[]}";
        g_autoptr(DcFirmwareDesc) d4 = parse_str(escaped, rel, &err);
        g_assert_no_error(err);
        g_assert_cmpuint(d4->interfaces, ==, DC_FW_IFACE_UEFI);
        g_assert_cmpstr(d4->executable.filename, ==, "/fw/caf\xc3\xa9.fd");

        /* containers where a machine name belongs never match */
        const char *nested =
            "{\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"memory\",\"filename\":\"/m\"},"
            "\"targets\":[{\"architecture\":\"x86_64\",\"machines\":[[\"pc-*\"],{\"a\":[]},\"virt-*\"]}],"
            "\"features\":[],\"deep\":[[[[[{\"a\":1,\"b\":[{\"a\":{}}]}]]]]]}";
        g_autoptr(DcFirmwareDesc) d6 = parse_str(nested, rel, &err);
        g_assert_no_error(err);
        g_assert_cmpuint(((DcFirmwareTarget *)d6->targets->pdata[0])->machines->len, ==, 1);
        g_assert_false(dc_firmware_desc_matches(d6, "x86_64", "pc-q35-7.2"));
        g_assert_true(dc_firmware_desc_matches(d6, "x86_64", "virt-7.2"));
    }
}

/* Well-formed JSON that is no descriptor: refused by the structure check,
 * in both releases. */
static void test_parse_structure(void)
{
    static const char *bad[] = {
        "{}",
        "{\"interface-types\":\"uefi\"}",
        "{\"interface-types\":[\"uefi\",\"efi\"]}",
        "{\"interface-types\":[1]}",
        "{\"interface-types\":[\"\"]}",
        "{\"interface-types\":[]}",
        "{\"interface-types\":[],\"mapping\":1}",
        "{\"interface-types\":[],\"mapping\":null}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"rom\"}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\"}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\",\"mode\":1,"
        "\"executable\":{\"filename\":\"/c\",\"format\":\"raw\"}}}",
        /* a "mode" that is null is there, and no string */
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\",\"mode\":null,"
        "\"executable\":{\"filename\":\"/c\",\"format\":\"raw\"}},\"targets\":[],\"features\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\",\"mode\":\"bogus\","
        "\"executable\":{\"filename\":\"/c\",\"format\":\"raw\"}}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\",\"executable\":\"/c\"}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\",\"executable\":{\"filename\":\"/c\"}}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\","
        "\"executable\":{\"filename\":\"/c\",\"format\":\"raw\"}}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"flash\",\"executable\":{\"filename\":\"/c\",\"format\":\"raw\"},"
        "\"nvram-template\":null},\"targets\":[],\"features\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\",\"filename\":\"/m\"}}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\",\"filename\":\"/m\"},\"targets\":[1],\"features\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\",\"filename\":\"/m\"},"
        "\"targets\":[{\"architecture\":\"amd64\",\"machines\":[]}],\"features\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\",\"filename\":\"/m\"},"
        "\"targets\":[{\"architecture\":\"none\",\"machines\":[]}],\"features\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\",\"filename\":\"/m\"},"
        "\"targets\":[{\"architecture\":\"x86_64\"}],\"features\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\",\"filename\":\"/m\"},\"targets\":[]}",
        "{\"interface-types\":[],\"mapping\":{\"device\":\"memory\",\"filename\":\"/m\"},\"targets\":[],\"features\":{}}",
    };
    for (gsize r = 0; r < G_N_ELEMENTS(releases); r++)
        for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
            check_outcome(bad[i], bad[i], strlen(bad[i]), releases[r], BAD_SHAPE);

    /* 1 MiB is the limit */
    gsize n = DC_FIRMWARE_DESC_MAX_SIZE + 1;
    g_autofree char *big = g_malloc(n);
    memset(big, ' ', n);
    g_autoptr(GError) err = NULL;
    g_assert_null(dc_firmware_desc_parse(big, n, DC_RELEASE_11_3, &err));
    g_assert_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_TOO_LARGE);
}

/* Structure rules that changed between the releases. */
static void test_parse_by_release(void)
{
    /* an arch 9.0 does not know breaks the descriptor, whatever the query
     * (libvirt 9.0 live: "unknown architecture 'loongarch64'") */
    const char *loongarch = "{\"interface-types\":[\"uefi\"],\"mapping\":{\"device\":\"memory\",\"filename\":\"/fw.bin\"},"
                            "\"targets\":[{\"architecture\":\"x86_64\",\"machines\":[\"pc-q35-*\"]},"
                            "{\"architecture\":\"loongarch64\",\"machines\":[\"virt\"]}],\"features\":[]}";
    check_outcome("a loongarch64 target", loongarch, strlen(loongarch), DC_RELEASE_9_0, BAD_SHAPE);
    check_outcome("a loongarch64 target", loongarch, strlen(loongarch), DC_RELEASE_11_3, TAKEN);

    /* a kernel or memory mapping without filename: 9.0 takes it (offering
     * no loader), 11.3 refuses it (both checked live) */
    static const char *const devices[] = { "memory", "kernel" };
    for (gsize i = 0; i < G_N_ELEMENTS(devices); i++) {
        g_autofree char *text = g_strdup_printf(
            "{\"interface-types\":[\"bios\"],\"mapping\":{\"device\":\"%s\"},"
            "\"targets\":[{\"architecture\":\"x86_64\",\"machines\":[\"pc-q35-*\"]}],\"features\":[]}", devices[i]);
        g_autoptr(GError) err = NULL;
        g_autoptr(DcFirmwareDesc) d9 = parse_str(text, DC_RELEASE_9_0, &err);
        g_assert_no_error(err);
        g_assert_null(d9->filename);
        g_assert_null(dc_firmware_desc_loader_path(d9));
        g_autoptr(DcFirmwareDesc) d11 = parse_str(text, DC_RELEASE_11_3, &err);
        g_assert_null(d11);
        g_assert_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_PARSE);
        g_assert_cmpstr(err->message, ==, "missing 'filename'");
    }
}

static void test_parse_hostile(void)
{
    for (gsize r = 0; r < G_N_ELEMENTS(releases); r++) {
        guint rel = releases[r];
        /* unbalanced deep nesting fails cleanly */
        g_autoptr(GString) s = g_string_new(FW_HEAD ",\"deep\":");
        for (gsize i = 0; i < 100000; i++)
            g_string_append(s, "[{\"a\":");
        g_autoptr(GError) err = NULL;
        g_assert_null(dc_firmware_desc_parse(s->str, s->len, rel, &err));
        g_assert_nonnull(err);

        /* every truncation of a valid descriptor is refused without harm */
        gsize len = strlen(good_desc);
        for (gsize i = 0; i < len - 2; i++) {
            g_autofree char *cut = g_strndup(good_desc, i);
            g_autoptr(GError) e = NULL;
            g_autoptr(DcFirmwareDesc) x = dc_firmware_desc_parse(cut, i, rel, &e);
            g_assert_null(x);
            g_assert_nonnull(e);
        }

        /* random byte flips: must not crash or leak (run under ASan) */
        GRand *rng = g_rand_new_with_seed(20230101);
        for (int round = 0; round < 10000; round++) {
            g_autofree char *buf = g_strdup(good_desc);
            int flips = g_rand_int_range(rng, 1, 4);
            for (int f = 0; f < flips; f++)
                buf[g_rand_int_range(rng, 0, (gint32)len)] = (char)g_rand_int_range(rng, 0, 256);
            g_autoptr(GError) e = NULL;
            g_autoptr(DcFirmwareDesc) x = dc_firmware_desc_parse(buf, len, rel, &e);
            g_assert_true((x == NULL) == (e != NULL));
        }
        g_rand_free(rng);

        /* NULL data with zero length is just an empty document */
        g_autoptr(GError) e = NULL;
        g_assert_null(dc_firmware_desc_parse(NULL, 0, rel, &e));
        g_assert_nonnull(e);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/firmware-desc/syntax", test_syntax);
    g_test_add_func("/firmware-desc/nesting", test_nesting);
    g_test_add_func("/firmware-desc/decoded-values", test_decoded_values);
    g_test_add_func("/firmware-desc/good", test_parse_good);
    g_test_add_func("/firmware-desc/shapes", test_parse_shapes);
    g_test_add_func("/firmware-desc/structure", test_parse_structure);
    g_test_add_func("/firmware-desc/by-release", test_parse_by_release);
    g_test_add_func("/firmware-desc/hostile", test_parse_hostile);
    return g_test_run();
}
