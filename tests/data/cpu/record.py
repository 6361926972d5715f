#!/usr/bin/env python3
"""Record the QMP replies the CPU unit test replays.

Runs QEMU the way libvirt 9.0 probes it and saves, per case, one JSON file
holding the replies to query-cpu-definitions and to the host CPU model
expansions (see tests/unit/test-cpu.c for how they are used).

  record.py CASE BINARY ACCEL CANONICAL [MODEL]
e.g. record.py x86_64-kvm qemu-system-x86_64 kvm 1
CANONICAL is 1 when QEMU reports canonical feature names (x86_64), 0 when
libvirt needs a full expansion too (i686), - to record the definitions only
(architectures without a host-model expansion).  MODEL replaces "max" /
"host" to describe a synthetic host CPU (e.g. Skylake-Server), whose expected
output then comes from oracle-synth.py.
"""
import json
import subprocess
import sys


def qmp(binary, accel, commands):
    args = [binary, '-S', '-no-user-config', '-nodefaults', '-nographic',
            '-machine', 'none', '-accel', accel, '-qmp', 'stdio']
    lines = [json.dumps({'execute': 'qmp_capabilities'})]
    lines += [json.dumps(c) for c in commands]
    lines.append(json.dumps({'execute': 'quit'}))
    out = subprocess.run(args, input='\n'.join(lines) + '\n',
                         capture_output=True, text=True, check=True).stdout
    replies = []
    for line in out.splitlines():
        msg = json.loads(line)
        if 'return' in msg or 'error' in msg:
            replies.append(msg)
    # qmp_capabilities first, quit last
    return replies[1:1 + len(commands)]


def expand(binary, accel, model, migratable, canonical):
    m = {'name': model}
    if not migratable:
        m['props'] = {'migratable': False}
    cmd = {'execute': 'query-cpu-model-expansion',
           'arguments': {'type': 'static', 'model': m}}
    r = qmp(binary, accel, [cmd])[0]
    if canonical or 'return' not in r:
        return [cmd, r]
    # Without canonical feature names libvirt expands the static result a
    # second time ("full") to get every spelling of every feature.
    cmd2 = {'execute': 'query-cpu-model-expansion',
            'arguments': {'type': 'full', 'model': r['return']['model']}}
    r2 = qmp(binary, accel, [cmd2])[0]
    return [cmd, r, cmd2, r2]


def main():
    case, binary, accel, canonical = sys.argv[1:5]
    model = 'host' if accel == 'kvm' else 'max'
    if len(sys.argv) > 5:
        model = sys.argv[5]
    defs_cmd = {'execute': 'query-cpu-definitions'}
    defs = qmp(binary, accel, [defs_cmd])[0]
    data = {
        'binary': binary,
        'accel': accel,
        'query-cpu-definitions': [defs_cmd, defs],
    }
    if canonical != '-':
        canonical = canonical == '1'
        data['canonical'] = canonical
        data['expansion'] = expand(binary, accel, model, True, canonical)
        nonmig = expand(binary, accel, model, False, canonical)
        # Named models (synthetic hosts) have no "migratable" property.
        if 'return' in nonmig[1]:
            data['expansion-nonmigratable'] = nonmig
    write(case + '.json', data)


def write(path, data):
    """One QMP message per line, so that re-recordings diff well."""
    def dump(v):
        return json.dumps(v, separators=(',', ':'))
    items = []
    for key, val in data.items():
        if isinstance(val, list):
            body = ',\n'.join('  ' + dump(m) for m in val)
            items.append(' %s: [\n%s\n ]' % (dump(key), body))
        else:
            items.append(' %s: %s' % (dump(key), dump(val)))
    with open(path, 'w') as f:
        f.write('{\n' + ',\n'.join(items) + '\n}\n')


main()
