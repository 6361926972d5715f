/* The statements of a capability document, for the diff (statements.c)
 * and the table of many documents (table.c): the walk that finds them, and
 * what makes one a row (its key, section and label). Internal to
 * src/analyze. */
#pragma once
#include "analyze/compare.h"

/* The top-level elements that say which query a document answers (they
 * head a table's columns rather than being rows of it). */
#define DC_N_IDENTITY 4
extern const char *const dc_identity_elements[DC_N_IDENTITY];

/* Where the walk puts each statement it finds: the list of a document's
 * statements (dc_statements_of), or straight into a table's rows
 * (dc_table_add). @member is a list member's text, or NULL for a value. */
typedef struct DcStatementSink DcStatementSink;
struct DcStatementSink {
    void (*add)(DcStatementSink *sink, const char *path, const char *member, const char *value);
};

/* Every statement of @doc, in document order, to @sink. */
void dc_statements_walk(const DcNode *doc, DcStatementSink *sink);

DcStatement *dc_statement_new(const char *path, const char *member, const char *value, const char *key);
/* Sets the statement's section, label and detail flag from its path. */
void dc_statement_describe(DcStatement *f);
/* Whether @path is one of the identity elements. */
gboolean dc_statement_is_identity(const char *path);
