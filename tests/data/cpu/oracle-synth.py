#!/usr/bin/env python3
"""Ask libvirt itself what it makes of a recorded (or synthetic) host CPU.

Injects the replies of tests/data/cpu/CASE.json into the capabilities cache
of a private, unprivileged libvirtd (session mode, run as 'nobody' with its
files under /tmp/lvs, never the system daemon) as its TCG host CPU and CPU
definitions, restarts that daemon and saves `virsh domcapabilities` for the
arch as CASE.expected.xml.  Used to produce expected outputs for host CPUs
this machine does not have (Intel signatures, TSX, Hygon...).

  oracle-synth.py CASE ARCH
"""
import json
import os
import re
import subprocess
import sys
import time
from xml.sax.saxutils import quoteattr

ROOT = '/tmp/lvs'
CACHE = ROOT + '/.cache/libvirt/qemu/cache/capabilities'
BINARIES = {'x86_64': '/usr/bin/qemu-system-x86_64',
            'i686': '/usr/bin/qemu-system-i386'}


def setup():
    """The daemon's home: owned by nobody, runtime dir private."""
    os.makedirs(ROOT + '/run', exist_ok=True)
    for d in (ROOT, ROOT + '/run'):
        os.chown(d, 65534, 65534)
    os.chmod(ROOT + '/run', 0o700)


def virsh(arch):
    env = ['env', '-i', 'HOME=' + ROOT, 'XDG_RUNTIME_DIR=' + ROOT + '/run',
           'PATH=/usr/bin:/usr/sbin']
    cmd = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] + env
    cmd += ['virsh', '-c', 'qemu:///session', 'domcapabilities',
            '--virttype', 'qemu', '--arch', arch]
    return subprocess.run(cmd, capture_output=True, text=True,
                          check=True, timeout=300).stdout


def stop_daemon():
    out = subprocess.run(['pgrep', '-u', 'nobody', '-x', 'libvirtd'],
                         capture_output=True, text=True).stdout.split()
    for pid in out:
        os.kill(int(pid), 15)
    for _ in range(100):
        if subprocess.run(['pgrep', '-u', 'nobody', '-x', 'libvirtd'],
                          capture_output=True).returncode != 0:
            return
        time.sleep(0.1)


def last_return(rec, key):
    return rec[key][-1]['return']


def props_xml(rec):
    mig = last_return(rec, 'expansion')['model']['props']
    nm = {}
    if 'expansion-nonmigratable' in rec:
        nm = last_return(rec, 'expansion-nonmigratable')['model']['props']
    out = ["  <hostCPU type='tcg' model='base' migratability='yes'>"]
    for name, val in mig.items():
        attrs = 'name=%s' % quoteattr(name)
        if isinstance(val, bool):
            mg = ''
            if val:
                mg = " migratable='yes'"
            elif nm.get(name) is True:
                val, mg = True, " migratable='no'"
            out.append("    <property %s type='boolean' value='%s'%s/>"
                       % (attrs, 'true' if val else 'false', mg))
        elif isinstance(val, str):
            out.append("    <property %s type='string' value=%s/>"
                       % (attrs, quoteattr(val)))
        elif isinstance(val, int) and -2**63 <= val < 2**63:
            out.append("    <property %s type='number' value='%d'/>"
                       % (attrs, val))
    out.append('  </hostCPU>')
    return '\n'.join(out) + '\n'


def defs_xml(rec):
    out = []
    for d in last_return(rec, 'query-cpu-definitions'):
        attrs = 'name=%s typename=%s' % (quoteattr(d['name']),
                                         quoteattr(d.get('typename', '')))
        unavail = d.get('unavailable-features')
        if unavail is not None:
            attrs += " usable='%s'" % ('no' if unavail else 'yes')
        if d.get('deprecated'):
            attrs += " deprecated='yes'"
        if unavail:
            out.append("  <cpu type='tcg' %s>" % attrs)
            out += ['    <blocker name=%s/>' % quoteattr(b) for b in unavail]
            out.append('  </cpu>')
        else:
            out.append("  <cpu type='tcg' %s/>" % attrs)
    return '\n'.join(out) + '\n'


def main():
    case, arch = sys.argv[1:3]
    rec = json.load(open(case + '.json'))
    setup()
    virsh(arch)   # make sure the cache exists
    path = None
    for f in os.listdir(CACHE):
        text = open(os.path.join(CACHE, f)).read()
        if '<emulator>%s</emulator>' % BINARIES[arch] in text:
            path = os.path.join(CACHE, f)
            break
    text = re.sub(r"  <hostCPU type='tcg'.*?</hostCPU>\n", '', text, flags=re.S)
    text = re.sub(r"  <cpu type='tcg' [^>]*/>\n", '', text)
    text = re.sub(r"  <cpu type='tcg' [^>]*[^/]>\n.*?  </cpu>\n", '', text,
                  flags=re.S)
    at = text.index('  <machine type=')
    text = text[:at] + props_xml(rec) + defs_xml(rec) + text[at:]
    stop_daemon()
    with open(path, 'w') as f:
        f.write(text)
    out = virsh(arch)
    stop_daemon()
    # libvirt rewrites a cache it considers stale; the answer then describes
    # the real host, not the injected one.
    if open(path).read() != text:
        sys.exit('%s: libvirt replaced the injected cache, try again' % case)
    with open(case + '.expected.xml', 'w') as f:
        f.write(out)


main()
