/* Between the public entry points and the stages behind them. */
#pragma once
#include "domcaps.h"
#include "util/node.h"
#include "host/host.h"
#include <json-c/json.h>

#define DC_DEFAULT_CPU_MAP "/usr/share/libvirt/cpu_map"

/* analyze/api-fleet.c: libvirt's CPU map of @opts (may be NULL), under its
 * root, as a host path. */
char *dc_api_cpu_map(const domcaps_options *opts);

/* doc.c: the document object. A document owning @root; the query's values
 * as given. */
domcaps_doc *dc_doc_new(DcNode *root, const char *emulator, const char *arch, const char *machine,
                        const char *virttype);
/* A remembered document: its XML text and its tree's compact text (the
 * tree is built on first use). */
domcaps_doc *dc_doc_new_from_text(const char *xml, const char *tree_text, const char *emulator, const char *arch,
                                  const char *machine, const char *virttype);
/* A document owning @root (a <domainCapabilities> tree); the query values
 * are read from its <path>, <arch>, <machine>, <domain>. */
domcaps_doc *dc_doc_new_take(DcNode *root);
const DcNode *dc_doc_root(const domcaps_doc *doc);
/* Free @doc but its tree, handed back (built first when it was not yet). */
DcNode *dc_doc_free_keep_root(domcaps_doc *doc);
/* The query's warnings (domcaps_doc_warnings), taken over; NULL: none. */
void dc_doc_take_warnings(domcaps_doc *doc, GPtrArray *warnings);
/* Which libvirt release @doc follows ("12.9") and why (query/release.h). */
void dc_doc_set_release(domcaps_doc *doc, const char *release, const char *why);
/* The document's XML text, formatted once and kept (printed as it is). */
const char *dc_doc_keep_xml(domcaps_doc *doc);

/* Drop the facts kept in memory per emulator (the next query reads the
 * cache file again): for the cache fuzzer, which rewrites the file on
 * every input. */
void dc_api_forget_facts(void);

/* domcaps_get(), handing back the probe's facts (probe/facts.h) the
 * document was made from too (a reference, when @facts is not NULL); with
 * @facts, the document is assembled, never a remembered one. */
domcaps_doc *dc_api_get_with_facts(const domcaps_options *opts, json_object **facts, GError **err);
