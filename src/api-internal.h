/* Between the public entry points: documents are built in api.c. */
#pragma once
#include "domcaps.h"
#include "util/node.h"

/* A document owning @root (a <domainCapabilities> tree); the resolved
 * query values are read from its <path>, <arch>, <machine>, <domain>. */
domcaps_doc *dc_doc_new_take(DcNode *root);
const DcNode *dc_doc_root(const domcaps_doc *doc);

/* Drop the facts kept in memory per emulator (the next query reads the
 * cache file again): for the cache fuzzer, which rewrites the file on
 * every input. */
void dc_api_forget_facts(void);

/* api-extra.c: change the host-model CPU of an assembled document for
 * domcaps_options.flags (DOMCAPS_GET_*). */
struct DcFacts;
#include "host/host.h"
void dc_api_apply_cpu_flags(DcNode *root, const struct DcFacts *facts, const DcHost *host, const char *accel,
                            const char *arch, const char *cpu_map_dir, unsigned int flags);

/* domcaps_get(), handing back the probe's facts (probe/facts.h) the
 * document was made from too (a reference, when @facts is not NULL); with
 * @facts, the document is assembled, never a remembered one. */
struct json_object;
domcaps_doc *dc_api_get_with_facts(const domcaps_options *opts, struct json_object **facts, GError **err);
