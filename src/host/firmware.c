/* QEMU firmware descriptors and the <os> section of domain capabilities.
 *
 * Behaviour follows libvirt 9.0 as shipped by Debian 12 (checked against the
 * live daemon); see firmware.h for the API and docs of each entry point. */
#include "host/firmware.h"
#include "host/deps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(dc-firmware-error-quark, dc_firmware_error)

/* Debian builds libvirt with this CODE:VARS list; libvirt shows its CODE
 * halves (the ones present on the host) when no descriptor offers a loader. */
const DcFirmwarePair dc_firmware_default_loaders[] = {
    { "/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd" },
    { "/usr/share/OVMF/OVMF_CODE.secboot.fd", "/usr/share/OVMF/OVMF_VARS.fd" },
    { "/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF_VARS.fd" },
    { "/usr/share/AAVMF/AAVMF32_CODE.fd", "/usr/share/AAVMF/AAVMF32_VARS.fd" },
};
const gsize dc_firmware_n_default_loaders = G_N_ELEMENTS(dc_firmware_default_loaders);

/* Descriptor directories, lowest priority first. */
static const char *const system_dirs[] = {
    "/usr/share/qemu/firmware",
    "/etc/qemu/firmware",
};

/* ======================================================================
 * A small JSON reader with the acceptance rules of yajl 2 as libvirt 9.0
 * drives it: one value, RFC 8259 syntax, \v and \f also count as white
 * space, UTF-8 checked inside strings, no comments, nothing but white space
 * after the value, duplicate object keys are an error. Strings are decoded
 * and cut at their first NUL. Iterative, so nesting depth costs heap only.
 * ====================================================================== */

typedef enum { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT } JvType;

typedef struct Jv Jv;
struct Jv {
    JvType type;
    char *str;          /* JV_STRING */
    GPtrArray *items;   /* JV_ARRAY, JV_OBJECT: Jv* values */
    GPtrArray *keys;    /* JV_OBJECT: char* keys, parallel to items */
};

static void jv_free(Jv *root)
{
    if (!root)
        return;
    g_autoptr(GPtrArray) todo = g_ptr_array_new();
    g_ptr_array_add(todo, root);
    while (todo->len) {
        Jv *v = g_ptr_array_steal_index_fast(todo, todo->len - 1);
        if (!v)
            continue;
        if (v->items) {
            for (guint i = 0; i < v->items->len; i++)
                g_ptr_array_add(todo, v->items->pdata[i]);
            g_ptr_array_free(v->items, TRUE);
        }
        if (v->keys)
            g_ptr_array_free(v->keys, TRUE);
        g_free(v->str);
        g_free(v);
    }
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Jv, jv_free)

static Jv *jv_new(JvType type)
{
    Jv *v = g_new0(Jv, 1);
    v->type = type;
    if (type == JV_ARRAY || type == JV_OBJECT)
        v->items = g_ptr_array_new();
    if (type == JV_OBJECT)
        v->keys = g_ptr_array_new_with_free_func(g_free);
    return v;
}

static const Jv *jv_get(const Jv *obj, const char *key)
{
    if (!obj || obj->type != JV_OBJECT)
        return NULL;
    for (guint i = 0; i < obj->keys->len; i++)
        if (strcmp(obj->keys->pdata[i], key) == 0)
            return obj->items->pdata[i];
    return NULL;
}

static const char *jv_string(const Jv *v)
{
    return v && v->type == JV_STRING ? v->str : NULL;
}

static const char *jv_get_string(const Jv *obj, const char *key)
{
    return jv_string(jv_get(obj, key));
}

static const Jv *jv_get_array(const Jv *obj, const char *key)
{
    const Jv *v = jv_get(obj, key);
    return v && v->type == JV_ARRAY ? v : NULL;
}

typedef struct {
    const char *p;
    const char *end;
} JReader;

static gboolean j_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void j_skip_ws(JReader *r)
{
    while (r->p < r->end && j_is_ws(*r->p))
        r->p++;
}

static int j_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at p (caller checked they exist). */
static gboolean j_hex4(const char *p, guint *out)
{
    guint v = 0;
    for (int i = 0; i < 4; i++) {
        int d = j_hex(p[i]);
        if (d < 0)
            return FALSE;
        v = (v << 4) | (guint)d;
    }
    *out = v;
    return TRUE;
}

static void j_put_utf8(GString *s, guint cp)
{
    if (cp < 0x80) {
        g_string_append_c(s, (char)cp);
    } else if (cp < 0x800) {
        g_string_append_c(s, (char)(0xC0 | (cp >> 6)));
        g_string_append_c(s, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        g_string_append_c(s, (char)(0xE0 | (cp >> 12)));
        g_string_append_c(s, (char)(0x80 | ((cp >> 6) & 0x3F)));
        g_string_append_c(s, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x110000) {
        g_string_append_c(s, (char)(0xF0 | (cp >> 18)));
        g_string_append_c(s, (char)(0x80 | ((cp >> 12) & 0x3F)));
        g_string_append_c(s, (char)(0x80 | ((cp >> 6) & 0x3F)));
        g_string_append_c(s, (char)(0x80 | (cp & 0x3F)));
    } else {
        g_string_append_c(s, '?');
    }
}

/* r->p is at the opening quote. Returns the decoded string cut at its first
 * NUL, or NULL with *why set. */
static char *j_string(JReader *r, const char **why)
{
    g_autoptr(GString) s = g_string_new(NULL);
    r->p++;
    for (;;) {
        if (r->p >= r->end) {
            *why = "unterminated string";
            return NULL;
        }
        unsigned char c = (unsigned char)*r->p;
        if (c == '"') {
            r->p++;
            break;
        }
        if (c < 0x20) {
            *why = "control character inside string";
            return NULL;
        }
        if (c == '\\') {
            if (r->end - r->p < 2) {
                *why = "unterminated escape";
                return NULL;
            }
            char e = r->p[1];
            r->p += 2;
            switch (e) {
            case '"': g_string_append_c(s, '"'); break;
            case '\\': g_string_append_c(s, '\\'); break;
            case '/': g_string_append_c(s, '/'); break;
            case 'b': g_string_append_c(s, '\b'); break;
            case 'f': g_string_append_c(s, '\f'); break;
            case 'n': g_string_append_c(s, '\n'); break;
            case 'r': g_string_append_c(s, '\r'); break;
            case 't': g_string_append_c(s, '\t'); break;
            case 'u': {
                guint cp;
                if (r->end - r->p < 4 || !j_hex4(r->p, &cp)) {
                    *why = "bad \\u escape";
                    return NULL;
                }
                r->p += 4;
                if ((cp & 0xFC00) == 0xD800) {
                    /* A high surrogate takes the next \u escape as its pair,
                     * whatever it holds; alone it becomes '?'. */
                    guint lo;
                    if (r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u' &&
                        j_hex4(r->p + 2, &lo)) {
                        r->p += 6;
                        cp = ((cp & 0x3F) << 10) | ((((cp >> 6) & 0xF) + 1) << 16) | (lo & 0x3FF);
                    } else {
                        g_string_append_c(s, '?');
                        continue;
                    }
                }
                j_put_utf8(s, cp);
                break;
            }
            default:
                *why = "bad escape";
                return NULL;
            }
            continue;
        }
        if (c >= 0x80) {
            int extra;
            if ((c >> 5) == 0x6)
                extra = 1;
            else if ((c >> 4) == 0xE)
                extra = 2;
            else if ((c >> 3) == 0x1E)
                extra = 3;
            else {
                *why = "invalid UTF-8";
                return NULL;
            }
            if (r->end - r->p <= extra) {
                *why = "invalid UTF-8";
                return NULL;
            }
            for (int i = 1; i <= extra; i++) {
                if (((unsigned char)r->p[i] >> 6) != 0x2) {
                    *why = "invalid UTF-8";
                    return NULL;
                }
            }
            g_string_append_len(s, r->p, extra + 1);
            r->p += extra + 1;
            continue;
        }
        g_string_append_c(s, (char)c);
        r->p++;
    }
    return g_strdup(s->str);   /* stops at an embedded NUL, like libvirt */
}

static gboolean j_digit(JReader *r)
{
    return r->p < r->end && *r->p >= '0' && *r->p <= '9';
}

static gboolean j_number(JReader *r)
{
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (!j_digit(r))
        return FALSE;
    if (*r->p == '0')
        r->p++;
    else
        while (j_digit(r))
            r->p++;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (!j_digit(r))
            return FALSE;
        while (j_digit(r))
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (!j_digit(r))
            return FALSE;
        while (j_digit(r))
            r->p++;
    }
    return TRUE;
}

static gboolean j_word(JReader *r, const char *w)
{
    gsize n = strlen(w);
    if ((gsize)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
        return FALSE;
    r->p += n;
    return TRUE;
}

enum { ST_FIRST, ST_NEXT, ST_ITEM, ST_COLON, ST_VALUE };

/* Descriptors are read no deeper than doc.targets[i].machines[j]; containers
 * nested deeper are checked for syntax and duplicate keys but not kept, so a
 * hostile file costs little memory whatever its nesting. */
#define J_KEEP_DEPTH 4

typedef struct {
    Jv *v;              /* NULL: container not kept */
    gboolean is_object;
    GHashTable *seen;   /* objects: keys so far (owned when v is NULL) */
    char *key;          /* objects: key waiting for its value */
    int st;
} JFrame;

static void jframe_clear(JFrame *f)
{
    if (f->seen)
        g_hash_table_destroy(f->seen);
    if (f->v)
        g_free(f->key);   /* else the hash table owns it */
}

/* Parse a whole document. On failure returns NULL and sets *why and *at
 * (byte offset). */
static Jv *j_parse(const char *data, gsize len, const char **why, gsize *at)
{
    JReader r = { data, data + len };
    g_autoptr(GArray) stack = g_array_new(FALSE, TRUE, sizeof(JFrame));
    g_array_set_clear_func(stack, (GDestroyNotify)jframe_clear);
    Jv *root = NULL;
    gboolean have_root = FALSE;

    *why = NULL;
    for (;;) {
        j_skip_ws(&r);
        JFrame *f = stack->len ? &g_array_index(stack, JFrame, stack->len - 1) : NULL;
        gboolean at_end = r.p >= r.end;
        char c = at_end ? '\0' : *r.p;

        if (!f) {
            if (have_root) {
                if (!at_end) {
                    *why = "trailing data after the JSON value";
                    goto fail;
                }
                return root;
            }
        } else if (!f->is_object) {
            if (f->st == ST_NEXT) {
                if (c == ',') {
                    r.p++;
                    f->st = ST_ITEM;
                    continue;
                }
                if (c == ']') {
                    r.p++;
                    g_array_set_size(stack, stack->len - 1);
                    continue;
                }
                *why = at_end ? "premature end of data" : "expected ',' or ']'";
                goto fail;
            }
            if (f->st == ST_FIRST && c == ']') {
                r.p++;
                g_array_set_size(stack, stack->len - 1);
                continue;
            }
        } else {
            switch (f->st) {
            case ST_FIRST:
                if (c == '}') {
                    r.p++;
                    g_array_set_size(stack, stack->len - 1);
                    continue;
                }
                G_GNUC_FALLTHROUGH;
            case ST_ITEM: {
                if (c != '"') {
                    *why = at_end ? "premature end of data" : "expected an object key";
                    goto fail;
                }
                char *key = j_string(&r, why);
                if (!key)
                    goto fail;
                if (!f->seen)
                    f->seen = g_hash_table_new_full(g_str_hash, g_str_equal, f->v ? NULL : g_free, NULL);
                if (g_hash_table_contains(f->seen, key)) {
                    g_free(key);
                    *why = "duplicate object key";
                    goto fail;
                }
                g_hash_table_add(f->seen, key);
                f->key = f->v ? key : NULL;
                f->st = ST_COLON;
                continue;
            }
            case ST_COLON:
                if (c != ':') {
                    *why = at_end ? "premature end of data" : "expected ':'";
                    goto fail;
                }
                r.p++;
                f->st = ST_VALUE;
                continue;
            case ST_NEXT:
                if (c == ',') {
                    r.p++;
                    f->st = ST_ITEM;
                    continue;
                }
                if (c == '}') {
                    r.p++;
                    g_array_set_size(stack, stack->len - 1);
                    continue;
                }
                *why = at_end ? "premature end of data" : "expected ',' or '}'";
                goto fail;
            default: /* ST_VALUE */
                break;
            }
        }

        /* A value is expected here. */
        if (at_end) {
            *why = "premature end of data";
            goto fail;
        }
        gboolean keep = !f || f->v != NULL;
        Jv *v = NULL;
        if (c == '{' || c == '[') {
            r.p++;
            if (keep && stack->len < J_KEEP_DEPTH)
                v = jv_new(c == '{' ? JV_OBJECT : JV_ARRAY);
            JFrame nf = { v, c == '{', NULL, NULL, ST_FIRST };
            /* Attach before pushing: the root then owns everything. */
            if (f) {
                if (f->v) {
                    g_ptr_array_add(f->v->items, v);
                    if (f->is_object) {
                        g_ptr_array_add(f->v->keys, f->key);
                        f->key = NULL;
                    }
                    if (!v) {
                        /* placeholder for a container too deep to keep */
                        v = jv_new(JV_NULL);
                        f->v->items->pdata[f->v->items->len - 1] = v;
                        nf.v = NULL;
                    }
                }
                f->st = ST_NEXT;
            } else {
                root = v;
                have_root = TRUE;
            }
            g_array_append_val(stack, nf);
            continue;
        }
        if (c == '"') {
            char *str = j_string(&r, why);
            if (!str)
                goto fail;
            if (keep) {
                v = jv_new(JV_STRING);
                v->str = str;
            } else {
                g_free(str);
            }
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if (!j_number(&r)) {
                *why = "malformed number";
                goto fail;
            }
            if (keep)
                v = jv_new(JV_NUMBER);
        } else if (j_word(&r, "true") || j_word(&r, "false")) {
            if (keep)
                v = jv_new(JV_BOOL);
        } else if (j_word(&r, "null")) {
            if (keep)
                v = jv_new(JV_NULL);
        } else {
            *why = "unexpected character";
            goto fail;
        }

        if (!f) {
            root = v;
            have_root = TRUE;
        } else {
            if (f->v) {
                g_ptr_array_add(f->v->items, v);
                if (f->is_object) {
                    g_ptr_array_add(f->v->keys, f->key);
                    f->key = NULL;
                }
            }
            f->st = ST_NEXT;
        }
    }

fail:
    *at = (gsize)(r.p - data);
    /* Frames borrow their containers from root; drop them before it. */
    g_array_set_size(stack, 0);
    jv_free(root);
    return NULL;
}

/* ======================================================================
 * Descriptor
 * ====================================================================== */

static const struct {
    const char *name;
    guint bit;
} interface_names[] = {
    { "bios", DC_FW_IFACE_BIOS },
    { "openfirmware", DC_FW_IFACE_OPENFIRMWARE },
    { "uboot", DC_FW_IFACE_UBOOT },
    { "uefi", DC_FW_IFACE_UEFI },
};

static const struct {
    const char *name;
    guint bit;
} feature_names[] = {
    { "acpi-s3", DC_FW_FEATURE_ACPI_S3 },
    { "acpi-s4", DC_FW_FEATURE_ACPI_S4 },
    { "amd-sev", DC_FW_FEATURE_AMD_SEV },
    { "amd-sev-es", DC_FW_FEATURE_AMD_SEV_ES },
    { "enrolled-keys", DC_FW_FEATURE_ENROLLED_KEYS },
    { "requires-smm", DC_FW_FEATURE_REQUIRES_SMM },
    { "secure-boot", DC_FW_FEATURE_SECURE_BOOT },
    { "verbose-dynamic", DC_FW_FEATURE_VERBOSE_DYNAMIC },
    { "verbose-static", DC_FW_FEATURE_VERBOSE_STATIC },
};

/* Architecture names libvirt 9.0 knows (its canonical list, without the
 * "none" placeholder), plus QEMU's spellings it translates. */
static const char *const libvirt_arches[] = {
    "alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "ia64",
    "lm32", "m68k", "microblaze", "microblazeel", "mips", "mipsel", "mips64",
    "mips64el", "openrisc", "parisc", "parisc64", "ppc", "ppcle", "ppc64",
    "ppc64le", "ppcemb", "riscv32", "riscv64", "s390", "s390x", "sh4", "sh4eb",
    "sparc", "sparc64", "unicore32", "x86_64", "xtensa", "xtensaeb",
};

static const char *arch_from_qemu(const char *name)
{
    if (strcmp(name, "i386") == 0)
        return "i686";
    if (strcmp(name, "arm") == 0)
        return "armv7l";
    if (strcmp(name, "or32") == 0)
        return "openrisc";
    for (gsize i = 0; i < G_N_ELEMENTS(libvirt_arches); i++)
        if (strcmp(name, libvirt_arches[i]) == 0)
            return libvirt_arches[i];
    return NULL;
}

static void target_free(gpointer p)
{
    DcFirmwareTarget *t = p;
    if (!t)
        return;
    g_free(t->arch);
    if (t->machines)
        g_ptr_array_unref(t->machines);
    g_free(t);
}

void dc_firmware_desc_free(DcFirmwareDesc *desc)
{
    if (!desc)
        return;
    g_free(desc->executable.filename);
    g_free(desc->executable.format);
    g_free(desc->nvram_template.filename);
    g_free(desc->nvram_template.format);
    g_free(desc->filename);
    if (desc->targets)
        g_ptr_array_unref(desc->targets);
    g_free(desc);
}

static gboolean parse_error(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean parse_error(GError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_PARSE, msg);
    return FALSE;
}

static gboolean flash_file_parse(const Jv *obj, DcFirmwareFlashFile *file, GError **err)
{
    const char *filename = jv_get_string(obj, "filename");
    if (!filename)
        return parse_error(err, "missing 'filename'");
    const char *format = jv_get_string(obj, "format");
    if (!format)
        return parse_error(err, "missing 'format'");
    file->filename = g_strdup(filename);
    file->format = g_strdup(format);
    return TRUE;
}

static gboolean mapping_parse(const Jv *doc, DcFirmwareDesc *desc, GError **err)
{
    const Jv *mapping = jv_get(doc, "mapping");
    if (!mapping)
        return parse_error(err, "missing mapping");
    const char *device = jv_get_string(mapping, "device");
    if (!device)
        return parse_error(err, "missing device type");
    if (strcmp(device, "flash") == 0)
        desc->device = DC_FW_DEVICE_FLASH;
    else if (strcmp(device, "kernel") == 0)
        desc->device = DC_FW_DEVICE_KERNEL;
    else if (strcmp(device, "memory") == 0)
        desc->device = DC_FW_DEVICE_MEMORY;
    else
        return parse_error(err, "unknown device type '%s'", device);

    if (desc->device != DC_FW_DEVICE_FLASH) {
        /* libvirt complains about a missing filename here but carries on. */
        desc->filename = g_strdup(jv_get_string(mapping, "filename"));
        return TRUE;
    }

    const Jv *mode = jv_get(mapping, "mode");
    desc->mode = DC_FW_FLASH_SPLIT;
    if (mode) {
        const char *m = jv_string(mode);
        if (!m)
            return parse_error(err, "flash mode is not a string");
        if (strcmp(m, "split") == 0)
            desc->mode = DC_FW_FLASH_SPLIT;
        else if (strcmp(m, "combined") == 0)
            desc->mode = DC_FW_FLASH_COMBINED;
        else if (strcmp(m, "stateless") == 0)
            desc->mode = DC_FW_FLASH_STATELESS;
        else
            return parse_error(err, "unknown flash mode '%s'", m);
    }

    const Jv *exe = jv_get(mapping, "executable");
    if (!exe)
        return parse_error(err, "missing 'executable'");
    if (!flash_file_parse(exe, &desc->executable, err))
        return FALSE;

    if (desc->mode == DC_FW_FLASH_SPLIT) {
        const Jv *nv = jv_get(mapping, "nvram-template");
        if (!nv)
            return parse_error(err, "missing 'nvram-template'");
        if (!flash_file_parse(nv, &desc->nvram_template, err))
            return FALSE;
    }
    return TRUE;
}

static gboolean targets_parse(const Jv *doc, DcFirmwareDesc *desc, GError **err)
{
    const Jv *targets = jv_get_array(doc, "targets");
    if (!targets)
        return parse_error(err, "missing 'targets' array");
    desc->targets = g_ptr_array_new_with_free_func(target_free);
    for (guint i = 0; i < targets->items->len; i++) {
        const Jv *item = targets->items->pdata[i];
        const char *archname = jv_get_string(item, "architecture");
        if (!archname)
            return parse_error(err, "missing 'architecture'");
        const char *arch = arch_from_qemu(archname);
        if (!arch)
            return parse_error(err, "unknown architecture '%s'", archname);
        const Jv *machines = jv_get_array(item, "machines");
        if (!machines)
            return parse_error(err, "missing 'machines'");
        DcFirmwareTarget *t = g_new0(DcFirmwareTarget, 1);
        t->arch = g_strdup(arch);
        t->machines = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(desc->targets, t);
        for (guint j = 0; j < machines->items->len; j++) {
            /* A non-string entry can never match anything: leave it out. */
            const char *m = jv_string(machines->items->pdata[j]);
            if (m)
                g_ptr_array_add(t->machines, g_strdup(m));
        }
    }
    return TRUE;
}

DcFirmwareDesc *dc_firmware_desc_parse(const char *data, gsize len, GError **err)
{
    g_return_val_if_fail(data != NULL || len == 0, NULL);

    if (len > DC_FIRMWARE_DESC_MAX_SIZE) {
        g_set_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_TOO_LARGE,
                    "descriptor is larger than %d bytes", DC_FIRMWARE_DESC_MAX_SIZE);
        return NULL;
    }
    /* libvirt hands the text to its JSON parser as a C string. */
    len = data ? strnlen(data, len) : 0;

    const char *why = NULL;
    gsize at = 0;
    g_autoptr(Jv) doc = j_parse(data, len, &why, &at);
    if (!doc) {
        parse_error(err, "unable to parse JSON: %s at byte %" G_GSIZE_FORMAT, why, at);
        return NULL;
    }

    g_autoptr(DcFirmwareDesc) desc = g_new0(DcFirmwareDesc, 1);

    const Jv *ifaces = jv_get_array(doc, "interface-types");
    if (!ifaces) {
        parse_error(err, "missing 'interface-types' array");
        return NULL;
    }
    for (guint i = 0; i < ifaces->items->len; i++) {
        const char *name = jv_string(ifaces->items->pdata[i]);
        guint bit = 0;
        for (gsize k = 0; name && k < G_N_ELEMENTS(interface_names); k++)
            if (strcmp(name, interface_names[k].name) == 0)
                bit = interface_names[k].bit;
        if (!bit) {
            parse_error(err, "unknown interface type '%s'", name ? name : "(not a string)");
            return NULL;
        }
        desc->interfaces |= bit;
    }

    if (!mapping_parse(doc, desc, err) || !targets_parse(doc, desc, err))
        return NULL;

    const Jv *features = jv_get_array(doc, "features");
    if (!features) {
        parse_error(err, "missing 'features' array");
        return NULL;
    }
    for (guint i = 0; i < features->items->len; i++) {
        const char *name = jv_string(features->items->pdata[i]);
        for (gsize k = 0; name && k < G_N_ELEMENTS(feature_names); k++)
            if (strcmp(name, feature_names[k].name) == 0)
                desc->features |= feature_names[k].bit;
    }

    return g_steal_pointer(&desc);
}

const char *dc_firmware_desc_loader_path(const DcFirmwareDesc *desc)
{
    switch (desc->device) {
    case DC_FW_DEVICE_FLASH:
        return desc->executable.filename;
    case DC_FW_DEVICE_MEMORY:
        return desc->filename;
    case DC_FW_DEVICE_KERNEL:
    default:
        return NULL;
    }
}

gboolean dc_firmware_desc_matches(const DcFirmwareDesc *desc, const char *arch, const char *machine)
{
    for (guint i = 0; desc->targets && i < desc->targets->len; i++) {
        const DcFirmwareTarget *t = desc->targets->pdata[i];
        if (strcmp(t->arch, arch) != 0)
            continue;
        for (guint j = 0; j < t->machines->len; j++)
            if (g_pattern_match_simple(t->machines->pdata[j], machine))
                return TRUE;
    }
    return FALSE;
}

/* ======================================================================
 * Collecting descriptor files
 * ====================================================================== */

typedef struct {
    char *path;          /* host path, e.g. /etc/qemu/firmware/50-x.json */
    goffset size;
} FwEntry;

typedef struct {
    char *name;
    GPtrArray *copies;   /* FwEntry*, highest priority first; [0] is used */
    DcFirmwareDesc *desc;        /* parsed [0], NULL if masked or broken */
    char *problem;               /* why [0] could not be used */
} FwName;

typedef struct {
    GPtrArray *names;    /* FwName*, sorted by name */
    GPtrArray *problems; /* char*: directory-level problems */
    char *libvirt_error; /* first thing that makes libvirt 9.0 fail */
} FwSet;

static void fw_entry_free(gpointer p)
{
    FwEntry *e = p;
    g_free(e->path);
    g_free(e);
}

static void fw_name_free(gpointer p)
{
    FwName *n = p;
    g_free(n->name);
    g_ptr_array_unref(n->copies);
    dc_firmware_desc_free(n->desc);
    g_free(n->problem);
    g_free(n);
}

static void fw_set_free(FwSet *set)
{
    if (!set)
        return;
    g_ptr_array_unref(set->names);
    g_ptr_array_unref(set->problems);
    g_free(set->libvirt_error);
    g_free(set);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwSet, fw_set_free)

static void fw_set_problem(FwSet *set, char *msg /* stolen */)
{
    if (!set->libvirt_error)
        set->libvirt_error = g_strdup(msg);
    g_ptr_array_add(set->problems, msg);
}

static int fw_name_cmp(gconstpointer a, gconstpointer b)
{
    const FwName *x = *(FwName *const *)a;
    const FwName *y = *(FwName *const *)b;
    return strcmp(x->name, y->name);
}

static void scan_dir(const DcHost *host, const char *dir, GHashTable *by_name, FwSet *set)
{
    g_autofree char *real = dc_host_path(host, dir);
    dc_host_depend(host, dir, DC_DEP_LIST);
    DIR *d = opendir(real);
    if (!d) {
        if (errno != ENOENT)
            fw_set_problem(set, g_strdup_printf("cannot open directory '%s': %s",
                                                dir, g_strerror(errno)));
        return;
    }
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        g_autofree char *path = g_strdup_printf("%s/%s", dir, ent->d_name);
        g_autofree char *rpath = dc_host_path(host, path);
        dc_host_depend(host, path, DC_DEP_READ);
        struct stat sb;
        if (stat(rpath, &sb) < 0) {
            fw_set_problem(set, g_strdup_printf("Unable to access %s: %s",
                                                path, g_strerror(errno)));
            continue;
        }
        if (!S_ISREG(sb.st_mode))
            continue;
        FwName *n = g_hash_table_lookup(by_name, ent->d_name);
        if (!n) {
            n = g_new0(FwName, 1);
            n->name = g_strdup(ent->d_name);
            n->copies = g_ptr_array_new_with_free_func(fw_entry_free);
            g_hash_table_insert(by_name, n->name, n);
        }
        FwEntry *e = g_new0(FwEntry, 1);
        e->path = g_steal_pointer(&path);
        e->size = sb.st_size;
        g_ptr_array_insert(n->copies, 0, e);
    }
    closedir(d);
}

/* Read a descriptor with libvirt's size limit, through the host root. */
static gboolean read_limited(const DcHost *host, const char *path, char **data, gsize *len, GError **err)
{
    g_autofree char *real = dc_host_path(host, path);
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e),
                    "Failed to open file '%s': %s", path, g_strerror(e));
        return FALSE;
    }
    /* Read at most one byte past the limit, to tell "too large" apart. */
    const gsize cap = DC_FIRMWARE_DESC_MAX_SIZE + 1;
    gsize size = 4096;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && sb.st_size > 0)
        size = MIN((gsize)sb.st_size + 1, cap);
    g_autofree char *buf = g_malloc(size + 1);
    gsize got = 0;
    while (got < cap) {
        if (got == size) {
            size = MIN(size * 2, cap);
            buf = g_realloc(buf, size + 1);
        }
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e),
                        "Failed to read file '%s': %s", path, g_strerror(e));
            return FALSE;
        }
        if (n == 0)
            break;
        got += (gsize)n;
    }
    close(fd);
    if (got > DC_FIRMWARE_DESC_MAX_SIZE) {
        g_set_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_TOO_LARGE,
                    "Failed to read file '%s': larger than %d bytes",
                    path, DC_FIRMWARE_DESC_MAX_SIZE);
        return FALSE;
    }
    buf[got] = '\0';
    *data = g_steal_pointer(&buf);
    *len = got;
    return TRUE;
}

static FwSet *fw_collect(const DcHost *host)
{
    FwSet *set = g_new0(FwSet, 1);
    set->names = g_ptr_array_new_with_free_func(fw_name_free);
    set->problems = g_ptr_array_new_with_free_func(g_free);

    g_autoptr(GHashTable) by_name = g_hash_table_new(g_str_hash, g_str_equal);
    for (gsize i = 0; i < G_N_ELEMENTS(system_dirs); i++)
        scan_dir(host, system_dirs[i], by_name, set);
    if (!host->privileged && host->xdg_config_home && *host->xdg_config_home) {
        g_autofree char *user = g_build_filename(host->xdg_config_home, "qemu", "firmware", NULL);
        scan_dir(host, user, by_name, set);
    }

    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, by_name);
    while (g_hash_table_iter_next(&it, NULL, &v))
        g_ptr_array_add(set->names, v);
    g_ptr_array_sort(set->names, fw_name_cmp);

    for (guint i = 0; i < set->names->len; i++) {
        FwName *n = set->names->pdata[i];
        const FwEntry *top = n->copies->pdata[0];
        if (top->size == 0)
            continue;   /* masks the lower copies */
        g_autofree char *data = NULL;
        gsize len = 0;
        g_autoptr(GError) err = NULL;
        if (!read_limited(host, top->path, &data, &len, &err) ||
            !(n->desc = dc_firmware_desc_parse(data, len, &err))) {
            n->problem = g_strdup(err->message);
            if (!set->libvirt_error)
                set->libvirt_error = g_strdup_printf("%s: %s", top->path, err->message);
        }
    }
    return set;
}

/* ======================================================================
 * <os> evaluation
 * ====================================================================== */

static char *join_bits(guint bits, gboolean ifaces)
{
    g_autoptr(GString) s = g_string_new(NULL);
    gsize n = ifaces ? G_N_ELEMENTS(interface_names) : G_N_ELEMENTS(feature_names);
    for (gsize k = 0; k < n; k++) {
        guint bit = ifaces ? interface_names[k].bit : feature_names[k].bit;
        const char *name = ifaces ? interface_names[k].name : feature_names[k].name;
        if (bits & bit)
            g_string_append_printf(s, "%s%s", s->len ? "," : "", name);
    }
    return g_strdup(s->len ? s->str : "none");
}

static char *describe_mismatch(const DcFirmwareDesc *desc, const char *arch, const char *machine)
{
    g_autoptr(GString) archs = g_string_new(NULL);
    g_autoptr(GString) globs = g_string_new(NULL);
    for (guint i = 0; i < desc->targets->len; i++) {
        const DcFirmwareTarget *t = desc->targets->pdata[i];
        g_string_append_printf(archs, "%s%s", archs->len ? "," : "", t->arch);
        if (strcmp(t->arch, arch) != 0)
            continue;
        for (guint j = 0; j < t->machines->len; j++)
            g_string_append_printf(globs, "%s%s", globs->len ? "," : "",
                                   (const char *)t->machines->pdata[j]);
    }
    for (guint i = 0; i < desc->targets->len; i++) {
        const DcFirmwareTarget *t = desc->targets->pdata[i];
        if (strcmp(t->arch, arch) == 0)
            return g_strdup_printf("machine %s matches none of the %s patterns [%s]",
                                   machine, arch, globs->str);
    }
    return g_strdup_printf("wrong architecture: targets [%s], not %s",
                           archs->len ? archs->str : "none", arch);
}

static void evaluate(const DcHost *host, const FwSet *set, const char *arch, const char *machine,
                     DcOsCaps *out, GPtrArray *explain)
{
    guint ifaces = 0;
    gboolean secure = FALSE;
    g_autoptr(GPtrArray) offered = g_ptr_array_new();   /* borrowed paths, unique */
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    memset(out, 0, sizeof(*out));
    out->loader.values = g_ptr_array_new_with_free_func(g_free);
    out->problems = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < set->problems->len; i++) {
        g_ptr_array_add(out->problems, g_strdup(set->problems->pdata[i]));
        if (explain)
            g_ptr_array_add(explain, g_strdup_printf("problem: %s (libvirt 9.0 fails domcapabilities on this)",
                                                     (const char *)set->problems->pdata[i]));
    }
    out->libvirt_error = g_strdup(set->libvirt_error);

    for (guint i = 0; i < set->names->len; i++) {
        const FwName *n = set->names->pdata[i];
        const FwEntry *top = n->copies->pdata[0];
        const DcFirmwareDesc *desc = n->desc;

        if (n->problem) {
            g_ptr_array_add(out->problems, g_strdup_printf("%s: %s", top->path, n->problem));
            if (explain)
                g_ptr_array_add(explain, g_strdup_printf(
                    "%s: skipped: %s (libvirt 9.0 fails domcapabilities on this)",
                    top->path, n->problem));
        } else if (!desc) {
            if (explain)
                g_ptr_array_add(explain, g_strdup_printf(
                    "%s: skipped: empty file%s", top->path,
                    n->copies->len > 1 ? ", masks the same name below" : ""));
        } else if (!dc_firmware_desc_matches(desc, arch, machine)) {
            if (explain) {
                g_autofree char *why = describe_mismatch(desc, arch, machine);
                g_ptr_array_add(explain, g_strdup_printf("%s: skipped: %s", top->path, why));
            }
        } else {
            const char *path = dc_firmware_desc_loader_path(desc);
            ifaces |= desc->interfaces;
            if (desc->features & DC_FW_FEATURE_REQUIRES_SMM)
                secure = TRUE;
            gboolean dup = path && g_hash_table_contains(seen, path);
            if (path && !dup) {
                g_hash_table_add(seen, (gpointer)path);
                g_ptr_array_add(offered, (gpointer)path);
            }
            if (explain) {
                g_autofree char *fi = join_bits(desc->interfaces, TRUE);
                g_autofree char *ff = join_bits(desc->features, FALSE);
                g_autofree char *note = NULL;
                if (!path)
                    note = g_strdup(desc->device == DC_FW_DEVICE_KERNEL
                                    ? "offers no loader (kernel mapping)"
                                    : "offers no loader (memory mapping without filename)");
                else if (dup)
                    note = g_strdup_printf("loader %s already listed", path);
                else if (!dc_host_exists(host, path))
                    note = g_strdup_printf("loader %s not listed: file does not exist", path);
                else
                    note = g_strdup_printf("loader %s listed", path);
                g_ptr_array_add(explain, g_strdup_printf(
                    "%s: taken: interfaces %s, features %s%s; %s", top->path, fi, ff,
                    desc->features & DC_FW_FEATURE_REQUIRES_SMM ? " (requires-smm: secure=yes)" : "",
                    note));
            }
        }

        for (guint c = 1; explain && c < n->copies->len; c++) {
            const FwEntry *low = n->copies->pdata[c];
            g_ptr_array_add(explain, g_strdup_printf(
                "%s: skipped: %s %s", low->path,
                top->size == 0 ? "masked by empty file" : "shadowed by same-named", top->path));
        }
    }

    out->supported = TRUE;
    gsize k = 0;
    if (ifaces & DC_FW_IFACE_BIOS)
        out->firmware[k++] = "bios";
    if (ifaces & DC_FW_IFACE_UEFI)
        out->firmware[k++] = "efi";

    out->loader.supported = TRUE;
    if (offered->len) {
        for (guint i = 0; i < offered->len; i++)
            if (dc_host_exists(host, offered->pdata[i]))
                g_ptr_array_add(out->loader.values, g_strdup(offered->pdata[i]));
        if (explain)
            g_ptr_array_add(explain, g_strdup_printf(
                "loader values: %u from matching descriptors", out->loader.values->len));
    } else {
        g_autoptr(GString) line = NULL;
        out->used_default_loaders = TRUE;
        if (explain)
            line = g_string_new("loader values: no matching descriptor offers a loader; libvirt's built-in list:");
        for (gsize i = 0; i < dc_firmware_n_default_loaders; i++) {
            const char *code = dc_firmware_default_loaders[i].code;
            gboolean exists = dc_host_exists(host, code);
            if (exists)
                g_ptr_array_add(out->loader.values, g_strdup(code));
            if (line)
                g_string_append_printf(line, " %s (%s)", code, exists ? "listed" : "missing");
        }
        if (line)
            g_ptr_array_add(explain, g_string_free(g_steal_pointer(&line), FALSE));
    }

    out->loader.type[0] = "rom";
    out->loader.type[1] = "pflash";
    out->loader.readonly[0] = "yes";
    out->loader.readonly[1] = "no";
    k = 0;
    if (secure)
        out->loader.secure[k++] = "yes";
    out->loader.secure[k] = "no";
}

gboolean dc_firmware_os_caps(const DcHost *host, const char *arch, const char *machine,
                             DcOsCaps *out, GError **err)
{
    if (!host || !arch || !*arch || !machine || !out) {
        g_set_error_literal(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_INVALID_ARGUMENT,
                            "dc_firmware_os_caps: host, arch, machine and out are required");
        return FALSE;
    }
    g_autoptr(FwSet) set = fw_collect(host);
    evaluate(host, set, arch, machine, out, NULL);
    return TRUE;
}

void dc_os_caps_clear(DcOsCaps *caps)
{
    if (!caps)
        return;
    if (caps->loader.values)
        g_ptr_array_unref(caps->loader.values);
    if (caps->problems)
        g_ptr_array_unref(caps->problems);
    g_free(caps->libvirt_error);
    memset(caps, 0, sizeof(*caps));
}

GPtrArray *dc_firmware_explain(const DcHost *host, const char *arch, const char *machine)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    if (!host || !arch || !machine) {
        g_ptr_array_add(lines, g_strdup("no host, arch or machine given"));
        return lines;
    }
    g_autoptr(FwSet) set = fw_collect(host);
    DcOsCaps caps;
    evaluate(host, set, arch, machine, &caps, lines);
    dc_os_caps_clear(&caps);
    return lines;
}

static void fw_found_free(gpointer p)
{
    DcFirmwareFound *f = p;
    g_free(f->path);
    dc_firmware_desc_free(f->desc);
    g_free(f);
}

GPtrArray *dc_firmware_descriptors(const DcHost *host)
{
    g_autoptr(FwSet) set = fw_collect(host);
    GPtrArray *out = g_ptr_array_new_with_free_func(fw_found_free);
    for (guint i = 0; i < set->names->len; i++) {
        FwName *n = set->names->pdata[i];
        if (!n->desc)
            continue;
        DcFirmwareFound *f = g_new0(DcFirmwareFound, 1);
        f->path = g_strdup(((const FwEntry *)n->copies->pdata[0])->path);
        f->desc = g_steal_pointer(&n->desc);
        g_ptr_array_add(out, f);
    }
    return out;
}
