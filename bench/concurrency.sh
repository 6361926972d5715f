#!/bin/bash
# Concurrent cold queries: how many QEMUs start and how long until every
# client has its answer, domcaps against libvirt's daemon asked the same way.
#   bench/concurrency.sh [BUILD_DIR] [N...]   (default: build-bench, an optimized
#                                             build made here; N: 1 16 64)
# Each QEMU binary is reached through a wrapper that logs its start and execs
# the real one, so both sides' QEMU starts are counted the same way. For each
# N, N clients start at once and are all cold:
#   domcaps, one binary      N x `domcaps --emulatorbin W/qemu-system-x86_64`, one
#                            fresh cache directory (they share one probe)
#   domcaps --no-cache       the same, nothing shared (each its own probe: how
#                            domcaps behaved before it locked the entry)
#   domcaps, every binary    N x `domcaps --all W/...`, one fresh cache directory
#   libvirt, one binary      N x `virsh domcapabilities --emulatorbin W/...`,
#                            libvirtd restarted with an empty capability cache
#   libvirt, every binary    N clients, each asking virsh for every binary in turn
# "Every binary" is every installed qemu-system-* that domcaps --all answers
# for (the targets libvirt serves). The daemon's start is not timed: it is
# restarted, and answers `virsh version`, before the clock starts.
# BENCH_SIDES="domcaps" (or "libvirt") runs one side only: the daemon is not
# touched without "libvirt" (default: both).
# Needs root (libvirt's daemon is restarted). Prints a table; nothing here is
# a test, run it on a quiet machine. It stops by itself: every client has a
# 600 s limit.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
BUILD=${1:-build-bench}
shift || true
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(1 16 64)
if [ ! -x "$BUILD/tools/domcaps" ]; then
  meson setup "$BUILD" -Dbuildtype=release >/dev/null
fi
ninja -C "$BUILD" >/dev/null
DC=$(realpath "$BUILD/tools/domcaps")
VIRSH=tests/reference/virsh
WORK=$(mktemp -d /tmp/domcaps-concurrency-XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
LOG=$WORK/starts.log

# The wrappers: W/qemu-system-TARGET for each real one, logging each start.
mkdir "$WORK/bin"
for real in /usr/bin/qemu-system-*; do
  w=$WORK/bin/${real##*/}
  printf '#!/bin/sh\necho "$0" >> %s\nexec %s "$@"\n' "$LOG" "$real" >"$w"
  chmod 755 "$w"
done
: >"$LOG"
chmod 666 "$LOG"

# Every binary domcaps answers for (a skipped target prints no document),
# with the domain type and arch its document has: virsh is asked for the
# same (it takes the host's arch, and KVM, when not told).
mapfile -t QUERIES < <("$DC" --all --no-cache --user root "$WORK"/bin/qemu-system-* 2>/dev/null |
  awk -F'[<>]' '/^  <path>/ {p = $3} /^  <domain>/ {d = $3} /^  <arch>/ {print p, d, $3}')
EVERY=()
for q in "${QUERIES[@]}"; do EVERY+=("${q%% *}"); done
ONE=$WORK/bin/qemu-system-x86_64

starts() { wc -l <"$LOG"; }
now() { echo "$EPOCHREALTIME"; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.0f", (b - a) * 1000}'; }

# N clients of a command at once; prints "QEMU-starts wall-ms failures".
clients() {
  local n=$1; shift
  local t0 t1 pids=() fail=0 pid
  : >"$LOG"
  t0=$(now)
  for _ in $(seq "$n"); do
    timeout 600 "$@" >/dev/null 2>>"$WORK/errors" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || fail=$((fail + 1)); done
  t1=$(now)
  echo "$(starts) $(ms "$t0" "$t1") $fail"
}

# "libvirt, every binary": one client asking for each binary in turn, with
# the domain type and arch of domcaps' document of it.
printf '%s\n' "${QUERIES[@]}" >"$WORK/queries"
cat >"$WORK/lv-every" <<EOF
#!/bin/sh
rc=0
while read -r e d a; do
  virsh -q -c qemu:///system domcapabilities --emulatorbin "\$e" --virttype "\$d" --arch "\$a" >/dev/null || rc=1
done <"$WORK/queries"
exit \$rc
EOF
chmod 755 "$WORK/lv-every"
fresh_cache() { CACHE=$WORK/cache-$RANDOM$RANDOM; }
fresh_libvirt() { LIBVIRT_REF_FRESH=1 "$VIRSH" version >/dev/null; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "QEMU $(/usr/bin/qemu-system-x86_64 --version | head -1 | awk '{print $4}'), libvirt $(virsh --version), $("$DC" --version | head -1)"
echo "one binary: qemu-system-x86_64 (KVM, the default query); every binary: ${#EVERY[@]} (${EVERY[*]##*/})"
echo
printf '%-26s %5s %12s %10s %9s\n' "clients, cold" "N" "QEMU starts" "wall ms" "failures"
row() { printf '%-26s %5s %12s %10s %9s\n' "$1" "$2" $3; }
SIDES=${BENCH_SIDES:-domcaps libvirt}
side() { [[ " $SIDES " == *" $1 "* ]]; }
for n in "${COUNTS[@]}"; do
  side domcaps || continue
  fresh_cache
  row "domcaps, one binary" "$n" "$(clients "$n" "$DC" --emulatorbin "$ONE" --cache-dir "$CACHE" --user root)"
  row "domcaps --no-cache" "$n" "$(clients "$n" "$DC" --emulatorbin "$ONE" --no-cache --user root)"
  fresh_cache
  row "domcaps, every binary" "$n" "$(clients "$n" "$DC" --all --cache-dir "$CACHE" --user root "${EVERY[@]}")"
done
for n in "${COUNTS[@]}"; do
  side libvirt || continue
  fresh_libvirt
  row "libvirt, one binary" "$n" "$(clients "$n" virsh -q -c qemu:///system domcapabilities --emulatorbin "$ONE")"
  fresh_libvirt
  row "libvirt, every binary" "$n" "$(clients "$n" "$WORK/lv-every")"
done
if [ -s "$WORK/errors" ]; then
  echo
  echo "client errors (first 5):"
  sort "$WORK/errors" | uniq -c | sort -rn | head -5
fi
