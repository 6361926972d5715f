#!/usr/bin/env python3
"""Debian 13 (trixie) live comparison: domcaps with no option against
`virsh domcapabilities` of the libvirt installed beside it, on the same QEMU.
Two stacks (--profile): trixie's own, QEMU 10.0 and libvirt 11.3 (the
default), and trixie-backports', QEMU 11.1 and libvirt 12.9, every target
Debian builds. domcaps is given no --schema: the chroot's libvirt decides
which release it prints, as on a user's host.

Builds a trixie chroot (debootstrap from the mirror apt already uses, then
QEMU, firmware, libvirt, swtpm and domcaps' build dependencies), keeps it as
a tarball in the build directory (BUILD/debian13/trixie.tar.zst, or
BUILD/debian13-backports/trixie-backports.tar.zst; rebuilt when the package
lists below change), builds domcaps inside from this checkout, starts a
private libvirtd inside and compares, for every line of the matrix file,
domcaps' output with virsh's, byte for byte (trailing newlines aside);
validates domcaps' output against the chroot's domaincaps.rng. All of it
twice: without the module packages QEMU only recommends (trixie:
qemu-system-modules-spice; backports: the GUI, spice, OpenGL and block
modules), then with them, installed offline from the .debs kept in the
chroot. Both documents of every differing combination are kept in
BUILD/PROFILE_DIR/differences/; the chroot itself (BUILD/PROFILE_DIR/root)
stays until the next run replaces it.

Needs: root (debootstrap, chroot, mounts), /dev/kvm for the KVM lines, and
the network for the first run (or after the package list changed); later
runs unpack the tarball. Without root or without the mirror it fails, it
does not skip. Prints TAP.

Whatever happens (failure, exception, SIGTERM or SIGKILL from meson's
timeout), the processes started inside the chroot are stopped and its
mounts undone: a guard process in its own session does it when this one
ends. The host's own libvirtd is never touched (processes are picked by
/proc/PID/root).

Usage: compare.py [--profile trixie|trixie-backports] BUILD_DIR SOURCE_DIR MATRIX_FILE
       compare.py [--profile ...] --cleanup BUILD_DIR   (stop and unmount what a killed run left)

Other tests that need the same chroot (tests/ansible, tests/live/virsh129.py,
inside.py) import this file: run_in_session() (or chroot_session()) for the
lock, guard, cleanup and report, prepare_chroot(), copy_source(),
build_domcaps() and in_chroot().
"""
import concurrent.futures
import contextlib
import difflib
import fcntl
import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402

SUITE = "trixie"
# domcaps' build (meson.build: glib-2.0, json-c, yajl, libxml2's headers;
# python3-dev and scdoc are optional and left out), procps, xmllint
BUILD_PACKAGES = [
    "meson", "ninja-build", "gcc", "libc6-dev", "pkg-config", "libglib2.0-dev", "libjson-c-dev",
    "libyajl-dev", "libxml2-dev", "python3", "procps", "libxml2-utils",
]


class Profile:
    """One Debian 13 stack to compare with: the chroot's packages and where
    it is kept. The package lists decide the tarball (changing them rebuilds
    it)."""

    def __init__(self, name, label, packages, download_only, passes, backports=(), revision=1):
        self.name = name                    # the work directory under BUILD, and the tarball's name
        self.label = label                  # the libvirt it holds, as reports name it
        self.packages = packages            # from trixie
        self.backports = list(backports)    # from trixie-backports (-t trixie-backports)
        self.download_only = download_only  # installed offline in the second pass
        self.revision = revision            # bump when the way the chroot is made changes
        self.passes = passes                # the two passes' labels: without, with download_only


PROFILES = {
    # QEMU 10.0 and libvirt 11.3, as trixie ships them; the spice modules
    # are only a Recommends.
    "trixie": Profile(
        "debian13", "libvirt 11.3",
        ["qemu-system-x86", "qemu-system-arm", "ovmf", "qemu-efi-aarch64",
         "libvirt-daemon", "libvirt-daemon-driver-qemu", "libvirt-clients", "swtpm", "swtpm-tools"]
        + BUILD_PACKAGES,
        ["qemu-system-modules-spice"], ("no spice", "spice")),
    # QEMU 11.1 and libvirt 12.9 from trixie-backports, every target Debian
    # builds; firmware and swtpm from trixie. The second pass adds the
    # module packages QEMU only recommends.
    "trixie-backports": Profile(
        "debian13-backports", "libvirt 12.9",
        # python3-libvirt for the scripts inside.py runs in it
        ["ovmf", "qemu-efi-aarch64", "swtpm", "swtpm-tools", "python3-libvirt"] + BUILD_PACKAGES,
        ["qemu-system-gui", "qemu-system-modules-spice", "qemu-system-modules-opengl", "qemu-block-extra"],
        ("no recommends", "recommends"),
        backports=["qemu-system-x86", "qemu-system-arm", "qemu-system-ppc", "qemu-system-s390x",
                   "qemu-system-misc", "qemu-system-riscv", "qemu-system-sparc", "qemu-system-mips",
                   "libvirt-daemon", "libvirt-daemon-driver-qemu", "libvirt-clients"]),
}
for _key, _profile in PROFILES.items():
    _profile.key = _key   # the tarball's name
P = PROFILES["trixie"]   # main() switches with --profile; tests/ansible uses trixie's
# (kept for the importers of this file)
PACKAGES = P.packages
DOWNLOAD_ONLY = P.download_only
SETUP_REVISION = P.revision

SPICE_DEBS = "/var/lib/domcaps-debian13/spice-debs"   # inside the chroot
SRC_IN = "/usr/src/domcaps"
BUILD_IN = "/usr/src/domcaps-build"
DOMCAPS_IN = BUILD_IN + "/tools/domcaps"
SCHEMA_IN = "/usr/share/libvirt/schemas/domaincaps.rng"
MODULE_DIR_IN = "/usr/lib/x86_64-linux-gnu/qemu"
CHROOT_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
              "HOME": "/root", "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"}
JOBS = max(1, min(2, os.cpu_count() or 1))
T0 = time.monotonic()


def note(msg):
    print(f"# [{time.monotonic() - T0:6.1f}s] {msg}", flush=True)


def run(cmd, check_rc=True, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.run(cmd, **kw)
    if check_rc and p.returncode != 0:
        raise Failure(f"{' '.join(map(str, cmd))[:200]} exited {p.returncode}",
                      ((p.stdout or "") + (p.stderr or ""))[-3000:])
    return p


class Failure(Exception):
    def __init__(self, what, detail=""):
        super().__init__(what)
        self.what, self.detail = what, detail


# ---------------------------------------------------------------- cleanup

def _unescape(path):
    """A mount point as /proc/self/mountinfo escapes it (\\040 for a space)."""
    out, i = "", 0
    while i < len(path):
        if path[i] == "\\" and path[i + 1:i + 4].isdigit():
            out += chr(int(path[i + 1:i + 4], 8))
            i += 4
        else:
            out += path[i]
            i += 1
    return out


def mounts_under(root):
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = _unescape(line.split()[4])
            if mp == root or mp.startswith(root + "/"):
                found.append(mp)
    return found


def procs_in(root):
    """PIDs of the processes whose root directory is the chroot (or below)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            r = os.readlink(f"/proc/{name}/root")
        except OSError:
            continue
        if r.endswith(" (deleted)"):
            r = r[:-len(" (deleted)")]
        if r == root or r.startswith(root + "/"):
            pids.append(int(name))
    return pids


def cleanup(root, log=print):
    """Stop every process running in the chroot, then undo its mounts.
    Idempotent; returns what is left (processes, mounts), empty when clean."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        pids = procs_in(root)
        if not pids:
            break
        log(f"stopping {len(pids)} process(es) in the chroot with {sig.name}: {pids}")
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while procs_in(root) and time.monotonic() < deadline:
            time.sleep(0.1)
    for lazy in (False, True):
        left = mounts_under(root)
        if not left:
            break
        # the topmost ones (proc, sys, dev), deepest first; -R takes what is below
        tops = sorted({m for m in left if not any(m.startswith(o + "/") for o in left)},
                      key=len, reverse=True)
        for m in tops:
            cmd = ["umount", "-R"] + (["-l"] if lazy else []) + [m]
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                log(f"{' '.join(cmd)}: {p.stderr.strip()}")
    return procs_in(root), mounts_under(root)


def remove_tree(root):
    """rm -rf of the chroot, only when nothing is mounted in it (else it would
    reach into the host's /dev or /sys), and never across file systems."""
    if not os.path.lexists(root):
        return
    left = mounts_under(root)
    if left:
        raise Failure(f"refusing to remove {root}: still mounted: {left[:5]}")
    subprocess.run(["rm", "-rf", "--one-file-system", root], check=True)


def guard(root):
    """Run in a session of its own: wait until the test process ends (our stdin,
    a pipe only it holds, reaches EOF), then clean up after it. meson kills a
    test that times out with SIGTERM and, half a second later, SIGKILL to its
    process group: this process is outside that group."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except OSError:
        pass
    procs, mounts = cleanup(root, log=lambda m: print(f"guard: {m}", file=sys.stderr, flush=True))
    if procs or mounts:
        print(f"guard: left behind: processes {procs}, mounts {mounts}", file=sys.stderr, flush=True)
        return 1
    return 0


# ---------------------------------------------------------------- the chroot

def mirror():
    """The Debian mirror apt uses (URIs: of debian.sources, or a deb line)."""
    path = "/etc/apt/sources.list.d/debian.sources"
    try:
        for line in open(path):
            if line.startswith("URIs:"):
                for uri in line.split()[1:]:
                    if "security" not in uri:
                        return uri
    except OSError:
        pass
    try:
        for line in open("/etc/apt/sources.list"):
            w = line.split()
            if len(w) >= 3 and w[0] == "deb" and "security" not in w[1]:
                return w[2] if w[1].startswith("[") else w[1]
    except OSError:
        pass
    raise Failure(f"no Debian mirror found in {path} (URIs:) nor /etc/apt/sources.list")


def package_key():
    spec = {"suite": SUITE, "variant": "minbase", "packages": sorted(P.packages),
            "download_only": sorted(P.download_only), "revision": P.revision}
    if P.backports:
        spec["backports"] = sorted(P.backports)
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def in_chroot(root, cmd, **kw):
    kw.setdefault("env", CHROOT_ENV)
    return run(["chroot", root] + cmd, **kw)


def with_retries(what, fn, attempts=3):
    for i in range(attempts):
        try:
            return fn()
        except Failure as e:
            if i == attempts - 1:
                raise
            note(f"{what} failed ({e.what}), retrying in {10 * (i + 1)} s")
            time.sleep(10 * (i + 1))


def mount_all(root):
    # The chroot's root a mount point of its own, private: what runs inside
    # can then make mount namespaces of its own as on a host (libvirt's
    # per-domain namespace, unshare --propagation private in
    # tests/differential), and nothing mounted below reaches the host.
    run(["mount", "--bind", root, root])
    run(["mount", "--make-private", root])
    run(["mount", "-t", "proc", "proc", f"{root}/proc"])
    for d in ("sys", "dev"):
        run(["mount", "--rbind", f"/{d}", f"{root}/{d}"])
        # before anything is unmounted below it: an unmount must not
        # propagate back to the host's /dev/pts or /sys/fs/cgroup
        run(["mount", "--make-rslave", f"{root}/{d}"])


def ensure_tools():
    """debootstrap (and zstd, for a fast tarball; gzip does without it)."""
    missing = [t for t in ("debootstrap", "zstd") if not shutil.which(t)]
    if not missing:
        return
    note(f"installing {' '.join(missing)} with apt")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing
    if run(cmd, check_rc=False, env=env).returncode != 0:
        run(["apt-get", "update", "-q"], env=env, check_rc=False)
        run(cmd, check_rc=False, env=env)
    if not shutil.which("debootstrap"):
        raise Failure("debootstrap is missing and `apt-get install debootstrap` failed")


def build_chroot(root, mirror_uri):
    """debootstrap + packages + accounts and configuration; leaves it mounted."""
    ensure_tools()

    def boot():
        remove_tree(root)
        os.makedirs(root)
        run(["debootstrap", "--variant=minbase", SUITE, root, mirror_uri])
    note(f"debootstrap {SUITE} (minbase)")
    with_retries("debootstrap", boot)
    with open(f"{root}/usr/sbin/policy-rc.d", "w") as f:
        f.write("#!/bin/sh\n# no service starts inside this chroot\nexit 101\n")
    os.chmod(f"{root}/usr/sbin/policy-rc.d", 0o755)
    shutil.copy("/etc/resolv.conf", f"{root}/etc/resolv.conf")
    mount_all(root)
    apt = ["apt-get", "-q", "-o", "Acquire::Retries=3", "-o", "Acquire::Check-Valid-Until=false"]
    from_bp = []
    if P.backports:
        with open(f"{root}/etc/apt/sources.list.d/backports.list", "w") as f:
            f.write(f"deb {mirror_uri} {SUITE}-backports main\n")
        from_bp = ["-t", f"{SUITE}-backports"]
    note(f"apt-get install {len(P.backports) + len(P.packages)} packages inside")
    with_retries("apt-get update", lambda: in_chroot(root, apt + ["update"]))
    if P.backports:
        with_retries("apt-get install (backports)", lambda: in_chroot(
            root, apt + ["install", "-y", "--no-install-recommends"] + from_bp + P.backports, timeout=1800))
    with_retries("apt-get install", lambda: in_chroot(
        root, apt + ["install", "-y", "--no-install-recommends"] + P.packages, timeout=1800))
    note(f"downloading {' '.join(P.download_only)} and their dependencies")
    in_chroot(root, apt + ["clean"])
    with_retries("apt-get download", lambda: in_chroot(
        root, apt + ["install", "-y", "--no-install-recommends", "--download-only"] + from_bp + P.download_only))
    os.makedirs(root + SPICE_DEBS)
    archives = f"{root}/var/cache/apt/archives"
    debs = sorted(n for n in os.listdir(archives) if n.endswith(".deb"))
    for pkg in P.download_only:
        if not any(n.startswith(pkg + "_") for n in debs):
            raise Failure(f"{pkg} was not downloaded", "\n".join(debs))
    for n in debs:
        shutil.move(f"{archives}/{n}", f"{root}{SPICE_DEBS}/{n}")
    in_chroot(root, apt + ["clean"])
    shutil.rmtree(f"{root}/var/lib/apt/lists", ignore_errors=True)
    os.makedirs(f"{root}/var/lib/apt/lists/partial", exist_ok=True)
    # As the host's oracle (../shared/oracle/libvirt-domcaps): libvirtd wants
    # these accounts even when it runs QEMU as root.
    in_chroot(root, ["sh", "-c",
                     "getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu; "
                     "getent passwd libvirt-qemu >/dev/null || useradd -r -g libvirt-qemu "
                     "-d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu; "
                     "getent group kvm >/dev/null || groupadd -r kvm; "
                     "grep -q '^user = \"root\"' /etc/libvirt/qemu.conf 2>/dev/null || "
                     "printf 'user = \"root\"\\ngroup = \"root\"\\n' >> /etc/libvirt/qemu.conf; "
                     "grep -q '^log_outputs' /etc/libvirt/libvirtd.conf 2>/dev/null || "
                     "printf 'log_outputs = \"3:file:/var/log/libvirt/libvirtd.log\"\\n' "
                     ">> /etc/libvirt/libvirtd.conf; mkdir -p /var/log/libvirt"])


def save_tarball(root, tarball, keyfile, key):
    procs, mounts = cleanup(root, log=note)
    if procs or mounts:
        raise Failure("cannot unmount the new chroot to save it", f"{procs} {mounts}")
    note(f"saving the chroot as {tarball}")
    tmp = tarball + ".tmp"
    run(["tar", "--numeric-owner", "--one-file-system", "-I", compressor(tarball), "-cpf", tmp,
         "-C", root, "."], timeout=1200)
    os.rename(tmp, tarball)
    with open(keyfile, "w") as f:
        f.write(key + "\n")


def compressor(tarball):
    return "zstd -T0 -3" if tarball.endswith(".zst") else "gzip -1"


def prepare_chroot(work, root):
    """A fresh chroot, from the tarball when it matches the package list,
    else built (and the tarball saved). Returns True when it was built."""
    tarballs = [f"{work}/{P.key}.tar.zst", f"{work}/{P.key}.tar.gz"]
    keyfile = f"{work}/{P.key}.key"
    key = package_key()
    have = open(keyfile).read().strip() if os.path.exists(keyfile) else None
    for tarball in tarballs:
        if have == key and os.path.exists(tarball) and (shutil.which("zstd") or tarball.endswith(".gz")):
            note(f"unpacking {tarball}")
            remove_tree(root)
            os.makedirs(root)
            run(["tar", "--numeric-owner", "-I", compressor(tarball).split()[0], "-xpf", tarball,
                 "-C", root], timeout=1200)
            mount_all(root)
            return False
    for stale in tarballs + [keyfile]:
        if os.path.exists(stale):
            os.unlink(stale)
    build_chroot(root, mirror())
    save_tarball(root, tarballs[0] if shutil.which("zstd") else tarballs[1], keyfile, key)
    mount_all(root)
    return True


def copy_source(src, root):
    """The checkout's files (tracked, plus untracked ones not ignored), no
    build directory, into the chroot."""
    dest = root + SRC_IN
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    p = run(["git", "-c", "safe.directory=*", "-C", src, "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"], check_rc=False)
    if p.returncode == 0:
        names = [n for n in p.stdout.split("\0") if n]
    else:   # not a git checkout: everything but build directories and .git
        names = []
        for d, dirs, files in os.walk(src):
            dirs[:] = [x for x in dirs if x != ".git"
                       and not os.path.exists(os.path.join(d, x, "meson-private"))]
            names += [os.path.relpath(os.path.join(d, f), src) for f in files]
    build_dirs = {n.split("/")[0] for n in names
                  if "/" in n and os.path.isdir(os.path.join(src, n.split("/")[0], "meson-private"))}
    names = sorted({n for n in names if n.split("/")[0] not in build_dirs
                    and os.path.lexists(os.path.join(src, n))})
    with subprocess.Popen(["tar", "-C", src, "--null", "-T", "-", "-cf", "-"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE) as pack:
        unpack = subprocess.Popen(["tar", "-C", dest, "-xf", "-"], stdin=pack.stdout)
        pack.stdout.close()
        pack.stdin.write("\0".join(names).encode() + b"\0")
        pack.stdin.close()
        if unpack.wait() != 0 or pack.wait() != 0:
            raise Failure("copying the source tree into the chroot failed")
    return len(names)


def build_domcaps(root, targets=("tools/domcaps",)):
    shutil.rmtree(root + BUILD_IN, ignore_errors=True)
    in_chroot(root, ["meson", "setup", BUILD_IN, SRC_IN], timeout=600)
    in_chroot(root, ["ninja", "-C", BUILD_IN] + list(targets), timeout=1200)


def start_libvirtd(root):
    sock = f"{root}/run/libvirt/libvirt-sock"
    in_chroot(root, ["/usr/sbin/libvirtd", "-d"])
    deadline = time.monotonic() + 60
    while True:
        if os.path.exists(sock):
            p = in_chroot(root, ["virsh", "-q", "-c", "qemu:///system", "version"], check_rc=False,
                          timeout=60)
            if p.returncode == 0:
                return p.stdout
        if time.monotonic() > deadline:
            log = f"{root}/var/log/libvirt/libvirtd.log"
            raise Failure("libvirtd inside the chroot does not answer",
                          open(log).read()[-2000:] if os.path.exists(log) else "")
        time.sleep(0.2)


# ---------------------------------------------------------------- comparison

def bounded(cmd, timeout, **kw):
    """in_chroot without raising on a timeout: exit status 124, as timeout(1)."""
    try:
        return in_chroot(cmd[0], cmd[1:], check_rc=False, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, 124, "", f"timed out after {timeout} s")


def virsh(root, args):
    for i in range(20):
        p = bounded([root, "virsh", "-q", "-c", "qemu:///system", "domcapabilities"] + args, 600)
        if p.returncode == 0 or "Failed to connect socket" not in p.stderr:
            return p
        time.sleep(0.5)
    return p


def domcaps(root, args, cache_dir):
    return bounded([root, DOMCAPS_IN, "--cache-dir", cache_dir] + args, 300)


def xmllint(root, text):
    return bounded([root, "xmllint", "--noout", "--relaxng", SCHEMA_IN, "-"], 120, input=text, stdin=None)


def compare_one(root, combo, cache_dir):
    args = shlex.split(combo)
    ours = domcaps(root, args, cache_dir)
    theirs = virsh(root, args)
    valid = xmllint(root, ours.stdout) if ours.returncode == 0 else None
    return ours, theirs, valid


def save(outdir, label, combo, ours, theirs):
    """Both documents of a differing combination, for a closer look."""
    name = "_".join(w.lstrip("-").replace("/", "_") for w in shlex.split(combo)) or "default"
    d = os.path.join(outdir, label.replace(" ", "-"))
    os.makedirs(d, exist_ok=True)
    for who, p in (("domcaps", ours), ("libvirt", theirs)):
        with open(os.path.join(d, f"{name}.{who}.xml"), "w") as f:
            f.write(p.stdout or p.stderr)
    return d


def report(outdir, label, combo, ours, theirs, valid):
    a, b = ours.stdout.rstrip("\n"), theirs.stdout.rstrip("\n")
    if ours.returncode == 1 and theirs.returncode == 1 and "Failed to connect" not in theirs.stderr:
        check(True, f"{label}: both refuse: {combo}")
        print(f"#   libvirt: {theirs.stderr.strip().splitlines()[-1] if theirs.stderr.strip() else ''}")
        print(f"#   domcaps: {ours.stderr.strip()}")
    else:
        ok = ours.returncode == 0 and theirs.returncode == 0 and a == b
        detail = []
        if ours.returncode != 0:
            detail.append(f"domcaps exit {ours.returncode}: {ours.stderr.strip()[-300:]}")
        if theirs.returncode != 0:
            detail.append(f"libvirt exit {theirs.returncode}: {theirs.stderr.strip()[-300:]}")
        if not detail:
            detail += difflib.unified_diff(b.splitlines(), a.splitlines(), P.label.replace(" ", "-"), "domcaps",
                                           lineterm="", n=1)
        if not ok:
            detail.insert(0, f"both documents: {save(outdir, label, combo, ours, theirs)}")
        check(ok, f"{label}: identical to {P.label}: {combo}", "\n".join(detail), lines=41)
    if valid is not None:
        check(valid.returncode == 0, f"{label}: valid against the chroot's domaincaps.rng: {combo}",
              valid.stderr)


def compare_all(root, outdir, label, combos, cache_dir):
    note(f"{label}: {len(combos)} combinations, {JOBS} at a time")
    pool = concurrent.futures.ThreadPoolExecutor(JOBS)
    try:
        futures = [pool.submit(compare_one, root, c, cache_dir) for c in combos]
        for combo, fut in zip(combos, futures):
            report(outdir, label, combo, *fut.result())
    finally:
        # on an interruption, do not run what is queued: clean up at once
        pool.shutdown(wait=False, cancel_futures=True)


# ---------------------------------------------------------------- main

def main_guarded(build, src, matrix, work, root):
    outdir = os.path.join(work, "differences")
    shutil.rmtree(outdir, ignore_errors=True)
    combos = [l.strip() for l in open(matrix) if l.strip() and not l.lstrip().startswith("#")]
    if not os.path.exists("/dev/kvm"):
        check(False, "/dev/kvm exists (the KVM combinations need it)")
        return
    try:
        built = prepare_chroot(work, root)
        check(True, f"Debian 13 chroot {'built with debootstrap' if built else 'unpacked from the tarball'}")
    except Failure as e:
        check(False, f"Debian 13 chroot (debootstrap {SUITE} from the mirror apt uses; needs the network "
                     f"on a first run)", f"{e.what}\n{e.detail}")
        return
    except subprocess.TimeoutExpired as e:
        check(False, "Debian 13 chroot", f"timed out: {e.cmd}")
        return
    versions = in_chroot(root, ["dpkg-query", "-W", "-f", "${Package} ${Version}\\n",
                                "qemu-system-x86", "libvirt-daemon", "libvirt0", "gcc", "libglib2.0-0t64"],
                         check_rc=False).stdout
    for line in versions.splitlines():
        note(line)
    try:
        n = copy_source(src, root)
        note(f"copied {n} files of the checkout; building domcaps inside")
        build_domcaps(root)
        note("domcaps built")
        check(True, "domcaps builds in the chroot against trixie's libraries")
    except Failure as e:
        check(False, "domcaps builds in the chroot against trixie's libraries", f"{e.what}\n{e.detail}",
              lines=60)
        return
    try:
        note("libvirtd: " + start_libvirtd(root).replace("\n", "; "))
        check(True, "libvirtd started inside the chroot")
    except Failure as e:
        check(False, "libvirtd started inside the chroot", f"{e.what}\n{e.detail}")
        return

    spice = sorted(n for n in os.listdir(root + MODULE_DIR_IN) if "spice" in n)
    check(not spice, "the spice modules are not installed yet", " ".join(spice))
    without, with_ = P.passes
    compare_all(root, outdir, without, combos, "/var/cache/domcaps-without")

    what = " ".join(P.download_only)
    note(f"installing {what} from the downloaded packages")
    before = set(os.listdir(root + MODULE_DIR_IN))
    p = in_chroot(root, ["sh", "-c", f"dpkg --force-unsafe-io -i {SPICE_DEBS}/*.deb"], check_rc=False,
                  timeout=600)
    added = sorted(set(os.listdir(root + MODULE_DIR_IN)) - before)
    spice = [n for n in added if "spice" in n]
    check(p.returncode == 0 and spice, f"{what} install offline, the spice modules among them",
          (p.stdout + p.stderr)[-1500:])
    note("modules added: " + " ".join(added))
    # domcaps' cache keys on QEMU's module directory: the first pass's cache,
    # asked again, must answer as a fresh one does
    stale = domcaps(root, ["--virttype", "qemu"], "/var/cache/domcaps-without")
    fresh = domcaps(root, ["--virttype", "qemu", "--no-cache"], "/var/cache/domcaps-unused")
    check(stale.returncode == 0 and stale.stdout == fresh.stdout,
          "domcaps' cache notices the new modules (cached answer = uncached answer)",
          "\n".join(difflib.unified_diff(fresh.stdout.splitlines(), stale.stdout.splitlines(),
                                         "uncached", "cached", lineterm="", n=1)))
    compare_all(root, outdir, with_, combos, "/var/cache/domcaps-with")


class Session:
    """What chroot_session() leaves: .left, the processes and mounts that
    were still there after the cleanup (both empty when clean)."""
    left = ([], [])


@contextlib.contextmanager
def chroot_session(work, root):
    """One run at a time per build directory (WORK/lock), what a killed
    earlier run left cleaned up first, and whatever happens inside
    (failure, exception, SIGTERM or SIGKILL from meson's timeout) the
    processes started in the chroot stopped and its mounts undone: here on
    the way out, and by a guard process in its own session if this one is
    killed. SIGTERM and SIGHUP inside raise KeyboardInterrupt. Raises
    Failure when another run holds the lock for 5 minutes."""
    os.makedirs(work, exist_ok=True)
    # The guard inherits the lock, so the guard of an interrupted run
    # finishes its cleanup before the next run starts.
    lock = open(os.path.join(work, "lock"), "w")
    deadline = time.monotonic() + 300
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise Failure(f"no other run (or its cleanup) holds {work}/lock for 5 minutes")
            time.sleep(0.5)
    cleanup(root, log=note)
    guard_proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--guard", root],
                                  stdin=subprocess.PIPE, start_new_session=True,
                                  pass_fds=[lock.fileno()],
                                  stdout=subprocess.DEVNULL,
                                  stderr=open(os.path.join(work, "guard.log"), "w"))

    def on_signal(sig, frame):
        raise KeyboardInterrupt(f"signal {sig}")
    session = Session()
    try:
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGHUP, on_signal)
        yield session
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        session.left = cleanup(root, log=note)
        guard_proc.stdin.close()
        guard_proc.wait(timeout=60)
        lock.close()


def run_in_session(work, root, body):
    """body() inside chroot_session(): a Failure, an interruption or any
    other exception is one failing check, and the cleanup happens whatever
    happened; then the check that nothing is left running or mounted.
    Returns finish(). The main of every test that uses a chroot."""
    try:
        with chroot_session(work, root) as session:
            try:
                body()
            except Failure as e:
                check(False, e.what, e.detail, lines=40)
            except KeyboardInterrupt as e:
                check(False, f"interrupted ({e})")
            except Exception as e:   # noqa: BLE001: any failure is reported, then cleaned up
                check(False, f"unexpected error: {e!r}", traceback.format_exc(), lines=40)
    except Failure as e:
        check(False, e.what)
        return finish()
    procs, mounts = session.left
    check(not procs and not mounts, "nothing left running or mounted in the chroot",
          f"processes {procs}, mounts {mounts}")
    return finish()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--guard":
        return guard(sys.argv[2])
    global P
    if len(sys.argv) >= 3 and sys.argv[1] == "--profile":
        if sys.argv[2] not in PROFILES:
            print(f"unknown profile {sys.argv[2]!r} (known: {', '.join(PROFILES)})", file=sys.stderr)
            return 2
        P = PROFILES[sys.argv[2]]
        del sys.argv[1:3]
    if len(sys.argv) == 3 and sys.argv[1] == "--cleanup":
        root = os.path.join(os.path.abspath(sys.argv[2]), P.name, "root")
        procs, mounts = cleanup(root)
        return 1 if procs or mounts else 0
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    build, src, matrix = (os.path.abspath(a) for a in sys.argv[1:])
    if os.geteuid() != 0:
        check(False, "runs as root (debootstrap, chroot and mounts need it)",
              "run `meson test --suite debian13` as root (and with the network on a first run)")
        return finish()
    work = os.path.join(build, P.name)
    root = os.path.join(work, "root")

    def body():
        main_guarded(build, src, matrix, work, root)
        note(f"total {time.monotonic() - T0:.0f} s")
    return run_in_session(work, root, body)


if __name__ == "__main__":
    sys.exit(main())
