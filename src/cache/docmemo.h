/* Remembered documents: the finished answer to one query, kept beside the
 * probe cache so a warm query neither reads the probe facts nor assembles
 * the document again.
 *
 * A remembered document holds the query it answers (every option that
 * shapes the document), the probe cache key it was built under, and the
 * identity of every host file its assembly read (host/deps.h). It is used
 * only while all three still hold; otherwise the query is assembled anew
 * and the memo replaced. Files live in <cache dir>/docs/, one per emulator
 * and query, written atomically; like cache entries, a corrupt, foreign or
 * symlinked one is ignored and replaced. */
#pragma once
#include <json-c/json.h>
#include <glib.h>

/* 2: the document as XML text, and its tree as compact JSON text (so that
 * reading a memo parses two strings, not a tree nobody may need). */
#define DC_DOCMEMO_FORMAT 2

/* The file that holds the memo for (emulator, query). */
char *dc_docmemo_path(const char *cache_dir, const char *emulator, const char *query);

/* The memo for (emulator, query) if it is still valid for `key`: an object
 * with "xml" (the document as dc_format_xml() writes it), "tree" (its tree
 * in dc_node_to_compact() form, as JSON text), "arch", "machine",
 * "virttype". NULL otherwise. The caller owns the reference. */
json_object *dc_docmemo_load(const char *cache_dir, const char *emulator, json_object *key, const char *query);

/* Build the memo object (also kept in memory by the caller). Takes a
 * reference to key and deps. */
json_object *dc_docmemo_new(json_object *key, const char *query, json_object *deps, const char *xml,
                            const char *tree, const char *arch, const char *machine, const char *virttype);

/* Whether a memo object answers `query` under `key` with the host as it is now. */
gboolean dc_docmemo_valid(json_object *memo, json_object *key, const char *query);

/* Write it (atomically). FALSE when it cannot be written: the answer stands. */
gboolean dc_docmemo_store(const char *cache_dir, const char *emulator, const char *query, json_object *memo);

/* Remove every remembered document under cache_dir (they are rebuilt on
 * demand); returns the paths removed. */
GPtrArray *dc_docmemo_clear(const char *cache_dir);

/* The documents remembered in @cache_dir, by emulator and the libvirt
 * release they follow, for `domcaps cache list`, the directory read once:
 * look one up with dc_docmemo_description(). */
GHashTable *dc_docmemo_describe_all(const char *cache_dir);
/* "remembered: 2 documents in libvirt 9.0's format (why), ..." for
 * @emulator, NULL when none is remembered (owned by @all). */
const char *dc_docmemo_description(GHashTable *all, const char *emulator);
