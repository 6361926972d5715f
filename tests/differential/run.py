#!/usr/bin/env python3
"""Differential tests: domcaps --schema 9.0 against live libvirt 9.0 on QEMU
builds that differ from the stock one. Prints TAP.

  run.py DOMCAPS --part modules [--groups G,...]
      QEMU without some of its modules (/usr/lib/x86_64-linux-gnu/qemu/*.so,
      shared by every qemu-system-* there): for each group in GROUPS, a
      trimmed copy of the directory is bind-mounted over the real one.
  run.py DOMCAPS --part facts (--facts FILE | --facts-cmd 'SHELL COMMAND') [--only FACT]...
      A stand-in emulator (standin.py) relays QMP between its caller and the
      real QEMU and deletes one fact from QEMU's answers; one fact a line
      (FILE "-" is stdin; --facts-cmd reads the command's stdout; the
      environment's DOMCAPS_DIFF_FACTS=FILE or DOMCAPS_DIFF_FACTS_CMD=CMD,
      when set, replace both).

Options: --jobs N (comparisons at once, 2), --keep (keep the scratch
directory), --max-diff N (diff lines shown per comparison, 60), --save DIR
(both documents of every comparison that differs), --schema RELEASE (what
domcaps is given, 9.0 by default; "host": no option, the installed libvirt
decides, as in tests/debian13/inside.py's run against libvirt 12.9).

Each comparison runs `domcaps --schema 9.0` (a fresh --cache-dir each time)
and `virsh domcapabilities` with the same arguments for x86_64 KVM and TCG
(machines pc and q35) and aarch64 TCG (virt), and requires byte-identical
output (trailing blank lines aside, as tests/live/conformance.py). When both
refuse the query (a deleted machine, a QEMU without TCG), that agrees too;
their messages are shown. An ok line says what the change did to libvirt's
document, against the stock QEMU's ("effect").

The host is never changed: every run happens in a private mount and PID
namespace (unshare --mount --propagation private --pid --fork --kill-child
--mount-proc) with tmpfs over /run/libvirt, /var/cache/libvirt,
/var/lib/libvirt, /var/log/libvirt (/var/log when it does not exist), a
copy of /etc/libvirt, and a libvirtd of its own whose capability cache
starts empty. The trimmed module directory exists only in that namespace.
When the namespace's first process ends (normally, by a signal, or because
this script died: the unshare gets PR_SET_PDEATHSIG, and --kill-child passes
it on) the kernel kills everything left in it, libvirtd and any QEMU
included, and its mounts go. After each part the host is checked: the
module directory, no process of those namespaces, no mount left, no libvirt
cache entry for a stand-in path.

Needs root (namespaces, mounts, libvirtd); skips otherwise.
"""
import concurrent.futures
import ctypes
import difflib
import glob
import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from tap import check, finish  # noqa: E402

STANDIN = os.path.join(HERE, "standin.py")
MODDIR = "/usr/lib/x86_64-linux-gnu/qemu"
LIBVIRTD = "/usr/sbin/libvirtd"
PRIVATE_DIRS = ["/run/libvirt", "/var/run/libvirt", "/var/cache/libvirt", "/var/lib/libvirt", "/var/log/libvirt"]
SOCK = "/run/libvirt/libvirt-sock"
QEMU = {"x86_64": "/usr/bin/qemu-system-x86_64", "aarch64": "/usr/bin/qemu-system-aarch64"}
# arch, virttype, machine
COMBOS = [("x86_64", "kvm", "pc"), ("x86_64", "kvm", "q35"), ("x86_64", "qemu", "pc"),
          ("x86_64", "qemu", "q35"), ("aarch64", "qemu", "virt")]

# Module groups: name -> file patterns in MODDIR. Modules that need a
# removed one (QEMU's module dependencies) go with it: they could not load.
GROUPS = [
    ("none", []),  # the stock directory, through the same machinery
    ("spice", ["ui-spice-*.so", "chardev-spice.so", "audio-spice.so"]),
    ("opengl", ["ui-opengl.so", "ui-egl-headless.so", "hw-display-*-gl.so"]),
    ("qxl", ["hw-display-qxl.so"]),
    ("virtio-gpu", ["hw-display-virtio-gpu*.so", "hw-display-virtio-vga*.so", "hw-s390x-virtio-gpu-ccw.so"]),
    ("usb-redirect", ["hw-usb-redirect.so"]),
    ("usb-host", ["hw-usb-host.so"]),
    ("smartcard", ["hw-usb-smartcard.so"]),
    ("dbus", ["ui-dbus.so", "audio-dbus.so"]),
    ("display-ui", ["ui-*.so", "hw-display-*.so", "hw-s390x-virtio-gpu-ccw.so", "chardev-spice.so",
                    "audio-spice.so", "audio-dbus.so"]),
    # Every module but the accelerators': without its TCG module QEMU 7.2
    # cannot start TCG, and there libvirt refuses every query of the binary
    # (its TCG probe fails) where domcaps still answers KVM queries, as it
    # does for a QEMU built without TCG: a deliberate difference.
    ("all", ["*.so", "!accel-*.so"]),
]

FACT_KINDS = ("type", "command", "schema", "option", "prop", "machine", "machine-field", "cpu",
              "tpm-model", "tpm-type")
BASELINE = "(none)"  # the stand-in deleting nothing


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def run(cmd, timeout=300, env=None):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return -1, "", f"timed out after {timeout} s: {e}"


def mount(*args):
    subprocess.run(["mount"] + list(args), check=True, capture_output=True, text=True)


# ------------------------------------------------------------ namespace --

def session_main(specpath):
    """PID 1 of the namespace: runs the worker, reaps every orphan (libvirt
    waits for its daemonized QEMUs to be gone), exits with the worker."""
    global SCHEMA
    spec = json.load(open(specpath))
    SCHEMA = spec.get("schema", SCHEMA)
    worker = os.fork()
    if worker == 0:
        code = 1
        try:
            code = session_worker(spec)
        except BaseException:
            emit({"kind": "error", "error": traceback.format_exc()})
        finally:
            sys.stdout.flush()
            os._exit(code)
    code = 1
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == worker:
            code = os.waitstatus_to_exitcode(status)
            break
    # Leaving kills whatever is left in the namespace.
    os._exit(code if code >= 0 else 1)


def ns_ids(pid="self"):
    try:
        return {k: os.readlink(f"/proc/{pid}/ns/{k}") for k in ("mnt", "pid")}
    except OSError:
        return None


def session_worker(spec):
    emit({"kind": "ns", "ns": ns_ids()})
    private = spec["private"]
    mount("-t", "tmpfs", "-o", "mode=0755,size=1g", "domcaps-diff", private)
    done = set()
    for d in PRIVATE_DIRS:
        real = os.path.realpath(d)
        if real in done:
            continue
        done.add(real)
        if not os.path.isdir(real):
            real = os.path.dirname(real)  # /var/log/libvirt missing: all of /var/log
            if real in done or not os.path.isdir(real):
                continue
            done.add(real)
        mount("-t", "tmpfs", "-o", "mode=0755", "domcaps-diff", real)
    etc = os.path.join(private, "etc-libvirt")
    shutil.copytree("/etc/libvirt", etc, symlinks=True)
    conf = os.path.join(etc, "qemu.conf")
    text = open(conf).read() if os.path.exists(conf) else ""
    if not any(l.startswith('user = "root"') for l in text.splitlines()):
        # as ../shared/oracle/libvirt-domcaps configures the host's
        with open(conf, "a") as fp:
            fp.write('user = "root"\ngroup = "root"\n')
    mount("--bind", etc, "/etc/libvirt")
    if spec.get("remove") is not None:
        mods = os.path.join(private, "qemu-modules")
        shutil.copytree(MODDIR, mods, symlinks=True)
        for f in spec["remove"]:
            os.unlink(os.path.join(mods, f))
        mount("--bind", mods, MODDIR)
        mount("-o", "remount,bind,ro", MODDIR)
        emit({"kind": "modules", "present": sorted(os.listdir(MODDIR))})

    daemon = start_libvirtd(private)
    try:
        if spec["part"] == "modules":
            for arch, virttype, machine in COMBOS:
                args = ["--arch", arch, "--virttype", virttype, "--machine", machine]
                r = compare(spec["domcaps"], private, args, args)
                r.update(kind="compare", group=spec["group"], combo=f"{arch} {virttype} {machine}")
                emit(r)
        else:
            facts_session(spec, private)
        emit({"kind": "leftover", "procs": wait_no_qemu(10)})
    finally:
        stop_libvirtd(daemon)
    return 0


def start_libvirtd(private):
    log = open(os.path.join(private, "libvirtd.log"), "w")
    p = subprocess.Popen([LIBVIRTD, "--pid-file", "/run/libvirt/libvirtd-differential.pid"],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    for _ in range(300):
        if p.poll() is not None:
            raise RuntimeError(f"libvirtd exited with {p.returncode}: {open(log.name).read()[-2000:]}")
        if os.path.exists(SOCK) and run(["virsh", "-q", "-c", "qemu:///system", "uri"], 30)[0] == 0:
            return p
        time.sleep(0.1)
    raise RuntimeError("libvirtd did not answer within 30 s")


def stop_libvirtd(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def procs():
    """pid -> command line of every process in this PID namespace but us."""
    out = {}
    me = {os.getpid(), 1}
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) not in me:
            try:
                cmd = open(f"/proc/{d}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
                if cmd:
                    out[int(d)] = cmd.strip()
            except OSError:
                pass
    return out


def wait_no_qemu(seconds):
    """QEMUs (and stand-ins) still running once every query is done."""
    end = time.monotonic() + seconds
    while True:
        left = [c for c in procs().values() if "qemu-system" in c or "standin.py" in c]
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.2)


def strip_end(s):
    return s.rstrip("\n")


SCHEMA = ["--schema", "9.0"]   # main() sets it from --schema


def compare(domcaps, private, dc_args, lv_args, env=None):
    cache = tempfile.mkdtemp(prefix="dc-cache-", dir=private)
    t0 = time.monotonic()
    dc = run([domcaps] + SCHEMA + ["--cache-dir", cache] + dc_args, 300, env)
    t1 = time.monotonic()
    lv = run(["virsh", "-q", "-c", "qemu:///system", "domcapabilities"] + lv_args, 600)
    t2 = time.monotonic()
    shutil.rmtree(cache, ignore_errors=True)
    same = dc[0] == 0 and lv[0] == 0 and strip_end(dc[1]) == strip_end(lv[1])
    return {"dc_rc": dc[0], "dc_out": dc[1], "dc_err": dc[2].strip()[-500:], "lv_rc": lv[0], "lv_out": lv[1],
            "lv_err": lv[2].strip()[-500:], "same": same, "both_refuse": dc[0] != 0 and lv[0] != 0,
            "dc_s": round(t1 - t0, 2), "lv_s": round(t2 - t1, 2)}


def wrapper(dirpath, arch, facts):
    """A per-fact binary path (libvirt caches capabilities per path)."""
    os.makedirs(dirpath, exist_ok=True)
    path = os.path.join(dirpath, f"qemu-system-{arch}")
    deletes = " ".join(f"--delete {shlex.quote(f)}" for f in facts)
    log = os.path.join(dirpath, "libvirt.log")
    with open(path, "w") as fp:
        fp.write("#!/bin/sh\n"
                 f"exec {shlex.quote(sys.executable)} {shlex.quote(STANDIN)} --real {QEMU[arch]} {deletes} "
                 f"--log \"${{DOMCAPS_STANDIN_LOG:-{log}}}\" -- \"$@\"\n")
    os.chmod(path, 0o755)
    return path


def read_hits(path):
    hits = set()
    try:
        for line in open(path):
            hits.update(json.loads(line).get("deleted", []))
    except (OSError, ValueError):
        pass
    return sorted(hits)


def facts_session(spec, private):
    jobs = spec["jobs"]
    facts = [BASELINE] + spec["facts"]
    lock = threading.Lock()

    def one_fact(k, fact):
        d = os.path.join(private, "facts", f"{k:03d}")
        wrappers = {a: wrapper(os.path.join(d, a), a, [] if fact == BASELINE else [fact]) for a in QEMU}
        with lock:
            emit({"kind": "wrappers", "paths": list(wrappers.values())})
        env = dict(os.environ, DOMCAPS_STANDIN_LOG=os.path.join(d, "domcaps.log"),
                   DOMCAPS_QEMU_ENV="DOMCAPS_STANDIN_LOG")
        results = []
        for arch, virttype, machine in COMBOS:
            args = ["--emulatorbin", wrappers[arch], "--arch", arch, "--virttype", virttype, "--machine", machine]
            r = compare(spec["domcaps"], private, args, args, env)
            r.update(kind="compare", fact=fact, combo=f"{arch} {virttype} {machine}")
            results.append(r)
        hits_lv = sorted({h for a in QEMU for h in read_hits(os.path.join(d, a, "libvirt.log"))})
        hits_dc = read_hits(os.path.join(d, "domcaps.log"))
        with lock:
            for r in results:
                emit(r)
            emit({"kind": "hits", "fact": fact, "libvirt": hits_lv, "domcaps": hits_dc})

    # The relay itself: libvirt on the real binary, to hold the stand-in's
    # (baseline) output against.
    for arch, virttype, machine in COMBOS:
        args = ["--emulatorbin", QEMU[arch], "--arch", arch, "--virttype", virttype, "--machine", machine]
        rc, out, err = run(["virsh", "-q", "-c", "qemu:///system", "domcapabilities"] + args, 600)
        emit({"kind": "direct", "combo": f"{arch} {virttype} {machine}", "lv_rc": rc, "lv_out": out,
              "lv_err": err.strip()[-500:]})
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futs = [pool.submit(one_fact, k, f) for k, f in enumerate(facts)]
        for f in futs:
            f.result()


# ----------------------------------------------------------------- outer --

SESSIONS = []  # running unshare processes


def start_session(scratch, name, spec):
    d = tempfile.mkdtemp(prefix=f"{name}-", dir=scratch)
    private = os.path.join(d, "private")
    os.mkdir(private)
    spec = dict(spec, private=private)
    specpath = os.path.join(d, "spec.json")
    json.dump(spec, open(specpath, "w"))
    libc = ctypes.CDLL(None, use_errno=True)

    def pdeathsig():
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: dies with us

    err = open(os.path.join(d, "stderr"), "w+")
    p = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "--pid", "--fork",
                          "--kill-child", "--mount-proc", sys.executable, os.path.abspath(__file__),
                          "--session", specpath],
                         stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True,
                         preexec_fn=pdeathsig)
    SESSIONS.append(p)
    return p, err


def collect_session(p, err, timeout):
    """The session's messages, once it has ended."""
    out = []
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    try:
        for line in p.stdout:
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"kind": "noise", "text": line})
        p.wait()
    finally:
        timer.cancel()
    err.seek(0)
    text = err.read()
    if p.returncode != 0:
        out.append({"kind": "error", "error": f"session exit {p.returncode}: {text[-3000:]}"})
    return out


def diff_lines(a, b, name_a, name_b, n=1):
    return list(difflib.unified_diff(strip_end(a).splitlines(), strip_end(b).splitlines(), name_a, name_b,
                                     lineterm="", n=n))[2:]


def compress(lines, run=12):
    """Long runs of removed or added lines (a host-model's features) cut
    to their ends."""
    out, k = [], 0
    while k < len(lines):
        j = k
        while j < len(lines) and lines[j][:1] == lines[k][:1] and lines[k][:1] in "+-":
            j += 1
        if j - k > run:
            out += lines[k:k + 6] + [f"{lines[k][0]}   ... {j - k - 9} more '{lines[k][0]}' lines ..."] + lines[j - 3:j]
            k = j
        else:
            out.append(lines[k])
            k = max(k + 1, j)
    return out


def effect(base, out):
    """What a change did to libvirt's document: its changed lines."""
    if base is None:
        return "no stock output to compare"
    def body(doc):  # a stand-in's <path> is its own
        return "\n".join(l for l in doc.splitlines() if not l.lstrip().startswith("<path>"))
    lines = [l for l in diff_lines(body(base), body(out), "a", "b", 0) if l[:1] in "+-" and not l.startswith("@@")]
    if not lines:
        return "no change"
    shown = "; ".join(l.strip() for l in lines[:6])
    return f"{len(lines)} lines: {shown}" + (" ..." if len(lines) > 6 else "")


def save(opts, what, r):
    """--save DIR: both documents of a comparison that differs."""
    if not opts.get("save"):
        return
    slug = "".join(c if c.isalnum() or c in "-_.+" else "_" for c in f"{what}_{r['combo']}")
    os.makedirs(opts["save"], exist_ok=True)
    for who in ("lv", "dc"):
        with open(os.path.join(opts["save"], f"{slug}.{'libvirt' if who == 'lv' else 'domcaps'}.xml"), "w") as fp:
            fp.write(r[f"{who}_out"] or r[f"{who}_err"] + "\n")


def report_compare(r, what, base, opts):
    """TAP for one comparison; returns a summary record."""
    max_diff = opts["max_diff"]
    label = f"{what}: {r['combo']}"
    if r["same"]:
        check(True, f"{label}: identical to libvirt (effect: {effect(base, r['lv_out'])})")
        return {"same": True}
    if r["both_refuse"]:
        check(True, f"{label}: both refuse (libvirt: {r['lv_err'].splitlines()[-1] if r['lv_err'] else '?'}"
                    f" | domcaps: {r['dc_err'].splitlines()[-1] if r['dc_err'] else '?'})")
        return {"same": True, "refused": True}
    detail = []
    if r["dc_rc"] != 0:
        detail.append(f"domcaps exit {r['dc_rc']}: {r['dc_err']}")
    if r["lv_rc"] != 0:
        detail.append(f"libvirt exit {r['lv_rc']}: {r['lv_err']}")
    if r["dc_rc"] == 0 and r["lv_rc"] == 0:
        detail += compress(diff_lines(r["lv_out"], r["dc_out"], "libvirt", "domcaps"))
    detail.append(f"(libvirt's effect: {effect(base, r['lv_out'])})")
    save(opts, what, r)
    check(False, f"{label}: identical to libvirt", "\n".join(detail), lines=max_diff)
    return {"same": False, "detail": detail}


def host_snapshot():
    def stat_tree(d):
        out = {}
        for root, dirs, files in os.walk(d):
            for n in [root] + [os.path.join(root, f) for f in files]:
                try:
                    st = os.lstat(n)
                    out[n] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
                except OSError:
                    pass
        return out
    return {"modules": stat_tree(MODDIR), "var-log-libvirt": os.path.exists("/var/log/libvirt")}


def mounts_under(paths):
    out = []
    for line in open("/proc/self/mountinfo"):
        mp = line.split()[4]
        if any(mp == p or mp.startswith(p.rstrip("/") + "/") for p in paths):
            out.append(mp)
    return out


def check_host(before, namespaces, scratch, stand_in_paths):
    after = host_snapshot()
    changed = [k for k in set(before["modules"]) | set(after["modules"])
               if before["modules"].get(k) != after["modules"].get(k)]
    check(not changed, "host: the module directory is as it was", "\n".join(sorted(changed)))
    check(before["var-log-libvirt"] == after["var-log-libvirt"],
          "host: /var/log/libvirt is as it was (neither created nor removed)")
    left = []
    for d in os.listdir("/proc"):
        if d.isdigit() and ns_ids(d) and any(ns_ids(d)[k] == ns[k] for ns in namespaces for k in ("mnt", "pid")):
            left.append(d)
    check(not left, "host: no process of the test namespaces is left", " ".join(left))
    paths = [MODDIR, "/run/libvirt", "/var/cache/libvirt", "/var/lib/libvirt", "/var/log", "/etc/libvirt", scratch]
    m = mounts_under(paths)
    check(not m, "host: no mount of the test namespaces is left", "\n".join(m))
    cache = "/var/cache/libvirt/qemu/capabilities"
    leaked = [p for p in stand_in_paths
              if os.path.exists(os.path.join(cache, hashlib.sha256(p.encode()).hexdigest() + ".xml"))]
    check(not leaked, "host: libvirt's capability cache has no entry for a stand-in", "\n".join(leaked))


def wait_for_setup():
    for i in range(1800):
        busy = subprocess.run(["pgrep", "-f", "scripts/setup.sh"], capture_output=True).returncode == 0
        if os.path.exists(LIBVIRTD) and not busy:
            return True
        if i % 60 == 0:
            print("# waiting for scripts/setup.sh to finish installing libvirt", flush=True)
        time.sleep(1)
    return False


def read_facts(opts):
    lines = []
    for path in opts["facts"]:
        src = sys.stdin if path == "-" else open(path)
        lines += src.read().splitlines()
    for cmd in opts["facts_cmd"]:
        p = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise SystemExit(f"--facts-cmd failed ({p.returncode}): {p.stderr.strip()}")
        lines += p.stdout.splitlines()
    facts, seen = [], set()
    for l in lines:
        l = l.split(" #")[0].strip()
        if l and not l.startswith("#") and l not in seen:
            seen.add(l)
            facts.append(l)
    if opts.get("only"):
        facts = [f for f in facts if f in opts["only"]] + [f for f in opts["only"] if f not in facts]
    return facts


def part_modules(opts, scratch):
    present = sorted(os.listdir(MODDIR))
    # The stock directory ("none") always: the other groups' effects are against it.
    groups = [(n, pats) for n, pats in GROUPS if not opts.get("groups") or n in opts["groups"] or n == "none"]
    plan = []
    for name, pats in groups:
        drop = {os.path.basename(f) for p in pats if p.startswith("!") for f in glob.glob(os.path.join(MODDIR, p[1:]))}
        files = sorted({os.path.basename(f) for p in pats if not p.startswith("!")
                        for f in glob.glob(os.path.join(MODDIR, p))} - drop)
        if pats and not files:
            # This QEMU build has no such module: nothing to compare.
            print(f"# modules {name}: not in this build (no module matches {' '.join(pats)})")
            continue
        plan.append((name, files))
    print(f"# module directory {MODDIR}: {' '.join(present)}", flush=True)
    namespaces = []
    t0 = time.monotonic()

    def one(name, files):
        p, err = start_session(scratch, f"mod-{name}", {"part": "modules", "group": name, "remove": files,
                                                          "domcaps": opts["domcaps"], "schema": opts.get("schema", SCHEMA)})
        return collect_session(p, err, 1800)

    with concurrent.futures.ThreadPoolExecutor(opts["jobs"]) as pool:
        futs = {name: pool.submit(one, name, files) for name, files in plan}
        base = {}
        # The stock directory first: every other group's effect is against it.
        order = [n for n, _ in plan]
        summary = {}
        for name in order:
            msgs = futs[name].result()
            files = dict(plan)[name]
            print(f"# group {name}: without {' '.join(files) or 'nothing'}", flush=True)
            errors = [m for m in msgs if m["kind"] in ("error", "noise")]
            for m in msgs:
                if m["kind"] == "ns":
                    namespaces.append(m["ns"])
            present = next((m["present"] for m in msgs if m["kind"] == "modules"), None)
            check(present is not None and not set(files) & set(present),
                  f"modules without {name}: the namespace's module directory lacks them, the host's has them",
                  f"present there: {present}")
            comps = [m for m in msgs if m["kind"] == "compare"]
            if name == "none":
                base = {c["combo"]: c["lv_out"] for c in comps if c["lv_rc"] == 0}
            summary[name] = []
            for c in comps:
                s = report_compare(c, f"modules without {name}", base.get(c["combo"]), opts)
                summary[name].append((c["combo"], s, c))
            left = [m for m in msgs if m["kind"] == "leftover"]
            check(left and not left[0]["procs"], f"modules without {name}: no QEMU left once the queries are done",
                  "\n".join(left[0]["procs"]) if left else "the session ended early")
            check(not errors and len(comps) == len(COMBOS), f"modules without {name}: session ran every query",
                  "\n".join(m.get("error") or m.get("text", "") for m in errors), lines=60)
    print(f"# part modules took {time.monotonic() - t0:.0f} s", flush=True)
    return namespaces, []


def part_facts(opts, scratch):
    facts = read_facts(opts)
    bad = [f for f in facts if f.partition(":")[0] not in FACT_KINDS or not f.partition(":")[2]]
    check(not bad, f"facts: {len(facts)} facts, each KIND:ARG", "\n".join(bad))
    facts = [f for f in facts if f not in bad]
    t0 = time.monotonic()
    p, err = start_session(scratch, "facts", {"part": "facts", "facts": facts, "jobs": opts["jobs"],
                                               "domcaps": opts["domcaps"], "schema": opts.get("schema", SCHEMA)})
    msgs = collect_session(p, err, 3 * 3600)
    namespaces = [m["ns"] for m in msgs if m["kind"] == "ns"]
    direct = {m["combo"]: m for m in msgs if m["kind"] == "direct"}
    comps = [m for m in msgs if m["kind"] == "compare"]
    hits = {m["fact"]: m for m in msgs if m["kind"] == "hits"}
    base = {c["combo"]: c["lv_out"] for c in comps if c["fact"] == BASELINE and c["lv_rc"] == 0}
    # The relay is transparent: libvirt through the stand-in deleting nothing
    # prints what it prints for the real binary, <path> aside.
    for combo, d in direct.items():
        via = next((c for c in comps if c["fact"] == BASELINE and c["combo"] == combo), None)
        ok = via is not None and d["lv_rc"] == 0 and via["lv_rc"] == 0
        a = "\n".join(l for l in strip_end(d["lv_out"]).splitlines() if "<path>" not in l)
        b = "\n".join(l for l in strip_end(via["lv_out"]).splitlines() if "<path>" not in l) if via else ""
        check(ok and a == b, f"facts: stand-in deleting nothing: libvirt's document as on the real binary: {combo}",
              "\n".join([d["lv_err"], via["lv_err"] if via else "no run"] + diff_lines(a, b, "real", "stand-in")),
              lines=40)
    summary = {}
    for fact in [BASELINE] + facts:
        h = hits.get(fact, {"libvirt": [], "domcaps": []})
        matched = sorted(set(h["libvirt"]) | set(h["domcaps"]))
        note = ("" if fact == BASELINE else
                f" [deleted in libvirt's probe: {'yes' if h['libvirt'] else 'NOTHING'}, "
                f"in domcaps': {'yes' if h['domcaps'] else 'NOTHING'}]")
        print(f"# fact {fact}{note}", flush=True)
        summary[fact] = {"matched": matched, "combos": []}
        for c in [c for c in comps if c["fact"] == fact]:
            s = report_compare(c, f"fact {fact}", base.get(c["combo"]), opts)
            summary[fact]["combos"].append((c["combo"], s))
    left = [m for m in msgs if m["kind"] == "leftover"]
    check(left and not left[0]["procs"], "facts: no QEMU or stand-in left once the queries are done",
          "\n".join(left[0]["procs"]) if left else "the session ended early")
    errors = [m for m in msgs if m["kind"] in ("error", "noise")]
    check(not errors and len(comps) == len(COMBOS) * (len(facts) + 1), "facts: session ran every query",
          "\n".join(m.get("error") or m.get("text", "") for m in errors), lines=60)
    print(f"# part facts took {time.monotonic() - t0:.0f} s", flush=True)
    stand_ins = [p for m in msgs if m["kind"] == "wrappers" for p in m["paths"]]
    return namespaces, stand_ins


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["--session"]:
        session_main(argv[1])
        return 0
    opts = {"jobs": 2, "max_diff": 60, "parts": [], "only": [], "groups": [], "facts": [], "facts_cmd": []}
    if not argv:
        print(__doc__)
        return 2
    opts["domcaps"] = os.path.abspath(argv.pop(0))
    while argv:
        a = argv.pop(0)
        if a == "--part":
            opts["parts"].append(argv.pop(0))
        elif a == "--facts":
            opts["facts"].append(argv.pop(0))
        elif a == "--facts-cmd":
            opts["facts_cmd"].append(argv.pop(0))
        elif a == "--only":
            opts["only"].append(argv.pop(0))
        elif a == "--groups":
            opts["groups"] += argv.pop(0).split(",")
        elif a == "--jobs":
            opts["jobs"] = max(1, int(argv.pop(0)))
        elif a == "--max-diff":
            opts["max_diff"] = int(argv.pop(0))
        elif a == "--save":
            opts["save"] = os.path.abspath(argv.pop(0))
        elif a == "--keep":
            opts["keep"] = True
        elif a == "--schema":
            release = argv.pop(0)
            opts["schema"] = [] if release == "host" else ["--schema", release]
        else:
            print(f"unknown argument {a}\n{__doc__}", file=sys.stderr)
            return 2
    # The generated list of facts, when given, replaces the one on the command line.
    if os.environ.get("DOMCAPS_DIFF_FACTS") or os.environ.get("DOMCAPS_DIFF_FACTS_CMD"):
        opts["facts"] = [os.environ["DOMCAPS_DIFF_FACTS"]] if os.environ.get("DOMCAPS_DIFF_FACTS") else []
        opts["facts_cmd"] = [os.environ["DOMCAPS_DIFF_FACTS_CMD"]] if os.environ.get("DOMCAPS_DIFF_FACTS_CMD") else []
    parts = opts["parts"] or ["modules", "facts"]
    if "facts" in parts and not (opts["facts"] or opts["facts_cmd"] or opts["only"]):
        opts["facts"] = [os.path.join(HERE, "facts-sample.txt")]
    # Without what it needs the comparison cannot be made: a failure, not a pass.
    if os.geteuid() != 0 or not shutil.which("unshare"):
        print("1..1\nnot ok 1 - needs root and unshare(1) (mount and PID namespaces, a private libvirtd)")
        return 1
    if not wait_for_setup() or not shutil.which("virsh"):
        print("1..1\nnot ok 1 - libvirt is not installed (scripts/setup.sh installs it)")
        return 1

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    scratch = tempfile.mkdtemp(prefix="domcaps-diff-")
    before = host_snapshot()
    namespaces, stand_ins = [], []
    try:
        for part in parts:
            ns, paths = part_modules(opts, scratch) if part == "modules" else part_facts(opts, scratch)
            namespaces += ns
            stand_ins += paths
    finally:
        for p in SESSIONS:
            if p.poll() is None:
                p.kill()  # --kill-child: the namespace and all in it go too
                p.wait()
        # The namespaces' processes may take a moment to be reaped.
        for _ in range(50):
            if not any(ns_ids(d) and any(ns_ids(d)[k] == ns[k] for ns in namespaces for k in ("mnt", "pid"))
                       for d in os.listdir("/proc") if d.isdigit()):
                break
            time.sleep(0.1)
        check_host(before, namespaces, scratch, stand_ins)
        if opts.get("keep"):
            print(f"# scratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
