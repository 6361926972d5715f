/* Output format levels: which libvirt release first printed each part of the
 * domain capabilities document. domcaps assembles the newest document and
 * then, when pinned to an older release (--schema 9.0), drops what that
 * release did not print and keeps its older behaviours. The table in
 * releases.c is the one place that says what came when. */
#pragma once
#include <glib.h>
#include "util/node.h"

/* A release as major * 1000 + minor: 9000 is libvirt 9.0. The releases
 * domcaps reproduces are these (releases.c lists them for --schema; a unit
 * test holds DOMCAPS_SCHEMAS and DOMCAPS_LIBVIRT_VERSION to it). */
#define DC_RELEASE_9_0 9000
#define DC_RELEASE_11_3 11003
#define DC_RELEASE_12_9 12009
#define DC_RELEASE_NEWEST DC_RELEASE_12_9

/* Behaviours that changed between releases without a path of their own
 * in the document; releases.c gives the release each came with. */
typedef enum {
    DC_BEHAVIOUR_NONE,                   /* no behaviour: every release (0, a table's default) */
    DC_BEHAVIOUR_SORTED_CPU_MODELS,      /* custom models sorted by name */
    DC_BEHAVIOUR_S390_MODEL_VENDOR,      /* s390 models z* and gen* have vendor IBM */
    DC_BEHAVIOUR_BACKUP_ALWAYS,          /* backup needs no QEMU feature */
    DC_BEHAVIOUR_IOTHREADS_ALWAYS,       /* iothreads needs no QEMU object */
    DC_BEHAVIOUR_BROKEN_FIRMWARE_SKIPPED,/* a broken descriptor is skipped, not an error */
    DC_BEHAVIOUR_FIRMWARE_FILENAME_REQUIRED,/* a kernel or memory mapping without filename is broken */
    DC_BEHAVIOUR_JSON_C_READER,          /* descriptors are read with json-c, not yajl */
    DC_BEHAVIOUR_QEMU_6_2_REQUIRED,      /* QEMU older than 6.2 is refused (before: 4.2) */
    DC_BEHAVIOUR_SEV_SNP,                /* sev-snp-guest alone makes SEV supported */
    DC_BEHAVIOUR_FLOPPY_BY_BUS,          /* floppy and fdc where the machine has a floppy bus */
    DC_BEHAVIOUR_S390_PV_EVERY_ARCH,     /* <s390-pv> printed for every arch, not only s390 */
    DC_BEHAVIOUR_SORTED_HOST_MODEL,      /* host-model features sorted by name */
    DC_BEHAVIOUR_TPM_FROM_TYPES,         /* TPM models and back ends from QOM types, not query-tpm-* */
    DC_BEHAVIOUR_USB_BOT_DISK,           /* usb-bot alone gives the usb disk bus */
    DC_BEHAVIOUR_LAST
} DcBehaviour;

/* "9.0", "11.3", "9.0.0", "latest"/"newest"/NULL (the newest): the releases
 * whose output domcaps reproduces. 0 with @err set for anything else. */
guint dc_release_parse(const char *text, GError **err);

/* "9.0" */
char *dc_release_name(guint release);

/* The releases --schema accepts, newest first, NULL-terminated. */
const char *const *dc_release_supported(void);

/* Whether @release behaves so. */
gboolean dc_release_behaves(guint release, DcBehaviour behaviour);

/* The release that first printed a path of the table ("devices/crypto"),
 * 0 when the table does not name it (then it has always been printed). */
guint dc_release_path_since(const char *path);

/* Drop from the tree every element, attribute and enum value that
 * @release did not print. */
void dc_release_prune(DcNode *root, guint release);

/* How many places of the tree a path of the table names. */
guint dc_release_path_count(const DcNode *root, const char *path);

/* For the unit test of the table: its paths, NULL-terminated. */
const char *const *dc_release_paths(void);

/* The release a libvirt of @version (MAJOR * 1000000 + MINOR * 1000 +
 * MICRO) prints: the newest of dc_release_supported() at or below it, the
 * oldest for a libvirt older than all of them. */
guint dc_release_for_libvirt(guint version);
