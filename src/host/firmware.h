/* Firmware on the host: QEMU firmware interop descriptors
 * (QEMU docs/interop/firmware.json) and the <os> section of domain
 * capabilities that libvirt 9.0 derives from them.
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
} DcFirmwareErrorCode;

/* Largest descriptor libvirt reads; a bigger file is an error. */
#define DC_FIRMWARE_DESC_MAX_SIZE (1024 * 1024)

/* ---- one descriptor ---------------------------------------------------- */

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
} DcFirmwareFeature;

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
    /* device == KERNEL or MEMORY; may be NULL (libvirt tolerates a missing one) */
    char *filename;
    GPtrArray *targets;          /* DcFirmwareTarget* */
    guint features;              /* DcFirmwareFeature bits; unknown names ignored */
} DcFirmwareDesc;

/* Parse one descriptor the way libvirt 9.0 does (its JSON reader is yajl:
 * strict JSON, duplicate keys rejected, text after the first NUL ignored).
 * Never crashes on hostile input; returns NULL with err set when libvirt
 * would refuse the file. */
DcFirmwareDesc *dc_firmware_desc_parse(const char *data, gsize len, GError **err);
void dc_firmware_desc_free(DcFirmwareDesc *desc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcFirmwareDesc, dc_firmware_desc_free)

/* The path of the image a descriptor offers as a loader (flash executable or
 * memory filename), NULL for kernel mappings or a memory mapping without one. */
const char *dc_firmware_desc_loader_path(const DcFirmwareDesc *desc);

/* Whether a descriptor's targets cover this libvirt arch and machine. */
gboolean dc_firmware_desc_matches(const DcFirmwareDesc *desc, const char *arch, const char *machine);

/* Every usable descriptor, in the order libvirt's autoselection tries them:
 * by file name across the directories, the highest-priority copy of each
 * name, masked and broken ones left out. GPtrArray of DcFirmwareFound. */
typedef struct {
    char *path;
    DcFirmwareDesc *desc;
} DcFirmwareFound;
GPtrArray *dc_firmware_descriptors(const DcHost *host);

/* ---- the <os> section ------------------------------------------------------ */

/* libvirt's compiled-in CODE:VARS list (Debian's build), consulted only when
 * no matching descriptor offers a loader image. */
typedef struct {
    const char *code;
    const char *vars;
} DcFirmwarePair;
extern const DcFirmwarePair dc_firmware_default_loaders[];
extern const gsize dc_firmware_n_default_loaders;

/* What <os> prints. Enum value lists are NULL-terminated arrays of static
 * strings, already in the order libvirt prints them. */
typedef struct {
    gboolean supported;              /* <os supported='yes'> */
    const char *firmware[3];         /* <enum name='firmware'>: "bios", "efi" */
    struct {
        gboolean supported;          /* <loader supported='yes'> */
        GPtrArray *values;           /* char*: <value> paths, in order */
        const char *type[3];         /* "rom", "pflash" */
        const char *readonly[3];     /* "yes", "no" */
        const char *secure[3];       /* "yes", "no" */
    } loader;

    /* Diagnostics, not printed. */
    gboolean used_default_loaders;   /* values came from dc_firmware_default_loaders */
    GPtrArray *problems;             /* char*: files skipped because they are broken */
    /* Non-NULL when libvirt 9.0 itself would fail the whole domcapabilities
     * call (it aborts on any unreadable or unparseable descriptor, even one
     * for another arch). The fields above are still filled as if the broken
     * files were absent; the caller decides whether to mimic the failure. */
    char *libvirt_error;
} DcOsCaps;

/* Fill @out (which is overwritten; release with dc_os_caps_clear()) for the
 * libvirt arch name @arch and resolved machine type @machine. Broken
 * descriptor files never make this fail: they are skipped and recorded in
 * out->problems / out->libvirt_error. Returns FALSE only on bad arguments. */
gboolean dc_firmware_os_caps(const DcHost *host, const char *arch, const char *machine,
                             DcOsCaps *out, GError **err);
void dc_os_caps_clear(DcOsCaps *caps);

/* One human-readable line per descriptor file considered, in the order
 * libvirt considers them (sorted by file name; a name's shadowed copies follow
 * it), saying whether it was taken or skipped and why; then one line on where
 * the loader values came from. Returns a GPtrArray of char* (free with
 * g_ptr_array_unref). */
GPtrArray *dc_firmware_explain(const DcHost *host, const char *arch, const char *machine);
