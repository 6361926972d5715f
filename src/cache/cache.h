/* Persistent cache of probe results (facts), one file per emulator.
 *
 * An entry is {"domcaps-cache": N, "key": {...}, "facts": {...}}. The key
 * holds everything that can change what QEMU answers: the binary's identity
 * (path, size, mtime, ctime, inode, device), QEMU's module directory, /dev/kvm
 * presence and access (for the user QEMU runs as, whose uid it names), the kernel release, the
 * host CPU signature and microcode, and domcaps' facts format. Host facts read at assembly time
 * (firmware descriptors, VFIO, swtpm) are never cached, so they are always
 * current. Writes go to a temporary file renamed into place; a corrupt,
 * foreign, symlinked or stale entry is ignored and replaced, never trusted. */
#pragma once
#include "host/host.h"
#include "qmp/qmp.h"
#include <json-c/json.h>
#include <sys/stat.h>

#define DC_CACHE_FORMAT 1

/* The key of an emulator as things are now. emulator_path is where the
 * binary is read (already under the host root); `as` is who QEMU runs as
 * (--user), NULL for the caller: its access to /dev/kvm is part of the key,
 * since a probe that cannot open it learns nothing of KVM. Returns NULL when
 * the binary cannot be stat'ed. */
json_object *dc_cache_key_new(const DcHost *host, const char *emulator, const char *emulator_path,
                              const DcQmpCreds *as);

/* Is this file name one dc_cache_entry_path() makes? */
gboolean dc_cache_is_entry_name(const char *name);

/* The entry file for an emulator inside dir. */
char *dc_cache_entry_path(const char *dir, const char *emulator);

/* Load facts if the entry exists and its key equals `key`. On a miss,
 * returns NULL and, when `why` is given, a short reason ("no entry",
 * "binary changed (mtime)", "corrupt entry"...). */
json_object *dc_cache_load(const char *dir, const char *emulator, json_object *key, char **why);

/* Store facts under key. Creates dir. Atomic; returns FALSE with err when the
 * entry cannot be written (callers go on without a cache). */
gboolean dc_cache_store(const char *dir, const char *emulator, json_object *key, json_object *facts, GError **err);

/* Compare a stored key with the current one: NULL when equal, else the
 * first differing field's description (caller frees). */
char *dc_cache_key_diff(json_object *stored, json_object *current);

/* Read an entry file (of this cache or its documents, cache/docmemo.h)
 * without following a symlink, refusing anything but a regular file of a
 * plausible size, and one another user could have written (its reason
 * then starts with DC_CACHE_UNTRUSTED). NULL with a short reason in *why. */
#define DC_CACHE_UNTRUSTED "untrusted: "
char *dc_cache_read_entry(const char *path, gsize *len, char **why);

/* Take the probe lock of @emulator's entry in @dir (a lock file beside
 * it, flock()), waiting up to @timeout_ms for a query that holds it, so
 * that concurrent queries of one binary, in any process, probe it once.
 * Returns the descriptor holding the lock (close() releases it; so does the
 * holder's death), or -1: no lock could be made (a read-only directory) or
 * the holder kept it past the deadline: the caller probes all the same. */
int dc_cache_lock(const char *dir, const char *emulator, int timeout_ms);

/* Trust (cache/trust.c): why a cache directory, or an entry file (its
 * fstat() and path), may hold what another user wrote, NULL when only the
 * caller or root can have written it. A directory must be owned by the
 * caller or root and writable by no one else, its parents likewise or
 * sticky; an entry likewise. Such a directory is neither read nor written;
 * such an entry is not read. */
char *dc_cache_dir_untrusted(const char *dir);
char *dc_cache_file_untrusted(const struct stat *st, const char *path);

/* Default directory: $XDG_CACHE_HOME/domcaps for users, /var/cache/domcaps for root. */
char *dc_cache_default_dir(void);
