#!/usr/bin/env python3
"""The stand-in emulator (standin.py) on its own, against the real QEMU:

  - deleting nothing it is transparent: every reply of a pipelined batch
    (query-qmp-schema's ~200 KiB among them) byte for byte as QEMU's own;
  - each kind of fact deletes what it should, and only that, with replies
    matched to pipelined commands by id (of any JSON type) and by order;
    events pass through;
  - as libvirt starts it (-qmp unix:,server=on,wait=off -pidfile -daemonize):
    the started process exits 0 once QEMU is up, the socket and the pidfile
    exist, the pidfile holds the relay, and the real QEMU goes when the
    client hangs up, when the pidfile's pid gets SIGTERM or SIGKILL; a QEMU
    that fails to start makes it exit non-zero with QEMU's message;
  - as domcaps starts it (monitor on an inherited fd): killing it kills QEMU.
  - no QEMU is left behind by any case.

Prints TAP. Usage: test_standin.py [QEMU] (default /usr/bin/qemu-system-x86_64)
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from tap import check, finish  # noqa: E402
from standin import Schema  # noqa: E402

STANDIN = os.path.join(HERE, "standin.py")
QEMU = sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/qemu-system-x86_64"
BASE = ["-S", "-no-user-config", "-nodefaults", "-nographic", "-machine", "none"]
FD_MON = ["-chardev", "socket,id=mon,fd=3", "-mon", "chardev=mon,mode=control"]


def children(pid):
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as fp:
            return fp.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def gone_within(pids, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return not any(alive(p) for p in pids)


def kill_all(pids):
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


class Mon:
    """A QMP client on a connected socket."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""
        self.sock.settimeout(30)

    def read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError("monitor closed")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def send(self, *cmds):
        self.sock.sendall(b"".join(json.dumps(c).encode() + b"\n" for c in cmds))

    def replies(self, n):
        """n replies (events set aside), raw."""
        out, events = [], []
        while len(out) < n:
            line = self.read()
            (events if "event" in json.loads(line) else out).append(line)
        return out, events


def start_direct(extra):
    ours, theirs = socket.socketpair()
    fd = theirs.fileno()
    p = subprocess.Popen([QEMU] + BASE + extra + FD_MON, preexec_fn=lambda: os.dup2(fd, 3), close_fds=False,
                         stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    theirs.close()
    return p, Mon(ours)


def standin_fd(facts, extra=()):
    ours, theirs = socket.socketpair()
    fd = theirs.fileno()
    argv = [sys.executable, STANDIN, "--real", QEMU] + [a for f in facts for a in ("--delete", f)] + ["--"]
    p = subprocess.Popen(argv + BASE + list(extra) + FD_MON, preexec_fn=lambda: os.dup2(fd, 3), close_fds=False,
                         stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    theirs.close()
    return p, Mon(ours)


def stop(p, mon):
    qemus = children(p.pid)
    mon.sock.close()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    kill_all(qemus)
    return qemus


BATCH = [{"execute": "qmp_capabilities"}, {"execute": "query-qmp-schema", "id": 1},
         {"execute": "qom-list-types"}, {"execute": "query-machines", "id": "two"},
         {"execute": "query-cpu-definitions", "id": {"n": 3}}, {"execute": "query-command-line-options"},
         {"execute": "device-list-properties", "arguments": {"typename": "virtio-blk-pci"}, "id": 5},
         {"execute": "query-tpm-models"}, {"execute": "no-such-command", "id": 6}]


def transparent():
    replies = {}
    for who in ("qemu", "stand-in"):
        p, mon = start_direct(["-accel", "tcg"]) if who == "qemu" else standin_fd([], ["-accel", "tcg"])
        greeting = mon.read()
        mon.send(*BATCH)
        out, _ = mon.replies(len(BATCH))
        replies[who] = [greeting] + out
        left = stop(p, mon)
        check(gone_within(left, 5), f"{who}: no QEMU left")
    same = replies["qemu"] == replies["stand-in"]
    detail = ""
    if not same:
        for k, (a, b) in enumerate(zip(replies["qemu"], replies["stand-in"])):
            if a != b:
                detail = f"message {k}: qemu {a[:200]!r}\nstand-in {b[:200]!r}"
                break
    check(same, f"deleting nothing, {len(BATCH)} pipelined replies and the greeting are QEMU's byte for byte "
                f"({sum(map(len, replies['qemu']))} bytes)", detail)


def deletions():
    facts = ["type:qxl", "command:query-vnc", "prop:pvpanic.ioport", "tpm-model:tpm-crb", "tpm-type:emulator",
             "option:iscsi", "option:smp-opts.cores", "schema:blockdev-add/arg-type/+file/aio/^io_uring",
             "schema:query-display-options/ret-type/+egl-headless", "schema:object-add/arg-type/+iothread/poll-max-ns",
             "machine:pc-q35-7.2", "machine-field:pc-i440fx-7.2.default-cpu-type", "cpu:EPYC"]
    p, mon = standin_fd(facts, ["-accel", "tcg"])
    mon.read()
    cmds = [{"execute": "qmp_capabilities"},
            {"execute": "qom-list-types", "id": 1},
            {"execute": "device-list-properties", "arguments": {"typename": "qxl"}, "id": "x"},
            {"execute": "qom-list-properties", "arguments": {"typename": "qxl"}},
            {"execute": "query-vnc"},
            {"execute": "device-list-properties", "arguments": {"typename": "pvpanic"}},
            {"execute": "query-tpm-models", "id": [1, 2]},
            {"execute": "query-tpm-types", "id": None},
            {"execute": "query-command-line-options", "arguments": {"option": "iscsi"}, "id": 5},
            {"execute": "query-command-line-options", "id": 55},
            {"execute": "query-commands", "id": 6},
            {"execute": "query-qmp-schema", "id": 7},
            {"execute": "query-machines", "id": 8},
            {"execute": "query-cpu-definitions", "id": 9},
            {"execute": "cont", "id": 10},
            {"execute": "stop", "id": 11}]
    mon.send(*cmds)
    raw, events = mon.replies(len(cmds))
    r = [json.loads(x) for x in raw]
    check([m.get("id") for m in r] == [c.get("id") for c in cmds],
          "pipelined replies come back in order, with their ids (number, string, list, null, none)",
          str([m.get("id") for m in r]))
    check(not any(t["name"] == "qxl" for t in r[1]["return"]) and any(t["name"] == "qxl-vga" for t in r[1]["return"]),
          "type: gone from qom-list-types, its neighbours stay")
    check(r[2].get("error") == {"class": "DeviceNotFound", "desc": "Device 'qxl' not found"},
          "type: device-list-properties fails as for an unknown type", json.dumps(r[2]))
    check(r[3].get("error") == {"class": "DeviceNotFound", "desc": "Class 'qxl' not found"},
          "type: qom-list-properties fails as for an unknown type", json.dumps(r[3]))
    check(r[4].get("error") == {"class": "CommandNotFound", "desc": "The command query-vnc has not been found"},
          "command: answers CommandNotFound", json.dumps(r[4]))
    names = [x["name"] for x in r[5].get("return", [])]
    check("ioport" not in names and "events" in names, "prop: gone from device-list-properties, others stay",
          str(names))
    check(r[6].get("return") == ["tpm-tis"], "tpm-model: gone", json.dumps(r[6]))
    check(r[7].get("return") == ["passthrough"], "tpm-type: gone", json.dumps(r[7]))
    check(r[8].get("error", {}).get("desc") == "invalid option name: iscsi",
          "option: asked for by name, it fails as an unknown option", json.dumps(r[8]))
    opts = {o["option"]: [x["name"] for x in o["parameters"]] for o in r[9]["return"]}
    check("iscsi" not in opts and "cores" not in opts.get("smp-opts", ["cores"]) and "sockets" in opts["smp-opts"],
          "option: OPT and OPT.PARAM gone from query-command-line-options", str(opts.get("smp-opts")))
    check(not any(c["name"] == "query-vnc" for c in r[10]["return"]), "command: gone from query-commands")
    schema = r[11]["return"]
    check(not any(e["name"] == "query-vnc" for e in schema), "command: gone from query-qmp-schema")
    qs = ["blockdev-add/arg-type/+file/aio/^io_uring", "query-display-options/ret-type/+egl-headless",
          "object-add/arg-type/+iothread/poll-max-ns"]
    # Nothing left to delete: libvirt's query no longer holds.
    left = {q: Schema(json.loads(json.dumps(schema))).delete(q) for q in qs}
    check(not any(left.values()), "schema: enum value, union branch and branch member no longer found", str(left))
    s = Schema(schema)
    disp = s.by_name[s.by_name["query-display-options"]["ret-type"]]
    tag = next(m for m in disp["members"] if m["name"] == disp["tag"])
    values = [m["name"] for m in s.by_name[tag["type"]]["members"]]
    check("egl-headless" not in values and "curses" in values,
          "schema: a deleted branch takes its tag's enum value along", str(values))
    still = {q: Schema(json.loads(json.dumps(schema))).delete(q) for q in
             ["blockdev-add/arg-type/+file/aio/^threads", "query-display-options/ret-type/+curses",
              "object-add/arg-type/+iothread/poll-grow"]}
    check(all(still.values()), "schema: the neighbours stay (aio threads, display curses, iothread poll-grow)", str(still))
    machines = {m["name"]: m for m in r[12]["return"]}
    check("pc-q35-7.2" not in machines and "pc-q35-7.1" in machines, "machine: gone, by name")
    check("default-cpu-type" not in machines["pc-i440fx-7.2"] and "default-cpu-type" in machines["pc-i440fx-7.1"],
          "machine-field: gone from that machine only")
    check(not any(c["name"] == "EPYC" for c in r[13]["return"]) and any(c["name"] == "EPYC-IBPB"
                                                                        for c in r[13]["return"]),
          "cpu: gone, by name")
    check(any(e.get("event") == "RESUME" for e in map(json.loads, events)) and
          any(e.get("event") == "STOP" for e in map(json.loads, events)),
          "events pass through (RESUME, STOP)", str(events))
    many = [{"execute": "query-tpm-models", "id": k} if k % 2 else {"execute": "query-vnc"} for k in range(300)]
    mon.send(*many)
    raw, _ = mon.replies(len(many))
    r = [json.loads(x) for x in raw]
    check(all(("return" in m) == bool(k % 2) for k, m in enumerate(r)) and
          all(m.get("id") == c.get("id") for m, c in zip(r, many)),
          "300 pipelined commands, rewritten and not, answered in order")
    qemus = stop(p, mon)
    check(gone_within(qemus, 5), "no QEMU left after the caller hangs up")


def libvirt_mode():
    def launch(d, extra=()):
        mon, pidfile = os.path.join(d, "qmp.monitor"), os.path.join(d, "qmp.pid")
        t0 = time.monotonic()
        p = subprocess.run([sys.executable, STANDIN, "--real", QEMU, "--delete", "type:qxl", "--"] + BASE[:-1] +
                           ["none,accel=kvm:tcg" if os.access("/dev/kvm", os.W_OK) else "none,accel=tcg"] +
                           list(extra) + ["-qmp", f"unix:{mon},server=on,wait=off", "-pidfile", pidfile, "-daemonize"],
                           capture_output=True, timeout=60)
        return p, mon, pidfile, time.monotonic() - t0

    for how in ("hangup", "SIGTERM", "SIGKILL"):
        with tempfile.TemporaryDirectory() as d:
            p, monpath, pidfile, took = launch(d)
            ok = p.returncode == 0 and os.path.exists(pidfile) and os.path.exists(monpath)
            check(ok, f"libvirt-style start ({how}): exit 0 once QEMU is up ({took:.2f} s), socket and pidfile "
                      f"exist", p.stderr.decode()[-500:])
            if not ok:
                continue
            pid = int(open(pidfile).read().strip())
            cmd = open(f"/proc/{pid}/cmdline", "rb").read()
            qemus = children(pid)
            check(b"standin.py" in cmd and len(qemus) == 1 and alive(qemus[0]),
                  f"libvirt-style start ({how}): the pidfile holds the relay, the real QEMU is its child",
                  f"{cmd!r} {qemus}")
            s = socket.socket(socket.AF_UNIX)
            s.connect(monpath)
            m = Mon(s)
            greeting = json.loads(m.read())
            m.send({"execute": "qmp_capabilities"}, {"execute": "qom-list-types"})
            out, _ = m.replies(2)
            types = [t["name"] for t in json.loads(out[1])["return"]]
            check("QMP" in greeting and "qxl" not in types and "VGA" in types,
                  f"libvirt-style start ({how}): QMP relayed over the unix socket, the fact deleted")
            if how == "hangup":
                s.close()
            else:
                os.kill(pid, signal.SIGTERM if how == "SIGTERM" else signal.SIGKILL)
            check(gone_within(qemus + [pid], 5), f"libvirt-style start ({how}): relay and QEMU gone")
            kill_all(qemus + [pid])
            s.close()
    with tempfile.TemporaryDirectory() as d:
        p, monpath, pidfile, took = launch(d, ["-device", "no-such-device"])
        err = p.stderr.decode()
        check(p.returncode == 1 and "no-such-device" in err and not os.path.exists(pidfile),
              f"libvirt-style start of a QEMU that fails: exit {p.returncode} with QEMU's message", err[-300:])


def fd_mode_kill():
    p, mon = standin_fd(["type:qxl"])
    mon.read()
    qemus = children(p.pid)
    p.kill()
    p.wait()
    check(len(qemus) == 1 and gone_within(qemus, 5), "domcaps-style start: SIGKILL to the stand-in ends QEMU")
    kill_all(qemus)
    mon.sock.close()
    # QEMU greets as soon as its monitor exists, then fails on -device: the
    # caller sees what it would see of QEMU itself.
    p, mon = standin_fd([], ["-device", "no-such-device"])
    got = []
    try:
        while True:
            got.append(json.loads(mon.read()))
    except (EOFError, OSError):
        pass
    p.wait(10)
    err = p.stderr.read().decode()
    check(len(got) <= 1 and all("QMP" in m for m in got) and p.returncode == 1 and "no-such-device" in err,
          f"domcaps-style start of a QEMU that fails: at most the greeting, then the monitor closes; QEMU's exit "
          f"status ({p.returncode}) and stderr", f"{got} {err[-300:]}")


def main():
    if not os.access(QEMU, os.X_OK):
        print(f"1..1\nnot ok 1 - {QEMU} not installed (scripts/setup.sh installs it)")
        return 1
    transparent()
    deletions()
    libvirt_mode()
    fd_mode_kill()
    return finish()


if __name__ == "__main__":
    sys.exit(main())
