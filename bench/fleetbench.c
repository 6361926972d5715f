/* A fleet's work in one process, through the public API: read every
 * host's document in turn and add it to a fleet keeping the intersection
 * and the table, then write the intersection, the fleet's CPU and the
 * table of the differences. Prints one line: hosts, seconds for each part
 * and in all, peak resident memory (VmHWM) in MiB. Columns are named by
 * the files' names without .xml, as `domcaps matrix --caps NAME=FILE`.
 * Usage: fleetbench [--cpu-map DIR] CAPS.xml... */
#include "domcaps.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* CPU time of the process so far (user + system), in seconds. */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double now(void)
{
    return (double)g_get_monotonic_time() / 1e6;
}

/* The process's peak resident set, in MiB (Linux's VmHWM). */
static double peak_mib(void)
{
    g_autofree char *status = NULL;
    if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
        return -1;
    const char *hwm = strstr(status, "VmHWM:");
    return hwm ? g_ascii_strtod(hwm + 6, NULL) / 1024.0 : -1;
}

int main(int argc, char **argv)
{
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--cpu-map") == 0) {
        opts.cpu_map_dir = argv[2];
        first = 3;
    }
    /* columns named as hosts are (host0001.xml: host0001), not by the
     * files' paths, whose length would make the table's */
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    for (int i = first; i < argc; i++) {
        char *base = g_path_get_basename(argv[i]);
        if (g_str_has_suffix(base, ".xml"))
            base[strlen(base) - 4] = '\0';
        g_ptr_array_add(names, base);
    }
    double t0 = now();
    g_autoptr(domcaps_fleet) fleet = domcaps_fleet_new(&opts, DOMCAPS_FLEET_INTERSECT | DOMCAPS_FLEET_TABLE);
    GError *err = NULL;
    if (!domcaps_fleet_add_files(fleet, (const char *const *)names->pdata, (const char *const *)argv + first,
                                 (guint)(argc - first), &err)) {
        fprintf(stderr, "fleetbench: %s\n", err->message);
        return 1;
    }
    double t_read = now();
    g_autoptr(domcaps_doc) shared = domcaps_fleet_intersection(fleet, &err);
    g_autofree char *xml = shared ? domcaps_doc_to_xml(shared) : NULL;
    double t_intersect = now();
    g_autofree char *cpu = domcaps_fleet_cpu(fleet, NULL);
    double t_cpu = now();
    guint rows = 0;
    g_autofree char *table = domcaps_fleet_table(fleet, DOMCAPS_TABLE_DIFFERENCES, &rows);
    double t_table = now();
    if (!xml) {
        fprintf(stderr, "fleetbench: %s\n", err->message);
        return 1;
    }
    printf("%u hosts: read+fold %.3f s, intersection %.3f s, cpu %.3f s (%s), table %.3f s (%u rows, %zu bytes); "
           "total %.3f s (cpu %.3f s); peak %.1f MiB\n",
           domcaps_fleet_size(fleet), t_read - t0, t_intersect - t_read, t_cpu - t_intersect,
           cpu ? "found" : "none", t_table - t_cpu, rows, strlen(table), t_table - t0, cpu_seconds(), peak_mib());
    return 0;
}
