#!/usr/bin/env python3
"""Import the real x86 CPUs of libvirt's CPU test data (a libvirt source
tree: `apt-get source libvirt`, Debian 12's 9.0.0) as one JSON file,
tests/data/fleet/cpus.json, from which gen.py makes hosts' documents:

  {"CPU name": {
     "host_model": {"model": M, "vendor": V, "features": [[policy, name]...]},
     "models": {"model name": [blocking features...]}  # [] when usable
  }}

- host_model: tests/cputestdata/x86_64-cpuid-NAME-json.xml, the host-model
  CPU libvirt decodes from that CPU's QEMU expansion;
- models: QEMU's own answer where the data has it (query-cpu-definitions
  in x86_64-cpuid-NAME.json: unavailable-features, QEMU's spelling made
  libvirt's), else, for every model of the CPU map, the map's features of
  the model the host-model CPU lacks.

Data only: no libvirt code. Usage: import-cpus.py SOURCE_TREE
"""
import glob
import json
import os
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "fleet", "cpus.json")
# QEMU's spelling -> the CPU map's, where they differ (as libvirt renames them)
QEMU_NAMES = {"cmp-legacy": "cmp_legacy", "ds-cpl": "ds_cpl", "fxsr-opt": "fxsr_opt", "lahf-lm": "lahf_lm",
              "nodeid-msr": "nodeid_msr", "perfctr-core": "perfctr_core", "perfctr-nb": "perfctr_nb",
              "tsc-adjust": "tsc_adjust", "sse4-1": "sse4.1", "sse4-2": "sse4.2", "pclmuldq": "pclmulqdq",
              "xd": "nx", "i64": "lm", "ffxsr": "fxsr_opt", "syscall": "syscall"}


def map_models(cpu_map):
    """name -> set of features, ancestors included, of every x86 model."""
    raw = {}
    for path in glob.glob(os.path.join(cpu_map, "x86_*.xml")):
        for m in ET.parse(path).getroot().iter("model"):
            if m.get("name") and any(c.tag in ("feature", "signature", "vendor", "decode") for c in m):
                raw[m.get("name")] = m

    def features(name, seen=()):
        m = raw.get(name)
        if m is None or name in seen:
            return set()
        out = set()
        for c in m:
            if c.tag == "model":
                out |= features(c.get("name"), seen + (name,))
            elif c.tag == "feature" and c.get("removed") != "yes":
                out.add(c.get("name"))
        return out
    return {name: features(name) for name in raw}


def json_objects(path):
    dec, text, i, objs = json.JSONDecoder(), open(path).read(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return objs
        o, i = dec.raw_decode(text, i)
        objs.append(o)


def qemu_definitions(path):
    for o in json_objects(path) if os.path.exists(path) else []:
        if isinstance(o.get("return"), list):
            return {d["name"]: sorted(QEMU_NAMES.get(f, f) for f in d.get("unavailable-features", []))
                    for d in o["return"] if d["name"] not in ("host", "max", "base")}
    return None


def host_model(path):
    cpu = ET.parse(path).getroot()
    return {"model": cpu.findtext("model"), "vendor": cpu.findtext("vendor"),
            "features": [[f.get("policy"), f.get("name")] for f in cpu.findall("feature")]}


def main():
    src = sys.argv[1]
    data = os.path.join(src, "tests", "cputestdata")
    models = map_models(os.path.join(src, "src", "cpu_map"))
    out = {}
    for path in sorted(glob.glob(os.path.join(data, "x86_64-cpuid-*-json.xml"))):
        name = os.path.basename(path)[len("x86_64-cpuid-"):-len("-json.xml")]
        hm = host_model(path)
        have = (models.get(hm["model"], set()) | {n for p, n in hm["features"] if p == "require"}) - \
               {n for p, n in hm["features"] if p == "disable"}
        defs = qemu_definitions(os.path.join(data, f"x86_64-cpuid-{name}.json"))
        if defs is None:
            defs = {m: sorted(f - have) for m, f in models.items()}
        out[name] = {"host_model": hm, "models": defs}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)
        f.write("\n")
    print(f"{OUT}: {len(out)} CPUs")


if __name__ == "__main__":
    main()
