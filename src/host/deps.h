/* Host dependencies of an answer: which host files a document was built
 * from, so that a remembered document can be checked against the host as
 * it is now (cache/docmemo.h). While the host's notes hold deps, every read of the
 * host through DcHost (and the firmware scanner) notes its path here.
 *
 * What a path's identity is depends on what it is: a regular file or a
 * directory is known by its stat (type, mode, size, mtime, ctime, inode:
 * an edit, a replacement or an added or removed directory entry changes
 * it), a missing path by its absence; a kernel file (/proc, /sys) has no
 * meaningful time stamps, so it is known by its content, and a kernel
 * directory by its list of names. /proc/cpuinfo and the host CPU's
 * registers are not noted: the facts' cache key already holds the CPU's
 * signature and microcode, and the kernel release. */
#pragma once
#include "host/host.h"
#include <json-c/json.h>

typedef enum {
    DC_DEP_EXISTS,   /* stat, or absence */
    DC_DEP_READ,     /* content read */
    DC_DEP_LIST,     /* directory listed */
} DcDepKind;

/* Note that the answer depends on abs_path (a host path, before the root). */
void dc_host_depend(const DcHost *host, const char *abs_path, DcDepKind kind);

/* Start noting (a new, empty set) / stop and return what was noted as
 * {"real path": "identity"} (NULL if not noting). */
void dc_host_deps_begin(const DcHost *host);
json_object *dc_host_deps_end(const DcHost *host);

/* Add a file outside the host root (a cache entry the answer was built
 * from) to a snapshot, known by its stat. */
void dc_deps_add_file(json_object *snapshot, const char *real_path);

/* Whether every path of a snapshot from dc_host_deps_end() still has the
 * same identity. */
gboolean dc_deps_still_hold(json_object *snapshot);
