#!/usr/bin/env python3
"""Live: virsh 12.9's newer options through domcaps and through virsh
itself, in the Debian 13 chroot with trixie-backports (libvirt 12.9, QEMU
11.1) that tests/debian13/compare.py --profile trixie-backports makes and
keeps (BUILD/debian13-backports/: the tarball is reused, the chroot
unpacked afresh, domcaps built inside from this checkout, a private
libvirtd started there). domcaps is given no --schema: the chroot's
libvirt decides, as on a user's host. libvirt is the only oracle: no
answer is written down here.

- `domcapabilities --xpath EXPR [--wrap]`, KVM and TCG: element sets,
  attributes, text(), count() and string() (an error in virsh), no match,
  expressions libxml2 refuses (its message on stderr, exit 0), the
  document node, relative paths, an empty expression; standard output,
  standard error and exit status must be identical. `namespace::*` under
  --wrap crashes virsh 12.9: domcaps must refuse it with one error line.
- `hypervisor-cpu-baseline --ignore-host` over libvirt's 61 real host CPUs
  (tests/data/cpu-commands: the groups of groups.txt and every pair of
  consecutive hosts; kvm and qemu; plain, --features, --migratable), one
  CPU (refused), and the same groups without --ignore-host.
- what else 12.9 changed in the CPU commands that domcaps follows: its
  warning about host CPU definitions (hypervisor-cpu-compare of every host
  CPU), cpu-baseline leaving out ht and cmp_legacy (every host CPU), QEMU's
  feature names read through the map's aliases (--model of every x86
  model), its message for an emulator that cannot be probed.

One TAP line per kind of check with the count of identical answers; every
difference is printed. Needs root, /dev/kvm and, on a first run, the
network (as compare.py); fails, never skips, without them.

Usage: virsh129.py BUILD_DIR SOURCE_DIR
"""
import os
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "debian13"))
import compare as C  # noqa: E402
from tap import check, finish  # noqa: E402

C.P = C.PROFILES["trixie-backports"]
DATA_IN = "/var/lib/domcaps-virsh129"   # inside the chroot
CACHE_IN = "/var/cache/domcaps-virsh129"

# Expressions for --xpath, each with and without --wrap.
XPATHS = [
    "/domainCapabilities/os/loader",            # one element, whole
    "//os/loader/value",                        # one leaf element
    "//enum[@name='model']/value",              # a set of elements
    "//devices/*",                              # every device element
    "os/loader/enum[1]",                        # relative to the root element
    "//os/@supported",                          # an attribute
    "//enum/@name",                             # many attributes (one survives --wrap)
    "//vcpu/@max | //vcpu",                     # an attribute and its element
    "//path/text()",                            # text
    "//path/text() | //machine/text()",         # text nodes (merged under --wrap)
    "//cpu/mode[@name='host-model']/feature[position() < 3]",
    "(//value)[last()]",
    "/",                                        # the document node
    "//nomatch",                                # nothing
    "count(//value)",                           # a number: virsh's error
    "string(//path)",                           # a string: virsh's error
    "//os = 1",                                 # a boolean: virsh's error
    "//[",                                      # libxml2 refuses, caret shown
    "//value[",                                 # libxml2 refuses, no caret
    "foo()",                                    # an unregistered function
    "$x",                                       # an undefined variable
    "namespace::*",                             # the xml namespace node (not under --wrap)
    "",                                         # empty: virsh fails silently
]


def bounded(root, cmd, timeout=600, stdin=None):
    try:
        p = subprocess.run(["chroot", root] + cmd, capture_output=True, text=True, errors="surrogateescape",
                           env=C.CHROOT_ENV, timeout=timeout, input=stdin,
                           stdin=None if stdin is not None else subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out after {timeout} s"


def virsh(root, args):
    return bounded(root, ["virsh", "-c", "qemu:///system"] + args)


def domcaps(root, args):
    return bounded(root, [C.DOMCAPS_IN, "--cache-dir", CACHE_IN] + args)


def domcaps_cmd(root, args):
    """A CPU command: its own options, the cache directory by name."""
    return bounded(root, [C.DOMCAPS_IN, args[0], "--cache-dir", CACHE_IN] + args[1:])


def report(kind, results):
    """results: [(args, ours, theirs)]; one TAP line."""
    bad = [(a, o, t) for a, o, t in results if o != t]
    detail = "\n\n".join(
        f"args: {shlex.join(a)}\ndomcaps exit {o[0]}, virsh exit {t[0]}\n"
        f"domcaps stdout: {o[1][:1500]!r}\nvirsh stdout:   {t[1][:1500]!r}\n"
        f"domcaps stderr: {o[2]!r}\nvirsh stderr:   {t[2]!r}" for a, o, t in bad[:8])
    check(not bad, f"{kind}: {len(results) - len(bad)}/{len(results)} answers identical to virsh 12.9",
          detail, lines=80)


def xpath_checks(root):
    for vt in ("kvm", "qemu"):
        results = []
        for expr in XPATHS:
            for wrap in ([], ["--wrap"]):
                if expr == "namespace::*" and wrap:
                    continue
                args = ["--virttype", vt, "--xpath", expr] + wrap
                results.append((args, domcaps(root, args), virsh(root, ["-q", "domcapabilities"] + args)))
        report(f"domcapabilities --xpath [--wrap], {vt}", results)
    args = ["--virttype", "qemu", "--xpath", "namespace::*", "--wrap"]
    ours, theirs = domcaps(root, args), virsh(root, ["-q", "domcapabilities"] + args)
    crashed = theirs[0] in (-11, 139)
    check((crashed and ours[0] == 1 and not ours[1] and ours[2].count("\n") == 1) or ours == theirs,
          "namespace::* --wrap: virsh 12.9 " + ("crashes (SIGSEGV)" if crashed else "answers") +
          f"; domcaps exits {ours[0]}: {ours[2].strip()!r}",
          f"virsh: {theirs!r}\ndomcaps: {ours!r}")


def cpu_inputs(root):
    """The host CPU files and groups of them, inside the chroot."""
    src = os.path.join(TESTS, "data", "cpu-commands")
    dest = root + DATA_IN
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(os.path.join(src, "hosts"), os.path.join(dest, "hosts"))
    hosts = sorted(os.listdir(os.path.join(dest, "hosts")))
    groups = {}
    for line in open(os.path.join(src, "groups.txt")):
        line = line.split("#")[0].strip()
        if line:
            name, members = line.split(":", 1)
            groups["group-" + name] = members.split()
    for a, b in zip(hosts, hosts[1:]):
        groups[f"pair-{a}-{b}"] = [a, b]
    files = {}
    for name, members in groups.items():
        with open(os.path.join(dest, name + ".xml"), "w") as f:
            for m in members:
                f.write(open(os.path.join(dest, "hosts", m)).read())
        files[name] = f"{DATA_IN}/{name}.xml"
    return [f"{DATA_IN}/hosts/{h}" for h in hosts], files


def cpu_checks(root):
    hosts, groups = cpu_inputs(root)
    with_ih, without = [], []
    for name, f in sorted(groups.items()):
        for vt in ("kvm", "qemu"):
            for flags in ([], ["--features"], ["--migratable"]):
                args = ["hypervisor-cpu-baseline", f, "--virttype", vt, "--ignore-host"] + flags
                with_ih.append((args, domcaps_cmd(root, args), virsh(root, args)))
            if name.startswith("group-"):
                args = ["hypervisor-cpu-baseline", f, "--virttype", vt]
                without.append((args, domcaps_cmd(root, args), virsh(root, args)))
    report("hypervisor-cpu-baseline --ignore-host, groups and pairs of host CPUs", with_ih)
    report("hypervisor-cpu-baseline without --ignore-host, the same groups", without)
    one = []
    for args in (["hypervisor-cpu-baseline", hosts[0], "--ignore-host"],
                 ["hypervisor-cpu-baseline", "--model", "Westmere", "--ignore-host"],
                 ["hypervisor-cpu-baseline", "--model", "Westmere", "--ignore-host", "--virttype", "bogus"]):
        one.append((args, domcaps_cmd(root, args), virsh(root, args)))
    report("hypervisor-cpu-baseline --ignore-host of one CPU (refused)", one)
    compare, baseline = [], []
    for h in hosts:
        args = ["hypervisor-cpu-compare", h, "--virttype", "kvm"]
        compare.append((args, domcaps_cmd(root, args), virsh(root, args)))
        for flags in ([], ["--features"]):
            args = ["cpu-baseline", h] + flags
            baseline.append((args, domcaps_cmd(root, args), virsh(root, args)))
    report("hypervisor-cpu-compare of host CPUs (12.9's warning)", compare)
    report("cpu-baseline of host CPUs (12.9 leaves out ht, cmp_legacy)", baseline)
    models = []
    for m in virsh(root, ["cpu-models", "x86_64"])[1].split():
        for vt in ("kvm", "qemu"):
            args = ["hypervisor-cpu-baseline", "--model", m, "--virttype", vt]
            models.append((args, domcaps_cmd(root, args), virsh(root, args)))
    report("hypervisor-cpu-baseline --model, every x86 model (QEMU's names through the map's aliases)", models)
    errors = []
    for emulator in ("/etc/hostname", "/nonexistent", "/tmp"):
        for cmd in ("hypervisor-cpu-baseline", "hypervisor-cpu-compare"):
            args = [cmd, hosts[0], "--emulator", emulator]
            errors.append((args, domcaps_cmd(root, args), virsh(root, args)))
    report("an emulator that cannot be probed (12.9's message)", errors)


def main_guarded(src, work, root):
    if not os.path.exists("/dev/kvm"):
        check(False, "/dev/kvm exists (the KVM checks need it)")
        return
    try:
        built = C.prepare_chroot(work, root)
        check(True, f"Debian 13 backports chroot {'built with debootstrap' if built else 'unpacked from the tarball'}")
        n = C.copy_source(src, root)
        C.note(f"copied {n} files of the checkout; building domcaps inside")
        C.build_domcaps(root)
        check(True, "domcaps builds in the chroot")
        C.note("libvirtd: " + C.start_libvirtd(root).replace("\n", "; "))
    except C.Failure as e:
        check(False, "the backports chroot, domcaps built in it and its libvirtd", f"{e.what}\n{e.detail}", lines=60)
        return
    except subprocess.TimeoutExpired as e:
        check(False, "the backports chroot", f"timed out: {e.cmd}")
        return
    rc, out, err = virsh(root, ["-q", "version"])
    check(rc == 0 and "12.9" in out, "the chroot's virsh is libvirt 12.9", out + err)
    xpath_checks(root)
    cpu_checks(root)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    build, src = (os.path.abspath(a) for a in sys.argv[1:])
    if os.geteuid() != 0:
        check(False, "runs as root (debootstrap, chroot and mounts need it)")
        return finish()
    work = os.path.join(build, C.P.name)
    root = os.path.join(work, "root")
    return C.run_in_session(work, root, lambda: main_guarded(src, work, root))


if __name__ == "__main__":
    sys.exit(main())
