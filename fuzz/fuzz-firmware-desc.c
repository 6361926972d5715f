/* Fuzz the QEMU firmware descriptor reader (dc_firmware_desc_parse): any
 * file in /usr/share/qemu/firmware, /etc/qemu/firmware or the user's
 * config dir reaches it. */
#include "host/firmware.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GError *err = NULL;
    DcFirmwareDesc *desc = dc_firmware_desc_parse((const char *)data, size, DC_RELEASE_9_0, &err);
    if (!desc) {
        g_assert(err && err->message);
        g_clear_error(&err);
        return 0;
    }
    g_assert(!err);
    (void)dc_firmware_desc_loader_path(desc);
    static const char *const arches[] = { "x86_64", "i686", "aarch64", "armv7l" };
    static const char *const machines[] = { "pc-q35-7.2", "pc-i440fx-7.2", "virt-7.2", "" };
    for (gsize a = 0; a < G_N_ELEMENTS(arches); a++)
        for (gsize m = 0; m < G_N_ELEMENTS(machines); m++)
            (void)dc_firmware_desc_matches(desc, arches[a], machines[m]);
    dc_firmware_desc_free(desc);
    return 0;
}
