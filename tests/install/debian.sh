#!/bin/bash
# The installation a distribution ships, checked as a user meets it: build the
# Debian packages from this tree (dpkg-buildpackage -us -uc -b), check them
# with lintian, install them with apt, then check the installed result:
#   - the installed domcaps prints the host's document (the same as the build
#     tree's) and --version;
#   - the C example of docs/querying.md compiles against the installed domcaps.pc and runs;
#   - man domcaps and man 3 libdomcaps render;
#   - bash completion completes a subcommand, an option and an architecture;
#   - reinstalling qemu-system-x86 runs the dpkg trigger, which leaves a
#     valid entry for the new binary in /var/cache/domcaps;
#   - the package makes the system user domcaps (kvm group), as which the
#     trigger runs QEMU where libvirt is not installed;
#   - the installed library exports only domcaps_* (nm -D);
#   - python3-domcaps (when the tree has the binding, python/) imports and
#     prints the same document.
# The packages are purged at the end so they never shadow the build tree.
#
# Run as root on Debian, from .ci/run after the main tests, or by hand:
#   bash tests/install/debian.sh [BUILD_DIR]     (BUILD_DIR: default ./build)
# Prints TAP-like lines and ends with "install: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
build_dir=${1:-build}
work=$(mktemp -d /tmp/domcaps-install.XXXXXX)
passed=0
failed=0
installed=0
packages=(domcaps libdomcaps0 libdomcaps-dev)

. "$src/tests/install/lib.sh"   # ok, not_ok, copy_tree
finish() {
    if [ "$installed" = 1 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${packages[@]}" \
            >"$work/purge.log" 2>&1 || { echo "# purge failed:"; sed 's/^/#   /' "$work/purge.log"; }
        if dpkg-query -W -f='${Status}\n' domcaps 2>/dev/null | grep -q installed; then
            not_ok "packages purged"
        fi
    fi
    echo "install: $passed passed, $failed failed"
    rm -rf "$work"
    [ "$failed" = 0 ]
}
trap 'finish; exit $?' EXIT

if [ "$(id -u)" != 0 ]; then
    echo "install test: needs root (apt-get install)" >&2
    not_ok "running as root"
    exit 1
fi

# --- build the packages from a copy of the tree (never the tree itself) ---
copy_tree "$src" "$work/src/domcaps"
# A tree without the Python binding builds without its package.
if [ -f "$work/src/domcaps/python/meson.build" ]; then
    packages+=(python3-domcaps)
else
    export DEB_BUILD_PROFILES=nopython
fi
start=$(date +%s)
if (cd "$work/src/domcaps" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
    ok "dpkg-buildpackage -us -uc -b ($(($(date +%s) - start)) s)"
else
    not_ok "dpkg-buildpackage -us -uc -b" "$work/build.log"
    exit 1
fi
debs=()
for p in "${packages[@]}"; do
    debs+=("$(ls "$work"/src/${p}_*.deb)")
done

# lintian: no errors (warnings are printed, not fatal).
if lintian --fail-on error "$work"/src/domcaps_*.changes >"$work/lintian.log" 2>&1; then
    ok "lintian: no errors ($(grep -c '^W:' "$work/lintian.log" || true) warnings)"
    grep -E '^[WE]:' "$work/lintian.log" | sed 's/^/# /'
else
    not_ok "lintian: no errors" "$work/lintian.log"
fi

# --- install with apt ---
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --reinstall "${debs[@]}" \
    >"$work/apt.log" 2>&1; then
    installed=1
    ok "apt-get install ${debs[*]##*/}"
else
    installed=1
    not_ok "apt-get install" "$work/apt.log"
    exit 1
fi

# --- the installed CLI ---
if [ "$(command -v domcaps)" = /usr/bin/domcaps ] && ldd /usr/bin/domcaps | grep -Eq "libdomcaps.so.0 => (/usr)?/lib/"; then
    ok "domcaps is /usr/bin/domcaps, linked to the installed libdomcaps.so.0"
else
    ldd /usr/bin/domcaps >"$work/ldd.log" 2>&1
    not_ok "domcaps is /usr/bin/domcaps, linked to the installed libdomcaps.so.0" "$work/ldd.log"
fi

/usr/bin/domcaps --version >"$work/version.out" 2>&1
if grep -qx "domcaps [0-9][0-9.]*" "$work/version.out" && grep -q "^output format [0-9]" "$work/version.out" &&
    grep -q "^matches libvirt [0-9]" "$work/version.out"; then
    ok "domcaps --version: $(tr '\n' ';' <"$work/version.out")"
else
    not_ok "domcaps --version" "$work/version.out"
fi

# The host's document: the default query, as root (so through the system
# cache); the build tree's CLI, without any cache, must print the same.
if /usr/bin/domcaps >"$work/host.xml" 2>"$work/host.err" && grep -q "^<domainCapabilities>" "$work/host.xml" &&
    grep -q "<path>/" "$work/host.xml" && xmllint --noout "$work/host.xml" 2>>"$work/host.err"; then
    if [ -x "$build_dir/tools/domcaps" ]; then
        if "$build_dir/tools/domcaps" --no-cache >"$work/tree.xml" 2>>"$work/host.err" &&
            cmp -s "$work/host.xml" "$work/tree.xml"; then
            ok "installed domcaps prints the host's document ($(sed -n 's:.*<machine>\(.*\)</machine>.*:\1:p' "$work/host.xml")), as the build tree does"
        else
            diff "$work/tree.xml" "$work/host.xml" >>"$work/host.err"
            not_ok "installed domcaps prints the same document as the build tree" "$work/host.err"
        fi
    else
        ok "installed domcaps prints the host's document"
    fi
else
    not_ok "installed domcaps prints the host's document" "$work/host.err"
fi

# --- docs/querying.md's C example against the installed domcaps.pc ---
sed -n '/^## Using the library/,/^## /p' docs/querying.md | sed -n '/^```c$/,/^```$/p' | sed '1d;$d' >"$work/example.c"
if [ ! -s "$work/example.c" ]; then
    not_ok "README has a C example under '## Using the library'"
elif (cd "$work" && cc -Wall -Werror -o example example.c $(pkg-config --cflags --libs domcaps)) >"$work/cc.log" 2>&1; then
    if "$work/example" >"$work/example.out" 2>>"$work/cc.log" && grep -q "^<domainCapabilities>" "$work/example.out" &&
        xmllint --noout "$work/example.out" 2>>"$work/cc.log"; then
        ok "docs/querying.md's C example compiles with pkg-config --cflags --libs domcaps and prints a document"
    else
        not_ok "docs/querying.md's C example runs" "$work/cc.log"
    fi
else
    not_ok "docs/querying.md's C example compiles with pkg-config --cflags --libs domcaps" "$work/cc.log"
fi

# --- man pages ---
if MANWIDTH=80 man domcaps 2>"$work/man.err" | grep -q "domcaps --all" &&
    MANWIDTH=80 man 3 libdomcaps 2>>"$work/man.err" | grep -q "domcaps_get"; then
    ok "man domcaps and man 3 libdomcaps render"
else
    not_ok "man domcaps and man 3 libdomcaps render" "$work/man.err"
fi

# --- bash completion: the installed file, sourced on its own ---
comp=/usr/share/bash-completion/completions/domcaps
complete_words() { # WORD... -> the completions of the last word
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _domcaps; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$comp" "$@"
}
# Every subcommand --help lists, from its first three letters.
commands="domcapabilities $(LC_ALL=C domcaps --help | sed -n '/^Other commands/,/^$/{s/^  \([a-z][a-z0-9-]*\) .*/\1/p}' | tr '\n' ' ')"
comp_ok=1
for c in $commands; do
    complete_words domcaps "${c:0:3}" | grep -qx "$c" || comp_ok=0
done
if [ $comp_ok = 1 ] &&
    complete_words domcaps --virt | grep -qx -- --virttype &&
    complete_words domcaps --arch x86 | grep -qx x86_64; then
    ok "bash completion: subcommands ($commands), option (--virt), architecture (--arch x86 -> x86_64)"
else
    {
        for c in $commands; do echo "${c:0:3}: $(complete_words domcaps "${c:0:3}" | tr '\n' ' ')"; done
        echo "--virt: $(complete_words domcaps --virt | tr '\n' ' ')"
        echo "--arch x86: $(complete_words domcaps --arch x86 | tr '\n' ' ')"
    } >"$work/comp.log" 2>&1
    not_ok "bash completion" "$work/comp.log"
fi

# Only options a command has: `cache list` has no --all (its help text
# names `domcaps --all`), matrix takes the probe options its help lists.
if ! complete_words domcaps cache list -- | grep -qx -- --all &&
    complete_words domcaps cache list -- | grep -qx -- --cache-dir &&
    complete_words domcaps matrix --mach | grep -qx -- --machine; then
    ok "bash completion: the options of cache list (no --all) and matrix (--machine)"
else
    {
        echo "cache list --: $(complete_words domcaps cache list -- | tr '\n' ' ')"
        echo "matrix --mach: $(complete_words domcaps matrix --mach | tr '\n' ' ')"
    } >"$work/comp-opts.log" 2>&1
    not_ok "bash completion: options per command" "$work/comp-opts.log"
fi

# --- the dpkg trigger: reinstalling QEMU refreshes the system cache ---
emu=/usr/bin/qemu-system-x86_64
rm -f /var/cache/domcaps/qemu-system-x86_64-*.json
before=$(stat -c %Z "$emu")
log_lines=$(wc -l </var/log/dpkg.log 2>/dev/null || echo 0)
sleep 1
# The installed version from the archive; else the .deb apt kept; else, when
# the mirror has moved on, an upgrade to its version (the apt upgrade case).
reinstall_qemu() {
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -qq)
    local kept
    kept=/var/cache/apt/archives/qemu-system-x86_$(dpkg-query -W -f='${Version}' qemu-system-x86 | sed 's/:/%3a/')_$(dpkg --print-architecture).deb
    "${apt[@]}" install --reinstall qemu-system-x86 && return 0
    [ -f "$kept" ] && dpkg -i "$kept" && return 0
    "${apt[@]}" update && "${apt[@]}" install --reinstall qemu-system-x86 && return 0
    "${apt[@]}" install --only-upgrade qemu-system-x86
}
if reinstall_qemu >"$work/qemu.log" 2>&1; then
    after=$(stat -c %Z "$emu")
    entry=$(ls /var/cache/domcaps/qemu-system-x86_64-*.json 2>/dev/null | head -n1)
    if [ "$after" = "$before" ]; then
        not_ok "reinstalling qemu-system-x86 replaced $emu" "$work/qemu.log"
    elif ! tail -n +"$((log_lines + 1))" /var/log/dpkg.log | grep -q "trigproc domcaps:"; then
        tail -n +"$((log_lines + 1))" /var/log/dpkg.log >"$work/trig.log"
        not_ok "reinstalling qemu-system-x86 activated the domcaps trigger (dpkg.log)" "$work/trig.log"
    elif [ -z "$entry" ]; then
        grep -i trig "$work/qemu.log" >"$work/trig.log"
        not_ok "the trigger made a cache entry for $emu in /var/cache/domcaps" "$work/trig.log"
    elif python3 - "$entry" "$emu" >"$work/entry.log" 2>&1 <<'EOF'
# The entry is valid for the binary as it is now: its key names this binary's
# size, times and inode, and it holds probed facts with machine types.
import json, os, sys
entry, emu = sys.argv[1], sys.argv[2]
d = json.load(open(entry))
key, facts = d["key"], d["facts"]
st = os.stat(emu)
stamp = lambda ns: "%d.%09d" % (ns // 10**9, ns % 10**9)
assert key["emulator"] == emu, key["emulator"]
assert key["binary"]["size"] == st.st_size, (key["binary"], st.st_size)
assert key["binary"]["mtime"] == stamp(st.st_mtime_ns), (key["binary"]["mtime"], stamp(st.st_mtime_ns))
assert key["binary"]["ctime"] == stamp(st.st_ctime_ns), (key["binary"]["ctime"], stamp(st.st_ctime_ns))
machines = [m["name"] for a in facts["accel"].values() for m in a.get("machines", [])]
assert machines, "no machines in the entry"
print("%d machine entries, key matches the new binary" % len(machines))
EOF
    then
        ok "reinstalling qemu-system-x86 ran the trigger: $(cat "$work/entry.log") (${entry##*/})"
    else
        not_ok "the trigger's cache entry is valid for the new $emu" "$work/entry.log"
    fi
else
    not_ok "apt-get install --reinstall qemu-system-x86" "$work/qemu.log"
fi

# --- QEMU unprivileged: the package's system user, and the trigger's probes ---
if [ "$(getent passwd domcaps | cut -d: -f7)" = /usr/sbin/nologin ] &&
    id -nG domcaps 2>/dev/null | tr ' ' '\n' | grep -qx kvm; then
    ok "the package made the system user domcaps (no shell, in the kvm group)"
else
    { getent passwd domcaps; id domcaps; } >"$work/user.log" 2>&1
    not_ok "the package made the system user domcaps (no shell, in the kvm group)" "$work/user.log"
fi
# Where libvirt is not installed (an empty /etc/libvirt bound over the real
# one, in a mount namespace of the trigger's own), the trigger's QEMU runs as
# domcaps: the entry's key records the uid it ran as, and its KVM access.
mkdir -p "$work/no-libvirt"
rm -f /var/cache/domcaps/qemu-system-x86_64-*.json
if unshare --mount --propagation private sh -c \
    '{ [ ! -d /etc/libvirt ] || mount --bind "$1" /etc/libvirt; } && /var/lib/dpkg/info/domcaps.postinst triggered /usr/bin/qemu-system-x86_64' \
    _ "$work/no-libvirt" >"$work/trig-user.log" 2>&1 &&
    python3 - "$(id -u domcaps)" >>"$work/trig-user.log" 2>&1 <<'EOF'
import glob, json, os, re, sys
uid = int(sys.argv[1])
entries = [e for e in glob.glob("/var/cache/domcaps/qemu-system-x86_64-*.json")
           if re.search(r"/qemu-system-x86_64-[0-9a-f]{16}\.json$", e)]
assert len(entries) == 1, entries
key = json.load(open(entries[0]))["key"]
assert key["user"] == uid, ("QEMU ran as uid", key["user"], "not domcaps", uid)
st = os.stat("/dev/kvm")
if st.st_mode & 0o060 == 0o060:
    assert key["kvm"] == "rw", ("domcaps had no KVM", key["kvm"])
print("uid %d, /dev/kvm %s" % (key["user"], key["kvm"]))
EOF
then
    ok "without libvirt, the trigger probes as domcaps: $(tail -n1 "$work/trig-user.log")"
else
    not_ok "without libvirt, the trigger probes as domcaps" "$work/trig-user.log"
fi
# The cache is root's again for the checks below.
rm -f /var/cache/domcaps/qemu-system-x86_64-*.json

# --- the installed library exports only the public API ---
lib=$(ls /usr/lib/*/libdomcaps.so.0 2>/dev/null | head -n1)
if [ -n "$lib" ] && bash tests/install/check-exports.sh "$lib" >"$work/nm.log" 2>&1; then
    ok "$(cat "$work/nm.log")"
else
    not_ok "nm -D $lib: only domcaps_* symbols" "$work/nm.log"
fi

# --- the Python binding's package ---
if [[ " ${packages[*]} " == *" python3-domcaps "* ]]; then
    if (cd / && /usr/bin/python3 -c 'import domcaps, sys; print(domcaps.__file__); sys.stdout.write(domcaps.capabilities_xml())') \
        >"$work/py.out" 2>&1 && head -n1 "$work/py.out" | grep -q "^/usr/lib/python3/dist-packages/" &&
        tail -n +2 "$work/py.out" | cmp -s - "$work/host.xml"; then
        ok "python3-domcaps: import domcaps (installed) prints the host's document"
    else
        not_ok "python3-domcaps: import domcaps (installed) prints the host's document" "$work/py.out"
    fi
fi
