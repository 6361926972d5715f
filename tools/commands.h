/* The CLI's subcommands. `domcaps [domcapabilities] ...` is the default one
 * (tools/domcaps.c); each other subcommand is one file tools/cmd-NAME.c
 * with an entry in the table in tools/commands.c. Subcommands use only the
 * public API (include/domcaps.h). */
#pragma once
#include <glib.h>
#include "domcaps.h"

typedef struct {
    const char *name;
    const char *summary;                 /* one line for --help */
    int (*run)(int argc, char **argv);   /* argv[0] is the subcommand name; returns the exit status */
} DcCommand;

const DcCommand *dc_command_find(const char *name);
/* The command (domcapabilities included) that @word is a typo of, or NULL. */
const char *dc_command_nearest(const char *word);
/* The summary text for --help: intro, then one line per subcommand. */
char *dc_commands_summary(const char *intro);

/* qemu-system-* in $PATH, /usr/local/bin and /usr/bin (first found of a
 * name wins), sorted by path. Used by --all and matrix. */
GPtrArray *dc_installed_emulators(const char *root);
