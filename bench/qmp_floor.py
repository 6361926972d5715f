#!/usr/bin/env python3
"""The floor of a cold probe: QEMU alone answering the questions domcaps asked.

Usage: qmp_floor.py TRANSCRIPT QEMU RUNS ACCELS

TRANSCRIPT is a `domcaps --record` file, ACCELS the accelerator of each of
its passes, comma-separated (two passes are KVM's then TCG's). Each pass is sent
whole, every command at once, to a QEMU started the way domcaps starts one
but talking on stdio, the passes' QEMUs at the same time; no JSON is parsed,
no document built. Prints the median wall time of RUNS such runs in ms.
"""
import json
import statistics
import subprocess
import sys
import time


def passes(path):
    text = open(path).read()
    dec = json.JSONDecoder()
    pos, out = 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return out
        obj, pos = dec.raw_decode(text, pos)
        if "execute" not in obj:
            continue
        if obj["execute"] == "qmp_capabilities":
            out.append([])
        cmd = {"execute": obj["execute"]}
        if "arguments" in obj:
            cmd["arguments"] = obj["arguments"]
        out[-1].append(json.dumps(cmd))


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    transcript, qemu, runs, accels = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split(",")
    ps = passes(transcript)
    if len(ps) != len(accels):
        sys.exit(f"{transcript} holds {len(ps)} passes, {len(accels)} accelerators given")
    inputs = ["\n".join(p + ['{"execute": "quit"}']) + "\n" for p in ps]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        procs = []
        for accel, data in zip(accels, inputs):
            p = subprocess.Popen([qemu, "-S", "-no-user-config", "-nodefaults", "-nographic",
                                  "-machine", "none", "-accel", accel, "-qmp", "stdio"],
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append((p, data))
        for p, data in procs:
            p.stdin.write(data.encode())
            p.stdin.close()
        for p, _ in procs:
            p.wait()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
