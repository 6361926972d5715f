#include "caps/arch.h"

typedef struct {
    const char *arch;          /* libvirt name */
    const char *qemu_target;   /* query-target arch */
    const char *binary;        /* qemu-system-<binary> */
    const char *preferred_machine;
} DcArchRow;

/* One row per arch libvirt knows. */
static const DcArchRow arch_table[] = {
    { "alpha", "alpha", "alpha", NULL },
    { "armv6l", NULL, "arm", NULL },
    { "armv7l", "arm", "arm", NULL },
    { "armv7b", NULL, "arm", NULL },
    { "aarch64", "aarch64", "aarch64", "virt" },
    { "cris", "cris", "cris", NULL },
    { "i686", "i386", "i386", "pc" },
    { "x86_64", "x86_64", "x86_64", "pc" },
    { "lm32", "lm32", "lm32", NULL },
    { "m68k", "m68k", "m68k", NULL },
    { "microblaze", "microblaze", "microblaze", NULL },
    { "microblazeel", "microblazeel", "microblazeel", NULL },
    { "mips", "mips", "mips", NULL },
    { "mipsel", "mipsel", "mipsel", NULL },
    { "mips64", "mips64", "mips64", NULL },
    { "mips64el", "mips64el", "mips64el", NULL },
    { "openrisc", "or1k", "or1k", NULL },
    { "parisc", "hppa", "hppa", NULL },
    { "ppc", "ppc", "ppc", "g3beige" },
    { "ppc64", "ppc64", "ppc64", "pseries" },
    { "ppc64le", NULL, "ppc64", "pseries" },
    { "ppcemb", "ppcemb", "ppcemb", NULL },
    { "riscv32", "riscv32", "riscv32", "virt" },
    { "riscv64", "riscv64", "riscv64", "virt" },
    { "s390", NULL, "s390x", NULL },
    { "s390x", "s390x", "s390x", "s390-ccw-virtio" },
    { "sh4", "sh4", "sh4", NULL },
    { "sh4eb", "sh4eb", "sh4eb", NULL },
    { "sparc", "sparc", "sparc", "SS-5" },
    { "sparc64", "sparc64", "sparc64", NULL },
    { "unicore32", "unicore32", "unicore32", NULL },
    { "xtensa", "xtensa", "xtensa", NULL },
    { "xtensaeb", "xtensaeb", "xtensaeb", NULL },
};

static const DcArchRow *find(const char *arch)
{
    for (gsize i = 0; arch && i < G_N_ELEMENTS(arch_table); i++)
        if (strcmp(arch_table[i].arch, arch) == 0)
            return &arch_table[i];
    return NULL;
}

gboolean dc_arch_is_known(const char *arch)
{
    return find(arch) != NULL;
}

const char *dc_arch_from_qemu_target(const char *target)
{
    for (gsize i = 0; target && i < G_N_ELEMENTS(arch_table); i++)
        if (g_strcmp0(arch_table[i].qemu_target, target) == 0)
            return arch_table[i].arch;
    return NULL;
}

/* Emulators that also serve a narrower arch: x86_64 runs i686 guests,
 * aarch64 runs armv7l, ppc64 runs ppc64le (and 32-bit ppc). */
static const struct { const char *arch, *emu_arch; } served_by[] = {
    { "i686", "x86_64" },
    { "armv7l", "aarch64" },
    { "armv6l", "armv7l" },
    { "ppc64le", "ppc64" },
    { "ppc", "ppc64" },
    { "s390", "s390x" },
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

GPtrArray *dc_arch_emulator_names(const char *arch)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const DcArchRow *row = find(arch);
    if (!row)
        return names;
    g_ptr_array_add(names, g_strdup_printf("qemu-system-%s", row->binary));
    for (gsize i = 0; i < G_N_ELEMENTS(served_by); i++) {
        if (strcmp(served_by[i].arch, arch) != 0)
            continue;
        const DcArchRow *wider = find(served_by[i].emu_arch);
        if (wider && strcmp(wider->binary, row->binary) != 0)
            g_ptr_array_add(names, g_strdup_printf("qemu-system-%s", wider->binary));
    }
    return names;
}

const char *dc_arch_preferred_machine(const char *arch)
{
    const DcArchRow *row = find(arch);
    return row ? row->preferred_machine : NULL;
}
