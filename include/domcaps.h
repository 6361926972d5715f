/* domcaps: what can this hypervisor do, on this host, right now?
 *
 * Probe a QEMU binary over QMP, add the host's facts, and get the domain
 * capabilities document libvirt's `virsh domcapabilities` prints, as XML or
 * JSON, without a daemon.
 *
 * Errors are returned as GError in the DOMCAPS_ERROR domain; the library
 * never prints and never exits. Objects are created by _get/_new and
 * released by _free.
 */
#ifndef DOMCAPS_H
#define DOMCAPS_H

#include <glib.h>

G_BEGIN_DECLS

#define DOMCAPS_OPTIONS_VERSION 1

/* How the persistent probe cache is used. */
typedef enum {
    DOMCAPS_CACHE_USE = 0,     /* answer from a valid entry, probe and store otherwise */
    DOMCAPS_CACHE_OFF,         /* neither read nor write */
    DOMCAPS_CACHE_REFRESH,     /* probe again and replace the entry */
} domcaps_cache_mode;

/* What to ask. Initialise with DOMCAPS_OPTIONS_INIT and set what you need;
 * NULL fields take the defaults described per field. */
typedef struct {
    unsigned int version;      /* DOMCAPS_OPTIONS_VERSION */
    const char *emulator;      /* QEMU binary; NULL: found from arch */
    const char *arch;          /* libvirt arch name; NULL: the emulator's, else the host's */
    const char *machine;       /* machine type or alias; NULL: the emulator's preferred one */
    const char *virttype;      /* "kvm" or "qemu"; NULL: kvm when usable, else qemu */
    const char *root;          /* host root directory for every host fact; NULL: "/" */
    const char *replay;        /* answer QMP from this transcript instead of running QEMU */
    const char *record;        /* write the QMP exchange to this transcript file */
    const char *cpu_map_dir;   /* libvirt CPU map; NULL: /usr/share/libvirt/cpu_map */
    int timeout_ms;            /* whole probe deadline; 0: 30000 */
    const char *cache_dir;     /* NULL: $XDG_CACHE_HOME/domcaps, or /var/cache/domcaps for root */
    domcaps_cache_mode cache;  /* DOMCAPS_CACHE_USE by default */
    const char *user;          /* when running as root, run QEMU as this user (name or uid, its
                                  groups plus /dev/kvm's); NULL: as the caller (docs/security.md) */
    const char *schema;        /* print as this libvirt release did: "12.9", "11.3" or "9.0"
                                  (DOMCAPS_SCHEMAS), "latest" for the newest; NULL: the release of
                                  the libvirt installed under root, else the newest
                                  (domcaps_schema_chosen()) */
    unsigned int flags;        /* domcaps_get_flags: what to change in the host-model CPU */
} domcaps_options;

#define DOMCAPS_OPTIONS_INIT { DOMCAPS_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, DOMCAPS_CACHE_USE, NULL, NULL, 0 }

/* The libvirt releases whose output format domcaps_options.schema can pin,
 * newest first. */
#define DOMCAPS_SCHEMAS "12.9, 11.3, 9.0"

/* domcaps_options.flags, libvirt's virConnectGetDomainCapabilitiesFlags
 * (same values, same meaning as in libvirt's documentation; newer than
 * libvirt 9.0, so a document asked with any of them is no longer 9.0's). */
typedef enum {
    /* host-model: the features the hypervisor flags as deprecated for the
     * model (QEMU's "deprecated-props") are added with policy 'disable' */
    DOMCAPS_GET_DISABLE_DEPRECATED_FEATURES = 1 << 0,
    /* host-model: every feature the model implies is listed too (policy
     * 'require'), not only those on top of it (x86) */
    DOMCAPS_GET_EXPAND_CPU_FEATURES = 1 << 1,
    /* host-model: features the host supports but host-model does not enable
     * by default (IA32_ARCH_CAPABILITIES bits QEMU >= 10.1 masks) are added */
    DOMCAPS_GET_SUPPORTED_CPU_FEATURES = 1 << 2,
} domcaps_get_flags;

/* The domain capabilities of one emulator/arch/machine/virttype. */
typedef struct domcaps_doc domcaps_doc;

/**
 * domcaps_get:
 * @opts: the query
 * @err: return location for an error
 *
 * Probe (or replay) and assemble the document.
 * Returns: (transfer full): a document to free with domcaps_doc_free(), or NULL with @err set.
 */
domcaps_doc *domcaps_get(const domcaps_options *opts, GError **err);

/* The document as libvirt's XML (newline-terminated). Free with g_free(). */
char *domcaps_doc_to_xml(const domcaps_doc *doc);

/* The same content as JSON. Free with g_free(). */
char *domcaps_doc_to_json(const domcaps_doc *doc, gboolean pretty);

/* Resolved values of the query (owned by the document). */
const char *domcaps_doc_emulator(const domcaps_doc *doc);
const char *domcaps_doc_arch(const domcaps_doc *doc);
const char *domcaps_doc_machine(const domcaps_doc *doc);
const char *domcaps_doc_virttype(const domcaps_doc *doc);
/* The libvirt release whose format the document follows ("12.9") and one
 * line saying why that one (asked for, the host's libvirt, or the newest);
 * NULL for a document read from a file. Its JSON rendering says both, as
 * "libvirt": {"release": ..., "why": ...} beside "domainCapabilities". */
const char *domcaps_doc_schema(const domcaps_doc *doc);
const char *domcaps_doc_schema_reason(const domcaps_doc *doc);

/* What a person should know of how the answer was made, one line each (no
 * newline), e.g. a probe cache that was not used because another user can
 * write it (docs/security.md). The library never prints: the CLI writes
 * each on stderr. NULL-terminated, owned by the document, empty for most. */
const char *const *domcaps_doc_warnings(const domcaps_doc *doc);

void domcaps_doc_free(domcaps_doc *doc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(domcaps_doc, domcaps_doc_free)

/* Why each firmware descriptor was taken or skipped for the document's
 * arch and machine: one line per descriptor considered, in the order libvirt
 * considers them (by file name; a name's shadowed copies follow it), then
 * where the loader values came from. @opts gives the host root and the
 * schema, whose release's way of reading descriptors is followed (may be
 * NULL: "/" and the newest). Free with g_strfreev(). */
char **domcaps_explain_firmware(const domcaps_options *opts, const domcaps_doc *doc);

/* Every qemu-system-* installed ($PATH and the directories QEMU is put in,
 * under @root: NULL for "/"), once per name, sorted by path, as the caller
 * names them. Free with g_strfreev(). */
char **domcaps_emulators(const char *root);

/* ---- Parts of a document: virsh's --xpath and --wrap ---- */

/* Flags of domcaps_xpath(). */
typedef enum {
    DOMCAPS_XPATH_WRAP = 1 << 0,   /* copies of the nodes under one <nodes> element (virsh --wrap) */
} domcaps_xpath_flags;

/**
 * domcaps_xpath:
 * @xml, @len: an XML document, e.g. domcaps_doc_to_xml()'s (@len -1: NUL-terminated);
 *   at most 8 MiB, no DOCTYPE
 * @expr: an XPath 1.0 expression; its context node is the root element
 * @flags: domcaps_xpath_flags
 * @diagnostics: (out) (optional): what libxml2 reported while it evaluated
 *   @expr, lines ending in newlines ("XPath error : Invalid expression", the
 *   expression, a caret), which virsh leaves on its standard error; NULL
 *   when nothing
 *
 * The nodes @expr selects as `virsh domcapabilities --xpath EXPR [--wrap]`
 * (libvirt 12.9) prints them: the document read with its blank text
 * dropped, and each node of the result in document order as libxml2
 * serializes it, indented anew, followed by a newline (an element whole,
 * an attribute as ` name="value"`, text as its escaped text, the document
 * node with its XML declaration); with DOMCAPS_XPATH_WRAP copies of them
 * under one <nodes> element instead (attributes become its attributes,
 * adjacent text merges), "<nodes/>" when there are none. libxml2 (loaded
 * when first needed) evaluates and serializes. An expression libxml2
 * cannot compile or evaluate selects nothing, as in virsh: the answer is
 * then "" (or "<nodes/>") and @diagnostics says why. Evaluation is
 * bounded by libxml2's operation limit.
 *
 * Returns: (transfer full): the text (free with g_free()), or NULL with
 * @err set: DOMCAPS_ERROR_INVALID_ARG when @expr is empty, when its result
 * is a number, string or boolean rather than nodes (the message is
 * virsh's: "internal error: Incorrect xpath 'EXPR'"), or with
 * DOMCAPS_XPATH_WRAP when it selects a namespace node (virsh 12.9 crashes
 * on those); DOMCAPS_ERROR_INVALID_XML when @xml cannot be read;
 * DOMCAPS_ERROR_IO when libxml2 cannot be loaded.
 */
char *domcaps_xpath(const char *xml, gssize len, const char *expr, unsigned int flags, char **diagnostics,
                    GError **err);

/* ---- The persistent probe cache ---- */

/* One entry of a cache directory. */
typedef struct {
    char *path;       /* the entry file */
    char *emulator;   /* the emulator it was probed from, NULL when unreadable */
    char *summary;    /* its key in short: QEMU version, target, accelerators probed, binary identity */
    gboolean valid;   /* a query would use it as it is */
    char *reason;     /* when not valid: what changed ("binary changed (mtime)", "corrupt entry"...) */
    gboolean trusted; /* FALSE: another user can write it or its directory (docs/security.md); a
                         query does not read it, and reason says who can */
} domcaps_cache_entry;

void domcaps_cache_entry_free(domcaps_cache_entry *entry);

/* Every entry of @cache_dir (NULL: the default directory), sorted by file
 * name, each checked against the host as it is now (@root: NULL for "/"),
 * for the user its QEMU ran as. A directory that does not exist yet is an
 * empty cache. Returns: (element-type domcaps_cache_entry): NULL with @err
 * set when the directory cannot be read. */
GPtrArray *domcaps_cache_list(const char *cache_dir, const char *root, GError **err);

/* Remove the entries of @cache_dir that are not valid (stale, corrupt, from
 * another domcaps build, for a binary that is gone), and every remembered
 * document (under docs/, rebuilt on demand); files that are not cache
 * entries are left alone. @removed (optional): the paths of both.
 * Returns: how many entries were removed, -1 with @err set on errors. */
int domcaps_cache_prune(const char *cache_dir, const char *root, GPtrArray **removed, GError **err);

/* The library's version string, e.g. "0.1.0". */
const char *domcaps_version(void);

/* The version of the output documents (XML layout and JSON mapping): it
 * changes when the same query can print differently. 3: by default, the
 * release of the libvirt installed on the host (see domcaps_options.schema). */
#define DOMCAPS_FORMAT_VERSION 3

/* The newest libvirt release whose `virsh domcapabilities` output domcaps
 * matches byte for byte: the first of DOMCAPS_SCHEMAS. */
#define DOMCAPS_LIBVIRT_VERSION "12.9.0"

/* The release a query with @opts prints ("9.0"): @opts->schema when set,
 * else the release of the libvirt installed under @opts->root (the nearest
 * one domcaps holds at or below its library's version), else the newest.
 * @why (may be NULL) gets one line saying which of these decided. @opts may
 * be NULL. Returns: (transfer full) the release, NULL with @err set
 * (DOMCAPS_ERROR_INVALID_ARG) for a schema domcaps does not hold. */
char *domcaps_schema_chosen(const domcaps_options *opts, char **why, GError **err);

#define DOMCAPS_ERROR (domcaps_error_quark())
GQuark domcaps_error_quark(void);

typedef enum {
    DOMCAPS_ERROR_INVALID_ARG,     /* an option has a value domcaps does not accept */
    DOMCAPS_ERROR_NO_EMULATOR,     /* no emulator for the arch, or the path does not exist */
    DOMCAPS_ERROR_NOT_EXECUTABLE,  /* the emulator cannot be executed */
    DOMCAPS_ERROR_NOT_QEMU,        /* it ran, but did not answer like QEMU */
    DOMCAPS_ERROR_PROBE_TIMEOUT,   /* QEMU did not answer in time */
    DOMCAPS_ERROR_PROBE_FAILED,    /* QEMU exited or failed during the probe */
    DOMCAPS_ERROR_BAD_REPLY,       /* QEMU sent something unusable */
    DOMCAPS_ERROR_ARCH_MISMATCH,   /* the emulator does not serve the requested arch */
    DOMCAPS_ERROR_UNKNOWN_MACHINE, /* the emulator has no such machine type */
    DOMCAPS_ERROR_NO_KVM,          /* KVM was requested but is not usable */
    DOMCAPS_ERROR_IO,              /* reading or writing a file failed */
    DOMCAPS_ERROR_INVALID_XML,     /* an XML input is not well-formed, not the document expected,
                                      or refused (a DOCTYPE, too large, too deeply nested) */
    DOMCAPS_ERROR_INVALID_CPU,     /* a CPU definition names an unknown model, feature or vendor, or
                                      CPUs that cannot be combined (vendors differ...) */
    DOMCAPS_ERROR_CPU_INCOMPATIBLE,/* the CPU cannot run on the hypervisor's (compare with
                                      DOMCAPS_CPU_COMPARE_FAIL_INCOMPATIBLE) */
    DOMCAPS_ERROR_UNSUPPORTED,     /* the operation is not offered for this arch or type (as libvirt),
                                      or the emulator's target is no libvirt arch */
} domcaps_error_code;

/* ---- Documents from elsewhere, domain checks, comparing hosts ----
 *
 * XML inputs are read by libxml2 (libvirt's parser) under strict rules: it
 * never touches a file or the network and knows no entity beyond XML's
 * five; a DOCTYPE is refused, as are inputs over 8 MiB, nested more than 64
 * levels, with more than 200000 elements or an element with more than 256
 * attributes (DOMCAPS_ERROR_INVALID_XML). libxml2 is loaded when XML is
 * first read; when it cannot be, that read fails with DOMCAPS_ERROR_IO. */

/* A <domainCapabilities> document (libvirt's or domcaps' XML, from any
 * host) as a document: it prints back byte for byte, and can be checked
 * against, intersected and compared. @len: -1 when NUL-terminated. */
domcaps_doc *domcaps_doc_new_from_xml(const char *data, gssize len, GError **err);
domcaps_doc *domcaps_doc_new_from_file(const char *path, GError **err);

/* The capabilities a libvirt domain definition needs: the query's NULL
 * emulator, arch, machine and virttype are the domain's (<emulator>,
 * <os><type arch machine>, <domain type>); then as domcaps_get(). */
domcaps_doc *domcaps_get_for_domain(const domcaps_options *opts, const char *domain_xml, gssize len,
                                    GError **err);

/* One value of a domain definition the capabilities do not allow. */
typedef struct {
    char *location;  /* XPath-like: "/domain/devices/video[2]/model/@type" */
    char *value;     /* what the domain asks for: "qxl" */
    char **allowed;  /* what the capabilities offer instead (may be empty) */
    char *message;   /* the whole finding as one line: "LOCATION: 'VALUE' ... (allowed: ...)" */
} domcaps_problem;

void domcaps_problem_free(domcaps_problem *problem);

/**
 * domcaps_check_domain:
 * @doc: the capabilities
 * @domain_xml, @len: a libvirt <domain> definition (@len -1: NUL-terminated)
 * @problems: (out): every value @doc does not allow, in document order
 *   (domcaps_problem, freed with the array); empty when all is supported
 *
 * Returns: FALSE with @err set when the definition cannot be read.
 */
gboolean domcaps_check_domain(const domcaps_doc *doc, const char *domain_xml, gssize len, GPtrArray **problems,
                              GError **err);

/**
 * domcaps_check_domain_as:
 * @doc: the capabilities (from any host)
 * @opts: (nullable): where its virttype, arch, machine or emulator is set,
 *   it stands for the domain's own (as the probe options do for a probe)
 *
 * domcaps_check_domain() of the domain as @opts makes it.
 * Returns: FALSE with @err set when the definition cannot be read.
 */
gboolean domcaps_check_domain_as(const domcaps_doc *doc, const domcaps_options *opts, const char *domain_xml,
                                 gssize len, GPtrArray **problems, GError **err);

/**
 * domcaps_check_domain_probe:
 * @opts: the query; its NULL emulator, arch, machine and virttype are the domain's
 * @doc: (out) (optional): the capabilities checked against, or NULL when none could be had
 *
 * Get the capabilities the domain needs (domcaps_get_for_domain()) and
 * check it against them. When the domain's own type, arch, machine or
 * emulator cannot be served here (no KVM, no such machine...), that is its
 * one problem rather than an error.
 * Returns: FALSE with @err set on errors (unreadable definition, probe failure).
 */
gboolean domcaps_check_domain_probe(const domcaps_options *opts, const char *domain_xml, gssize len,
                                    domcaps_doc **doc, GPtrArray **problems, GError **err);

/* What every one of @docs allows, safe to migrate across them, as a
 * document: enums and lists intersected, supported and-ed, vcpu max the
 * smallest, custom CPU models listed by all and usable only if usable
 * everywhere (blockers: any host's), host-model the fleet's CPU (the
 * baseline of the hosts' host-model CPUs among the models usable
 * everywhere, without features that block migration; libvirt's CPU map at
 * its default place), host-passthrough and maximum only when every
 * host-model CPU is the same; no <path> (an emulator path is a host's), no
 * <machine> when the machines differ. Documents for different arches or
 * domain types: DOMCAPS_ERROR_INVALID_ARG. As a domcaps_fleet of them. */
domcaps_doc *domcaps_intersect(const domcaps_doc *const *docs, guint n, GError **err);

/* What changed from @a to @b, one line each ("- PATH: VALUE" removed,
 * "+ PATH: VALUE" added, "~ PATH: OLD -> NEW" changed; PATH relative to
 * <domainCapabilities>), "" when nothing; *n_changes (may be NULL) counts them. */
char *domcaps_diff(const domcaps_doc *a, const domcaps_doc *b, guint *n_changes);

/* The same changes as JSON: {"changes": [{"change": "removed"|"added"|"changed",
 * "path", then "member" (a list member) or "value" (removed/added) or
 * "old" and "new", "section", "label"}], "count": N}. */
char *domcaps_diff_json(const domcaps_doc *a, const domcaps_doc *b, guint *n_changes);

typedef enum {
    DOMCAPS_TABLE_TEXT = 0,              /* aligned columns for a terminal */
    DOMCAPS_TABLE_HTML = 1 << 0,         /* a self-contained HTML page */
    DOMCAPS_TABLE_DIFFERENCES = 1 << 1,  /* only the rows that are not the same everywhere */
    DOMCAPS_TABLE_JSON = 1 << 2,         /* JSON: {"columns": [{"label", "path", "arch", "machine",
                                            "domain"}], "rows": [{"section", "label", "path", "member"?,
                                            "differs", "cells": [value, "yes" or null per column]}]} */
} domcaps_table_flags;

/* One row per capability (feature, enum value, CPU model...), one column
 * per document; @labels (may be NULL, or hold NULLs) names the columns,
 * else the arch (and machine) does. *n_rows (may be NULL): rows shown. */
char *domcaps_table(const domcaps_doc *const *docs, const char *const *labels, guint n,
                    domcaps_table_flags flags, guint *n_rows);

/* ---- Fleets: many hosts' documents, one at a time ----
 *
 * A fleet takes hosts' documents one after another and keeps only what it
 * needs of each (its share of the intersection, its host-model CPU, its
 * column of the table), so a caller can read, add and free them in turn:
 * time and memory grow linearly with the hosts. */

typedef struct domcaps_fleet domcaps_fleet;

/* What a fleet keeps. */
typedef enum {
    DOMCAPS_FLEET_INTERSECT = 1 << 0,  /* what every host allows: _intersection(), _cpu() */
    DOMCAPS_FLEET_TABLE = 1 << 1,      /* each host's column: _table() (documents of any arch) */
} domcaps_fleet_flags;

/* @opts (may be NULL): root and cpu_map_dir, for the fleet's CPU. */
domcaps_fleet *domcaps_fleet_new(const domcaps_options *opts, unsigned int flags);

/* Add one host's document (copied from as needed: @doc may be freed
 * afterwards); @name (may be NULL) names its table column. With
 * DOMCAPS_FLEET_INTERSECT, a document of another arch or domain type than
 * the first is refused (DOMCAPS_ERROR_INVALID_ARG) and not added. */
gboolean domcaps_fleet_add(domcaps_fleet *fleet, const char *name, const domcaps_doc *doc, GError **err);

/* The same for a document read from @path: the fleet keeps it until it
 * intersects several at a time, which is faster for many hosts. Errors
 * name the file. */
gboolean domcaps_fleet_add_file(domcaps_fleet *fleet, const char *name, const char *path, GError **err);

/* The same for @n files (@names may be NULL, or hold NULLs), added in
 * order. Stops at the first file that cannot be read or added (the error
 * names it); those before it stay added. With two cores or more, the files
 * are read and parsed on a thread of its own (a few ahead) while this one
 * adds them; the fleet is the same as one by one. */
gboolean domcaps_fleet_add_files(domcaps_fleet *fleet, const char *const *names, const char *const *paths, guint n,
                                 GError **err);

/* How many documents were added. */
guint domcaps_fleet_size(const domcaps_fleet *fleet);

/* What every host allows, as domcaps_intersect() describes it. */
domcaps_doc *domcaps_fleet_intersection(domcaps_fleet *fleet, GError **err);

/* The fleet's CPU as a guest <cpu> XML string (mode='custom', a model
 * usable on every host, fallback 'forbid', features to require or
 * disable), for domain definitions meant to migrate across the fleet:
 * the hosts' host-model CPU when they all have the same one, else their
 * baseline (domcaps_intersect()). NULL with DOMCAPS_ERROR_INVALID_CPU
 * saying why when there is none (a host without host-model, CPU vendors
 * that differ, a model the CPU map does not know...). Free with g_free(). */
char *domcaps_fleet_cpu(domcaps_fleet *fleet, GError **err);

/* The table of the hosts (DOMCAPS_FLEET_TABLE) as domcaps_table() makes
 * it, columns named by the names given to domcaps_fleet_add(). */
char *domcaps_fleet_table(domcaps_fleet *fleet, domcaps_table_flags flags, guint *n_rows);

void domcaps_fleet_free(domcaps_fleet *fleet);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(domcaps_fleet, domcaps_fleet_free)

/* ---- Publishing a host's capabilities for the schedulers ---- */

/* Kubernetes node labels for the host of @doc as KubeVirt's node labeller
 * makes them: cpu-model.node.kubevirt.io/M and
 * cpu-model-migration.node.kubevirt.io/M per usable custom model (not
 * KubeVirt's obsolete ones), host-model-cpu.node.kubevirt.io/M,
 * cpu-vendor.node.kubevirt.io/V, host-model-required-features.node.kubevirt.io/F,
 * cpu-feature.node.kubevirt.io/F (host-model's features with those its
 * model implies, libvirt's CPU map of @opts), machine-type.node.kubevirt.io/M,
 * kubevirt.io/sev, kubevirt.io/sev-es, kubevirt.io/sev-snp; the CPU
 * labels on x86_64 and s390x only, as KubeVirt. Each "key=value", sorted,
 * valid under Kubernetes' label syntax: labels the document's names would
 * make invalid are left out and counted in *n_invalid (may be NULL).
 * @opts (may be NULL): root and cpu_map_dir. Free with g_strfreev(). */
char **domcaps_labels(const domcaps_options *opts, const domcaps_doc *doc, guint *n_invalid);

/* OpenStack placement traits (os_traits names) for the host of @doc as
 * nova's libvirt driver derives them from domain capabilities:
 * COMPUTE_STORAGE_BUS_* (disk buses), COMPUTE_GRAPHICS_MODEL_* (video
 * models), HW_CPU_X86_* (host-model's features with those its model
 * implies), HW_CPU_X86_AMD_SEV, COMPUTE_SECURITY_UEFI_SECURE_BOOT,
 * COMPUTE_SECURITY_TPM_1_2 and _2_0 (the swtpm emulator backend). Sorted.
 * @opts (may be NULL): root and cpu_map_dir. Free with g_strfreev(). */
char **domcaps_traits(const domcaps_options *opts, const domcaps_doc *doc);

/* ---- CPU definitions: virsh's cpu-baseline, hypervisor-cpu-baseline,
 * hypervisor-cpu-compare and cpu-models ----
 *
 * CPU definitions are libvirt's <cpu> XML (host capabilities' host CPU, a
 * domain's guest CPU); answers and error messages are those of the libvirt
 * release @opts chooses as for the document (domcaps_schema_chosen(): 9.0
 * and 12.9 are held to virsh live; where they differ, 12.9 leaves out the
 * topology features ht and cmp_legacy of cpu-baseline's answer and warns
 * of host CPU definitions, domcaps_cpu_warnings()), the error message text
 * as `virsh` prints it after "error: ". The hypervisor
 * functions take the query of @opts (emulator, arch, machine, virttype:
 * any libvirt domain type, root, cache...) as `virsh --emulator --arch
 * --machine --virttype` do, and answer from domcaps' probe of it, with no
 * daemon. x86 uses libvirt's CPU map (@opts->cpu_map_dir); s390x asks a
 * QEMU started for the purpose, as libvirt does. */

/* Flags of the baselines (libvirt's virConnectBaselineCPUFlags). */
typedef enum {
    DOMCAPS_CPU_BASELINE_EXPAND_FEATURES = 1 << 0,  /* list the model's own features too, sorted */
    DOMCAPS_CPU_BASELINE_MIGRATABLE = 1 << 1,       /* leave out features that block migration */
    /* hypervisor baseline only (libvirt 11.6's IGNORE_HOST): the baseline of
     * the CPUs among every CPU model the hypervisor knows, whether this host
     * can run it or not, and with any feature libvirt's CPU map knows, not
     * only those the hypervisor can give a guest on this host: for hosts
     * other than this one. Needs two CPUs or more
     * (DOMCAPS_ERROR_INVALID_ARG otherwise, before anything else). x86. */
    DOMCAPS_CPU_BASELINE_IGNORE_HOST = 1 << 2,
} domcaps_cpu_baseline_flags;

/* Flags of compare (libvirt's virConnectCompareCPUFlags). */
typedef enum {
    DOMCAPS_CPU_COMPARE_FAIL_INCOMPATIBLE = 1 << 0, /* an incompatible CPU is an error saying why */
    DOMCAPS_CPU_COMPARE_VALIDATE_XML = 1 << 1,      /* check the CPU against libvirt's cpu.rng first */
} domcaps_cpu_compare_flags;

/* libvirt's virCPUCompareResult. */
typedef enum {
    DOMCAPS_CPU_COMPARE_ERROR = -1,
    DOMCAPS_CPU_COMPARE_INCOMPATIBLE = 0,
    DOMCAPS_CPU_COMPARE_IDENTICAL = 1,
    DOMCAPS_CPU_COMPARE_SUPERSET = 2,   /* the hypervisor's CPU has more than asked */
} domcaps_cpu_compare_result;

/* The CPU definitions of a file's contents as virsh finds them: every <cpu>
 * at the top level (several may follow one another), in a <domain>, in host
 * capabilities' <host>, and domain capabilities' supported host-model CPU,
 * in document order, each as a <cpu> XML string. @name is the file's name
 * in error messages. Returns: (transfer full): a NULL-terminated list (free
 * with g_strfreev()), or NULL with @err set. */
char **domcaps_cpu_extract(const char *data, gssize len, const char *name, GError **err);

/* The same for a file (virsh's limits: 10 MiB, up to a NUL byte). */
char **domcaps_cpu_extract_file(const char *path, GError **err);

/* The same, with errors worded as the release @opts chooses
 * (domcaps_schema_chosen()) words them: XML that is not well-formed is
 * reported "at line N: ..." by libvirt 11.3 and later, "FILE:N: ..." by
 * 9.0. domcaps_cpu_extract() and _file() follow the release of the
 * libvirt installed under "/" (else the newest). */
char **domcaps_cpu_extract_file_for(const domcaps_options *opts, const char *path, GError **err);

/* virsh cpu-baseline: the CPU every host CPU of @cpus (n of them) can run,
 * from libvirt's CPU drivers alone. @opts: only root and cpu_map_dir are
 * used (NULL: defaults). Returns: (transfer full): a <cpu> XML string, or
 * NULL with @err set. */
char *domcaps_cpu_baseline(const domcaps_options *opts, const char *const *cpus, guint n, unsigned int flags,
                           GError **err);

/* virsh hypervisor-cpu-baseline: the same among the CPU models and
 * features the hypervisor of @opts offers. */
char *domcaps_hypervisor_cpu_baseline(const domcaps_options *opts, const char *const *cpus, guint n,
                                      unsigned int flags, GError **err);

/* The lines virsh prints on standard error before it runs
 * hypervisor-cpu-baseline or hypervisor-cpu-compare on @cpus (n of them,
 * domcaps_cpu_extract()'s), as the release @opts chooses
 * (domcaps_schema_chosen()): one per host CPU definition (a <feature>
 * without a policy), "warning: using host CPU definition as input may
 * provide incorrect results" in libvirt 12.9, the same text after "error: "
 * in 11.3 (which goes on all the same), none in 9.0. The library never
 * prints: the caller does. Free with g_strfreev(). */
char **domcaps_cpu_warnings(const domcaps_options *opts, const char *const *cpus, guint n);

/* virsh hypervisor-cpu-compare: @cpu against the hypervisor's host-model
 * CPU. Returns DOMCAPS_CPU_COMPARE_ERROR with @err set on errors. */
domcaps_cpu_compare_result domcaps_hypervisor_cpu_compare(const domcaps_options *opts, const char *cpu,
                                                          unsigned int flags, GError **err);

/* virsh cpu-models: the CPU model names libvirt knows for @arch (its CPU
 * map's, in map order); an empty list when any name is accepted (arm,
 * s390). @opts: root and cpu_map_dir (may be NULL). Returns: (transfer
 * full): NULL-terminated, free with g_strfreev(); NULL with @err set. */
char **domcaps_cpu_models(const domcaps_options *opts, const char *arch, GError **err);

G_END_DECLS

#endif
