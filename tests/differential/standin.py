#!/usr/bin/env python3
"""A stand-in QEMU that deletes facts from the real QEMU's QMP answers.

    standin.py --real /usr/bin/qemu-system-x86_64 [--delete FACT]... [--log FILE] -- QEMU-ARGS...

It runs the real binary with the caller's arguments and relays QMP between
its caller and the real QEMU, rewriting only the replies a deleted fact
touches; events, the greeting and every other reply pass through byte for
byte. It behaves like QEMU for both callers the differential tests use:

- libvirt (qemuProcessQMPLaunch): `-qmp unix:PATH,server=on,wait=off
  -pidfile FILE -daemonize`. The stand-in daemonizes as QEMU does: the
  process libvirt started exits 0 once the real QEMU has greeted (or with
  QEMU's status and stderr when it failed), the monitor socket and the
  pidfile exist by then, and the pidfile holds the relay's pid: the relay is
  the real QEMU's parent, kills it on SIGTERM/SIGINT/SIGHUP or when the
  client hangs up, and QEMU has PR_SET_PDEATHSIG=SIGKILL should the relay be
  killed outright.
- domcaps (src/qmp/qmp-live.c): `-chardev socket,id=ID,fd=N -mon
  chardev=ID,mode=control` with the monitor inherited as fd N. The stand-in
  keeps fd N, gives the real QEMU a socketpair as its fd N, stays in the
  caller's process group (domcaps kills the group) and exits with QEMU's
  status.

Facts (one per --delete, or one a line in --facts FILE):
  type:NAME              gone from qom-list-types; qom-list-properties and
                         device-list-properties on it fail as for an unknown type
  command:NAME           gone from query-qmp-schema and query-commands; the
                         command answers CommandNotFound
  schema:QUERY           libvirt's schema query syntax (qemu_qapi.c): the last
                         thing it names is deleted (object member, union branch
                         together with its tag's enum value, enum value together
                         with the branches it selects, feature, alternate branch);
                         a bare COMMAND is command:COMMAND
  option:OPT, option:OPT.PARAM    query-command-line-options
  prop:TYPE.PROP         qom-list-properties and device-list-properties of TYPE
  machine:NAME           query-machines (the entry of that name)
  machine-field:NAME.FIELD        a member of that machine's entry
  cpu:MODEL              query-cpu-definitions
  tpm-model:NAME, tpm-type:NAME   query-tpm-models, query-tpm-types
Names with dots (pc-q35-7.2.default-cpu-type) are matched whole against
"TYPE.PROP" as QEMU reports them, so they need no escaping.

--log FILE appends one JSON line per rewritten reply: the command and the
facts that deleted something in it (the harness tells "deleted nothing"
from "deleted and nothing changed").
"""
import codecs
import ctypes
import json
import os
import re
import select
import signal
import socket
import sys
import time

KINDS = ("type", "command", "schema", "option", "prop", "machine", "machine-field", "cpu",
         "tpm-model", "tpm-type")
BOGUS_TYPE = "x-standin-deleted-type"
BOGUS_COMMAND = "x-standin-deleted-command"
BOGUS_OPTION = "x-standin-deleted-option"
READY_ID = "x-standin-ready"
MAX_LIFE = 1800  # seconds: a relay nobody ends still goes, and its QEMU with it
PR_SET_PDEATHSIG = 1


def die(msg, code=1):
    sys.stderr.write(f"standin: {msg}\n")
    sys.stderr.flush()
    os._exit(code)


class Facts:
    def __init__(self, facts):
        self.facts = []
        self.types, self.commands, self.options, self.props = set(), set(), set(), set()
        self.machines, self.machine_fields, self.cpus = set(), set(), set()
        self.tpm_models, self.tpm_types, self.schema = set(), set(), []
        for f in facts:
            f = f.strip()
            if not f or f.startswith("#"):
                continue
            kind, sep, arg = f.partition(":")
            if not sep or kind not in KINDS or not arg:
                die(f"bad fact '{f}' (KIND:ARG, KIND one of {', '.join(KINDS)})", 2)
            self.facts.append(f)
            if kind == "schema" and "/" not in arg:
                kind = "command"  # a bare command or event name: the entry itself
            {"type": self.types, "command": self.commands, "option": self.options, "prop": self.props,
             "machine": self.machines, "machine-field": self.machine_fields, "cpu": self.cpus,
             "tpm-model": self.tpm_models, "tpm-type": self.tpm_types}.get(kind, set()).add(arg)
            if kind == "schema":
                self.schema.append((f, arg))


# ---------------------------------------------------------------- schema --

class SchemaError(Exception):
    pass


class Schema:
    """query-qmp-schema's reply, with deletions done the way a QEMU built
    without the thing would answer."""

    def __init__(self, entries):
        self.entries = entries
        self.by_name = {e.get("name"): e for e in entries if isinstance(e, dict)}

    def enum_delete(self, enum, value):
        """Delete an enum value and every union branch it selects."""
        n = 0
        if isinstance(enum.get("values"), list) and value in enum["values"]:
            enum["values"] = [v for v in enum["values"] if v != value]
            n += 1
        if isinstance(enum.get("members"), list):
            before = len(enum["members"])
            enum["members"] = [m for m in enum["members"] if not (isinstance(m, dict) and m.get("name") == value)]
            n += before != len(enum["members"])
        for e in self.entries:
            if not isinstance(e, dict) or e.get("meta-type") != "object" or "tag" not in e:
                continue
            tag = next((m for m in e.get("members", []) if m.get("name") == e["tag"]), None)
            if tag and tag.get("type") == enum.get("name") and isinstance(e.get("variants"), list):
                before = len(e["variants"])
                e["variants"] = [v for v in e["variants"] if v.get("case") != value]
                n += before != len(e["variants"])
        return n

    def variant_delete(self, obj, case):
        """Delete a union branch; its tag's enum value (and so the same
        branch of every union on that enum) goes with it."""
        n = 0
        tag = next((m for m in obj.get("members", []) if m.get("name") == obj.get("tag")), None)
        enum = self.by_name.get(tag.get("type")) if tag else None
        if enum and enum.get("meta-type") == "enum":
            n += self.enum_delete(enum, case)
        before = len(obj.get("variants", []))
        obj["variants"] = [v for v in obj.get("variants", []) if v.get("case") != case]
        return n + (before != len(obj["variants"]))

    @staticmethod
    def feature_delete(entry, feature):
        feats = entry.get("features")
        if not isinstance(feats, list) or feature not in feats:
            return 0
        entry["features"] = [f for f in feats if f != feature]
        return 1

    def delete(self, query):
        """Delete what `query` names; returns how many schema items went."""
        comps = query.split("/")
        if comps[0] not in self.by_name:
            return 0
        self.depth = 0
        return self._walk(comps[0], comps, 1, None)

    def _walk(self, name, comps, i, via_alt):
        self.depth += 1
        if self.depth > 1000:
            raise SchemaError("possible loop in QMP schema")
        cur = self.by_name.get(name)
        if cur is None:
            raise SchemaError(f"malformed schema: no type '{name}'")
        if i == len(comps):
            raise SchemaError("the query names a type, not something to delete")
        meta = cur.get("meta-type")
        q = comps[i]
        last = i == len(comps) - 1
        mod = q[0] if q and not q[0].isalpha() else ""
        arg = q[1:] if mod else q
        if mod == " ":  # libvirt: names not starting with a letter are prefixed by a space
            mod = ""
        if meta == "array":
            return self._walk(cur["element-type"], comps, i, None)
        if meta == "alternate":
            return sum(self._walk(m["type"], comps, i, (cur, m)) for m in cur.get("members", []))
        if meta in ("command", "event"):
            if mod == "$":
                return self.feature_delete(cur, arg)
            if mod or arg not in cur:
                return 0
            if last:
                raise SchemaError(f"'{q}' of a command is not something to delete")
            return self._walk(cur[arg], comps, i + 1, None)
        if meta == "object":
            if mod in ("^", "!"):
                return 0
            if mod == "$":
                return self.feature_delete(cur, arg)
            if mod == "+":
                v = next((v for v in cur.get("variants", []) if v.get("case") == arg), None)
                if v is None:
                    return 0
                return self.variant_delete(cur, arg) if last else self._walk(v["type"], comps, i + 1, None)
            m = next((m for m in cur.get("members", []) if m.get("name") == arg), None)
            if m is None or (mod == "*" and "default" not in m):
                return 0
            if last:
                cur["members"] = [x for x in cur["members"] if x is not m]
                return 1
            return self._walk(m["type"], comps, i + 1, None)
        if meta == "enum":
            if mod != "^":
                return 0
            names = [m.get("name") for m in cur.get("members", [])] or cur.get("values", [])
            if arg not in names:
                return 0
            if last:
                return self.enum_delete(cur, arg)
            if i + 2 != len(comps) or not comps[i + 1].startswith("$"):
                raise SchemaError(f"'{comps[i + 1]}' cannot follow an enum value")
            member = next((m for m in cur.get("members", []) if m.get("name") == arg), None)
            return self.feature_delete(member, comps[i + 1][1:]) if member else 0
        if meta == "builtin":
            if mod != "!" or cur.get("json-type") != arg:
                return 0
            if not via_alt:
                raise SchemaError(f"'{q}' names a member's JSON type: only an alternate's branch can go")
            alt, member = via_alt
            alt["members"] = [x for x in alt["members"] if x is not member]
            return 1
        return 0


# --------------------------------------------------------------- rewrite --

class Rewriter:
    def __init__(self, facts, log):
        self.f = facts
        self.log = log

    def note(self, command, hits):
        hits = sorted(h for h in set(hits) if h)
        if not hits or not self.log:
            return
        try:
            with open(self.log, "a") as fp:
                fp.write(json.dumps({"pid": os.getpid(), "command": command, "deleted": hits}) + "\n")
        except OSError:
            pass

    def request(self, msg):
        """A caller's command: returns (message to send, pending entry)."""
        name = msg.get("execute", msg.get("exec-oob"))
        key = "execute" if "execute" in msg else "exec-oob"
        args = msg.get("arguments") if isinstance(msg.get("arguments"), dict) else {}
        entry = {"name": name, "id": msg.get("id"), "has_id": "id" in msg, "args": args, "fix": None}
        if not isinstance(name, str):
            return msg, entry
        f = self.f
        if name in f.commands:
            msg = dict(msg)
            msg[key] = BOGUS_COMMAND
            entry["fix"] = (BOGUS_COMMAND, name, f"command:{name}")
        elif name in ("qom-list-properties", "device-list-properties") and args.get("typename") in f.types:
            msg = dict(msg, arguments=dict(args, typename=BOGUS_TYPE))
            entry["fix"] = (BOGUS_TYPE, args["typename"], f"type:{args['typename']}")
        elif name == "query-command-line-options" and args.get("option") in f.options:
            msg = dict(msg, arguments=dict(args, option=BOGUS_OPTION))
            entry["fix"] = (BOGUS_OPTION, args["option"], f"option:{args['option']}")
        return msg, entry

    def reply(self, entry, msg):
        """The reply to `entry`: the rewritten message, or None when unchanged."""
        name, f = entry["name"], self.f
        if entry["fix"]:
            bogus, real, fact = entry["fix"]
            err = msg.get("error")
            if isinstance(err, dict) and isinstance(err.get("desc"), str):
                msg["error"] = dict(err, desc=err["desc"].replace(bogus, real))
            self.note(name, [fact])
            return msg
        ret = msg.get("return")
        if ret is None:
            return None
        hits = []

        def keep_names(items, key, gone, fact):
            """items whose name (it[key], or it) is not in gone; fact(name) notes a deletion"""
            out = []
            for it in items:
                n = it.get(key) if key and isinstance(it, dict) else it
                if isinstance(n, str) and n in gone:
                    hits.append(fact(n))
                else:
                    out.append(it)
            return out

        if not isinstance(ret, (list, dict)):
            return None
        if name == "qom-list-types" and isinstance(ret, list) and f.types:
            msg["return"] = keep_names(ret, "name", f.types, lambda n: f"type:{n}")
        elif name in ("qom-list-properties", "device-list-properties") and isinstance(ret, list) and f.props:
            t = entry["args"].get("typename")
            if isinstance(t, str):
                gone = {p[len(t) + 1:] for p in f.props if p.startswith(f"{t}.")}
                msg["return"] = keep_names(ret, "name", gone, lambda n: f"prop:{t}.{n}")
        elif name == "query-commands" and isinstance(ret, list) and f.commands:
            msg["return"] = keep_names(ret, "name", f.commands, lambda n: f"command:{n}")
        elif name == "query-qmp-schema" and isinstance(ret, list) and (f.commands or f.schema):
            msg["return"] = ret = keep_names(ret, "name", f.commands, lambda n: f"command:{n}")
            schema = Schema(ret)
            for fact, query in f.schema:
                try:
                    if schema.delete(query):
                        hits.append(fact)
                except SchemaError as e:
                    die(f"{fact}: {e}")
        elif name == "query-command-line-options" and isinstance(ret, list) and f.options:
            out = []
            for o in ret:
                opt = o.get("option") if isinstance(o, dict) else None
                if opt in f.options:
                    hits.append(f"option:{opt}")
                    continue
                if isinstance(o, dict) and isinstance(o.get("parameters"), list):
                    params = [p for p in o["parameters"]
                              if not (isinstance(p, dict) and f"{opt}.{p.get('name')}" in f.options)]
                    if len(params) != len(o["parameters"]):
                        hits += [f"option:{opt}.{p.get('name')}" for p in o["parameters"] if p not in params]
                        o = dict(o, parameters=params)
                out.append(o)
            msg["return"] = out
        elif name == "query-machines" and isinstance(ret, list) and (f.machines or f.machine_fields):
            out = []
            for m in keep_names(ret, "name", f.machines, lambda n: f"machine:{n}"):
                if isinstance(m, dict):
                    gone = [k for k in m if f"{m.get('name')}.{k}" in f.machine_fields]
                    if gone:
                        hits += [f"machine-field:{m.get('name')}.{k}" for k in gone]
                        m = {k: v for k, v in m.items() if k not in gone}
                out.append(m)
            msg["return"] = out
        elif name == "query-cpu-definitions" and isinstance(ret, list) and f.cpus:
            msg["return"] = keep_names(ret, "name", f.cpus, lambda n: f"cpu:{n}")
        elif name == "query-tpm-models" and isinstance(ret, list) and f.tpm_models:
            msg["return"] = keep_names(ret, None, f.tpm_models, lambda n: f"tpm-model:{n}")
        elif name == "query-tpm-types" and isinstance(ret, list) and f.tpm_types:
            msg["return"] = keep_names(ret, None, f.tpm_types, lambda n: f"tpm-type:{n}")
        if not hits:
            return None
        self.note(name, hits)
        return msg


# ----------------------------------------------------------------- relay --

class Framer:
    """Splits a byte stream into top-level JSON objects, whatever the
    line breaks (QEMU's are \\r\\n; a caller may pretty-print)."""
    TOKEN = re.compile(r'[{}"\\]')

    def __init__(self):
        self.buf = ""
        self.pos = 0
        self.depth = 0
        self.start = 0
        self.in_str = False
        self.dec = codecs.getincrementaldecoder("utf-8")("surrogateescape")

    def feed(self, data):
        self.buf += self.dec.decode(data)
        out = []
        i = self.pos
        while True:
            m = self.TOKEN.search(self.buf, i)
            if not m:
                break
            c, j = m.group(), m.start()
            i = j + 1
            if self.in_str:
                if c == "\\":
                    i = j + 2  # the escaped character, even if it has not arrived yet
                elif c == '"':
                    self.in_str = False
            elif c == '"':
                self.in_str = self.depth > 0
            elif c == "{":
                if self.depth == 0:
                    self.start = j
                self.depth += 1
            elif c == "}" and self.depth > 0:
                self.depth -= 1
                if self.depth == 0:
                    out.append(self.buf[self.start:j + 1])
        if self.depth == 0:
            self.buf, self.pos, self.start = "", 0, 0
        else:
            self.buf = self.buf[self.start:]
            self.pos = i - self.start
            self.start = 0
        return out


def encode(text):
    return text.encode("utf-8", "surrogateescape")


class Relay:
    def __init__(self, caller_fd, qemu_fd, rewriter, drain_fd=-1):
        self.cfd, self.qfd, self.rw = caller_fd, qemu_fd, rewriter
        self.drain = drain_fd  # read and dropped (a daemonized QEMU's output)
        self.cin, self.qin = Framer(), Framer()
        self.to_caller, self.to_qemu = bytearray(), bytearray()
        self.pending = []
        for fd in (caller_fd, qemu_fd):
            os.set_blocking(fd, False)

    def from_caller(self, data):
        for text in self.cin.feed(data):
            try:
                msg = json.loads(text)
            except ValueError:
                msg = None
            if not isinstance(msg, dict):
                # QEMU answers it with an error, in turn.
                self.pending.append({"name": None, "id": None, "has_id": False, "args": {}, "fix": None})
                self.to_qemu += encode(text) + b"\n"
                continue
            new, entry = self.rw.request(msg)
            self.pending.append(entry)  # QEMU answers every message, commands or not
            self.to_qemu += encode(text if new is msg else json.dumps(new)) + b"\n"

    def take_pending(self, msg):
        """The command a reply answers: by id when it has one, else the
        oldest command sent without one (QEMU answers in order)."""
        if not self.pending:
            return None
        for k, e in enumerate(self.pending):
            if ("id" in msg and e["has_id"] and e["id"] == msg["id"]) or ("id" not in msg and not e["has_id"]):
                return self.pending.pop(k)
        return self.pending.pop(0)

    def from_qemu(self, data):
        for text in self.qin.feed(data):
            out = text
            try:
                msg = json.loads(text)
            except ValueError:
                msg = None
            if isinstance(msg, dict) and ("return" in msg or "error" in msg) and "event" not in msg:
                entry = self.take_pending(msg)
                if entry:
                    new = self.rw.reply(entry, msg)
                    if new is not None:
                        out = json.dumps(new)
            self.to_caller += encode(out) + b"\r\n"

    def run(self, deadline):
        """Relays until the caller or QEMU hangs up; returns which did."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            pl = select.poll()
            pl.register(self.cfd, select.POLLIN | (select.POLLOUT if self.to_caller else 0))
            pl.register(self.qfd, select.POLLIN | (select.POLLOUT if self.to_qemu else 0))
            if self.drain >= 0:
                pl.register(self.drain, select.POLLIN)
            try:
                events = pl.poll(min(left, 5) * 1000)
            except InterruptedError:
                continue
            for fd, ev in events:
                if fd == self.drain:
                    if not os.read(fd, 65536):
                        os.close(fd)
                        self.drain = -1
                    continue
                if ev & select.POLLOUT:
                    buf = self.to_caller if fd == self.cfd else self.to_qemu
                    try:
                        n = os.write(fd, buf[:1 << 20])
                        del buf[:n]
                    except BlockingIOError:
                        pass
                    except OSError:
                        return "caller" if fd == self.cfd else "qemu"
                if ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    try:
                        data = os.read(fd, 1 << 20)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        if fd == self.qfd:
                            self.flush_caller(2.0)
                            return "qemu"
                        return "caller"
                    (self.from_caller if fd == self.cfd else self.from_qemu)(data)

    def flush_caller(self, seconds):
        end = time.monotonic() + seconds
        while self.to_caller and time.monotonic() < end:
            try:
                n = os.write(self.cfd, self.to_caller[:1 << 20])
                del self.to_caller[:n]
            except BlockingIOError:
                select.select([], [self.cfd], [], 0.1)
            except OSError:
                return


# ----------------------------------------------------------------- QEMU --

QEMU = {"pid": 0}
CLEANUP = []


def kill_qemu():
    pid = QEMU["pid"]
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        status = reap(pid)
        QEMU["pid"] = 0
        return status
    return None


def reap(pid):
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:
            continue
        except ChildProcessError:
            return None


def cleanup_files():
    for p in CLEANUP:
        try:
            os.unlink(p)
        except OSError:
            pass


def on_signal(signum, frame):
    kill_qemu()
    cleanup_files()
    os._exit(128 + signum)


def spawn_qemu(real, argv, mon_fd, stdin=None, out=None, err=None, keep=()):
    """Forks the real QEMU with its monitor `mon_fd` dup2'ed onto each
    descriptor number in `keep` (the number its -chardev ...,fd=N names),
    stdio from stdin/out/err when given, nothing else open, and SIGKILL
    should its parent, the relay, die."""
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:
                os._exit(127)
            for s in (signal.SIGPIPE, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
                signal.signal(s, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            for target, src in ((0, stdin), (1, out), (2, err)):
                if src is not None:
                    os.dup2(src, target)
            high = os.dup(mon_fd)
            for n in keep:
                os.dup2(high, n)
            top = max((0, 1, 2) + tuple(keep))
            for fd in range(3, top + 1):
                if fd not in keep:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            os.closerange(top + 1, 65536)
            for n in keep:
                os.set_inheritable(n, True)
            os.execv(real, [real] + argv)
        except BaseException as e:
            try:
                os.write(2, f"standin: cannot execute {real}: {e}\n".encode())
            finally:
                os._exit(127)
    QEMU["pid"] = pid
    return pid


def exit_like(status):
    cleanup_files()
    if status is None:
        os._exit(1)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status))


def parse_mode(argv):
    """('libvirt', qmp_path, pidfile, argv for QEMU) or ('fd', fd, None, argv)."""
    out, qmp, pidfile, daemonize = [], None, None, False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-qmp", "--qmp") and i + 1 < len(argv) and argv[i + 1].startswith("unix:") and qmp is None:
            qmp = argv[i + 1][5:].split(",")[0]
            i += 2
            continue
        if a in ("-pidfile", "--pidfile") and i + 1 < len(argv):
            pidfile = argv[i + 1]
            i += 2
            continue
        if a in ("-daemonize", "--daemonize"):
            daemonize = True
            i += 1
            continue
        out.append(a)
        i += 1
    if qmp:
        if not daemonize or not pidfile:
            die("-qmp unix:... is supported with -daemonize and -pidfile (as libvirt starts QEMU)", 2)
        out += ["-chardev", "socket,id=standin-qmp,fd=3", "-mon", "chardev=standin-qmp,mode=control"]
        return "libvirt", qmp, pidfile, out
    if pidfile or daemonize:
        die("-pidfile/-daemonize without -qmp unix:... is not supported", 2)
    # The control monitor's chardev: -chardev socket,id=ID,...,fd=N + -mon chardev=ID,mode=control
    chardevs = {}
    mons = []
    for k in range(len(out) - 1):
        if out[k] == "-chardev" and out[k + 1].startswith("socket,"):
            opts = dict(p.partition("=")[::2] for p in out[k + 1].split(",")[1:])
            if "id" in opts and opts.get("fd", "").isdigit():
                chardevs[opts["id"]] = int(opts["fd"])
        if out[k] == "-mon":
            opts = dict(p.partition("=")[::2] for p in out[k + 1].split(","))
            if opts.get("mode") == "control":
                mons.append(opts.get("chardev"))
    fds = [chardevs[m] for m in mons if m in chardevs]
    if len(fds) != 1:
        die("no QMP monitor to relay: expected -qmp unix:PATH,server=on,wait=off or "
            "-chardev socket,id=ID,fd=N with -mon chardev=ID,mode=control", 2)
    return "fd", fds[0], None, out


def run_fd_mode(real, caller_fd, argv, rw):
    try:
        os.fstat(caller_fd)
    except OSError:
        die(f"fd {caller_fd} is not open")
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    spawn_qemu(real, argv, theirs.fileno(), keep=(caller_fd,))
    theirs.close()
    relay = Relay(caller_fd, mine.fileno(), rw)
    why = relay.run(time.monotonic() + MAX_LIFE)
    if why == "qemu":
        pid = QEMU["pid"]
        QEMU["pid"] = 0
        os.close(caller_fd)
        exit_like(reap(pid))
    kill_qemu()
    os._exit(0)


def run_libvirt_mode(real, qmp_path, pidfile, argv, rw):
    rd, wr = os.pipe()
    pid = os.fork()
    if pid:
        # The process libvirt waits for: done when the daemon says so.
        # The relay goes on as a daemon (its pid is in the pidfile): not reaped here.
        os.close(wr)
        data = b""
        while True:
            chunk = os.read(rd, 65536)
            if not chunk:
                break
            data += chunk
        if data.startswith(b"OK"):
            os._exit(0)
        if data.startswith(b"FAIL "):
            head, _, text = data.partition(b"\n")
            sys.stderr.buffer.write(text)
            sys.stderr.flush()
            os._exit(int(head.split()[1]))
        die("the relay died before QEMU was up")
    os.close(rd)
    os.setsid()
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    erd, ewr = os.pipe()
    devnull = os.open(os.devnull, os.O_RDWR)
    spawn_qemu(real, argv, theirs.fileno(), stdin=devnull, out=ewr, err=ewr, keep=(3,))
    theirs.close()
    os.close(ewr)
    # Wait until QEMU is up, as -daemonize's parent does (QEMU tells it once
    # its initialisation is over). The greeting is no proof: QEMU sends it
    # as soon as the monitor exists, before the machine and -device options
    # are dealt with. A command's answer is: commands are dispatched by the
    # main loop only. Its answer (an error: capabilities are not negotiated
    # yet, nothing changes) is kept from the caller.
    errtext = b""
    early = b""  # what QEMU said before the caller came: the greeting (and events)
    ready = False
    deadline = time.monotonic() + 300
    qfd = mine.fileno()
    probe_sent = False
    while not ready and time.monotonic() < deadline:
        if not probe_sent and b"\n" in early:
            os.write(qfd, b'{"execute": "query-version", "id": "%s"}\n' % READY_ID.encode())
            probe_sent = True
        r, _, _ = select.select([qfd, erd] if erd >= 0 else [qfd], [], [], 1)
        if erd in r:
            chunk = os.read(erd, 65536)
            if chunk:
                errtext += chunk
            else:
                os.close(erd)
                erd = -1
        if qfd in r:
            try:
                chunk = os.read(qfd, 65536)
            except OSError:  # reset: QEMU died with our probe unread
                chunk = b""
            if not chunk:
                break
            early += chunk
            lines = early.split(b"\n")
            for k, line in enumerate(lines[:-1]):
                if READY_ID.encode() in line:
                    ready = True
                    early = b"\n".join(lines[:k] + lines[k + 1:])
                    break
    if not ready:
        status = kill_qemu() if time.monotonic() >= deadline else reap(QEMU["pid"])
        QEMU["pid"] = 0
        code = 1
        if status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status):
            code = os.WEXITSTATUS(status)
        if erd >= 0:  # QEMU's last words
            while select.select([erd], [], [], 0.2)[0]:
                chunk = os.read(erd, 65536)
                if not chunk:
                    break
                errtext += chunk
        os.write(wr, b"FAIL %d\n" % code + errtext)
        os._exit(code)
    greeting = early
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            os.unlink(qmp_path)
        except FileNotFoundError:
            pass
        lsock.bind(qmp_path)
        lsock.listen(1)
        CLEANUP.append(qmp_path)
        tmp = pidfile + ".standin"
        with open(tmp, "w") as fp:
            fp.write(f"{os.getpid()}\n")
        os.rename(tmp, pidfile)
        CLEANUP.append(pidfile)
    except OSError as e:
        kill_qemu()
        cleanup_files()
        os.write(wr, b"FAIL 1\n" + f"standin: {e}\n".encode())
        os._exit(1)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.write(wr, b"OK")
    os.close(wr)
    end = time.monotonic() + MAX_LIFE
    caller = None
    while caller is None:
        r, _, _ = select.select([lsock, qfd] + ([erd] if erd >= 0 else []), [], [], 5)
        if lsock in r:
            caller, _ = lsock.accept()
        if erd >= 0 and erd in r and not os.read(erd, 65536):
            os.close(erd)
            erd = -1
        if qfd in r and caller is None:
            try:
                chunk = os.read(qfd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                exit_like(reap(QEMU["pid"]))
            greeting += chunk
        if time.monotonic() > end:
            kill_qemu()
            exit_like(None)
    lsock.close()
    relay = Relay(caller.fileno(), qfd, rw, erd)  # -daemonize: QEMU's output goes nowhere now
    relay.from_qemu(greeting)
    relay.run(end)
    kill_qemu()
    cleanup_files()
    os._exit(0)


def main():
    args = sys.argv[1:]
    real, facts, log = None, [], None
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--real" and args:
            real = args.pop(0)
        elif a == "--delete" and args:
            facts.append(args.pop(0))
        elif a == "--facts" and args:
            with open(args.pop(0)) as fp:
                facts += fp.read().splitlines()
        elif a == "--log" and args:
            log = args.pop(0)
        else:
            die(f"unknown option '{a}' (usage: standin.py --real QEMU [--delete FACT]... [--log FILE] -- ARGS)", 2)
    if args:
        args.pop(0)
    if not real:
        die("--real QEMU is required", 2)
    rw = Rewriter(Facts(facts), log)
    # Asked for something other than a monitor (-version, -help...): QEMU itself answers.
    if not any(a in ("-qmp", "-mon", "--qmp", "--mon") for a in args):
        os.execv(real, [real] + args)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    mode, where, pidfile, qargs = parse_mode(args)
    if mode == "fd":
        run_fd_mode(real, where, qargs, rw)
    else:
        run_libvirt_mode(real, where, pidfile, qargs, rw)


if __name__ == "__main__":
    main()
