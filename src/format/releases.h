/* Output format levels: which libvirt release first printed each part of the
 * domain capabilities document. domcaps assembles the newest document and
 * then, when pinned to an older release (--schema 9.0), drops what that
 * release did not print and keeps its older behaviours. The table in
 * releases.c is the one place that says what came when. */
#pragma once
#include <glib.h>
#include "util/node.h"

/* A release as major * 1000 + minor: 9000 is libvirt 9.0. */
#define DC_RELEASE_9_0 9000
#define DC_RELEASE_11_3 11003
#define DC_RELEASE_NEWEST DC_RELEASE_11_3

/* "9.0", "11.3", "9.0.0", "latest"/"newest"/NULL (the newest): the releases
 * whose output domcaps reproduces. 0 with @err set for anything else. */
guint dc_release_parse(const char *text, GError **err);

/* "9.0" */
char *dc_release_name(guint release);

/* The releases --schema accepts, newest first, NULL-terminated. */
const char *const *dc_release_supported(void);

/* Whether @release prints @what: a path of the table ("devices/crypto",
 * "cpu/mode/model/@canonical") or a behaviour ("~sorted-cpu-models").
 * Anything the table does not name has always been there. */
gboolean dc_release_has(guint release, const char *what);

/* Drop from the tree every element, attribute and enum value that
 * @release did not print. */
void dc_release_prune(DcNode *root, guint release);
