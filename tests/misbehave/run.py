#!/usr/bin/env python3
"""Misbehaving emulators through the domcaps CLI.

Each case runs `domcaps --emulatorbin FAKE --virttype qemu --timeout MS` with
a fake QEMU (fake-qemu.c, mode chosen by FAKE_QEMU_MODE) or a real QEMU
asked the wrong question, and checks what the issue asks of every failure:

  - exit status 1 and exactly one line on stderr, "domcaps: <message>",
    matching the case's pattern;
  - done within the timeout plus slack (or quickly, for errors that need
    no waiting);
  - no process left: every process the fake is or forks writes its pid to
    a directory, and none may still run afterwards;
  - no file left: the working directory, TMPDIR, HOME, XDG_RUNTIME_DIR and
    XDG_CACHE_HOME are fresh empty directories that must stay empty;
  - no cache entry: the cache directory (--cache-dir) must stay empty;
  - bounded memory: the CLI's peak RSS stays under a limit.

Prints TAP. Usage: run.py DOMCAPS FAKE_QEMU [CASE...]
"""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402

# MISBEHAVE_SLACK adds seconds to both limits (under valgrind, say).
EXTRA = float(os.environ.get("MISBEHAVE_SLACK", "0"))
SLACK = 2.0 + EXTRA  # seconds over the probe timeout (sanitized builds start slowly)
FAST = 5.0 + EXTRA   # seconds for failures that need no waiting
# Peak RSS of the CLI (measured from its fork, so it includes this script's
# own ~15 MB); a 100 MB reply must not be held.
MAX_RSS_MB = 200
RSS_LIMIT_MB = {"reply-100MB": 96}  # held, it would be 100 MB + the ~15 MB above

# name, how to make the emulator, probe timeout (ms), stderr pattern, max seconds (None: timeout + slack)
# [, options: {"virttype": None} to leave --virttype out (default qemu)]
CASES = [
    ("hang-before-greeting", ("fake", "hang-greeting"), 1500, r"did not answer the QMP greeting within 1500 ms", None),
    ("hang-mid-exchange", ("fake", "hang-mid"), 1500, r"did not answer query-target within 1500 ms", None),
    ("slow-drip", ("fake", "slow-drip"), 1500, r"did not answer the QMP greeting within", None),
    ("exit-mid-probe", ("fake", "exit-mid"), 10000,
     r"closed its monitor while domcaps waited for query-target \(exit status 3\): fake-qemu: giving up", FAST),
    ("close-after-greeting", ("fake", "close-after-greeting"), 10000,
     r"closed its monitor while domcaps (waited for qmp_capabilities|was sending a command) \(exit status 0\)", FAST),
    ("segv-mid-probe", ("fake", "segv-mid"), 10000,
     r"closed its monitor while domcaps waited for query-version \(killed by signal 11, Segmentation fault\)", FAST),
    ("garbage", ("fake", "garbage"), 10000, r"sent a malformed QMP message while domcaps waited for query-version", FAST),
    ("garbage-greeting", ("fake", "garbage-greeting"), 10000, r"malformed QMP message while domcaps waited for the QMP greeting", FAST),
    ("wrong-greeting", ("fake", "wrong-greeting"), 10000, r"did not greet with QMP", FAST),
    ("truncated-json-then-eof", ("fake", "truncated"), 10000,
     r"closed its monitor while domcaps waited for query-version in the middle of a message \(exit status 0\)", FAST),
    ("reply-100MB", ("fake", "huge-reply"), 20000, r"sent a QMP message larger than 8 MiB", FAST),
    ("deep-nesting", ("fake", "deep-nesting"), 10000, r"malformed QMP message", FAST),
    ("qmp-error-query-version", ("fake", "error-version"), 10000,
     r"does not answer like a QEMU system emulator \(query-version failed: fake: query-version is broken second line \?\[31mred\)", FAST),
    ("qmp-error-query-machines", ("fake", "error-machines"), 10000,
     r"does not answer like a QEMU system emulator \(query-machines failed: fake: query-machines is broken second line \?\[31mred\)", FAST),
    ("event-flood", ("fake", "event-flood"), 10000, r"sent more than 10000 QMP events while domcaps waited for qmp_capabilities", FAST),
    ("reply-wrong-id", ("fake", "wrong-id"), 10000, r"sent an unexpected QMP message", FAST),
    ("stderr-flood-after-close", ("fake", "stderr-flood"), 10000,
     r"closed its monitor while domcaps (waited for qmp_capabilities|was sending a command)"
     r"( \(exit status 0\))?: E{200}\.\.\.$", FAST),
    ("forks-and-hangs", ("fake", "fork-hang"), 1500, r"did not answer query-target within 1500 ms", None),
    ("daemonizes-and-hangs", ("fake", "daemon-hang"), 1500, r"did not answer query-target within 1500 ms", None),
    ("forks-and-exits", ("fake", "fork-exit"), 1500, r"did not answer the QMP greeting within 1500 ms", None),
    ("ignores-signals", ("fake", "ignore-signals"), 1500, r"did not answer query-version within 1500 ms", None),
    # No --virttype: KVM may be guessed, and a hang must not cost a second
    # deadline for the TCG fallback.
    ("hang-virttype-guessed", ("fake", "hang-mid"), 1500, r"did not answer query-target within 1500 ms", None,
     {"virttype": None}),
    # A KVM query starts two QEMUs at once (the binary's part beside KVM's):
    # the same one error, one deadline, nothing left of either.
    ("hang-mid-kvm", ("fake", "hang-mid"), 1500, r"did not answer query-target within 1500 ms", None,
     {"virttype": "kvm"}),
    ("exit-mid-probe-kvm", ("fake", "exit-mid"), 10000,
     r"closed its monitor while domcaps waited for query-target \(exit status 3\): fake-qemu: giving up", FAST,
     {"virttype": "kvm"}),
    ("daemonizes-and-hangs-kvm", ("fake", "daemon-hang"), 1500, r"did not answer query-target within 1500 ms", None,
     {"virttype": "kvm"}),
    ("not-executable", ("file", 0o644, b"#!/bin/sh\nexit 0\n"), 10000, r"emulator '[^']*' is not an executable file", FAST),
    ("not-a-program", ("file", 0o755, b"\x7fELF garbage"), 10000, r"cannot execute [^:]*: Exec format error", FAST),
    ("directory", ("dir",), 10000, r"emulator '[^']*' is not an executable file", FAST),
    ("nonexistent", ("missing",), 10000, r"cannot use emulator '[^']*': No such file or directory", FAST),
    ("other-architecture", ("real", "qemu-system-aarch64", "--arch", "x86_64"), 30000,
     r"architecture from emulator 'aarch64' doesn't match given architecture 'x86_64'", None),
]


def cache_problems(cache_dir):
    # the probe lock beside an entry (empty, NAME.json.lock) is no entry
    entries = [e for e in leftovers([cache_dir]) if not e.endswith(".json.lock")]
    return [f"cache entries written: {entries}"] if entries else []


def live_pids(piddir):
    """Pids recorded by the fake that still run (zombies do not count: an
    orphan's reaper is not domcaps' business)."""
    alive = []
    for name in os.listdir(piddir):
        try:
            with open(f"/proc/{int(name)}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, ValueError, IndexError):
            continue
        if state not in ("Z", "X"):
            alive.append(int(name))
    return alive


def leftovers(dirs):
    found = []
    for d in dirs:
        for root, subdirs, files in os.walk(d):
            for n in subdirs + files:
                found.append(os.path.join(root, n))
    return found


def make_emulator(how, work, fake):
    """Returns (path, extra args)."""
    kind = how[0]
    path = os.path.join(work, "bin", "qemu-system-x86_64")
    os.makedirs(os.path.dirname(path))
    if kind == "fake":
        shutil.copy(fake, path)
        return path, [], {"FAKE_QEMU_MODE": how[1]}
    if kind == "file":
        with open(path, "wb") as f:
            f.write(how[2])
        os.chmod(path, how[1])
        return path, [], {}
    if kind == "dir":
        os.mkdir(path)
        return path, [], {}
    if kind == "missing":
        return path, [], {}
    if kind == "real":
        real = shutil.which(how[1]) or os.path.join("/usr/bin", how[1])
        if not os.access(real, os.X_OK):
            return None, None, None
        # A wrapper that records the pid QEMU will have (exec keeps it).
        with open(path, "w") as f:
            f.write(f'#!/bin/sh\necho $$ > "$FAKE_QEMU_PIDDIR/$$"\nexec {real} "$@"\n')
        os.chmod(path, 0o755)
        return path, list(how[2:]), {}
    raise ValueError(kind)


def wait_measured(proc, limit):
    """Wait for proc (killed after limit seconds); returns stdout, stderr and
    its peak RSS in bytes, or Nones when it had to be killed."""
    bufs = {}
    readers = [threading.Thread(target=lambda k=k, f=f: bufs.__setitem__(k, f.read()))
               for k, f in (("out", proc.stdout), ("err", proc.stderr))]
    for t in readers:
        t.start()
    killed = []
    timer = threading.Timer(limit, lambda: (killed.append(1), proc.kill()))
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join()
    if killed:
        return None, None, None
    return bufs["out"], bufs["err"], usage.ru_maxrss * 1024


def cli_knows(domcaps, option):
    out = subprocess.run([domcaps, "--help"], capture_output=True, text=True).stdout
    return option in out


def run_case(domcaps, fake, case, has_cache_dir):
    name, how, timeout_ms, pattern, max_s = case[:5]
    virttype = (case[5] if len(case) > 5 else {}).get("virttype", "qemu")
    work = tempfile.mkdtemp(prefix=f"domcaps-misbehave-{name}-")
    try:
        piddir = os.path.join(work, "pids")
        dirs = {k: os.path.join(work, k) for k in ("cwd", "tmp", "home", "run", "xdgcache", "cache")}
        for d in [piddir] + list(dirs.values()):
            os.mkdir(d)
        os.chmod(dirs["run"], 0o700)
        emulator, extra, env_extra = make_emulator(how, work, fake)
        if emulator is None:
            # scripts/setup.sh installs every qemu-system-* package
            return "fail", f"{how[1]} is not installed"
        cmd = [domcaps, "--emulatorbin", emulator, "--timeout", str(timeout_ms)] + extra
        if virttype:
            cmd += ["--virttype", virttype]
        # Hook for the probe cache: when the CLI has --cache-dir, probes must
        # leave that directory empty.
        if has_cache_dir:
            cmd += ["--cache-dir", dirs["cache"]]
        env = dict(os.environ, TMPDIR=dirs["tmp"], HOME=dirs["home"], XDG_RUNTIME_DIR=dirs["run"],
                   XDG_CACHE_HOME=dirs["xdgcache"], FAKE_QEMU_PIDDIR=piddir, **env_extra)
        # QEMU's environment is built by domcaps: the fake's settings are asked for by name.
        env["DOMCAPS_QEMU_ENV"] = " ".join(k for k in env if k.startswith("FAKE_QEMU_"))
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=dirs["cwd"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        limit = (max_s if max_s is not None else timeout_ms / 1000 + SLACK)
        out, err, rss = wait_measured(proc, limit + 30)
        if out is None:
            return "fail", f"still running after {limit + 30:.0f} s"
        elapsed = time.monotonic() - start
        problems = []
        err = err.decode(errors="replace")
        if proc.returncode != 1:
            problems.append(f"exit status {proc.returncode}, expected 1")
        lines = err.splitlines()
        if len(lines) != 1 or not lines[0].startswith("domcaps: "):
            problems.append(f"stderr is not one 'domcaps: ' line: {err[:2000]!r}")
        elif not re.search(pattern, lines[0]):
            problems.append(f"stderr {lines[0]!r} does not match {pattern!r}")
        if out:
            problems.append(f"unexpected stdout: {out[:200]!r}")
        rss_limit = RSS_LIMIT_MB.get(name, MAX_RSS_MB)
        if rss > rss_limit * 1024 * 1024 and not EXTRA:
            problems.append(f"peak RSS {rss // (1024 * 1024)} MB, limit {rss_limit} MB")
        if elapsed > limit:
            problems.append(f"took {elapsed:.2f} s, limit {limit:.2f} s")
        for _ in range(50):
            alive = live_pids(piddir)
            if not alive:
                break
            time.sleep(0.02)
        if alive:
            problems.append(f"processes left running: {alive}")
            for pid in alive:
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
        if how[0] == "fake" and not os.listdir(piddir):
            problems.append("the fake never ran (no pid recorded)")
        left = leftovers([dirs[k] for k in ("cwd", "tmp", "home", "run", "xdgcache")])
        if left:
            problems.append(f"files left behind: {left}")
        problems += cache_problems(dirs["cache"])
        return ("fail" if problems else "ok"), "; ".join(problems) or \
            f"{elapsed:.2f} s, {rss // (1024 * 1024)} MB: {lines[0] if lines else ''}"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    domcaps, fake = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    only = sys.argv[3:]
    cases = [c for c in CASES if not only or c[0] in only]
    has_cache_dir = cli_knows(domcaps, "--cache-dir")
    for case in cases:
        status, detail = run_case(domcaps, fake, case, has_cache_dir)
        # the ok line carries the measurement; a failure its problems
        check(status == "ok", f"{case[0]}" + (f" # {detail}" if status == "ok" else ""),
              detail.replace("; ", "\n"))
    return finish()

if __name__ == "__main__":
    sys.exit(main())
