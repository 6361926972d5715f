/* Checking a libvirt domain definition: does it fit, as libvirt 9.0 would
 * define and start it on this host (or on the host a saved capabilities
 * document describes)? Two kinds of checks make one list of problems:
 *
 *   check.c       the document's own answers: every value the definition
 *                 asks for that the capabilities document does not offer
 *                 (one table, dc_check_rules)
 *   rules-*.c     libvirt's rules beyond the document: its validation at
 *                 define time, firmware autoselection, and the start-time
 *                 checks of the CPU and the host (SMM, MSRs, render nodes)
 *                 (one table, dc_rules in rules.c)
 *
 * Each problem is one line: the element, what it asks, why not, and what
 * would fit. */
#pragma once
#include "domcaps.h"
#include "util/node.h"
#include "host/host.h"

struct DcFacts;

/* What one check reads and where its problems go. */
typedef struct {
    const DcNode *caps;          /* the <domainCapabilities> document */
    const DcNode *domain;        /* the <domain> definition */
    const struct DcFacts *facts; /* the probe's QEMU facts; NULL against a saved document */
    const DcHost *host;          /* the host; NULL against a saved document (its host is elsewhere) */
    const char *cpu_map_dir;     /* libvirt's CPU map under the host root; NULL: not available */
    const domcaps_options *opts; /* the query the document answers (for CPU comparisons); may be NULL */
    const char *arch, *machine, *virttype; /* the document's */
    GPtrArray *out;              /* domcaps_problem */
    GHashTable *order;           /* domain node -> document position */
    GHashTable *positions;       /* domain node -> position among same-named siblings (check.c) */
    GHashTable *parents;         /* domain node -> its parent */
} DcCheckCtx;

/* The problems of @domain against the context's document and host, in
 * document order. @ctx's caps, domain and optional members are set by the
 * caller; the rest is filled here. */
GPtrArray *dc_check_ctx(DcCheckCtx *ctx);

/* The same with only a document (no host, no facts). */
GPtrArray *dc_check(const DcNode *caps, const DcNode *domain);

/* One problem of the element @where (located at @loc, asking @value):
 * @reason says why not; @fits (NULL-terminated, may be NULL) what would,
 * printed as "(allowed: ...)" when @enum_list, else "(would fit: ...)". */
void dc_check_report(DcCheckCtx *ctx, const DcNode *where, const char *loc, const char *value,
                     const char *const *fits, gboolean enum_list, const char *fmt, ...) G_GNUC_PRINTF(7, 8);

/* What a domain definition says about the capabilities it needs: each out
 * value is the domain's (owned by @domain) or NULL when it does not say. */
void dc_check_domain_query(const DcNode *domain, const char **virttype, const char **arch, const char **machine,
                           const char **emulator);

/* Make @domain say @virttype, @arch, @machine, @emulator (each when not
 * NULL): the probe options override what the definition asks. */
void dc_check_domain_override(DcNode *domain, const char *virttype, const char *arch, const char *machine,
                              const char *emulator);

/* Does the domain's machine (possibly an alias: pc, q35, virt, pseries...)
 * name the capabilities' machine (pc-i440fx-7.2, pc-q35-7.2...)? */
gboolean dc_check_machine_matches(const char *asked, const char *offered);

/* A problem made elsewhere (the domain's query cannot be served). */
domcaps_problem *dc_problem_new(const char *location, const char *value, const char *reason);
