#include "commands.h"
#include "cmd-util.h"

int dc_cmd_check(int argc, char **argv);
int dc_cmd_intersect(int argc, char **argv);
int dc_cmd_diff(int argc, char **argv);
int dc_cmd_matrix(int argc, char **argv);
int dc_cmd_compare(int argc, char **argv);
int dc_cmd_cache(int argc, char **argv);
int dc_cmd_cpu_baseline(int argc, char **argv);
int dc_cmd_hypervisor_cpu_baseline(int argc, char **argv);
int dc_cmd_hypervisor_cpu_compare(int argc, char **argv);
int dc_cmd_cpu_models(int argc, char **argv);
int dc_cmd_labels(int argc, char **argv);
int dc_cmd_traits(int argc, char **argv);

/* Add a subcommand: declare its run function here and add a row. */
static const DcCommand commands[] = {
    { "check", "will this domain definition run here? (libvirt's rules)", dc_cmd_check },
    { "intersect", "what every host's document allows: safe to migrate across them", dc_cmd_intersect },
    { "compare", "the capabilities that differ between documents, as a table", dc_cmd_compare },
    { "diff", "what changed from one capabilities document to another", dc_cmd_diff },
    { "matrix", "every installed emulator's capabilities in one table (or HTML)", dc_cmd_matrix },
    { "cache", "list the probe cache (valid or why not), prune what is stale", dc_cmd_cache },
    { "cpu-baseline", "virsh cpu-baseline: a CPU all host CPUs of a file run", dc_cmd_cpu_baseline },
    { "hypervisor-cpu-baseline", "the same among the hypervisor's CPU models",
      dc_cmd_hypervisor_cpu_baseline },
    { "hypervisor-cpu-compare", "can the hypervisor's CPU run this one?", dc_cmd_hypervisor_cpu_compare },
    { "cpu-models", "virsh cpu-models: the CPU models libvirt knows for an arch", dc_cmd_cpu_models },
    { "labels", "Kubernetes node labels (KubeVirt's names, an NFD feature file)", dc_cmd_labels },
    { "traits", "OpenStack placement traits (nova's names)", dc_cmd_traits },
    { NULL, NULL, NULL },
};

const DcCommand *dc_command_find(const char *name)
{
    for (const DcCommand *c = commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

const char *dc_command_nearest(const char *word)
{
    const char *names[G_N_ELEMENTS(commands) + 1];
    gsize n = 0;
    names[n++] = "domcapabilities";
    for (const DcCommand *c = commands; c->name; c++)
        names[n++] = c->name;
    names[n] = NULL;
    return dc_cli_nearest(word, names);
}

char *dc_commands_summary(const char *intro)
{
    GString *s = g_string_new(intro);
    if (commands[0].name)
        g_string_append(s, "\n\nOther commands (domcaps COMMAND --help):");
    for (const DcCommand *c = commands; c->name; c++)
        g_string_append_printf(s, "\n  %-12s %s", c->name, c->summary);   /* fits 80 columns */
    return g_string_free(s, FALSE);
}

GPtrArray *dc_installed_emulators(const char *root)
{
    GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) list = domcaps_emulators(root);
    for (char **e = list; e && *e; e++)
        g_ptr_array_add(found, g_strdup(*e));
    return found;
}
