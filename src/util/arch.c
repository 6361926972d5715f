#include "util/arch.h"

/* One row per architecture name libvirt knows (src/util/virarch.c).
 *  qemu_target: the query-target "arch" answer that means this arch (NULL:
 *               no QEMU target reports it; QEMU names that are no row's
 *               target, like "or1k" or "hppa", are no libvirt arch)
 *  binary:      the qemu-system-<binary> libvirt looks for first
 *  preferred:   preferredMachines[]: the machine libvirt picks when none is
 *               asked for, when the binary has it (by name or alias)
 *  virt_since:  the release from which libvirt prefers "virt" instead
 *  cpu:         libvirt's CPU driver, present from cpu_since on
 *  since:       the first release that knows the arch
 * Releases are major * 1000 + minor (format/releases.h); 0: always. */
typedef struct {
    const char *name;
    const char *qemu_target;
    const char *binary;
    DcArchFamily family;
    const char *preferred;
    guint virt_since;
    DcArchCpuDriver cpu;
    guint cpu_since;
    guint since;
} DcArchRow;

#define X86 DC_ARCH_FAMILY_X86
#define ARM DC_ARCH_FAMILY_ARM
#define PPC DC_ARCH_FAMILY_PPC
#define S390 DC_ARCH_FAMILY_S390
#define OTHER DC_ARCH_FAMILY_OTHER
#define ARCH(n, t, b, ...) { .name = n, .qemu_target = t, .binary = b, __VA_ARGS__ }

static const DcArchRow arch_table[] = {
    ARCH("alpha", "alpha", "alpha", .family = OTHER, .preferred = "clipper"),
    ARCH("armv6l", NULL, "arm", .family = ARM, .preferred = "integratorcp", .cpu = DC_ARCH_CPU_ARM),
    ARCH("armv7l", "arm", "arm", .family = ARM, .preferred = "integratorcp", .virt_since = 9002, .cpu = DC_ARCH_CPU_ARM),
    ARCH("armv7b", NULL, "armv7b", .family = ARM, .preferred = "integratorcp", .virt_since = 9002, .cpu = DC_ARCH_CPU_ARM),
    ARCH("aarch64", "aarch64", "aarch64", .family = ARM, .preferred = "integratorcp", .virt_since = 9002, .cpu = DC_ARCH_CPU_ARM),
    ARCH("cris", "cris", "cris", .family = OTHER, .preferred = "axis-dev88"),
    ARCH("i686", "i386", "i386", .family = X86, .preferred = "pc", .cpu = DC_ARCH_CPU_X86),
    ARCH("ia64", NULL, "ia64", .family = OTHER, .preferred = NULL),
    ARCH("lm32", "lm32", "lm32", .family = OTHER, .preferred = "lm32-evr"),
    /* libvirt 10.2 added loongarch64, its driver and "virt" at once. */
    ARCH("loongarch64", "loongarch64", "loongarch64", .family = OTHER, .preferred = "virt", .cpu = DC_ARCH_CPU_LOONGARCH, .cpu_since = 10002, .since = 10002),
    ARCH("m68k", "m68k", "m68k", .family = OTHER, .preferred = "mcf5208evb"),
    ARCH("microblaze", "microblaze", "microblaze", .family = OTHER, .preferred = "petalogix-s3adsp1800"),
    ARCH("microblazeel", "microblazeel", "microblazeel", .family = OTHER, .preferred = "petalogix-s3adsp1800"),
    ARCH("mips", "mips", "mips", .family = OTHER, .preferred = "malta"),
    ARCH("mipsel", "mipsel", "mipsel", .family = OTHER, .preferred = "malta"),
    ARCH("mips64", "mips64", "mips64", .family = OTHER, .preferred = "malta"),
    ARCH("mips64el", "mips64el", "mips64el", .family = OTHER, .preferred = "malta"),
    ARCH("openrisc", "or32", "or32", .family = OTHER, .preferred = "or1k-sim"),
    ARCH("parisc", "parisc", "parisc", .family = OTHER, .preferred = NULL),
    ARCH("parisc64", "parisc64", "parisc64", .family = OTHER, .preferred = NULL),
    ARCH("ppc", "ppc", "ppc", .family = PPC, .preferred = "g3beige"),
    ARCH("ppcle", "ppcle", "ppcle", .family = PPC, .preferred = "g3beige"),
    ARCH("ppc64", "ppc64", "ppc64", .family = PPC, .preferred = "pseries", .cpu = DC_ARCH_CPU_PPC64),
    ARCH("ppc64le", "ppc64le", "ppc64le", .family = PPC, .preferred = "pseries", .cpu = DC_ARCH_CPU_PPC64),
    ARCH("ppcemb", "ppcemb", "ppcemb", .family = PPC, .preferred = "bamboo"),
    ARCH("riscv32", "riscv32", "riscv32", .family = OTHER, .preferred = "spike_v1.10", .virt_since = 9002),
    /* The riscv64 CPU driver (listing QEMU's models) dates from 2023: the
     * first release with it lies between 9.0 and 10.0. */
    ARCH("riscv64", "riscv64", "riscv64", .family = OTHER, .preferred = "spike_v1.10", .virt_since = 9002, .cpu = DC_ARCH_CPU_RISCV64, .cpu_since = 10000),
    ARCH("s390", "s390", "s390", .family = S390, .preferred = NULL, .cpu = DC_ARCH_CPU_S390),
    ARCH("s390x", "s390x", "s390x", .family = S390, .preferred = "s390-ccw-virtio", .cpu = DC_ARCH_CPU_S390),
    ARCH("sh4", "sh4", "sh4", .family = OTHER, .preferred = "shix"),
    ARCH("sh4eb", "sh4eb", "sh4eb", .family = OTHER, .preferred = "shix"),
    ARCH("sparc", "sparc", "sparc", .family = OTHER, .preferred = "SS-5"),
    ARCH("sparc64", "sparc64", "sparc64", .family = OTHER, .preferred = "sun4u"),
    ARCH("unicore32", "unicore32", "unicore32", .family = OTHER, .preferred = "puv3"),
    ARCH("x86_64", "x86_64", "x86_64", .family = X86, .preferred = "pc", .cpu = DC_ARCH_CPU_X86),
    ARCH("xtensa", "xtensa", "xtensa", .family = OTHER, .preferred = "sim"),
    ARCH("xtensaeb", "xtensaeb", "xtensaeb", .family = OTHER, .preferred = "sim"),
};

static const DcArchRow *find(const char *arch)
{
    for (gsize i = 0; arch && i < G_N_ELEMENTS(arch_table); i++)
        if (strcmp(arch_table[i].name, arch) == 0)
            return &arch_table[i];
    return NULL;
}

static const DcArchRow *find_known(const char *arch, guint release)
{
    const DcArchRow *row = find(arch);
    return row && release >= row->since ? row : NULL;
}

gboolean dc_arch_is_known(const char *arch, guint release)
{
    return find_known(arch, release) != NULL;
}

const char *dc_arch_from_qemu_target(const char *target, guint release)
{
    for (gsize i = 0; target && i < G_N_ELEMENTS(arch_table); i++)
        if (g_strcmp0(arch_table[i].qemu_target, target) == 0 && release >= arch_table[i].since)
            return arch_table[i].name;
    return NULL;
}

const char *dc_arch_from_qemu_name(const char *name, guint release)
{
    static const char *const spellings[][2] = { { "i386", "i686" }, { "arm", "armv7l" }, { "or32", "openrisc" } };
    for (gsize i = 0; name && i < G_N_ELEMENTS(spellings); i++)
        if (strcmp(name, spellings[i][0]) == 0)
            return spellings[i][1];
    const DcArchRow *row = find_known(name, release);
    return row ? row->name : NULL;
}

const char *dc_arch_from_uname(const char *machine)
{
    static const char *const aliases[][2] = {
        { "i386", "i686" }, { "i486", "i686" }, { "i586", "i686" }, { "amd64", "x86_64" },
        { "arm64", "aarch64" }, { "armv8l", "armv7l" },
    };
    for (gsize i = 0; machine && i < G_N_ELEMENTS(aliases); i++)
        if (strcmp(machine, aliases[i][0]) == 0)
            return aliases[i][1];
    return machine;
}

DcArchFamily dc_arch_family(const char *arch)
{
    const DcArchRow *row = find(arch);
    return row ? row->family : DC_ARCH_FAMILY_OTHER;
}

gboolean dc_arch_is_x86(const char *arch) { return dc_arch_family(arch) == DC_ARCH_FAMILY_X86; }
gboolean dc_arch_is_arm(const char *arch) { return dc_arch_family(arch) == DC_ARCH_FAMILY_ARM; }
gboolean dc_arch_is_s390(const char *arch) { return dc_arch_family(arch) == DC_ARCH_FAMILY_S390; }

gboolean dc_arch_is_ppc64(const char *arch)
{
    return g_strcmp0(arch, "ppc64") == 0 || g_strcmp0(arch, "ppc64le") == 0;
}

DcArchCpuDriver dc_arch_cpu_driver(const char *arch, guint release)
{
    const DcArchRow *row = find_known(arch, release);
    return row && release >= row->cpu_since ? row->cpu : DC_ARCH_CPU_NONE;
}

gboolean dc_arch_same_family(const char *a, const char *b)
{
    if (g_strcmp0(a, b) == 0)
        return TRUE;
    DcArchFamily fa = dc_arch_family(a);
    return fa != DC_ARCH_FAMILY_OTHER && fa == dc_arch_family(b);
}

/* Emulators that also run a narrower arch (virQEMUCapsIsArchSupported):
 * x86_64 runs i686 guests, aarch64 armv7l, arm (armv7l) armv6l, ppc64
 * ppc64le. Nothing else: qemu-system-ppc64 does not serve "ppc" for
 * libvirt, qemu-system-s390x not "s390". */
static const struct { const char *arch, *emu_arch; } served_by[] = {
    { "i686", "x86_64" },
    { "armv7l", "aarch64" },
    { "armv6l", "armv7l" },
    { "ppc64le", "ppc64" },
};

gboolean dc_arch_served_by(const char *arch, const char *emu_arch)
{
    if (g_strcmp0(arch, emu_arch) == 0)
        return TRUE;
    for (gsize i = 0; i < G_N_ELEMENTS(served_by); i++)
        if (g_strcmp0(served_by[i].arch, arch) == 0 && g_strcmp0(served_by[i].emu_arch, emu_arch) == 0)
            return TRUE;
    return FALSE;
}

gboolean dc_arch_is_native(const char *arch, const char *host_arch)
{
    if (g_strcmp0(arch, host_arch) == 0)
        return TRUE;
    if (g_strcmp0(host_arch, "x86_64") == 0 && g_strcmp0(arch, "i686") == 0)
        return TRUE;
    if (g_strcmp0(host_arch, "aarch64") == 0 && g_strcmp0(arch, "armv7l") == 0)
        return TRUE;
    return dc_arch_is_ppc64(host_arch) && dc_arch_is_ppc64(arch);
}

static void add_binary(GPtrArray *names, const char *arch)
{
    const DcArchRow *row = find(arch);
    if (!row)
        return;
    char *name = g_strdup_printf("qemu-system-%s", row->binary);
    for (guint i = 0; i < names->len; i++) {
        if (strcmp(names->pdata[i], name) == 0) {
            g_free(name);
            return;
        }
    }
    g_ptr_array_add(names, name);
}

/* libvirt's search: an armv7l guest on an aarch64 host wants the aarch64
 * binary (KVM); then the arch's own binary; then the binary of the target
 * that runs it: the host's for a native guest, ppc64 for any ppc64 flavour. */
GPtrArray *dc_arch_emulator_names(const char *arch, const char *host_arch)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    if (!find(arch))
        return names;
    if (g_strcmp0(host_arch, "aarch64") == 0 && strcmp(arch, "armv7l") == 0)
        add_binary(names, host_arch);
    add_binary(names, arch);
    const char *target = host_arch && dc_arch_is_native(arch, host_arch) ? host_arch : arch;
    if (dc_arch_is_ppc64(target))
        target = "ppc64";
    add_binary(names, target);
    return names;
}

const char *dc_arch_preferred_machine(const char *emu_arch, guint release)
{
    const DcArchRow *row = find_known(emu_arch, release);
    if (!row)
        return NULL;
    return row->virt_since && release >= row->virt_since ? "virt" : row->preferred;
}
