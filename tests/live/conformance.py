#!/usr/bin/env python3
"""Live conformance: for every combination in matrix.txt, run the real QEMU
through domcaps and through libvirt 9.0 (tests/reference/libvirt-domcaps)
and require byte-identical output (trailing blank lines aside); validate
domcaps' output against libvirt's RelaxNG schema. Prints TAP, one test per
combination plus one per schema validation.

domcaps runs with no --schema and no $DOMCAPS_SCHEMA: the libvirt installed
on this host (9.0 on Debian 12) decides which release it prints, as it does
for a user; a first test says that this is 9.0.

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
from tap import check, finish  # noqa: E402


def main():
    domcaps, matrix = sys.argv[1], sys.argv[2]
    oracle = find_oracle()
    combos = [l.strip() for l in open(matrix) if l.strip() and not l.startswith("#")]
    ensure_oracle_daemon(oracle)
    env = {k: v for k, v in os.environ.items() if k != "DOMCAPS_SCHEMA"}
    version = subprocess.run([domcaps, "--version"], capture_output=True, text=True, env=env)
    check("prints libvirt 9.0's format: libvirt 9.0." in version.stdout,
          "with no option, domcaps follows the host's libvirt 9.0", version.stdout + version.stderr)
    for combo in combos:
        args = shlex.split(combo)
        ours = subprocess.run([domcaps] + args, capture_output=True, text=True, timeout=120, env=env)
        theirs = run_oracle(oracle, args)
        a, b = ours.stdout.rstrip("\n"), theirs.stdout.rstrip("\n")
        detail = []
        if ours.returncode != 0:
            detail.append(f"domcaps exit {ours.returncode}: {ours.stderr.strip()}")
        if theirs.returncode != 0:
            detail.append(f"libvirt exit {theirs.returncode}: {theirs.stderr.strip()[-300:]}")
        detail += list(difflib.unified_diff(b.splitlines(), a.splitlines(), "libvirt", "domcaps",
                                            lineterm="", n=1))[:60]
        check(ours.returncode == 0 and theirs.returncode == 0 and a == b, f"identical to libvirt: {combo}",
              "\n".join(detail), lines=70)
        v = subprocess.run(["xmllint", "--noout", "--relaxng", SCHEMA, "-"], input=ours.stdout,
                           capture_output=True, text=True)
        check(ours.returncode == 0 and v.returncode == 0, f"valid against domaincaps.rng: {combo}",
              v.stderr.strip(), lines=10)
    return finish()

if __name__ == "__main__":
    sys.exit(main())
