/* The CPU commands (virsh's cpu-baseline, hypervisor-cpu-baseline,
 * hypervisor-cpu-compare, cpu-models) behind the public entry points in
 * cpu-api.c:
 *
 *   cpu-extract.c     virsh's side: the <cpu> elements of a file
 *   cpu-read.c        a <cpu> XML string as libvirt's daemon reads it
 *   cpu-schema.c      --validate: libvirt's cpu.rng, as far as it goes
 *   cpu-hypervisor.c  what QEMU offers for a query: its models, features,
 *                     host-model CPU (the daemon's qemuCaps)
 *   cpu-s390.c        s390x, where QEMU itself computes and compares
 *
 * Errors are DC_LV_ERROR with libvirt's wording (cpu/lverror.h). */
#pragma once
#include "domcaps.h"
#include "cpu/cpudef.h"
#include "cpu/cpuops.h"
#include <json-c/json.h>

/* ---- cpu-extract.c ---- */

/* virsh's vshExtractCPUDefXMLs(): @data (read from the file @name) wrapped
 * in one element, and every <cpu> of it (at the top, in a <domain>, in host
 * capabilities' <host>) or domain capabilities' supported host-model
 * <mode>, renamed <cpu> without attributes, in document order, as XML
 * strings. */
GPtrArray *dc_cpu_extract(const char *data, gsize len, const char *name, gboolean at_line, GError **err);

/* The file as virsh reads it (at most 10 MiB, up to its first NUL byte). */
char *dc_cpu_read_file(const char *path, gsize *len, GError **err);

/* @text parsed as libvirt parses it (util/xmllibxml.h): libxml2's first
 * error, reported as found in @name, when it is not well-formed. */
DcNode *dc_cpu_parse_xml(const char *text, gsize len, const char *name, GError **err);
/* The same with libvirt 11.3's and later wording of the error ("at line
 * N: ..." rather than "NAME:N: ...") when @at_line. */
DcNode *dc_cpu_parse_xml_as(const char *text, gsize len, const char *name, gboolean at_line, GError **err);

/* An element as XML text, for handing on (attributes single-quoted). */
char *dc_cpu_node_to_xml(const DcNode *node);

/* ---- cpu-read.c ---- */

/* A <cpu> XML string as libvirt's daemon reads it (virCPUDefParseXMLString;
 * parse errors are reported as found in "(CPU_definition)"). */
DcCpuDef *dc_cpu_read(const char *xml, DcCpuType type, gboolean validate, gboolean at_line, GError **err);

/* ---- cpu-schema.c ---- */

/* Whether @cpu is valid against libvirt's cpu.rng (the parts of it a <cpu>
 * can break); FALSE with libvirt's error otherwise. */
gboolean dc_cpu_validate(const DcNode *cpu, GError **err);

/* ---- cpu-hypervisor.c ---- */

/* The release whose answers the CPU commands give, chosen as the
 * document's is (domcaps_schema_chosen()); 0 with @err for a schema
 * domcaps does not hold. */
guint dc_cpu_release(const domcaps_options *opts, GError **err);

/* What the daemon's capabilities cache knows for one query. */
typedef struct {
    char *emulator;
    char *arch;
    char *virttype;         /* libvirt's name of the type asked (or the default) */
    const char *accel;      /* "kvm", "tcg", or NULL: none (hvf) */
    char *cpu_map_dir;      /* host path of the CPU map */
    json_object *facts;     /* the probe's facts */
    DcCpuDef *host_model;   /* the reported host-model CPU, NULL when unsupported */
    int timeout_ms;
} DcHvQuery;

void dc_hv_query_clear(DcHvQuery *q);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DcHvQuery, dc_hv_query_clear)

/* virQEMUCapsCacheLookupDefault(): the emulator, arch and type of @opts
 * (any may be NULL) resolved and probed, with libvirt's messages. */
gboolean dc_hv_query_resolve(const domcaps_options *opts, DcHvQuery *q, GError **err);

/* QEMU's CPU definitions for the query (NULL when it gave none). */
json_object *dc_hv_query_definitions(const DcHvQuery *q);
/* The models for decoding: name -> blockers in the map's spelling. */
DcHvModels *dc_hv_query_models(const DcHvQuery *q);
/* The same without blockers: every model a candidate, as if usable
 * (a baseline that ignores this host). */
DcHvModels *dc_hv_query_model_names(const DcHvQuery *q);
/* virQEMUCapsGetCPUFeatures(): every property of the host CPU expansion,
 * in the map's spelling (leaving out those that only the non-migratable
 * expansion enables when @migratable); NULL when there is no expansion.
 * *migratability: whether the expansion tells which block migration. */
GPtrArray *dc_hv_query_features(const DcHvQuery *q, gboolean migratable, gboolean *migratability);
/* Whether QEMU has QMP command @command. */
gboolean dc_hv_query_has_command(const DcHvQuery *q, const char *command);

/* ---- cpu-s390.c ---- */

/* qemuConnectCPUModelBaseline(): QEMU's baseline of @cpus (and its
 * expansion, full when @expand), as a host CPU definition. */
DcCpuDef *dc_s390_baseline(const DcHvQuery *q, DcCpuDef *const *cpus, guint n, gboolean expand, GError **err);
/* qemuConnectCPUModelComparison() of @cpu against the host model. */
DcCpuCompareResult dc_s390_compare(const DcHvQuery *q, const DcCpuDef *cpu, gboolean fail_incompatible,
                                   GError **err);
