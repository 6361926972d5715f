#!/usr/bin/python3
"""The Python binding's CPU functions (cpu_extract, cpu_baseline,
hypervisor_cpu_baseline, hypervisor_cpu_compare, cpu_models): each answer
equals the CLI's (without virsh's trailing blank line), each failure is a
domcaps.Error with the CLI's message and the library's code, and many
calls do not grow memory. TAP output.

Usage: test_cpu.py DOMCAPS_CLI DATA_DIR (tests/data/cpu-commands)
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402

import domcaps  # noqa: E402

CLI, DATA = sys.argv[1], sys.argv[2]
CACHE = tempfile.mkdtemp(prefix="domcaps-py-cpu-")
HOSTS = sorted(os.path.join(DATA, "hosts", f) for f in os.listdir(os.path.join(DATA, "hosts")))


def cli(*args):
    """stdout, the error message (stderr's last 'error:' line) and status."""
    p = subprocess.run([CLI] + list(args) + ["--cache-dir", CACHE], capture_output=True, text=True)
    # the last "error: " message, which may span lines (XML errors)
    errors = ("\n" + p.stderr).split("\nerror: ")[1:]
    return p.stdout, errors[-1].rstrip("\n") if errors else None, p.returncode


def text(path):
    return open(path).read()


def call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs), None
    except domcaps.Error as e:
        return None, e


def same_as_cli(what, result, cli_args, code=None):
    out, error, rc = cli(*cli_args)
    value, exc = result
    if exc is None:
        ok = rc == 0 and value + "\n" == out
        detail = f"binding: {value!r}\ncli: {out!r} {error!r}"
    else:
        ok = rc != 0 and str(exc) == error and (code is None or exc.code == code)
        detail = f"binding error: {exc} (code {exc.code})\ncli error: {error!r}"
    check(ok, what, detail)


# ---- answers equal the CLI's -------------------------------------------------
tmp = tempfile.mkdtemp(prefix="domcaps-py-cpu-files-")
group = os.path.join(tmp, "group.xml")
with open(group, "w") as f:
    f.write(text(HOSTS[10]) + text(HOSTS[12]) + text(HOSTS[13]))
cpus = domcaps.cpu_extract(text(group), group)
check(len(cpus) == 3 and all(c.startswith("<cpu>") for c in cpus), "cpu_extract finds the three CPUs of a file")

for flags in ({}, {"features": True}, {"migratable": True}):
    args = ["--features"] * flags.get("features", False) + ["--migratable"] * flags.get("migratable", False)
    same_as_cli(f"cpu_baseline {flags} equals the CLI's", call(domcaps.cpu_baseline, cpus, **flags),
                ["cpu-baseline", group] + args)
    for vt in ("kvm", "qemu"):
        same_as_cli(f"hypervisor_cpu_baseline {vt} {flags} equals the CLI's",
                    call(domcaps.hypervisor_cpu_baseline, cpus, virttype=vt, cache_dir=CACHE, **flags),
                    ["hypervisor-cpu-baseline", group, "--virttype", vt] + args)

verdicts = {domcaps.CPU_COMPARE_INCOMPATIBLE: "incompatible", domcaps.CPU_COMPARE_IDENTICAL: "identical",
            domcaps.CPU_COMPARE_SUPERSET: "superset"}
caps = subprocess.run([CLI, "--schema", "9.0", "--cache-dir", CACHE], capture_output=True, text=True).stdout
host_model = domcaps.cpu_extract(caps, "caps.xml")[0]
for name, cpu in (("this host's host-model", host_model), ("kvm64", "<cpu><model>kvm64</model></cpu>"),
                  ("qemu64 without pni", "<cpu><model>qemu64</model><feature policy='disable' name='pni'/></cpu>")):
    path = os.path.join(tmp, "compare.xml")
    with open(path, "w") as f:
        f.write(cpu)
    r = domcaps.hypervisor_cpu_compare(cpu, cache_dir=CACHE)
    out, _, _ = cli("hypervisor-cpu-compare", path)
    check(verdicts[r] in out, f"hypervisor_cpu_compare of {name}: {verdicts[r]}, as the CLI says", out)
    if r == domcaps.CPU_COMPARE_INCOMPATIBLE:
        same_as_cli(f"hypervisor_cpu_compare(error=True) of {name} raises the CLI's error",
                    call(domcaps.hypervisor_cpu_compare, cpu, error=True, cache_dir=CACHE),
                    ["hypervisor-cpu-compare", path, "--error"], domcaps.ERROR_CPU_INCOMPATIBLE)

for arch in ("x86_64", "ppc64", "aarch64"):
    out, _, _ = cli("cpu-models", arch)
    models = domcaps.cpu_models(arch)
    expect = [] if "all CPU models are accepted" in out else [m for m in out.split("\n") if m]
    check(models == expect, f"cpu_models({arch!r}) lists the CLI's models ({len(models)})")

# ---- failures are domcaps.Error with the CLI's message and a code ------------
bad = os.path.join(tmp, "bad.xml")
failures = [
    ("vendors differ", HOSTS[10], HOSTS[26], domcaps.ERROR_INVALID_CPU),
    ("unknown model", "<cpu><arch>x86_64</arch><model>Bogus</model></cpu>", None, domcaps.ERROR_INVALID_CPU),
    ("no arch", "<cpu><model>Westmere</model></cpu>", None, domcaps.ERROR_INVALID_XML),
    ("malformed", "<cpu><model>Westmere</model>", None, domcaps.ERROR_INVALID_XML),
]
for what, first, second, code in failures:
    body = (text(first) if os.path.exists(first) else first) + (text(second) if second else "")
    with open(bad, "w") as f:
        f.write(body)
    extracted = call(domcaps.cpu_extract, body, bad)
    if extracted[1] is not None:
        same_as_cli(f"cpu_extract: {what} is the CLI's error", extracted, ["cpu-baseline", bad], code)
    else:
        same_as_cli(f"cpu_baseline: {what} is the CLI's error", call(domcaps.cpu_baseline, extracted[0]),
                    ["cpu-baseline", bad], code)
same_as_cli("cpu_models('bogus') is the CLI's error", call(domcaps.cpu_models, "bogus"), ["cpu-models", "bogus"],
            domcaps.ERROR_INVALID_ARG)
same_as_cli("an unknown machine is the CLI's error",
            call(domcaps.hypervisor_cpu_baseline, cpus, machine="bogus", cache_dir=CACHE),
            ["hypervisor-cpu-baseline", group, "--machine", "bogus"], domcaps.ERROR_INVALID_ARG)
same_as_cli("aarch64 is not supported, as the CLI says",
            call(domcaps.hypervisor_cpu_baseline, ["<cpu><model>cortex-a57</model></cpu>"], arch="aarch64",
                 cache_dir=CACHE),
            ["hypervisor-cpu-baseline", "--model", "cortex-a57", "--arch", "aarch64"], domcaps.ERROR_UNSUPPORTED)
try:
    domcaps.cpu_baseline("not a list of strings")
    check(False, "a str is not taken for a list of CPUs")
except (TypeError, domcaps.Error) as e:
    check(True, f"a str is not taken for a list of CPUs ({type(e).__name__})")


# ---- memory ---------------------------------------------------------------------
def rss_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def round_of_calls():
    domcaps.cpu_baseline(cpus, features=True)
    domcaps.cpu_extract(caps, "caps.xml")
    domcaps.cpu_models("x86_64")
    call(domcaps.cpu_baseline, ["<cpu><model>x</model>"])


for _ in range(50):
    round_of_calls()
before = rss_kib()
for _ in range(500):
    round_of_calls()
grew = rss_kib() - before
check(grew < 4096, f"500 rounds of CPU calls grow resident memory by {grew} KiB (< 4 MiB)")

sys.exit(finish())
