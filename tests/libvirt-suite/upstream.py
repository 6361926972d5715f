#!/usr/bin/env python3
"""libvirt 12.x's expected documents for the QEMU 10.0 transcripts libvirt
11.3 ships: each document of tests/data/libvirt-suite/upstream-12.x (copied
from libvirt's repository, README there: path and commit of each) replayed
through domcaps --schema 12.9 with the transcript of the same name from
libvirt-11.3.tar.xz, on the fixture host run.py builds for 11.3, and held
byte for byte (a document named -expanded or -supported with the
domcapabilities flag libvirt's test gives it). TAP, one test per document.

The fake host of libvirt 12.x's domaincapstest differs from 11.3's in what
these documents show, and the fixture says so:
  usr/share/libvirt/cpu_map   libvirt 12.9's CPU map (the one of
                              tests/data/hosts/debian13-backports, from
                              Debian's libvirt 12.9 package), as a 12.x test
                              reads its own tree's map
  dev/iommu                   every 12.x document whose QEMU has the
                              iommufd object offers hostdev iommufd 'yes',
                              which libvirt offers only on a host that can
                              (12.9 live here, no IOMMU: 'no'); the suite's
                              host can, as its forced pciBackend is the 11.3
                              fixture's dev/vfio/vfio

What remains is in EXCEPTIONS below: one expected line each, the line domcaps
prints instead and why. An exception names the documents it applies to and
must find its line there, so a stale one fails.

Where libvirt's transcript is not here (its QEMU 10.1 TDX host), only what a
fixture host can state is held: FEATURE_CASES replay QEMU 11.1's transcript
(it has tdx-guest) on a fixture host with TDX on and compare the named
<features> elements with those of upstream's document for the same domain
type (upstream-12.x/features/: the <features> section of that document).

Usage: upstream.py DOMCAPS [FILTER...]   (FILTER: substrings of document names)
"""
import difflib
import fnmatch
import xml.etree.ElementTree as ET
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import run  # noqa: E402  (the 11.3 fixture host, names and transcripts)
from tap import check, finish  # noqa: E402

DATA = run.DATA
DOCS = os.path.join(DATA, "libvirt-suite", "upstream-12.x")
CPU_MAP_12_9 = os.path.join(DATA, "hosts", "debian13-backports", "usr", "share", "libvirt", "cpu_map")
SCHEMA = "12.9"
# domaincapstest's documents of virsh's domcapabilities flags
SUFFIX_FLAGS = (("-expanded", "--expand-cpu-features"), ("-supported", "--supported-cpu-features"))

# (documents, libvirt's line, domcaps' line, why). Keep it short: an entry
# that hides a domcaps bug does not belong here.
EXCEPTIONS = [
    ("qemu_*-q35.x86_64*.xml",
     "    <varstore supported='yes'/>", "    <varstore supported='no'/>",
     "libvirt offers <varstore> when QEMU has the uefi-vars device and a firmware descriptor "
     "with host-uefi-vars matches the machine (the patch adding it, devel@lists.libvirt.org "
     "msg15144: 'no' across its test data then); upstream's later test data says 'yes' for q35 "
     "and 'no' for pc, so its descriptors gained one for q35. The fixture has 11.3's "
     "descriptors, none with host-uefi-vars, and 12.x's are not readable here; libvirt 12.9 "
     "live on QEMU 11.1 (with uefi-vars-x64, no such descriptor) says 'no' as domcaps does."),
]

# (upstream <features> excerpt, transcript, fixture host, domain type, the
# elements compared). libvirt's documents come from its own QEMU 10.1
# transcript on its TDX host; QEMU 11.1 on tdx-x86_64 states the same facts
# for these elements: tdx-guest in QEMU, kvm_intel's tdx=Y on the host.
FEATURE_CASES = [
    ("qemu_10.1.0.x86_64+inteltdx.xml", "qmp/qemu-11.1/qemu-11.1-x86_64-kvm-tcg-modules.replies",
     "hosts/tdx-x86_64", "kvm", ("tdx", "launchSecurity")),
    ("qemu_10.1.0-tcg.x86_64+inteltdx.xml", "qmp/qemu-11.1/qemu-11.1-x86_64-kvm-tcg-modules.replies",
     "hosts/tdx-x86_64", "qemu", ("tdx", "launchSecurity")),
]


def overlay_12(base, root11):
    """The 11.3 fixture root with 12.9's CPU map and /dev/iommu."""
    root = os.path.join(base, "12.x-" + os.path.basename(root11))
    if os.path.isdir(root):
        return root
    os.makedirs(root)
    for name in os.listdir(root11):
        if name not in ("usr", "dev"):
            os.symlink(os.path.realpath(os.path.join(root11, name)), os.path.join(root, name))
    suite_dev = os.path.realpath(os.path.join(root11, "dev"))
    os.makedirs(os.path.join(root, "dev"))
    for name in os.listdir(suite_dev):
        os.symlink(os.path.join(suite_dev, name), os.path.join(root, "dev", name))
    open(os.path.join(root, "dev", "iommu"), "w").close()
    usr = os.path.join(root, "usr")
    os.makedirs(os.path.join(usr, "share", "libvirt"))
    for name in os.listdir(os.path.join(root11, "usr")):
        if name != "share":
            os.symlink(os.path.realpath(os.path.join(root11, "usr", name)), os.path.join(usr, name))
    share11 = os.path.realpath(os.path.join(root11, "usr", "share"))
    for name in os.listdir(share11):
        if name != "libvirt":
            os.symlink(os.path.join(share11, name), os.path.join(usr, "share", name))
    os.symlink(CPU_MAP_12_9, os.path.join(usr, "share", "libvirt", "cpu_map"))
    return root


def cases(tmp, filters):
    """(name, args, expected path, exceptions) per saved document."""
    with tarfile.open(os.path.join(DATA, "libvirt-suite", "libvirt-11.3.tar.xz")) as tar:
        tar.extractall(tmp, members=[m for m in tar.getmembers() if "/replies/" in m.name or m.isdir()])
    out = []
    for doc in sorted(f for f in os.listdir(DOCS) if f.endswith(".xml")):
        if filters and not any(f in doc for f in filters):
            continue
        # libvirt names a document of the query flags by a suffix
        base, flags = doc, []
        for suffix, flag in SUFFIX_FLAGS:
            if base.endswith(suffix + ".xml"):
                base, flags = base[:-len(suffix + ".xml")] + ".xml", [flag]
        m = run.NAME.match(base)
        ver, arch, variant = m["ver"], m["arch"], m["variant"] or ""
        opts = [o for o in m["opts"].split("-") if o]
        replies = os.path.join(tmp, "11.3", "replies", run.transcript_name("11.3", ver, arch, variant))
        root = overlay_12(tmp, run.make_host(tmp, "11.3", arch, ver))
        args = ["--schema", SCHEMA, "--virttype", "qemu" if "tcg" in opts else "kvm", "--arch", arch,
                "--emulatorbin", f"/usr/bin/qemu-system-{arch}", "--root", root, "--replay", replies]
        machines = [o for o in opts if o != "tcg"]
        if machines:
            args += ["--machine", machines[0]]
        args += flags
        excs = [e for e in EXCEPTIONS if fnmatch.fnmatch(doc, e[0])]
        out.append((doc, args, os.path.join(DOCS, doc), excs))
    return out


def run_one(domcaps, case):
    doc, args, expected, excs = case
    want = open(expected).read()
    problems = []
    for _, theirs, ours, _ in excs:
        if want.count(theirs + "\n") != 1:
            problems.append(f"stale exception: {theirs.strip()!r} is not in the document once")
        want = want.replace(theirs + "\n", ours + "\n", 1)
    proc = subprocess.run([domcaps] + args, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return problems + [f"domcaps exit {proc.returncode}: {proc.stderr.strip()}"]
    if proc.stdout != want:
        problems += list(difflib.unified_diff(want.splitlines(), proc.stdout.splitlines(),
                                              "libvirt", "domcaps", lineterm="", n=1))[:40]
    return problems


def feature_elements(features, names):
    """The named children of a <features> element, serialized."""
    return {n: [ET.tostring(e, encoding="unicode").strip() for e in features.findall(n)] for n in names}


def run_features(domcaps, case):
    excerpt, transcript, host, virttype, names = case
    theirs = ET.fromstring(open(os.path.join(DOCS, "features", excerpt)).read())
    args = ["--schema", SCHEMA, "--virttype", virttype, "--arch", "x86_64",
            "--emulatorbin", "/usr/bin/qemu-system-x86_64", "--root", os.path.join(DATA, host),
            "--replay", os.path.join(DATA, transcript)]
    proc = subprocess.run([domcaps] + args, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return [f"domcaps exit {proc.returncode}: {proc.stderr.strip()}"]
    ours = ET.fromstring(proc.stdout).find("features")
    want, got = feature_elements(theirs, names), feature_elements(ours, names)
    return [f"<{n}>: libvirt {want[n]}, domcaps {got[n]}" for n in names if want[n] != got[n]]


def main():
    domcaps, filters = sys.argv[1], sys.argv[2:]
    tmp = tempfile.mkdtemp(prefix="domcaps-upstream-")
    try:
        for name, theirs, ours, why in EXCEPTIONS:
            print(f"# exception {name}: libvirt {theirs.strip()}, domcaps {ours.strip()}: {why}")
        todo = cases(tmp, filters)
        for case in todo:
            problems = run_one(domcaps, case)
            check(not problems, f"libvirt-12.x {case[0]}", "\n".join(problems), lines=60)
        for case in FEATURE_CASES:
            if filters and not any(f in case[0] for f in filters):
                continue
            problems = run_features(domcaps, case)
            check(not problems, f"libvirt-12.x {case[0]} <{'>, <'.join(case[4])}> on {case[2]}",
                  "\n".join(problems))
        return finish()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
