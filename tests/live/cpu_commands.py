#!/usr/bin/env python3
"""Live: virsh's CPU commands (cpu-baseline, hypervisor-cpu-baseline,
hypervisor-cpu-compare, cpu-models) through domcaps and through libvirt 9.0
on this host, with the same arguments; standard output, standard error and
exit status must be identical. libvirt is the only oracle: no answer is
written down here.

Inputs (tests/data/cpu-commands, copied from libvirt 9.0's
tests/cputestdata): the 61 real x86 host CPUs alone and in groups (same
vendor, mixed vendors, old and new generations, groups.txt), libvirt's
guest/host CPU definitions and baseline inputs, this host's own host-model
CPU (domcaps' document, KVM and TCG) with features required, forbidden
and left out, every x86 named model, s390x through QEMU, bad and hostile
files (no <cpu>, unknown model/feature/vendor, mixed architectures,
malformed XML, entity bomb, external entity, files a fuzzer mutated),
option and query errors.

One TAP line per kind of check with the count of identical answers; every
difference is printed. --validate of an invalid CPU compares exit status,
standard output and the first two lines of the error (libxml2's RelaxNG
detail lines are matched as far as domcaps knows their wording; the
number of those matching is reported, not required).

Usage: cpu_commands.py DOMCAPS_BINARY DATA_DIR
Environment: DOMCAPS_VIRSH (default: virsh -c qemu:///system, its daemon
started through tests/reference/virsh).
"""
import concurrent.futures
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from tap import check, finish  # noqa: E402

REFERENCE = os.path.join(os.path.dirname(HERE), "reference", "virsh")


def run(cmd, stdin=None):
    p = subprocess.run(cmd, capture_output=True, text=True, errors="surrogateescape", timeout=300, input=stdin,
                       stdin=None if stdin is not None else subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


class Harness:
    def __init__(self, domcaps, tmp):
        self.domcaps = domcaps
        self.tmp = tmp
        self.virsh = shlex.split(os.environ.get("DOMCAPS_VIRSH", "virsh -c qemu:///system"))
        self.groups = {}   # check name -> [(args, same, detail)]

    def answers(self, args, stdin=None):
        return run([self.domcaps] + args, stdin), run(self.virsh + args, stdin)

    def compare(self, kind, args, loose=False, stdin=None):
        """Queue one comparison under check @kind."""
        self.groups.setdefault(kind, []).append((list(args), loose, stdin))

    def file(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        return path

    def judge(self, args, loose, stdin):
        ours, theirs = self.answers(args, stdin)
        if loose:
            # Schema errors: the first two lines are libvirt's wording,
            # the detail lines libxml2's RelaxNG validator's.
            same = ours[:2] == theirs[:2] and ours[2].splitlines()[:2] == theirs[2].splitlines()[:2]
            exact = ours == theirs
        else:
            same = exact = ours == theirs
        detail = ""
        if not same:
            detail = (f"args: {shlex.join(args)}\n"
                      f"domcaps exit {ours[0]}, virsh exit {theirs[0]}\n"
                      f"domcaps stdout: {ours[1]!r}\nvirsh stdout:   {theirs[1]!r}\n"
                      f"domcaps stderr: {ours[2]!r}\nvirsh stderr:   {theirs[2]!r}")
        return same, exact, detail

    def run_all(self):
        total = same_total = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for kind, cases in self.groups.items():
                results = list(pool.map(lambda c: self.judge(*c), cases))
                same = sum(1 for r in results if r[0])
                exact = sum(1 for r in results if r[1])
                total += len(cases)
                same_total += same
                what = f"{kind}: {same}/{len(cases)} answers identical to virsh"
                if any(c[1] for c in cases):
                    what += f" ({exact}/{len(cases)} with every detail line)"
                check(same == len(cases), what, "\n\n".join(r[2] for r in results if r[2]), lines=60)
        print(f"# total: {same_total}/{total} answers identical to virsh")


def unwrapped(path):
    """libvirt's baseline inputs wrap their CPUs in <cpuTest>, which virsh
    does not read: the CPUs alone, one after another."""
    text = open(path).read()
    return re.sub(r"</?cpuTest>\n?", "", text)


def queue_hosts(h, data):
    hosts = sorted(os.path.join(data, "hosts", f) for f in os.listdir(os.path.join(data, "hosts")))
    for f in hosts:
        for flags in ([], ["--features"], ["--migratable"], ["--features", "--migratable"]):
            h.compare("cpu-baseline, one host CPU", ["cpu-baseline", f] + flags)
        for vt in ("kvm", "qemu"):
            for flags in ([], ["--features"], ["--migratable"]):
                h.compare(f"hypervisor-cpu-baseline {vt}, one host CPU",
                          ["hypervisor-cpu-baseline", f, "--virttype", vt] + flags)
            h.compare(f"hypervisor-cpu-compare {vt}, host CPUs", ["hypervisor-cpu-compare", f, "--virttype", vt])
            h.compare(f"hypervisor-cpu-compare {vt} --error, host CPUs",
                      ["hypervisor-cpu-compare", f, "--virttype", vt, "--error"])
    return hosts


def queue_groups(h, data):
    for line in open(os.path.join(data, "groups.txt")):
        line = line.split("#")[0].strip()
        if not line:
            continue
        name, members = line.split(":", 1)
        text = "".join(open(os.path.join(data, "hosts", m)).read() for m in members.split())
        f = h.file(f"group-{name}.xml", text)
        for flags in ([], ["--features"], ["--migratable"]):
            h.compare("cpu-baseline, groups of host CPUs", ["cpu-baseline", f] + flags)
            for vt in ("kvm", "qemu"):
                h.compare("hypervisor-cpu-baseline, groups of host CPUs",
                          ["hypervisor-cpu-baseline", f, "--virttype", vt] + flags)


def queue_guests(h, data):
    for name in sorted(os.listdir(os.path.join(data, "guests"))):
        path = os.path.join(data, "guests", name)
        f = h.file("unwrapped-" + name, unwrapped(path))
        h.compare("cpu-baseline, libvirt's CPU definitions", ["cpu-baseline", f])
        h.compare("cpu-baseline --features, libvirt's CPU definitions", ["cpu-baseline", f, "--features"])
        h.compare("cpu-baseline, <cpuTest> files as libvirt ships them", ["cpu-baseline", path])
        for vt in ("kvm", "qemu"):
            h.compare(f"hypervisor-cpu-baseline {vt}, libvirt's CPU definitions",
                      ["hypervisor-cpu-baseline", f, "--virttype", vt])
            for flags in ([], ["--error"], ["--validate"]):
                h.compare(" ".join([f"hypervisor-cpu-compare {vt}"] + flags) + ", libvirt's CPU definitions",
                          ["hypervisor-cpu-compare", f, "--virttype", vt] + flags, loose=flags == ["--validate"])


def queue_decoded(h, data):
    """libvirt's decodes of those 61 CPUs: as guest CPUs (9.0's
    x86_64-cpuid-*-guest.xml), and 11.3's host and guest CPUs, decoded with
    its newer CPU map (features the 9.0 map lacks among them)."""
    for sub, label in (("guests-cpuid", "libvirt 9.0's guest decodes"),
                       ("libvirt-11.3", "libvirt 11.3's host and guest decodes")):
        d = os.path.join(data, sub)
        for name in sorted(os.listdir(d)):
            f = os.path.join(d, name)
            h.compare(f"cpu-baseline, {label}", ["cpu-baseline", f])
            for vt in ("kvm", "qemu"):
                h.compare(f"hypervisor-cpu-compare {vt}, {label}", ["hypervisor-cpu-compare", f, "--virttype", vt])
            h.compare(f"hypervisor-cpu-baseline --features, {label}", ["hypervisor-cpu-baseline", f, "--features"])


def host_model(h, vt):
    """This host's domain capabilities (domcaps' document), whose supported
    host-model is the CPU the hypervisor provides."""
    rc, out, err = run([h.domcaps, "--schema", "9.0", "--virttype", vt])
    if rc != 0:
        raise SystemExit(f"domcaps --virttype {vt} failed: {err}")
    return out


def host_model_variants(caps):
    """The host-model CPU of @caps as a guest CPU, and variants of it: a
    feature required that it lacks or disabled, one it requires forbidden,
    one left out, strict matching."""
    mode = re.search(r"<mode name='host-model' supported='yes'>(.*?)</mode>", caps, re.S)
    if not mode:
        return {}
    body = re.sub(r"\s*<maxphysaddr[^>]*/>", "", mode.group(1))
    required = re.findall(r"<feature policy='require' name='([^']+)'/>", body)
    disabled = re.findall(r"<feature policy='disable' name='([^']+)'/>", body)
    cpu = lambda attrs, inner: f"<cpu{attrs}>{inner}\n</cpu>\n"  # noqa: E731
    variants = {"as-is": cpu(" mode='custom' match='exact'", body),
                "strict": cpu(" mode='custom' match='strict'", body),
                "minimum": cpu(" mode='custom' match='minimum'", body)}
    for f in ["svm", "avx512f", "vmx", "sha-ni", "3dnow"] + disabled[:3]:
        if f not in required:
            extra = re.sub(rf"\s*<feature policy='disable' name='{re.escape(f)}'/>", "", body)
            variants[f"require-{f}"] = cpu("", extra + f"\n  <feature policy='require' name='{f}'/>")
    for f in required[:3] + required[-2:]:
        forbidding = body.replace(f"<feature policy='require' name='{f}'/>", f"<feature policy='forbid' name='{f}'/>")
        variants[f"forbid-{f}"] = cpu("", forbidding)
        variants[f"without-{f}"] = cpu("", body.replace(f"<feature policy='require' name='{f}'/>", ""))
        variants[f"optional-{f}"] = cpu("", body.replace(f"policy='require' name='{f}'", f"policy='optional' name='{f}'"))
    return variants


def queue_host_model(h):
    for vt in ("kvm", "qemu"):
        caps = host_model(h, vt)
        f = h.file(f"domcaps-{vt}.xml", caps)
        for other in ("kvm", "qemu"):
            h.compare("hypervisor-cpu-compare, this host's host-model CPU (domain capabilities)",
                      ["hypervisor-cpu-compare", f, "--virttype", other])
            for flags in ([], ["--features"], ["--features", "--migratable"]):
                h.compare("hypervisor-cpu-baseline, this host's host-model CPU (domain capabilities)",
                          ["hypervisor-cpu-baseline", f, "--virttype", other] + flags)
        for name, text in host_model_variants(caps).items():
            v = h.file(f"host-model-{vt}-{name}.xml", text)
            for flags in ([], ["--error"]):
                h.compare(f"hypervisor-cpu-compare {vt}, host-model with features required/forbidden/left out",
                          ["hypervisor-cpu-compare", v, "--virttype", vt] + flags)


def queue_models(h):
    rc, out, _ = run(h.virsh + ["cpu-models", "x86_64"])
    models = [m for m in out.split("\n") if m]
    for m in models:
        f = h.file(f"model-{m}.xml", f"<cpu>\n  <model>{m}</model>\n</cpu>\n")
        for vt in ("kvm", "qemu"):
            h.compare(f"hypervisor-cpu-compare {vt}, every named x86 model", ["hypervisor-cpu-compare", f, "--virttype", vt])
            h.compare(f"hypervisor-cpu-baseline {vt} --model, every named x86 model",
                      ["hypervisor-cpu-baseline", "--model", m, "--virttype", vt])
    for arch in ("x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x", "riscv64", "sparc", "bogus"):
        h.compare("cpu-models", ["cpu-models", arch])


def queue_s390(h):
    cpus = {"z13": "<cpu><model>z13</model></cpu>",
            "pair": "<cpu><model>z13</model></cpu><cpu><model>z14</model><feature policy='disable' name='vx'/></cpu>",
            "old": "<cpu><model>z900</model></cpu><cpu><model>z13-base</model></cpu>",
            "unknown": "<cpu><model>z99</model></cpu>",
            "nomodel": "<cpu><feature name='vx'/></cpu>"}
    for name, text in cpus.items():
        f = h.file(f"s390-{name}.xml", text)
        for flags in ([], ["--features"]):
            h.compare("hypervisor-cpu-baseline s390x (QEMU computes)",
                      ["hypervisor-cpu-baseline", f, "--arch", "s390x", "--virttype", "qemu"] + flags)
        h.compare("hypervisor-cpu-compare s390x", ["hypervisor-cpu-compare", f, "--arch", "s390x"])


# Bad files: what each says to both tools.
BAD_FILES = {
    "empty": "",
    "no-cpu": "<domain type='kvm'><name>x</name></domain>\n",
    "text": "hello\n",
    "unknown-model": "<cpu><arch>x86_64</arch><model>Bogus</model></cpu>",
    "unknown-feature": "<cpu><arch>x86_64</arch><model>Westmere</model><feature name='bogus'/></cpu>",
    "unknown-vendor": "<cpu><arch>x86_64</arch><model>Westmere</model><vendor>Bogus</vendor></cpu>",
    "vendor-mismatch": "<cpu><arch>x86_64</arch><model>EPYC</model><vendor>Intel</vendor></cpu>"
                       "<cpu><arch>x86_64</arch><model>Westmere</model><vendor>Intel</vendor></cpu>",
    "mixed-arch": "<cpu><arch>x86_64</arch><model>Westmere</model></cpu>"
                  "<cpu><arch>aarch64</arch><model>cortex-a57</model></cpu>",
    "mixed-arch-arm-first": "<cpu><arch>aarch64</arch><model>cortex-a57</model></cpu>"
                            "<cpu><arch>x86_64</arch><model>Westmere</model></cpu>",
    "ppc-and-x86": "<cpu><arch>ppc64</arch><model>POWER8</model></cpu>"
                   "<cpu><arch>x86_64</arch><model>Westmere</model></cpu>",
    "s390-host": "<cpu><arch>s390x</arch><model>z13</model></cpu>",
    "riscv-host": "<cpu><arch>riscv64</arch><model>rv64</model></cpu>",
    "no-arch": "<cpu><model>Westmere</model></cpu>",
    "no-model": "<cpu><arch>x86_64</arch></cpu>",
    "unknown-arch": "<cpu><arch>bogus</arch><model>Westmere</model></cpu>",
    "duplicate-feature": "<cpu><model>Westmere</model><feature name='vme'/><feature name='vme'/></cpu>",
    "bad-policy": "<cpu><model>Westmere</model><feature policy='maybe' name='vme'/></cpu>",
    "bad-mode": "<cpu mode='bogus'><model>Westmere</model></cpu>",
    "bad-topology": "<cpu><model>Westmere</model><topology sockets='0' cores='1' threads='1'/></cpu>",
    "features-no-model": "<cpu><feature name='vme'/></cpu>",
    "host-mode": "<cpu mode='host-model'><arch>x86_64</arch><model>Westmere</model></cpu>",
    "arch-and-match": "<cpu match='exact'><arch>x86_64</arch><model>Westmere</model></cpu>",
    "incompatible": "<cpu><arch>x86_64</arch><model>486</model><feature name='vme'/></cpu>"
                    "<cpu><arch>x86_64</arch><model>pentium</model><feature name='svm'/></cpu>",
    "mismatch": "<cpu><model>Westmere</model>\n",
    "unclosed": "<cpu>\n  <model>Westmere</model>\n  <feature name='vme'/\n</cpu>\n",
    "undefined-entity": "<cpu><model>&foo;</model></cpu>",
    "bad-attr": "<cpu a=b/>",
    "duplicate-attr": "<cpu x='1' x='2'/>",
    "bad-char": "<cpu>\x01</cpu>",
    "bad-utf8": "<cpu>\udcff\udcfe</cpu>",
    "cdata-end": "<cpu>]]></cpu>",
    "comment-hyphens": "<cpu><!-- a -- b --></cpu>",
    "open-comment": "<cpu><!-- a ",
    "open-cdata": "<cpu><![CDATA[ x ",
    "late-xml-decl": "\n<?xml version='1.0'?><cpu/>",
    "bad-charref": "<cpu>&#xZZ;</cpu>",
    "lt-in-attr": "<cpu a='x\"/>",
    "extra-content": "</container><x/>",
    "entity-bomb": "<!DOCTYPE cpu [\n<!ENTITY a \"aaaaaaaaaa\">\n<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
                   "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n]>\n<cpu><arch>x86_64</arch><model>&c;</model></cpu>\n",
    "entity-bomb-after-decl": "<?xml version='1.0'?>\n<!DOCTYPE cpu [<!ENTITY a \"aa\">]>\n<cpu>&a;</cpu>\n",
    "external-entity": "<!DOCTYPE cpu [\n<!ENTITY x SYSTEM \"file:///etc/hostname\">\n]>\n"
                       "<cpu><arch>x86_64</arch><model>&x;</model></cpu>\n",
    "namespaced": "<a:cpu xmlns:a='urn:x'><arch>x86_64</arch><model>Westmere</model></a:cpu>",
    "default-namespace": "<cpu xmlns='urn:x'><arch>x86_64</arch><model>Westmere</model></cpu>",
    "pi-inside": "<cpu><?foo bar?><arch>x86_64</arch><model>Westmere</model></cpu>",
    "comment-after": "<cpu><arch>x86_64</arch><model>Westmere</model></cpu><!-- c -->",
    "xml-decl": "<?xml version='1.0' encoding='UTF-8'?>\n<cpu><arch>x86_64</arch><model>Westmere</model></cpu>",
    "schema-unknown-element": "<cpu><model>Westmere</model><foo/></cpu>",
    "schema-feature-no-policy": "<cpu><model>kvm64</model><feature name='pni'/></cpu>",
    "schema-bad-arch": "<cpu><arch>bogus</arch><model>kvm64</model></cpu>",
    "schema-bad-fallback": "<cpu check='partial'><model fallback='bad'>kvm64</model></cpu>",
    "schema-host-unknown-element": "<cpu><arch>x86_64</arch><model>kvm64</model><foo/></cpu>",
    "schema-bad-feature-name": "<cpu><model>kvm64</model><feature policy='require' name='a b'/></cpu>",
    "schema-maxphysaddr-limit": "<cpu><model>kvm64</model><maxphysaddr mode='passthrough' limit='39'/></cpu>",
    "domcaps-unsupported": "<domainCapabilities><cpu><mode name='host-model' supported='no'/></cpu></domainCapabilities>",
}


def queue_bad(h):
    for name, text in BAD_FILES.items():
        f = h.file(f"bad-{name}.xml", text)
        h.compare("cpu-baseline, bad and hostile files", ["cpu-baseline", f])
        h.compare("hypervisor-cpu-baseline, bad and hostile files", ["hypervisor-cpu-baseline", f])
        h.compare("hypervisor-cpu-compare, bad and hostile files", ["hypervisor-cpu-compare", f])
        h.compare("hypervisor-cpu-compare --validate, bad and hostile files",
                  ["hypervisor-cpu-compare", f, "--validate"], loose=True)
    for path in ("/nonexistent.xml", "/tmp", "/dev/null"):
        h.compare("unreadable files", ["cpu-baseline", path])
        h.compare("unreadable files", ["hypervisor-cpu-compare", path])
    host = os.path.join(h.tmp, "bad-no-arch.xml")
    h.compare("/dev/stdin", ["hypervisor-cpu-baseline", "--features", "/dev/stdin"], stdin=open(host).read())
    h.compare("/dev/stdin", ["cpu-baseline", "/dev/stdin"], stdin=BAD_FILES["mixed-arch"])


def queue_mutated(h, data):
    """Files libFuzzer made from the seeds of fuzz/corpus/fuzz-cpu-xml:
    mostly not well-formed, each error in its own place."""
    d = os.path.join(data, "mutated")
    for name in sorted(os.listdir(d)):
        h.compare("cpu-baseline, fuzzer-mutated files", ["cpu-baseline", os.path.join(d, name)])


def queue_options(h):
    f = os.path.join(h.tmp, "bad-no-arch.xml")
    lines = [
        "cpu-baseline", "cpu-baseline a b", "cpu-baseline --file", "cpu-baseline --foo x",
        f"cpu-baseline --features=yes {f}", f"cpu-baseline --file {f} --file {f}", "cpu-baseline ''",
        f"cpu-baseline --file= ", f"cpu-baseline -- {f}", f"cpu-baseline --file={f} --migratable",
        "hypervisor-cpu-baseline", f"hypervisor-cpu-baseline --model Westmere {f}",
        "hypervisor-cpu-baseline --model Westmere", "hypervisor-cpu-baseline --model '<bad'",
        "hypervisor-cpu-baseline --model 'a&b'", f"hypervisor-cpu-baseline {f} kvm",
        f"hypervisor-cpu-baseline {f} qemu /usr/bin/qemu-system-x86_64 x86_64 q35",
        f"hypervisor-cpu-baseline {f} qemu /usr/bin/qemu-system-x86_64 x86_64 q35 extra",
        "hypervisor-cpu-compare", f"hypervisor-cpu-compare {f} --error=1", f"hypervisor-cpu-compare --virttype '' {f}",
        "cpu-models", "cpu-models x86_64 extra", "cpu-models --arch=",
    ]
    for line in lines:
        h.compare("option parsing", shlex.split(line))
    queries = ["--machine foo", "--machine q35", "--machine pc", "--virttype foo", "--arch foo",
               "--emulator /nonexistent", "--emulator /tmp", "--emulator /etc/hostname",
               "--arch aarch64 --virttype kvm", "--emulator /usr/bin/qemu-system-aarch64 --arch x86_64",
               "--arch aarch64", "--arch ppc64", "--arch s390x --virttype kvm", "--arch sparc64", "--arch i686",
               "--arch i686 --virttype qemu", "--virttype xen", "--virttype hvf", "--virttype none",
               "--virttype lxc --arch aarch64", "--emulator /usr/bin/qemu-system-i386",
               "--emulator /usr/bin/qemu-system-x86_64 --arch i686", "--arch riscv64", "--arch armv7l"]
    for q in queries:
        for cmd in ("hypervisor-cpu-baseline", "hypervisor-cpu-compare"):
            h.compare("query errors (emulator, arch, machine, virttype)", [cmd, f] + shlex.split(q))


def main():
    domcaps, data = sys.argv[1], sys.argv[2]
    # The reference: Debian's libvirt, its daemon started when none runs.
    run([REFERENCE, "version"])
    with tempfile.TemporaryDirectory(prefix="domcaps-cpu-") as tmp:
        h = Harness(domcaps, tmp)
        queue_bad(h)   # first: the option checks use its files
        queue_hosts(h, data)
        queue_groups(h, data)
        queue_guests(h, data)
        queue_decoded(h, data)
        queue_host_model(h)
        queue_models(h)
        queue_s390(h)
        queue_options(h)
        queue_mutated(h, data)
        h.run_all()
    return finish()


if __name__ == "__main__":
    sys.exit(main())
