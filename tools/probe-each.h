/* Probing several emulators at once, for domcaps --all and matrix. */
#pragma once
#include "domcaps.h"

/* One emulator's probe: its document, or the error. */
typedef struct {
    const char *emulator;   /* borrowed from the list given; NULL: the base query's own */
    domcaps_doc *doc;
    GError *error;
} DcCliProbe;

/* domcaps_get() of @base for each of @emulators (paths, or NULL for the
 * base query's emulator), in parallel; the results in the same order.
 * Shows progress on a terminal's standard error. Free with
 * dc_cli_probes_free(probes, emulators->len). */
DcCliProbe *dc_cli_probe_each(const domcaps_options *base, GPtrArray *emulators);

/* Print a failed probe's error as "skipped" or "failed" (@what names the
 * emulator); TRUE when skipped: the emulator is not one the query is for
 * (a target libvirt does not serve, or no KVM for it with --virttype
 * kvm), which is a note and not a failure. */
gboolean dc_cli_probe_report(const DcCliProbe *probe, const char *what);

void dc_cli_probes_free(DcCliProbe *probes, guint n);

/* The error every one of @n (more than one) probes failed with, word for
 * word, NULL when they did not all fail alike: a cause that is not the
 * emulators' (no user to run QEMU as) is said once, not once per binary. */
const char *dc_cli_probes_common_error(const DcCliProbe *probes, guint n);

/* Print the document's warnings on stderr ("domcaps: warning: ..."), each
 * line once per run however many documents repeat it. */
void dc_cli_print_warnings(const domcaps_doc *doc);
