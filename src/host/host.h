/* Host facts: every host path domcaps reads goes through one root directory,
 * so a fixture tree can stand in for a whole host in tests. */
#pragma once
#include <glib.h>

/* What a query notes while it reads the host: the files its answer depends
 * on (host/deps.h) and the slow answers it may remember (a cache entry's
 * memo). Kept apart from the host, which does not change once made. */
typedef struct {
    GHashTable *deps;          /* paths read while noting dependencies, NULL when not */
    struct json_object *memo;  /* where slow answers may be remembered, may be NULL */
    gboolean memo_changed;     /* set when memo gained an answer */
} DcHostNotes;

/* Answers that cost time, made on first use and kept with the host. */
typedef struct DcHostLazy DcHostLazy;

typedef struct {
    char *root;              /* "/" on a real host, a fixture dir in tests */
    char *xdg_config_home;   /* user config dir (e.g. ~/.config), NULL when privileged */
    gboolean privileged;     /* root: read /etc and /usr only, like libvirt's system daemon */
    char *arch;              /* libvirt's name of the host's arch (dc_host_arch) */
    DcHostNotes *notes;      /* what reading the host notes (owned) */
    DcHostLazy *lazy;        /* answers made on first use (owned) */
} DcHost;

DcHost *dc_host_new(const char *root, gboolean privileged, const char *xdg_config_home);
void dc_host_free(DcHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcHost, dc_host_free)

/* Map an absolute host path ("/usr/share/qemu/firmware") to where it lives under the root. */
char *dc_host_path(const DcHost *host, const char *abs_path);

/* libvirt's name for the host CPU architecture ("x86_64", "i686", "aarch64"...):
 * <root>/proc/sys/kernel/arch when readable (so fixture trees can say), else uname. */
const char *dc_host_arch(const DcHost *host);

/* Where distributions install QEMU's loadable modules (qxl, usb-redir,
 * ui-sdl...), NULL-terminated: installing one changes what QEMU reports
 * and runs without touching the binary. */
extern const char *const dc_qemu_module_dirs[];

/* Small helpers that all go through dc_host_path(). */
gboolean dc_host_exists(const DcHost *host, const char *abs_path);
gboolean dc_host_read_file(const DcHost *host, const char *abs_path, char **contents, gsize *len, GError **err);

/* Where a fixture tree states host facts that have no file on a real host
 * (CPUID leaves): <root>/.domcaps/. Read only when the root is not "/". */
#define DC_HOST_FIXTURE_DIR "/.domcaps"

/* The rows of a fixture's table <root>/.domcaps/@name: one a line, fields
 * separated by blanks, only those with @n_fields fields (GStrv each); NULL
 * when the fixture has no such file. */
GPtrArray *dc_host_fixture_rows(const DcHost *host, const char *name, guint n_fields);

/* CPUID leaf @leaf, sub-leaf @sub: the instruction on a real x86 host;
 * under a fixture root, the line "LEAF EAX EBX ECX EDX" (hex; "LEAF:SUB"
 * for a sub-leaf other than 0) of <root>/.domcaps/cpuid. FALSE when
 * unknown. */
gboolean dc_host_cpuid_count(const DcHost *host, guint32 leaf, guint32 sub, guint32 regs[4]);
/* The same for sub-leaf 0. */
gboolean dc_host_cpuid(const DcHost *host, guint32 leaf, guint32 regs[4]);

/* Physical address bits of the host CPU ("address sizes : N bits physical"
 * in /proc/cpuinfo), 0 when not stated. */
guint dc_host_phys_addr_bits(const DcHost *host);

/* The processor version register of a POWER host ("revision : 2.0 (pvr 004d
 * 0200)" in /proc/cpuinfo), 0 when not stated. */
guint32 dc_host_ppc64_pvr(const DcHost *host);

/* An executable named @name in the host's binary directories ($PATH on a real
 * host, /usr/local/bin, /usr/bin, /bin, /usr/sbin), as its path under the root,
 * or NULL. */
char *dc_host_find_program(const DcHost *host, const char *name);

/* The host has an IOMMU: /sys/kernel/iommu_groups lists a group (or
 * /sys/class/iommu a unit). */
gboolean dc_host_has_iommu(const DcHost *host);

/* swtpm installed (swtpm, swtpm_setup and swtpm_ioctl, as libvirt requires)
 * and the TPM versions `swtpm_setup --print-capabilities` reports: bit 0 for
 * 1.2, bit 1 for 2.0. FALSE when swtpm is not installed. Running swtpm_setup
 * costs milliseconds, so its answer is remembered (in the process and in
 * host->memo) under the identity of the three programs, and asked again only
 * when one of them changes. */
gboolean dc_host_swtpm(const DcHost *host, guint *versions);

/* Ask swtpm in the background (it costs ~10 ms), while QEMU is probed: the
 * answer lands in the process-wide memory dc_host_swtpm() reads first. Once
 * per process. The caller joins the thread (NULL when none was started). */
GThread *dc_host_swtpm_prefetch(const DcHost *host);
