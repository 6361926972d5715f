#!/usr/bin/python3
"""`domcaps check` against libvirt 9.0 itself, domain by domain.

Every domain of domains.py is checked by domcaps and then defined and
started paused by the host's libvirt (tests/reference/virsh starts its
daemon, virtlogd too), destroyed and undefined; the verdicts must be the
same: "fits" exactly when libvirt defined and started it. Names are unique
to the run, disk images are small sparse files in a scratch directory, and
whatever libvirt made for a domain (NVRAM, TPM state, logs) is removed with
it; at the end no domain of the run is left.

Runs under Debian's python3 (its libvirt binding). Prints TAP, one line per
domain, then the agreement per class.

    run.py DOMCAPS [--jobs N] [--only CLASS[,CLASS]] [--save FILE] [--replay FILE] [--progress FILE]

--save writes libvirt's verdicts (and errors) to FILE; --replay takes them
from FILE instead of asking libvirt (for working on the rules: it is not a
test of anything new); --progress appends each verdict to FILE as it comes.
"""
import argparse
import collections
import concurrent.futures
import glob
import json
import os
import shutil
import subprocess
import sys
import re
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import domains as gen  # noqa: E402
from tap import check, finish  # noqa: E402

REFERENCE = os.path.join(os.path.dirname(HERE), "reference", "virsh")


def host_facts(domcaps, env):
    """This host's CPU models (usable and blocked) and host-model features per type."""
    facts = {}
    for virt in ("kvm", "qemu"):
        out = subprocess.run([domcaps, "--virttype", virt, "--machine", "q35"], capture_output=True, text=True,
                             env=env, check=True).stdout
        root = ET.fromstring(out)
        usable, blocked = [], []
        for m in root.findall("./cpu/mode[@name='custom']/model"):
            (usable if m.get("usable") == "yes" else blocked).append(m.text)
        feats = [f.get("name") for f in root.findall("./cpu/mode[@name='host-model']/feature")
                 if f.get("policy") == "require"]
        facts[virt] = {"usable": usable, "blocked": blocked, "features": feats or ["x2apic", "hypervisor"]}
    return facts


class Libvirt:
    """The host's libvirt: define, start paused, destroy, undefine.

    Other tests on the machine may restart the daemon under us: a lost
    connection is opened again (the reference script starts a daemon when
    none runs) and the domain tried from the start."""

    LOST = ("client socket is closed", "Cannot recv data", "Cannot write data", "no connection driver",
            "Failed to connect socket", "End of file while reading data")

    def __init__(self):
        import libvirt
        self.lv = libvirt
        libvirt.registerErrorHandler(lambda *_: None, None)
        self.lock = threading.Lock()
        self.conn = None
        self.reconnect(None)

    def reconnect(self, broken):
        with self.lock:
            if self.conn is not None and self.conn is not broken:
                return
            for attempt in range(10):
                # the reference script starts a daemon when none runs
                started = subprocess.run([REFERENCE, "version"], capture_output=True).returncode == 0
                try:
                    if started:
                        self.conn = self.lv.open("qemu:///system")
                        return
                except self.lv.libvirtError:
                    pass
                time.sleep(1 + attempt)
            raise RuntimeError("cannot connect to libvirt's daemon")

    def remove_stale(self):
        """Domains an earlier run of this test left behind when it was killed
        (dcvPID- names whose process is gone)."""
        for d in self.conn.listAllDomains():
            m = re.match(r"dcv(\d+)-", d.name())
            if m and not os.path.exists(f"/proc/{m.group(1)}"):
                self.remove(d.name(), d)

    def lost(self, err):
        return any(s in (err.get_error_message() or "") for s in self.LOST)

    # Failures of the machinery, not of the domain (another test's daemon or
    # chroot moving cgroups under us): the domain is tried again.
    # A VNC port taken between libvirt's choice and QEMU's bind (another
    # daemon on the machine, a chroot's or a differential test's) is one too.
    TRANSIENT = ("/cgroup", "monitor socket did not show up", "Timed out during operation",
                 "already exists with uuid", "Failed to find an available port")

    def verdict(self, name, xml):
        for _ in range(5):
            conn = self.conn
            try:
                # what an attempt cut short by a lost connection left
                # defined is the run's own: removed before trying again
                self.remove(name, None)
                ok, why = self.attempt(conn, name, xml)
                if not ok and any(t in why for t in self.TRANSIENT):
                    time.sleep(1)
                    continue
                return ok, why
            except self.lv.libvirtError as e:
                if not self.lost(e):
                    raise
                time.sleep(1)
                self.reconnect(conn)
        raise RuntimeError("libvirt's daemon keeps going away")

    def attempt(self, conn, name, xml):
        lv = self.lv
        dom = None
        try:
            try:
                dom = conn.defineXML(xml)
            except lv.libvirtError as e:
                if self.lost(e):
                    raise
                return False, "define: " + e.get_error_message()
            try:
                dom.createWithFlags(lv.VIR_DOMAIN_START_PAUSED)
            except lv.libvirtError as e:
                if self.lost(e):
                    raise
                return False, "start: " + e.get_error_message()
            return True, ""
        finally:
            try:
                self.remove(name, dom)
            except lv.libvirtError:
                pass

    def remove(self, name, dom):
        lv = self.lv
        if dom is None:
            try:
                dom = self.conn.lookupByName(name)
            except lv.libvirtError:
                dom = None
        # destroy and undefine, again while the domain is still there (a
        # daemon busy with others' tests may refuse once)
        for attempt in range(3):
            if dom is None:
                break
            try:
                if dom.isActive():
                    dom.destroy()
            except lv.libvirtError:
                pass
            try:
                dom.undefineFlags(lv.VIR_DOMAIN_UNDEFINE_NVRAM | lv.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                  lv.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                                  lv.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)
            except lv.libvirtError:
                pass
            try:
                dom = self.conn.lookupByName(name)
                time.sleep(0.5 * (attempt + 1))
            except lv.libvirtError:
                dom = None
        for pattern in (f"/var/log/libvirt/qemu/{name}.log*", f"/var/log/swtpm/libvirt/qemu/{name}-swtpm.log*",
                        f"/var/lib/libvirt/qemu/nvram/{name}_VARS.fd", f"/var/lib/libvirt/qemu/channel/target/*{name}*"):
            for path in glob.glob(pattern):
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)

    def leftovers(self, prefix):
        return [d.name() for d in self.conn.listAllDomains() if d.name().startswith(prefix)]


def domcaps_verdict(domcaps, path, env):
    proc = subprocess.run([domcaps, "check", path], capture_output=True, text=True, env=env, timeout=120)
    if proc.returncode not in (0, 2):
        return None, f"exit {proc.returncode}: {proc.stderr.strip()}"
    return proc.returncode == 0, proc.stdout.strip()


def materialize(d, prefix, scratch):
    name = f"{prefix}{d.key}"
    xml = d.xml.replace("@NAME@", name).replace("@DIR@", scratch)
    path = os.path.join(scratch, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    with open(os.path.join(scratch, name + "-0.raw"), "wb") as f:
        f.truncate(1 << 20)
    return name, xml, path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("domcaps")
    # Most of a domain's time is waiting (libvirt starting QEMU paused, its
    # monitor, virtlogd): four at a time take half the time two do on two
    # cores (docs/testing.md).
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--progress", help="append each verdict to this file as it comes (a long run's state)")
    ap.add_argument("--only")
    ap.add_argument("--save")
    ap.add_argument("--replay")
    args = ap.parse_args()

    scratch = tempfile.mkdtemp(prefix="dc-check-vs-libvirt-")
    os.chmod(scratch, 0o755)
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(scratch, "cache"))
    prefix = f"dcv{os.getpid()}-"
    recorded = json.load(open(args.replay)) if args.replay else None
    lv = None if recorded else Libvirt()
    if lv:
        lv.remove_stale()
    todo = gen.domains(host_facts(args.domcaps, env))
    # A definition generated twice (two classes reaching the same domain)
    # is asked once: the same XML gets the same verdicts.
    seen = {}
    for d in todo:
        seen.setdefault(d.xml, d)
    if len(seen) < len(todo):
        print(f"# {len(todo) - len(seen)} duplicate definitions asked once: "
              + ", ".join(d.key for d in todo if seen[d.xml] is not d))
        todo = list(seen.values())
    if args.only:
        classes = set(args.only.split(","))
        todo = [d for d in todo if d.cls in classes]

    def one(d):
        name, xml, path = materialize(d, prefix, scratch)
        mine, lines = domcaps_verdict(args.domcaps, path, env)
        try:
            theirs, why = recorded[d.key] if recorded is not None else lv.verdict(name, xml)
        except Exception as e:  # reported as this domain's failure, the run goes on
            theirs, why = "unknown", f"libvirt could not be asked: {e}"
        return d, mine, lines, theirs, why

    per_class = collections.defaultdict(lambda: [0, 0])
    saved = {}
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for d, mine, lines, theirs, why in pool.map(one, todo):
                if theirs != "unknown":
                    saved[d.key] = [theirs, why]
                same = mine == theirs
                if args.progress:
                    with open(args.progress, "a") as p:
                        p.write(f"{'ok' if same else 'not ok'} {d.key}\n")
                per_class[d.cls][0] += same
                per_class[d.cls][1] += 1
                word = {True: "fits", False: "does not fit", None: "error", "unknown": "unknown"}
                check(same, f"{d.key}: libvirt {word[theirs]}, domcaps {word[mine]}",
                      f"libvirt: {why or 'defined and started'}\ndomcaps: {lines}\n" +
                      open(os.path.join(scratch, prefix + d.key + ".xml")).read(), lines=60)
    finally:
        if lv:
            left = lv.leftovers(prefix)
            for name in left:
                lv.remove(name, None)
            check(not left, "no domain of the run is left in libvirt", " ".join(left))
        shutil.rmtree(scratch, ignore_errors=True)
    if args.save:
        with open(args.save, "w") as f:
            json.dump(saved, f, indent=0, sort_keys=True)
    total = sum(v[1] for v in per_class.values())
    agree = sum(v[0] for v in per_class.values())
    for cls, (a, n) in sorted(per_class.items()):
        print(f"# {cls}: {a}/{n}")
    print(f"# agreement: {agree}/{total}")
    check(total >= 300 or args.only, f"at least 300 domains ({total})")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
