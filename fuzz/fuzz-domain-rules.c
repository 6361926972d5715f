/* Fuzz libvirt's rules of `domcaps check` on a host: a fuzzed <domain>
 * checked through domcaps_check_domain_probe() with the capabilities
 * replayed from a recorded KVM transcript on the fixture host
 * (tests/data/hosts/debian12: firmware descriptors for autoselection, the
 * CPU map, the .domcaps/kvm-guest answers). Every problem must be one line. */
#include "domcaps.h"
#include <stdint.h>

#ifndef DC_FUZZ_HOST_DIR
#error "DC_FUZZ_HOST_DIR: a fixture host tree"
#endif
#ifndef DC_FUZZ_KVM_REPLIES
#error "DC_FUZZ_KVM_REPLIES: a recorded x86_64 KVM transcript"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > G_MAXSSIZE)
        return 0;
    domcaps_options opts = DOMCAPS_OPTIONS_INIT;
    opts.root = DC_FUZZ_HOST_DIR;
    opts.replay = DC_FUZZ_KVM_REPLIES;
    opts.cache = DOMCAPS_CACHE_OFF;
    /* the fuzzed domain may name any emulator, arch or machine: the
     * transcript answers for one */
    opts.emulator = "/usr/bin/qemu-system-x86_64";
    opts.arch = "x86_64";
    GPtrArray *problems = NULL;
    domcaps_doc *doc = NULL;
    GError *err = NULL;
    if (!domcaps_check_domain_probe(&opts, (const char *)data, (gssize)size, &doc, &problems, &err)) {
        g_assert(err && err->message);
        g_clear_error(&err);
        return 0;
    }
    g_assert(problems);
    for (guint i = 0; i < problems->len; i++) {
        const domcaps_problem *p = problems->pdata[i];
        g_assert(p->message && !strchr(p->message, '\n') && p->location && p->allowed);
    }
    g_ptr_array_unref(problems);
    domcaps_doc_free(doc);
    return 0;
}
