/* Checking a libvirt domain definition against a domain capabilities
 * document: every value the definition asks for that the document does not
 * offer becomes one domcaps_problem. What is checked is one table
 * (check.c: dc_check_rules), from the domain element to the capability
 * element and enum that allows it. */
#pragma once
#include "domcaps.h"
#include "util/node.h"

/* The problems of @domain (a <domain> tree) against @caps (a
 * <domainCapabilities> tree), in document order. */
GPtrArray *dc_check(const DcNode *caps, const DcNode *domain);

/* What a domain definition says about the capabilities it needs: each out
 * value is the domain's (owned by @domain) or NULL when it does not say. */
void dc_check_domain_query(const DcNode *domain, const char **virttype, const char **arch, const char **machine,
                           const char **emulator);

/* Does the domain's machine (possibly an alias: pc, q35, virt, pseries...)
 * name the capabilities' machine (pc-i440fx-7.2, pc-q35-7.2...)? */
gboolean dc_check_machine_matches(const char *asked, const char *offered);

/* A problem made elsewhere (the domain's query cannot be served). */
domcaps_problem *dc_problem_new(const char *location, const char *value, const char *reason);
