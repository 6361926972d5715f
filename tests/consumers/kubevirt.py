#!/usr/bin/python3
"""The exact `virsh domcapabilities` command lines of KubeVirt's node
labeller (cmd/virt-launcher/node-labeller/node-labeller.sh) with `domcaps`
in place of `virsh`, on this host:

  - the `--help | grep -q -- '--expand-cpu-features'` and
    `'--supported-cpu-features'` probes find both options;
  - the labeller's lines without the newer options print libvirt 9.0's
    document byte for byte (tests/reference/libvirt-domcaps) with the
    format pinned by DOMCAPS_SCHEMA=9.0 in the environment, and in 11.3's
    format KubeVirt reads from them what it reads from 9.0's;
  - with --expand-cpu-features (libvirt >= 12.2's meaning) the host-model
    CPU is libvirt 9.0's with every feature its model implies written out:
    the required set is exactly (model's features in the CPU map, ancestors
    included) + (9.0's required) - (9.0's disabled), the disabled ones stay;
  - adding --supported-cpu-features keeps all of that (QEMU 7.2 does not
    mask the arch-capabilities features, so nothing is added here);
  - the labeller's pipe into `virsh hypervisor-cpu-baseline --features
    /dev/stdin` reads domcaps' document as it reads libvirt's;
  - and runs with `domcaps hypervisor-cpu-baseline` in place of virsh with
    the host's libvirtd stopped (picked by /proc/PID/root, started again
    afterwards) and no libvirt socket in reach (a mount namespace with an
    empty /run/libvirt), printing virsh's answer byte for byte;
  - the virsh spellings: positional VIRTTYPE EMULATORBIN ARCH MACHINE,
    --opt=value, and the `domcapabilities` word.

Usage: kubevirt.py DOMCAPS     TAP output.
"""
import os
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
DOMCAPS = os.path.abspath(sys.argv[1])
CPU_MAP = "/usr/share/libvirt/cpu_map"

import tap  # noqa: E402
from oracle import ensure_oracle_daemon, find_oracle, run_oracle  # noqa: E402


def sh(cmd, stdin=None):
    """Run a labeller line through bash with `domcaps` on PATH."""
    env = dict(os.environ, PATH=os.path.dirname(DOMCAPS) + ":" + os.environ.get("PATH", ""))
    return subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=env, input=stdin,
                          timeout=600)


def model_features(name):
    """Features of a CPU map model, its ancestors' included (x86 files)."""
    idx = ET.parse(os.path.join(CPU_MAP, "index.xml")).getroot()
    for inc in idx.iter("include"):
        f = inc.get("filename")
        if not f.startswith("x86_"):
            continue
        for m in ET.parse(os.path.join(CPU_MAP, f)).getroot().iter("model"):
            if m.get("name") != name:
                continue
            feats = set()
            for c in m:
                if c.tag == "model":
                    feats |= model_features(c.get("name"))
                elif c.tag == "feature" and c.get("removed") != "yes":
                    feats.add(c.get("name"))
            return feats
    return set()


def kubevirt_reads(doc):
    """What KubeVirt's virt-handler takes from the document (node labels):
    host-model model, fallback, vendor and required features; every mode's
    models with their usable attribute; SEV, s390-pv, TDX."""
    root = ET.fromstring(doc)
    r = {}
    for mode in root.iter("mode"):
        name = mode.get("name")
        r[f"mode {name}"] = mode.get("supported")
        # a set: label per model (newer libvirt lists custom models sorted)
        models = sorted((m.text, m.get("usable"), m.get("fallback")) for m in mode.findall("model"))
        r[f"mode {name} models"] = models
        if name == "host-model":
            v = mode.find("vendor")
            r["host-model vendor"] = v.text if v is not None else None
            r["host-model required"] = sorted(f.get("name") for f in mode.findall("feature")
                                              if f.get("policy") == "require")
    feats = root.find("features")
    for tag in ("sev", "s390-pv", "tdx"):
        el = feats.find(tag) if feats is not None else None
        r[tag] = None if el is None else (el.get("supported"), sorted((c.tag, c.text) for c in el))
    return r


def host_model(doc):
    root = ET.fromstring(doc)
    for mode in root.iter("mode"):
        if mode.get("name") == "host-model":
            if mode.get("supported") != "yes":
                return None
            model = mode.find("model").text
            feats = [(f.get("name"), f.get("policy")) for f in mode.findall("feature")]
            return model, feats
    return None


def check(ok, what, detail=""):
    tap.check(ok, what, detail, lines=30)


def host_libvirtd():
    """The host's libvirtd processes (a chroot's daemon, same name, is not
    the host's: picked by the process's root directory)."""
    pgrep = subprocess.run(["pgrep", "-x", "libvirtd"], capture_output=True, text=True)
    pids = []
    for pid in pgrep.stdout.split():
        try:
            if os.readlink(f"/proc/{pid}/root") == "/":
                pids.append(int(pid))
        except OSError:
            pass
    return pids


def stop_host_libvirtd():
    """SIGTERM to the host's libvirtd until none runs (another program may
    start one again while the last one shuts down); True once none runs."""
    import signal
    import time
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = host_libvirtd()
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in pids):
            time.sleep(0.005)
    return False


NO_SOCKET = "mount -t tmpfs none /run/libvirt && "


def without_daemon(base, machine, arch, virttype, answers):
    """One attempt: the host's libvirtd stopped, the pipes run with
    domcaps alone in a mount namespace whose /run/libvirt is empty (no
    daemon socket to reach, whatever else runs). Returns (the daemon was
    stopped and virsh could not connect from that namespace, the daemon
    stayed stopped throughout, {flags: result})."""
    if not stop_host_libvirtd():
        return None, False, {}
    probe = sh(f"unshare -m sh -c {shlex.quote(NO_SOCKET + 'virsh -c qemu:///system version')}")
    unreachable = probe.returncode != 0 and "Failed to connect" in probe.stderr
    tail = f"domcaps hypervisor-cpu-baseline --features /dev/stdin --machine {machine} --arch {arch} " \
           f"--virttype {virttype}"
    results = {}
    for flags in answers:
        line = f"{NO_SOCKET}domcaps {base}{flags} | {tail}"
        results[flags] = sh(f"unshare -m sh -c {shlex.quote(line)}")
    return unreachable, not host_libvirtd(), results


def labeller_pipe_without_daemon(base, machine, arch, virttype, answers):
    """The labeller's pipe with domcaps on both sides, libvirtd stopped;
    @answers: flags -> virsh's answer for libvirt's own document. Other
    programs on this machine may start the host's daemon again meanwhile
    (the reference does when none runs): the attempt is then repeated, and
    the namespace keeps a restarted daemon out of reach all the same."""
    reference = os.path.join(HERE, "..", "reference", "virsh")
    try:
        for _ in range(4):
            unreachable, stayed_down, results = without_daemon(base, machine, arch, virttype, answers)
            if unreachable and stayed_down:
                break
        check(unreachable, "the host's libvirtd is stopped, and virsh cannot connect where domcaps answers",
              "no moment without the host's libvirtd in 30 s, four times: other programs keep starting it"
              if unreachable is None else "virsh connected from the pipes' namespace")
        if not stayed_down:
            print("# the host's libvirtd was started again by another program meanwhile "
                  "(out of reach of the pipes all the same)")
        for flags, expected in answers.items():
            ours = results.get(flags)
            check(ours is not None and ours.returncode == 0 and ours.stdout == expected and "<model" in ours.stdout,
                  f"no daemon: domcaps {base}{flags} | domcaps hypervisor-cpu-baseline --features: virsh's "
                  f"answer byte for byte ({ours.stdout.count('<feature') if ours else 0} features)",
                  f"domcaps: {ours.stdout[:800] + ours.stderr if ours else 'not run'}\nvirsh: {expected[:800]}")
    finally:
        # start it again for the other tests
        subprocess.run([reference, "version"], capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    check(bool(host_libvirtd()), "the host's libvirtd runs again")


def main():
    oracle = find_oracle()
    ensure_oracle_daemon(oracle)
    arch = os.uname().machine
    machine = {"aarch64": "virt", "s390x": "s390-ccw-virtio"}.get(arch, "q35")
    # The labeller's choice: kvm when /dev/kvm is (made) writable, else qemu.
    virttype = "kvm" if os.path.exists("/dev/kvm") and os.access("/dev/kvm", os.W_OK) else "qemu"

    for opt in ("--expand-cpu-features", "--supported-cpu-features"):
        r = sh(f"domcaps domcapabilities --help 2>&1 | grep -q -- '{opt}'")
        check(r.returncode == 0, f"domcaps domcapabilities --help 2>&1 | grep -q -- '{opt}'")
    r = sh("domcaps domcapabilities --help 2>&1 | grep -q -- '--disable-deprecated-features'")
    check(r.returncode == 0, "--help lists --disable-deprecated-features")

    base = f"domcapabilities --machine {machine} --arch {arch} --virttype {virttype}"
    lines_90 = [
        base,
        "domcapabilities --machine virt --arch aarch64 --virttype qemu" if arch == "x86_64"
        else "domcapabilities --machine q35 --arch x86_64 --virttype qemu",
        # virsh's other spellings of the same queries
        f"domcapabilities {virttype} /usr/bin/qemu-system-{arch} {arch} {machine}",
        f"domcapabilities --virttype={virttype} --arch={arch} --machine={machine}",
        f"domcapabilities --virttype {virttype} /usr/bin/qemu-system-{arch}",
        f"--machine {machine} --arch {arch} --virttype {virttype}",
    ]
    # With --schema, the exact line in 11.3's format (DOMCAPS_SCHEMA=11.3):
    # KubeVirt's reads of it must equal its reads of libvirt 9.0's, and
    # DOMCAPS_SCHEMA=9.0 must print 9.0's bytes.
    schema = "--schema" in sh("domcaps --help").stdout
    pin = "DOMCAPS_SCHEMA=11.3 " if schema else ""
    docs = {}
    for line in lines_90:
        # 11.3's format, asked by the environment: with no option domcaps
        # prints the host's libvirt's (9.0's here); 12.9's adds what KubeVirt
        # rightly reads differently (<tdx>, <s390-pv>), held to libvirt 12.9
        # byte for byte in tests/debian13
        ours = sh(f"{pin}domcaps {line}")
        oline = line.removeprefix("domcapabilities").strip()
        theirs = run_oracle(oracle, oline, shell=True) if oracle else None
        both_ok = theirs is not None and ours.returncode == 0 and theirs.returncode == 0
        detail = f"domcaps: {ours.stderr}\nlibvirt: {theirs.stderr if theirs else 'no oracle'}"
        if schema:
            pinned = sh(f"DOMCAPS_SCHEMA=9.0 domcaps {line}")
            check(both_ok and pinned.stdout.rstrip("\n") == theirs.stdout.rstrip("\n"),
                  f"DOMCAPS_SCHEMA=9.0 domcaps {line} == libvirt 9.0 virsh {line}", detail + pinned.stderr)
            ra = kubevirt_reads(ours.stdout) if both_ok else {}
            rb = kubevirt_reads(theirs.stdout) if both_ok else {}
            diff = "\n".join(f"{k}: domcaps {ra.get(k)} libvirt {rb.get(k)}"
                             for k in sorted(set(ra) | set(rb)) if ra.get(k) != rb.get(k))
            check(both_ok and ra == rb,
                  f"domcaps {line} (11.3's format): what KubeVirt reads == from libvirt 9.0",
                  detail + "\n" + diff)
            docs[line] = ours.stdout
        else:
            check(both_ok and ours.stdout.rstrip("\n") == theirs.stdout.rstrip("\n"),
                  f"domcaps {line} == libvirt 9.0 virsh {line}", detail)
            docs[line] = ours.stdout

    plain = docs[base]
    expanded = sh(f"{pin}domcaps {base} --expand-cpu-features")
    both = sh(f"{pin}domcaps {base} --expand-cpu-features --supported-cpu-features")
    check(expanded.returncode == 0 and both.returncode == 0, f"domcaps {base} --expand-cpu-features "
          "[--supported-cpu-features] succeed", expanded.stderr + both.stderr)
    hm_plain, hm_exp, hm_both = host_model(plain), host_model(expanded.stdout), host_model(both.stdout)
    if hm_plain is None:
        check(hm_exp is None, "host-model unsupported: --expand-cpu-features leaves it so")
    else:
        model, feats = hm_plain
        req = {n for n, p in feats if p == "require"}
        dis = {n for n, p in feats if p == "disable"}
        implied = model_features(model)
        want = (implied | req) - dis
        got_req = {n for n, p in hm_exp[1] if p == "require"}
        got_dis = {n for n, p in hm_exp[1] if p == "disable"}
        check(hm_exp[0] == model, f"--expand-cpu-features keeps the host-model model {model}")
        check(got_req == want,
              f"--expand-cpu-features requires {len(got_req)} features = {len(implied)} of {model} "
              f"+ {len(req)} required - {len(dis)} disabled",
              f"missing {sorted(want - got_req)}\nextra {sorted(got_req - want)}")
        check(got_dis == dis, f"--expand-cpu-features keeps the {len(dis)} disabled features",
              f"{sorted(got_dis ^ dis)}")
        check(len(hm_exp[1]) == len({n for n, _ in hm_exp[1]}), "each feature listed once")
        rest_plain = plain.split("<mode name='host-model'")[0]
        rest_exp = expanded.stdout.split("<mode name='host-model'")[0]
        check(rest_plain == rest_exp and plain.split("<mode name='custom'")[1] ==
              expanded.stdout.split("<mode name='custom'")[1],
              "--expand-cpu-features changes nothing but host-model's features")
        got_both = {n for n, p in hm_both[1] if p == "require"}
        check(got_both >= got_req, f"--supported-cpu-features adds to that: +{len(got_both - got_req)} "
              f"features {sorted(got_both - got_req)}")

    # The labeller pipes the document into virsh hypervisor-cpu-baseline.
    if oracle and shutil.which("virsh") and arch in ("x86_64", "s390x"):
        tail = f"virsh -c qemu:///system hypervisor-cpu-baseline --features /dev/stdin --machine {machine} " \
               f"--arch {arch} --virttype {virttype}"
        answers = {}
        for flags in ("", " --expand-cpu-features --supported-cpu-features"):
            ours = sh(f"domcaps {base}{flags} | {tail}")
            theirs = sh(f"{oracle} {base.removeprefix('domcapabilities')} | {tail}")
            answers[flags] = theirs.stdout
            check(ours.returncode == 0 and ours.stdout == theirs.stdout and "<model" in ours.stdout,
                  f"domcaps {base}{flags} | virsh hypervisor-cpu-baseline --features: same baseline CPU as "
                  f"from libvirt's ({ours.stdout.count('<feature')} features)",
                  f"domcaps: {ours.stdout[:800]}{ours.stderr}\nlibvirt: {theirs.stdout[:800]}{theirs.stderr}")
        if os.geteuid() == 0 and "hypervisor-cpu-baseline" in sh("domcaps --help").stdout:
            labeller_pipe_without_daemon(base, machine, arch, virttype, answers)

    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
