#!/usr/bin/env python3
"""Cache invalidation and robustness, through the CLI with a real QEMU.

The emulator is a small wrapper script that logs each start and execs the
real qemu-system-x86_64, inside a temporary host root, so each test can
touch, replace or delete it and count how often QEMU really ran.
Prints TAP. Usage: test_cache.py DOMCAPS_BINARY
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tap  # noqa: E402

QEMU = "/usr/bin/qemu-system-x86_64"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(REPO, "tests", "data", "hosts", "debian12")


class Env:
    def __init__(self, domcaps):
        self.domcaps = domcaps
        self.tmp = tempfile.mkdtemp(prefix="domcaps-cache-test-")
        self.root = os.path.join(self.tmp, "root")
        shutil.copytree(FIXTURE, self.root, symlinks=True)
        os.makedirs(os.path.join(self.root, "usr", "bin"), exist_ok=True)
        self.log = os.path.join(self.tmp, "starts.log")
        self.cache = os.path.join(self.tmp, "cache")
        self.refuse = ""  # shell lines run before QEMU (refuse an accelerator, say)
        self.exec_target = QEMU  # the binary the wrapper runs
        self.write_wrapper("")

    def write_wrapper(self, extra):
        path = os.path.join(self.root, "usr", "bin", "qemu-system-x86_64")
        tmp = path + ".new"
        with open(tmp, "w") as f:
            # A QEMU binary outside /usr/bin finds its modules only when told.
            moddir = "" if self.exec_target == QEMU else "QEMU_MODULE_DIR=/usr/lib/x86_64-linux-gnu/qemu "
            f.write(f"#!/bin/sh\n# {extra}\necho \"start $*\" >> {self.log}\n{self.refuse}"
                    f"{moddir}exec {self.exec_target} \"$@\"\n")
        os.chmod(tmp, 0o755)
        os.rename(tmp, path)
        return path

    def starts(self):
        try:
            return len(open(self.log).read().splitlines())
        except FileNotFoundError:
            return 0

    def accels(self):
        """The -accel of each QEMU start so far, in order."""
        try:
            lines = open(self.log).read().splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            words = line.split()
            out.append(words[words.index("-accel") + 1] if "-accel" in words[:-1] else "?")
        return out

    def give_kvm(self):
        """The fixture host gets a /dev/kvm (domcaps only opens it to see
        that KVM is usable; QEMU itself opens the real one)."""
        check(os.access("/dev/kvm", os.R_OK | os.W_OK), "these tests need a usable /dev/kvm")
        kvm = os.path.join(self.root, "dev", "kvm")
        os.makedirs(os.path.dirname(kvm), exist_ok=True)
        open(kvm, "w").close()

    def run(self, *extra, cache=None, virttype="qemu"):
        cmd = [self.domcaps, "--root", self.root, "--emulatorbin", "/usr/bin/qemu-system-x86_64",
               "--cache-dir", cache or self.cache] + (["--virttype", virttype] if virttype else []) + list(extra)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def entries(self):
        """Probe entries (and anything else) in the cache dir; the docs/
        subdirectory of remembered documents is docs()."""
        return sorted(x for x in os.listdir(self.cache) if x != "docs" and not x.endswith(".json.lock")) \
            if os.path.isdir(self.cache) else []

    def docs(self):
        d = os.path.join(self.cache, "docs")
        return sorted(os.path.join(d, x) for x in os.listdir(d)) if os.path.isdir(d) else []

    def entry_path(self):
        e = [x for x in self.entries() if x.endswith(".json")]
        return os.path.join(self.cache, e[0]) if len(e) == 1 else None

    def close(self):
        subprocess.run(["chmod", "-R", "u+w", self.tmp])
        shutil.rmtree(self.tmp, ignore_errors=True)


tests = tap.Tests()
test = tests.add


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def valid_single_entry(env):
    entries = env.entries()
    check(len(entries) == 1 and entries[0].endswith(".json"), f"expected one entry, found {entries}")
    data = json.load(open(env.entry_path()))
    check(data.get("domcaps-cache") == 1 and "facts" in data and "key" in data, "entry is not a valid cache entry")


@test
def warm_run_does_not_start_qemu(env):
    a = env.run()
    check(a.returncode == 0, a.stderr)
    check(env.starts() == 1, f"cold run started QEMU {env.starts()} times")
    b = env.run()
    check(b.returncode == 0 and b.stdout == a.stdout, "warm output differs")
    check(env.starts() == 1, "warm run started QEMU")
    valid_single_entry(env)


@test
def touching_the_binary_invalidates(env):
    first = env.run().stdout
    os.utime(os.path.join(env.root, "usr", "bin", "qemu-system-x86_64"))
    out = env.run()
    check(env.starts() == 2, f"touch did not cause a new probe ({env.starts()} starts)")
    check(out.stdout == first, "output changed after touch")
    valid_single_entry(env)


@test
def replacing_the_binary_invalidates(env):
    first = env.run().stdout
    env.write_wrapper("a new build")
    out = env.run()
    check(env.starts() == 2, "replacing the binary did not cause a new probe")
    check(out.stdout == first, "output changed after replacement")


@test
def refresh_and_no_cache(env):
    env.run()
    env.run("--refresh")
    check(env.starts() == 2, "--refresh did not probe")
    env.run("--no-cache")
    check(env.starts() == 3, "--no-cache did not probe")
    valid_single_entry(env)


@test
def firmware_descriptors_are_read_live(env):
    before = env.run().stdout
    fw = os.path.join(env.root, "usr", "share", "qemu", "firmware")
    moved = os.path.join(env.tmp, "60-edk2-x86_64.json")
    shutil.move(os.path.join(fw, "60-edk2-x86_64.json"), moved)
    without = env.run().stdout
    check("OVMF_CODE_4M.fd</value>" not in without, "removed descriptor still listed")
    shutil.move(moved, os.path.join(fw, "60-edk2-x86_64.json"))
    again = env.run().stdout
    check(again == before, "restored descriptor not listed again")
    check(env.starts() == 1, "firmware changes should not need a new probe")


def corrupt_case(writer):
    def run(env):
        good = env.run().stdout
        path = env.entry_path()
        writer(env, path)
        out = env.run()
        check(out.returncode == 0, out.stderr)
        check(out.stdout == good, "output differs after cache corruption")
        check(env.starts() == 2, "corrupt entry was trusted")
        valid_single_entry(env)
        if hasattr(env, "elsewhere"):
            check(not os.path.islink(path), "entry is still a symlink")
            check(json.load(open(env.elsewhere)).get("domcaps-cache") == 1, "symlink target was modified")
    return run


def truncate(env, path):
    data = open(path).read()
    open(path, "w").write(data[: len(data) // 2])


def garbage(env, path):
    open(path, "wb").write(os.urandom(4096))


def empty(env, path):
    open(path, "w").close()


def wrong_version(env, path):
    data = json.load(open(path))
    data["domcaps-cache"] = 999
    json.dump(data, open(path, "w"))


def foreign_key(env, path):
    data = json.load(open(path))
    data["key"]["binary"]["size"] = 1
    json.dump(data, open(path, "w"))


def symlink_elsewhere(env, path):
    target = os.path.join(env.tmp, "elsewhere.json")
    shutil.copy(path, target)
    os.unlink(path)
    os.symlink(target, path)
    env.elsewhere = target


for name, fn in [("truncated", truncate), ("garbage", garbage), ("empty", empty),
                 ("wrong_version", wrong_version), ("foreign_key", foreign_key),
                 ("symlinked_elsewhere", symlink_elsewhere)]:
    f = corrupt_case(fn)
    f.__name__ = f"corrupt_entry_{name}_is_replaced"
    tests.append(f)


@test
def entry_replaced_by_directory_still_answers(env):
    good = env.run().stdout
    path = env.entry_path()
    os.unlink(path)
    os.mkdir(path)
    out = env.run()
    check(out.returncode == 0 and out.stdout == good, "no answer when the entry is a directory")


@test
def read_only_cache_dir_still_answers(env):
    os.makedirs(env.cache)
    os.chmod(env.cache, 0o555)
    out = env.run()
    check(out.returncode == 0, out.stderr)
    check("<domainCapabilities>" in out.stdout, "no document")
    if os.geteuid() != 0:
        check(env.entries() == [], "wrote into a read-only dir")


@test
def remembered_document_is_checked_and_replaced(env):
    """A warm query answers from the remembered document (docs/); a corrupt
    one is ignored and rewritten, without a new probe."""
    a = env.run()
    check(a.returncode == 0 and env.starts() == 1, a.stderr)
    docs = env.docs()
    check(len(docs) == 1 and docs[0].endswith(".json"), f"expected one remembered document, found {docs}")
    json.load(open(docs[0]))
    # the last: a memo of an older format, which held the tree alone
    for garbage in ("{not json", "", '{"domcaps-doc": 1, "doc": ["domainCapabilities", null, 0]}'):
        with open(docs[0], "w") as f:
            f.write(garbage)
        b = env.run()
        check(b.returncode == 0 and b.stdout == a.stdout, f"answer changed with a corrupt document {garbage!r}")
        check(env.starts() == 1, "a corrupt remembered document caused a new probe")
        check(json.load(open(docs[0])).get("xml") == a.stdout, "the corrupt document was not replaced")


@test
def remembered_document_answers_json_too(env):
    """A remembered document holds its XML and its tree: XML is printed as
    it is, JSON built from the tree, which equals an uncached answer; a tree
    damaged on disk is read from the XML instead."""
    a = env.run()
    check(a.returncode == 0, a.stderr)
    fresh = env.run("--no-cache", "--format", "json")
    check(fresh.returncode == 0 and fresh.stdout.startswith("{"), fresh.stderr)
    warm = env.run("--format", "json")
    check(warm.stdout == fresh.stdout, "JSON from a remembered document differs from an uncached one")
    docs = env.docs()
    check(len(docs) == 1, f"expected one remembered document, found {docs}")
    memo = json.load(open(docs[0]))
    memo["tree"] = '["domainCapabilities", null, 7'
    json.dump(memo, open(docs[0], "w"))
    damaged = env.run("--format", "json")
    check(damaged.returncode == 0 and damaged.stdout == fresh.stdout, "a damaged tree changed the JSON answer")
    check(env.run().stdout == a.stdout, "a damaged tree changed the XML answer")
    check(env.starts() == 2, f"QEMU started {env.starts()} times (1 probe + the --no-cache one expected)")

@test
def remembered_document_follows_kernel_files(env):
    """A remembered document depends on what its assembly read from /sys (by
    content) and /dev (by presence): an IOMMU group and /dev/vfio/vfio
    appearing turn VFIO on, without a new probe."""
    a = env.run()
    check(a.returncode == 0 and "<value>vfio</value>" not in a.stdout, a.stderr)
    os.makedirs(os.path.join(env.root, "sys", "kernel", "iommu_groups", "0"))
    os.makedirs(os.path.join(env.root, "dev", "vfio"))
    open(os.path.join(env.root, "dev", "vfio", "vfio"), "w").close()
    b = env.run()
    fresh = env.run("--no-cache")
    check(b.returncode == 0 and "<value>vfio</value>" in b.stdout, "VFIO did not appear in the warm answer")
    check(b.stdout == fresh.stdout, "warm answer differs from an uncached one")
    check(env.starts() == 2, f"QEMU started {env.starts()} times (1 probe + the --no-cache one expected)")
    os.rmdir(os.path.join(env.root, "sys", "kernel", "iommu_groups", "0"))
    c = env.run()
    check(c.stdout == a.stdout, "VFIO still listed after the IOMMU group went away")


@test
def hung_swtpm_setup_is_given_up(env):
    """swtpm_setup is asked (alongside the probe) which TPM versions it
    offers; one that never answers is killed after 5 s and the query goes
    on without its versions."""
    bindir = os.path.join(env.root, "usr", "bin")
    for name, body in (("swtpm", "exit 0"), ("swtpm_ioctl", "exit 0"), ("swtpm_setup", "exec sleep 600")):
        with open(os.path.join(bindir, name), "w") as f:
            f.write(f"#!/bin/sh\n{body}\n")
        os.chmod(os.path.join(bindir, name), 0o755)
    a = env.run()  # a query that waited for swtpm_setup would meet run()'s timeout
    check(a.returncode == 0 and "<domainCapabilities>" in a.stdout, a.stderr)
    check("backendVersion" not in a.stdout, "a hung swtpm_setup reported TPM versions")
    left = subprocess.run(["pgrep", "-f", f"{bindir}/swtpm_setup"], capture_output=True, text=True).stdout
    check(not left.strip(), f"swtpm_setup still running: {left}")


@test
def kvm_access_of_the_probing_user_is_in_the_key(env):
    """--user: an entry holds only for a user with the same /dev/kvm access
    (a probe that cannot open it learns nothing of KVM)."""
    if os.geteuid() != 0:
        print("# --user needs root; this test ran as a no-op check")
        return
    os.chmod(env.tmp, 0o755)       # the wrapper runs as nobody: it must reach
    open(env.log, "w").close()     # the fixture root and append to the log
    os.chmod(env.log, 0o666)
    kvm = os.path.join(env.root, "dev", "kvm")
    os.makedirs(os.path.dirname(kvm), exist_ok=True)
    open(kvm, "w").close()
    os.chmod(kvm, 0o600)           # root may use it, nobody may not
    a = env.run()
    check(a.returncode == 0, a.stderr)
    after_root = env.starts()
    b = env.run("--user", "nobody")
    check(b.returncode == 0, b.stderr)
    check(env.starts() > after_root, "the entry probed by root served a user without KVM access")
    after_user = env.starts()
    c = env.run("--user", "nobody")
    check(c.returncode == 0 and c.stdout == b.stdout, "second run as nobody differs")
    check(env.starts() == after_user, "the entry probed as nobody did not serve nobody again")
    # root lists (and would prune) it as nobody's: with nobody's KVM access
    lst = subprocess.run([env.domcaps, "cache", "list", "--root", env.root, "--cache-dir", env.cache],
                         capture_output=True, text=True, timeout=60)
    check(lst.returncode == 0 and "1 entries, 1 valid" in lst.stdout,
          f"cache list by root judged nobody's entry by root's /dev/kvm access: {lst.stdout}")
    os.chmod(kvm, 0o666)           # now nobody may: the key changes again
    d = env.run("--user", "nobody")
    check(d.returncode == 0, d.stderr)
    check(env.starts() > after_user, "a change of KVM access for the user did not invalidate the entry")
    valid_single_entry(env)


@test
def kvm_is_judged_for_the_user_qemu_runs_as(env):
    """As libvirt asks whether its QEMU user may use /dev/kvm: a root query
    whose QEMU runs as a user without access guesses TCG and starts no KVM
    QEMU; --virttype kvm is refused before any QEMU starts."""
    check(os.geteuid() == 0, "this test needs root (--user)")
    os.chmod(env.tmp, 0o755)
    open(env.log, "w").close()
    os.chmod(env.log, 0o666)
    env.give_kvm()
    os.chmod(os.path.join(env.root, "dev", "kvm"), 0o600)  # root's alone
    guessed = env.run("--user", "nobody", virttype=None)
    check(guessed.returncode == 0 and "<domain>qemu</domain>" in guessed.stdout, guessed.stderr)
    check(env.accels() == ["tcg"], f"the guessed query started {env.accels()}, expected one TCG QEMU")
    n = env.starts()
    k = env.run("--user", "nobody", virttype="kvm")
    check(k.returncode == 1 and "the accel 'kvm' is not supported" in k.stderr and env.starts() == n,
          f"--virttype kvm for a user without KVM: exit {k.returncode}, {k.stderr!r}, {env.starts() - n} starts")
    root = env.run("--user", "root", virttype=None)
    check(root.returncode == 0 and "<domain>kvm</domain>" in root.stdout, f"root keeps KVM: {root.stderr}")


def cores():
    return len(os.sched_getaffinity(0))


@test
def kvm_query_then_tcg_asks_only_the_missing_accelerator(env):
    """A cold KVM query asks the binary's part and KVM's (two QEMUs at once
    when a core is free for each); a TCG query then starts one QEMU, for
    TCG's part alone, and both answers equal uncached ones."""
    env.give_kvm()
    k = env.run(virttype="kvm")
    check(k.returncode == 0 and "<domain>kvm</domain>" in k.stdout, k.stderr)
    expect = ["tcg", "kvm"] if cores() >= 2 else ["kvm"]
    check(sorted(env.accels()) == sorted(expect), f"cold KVM query started {env.accels()}, expected {expect}")
    before = env.starts()
    t = env.run()
    check(t.returncode == 0 and "<domain>qemu</domain>" in t.stdout, t.stderr)
    check(env.accels()[before:] == ["tcg"], f"the TCG query started {env.accels()[before:]}, expected one TCG QEMU")
    valid_single_entry(env)
    check(env.run("--no-cache", virttype="kvm").stdout == k.stdout, "KVM answer differs from an uncached one")
    check(env.run("--no-cache").stdout == t.stdout, "TCG answer from completed facts differs from an uncached one")


@test
def tcg_query_on_a_kvm_host_then_kvm_starts_nothing(env):
    """A TCG query on a host whose KVM runs the guest probes KVM too (libvirt
    takes SEV, SGX and GIC from its KVM probe): a KVM query then needs no
    QEMU, and a failing KVM is not fatal to the TCG answer."""
    env.give_kvm()
    t = env.run()
    check(t.returncode == 0, t.stderr)
    check(sorted(env.accels()) == ["kvm", "tcg"], f"started {env.accels()}, expected one TCG and one KVM QEMU")
    k = env.run(virttype="kvm")
    check(k.returncode == 0 and "<domain>kvm</domain>" in k.stdout, k.stderr)
    check(env.starts() == 2, f"the KVM query started QEMU ({env.accels()})")
    check(env.run("--no-cache", virttype="kvm").stdout == k.stdout, "KVM answer differs from an uncached one")


@test
def binary_behind_a_wrapper_replaced(env):
    """The emulator is a script that execs the real binary elsewhere, as
    Debian 12's qemu-system-i386 runs /usr/libexec's: replacing that binary
    invalidates the entry and the remembered documents, though the script
    is unchanged."""
    real = os.path.join(env.tmp, "libexec", "qemu-system-x86_64")
    os.makedirs(os.path.dirname(real))
    shutil.copy2(QEMU, real)
    env.exec_target = real
    env.write_wrapper("runs a copy")
    a = env.run()
    check(a.returncode == 0 and env.starts() == 1, a.stderr)
    check(env.run().stdout == a.stdout and env.starts() == 1, "a warm run started QEMU")
    shutil.copy2(QEMU, real + ".new")
    os.rename(real + ".new", real)  # an upgrade: a new file in its place
    b = env.run()
    check(b.returncode == 0 and b.stdout == a.stdout, b.stderr)
    check(env.starts() == 2, f"replacing the binary behind the wrapper did not probe again ({env.starts()} starts)")
    lst = subprocess.run([env.domcaps, "cache", "list", "--root", env.root, "--cache-dir", env.cache],
                         capture_output=True, text=True, timeout=60)
    check(lst.returncode == 0 and "INVALID" not in lst.stdout, f"cache list after the new probe: {lst.stdout}")


@test
def qemu_built_without_tcg_still_answers_kvm(env):
    """A QEMU built without TCG (as some distributions ship it) exits when
    asked for TCG: a KVM query still gets the binary's part, from a KVM
    QEMU, and the same answer as from a full build; a TCG query is a clear
    error."""
    env.give_kvm()
    full = env.run("--no-cache", virttype="kvm")
    check(full.returncode == 0, full.stderr)
    # A KVM probe names TCG second, as a fallback QEMU never reaches.
    env.refuse = ('case "$*" in *"-accel kvm"*) ;; *"-accel tcg"*) echo "qemu-system-x86_64: -accel tcg: '
                  'invalid accelerator tcg" >&2; exit 1;; esac\n')
    env.write_wrapper("built without TCG")
    k = env.run(virttype="kvm")
    check(k.returncode == 0, k.stderr)
    check(k.stdout == full.stdout, "a KVM-only build answers differently")
    valid_single_entry(env)
    t = env.run()
    lines = t.stderr.splitlines()
    check(t.returncode == 1 and len(lines) == 1 and "invalid accelerator tcg" in lines[0],
          f"TCG on a KVM-only build: exit {t.returncode}, stderr {t.stderr!r}")


@test
def hung_kvm_costs_a_tcg_query_only_its_facts(env):
    """A TCG query on a KVM host asks KVM too, with part of the binary's
    questions: a KVM QEMU that hangs costs the deadline, then that part is
    asked of TCG, and the answer comes; nothing is left running."""
    env.give_kvm()
    env.refuse = 'case "$*" in *"-accel kvm"*) exec sleep 600;; esac\n'
    env.write_wrapper("KVM hangs")
    t = env.run("--timeout", "2000")
    check(t.returncode == 0 and "<domain>qemu</domain>" in t.stdout, f"exit {t.returncode}: {t.stderr}")
    check(env.accels().count("tcg") == 2 and env.accels().count("kvm") == 1,
          f"started {env.accels()}: expected TCG and KVM at once, then TCG again")
    left = subprocess.run(["pgrep", "-f", "sleep 600"], capture_output=True, text=True).stdout
    check(not left.strip(), f"the hung KVM QEMU is still running: {left}")
    k = env.run("--timeout", "2000", virttype="kvm")
    check(k.returncode == 1 and "did not answer the QMP greeting" in k.stderr, k.stderr)

def concurrent(n):
    def run(env):
        procs = [subprocess.Popen([env.domcaps, "--root", env.root, "--emulatorbin",
                                   "/usr/bin/qemu-system-x86_64", "--virttype", "qemu",
                                   "--cache-dir", env.cache], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(n)]
        outs = [p.communicate(timeout=180) for p in procs]
        check(all(p.returncode == 0 for p in procs), [o[1] for o in outs])
        check(len(set(o[0] for o in outs)) == 1, "concurrent runs disagree")
        valid_single_entry(env)
        leftovers = [x for x in env.entries() + env.docs() if not x.endswith(".json")]
        check(not leftovers, f"temporary files left: {leftovers}")
        check(env.run().stdout == outs[0][0], "entry after concurrent writes gives another answer")
    return run


for n in (2, 10):
    f = concurrent(n)
    f.__name__ = f"{n}_processes_at_once"
    tests.append(f)


def main():
    domcaps = sys.argv[1]
    return tap.each(tests, lambda: Env(domcaps), lines=80)


if __name__ == "__main__":
    sys.exit(main())
