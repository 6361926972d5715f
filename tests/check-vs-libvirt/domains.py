"""Domains for the differential test of `domcaps check` against libvirt.

Each domain is one realistic guest definition, or a near miss of one: a
base guest per architecture (x86_64 under KVM and TCG, aarch64, ppc64 and
s390x under TCG) with one or two things changed along an axis (machine,
firmware, loader, CPU, features, devices, TPM, IOMMU, vCPUs, memory...).
The CPU models and features come from this host's own document (what
`domcaps` offers and blocks), the rest from what libvirt accepts and the
mistakes people make writing definitions by hand.

    domains(host) -> [Domain(key, cls, xml_template)]

@NAME@ and @DIR@ in a template are the domain's unique name and its scratch
directory (for disk images); DISK(n) names disk images the runner creates.
"""
import collections
import itertools

Domain = collections.namedtuple("Domain", "key cls xml")

X86_DISK = """    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='@DIR@/@NAME@-0.raw'/>
      <target dev='{dev}' bus='{bus}'/>
    </disk>
"""


def x86(virt="kvm", machine="q35", vcpu="1", memory=128, os_attrs="", os_extra="", features="<acpi/><apic/>",
        cpu="", devices="", disk_bus="virtio", emulator="/usr/bin/qemu-system-x86_64", memory_backing="",
        arch="x86_64", extra="", vcpu_attrs=""):
    dev = {"virtio": "vda", "sata": "sda", "scsi": "sda", "ide": "hda", "usb": "sda", "fdc": "fda"}.get(disk_bus, "vda")
    disk = X86_DISK.format(dev=dev, bus=disk_bus) if disk_bus else ""
    emu = f"    <emulator>{emulator}</emulator>\n" if emulator else ""
    return f"""<domain type='{virt}'>
  <name>@NAME@</name>
  <memory unit='MiB'>{memory}</memory>
{memory_backing}  <vcpu{vcpu_attrs}>{vcpu}</vcpu>
  <os{os_attrs}>
    <type arch='{arch}' machine='{machine}'>hvm</type>
{os_extra}  </os>
  <features>{features}</features>
{cpu}{extra}  <devices>
{emu}{disk}{devices}    <graphics type='vnc' port='-1' listen='127.0.0.1'/>
  </devices>
</domain>
"""


def other_arch(arch, machine, disk_bus="virtio", cpu="", os_attrs="", os_extra="", devices="", features="",
               virt="qemu", graphics=False, vcpu="1", memory=256):
    emulator = {"aarch64": "/usr/bin/qemu-system-aarch64", "ppc64": "/usr/bin/qemu-system-ppc64",
                "s390x": "/usr/bin/qemu-system-s390x", "armv7l": "/usr/bin/qemu-system-arm",
                "riscv64": "/usr/bin/qemu-system-riscv64"}[arch]
    dev = "sda" if disk_bus in ("scsi", "usb") else "vda"
    disk = X86_DISK.format(dev=dev, bus=disk_bus) if disk_bus else ""
    gfx = "    <graphics type='vnc' port='-1' listen='127.0.0.1'/>\n" if graphics else ""
    feats = f"  <features>{features}</features>\n" if features else ""
    return f"""<domain type='{virt}'>
  <name>@NAME@</name>
  <memory unit='MiB'>{memory}</memory>
  <vcpu>{vcpu}</vcpu>
  <os{os_attrs}>
    <type arch='{arch}' machine='{machine}'>hvm</type>
{os_extra}  </os>
{feats}{cpu}  <devices>
    <emulator>{emulator}</emulator>
{disk}{devices}{gfx}  </devices>
</domain>
"""


def efi_features(**feats):
    rows = "".join(f"      <feature enabled='{v}' name='{k.replace('_', '-')}'/>\n" for k, v in feats.items())
    return f"    <firmware>\n{rows}    </firmware>\n" if rows else ""


def loader(path, type_="pflash", readonly="yes", secure=None, nvram_template=None):
    attrs = f" readonly='{readonly}'" if readonly else ""
    attrs += f" type='{type_}'" if type_ else ""
    attrs += f" secure='{secure}'" if secure else ""
    out = f"    <loader{attrs}>{path}</loader>\n"
    if nvram_template:
        out += f"    <nvram template='{nvram_template}'>@DIR@/@NAME@_VARS.fd</nvram>\n"
    elif type_ == "pflash" and readonly == "yes":
        out += "    <nvram>@DIR@/@NAME@_VARS.fd</nvram>\n"
    return out


def cpu_xml(mode="custom", model=None, check=None, fallback=None, features=(), match=None, migratable=None):
    attrs = f" mode='{mode}'"
    attrs += f" match='{match}'" if match else ""
    attrs += f" check='{check}'" if check else ""
    attrs += f" migratable='{migratable}'" if migratable else ""
    body = ""
    if model:
        fb = f" fallback='{fallback}'" if fallback else ""
        body += f"    <model{fb}>{model}</model>\n"
    for policy, name in features:
        body += f"    <feature policy='{policy}' name='{name}'/>\n"
    if not body:
        return f"  <cpu{attrs}/>\n"
    return f"  <cpu{attrs}>\n{body}  </cpu>\n"


def machines(add):
    for virt in ("kvm", "qemu"):
        for m in ("pc", "q35", "pc-i440fx-7.2", "pc-q35-7.2", "pc-q35-5.2", "pc-i440fx-2.12", "pc-q35-2.12",
                  "pc-q35-9.9", "pc-i440fx-1.0", "isapc", "microvm", "q36", "pc-q35-7.2-extra"):
            bus = "ide" if m == "isapc" else "virtio"
            add("machine", x86(virt=virt, machine=m, disk_bus=bus))
    # what the domain says about itself: type, arch, emulator
    add("query", x86(virt="kvm", emulator="/usr/bin/qemu-system-i386", arch="i686"))
    add("query", x86(virt="kvm", emulator="/usr/bin/qemu-system-x86_64", arch="i686"))
    add("query", x86(virt="qemu", emulator="/usr/bin/qemu-system-i386", arch="i686", machine="pc"))
    add("query", x86(virt="kvm", emulator=None))
    add("query", x86(virt="kvm", emulator="/usr/bin/qemu-system-nonexistent"))
    add("query", x86(virt="kvm", emulator="/usr/bin/qemu-system-aarch64"))
    add("query", x86(virt="xen"))
    add("query", x86(virt="hvf"))
    add("query", other_arch("aarch64", "virt", virt="kvm"))
    add("query", x86(virt="kvm", emulator="/usr/bin/qemu-system-x86_64-microvm", machine="microvm"))


def firmware(add):
    combos = [dict(), dict(secure_boot="yes"), dict(secure_boot="no"), dict(secure_boot="yes", enrolled_keys="yes"),
              dict(secure_boot="yes", enrolled_keys="no"), dict(enrolled_keys="yes"), dict(enrolled_keys="no"),
              dict(secure_boot="no", enrolled_keys="yes")]
    for virt in ("kvm", "qemu"):
        for m in ("pc", "q35"):
            for feats in combos:
                add("firmware", x86(virt=virt, machine=m, os_attrs=" firmware='efi'", os_extra=efi_features(**feats)))
        for m in ("pc", "q35"):
            add("firmware", x86(virt=virt, machine=m, os_attrs=" firmware='bios'"))
            add("firmware", x86(virt=virt, machine=m, os_attrs=" firmware='efi'", features="<apic/>"))
            add("firmware", x86(virt=virt, machine=m, os_attrs=" firmware='efi'",
                                features="<acpi/><apic/><smm state='off'/>"))
            add("firmware", x86(virt=virt, machine=m, os_attrs=" firmware='efi'",
                                features="<acpi/><apic/><smm state='on'/>",
                                os_extra=efi_features(secure_boot="no")))
        add("firmware", x86(virt=virt, machine="q35", os_attrs=" firmware='efi'",
                            os_extra="    <loader secure='yes'/>\n"))
        add("firmware", x86(virt=virt, machine="q35", os_attrs=" firmware='efi'",
                            os_extra="    <loader secure='no'/>\n"))
        add("firmware", x86(virt=virt, machine="q35", os_attrs=" firmware='efi'",
                            os_extra="    <loader secure='yes'/>\n", features="<acpi/><apic/><smm state='off'/>"))
        add("firmware", x86(virt=virt, machine="q35", os_attrs=" firmware='efi'",
                            os_extra=efi_features(secure_boot="yes") + "    <loader secure='no'/>\n"))
        add("firmware", x86(virt=virt, machine="q35", os_attrs=" firmware='uefi'"))


def loaders(add):
    ovmf = "/usr/share/OVMF/"
    rows = [
        (ovmf + "OVMF_CODE_4M.fd", "pflash", "yes", None, ovmf + "OVMF_VARS_4M.fd"),
        (ovmf + "OVMF_CODE_4M.fd", "pflash", "yes", None, None),
        (ovmf + "OVMF_CODE.fd", "pflash", "yes", None, ovmf + "OVMF_VARS.fd"),
        (ovmf + "OVMF_CODE.fd", "pflash", "yes", None, None),
        (ovmf + "OVMF_CODE_4M.secboot.fd", "pflash", "yes", "yes", ovmf + "OVMF_VARS_4M.fd"),
        (ovmf + "OVMF_CODE_4M.ms.fd", "pflash", "yes", "yes", ovmf + "OVMF_VARS_4M.ms.fd"),
        (ovmf + "OVMF_CODE_4M.secboot.fd", "pflash", "yes", None, ovmf + "OVMF_VARS_4M.fd"),
        (ovmf + "OVMF_CODE_4M.fd", "pflash", "yes", "yes", ovmf + "OVMF_VARS_4M.fd"),
        (ovmf + "OVMF_CODE_4M.fd", "rom", "yes", None, None),
        (ovmf + "OVMF_CODE_4M.fd", "pflash", "no", None, None),
        (ovmf + "OVMF_CODE_5M.fd", "pflash", "yes", None, ovmf + "OVMF_VARS_4M.fd"),
        ("/usr/share/seabios/bios.bin", "rom", "yes", None, None),
        ("/usr/share/seabios/bios-256k.bin", "rom", None, None, None),
        ("/usr/share/seabios/bios-256k.bin", None, None, None, None),
        ("/usr/share/seabios/bios-nonexistent.bin", "rom", None, None, None),
        ("/usr/share/AAVMF/AAVMF_CODE.fd", "pflash", "yes", None, "/usr/share/AAVMF/AAVMF_VARS.fd"),
    ]
    for virt in ("kvm", "qemu"):
        for m in ("pc", "q35"):
            for path, type_, ro, secure, tmpl in rows:
                smm = "<smm state='on'/>" if secure == "yes" else ""
                add("loader", x86(virt=virt, machine=m, os_extra=loader(path, type_, ro, secure, tmpl),
                                  features="<acpi/><apic/>" + smm))
    # a loader with firmware='efi' too
    add("loader", x86(virt="qemu", machine="q35", os_attrs=" firmware='efi'",
                      os_extra=loader(ovmf + "OVMF_CODE_4M.fd", "pflash", "yes", None, ovmf + "OVMF_VARS_4M.fd")))
    add("loader", x86(virt="kvm", machine="q35", os_attrs=" firmware='efi'",
                      os_extra=loader(ovmf + "OVMF_CODE.fd", "pflash", "yes", None, ovmf + "OVMF_VARS.fd")))


def cpus(add, host):
    for virt in ("kvm", "qemu"):
        for mode in ("host-passthrough", "host-model", "maximum"):
            add("cpu-mode", x86(virt=virt, cpu=cpu_xml(mode=mode)))
            add("cpu-mode", x86(virt=virt, cpu=cpu_xml(mode=mode, check="none")))
            add("cpu-mode", x86(virt=virt, cpu=cpu_xml(mode=mode, features=[("disable", "arch-capabilities")])))
        add("cpu-mode", x86(virt=virt, cpu=cpu_xml(mode="host-passthrough", migratable="off")))
        add("cpu-mode", x86(virt=virt, cpu=cpu_xml(mode="custom")))
        usable = host[virt]["usable"]
        blocked = host[virt]["blocked"]
        # every usable model, a sample of blocked ones, under every check mode
        for model in usable[:6]:
            add("cpu-model", x86(virt=virt, cpu=cpu_xml(model=model, check="partial")))
        for model, check, fb in itertools.product(blocked[:3] + blocked[-2:], ("none", "partial", "full"),
                                                  ("allow", "forbid")):
            add("cpu-model", x86(virt=virt, cpu=cpu_xml(model=model, check=check, fallback=fb)))
        for model in blocked[3:12]:
            add("cpu-model", x86(virt=virt, cpu=cpu_xml(model=model)))
        for model in ("Skylake-Client-v9", "Foo", "qemu64-v1", "host"):
            add("cpu-model", x86(virt=virt, cpu=cpu_xml(model=model, check="none")))
        model = usable[-1]
        feats = host[virt]["features"]
        for policy, name in [("require", feats[0]), ("require", feats[-1]), ("disable", feats[1]),
                             ("require", "no-such-feature"), ("forbid", "sse4.2"), ("optional", "avx512f"),
                             ("require", "avx512f"), ("require", "vmx"), ("require", "svm"), ("force", "vmx"),
                             ("require", "arch-capabilities"), ("disable", "fpu"), ("require", "x2apic"),
                             ("require", "pcid"), ("require", "sse4_2")]:
            for check in ("none", "partial", "full"):
                add("cpu-feature", x86(virt=virt, cpu=cpu_xml(model=model, check=check, features=[(policy, name)])))


def hyperv(add):
    for virt in ("kvm", "qemu"):
        for body in ("<relaxed state='on'/>", "<vapic state='on'/><spinlocks state='on' retries='8191'/>",
                     "<relaxed state='on'/><vapic state='on'/><time state='on'/>",
                     "<vendor_id state='on' value='KVM Hv'/>", "<synic state='on'/>",
                     "<vpindex state='on'/><synic state='on'/><stimer state='on'/>", "<evmcs state='on'/>",
                     "<reenlightenment state='on'/>", "<tlbflush state='on'/>", "<frequencies state='on'/>",
                     "<spinlocks state='on' retries='10'/>"):
            add("hyperv", x86(virt=virt, features=f"<acpi/><apic/><hyperv mode='custom'>{body}</hyperv>"))
        add("hyperv", x86(virt=virt, features="<acpi/><apic/><hyperv mode='passthrough'/>"))


def devices(add):
    for virt in ("kvm", "qemu"):
        for m in ("pc", "q35"):
            for bus in ("sata", "scsi", "ide", "usb", "fdc"):
                if bus == "scsi":
                    add("disk", x86(virt=virt, machine=m, disk_bus=bus,
                                    devices="    <controller type='scsi' model='virtio-scsi'/>\n"))
                else:
                    add("disk", x86(virt=virt, machine=m, disk_bus=bus))
            for video in ("vga", "cirrus", "qxl", "virtio", "bochs", "ramfb", "vmvga", "none"):
                add("video", x86(virt=virt, machine=m, devices=f"    <video><model type='{video}'/></video>\n"))
        add("video", x86(virt=virt, devices="    <video><model type='virtio' heads='1'>"
                                            "<acceleration accel3d='yes'/></model></video>\n"))
        for g in ("<graphics type='spice'/>", "<graphics type='egl-headless'/>",
                  "<graphics type='spice'><gl enable='yes'/></graphics>",
                  "<graphics type='sdl'/>", "<graphics type='dbus'/>",
                  "<graphics type='egl-headless'><gl rendernode='/dev/dri/renderD128'/></graphics>"):
            add("graphics", x86(virt=virt, devices=f"    {g}\n"))
        for model in ("virtio", "e1000", "e1000e", "rtl8139", "vmxnet3", "ne2k_pci", "no-such-nic"):
            add("interface", x86(virt=virt, devices=f"    <interface type='user'><model type='{model}'/></interface>\n"))
        for source in ("<interface type='network'><source network='default'/>",
                       "<interface type='network'><source network='no-such-net'/>",
                       "<interface type='bridge'><source bridge='no-such-br0'/>",
                       "<interface type='direct'><source dev='no-such-nic0' mode='bridge'/>"):
            add("interface", x86(virt=virt, devices=f"    {source}<model type='virtio'/></interface>\n"))
        for sound in ("ich6", "ich9", "ac97", "es1370", "sb16", "usb"):
            add("sound", x86(virt=virt, devices=f"    <sound model='{sound}'/>\n"))
        for ctl in ("<controller type='usb' model='qemu-xhci'/>", "<controller type='usb' model='nec-xhci'/>",
                    "<controller type='usb' model='piix3-uhci'/>", "<controller type='usb' model='ehci'/>",
                    "<controller type='scsi' model='lsilogic'/>", "<controller type='scsi' model='virtio-scsi'/>",
                    "<controller type='scsi' model='megasas'/>", "<controller type='scsi' model='ibmvscsi'/>",
                    "<controller type='virtio-serial'/>"):
            add("controller", x86(virt=virt, devices=f"    {ctl}\n"))
        for rng in ("<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
                    "<rng model='virtio'><backend model='random'>/dev/nonexistent-rng</backend></rng>",
                    "<rng model='virtio-transitional'><backend model='random'>/dev/urandom</backend></rng>",
                    "<rng model='virtio'><backend model='builtin'/></rng>"):
            add("rng", x86(virt=virt, devices=f"    {rng}\n"))
        for wd in ("i6300esb", "ib700", "diag288", "itco"):
            add("watchdog", x86(virt=virt, devices=f"    <watchdog model='{wd}'/>\n"))
        for panic in ("isa", "hyperv", "pseries", "s390"):
            add("panic", x86(virt=virt, devices=f"    <panic model='{panic}'/>\n"))
        add("input", x86(virt=virt, devices="    <input type='tablet' bus='usb'/>\n"))
        add("input", x86(virt=virt, devices="    <input type='tablet' bus='virtio'/>\n"))
        add("input", x86(virt=virt, devices="    <input type='keyboard' bus='ps2'/>\n", machine="q35"))
        add("memballoon", x86(virt=virt, devices="    <memballoon model='virtio'/>\n"))
        add("memballoon", x86(virt=virt, devices="    <memballoon model='xen'/>\n"))
        add("vsock", x86(virt=virt, devices="    <vsock model='virtio'><cid auto='yes'/></vsock>\n"))
        add("crypto", x86(virt=virt, devices="    <crypto model='virtio' type='qemu'><backend model='builtin'"
                                             " queues='1'/></crypto>\n"))
        add("crypto", x86(virt=virt, devices="    <crypto model='virtio' type='qemu'><backend model='lkcf'"
                                             " queues='1'/></crypto>\n"))
        add("redirdev", x86(virt=virt, devices="    <controller type='usb' model='qemu-xhci'/>\n"
                                               "    <redirdev bus='usb' type='spicevmc'/>\n"
                                               "    <graphics type='spice'/>\n"))
        add("hostdev", x86(virt=virt, devices="    <hostdev mode='subsystem' type='pci' managed='yes'><source>"
                                              "<address domain='0x0000' bus='0x00' slot='0x1f' function='0x7'/>"
                                              "</source></hostdev>\n"))
        add("hostdev", x86(virt=virt, devices="    <hostdev mode='subsystem' type='usb' managed='yes'><source"
                                              " startupPolicy='optional'><vendor id='0x1d6b'/>"
                                              "<product id='0xfffe'/></source></hostdev>\n"))


def tpms(add):
    for virt in ("kvm", "qemu"):
        for m in ("pc", "q35"):
            for model, version in itertools.product(("tpm-tis", "tpm-crb", "tpm-spapr", None),
                                                    ("2.0", "1.2", None)):
                mattr = f" model='{model}'" if model else ""
                vattr = f" version='{version}'" if version else ""
                add("tpm", x86(virt=virt, machine=m,
                               devices=f"    <tpm{mattr}><backend type='emulator'{vattr}/></tpm>\n"))
        add("tpm", x86(virt=virt, devices="    <tpm model='tpm-tis'><backend type='passthrough'>"
                                          "<device path='/dev/tpm0'/></backend></tpm>\n"))


IOMMU_FEATS = "<acpi/><apic/><ioapic driver='qemu'/>"


def iommus(add):
    for virt in ("kvm", "qemu"):
        for m in ("pc", "q35"):
            for model in ("intel", "smmuv3", "virtio", "amd"):
                add("iommu", x86(virt=virt, machine=m, devices=f"    <iommu model='{model}'/>\n"))
            add("iommu", x86(virt=virt, machine=m, features=IOMMU_FEATS,
                             devices="    <iommu model='intel'><driver intremap='on'/></iommu>\n"))
        add("iommu", x86(virt=virt, machine="q35",
                         devices="    <iommu model='intel'><driver intremap='on'/></iommu>\n"))
        add("iommu", x86(virt=virt, machine="q35", features=IOMMU_FEATS,
                         devices="    <iommu model='intel'><driver intremap='on' caching_mode='on' iotlb='on'/>"
                                 "</iommu>\n"))
        add("iommu", x86(virt=virt, machine="q35", features="<acpi/><apic/><ioapic driver='kvm'/>",
                         devices="    <iommu model='intel'><driver intremap='on'/></iommu>\n"))
        add("iommu", x86(virt=virt, machine="q35", devices="    <iommu model='intel'><driver eim='on'/></iommu>\n"))


def vcpus(add):
    eim = "    <iommu model='intel'><driver intremap='on' eim='on'/></iommu>\n"
    for virt in ("kvm", "qemu"):
        for m, n in (("pc", 255), ("pc", 256), ("q35", 255), ("q35", 256), ("q35", 288), ("q35", 289),
                     ("q35", 4096), ("pc", "0"), ("q35", "1.5")):
            add("vcpu", x86(virt=virt, machine=m, vcpu=n, memory=512))
        for m, n in (("q35", 256), ("q35", 288), ("q35", 289), ("pc", 256)):
            add("vcpu", x86(virt=virt, machine=m, vcpu=n, memory=512, features=IOMMU_FEATS, devices=eim))
        add("vcpu", x86(virt=virt, machine="q35", vcpu=256, memory=512, features=IOMMU_FEATS,
                        devices="    <iommu model='intel'><driver intremap='on' eim='off'/></iommu>\n"))
        add("vcpu", x86(virt=virt, machine="q35", vcpu=256, memory=512, features="<acpi/><apic/>",
                        devices="    <iommu model='intel'><driver intremap='on' eim='on'/></iommu>\n"))
        add("vcpu", x86(virt=virt, machine="q35", vcpu=4, vcpu_attrs=" current='2'"))
        add("vcpu", x86(virt=virt, machine="q35", cpu="  <cpu><topology sockets='1' cores='2' threads='2'/>"
                                                     "</cpu>\n", vcpu=4))
        add("vcpu", x86(virt=virt, machine="q35", cpu="  <cpu><topology sockets='1' cores='2' threads='2'/>"
                                                     "</cpu>\n", vcpu=6))


def memory(add):
    fs = ("    <filesystem type='mount' accessmode='passthrough'><driver type='virtiofs'/>"
          "<source dir='@DIR@'/><target dir='share'/></filesystem>\n")
    fs9p = ("    <filesystem type='mount' accessmode='mapped'><source dir='@DIR@'/>"
            "<target dir='share9p'/></filesystem>\n")
    for virt in ("kvm", "qemu"):
        add("virtiofs", x86(virt=virt, devices=fs))
        add("virtiofs", x86(virt=virt, devices=fs, memory_backing="  <memoryBacking><source type='memfd'/>"
                                                                   "<access mode='shared'/></memoryBacking>\n"))
        add("virtiofs", x86(virt=virt, devices=fs, memory_backing="  <memoryBacking><source type='file'/>"
                                                                   "<access mode='shared'/></memoryBacking>\n"))
        add("virtiofs", x86(virt=virt, devices=fs, memory_backing="  <memoryBacking><source type='memfd'/>"
                                                                   "</memoryBacking>\n"))
        add("virtiofs", x86(virt=virt, devices=fs, memory_backing="  <memoryBacking><access mode='private'/>"
                                                                   "</memoryBacking>\n"))
        add("virtiofs", x86(virt=virt, devices=fs,
                            cpu="  <cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB' memAccess='shared'/>"
                                "</numa></cpu>\n"))
        add("virtiofs", x86(virt=virt, devices=fs9p))
        add("memory", x86(virt=virt, memory_backing="  <memoryBacking><hugepages/></memoryBacking>\n"))
        add("memory", x86(virt=virt, memory_backing="  <memoryBacking><source type='memfd'/></memoryBacking>\n"))
        add("memory", x86(virt=virt, memory_backing="  <memoryBacking><nosharepages/><locked/>"
                                                    "</memoryBacking>\n"))


def launch_security(add):
    for virt in ("kvm", "qemu"):
        add("sev", x86(virt=virt, extra="  <launchSecurity type='sev'><cbitpos>47</cbitpos>"
                                        "<reducedPhysBits>1</reducedPhysBits><policy>0x0003</policy>"
                                        "</launchSecurity>\n"))
        add("sev", x86(virt=virt, extra="  <launchSecurity type='s390-pv'/>\n"))
        add("features", x86(virt=virt, features="<acpi/><apic/><vmcoreinfo state='on'/>"))
        add("features", x86(virt=virt, features="<acpi/><apic/><pvspinlock state='on'/><kvm><hidden state='on'/>"
                                                 "</kvm>"))
        add("features", x86(virt=virt, features="<acpi/><apic/><gic version='3'/>"))
        add("features", x86(virt=virt, features="<acpi/><apic/><vmport state='on'/>", machine="q35"))
        add("features", x86(virt=virt, features="<acpi/><apic/><pmu state='off'/>"))
        add("features", x86(virt=virt, features="<acpi/><apic/><kvm><poll-control state='on'/></kvm>"))
        add("features", x86(virt=virt, features="<acpi/><apic/><async-teardown enabled='yes'/>"))
        add("features", x86(virt=virt, features="<acpi/><apic/><htm state='on'/>"))
        add("features", x86(virt=virt, features="<acpi/><apic/><smm state='on'/>", machine="q35"))
        add("features", x86(virt=virt, features="<acpi/><apic/><smm state='on'/>", machine="pc"))
        add("features", x86(virt=virt, extra="  <genid/>\n"))
        add("features", x86(virt=virt, extra="  <iothreads>2</iothreads>\n"))
        add("features", x86(virt=virt, extra="  <clock offset='utc'><timer name='hypervclock' present='yes'/>"
                                             "</clock>\n"))
        add("features", x86(virt=virt, extra="  <clock offset='utc'><timer name='kvmclock' present='no'/>"
                                             "</clock>\n"))


def aarch64(add):
    aavmf = loader("/usr/share/AAVMF/AAVMF_CODE.fd", "pflash", "yes", None, "/usr/share/AAVMF/AAVMF_VARS.fd")
    for cpu in ("", cpu_xml(model="cortex-a57"), cpu_xml(model="cortex-a72"), cpu_xml(model="max"),
                cpu_xml(mode="host-passthrough"), cpu_xml(mode="host-model"), cpu_xml(model="cortex-a15"),
                cpu_xml(model="Skylake-Client"), cpu_xml(mode="maximum")):
        add("aarch64", other_arch("aarch64", "virt", cpu=cpu))
    for fw in ("", efi_features(secure_boot="yes"), efi_features(secure_boot="no"),
               efi_features(enrolled_keys="yes")):
        add("aarch64", other_arch("aarch64", "virt", cpu=cpu_xml(model="cortex-a57"), os_attrs=" firmware='efi'",
                                  os_extra=fw))
    add("aarch64", other_arch("aarch64", "virt", cpu=cpu_xml(model="cortex-a57"), os_extra=aavmf))
    add("aarch64", other_arch("aarch64", "virt", cpu=cpu_xml(model="cortex-a57"), os_attrs=" firmware='bios'"))
    for gic in ("2", "3", "host"):
        add("aarch64", other_arch("aarch64", "virt", cpu=cpu_xml(model="cortex-a57"),
                                  features=f"<gic version='{gic}'/>"))
    for m in ("virt-7.2", "virt-4.0", "virt-9.9", "raspi3b", "pc", "sbsa-ref"):
        add("aarch64", other_arch("aarch64", m, cpu=cpu_xml(model="cortex-a57")))
    for dev in ("    <iommu model='smmuv3'/>\n", "    <iommu model='intel'/>\n",
                "    <video><model type='virtio'/></video>\n", "    <video><model type='vga'/></video>\n",
                "    <tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>\n",
                "    <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>\n",
                "    <panic model='isa'/>\n"):
        add("aarch64", other_arch("aarch64", "virt", cpu=cpu_xml(model="cortex-a57"), devices=dev))
    for bus in ("sata", "scsi", "usb", "ide"):
        ctl = "    <controller type='scsi' model='virtio-scsi'/>\n" if bus == "scsi" else ""
        add("aarch64", other_arch("aarch64", "virt", cpu=cpu_xml(model="cortex-a57"), disk_bus=bus, devices=ctl))
    add("aarch64", other_arch("aarch64", "virt", cpu=cpu_xml(model="cortex-a57"), vcpu=8, graphics=True,
                              devices="    <video><model type='virtio'/></video>\n"))
    add("aarch64", other_arch("aarch64", "virt", cpu=cpu_xml(model="cortex-a57"), vcpu=512))
    add("aarch64", other_arch("aarch64", "virt", cpu=cpu_xml(model="cortex-a57"), vcpu=123))


def ppc64(add):
    for cpu in ("", cpu_xml(model="POWER9"), cpu_xml(model="POWER8"), cpu_xml(model="POWER10"),
                cpu_xml(mode="host-model"), cpu_xml(mode="host-passthrough"), cpu_xml(model="Foo")):
        add("ppc64", other_arch("ppc64", "pseries", cpu=cpu))
    for m in ("pseries-7.2", "pseries-2.12", "powernv9", "q35"):
        add("ppc64", other_arch("ppc64", m))
    for dev in ("    <tpm model='tpm-spapr'><backend type='emulator' version='2.0'/></tpm>\n",
                "    <tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>\n",
                "    <panic model='pseries'/>\n", "    <panic model='isa'/>\n",
                "    <video><model type='vga'/></video>\n",
                "    <controller type='scsi' model='ibmvscsi'/>\n"):
        add("ppc64", other_arch("ppc64", "pseries", devices=dev))
    for bus in ("scsi", "sata", "usb", "ide"):
        add("ppc64", other_arch("ppc64", "pseries", disk_bus=bus))
    add("ppc64", other_arch("ppc64", "pseries", os_attrs=" firmware='efi'"))
    add("ppc64", other_arch("ppc64", "pseries", features="<htm state='on'/>"))
    add("ppc64", other_arch("ppc64", "pseries", features="<htm state='off'/>"))


def s390x(add):
    for cpu in ("", cpu_xml(model="z13"), cpu_xml(model="qemu"), cpu_xml(model="max"), cpu_xml(model="z14"),
                cpu_xml(mode="host-model"), cpu_xml(mode="host-passthrough"), cpu_xml(model="Foo")):
        add("s390x", other_arch("s390x", "s390-ccw-virtio", cpu=cpu))
    for m in ("s390-ccw-virtio-7.2", "s390-ccw-virtio-2.4", "s390-ccw-virtio-9.9", "virt"):
        add("s390x", other_arch("s390x", m))
    for dev in ("    <panic model='s390'/>\n", "    <panic model='isa'/>\n",
                "    <watchdog model='diag288'/>\n", "    <watchdog model='i6300esb'/>\n",
                "    <tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>\n",
                "    <video><model type='virtio'/></video>\n"):
        add("s390x", other_arch("s390x", "s390-ccw-virtio", devices=dev))
    for bus in ("scsi", "sata", "usb", "ide"):
        add("s390x", other_arch("s390x", "s390-ccw-virtio", disk_bus=bus))
    add("s390x", other_arch("s390x", "s390-ccw-virtio", os_attrs=" firmware='efi'"))
    add("s390x", other_arch("s390x", "s390-ccw-virtio", devices="    <iommu model='virtio'/>\n"))


def domains(host):
    """Every domain, in a fixed order, with keys unique and stable."""
    out = []
    seen = collections.Counter()

    def add(cls, xml):
        seen[cls] += 1
        out.append(Domain(f"{cls}-{seen[cls]:03d}", cls, xml))

    machines(add)
    firmware(add)
    loaders(add)
    cpus(add, host)
    hyperv(add)
    devices(add)
    tpms(add)
    iommus(add)
    vcpus(add)
    memory(add)
    launch_security(add)
    aarch64(add)
    ppc64(add)
    s390x(add)
    return out
