/* The second stage of domcaps_get(): the cache session of one query. The
 * layers, in the order a query meets them:
 *   1. a remembered document (this process's memory, then the cache
 *      directory's docs/) still valid for the query: the answer as it is;
 *   2. the emulator's facts in this process's memory, then its entry file;
 *   3. the probe passes (probe/passes.h) for what is missing, stored back.
 * Replays, recordings and DOMCAPS_CACHE_OFF skip 1 and 2 and store nothing.
 * The session holds the emulator's in-process entry locked from open to
 * close, so concurrent queries of one emulator probe it once; across
 * processes, a query that must probe takes the entry's lock file first and
 * holds it to close, and one that waited answers from what the holder
 * stored. */
#pragma once
#include "query/query.h"
#include "util/node.h"

typedef struct DcProcEntry DcProcEntry;

typedef struct {
    DcQuery *query;
    GString *record;          /* the transcript being recorded, NULL: none */
    char *cache_dir;          /* NULL: no cache */
    json_object *key;         /* the entry's key as things are now */
    char *doc_query;          /* what shapes a document besides facts and files */
    DcProcEntry *proc;
    GMutexLocker *locker;
    int lock_fd;              /* the entry's probe lock (dc_cache_lock), -1: not held */
    json_object *facts_json;  /* after dc_session_facts() */
    DcFacts *facts;           /* lookup view of facts_json (owned or the entry's) */
    gboolean facts_owned;
    gboolean dirty;           /* facts not yet stored */
    json_object *memo;        /* sections remembered with the facts, NULL: none */
    GPtrArray *warnings;      /* lines for the caller: a cache not believed (domcaps_doc_warnings) */
} DcSession;

/* A cache directory another user can write (cache/trust.c) is not used
 * at all, as with DOMCAPS_CACHE_OFF, and a warning says why. */
void dc_session_open(DcSession *s, DcQuery *q);
void dc_session_close(DcSession *s);

/* The session's warnings, taken (NULL when there are none). */
GPtrArray *dc_session_take_warnings(DcSession *s);

/* Layer 1: the remembered answer, or NULL. */
domcaps_doc *dc_session_remembered(DcSession *s);

/* Layers 2 and 3: the facts, for the query's accelerator; a guessed KVM
 * that QEMU could not run turns the query to TCG (dc_query_use_tcg). */
gboolean dc_session_facts(DcSession *s, GError **err);

/* Store the facts once the query has shown them to be of the emulator it
 * is about (another arch's QEMU leaves no entry); the entry's in-process
 * copy too. Also after an assembly that grew the memo. */
void dc_session_keep_facts(DcSession *s, gboolean memo_changed);

/* Remember a finished document with the files its assembly read (@deps,
 * host/deps.h); it keeps the XML text made for it. */
void dc_session_remember(DcSession *s, domcaps_doc *doc, json_object *deps);

/* Drop the facts kept in memory per emulator (the cache fuzzer rewrites
 * the entry file on every input). */
void dc_session_forget_all(void);
