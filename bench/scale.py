#!/usr/bin/env python3
"""How check and intersect grow with the input: a domain of N devices
checked on this host (and against a saved document), and the intersection
of two documents listing N custom CPU models each, for a few N. Prints the
median wall time (and the CPU time of that run) in ms per size; linear
growth keeps the ms per thousand roughly constant.

    bench/scale.py DOMCAPS [--runs 5]

Not a test: run it on a quiet machine (figures in README, Performance).
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

DEVICES = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/tmp/d{i}.raw'/>"
           "<target dev='vd{i}' bus='{bus}'/></disk>",
           "<interface type='user'><model type='virtio'/></interface>",
           "<video><model type='{video}'/></video>",
           "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1'/><product id='0x2'/></source></hostdev>")


def domain(n):
    out = ["<domain type='kvm'><name>big</name><memory unit='MiB'>512</memory><vcpu>2</vcpu>"
           "<os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/><apic/></features><devices>"]
    for i in range(n):
        out.append(DEVICES[i % 4].format(i=i, bus=("virtio", "sata", "usb", "scsi")[i // 4 % 4],
                                         video=("virtio", "qxl", "vga", "cirrus")[i // 4 % 4]))
    out.append("</devices></domain>")
    return "\n".join(out)


def with_models(caps, n, usable):
    models = "".join(f"      <model usable='{usable(i)}' vendor='Intel'>Model{i:05d}</model>\n" for i in range(n))
    return re.sub(r"(<mode name='custom' supported='yes'>\n)", lambda m: m.group(1) + models, caps, count=1)


def timed(cmd, runs):
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append((time.perf_counter() - t0) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("domcaps")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    dc = args.domcaps
    with tempfile.TemporaryDirectory() as tmp:
        caps = subprocess.run([dc, "--virttype", "kvm", "--machine", "q35"], capture_output=True, text=True,
                              check=True).stdout
        caps_path = os.path.join(tmp, "caps.xml")
        open(caps_path, "w").write(caps)
        print("what                                   N      wall ms   cpu ms   wall ms/1000")
        for n in (10000, 20000, 60000):
            path = os.path.join(tmp, f"dom{n}.xml")
            open(path, "w").write(domain(n))
            for label, cmd in (("check (probe, this host)", [dc, "check", "-q", path]),
                               ("check --caps (saved document)", [dc, "check", "-q", "--caps", caps_path, path])):
                wall, cpu = timed(cmd, args.runs)
                print(f"{label:36} {n:6}  {wall:8.0f}  {cpu:7.0f}  {wall / n * 1000:8.1f}")
        for n in (5000, 10000, 20000):
            a, b = os.path.join(tmp, f"a{n}.xml"), os.path.join(tmp, f"b{n}.xml")
            open(a, "w").write(with_models(caps, n, lambda i: "yes" if i % 3 else "no"))
            open(b, "w").write(with_models(caps, n, lambda i: "yes"))
            wall, cpu = timed([dc, "intersect", a, b], args.runs)
            print(f"{'intersect (two documents)':36} {n:6}  {wall:8.0f}  {cpu:7.0f}  {wall / n * 1000:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
