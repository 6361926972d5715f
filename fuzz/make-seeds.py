#!/usr/bin/env python3
"""Regenerate the seed corpora under fuzz/corpus/ from real data:

  - tests/data/qmp/*.replies  (QMP transcripts recorded from QEMU 7.2)
  - /usr/share/qemu/firmware/*.json and tests/data/hosts/*/usr/share/qemu/firmware,
    and descriptors that libvirt 9.0 (yajl) and 11.3 (json-c) read differently
  - a cache entry (--cache-entry FILE, e.g. written by
    `domcaps --emulatorbin /usr/bin/qemu-system-x86_64 --cache-dir DIR`)

Big replies are cut down (arrays shortened, the QMP schema reduced to what
the prober's questions reach) so the fuzzers run fast on them.

Usage: fuzz/make-seeds.py [--cache-entry FILE]
"""
import glob
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus")

# The schema queries the value table reads (src/caps/tables.c), read from
# it: the probe asks exactly these.
QUESTIONS = sorted(set(re.findall(r'"schema:([^"]+)"', open(os.path.join(TOP, "src", "caps", "tables.c")).read())))


def messages(path):
    data = open(path).read()
    dec = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(data) and data[pos].isspace():
            pos += 1
        if pos >= len(data):
            return
        obj, pos = dec.raw_decode(data, pos)
        yield obj


def exchanges(path):
    cmd = None
    for m in messages(path):
        if "execute" in m:
            cmd = m
        elif cmd is not None:
            yield cmd, m
            cmd = None


def reduce_schema(schema):
    """The entries the prober's questions can reach, and nothing else; of a
    union's variants, those the questions name and one more."""
    cases = {step[1:] for q in QUESTIONS for step in q.split("/") if step.startswith("+")}
    schema = [dict(e, variants=[v for i, v in enumerate(e["variants"]) if i == 0 or v["case"] in cases])
              if "variants" in e else e for e in schema]
    by_name = {e["name"]: e for e in schema}
    keep, todo = set(), [q.split("/")[0] for q in QUESTIONS]
    while todo:
        name = todo.pop()
        if name in keep or name not in by_name:
            continue
        keep.add(name)
        e = by_name[name]
        for k in ("arg-type", "ret-type", "element-type"):
            if k in e:
                todo.append(e[k])
        for m in e.get("members", []):
            if isinstance(m, dict) and "type" in m:
                todo.append(m["type"])
        for v in e.get("variants", []):
            todo.append(v["type"])
    return [e for e in schema if e["name"] in keep]


def shorten(cmd, reply):
    """A smaller reply of the same shape."""
    ret = reply.get("return")
    name = cmd["execute"]
    if name == "query-qmp-schema":
        ret = reduce_schema(ret)
    elif name == "query-machines":
        ret = ret[:4] + [m for m in ret[4:] if m.get("is-default")]
    elif isinstance(ret, list) and len(ret) > 12:
        ret = ret[:12]
    elif name == "query-cpu-model-expansion":
        props = ret["model"].get("props", {})
        ret = {"model": {"name": ret["model"]["name"], "props": dict(list(props.items())[:40])}}
    if "return" in reply:
        reply = dict(reply, **{"return": ret})
    return reply


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def pretty(obj):
    return json.dumps(obj, indent=2)


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    args = sys.argv[1:]
    cache_entry = None
    if args[:1] == ["--cache-entry"]:
        cache_entry = args[1]
    greeting = {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""},
                        "capabilities": ["oob"]}}
    schema = None
    for path in sorted(glob.glob(os.path.join(TOP, "tests", "data", "qmp", "*.replies"))):
        small = []
        for cmd, reply in exchanges(path):
            reply = shorten(cmd, reply)
            if cmd["execute"] == "query-qmp-schema":
                schema = reply["return"]
            small.append((cmd, reply))
            # Wire: one reply with the id the fuzzer's first request has
            # (control bytes: read size, size limit), after a greeting.
            wire = dict(reply, id=7)
            put("fuzz-qmp-wire", b"\x3f\xff" + (compact(greeting) + "\r\n" + compact(wire) + "\n").encode())
        # Replay: the whole probe, shortened, as a libvirt-style transcript.
        text = "".join(pretty(c) + "\n\n" + pretty(r) + "\n\n" for c, r in small)
        put("fuzz-qmp-replay", text)
        # And the bare minimum a probe accepts.
        need = {"qmp_capabilities", "query-version", "query-target", "query-machines"}
        put("fuzz-qmp-replay", "".join(compact(c) + "\n" + compact(r) + "\n" for c, r in small
                                       if c["execute"] in need))
    # Wire: a whole session, events and an error included.
    session = [greeting, {"event": "RESUME", "data": {}, "timestamp": {"seconds": 1, "microseconds": 2}},
               {"return": {}, "id": 7},
               {"id": 8, "error": {"class": "CommandNotFound", "desc": "The command query-version has not been found"}},
               {"return": [{"name": "pc-q35-7.2", "alias": "q35", "is-default": True, "cpu-max": 288}], "id": 9}]
    put("fuzz-qmp-wire", b"\x07\x20" + "".join(compact(m) + "\n" for m in session).encode())

    fw = sorted(glob.glob("/usr/share/qemu/firmware/*.json") +
                glob.glob(os.path.join(TOP, "tests", "data", "hosts", "*", "usr", "share", "qemu", "firmware", "*.json")) +
                glob.glob(os.path.join(TOP, "tests", "data", "firmware", "**", "*.json"), recursive=True))
    for path in fw:
        data = open(path, "rb").read()
        if len(data) < 64 * 1024:
            put("fuzz-firmware-desc", data)
    # One whole descriptor for each kind of text yajl (libvirt 9.0) and
    # json-c (11.3) disagree on (tests/unit/test-firmware-desc.c has them all).
    head = (b'{"interface-types":["uefi"],"mapping":{"device":"memory","filename":"/fw.bin"},'
            b'"targets":[{"architecture":"x86_64","machines":["pc-q35-*"]}],"features":[]')
    for extra in [b',"n":-01', b',"n":NaN', b',"n":1.', b',"o":{\'a\':1}', b',"d":"a\tb"',
                  b',"d":"caf\xc3\xa9"', b',"d":"\xc0\x80"', b',"x":1,"x":2',
                  b',"n":123456789012345678901234567890', b',"deep":' + b"[" * 40 + b"]" * 40]:
        put("fuzz-firmware-desc", head + extra + b"}")
    put("fuzz-firmware-desc", b"\v\f" + head + b"}")

    if schema:
        for q in QUESTIONS:
            put("fuzz-schema", q + "\n" + compact(schema))

    if cache_entry:
        entry = json.load(open(cache_entry))
        facts = entry["facts"]
        for k in ("types", "props"):
            facts[k] = facts[k][:60]
        for acc in facts.get("accel", {}).values():
            for k in ("machines", "cpu-definitions"):
                if k in acc:
                    acc[k] = acc[k][:6] + [m for m in acc[k][6:] if m.get("is-default")]
        # The fuzzer puts the live key where the seed says @KEY@.
        text = compact({"domcaps-cache": entry["domcaps-cache"], "key": "@KEY@", "facts": facts})
        put("fuzz-cache", text.replace('"@KEY@"', "@KEY@"))
        put("fuzz-cache", text.replace('"@KEY@"', "@KEY@").replace('"memo":', '"memo-x":'))


if __name__ == "__main__":
    main()
