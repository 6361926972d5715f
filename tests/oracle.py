"""Where the reference implementation is: tests/reference/libvirt-domcaps,
which runs `virsh domcapabilities` on Debian's libvirt (installed by
scripts/setup.sh) and starts its daemon when none runs; $DOMCAPS_ORACLE
names another script taking the same arguments."""
import os

TESTS = os.path.dirname(os.path.abspath(__file__))
VIRSH = os.path.join(TESTS, "reference", "virsh")


def find_oracle():
    if os.environ.get("DOMCAPS_ORACLE"):
        return os.environ["DOMCAPS_ORACLE"]
    return os.path.join(TESTS, "reference", "libvirt-domcaps")


import fcntl  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

# The oracle starts a private libvirtd when none runs. Several test programs
# (meson runs them in parallel) calling it at once on a fresh machine race:
# one starts the daemon, another sees its socket before it listens and gets
# "Connection refused". So the first use is serialised under a lock and a
# refused connection is retried; libvirt's answers themselves are not.
_TRANSIENT = ("Failed to connect socket",)


def _transient(proc):
    return proc.returncode != 0 and any(t in proc.stderr for t in _TRANSIENT)


def run_oracle(oracle, args, shell=False, attempts=20, **kw):
    """subprocess.run of the oracle with args (a list, or a shell line when
    shell=True), retrying only while libvirtd is not yet reachable."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 300)
    kw.setdefault("stdin", subprocess.DEVNULL)
    cmd = ["bash", "-c", f"{oracle} {args}"] if shell else [oracle] + list(args)
    for i in range(attempts):
        proc = subprocess.run(cmd, **kw)
        if not _transient(proc) or i == attempts - 1:
            return proc
        time.sleep(0.5)
    return proc


def ensure_oracle_daemon(oracle):
    """Make sure libvirtd answers before parallel queries start; one caller at
    a time does the start-up, the rest wait on the lock."""
    if not oracle:
        return
    with open("/tmp/domcaps-tests-oracle.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        run_oracle(oracle, ["--virttype", "qemu", "--arch", "x86_64"], attempts=60)
