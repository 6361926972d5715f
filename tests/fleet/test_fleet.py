#!/usr/bin/env python3
"""domcaps intersect's rules for a fleet, on documents of different hosts:
libvirt's own suite documents (QEMU 4.2 to 10.0, Intel and AMD hosts) and
hosts made by gen.py from libvirt's real CPUs. Every expectation is
computed here from the input documents, by the rule, not stored:

- no <path>; <machine> only when every host has the same; vcpu max the
  smallest; every other enum the values all hosts list; a section
  supported only where all say so;
- custom models: those all list, usable only where usable everywhere;
  a model's blockers, those of any host;
- host-passthrough and maximum only when every host's host-model CPU is
  the same (then host-model is that CPU);
- otherwise host-model is the fleet's CPU: a model usable on every host,
  every feature it requires is on every host's CPU (host-model's with its
  model's, the CPU map's definition), none that blocks migration; hosts of
  different vendors have none (libvirt's baseline refuses them), and
  --cpu says why;
- --cpu prints the same CPU as a <cpu> for domain definitions;
- a domain asking for host-passthrough is refused by `domcaps check
  --caps` of a mixed fleet, and allowed for identical hosts.

Usage: test_fleet.py DOMCAPS     TAP output.
"""
import os
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "publish"))
from tap import check, finish  # noqa: E402
import common  # noqa: E402

DOMCAPS = os.path.abspath(sys.argv[1])
NON_MIGRATABLE = {f.get("name") for f in ET.parse(os.path.join(common.CPU_MAP, "x86_features.xml")).getroot()
                  .iter("feature") if f.get("migratable") == "no"}


def run(*args, stdin=None):
    return subprocess.run([DOMCAPS] + list(args), capture_output=True, text=True, timeout=300, input=stdin)


def mode(root, name):
    return next((m for m in root.iter("mode") if m.get("name") == name), None)


def custom_models(root):
    m = mode(root, "custom")
    return {x.text: x.get("usable") for x in m.findall("model")} if m is not None else {}


def blockers(root):
    m = mode(root, "custom")
    return {b.get("model"): {f.get("name") for f in b} for b in m.findall("blockers")} if m is not None else {}


def enums(root):
    """(path of the enum's parent, enum name) -> values, for every enum."""
    out = {}

    def walk(el, path):
        for c in el:
            step = c.tag + (f"[{c.get('name')}]" if c.get("name") else "")
            if c.tag == "enum":
                out[(path, c.get("name"))] = {v.text for v in c}
            else:
                walk(c, path + "/" + step)
    walk(root, "")
    return out


def supported(root):
    """path -> supported, for every element saying it."""
    out = {}

    def walk(el, path):
        for c in el:
            p = path + "/" + c.tag + (f"[{c.get('name')}]" if c.get("name") else "")
            if c.get("supported"):
                out[p] = c.get("supported")
            walk(c, p)
    walk(root, "")
    return out


def cpu_features(cpu_el, model):
    req = {f.get("name") for f in cpu_el.findall("feature") if f.get("policy") in ("require", None)}
    dis = {f.get("name") for f in cpu_el.findall("feature") if f.get("policy") == "disable"}
    return (common.map_models().get(model, set()) | req) - dis


def host_cpu(root):
    hm = mode(root, "host-model")
    if hm is None or hm.get("supported") != "yes":
        return None
    return cpu_features(hm, hm.findtext("model"))


def check_common_part(label, hosts, fleet):
    """Everything but the CPU modes: the common part, by the rule."""
    check(fleet.find("path") is None, f"{label}: no emulator <path>")
    machines = {h.findtext("machine") for h in hosts}
    want_machine = machines.pop() if len(machines) == 1 else None
    check(fleet.findtext("machine") == want_machine, f"{label}: <machine> {want_machine}",
          f"got {fleet.findtext('machine')}")
    vcpus = [int(h.find("vcpu").get("max")) for h in hosts if h.find("vcpu") is not None]
    check(fleet.find("vcpu") is not None and int(fleet.find("vcpu").get("max")) == min(vcpus),
          f"{label}: vcpu max the smallest ({min(vcpus)})")
    sup = [supported(h) for h in hosts]
    got_sup = supported(fleet)
    bad = [p for p in sup[0] if "/cpu/" not in p and all(p in s for s in sup) and
           got_sup.get(p) != ("yes" if all(s[p] == "yes" for s in sup) else "no")]
    check(not bad, f"{label}: {len(got_sup)} sections supported only where every host says so", "\n".join(bad))
    en = [enums(h) for h in hosts]
    got_en = enums(fleet)
    bad = []
    for key in en[0]:
        if "/cpu" in key[0] or not all(key in e for e in en) or not all(
                sup_ok(s, key[0]) for s in sup):
            continue
        want = set.intersection(*(e[key] for e in en))
        if got_en.get(key, set()) != want:
            bad.append(f"{key}: {sorted(got_en.get(key, set()))} != {sorted(want)}")
    check(not bad, f"{label}: every enum the values all hosts list", "\n".join(bad))
    models = [custom_models(h) for h in hosts]
    want = {n: "yes" if all(m[n] == "yes" for m in models) else "no"
            for n in models[0] if all(n in m for m in models)}
    got = custom_models(fleet)
    check(got == want, f"{label}: custom models all list ({len(want)}), usable where usable everywhere "
                       f"({sum(v == 'yes' for v in want.values())})",
          f"{set(got.items()) ^ set(want.items())}")
    bl = [blockers(h) for h in hosts]
    want_bl = {n: set().union(*(b.get(n, set()) for b in bl)) for n, u in want.items()
               if u == "no" and any(n in b for b in bl)}
    check(blockers(fleet) == want_bl, f"{label}: a model's blockers are any host's ({len(want_bl)} models)")


def sup_ok(sup, path):
    """Whether every element on the way to @path is supported (an
    unsupported section keeps no content)."""
    parts = path.split("/")
    return all(sup.get("/".join(parts[:i]), "yes") == "yes" for i in range(2, len(parts) + 1))


def same_cpu(hosts):
    """Every host-model the same CPU: model, vendor, features with their
    policies in any order, the same address width where stated."""
    def key(h):
        hm = mode(h, "host-model")
        return (hm.get("supported"), hm.findtext("model"), hm.findtext("vendor"),
                frozenset((f.get("policy"), f.get("name")) for f in hm.findall("feature")))
    limits = {hm.find("maxphysaddr").get("limit") for hm in (mode(h, "host-model") for h in hosts)
              if hm.find("maxphysaddr") is not None}
    return len({key(h) for h in hosts}) == 1 and key(hosts[0])[0] == "yes" and len(limits) <= 1


def check_cpu(label, hosts, fleet, cpu_text):
    cpus = [host_cpu(h) for h in hosts]
    hms = [ET.tostring(mode(h, "host-model")) for h in hosts]
    same = same_cpu(hosts)
    pt, mx, hm = (mode(fleet, n) for n in ("host-passthrough", "maximum", "host-model"))
    check(all(m.get("supported") == ("yes" if same and mode(hosts[0], m.get("name")).get("supported") == "yes"
                                     else "no") for m in (pt, mx)),
          f"{label}: host-passthrough and maximum {'kept: every host-model CPU is the same' if same else 'refused'}")
    if same:
        check(ET.tostring(hm) == hms[0], f"{label}: host-model is every host's")
        return
    vendors = {mode(h, "host-model").findtext("vendor") for h in hosts}
    if len(vendors) > 1:
        check(hm.get("supported") == "no" and len(hm) == 0 and cpu_text.returncode == 1 and
              "CPU vendors do not match" in cpu_text.stderr,
              f"{label}: hosts of vendors {sorted(vendors)} have no common CPU, --cpu says why",
              cpu_text.stderr)
        return
    model = hm.findtext("model")
    feats = cpu_features(hm, model)
    lacking = [f"host {i + 1} lacks {sorted(feats - c)}" for i, c in enumerate(cpus) if not feats <= c]
    models = [custom_models(h) for h in hosts]
    check(hm.get("supported") == "yes" and all(m.get(model) == "yes" for m in models) and not lacking,
          f"{label}: the fleet's CPU {model} + {len(feats)} features runs on every host (model usable everywhere, "
          f"every feature on every host's CPU)", "\n".join(lacking) + f" usable: {[m.get(model) for m in models]}")
    blocked = sorted(feats & NON_MIGRATABLE)
    check(not blocked, f"{label}: no feature of the fleet's CPU blocks migration", str(blocked))
    cpu = ET.fromstring(cpu_text.stdout) if cpu_text.returncode == 0 else None
    check(cpu is not None and cpu.get("mode") == "custom" and cpu.findtext("model") == model and
          cpu.find("model").get("fallback") == "forbid" and cpu_features(cpu, model) == feats,
          f"{label}: --cpu prints that CPU as a <cpu mode='custom'> for domains", cpu_text.stdout + cpu_text.stderr)


def check_fleet(label, paths, tmp):
    out = os.path.join(tmp, label.replace(" ", "_") + ".xml")
    cpu = run("intersect", "-o", out, "--cpu", "-", *paths)
    if not os.path.exists(out):
        check(False, f"{label}: domcaps intersect of {len(paths)} hosts", cpu.stderr)
        return None
    hosts = [ET.parse(p).getroot() for p in paths]
    fleet = ET.parse(out).getroot()
    check(True, f"{label}: domcaps intersect of {len(paths)} hosts")
    check_common_part(label, hosts, fleet)
    check_cpu(label, hosts, fleet, cpu)
    return out


def check_passthrough_domain(fleet_xml, allowed, label):
    domain = ("<domain type='kvm'><name>g</name><memory>1048576</memory><os><type arch='x86_64'>hvm</type></os>"
              "<cpu mode='host-passthrough'/></domain>")
    p = run("check", "--caps", fleet_xml, "-", stdin=domain)
    check(p.returncode == (0 if allowed else 2) and (allowed or "host-passthrough" in p.stdout),
          f"{label}: check --caps: a host-passthrough domain is {'allowed' if allowed else 'refused'}",
          p.stdout + p.stderr)


def main():
    with tempfile.TemporaryDirectory(prefix="domcaps-fleet-") as tmp:
        suite = {}
        for rel in ("9.0", "11.3"):
            with tarfile.open(os.path.join(TESTS, "data", "libvirt-suite", f"libvirt-{rel}.tar.xz")) as t:
                t.extractall(tmp, members=[m for m in t.getmembers() if "/domaincapsdata/" in m.name])
            suite[rel] = os.path.join(tmp, rel, "domaincapsdata")
        s9, s11 = suite["9.0"], suite["11.3"]
        # QEMU 4.2 on an Intel host, 7.2 and 9.2 on AMD ones: libvirt's own documents
        mixed = check_fleet("libvirt Intel+AMD", [f"{s9}/qemu_4.2.0.x86_64.xml", f"{s9}/qemu_7.2.0.x86_64.xml",
                                                  f"{s11}/qemu_9.2.0.x86_64.xml"], tmp)
        same = check_fleet("libvirt same CPU, pc and q35", [f"{s9}/qemu_7.2.0.x86_64.xml",
                                                            f"{s9}/qemu_7.2.0-q35.x86_64.xml"], tmp)
        check_fleet("libvirt AMD QEMU 7.2 to 9.2", [f"{s9}/qemu_7.2.0-q35.x86_64.xml",
                                                   f"{s11}/qemu_8.1.0-q35.x86_64.xml",
                                                   f"{s11}/qemu_9.2.0-q35.x86_64.xml"], tmp)
        check_fleet("libvirt same CPU, 9.0's and 11.3's format", [f"{s9}/qemu_7.2.0-q35.x86_64.xml",
                                                                 f"{s11}/qemu_7.2.0-q35.x86_64.xml"], tmp)
        check_fleet("libvirt TCG 4.2 to 9.2", [f"{s9}/qemu_4.2.0-tcg.x86_64.xml", f"{s11}/qemu_9.2.0-tcg.x86_64.xml"],
                    tmp)
        if mixed and same:
            check_passthrough_domain(mixed, False, "libvirt Intel+AMD")
            check_passthrough_domain(same, True, "libvirt same CPU")
        gen = os.path.join(TESTS, "fleet", "gen.py")
        fleets = {"Intel Skylake to Cascadelake": "Xeon-Gold-6148,Xeon-Platinum-8268,Core-i7-8700,Xeon-E3-1245-v5",
                  "Intel Westmere to Icelake": "Xeon-E7-4820,Ice-Lake-Server,Core-i5-2500,Xeon-E5-2630-v4",
                  "AMD": "EPYC-7502-32-Core,Ryzen-7-1800X-Eight-Core,Opteron-6234",
                  "one CPU, QEMUs differ": "Cooperlake,Cooperlake,Cooperlake"}
        for fmt in ("9.0", "11.3"):
            for i, (label, cpus) in enumerate(fleets.items()):
                d = os.path.join(tmp, f"gen-{fmt}-{i}")
                subprocess.run([sys.executable, gen, "--format", fmt, "--seed", str(i + 3), "--cpus", cpus,
                                str(len(cpus.split(","))), d], check=True, capture_output=True)
                check_fleet(f"{label} ({fmt})", sorted(os.path.join(d, f) for f in os.listdir(d)), tmp)
        d = os.path.join(tmp, "gen-identical")
        subprocess.run([sys.executable, gen, "--same-qemu", "--cpus", "Xeon-Gold-6148", "3", d], check=True,
                       capture_output=True)
        same_gen = check_fleet("three identical hosts", sorted(os.path.join(d, f) for f in os.listdir(d)), tmp)
        if same_gen:
            check_passthrough_domain(same_gen, True, "three identical hosts")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
