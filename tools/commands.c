#include "commands.h"

/* Add a subcommand: declare its run function here and add a row. */
static const DcCommand commands[] = {
    { NULL, NULL, NULL },
};

const DcCommand *dc_command_find(const char *name)
{
    for (const DcCommand *c = commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

char *dc_commands_summary(const char *intro)
{
    GString *s = g_string_new(intro);
    if (commands[0].name)
        g_string_append(s, "\n\nOther commands (domcaps COMMAND --help):");
    for (const DcCommand *c = commands; c->name; c++)
        g_string_append_printf(s, "\n  %-12s %s", c->name, c->summary);
    return g_string_free(s, FALSE);
}
