#!/bin/bash
# A fleet's work at scale: intersect, baseline and tabulate N hosts'
# documents, for N = 125, 250, 500, 1000 and 2000, in libvirt 9.0's format
# and in the newest (11.3's, which lists every unusable model's blockers:
# five times the elements). The documents are tests/fleet/gen.py's: real
# variations of libvirt's own q35 documents, each host one of the 37 Intel
# CPUs of libvirt's CPU test data (one vendor, so that the fleet has a CPU
# to baseline), several QEMU versions, paths, firmware and devices.
#   bench/fleet.sh [BUILD_DIR]   (default: build-bench, an optimized build made here)
# Prints, per size and format, the median of 5 runs of bench/fleetbench
# (wall and CPU seconds, peak resident memory), then the CLI commands one
# by one for 1000 hosts. Not a test: run it on a quiet machine.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
BUILD=${1:-build-bench}
if [ ! -x "$BUILD/bench/fleetbench" ]; then
  meson setup "$BUILD" -Dbuildtype=release >/dev/null
fi
ninja -C "$BUILD" >/dev/null
DC="$BUILD/tools/domcaps"
WORK=$(mktemp -d /tmp/domcaps-fleet-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
INTEL=$(python3 -c '
import json
cpus = json.load(open("tests/data/fleet/cpus.json"))
print(",".join(n for n, c in sorted(cpus.items()) if c["host_model"]["vendor"] == "Intel"))')

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

printf '%-6s %6s %10s %10s %10s\n' format hosts "wall s" "cpu s" "peak MiB"
for fmt in 9.0 11.3; do
  python3 tests/fleet/gen.py --format "$fmt" --cpus "$INTEL" 2000 "$WORK/$fmt" >/dev/null
  all=("$WORK/$fmt"/*.xml)
  for n in 125 250 500 1000 2000; do
    out=$(for _ in 1 2 3 4 5; do "$BUILD/bench/fleetbench" "${all[@]:0:$n}"; done)
    wall=$(sed -n 's/.*total \([0-9.]*\) s.*/\1/p' <<<"$out" | median)
    cpu=$(sed -n 's/.*(cpu \([0-9.]*\) s).*/\1/p' <<<"$out" | median)
    peak=$(sed -n 's/.*peak \([0-9.]*\) MiB.*/\1/p' <<<"$out" | median)
    printf '%-6s %6s %10s %10s %10s\n' "$fmt" "$n" "$wall" "$cpu" "$peak"
  done
done

echo
echo "The CLI, 1000 hosts (wall s, peak KiB):"
for fmt in 9.0 11.3; do
  all=("$WORK/$fmt"/*.xml)
  files=("${all[@]:0:1000}")
  caps=()
  for f in "${files[@]}"; do caps+=("--caps=$(basename "$f" .xml)=$f"); done
  /usr/bin/time -f "  $fmt intersect --cpu:             %e s %M KiB" "$DC" intersect -o /dev/null --cpu /dev/null \
    "${files[@]}"
  /usr/bin/time -f "  $fmt matrix --differences --caps: %e s %M KiB" "$DC" matrix --differences "${caps[@]}" >/dev/null
done
