#!/usr/bin/env python3
"""Who QEMU runs as, and what it inherits, through the CLI with the real QEMU.

The emulator is a recording wrapper: it writes its uid, gid, groups and
whole environment to a log, then execs the real qemu-system-x86_64. Each
case runs domcaps in a private mount namespace whose /etc/libvirt,
/etc/passwd and /etc/group are the case's own (bind mounts: the host's
files are never touched), as root, or as a plain user through setpriv.
Needs root (mount namespaces). Prints TAP. Usage: test_probe_user.py DOMCAPS
"""
import grp
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tap  # noqa: E402

QEMU = "/usr/bin/qemu-system-x86_64"
TEST_USER, TEST_UID = "domcaps-probe-test", 64123
TEST_GROUP, TEST_GID = "domcaps-probe-tg", 64123
SYSTEM_USER, SYSTEM_UID = "domcaps", 64124
# What the built environment may hold, and nothing else (PWD is the shell's).
BUILT = {"LC_ALL", "PATH", "HOME", "USER", "LOGNAME"}


class Host:
    """A temporary host: the wrapper, its log, and the files bound over /etc."""

    def __init__(self, domcaps):
        self.domcaps = domcaps
        self.tmp = tempfile.mkdtemp(prefix="domcaps-user-test-")
        os.chmod(self.tmp, 0o755)  # the wrapper runs as other users
        self.log = os.path.join(self.tmp, "starts.log")
        self.emulator = os.path.join(self.tmp, "bin", "qemu-system-x86_64")
        os.makedirs(os.path.dirname(self.emulator))
        with open(self.emulator, "w") as f:
            f.write("#!/bin/sh\n"
                    # one write per record: a KVM and a TCG QEMU may start at once
                    "rec=\"$(echo \"BEGIN $(id -u) $(id -g) $(id -G)\"; env; echo END)\"\n"
                    f"printf '%s\\n' \"$rec\" >> {self.log}\n"
                    f"exec {QEMU} \"$@\"\n")
        os.chmod(self.emulator, 0o755)
        open(self.log, "w").close()
        os.chmod(self.log, 0o666)
        self.libvirt = os.path.join(self.tmp, "etc-libvirt")
        os.mkdir(self.libvirt)
        self.passwd = os.path.join(self.tmp, "passwd")
        self.group = os.path.join(self.tmp, "group")
        self.users(system_user=False)

    def users(self, system_user):
        """The host's accounts plus the test user (and the package's system
        user, when asked), as the namespace's /etc/passwd and /etc/group."""
        kvm_gid = os.stat("/dev/kvm").st_gid if os.path.exists("/dev/kvm") else None
        with open("/etc/passwd") as src, open(self.passwd, "w") as out:
            out.write("".join(l for l in src if not l.startswith((TEST_USER + ":", SYSTEM_USER + ":"))))
            out.write(f"{TEST_USER}:x:{TEST_UID}:{TEST_GID}::/nonexistent/{TEST_USER}:/usr/sbin/nologin\n")
            if system_user:
                out.write(f"{SYSTEM_USER}:x:{SYSTEM_UID}:{TEST_GID}::/nonexistent:/usr/sbin/nologin\n")
        with open("/etc/group") as src, open(self.group, "w") as out:
            for line in src:
                name, pw, gid, members = line.rstrip("\n").split(":", 3)
                if system_user and kvm_gid is not None and int(gid) == kvm_gid:
                    members = ",".join(m for m in members.split(",") + [SYSTEM_USER] if m)
                out.write(f"{name}:{pw}:{gid}:{members}\n")
            out.write(f"{TEST_GROUP}:x:{TEST_GID}:\n")

    def qemu_conf(self, text):
        path = os.path.join(self.libvirt, "qemu.conf")
        if text is None:
            if os.path.exists(path):
                os.unlink(path)
            return
        with open(path, "w") as f:
            f.write(text)

    def run(self, *args, env=None, as_uid=None, virttype="qemu"):
        """domcaps in the namespace; as_uid: as that plain user (its primary
        group, no others)."""
        return self.run_args(["--emulatorbin", self.emulator, "--no-cache"] +
                             (["--virttype", virttype] if virttype else []) + list(args), env=env, as_uid=as_uid)

    def run_args(self, args, env=None, as_uid=None):
        binds = [(self.libvirt, "/etc/libvirt"), (self.passwd, "/etc/passwd"), (self.group, "/etc/group")]
        script = "".join(f"mount --bind {shlex.quote(s)} {shlex.quote(t)} && " for s, t in binds)
        cmd = [self.domcaps] + list(args)
        if as_uid is not None:
            cmd = ["setpriv", f"--reuid={as_uid}", f"--regid={TEST_GID}", "--clear-groups", "--"] + cmd
        full = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script + 'exec "$@"', "sh"] + cmd
        return subprocess.run(full, capture_output=True, text=True, timeout=120,
                              env=env if env is not None else dict(os.environ))

    def starts(self):
        """[(uid, gid, groups, {env})] of every QEMU start so far."""
        out, cur = [], None
        for line in open(self.log).read().splitlines():
            if line.startswith("BEGIN "):
                ids = line.split()[1:]
                cur = (int(ids[0]), int(ids[1]), {int(g) for g in ids[2:]}, {})
            elif line == "END":
                out.append(cur)
                cur = None
            elif cur is not None and "=" in line:
                k, v = line.split("=", 1)
                cur[3][k] = v
        return out

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def env_of(start):
    return {k: v for k, v in start[3].items() if k not in ("PWD", "SHLVL", "_", "OLDPWD")}


def caller_env(**extra):
    env = dict(os.environ, SECRET_TOKEN="must-not-pass", LD_PRELOAD="", http_proxy="http://no.invalid",
               QEMU_AUDIO_DRV="none", EXTRA_FOR_QEMU="asked")
    env.pop("DOMCAPS_USER", None)
    env.update(extra)
    return env


tests = tap.Tests()
test = tests.add


@test
def root_runs_qemu_as_qemu_conf_user_with_a_built_environment(h):
    """qemu.conf's user and group; the user's groups plus /dev/kvm's; an
    environment of LC_ALL, PATH, the user's HOME/USER/LOGNAME, QEMU's own
    variables the caller set and those DOMCAPS_QEMU_ENV names: nothing else."""
    h.qemu_conf(f'# libvirt\n#user = "root"\nuser = "{TEST_USER}"\ngroup = "{TEST_GROUP}"\n')
    r = h.run(env=caller_env(DOMCAPS_QEMU_ENV="EXTRA_FOR_QEMU"))
    check(r.returncode == 0 and "<domainCapabilities>" in r.stdout, r.stderr)
    starts = h.starts()
    check(starts, "QEMU never started")
    for uid, gid, groups, _ in starts:
        check(uid == TEST_UID and gid == TEST_GID, f"QEMU ran as {uid}:{gid}, expected {TEST_UID}:{TEST_GID}")
        check(0 not in groups, f"QEMU kept root's group: {groups}")
        st = os.stat("/dev/kvm") if os.path.exists("/dev/kvm") else None
        if st and st.st_mode & 0o060 == 0o060:
            check(st.st_gid in groups, f"QEMU lacks /dev/kvm's group {st.st_gid}: {groups}")
    env = env_of(starts[0])
    expected = {"LC_ALL": "C", "HOME": f"/nonexistent/{TEST_USER}", "USER": TEST_USER, "LOGNAME": TEST_USER,
                "QEMU_AUDIO_DRV": "none", "EXTRA_FOR_QEMU": "asked", "PATH": os.environ.get("PATH")}
    check(env == expected, f"QEMU's environment {env}, expected {expected}")


@test
def qemu_conf_without_user_means_libvirts_default_user(h):
    """libvirt installed (qemu.conf) but no user set: libvirt's default user."""
    h.qemu_conf('# user = "root"\n')
    r = h.run(env=caller_env())
    try:
        want = pwd.getpwnam("libvirt-qemu").pw_uid
    except KeyError:
        check(r.returncode == 1 and "unknown user 'libvirt-qemu'" in r.stderr and not h.starts(),
              f"no libvirt-qemu user: expected a clear error, got {r.returncode} {r.stderr!r}")
        return
    check(r.returncode == 0, r.stderr)
    check({s[0] for s in h.starts()} == {want}, f"QEMU ran as {[s[0] for s in h.starts()]}, expected {want}")


@test
def without_libvirt_the_package_system_user(h):
    """No qemu.conf: the 'domcaps' system user the Debian package creates,
    in the kvm group, so a KVM query still gets KVM."""
    h.qemu_conf(None)
    h.users(system_user=True)
    r = h.run(env=caller_env())
    check(r.returncode == 0, r.stderr)
    check({s[0] for s in h.starts()} == {SYSTEM_UID}, f"QEMU ran as {[s[0] for s in h.starts()]}")
    check(env_of(h.starts()[0])["USER"] == SYSTEM_USER, f"USER is not the system user: {env_of(h.starts()[0])}")
    if os.access("/dev/kvm", os.R_OK | os.W_OK):
        k = h.run(env=caller_env(), virttype="kvm")
        check(k.returncode == 0 and "<domain>kvm</domain>" in k.stdout, f"KVM as the system user: {k.stderr}")


@test
def without_libvirt_or_system_user_a_one_line_error(h):
    h.qemu_conf(None)
    r = h.run(env=caller_env())
    lines = r.stderr.splitlines()
    check(r.returncode == 1 and len(lines) == 1 and "--user" in lines[0] and lines[0].startswith("domcaps: "),
          f"exit {r.returncode}, stderr {r.stderr!r}")
    check(not h.starts(), "QEMU started anyway")
    check(r.stdout == "", "a document was printed")
    # --all over several binaries: the same cause, said once
    other = os.path.join(h.tmp, "bin2", "qemu-system-x86_64")
    os.makedirs(os.path.dirname(other))
    shutil.copy(h.emulator, other)
    a = h.run_args(["--all", "--no-cache", h.emulator, other], env=caller_env())
    check(a.returncode == 1 and a.stderr == r.stderr and not h.starts(),
          f"--all without a user: exit {a.returncode}, stderr {a.stderr!r}")


@test
def user_root_is_said_explicitly(h):
    h.qemu_conf(f'user = "{TEST_USER}"\n')
    r = h.run("--user", "root", env=caller_env())
    check(r.returncode == 0, r.stderr)
    check({s[0] for s in h.starts()} == {0}, f"--user root ran QEMU as {[s[0] for s in h.starts()]}")
    env = env_of(h.starts()[0])
    check(env.get("HOME") == pwd.getpwuid(0).pw_dir and "SECRET_TOKEN" not in env,
          f"root's QEMU environment: {env}")


@test
def domcaps_user_variable_names_the_user(h):
    h.qemu_conf('user = "root"\n')
    r = h.run(env=caller_env(DOMCAPS_USER=TEST_USER))
    check(r.returncode == 0, r.stderr)
    check({s[0] for s in h.starts()} == {TEST_UID}, f"$DOMCAPS_USER: QEMU ran as {[s[0] for s in h.starts()]}")


@test
def unknown_qemu_conf_user_is_a_clear_error(h):
    h.qemu_conf('user = "no-such-user-here"\n')
    r = h.run(env=caller_env())
    check(r.returncode == 1 and "no-such-user-here" in r.stderr and "qemu.conf" in r.stderr and not h.starts(),
          f"exit {r.returncode}, stderr {r.stderr!r}")


@test
def a_plain_user_runs_qemu_as_itself_with_the_built_environment(h):
    """Not root: QEMU as the caller; HOME from the user database, not the
    caller's $HOME; and it may not name another user."""
    h.qemu_conf('user = "root"\n')
    r = h.run(env=caller_env(HOME="/tmp/not-the-home", XDG_CACHE_HOME="/tmp/nowhere"), as_uid=TEST_UID)
    check(r.returncode == 0, r.stderr)
    starts = h.starts()
    check(starts and {s[0] for s in starts} == {TEST_UID}, f"QEMU ran as {[s[0] for s in starts]}")
    env = env_of(starts[0])
    check(set(env) - {"QEMU_AUDIO_DRV"} == BUILT and env["HOME"] == f"/nonexistent/{TEST_USER}",
          f"the plain user's QEMU environment: {env}")
    n = len(starts)
    r = h.run("--user", "root", env=caller_env(), as_uid=TEST_UID)
    check(r.returncode == 1 and "only root" in r.stderr and len(h.starts()) == n,
          f"a plain user naming root: exit {r.returncode}, {r.stderr!r}")


@test
def kvm_answer_as_the_unprivileged_user_equals_roots(h):
    """With /dev/kvm open to its group (Debian's root:kvm 0660), the user
    libvirt names gets the same KVM document as root does."""
    st = os.stat("/dev/kvm") if os.path.exists("/dev/kvm") else None
    check(st is not None, "this test needs /dev/kvm")
    if st.st_mode & 0o060 != 0o060:
        tap_note(f"/dev/kvm is {oct(st.st_mode & 0o777)}: only root has KVM; checked that the user gets a clear error")
        h.qemu_conf(f'user = "{TEST_USER}"\n')
        r = h.run(env=caller_env(), virttype="kvm")
        check(r.returncode == 1 and "kvm" in r.stderr.lower(), f"{r.returncode} {r.stderr!r}")
        return
    h.qemu_conf(f'user = "{TEST_USER}"\n')
    mine = h.run(env=caller_env(), virttype="kvm")
    root = h.run("--user", "root", env=caller_env(), virttype="kvm")
    check(mine.returncode == 0 and root.returncode == 0, mine.stderr + root.stderr)
    check(mine.stdout == root.stdout, "the KVM document differs between root and the unprivileged user")


def tap_note(text):
    print(f"# {text}", flush=True)


def main():
    domcaps = sys.argv[1]
    if os.geteuid() != 0:
        tap.check(False, "test_probe_user needs root (mount namespaces, other users)")
        return tap.finish()
    if not os.path.isdir("/etc/libvirt"):
        tap.check(False, "test_probe_user needs /etc/libvirt to bind over (scripts/setup.sh installs libvirt)")
        return tap.finish()
    return tap.each(tests, lambda: Host(domcaps), lines=40)


if __name__ == "__main__":
    sys.exit(main())
