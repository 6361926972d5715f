/* KVM questions for a guest-to-be (host/kvm-guest.h). The answers are what
 * QEMU meets when it creates the VM: KVM_CHECK_EXTENSION on the VM, and for
 * the MSR the write QEMU makes at vCPU reset (kvm_put_msrs) of the value
 * KVM reports as supported for the feature MSR. */
#include "host/kvm-guest.h"
#include "host/kvm.h"
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#if defined(__linux__) && (defined(__x86_64__) || defined(__i386__))
#include <linux/kvm.h>
#define DC_HAVE_KVM_X86 1
#endif

#define MSR_IA32_ARCH_CAPABILITIES 0x10a

typedef struct {
    const char *key;
    gsize offset;
    gboolean boolean;
} FixtureKey;

static const FixtureKey fixture_keys[] = {
    { "smm", G_STRUCT_OFFSET(DcKvmGuest, smm), TRUE },
    { "max-vcpus", G_STRUCT_OFFSET(DcKvmGuest, max_vcpus), FALSE },
    { "arch-capabilities-settable", G_STRUCT_OFFSET(DcKvmGuest, arch_caps_settable), TRUE },
    { "hyperv", G_STRUCT_OFFSET(DcKvmGuest, hyperv), TRUE },
    { "pv-unhalt", G_STRUCT_OFFSET(DcKvmGuest, pv_unhalt), TRUE },
};

static void from_fixture(const DcHost *host, DcKvmGuest *out)
{
    g_autofree char *text = NULL;
    if (!dc_host_read_file(host, DC_HOST_FIXTURE_DIR "/kvm-guest", &text, NULL, NULL))
        return;
    out->known = TRUE;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = g_strsplit_set(g_strstrip(*l), " \t", 2);
        if (g_strv_length(f) != 2)
            continue;
        for (gsize i = 0; i < G_N_ELEMENTS(fixture_keys); i++) {
            if (strcmp(f[0], fixture_keys[i].key) != 0)
                continue;
            guint v = (guint)g_ascii_strtoull(f[1], NULL, 10);
            if (fixture_keys[i].boolean)
                G_STRUCT_MEMBER(gboolean, out, fixture_keys[i].offset) = v != 0;
            else
                G_STRUCT_MEMBER(guint, out, fixture_keys[i].offset) = v;
        }
    }
}

#ifdef DC_HAVE_KVM_X86
/* A KVM_GET_MSRS/KVM_SET_MSRS argument of one MSR (kvm_msrs ends in a
 * flexible array, so it is allocated rather than nested in a struct). */
static struct kvm_msrs *one_msr(guint32 index)
{
    struct kvm_msrs *m = g_malloc0(sizeof(*m) + sizeof(struct kvm_msr_entry));
    m->nmsrs = 1;
    m->entries[0].index = index;
    return m;
}

#define KVM_CPUID_FEATURES_LEAF 0x40000001
#define KVM_FEATURE_PV_UNHALT_BIT 7

/* The CPUID KVM supports for guests (NULL when it does not say). */
static struct kvm_cpuid2 *supported_cpuid(int kvm)
{
    const guint n = 256;
    struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
    c->nent = n;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
        return c;
    g_free(c);
    return NULL;
}

/* KVM's paravirtual spinlock support (KVM_FEATURE_PV_UNHALT). */
static gboolean pv_unhalt(const struct kvm_cpuid2 *c)
{
    for (guint i = 0; c && i < c->nent; i++)
        if (c->entries[i].function == KVM_CPUID_FEATURES_LEAF)
            return (c->entries[i].eax >> KVM_FEATURE_PV_UNHALT_BIT) & 1;
    return FALSE;
}

/* Does a vCPU take the ARCH_CAPABILITIES value KVM reports for the host?
 * (A host without the feature MSR has nothing to refuse.) */
static gboolean arch_caps_settable(int kvm, int vm, const struct kvm_cpuid2 *cpuid)
{
    g_autofree struct kvm_msrs *m = one_msr(MSR_IA32_ARCH_CAPABILITIES);
    if (ioctl(kvm, KVM_GET_MSRS, m) != 1 || m->entries[0].data == 0)
        return TRUE;
    int cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (cpu < 0)
        return TRUE;
    /* QEMU gives the vCPU its CPUID before it writes MSRs, and KVM refuses
     * ARCH_CAPABILITIES to a vCPU whose CPUID lacks it */
    if (cpuid)
        (void)ioctl(cpu, KVM_SET_CPUID2, cpuid);
    gboolean ok = ioctl(cpu, KVM_SET_MSRS, m) == 1;
    close(cpu);
    return ok;
}

static void from_kvm(const DcHost *host, DcKvmGuest *out)
{
    g_autofree char *dev = dc_host_path(host, "/dev/kvm");
    int kvm = open(dev, O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        return;
    int vm = -1;
    for (int tries = 0; vm < 0 && tries < 3; tries++)
        vm = ioctl(kvm, KVM_CREATE_VM, 0);  /* EINTR is possible while the kernel sets it up */
    if (vm >= 0) {
        out->known = TRUE;
        out->smm = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_X86_SMM) > 0;
        int max = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
        out->max_vcpus = max > 0 ? (guint)max : 0;
        out->hyperv = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV) > 0;
        g_autofree struct kvm_cpuid2 *cpuid = supported_cpuid(kvm);
        out->pv_unhalt = pv_unhalt(cpuid);
        out->arch_caps_settable = arch_caps_settable(kvm, vm, cpuid);
        close(vm);
    }
    close(kvm);
}
#else
static void from_kvm(const DcHost *host, DcKvmGuest *out)
{
    (void)host;
    (void)out;
}
#endif

gboolean dc_kvm_feature_msr(const DcHost *host, guint32 index, guint64 *value)
{
    if (strcmp(host->root, "/") != 0)
        return dc_host_kvm_feature_msr(host, index, value);  /* a fixture's kvm-msr */
#ifdef DC_HAVE_KVM_X86
    g_autofree char *dev = dc_host_path(host, "/dev/kvm");
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return FALSE;
    g_autofree struct kvm_msrs *m = one_msr(index);
    int n = ioctl(fd, KVM_GET_MSRS, m);
    close(fd);
    *value = m->entries[0].data;
    return n == 1;
#else
    (void)host;
    (void)index;
    (void)value;
    return FALSE;
#endif
}

void dc_kvm_guest_caps(const DcHost *host, DcKvmGuest *out)
{
    static GMutex lock;
    static GHashTable *seen; /* root -> DcKvmGuest */
    memset(out, 0, sizeof(*out));
    g_mutex_lock(&lock);
    if (!seen)
        seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    DcKvmGuest *known = g_hash_table_lookup(seen, host->root);
    if (!known) {
        known = g_new0(DcKvmGuest, 1);
        if (strcmp(host->root, "/") == 0)
            from_kvm(host, known);
        else
            from_fixture(host, known);
        g_hash_table_insert(seen, g_strdup(host->root), known);
    }
    *out = *known;
    g_mutex_unlock(&lock);
}
