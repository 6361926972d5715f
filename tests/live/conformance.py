#!/usr/bin/env python3
"""Live conformance: for every combination in matrix.txt, run the real QEMU
through domcaps and through libvirt 9.0 (tests/reference/libvirt-domcaps)
and require byte-identical output (trailing blank lines aside); validate
domcaps' output against libvirt's RelaxNG schema. Prints TAP, one test per
combination plus one per schema validation.

domcaps runs with --schema 9.0: its default is the newest libvirt format.

Usage: conformance.py DOMCAPS_BINARY MATRIX_FILE
Environment: DOMCAPS_ORACLE overrides the oracle path.
"""
import difflib
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = "/usr/share/libvirt/schemas/domaincaps.rng"


sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from oracle import ensure_oracle_daemon, find_oracle, run_oracle  # noqa: E402


def main():
    domcaps, matrix = sys.argv[1], sys.argv[2]
    oracle = find_oracle()
    combos = [l.strip() for l in open(matrix) if l.strip() and not l.startswith("#")]
    print(f"1..{2 * len(combos)}")
    ensure_oracle_daemon(oracle)
    failed = 0
    n = 0
    for combo in combos:
        args = shlex.split(combo)
        ours = subprocess.run([domcaps, "--schema", "9.0"] + args, capture_output=True, text=True, timeout=120)
        theirs = run_oracle(oracle, args)
        n += 1
        a, b = ours.stdout.rstrip("\n"), theirs.stdout.rstrip("\n")
        if ours.returncode != 0 or theirs.returncode != 0 or a != b:
            failed += 1
            print(f"not ok {n} - identical to libvirt: {combo}")
            if ours.returncode != 0:
                print(f"# domcaps exit {ours.returncode}: {ours.stderr.strip()}")
            if theirs.returncode != 0:
                print(f"# libvirt exit {theirs.returncode}: {theirs.stderr.strip()[-300:]}")
            for line in list(difflib.unified_diff(b.splitlines(), a.splitlines(), "libvirt", "domcaps",
                                                  lineterm="", n=1))[:60]:
                print(f"# {line}")
        else:
            print(f"ok {n} - identical to libvirt: {combo}")
        n += 1
        v = subprocess.run(["xmllint", "--noout", "--relaxng", SCHEMA, "-"], input=ours.stdout,
                           capture_output=True, text=True)
        if ours.returncode == 0 and v.returncode == 0:
            print(f"ok {n} - valid against domaincaps.rng: {combo}")
        else:
            failed += 1
            print(f"not ok {n} - valid against domaincaps.rng: {combo}")
            for line in v.stderr.strip().splitlines()[:10]:
                print(f"# {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
