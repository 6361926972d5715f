#!/usr/bin/python3
"""libvirt's real consumers read domcaps' output: for every combination of the
live matrix, domcaps' document and libvirt 9.0's (tests/reference/
libvirt-domcaps) are parsed by virt-manager's virtinst
(virtinst.domcapabilities.DomainCapabilities, Debian package virtinst) and by
OpenStack nova (nova.virt.libvirt.config.LibvirtConfigDomainCaps, Debian
package python3-nova), and every conclusion each consumer draws must be the
same from both documents. Each compared conclusion is printed (TAP comments).

Formats: domcaps' default (with no option: this host's libvirt's, 9.0's),
and `--schema 11.3` when domcaps has --schema. 12.9's format has content
9.0's lacks (disk bus nvme, <tdx>, <s390-pv> everywhere, sorted host-model
features, <varstore>), which these consumers rightly read differently: it
is held byte for byte to libvirt 12.9 itself (tests/debian13), and so are
their reads of it.

Usage: consumers.py DOMCAPS MATRIX [FILTER...]   (FILTER: substrings of combos)
Run with Debian's /usr/bin/python3 (virtinst and nova are Debian packages).
Environment: DOMCAPS_ORACLE overrides the oracle path.
"""
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, "/usr/share/virt-manager")


sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from oracle import ensure_oracle_daemon, find_oracle, run_oracle  # noqa: E402
from tap import check, finish  # noqa: E402


# ---- virt-manager (virtinst) ------------------------------------------------

_vconn = None


def virtinst_conclusions(xml):
    """What virt-manager/virt-install decide from a domcapabilities document,
    through virtinst's own parser and methods."""
    global _vconn
    import virtinst
    from virtinst.domcapabilities import DomainCapabilities, _convert_mode_to_cpu
    from virtinst.domain import DomainCpu
    if _vconn is None:
        _vconn = virtinst.VirtinstConnection("test:///default")
        _vconn.open(None, None)
    dc = DomainCapabilities(_vconn, parsexml=xml)
    c = {}
    c["arch/machine/domain"] = (dc.arch, dc.machine, dc.domain)
    c["uefi: firmware efi autoselect"] = dc.supports_firmware_efi()
    c["uefi: loader (readonly=yes)"] = dc.supports_uefi_loader()
    c["uefi: path chosen for arch"] = dc.find_uefi_path_for_arch() if dc.arch_can_uefi() else None
    c["loader paths"] = [v.value for v in dc.os.loader.values]
    c["loader types"] = dc.os.loader.get_enum("type").get_values()
    c["secure boot values"] = dc.os.loader.get_enum("secure").get_values()
    c["cpu modes (supported)"] = [(m.name, m.supported) for m in dc.cpu.modes]
    c["host-model safe (fallback=forbid)"] = bool(dc.supports_safe_host_model())
    c["host-passthrough safe (migratable)"] = bool(dc.supports_safe_host_passthrough())
    hm = dc.cpu.get_mode("host-model")
    if hm and hm.supported and hm.models:
        # What virtinst hands to baselineHypervisorCPU: the host-model mode
        # turned into a <cpu>, read back as its domain CPU class.
        cpu = DomainCpu(_vconn, parsexml=_convert_mode_to_cpu(hm.get_xml(), dc.arch))
        c["host-model cpu"] = (cpu.model, cpu.vendor, hm.models[0].fallback)
        c["host-model features"] = [(f.name, f.policy) for f in cpu.features]
    else:
        c["host-model cpu"] = None
        c["host-model features"] = None
    # a set: newer libvirt releases list custom models sorted by name
    c["usable custom models"] = sorted(dc.get_cpu_models())
    c["disk buses"] = dc.devices.disk.get_enum("bus").get_values()
    c["video models"] = dc.devices.video.get_enum("modelType").get_values()
    c["video qxl/virtio/bochs"] = (dc.supports_video_qxl(), dc.supports_video_virtio(),
                                   dc.supports_video_bochs())
    c["graphics types"] = dc.devices.graphics.get_enum("type").get_values()
    c["graphics spice"] = dc.supports_graphics_spice()
    c["tpm models"] = dc.devices.tpm.get_enum("model").get_values()
    c["tpm backends"] = dc.devices.tpm.get_enum("backendModel").get_values()
    c["tpm emulator usable"] = dc.supports_tpm_emulator()
    c["hostdev subsys types"] = dc.devices.hostdev.get_enum("subsysType").get_values()
    c["filesystem virtiofs"] = dc.supports_filesystem_virtiofs()
    c["memory backing memfd"] = dc.supports_memorybacking_memfd()
    c["gic versions"] = dc.features.gic.get_enum("version").get_values()
    c["sev"] = dc.supports_sev_launch_security()
    c["sev-es"] = dc.supports_sev_launch_security(check_es=True)
    return c


# ---- OpenStack nova ---------------------------------------------------------

def nova_conclusions(xml):
    """What nova-compute records from a domcapabilities document: the
    LibvirtConfigDomainCaps fields, and the placement traits its driver
    derives from them (storage bus, video model, UEFI, secure boot, SEV)."""
    from nova.objects import fields
    from nova.virt.libvirt import blockinfo, config
    caps = config.LibvirtConfigDomainCaps()
    caps.parse_str(xml)
    c = {}
    c["machine type (cache key)"] = caps.machine_type
    os_ = caps.os
    c["os supported / loader supported"] = (os_.supported, os_.loader_supported) if os_ else None
    c["uefi autoconfig (firmware efi)"] = os_.uefi_autoconfig_supported if os_ else None
    c["uefi supported (pflash)"] = os_.uefi_supported if os_ else None
    c["secure boot supported"] = os_.secure_boot_supported if os_ else None
    c["loader paths"] = os_.loader_paths if os_ else None
    disk = caps.devices.disk if caps.devices else None
    video = caps.devices.video if caps.devices else None
    c["disk supported / buses"] = (disk.supported, sorted(disk.buses)) if disk else None
    c["video supported / models"] = (video.supported, sorted(video.models)) if video else None
    buses = set(disk.buses) if disk else set()
    all_buses = set()
    for v in blockinfo.SUPPORTED_DEVICE_BUSES.values():
        all_buses.update(v)
    c["storage bus traits"] = sorted(f'COMPUTE_STORAGE_BUS_{b.replace("-", "_").upper()}'
                                     for b in all_buses if b in buses)
    models = set(video.models) if video else set()
    c["video model traits"] = sorted(f'COMPUTE_GRAPHICS_MODEL_{m.replace("-", "_").upper()}'
                                     for m in fields.VideoModel.ALL if m in models)
    sev = [f for f in caps.features if isinstance(f, config.LibvirtConfigDomainCapsFeatureSev)]
    c["sev (supported, cbitpos, reducedPhysBits)"] = [
        (f.supported, f.cbitpos, f.reduced_phys_bits) for f in sev]
    return c


CONSUMERS = [("virtinst", virtinst_conclusions), ("nova", nova_conclusions)]


def show(v):
    if isinstance(v, list) and len(v) > 12:
        return f"[{len(v)} items: {', '.join(map(str, v[:6]))}, ...]"
    return repr(v)


def machine_of(doc):
    m = ET.fromstring(doc).find("machine")
    return m.text if m is not None else None


def has_schema_option(domcaps):
    out = subprocess.run([domcaps, "--help"], capture_output=True, text=True).stdout
    return "--schema" in out


def main():
    domcaps, matrix = sys.argv[1], sys.argv[2]
    filters = sys.argv[3:]
    oracle = find_oracle()
    combos = [l.strip() for l in open(matrix) if l.strip() and not l.startswith("#")]
    if filters:
        combos = [c for c in combos if any(f in c for f in filters)]
    formats = [("default", [])]
    if has_schema_option(domcaps):
        formats.append(("--schema 11.3", ["--schema", "11.3"]))
    ensure_oracle_daemon(oracle)
    compared = 0
    counts = {}
    for combo in combos:
        args = shlex.split(combo)
        theirs = run_oracle(oracle, args)
        for fname, fargs in formats:
            ours = subprocess.run([domcaps] + args + fargs, capture_output=True, text=True, timeout=120)
            ref = theirs
            mine = machine_of(ours.stdout) if ours.returncode == 0 else None
            if mine and theirs.returncode == 0 and mine != machine_of(theirs.stdout) and "--machine" not in args:
                # libvirt 9.2 and newer default aarch64, armv7l and riscv to
                # 'virt' (README, Formats): the newest format answers for
                # another machine, so libvirt 9.0 is asked for that one.
                print(f"# {fname}: default machine {mine} (libvirt 9.0: {machine_of(theirs.stdout)}); "
                      f"compared with libvirt 9.0 --machine {mine}")
                ref = run_oracle(oracle, args + ["--machine", mine])
            for cname, fn in CONSUMERS:
                what = f"{cname} reads domcaps ({fname}) as libvirt 9.0: {combo}"
                if ours.returncode != 0 or ref.returncode != 0:
                    check(False, what, f"domcaps exit {ours.returncode}: {ours.stderr.strip()}\n"
                                       f"libvirt exit {ref.returncode}: {ref.stderr.strip()[-300:]}")
                    continue
                try:
                    a, b = fn(ours.stdout), fn(ref.stdout)
                except Exception as e:  # a consumer that cannot read our document
                    check(False, what, f"{cname} failed: {type(e).__name__}: {e}")
                    continue
                bad = [k for k in b if a.get(k) != b[k]] + [k for k in a if k not in b]
                check(not bad, what)
                for k in b:
                    same = a.get(k) == b[k]
                    compared += 1
                    counts[(cname, fname)] = counts.get((cname, fname), 0) + 1
                    if same:
                        print(f"#   {k}: {show(b[k])} (same)")
                    else:
                        print(f"#   {k}: DIFFERS domcaps {show(a.get(k))} libvirt {show(b[k])}")
    for (cname, fname), k in sorted(counts.items()):
        print(f"# {cname}, {fname}: {k} conclusions compared")
    print(f"# {compared} conclusions compared over {len(combos)} combinations")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
