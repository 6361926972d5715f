#!/usr/bin/env python3
"""One probe per binary under load, through the CLI with the real QEMU.

Concurrent cold queries of one binary, in separate processes, wait for the
one probe in flight and answer from its result; a prober killed with
SIGKILL, or whose QEMU hangs, does not hang the others; queries of another
binary do not wait; --no-cache shares nothing. The emulator is a wrapper
that logs each start (and can stall the first) before it execs the real
qemu-system-x86_64. Prints TAP. Usage: test_shared_probe.py DOMCAPS
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tap  # noqa: E402

QEMU = "/usr/bin/qemu-system-x86_64"


class Env:
    def __init__(self, domcaps):
        self.domcaps = domcaps
        self.tmp = tempfile.mkdtemp(prefix="domcaps-shared-probe-")
        os.chmod(self.tmp, 0o755)
        self.cache = os.path.join(self.tmp, "cache")
        self.log = os.path.join(self.tmp, "starts.log")
        open(self.log, "w").close()
        os.chmod(self.log, 0o666)
        self.first = os.path.join(self.tmp, "first")  # made by the first start: the one that stalls

    def wrapper(self, name, stall="", hang_while=None):
        """An emulator at tmp/NAME/qemu-system-x86_64; @stall: shell run by
        the first start of any wrapper only (sleep 3...); @hang_while: every
        start hangs while that file exists."""
        path = os.path.join(self.tmp, name, "qemu-system-x86_64")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n"
                    f"echo \"start {name} $$ $*\" >> {self.log}\n"
                    + (f"if mkdir {self.first} 2>/dev/null; then {stall}; fi\n" if stall else "")
                    + (f"if [ -e {hang_while} ]; then exec sleep 600; fi\n" if hang_while else "")
                    + f"exec {QEMU} \"$@\"\n")
        os.chmod(path, 0o755)
        return path

    def cmd(self, emulator, *extra, virttype="kvm"):
        return [self.domcaps, "--emulatorbin", emulator, "--virttype", virttype, "--cache-dir", self.cache,
                "--user", "root"] + list(extra)

    def spawn(self, emulator, *extra, virttype="kvm"):
        return subprocess.Popen(self.cmd(emulator, *extra, virttype=virttype), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def starts(self, name=None):
        lines = open(self.log).read().splitlines()
        return [l for l in lines if name is None or l.split()[1] == name]

    def wait_starts(self, n, limit=30):
        end = time.monotonic() + limit
        while len(self.starts()) < n and time.monotonic() < end:
            time.sleep(0.02)
        return len(self.starts()) >= n

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def finish(procs, limit):
    outs = []
    for p in procs:
        try:
            outs.append(p.communicate(timeout=limit))
        except subprocess.TimeoutExpired:
            p.kill()
            outs.append(p.communicate())
            raise AssertionError(f"a query was still running after {limit} s")
    return outs


def kvm_usable():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def probe_starts():
    """QEMUs one cold KVM query starts: a TCG beside the KVM one when a
    second core is free (src/probe/passes.c)."""
    return 2 if len(os.sched_getaffinity(0)) >= 2 else 1


tests = tap.Tests()
test = tests.add


@test
def sixteen_cold_queries_start_one_probe(env):
    check(kvm_usable(), "this test needs a usable /dev/kvm")
    emu = env.wrapper("a")
    reference = subprocess.run(env.cmd(emu, "--no-cache"), capture_output=True, text=True, timeout=120)
    check(reference.returncode == 0, reference.stderr)
    open(env.log, "w").close()
    procs = [env.spawn(emu) for _ in range(16)]
    outs = finish(procs, 180)
    check(all(p.returncode == 0 for p in procs), [o[1] for o in outs if o[1]])
    check(len(env.starts()) == probe_starts(),
          f"16 concurrent cold queries started {len(env.starts())} QEMUs, expected one probe "
          f"({probe_starts()}): {env.starts()}")
    check({o[0] for o in outs} == {reference.stdout}, "the concurrent answers differ from an uncached one")


@test
def sixteen_cold_tcg_queries_start_one_qemu(env):
    emu = env.wrapper("a")
    procs = [env.spawn(emu, virttype="qemu") for _ in range(16)]
    outs = finish(procs, 180)
    check(all(p.returncode == 0 for p in procs), [o[1] for o in outs if o[1]])
    # a TCG query on a KVM host asks KVM too (as libvirt does): one probe
    want = probe_starts() if kvm_usable() else 1
    check(len(env.starts()) == want, f"started {len(env.starts())} QEMUs, expected {want}: {env.starts()}")
    check(len({o[0] for o in outs}) == 1, "the concurrent answers differ")


@test
def no_cache_shares_nothing(env):
    emu = env.wrapper("a")
    procs = [env.spawn(emu, "--no-cache", virttype="qemu") for _ in range(4)]
    outs = finish(procs, 180)
    check(all(p.returncode == 0 for p in procs), [o[1] for o in outs if o[1]])
    per_query = probe_starts() if kvm_usable() else 1
    check(len(env.starts()) == 4 * per_query, f"4 --no-cache queries started {len(env.starts())} QEMUs")
    check(not os.path.exists(env.cache), "--no-cache made the cache directory")


@test
def a_killed_prober_does_not_hang_the_others(env):
    """The first query's QEMU stalls 3 s before it starts; the query is
    killed with SIGKILL meanwhile. The 7 waiting take over at once (the
    lock dies with its holder), probe once, and answer as an uncached query."""
    emu = env.wrapper("a", stall="sleep 3")
    reference = subprocess.run(env.cmd(emu, "--no-cache", virttype="qemu"), capture_output=True, text=True,
                               timeout=120)
    check(reference.returncode == 0, reference.stderr)
    shutil.rmtree(env.first, ignore_errors=True)
    open(env.log, "w").close()
    prober = env.spawn(emu, virttype="qemu")
    check(env.wait_starts(1), "the first query never started QEMU")
    waiters = [env.spawn(emu, virttype="qemu") for _ in range(7)]
    time.sleep(0.5)
    check(all(w.poll() is None for w in waiters), "a waiter finished while the probe was in flight")
    before = len(env.starts())
    start = time.monotonic()
    prober.send_signal(signal.SIGKILL)
    prober.communicate()
    outs = finish(waiters, 60)
    took = time.monotonic() - start
    check(all(w.returncode == 0 for w in waiters), [o[1] for o in outs if o[1]])
    check({o[0] for o in outs} == {reference.stdout}, "the waiters' answers differ from an uncached one")
    check(took < 20, f"the waiters took {took:.1f} s after the prober died")
    after = len(env.starts()) - before
    want = probe_starts() if kvm_usable() else 1
    check(after == want, f"after the prober died, {after} QEMUs started, expected one probe ({want})")


@test
def a_hung_probe_is_taken_over_within_the_deadline(env):
    """The first query's QEMU hangs (never greets): that query fails at its
    deadline, and the waiters, whose deadline is the same, probe then and
    answer."""
    flag = os.path.join(env.tmp, "hang")
    open(flag, "w").close()
    emu = env.wrapper("a", hang_while=flag)
    prober = env.spawn(emu, "--timeout", "3000", virttype="qemu")
    # every QEMU of the first probe hangs (a TCG query on a KVM host runs two)
    want = probe_starts() if kvm_usable() else 1
    check(env.wait_starts(want), "the first query never started its QEMUs")
    start = time.monotonic()
    waiters = [env.spawn(emu, "--timeout", "3000", virttype="qemu") for _ in range(4)]
    time.sleep(0.3)
    os.unlink(flag)  # the waiters' own probe, after the first fails, answers
    outs = finish(waiters, 60)
    took = time.monotonic() - start
    p_out = prober.communicate(timeout=60)
    check(prober.returncode == 1 and "within 3000 ms" in p_out[1], f"the hung prober: {p_out[1]!r}")
    check(all(w.returncode == 0 for w in waiters), [o[1] for o in outs if o[1]])
    check(len({o[0] for o in outs}) == 1, "the waiters disagree")
    check(took < 3 + 3 + 5, f"the waiters took {took:.1f} s: more than the hung probe's deadline and their own")
    left = subprocess.run(["pgrep", "-f", "sleep 600"], capture_output=True, text=True).stdout
    check(not left.strip(), f"the hung QEMU is still running: {left}")


@test
def another_binary_does_not_wait(env):
    """While a probe of one binary is in flight (stalled 4 s), a cold query
    of another binary answers at once."""
    slow = env.wrapper("slow", stall="sleep 4")
    fast = env.wrapper("fast")
    prober = env.spawn(slow, virttype="qemu")
    check(env.wait_starts(1), "the first query never started QEMU")
    start = time.monotonic()
    r = subprocess.run(env.cmd(fast, virttype="qemu"), capture_output=True, text=True, timeout=120)
    took = time.monotonic() - start
    check(r.returncode == 0, r.stderr)
    check(prober.poll() is None, "the stalled probe had already finished: the check proves nothing")
    check(took < 3.5, f"the other binary's query took {took:.1f} s: it waited for the stalled probe")
    out = prober.communicate(timeout=60)
    check(prober.returncode == 0, out[1])


def main():
    domcaps = sys.argv[1]
    return tap.each(tests, lambda: Env(domcaps), lines=40)


if __name__ == "__main__":
    sys.exit(main())
