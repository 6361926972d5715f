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
    { "user", 0, 0, G_OPTION_ARG_STRING, &p_user, "when run as root, run QEMU as this user (default $DOMCAPS_USER)", "NAME" },
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

gboolean dc_cli_parse(GOptionContext *ctx, int *argc, char ***argv)
{
    GError *err = NULL;
    if (!g_option_context_parse(ctx, argc, argv, &err)) {
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
