#!/usr/bin/python3
"""The Python binding's fleet and publishing functions (intersect,
labels, traits): each answer equals the CLI's for the same documents,
each failure is a domcaps.Error with the CLI's message and the library's
code. TAP output.

Usage: test_fleet.py DOMCAPS_CLI DATA_DIR (tests/data)
"""
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402

import domcaps  # noqa: E402

CLI, DATA = sys.argv[1], sys.argv[2]
CAPS = os.path.join(DATA, "analyze", "caps")


def cli(*args):
    p = subprocess.run([CLI] + list(args), capture_output=True, text=True)
    return p.stdout, p.stderr.strip().removeprefix("domcaps: "), p.returncode


def error_of(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except domcaps.Error as e:
        return str(e), e.code
    return None, None


def main():
    pairs = [("x86_64-tcg-pc.xml", "x86_64-tcg-q35.xml"), ("x86_64-kvm-default.xml", "x86_64-tcg-pc.xml"),
             ("x86_64-kvm-default.xml", "x86_64-kvm-default.xml")]
    for a, b in pairs:
        paths = [os.path.join(CAPS, a), os.path.join(CAPS, b)]
        docs = [open(p).read() for p in paths]
        out, err, rc = cli("intersect", *paths)
        if rc == 0:
            check(domcaps.intersect(docs) == out, f"intersect({a}, {b}) is the CLI's document")
        else:
            msg, code = error_of(domcaps.intersect, docs)
            check(msg and msg in err and code == domcaps.ERROR_INVALID_ARG,
                  f"intersect({a}, {b}) fails as the CLI: {err}", f"{msg} {code}")
    tcg = [open(os.path.join(CAPS, f)).read() for f in ("x86_64-tcg-pc.xml", "x86_64-tcg-q35.xml")]
    out, _, rc = cli("intersect", "-o", "/dev/null", "--cpu", "-", *(os.path.join(CAPS, f) for f in
                                                                       ("x86_64-tcg-pc.xml", "x86_64-tcg-q35.xml")))
    check(rc == 0 and domcaps.intersect(tcg, cpu=True) == out, "intersect(cpu=True) is the CLI's --cpu")
    arm = open(os.path.join(CAPS, "aarch64-tcg-virt.xml")).read()
    msg, code = error_of(domcaps.intersect, [tcg[0], arm])
    check(code == domcaps.ERROR_INVALID_ARG and "architectures" in msg, "documents of two arches: domcaps.Error",
          msg)
    try:
        domcaps.intersect("<domainCapabilities/>")
        raised = None
    except TypeError as e:
        raised = str(e)
    check(raised and "sequence" in raised, "one string is not a sequence of documents: TypeError", raised)
    for path in sorted(glob.glob(os.path.join(CAPS, "*.xml"))):
        xml, name = open(path).read(), os.path.basename(path)
        out, _, rc = cli("labels", "--format", "json", "--caps", path)
        check(rc == 0 and domcaps.labels(xml) == json.loads(out)["labels"], f"labels({name}) are the CLI's")
        out, _, rc = cli("traits", "--caps", path)
        check(rc == 0 and domcaps.traits(xml) == out.split(), f"traits({name}) are the CLI's")
    msg, code = error_of(domcaps.labels, "<domain/>")
    check(code == domcaps.ERROR_INVALID_XML, "labels of what is not a capabilities document: domcaps.Error", msg)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
