#!/usr/bin/env python3
"""The matrix as an HTML page, in headless Chromium (Debian's chromium).

Builds `domcaps matrix --html` from capability documents probed from the
recorded transcripts (tests/data/analyze/caps/), loads it in Chromium,
and checks what the browser shows: the DOM after the page's script ran
(--dump-dom: columns, rows, the check marks of known capabilities, the
row filter taken from the address) and a screenshot (--screenshot: the
table's green "yes" and red "no" cells are painted). Prints TAP; skipped
when Chromium is not installed (scripts/setup.sh installs it).

Usage: test-html.py DOMCAPS_BINARY [KEEP_DIR]
"""
import html.parser
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CAPS = os.path.join(os.path.dirname(HERE), "data", "analyze", "caps")
TARGETS = ["x86_64-tcg-q35", "x86_64-kvm-default", "aarch64-tcg-virt", "s390x-tcg-default",
           "ppc64-tcg-default", "riscv64-tcg-virt"]


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browser(exe, profile, *args):
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
           "--user-data-dir=" + profile, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


class Table(html.parser.HTMLParser):
    """Rows of #matrix: (label, [cells], hidden, classes); the column headings."""

    def __init__(self):
        super().__init__()
        self.rows, self.heads, self.attrs = [], [], {}
        self.in_table = False
        self.row = None
        self.cell = None
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.attrs = a
        if tag == "table" and a.get("id") == "matrix":
            self.in_table = True
        if not self.in_table:
            return
        if tag == "thead":
            self.in_head = True
        elif tag == "tr" and not self.in_head:
            self.row = {"cells": [], "hidden": "hidden" in a, "class": a.get("class", "")}
        elif tag in ("th", "td"):
            self.cell = []
            if tag == "th" and self.in_head and a.get("scope") == "col":
                self.cell_is_head = True
            else:
                self.cell_is_head = False

    def handle_endtag(self, tag):
        if not self.in_table:
            return
        if tag == "thead":
            self.in_head = False
        elif tag in ("th", "td") and self.cell is not None:
            text = "".join(self.cell).strip()
            if self.in_head:
                if self.cell_is_head:
                    self.heads.append(text)
            elif self.row is not None:
                self.row["cells"].append(text)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None
        elif tag == "table":
            self.in_table = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def parse(dom):
    t = Table()
    t.feed(dom)
    return t


def span(dom, ident):
    start = dom.index(f'id="{ident}">') + len(f'id="{ident}">')
    return int(dom[start:dom.index("<", start)])


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def main():
    domcaps = sys.argv[1]
    exe = chromium()
    if not exe:
        check(False, "chromium renders the page", "chromium is not installed (scripts/setup.sh installs it)")
        return finish()
    checks = []

    def ok(cond, what):
        checks.append((bool(cond), what))

    keep = sys.argv[2] if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory(prefix="domcaps-html-") as tmp:
        out = keep or tmp
        os.makedirs(out, exist_ok=True)
        page = os.path.join(out, "matrix.html")
        args = [domcaps, "matrix", "--html", page]
        for t in TARGETS:
            args += ["--caps", os.path.join(CAPS, t + ".xml")]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
        ok(proc.returncode == 0 and os.path.getsize(page) > 1000, f"domcaps matrix --html: {proc.stderr.strip()}")
        source = open(page, encoding="utf-8").read()
        ok("http:" not in source and "https:" not in source and "src=" not in source,
           "the page is self-contained (nothing to fetch)")

        profile = os.path.join(tmp, "profile")
        url = "file://" + page
        r = browser(exe, profile, "--dump-dom", url)
        dom = r.stdout
        t = parse(dom)
        ok(r.returncode == 0 and "<table" in dom, f"chromium --dump-dom: exit {r.returncode}")
        ok(t.attrs.get("data-ready") == "yes", "the page's script ran")
        ok(t.heads[:3] == ["x86_64 pc-q35-7.2qemu", "x86_64 pc-i440fx-7.2kvm", "aarch64 virt-7.2qemu"] and
           len(t.heads) == 6,
           f"one column per target: {t.heads}")
        body = [r for r in t.rows if "section" not in r["class"]]
        sections = [r["cells"][0] for r in t.rows if "section" in r["class"]]
        ok(sections[:3] == ["General", "OS and firmware", "CPU"] and "Devices" in sections and
           "Features" in sections, f"sections: {sections}")
        ok(span(dom, "rows") == len(body) == span(dom, "shown"), "every row is shown and counted")
        ok(all(len(r["cells"]) == 7 for r in body), "every row has a label and six cells")
        by_label = {r["cells"][0]: r["cells"][1:] for r in body}
        ok(by_label.get("disk bus: ide") == ["·", "✓", "·", "·", "·", "·"],
           f"IDE only on i440fx: {by_label.get('disk bus: ide')}")
        ok(by_label.get("gic") == ["✗", "✗", "✓", "✗", "✗", "✗"], f"a GIC only on arm: {by_label.get('gic')}")
        ok(by_label.get("host-passthrough") == ["✗", "✓", "✗", "✗", "✗", "✗"],
           f"host-passthrough only with KVM: {by_label.get('host-passthrough')}")
        ok(by_label.get("vcpu max") == ["288", "255", "512", "248", "4096", "512"],
           f"vcpu max: {by_label.get('vcpu max')}")
        ok(by_label.get("video modelType: virtio", [""])[0] == "✓", "virtio video on x86")
        differing = span(dom, "differing")
        ok(0 < differing < len(body), f"{differing} of {len(body)} rows differ")

        # the filter, from the address
        r = browser(exe, profile, "--dump-dom", url + "#filter=virtio")
        f = parse(r.stdout)
        shown = [r["cells"][0] for r in f.rows if not r["hidden"] and "section" not in r["class"]]
        ok(len(shown) >= 5 and all("virtio" in s.lower() for s in shown), f"rows filtered by 'virtio': {shown}")
        ok(span(r.stdout, "shown") == len(shown) < len(body), "the count of shown rows follows the filter")
        hidden_sections = [r["cells"][0] for r in f.rows if r["hidden"] and "section" in r["class"]]
        ok("General" in hidden_sections and "Devices" not in hidden_sections,
           f"sections without a shown row are hidden: {hidden_sections}")
        r = browser(exe, profile, "--dump-dom", url + "#filter=disk&differs")
        f = parse(r.stdout)
        shown = [r["cells"][0] for r in f.rows if not r["hidden"] and "section" not in r["class"]]
        ok("disk bus: ide" in shown and "disk bus: virtio" not in shown,
           f"rows filtered by 'disk', only those that differ: {shown}")

        # a column whose machine is part of its target's name keeps the machine
        microvm = os.path.join(out, "x86_64-microvm.xml")
        q35 = open(os.path.join(CAPS, "x86_64-tcg-q35.xml"), encoding="utf-8").read()
        open(microvm, "w", encoding="utf-8").write(
            q35.replace("/usr/bin/qemu-system-x86_64<", "/usr/bin/qemu-system-x86_64-microvm<")
               .replace("<machine>pc-q35-7.2</machine>", "<machine>microvm</machine>"))
        page2 = os.path.join(out, "microvm.html")
        proc = subprocess.run([domcaps, "matrix", "--html", page2, "--caps", microvm, "--caps",
                               os.path.join(CAPS, "x86_64-tcg-q35.xml")], capture_output=True, text=True, timeout=60)
        heads = parse(open(page2, encoding="utf-8").read()).heads
        ok(proc.returncode == 0 and heads and heads[0] == "x86_64-microvmmicrovmqemu",
           f"the microvm column shows its machine: {heads}")

        # scrolled sideways, the capability column stays at the left edge
        wide = os.path.join(out, "wide.html")
        args = [domcaps, "matrix", "--html", wide]
        for _ in range(4):
            for t in TARGETS:
                args += ["--caps", os.path.join(CAPS, t + ".xml")]
        subprocess.run(args, capture_output=True, text=True, timeout=60)
        probe = ("<script>window.scrollTo(100000, 0);"
                 "var th = document.querySelectorAll('#matrix tbody th[scope=row]')[3];"
                 "var td = th.nextElementSibling;"
                 "document.body.setAttribute('data-scrolled', window.scrollX);"
                 "document.body.setAttribute('data-label-left', Math.round(th.getBoundingClientRect().left));"
                 "document.body.setAttribute('data-cell-left', Math.round(td.getBoundingClientRect().left));"
                 "</script></body>")
        page3 = os.path.join(out, "wide-scrolled.html")
        open(page3, "w", encoding="utf-8").write(open(wide, encoding="utf-8").read().replace("</body>", probe))
        r = browser(exe, profile, "--window-size=800,600", "--dump-dom", "file://" + page3)
        a = parse(r.stdout).attrs
        scrolled, label_left, cell_left = (int(a.get(k, "-1")) for k in ("data-scrolled", "data-label-left",
                                                                         "data-cell-left"))
        ok(scrolled > 200 and 0 <= label_left <= 30 and cell_left < 0,
           f"the capability column stays in view (scrolled {scrolled}px: label at {label_left}, "
           f"first cell at {cell_left})")

        # what is painted
        shot = os.path.join(out, "matrix.png")
        r = browser(exe, profile, "--window-size=1400,1000", "--hide-scrollbars", "--screenshot=" + shot, url)
        ok(r.returncode == 0 and os.path.exists(shot), f"chromium --screenshot: exit {r.returncode}")
        if os.path.exists(shot):
            w, h, rows = png_pixels(shot)
            ok((w, h) == (1400, 1000), f"screenshot size {w}x{h}")
            near = lambda p, q: all(abs(x - y) <= 6 for x, y in zip(p, q))
            count = {"yes": 0, "no": 0, "section": 0, "white": 0, "dark": 0}
            for row in rows[::2]:
                for p in row[::2]:
                    if near(p, (0xda, 0xfb, 0xe1)):
                        count["yes"] += 1
                    elif near(p, (0xff, 0xeb, 0xe9)):
                        count["no"] += 1
                    elif near(p, (0xdd, 0xf4, 0xff)):
                        count["section"] += 1
                    elif p == (255, 255, 255):
                        count["white"] += 1
                    elif sum(p) < 200:
                        count["dark"] += 1
            total = len(rows[::2]) * len(rows[0][::2])
            ok(count["yes"] > 0.05 * total, f"green 'yes' cells painted: {count}")
            ok(count["no"] > 0.005 * total, f"red 'no' cells painted: {count}")
            ok(count["section"] > 0.005 * total, f"section headings painted: {count}")
            ok(count["dark"] > 0.005 * total and count["white"] < 0.9 * total, f"text painted: {count}")

    for good, what in checks:
        check(good, what)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
