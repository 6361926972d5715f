#!/usr/bin/env python3
"""Hosts' domain capabilities documents for fleet tests and benchmarks,
made as real variations of real documents:

- the document of libvirt's own suite for x86_64 KVM q35 (libvirt 9.0's
  format from QEMU 7.2, or 11.3's from QEMU 10.0, with <blockers>) as the
  template: tests/cases/libvirt-*/expected.xml;
- each host's CPU one of the 51 real CPUs of libvirt's CPU test data
  (tests/data/fleet/cpus.json, import-cpus.py): its host-model CPU, and
  which custom models it can run (blockers where the format has them);
- each host's QEMU one of several versions (machine type, vcpu maximum),
  some in another place (emulator path), some without the spice modules
  (graphics spice, spicevmc), without swtpm (TPM emulator), without the
  secure boot firmware, without SEV or with another SEV capacity.

Deterministic for a seed. Usage:
  gen.py [--format 9.0|11.3] [--seed N] [--cpus A,B,...] [--same-qemu] COUNT OUTDIR
writes OUTDIR/host0001.xml ... and prints their names with their CPUs.
"""
import argparse
import json
import os
import random
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
TEMPLATES = {"9.0": "libvirt-9.0-qemu_7.2.0-q35.x86_64", "11.3": "libvirt-11.3-qemu_10.0.0-q35.x86_64"}
# QEMU versions a fleet runs: machine type, vcpu maximum (KVM)
QEMUS = [("pc-q35-7.2", "288"), ("pc-q35-8.0", "1024"), ("pc-q35-8.2", "1024"), ("pc-q35-9.0", "4096"),
         ("pc-q35-10.0", "4096")]
PATHS = ["/usr/bin/qemu-system-x86_64", "/usr/libexec/qemu-kvm", "/usr/local/bin/qemu-system-x86_64"]


def load_cpus():
    with open(os.path.join(TESTS, "data", "fleet", "cpus.json")) as f:
        return json.load(f)


def blockers_of(cpu, model):
    """The CPU's blockers of @model: a versioned name falls back to its
    base model; None when the data does not know the model."""
    models = cpu["models"]
    if model in models:
        return models[model]
    base = model.rsplit("-v", 1)[0] if "-v" in model else None
    return models.get(base)


def set_host_model(cpu_el, cpu):
    mode = next(m for m in cpu_el.findall("mode") if m.get("name") == "host-model")
    kept = [c for c in mode if c.tag == "maxphysaddr"]
    for c in list(mode):
        mode.remove(c)
    mode.set("supported", "yes")
    hm = cpu["host_model"]
    ET.SubElement(mode, "model", {"fallback": "forbid"}).text = hm["model"]
    if hm["vendor"]:
        ET.SubElement(mode, "vendor").text = hm["vendor"]
    for k in kept:
        mode.append(k)
    for policy, name in hm["features"]:
        ET.SubElement(mode, "feature", {"policy": policy, "name": name})


def set_custom(cpu_el, cpu, with_blockers):
    mode = next(m for m in cpu_el.findall("mode") if m.get("name") == "custom")
    models = [c for c in mode if c.tag == "model"]
    for c in list(mode):
        mode.remove(c)
    for m in models:
        blockers = blockers_of(cpu, m.text)
        m.set("usable", "yes" if blockers == [] else "no")
        mode.append(m)
        if with_blockers and blockers:
            b = ET.SubElement(mode, "blockers", {"model": m.text})
            for f in blockers:
                ET.SubElement(b, "feature", {"name": f})


def drop_values(root, path, enum, values):
    el = root.find(path)
    if el is None:
        return
    for e in el.findall("enum"):
        if e.get("name") == enum:
            for v in list(e):
                if v.text in values:
                    e.remove(v)


def vary_host(root, rnd, same_qemu):
    machine, vcpus = QEMUS[-1 if same_qemu else rnd.randrange(len(QEMUS))]
    root.find("machine").text = machine
    root.find("vcpu").set("max", vcpus)
    if not same_qemu:
        root.find("path").text = rnd.choice(PATHS)
    if rnd.random() < 0.15:   # no qemu-system-modules-spice
        drop_values(root, "devices/graphics", "type", {"spice"})
        drop_values(root, "devices/channel", "type", {"spicevmc"})
    if rnd.random() < 0.1:    # no swtpm
        drop_values(root, "devices/tpm", "backendModel", {"emulator"})
        drop_values(root, "devices/tpm", "backendVersion", {"1.2", "2.0"})
    if rnd.random() < 0.1:    # no secure boot firmware
        loader = root.find("os/loader")
        for v in loader.findall("value") if loader is not None else []:
            if "secboot" in (v.text or "") or "ms.fd" in (v.text or ""):
                loader.remove(v)
        drop_values(root, "os/loader", "secure", {"yes"})
    sev = root.find("features/sev")
    if sev is not None and sev.get("supported") == "yes" and rnd.random() < 0.3:
        sev.find("maxGuests").text = str(rnd.choice([15, 59, 253]))


def write(root, path):
    ET.indent(root, "  ")
    text = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    with open(path, "w") as f:
        f.write(text.replace('"', "'").replace(" />", "/>") + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--format", choices=sorted(TEMPLATES), default="11.3")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cpus", help="comma-separated CPU names of cpus.json, in turn (default: all, at random)")
    ap.add_argument("--same-qemu", action="store_true", help="one QEMU (machine, path, devices) on every host")
    ap.add_argument("count", type=int)
    ap.add_argument("outdir")
    a = ap.parse_args()
    cpus = load_cpus()
    rnd = random.Random(a.seed)
    names = a.cpus.split(",") if a.cpus else None
    template = ET.parse(os.path.join(TESTS, "cases", TEMPLATES[a.format], "expected.xml")).getroot()
    os.makedirs(a.outdir, exist_ok=True)
    for i in range(a.count):
        name = names[i % len(names)] if names else rnd.choice(sorted(cpus))
        root = ET.fromstring(ET.tostring(template))
        set_host_model(root.find("cpu"), cpus[name])
        set_custom(root.find("cpu"), cpus[name], a.format != "9.0")
        if not a.same_qemu:
            vary_host(root, rnd, False)
        out = os.path.join(a.outdir, f"host{i + 1:04d}.xml")
        write(root, out)
        print(out, name)


if __name__ == "__main__":
    main()
