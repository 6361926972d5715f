#!/usr/bin/python3
"""The Python binding (`import domcaps`, build dir on PYTHONPATH): its
results equal the CLI's output, its failures are domcaps.Error carrying the
library's message and code, and ten thousand calls do not grow memory.
TAP output.

Usage: test_binding.py DOMCAPS_CLI
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402

import domcaps  # noqa: E402

CLI = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = tempfile.mkdtemp(prefix="domcaps-py-")



def cli(*args):
    return subprocess.run([CLI, "--cache-dir", CACHE] + list(args), capture_output=True, text=True)


def kvm_usable():
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
        os.close(fd)
        return True
    except OSError:
        return False


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


# ---- results equal the CLI's ------------------------------------------------
queries = [
    {},
    {"virttype": "qemu"},
    {"virttype": "qemu", "machine": "q35"},
    {"virttype": "qemu", "arch": "i686", "machine": "pc"},
    {"virttype": "qemu", "arch": "aarch64", "machine": "virt"},
    {"virttype": "qemu", "arch": "ppc64", "machine": "pseries"},
    {"virttype": "qemu", "arch": "s390x"},
    {"virttype": "qemu", "arch": "riscv64", "machine": "virt"},
    {"emulator": "/usr/bin/qemu-system-x86_64", "virttype": "qemu", "machine": "pc"},
    {"virttype": "qemu", "machine": "q35", "expand_cpu_features": True},
    {"virttype": "qemu", "machine": "q35", "expand_cpu_features": True, "supported_cpu_features": True,
     "disable_deprecated_features": True},
]
if kvm_usable():
    queries += [{"virttype": "kvm", "machine": "q35"},
                {"virttype": "kvm", "machine": "q35", "expand_cpu_features": True}]
OPT = {"virttype": "--virttype", "machine": "--machine", "arch": "--arch", "emulator": "--emulatorbin"}


def cli_args(q):
    args = []
    for k, v in q.items():
        if k in OPT:
            args += [OPT[k], v]
        elif v:
            args.append("--" + k.replace("_", "-"))
    return args


for q in queries:
    args = cli_args(q)
    out = cli(*args, "--format", "json")
    try:
        got = domcaps.capabilities(cache_dir=CACHE, **q)
        check(out.returncode == 0 and got == json.loads(out.stdout),
              f"capabilities({q}) == domcaps {' '.join(args)} --format json", out.stderr)
    except domcaps.Error as e:
        check(False, f"capabilities({q})", e)
    out = cli(*args)
    try:
        got = domcaps.capabilities_xml(cache_dir=CACHE, **q)
        check(out.returncode == 0 and got == out.stdout, f"capabilities_xml({q}) == domcaps {' '.join(args)}",
              out.stderr)
    except domcaps.Error as e:
        check(False, f"capabilities_xml({q})", e)

lines = domcaps.explain_firmware(cache_dir=CACHE, virttype="qemu", machine="q35")
out = cli("--virttype", "qemu", "--machine", "q35", "--explain-firmware")
check(lines == out.stdout.splitlines() and any(": taken:" in l for l in lines),
      "explain_firmware() == domcaps --explain-firmware", "\n".join(lines))

# ---- errors become exceptions -----------------------------------------------
errors = [
    ({"virttype": "qemu", "machine": "no-such-machine"}, ["--virttype", "qemu", "--machine", "no-such-machine"],
     domcaps.ERROR_UNKNOWN_MACHINE),
    ({"virttype": "xen"}, ["--virttype", "xen"], domcaps.ERROR_INVALID_ARG),
    ({"arch": "nonsense"}, ["--arch", "nonsense"], domcaps.ERROR_INVALID_ARG),
    ({"emulator": "/nonexistent/qemu"}, ["--emulatorbin", "/nonexistent/qemu"], domcaps.ERROR_NO_EMULATOR),
    ({"emulator": "/etc/passwd"}, ["--emulatorbin", "/etc/passwd"], domcaps.ERROR_NOT_EXECUTABLE),
    ({"replay": "/nonexistent.transcript"}, ["--replay", "/nonexistent.transcript"], domcaps.ERROR_IO),
    # a program that runs and ends without a word of QMP is no QEMU
    ({"emulator": "/bin/true"}, ["--emulatorbin", "/bin/true"], domcaps.ERROR_NOT_QEMU),
]
for q, args, code in errors:
    out = cli(*args)
    try:
        domcaps.capabilities(cache_dir=CACHE, **q)
        check(False, f"capabilities({q}) raises domcaps.Error", "no exception")
    except domcaps.Error as e:
        msg = out.stderr.strip().removeprefix("domcaps: ")
        check(str(e) == msg and e.code == code and out.returncode == 1,
              f"capabilities({q}) raises domcaps.Error(code {code}): {e}",
              f"binding: {e!s} (code {e.code})\ncli: {msg}")

# Every failure is a domcaps.Error, bad arguments too (with the code the
# CLI's option errors have).
for bad in ({"cache": "sometimes"}, {"timeout": 0}, {"timeout": "soon"}, {"arch": 64}):
    try:
        domcaps.capabilities(**bad)
        check(False, f"capabilities({bad}) raises domcaps.Error")
    except domcaps.Error as e:
        check(e.code == domcaps.ERROR_INVALID_ARG, f"capabilities({bad}) raises domcaps.Error(INVALID_ARG): {e}")
try:
    domcaps.capabilities(nonsense=1)
    check(False, "an unknown keyword raises TypeError")
except TypeError as e:
    check(True, f"an unknown keyword raises TypeError: {e}")

# ---- check ---------------------------------------------------------------
DOMAIN = """<domain type='qemu'>
  <name>t</name>
  <os><type arch='x86_64' machine='q35'>hvm</type><loader secure='yes'/></os>
  <devices><video><model type='nosuch'/></video><disk type='file'><target dev='hda' bus='ide'/></disk></devices>
</domain>"""
with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
    f.write(DOMAIN)
out = subprocess.run([CLI, "check", "--cache-dir", CACHE, f.name], capture_output=True, text=True)
probs = domcaps.check(DOMAIN, cache_dir=CACHE)
check([p["message"] for p in probs] == out.stdout.splitlines() and len(probs) >= 2 and out.returncode == 2,
      f"check(domain) == domcaps check: {len(probs)} problems",
      f"binding: {probs}\ncli: {out.stdout}{out.stderr}")
check(all(set(p) == {"location", "value", "allowed", "message"} for p in probs),
      "check() problems carry location, value, allowed, message")
# a probed check reads the newest document (whatever libvirt the host has):
# the same document given
caps = domcaps.capabilities_xml(cache_dir=CACHE, virttype="qemu", machine="q35", schema="latest")
check([p["message"] for p in domcaps.check(DOMAIN, caps=caps)] == [p["message"] for p in probs],
      "check(domain, caps=XML) == check(domain) probed")
as_dict = domcaps.capabilities(cache_dir=CACHE, virttype="qemu", machine="q35", schema="latest")
check([p["message"] for p in domcaps.check(DOMAIN, caps=as_dict)] == [p["message"] for p in probs],
      "check(domain, caps=<the dict capabilities() returned>) == check(domain) probed")
fine = "<domain type='qemu'><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>"
check(domcaps.check(fine, cache_dir=CACHE) == [], "check() of a domain that fits is []")
for bad, code in (("<domain", domcaps.ERROR_INVALID_XML), ("<notadomain/>", domcaps.ERROR_INVALID_XML)):
    try:
        domcaps.check(bad, cache_dir=CACHE)
        check(False, f"check({bad!r}) raises domcaps.Error")
    except domcaps.Error as e:
        check(e.code == code, f"check({bad!r}) raises domcaps.Error(code {e.code}): {e}")
try:
    domcaps.check(fine, caps="<domainCapabilities")
    check(False, "check(caps=broken) raises domcaps.Error")
except domcaps.Error as e:
    check(e.code == domcaps.ERROR_INVALID_XML, f"check(caps=broken) raises domcaps.Error: {e}")

# ---- diff, compare, the cache listing: the CLI's answers --------------------
pc = domcaps.capabilities_xml(cache_dir=CACHE, virttype="qemu", machine="pc")
q35 = domcaps.capabilities_xml(cache_dir=CACHE, virttype="qemu", machine="q35")
with tempfile.TemporaryDirectory() as d:
    pc_f, q35_f = os.path.join(d, "pc.xml"), os.path.join(d, "q35.xml")
    open(pc_f, "w").write(pc)
    open(q35_f, "w").write(q35)
    out = subprocess.run([CLI, "diff", pc_f, q35_f], capture_output=True, text=True)
    got = domcaps.diff(pc, domcaps.capabilities(cache_dir=CACHE, virttype="qemu", machine="q35"))
    check(got == out.stdout and out.returncode == 2 and got, "diff(xml, dict) == domcaps diff", got + out.stdout)
    check(domcaps.diff(pc, pc) == "", "diff() of a document with itself is empty")
    out = subprocess.run([CLI, "compare", pc_f, q35_f], capture_output=True, text=True)
    got = domcaps.compare([pc, q35], labels=["pc.xml", "q35.xml"])
    check(got == out.stdout and out.returncode == 2, "compare([pc, q35]) == domcaps compare", got + out.stdout)
listing = domcaps.cache_list(cache_dir=CACHE)
out = subprocess.run([CLI, "cache", "list", "--cache-dir", CACHE, "--format", "json"], capture_output=True, text=True)
check(listing == json.loads(out.stdout) and listing and all(e["valid"] for e in listing),
      "cache_list() == domcaps cache list --format json", f"{listing}\n{out.stdout}")
# A cache directory anyone can write is not used: a RuntimeWarning says why,
# the answer is an uncached one, and nothing is written there.
open_dir = tempfile.mkdtemp(prefix="domcaps-py-open-")
os.chmod(open_dir, 0o777)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    got = domcaps.capabilities_xml(cache_dir=open_dir, virttype="qemu")
check(got == domcaps.capabilities_xml(cache="off", virttype="qemu") and os.listdir(open_dir) == [] and
      [(w.category, "writable by every user" in str(w.message)) for w in caught] == [(RuntimeWarning, True)],
      "an untrusted cache directory: one RuntimeWarning, an uncached answer, nothing written",
      f"{[str(w.message) for w in caught]} {os.listdir(open_dir)}")
shutil.rmtree(open_dir, ignore_errors=True)
try:
    domcaps.diff(pc, 42)
    check(False, "diff(doc, 42) raises domcaps.Error")
except domcaps.Error as e:
    check(e.code == domcaps.ERROR_INVALID_ARG, f"diff(doc, 42) raises domcaps.Error: {e}")

# ---- ten thousand calls do not grow memory ------------------------------------
# Host facts are read anew on every query, and on a host with swtpm that
# means starting swtpm three times (some 25 ms): the loop runs on a host
# root of links to the real QEMU, firmware and CPU map, without swtpm, so
# that it measures the library and the binding, in seconds.
ROOT = tempfile.mkdtemp(prefix="domcaps-py-root-")
for path in ("/usr/bin/qemu-system-x86_64", "/usr/share/qemu", "/usr/share/OVMF", "/usr/share/seabios",
             "/usr/share/libvirt/cpu_map", "/usr/lib/x86_64-linux-gnu/qemu"):
    if os.path.exists(path):
        os.makedirs(os.path.dirname(ROOT + path), exist_ok=True)
        os.symlink(path, ROOT + path)
N = int(os.environ.get("DOMCAPS_PY_CALLS", "10000"))
q = {"virttype": "qemu", "machine": "q35", "cache_dir": CACHE, "root": ROOT}


def one(i):
    domcaps.capabilities(**q)
    if i % 10 == 0:
        try:
            domcaps.capabilities(virttype="qemu", machine="no-such-machine", cache_dir=CACHE, root=ROOT)
        except domcaps.Error:
            pass
        domcaps.check(DOMAIN, caps=caps)
        domcaps.capabilities_xml(**q)


for i in range(500):  # warm up: allocator pools, interned strings, caches
    one(i)
before = rss_kib()
for i in range(N):
    one(i)
after = rss_kib()
limit = 4096
check(after - before < limit,
      f"{N} capabilities() calls (+{N // 10} failing, check(), capabilities_xml()): "
      f"RSS {before} KiB -> {after} KiB ({after - before:+d} KiB, limit {limit})")

shutil.rmtree(CACHE, ignore_errors=True)
shutil.rmtree(ROOT, ignore_errors=True)
os.unlink(f.name)
sys.exit(finish())
