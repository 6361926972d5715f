#!/usr/bin/env python3
"""The Ansible collection (ansible/) with Debian's ansible package, against
two real hosts on this machine: this Debian 12 host (local connection) and
a Debian 13 chroot (community.general's chroot connection), each running
its own domcaps on its own QEMU (7.2 and 10.0).

The chroot is tests/debian13's (compare.py: debootstrap trixie, QEMU 10.0,
libvirt 11.3, domcaps built inside from this checkout; kept as
BUILD/debian13/trixie.tar.zst), under the same lock, guard and cleanup.

The playbook (domcaps.fleet's gather.yml, role fleet) must write on the
controller, for the q35 machine:
- each host's document (hosts/NAME.xml) as domcaps prints it on that host
  by hand, and its facts (hosts/NAME.json) as domcaps --format json prints
  them: each host probed its own QEMU;
- fleet.xml equal to `domcaps intersect` of the two documents made by hand;
- fleet-cpu.xml equal to `domcaps intersect --cpu` of them (or, when the
  hosts have no CPU in common, fleet-cpu.txt with its message);
- fleet-table.txt equal to `domcaps matrix --differences --caps` of them,
  and fleet-table.html.

Needs root (chroot, mounts), /dev/kvm, the ansible package, and the network
when no trixie tarball is there yet. Prints TAP.
Usage: test_ansible.py BUILD_DIR SOURCE_DIR DOMCAPS
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "debian13"))
import compare as trixie  # noqa: E402
from tap import check, finish  # noqa: E402

QUERY = {"machine": "q35"}


def inventory(path, root, domcaps):
    with open(path, "w") as f:
        f.write("[fleet]\n"
                f"debian12 ansible_connection=local ansible_python_interpreter=/usr/bin/python3 "
                f"domcaps_fleet_domcaps={domcaps}\n"
                f"debian13 ansible_connection=community.general.chroot ansible_host={root} "
                f"ansible_python_interpreter=/usr/bin/python3 domcaps_fleet_domcaps={trixie.DOMCAPS_IN}\n")


def ansible_env(tmp, src):
    """The collection from this checkout on the collections path
    (ansible_collections/domcaps/fleet), Debian's collections found as
    installed; nothing read from or written to the user's configuration."""
    coll = os.path.join(tmp, "collections", "ansible_collections", "domcaps")
    os.makedirs(coll)
    os.symlink(os.path.join(src, "ansible"), os.path.join(coll, "fleet"))
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(tmp, "collections"), HOME=tmp,
                ANSIBLE_CONFIG=os.path.join(tmp, "none.cfg"), ANSIBLE_LOCAL_TEMP=os.path.join(tmp, "ansible-tmp"),
                ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_STDOUT_CALLBACK="default")


def by_hand(root, domcaps, out):
    """The two hosts' documents and facts, made by hand on each host."""
    os.makedirs(out)
    q = [a for k, v in QUERY.items() for a in ("--" + k, v)]
    for name, run in (("debian12", lambda a: trixie.run([domcaps] + a)),
                      ("debian13", lambda a: trixie.in_chroot(root, [trixie.DOMCAPS_IN] + a))):
        for ext, extra in (("xml", []), ("json", ["--format", "json"])):
            with open(os.path.join(out, f"{name}.{ext}"), "w") as f:
                f.write(run(q + extra).stdout)


def read(path):
    with open(path) as f:
        return f.read()


def check_outputs(out, hand, domcaps):
    hosts = os.path.join(out, "hosts")
    for name in ("debian12", "debian13"):
        doc = os.path.join(hosts, f"{name}.xml")
        check(os.path.exists(doc) and read(doc) == read(os.path.join(hand, f"{name}.xml")),
              f"hosts/{name}.xml is the document domcaps prints on {name} by hand")
        facts = os.path.join(hosts, f"{name}.json")
        check(os.path.exists(facts) and json.loads(read(facts)) == json.loads(read(os.path.join(hand, f"{name}.json"))),
              f"hosts/{name}.json: the module's facts are domcaps --format json on {name}")
    machines = {n: json.loads(read(os.path.join(hand, f"{n}.json")))["domainCapabilities"].get("machine")
                for n in ("debian12", "debian13")}
    check(machines["debian12"] == "pc-q35-7.2" and machines["debian13"] == "pc-q35-10.0",
          f"each host probed its own QEMU: {machines}")
    docs = [os.path.join(hand, "debian12.xml"), os.path.join(hand, "debian13.xml")]
    want = trixie.run([domcaps, "intersect"] + docs)
    fleet = os.path.join(out, "fleet.xml")
    check(os.path.exists(fleet) and read(fleet) == want.stdout and "<domainCapabilities>" in want.stdout,
          "fleet.xml is `domcaps intersect` of the two documents made by hand")
    cpu = trixie.run([domcaps, "intersect", "-o", "/dev/null", "--cpu", "-"] + docs, check_rc=False)
    if cpu.returncode == 0:
        check(read(os.path.join(out, "fleet-cpu.xml")) == cpu.stdout, "fleet-cpu.xml is `domcaps intersect --cpu`",
              cpu.stdout)
    else:
        check(read(os.path.join(out, "fleet-cpu.txt")).strip() == cpu.stderr.strip() and
              not os.path.exists(os.path.join(out, "fleet-cpu.xml")),
              "fleet-cpu.txt says why the hosts have no CPU in common, as domcaps intersect --cpu", cpu.stderr)
    table = trixie.run([domcaps, "matrix", "--differences", f"--caps=debian12={docs[0]}", f"--caps=debian13={docs[1]}"])
    check(read(os.path.join(out, "fleet-table.txt")) == table.stdout and "debian13" in table.stdout,
          "fleet-table.txt is `domcaps matrix --differences --caps` of them (which host lacks what)")
    html = os.path.join(out, "fleet-table.html")
    check(os.path.exists(html) and "debian13" in read(html), "fleet-table.html is the same table as a page")
    check(read(os.path.join(out, "fleet-hosts.txt")).split() == ["debian12", "debian13"], "fleet-hosts.txt")


def run_test(build, src, domcaps, work, root, tmp):
    trixie.prepare_chroot(work, root)
    check(True, "Debian 13 chroot ready")
    trixie.copy_source(src, root)
    trixie.build_domcaps(root)
    check(True, "domcaps built in the chroot against trixie's libraries")
    inv = os.path.join(tmp, "inventory")
    inventory(inv, root, domcaps)
    env = ansible_env(tmp, src)
    out = os.path.join(tmp, "fleet")
    extra = {"domcaps_fleet_output": out, "domcaps_fleet_controller_domcaps": domcaps, "domcaps_fleet_query": QUERY}
    p = subprocess.run(["ansible-playbook", "-i", inv, os.path.join(src, "ansible", "playbooks", "gather.yml"),
                        "-e", json.dumps(extra)], capture_output=True, text=True, env=env, timeout=900,
                       stdin=subprocess.DEVNULL)
    check(p.returncode == 0, "ansible-playbook domcaps.fleet gather.yml over debian12 (local) and debian13 (chroot)",
          p.stdout[-3000:] + p.stderr[-2000:], lines=60)
    hand = os.path.join(tmp, "by-hand")
    by_hand(root, domcaps, hand)
    check_outputs(out, hand, domcaps)
    again = subprocess.run(["ansible-playbook", "--check", "-i", inv, os.path.join(src, "ansible", "playbooks",
                                                                                    "gather.yml"),
                            "-e", json.dumps(extra)], capture_output=True, text=True, env=env, timeout=900,
                           stdin=subprocess.DEVNULL)
    check(again.returncode == 0, "the playbook runs in check mode too", again.stdout[-2000:] + again.stderr[-1000:])


def main():
    build, src, domcaps = (os.path.abspath(a) for a in sys.argv[1:4])
    if os.geteuid() != 0:
        check(False, "runs as root (chroot and mounts need it)", "run `meson test --suite ansible` as root")
        return finish()
    found = shutil.which("ansible-playbook") and subprocess.run(
        ["ansible-doc", "-t", "connection", "community.general.chroot"], capture_output=True).returncode == 0
    check(found, "Debian's ansible: ansible-playbook and community.general's chroot connection",
          "apt-get install ansible (scripts/setup.sh)")
    if not found or not os.path.exists("/dev/kvm"):
        check(os.path.exists("/dev/kvm"), "/dev/kvm exists (each host probes KVM)")
        return finish()
    work = os.path.join(build, "debian13")
    root = os.path.join(work, "root")

    def body():
        with tempfile.TemporaryDirectory(prefix="domcaps-ansible-") as tmp:
            run_test(build, src, domcaps, work, root, tmp)
    return trixie.run_in_session(work, root, body)


if __name__ == "__main__":
    sys.exit(main())
