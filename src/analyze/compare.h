/* Comparing capability documents: the intersection (what every host
 * offers, as a document), the flat list of statements a document states (for
 * diffs), and the table of many documents (matrix, compare). */
#pragma once
#include "util/node.h"

/* @s with control characters written as \n, \t, \xNN: one line of output
 * whatever a document holds. Appended to @out. */
void dc_append_one_line(GString *out, const char *s);

/* The document every one of @docs (<domainCapabilities> trees, n >= 1)
 * allows: enums and value lists intersected, supported='yes' only where all
 * say yes (a section that is not keeps no content), vcpu max the smallest,
 * custom CPU models only those all list, usable='yes' only when usable
 * everywhere, host-model (and sev, sgx) kept only when identical
 * everywhere. <machine> is left out when the machines differ, <path> is the
 * first document's; documents for different arches or domain types are an
 * error. The layout follows the first document. */
DcNode *dc_intersect(const DcNode *const *docs, guint n, GError **err);

/* One thing a document states: a value at a path ("vcpu/@max" = "288"), or
 * a member of a list ("devices/disk/enum[@name='bus']" has "sata"). */
typedef struct {
    char *path;    /* XPath-like, relative to <domainCapabilities> */
    char *member;  /* list member (its text), or NULL */
    char *value;   /* the value; NULL for a list member */
    char *key;     /* path and member: unique in one document */
    char *section; /* "general", "os", "cpu", "devices"... */
    char *label;   /* short human label: "disk bus: sata", "vcpu max" */
    gboolean detail; /* not a row of tables (custom CPU model vendors) */
} DcStatement;

void dc_statement_free(DcStatement *f);
/* The statements of a document, in document order. */
GPtrArray *dc_statements_of(const DcNode *doc);

/* Differences from @a to @b, one line each ("- PATH: VALUE", "+ PATH:
 * VALUE", "~ PATH: OLD -> NEW"), in document order; *n_changes counts them. */
char *dc_diff(const DcNode *a, const DcNode *b, guint *n_changes);
/* The same, or as JSON ({"changes": [...], "count": N}) when @json. */
char *dc_diff_format(const DcNode *a, const DcNode *b, gboolean json, guint *n_changes);

typedef enum {
    DC_TABLE_TEXT = 0,
    DC_TABLE_HTML = 1 << 0,
    DC_TABLE_DIFFERENCES = 1 << 1,  /* only rows that are not the same everywhere */
    DC_TABLE_JSON = 1 << 2,         /* the rows as data */
} DcTableFlags;

/* The table flags of the public API's domcaps_table_flags. */
DcTableFlags dc_table_flags_of(guint public_flags);

/* One row per statement, one column per document; @labels names the columns
 * (NULL: the arch, and the machine and domain type when needed to tell
 * columns apart; path, domain, machine and arch are then not rows). *n_rows (may be NULL)
 * gets the number of rows shown. */
char *dc_table(const DcNode *const *docs, const char *const *labels, guint n, DcTableFlags flags, guint *n_rows);

/* The same table built one document at a time, so that a fleet's
 * documents need not all be in memory: each added document leaves its
 * column's cells (values kept once) and its identity (path, domain,
 * machine, arch) only. Rows keep the documents' order as far as they
 * agree; a document's new statement goes right after the one before it. Time and
 * memory grow linearly with the documents. @label (may be NULL) names the
 * column; any named column shows the identity rows too. */
typedef struct DcTable DcTable;
DcTable *dc_table_new(void);
void dc_table_add(DcTable *t, const DcNode *doc, const char *label);
guint dc_table_columns(const DcTable *t);
char *dc_table_render(DcTable *t, DcTableFlags flags, guint *n_rows);
void dc_table_free(DcTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DcTable, dc_table_free)
