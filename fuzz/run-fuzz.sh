#!/bin/sh
# Run one libFuzzer target briefly over its seed corpus (the `fuzz` meson
# test suite). New inputs go to a scratch directory, never into the source
# tree; a crash leaves its reproducer in ARTIFACT_DIR.
#   run-fuzz.sh FUZZER SEED_DIR SECONDS ARTIFACT_DIR [DICT]
set -eu
fuzzer=$1 seeds=$2 seconds=$3 artifacts=$4 dict=${5:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/domcaps-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
# libFuzzer exits 77 on a crash by default, which meson reads as "skipped".
set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -error_exitcode=1 \
       -artifact_prefix="$artifacts/$(basename "$fuzzer")-"
[ -n "$dict" ] && set -- "$@" -dict="$dict"
"$fuzzer" "$@" "$work" "$seeds"
