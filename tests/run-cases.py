#!/usr/bin/env python3
"""Data-driven replay cases, one directory each under tests/cases/NAME/:

  args            domcaps command-line arguments (shell syntax, one line)
  transcript.qmp  QMP transcript answered instead of running QEMU (--replay),
  transcript      or the name of one under tests/data/qmp/
  host            name of a fixture host tree under tests/data/hosts/ (--root)
  expected.xml    expected standard output (or expected.json)
  expected-error  expected: first line "exit N", then a substring of stderr

Prints TAP. Usage: run-cases.py DOMCAPS_BINARY CASES_DIR [NAME...]
"""
import os
import shlex
import subprocess
import sys

from tap import cases


def run_case(domcaps, case_dir, data_dir):
    args = shlex.split(open(os.path.join(case_dir, "args")).read().strip())
    cmd = [domcaps] + args
    transcript = os.path.join(case_dir, "transcript.qmp")
    named = os.path.join(case_dir, "transcript")
    if os.path.exists(named):
        transcript = os.path.join(data_dir, "qmp", open(named).read().strip())
    if os.path.exists(transcript):
        cmd += ["--replay", transcript]
    host_file = os.path.join(case_dir, "host")
    if os.path.exists(host_file):
        host = open(host_file).read().strip()
        root = os.path.join(data_dir, "hosts", host)
        cmd += ["--root", root]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    problems = []
    err_file = os.path.join(case_dir, "expected-error")
    if os.path.exists(err_file):
        lines = open(err_file).read().splitlines()
        want_rc = int(lines[0].split()[1])
        if proc.returncode != want_rc:
            problems.append(f"exit {proc.returncode}, expected {want_rc}")
        for want in lines[1:]:
            if want and want not in proc.stderr:
                problems.append(f"stderr lacks {want!r}: {proc.stderr.strip()!r}")
        if proc.stderr.count("\n") > 1:
            problems.append("error is more than one line")
        return problems
    if proc.returncode != 0:
        return [f"exit {proc.returncode}: {proc.stderr.strip()}"]
    for name in ("expected.xml", "expected.json"):
        path = os.path.join(case_dir, name)
        if os.path.exists(path):
            want = open(path).read()
            if proc.stdout != want:
                import difflib
                diff = difflib.unified_diff(want.splitlines(), proc.stdout.splitlines(),
                                            "expected", "actual", lineterm="", n=1)
                problems.append("output differs:\n" + "\n".join(list(diff)[:40]))
            return problems
    return ["case has no expected output"]


def main():
    domcaps, cases_dir = sys.argv[1], sys.argv[2]
    data_dir = os.path.join(os.path.dirname(os.path.abspath(cases_dir)), "data")
    names = sys.argv[3:] or sorted(d for d in os.listdir(cases_dir)
                                   if os.path.isdir(os.path.join(cases_dir, d)))
    return cases(names, lambda name: run_case(domcaps, os.path.join(cases_dir, name), data_dir))


if __name__ == "__main__":
    sys.exit(main())
