/* Helpers shared by the subcommands that read, check and compare
 * documents (cmd-check.c, cmd-intersect.c, cmd-diff.c, cmd-compare.c,
 * cmd-matrix.c). Public API only. */
#pragma once
#include "domcaps.h"

/* The query's options (--emulatorbin, --arch, --machine, --virttype,
 * --root, --replay, --cpu-map, --timeout, --cache-dir, --user, --no-cache,
 * --refresh, --schema), declared once: as `domcaps`'s own entries, or as
 * a group of a subcommand's option context. dc_cli_probe_options() reads
 * them back into @opts (with $DOMCAPS_SCHEMA and $DOMCAPS_USER as
 * defaults); FALSE with the error printed when they contradict. */
const GOptionEntry *dc_cli_probe_entries(void);
GOptionGroup *dc_cli_probe_group(void);
gboolean dc_cli_probe_options(domcaps_options *opts);

/* The candidate nearest @word when it is near enough to be a typo of it
 * (a few edits, fewer for short words), else NULL: for "did you mean". */
const char *dc_cli_nearest(const char *word, const char *const *candidates);

/* Parse a subcommand's options: prints the error (an unknown option with
 * the nearest known one, when there is one) and returns FALSE. */
gboolean dc_cli_parse(GOptionContext *ctx, int *argc, char ***argv);

/* Read capability documents from files; on an error prints it and returns NULL. */
GPtrArray *dc_cli_load_docs(char **files, int n);
/* --format: NULL or "text" (*json FALSE), "json" (TRUE); else, or json
 * with an --html page (@html, may be NULL), an error printed, FALSE. */
gboolean dc_cli_json_format(const char *format, const char *html, gboolean *json);

/* The contents of a file ("-": standard input), at most one byte more than
 * the library accepts (so that it can tell what is too large); NULL and a
 * message printed when it cannot be read. */
GBytes *dc_cli_read(const char *path);

/* Write @text to @path ("-": standard output); prints the error. */
gboolean dc_cli_write(const char *path, const char *text);
/* Write @text to the file @path whole or not at all (a new file renamed
 * over it; a symbolic link's target is the one replaced); a device or FIFO
 * such as /dev/null is written in place, never replaced. */
gboolean dc_cli_write_file(const char *path, const char *text, GError **err);

/* Append @s as a JSON string literal (json-c's escaping; NULL: null). */
void dc_cli_json_string(GString *out, const char *s);
