/* virsh's CPU commands, answered without a daemon:
 *
 *   domcaps cpu-baseline FILE [--features] [--migratable]
 *   domcaps hypervisor-cpu-baseline [--file] FILE [--virttype T] [--emulator PATH]
 *           [--arch A] [--machine M] [--features] [--migratable] [--model M]
 *           [--ignore-host]
 *   domcaps hypervisor-cpu-compare [--file] FILE [--virttype T] [--emulator PATH]
 *           [--arch A] [--machine M] [--error] [--validate]
 *   domcaps cpu-models ARCH
 *
 * The command lines are virsh's: its option parsing (options and
 * positional words fill the options in their order, --opt=value, --), its
 * output, its "error: " messages and exit status, and the blank line virsh
 * prints after every command it ran.  domcaps adds --root, --cpu-map,
 * --cache-dir, --no-cache, --timeout and --replay, which are never filled by
 * position.  Public API only. */
#include "domcaps.h"
#include "cmd-util.h"
#include <stdio.h>
#include <string.h>

int dc_cmd_cpu_baseline(int argc, char **argv);
int dc_cmd_hypervisor_cpu_baseline(int argc, char **argv);
int dc_cmd_hypervisor_cpu_compare(int argc, char **argv);
int dc_cmd_cpu_models(int argc, char **argv);

typedef enum {
    OPT_BOOL,     /* a flag */
    OPT_STRING,   /* takes a value; filled by position too */
    OPT_DATA,     /* the same, required */
    OPT_EXTRA,    /* domcaps' own: takes a value, by name only */
} OptType;

typedef struct {
    const char *name;
    OptType type;
    const char *help;
} OptDef;

#define MAX_OPTS 16

typedef struct {
    const char *name;
    const OptDef *opts;
    const char *summary;
    const char *example;            /* a real command line, for --help */
    const char *values[MAX_OPTS];   /* per option: its value ("" for a flag given), NULL when absent */
} Cmd;

static const OptDef extra_opts[] = {
    { "root", OPT_EXTRA, "read every host fact (CPU map, emulator...) under this dir" },
    { "cpu-map", OPT_EXTRA, "libvirt's CPU map (default /usr/share/libvirt/cpu_map)" },
    { "cache-dir", OPT_EXTRA, "probe cache directory" },
    { "no-cache", OPT_BOOL, "neither read nor write the probe cache" },
    { "timeout", OPT_EXTRA, "probe deadline in milliseconds" },
    { "replay", OPT_EXTRA, "answer QMP from this transcript, not QEMU" },
};

static int error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* virsh's vshError(): "error: " and the message on standard error; 1. */
static int error(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

static int opt_index_len(const Cmd *cmd, const char *name, gsize len)
{
    for (int i = 0; cmd->opts[i].name; i++)
        if (strlen(cmd->opts[i].name) == len && strncmp(cmd->opts[i].name, name, len) == 0)
            return i;
    return -1;
}

static int opt_index(const Cmd *cmd, const char *name)
{
    return opt_index_len(cmd, name, strlen(name));
}

/* virsh's shape of help in 80 columns, with an example: the words a
 * command needs in the usage line, every option below it. */
static void print_help(const Cmd *cmd)
{
    g_autoptr(GString) line = g_string_new(NULL);
    g_string_printf(line, "Usage: domcaps %s", cmd->name);
    for (int i = 0; cmd->opts[i].name; i++)
        if (cmd->opts[i].type == OPT_DATA)
            g_string_append_printf(line, " <%s>", cmd->opts[i].name);
    g_string_append(line, " [OPTION...]");
    printf("%s\n\n%s\n\nOptions:\n", line->str, cmd->summary);
    for (int i = 0; cmd->opts[i].name; i++)
        printf("  --%-12s %s\n", cmd->opts[i].name, cmd->opts[i].help);
    printf("\nvirsh's output, messages and exit status (0 success, 1 failure).\n\nExample: %s\n", cmd->example);
}

/* One --name[=value] word (and its value word); FALSE after the error. */
static gboolean take_option(Cmd *cmd, char **argv, int argc, int *i, guint64 *seen, guint64 *pending)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    int len = eq ? (int)(eq - name) : (int)strlen(name);
    int k = opt_index_len(cmd, name, (gsize)len);
    if (k < 0) {
        /* virsh's message, and the option meant when it is a typo away */
        g_autofree char *given = g_strndup(name, (gsize)len);
        const char *names[MAX_OPTS + 1];
        int n = 0;
        for (; n < MAX_OPTS && cmd->opts[n].name; n++)
            names[n] = cmd->opts[n].name;
        names[n] = NULL;
        const char *near = dc_cli_nearest(given, names);
        if (near)
            error("command '%s' doesn't support option --%s; did you mean --%s?", cmd->name, given, near);
        else
            error("command '%s' doesn't support option --%s", cmd->name, given);
        return FALSE;
    }
    if (*seen & (1ull << k)) {
        error("option --%.*s already seen", len, name);
        return FALSE;
    }
    *seen |= 1ull << k;
    if (cmd->opts[k].type == OPT_BOOL) {
        if (eq) {
            error("invalid '=' after option --%.*s", len, name);
            return FALSE;
        }
        cmd->values[k] = "";
        return TRUE;
    }
    if (!eq && *i + 1 >= argc) {
        error("expected syntax: --%.*s <%s>", len, name, "string");
        return FALSE;
    }
    cmd->values[k] = eq ? eq + 1 : argv[++*i];
    *pending &= ~(1ull << k);
    return TRUE;
}

/* virsh's vshCommandParse() for one command: options by name, other words
 * fill the options that take a value in their order; "--" ends options.
 * Returns 0 to run, -1 after --help, 1 after an error. */
static int parse(Cmd *cmd, int argc, char **argv)
{
    guint64 seen = 0, pending = 0;
    gboolean data_only = FALSE, help = FALSE;
    for (int i = 0; cmd->opts[i].name; i++)
        if (cmd->opts[i].type == OPT_STRING || cmd->opts[i].type == OPT_DATA)
            pending |= 1ull << i;
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        if (!data_only && w[0] == '-' && w[1] == '-' && g_ascii_isalnum(w[2])) {
            if (strcmp(w, "--help") == 0 || strcmp(w, "--help-all") == 0) {
                help = TRUE;
                continue;
            }
            if (!take_option(cmd, argv, argc, &i, &seen, &pending))
                return 1;
        } else if (!data_only && strcmp(w, "--") == 0) {
            data_only = TRUE;
        } else {
            if (!pending)
                return error("unexpected data '%s'", w);
            int k = __builtin_ctzll(pending);
            pending &= ~(1ull << k);
            seen |= 1ull << k;
            cmd->values[k] = w;
        }
    }
    if (help) {
        print_help(cmd);
        return -1;
    }
    for (int i = 0; cmd->opts[i].name; i++)
        if (cmd->opts[i].type == OPT_DATA && !(seen & (1ull << i)))
            return error("command '%s' requires <%s> option", cmd->name, cmd->opts[i].name);
    return 0;
}

/* vshCommandOptStringReq(): the value of @name, refusing an empty one. */
static gboolean string_opt(const Cmd *cmd, const char *name, const char **out)
{
    const char *v = cmd->values[opt_index(cmd, name)];
    *out = NULL;
    if (v && !*v) {
        error("Failed to get option '%s': Option argument is empty", name);
        return FALSE;
    }
    *out = v;
    return TRUE;
}

static gboolean flag(const Cmd *cmd, const char *name)
{
    return cmd->values[opt_index(cmd, name)] != NULL;
}

/* The domcaps options every command takes. */
static gboolean common_options(const Cmd *cmd, domcaps_options *opts)
{
    const char *timeout = NULL;
    if (!string_opt(cmd, "root", &opts->root) || !string_opt(cmd, "cpu-map", &opts->cpu_map_dir) ||
        !string_opt(cmd, "cache-dir", &opts->cache_dir) || !string_opt(cmd, "timeout", &timeout) ||
        !string_opt(cmd, "replay", &opts->replay))
        return FALSE;
    opts->cache = flag(cmd, "no-cache") ? DOMCAPS_CACHE_OFF : DOMCAPS_CACHE_USE;
    opts->timeout_ms = timeout ? atoi(timeout) : 0;
    opts->user = g_getenv("DOMCAPS_USER");
    opts->schema = g_getenv("DOMCAPS_SCHEMA");
    return TRUE;
}

/* virsh's warnings about the CPUs it is given, before it asks (the
 * release's: domcaps_cpu_warnings()). */
static void warn_about(const domcaps_options *opts, char **cpus)
{
    g_auto(GStrv) warnings = domcaps_cpu_warnings(opts, (const char *const *)cpus, g_strv_length(cpus));
    fflush(stdout);
    for (char **w = warnings; *w; w++)
        fprintf(stderr, "%s\n", *w);
}

/* The end of a command that ran: its errors (none when virsh has no
 * libvirt error to report), then virsh's blank line. */
static int ran(gboolean ok, GError *err)
{
    if (err) {
        error("%s", err->message);
        g_error_free(err);
    }
    fputs("\n", stdout);
    return ok ? 0 : 1;
}

static int print_result(char *result, GError *err)
{
    if (result)
        fputs(result, stdout);
    g_free(result);
    return ran(result != NULL, err);
}

/* ---- the commands ---- */

#define FILE_OPT(type) { "file", type, "the CPU definitions (<cpu>s, a domain, capabilities...)" }
#define HV_OPTS \
    { "virttype", OPT_STRING, "virtualization type (kvm, qemu...)" }, \
    { "emulator", OPT_STRING, "path to the emulator binary" }, \
    { "arch", OPT_STRING, "CPU architecture" }, \
    { "machine", OPT_STRING, "machine type" }
#define EXTRA_OPTS \
    { "root", OPT_EXTRA, NULL }, { "cpu-map", OPT_EXTRA, NULL }, { "cache-dir", OPT_EXTRA, NULL }, \
    { "no-cache", OPT_BOOL, NULL }, { "timeout", OPT_EXTRA, NULL }, { "replay", OPT_EXTRA, NULL }

static const OptDef baseline_opts[] = {
    FILE_OPT(OPT_DATA),
    { "features", OPT_BOOL, "list the features of the CPU model too" },
    { "migratable", OPT_BOOL, "leave out features that block migration" },
    EXTRA_OPTS, { NULL, 0, NULL },
};

static const OptDef hv_baseline_opts[] = {
    FILE_OPT(OPT_STRING), HV_OPTS,
    { "features", OPT_BOOL, "list the features of the CPU model too" },
    { "migratable", OPT_BOOL, "leave out features that block migration" },
    { "model", OPT_STRING, "one CPU model, no features, instead of --file" },
    { "ignore-host", OPT_BOOL, "any model QEMU knows, any feature: for other hosts (12.9)" },
    EXTRA_OPTS, { NULL, 0, NULL },
};

static const OptDef hv_compare_opts[] = {
    FILE_OPT(OPT_DATA), HV_OPTS,
    { "error", OPT_BOOL, "an incompatible CPU is an error saying why" },
    { "validate", OPT_BOOL, "check the CPU against libvirt's cpu.rng first" },
    EXTRA_OPTS, { NULL, 0, NULL },
};

static const OptDef models_opts[] = {
    { "arch", OPT_DATA, "architecture" },
    EXTRA_OPTS, { NULL, 0, NULL },
};

/* Fills in the help of domcaps' own options from their one table. */
static void describe_extras(OptDef *defs)
{
    for (OptDef *d = defs; d->name; d++)
        for (gsize i = 0; i < G_N_ELEMENTS(extra_opts); i++)
            if (!d->help && strcmp(d->name, extra_opts[i].name) == 0)
                d->help = extra_opts[i].help;
}

static int parse_cmd(Cmd *cmd, const OptDef *defs, int argc, char **argv)
{
    static OptDef copy[MAX_OPTS + 1];
    for (int i = 0; i < MAX_OPTS && (copy[i] = defs[i]).name; i++)
        ;
    describe_extras(copy);
    cmd->opts = copy;
    return parse(cmd, argc, argv);
}

int dc_cmd_cpu_baseline(int argc, char **argv)
{
    Cmd cmd = { .name = "cpu-baseline",
                .summary = "The CPU every CPU of FILE (host CPUs) can run, from libvirt's CPU map\n"
                           "alone (virsh cpu-baseline).",
                .example = "domcaps cpu-baseline --features hosts.xml" };
    int rc = parse_cmd(&cmd, baseline_opts, argc, argv);
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    const char *file = NULL;
    unsigned int flags = (flag(&cmd, "features") ? DOMCAPS_CPU_BASELINE_EXPAND_FEATURES : 0) |
                         (flag(&cmd, "migratable") ? DOMCAPS_CPU_BASELINE_MIGRATABLE : 0);
    if (rc)
        return rc < 0 ? 0 : 1;
    if (!string_opt(&cmd, "file", &file) || !common_options(&cmd, &opts))
        return ran(FALSE, NULL);
    GError *err = NULL;
    g_auto(GStrv) cpus = domcaps_cpu_extract_file_for(&opts, file, &err);
    if (!cpus)
        return ran(FALSE, err);
    char *result = domcaps_cpu_baseline(&opts, (const char *const *)cpus, g_strv_length(cpus), flags, &err);
    return print_result(result, err);
}

static gboolean hv_options(const Cmd *cmd, domcaps_options *opts, const char **file)
{
    return string_opt(cmd, "file", file) && string_opt(cmd, "virttype", &opts->virttype) &&
           string_opt(cmd, "emulator", &opts->emulator) && string_opt(cmd, "arch", &opts->arch) &&
           string_opt(cmd, "machine", &opts->machine) && common_options(cmd, opts);
}

int dc_cmd_hypervisor_cpu_baseline(int argc, char **argv)
{
    Cmd cmd = { .name = "hypervisor-cpu-baseline",
                .summary = "The CPU all of FILE's CPUs can run here (virsh hypervisor-cpu-baseline).",
                .example = "domcaps hypervisor-cpu-baseline --virttype kvm --machine q35 hosts.xml" };
    int rc = parse_cmd(&cmd, hv_baseline_opts, argc, argv);
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    const char *file = NULL, *model = NULL;
    unsigned int flags = (flag(&cmd, "features") ? DOMCAPS_CPU_BASELINE_EXPAND_FEATURES : 0) |
                         (flag(&cmd, "migratable") ? DOMCAPS_CPU_BASELINE_MIGRATABLE : 0) |
                         (flag(&cmd, "ignore-host") ? DOMCAPS_CPU_BASELINE_IGNORE_HOST : 0);
    if (rc)
        return rc < 0 ? 0 : 1;
    if (!hv_options(&cmd, &opts, &file) || !string_opt(&cmd, "model", &model))
        return ran(FALSE, NULL);
    if (file && model) {
        error("Options --%s and --%s are mutually exclusive", "file", "model");
        return ran(FALSE, NULL);
    }
    if (!file && !model) {
        error("Either --%s or --%s must be provided", "file", "model");
        return ran(FALSE, NULL);
    }
    GError *err = NULL;
    g_auto(GStrv) cpus = NULL;
    if (file) {
        cpus = domcaps_cpu_extract_file_for(&opts, file, &err);
    } else {
        /* as virsh writes it: the name is not escaped */
        cpus = g_new0(char *, 2);
        cpus[0] = g_strdup_printf("<cpu><model>%s</model></cpu>", model);
    }
    if (!cpus)
        return ran(FALSE, err);
    warn_about(&opts, cpus);
    char *result = domcaps_hypervisor_cpu_baseline(&opts, (const char *const *)cpus, g_strv_length(cpus), flags,
                                                   &err);
    return print_result(result, err);
}

int dc_cmd_hypervisor_cpu_compare(int argc, char **argv)
{
    Cmd cmd = { .name = "hypervisor-cpu-compare",
                .summary = "Whether the hypervisor's CPU (host-model) can run the first CPU of FILE\n"
                           "(virsh hypervisor-cpu-compare).",
                .example = "domcaps hypervisor-cpu-compare --virttype kvm --error web01.xml" };
    int rc = parse_cmd(&cmd, hv_compare_opts, argc, argv);
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    const char *file = NULL;
    unsigned int flags = (flag(&cmd, "error") ? DOMCAPS_CPU_COMPARE_FAIL_INCOMPATIBLE : 0) |
                         (flag(&cmd, "validate") ? DOMCAPS_CPU_COMPARE_VALIDATE_XML : 0);
    if (rc)
        return rc < 0 ? 0 : 1;
    if (!hv_options(&cmd, &opts, &file))
        return ran(FALSE, NULL);
    GError *err = NULL;
    g_auto(GStrv) cpus = domcaps_cpu_extract_file_for(&opts, file, &err);
    if (!cpus)
        return ran(FALSE, err);
    warn_about(&opts, cpus);
    switch (domcaps_hypervisor_cpu_compare(&opts, cpus[0], flags, &err)) {
    case DOMCAPS_CPU_COMPARE_INCOMPATIBLE:
        printf("CPU described in %s is incompatible with the CPU provided by hypervisor on the host\n", file);
        return ran(FALSE, NULL);
    case DOMCAPS_CPU_COMPARE_IDENTICAL:
        printf("CPU described in %s is identical to the CPU provided by hypervisor on the host\n", file);
        return ran(TRUE, NULL);
    case DOMCAPS_CPU_COMPARE_SUPERSET:
        printf("The CPU provided by hypervisor on the host is a superset of CPU described in %s\n", file);
        return ran(TRUE, NULL);
    case DOMCAPS_CPU_COMPARE_ERROR:
        break;
    }
    error("Failed to compare hypervisor CPU with %s", file);
    return ran(FALSE, err);
}

int dc_cmd_cpu_models(int argc, char **argv)
{
    Cmd cmd = { .name = "cpu-models", .summary = "The CPU models libvirt knows for ARCH (virsh cpu-models).",
                .example = "domcaps cpu-models x86_64" };
    int rc = parse_cmd(&cmd, models_opts, argc, argv);
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    const char *arch = NULL;
    if (rc)
        return rc < 0 ? 0 : 1;
    if (!string_opt(&cmd, "arch", &arch) || !common_options(&cmd, &opts))
        return ran(FALSE, NULL);
    GError *err = NULL;
    g_auto(GStrv) models = domcaps_cpu_models(&opts, arch, &err);
    if (!models) {
        error("failed to get CPU model names");
        return ran(FALSE, err);
    }
    for (char **m = models; *m; m++)
        printf("%s\n", *m);
    if (!*models)
        printf("all CPU models are accepted\n");
    return ran(TRUE, NULL);
}
