/* QEMU firmware descriptor directories and the <os> section of domain
 * capabilities (descriptors themselves: firmware-desc.c).
 *
 * Behaviour follows libvirt 9.0 as shipped by Debian 12 (checked against the
 * live daemon); see firmware.h for the API and docs of each entry point. */
#include "host/firmware.h"
#include "host/deps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Debian builds libvirt with this CODE:VARS list; libvirt shows its CODE
 * halves (the ones present on the host) when no descriptor offers a loader. */
const DcFirmwarePair dc_firmware_default_loaders[] = {
    { "/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd" },
    { "/usr/share/OVMF/OVMF_CODE.secboot.fd", "/usr/share/OVMF/OVMF_VARS.fd" },
    { "/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF_VARS.fd" },
    { "/usr/share/AAVMF/AAVMF32_CODE.fd", "/usr/share/AAVMF/AAVMF32_VARS.fd" },
};
const gsize dc_firmware_n_default_loaders = G_N_ELEMENTS(dc_firmware_default_loaders);

/* Descriptor directories, lowest priority first. */
static const char *const system_dirs[] = {
    "/usr/share/qemu/firmware",
    "/etc/qemu/firmware",
};

/* ======================================================================
 * Collecting descriptor files
 * ====================================================================== */

typedef struct {
    char *path;          /* host path, e.g. /etc/qemu/firmware/50-x.json */
    goffset size;
} FwEntry;

typedef struct {
    char *name;
    GPtrArray *copies;   /* FwEntry*, highest priority first; [0] is used */
    DcFirmwareDesc *desc;        /* parsed [0], NULL if masked or broken */
    char *problem;               /* why [0] could not be used */
} FwName;

typedef struct {
    GPtrArray *names;    /* FwName*, sorted by name */
    GPtrArray *problems; /* char*: directory-level problems */
    char *libvirt_error; /* first thing that makes libvirt 9.0 fail */
} FwSet;

static void fw_entry_free(gpointer p)
{
    FwEntry *e = p;
    g_free(e->path);
    g_free(e);
}

static void fw_name_free(gpointer p)
{
    FwName *n = p;
    g_free(n->name);
    g_ptr_array_unref(n->copies);
    dc_firmware_desc_free(n->desc);
    g_free(n->problem);
    g_free(n);
}

static void fw_set_free(FwSet *set)
{
    if (!set)
        return;
    g_ptr_array_unref(set->names);
    g_ptr_array_unref(set->problems);
    g_free(set->libvirt_error);
    g_free(set);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwSet, fw_set_free)

static void fw_set_problem(FwSet *set, char *msg /* stolen */)
{
    if (!set->libvirt_error)
        set->libvirt_error = g_strdup(msg);
    g_ptr_array_add(set->problems, msg);
}

static int fw_name_cmp(gconstpointer a, gconstpointer b)
{
    const FwName *x = *(FwName *const *)a;
    const FwName *y = *(FwName *const *)b;
    return strcmp(x->name, y->name);
}

static void scan_dir(const DcHost *host, const char *dir, GHashTable *by_name, FwSet *set)
{
    g_autofree char *real = dc_host_path(host, dir);
    dc_host_depend(host, dir, DC_DEP_LIST);
    DIR *d = opendir(real);
    if (!d) {
        if (errno != ENOENT)
            fw_set_problem(set, g_strdup_printf("cannot open directory '%s': %s",
                                                dir, g_strerror(errno)));
        return;
    }
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        g_autofree char *path = g_strdup_printf("%s/%s", dir, ent->d_name);
        g_autofree char *rpath = dc_host_path(host, path);
        dc_host_depend(host, path, DC_DEP_READ);
        struct stat sb;
        if (stat(rpath, &sb) < 0) {
            fw_set_problem(set, g_strdup_printf("Unable to access %s: %s",
                                                path, g_strerror(errno)));
            continue;
        }
        if (!S_ISREG(sb.st_mode))
            continue;
        FwName *n = g_hash_table_lookup(by_name, ent->d_name);
        if (!n) {
            n = g_new0(FwName, 1);
            n->name = g_strdup(ent->d_name);
            n->copies = g_ptr_array_new_with_free_func(fw_entry_free);
            g_hash_table_insert(by_name, n->name, n);
        }
        FwEntry *e = g_new0(FwEntry, 1);
        e->path = g_steal_pointer(&path);
        e->size = sb.st_size;
        g_ptr_array_insert(n->copies, 0, e);
    }
    closedir(d);
}

/* Read a descriptor with libvirt's size limit, through the host root. */
static gboolean read_limited(const DcHost *host, const char *path, char **data, gsize *len, GError **err)
{
    g_autofree char *real = dc_host_path(host, path);
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e),
                    "Failed to open file '%s': %s", path, g_strerror(e));
        return FALSE;
    }
    /* Read at most one byte past the limit, to tell "too large" apart. */
    const gsize cap = DC_FIRMWARE_DESC_MAX_SIZE + 1;
    gsize size = 4096;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && sb.st_size > 0)
        size = MIN((gsize)sb.st_size + 1, cap);
    g_autofree char *buf = g_malloc(size + 1);
    gsize got = 0;
    while (got < cap) {
        if (got == size) {
            size = MIN(size * 2, cap);
            buf = g_realloc(buf, size + 1);
        }
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e),
                        "Failed to read file '%s': %s", path, g_strerror(e));
            return FALSE;
        }
        if (n == 0)
            break;
        got += (gsize)n;
    }
    close(fd);
    if (got > DC_FIRMWARE_DESC_MAX_SIZE) {
        g_set_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_TOO_LARGE,
                    "Failed to read file '%s': larger than %d bytes",
                    path, DC_FIRMWARE_DESC_MAX_SIZE);
        return FALSE;
    }
    buf[got] = '\0';
    *data = g_steal_pointer(&buf);
    *len = got;
    return TRUE;
}

static FwSet *fw_collect(const DcHost *host, guint release)
{
    FwSet *set = g_new0(FwSet, 1);
    set->names = g_ptr_array_new_with_free_func(fw_name_free);
    set->problems = g_ptr_array_new_with_free_func(g_free);

    g_autoptr(GHashTable) by_name = g_hash_table_new(g_str_hash, g_str_equal);
    for (gsize i = 0; i < G_N_ELEMENTS(system_dirs); i++)
        scan_dir(host, system_dirs[i], by_name, set);
    if (!host->privileged && host->xdg_config_home && *host->xdg_config_home) {
        g_autofree char *user = g_build_filename(host->xdg_config_home, "qemu", "firmware", NULL);
        scan_dir(host, user, by_name, set);
    }

    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, by_name);
    while (g_hash_table_iter_next(&it, NULL, &v))
        g_ptr_array_add(set->names, v);
    g_ptr_array_sort(set->names, fw_name_cmp);

    for (guint i = 0; i < set->names->len; i++) {
        FwName *n = set->names->pdata[i];
        const FwEntry *top = n->copies->pdata[0];
        if (top->size == 0)
            continue;   /* masks the lower copies */
        g_autofree char *data = NULL;
        gsize len = 0;
        g_autoptr(GError) err = NULL;
        if (!read_limited(host, top->path, &data, &len, &err) ||
            !(n->desc = dc_firmware_desc_parse(data, len, release, &err))) {
            n->problem = g_strdup(err->message);
            if (!set->libvirt_error)
                set->libvirt_error = g_strdup_printf("%s: %s", top->path, err->message);
        }
    }
    return set;
}

/* ======================================================================
 * <os> evaluation
 * ====================================================================== */

static char *describe_mismatch(const DcFirmwareDesc *desc, const char *arch, const char *machine)
{
    g_autoptr(GString) archs = g_string_new(NULL);
    g_autoptr(GString) globs = g_string_new(NULL);
    for (guint i = 0; i < desc->targets->len; i++) {
        const DcFirmwareTarget *t = desc->targets->pdata[i];
        g_string_append_printf(archs, "%s%s", archs->len ? "," : "", t->arch);
        if (strcmp(t->arch, arch) != 0)
            continue;
        for (guint j = 0; j < t->machines->len; j++)
            g_string_append_printf(globs, "%s%s", globs->len ? "," : "",
                                   (const char *)t->machines->pdata[j]);
    }
    for (guint i = 0; i < desc->targets->len; i++) {
        const DcFirmwareTarget *t = desc->targets->pdata[i];
        if (strcmp(t->arch, arch) == 0)
            return g_strdup_printf("machine %s matches none of the %s patterns [%s]",
                                   machine, arch, globs->str);
    }
    return g_strdup_printf("wrong architecture: targets [%s], not %s",
                           archs->len ? archs->str : "none", arch);
}

static void evaluate(const DcHost *host, const FwSet *set, const char *arch, const char *machine,
                     DcOsCaps *out, GPtrArray *explain)
{
    guint ifaces = 0;
    gboolean secure = FALSE;
    g_autoptr(GPtrArray) offered = g_ptr_array_new();   /* borrowed paths, unique */
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    memset(out, 0, sizeof(*out));
    out->loader.values = g_ptr_array_new_with_free_func(g_free);
    out->problems = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < set->problems->len; i++) {
        g_ptr_array_add(out->problems, g_strdup(set->problems->pdata[i]));
        if (explain)
            g_ptr_array_add(explain, g_strdup_printf("problem: %s (libvirt 9.0 fails domcapabilities on this)",
                                                     (const char *)set->problems->pdata[i]));
    }
    out->libvirt_error = g_strdup(set->libvirt_error);

    for (guint i = 0; i < set->names->len; i++) {
        const FwName *n = set->names->pdata[i];
        const FwEntry *top = n->copies->pdata[0];
        const DcFirmwareDesc *desc = n->desc;

        if (n->problem) {
            g_ptr_array_add(out->problems, g_strdup_printf("%s: %s", top->path, n->problem));
            if (explain)
                g_ptr_array_add(explain, g_strdup_printf(
                    "%s: skipped: %s (libvirt 9.0 fails domcapabilities on this)",
                    top->path, n->problem));
        } else if (!desc) {
            if (explain)
                g_ptr_array_add(explain, g_strdup_printf(
                    "%s: skipped: empty file%s", top->path,
                    n->copies->len > 1 ? ", masks the same name below" : ""));
        } else if (!dc_firmware_desc_matches(desc, arch, machine)) {
            if (explain) {
                g_autofree char *why = describe_mismatch(desc, arch, machine);
                g_ptr_array_add(explain, g_strdup_printf("%s: skipped: %s", top->path, why));
            }
        } else {
            const char *path = dc_firmware_desc_loader_path(desc);
            ifaces |= desc->interfaces;
            if (desc->features & DC_FW_FEATURE_REQUIRES_SMM)
                secure = TRUE;
            gboolean dup = path && g_hash_table_contains(seen, path);
            if (path && !dup) {
                g_hash_table_add(seen, (gpointer)path);
                g_ptr_array_add(offered, (gpointer)path);
            }
            if (explain) {
                g_autofree char *fi = dc_firmware_interface_names(desc->interfaces);
                g_autofree char *ff = dc_firmware_feature_names(desc->features);
                g_autofree char *note = NULL;
                if (!path)
                    note = g_strdup(desc->device == DC_FW_DEVICE_KERNEL
                                    ? "offers no loader (kernel mapping)"
                                    : "offers no loader (memory mapping without filename)");
                else if (dup)
                    note = g_strdup_printf("loader %s already listed", path);
                else if (!dc_host_exists(host, path))
                    note = g_strdup_printf("loader %s not listed: file does not exist", path);
                else
                    note = g_strdup_printf("loader %s listed", path);
                g_ptr_array_add(explain, g_strdup_printf(
                    "%s: taken: interfaces %s, features %s%s; %s", top->path, fi, ff,
                    desc->features & DC_FW_FEATURE_REQUIRES_SMM ? " (requires-smm: secure=yes)" : "",
                    note));
            }
        }

        for (guint c = 1; explain && c < n->copies->len; c++) {
            const FwEntry *low = n->copies->pdata[c];
            g_ptr_array_add(explain, g_strdup_printf(
                "%s: skipped: %s %s", low->path,
                top->size == 0 ? "masked by empty file" : "shadowed by same-named", top->path));
        }
    }

    out->supported = TRUE;
    gsize k = 0;
    if (ifaces & DC_FW_IFACE_BIOS)
        out->firmware[k++] = "bios";
    if (ifaces & DC_FW_IFACE_UEFI)
        out->firmware[k++] = "efi";

    out->loader.supported = TRUE;
    if (offered->len) {
        for (guint i = 0; i < offered->len; i++)
            if (dc_host_exists(host, offered->pdata[i]))
                g_ptr_array_add(out->loader.values, g_strdup(offered->pdata[i]));
        if (explain)
            g_ptr_array_add(explain, g_strdup_printf(
                "loader values: %u from matching descriptors", out->loader.values->len));
    } else {
        g_autoptr(GString) line = NULL;
        out->used_default_loaders = TRUE;
        if (explain)
            line = g_string_new("loader values: no matching descriptor offers a loader; libvirt's built-in list:");
        for (gsize i = 0; i < dc_firmware_n_default_loaders; i++) {
            const char *code = dc_firmware_default_loaders[i].code;
            gboolean exists = dc_host_exists(host, code);
            if (exists)
                g_ptr_array_add(out->loader.values, g_strdup(code));
            if (line)
                g_string_append_printf(line, " %s (%s)", code, exists ? "listed" : "missing");
        }
        if (line)
            g_ptr_array_add(explain, g_string_free(g_steal_pointer(&line), FALSE));
    }

    out->loader.type[0] = "rom";
    out->loader.type[1] = "pflash";
    out->loader.readonly[0] = "yes";
    out->loader.readonly[1] = "no";
    k = 0;
    if (secure)
        out->loader.secure[k++] = "yes";
    out->loader.secure[k] = "no";
}

gboolean dc_firmware_os_caps(const DcHost *host, const char *arch, const char *machine, guint release,
                             DcOsCaps *out, GError **err)
{
    if (!host || !arch || !*arch || !machine || !out) {
        g_set_error_literal(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_INVALID_ARGUMENT,
                            "dc_firmware_os_caps: host, arch, machine and out are required");
        return FALSE;
    }
    g_autoptr(FwSet) set = fw_collect(host, release);
    evaluate(host, set, arch, machine, out, NULL);
    return TRUE;
}

void dc_os_caps_clear(DcOsCaps *caps)
{
    if (!caps)
        return;
    if (caps->loader.values)
        g_ptr_array_unref(caps->loader.values);
    if (caps->problems)
        g_ptr_array_unref(caps->problems);
    g_free(caps->libvirt_error);
    memset(caps, 0, sizeof(*caps));
}

GPtrArray *dc_firmware_explain(const DcHost *host, const char *arch, const char *machine, guint release)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    if (!host || !arch || !machine) {
        g_ptr_array_add(lines, g_strdup("no host, arch or machine given"));
        return lines;
    }
    g_autoptr(FwSet) set = fw_collect(host, release);
    DcOsCaps caps;
    evaluate(host, set, arch, machine, &caps, lines);
    dc_os_caps_clear(&caps);
    return lines;
}
