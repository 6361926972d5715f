#!/usr/bin/env python3
"""Run one of domcaps' live test scripts inside the Debian 13
trixie-backports chroot of compare.py (QEMU 11.1, libvirt 12.9, its
python3-libvirt), against the libvirt there, with domcaps built there: the
suites held to libvirt 9.0 on this host held to libvirt 12.9 the same way.

    inside.py BUILD_DIR SOURCE_DIR [--recommends] SCRIPT [ARG...]

--recommends installs the module packages QEMU only recommends first (the
chroot's second pass in compare.py). SCRIPT is a path in the source tree (tests/check-vs-libvirt/run.py); in the
ARGs, @DOMCAPS@ and @LIST_FACTS@ stand for domcaps and tests/list-facts as
built inside. The script's TAP lines are passed on, renumbered, then this
script's own (the script ran to its end, nothing left running or mounted).

Root only (chroot, mounts, /dev/kvm); the network on a first run."""
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import compare  # noqa: E402
from tap import check, finish  # noqa: E402

SUBSTITUTES = {"@DOMCAPS@": compare.DOMCAPS_IN, "@LIST_FACTS@": compare.BUILD_IN + "/tests/list-facts"}


class Watchdog(threading.Thread):
    """Starts the chroot's libvirtd again when it has died (libvirt 12.9's
    QEMU driver can crash on a domain: a segfault, the socket left behind),
    and counts how often: the script's retries then reach a daemon, and the
    crashes are reported, not hidden."""

    def __init__(self, root):
        super().__init__(daemon=True)
        self.root, self.restarts, self.stop = root, 0, threading.Event()

    def alive(self):
        try:
            pid = int(open(self.root + "/run/libvirtd.pid").read().strip())
            return os.readlink(f"/proc/{pid}/exe").endswith("libvirtd")
        except (OSError, ValueError):
            return False

    def run(self):
        while not self.stop.wait(1):
            if self.alive():
                continue
            for stale in ("/run/libvirt/libvirt-sock", "/run/libvirt/libvirt-sock-ro", "/run/libvirt/libvirt-admin-sock"):
                try:
                    os.unlink(self.root + stale)
                except OSError:
                    pass
            try:
                compare.start_libvirtd(self.root)
                self.restarts += 1
                compare.note(f"libvirtd had died: started again ({self.restarts})")
            except compare.Failure as e:
                compare.note(f"libvirtd had died and does not start again: {e.what}")


def run_inside(root, script, args):
    """SCRIPT in the chroot; its TAP lines passed on. Its exit status."""
    # virtlogd carries QEMU's output: a domain cannot start without it. Asked
    # by its socket: pgrep would find the host's (one process table).
    compare.in_chroot(root, ["sh", "-c", "mkdir -p /var/log/libvirt; test -S /run/libvirt/virtlogd-sock || "
                                         "/usr/sbin/virtlogd -d"])
    for _ in range(100):
        if os.path.exists(root + "/run/libvirt/virtlogd-sock"):
            break
        time.sleep(0.1)
    args = [SUBSTITUTES.get(a, a) for a in args]
    cmd = ["chroot", root, "python3", f"{compare.SRC_IN}/{script}"] + args
    p = subprocess.Popen(cmd, env=compare.CHROOT_ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dog = Watchdog(root)
    dog.start()
    for line in p.stdout:
        line = line.rstrip("\n")
        if line.startswith(("ok ", "not ok ")):
            what = line.split(" - ", 1)[1] if " - " in line else line
            check(line.startswith("ok "), f"libvirt 12.9: {what}")
        elif not line.startswith("1.."):
            print(line if line.startswith("#") else "# " + line, flush=True)
    rc = p.wait()
    dog.stop.set()
    dog.join()
    check(dog.restarts == 0, "libvirt 12.9's daemon did not die during the run",
          f"it died and was started again {dog.restarts} time(s): see its log, {root}/var/log/libvirt/libvirtd.log")
    return rc


def main():
    if os.geteuid() != 0:
        check(False, "runs as root (chroot, mounts)")
        return finish()
    if len(sys.argv) < 4 or sys.argv[3:] == ["--recommends"]:
        print(__doc__, file=sys.stderr)
        return 2
    build, src = (os.path.abspath(a) for a in sys.argv[1:3])
    rest = sys.argv[3:]
    recommends = rest[:1] == ["--recommends"]
    script, args = (rest[1], rest[2:]) if recommends else (rest[0], rest[1:])
    compare.P = compare.PROFILES["trixie-backports"]
    work = os.path.join(build, compare.P.name)
    root = os.path.join(work, "root")

    def body():
        compare.prepare_chroot(work, root)
        compare.copy_source(src, root)
        compare.build_domcaps(root, ["tools/domcaps", "tests/list-facts"])
        if recommends:
            compare.in_chroot(root, ["sh", "-c", f"dpkg --force-unsafe-io -i {compare.SPICE_DEBS}/*.deb"],
                              timeout=600)
        # a domain's private mount namespace cannot be made inside a chroot
        # ("Failed disable mount propagation"): every start would fail for
        # the chroot's reason, not the domain's
        compare.in_chroot(root, ["sh", "-c", "grep -q '^namespaces' /etc/libvirt/qemu.conf || "
                                             "echo 'namespaces = [ ]' >> /etc/libvirt/qemu.conf"])
        compare.note("libvirtd: " + compare.start_libvirtd(root).replace("\n", "; "))
        rc = run_inside(root, script, args)
        check(rc == 0, f"{script} passed inside the chroot (exit {rc})")
    return compare.run_in_session(work, root, body)

if __name__ == "__main__":
    sys.exit(main())
