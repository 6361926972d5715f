#!/bin/bash
# Run the tests under valgrind (memcheck with leak checking) in ./build-vg, a
# build without sanitizers (ASan and valgrind do not mix).
#   scripts/valgrind.sh         the `valgrind` meson suite (what CI runs): unit
#                               tests, a few replay cases per arch family,
#                               misbehaving emulators and the check/diff/...
#                               CLI tests (~3 min)
#   scripts/valgrind.sh --all   and `valgrind-full` (the value table and CPU
#                               result files, the cache with the real QEMU),
#                               and every replay case under tests/cases
# A definite or indirect leak, or any memory error, fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v valgrind >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >&2
fi
if [ -d build-vg ]; then
  meson setup --reconfigure build-vg -Dbuildtype=debugoptimized -Db_sanitize=none >/dev/null
else
  meson setup build-vg -Dbuildtype=debugoptimized -Db_sanitize=none >/dev/null
fi
ninja -C build-vg >&2
if [ "${1:-}" = "--all" ]; then
    meson test -C build-vg --suite valgrind --suite valgrind-full --print-errorlogs
else
    meson test -C build-vg --suite valgrind --print-errorlogs
fi
if [ "${1:-}" = "--all" ]; then
  python3 tests/run-cases.py build-vg/tests/valgrind-domcaps tests/cases
fi
