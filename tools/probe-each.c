/* The probes of several emulators at once (domcaps --all, matrix): one
 * query each, on a pool of one thread per core, and the one rule of which
 * failures are skipped rather than failed. */
#include "probe-each.h"
#include <stdio.h>
#include <unistd.h>

typedef struct {
    const domcaps_options *base;
    gboolean progress;
    GMutex lock;
    guint done, total;
} Pool;

static void probe_one(gpointer data, gpointer user_data)
{
    DcCliProbe *probe = data;
    Pool *pool = user_data;
    domcaps_options o = *pool->base;
    if (probe->emulator)
        o.emulator = probe->emulator;
    probe->doc = domcaps_get(&o, &probe->error);
    g_mutex_lock(&pool->lock);
    pool->done++;
    if (pool->progress)
        fprintf(stderr, "\rdomcaps: %u/%u emulators probed", pool->done, pool->total);
    g_mutex_unlock(&pool->lock);
}

DcCliProbe *dc_cli_probe_each(const domcaps_options *base, GPtrArray *emulators)
{
    DcCliProbe *probes = g_new0(DcCliProbe, emulators->len + 1);
    Pool pool = { base, isatty(STDERR_FILENO) && emulators->len > 1, { 0 }, 0, emulators->len };
    g_mutex_init(&pool.lock);
    GThreadPool *threads = g_thread_pool_new(probe_one, &pool, (gint)g_get_num_processors(), FALSE, NULL);
    for (guint i = 0; i < emulators->len; i++) {
        probes[i].emulator = emulators->pdata[i];
        g_thread_pool_push(threads, &probes[i], NULL);
    }
    g_thread_pool_free(threads, FALSE, TRUE);
    g_mutex_clear(&pool.lock);
    if (pool.progress)
        fputc('\n', stderr);
    return probes;
}

gboolean dc_cli_probe_report(const DcCliProbe *probe, const char *what)
{
    /* not a target domcaps (like libvirt) serves, or, for --virttype kvm,
     * one the host's KVM cannot run: left out with a note. A program that
     * does not answer like QEMU at all is a failure. */
    gint code = probe->error->code;
    gboolean skipped = code == DOMCAPS_ERROR_UNSUPPORTED || code == DOMCAPS_ERROR_INVALID_ARG ||
                       code == DOMCAPS_ERROR_NO_KVM;
    fprintf(stderr, "domcaps: %s %s: %s\n", skipped ? "skipped" : "failed", what, probe->error->message);
    return skipped;
}

void dc_cli_probes_free(DcCliProbe *probes, guint n)
{
    for (guint i = 0; i < n; i++) {
        domcaps_doc_free(probes[i].doc);
        if (probes[i].error)
            g_error_free(probes[i].error);
    }
    g_free(probes);
}

void dc_cli_print_warnings(const domcaps_doc *doc)
{
    static GHashTable *said;
    if (!said)
        said = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (const char *const *w = domcaps_doc_warnings(doc); *w; w++)
        if (g_hash_table_add(said, g_strdup(*w)))
            fprintf(stderr, "domcaps: warning: %s\n", *w);
}

const char *dc_cli_probes_common_error(const DcCliProbe *probes, guint n)
{
    if (n < 2)
        return NULL;
    for (guint i = 0; i < n; i++)
        if (!probes[i].error || strcmp(probes[i].error->message, probes[0].error->message) != 0)
            return NULL;
    return probes[0].error->message;
}
