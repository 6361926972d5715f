/* Fuzz the QEMU firmware descriptor reader (dc_firmware_desc_parse): any
 * file in /usr/share/qemu/firmware, /etc/qemu/firmware or the user's
 * config dir reaches it. Each input is read as both releases read it:
 * through yajl (libvirt 9.0) and through json-c (11.3). */
#include "host/firmware.h"
#include "format/releases.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_as(const uint8_t *data, size_t size, guint release)
{
    GError *err = NULL;
    DcFirmwareDesc *desc = dc_firmware_desc_parse((const char *)data, size, release, &err);
    if (!desc) {
        g_assert(err && err->message);
        g_clear_error(&err);
        return;
    }
    g_assert(!err);
    (void)dc_firmware_desc_loader_path(desc);
    static const char *const arches[] = { "x86_64", "i686", "aarch64", "armv7l" };
    static const char *const machines[] = { "pc-q35-7.2", "pc-i440fx-7.2", "virt-7.2", "" };
    for (gsize a = 0; a < G_N_ELEMENTS(arches); a++)
        for (gsize m = 0; m < G_N_ELEMENTS(machines); m++)
            (void)dc_firmware_desc_matches(desc, arches[a], machines[m]);
    g_free(dc_firmware_interface_names(desc->interfaces));
    g_free(dc_firmware_feature_names(desc->features));
    dc_firmware_desc_free(desc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_as(data, size, DC_RELEASE_9_0);
    read_as(data, size, DC_RELEASE_11_3);
    return 0;
}
