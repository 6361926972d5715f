/* Between the public entry points: documents are built in api.c. */
#pragma once
#include "domcaps.h"
#include "util/node.h"

/* A document owning @root (a <domainCapabilities> tree); the resolved
 * query values are read from its <path>, <arch>, <machine>, <domain>. */
domcaps_doc *dc_doc_new_take(DcNode *root);
const DcNode *dc_doc_root(const domcaps_doc *doc);
