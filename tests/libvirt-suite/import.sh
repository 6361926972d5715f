#!/bin/bash
# Import libvirt's own domain capabilities test data from a libvirt source
# tree (`apt-get source libvirt`: Debian 12's 9.0.0, Debian 13's 11.3.0):
# every QMP transcript (tests/qemucapabilitiesdata/*.replies) and every
# expected QEMU document (tests/domaincapsdata/qemu_*.xml), as one archive
#   tests/libvirt-suite/import.sh SOURCE_TREE RELEASE   e.g. ~/libvirt-9.0.0 9.0
# which tests/libvirt-suite/run.py replays. Data only: no libvirt code.
set -euo pipefail
src=$1 rel=$2
out=$(cd "$(dirname "$0")/../data/libvirt-suite" && pwd)/libvirt-$rel.tar.xz
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/$rel/replies" "$tmp/$rel/domaincapsdata"
cp "$src"/tests/qemucapabilitiesdata/*.replies "$tmp/$rel/replies/"
cp "$src"/tests/domaincapsdata/qemu_*.xml "$tmp/$rel/domaincapsdata/"
tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - "$rel" | xz -9 > "$out"
echo "$out: $(ls "$tmp/$rel/replies" | wc -l) transcripts, $(ls "$tmp/$rel/domaincapsdata" | wc -l) documents"
