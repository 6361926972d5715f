/* The libvirt installed on the host, found by its shared library: which
 * release a drop-in for `virsh domcapabilities` should print by default.
 * The library's file name carries the release (libvirt.so.0.9000.0 is
 * libvirt 9.0.0: 0.MAJOR*1000+MINOR.MICRO), so nothing is loaded or run. */
#pragma once
#include "host/host.h"

/* libvirt's library as installed under the host's root: its release as
 * MAJOR * 1000000 + MINOR * 1000 + MICRO (9000000 for 9.0.0), and in
 * @path (may be NULL) the file that said so, as a host path. 0 when no
 * libvirt library is installed. The first of the dynamic linker's usual
 * directories that holds libvirt.so.0 decides, as it would for virsh. */
guint dc_host_libvirt_version(const DcHost *host, char **path);
