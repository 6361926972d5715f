#!/usr/bin/env python3
"""Side-by-side benchmark of domcaps against libvirt 12.9 (QEMU 11.1), both
inside the Debian 13 trixie-backports chroot of tests/debian13 (made, or
unpacked from its tarball, under BUILD/debian13-backports/).

    bench/libvirt12.py [BUILD_DIR]     (default: build)

Root only (chroot, mounts). Times, as medians of several runs:
- a cold query: libvirt's daemon restarted with its capabilities cache
  emptied, then `virsh domcapabilities`; domcaps with an empty cache;
- a warm query: both caches full (the daemon running);
- every target's default document, cold and warm;
and domcaps' peak RSS. Nothing here is a test: run it on a quiet machine.
The chroot's processes are stopped and its mounts undone at the end.
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "debian13"))
import compare  # noqa: E402

ENV = compare.CHROOT_ENV
CAPS_CACHE = "/var/cache/libvirt/qemu/capabilities"
TARGETS = ["x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x", "riscv64", "loongarch64",
           "sparc64", "mips64"]


def timed(root, cmd):
    """Wall time in ms and peak RSS in KiB of one command in the chroot."""
    t0 = time.monotonic()
    p = subprocess.Popen(["chroot", root] + cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    ms = (time.monotonic() - t0) * 1000
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise compare.Failure(f"{' '.join(cmd)} failed", err)
    return ms, usage.ru_maxrss


def median_ms(root, cmd, n, before=None):
    times = []
    for _ in range(n):
        if before:
            before()
        times.append(timed(root, cmd)[0])
    return statistics.median(times)


def daemons(root):
    """The chroot's libvirtd processes."""
    found = []
    for pid in compare.procs_in(root):
        try:
            if os.readlink(f"/proc/{pid}/exe").endswith("libvirtd"):
                found.append(pid)
        except OSError:   # gone meanwhile
            pass
    return found


def restart_libvirtd_cold(root):
    """The chroot's daemon stopped, its capabilities cache emptied, started."""
    for pid in daemons(root):
        try:
            os.kill(pid, 15)
        except OSError:
            pass
    deadline = time.monotonic() + 10
    while daemons(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    shutil.rmtree(root + CAPS_CACHE, ignore_errors=True)
    try:
        os.unlink(root + "/run/libvirt/libvirt-sock")
    except OSError:
        pass
    # started, and waited for until it listens: not asked anything, since
    # any question (virsh version too) makes it probe QEMU before the timing
    compare.in_chroot(root, ["/usr/sbin/libvirtd", "-d"])
    deadline = time.monotonic() + 30
    while not os.path.exists(root + "/run/libvirt/libvirt-sock") and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)


def virsh_cmd(args):
    return ["virsh", "-q", "-c", "qemu:///system", "domcapabilities"] + args


def domcaps_cmd(args, cache):
    return [compare.DOMCAPS_IN, "--cache-dir", cache] + args


def fresh_cache(root, cache):
    shutil.rmtree(root + cache, ignore_errors=True)


def measure(root):
    rows = []
    kvm = ["--virttype", "kvm"]
    tcg = ["--virttype", "qemu"]
    for label, args in (("x86_64 KVM (default machine)", kvm), ("x86_64 TCG q35", tcg + ["--machine", "q35"])):
        lv_cold = median_ms(root, virsh_cmd(args), 3, before=lambda: restart_libvirtd_cold(root))
        lv_warm = median_ms(root, virsh_cmd(args), 10)
        cache = "/var/cache/domcaps-bench"
        dc_cold = median_ms(root, domcaps_cmd(args, cache), 5, before=lambda: fresh_cache(root, cache))
        dc_warm = median_ms(root, domcaps_cmd(args, cache), 20)
        rows.append((f"{label}, cold", lv_cold, dc_cold))
        rows.append((f"{label}, warm", lv_warm, dc_warm))

    def every(cmd_of):
        for arch in TARGETS:
            timed(root, cmd_of(["--virttype", "qemu", "--arch", arch]))

    def all_targets_ms(cmd_of, before):
        before()
        t0 = time.monotonic()
        every(cmd_of)
        return (time.monotonic() - t0) * 1000
    cache = "/var/cache/domcaps-bench-all"
    lv_all_cold = all_targets_ms(virsh_cmd, lambda: restart_libvirtd_cold(root))
    lv_all_warm = all_targets_ms(virsh_cmd, lambda: None)
    dc_all_cold = all_targets_ms(lambda a: domcaps_cmd(a, cache), lambda: fresh_cache(root, cache))
    dc_all_warm = all_targets_ms(lambda a: domcaps_cmd(a, cache), lambda: None)
    rows.append((f"{len(TARGETS)} targets' TCG documents, cold", lv_all_cold, dc_all_cold))
    rows.append((f"{len(TARGETS)} targets' TCG documents, warm", lv_all_warm, dc_all_warm))
    fresh_cache(root, "/var/cache/domcaps-rss")
    _, rss_cold = timed(root, domcaps_cmd(["--virttype", "kvm"], "/var/cache/domcaps-rss"))
    _, rss_warm = timed(root, domcaps_cmd(["--virttype", "kvm"], "/var/cache/domcaps-rss"))
    return rows, rss_cold, rss_warm


def main():
    if os.geteuid() != 0:
        print("bench/libvirt12.py: needs root (chroot, mounts)", file=sys.stderr)
        return 1
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    src = os.path.abspath(os.path.join(HERE, ".."))
    compare.P = compare.PROFILES["trixie-backports"]
    work = os.path.join(build, compare.P.name)
    root = os.path.join(work, "root")
    with compare.chroot_session(work, root):
        compare.prepare_chroot(work, root)
        compare.copy_source(src, root)
        compare.build_domcaps(root)
        version = compare.start_libvirtd(root).replace("\n", "; ")
        rows, rss_cold, rss_warm = measure(root)
    cpu = open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(" :\t")
    print(f"machine: {os.cpu_count()} cores, {cpu}, {os.uname().release}")
    print(f"in the trixie-backports chroot: {version}")
    print()
    print(f"| {'what':<40} | libvirt 12.9 | domcaps | ratio |")
    print(f"| {'-' * 40} | ---: | ---: | ---: |")
    for what, lv, dc in rows:
        print(f"| {what:<40} | {lv:8.1f} ms | {dc:7.1f} ms | {lv / dc:5.1f}x |")
    print()
    # wait4 counts the children a process waited for: the cold figure is
    # QEMU's as much as domcaps'
    print(f"peak RSS of domcaps and what it waited for: {rss_cold / 1024:.1f} MiB cold (QEMU included), "
          f"{rss_warm / 1024:.1f} MiB warm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
