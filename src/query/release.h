/* Which libvirt release's document a query prints, and why: the one asked
 * for (--schema, $DOMCAPS_SCHEMA), else the release of the libvirt
 * installed on the host (what its own `virsh domcapabilities` prints), else
 * the newest domcaps holds. */
#pragma once
#include "host/host.h"

/* @schema: as domcaps_options.schema (NULL or "" when not asked). Returns
 * the release (format/releases.h) and in @why (may be NULL) one line that
 * says why; 0 with @err (G_OPTION_ERROR) for a schema domcaps does not hold. */
guint dc_release_choose(const char *schema, const DcHost *host, char **why, GError **err);
