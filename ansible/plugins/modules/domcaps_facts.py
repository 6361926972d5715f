#!/usr/bin/python3
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ansible module: a host's domain capabilities, from domcaps, as facts."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: domcaps_facts
short_description: Gather the host's domain capabilities with domcaps
description:
  - Runs C(domcaps) on the host (no libvirt daemon, no root needed) once per
    query and returns each document as facts, both as libvirt's XML (what
    C(domcaps intersect) and C(domcaps matrix --caps) read) and as JSON.
  - Changes nothing on the host (domcaps' probe cache aside), so it runs in
    check mode too.
options:
  domcaps:
    description: The domcaps program on the host.
    type: path
    default: domcaps
  queries:
    description:
      - One document per query; each is a dict of domcaps' probe options
        (C(machine), C(arch), C(virttype), C(emulatorbin), C(schema)).
      - The default is one document of the host's default emulator, machine
        and virtualization type.
    type: list
    elements: dict
    default: [{}]
  cache_dir:
    description: domcaps' probe cache directory (its default when not given).
    type: path
  user:
    description:
      - The user QEMU runs as when the module runs as root (C(become)), as
        domcaps' C(--user). Not given, domcaps never probes as root; it takes
        libvirt's QEMU user from C(/etc/libvirt/qemu.conf), else the
        C(domcaps) system user its Debian package makes, else it fails
        asking for one. C(root) probes as root.
    type: str
author:
  - domcaps developers
'''

EXAMPLES = r'''
- name: Gather the q35 document of every host
  domcaps.fleet.domcaps_facts:
    queries:
      - machine: q35
- name: Show the machine type
  ansible.builtin.debug:
    msg: "{{ ansible_facts.domcaps.documents[0].json.domainCapabilities.machine }}"
'''

RETURN = r'''
ansible_facts:
  description: The documents.
  returned: always
  type: dict
  contains:
    domcaps:
      description: C(version) (domcaps --version) and C(documents), one per
        query, each with C(query), C(xml) (libvirt's document) and C(json)
        (the same content as data).
      type: dict
'''

import json

from ansible.module_utils.basic import AnsibleModule

# domcaps' probe options a query may give, and the option spelling
QUERY_OPTIONS = ("machine", "arch", "virttype", "emulatorbin", "schema")


def query_args(query):
    unknown = sorted(set(query) - set(QUERY_OPTIONS))
    if unknown:
        raise ValueError("unknown query option(s) %s (known: %s)" % (", ".join(unknown), ", ".join(QUERY_OPTIONS)))
    args = []
    for key in QUERY_OPTIONS:
        if query.get(key):
            args += ["--" + key, str(query[key])]
    return args


def run_domcaps(module, args):
    rc, out, err = module.run_command([module.params["domcaps"]] + args)
    if rc != 0:
        module.fail_json(msg="domcaps %s failed: %s" % (" ".join(args), err.strip()), rc=rc)
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            domcaps=dict(type="path", default="domcaps"),
            queries=dict(type="list", elements="dict", default=[{}]),
            cache_dir=dict(type="path"),
            user=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    common = ["--cache-dir", module.params["cache_dir"]] if module.params["cache_dir"] else []
    if module.params["user"]:
        common += ["--user", module.params["user"]]
    documents = []
    for query in module.params["queries"] or [{}]:
        try:
            args = query_args(query) + common
        except ValueError as e:
            module.fail_json(msg=str(e))
        xml = run_domcaps(module, args)
        data = json.loads(run_domcaps(module, args + ["--format", "json"]))
        documents.append({"query": query, "xml": xml, "json": data})
    version = run_domcaps(module, ["--version"]).strip()
    module.exit_json(changed=False, ansible_facts={"domcaps": {"version": version, "documents": documents}})


if __name__ == "__main__":
    main()
