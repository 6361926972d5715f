#!/usr/bin/env python3
"""--record writes a transcript that --replay answers from exactly as the
live QEMU did: for a one-pass probe and for an x86 TCG query on a KVM host,
whose KVM and TCG passes run side by side but are recorded KVM first, as
libvirt's transcripts are. Prints TAP. Usage: record_replay.py DOMCAPS"""
import os
import subprocess
import sys
import tempfile

QUERIES = [
    ["--virttype", "qemu", "--arch", "aarch64", "--machine", "virt"],
    ["--virttype", "qemu", "--arch", "x86_64", "--machine", "q35"],
    ["--virttype", "qemu", "--arch", "i686"],
]


def main():
    domcaps = sys.argv[1]
    kvm = os.access("/dev/kvm", os.R_OK | os.W_OK)
    print(f"1..{len(QUERIES)}")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="domcaps-record-") as tmp:
        for i, q in enumerate(QUERIES, 1):
            rec = os.path.join(tmp, f"{i}.replies")
            live = subprocess.run([domcaps, "--no-cache", "--record", rec] + q, capture_output=True, text=True,
                                  timeout=120)
            problems = []
            if live.returncode != 0:
                problems.append(f"live: {live.stderr.strip()}")
            else:
                text = open(rec).read()
                passes = text.count('"execute": "qmp_capabilities"')
                want = 2 if kvm and "aarch64" not in q else 1
                if passes != want:
                    problems.append(f"{passes} passes recorded, expected {want}")
                first = text.split('"execute": "qmp_capabilities"')[1] if passes else ""
                if want == 2 and '"enabled": true' not in first.split("query-kvm", 1)[-1][:400]:
                    problems.append("the first recorded pass is not the KVM one")
                rep = subprocess.run([domcaps, "--replay", rec, "--root", "/"] + q, capture_output=True,
                                     text=True, timeout=120)
                if rep.returncode != 0:
                    problems.append(f"replay: {rep.stderr.strip()}")
                elif rep.stdout != live.stdout:
                    problems.append("replayed document differs from the live one")
            name = f"record then replay: {' '.join(q)}"
            if problems:
                failed += 1
                print(f"not ok {i} - {name}")
                for p in problems:
                    print(f"# {p}")
            else:
                print(f"ok {i} - {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
