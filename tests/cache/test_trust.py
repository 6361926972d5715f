#!/usr/bin/env python3
"""Trust only what the caller could have written: a probe cache directory
or entry another user can write is not read, not written, said once on
stderr, and listed as untrusted; root's read-only cache stays trusted.

Through the CLI with the real QEMU behind a wrapper that logs its starts.
Root only (files owned by another user; a plain user through setpriv).
Prints TAP. Usage: test_trust.py DOMCAPS
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tap  # noqa: E402

QEMU = "/usr/bin/qemu-system-x86_64"
OTHER_UID = 64125  # no such account needed: only an owner that is neither us nor root


class Env:
    def __init__(self, domcaps):
        self.domcaps = domcaps
        self.tmp = tempfile.mkdtemp(prefix="domcaps-trust-test-")
        os.chmod(self.tmp, 0o755)
        self.log = os.path.join(self.tmp, "starts.log")
        open(self.log, "w").close()
        os.chmod(self.log, 0o666)
        self.emulator = os.path.join(self.tmp, "bin", "qemu-system-x86_64")
        os.makedirs(os.path.dirname(self.emulator))
        with open(self.emulator, "w") as f:
            f.write(f"#!/bin/sh\necho start >> {self.log}\nexec {QEMU} \"$@\"\n")
        os.chmod(self.emulator, 0o755)
        self.cache = os.path.join(self.tmp, "cache")

    def user_env(self, as_uid):
        """A plain user's environment: its own (empty) home, not root's."""
        if as_uid is None:
            return None
        home = os.path.join(self.tmp, f"home-{as_uid}")
        os.makedirs(home, exist_ok=True)
        os.chown(home, as_uid, as_uid)
        return dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                    XDG_CACHE_HOME=os.path.join(home, ".cache"))

    def run(self, *extra, cache=None, as_uid=None):
        cmd = [self.domcaps, "--emulatorbin", self.emulator, "--virttype", "qemu",
               "--cache-dir", cache or self.cache] + list(extra)
        if as_uid is not None:
            cmd = ["setpriv", f"--reuid={as_uid}", f"--regid={as_uid}", "--clear-groups", "--"] + cmd
        else:
            cmd += ["--user", "root"]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=self.user_env(as_uid))

    def list(self, *extra, cache=None, as_uid=None):
        cmd = [self.domcaps, "cache", "list", "--cache-dir", cache or self.cache] + list(extra)
        if as_uid is not None:
            cmd = ["setpriv", f"--reuid={as_uid}", f"--regid={as_uid}", "--clear-groups", "--"] + cmd
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=self.user_env(as_uid))

    def starts(self):
        return len(open(self.log).read().splitlines())

    def files(self, d=None):
        d = d or self.cache
        out = []
        for root, dirs, files in os.walk(d):
            out += [os.path.relpath(os.path.join(root, n), d) for n in dirs + files]
        return sorted(out)

    def entry(self):
        e = [n for n in os.listdir(self.cache) if n.endswith(".json")]
        check(len(e) == 1, f"expected one entry, found {e}")
        return os.path.join(self.cache, e[0])

    def reference(self):
        r = self.run("--no-cache")
        check(r.returncode == 0, r.stderr)
        return r.stdout

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def one_warning(r, *words):
    words = ("untrusted",) + words
    lines = r.stderr.splitlines()
    check(len(lines) == 1 and lines[0].startswith("domcaps: warning: ") and all(w in lines[0] for w in words),
          f"expected one warning line naming {words}, stderr: {r.stderr!r}")


tests = tap.Tests()
test = tests.add


def untrusted_dir_case(prepare, *words):
    """A cache directory another user can write: each query probes, answers
    as an uncached one, warns once, and leaves the directory as it was."""
    def run(env):
        want = env.reference()
        os.mkdir(env.cache)
        prepare(env)
        before = env.files()
        for i in range(2):
            n = env.starts()
            r = env.run()
            check(r.returncode == 0 and r.stdout == want, f"run {i}: exit {r.returncode}, {r.stderr!r}")
            one_warning(r, env.cache, *words)
            check(env.starts() > n, f"run {i} answered from an untrusted cache without probing")
        check(env.files() == before, f"the untrusted directory was written to: {before} -> {env.files()}")
        lst = env.list()
        check(lst.returncode in (0, 2), lst.stderr)
        pr = subprocess.run([env.domcaps, "cache", "prune", "--cache-dir", env.cache], capture_output=True,
                            text=True, timeout=60)
        check(pr.returncode == 1 and "not pruning" in pr.stderr and env.files() == before,
              f"prune in an untrusted directory: {pr.returncode} {pr.stderr!r}")
    return run


def world_writable(env):
    os.chmod(env.cache, 0o777)


def group_writable(env):
    os.chmod(env.cache, 0o775)


def foreign_owner(env):
    os.chown(env.cache, OTHER_UID, OTHER_UID)


def writable_parent(env):
    # the cache is ours, but its parent lets anyone rename it away
    os.chmod(env.tmp, 0o777)


for name, prep, words in [("world_writable_cache_dir_is_not_used", world_writable, ("every user", "0777")),
                          ("group_writable_cache_dir_is_not_used", group_writable, ("its group", "0775")),
                          ("cache_dir_of_another_user_is_not_used", foreign_owner, (f"uid {OTHER_UID}",)),
                          ("cache_dir_under_a_writable_parent_is_not_used", writable_parent,
                           ("parent", "every user"))]:
    f = untrusted_dir_case(prep, *words)
    f.__name__ = name
    tests.append(f)


@test
def untrusted_dir_entries_are_listed_untrusted(env):
    r = env.run()
    check(r.returncode == 0 and r.stderr == "", r.stderr)
    os.chmod(env.cache, 0o777)
    lst = env.list()
    check(lst.returncode == 2 and "UNTRUSTED" in lst.stdout and "writable by every user" in lst.stdout
          and "(1 untrusted: not read)" in lst.stdout, f"cache list: {lst.stdout}")
    js = env.list("--format", "json")
    entries = json.loads(js.stdout)
    check(len(entries) == 1 and entries[0]["trusted"] is False and entries[0]["valid"] is False,
          f"cache list --format json: {js.stdout}")


def forged_entry(env, chown=None, mode=None):
    """A valid entry, then its facts changed as another user would (a
    machine renamed), then handed to that user or opened to everyone."""
    r = env.run()
    check(r.returncode == 0, r.stderr)
    path = env.entry()
    data = json.load(open(path))
    text = json.dumps(data).replace("pc-q35-", "pc-forged-")
    check(text != json.dumps(data), "the entry has no q35 machine to forge")
    with open(path, "w") as f:
        f.write(text)
    shutil.rmtree(os.path.join(env.cache, "docs"), ignore_errors=True)
    if chown is not None:
        os.chown(path, chown, chown)
    if mode is not None:
        os.chmod(path, mode)
    return path


def forged_entry_case(**how):
    def run(env):
        want = env.reference()
        path = forged_entry(env, **how)
        n = env.starts()
        r = env.run()
        check(r.returncode == 0 and r.stdout == want and "forged" not in r.stdout,
              f"the forged entry was believed: {r.stderr!r}")
        one_warning(r, path, "probed again")
        check(env.starts() > n, "no probe after the untrusted entry was refused")
        st = os.stat(path)
        check(st.st_uid == os.geteuid() and st.st_mode & 0o022 == 0,
              f"the entry was not replaced by the caller's own: uid {st.st_uid}, mode {oct(st.st_mode)}")
        n = env.starts()
        again = env.run()
        check(again.stdout == want and again.stderr == "" and env.starts() == n,
              f"the replaced entry did not serve the next query quietly: {again.stderr!r}")
    return run


for name, how in [("entry_owned_by_another_user_is_not_read", {"chown": OTHER_UID}),
                  ("world_writable_entry_is_not_read", {"mode": 0o666})]:
    f = forged_entry_case(**how)
    f.__name__ = name
    tests.append(f)


@test
def untrusted_entry_is_listed_untrusted(env):
    forged_entry(env, chown=OTHER_UID)
    lst = env.list()
    check(lst.returncode == 2 and "UNTRUSTED" in lst.stdout and f"owned by uid {OTHER_UID}" in lst.stdout,
          f"cache list: {lst.stdout}")


@test
def roots_read_only_cache_stays_trusted(env):
    """A cache root made (a machine image) and no one else can write is
    trusted by every user: read without a warning, listed as trusted."""
    r = env.run()
    check(r.returncode == 0, r.stderr)
    os.chmod(env.cache, 0o755)
    for root, dirs, files in os.walk(env.cache):
        for n in dirs:
            os.chmod(os.path.join(root, n), 0o755)
        for n in files:
            os.chmod(os.path.join(root, n), 0o644)
    u = env.run(as_uid=OTHER_UID)
    check(u.returncode == 0 and "warning" not in u.stderr, f"a user on root's cache: {u.stderr!r}")
    lst = env.list(as_uid=OTHER_UID)
    check("UNTRUSTED" not in lst.stdout and "untrusted" not in lst.stdout, f"cache list as a user: {lst.stdout}")


@test
def a_users_own_cache_is_trusted_and_roots_view_of_it_is_not(env):
    """The caller's own directory is trusted; the same directory is another
    user's to root, which does not read it."""
    os.mkdir(env.cache)
    os.chown(env.cache, OTHER_UID, OTHER_UID)
    u = env.run(as_uid=OTHER_UID)
    check(u.returncode == 0 and u.stderr == "", f"the user's own cache: {u.stderr!r}")
    check(any(n.endswith(".json") for n in os.listdir(env.cache)), "the user's query stored nothing")
    r = env.run()
    one_warning(r, f"uid {OTHER_UID}")


def main():
    domcaps = sys.argv[1]
    if os.geteuid() != 0:
        tap.check(False, "test_trust needs root (files of another user)")
        return tap.finish()
    return tap.each(tests, lambda: Env(domcaps), lines=40)


if __name__ == "__main__":
    sys.exit(main())
