/* The descriptor files of a host, as libvirt's qemuInteropFetchConfigs
 * finds them: every regular file (a symlink to one included) of
 * /usr/share/qemu/firmware, /etc/qemu/firmware and, for an unprivileged
 * user, $XDG_CONFIG_HOME/qemu/firmware, by name, a later directory's file
 * winning over the same name in an earlier one. Internal to src/host. */
#pragma once
#include <glib.h>
#include "host/host.h"

typedef struct {
    char *path;                  /* host path, e.g. /etc/qemu/firmware/50-x.json */
    goffset size;                /* 0: it masks the same name below and is not read */
} DcFirmwareFile;

/* One file name and every copy of it. */
typedef struct {
    char *name;
    GPtrArray *copies;           /* DcFirmwareFile*, the winner first */
} DcFirmwareName;

typedef struct {
    GPtrArray *names;            /* DcFirmwareName*, sorted by name (strcmp: libvirt's order) */
    GPtrArray *unreadable;       /* char*: why a directory could not be listed or an
                                  * entry not stat'ed, libvirt's words */
} DcFirmwareFiles;

/* List the descriptor directories of @host (noting them, and each file, as
 * the document's dependencies). Never fails: problems go to unreadable. */
DcFirmwareFiles *dc_firmware_scan(const DcHost *host);
void dc_firmware_files_free(DcFirmwareFiles *files);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcFirmwareFiles, dc_firmware_files_free)

/* Read a descriptor file with libvirt's size limit (DC_FIRMWARE_DESC_MAX_SIZE:
 * a bigger file is DC_FIRMWARE_ERROR_TOO_LARGE). *data is NUL-terminated. */
gboolean dc_firmware_read_file(const DcHost *host, const char *path, char **data, gsize *len, GError **err);
