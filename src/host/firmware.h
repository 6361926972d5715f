/* Firmware on the host: QEMU firmware interop descriptors
 * (QEMU docs/interop/firmware.json), read and matched to a query as a
 * libvirt release does, giving one verdict per descriptor file. The <os>
 * section (caps/os.c) and the explanation of --explain-firmware are both
 * written from those verdicts.
 *
 *   firmware-json.c   the JSON text, through the release's library
 *   firmware-desc.c   the descriptor structure libvirt requires
 *   firmware-scan.c   the directories: shadowing, masking, reading
 *   firmware.c        matching the query: the verdicts and the loaders
 *
 * Everything here reads the host through DcHost (src/host/host.h), so a
 * fixture tree can stand in for /usr/share/qemu/firmware, /etc/qemu/firmware,
 * the user's $XDG_CONFIG_HOME/qemu/firmware and the firmware images. */
#pragma once
#include <glib.h>
#include "host/host.h"

#define DC_FIRMWARE_ERROR (dc_firmware_error_quark())
GQuark dc_firmware_error_quark(void);

typedef enum {
    DC_FIRMWARE_ERROR_PARSE,     /* not a usable descriptor */
    DC_FIRMWARE_ERROR_TOO_LARGE, /* over the 1 MiB descriptor limit */
    DC_FIRMWARE_ERROR_INVALID_ARGUMENT,
    DC_FIRMWARE_ERROR_UNREADABLE, /* a descriptor directory or entry libvirt cannot read */
} DcFirmwareErrorCode;

/* Largest descriptor libvirt reads; a bigger file is an error. */
#define DC_FIRMWARE_DESC_MAX_SIZE (1024 * 1024)

/* ---- one descriptor (firmware-desc.c) ---------------------------------- */

typedef enum {
    DC_FW_IFACE_BIOS = 1 << 0,
    DC_FW_IFACE_OPENFIRMWARE = 1 << 1,
    DC_FW_IFACE_UBOOT = 1 << 2,
    DC_FW_IFACE_UEFI = 1 << 3,
} DcFirmwareInterface;

typedef enum {
    DC_FW_DEVICE_FLASH = 1,
    DC_FW_DEVICE_KERNEL,
    DC_FW_DEVICE_MEMORY,
} DcFirmwareDevice;

typedef enum {
    DC_FW_FLASH_SPLIT = 0,   /* default when "mode" is absent */
    DC_FW_FLASH_COMBINED,
    DC_FW_FLASH_STATELESS,
} DcFirmwareFlashMode;

typedef enum {
    DC_FW_FEATURE_ACPI_S3 = 1 << 0,
    DC_FW_FEATURE_ACPI_S4 = 1 << 1,
    DC_FW_FEATURE_AMD_SEV = 1 << 2,
    DC_FW_FEATURE_AMD_SEV_ES = 1 << 3,
    DC_FW_FEATURE_ENROLLED_KEYS = 1 << 4,
    DC_FW_FEATURE_REQUIRES_SMM = 1 << 5,
    DC_FW_FEATURE_SECURE_BOOT = 1 << 6,
    DC_FW_FEATURE_VERBOSE_DYNAMIC = 1 << 7,
    DC_FW_FEATURE_VERBOSE_STATIC = 1 << 8,
    DC_FW_FEATURE_HOST_UEFI_VARS = 1 << 9,   /* variables kept by QEMU's uefi-vars device */
} DcFirmwareFeature;

/* Whether some taken descriptor has a feature (YES) and some lacks it (NO):
 * libvirt's <firmwareFeatures> enums. */
typedef enum {
    DC_FW_SEEN_YES = 1 << 0,
    DC_FW_SEEN_NO = 1 << 1,
} DcFirmwareSeen;

typedef struct {
    char *filename;
    char *format;                /* "raw", "qcow2", ... taken as written */
} DcFirmwareFlashFile;

typedef struct {
    char *arch;                  /* libvirt arch name: QEMU's i386/arm/or32 are
                                  * stored as i686/armv7l/openrisc */
    GPtrArray *machines;         /* char*: glob patterns ('*' and '?');
                                  * non-string JSON entries are dropped */
} DcFirmwareTarget;

typedef struct {
    guint interfaces;            /* DcFirmwareInterface bits */
    DcFirmwareDevice device;
    /* device == FLASH */
    DcFirmwareFlashMode mode;
    DcFirmwareFlashFile executable;
    DcFirmwareFlashFile nvram_template;  /* NULL members unless mode is split */
    /* device == KERNEL or MEMORY; NULL only where the release tolerates a
     * missing one (DC_BEHAVIOUR_FIRMWARE_FILENAME_REQUIRED) */
    char *filename;
    GPtrArray *targets;          /* DcFirmwareTarget* */
    guint features;              /* DcFirmwareFeature bits; unknown names ignored */
} DcFirmwareDesc;

/* Parse one descriptor as libvirt @release (format/releases.h) does: its
 * JSON with the library that release reads it with (firmware-json.h), then
 * the structure qemu_firmware.c requires. @data is cut at its first NUL
 * byte, as libvirt reads a C string. Never crashes on hostile input;
 * returns NULL with @err set when that release refuses the file. */
DcFirmwareDesc *dc_firmware_desc_parse(const char *data, gsize len, guint release, GError **err);
void dc_firmware_desc_free(DcFirmwareDesc *desc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcFirmwareDesc, dc_firmware_desc_free)

/* The path of the image a descriptor offers as a loader (flash executable or
 * memory filename), NULL for kernel mappings or a memory mapping without one. */
const char *dc_firmware_desc_loader_path(const DcFirmwareDesc *desc);

/* Whether a descriptor's targets cover this libvirt arch and machine. */
gboolean dc_firmware_desc_matches(const DcFirmwareDesc *desc, const char *arch, const char *machine);

/* The descriptor names of DcFirmwareInterface or DcFirmwareFeature bits,
 * comma-separated in libvirt's enum order, "none" for no bits. */
char *dc_firmware_interface_names(guint interfaces);
char *dc_firmware_feature_names(guint features);

/* ---- the verdicts of one query (firmware.c) ------------------------------ */

/* What became of one descriptor file, in libvirt's terms. */
typedef enum {
    DC_FW_TAKEN,           /* parsed and matching: it counts for <os> */
    DC_FW_WRONG_ARCH,      /* no target for the query's arch */
    DC_FW_WRONG_MACHINE,   /* a target for the arch, but no machine pattern matches */
    DC_FW_BROKEN,          /* unreadable, or refused by the release's reader */
    DC_FW_EMPTY,           /* an empty file: masks the same name below, offers nothing */
    DC_FW_SHADOWED,        /* a same-named file higher up is used instead */
    DC_FW_MASKED,          /* a same-named empty file higher up hides it */
} DcFirmwareOutcome;

/* What became of the loader image of a taken descriptor. */
typedef enum {
    DC_FW_LOADER_NONE,       /* it offers none (kernel mapping, memory without filename) */
    DC_FW_LOADER_LISTED,     /* its image is a loader value */
    DC_FW_LOADER_REPEATED,   /* an earlier descriptor offered the same image */
    DC_FW_LOADER_MISSING,    /* offered, but the image does not exist */
} DcFirmwareLoaderUse;

typedef struct {
    char *path;                  /* the descriptor file (host path) */
    DcFirmwareOutcome outcome;
    DcFirmwareDesc *desc;        /* TAKEN, WRONG_ARCH, WRONG_MACHINE: the descriptor */
    GError *problem;             /* BROKEN: why the release refuses it (DC_FIRMWARE_ERROR,
                                  * or G_FILE_ERROR when it cannot be read) */
    gboolean fails_query;        /* BROKEN: the release fails the whole query on it */
    char *hidden_by;             /* SHADOWED, MASKED: the file that wins */
    gboolean masks_others;       /* EMPTY: same-named files below exist */
    DcFirmwareLoaderUse loader;  /* TAKEN: its loader image */
} DcFirmwareVerdict;

/* One candidate loader value: an image offered by a taken descriptor or,
 * when none offers one, an entry of libvirt's built-in list. Listed when
 * the image exists. */
typedef struct {
    char *path;
    gboolean exists;
} DcFirmwareLoader;

typedef struct {
    guint release;               /* the libvirt release read as */
    GPtrArray *verdicts;         /* DcFirmwareVerdict*, in libvirt's order: by file
                                  * name, each name's shadowed copies after it */
    GPtrArray *unreadable;       /* char*: descriptor directories or entries libvirt
                                  * cannot list or stat (every release fails on these) */
    /* What the taken descriptors give together. */
    guint interfaces;            /* DcFirmwareInterface bits */
    gboolean requires_smm;       /* one of them requires SMM (libvirt's secure loader) */
    guint secure_boot;           /* DcFirmwareSeen bits of secure-boot */
    guint enrolled_keys;         /* DcFirmwareSeen bits of enrolled-keys */
    gboolean host_uefi_vars;     /* one of them keeps its variables in QEMU (host-uefi-vars) */
    GPtrArray *loaders;          /* DcFirmwareLoader*, unique, in order */
    gboolean builtin_loaders;    /* no taken descriptor offers an image: the
                                  * loaders are libvirt's built-in list */
    /* Non-NULL when libvirt @release fails the whole domcapabilities query
     * instead, with this error: on the first unreadable entry (UNREADABLE),
     * or in releases before DC_BEHAVIOUR_BROKEN_FIRMWARE_SKIPPED on the
     * first broken descriptor (PARSE, TOO_LARGE, a G_FILE_ERROR), even one
     * for another arch. The rest is filled as if the release carried on. */
    GError *fatal;
} DcFirmwareVerdicts;

/* The verdicts of every descriptor file the host has for the libvirt arch
 * name @arch and resolved machine type @machine, read as libvirt @release.
 * Broken files never make this fail (see fatal). Returns NULL with @err set
 * only on bad arguments. */
DcFirmwareVerdicts *dc_firmware_verdicts(const DcHost *host, const char *arch, const char *machine,
                                         guint release, GError **err);
void dc_firmware_verdicts_free(DcFirmwareVerdicts *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcFirmwareVerdicts, dc_firmware_verdicts_free)

/* Every usable descriptor, in the order libvirt's autoselection tries them:
 * by file name across the directories, the highest-priority copy of each
 * name, masked and broken ones left out, read as libvirt @release reads
 * them. GPtrArray of DcFirmwareFound. */
typedef struct {
    char *path;
    DcFirmwareDesc *desc;
} DcFirmwareFound;
GPtrArray *dc_firmware_descriptors(const DcHost *host, guint release);

/* libvirt's compiled-in CODE:VARS list (Debian's build), consulted only when
 * no taken descriptor offers a loader image. */
typedef struct {
    const char *code;
    const char *vars;
} DcFirmwarePair;
extern const DcFirmwarePair dc_firmware_default_loaders[];
extern const gsize dc_firmware_n_default_loaders;
