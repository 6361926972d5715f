#!/usr/bin/env python3
"""libvirt's <domainCapabilities> as the JSON tree domcaps(1) describes for
--format json, written from the man page's rules (not from domcaps' code):
attributes become members (supported a boolean, integers numbers), <enum
name='N'> lists "enum": {"N": [...]}, <mode name='N'> "mode": {"N": {...}},
repeated elements (value, model, feature, blockers) arrays, element text
"value" (a text-only element is its text).

Usage: xml-to-json.py EXPECTED.xml [RELEASE WHY]
With RELEASE and WHY, adds the "libvirt" member a query states: the release
the document follows and why (e.g. the host's libvirt.so.0 chose it).
Used for the JSON replay cases (tests/cases/debian13-backports-*-json): their
expected.json is libvirt 12.9's document of the XML case beside them, converted.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

ARRAYS = {"value", "model", "feature", "blockers"}
INTEGER = re.compile(r"^-?[0-9]+$")


def attribute(name, value):
    if name == "supported":
        return value == "yes"
    return int(value) if INTEGER.match(value) else value


def convert(el):
    text = (el.text or "").strip()
    kids = list(el)
    if not kids and not el.attrib:
        return text if text else {}
    out = {k: attribute(k, v) for k, v in el.attrib.items()}
    if text:
        out["value"] = text
    for c in kids:
        if c.tag == "enum":
            out.setdefault("enum", {})[c.get("name")] = [(v.text or "").strip() for v in c.findall("value")]
        elif c.tag == "mode":
            d = convert(c)
            d.pop("name", None)
            out.setdefault("mode", {})[c.get("name")] = d
        elif c.tag in ARRAYS:
            out.setdefault(c.tag, []).append(convert(c))
        else:
            out[c.tag] = convert(c)
    return out


def main():
    root = ET.parse(sys.argv[1]).getroot()
    tree = {root.tag: convert(root)}
    if len(sys.argv) > 3:
        tree["libvirt"] = {"release": sys.argv[2], "why": sys.argv[3]}
    text = json.dumps(tree, indent=2)
    # domcaps prints an empty array or object over two lines, as json-c does
    text = re.sub(r"^( *)(.*)(\[\]|\{\})(,?)$",
                  lambda m: f"{m[1]}{m[2]}{m[3][0]}\n{m[1]}{m[3][1]}{m[4]}", text, flags=re.M)
    print(text)


if __name__ == "__main__":
    main()
