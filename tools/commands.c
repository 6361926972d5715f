#include "commands.h"

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

/* Add a subcommand: declare its run function here and add a row. */
static const DcCommand commands[] = {
    { "check", "check a domain definition against the capabilities", dc_cmd_check },
    { "intersect", "what every given capabilities document allows, as one document", dc_cmd_intersect },
    { "compare", "the capabilities that differ between documents, as a table", dc_cmd_compare },
    { "diff", "what changed from one capabilities document to another", dc_cmd_diff },
    { "matrix", "every installed emulator's capabilities in one table (text or HTML)", dc_cmd_matrix },
    { "cache", "list the probe cache's entries (valid or why not), prune the invalid ones", dc_cmd_cache },
    { "cpu-baseline", "virsh cpu-baseline: the CPU every host CPU of a file can run", dc_cmd_cpu_baseline },
    { "hypervisor-cpu-baseline", "virsh hypervisor-cpu-baseline: the same among the hypervisor's CPU models",
      dc_cmd_hypervisor_cpu_baseline },
    { "hypervisor-cpu-compare", "virsh hypervisor-cpu-compare: can the hypervisor's CPU run this one",
      dc_cmd_hypervisor_cpu_compare },
    { "cpu-models", "virsh cpu-models: the CPU models libvirt knows for an arch", dc_cmd_cpu_models },
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

static gint by_path(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *dc_installed_emulators(void)
{
    GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    const char *path = g_getenv("PATH");
    g_autofree char *dirs = g_strdup_printf("%s:/usr/local/bin:/usr/bin", path ? path : "");
    g_auto(GStrv) parts = g_strsplit(dirs, ":", -1);
    for (char **d = parts; *d; d++) {
        if (**d != '/')
            continue;
        g_autoptr(GDir) dir = g_dir_open(*d, 0, NULL);
        const char *name;
        while (dir && (name = g_dir_read_name(dir))) {
            if (!g_str_has_prefix(name, "qemu-system-") || g_hash_table_contains(seen, name))
                continue;
            g_autofree char *full = g_build_filename(*d, name, NULL);
            if (!g_file_test(full, G_FILE_TEST_IS_EXECUTABLE))
                continue;
            g_hash_table_add(seen, g_strdup(name));
            g_ptr_array_add(found, g_steal_pointer(&full));
        }
    }
    g_ptr_array_sort(found, by_path);
    return found;
}
