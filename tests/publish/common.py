"""What the labels and traits tests share: the documents they read (from
this host, libvirt's suites, the fleet generator), and the host CPU's
features computed without domcaps (libvirt's own virsh
hypervisor-cpu-baseline --features for documents of this host's QEMU, the
CPU map's definition of the expansion for the others)."""
import glob
import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
DATA = os.path.join(TESTS, "data")
CPU_MAP = "/usr/share/libvirt/cpu_map"
sys.path.insert(0, TESTS)
from oracle import ensure_oracle_daemon, find_oracle  # noqa: E402

VIRSH = os.path.join(TESTS, "reference", "virsh")


class Doc:
    def __init__(self, name, path, local):
        self.name, self.path, self.local = name, path, local
        with open(path) as f:
            self.xml = f.read()
        self.root = ET.fromstring(self.xml)

    def text(self, tag):
        el = self.root.find(tag)
        return el.text if el is not None else None

    def host_model(self):
        for m in self.root.iter("mode"):
            if m.get("name") == "host-model":
                return m
        return None


def documents(domcaps, tmp):
    """Every document the tests read: this host's (probed now, and the
    replay fixtures of its QEMU), libvirt 9.0's and 11.3's suites, and
    generated fleet hosts."""
    docs = []
    live = os.path.join(tmp, "live")
    os.makedirs(live, exist_ok=True)
    for name, args in (("live-kvm-q35", ["--machine", "q35"]), ("live-tcg-q35", ["--machine", "q35", "--virttype",
                                                                                    "qemu"])):
        path = os.path.join(live, name + ".xml")
        with open(path, "w") as f:
            p = subprocess.run([domcaps] + args, stdout=f, stderr=subprocess.PIPE, text=True)
        if p.returncode == 0:
            docs.append(Doc(name, path, True))
        else:
            raise RuntimeError(f"domcaps {' '.join(args)}: {p.stderr}")
    for path in sorted(glob.glob(os.path.join(DATA, "analyze", "caps", "*.xml"))):
        docs.append(Doc("fixture " + os.path.basename(path), path, True))
    suite = os.path.join(tmp, "suite")
    for rel in ("9.0", "11.3"):
        with tarfile.open(os.path.join(DATA, "libvirt-suite", f"libvirt-{rel}.tar.xz")) as t:
            members = [m for m in t.getmembers() if "/domaincapsdata/" in m.name and m.isfile()]
            t.extractall(suite, members=members)
        for path in sorted(glob.glob(os.path.join(suite, rel, "domaincapsdata", "*.xml"))):
            docs.append(Doc(f"libvirt {rel} {os.path.basename(path)}", path, False))
    fleet = os.path.join(tmp, "fleet")
    subprocess.run([sys.executable, os.path.join(TESTS, "fleet", "gen.py"), "--seed", "7", "24", fleet],
                   check=True, capture_output=True)
    for path in sorted(glob.glob(os.path.join(fleet, "*.xml"))):
        docs.append(Doc("generated " + os.path.basename(path), path, False))
    return docs


_models = None


def map_models():
    """x86 model name -> its features, ancestors included (the CPU map)."""
    global _models
    if _models is None:
        raw = {}
        for path in glob.glob(os.path.join(CPU_MAP, "x86_*.xml")):
            for m in ET.parse(path).getroot().iter("model"):
                if len(m):
                    raw[m.get("name")] = m

        def feats(name):
            out = set()
            for c in raw.get(name, []):
                if c.tag == "model":
                    out |= feats(c.get("name"))
                elif c.tag == "feature" and c.get("removed") != "yes":
                    out.add(c.get("name"))
            return out
        _models = {n: feats(n) for n in raw}
    return _models


def virsh_features(doc):
    """libvirt's `virsh hypervisor-cpu-baseline --features` of the document
    (KubeVirt's pipe), its required features; None when virsh refuses."""
    machine = doc.text("machine") or ""
    p = subprocess.run([VIRSH, "hypervisor-cpu-baseline", "--features", doc.path, "--arch", doc.text("arch"),
                        "--virttype", doc.text("domain"), "--machine", machine],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        return None
    cpu = ET.fromstring(p.stdout)
    return {f.get("name") for f in cpu.findall("feature") if f.get("policy") in ("require", None)}


def map_features(doc):
    """The expansion by the CPU map's definition: the model's features and
    the required ones, less the disabled ones; None when the map does not
    know the model (libvirt then refuses too)."""
    hm = doc.host_model()
    if hm is None or hm.get("supported") != "yes" or hm.find("model") is None:
        return None
    model = hm.find("model").text
    if doc.text("arch") not in ("x86_64", "i686"):
        return {f.get("name") for f in hm.findall("feature") if f.get("policy") in ("require", None)}
    if model not in map_models():
        return None
    req = {f.get("name") for f in hm.findall("feature") if f.get("policy") == "require"}
    dis = {f.get("name") for f in hm.findall("feature") if f.get("policy") == "disable"}
    return (map_models()[model] | req) - dis


def host_features(doc):
    """The host CPU's features as KubeVirt and nova get them, and how."""
    if doc.local and doc.text("arch") == "x86_64" and doc.host_model() is not None and \
            doc.host_model().get("supported") == "yes":
        got = virsh_features(doc)
        if got is not None:
            return got, "virsh hypervisor-cpu-baseline --features"
    return map_features(doc), "the CPU map"


def start_libvirt():
    ensure_oracle_daemon(find_oracle())
