#!/usr/bin/python3
"""domcaps traits: OpenStack placement traits of a document, as nova's
libvirt driver derives them.

For every document of this host (probed now, and the replay fixtures of its
QEMU), of libvirt 9.0's and 11.3's suites and of generated fleet hosts,
Debian's nova (python3-nova 26) computes its static traits from the same
document: its Host reads the document as its domain capabilities (one arch,
one machine type) and, as its host CPU, the host-model CPU's features with
those its model implies (libvirt's virsh hypervisor-cpu-baseline
--features for documents of this host's QEMU, the CPU map's definition of
the expansion for the others), the driver configured as a host where the
document was made (virt_type = its domain type, cpu_mode host-model,
swtpm_enabled where the document offers the emulator backend); its
storage bus, video model, CPU (features, SEV), TPM and secure boot traits,
valid under os_traits, must be the set domcaps prints. Hyperthreading (the
host's topology, not in the document) is left out of both.

Usage: test_traits.py DOMCAPS     TAP output.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
sys.path.insert(0, common.TESTS)
from tap import check, finish  # noqa: E402

DOMCAPS = os.path.abspath(sys.argv[1])


def nova_traits(doc, features):
    import os_traits
    from nova import conf
    from nova.virt.libvirt import config as vconfig, driver as vdriver, host as vhost

    caps = vconfig.LibvirtConfigDomainCaps()
    caps.parse_str(doc.xml)
    arch = doc.text("arch")

    class DocumentHost(vhost.Host):
        """nova's Host with the document as its domain capabilities."""
        def __init__(self):
            self._caps = vconfig.LibvirtConfigCaps()
            self._caps.host = vconfig.LibvirtConfigCapsHost()
            self._caps.host.cpu = vconfig.LibvirtConfigCPU()
            self._caps.host.cpu.arch = arch
            self._caps.host.cpu.features = {vconfig.LibvirtConfigCPUFeature(f) for f in features or ()}
            self._domain_caps = {arch: {caps.machine_type or "": caps}}
            self._supports_uefi = self._supports_secure_boot = self._supports_amd_sev = None

        def _kernel_supports_amd_sev(self):
            return True   # QEMU reports SEV only where the kernel offers it

        @property
        def has_hyperthreading(self):
            return False

    tpm = doc.root.find("devices/tpm")
    swtpm = tpm is not None and tpm.get("supported") == "yes" and \
        "emulator" in [v.text for e in tpm.findall("enum") if e.get("name") == "backendModel" for v in e]
    c = conf.CONF
    # nova runs kvm or qemu (TCG); a document of another accelerator (hvf)
    # is read as the TCG host's it would be there
    c.set_override("virt_type", doc.text("domain") if doc.text("domain") == "kvm" else "qemu", "libvirt")
    c.set_override("cpu_mode", "host-model", "libvirt")
    c.set_override("swtpm_enabled", swtpm, "libvirt")
    drv = vdriver.LibvirtDriver.__new__(vdriver.LibvirtDriver)
    drv._host = DocumentHost()
    traits = {}
    traits.update(drv._get_cpu_traits())
    traits.pop(os_traits.HW_CPU_HYPERTHREADING, None)
    traits.update(drv._get_storage_bus_traits())
    traits.update(drv._get_video_model_traits())
    traits.update(drv._get_tpm_traits())
    traits[os_traits.COMPUTE_SECURITY_UEFI_SECURE_BOOT] = drv._host.supports_secure_boot
    valid, _ = os_traits.check_traits(traits)
    return {t for t in valid if traits[t]}


def check_doc(doc):
    p = subprocess.run([DOMCAPS, "traits", "--format", "json", "--caps", doc.path], capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        check(False, f"{doc.name}: domcaps traits", p.stderr)
        return
    ours = set(json.loads(p.stdout)["traits"])
    features, source = common.host_features(doc)
    theirs = nova_traits(doc, features)
    diff = [f"- {t} (nova only)" for t in sorted(theirs - ours)] + [f"+ {t} (domcaps only)" for t in sorted(ours - theirs)]
    n_cpu = sum(t.startswith("HW_CPU_X86_") for t in theirs)
    check(not diff and ours, f"{doc.name}: nova's {len(theirs)} traits ({n_cpu} of the CPU, features from {source})",
          "\n".join(diff))


def check_text_output(tmp):
    p = subprocess.run([DOMCAPS, "traits", "--machine", "q35"], capture_output=True, text=True, timeout=120)
    import os_traits
    lines = p.stdout.splitlines()
    check(p.returncode == 0 and lines and lines == sorted(lines) and all(os_traits.is_custom(t) is False and t in
                                                                          os_traits.get_traits() for t in lines),
          f"domcaps traits: {len(lines)} traits, one per line, sorted, each a standard os_traits trait",
          p.stdout + p.stderr)


def main():
    common.start_libvirt()
    with tempfile.TemporaryDirectory(prefix="domcaps-traits-") as tmp:
        for doc in common.documents(DOMCAPS, tmp):
            check_doc(doc)
        check_text_output(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
