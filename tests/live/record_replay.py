#!/usr/bin/env python3
"""--record writes a transcript that --replay answers from exactly as the
live QEMU did: for a one-pass probe and for an x86 TCG query on a KVM host,
whose KVM and TCG passes run side by side but are recorded KVM first, as
libvirt's transcripts are.

Unrecorded, that KVM pass asks only what depends on the accelerator; the
cache entry it leaves must answer a later KVM query exactly as a fresh KVM
probe does, without starting QEMU again. Prints TAP.
Usage: record_replay.py DOMCAPS"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402

QUERIES = [
    ["--virttype", "qemu", "--arch", "aarch64", "--machine", "virt"],
    ["--virttype", "qemu", "--arch", "x86_64", "--machine", "q35"],
    ["--virttype", "qemu", "--arch", "i686"],
]


def report(name, problems):
    check(not problems, name, "\n".join(problems))


def main():
    domcaps = sys.argv[1]
    kvm = os.access("/dev/kvm", os.R_OK | os.W_OK)
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
            report(f"record then replay: {' '.join(q)}", problems)
        for arch in ("x86_64", "i686"):
            cache = os.path.join(tmp, f"cache-{arch}")
            # The emulator is a wrapper that counts QEMU starts.
            log = os.path.join(tmp, f"starts-{arch}")
            wrapper = os.path.join(tmp, f"bin-{arch}", "qemu-system-x86_64")
            os.makedirs(os.path.dirname(wrapper))
            with open(wrapper, "w") as f:
                f.write(f"#!/bin/sh\necho start >> {log}\nexec /usr/bin/qemu-system-x86_64 \"$@\"\n")
            os.chmod(wrapper, 0o755)
            starts = lambda: len(open(log).read().splitlines()) if os.path.exists(log) else 0  # noqa: E731
            run = lambda *a: subprocess.run([domcaps, "--arch", arch, "--emulatorbin", wrapper] + list(a),  # noqa: E731
                                            capture_output=True, text=True, timeout=120)
            problems = []
            tcg = run("--virttype", "qemu", "--cache-dir", cache)
            after_tcg = starts()
            warm = run("--virttype", "kvm", "--cache-dir", cache)
            after_warm = starts()
            fresh = run("--virttype", "kvm", "--no-cache")
            if tcg.returncode != 0:
                problems.append(f"TCG query: {tcg.stderr.strip()}")
            elif after_tcg != (2 if kvm else 1):
                problems.append(f"TCG query started QEMU {after_tcg} times")
            elif not kvm:
                if warm.returncode == 0 or fresh.returncode == 0:
                    problems.append("KVM query answered on a host without usable KVM")
            elif warm.returncode != 0 or fresh.returncode != 0:
                problems.append(f"KVM query failed: {warm.stderr.strip()} {fresh.stderr.strip()}")
            elif warm.stdout != fresh.stdout:
                problems.append("KVM document from the TCG query's entry differs from a fresh KVM probe")
            elif after_warm != after_tcg:
                problems.append("the KVM query started QEMU again")
            report(f"{arch}: a TCG query's KVM pass serves a later KVM query as a fresh probe would", problems)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
