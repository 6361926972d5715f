/* Fuzz the cache reader (dc_cache_load) and everything a cache hit feeds,
 * and the reader of remembered documents (cache/docmemo.h, the same input
 * as a memo file for the query "fuzz-query"):
 * facts from an entry go straight to assembly and the XML/JSON writers,
 * so a corrupt or hand-edited entry must be refused or handled, never
 * crash. The entry file is the input, with the first "@KEY@" replaced by
 * the key of the fake emulator below: a fuzzed key would almost never
 * match, and a mismatch is just a miss.
 *
 * A scratch host root is made once per process: a fake emulator (which
 * fails if ever run) plus the fixture host's /usr/share and /proc. */
#include "domcaps.h"
#include "api-internal.h"
#include "cache/cache.h"
#include "cache/docmemo.h"
#include "probe/facts.h"
#include "format/format.h"
#include "util/node.h"
#include "host/host.h"
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef DC_FUZZ_HOST_DIR
#error "DC_FUZZ_HOST_DIR: the fixture host tree (tests/data/hosts/debian12)"
#endif

#define EMULATOR "/usr/bin/qemu-system-x86_64"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *root, *cache_dir, *entry_path, *key_text;
static json_object *key;

static void remove_root(void)
{
    if (root) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);
        if (system(cmd) != 0)
            g_printerr("fuzz-cache: could not remove %s\n", root);
    }
}

static void setup(void)
{
    root = g_dir_make_tmp("domcaps-fuzz-cache-XXXXXX", NULL);
    g_assert(root);
    atexit(remove_root);
    g_autofree char *bin = g_build_filename(root, "usr", "bin", NULL);
    g_assert(g_mkdir_with_parents(bin, 0755) == 0);
    g_autofree char *emu = g_build_filename(root, EMULATOR, NULL);
    g_assert(g_file_set_contents(emu, "#!/bin/sh\nexit 1\n", -1, NULL));
    g_chmod(emu, 0755);
    g_autofree char *share = g_build_filename(root, "usr", "share", NULL);
    g_autofree char *proc = g_build_filename(root, "proc", NULL);
    g_assert(symlink(DC_FUZZ_HOST_DIR "/usr/share", share) == 0);
    g_assert(symlink(DC_FUZZ_HOST_DIR "/proc", proc) == 0);
    cache_dir = g_build_filename(root, "cache", NULL);
    g_assert(g_mkdir_with_parents(cache_dir, 0755) == 0);

    g_autoptr(DcHost) host = dc_host_new(root, geteuid() == 0, NULL);
    key = dc_cache_key_new(host, EMULATOR, emu, NULL);
    g_assert(key);
    key_text = g_strdup(json_object_to_json_string_ext(key, JSON_C_TO_STRING_PLAIN));
    entry_path = dc_cache_entry_path(cache_dir, EMULATOR);
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    g_autoptr(GString) text = g_string_new_len((const char *)data, size);
    char *at = memmem(text->str, text->len, "@KEY@", 5);
    if (at) {
        gsize pos = at - text->str;
        g_string_erase(text, pos, 5);
        g_string_insert(text, pos, key_text);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    g_assert(fd >= 0);
    g_assert(write(fd, text->str, text->len) == (ssize_t)text->len);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!root)
        setup();

    /* The input as a remembered document. */
    g_autofree char *memo_path = dc_docmemo_path(cache_dir, EMULATOR, "fuzz-query");
    g_autofree char *docs = g_path_get_dirname(memo_path);
    g_assert(g_mkdir_with_parents(docs, 0755) == 0);
    write_file(memo_path, data, size);
    json_object *memo = dc_docmemo_load(cache_dir, EMULATOR, key, "fuzz-query");
    if (memo) {
        g_assert(dc_json_str(memo, "xml"));  /* a memo is valid only with both texts */
        g_autoptr(DcNode) node = dc_node_from_compact_text(dc_json_str(memo, "tree"));
        if (node) {
            g_free(dc_format_xml(node));
            g_free(dc_format_json(node, TRUE));
        }
    }
    if (memo)
        json_object_put(memo);
    dc_docmemo_clear(cache_dir);  /* never answers domcaps_get() below */

    write_file(entry_path, data, size);

    g_autofree char *why = NULL;
    json_object *facts = dc_cache_load(cache_dir, EMULATOR, key, &why);
    g_assert(facts || why);
    /* Only a hit with TCG facts goes on: anything else would run the
     * emulator, which is slow and not what is fuzzed here. */
    json_object *accel = NULL;
    gboolean hit = facts && json_object_object_get_ex(facts, "accel", &accel) &&
                   json_object_object_get_ex(accel, "tcg", NULL);
    if (facts)
        json_object_put(facts);
    if (!hit)
        return 0;

    /* The library remembers facts per emulator within a process; without
     * this, the first hit would answer every later input. */
    dc_api_forget_facts();
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    opts.emulator = EMULATOR;
    opts.virttype = "qemu";
    opts.root = root;
    opts.cache_dir = cache_dir;
    GError *err = NULL;
    domcaps_doc *doc = domcaps_get(&opts, &err);
    if (!doc) {
        g_assert(err);
        g_clear_error(&err);
        return 0;
    }
    g_free(domcaps_doc_to_xml(doc));
    g_free(domcaps_doc_to_json(doc, FALSE));
    domcaps_doc_free(doc);
    return 0;
}
