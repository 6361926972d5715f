#!/bin/bash
# Set up a Debian machine for domcaps and build it into ./build.
#   scripts/setup.sh              optimized build
#   scripts/setup.sh --sanitize   AddressSanitizer + UndefinedBehaviorSanitizer (what CI runs)
# Installs (as root, with apt): the compiler and libraries, QEMU for every
# target, OVMF/AAVMF firmware, the packaging tools (scdoc for the man pages,
# debhelper and lintian for tests/install/debian.sh), Debian's libvirt (the
# reference the live tests compare against: daemon and clients, started by
# tests/reference/virsh), debootstrap for the Debian 13 comparison, and
# libvirt's consumers virt-manager (virtinst) and OpenStack nova for
# tests/consumers and tests/publish, and Ansible (with community.general's
# chroot connection) for tests/ansible, and meson-python with venv for
# tests/install/pip.sh (pip install .). Nothing outside the checkout is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=0
[ "${1:-}" = "--sanitize" ] && sanitize=1

pkgs="build-essential meson ninja-build pkg-config python3 libglib2.0-dev libjson-c-dev
      libyajl-dev libxml2-dev libxml2-utils clang qemu-system-x86 qemu-system-arm qemu-system-ppc qemu-system-misc
      ovmf qemu-efi-aarch64 libvirt0 swtpm swtpm-tools
      libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients python3-libvirt debootstrap
      scdoc man-db debhelper lintian dh-python python3-dev python3-venv python3-mesonpy
      virtinst python3-nova ansible
      chromium fonts-dejavu-core
      valgrind"
# (qemu-system-misc brings qemu-system-s390x on Debian 12: there the latter
# is only a name it provides, which dpkg never reports installed.)
missing=""
for p in $pkgs; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages:$missing (run as root to install them)" >&2
    exit 1
  fi
  echo "setup: installing$missing" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi

# libvirt is only the live tests' reference: configure and start its daemon
# now, so the first tests do not race to start it.
if [ "$(id -u)" = 0 ]; then
  tests/reference/virsh version >/dev/null
fi

opts=(-Dbuildtype=debugoptimized)
if [ $sanitize = 1 ]; then
  opts+=(-Db_sanitize=address,undefined -Db_lundef=false)
fi
if [ -d build ]; then
  meson setup --reconfigure build "${opts[@]}" >/dev/null
else
  meson setup build "${opts[@]}" >/dev/null
fi
ninja -C build >&2
