#!/bin/bash
# pip install . and a wheel built from the source tree, as a Python user
# meets them (pyproject.toml, meson-python, meson -Dpython-only=true):
#   - in a fresh virtual environment (--system-site-packages: Debian's
#     meson-python, meson and ninja; no network, so --no-build-isolation and
#     --no-index), `pip install .` of a copy of the tree;
#   - from outside the tree: import domcaps, a TCG query of the real
#     qemu-system-x86_64 that equals the CLI's JSON (when a build dir is
#     given), and a bad query raising domcaps.Error with the library's code;
#   - the installed module is one file, linked to no libdomcaps (the library
#     is inside it);
#   - `pip wheel .` builds a wheel; installed into a second fresh venv it
#     does the same.
# Usage: bash tests/install/pip.sh [BUILD_DIR]   (BUILD_DIR: default ./build,
# for its tools/domcaps; without one the query is compared with nothing)
# Prints TAP-like lines and ends with "pip: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
build_dir=${1:-build}
cli=$src/$build_dir/tools/domcaps
work=$(mktemp -d /tmp/domcaps-pip.XXXXXX)
passed=0
failed=0

. "$src/tests/install/lib.sh"   # ok, not_ok, copy_tree
finish() {
    echo "pip: $passed passed, $failed failed"
    rm -rf "$work"
    [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}
trap 'finish; exit $?' EXIT

python=/usr/bin/python3
if ! $python -c 'import mesonpy' 2>/dev/null; then
    not_ok "Debian's meson-python is installed (python3-mesonpy, scripts/setup.sh)"
    exit 1
fi

# A copy of the tree (never the tree itself: meson-python builds in it).
copy_tree "$src" "$work/src"

# The checks of one installed domcaps module, run by that venv's python
# from a directory outside the tree.
cat >"$work/check.py" <<'EOF'
import json, os, subprocess, sys
import domcaps
cli = sys.argv[1]
where = os.path.dirname(domcaps.__file__)
print("# module:", domcaps.__file__)
assert not where.startswith(sys.argv[2]), f"imported from the tree: {where}"
caps = domcaps.capabilities(virttype="qemu", machine="q35", cache="off")
top = caps["domainCapabilities"]
assert top["domain"] == "qemu" and top["machine"].startswith("pc-q35-"), top["machine"]
if os.path.exists(cli):
    out = subprocess.run([cli, "--virttype", "qemu", "--machine", "q35", "--no-cache", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == caps, "the module's document differs from the CLI's"
    print("# equal to", cli, "--format json")
try:
    domcaps.capabilities(virttype="qemu", machine="no-such-machine", cache="off")
except domcaps.Error as e:
    assert e.code == domcaps.ERROR_UNKNOWN_MACHINE, e.code
    assert "no-such-machine" in str(e), str(e)
    print("# error:", e)
else:
    raise AssertionError("no domcaps.Error for an unknown machine")
EOF

# One fresh venv: install with pip's arguments, then the checks.
try_venv() {
    local name=$1 what=$2
    shift 2
    local venv=$work/$name
    $python -m venv --system-site-packages "$venv" >"$work/$name-venv.log" 2>&1 ||
        { not_ok "$what: python3 -m venv" "$work/$name-venv.log"; return; }
    if (cd "$work/src" && "$venv/bin/pip" "$@") >"$work/$name-pip.log" 2>&1; then
        ok "$what"
    else
        not_ok "$what" "$work/$name-pip.log"
        return
    fi
    if (cd "$work" && "$venv/bin/python" "$work/check.py" "$cli" "$work/src") >"$work/$name-check.log" 2>&1; then
        ok "$what: import, a TCG query, domcaps.Error"
        grep '^#' "$work/$name-check.log"
    else
        not_ok "$what: import, a TCG query, domcaps.Error" "$work/$name-check.log"
    fi
    local mod
    mod=$("$venv/bin/python" -c 'import domcaps; print(domcaps.__file__)' 2>/dev/null)
    if [ -n "$mod" ] && ! ldd "$mod" | grep -q libdomcaps; then
        ok "$what: the module links no libdomcaps ($(basename "$mod"))"
    else
        ldd "$mod" >"$work/$name-ldd.log" 2>&1
        not_ok "$what: the module links no libdomcaps" "$work/$name-ldd.log"
    fi
}

pip_args=(--no-build-isolation --no-index --disable-pip-version-check)
try_venv venv-install "pip install ." install "${pip_args[@]}" .

mkdir -p "$work/wheels"
if (cd "$work/src" && $python -m pip wheel "${pip_args[@]}" --no-deps -w "$work/wheels" .) \
        >"$work/wheel.log" 2>&1 && ls "$work"/wheels/domcaps-*.whl >/dev/null 2>&1; then
    whl=$(ls "$work"/wheels/domcaps-*.whl)
    ok "pip wheel . ($(basename "$whl"))"
    if $python -m zipfile -l "$whl" | grep -q 'domcaps\..*\.so'; then
        ok "the wheel holds the extension module"
    else
        $python -m zipfile -l "$whl" >"$work/wheel-list.log"
        not_ok "the wheel holds the extension module" "$work/wheel-list.log"
    fi
    try_venv venv-wheel "pip install the wheel" install "${pip_args[@]}" "$whl"
else
    not_ok "pip wheel ." "$work/wheel.log"
fi
