/* Finding and reading descriptor files; see firmware-scan.h. */
#include "host/firmware-scan.h"
#include "host/firmware.h"
#include "host/deps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Descriptor directories, lowest priority first. */
static const char *const system_dirs[] = {
    "/usr/share/qemu/firmware",
    "/etc/qemu/firmware",
};

static void file_free(gpointer p)
{
    DcFirmwareFile *f = p;
    g_free(f->path);
    g_free(f);
}

static void name_free(gpointer p)
{
    DcFirmwareName *n = p;
    g_free(n->name);
    g_ptr_array_unref(n->copies);
    g_free(n);
}

void dc_firmware_files_free(DcFirmwareFiles *files)
{
    if (!files)
        return;
    g_ptr_array_unref(files->names);
    g_ptr_array_unref(files->unreadable);
    g_free(files);
}

static int name_cmp(gconstpointer a, gconstpointer b)
{
    const DcFirmwareName *x = *(DcFirmwareName *const *)a;
    const DcFirmwareName *y = *(DcFirmwareName *const *)b;
    return strcmp(x->name, y->name);
}

/* Add the regular files of @dir to @by_name, each above the same name's
 * copies from earlier directories. A directory that does not exist is
 * fine; one that cannot be read, or an entry that cannot be stat'ed (a
 * dangling symlink), is what libvirt fails on. */
static void scan_dir(const DcHost *host, const char *dir, GHashTable *by_name, DcFirmwareFiles *files)
{
    g_autofree char *real = dc_host_path(host, dir);
    dc_host_depend(host, dir, DC_DEP_LIST);
    DIR *d = opendir(real);
    if (!d) {
        if (errno != ENOENT)
            g_ptr_array_add(files->unreadable, g_strdup_printf("cannot open directory '%s': %s",
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
            g_ptr_array_add(files->unreadable, g_strdup_printf("Unable to access %s: %s",
                                                               path, g_strerror(errno)));
            continue;
        }
        if (!S_ISREG(sb.st_mode))
            continue;
        DcFirmwareName *n = g_hash_table_lookup(by_name, ent->d_name);
        if (!n) {
            n = g_new0(DcFirmwareName, 1);
            n->name = g_strdup(ent->d_name);
            n->copies = g_ptr_array_new_with_free_func(file_free);
            g_hash_table_insert(by_name, n->name, n);
        }
        DcFirmwareFile *f = g_new0(DcFirmwareFile, 1);
        f->path = g_steal_pointer(&path);
        f->size = sb.st_size;
        g_ptr_array_insert(n->copies, 0, f);
    }
    closedir(d);
}

DcFirmwareFiles *dc_firmware_scan(const DcHost *host)
{
    DcFirmwareFiles *files = g_new0(DcFirmwareFiles, 1);
    files->names = g_ptr_array_new_with_free_func(name_free);
    files->unreadable = g_ptr_array_new_with_free_func(g_free);

    g_autoptr(GHashTable) by_name = g_hash_table_new(g_str_hash, g_str_equal);
    for (gsize i = 0; i < G_N_ELEMENTS(system_dirs); i++)
        scan_dir(host, system_dirs[i], by_name, files);
    /* libvirt's system daemon runs as root and reads no home directory. */
    if (!host->privileged && host->xdg_config_home && *host->xdg_config_home) {
        g_autofree char *user = g_build_filename(host->xdg_config_home, "qemu", "firmware", NULL);
        scan_dir(host, user, by_name, files);
    }

    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, by_name);
    while (g_hash_table_iter_next(&it, NULL, &v))
        g_ptr_array_add(files->names, v);
    g_ptr_array_sort(files->names, name_cmp);
    return files;
}

/* Read at most @cap bytes of @fd into a NUL-terminated buffer. */
static gboolean read_up_to(int fd, const char *path, gsize cap, char **data, gsize *len, GError **err)
{
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
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e),
                        "Failed to read file '%s': %s", path, g_strerror(e));
            return FALSE;
        }
        if (n == 0)
            break;
        got += (gsize)n;
    }
    buf[got] = '\0';
    *data = g_steal_pointer(&buf);
    *len = got;
    return TRUE;
}

gboolean dc_firmware_read_file(const DcHost *host, const char *path, char **data, gsize *len, GError **err)
{
    g_autofree char *real = dc_host_path(host, path);
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e),
                    "Failed to open file '%s': %s", path, g_strerror(e));
        return FALSE;
    }
    /* One byte past the limit tells "too large" apart from "exactly 1 MiB". */
    g_autofree char *buf = NULL;
    gsize got = 0;
    gboolean ok = read_up_to(fd, path, DC_FIRMWARE_DESC_MAX_SIZE + 1, &buf, &got, err);
    close(fd);
    if (!ok)
        return FALSE;
    if (got > DC_FIRMWARE_DESC_MAX_SIZE) {
        g_set_error(err, DC_FIRMWARE_ERROR, DC_FIRMWARE_ERROR_TOO_LARGE,
                    "Failed to read file '%s': larger than %d bytes",
                    path, DC_FIRMWARE_DESC_MAX_SIZE);
        return FALSE;
    }
    *data = g_steal_pointer(&buf);
    *len = got;
    return TRUE;
}
