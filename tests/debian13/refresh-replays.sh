#!/bin/bash
# Refresh the replayed QEMU 11.1 data from a trixie-backports chroot (the one
# compare.py --profile trixie-backports leaves, or any Debian 13 root with
# libvirt 12.9 and QEMU 11.1 from trixie-backports, libvirtd running inside
# and domcaps built inside):
#
#   refresh-replays.sh ROOT DOMCAPS record     transcripts -> tests/data/qmp/qemu-11.1/
#   refresh-replays.sh ROOT DOMCAPS expected   virsh's documents -> tests/cases/debian13-backports-*/
#
# DOMCAPS is the domcaps binary's path inside ROOT. Run each twice: without
# the module packages QEMU only recommends (qemu-system-gui,
# qemu-system-modules-spice, qemu-system-modules-opengl, qemu-block-extra),
# then with them; each run refreshes only what matches the packages it finds
# (names with "modules" need them, "nomodules" and the rest need them absent).
# Expected documents come from `virsh domcapabilities` alone; a case with
# expected-error is checked to be refused by virsh too; a -json case is its
# XML sibling converted by xml-to-json.py.
set -euo pipefail
root=$1 domcaps=$2 what=$3
here=$(cd "$(dirname "$0")" && pwd); src=$(dirname "$(dirname "$here")")
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
# shellcheck disable=SC2016  # dpkg-query expands ${Status}, not the shell
if in_root dpkg-query -W -f '${Status}' qemu-system-modules-spice 2>/dev/null | grep -q 'ok installed'; then
    mods=modules
else
    mods=nomodules
fi
echo "module packages: $mods"

# transcript name (without -$mods.replies) and the query recording it: a TCG
# query of x86 on a KVM host records both passes (KVM, then TCG)
transcripts=(
    "x86_64-kvm-tcg|--virttype qemu"
    "i386-kvm-tcg|--virttype qemu --arch i686"
    "aarch64-tcg|--virttype qemu --arch aarch64"
    "arm-tcg|--virttype qemu --arch armv7l"
    "ppc64-tcg|--virttype qemu --arch ppc64"
    "ppc-tcg|--virttype qemu --arch ppc"
    "s390x-tcg|--virttype qemu --arch s390x"
    "riscv64-tcg|--virttype qemu --arch riscv64"
    "loongarch64-tcg|--virttype qemu --arch loongarch64"
    "sparc64-tcg|--virttype qemu --arch sparc64"
    "mips64-tcg|--virttype qemu --arch mips64"
)

case $what in
record)
    for t in "${transcripts[@]}"; do
        name=qemu-11.1-${t%%|*}-$mods.replies
        # with the modules, only the transcripts a case uses
        [ $mods = modules ] && ! grep -qx "qemu-11.1/$name" "$src"/tests/cases/debian13-backports-*/transcript && continue
        # shellcheck disable=SC2086
        in_root "$domcaps" --no-cache --record /tmp/$name ${t#*|} >/dev/null
        mv "$root/tmp/$name" "$src/tests/data/qmp/qemu-11.1/$name"
        echo "recorded $name"
    done ;;
expected)
    for d in "$src"/tests/cases/debian13-backports-*/; do
        d=${d%/}; case=$(basename "$d")
        case $case in *-modules-*) want=modules ;; *) want=nomodules ;; esac
        [ $want = $mods ] || continue
        args=$(cat "$d/args")
        if [ -e "$d/expected-error" ]; then
            # shellcheck disable=SC2086
            if in_root virsh -q -c qemu:///system domcapabilities $args >/dev/null 2>&1; then
                echo "$case: virsh accepts what the case expects refused" >&2; exit 1
            fi
        elif [ -e "$d/expected.json" ]; then
            continue  # after the XML cases
        else
            # shellcheck disable=SC2086
            in_root virsh -q -c qemu:///system domcapabilities $args > "$d/expected.xml"
        fi
        echo "refreshed $case"
    done
    for d in "$src"/tests/cases/debian13-backports-*-json/; do
        d=${d%/}; xml=${d%-json}/expected.xml
        case $(basename "$d") in *-modules-*) want=modules ;; *) want=nomodules ;; esac
        [ $want = $mods ] || continue
        python3 "$here/xml-to-json.py" "$xml" 12.9 \
            'libvirt 12.9.0 is installed (/usr/lib/x86_64-linux-gnu/libvirt.so.0.12009.0)' > "$d/expected.json"
        echo "refreshed $(basename "$d")"
    done ;;
*)
    echo "usage: $0 ROOT DOMCAPS record|expected" >&2; exit 2 ;;
esac
