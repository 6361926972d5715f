#!/usr/bin/env python3
"""CLI cases for check, intersect, compare, diff and matrix, one directory
each under tests/analyze/cases/NAME/:

  args             domcaps arguments (shell syntax, one line); @DATA@ is
                   tests/data, @TMP@ a scratch directory holding huge.xml
                   (9 MiB) and deep.xml (10000 levels) made for the run
  stdin            fed to the command's standard input
  expected-exit    the exit status (default 0)
  expected.out     the exact standard output (with tests/data shown as
                   @DATA@ and the scratch directory as @TMP@), or
  expected-same-as a file under tests/data whose content is the output
  stdout-contains  lines the standard output must contain
  stderr-contains  lines the standard error must contain (then it is one line)
  expected.err     the exact standard error
  kinds-after      lines "PATH KIND" (@TMP@ as above; KIND: chardev, symlink,
                   file): what each path is after the command (an output
                   file written through must not be replaced)

Prints TAP. Usage: run.py DOMCAPS_BINARY [NAME...]
"""
import os
import shlex
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from tap import cases  # noqa: E402
DATA = os.path.join(os.path.dirname(HERE), "data")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def make_scratch(tmp):
    with open(os.path.join(tmp, "huge.xml"), "w") as f:
        f.write("<domain type='kvm'><description>")
        f.write("x" * (9 << 20))
        f.write("</description></domain>\n")
    with open(os.path.join(tmp, "deep.xml"), "w") as f:
        f.write("<domain>" + "<a>" * 10000 + "</a>" * 10000 + "</domain>\n")
    open(os.path.join(tmp, "target.xml"), "w").close()
    os.symlink("target.xml", os.path.join(tmp, "link.xml"))


KINDS = {"chardev": stat.S_ISCHR, "symlink": stat.S_ISLNK, "file": stat.S_ISREG}


def kind_problems(lines, tmp):
    problems = []
    for line in lines.splitlines():
        if not line.strip():
            continue
        path, kind = line.replace("@TMP@", tmp).split()
        try:
            mode = os.lstat(path).st_mode
        except OSError as e:
            problems.append(f"{path}: {e.strerror}")
            continue
        if not KINDS[kind](mode):
            problems.append(f"{path} is no longer a {kind} (mode {oct(mode)})")
    return problems


def run_case(domcaps, case, tmp):
    def opt(name):
        path = os.path.join(case, name)
        return read(path) if os.path.exists(path) else None

    line = read(os.path.join(case, "args")).strip()
    line = line.replace("@DATA@", DATA).replace("@TMP@", tmp)
    cmd = [domcaps] + shlex.split(line)
    stdin = opt("stdin")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, input=stdin or "",
                          env=dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache")))
    # paths under tests/data print as @DATA@, wherever the checkout is
    proc.stdout = proc.stdout.replace(DATA, "@DATA@").replace(tmp, "@TMP@")
    problems = []
    want_exit = int((opt("expected-exit") or "0").strip())
    if proc.returncode != want_exit:
        problems.append(f"exit {proc.returncode}, expected {want_exit}; stderr: {proc.stderr.strip()!r}")
    want = opt("expected.out")
    same_as = opt("expected-same-as")
    if same_as is not None:
        want = read(os.path.join(DATA, same_as.strip()))
    if want is not None and proc.stdout != want:
        import difflib
        diff = difflib.unified_diff(want.splitlines(), proc.stdout.splitlines(), "expected", "actual",
                                    lineterm="", n=1)
        problems.append("output differs:\n" + "\n".join(list(diff)[:40]))
    for want_line in (opt("stdout-contains") or "").splitlines():
        if want_line and want_line not in proc.stdout:
            problems.append(f"stdout lacks {want_line!r}")
    want_err = opt("expected.err")
    if want_err is not None and proc.stderr != want_err:
        problems.append(f"stderr {proc.stderr!r}, expected {want_err!r}")
    err_lines = opt("stderr-contains")
    if err_lines is not None:
        for want_line in err_lines.splitlines():
            if want_line and want_line not in proc.stderr:
                problems.append(f"stderr lacks {want_line!r}: {proc.stderr.strip()!r}")
        if proc.stderr.count("\n") > 1:
            problems.append(f"error is more than one line: {proc.stderr!r}")
    problems += kind_problems(opt("kinds-after") or "", tmp)
    if "-CRITICAL **" in proc.stderr or "-WARNING **" in proc.stderr:   # a GLib assertion that failed
        problems.append(f"GLib complained: {proc.stderr.strip()!r}")
    if want_exit != 1 and "AddressSanitizer" in proc.stderr:
        problems.append(proc.stderr)
    return problems


def main():
    domcaps = sys.argv[1]
    cases_dir = os.path.join(HERE, "cases")
    names = sys.argv[2:] or sorted(os.listdir(cases_dir))
    with tempfile.TemporaryDirectory(prefix="domcaps-analyze-") as tmp:
        make_scratch(tmp)
        return cases(names, lambda name: run_case(domcaps, os.path.join(cases_dir, name), tmp))


if __name__ == "__main__":
    sys.exit(main())
