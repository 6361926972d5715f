#include "cmd-util.h"
#include <json-c/json.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The query's options, one table for `domcaps` and every subcommand that
 * probes (check, matrix, labels, traits). */
static char *p_emulator, *p_arch, *p_machine, *p_virttype, *p_root, *p_replay, *p_cpu_map, *p_cache_dir,
    *p_user, *p_schema;
static int p_timeout = -1;  /* -1: not given */
static gboolean p_no_cache, p_refresh;

static GOptionEntry probe_entries[] = {
    { "emulatorbin", 0, 0, G_OPTION_ARG_FILENAME, &p_emulator, "QEMU binary to probe", "PATH" },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &p_arch, "guest architecture (libvirt name: x86_64, i686, aarch64...)", "ARCH" },
    { "machine", 0, 0, G_OPTION_ARG_STRING, &p_machine, "machine type or alias (pc, q35, virt...)", "MACHINE" },
    { "virttype", 0, 0, G_OPTION_ARG_STRING, &p_virttype, "virtualization type: kvm or qemu (TCG)", "TYPE" },
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &p_root, "read every host fact under this directory (default /)", "DIR" },
    { "replay", 0, 0, G_OPTION_ARG_FILENAME, &p_replay, "answer QMP from a recorded transcript instead of running QEMU", "FILE" },
    { "cpu-map", 0, 0, G_OPTION_ARG_FILENAME, &p_cpu_map, "libvirt CPU map directory (default /usr/share/libvirt/cpu_map)", "DIR" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &p_timeout, "probe deadline in milliseconds (default 30000)", "MS" },
    { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &p_cache_dir, "probe cache directory (default $XDG_CACHE_HOME/domcaps, /var/cache/domcaps for root)", "DIR" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &p_user, "when run as root, run QEMU as this user, root only when named (default $DOMCAPS_USER, else libvirt's QEMU user from /etc/libvirt/qemu.conf, else the domcaps system user)", "NAME" },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &p_no_cache, "neither read nor write the probe cache", NULL },
    { "refresh", 0, 0, G_OPTION_ARG_NONE, &p_refresh, "probe again and replace the cache entry", NULL },
    { "schema", 0, 0, G_OPTION_ARG_STRING, &p_schema, "print as this libvirt release does (" DOMCAPS_SCHEMAS "; default $DOMCAPS_SCHEMA, else the newest)", "RELEASE" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
};

const GOptionEntry *dc_cli_probe_entries(void)
{
    return probe_entries;
}

GOptionGroup *dc_cli_probe_group(void)
{
    GOptionGroup *g = g_option_group_new("probe", "Probe options (as for `domcaps domcapabilities`):",
                                         "Show the probe options", NULL, NULL);
    g_option_group_add_entries(g, probe_entries);
    return g;
}

/* An environment variable as a default: unset or empty is none. */
static const char *env_default(const char *given, const char *variable)
{
    const char *v = given ? given : g_getenv(variable);
    return v && *v ? v : NULL;
}

gboolean dc_cli_probe_options(domcaps_options *opts)
{
    if (p_timeout == 0 || p_timeout < -1) {
        fprintf(stderr, "domcaps: --timeout must be a positive number of milliseconds\n");
        return FALSE;
    }
    if (p_no_cache && p_refresh) {
        fprintf(stderr, "domcaps: --no-cache and --refresh contradict each other\n");
        return FALSE;
    }
    opts->emulator = p_emulator;
    opts->arch = p_arch;
    opts->machine = p_machine;
    opts->virttype = p_virttype;
    opts->root = p_root;
    opts->replay = p_replay;
    opts->cpu_map_dir = p_cpu_map;
    opts->timeout_ms = p_timeout > 0 ? p_timeout : 0;
    opts->cache_dir = p_cache_dir;
    opts->cache = p_no_cache ? DOMCAPS_CACHE_OFF : p_refresh ? DOMCAPS_CACHE_REFRESH : DOMCAPS_CACHE_USE;
    /* DOMCAPS_SCHEMA pins the format for command lines that cannot be
     * edited (a virsh script run with domcaps in place of virsh) */
    opts->schema = env_default(p_schema, "DOMCAPS_SCHEMA");
    opts->user = env_default(p_user, "DOMCAPS_USER");
    return TRUE;
}

/* Restricted Damerau-Levenshtein distance: insertions, deletions,
 * substitutions and swaps of neighbours each count one (a typo's usual
 * shapes). Words here are short; two rows of a small matrix suffice. */
static guint edit_distance(const char *a, const char *b)
{
    gsize la = strlen(a), lb = strlen(b);
    g_autofree guint *prev2 = g_new0(guint, lb + 1);
    g_autofree guint *prev = g_new0(guint, lb + 1);
    g_autofree guint *row = g_new0(guint, lb + 1);
    for (gsize j = 0; j <= lb; j++)
        prev[j] = (guint)j;
    for (gsize i = 1; i <= la; i++) {
        row[0] = (guint)i;
        for (gsize j = 1; j <= lb; j++) {
            guint cost = a[i - 1] != b[j - 1];
            guint d = MIN(MIN(prev[j] + 1, row[j - 1] + 1), prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d = MIN(d, prev2[j - 2] + 1);
            row[j] = d;
        }
        guint *t = prev2;
        prev2 = prev;
        prev = row;
        row = t;
    }
    return prev[lb];
}

const char *dc_cli_nearest(const char *word, const char *const *candidates)
{
    /* a short word has few letters to spare: one edit; longer ones two,
     * three past ten letters (hypervisor-cpu-baselin) */
    gsize len = strlen(word);
    guint limit = len <= 4 ? 1 : len <= 10 ? 2 : 3, best = G_MAXUINT;
    const char *nearest = NULL;
    for (const char *const *c = candidates; c && *c; c++) {
        guint d = edit_distance(word, *c);
        if (d > 0 && d <= limit && d < best) {
            best = d;
            nearest = *c;
        }
    }
    return nearest;
}

/* The long options a context knows (those --help-all lists, help ones
 * included), without their dashes. */
static GPtrArray *known_options(GOptionContext *ctx)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *help = g_option_context_get_help(ctx, FALSE, NULL);
    g_auto(GStrv) lines = g_strsplit(help, "\n", -1);
    for (char **l = lines; *l; l++) {
        const char *p = *l;
        if (!g_str_has_prefix(p, "  "))
            continue;
        p += 2;
        if (p[0] == '-' && p[1] != '-' && p[1] && p[2] == ',' && p[3] == ' ')
            p += 4;   /* "-q, --quiet" */
        if (!g_str_has_prefix(p, "--"))
            continue;
        p += 2;
        gsize n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");
        if (n)
            g_ptr_array_add(names, g_strndup(p, n));
    }
    g_ptr_array_add(names, NULL);
    return names;
}

/* After GLib refused an unknown option: the first --word of @argv that
 * the context does not know, and the known one it is nearest to. */
static gboolean suggest_option(GOptionContext *ctx, int argc, char **argv)
{
    g_autoptr(GPtrArray) known = known_options(ctx);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (!g_str_has_prefix(argv[i], "--"))
            continue;
        g_autofree char *name = g_strndup(argv[i] + 2, strcspn(argv[i] + 2, "="));
        if (g_strv_contains((const char *const *)known->pdata, name))
            continue;
        const char *near = dc_cli_nearest(name, (const char *const *)known->pdata);
        if (!near)
            return FALSE;
        fprintf(stderr, "domcaps: unknown option --%s; did you mean --%s?\n", name, near);
        return TRUE;
    }
    return FALSE;
}

gboolean dc_cli_parse(GOptionContext *ctx, int *argc, char ***argv)
{
    GError *err = NULL;
    /* GLib reorders and consumes argv as it goes: the words as given are
     * kept for the suggestion */
    int given_count = *argc;
    g_autofree char **given = g_new(char *, given_count + 1);
    memcpy(given, *argv, sizeof(char *) * (gsize)(given_count + 1));
    if (!g_option_context_parse(ctx, argc, argv, &err)) {
        if (!g_error_matches(err, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION) ||
            !suggest_option(ctx, given_count, given))
            fprintf(stderr, "domcaps: %s\n", err->message);
        g_error_free(err);
        return FALSE;
    }
    return TRUE;
}

GPtrArray *dc_cli_load_docs(char **files, int n)
{
    GPtrArray *docs = g_ptr_array_new_with_free_func((GDestroyNotify)domcaps_doc_free);
    for (int i = 0; i < n; i++) {
        GError *err = NULL;
        domcaps_doc *doc = NULL;
        if (strcmp(files[i], "-") == 0) {
            g_autoptr(GBytes) in = dc_cli_read("-");
            gsize len = 0;
            const char *data = in ? g_bytes_get_data(in, &len) : NULL;
            if (!in) {
                g_ptr_array_unref(docs);
                return NULL;
            }
            doc = domcaps_doc_new_from_xml(data ? data : "", (gssize)len, &err);
        } else {
            doc = domcaps_doc_new_from_file(files[i], &err);
        }
        if (!doc) {
            fprintf(stderr, "domcaps: %s\n", err->message);
            g_error_free(err);
            g_ptr_array_unref(docs);
            return NULL;
        }
        g_ptr_array_add(docs, doc);
    }
    return docs;
}

GBytes *dc_cli_read(const char *path)
{
    const gsize limit = (8u << 20) + 1;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "domcaps: cannot open %s: %s\n", path, g_strerror(errno));
        return NULL;
    }
    GByteArray *buf = g_byte_array_new();
    guint8 chunk[65536];
    size_t got;
    while (buf->len < limit && (got = fread(chunk, 1, MIN(sizeof chunk, limit - buf->len), f)) > 0)
        g_byte_array_append(buf, chunk, (guint)got);
    gboolean failed = ferror(f);
    int saved = errno;
    if (f != stdin)
        fclose(f);
    if (failed) {
        fprintf(stderr, "domcaps: cannot read %s: %s\n", path, g_strerror(saved));
        g_byte_array_unref(buf);
        return NULL;
    }
    return g_byte_array_free_to_bytes(buf);
}

/* Write into what is already there: a device, a FIFO (/dev/null, a pipe
 * given by name), which a rename would replace with a regular file. */
static gboolean write_in_place(const char *path, const char *text, GError **err)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
    gsize left = strlen(text);
    while (fd >= 0 && left) {
        ssize_t n = write(fd, text, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        text += n;
        left -= (gsize)n;
    }
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && !left)
        saved = errno, left = 1;
    if (fd < 0 || left) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(saved), "%s", g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

gboolean dc_cli_write_file(const char *path, const char *text, GError **err)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return write_in_place(path, text, err);
    /* a symbolic link keeps pointing where it did: its target is replaced */
    char resolved[PATH_MAX];
    const char *target = lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, resolved) ? resolved
                                                                                                   : path;
    GError *e = NULL;
    if (g_file_set_contents(target, text, -1, &e))
        return TRUE;
    /* the reason only: GLib's message names its temporary file */
    const char *colon = strrchr(e->message, ':');
    g_set_error(err, G_FILE_ERROR, e->code, "%s", colon && colon[1] == ' ' ? colon + 2 : e->message);
    g_error_free(e);
    return FALSE;
}

gboolean dc_cli_write(const char *path, const char *text)
{
    if (strcmp(path, "-") == 0) {
        if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
            fprintf(stderr, "domcaps: cannot write output\n");
            return FALSE;
        }
        return TRUE;
    }
    GError *err = NULL;
    if (!dc_cli_write_file(path, text, &err)) {
        fprintf(stderr, "domcaps: cannot write %s: %s\n", path, err->message);
        g_error_free(err);
        return FALSE;
    }
    return TRUE;
}

void dc_cli_json_string(GString *out, const char *s)
{
    if (!s) {
        g_string_append(out, "null");
        return;
    }
    json_object *str = json_object_new_string(s);
    g_string_append(out, json_object_to_json_string_ext(str, JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(str);
}

gboolean dc_cli_json_format(const char *format, const char *html, gboolean *json)
{
    *json = g_strcmp0(format, "json") == 0;
    if (format && !*json && strcmp(format, "text") != 0) {
        fprintf(stderr, "domcaps: unknown format '%s' (text or json)\n", format);
        return FALSE;
    }
    if (*json && html) {
        fprintf(stderr, "domcaps: --html and --format json are two outputs: choose one\n");
        return FALSE;
    }
    return TRUE;
}
