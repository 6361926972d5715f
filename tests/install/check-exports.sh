#!/bin/sh
# The shared library exports the public API and nothing else: every defined
# dynamic symbol is domcaps_*, apart from the symbol version node itself
# (DOMCAPS_0, an absolute symbol nm lists too). Usage: check-exports.sh LIB
set -eu
lib=$1
syms=$(nm -D --defined-only "$lib") || { echo "nm failed on $lib" >&2; exit 1; }
bad=$(printf '%s\n' "$syms" | awk '
    NF == 0 { next }
    { type = $(NF - 1); name = $NF; sub(/@.*/, "", name) }
    type == "A" && name ~ /^DOMCAPS_[0-9.]+$/ { next }
    name ~ /^domcaps_/ { next }
    { print }')
if [ -n "$bad" ]; then
    echo "$lib exports symbols outside the public API:" >&2
    printf '%s\n' "$bad" >&2
    exit 1
fi
n=$(printf '%s\n' "$syms" | grep -c ' domcaps_' || true)
if [ "$n" -eq 0 ]; then
    echo "$lib exports no domcaps_* symbol" >&2
    exit 1
fi
echo "$lib: $n domcaps_* symbols, nothing else"
