#!/usr/bin/env python3
"""libvirt's own domain capabilities test suite, every case of it: for each
expected document of libvirt 9.0's and 11.3's tests/domaincapsdata
(tests/data/libvirt-suite/*.tar.xz, made by import.sh) whose QMP transcript
is in the same release, replay the transcript through domcaps on a fixture
host built as libvirt's domaincapstest fakes it, and require the expected
document byte for byte (each with its own release: --schema 9.0, 11.3.s
of that release too: --schema 11.3). TAP, one test per document.

The fake host (tests/data/hosts/libvirt-RELEASE-suite, README there) is
completed per case as the test program does it: the host arch is the
guest's, swtpm reports TPM 1.2 for QEMU 3.x-5.x, 1.2 and 2.0 for 6.x and 2.0
after, and /proc/cpuinfo gives the physical address bits its mock does
(the POWER8 host CPU's processor version for ppc64, nothing for s390x).

Not replayed: hvf documents (domcaps knows KVM and TCG only), and documents
whose transcript the release no longer ships (listed as such, not as passes).

The suite builds each document for the domain type it names, whatever the
transcript's QEMU said: its "kvm" documents of sparc, ppc, armv7l and riscv64
come from QEMUs whose query-kvm said no KVM. libvirt's daemon refuses such a
query ("the accel 'kvm' is not supported"), and so must domcaps: for those the
test requires that refusal instead of the document.

Usage: run.py DOMCAPS [FILTER...]   (FILTER: substrings of document names)
"""
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from tap import check, finish  # noqa: E402
DATA = os.path.join(os.path.dirname(HERE), "data")
RELEASES = ("9.0", "11.3")
NAME = re.compile(r"^qemu_(?P<ver>\d+\.\d+\.\d+)(?P<opts>(-[A-Za-z0-9_]+)*)\.(?P<arch>[a-z0-9_]+)(?P<variant>\+\w+)?\.xml$")

PPC64_CPUINFO = ("processor\t: 0\ncpu\t\t: POWER8 (raw), altivec supported\n"
                 "revision\t: 2.0 (pvr 004d 0200)\naddress sizes\t: 64 bits physical\n")
OTHER_CPUINFO = "processor\t: 0\naddress sizes\t: 64 bits physical, 48 bits virtual\n"


def tpm_features(version):
    major = int(version.split(".")[0])
    if major <= 5:
        return ["tpm-1.2"]
    if major == 6:
        return ["tpm-1.2", "tpm-2.0"]
    return ["tpm-2.0"]


def make_host(base, release, arch, version):
    """A fixture root: the release's suite tree, with this arch and TPM."""
    suite = os.path.join(DATA, "hosts", f"libvirt-{release}-suite")
    tpm = "+".join(tpm_features(version))
    root = os.path.join(base, f"host-{release}-{arch}-{tpm}")
    if os.path.isdir(root):
        return root
    os.makedirs(os.path.join(root, "proc", "sys", "kernel"))
    for name in (".domcaps", "dev", "etc", "sys"):
        os.symlink(os.path.join(suite, name), os.path.join(root, name))
    os.makedirs(os.path.join(root, "usr", "bin"))
    os.symlink(os.path.join(suite, "usr", "share"), os.path.join(root, "usr", "share"))
    for prog in os.listdir(os.path.join(suite, "usr", "bin")):
        if prog != "swtpm_setup":
            os.symlink(os.path.join(suite, "usr", "bin", prog), os.path.join(root, "usr", "bin", prog))
    feats = ", ".join(f'"{f}"' for f in tpm_features(version))
    setup = os.path.join(root, "usr", "bin", "swtpm_setup")
    with open(setup, "w") as f:
        f.write(f"#!/bin/sh\necho '{{ \"type\": \"swtpm_setup\", \"features\": [ {feats} ], \"version\": \"0.7.0\" }}'\n")
    os.chmod(setup, 0o755)
    with open(os.path.join(root, "proc", "sys", "kernel", "arch"), "w") as f:
        f.write(arch + "\n")
    if arch != "s390x":
        with open(os.path.join(root, "proc", "cpuinfo"), "w") as f:
            f.write(PPC64_CPUINFO if arch == "ppc64" else OTHER_CPUINFO)
    # The suite's mock: a host that can run s390 secure guests.
    with open(os.path.join(root, "proc", "cmdline"), "w") as f:
        f.write("BOOT_IMAGE=0 prot_virt=1\n")
    return root


def transcript_kvm(path):
    """Whether the transcript's first query-kvm said present and enabled."""
    data = open(path).read()
    dec = json.JSONDecoder()
    pos, asked = 0, False
    while pos < len(data):
        while pos < len(data) and data[pos].isspace():
            pos += 1
        if pos >= len(data):
            break
        obj, pos = dec.raw_decode(data, pos)
        if obj.get("execute") == "query-kvm":
            asked = True
        elif asked and "return" in obj:
            return bool(obj["return"].get("present") and obj["return"].get("enabled"))
    return False


def transcript_name(release, version, arch, variant):
    sep = "." if release == "9.0" else "_"
    return f"caps_{version}{sep}{arch}{variant}.replies"


def cases(tmp, filters):
    """(name, args, expected path, transcript path or None, why skipped)."""
    out = []
    for release in RELEASES:
        top = os.path.join(tmp, release)
        with tarfile.open(os.path.join(DATA, "libvirt-suite", f"libvirt-{release}.tar.xz")) as tar:
            tar.extractall(tmp)
        for doc in sorted(os.listdir(os.path.join(top, "domaincapsdata"))):
            name = f"libvirt-{release} {doc}"
            if filters and not any(f in name for f in filters):
                continue
            m = NAME.match(doc)
            if not m:
                out.append((name, None, None, None, "name not understood"))
                continue
            ver, arch, variant = m["ver"], m["arch"], m["variant"] or ""
            opts = [o for o in m["opts"].split("-") if o]
            if "hvf" in opts:
                out.append((name, None, None, None, "hvf: domcaps knows KVM and TCG only"))
                continue
            replies = os.path.join(top, "replies", transcript_name(release, ver, arch, variant))
            if not os.path.exists(replies):
                out.append((name, None, None, None, "the release ships no transcript for it"))
                continue
            args = ["--virttype", "qemu" if "tcg" in opts else "kvm", "--arch", arch,
                    "--emulatorbin", f"/usr/bin/qemu-system-{arch}",
                    "--root", make_host(tmp, release, arch, ver), "--replay", replies]
            machines = [o for o in opts if o != "tcg"]
            if machines:
                args += ["--machine", machines[0]]
            args = ["--schema", release] + args
            out.append((name, args, os.path.join(top, "domaincapsdata", doc), replies, None))
    return out


def run_one(domcaps, case):
    name, args, expected, replies, _ = case
    proc = subprocess.run([domcaps] + args, capture_output=True, text=True, timeout=120)
    want = open(expected).read()
    if "<domain>kvm</domain>" in want and not transcript_kvm(replies):
        refused = "the accel 'kvm' is not supported by" in proc.stderr
        return (proc.returncode != 0 and refused,
                [] if refused else [f"expected libvirt's refusal of KVM; exit {proc.returncode}: {proc.stderr.strip()}"])
    if proc.returncode != 0:
        return False, [f"domcaps exit {proc.returncode}: {proc.stderr.strip()}"]
    if proc.stdout.rstrip("\n") == want.rstrip("\n"):
        return True, []
    diff = difflib.unified_diff(want.splitlines(), proc.stdout.splitlines(), "libvirt", "domcaps",
                                lineterm="", n=1)
    return False, list(diff)[:40]


def main():
    domcaps = sys.argv[1]
    filters = sys.argv[2:]
    tmp = tempfile.mkdtemp(prefix="domcaps-libvirt-suite-")
    try:
        todo = cases(tmp, filters)
        runnable = [c for c in todo if c[1] is not None]
        for name, _, _, _, why in todo:
            if why:
                # Documents domcaps cannot make are named, with the reason.
                print(f"# not replayable: {name}: {why}")
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            results = list(pool.map(lambda c: run_one(domcaps, c), runnable))
        for case, (ok, lines) in zip(runnable, results):
            check(ok, case[0], "\n".join(lines), lines=60)
        print(f"# {sum(ok for ok, _ in results)}/{len(runnable)} replayed documents identical; "
              f"{len(todo) - len(runnable)} not replayable")
        return finish()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
