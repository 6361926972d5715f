#!/usr/bin/python3
"""domcaps labels: KubeVirt's node labels of a document, as a Node Feature
Discovery local feature file.

For every document of this host (probed now, and the replay fixtures of
its QEMU), of libvirt 9.0's and 11.3's suites and of generated fleet hosts:
- every key and value is valid under Kubernetes' label syntax (this test's
  own reading of apimachinery's rules);
- the labels are exactly those KubeVirt's node labeller makes of the
  document (its rules restated here, independently of domcaps' C code),
  the CPU features taken from libvirt's own `virsh hypervisor-cpu-baseline
  --features` of the document, as KubeVirt runs it, for documents of this
  host's QEMU, and from the CPU map's definition of the expansion for the
  others;
- a document whose names cannot be labels gets those labels left out and
  counted, never written;
- -o writes the feature file whole (no hidden file left), as NFD reads it;
- docs/kubernetes/domcaps-nfd.yaml is a DaemonSet that runs domcaps labels
  into the directory NFD reads.

Usage: test_labels.py DOMCAPS     TAP output.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
sys.path.insert(0, common.TESTS)
from tap import check, finish  # noqa: E402

DOMCAPS = os.path.abspath(sys.argv[1])
NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# KubeVirt's default obsoleteCPUModels (pkg/virt-handler/node-labeller)
OBSOLETE = {m + v for m in ("486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270", "core2duo",
                            "Conroe", "athlon", "phenom", "qemu64", "qemu32", "kvm64", "kvm32", "Opteron_G1",
                            "Opteron_G2") for v in ("", "-v1")}


def valid_key(key):
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not all(DNS_LABEL.match(p) for p in prefix.split("."))):
        return False
    return bool(NAME.match(name))


def valid_value(value):
    return value == "" or bool(NAME.match(value))


def kubevirt_labels(doc, features):
    """What KubeVirt's node labeller labels a node with, from this document."""
    out, arch, root = {}, doc.text("arch"), doc.root
    if arch in ("x86_64", "s390x"):
        cpu = root.find("cpu")
        for mode in cpu.findall("mode") if cpu is not None else []:
            for m in mode.findall("model"):
                if m.get("usable") not in (None, "", "no") and m.text not in OBSOLETE:
                    out["cpu-model.node.kubevirt.io/" + m.text] = "true"
                    out["cpu-model-migration.node.kubevirt.io/" + m.text] = "true"
        hm = doc.host_model()
        model = hm.find("model") if hm is not None else None
        if model is not None and model.text:
            if model.text in OBSOLETE:
                out["node-labeller.kubevirt.io/obsolete-host-model"] = "true"
            else:
                out["cpu-model-migration.node.kubevirt.io/" + model.text] = "true"
            out["host-model-cpu.node.kubevirt.io/" + model.text] = "true"
            vendor = hm.findtext("vendor") or ("IBM" if arch == "s390x" else "")
            out["cpu-vendor.node.kubevirt.io/" + vendor] = "true"
            for f in hm.findall("feature"):
                if f.get("policy") == "require" or (arch == "s390x" and f.get("policy") is None):
                    out["host-model-required-features.node.kubevirt.io/" + f.get("name")] = "true"
        for f in features or ():
            out["cpu-feature.node.kubevirt.io/" + f] = "true"
    if doc.text("machine"):
        out["machine-type.node.kubevirt.io/" + doc.text("machine")] = "true"
    sev = root.find("features/sev")
    if sev is not None and sev.get("supported") == "yes":
        out["kubevirt.io/sev"] = "true"
        if int(sev.findtext("maxESGuests") or "0") > 0:
            out["kubevirt.io/sev-es"] = "true"
            ls = root.find("features/launchSecurity")
            if ls is not None and ls.get("supported") == "yes" and \
                    "sev-snp" in [v.text for v in ls.findall("enum/value")]:
                out["kubevirt.io/sev-snp"] = ""
    return out


def domcaps_labels(args):
    p = subprocess.run([DOMCAPS, "labels", "--format", "json"] + args, capture_output=True, text=True, timeout=120)
    return p, (json.loads(p.stdout) if p.returncode == 0 else None)


def check_doc(doc):
    p, got = domcaps_labels(["--caps", doc.path])
    if got is None:
        check(False, f"{doc.name}: domcaps labels", p.stderr)
        return
    labels = got["labels"]
    bad = [f"{k}={v}" for k, v in labels.items() if not valid_key(k) or not valid_value(v)]
    check(labels and not bad, f"{doc.name}: {len(labels)} labels, every key and value valid", "\n".join(bad))
    features, source = common.host_features(doc)
    want = kubevirt_labels(doc, features)
    dropped = {k: v for k, v in want.items() if not valid_key(k) or not valid_value(v)}
    want = {k: v for k, v in want.items() if k not in dropped}
    diff = [f"- {k}={v}" for k, v in sorted(want.items()) if labels.get(k) != v] + \
           [f"+ {k}={v}" for k, v in sorted(labels.items()) if want.get(k) != v]
    n_feat = sum(k.startswith("cpu-feature.") for k in want)
    check(not diff and got["left_out"] == len(dropped),
          f"{doc.name}: KubeVirt's labels ({n_feat} CPU features from {source}, {len(dropped)} left out)",
          "\n".join(diff + [f"left out {got['left_out']}, expected {len(dropped)}"]))


def check_invalid_names(tmp):
    """Names a Kubernetes label cannot hold are left out, never written."""
    path = os.path.join(tmp, "odd.xml")
    with open(path, "w") as f:
        f.write("<domainCapabilities><path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain>"
                "<machine>pc q35/7.2</machine><arch>x86_64</arch><cpu>"
                "<mode name='custom' supported='yes'><model usable='yes'>Good-Model_1.0</model>"
                f"<model usable='yes'>bad model!</model><model usable='yes'>{'L' * 64}</model>"
                "<model usable='yes'>-dash</model></mode></cpu></domainCapabilities>\n")
    p, got = domcaps_labels(["--caps", path])
    labels = got["labels"] if got else {}
    want = {"cpu-model.node.kubevirt.io/Good-Model_1.0": "true",
            "cpu-model-migration.node.kubevirt.io/Good-Model_1.0": "true"}
    check(labels == want and got["left_out"] == 7 and "left out" in p.stderr,
          "names that are not label names (space, '!', 64 characters, leading '-', '/') are left out and counted",
          f"{labels} left_out={got and got['left_out']} {p.stderr}")


def check_feature_file(tmp):
    """-o: the NFD feature file, whole, no temporary left beside it."""
    d = os.path.join(tmp, "features.d")
    os.makedirs(d)
    out = os.path.join(d, "domcaps")
    p = subprocess.run([DOMCAPS, "labels", "--machine", "q35", "-o", out], capture_output=True, text=True)
    lines = open(out).read().splitlines() if os.path.exists(out) else []
    pairs = [l.split("=", 1) for l in lines if l and not l.startswith("#")]
    check(p.returncode == 0 and pairs and all(len(x) == 2 and valid_key(x[0]) and valid_value(x[1]) for x in pairs)
          and sorted(os.listdir(d)) == ["domcaps"],
          f"-o writes a features.d file of {len(pairs)} key=value lines, nothing else in the directory",
          p.stderr + " " + str(os.listdir(d)))
    again = subprocess.run([DOMCAPS, "labels", "--machine", "q35", "-o", out], capture_output=True, text=True)
    check(again.returncode == 0 and open(out).read().splitlines() == lines and sorted(os.listdir(d)) == ["domcaps"],
          "-o again replaces the file with the same labels", again.stderr)


def check_daemonset():
    import yaml
    path = os.path.join(common.TESTS, "..", "docs", "kubernetes", "domcaps-nfd.yaml")
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    ds = next((d for d in docs if d.get("kind") == "DaemonSet"), None)
    spec = ds["spec"]["template"]["spec"] if ds else {}
    mounts = {v["name"]: v.get("hostPath", {}).get("path") for v in spec.get("volumes", [])}
    containers = spec.get("containers", [])
    cmd = " ".join(" ".join(c.get("command", []) + c.get("args", [])) for c in containers)
    kvm = [c for c in containers if "devices.kubevirt.io/kvm" in c.get("resources", {}).get("limits", {})]
    check(ds is not None and "/etc/kubernetes/node-feature-discovery/features.d" in mounts.values()
          and "domcaps labels" in cmd and "-o /etc/kubernetes/node-feature-discovery/features.d/" in cmd and kvm,
          "docs/kubernetes/domcaps-nfd.yaml: a DaemonSet running domcaps labels into NFD's features.d",
          f"{mounts} {cmd}")


def main():
    common.start_libvirt()
    with tempfile.TemporaryDirectory(prefix="domcaps-labels-") as tmp:
        for doc in common.documents(DOMCAPS, tmp):
            check_doc(doc)
        check_invalid_names(tmp)
        check_feature_file(tmp)
    check_daemonset()
    return finish()


if __name__ == "__main__":
    sys.exit(main())
