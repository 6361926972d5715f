#!/bin/bash
# Side-by-side benchmark of domcaps against libvirt 9.0 on this host.
#   bench/run.sh [BUILD_DIR]      (default: build-bench, an optimized build made here)
# Needs root (libvirt's daemon is restarted with an empty cache for the cold
# runs, and binaries are touched to invalidate both caches). Prints a table of
# times and ratios; nothing here is a test, run it on a quiet machine.
set -euo pipefail
export LC_ALL=C  # a decimal point in $EPOCHREALTIME and awk
cd "$(dirname "$0")/.."
ORACLE=${DOMCAPS_ORACLE:-tests/reference/libvirt-domcaps}
BUILD=${1:-build-bench}
if [ ! -x "$BUILD/tools/domcaps" ]; then
  meson setup "$BUILD" -Dbuildtype=release >/dev/null
fi
ninja -C "$BUILD" >/dev/null
DC="$BUILD/tools/domcaps"
QEMU=/usr/bin/qemu-system-x86_64
CACHE=$(mktemp -d /tmp/domcaps-bench-XXXXXX)
trap 'rm -rf "$CACHE"' EXIT

# the median of numbers, one per line
median_of() { sort -n | awk '{a[NR] = $1} END {printf "%.1f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# median wall time in ms of N runs of a command: this machine shares its
# host, and a median shrugs off the runs a neighbour slowed down, which a
# mean does not. $EPOCHREALTIME costs no fork inside the timed part.
median_ms() {
  local n=$1; shift
  local t0 t1 times=()
  for _ in $(seq "$n"); do
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1
    t1=$EPOCHREALTIME
    times+=("$t0 $t1")
  done
  printf '%s\n' "${times[@]}" | awk '{print ($2 - $1) * 1000}' | median_of
}
bare_qemu() {
  printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"quit"}' |
    "$QEMU" -S -no-user-config -nodefaults -nographic -machine none -accel tcg -qmp stdio >/dev/null
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1fx", a/b}'; }

# The oracle starts libvirtd when none runs, and its first query can reach the
# socket before the daemon listens: retry just that, so a timing never counts
# a refused connection as an answer.
lv_query() {
  local i err=$CACHE/oracle.err
  for i in $(seq 50); do
    "$ORACLE" "$@" 2>"$err" && return 0
    grep -q 'Failed to connect socket' "$err" || { cat "$err" >&2; return 1; }
    sleep 0.1
  done
  return 1
}
lv_query --virttype qemu >/dev/null   # libvirt installed and running

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "QEMU $("$QEMU" --version | head -1 | awk '{print $4}'), libvirt $(virsh --version), $("$DC" --version)"
echo

bare=$(median_ms 20 bare_qemu)

dc_cold=$(median_ms 20 "$DC" --no-cache --virttype qemu --emulatorbin "$QEMU")
dc_cold_kvm=$(median_ms 20 "$DC" --no-cache --virttype kvm --emulatorbin "$QEMU")
# libvirt re-probes a binary whose ctime changed: touch it before each query.
lv_cold_one() { touch "$QEMU"; lv_query --virttype "$1" --emulatorbin "$QEMU"; }
lv_cold=$(median_ms 3 lv_cold_one qemu)
lv_cold_kvm=$(median_ms 3 lv_cold_one kvm)
# The floor for each: QEMU alone answering the questions of the query's
# transcript (one full pass per accelerator, as libvirt asks them; passes at
# the same time), with nothing parsed or built.
"$DC" --no-cache --virttype qemu --emulatorbin "$QEMU" --record "$CACHE/tcg.replies" >/dev/null
"$DC" --no-cache --virttype kvm --emulatorbin "$QEMU" --record "$CACHE/kvm.replies" >/dev/null
tcg_passes=$(grep -c '"execute": "qmp_capabilities"' "$CACHE/tcg.replies")
floor=$(python3 bench/qmp_floor.py "$CACHE/tcg.replies" "$QEMU" 20 "$([ "$tcg_passes" = 2 ] && echo kvm,tcg || echo tcg)")
floor_kvm=$(python3 bench/qmp_floor.py "$CACHE/kvm.replies" "$QEMU" 20 kvm)

dc_all=$(median_ms 3 "$DC" --all --no-cache --virttype qemu --output-dir "$CACHE/all")
n_all=$(ls "$CACHE/all" | wc -l)
# A fresh libvirtd with an empty cache, asked for each binary domcaps served.
lv_all_once() {
  LIBVIRT_REF_FRESH=1 tests/reference/virsh version >/dev/null
  for f in "$CACHE"/all/*.xml; do
    lv_query --virttype qemu --emulatorbin "/usr/bin/qemu-system-$(basename "$f" .xml)" >/dev/null
  done
}
lv_warm=$(median_ms 20 lv_query --virttype qemu)
lv_all=$(median_ms 1 lv_all_once)

"$DC" --virttype qemu --cache-dir "$CACHE/c" >/dev/null
dc_warm=$(median_ms 50 "$DC" --virttype qemu --cache-dir "$CACHE/c")
lib_warm_us=$(for _ in 1 2 3 4 5; do "$BUILD/bench/libbench" "$CACHE/c" 2000; done | median_of)

# KubeVirt's labeller line: this host's document into hypervisor-cpu-baseline
# --features, both warm (libvirtd running with its cache; domcaps' cache).
"$DC" --schema 9.0 --machine q35 --arch x86_64 --cache-dir "$CACHE/c" >"$CACHE/host-caps.xml"
hcb_args=(hypervisor-cpu-baseline --features "$CACHE/host-caps.xml" --machine q35 --arch x86_64)
"$DC" "${hcb_args[@]}" --cache-dir "$CACHE/c" >/dev/null
dc_hcb=$(median_ms 20 "$DC" "${hcb_args[@]}" --cache-dir "$CACHE/c")
lv_hcb=$(median_ms 20 virsh -q -c qemu:///system "${hcb_args[@]}")

rss_cold=$("$DC" --no-cache --virttype qemu --stats 2>&1 >/dev/null | sed -n 's/.*peak RSS \([0-9]*\) KiB/\1/p')
rss_warm=$("$DC" --virttype qemu --cache-dir "$CACHE/c" --stats 2>&1 >/dev/null | sed -n 's/.*peak RSS \([0-9]*\) KiB/\1/p')

printf '%-34s %12s %12s %10s\n' "measure" "domcaps" "libvirt" "ratio"
printf '%-34s %10s ms %10s ms %10s\n' "cold, one binary (x86_64, TCG)" "$dc_cold" "$lv_cold" "$(ratio "$lv_cold" "$dc_cold")"
printf '%-34s %10s ms %12s %10s\n' "  QEMU alone, same questions" "$floor" "" "$(ratio "$dc_cold" "$floor") of it"
printf '%-34s %10s ms %10s ms %10s\n' "cold, one binary (x86_64, KVM)" "$dc_cold_kvm" "$lv_cold_kvm" "$(ratio "$lv_cold_kvm" "$dc_cold_kvm")"
printf '%-34s %10s ms %12s %10s\n' "  QEMU alone, same questions" "$floor_kvm" "" "$(ratio "$dc_cold_kvm" "$floor_kvm") of it"
printf '%-34s %10s ms %12s %10s\n' "bare QEMU start + QMP + quit" "$bare" "" "$(ratio "$dc_cold_kvm" "$bare")-$(ratio "$dc_cold" "$bare") of it"
printf '%-34s %10s ms %10s ms %10s\n' "cold, all binaries ($n_all documents)" "$dc_all" "$lv_all" "$(ratio "$lv_all" "$dc_all")"
printf '%-34s %10s ms %10s ms %10s\n' "warm CLI query" "$dc_warm" "$lv_warm" "$(ratio "$lv_warm" "$dc_warm")"
printf '%-34s %10s us %12s %10s\n' "warm library call (get + XML)" "$lib_warm_us" "" ""
printf '%-34s %10s ms %10s ms %10s\n' "hypervisor-cpu-baseline --features" "$dc_hcb" "$lv_hcb" "$(ratio "$lv_hcb" "$dc_hcb")"
printf '%-34s %10s KiB %10s %10s\n' "CLI peak RSS, cold / warm" "$rss_cold / $rss_warm" "" ""
