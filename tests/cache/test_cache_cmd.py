#!/usr/bin/env python3
"""`domcaps cache list|prune` and a pre-built cache used read-only, with the
real QEMU binaries. TAP output.

Usage: test_cache_cmd.py DOMCAPS
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402

DOMCAPS = os.path.abspath(sys.argv[1])
X86 = "/usr/bin/qemu-system-x86_64"
ARM = "/usr/bin/qemu-system-aarch64"



def run(*args, **kw):
    return subprocess.run([DOMCAPS] + list(args), capture_output=True, text=True, timeout=300, **kw)


def snapshot(d):
    """The probe entries (docs/, remembered documents, may grow where the
    directory is writable)."""
    return {n: (os.stat(os.path.join(d, n)).st_mtime_ns, open(os.path.join(d, n), "rb").read())
            for n in sorted(os.listdir(d)) if n != "docs" and not n.endswith(".json.lock")}


tmp = tempfile.mkdtemp(prefix="domcaps-cachecmd-")
os.chmod(tmp, 0o755)
image = os.path.join(tmp, "image")

# Pre-build: --all into a directory, KVM where usable and TCG for every one.
r1 = run("--all", "--cache-dir", image, X86, ARM)
r2 = run("--all", "--cache-dir", image, "--virttype", "qemu", X86, ARM)
check(r1.returncode == 0 and r2.returncode == 0, "domcaps --all --cache-dir DIR [--virttype qemu] builds a cache",
      r1.stderr + r2.stderr)
# --all --virttype kvm: an emulator the host's KVM cannot run is skipped
# with a note, as plain --all skips a target domcaps does not serve.
kvm_only = run("--all", "--virttype", "kvm", "--cache-dir", os.path.join(tmp, "kvm-only"), X86, ARM)
check(kvm_only.returncode == 0 and kvm_only.stdout.count("<domain>kvm</domain>") == 1 and
      "<domainCapabilities>" in kvm_only.stdout and f"skipped {ARM}" in kvm_only.stderr,
      "--all --virttype kvm: the KVM document of x86_64, aarch64 skipped with a note",
      kvm_only.stdout[:200] + kvm_only.stderr)
# A target libvirt does not serve is skipped; a program that does not
# answer like QEMU is a failure, whatever else succeeds.
OR1K = "/usr/bin/qemu-system-or1k"
served = run("--all", "--no-cache", OR1K, X86)
check(served.returncode == 0 and f"skipped {OR1K}" in served.stderr and served.stdout.count("<domainCapabilities>") == 1,
      "--all: a target libvirt does not serve (or1k) is skipped with a note", served.stderr)
bogus = run("--all", "--no-cache", "/bin/true", X86)
check(bogus.returncode != 0 and "failed /bin/true" in bogus.stderr,
      "--all: a program that is no QEMU (/bin/true) fails the run", bogus.stderr)
lst = run("cache", "list", "--cache-dir", image)
check(lst.returncode == 0 and "2 entries, 2 valid, 0 invalid" in lst.stdout,
      "cache list: the two entries are valid", lst.stdout + lst.stderr)
check("QEMU " in lst.stdout and "target x86_64" in lst.stdout and "target aarch64" in lst.stdout and
      "probed" in lst.stdout, "cache list shows the key in short (QEMU version, target, accelerators)",
      lst.stdout)
# the remembered documents by the release they follow, and why: --all
# followed this host's libvirt (or the newest where there is none); one
# more, asked in 12.9's format
pinned = run("--cache-dir", image, "--virttype", "qemu", "--emulatorbin", X86, "--schema", "12.9")
lst = run("cache", "list", "--cache-dir", image)
check(pinned.returncode == 0 and "in libvirt 12.9's format (asked for (--schema" in lst.stdout and
      ("is installed (" in lst.stdout or "no libvirt installed" in lst.stdout),
      "cache list says which release each remembered document follows and why", lst.stdout + pinned.stderr)
js = run("cache", "list", "--cache-dir", image, "--format", "json")
try:
    data = json.loads(js.stdout)
    check(len(data) == 2 and all(e["valid"] and e["reason"] is None and e["emulator"] in (X86, ARM) for e in data),
          "cache list --format json", js.stdout)
except ValueError as e:
    check(False, "cache list --format json", f"{e}\n{js.stdout}")

# Used read-only: the directory is mounted read-only (a private mount
# namespace) for the queries; nothing changes, and the answers are those of
# an uncached probe.
RO = ["unshare", "--mount", "sh", "-c",
      'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"', image]
probe = subprocess.run(RO + ["touch", os.path.join(image, "x")], capture_output=True, text=True)
if probe.returncode == 0 or "Read-only" not in probe.stderr:
    print("# cannot mount the cache read-only here (needs root and mount namespaces): queries run read-write")
    RO = []
before = snapshot(image)
for args in (["--virttype", "qemu", "--machine", "q35"], ["--virttype", "qemu", "--arch", "aarch64"],
             ["--machine", "q35"]):
    cached = subprocess.run(RO + [DOMCAPS, "--cache-dir", image] + args, capture_output=True, text=True)
    fresh = run("--no-cache", *args)
    check(cached.returncode == 0 and cached.stdout == fresh.stdout,
          f"read-only pre-built cache answers {' '.join(args)} as an uncached probe", cached.stderr)
check(snapshot(image) == before, "the pre-built cache is left untouched")
stats = subprocess.run(RO + [DOMCAPS, "--cache-dir", image, "--virttype", "qemu", "--stats"],
                       capture_output=True, text=True)
check(stats.returncode == 0, f"a query from the read-only cache: {stats.stderr.strip()}")

# Stale, foreign and corrupt entries; prune removes them and nothing else.
work = os.path.join(tmp, "work")
os.makedirs(work)
copy = os.path.join(tmp, "qemu-system-aarch64")
shutil.copy2(ARM, copy)
r = run("--cache-dir", work, "--emulatorbin", copy, "--virttype", "qemu")
r2 = run("--cache-dir", work, "--virttype", "qemu")
check(r.returncode == 0 and r2.returncode == 0, "entries for a copied binary and the real one", r.stderr + r2.stderr)
os.utime(copy, None)
with open(os.path.join(work, "qemu-system-foo-0123456789abcdef.json"), "w") as f:
    f.write("{not json")
with open(os.path.join(work, "notes.txt"), "w") as f:
    f.write("not an entry\n")
lst = run("cache", "list", "--cache-dir", work)
check(lst.returncode == 2 and "why: binary changed (mtime)" in lst.stdout and "why: corrupt entry" in lst.stdout
      and "3 entries, 1 valid, 2 invalid" in lst.stdout,
      "cache list: a touched binary's entry is invalid (binary changed (mtime)), a corrupt one too; exit 2",
      lst.stdout + lst.stderr)
os.unlink(copy)
lst = run("cache", "list", "--cache-dir", work)
check(f"emulator {copy} is gone" in lst.stdout, "cache list: an entry whose binary is gone says so", lst.stdout)
docs_before = len(os.listdir(os.path.join(work, "docs"))) if os.path.isdir(os.path.join(work, "docs")) else 0
pr = run("cache", "prune", "--cache-dir", work)
left = sorted(n for n in os.listdir(work) if not n.endswith(".json.lock"))  # probe locks stay
check(docs_before > 0 and f"{docs_before} remembered documents dropped" in pr.stdout,
      f"cache prune says how many remembered documents it dropped ({docs_before})", pr.stdout)
check(pr.returncode == 0 and "2 entries removed" in pr.stdout and "notes.txt" in left and len(left) == 2,
      f"cache prune removes the invalid entries and the remembered documents only (left: {left})",
      pr.stdout + pr.stderr)
lst = run("cache", "list", "--cache-dir", work)
check(lst.returncode == 0 and "1 entries, 1 valid, 0 invalid" in lst.stdout, "after prune all entries are valid",
      lst.stdout)

# Before any query there is no directory: an empty cache, not an error.
for action, out in (("list", "0 entries, 0 valid, 0 invalid"), ("prune", "0 entries removed")):
    r = run("cache", action, "--cache-dir", os.path.join(tmp, "nonexistent"))
    check(r.returncode == 0 and out in r.stdout and not os.path.exists(os.path.join(tmp, "nonexistent")),
          f"cache {action} before any query: {out}", r.stdout + r.stderr)
not_a_dir = os.path.join(tmp, "a-file")
open(not_a_dir, "w").close()
for args, what in ((["cache"], "no action"), (["cache", "frobnicate"], "unknown action"),
                   (["cache", "list", "--cache-dir", not_a_dir], "a cache directory that is a file"),
                   (["cache", "list", "--format", "yaml"], "unknown format")):
    r = run(*args)
    check(r.returncode == 1 and r.stderr.startswith("domcaps: "), f"cache: {what} is an error: {r.stderr.strip()}")

shutil.rmtree(tmp, ignore_errors=True)
sys.exit(finish())
