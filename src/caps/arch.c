#include "caps/arch.h"

/* One row per architecture name libvirt 9.0 knows.
 *  binary:      the qemu-system-<binary> libvirt looks for first
 *  qemu_target: the query-target "arch" answer that means this arch (NULL:
 *               no QEMU target reports it; QEMU names absent from the table,
 *               like "or1k", "hppa" or "loongarch64", are not libvirt arches)
 *  preferred:   the machine libvirt picks when none is asked for, when the
 *               binary has it (by name or alias); otherwise QEMU's default,
 *               otherwise the first machine QEMU lists. */
typedef struct {
    const char *arch;
    const char *qemu_target;
    const char *binary;
    const char *preferred_machine;
} DcArchRow;

static const DcArchRow arch_table[] = {
    { "alpha", "alpha", "alpha", "clipper" },
    { "armv6l", NULL, "arm", "integratorcp" },
    { "armv7l", "arm", "arm", "integratorcp" },
    { "armv7b", NULL, "armv7b", "integratorcp" },
    { "aarch64", "aarch64", "aarch64", "integratorcp" },
    { "cris", "cris", "cris", "axis-dev88" },
    { "i686", "i386", "i386", "pc" },
    { "ia64", NULL, "ia64", NULL },
    { "lm32", "lm32", "lm32", "lm32-evr" },
    { "m68k", "m68k", "m68k", "mcf5208evb" },
    { "microblaze", "microblaze", "microblaze", "petalogix-s3adsp1800" },
    { "microblazeel", "microblazeel", "microblazeel", "petalogix-s3adsp1800" },
    { "mips", "mips", "mips", "malta" },
    { "mipsel", "mipsel", "mipsel", "malta" },
    { "mips64", "mips64", "mips64", "malta" },
    { "mips64el", "mips64el", "mips64el", "malta" },
    { "openrisc", "or32", "or32", "or1k-sim" },
    { "parisc", "parisc", "parisc", NULL },
    { "parisc64", "parisc64", "parisc64", NULL },
    { "ppc", "ppc", "ppc", "g3beige" },
    { "ppcle", "ppcle", "ppcle", "g3beige" },
    { "ppc64", "ppc64", "ppc64", "pseries" },
    { "ppc64le", "ppc64le", "ppc64le", "pseries" },
    { "ppcemb", "ppcemb", "ppcemb", "bamboo" },
    { "riscv32", "riscv32", "riscv32", "spike_v1.10" },
    { "riscv64", "riscv64", "riscv64", "spike_v1.10" },
    { "s390", "s390", "s390", NULL },
    { "s390x", "s390x", "s390x", "s390-ccw-virtio" },
    { "sh4", "sh4", "sh4", "shix" },
    { "sh4eb", "sh4eb", "sh4eb", "shix" },
    { "sparc", "sparc", "sparc", "SS-5" },
    { "sparc64", "sparc64", "sparc64", "sun4u" },
    { "unicore32", "unicore32", "unicore32", "puv3" },
    { "x86_64", "x86_64", "x86_64", "pc" },
    { "xtensa", "xtensa", "xtensa", "sim" },
    { "xtensaeb", "xtensaeb", "xtensaeb", "sim" },
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

/* Families whose members an emulator's arch is compared within before the
 * finer served-by rule applies. */
static int family(const char *arch)
{
    static const char *const families[][6] = {
        { "i686", "x86_64", NULL },
        { "armv6l", "armv7l", "armv7b", "aarch64", NULL },
        { "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", NULL },
        { "s390", "s390x", NULL },
    };
    for (gsize f = 0; arch && f < G_N_ELEMENTS(families); f++)
        for (gsize i = 0; families[f][i]; i++)
            if (strcmp(families[f][i], arch) == 0)
                return (int)f;
    return -1;
}

gboolean dc_arch_same_family(const char *a, const char *b)
{
    if (g_strcmp0(a, b) == 0)
        return TRUE;
    int fa = family(a);
    return fa >= 0 && fa == family(b);
}

/* Emulators that also run a narrower arch: x86_64 runs i686 guests, aarch64
 * armv7l, arm (armv7l) armv6l, ppc64 ppc64le. Nothing else: qemu-system-ppc64
 * does not serve "ppc" for libvirt, qemu-system-s390x not "s390". */
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
    gboolean host_ppc64 = g_strcmp0(host_arch, "ppc64") == 0 || g_strcmp0(host_arch, "ppc64le") == 0;
    gboolean guest_ppc64 = g_strcmp0(arch, "ppc64") == 0 || g_strcmp0(arch, "ppc64le") == 0;
    return host_ppc64 && guest_ppc64;
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
    if (strcmp(target, "ppc64le") == 0)
        target = "ppc64";
    add_binary(names, target);
    return names;
}

const char *dc_arch_preferred_machine(const char *arch)
{
    const DcArchRow *row = find(arch);
    return row ? row->preferred_machine : NULL;
}
