#!/usr/bin/env python3
"""The CLI's front door: help that fits a terminal, typos that say what was meant.

  - `domcaps --help` and every command's `--help` (the commands as --help
    lists them) exit 0, fit 80 columns and a screen (30 lines for domcaps
    itself, which lists the commands; 24 for each command), and show an
    example whose command and options are real: the example's command is
    that command, and each --option in it is one --help-all lists for it;
  - a misspelt command (`domcaps chek`) or long option (`--virtype`, of
    domcaps, of a GLib-parsed command and of a virsh-style CPU command) is a
    one-line error naming the nearest one, exit status 1, nothing on stdout;
  - a word or option near nothing gets no suggestion, and virsh's positional
    VIRTTYPE (`domcaps qemu ...`) is still a virttype, not a typo.

Prints TAP. Usage: test_help.py DOMCAPS
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402


def run(domcaps, *args):
    env = dict(os.environ, LC_ALL="C.UTF-8")
    p = subprocess.run([domcaps] + list(args), capture_output=True, text=True, env=env, timeout=60,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def commands(domcaps):
    out = run(domcaps, "--help")[1]
    section = out.split("Other commands", 1)[1] if "Other commands" in out else ""
    return re.findall(r"^  ([a-z][a-z0-9-]*) ", section, re.M)


def example_of(text):
    m = re.search(r"^Example: (.*)$", text, re.M)
    return m.group(1).split("    (")[0].split() if m else None


def check_help(domcaps, cmd, max_lines):
    args = ([cmd] if cmd else []) + ["--help"]
    rc, out, err = run(domcaps, *args)
    name = "domcaps " + (cmd + " " if cmd else "") + "--help"
    lines = out.splitlines()
    wide = [line for line in lines if len(line) > 80]
    check(rc == 0 and not err, f"{name}: exit 0, nothing on stderr", err)
    check(not wide, f"{name}: fits 80 columns", "\n".join(wide))
    check(0 < len(lines) <= max_lines, f"{name}: {len(lines)} lines, at most {max_lines}")
    example = example_of(out)
    check(example is not None, f"{name}: shows an example", out)
    if not example:
        return
    words = example[1:]
    check(example[0] == "domcaps" and (not cmd or words[:1] == [cmd]),
          f"{name}: the example runs domcaps {cmd or ''}".rstrip(), " ".join(example))
    known = set(re.findall(r"--[a-z][a-z0-9-]*", run(domcaps, *([cmd] if cmd else []), "--help-all")[1]))
    used = [w.split("=")[0] for w in words if w.startswith("--")]
    unknown = [w for w in used if w not in known]
    check(not unknown, f"{name}: the example's options are real ({' '.join(used)})", " ".join(unknown))


def check_typo(domcaps, args, expected):
    rc, out, err = run(domcaps, *args)
    lines = err.splitlines()
    check(rc == 1 and not out and len(lines) == 1 and expected in err,
          f"domcaps {' '.join(args)}: one line with \"{expected}\", exit 1",
          f"exit {rc}\nstdout: {out!r}\nstderr: {err!r}")


def main():
    domcaps = sys.argv[1]
    cmds = commands(domcaps)
    check(len(cmds) >= 12 and "check" in cmds and "cpu-models" in cmds,
          f"--help lists the commands ({len(cmds)})", " ".join(cmds))
    check_help(domcaps, None, 30)
    for cmd in cmds:
        check_help(domcaps, cmd, 24)
    rc, out, _ = run(domcaps, "domcapabilities", "--help")
    check(rc == 0 and all(o in out for o in ("--expand-cpu-features", "--supported-cpu-features",
                                             "--disable-deprecated-features", "--schema", "--cache-dir")),
          "domcapabilities --help names the options scripts grep for (KubeVirt's labeller)")

    check_typo(domcaps, ["chek", "web01.xml"], "unknown command 'chek'; did you mean 'check'?")
    check_typo(domcaps, ["intersct", "a.xml"], "did you mean 'intersect'?")
    check_typo(domcaps, ["domcapabilites"], "did you mean 'domcapabilities'?")
    check_typo(domcaps, ["hypervisor-cpu-baselin"], "did you mean 'hypervisor-cpu-baseline'?")
    check_typo(domcaps, ["--virtype", "qemu"], "unknown option --virtype; did you mean --virttype?")
    check_typo(domcaps, ["--machin=q35"], "unknown option --machin; did you mean --machine?")
    check_typo(domcaps, ["check", "--cap", "x.xml", "d.xml"], "unknown option --cap; did you mean --caps?")
    check_typo(domcaps, ["diff", "--quite", "a.xml", "b.xml"], "unknown option --quite; did you mean --quiet?")
    check_typo(domcaps, ["matrix", "--virtype", "qemu"], "did you mean --virttype?")
    check_typo(domcaps, ["cpu-baseline", "--feature", "x.xml"],
               "error: command 'cpu-baseline' doesn't support option --feature; did you mean --features?")
    check_typo(domcaps, ["hypervisor-cpu-compare", "--virtype", "kvm", "x.xml"], "did you mean --virttype?")

    rc, _, err = run(domcaps, "--frobnicate")
    check(rc == 1 and "did you mean" not in err and "--frobnicate" in err,
          "an option near none: GLib's message, no suggestion", err)
    rc, _, err = run(domcaps, "xyzzy")
    check(rc == 1 and "did you mean" not in err and "xyzzy" in err,
          "a word near no command is virsh's positional VIRTTYPE", err)
    rc, _, err = run(domcaps, "qemu", "/nonexistent/qemu-system-x86_64")
    check(rc == 1 and "unknown command" not in err and "/nonexistent/qemu-system-x86_64" in err,
          "domcaps qemu EMULATOR: virsh's positional form still", err)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
